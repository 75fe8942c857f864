"""The batch nearest-site search: geodesic (WGS-84) nearest, not spherical nearest, ties by lowest id;
checked against brute force with pyproj and against distances known in closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Geod

from geo.coverage.nearest import NO_SITE, SiteIndex, nearest_of, nearest_sites_geodesic

GEOD = Geod(ellps="WGS84")
EQUATOR_M_PER_DEG = 6378137.0 * math.pi / 180  # along the equator the geodesic is a·Δλ


def _brute(site_ids, slon, slat, lon, lat):
    n, m = len(lon), len(site_ids)
    _, _, d = GEOD.inv(np.repeat(lon, m), np.repeat(lat, m), np.tile(slon, n), np.tile(slat, n))
    d = np.asarray(d).reshape(n, m)
    least = d.min(axis=1)
    ids = np.array([site_ids[d[i] == least[i]].min() for i in range(n)])
    return ids, least


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matches_brute_force_geodesic_nearest_with_ties(seed):
    rng = np.random.default_rng(seed)
    slon, slat = rng.uniform(97, 123, 300), rng.uniform(18, 50, 300)
    slon[:30], slat[:30] = slon[30:60], slat[30:60]  # duplicated positions: ties go to the lowest id
    ids = rng.permutation(100_000)[:300].astype(np.int64)
    lon, lat = rng.uniform(96, 124, 2000), rng.uniform(17, 51, 2000)
    lon[:30], lat[:30] = slon[:30], slat[:30]  # points exactly on duplicated sites
    got_ids, got_m = nearest_sites_geodesic(SiteIndex.build(ids, slon, slat), lon, lat)
    want_ids, want_m = _brute(ids, slon, slat, lon, lat)
    assert np.array_equal(got_m, want_m)
    assert np.array_equal(got_ids, want_ids)


def test_picks_the_geodesic_nearest_where_the_sphere_would_pick_another():
    # At 45°N a degree of latitude is shorter on the ellipsoid than a degree of longitude scaled by cos φ
    # (M < N): site 1 is nearer by angle, site 2 nearer in metres.
    lon, lat = np.array([110.0]), np.array([45.0])
    north = (110.0, 45.09)
    east = (110.0 + 0.0899 / math.cos(math.radians(45.0)), 45.0)
    index = SiteIndex.build(np.array([1, 2]), np.array([east[0], north[0]]), np.array([east[1], north[1]]))
    ids, metres = nearest_sites_geodesic(index, lon, lat)
    _, _, d_east = GEOD.inv(110.0, 45.0, *east)
    _, _, d_north = GEOD.inv(110.0, 45.0, *north)
    assert d_north < d_east  # the premise
    assert ids[0] == 2 and metres[0] == pytest.approx(d_north, abs=1e-6)


def test_distances_along_the_equator_are_a_times_delta_lambda():
    index = SiteIndex.build(np.array([7, 8]), np.array([100.0, 100.3]), np.array([0.0, 0.0]))
    ids, metres = nearest_sites_geodesic(index, np.array([100.02, 100.25, 100.3]), np.zeros(3))
    assert ids.tolist() == [7, 8, 8]
    assert metres == pytest.approx([0.02 * EQUATOR_M_PER_DEG, 0.05 * EQUATOR_M_PER_DEG, 0.0], abs=1e-6)


def test_no_sites_means_no_station_and_infinite_distance():
    ids, metres = nearest_sites_geodesic(SiteIndex.build(np.zeros(0), np.zeros(0), np.zeros(0)), [1.0], [2.0])
    assert ids.tolist() == [NO_SITE] and math.isinf(metres[0])


def test_single_site_is_everyones_nearest():
    index = SiteIndex.build(np.array([5]), np.array([110.0]), np.array([30.0]))
    ids, metres = nearest_sites_geodesic(index, np.array([100.0, 120.0]), np.array([20.0, 40.0]))
    assert ids.tolist() == [5, 5] and np.all(metres > 1e6)


def test_nearest_of_groups_takes_smallest_distance_then_lowest_id():
    a = (np.array([3, NO_SITE, 9]), np.array([10.0, np.inf, 5.0]))
    b = (np.array([2, NO_SITE, 4]), np.array([10.0, np.inf, 6.0]))
    ids, metres = nearest_of([a, b])
    assert ids.tolist() == [2, NO_SITE, 9]
    assert metres[0] == 10.0 and math.isinf(metres[1]) and metres[2] == 5.0


def test_points_provably_beyond_a_bound_are_left_unmeasured():
    rng = np.random.default_rng(9)
    slon, slat = rng.uniform(100, 110, 200), rng.uniform(20, 30, 200)
    lon, lat = rng.uniform(100, 110, 500), rng.uniform(20, 30, 500)
    index = SiteIndex.build(np.arange(200), slon, slat)
    ids, metres = nearest_sites_geodesic(index, lon, lat)
    bound = np.full(500, np.median(metres))
    b_ids, b_metres = nearest_sites_geodesic(index, lon, lat, within_m=bound)
    inside = metres <= bound
    assert np.array_equal(b_ids[inside], ids[inside]) and np.array_equal(b_metres[inside], metres[inside])
    assert np.all((b_ids[~inside] == NO_SITE) | (b_ids[~inside] == ids[~inside]))  # skipped, or measured
    assert np.count_nonzero(b_ids == NO_SITE) > 100
