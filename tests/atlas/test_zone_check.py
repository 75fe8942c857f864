"""The protection-zone check behind /staff/zones/check (issue 19 item 6): every zone a construction polygon
overlaps with the overlap in geodesic m² (ST_Area of the geography of ST_Intersection) and both outlines, and a
construction polygon read from a GeoJSON, KML or zipped Shapefile upload."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient
from pyproj import Geod
from shapely.geometry import MultiPolygon, box, shape
from sqlalchemy import Engine

from geo.atlas.spatial import check_protection_zones
from geo.atlas.zone_check import zone_overlaps
from geo.errors import InvalidInput
from geo.importing.polygon_file import read_polygon_file
from geo.kit.crs import wgs84_to_gcj02
from tests.factories import make_site_at, square

pytestmark = pytest.mark.usefixtures("atlas_restored")

# a quiet corner of 资源县 in the demo atlas for this module's memorial (its zones are squares around it)
LON, LAT = 110.548, 26.012
GEOD = Geod(ellps="WGS84")


def geodesic_m2(geom) -> float:
    """Geodesic area (m²) of a shapely polygon on the WGS-84 ellipsoid, independently of PostGIS."""
    return abs(GEOD.geometry_area_perimeter(geom)[0])


@pytest.fixture(scope="module")
def memorial(client: TestClient) -> dict:
    """A memorial whose protection zone is a 0.002° square and whose control zone a 0.006° square around it."""
    return make_site_at(
        client,
        "memorials",
        (LON, LAT),
        name="核查用纪念碑",
        protection_zone=square(LON, LAT, 0.001),
        control_zone=square(LON, LAT, 0.003),
    )


def _mine(overlaps, memorial: dict) -> dict:
    return {o.zone: o for o in overlaps if o.collection == "memorials" and o.id == memorial["id"]}


def test_a_polygon_over_half_the_protection_zone_overlaps_it_by_half(engine: Engine, memorial: dict):
    # the east half of the protection zone, reaching past the control zone too
    construction = MultiPolygon([box(LON, LAT - 0.002, LON + 0.004, LAT + 0.002)])
    with engine.connect() as conn:
        result = zone_overlaps(conn, construction)
        classic = check_protection_zones(conn, construction)
    mine = _mine(result.overlaps, memorial)
    assert set(mine) == {"protection_zone", "control_zone"}
    protection = mine["protection_zone"]
    expected = geodesic_m2(box(LON, LAT - 0.001, LON + 0.001, LAT + 0.001))
    assert protection.overlap_m2 == pytest.approx(expected, rel=1e-3)
    assert protection.zone_m2 == pytest.approx(2 * expected, rel=1e-3)
    control = mine["control_zone"]
    assert control.overlap_m2 == pytest.approx(
        geodesic_m2(box(LON, LAT - 0.002, LON + 0.003, LAT + 0.002)), rel=1e-3
    )
    # the overlap drawn is the intersection itself, and the zone drawn is the stored zone
    cut = box(LON, LAT - 0.001, LON + 0.001, LAT + 0.001)
    assert shape(protection.overlap_geometry).symmetric_difference(cut).area < 1e-12
    assert shape(protection.zone_geometry).bounds == pytest.approx(
        (LON - 0.001, LAT - 0.001, LON + 0.001, LAT + 0.001)
    )
    assert result.polygon_m2 == pytest.approx(geodesic_m2(construction), rel=1e-6)
    # the same figures as the API's check, which has no outlines
    classic_mine = {h.zone: h for h in classic.hits if h.collection == "memorials" and h.id == memorial["id"]}
    assert classic_mine["protection_zone"].overlap_m2 == pytest.approx(protection.overlap_m2)
    # largest overlap first
    areas = [o.overlap_m2 for o in result.overlaps]
    assert areas == sorted(areas, reverse=True)


def test_a_polygon_only_touching_a_zone_is_listed_with_nothing_to_draw(engine: Engine, memorial: dict):
    touching = MultiPolygon([box(LON + 0.003, LAT - 0.0005, LON + 0.004, LAT + 0.0005)])
    with engine.connect() as conn:
        mine = _mine(zone_overlaps(conn, touching).overlaps, memorial)
    assert set(mine) == {"control_zone"}
    assert mine["control_zone"].overlap_m2 == 0
    assert mine["control_zone"].overlap_geometry is None


def test_a_polygon_far_from_every_zone_overlaps_none(engine: Engine):
    with engine.connect() as conn:
        result = zone_overlaps(conn, MultiPolygon([box(100.0, 20.0, 100.001, 20.001)]))
    assert result.overlaps == [] and result.polygon_m2 > 0


def test_the_overlaps_endpoint_answers_outlines_and_m2(anon_client: TestClient, memorial: dict):
    body = {
        "type": "Polygon",
        "coordinates": [
            [
                [LON, LAT - 0.002],
                [LON + 0.004, LAT - 0.002],
                [LON + 0.004, LAT + 0.002],
                [LON, LAT + 0.002],
                [LON, LAT - 0.002],
            ]
        ],
    }
    answer = anon_client.post("/api/v1/protection-zones/overlaps", json=body)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    hits = [o for o in data["overlaps"] if o["id"] == memorial["id"] and o["collection"] == "memorials"]
    assert {o["zone"] for o in hits} == {"protection_zone", "control_zone"}
    assert all(o["zone_geometry"]["type"] in ("Polygon", "MultiPolygon") for o in hits)
    assert data["numberHit"] == len(data["overlaps"])
    bad = anon_client.post(
        "/api/v1/protection-zones/overlaps",
        json={"type": "Point", "coordinates": [1, 2]},
        params={"lang": "zh"},
    )
    assert bad.status_code == 422


# ------------------------------------------------------------------------------------------- files


def _frame(crs: str = "EPSG:4326", geoms=None) -> gpd.GeoDataFrame:
    geoms = geoms or [
        box(LON, LAT, LON + 0.001, LAT + 0.001),
        box(LON + 0.001, LAT, LON + 0.002, LAT + 0.001),
    ]
    return gpd.GeoDataFrame({"name": ["甲", "乙"][: len(geoms)]}, geometry=geoms, crs="EPSG:4326").to_crs(crs)


def test_a_geojson_of_two_touching_polygons_reads_as_their_union(tmp_path: Path):
    path = tmp_path / "site.geojson"
    _frame().to_file(path, driver="GeoJSON")
    polygon = read_polygon_file(path, "site.geojson")
    assert polygon.geom_type == "MultiPolygon" and len(polygon.geoms) == 1
    assert polygon.bounds == pytest.approx((LON, LAT, LON + 0.002, LAT + 0.001), abs=1e-9)


def test_a_kml_reads_its_polygons(tmp_path: Path):
    path = tmp_path / "site.kml"
    _frame().to_file(path, driver="KML")
    polygon = read_polygon_file(path, "site.kml")
    assert polygon.area == pytest.approx(0.002 * 0.001, rel=1e-6)


def test_a_zipped_shapefile_in_web_mercator_is_turned_to_wgs84(tmp_path: Path):
    folder = tmp_path / "shp"
    folder.mkdir()
    _frame("EPSG:3857").to_file(folder / "site.shp")
    archive = tmp_path / "site.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in folder.iterdir():
            z.write(part, part.name)
    polygon = read_polygon_file(archive, "site.zip")
    assert polygon.bounds == pytest.approx((LON, LAT, LON + 0.002, LAT + 0.001), abs=1e-7)


def test_a_file_drawn_on_amap_is_shifted_back_when_declared_gcj02(tmp_path: Path):
    lon, lat = wgs84_to_gcj02(LON, LAT)
    path = tmp_path / "amap.geojson"
    _frame(geoms=[box(lon, lat, lon + 0.001, lat + 0.001)]).to_file(path, driver="GeoJSON")
    polygon = read_polygon_file(path, "amap.geojson", "GCJ02")
    assert polygon.bounds[0] == pytest.approx(LON, abs=1e-6) and polygon.bounds[1] == pytest.approx(
        LAT, abs=1e-6
    )


@pytest.mark.parametrize(
    ("name", "content", "key"),
    [
        (
            "points.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {},
                            "geometry": {"type": "Point", "coordinates": [LON, LAT]},
                        }
                    ],
                }
            ),
            "zone_file.no_polygon",
        ),
        ("table.csv", "name,lon,lat\n甲,110.5,26.0\n", "zone_file.format"),
        ("broken.geojson", "{not json", "file.not_format"),
    ],
)
def test_a_file_without_a_polygon_is_refused_with_its_reason(
    tmp_path: Path, name: str, content: str, key: str
):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        read_polygon_file(path, name)
    assert refused.value.key == key


def test_the_upload_endpoint_reads_a_file_for_staff_only(
    client: TestClient, anon_client: TestClient, tmp_path: Path
):
    buffer = io.BytesIO()
    _frame().to_file(tmp_path / "a.geojson", driver="GeoJSON")
    buffer.write((tmp_path / "a.geojson").read_bytes())
    files = {"file": ("工地.geojson", buffer.getvalue(), "application/geo+json")}
    assert anon_client.post("/api/v1/protection-zones/polygon-file", files=files).status_code == 401
    answer = client.post("/api/v1/protection-zones/polygon-file", files=files)
    assert answer.status_code == 200, answer.text
    feature = answer.json()
    assert feature["geometry"]["type"] == "MultiPolygon" and feature["properties"]["name"] == "工地.geojson"
    refused = client.post(
        "/api/v1/protection-zones/polygon-file",
        files={"file": ("表.csv", b"a,b\n1,2\n", "text/csv")},
        headers={"Accept-Language": "zh"},
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == "表.csv 不是 GeoJSON、KML 或压缩的 Shapefile 文件"
    empty = client.post("/api/v1/protection-zones/polygon-file", files={"file": ("空.kml", b"", "text/xml")})
    assert empty.status_code == 422 and "空.kml" in empty.json()["detail"]
