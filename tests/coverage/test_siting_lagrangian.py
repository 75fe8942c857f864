"""The national-scale MCLP bound: Lagrangian pricing and the LP by column generation, against scipy's LP."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import linprog

from geo.coverage.siting import build_instance, maximize_coverage
from geo.coverage.siting_lagrangian import RestrictedMclpLp, lagrangian_bound, lp_by_column_generation


def _random_cover(seed: int, n_rows: int = 300, n_cols: int = 400, per_col: int = 6):
    """A random 0/1 coverage matrix with clustered columns, and positive row weights."""
    rng = np.random.default_rng(seed)
    centre = rng.integers(0, n_rows, n_cols)
    rows = np.clip(centre[:, None] + rng.integers(-8, 9, size=(n_cols, per_col)), 0, n_rows - 1)
    cols = np.repeat(np.arange(n_cols), per_col)
    a = sparse.csc_array((np.ones(rows.size), (rows.ravel(), cols)), shape=(n_rows, n_cols))
    a.data[:] = 1.0
    a.sum_duplicates()
    a.data[:] = 1.0
    return a, rng.integers(1, 100, n_rows).astype(float)


def _lp(a: sparse.csc_array, w: np.ndarray, p: int):
    """max w·y s.t. y ≤ A x, Σx ≤ p, 0 ≤ x, y ≤ 1 on scipy's HiGHS: value, x and the coverage duals."""
    n, m = a.shape
    a_ub = sparse.vstack(
        [
            sparse.hstack([-a, sparse.eye_array(n)]),
            sparse.hstack([sparse.csr_array(np.ones((1, m))), sparse.csr_array((1, n))]),
        ]
    ).tocsr()
    b_ub = np.concatenate([np.zeros(n), [p]])
    res = linprog(np.concatenate([np.zeros(m), -w]), A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
    assert res.status == 0
    return -res.fun, res.x[:m], -res.ineqlin.marginals[:n]


def _restricted(a: sparse.csc_array, w: np.ndarray, p: int, solved: list[int], sign: float = 1.0):
    """The restricted LP on scipy's HiGHS; ``sign`` -1 hands its duals over negated (HiGHS's other convention)."""

    def solve(cols: np.ndarray, _limit_s: float):
        sub = a[:, cols]
        rows = np.flatnonzero(np.diff(sub.tocsr().indptr) > 0)
        _, x, duals = _lp(sparse.csc_array(sub.tocsr()[rows]), w[rows], p)
        solved.append(cols.size)
        return x, sign * duals, rows

    return solve


def test_lagrangian_bound_spans_the_trivial_bounds():
    a, w = _random_cover(1)
    p = 7
    at_weights, prices = lagrangian_bound(a, w, w, p)
    assert prices == pytest.approx(a.T @ w)
    assert at_weights == pytest.approx(np.sort(a.T @ w)[::-1][:p].sum())  # the p largest single gains
    assert lagrangian_bound(a, w, np.zeros_like(w), p)[0] == pytest.approx(w.sum())
    # multipliers outside [0, w] are clipped, so the bound stays valid
    assert lagrangian_bound(a, w, 3 * w, p)[0] == pytest.approx(at_weights)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("p", [3, 12])
@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["duals", "negated-duals"])
def test_column_generation_reaches_the_whole_lp_from_a_few_columns(seed, p, sign):
    a, w = _random_cover(seed)
    whole, _, _ = _lp(a, w, p)
    solved: list[int] = []
    start = np.argsort(-(a.T @ w))[:p]
    solve = _restricted(a, w, p, solved, sign)
    found = lp_by_column_generation(a, w, p, start, solve, time.perf_counter() + 60)
    assert found is not None and found.converged
    assert len(solved) >= 2 and solved[0] == p  # it had to price columns in
    assert found.bound == pytest.approx(whole, rel=1e-6)
    assert found.bound == pytest.approx(lagrangian_bound(a, w, found.multipliers, p)[0])
    assert found.x.sum() <= p + 1e-6 and found.columns < a.shape[1]


def test_column_generation_bound_is_valid_when_stopped_after_one_round():
    a, w = _random_cover(5)
    p = 12
    start = np.argsort(-(a.T @ w))[:p]
    found = lp_by_column_generation(
        a, w, p, start, _restricted(a, w, p, []), time.perf_counter() + 60, max_rounds=1
    )
    assert found is not None and not found.converged
    best = max(
        float(w[(a[:, list(c)].sum(axis=1)) > 0].sum()) for c in itertools.combinations(range(a.shape[1]), 1)
    )
    assert found.bound >= _lp(a, w, p)[0] - 1e-6 >= best
    assert lp_by_column_generation(a, w, p, start, _restricted(a, w, p, []), time.perf_counter() - 1) is None


def _clustered(n: int, span_km: float, seed: int):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, span_km, size=(max(3, n // 150), 2))
    xy = centres[rng.integers(0, len(centres), n)] + rng.normal(0, span_km / 8, size=(n, 2))
    lat = 22.8 + (xy[:, 1] - span_km / 2) / 111.32
    lon = 108.3 + (xy[:, 0] - span_km / 2) / (111.32 * np.cos(np.radians(22.8)))
    return build_instance(lon, lat, lon, lat, 3_000.0, weights=np.rint(rng.lognormal(np.log(300), 0.8, n)))


@pytest.mark.parametrize(("n", "seed", "p"), [(600, 3, 8), (900, 3, 8), (700, 5, 10), (800, 7, 15)])
def test_mclp_by_column_generation_proves_the_same_optimum(n, seed, p):
    inst = _clustered(n, 30, seed)
    direct = maximize_coverage(inst, p)
    priced = maximize_coverage(inst, p, lp_by_pricing=True)  # the national path, on a small instance
    assert direct.status == priced.status == "optimal"
    assert priced.objective == pytest.approx(direct.objective)
    assert priced.newly_covered_weight == pytest.approx(priced.objective)
    assert priced.bound >= priced.objective - 1e-6 and priced.gap < 1e-9
    assert priced.timings.lp_s > 0


def test_mclp_by_column_generation_within_a_requested_gap_reports_it():
    inst = _clustered(1500, 40, 11)
    result = maximize_coverage(inst, 30, mip_gap=0.05, lp_by_pricing=True)
    assert result.status == "optimal"
    assert result.bound >= result.objective
    assert result.gap == pytest.approx((result.bound - result.objective) / result.objective, abs=1e-12)
    assert result.gap <= 0.05
    assert result.objective >= maximize_coverage(inst, 30, exact=False).objective
    assert result.timings.mip_solve_s == 0.0  # the LP bound alone proved the gap: no MIP ran


@pytest.mark.parametrize("sign", [1.0, -1.0], ids=["duals", "negated-duals"])
def test_column_generation_on_villages_prices_in_the_sites_it_lacks(sign):
    """Clustered villages, every village a site, starting from the 5·p largest gains (as the national run)."""
    inst = _clustered(900, 30, 4)
    p = 20
    a = sparse.csc_array(inst.cover, dtype=np.float64)
    w = inst.weights[inst.open_demand]
    whole, _, _ = _lp(a, w, p)
    solved: list[int] = []
    start = np.argsort(-(a.T @ w))[: 5 * p]
    found = lp_by_column_generation(
        a, w, p, start, _restricted(a, w, p, solved, sign), time.perf_counter() + 60
    )
    assert found is not None and found.converged and len(solved) > 2
    assert found.bound == pytest.approx(whole, rel=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_the_warm_started_highs_lp_gives_the_restricted_and_the_whole_lp(seed):
    a, w = _random_cover(seed, n_rows=400, n_cols=500)
    p = 10
    lp = RestrictedMclpLp(a, w, p)
    cols = np.argsort(-(a.T @ w))[:30]
    x, duals, rows = lp(np.sort(cols), 10.0)
    assert np.array_equal(rows, np.flatnonzero(np.diff(a[:, cols].tocsr().indptr) > 0))
    restricted_value, _, _ = _lp(sparse.csc_array(a[:, np.sort(cols)].tocsr()[rows]), w[rows], p)
    lam = w.copy()
    lam[rows] = np.clip(np.abs(duals), 0, w[rows])
    assert x.sum() <= p + 1e-9
    # the restricted LP's own Lagrangian at its duals is its value (strong duality)
    sub = sparse.csc_array(a[:, np.sort(cols)])
    assert lagrangian_bound(sub, w, lam, p)[0] == pytest.approx(restricted_value, rel=1e-7)
    start = np.argsort(a.T @ w)[:p]  # the worst sites: the right ones must be priced in
    found = lp_by_column_generation(a, w, p, start, RestrictedMclpLp(a, w, p), time.perf_counter() + 60)
    assert found is not None and found.converged and found.rounds > 1
    assert found.bound == pytest.approx(_lp(a, w, p)[0], rel=1e-7)
