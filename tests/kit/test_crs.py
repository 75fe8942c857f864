"""Conversions between WGS-84, GCJ-02 and BD-09, and geometry transformation to WGS-84."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod, Transformer

from geo.errors import InvalidInput
from geo.kit.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    declared_source,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    transform_geometry,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")
# Tiananmen Square, WGS-84 (degrees).
BEIJING = (116.3913, 39.9075)


def _china_grid() -> tuple[np.ndarray, np.ndarray]:
    """A 0.2-degree grid over mainland China's extent (WGS-84 degrees), about 45,000 points."""
    lon, lat = np.meshgrid(np.arange(73.5, 135.0, 0.2), np.arange(18.0, 53.5, 0.2))
    return lon, lat


def test_gcj02_inverse_recovers_wgs84_to_1e7_degrees_on_china_grid():
    lon, lat = _china_grid()
    back_lon, back_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    # A one-step inverse is off by up to ~1e-5 degrees; the iterative one must be centimetre-level.
    assert np.abs(back_lon - lon).max() < 1e-7
    assert np.abs(back_lat - lat).max() < 1e-7


def test_gcj02_to_wgs84_then_forward_reproduces_gcj02_input():
    gcj_lon, gcj_lat = _china_grid()
    again_lon, again_lat = wgs84_to_gcj02(*gcj02_to_wgs84(gcj_lon, gcj_lat))
    assert np.abs(again_lon - gcj_lon).max() < 1e-7
    assert np.abs(again_lat - gcj_lat).max() < 1e-7


def test_gcj02_offset_near_beijing_is_a_few_hundred_metres_to_the_east_north_east():
    gcj_lon, gcj_lat = wgs84_to_gcj02(*BEIJING)
    _, _, metres = GEOD.inv(BEIJING[0], BEIJING[1], gcj_lon, gcj_lat)
    assert 100 < metres < 700
    assert 0.004 < gcj_lon - BEIJING[0] < 0.008
    assert 0.0005 < gcj_lat - BEIJING[1] < 0.003


def test_gcj02_offset_over_china_is_between_zero_and_a_kilometre():
    lon, lat = _china_grid()
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    _, _, metres = GEOD.inv(lon.ravel(), lat.ravel(), gcj_lon.ravel(), gcj_lat.ravel())
    assert metres.min() > 0
    assert metres.max() < 1000


def test_bd09_is_offset_from_gcj02_by_about_0_006_degrees_near_beijing():
    gcj_lon, gcj_lat = wgs84_to_gcj02(*BEIJING)
    bd_lon, bd_lat = gcj02_to_bd09(gcj_lon, gcj_lat)
    assert 0.005 < bd_lon - gcj_lon < 0.008
    assert 0.004 < bd_lat - gcj_lat < 0.008


def test_bd09_round_trips_to_1e7_degrees_on_china_grid():
    lon, lat = _china_grid()
    back_lon, back_lat = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert np.abs(back_lon - lon).max() < 1e-7
    assert np.abs(back_lat - lat).max() < 1e-7
    gcj_lon, gcj_lat = bd09_to_gcj02(*gcj02_to_bd09(lon, lat))
    assert np.abs(gcj_lon - lon).max() < 1e-7
    assert np.abs(gcj_lat - lat).max() < 1e-7


@pytest.mark.parametrize(
    "convert",
    [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84],
)
def test_points_outside_china_are_unchanged(convert):
    # Paris, New York, Sydney, Moscow, Mumbai.
    lon = np.array([2.35, -74.0, 151.2, 37.6, 72.0])
    lat = np.array([48.85, 40.7, -33.9, 55.75, 19.0])
    out_lon, out_lat = convert(lon, lat)
    assert np.array_equal(out_lon, lon)
    assert np.array_equal(out_lat, lat)
    assert convert(2.35, 48.85) == (2.35, 48.85)


@pytest.mark.parametrize(
    "convert",
    [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84],
)
def test_points_inside_china_are_moved(convert):
    out_lon, out_lat = convert(np.array([BEIJING[0], 2.35]), np.array([BEIJING[1], 48.85]))
    assert abs(out_lon[0] - BEIJING[0]) > 1e-4
    assert (out_lon[1], out_lat[1]) == (2.35, 48.85)


def test_out_of_china_uses_the_rough_bounding_box():
    assert out_of_china(2.35, 48.85) is True
    assert out_of_china(*BEIJING) is False
    assert out_of_china(np.array([100.0, 140.0]), np.array([30.0, 30.0])).tolist() == [False, True]


def test_scalars_give_floats_and_arrays_keep_their_shape():
    result = gcj02_to_wgs84(116.4, 39.9)
    assert isinstance(result, tuple) and all(type(v) is float for v in result)
    lon, lat = _china_grid()
    out_lon, out_lat = gcj02_to_wgs84(lon, lat)
    assert out_lon.shape == lon.shape and out_lat.shape == lat.shape
    # Inputs are not modified in place.
    assert np.array_equal(lon, _china_grid()[0])


def test_each_point_converts_the_same_whatever_else_is_in_the_array():
    # Shared vertices of neighbouring polygons must stay bit-identical after conversion.
    rng = np.random.default_rng(7)
    lon = rng.uniform(98.0, 122.0, 500)
    lat = rng.uniform(20.0, 45.0, 500)
    all_lon, all_lat = gcj02_to_wgs84(lon, lat)
    for i in range(0, 500, 37):
        one_lon, one_lat = gcj02_to_wgs84(lon[i], lat[i])
        assert (one_lon, one_lat) == (all_lon[i], all_lat[i])


def test_transform_geometry_from_gcj02_matches_point_conversion():
    polygon = shapely.Polygon([(108.30, 22.80), (108.40, 22.80), (108.40, 22.90), (108.30, 22.80)])
    out = transform_geometry(polygon, "gcj02")
    coords = shapely.get_coordinates(polygon)
    expected_lon, expected_lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
    assert np.allclose(
        shapely.get_coordinates(out), np.column_stack([expected_lon, expected_lat]), atol=1e-12
    )
    assert out.is_valid


@pytest.mark.parametrize("name", ["GCJ02", "gcj02", "GCJ-02", " gcj_02 "])
def test_transform_geometry_source_names_are_case_insensitive(name):
    point = shapely.Point(116.4, 39.9)
    assert transform_geometry(point, name).equals(transform_geometry(point, "GCJ02"))
    assert not transform_geometry(point, name).equals(point)


def test_transform_geometry_from_bd09_undoes_wgs84_to_bd09():
    bd = wgs84_to_bd09(*BEIJING)
    out = transform_geometry(shapely.Point(bd), "BD09")
    assert out.distance(shapely.Point(BEIJING)) < 1e-7


@pytest.mark.parametrize("name", ["WGS84", "wgs-84", "CGCS2000", "EPSG:4326", "epsg:4490"])
def test_transform_geometry_leaves_wgs84_and_cgcs2000_unchanged(name):
    line = shapely.LineString([(116.4, 39.9), (116.5, 40.0)])
    assert transform_geometry(line, name).equals_exact(line, tolerance=0)


def test_transform_geometry_reprojects_other_epsg_codes_with_pyproj():
    point = shapely.Point(500_000.0, 4_420_000.0)  # UTM zone 50N, near Beijing
    out = transform_geometry(point, "EPSG:32650")
    lon, lat = Transformer.from_crs("EPSG:32650", "EPSG:4326", always_xy=True).transform(point.x, point.y)
    assert out.x == pytest.approx(lon, abs=1e-9) and out.y == pytest.approx(lat, abs=1e-9)
    assert 116 < out.x < 118 and 39 < out.y < 41


def test_transform_geometry_keeps_z_values():
    out = transform_geometry(shapely.Point(116.4, 39.9, 55.0), "GCJ02")
    assert out.has_z and out.z == 55.0
    assert out.x != 116.4


@pytest.mark.parametrize("name", ["Mars", "GCJ03", "", "EPSG:999999", "EPSG:abc"])
def test_transform_geometry_rejects_unknown_source_with_value_error(name):
    with pytest.raises(ValueError, match="coordinate system"):
        transform_geometry(shapely.Point(116.4, 39.9), name)


@pytest.mark.parametrize(
    ("declared", "canonical"),
    [
        ("wgs-84", "WGS84"),
        ("CGCS2000", "WGS84"),
        ("epsg:4490", "WGS84"),
        ("gcj_02", "GCJ02"),
        ("GCJ-02", "GCJ02"),
        ("bd09ll", "BD09"),
        ("epsg:4547", "EPSG:4547"),
    ],
)
def test_declared_source_names_the_system_in_one_spelling(declared, canonical):
    assert declared_source(declared) == canonical
    # the declaration wins over the file's own system
    assert declared_source(declared, CRS.from_epsg(32650)) == canonical


def test_declared_source_falls_back_on_the_files_own_system_then_wgs84():
    assert declared_source(None, CRS.from_epsg(32650)) == "EPSG:32650"
    assert declared_source(None, CRS.from_epsg(4490)) == "WGS84"
    assert declared_source(None, None) == "WGS84"


@pytest.mark.parametrize("declared", ["Mars", "GCJ03", "EPSG:abc"])
def test_declared_source_refuses_an_unknown_system_naming_the_accepted_ones(declared):
    with pytest.raises(InvalidInput, match="unknown coordinate system .*expected one of WGS84"):
        declared_source(declared)
    with pytest.raises(InvalidInput, match="must be a non-empty string"):
        declared_source(" ")


def test_declared_source_checks_an_epsg_code_exists_only_when_asked():
    assert declared_source("EPSG:999999") == "EPSG:999999"
    with pytest.raises(InvalidInput, match="unknown coordinate system EPSG:999999: no such EPSG code"):
        declared_source("EPSG:999999", check_epsg=True)
