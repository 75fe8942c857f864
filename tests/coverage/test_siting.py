"""Siting (MCLP, LSCP, target share): coverage on the ellipsoid, known optima, spopt as oracle, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pulp
import pytest
from pyproj import Geod
from spopt.locate import LSCP, MCLP

from geo.coverage.siting import (
    GEODESIC_RATIO_MAX,
    GEODESIC_RATIO_MIN,
    build_instance,
    coverage_matrix,
    maximize_coverage,
    minimize_sites,
    reach_coverage_share,
    solve_siting,
)
from geo.errors import InvalidInput

GEOD = Geod(ellps="WGS84")
# A point in Guangxi (WGS-84 degrees); the hand-made instances lie on the geodesic due east of it.
ORIGIN = (108.3, 22.8)

# spopt builds its models with PuLP calls that PuLP 3.x deprecates for 4.0, and its documented solver
# PULP_CBC_CMD is deprecated the same way: third-party noise, silenced only on the tests that run spopt.
SPOPT_BUILDS_LPVARIABLE = pytest.mark.filterwarnings(
    r"ignore:Constructing LpVariable\(name, \.\.\.\) directly is deprecated:DeprecationWarning"
)
PULP_CBC_DEPRECATED = pytest.mark.filterwarnings("ignore:PULP_CBC_CMD is deprecated:DeprecationWarning")


def _east(km: list[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points at the given geodesic distances (km) due east of ORIGIN, as (lon, lat) arrays."""
    km = np.asarray(km, dtype=float)
    lon, lat, _ = GEOD.fwd(
        np.full(km.size, ORIGIN[0]), np.full(km.size, ORIGIN[1]), np.full(km.size, 90.0), km * 1e3
    )
    return np.asarray(lon), np.asarray(lat)


def _random_points(
    rng: np.random.Generator, n: int, span_km: float, clusters: int
) -> tuple[np.ndarray, np.ndarray]:
    """n points clustered in a square of span_km around ORIGIN (WGS-84 degrees)."""
    centres = rng.uniform(0, span_km, size=(clusters, 2))
    xy = centres[rng.integers(0, clusters, n)] + rng.normal(0, span_km / 8, size=(n, 2))
    lat = ORIGIN[1] + (xy[:, 1] - span_km / 2) / 111.32
    lon = ORIGIN[0] + (xy[:, 0] - span_km / 2) / (111.32 * np.cos(np.radians(ORIGIN[1])))
    return lon, lat


def _distances(lon_a, lat_a, lon_b, lat_b) -> np.ndarray:
    """Dense geodesic distance matrix in metres (the oracle's cost matrix)."""
    i, j = np.meshgrid(np.arange(len(lon_a)), np.arange(len(lon_b)), indexing="ij")
    _, _, d = GEOD.inv(lon_a[i.ravel()], lat_a[i.ravel()], lon_b[j.ravel()], lat_b[j.ravel()])
    return np.asarray(d).reshape(i.shape)


# ------------------------------------------------------------------------------ coverage on the ellipsoid


def test_ratio_bounds_between_ellipsoid_and_sphere_are_about_half_a_percent():
    assert 0.9940 < GEODESIC_RATIO_MIN < 0.9945
    assert 1.0040 < GEODESIC_RATIO_MAX < 1.0050


@pytest.mark.parametrize("lat", [4.0, 23.0, 53.0])  # Zengmu Ansha, Guangxi, Mohe
@pytest.mark.parametrize("azimuth", [0.0, 45.0, 90.0])
def test_pairs_a_metre_either_side_of_the_distance_are_decided_on_the_ellipsoid(lat, azimuth):
    # The sphere is off by up to ~0.5 %: 15 m at 3 km, so these pairs all fall in the exactly checked band.
    ring_m = np.array([2_999.0, 2_999.9, 3_000.1, 3_001.0, 2_990.0, 3_010.0])
    lon, lat_, _ = GEOD.fwd(
        np.full(ring_m.size, 110.0), np.full(ring_m.size, lat), np.full(ring_m.size, azimuth), ring_m
    )
    matrix = coverage_matrix([110.0], [lat], lon, lat_, 3_000.0)
    assert matrix.toarray()[0].tolist() == (ring_m <= 3_000.0).tolist()


def test_coverage_matrix_equals_the_pairwise_geodesic_test():
    rng = np.random.default_rng(11)
    d_lon, d_lat = _random_points(rng, 300, 40, 5)
    c_lon, c_lat = _random_points(rng, 200, 40, 5)
    expected = _distances(d_lon, d_lat, c_lon, c_lat) <= 4_000.0
    matrix = coverage_matrix(d_lon, d_lat, c_lon, c_lat, 4_000.0)
    assert matrix.format == "csr"
    assert matrix.nnz == expected.sum() > 0
    assert (matrix.toarray() == expected).all()


def test_demand_already_covered_by_an_existing_station_leaves_the_model():
    d_lon, d_lat = _east([0.0, 2.0, 4.0, 10.0])
    e_lon, e_lat = _east([9.0])
    inst = build_instance(d_lon, d_lat, *_east([2.0]), 3_000.0, existing_lon=e_lon, existing_lat=e_lat)
    assert inst.covered_before.tolist() == [False, False, False, True]
    assert inst.open_demand.tolist() == [0, 1, 2]
    assert inst.cover.shape == (3, 1)


# ------------------------------------------------------------------------------- hand-made known optima

# On one east-west line (km from ORIGIN), coverage 3 km:
#   demand  d0 @0 (w5)  d1 @4 (w5)  d2 @2 (w6)  d3 @10 (w8)  d4 @20 (w1, no candidate within 3 km)
#   sites   c0 @2 covers d0 d1 d2 (16)   c1 @10 covers d3 (8)   c2 @4 covers d1 d2 (11)   c3 @7.5 covers d3 (8)
LINE_DEMAND_KM = [0.0, 4.0, 2.0, 10.0, 20.0]
LINE_WEIGHTS = [5.0, 5.0, 6.0, 8.0, 1.0]
LINE_SITES_KM = [2.0, 10.0, 4.0, 7.5]


def _line(**kwargs):
    return build_instance(
        *_east(LINE_DEMAND_KM), *_east(LINE_SITES_KM), 3_000.0, weights=LINE_WEIGHTS, **kwargs
    )


def test_mclp_line_one_site_takes_the_three_villages():
    result = maximize_coverage(_line(), 1)
    assert result.chosen.tolist() == [0]
    assert result.newly_covered_weight == 16.0
    assert result.status == "optimal" and result.gap == 0.0
    assert result.served[0].tolist() == [0, 1, 2]
    assert result.covered_share_before == 0.0
    assert result.covered_share_after == pytest.approx(16 / 25)


def test_mclp_line_two_sites_and_the_uncoverable_village_is_reported():
    result = maximize_coverage(_line(), 2)
    assert sorted(result.chosen.tolist()) in ([0, 1], [0, 3])
    assert result.objective == result.newly_covered_weight == 24.0
    assert result.uncoverable.tolist() == [4]


def test_mclp_with_more_sites_than_useful_reports_only_useful_ones():
    result = maximize_coverage(_line(), 4)
    assert result.chosen.size == 2
    assert result.newly_covered_weight == 24.0


def test_existing_station_counts_as_chosen_and_shares_include_it():
    e_lon, e_lat = _east([11.0])
    result = maximize_coverage(_line(existing_lon=e_lon, existing_lat=e_lat), 1)
    assert result.chosen.tolist() == [0]
    assert result.newly_covered_weight == 16.0
    assert result.covered_share_before == pytest.approx(8 / 25)
    assert result.covered_share_after == pytest.approx(24 / 25)


def test_lscp_line_needs_two_sites_and_reports_uncoverable_demand():
    result = minimize_sites(_line())
    assert result.objective == 2.0
    assert sorted(result.chosen.tolist()) in ([0, 1], [0, 3])
    assert result.status == "optimal"
    assert result.uncoverable.tolist() == [4]
    assert result.covered_share_after == pytest.approx(24 / 25)


def test_lscp_demanding_full_coverage_with_uncoverable_demand_is_invalid_input():
    with pytest.raises(InvalidInput, match="1 demand points are farther than 3000 m"):
        minimize_sites(_line(), require_full_coverage=True)


def test_target_share_line_half_needs_one_site_and_ninety_percent_two():
    assert reach_coverage_share(_line(), 0.5).chosen.tolist() == [0]
    result = reach_coverage_share(_line(), 0.9)
    assert result.objective == 2.0 and result.covered_share_after >= 0.9


def test_target_share_beyond_what_all_candidates_reach_is_invalid_input():
    with pytest.raises(
        InvalidInput, match="unreachable: existing stations plus every candidate site cover at most 0.96"
    ):
        reach_coverage_share(_line(), 0.99)


def test_target_share_already_met_by_existing_stations_needs_no_site():
    e_lon, e_lat = _east([2.0, 10.0])
    result = reach_coverage_share(_line(existing_lon=e_lon, existing_lat=e_lat), 0.9)
    assert result.chosen.size == 0 and result.status == "optimal"


def test_each_village_is_served_by_its_nearest_chosen_site():
    # coverage 4 km: d1 @2.5 is within reach of both c0 @0 (2.5 km) and c1 @6 (3.5 km)
    inst = build_instance(*_east([0.0, 2.5, 6.0]), *_east([0.0, 6.0]), 4_000.0, weights=[10, 1, 10])
    result = maximize_coverage(inst, 2)
    assert result.chosen.tolist() == [0, 1]  # c0 serves 11 people, c1 serves 10
    assert [s.tolist() for s in result.served] == [[0, 1], [2]]
    assert result.served_distance_m[0] == pytest.approx([0.0, 2_500.0], abs=1e-3)


def test_solve_siting_takes_plain_arrays():
    result = solve_siting(
        "mclp",
        *_east(LINE_DEMAND_KM),
        *_east(LINE_SITES_KM),
        distance_m=3_000.0,
        weights=np.array(LINE_WEIGHTS),
        p=1,
    )
    assert result.problem == "mclp" and result.chosen.tolist() == [0]
    assert (
        solve_siting("lscp", *_east(LINE_DEMAND_KM), *_east(LINE_SITES_KM), distance_m=3_000.0).objective
        == 2.0
    )


# ------------------------------------------------------------------------------------ spopt as oracle


def _random_instance(seed: int, n_existing: int):
    rng = np.random.default_rng(seed)
    d_lon, d_lat = _random_points(rng, 60, 20, 4)
    c_lon, c_lat = _random_points(rng, 25, 20, 4)
    e_lon, e_lat = _random_points(rng, n_existing, 20, 2)
    weights = rng.integers(1, 100, 60).astype(float)
    return d_lon, d_lat, c_lon, c_lat, e_lon, e_lat, weights


def _spopt_costs(d_lon, d_lat, c_lon, c_lat, e_lon, e_lat) -> tuple[np.ndarray, np.ndarray]:
    """spopt's facilities are the existing stations (predefined) followed by the candidates."""
    costs = _distances(d_lon, d_lat, np.concatenate([e_lon, c_lon]), np.concatenate([e_lat, c_lat]))
    predefined = np.concatenate([np.ones(e_lon.size, dtype=int), np.zeros(c_lon.size, dtype=int)])
    return costs, predefined


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("p", [2, 5])
@pytest.mark.parametrize("lp_first", [True, False], ids=["lp-first", "mip-only"])
@SPOPT_BUILDS_LPVARIABLE
@PULP_CBC_DEPRECATED
def test_mclp_matches_spopt_objective(seed, p, lp_first):
    d_lon, d_lat, c_lon, c_lat, e_lon, e_lat, weights = _random_instance(seed, n_existing=seed % 3)
    ours = maximize_coverage(
        build_instance(
            d_lon, d_lat, c_lon, c_lat, 3_000.0, weights=weights, existing_lon=e_lon, existing_lat=e_lat
        ),
        p,
        lp_first=lp_first,
    )
    costs, predefined = _spopt_costs(d_lon, d_lat, c_lon, c_lat, e_lon, e_lat)
    model = MCLP.from_cost_matrix(
        costs,
        weights,
        service_radius=3_000.0,
        p_facilities=p + e_lon.size,
        predefined_facilities_arr=predefined if e_lon.size else None,
    )
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    assert pulp.LpStatus[model.problem.status] == "Optimal"
    spopt_covered = pulp.value(model.problem.objective)
    assert ours.status == "optimal"
    assert ours.newly_covered_weight == pytest.approx(ours.objective)
    # spopt's objective counts what the existing stations cover too
    assert weights.sum() * ours.covered_share_after == pytest.approx(spopt_covered)


def _lscp_cases():
    return [(seed, n_existing) for seed in range(6) for n_existing in (0, 2)]


@pytest.mark.parametrize(("seed", "n_existing"), _lscp_cases())
@SPOPT_BUILDS_LPVARIABLE
@PULP_CBC_DEPRECATED
def test_lscp_matches_spopt_objective_on_coverable_demand(seed, n_existing):
    d_lon, d_lat, c_lon, c_lat, e_lon, e_lat, _ = _random_instance(100 + seed, n_existing)
    ours = minimize_sites(
        build_instance(d_lon, d_lat, c_lon, c_lat, 3_000.0, existing_lon=e_lon, existing_lat=e_lat)
    )
    costs, predefined = _spopt_costs(d_lon, d_lat, c_lon, c_lat, e_lon, e_lat)
    coverable = (costs <= 3_000.0).any(axis=1)
    assert np.flatnonzero(~coverable).tolist() == ours.uncoverable.tolist()
    model = LSCP.from_cost_matrix(
        costs[coverable], service_radius=3_000.0, predefined_facilities_arr=predefined if n_existing else None
    )
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    assert pulp.LpStatus[model.problem.status] == "Optimal"
    assert ours.status == "optimal"
    assert ours.objective == pulp.value(model.problem.objective) - n_existing
    # and the answer really covers every coverable village
    covered = ours.covered_share_after * 60
    assert covered == pytest.approx(coverable.sum())


@SPOPT_BUILDS_LPVARIABLE
@PULP_CBC_DEPRECATED
def test_lscp_mip_answer_matches_spopt_where_the_heuristic_falls_short():
    rng = np.random.default_rng(1)
    d_lon, d_lat = _random_points(rng, 200, 20, 4)
    c_lon, c_lat = _random_points(rng, 100, 20, 4)
    ours = minimize_sites(build_instance(d_lon, d_lat, c_lon, c_lat, 3_000.0))
    assert ours.warm_start_accepted is True
    assert ours.objective < ours.heuristic_objective  # the MIP improved on greedy + swap here
    costs = _distances(d_lon, d_lat, c_lon, c_lat)
    model = LSCP.from_cost_matrix(costs[(costs <= 3_000.0).any(axis=1)], service_radius=3_000.0)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    assert pulp.LpStatus[model.problem.status] == "Optimal"
    assert ours.objective == pulp.value(model.problem.objective)


def test_target_share_matches_brute_force_on_a_small_instance():
    rng = np.random.default_rng(7)
    d_lon, d_lat = _random_points(rng, 40, 15, 3)
    c_lon, c_lat = _random_points(rng, 10, 15, 3)
    weights = rng.integers(1, 50, 40).astype(float)
    covers = _distances(d_lon, d_lat, c_lon, c_lat) <= 3_000.0
    inst = build_instance(d_lon, d_lat, c_lon, c_lat, 3_000.0, weights=weights)
    reachable = weights[covers.any(axis=1)].sum() / weights.sum()
    for share in (0.5 * reachable, 0.8 * reachable, reachable):
        best = next(
            k
            for k in range(11)
            for subset in itertools.combinations(range(10), k)
            if weights[covers[:, list(subset)].any(axis=1)].sum() >= share * weights.sum() - 1e-9
        )
        result = reach_coverage_share(inst, share)
        assert result.objective == best
        assert result.covered_share_after >= share - 1e-9


# ---------------------------------------------------------------------------- heuristic, MIP, warm start


def _clustered_instance(n: int, span_km: float, seed: int):
    rng = np.random.default_rng(seed)
    lon, lat = _random_points(rng, n, span_km, max(3, n // 150))
    weights = np.rint(rng.lognormal(np.log(300), 0.8, n))
    return build_instance(lon, lat, lon, lat, 3_000.0, weights=weights)


def test_mip_is_warm_started_from_the_heuristic_and_never_worse():
    inst = _clustered_instance(600, 30, seed=3)
    result = maximize_coverage(inst, 8, lp_first=False)
    assert result.warm_start_accepted is True
    assert result.status == "optimal"
    assert result.objective >= result.heuristic_objective
    assert result.mip_bound == pytest.approx(result.objective)
    assert result.objective == pytest.approx(result.newly_covered_weight)


def test_heuristic_only_reports_no_mip_and_a_bound():
    inst = _clustered_instance(600, 30, seed=3)
    result = maximize_coverage(inst, 8, exact=False)
    assert result.warm_start_accepted is None and result.timings.mip_solve_s == 0.0
    assert result.bound >= result.objective == result.heuristic_objective
    exact = maximize_coverage(inst, 8)
    assert exact.status == "optimal"
    assert exact.objective >= 0.97 * result.objective  # greedy + swap is close to the optimum
    assert result.objective <= exact.objective


def test_time_limit_returns_the_incumbent_with_a_proven_gap():
    inst = _clustered_instance(800, 25, seed=5)
    result = maximize_coverage(inst, 25, time_limit_s=0.3, lp_first=False)
    assert result.status == "time_limit"
    assert result.objective >= result.heuristic_objective
    assert result.bound >= result.objective
    assert 0.0 < result.gap < 1.0
    assert result.gap == pytest.approx((result.bound - result.objective) / result.objective)


def test_lscp_mip_improves_on_the_warm_started_heuristic_and_covers_every_coverable_village():
    inst = _clustered_instance(400, 25, seed=2)
    result = minimize_sites(inst)
    assert result.status == "optimal"
    assert result.warm_start_accepted is True
    assert result.objective < result.heuristic_objective  # greedy + swap leaves a site or two here
    covered = np.zeros(inst.n_demand, dtype=bool)
    for served in result.served:
        covered[served] = True
    assert covered.sum() == inst.n_demand - inst.uncoverable.size


def test_target_share_mip_is_warm_started_and_meets_the_share():
    inst = _clustered_instance(400, 25, seed=2)
    result = reach_coverage_share(inst, 0.8)
    assert result.status == "optimal"
    assert result.covered_share_after >= 0.8
    assert result.warm_start_accepted is True
    assert result.objective < result.heuristic_objective


def test_served_villages_are_within_the_distance_and_partition_the_new_coverage():
    inst = _clustered_instance(600, 30, seed=4)
    result = maximize_coverage(inst, 10)
    served = np.concatenate(result.served)
    assert np.unique(served).size == served.size
    assert inst.weights[served].sum() == pytest.approx(result.newly_covered_weight)
    for site, villages, dist in zip(result.chosen, result.served, result.served_distance_m, strict=True):
        _, _, expected = GEOD.inv(
            inst.demand_lon[villages],
            inst.demand_lat[villages],
            np.full(villages.size, inst.candidate_lon[site]),
            np.full(villages.size, inst.candidate_lat[site]),
        )
        assert dist == pytest.approx(expected, abs=1e-6)
        assert (dist <= 3_000.0).all()


# ------------------------------------------------------------------------------- fewer sites: reasons


def test_more_sites_than_candidates_take_every_useful_one_and_say_why():
    inst = _line()
    result = maximize_coverage(inst, 5)
    assert result.requested_sites == 5 and result.chosen.size <= inst.n_candidates
    assert result.reasons[0].code == "few_candidates"
    assert result.reasons[0].params == {"p": 5, "candidates": inst.n_candidates}
    assert result.covered_share_after == maximize_coverage(inst, inst.n_candidates).covered_share_after


def test_a_site_that_adds_nobody_is_named_as_the_reason_for_fewer_sites():
    # one candidate beside an existing station: it would cover nobody new
    inst = build_instance(
        [0.0, 0.5], [0.0, 0.0], [0.0, 0.5], [0.0, 0.0], 3_000.0, existing_lon=[0.0], existing_lat=[0.0]
    )
    result = maximize_coverage(inst, 2)
    assert result.chosen.tolist() == [1] and result.status == "optimal"
    assert [r.code for r in result.reasons] == ["no_gain"]
    assert result.reasons[0].params == {
        "useful": 1,
        "useless": 1,
        "distance_m": 3_000.0,
        "useless_sites": [0],
    }


def test_fewer_sites_when_every_reachable_point_is_covered_already():
    # two candidates 1 km apart reach the same one village: the second adds nobody once the first is chosen
    inst = build_instance([0.0], [0.0], [0.0, 0.009], [0.0, 0.0], 3_000.0)
    result = maximize_coverage(inst, 2)
    assert result.chosen.size == 1
    assert [r.code for r in result.reasons] == ["all_reachable_covered"]


def test_an_unproven_answer_says_so_with_its_gap():
    result = maximize_coverage(_line(), 1, exact=False)
    if result.status == "heuristic_only":
        assert result.reasons[-1].code == "not_proven" and result.reasons[-1].params["gap"] == result.gap
    else:
        assert all(r.code != "not_proven" for r in result.reasons)


# ----------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda inst: maximize_coverage(inst, 0), "at least 1"),
        (lambda inst: maximize_coverage(inst, -2), "at least 1"),
        (lambda inst: maximize_coverage(inst, 1.5), "must be an integer"),
        (lambda inst: maximize_coverage(inst, 1, time_limit_s=0), "time limit must be a positive"),
        (lambda inst: reach_coverage_share(inst, 0.0), r"share must be in \(0, 1\]"),
        (lambda inst: reach_coverage_share(inst, 1.5), r"share must be in \(0, 1\]"),
    ],
)
def test_bad_problem_parameters_are_invalid_input(call, message):
    with pytest.raises(InvalidInput, match=message):
        call(_line())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"distance_m": 0.0}, "positive number of metres"),
        ({"distance_m": -100.0}, "positive number of metres"),
        ({"distance_m": float("nan")}, "positive number of metres"),
        ({"demand_lon": [], "demand_lat": []}, "no demand given"),
        ({"candidate_lon": [], "candidate_lat": []}, "no candidate site given"),
        ({"demand_lon": [108.3, np.nan]}, r"demand coordinates contain NaN .* first at index 1"),
        ({"candidate_lat": [22.8, np.nan]}, "candidate site coordinates contain NaN"),
        ({"existing_lon": [np.nan], "existing_lat": [22.8]}, "existing station coordinates contain NaN"),
        ({"existing_lon": [108.3]}, "existing stations need both"),
        ({"demand_lon": [500_000.0, 108.3]}, "out of range for WGS-84 degrees at index 0"),
        ({"demand_lon": [108.3]}, "1 longitudes but 2 latitudes"),
        ({"weights": [1.0, -1.0]}, "must not be negative"),
        ({"weights": [0.0, 0.0]}, "sum to zero"),
        ({"weights": [1.0, np.nan]}, "NaN or infinite"),
        ({"weights": [1.0]}, "1 demand weights for 2 demand points"),
    ],
)
def test_bad_instances_are_invalid_input(kwargs, message):
    arguments = {
        "demand_lon": [108.30, 108.31],
        "demand_lat": [22.80, 22.81],
        "candidate_lon": [108.30, 108.35],
        "candidate_lat": [22.80, 22.85],
        "distance_m": 3_000.0,
    }
    arguments.update(kwargs)
    with pytest.raises(InvalidInput, match=message):
        build_instance(**arguments)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"problem": "p-median"}, "unknown siting problem"),
        ({"problem": "mclp"}, "mclp needs p"),
        ({"problem": "target_share"}, "target_share needs share"),
    ],
)
def test_solve_siting_rejects_incomplete_requests(kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        solve_siting(
            demand_lon=[108.30],
            demand_lat=[22.80],
            candidate_lon=[108.30, 108.31],
            candidate_lat=[22.80, 22.81],
            distance_m=3_000.0,
            **kwargs,
        )
