"""The maximal-covering bound at national scale: the LP relaxation by column generation, priced exactly.

MCLP (max Σ wᵢ yᵢ s.t. yᵢ ≤ Σⱼ aᵢⱼ xⱼ, Σ xⱼ ≤ p, 0 ≤ x, y ≤ 1) with the coverage rows relaxed by
multipliers 0 ≤ λᵢ ≤ wᵢ gives the Lagrangian bound

    L(λ) = Σᵢ (wᵢ − λᵢ)⁺ + (sum of the p largest column prices cⱼ = Σᵢ aᵢⱼ λᵢ),

valid for every such λ; its minimum is the LP bound. With every village a candidate (590,000 columns) the
whole LP is too big to solve at once, but only a few thousand columns matter: a site is worth opening only
if its price can reach the p-th largest. Cordeau, Furini & Ljubić (2019) solve covering problems with up to
twenty million demand points by Benders cuts: they project the demand out and add its constraints lazily,
which fits few candidate sites and huge demand. Here there are as many sites as villages, so the same idea
is applied to the other side: the LP is solved on a restricted set of columns (the sites of largest single
gain and the heuristic's answer), its coverage duals are extended to the rows outside it by λᵢ = wᵢ (those
rows then add nothing to the first sum, and a column outside prices at most its single gain), every column
is priced, and the columns whose price beats the restricted LP's p-th price join it; the LP is solved again until
none does. Each round's bound is recomputed here from λ over every column, so it is valid whatever the LP
solver's tolerances and whenever the loop stops (time limit). ``RestrictedMclpLp`` keeps one HiGHS model
and only appends the entering columns (and the rows they bring) between rounds, so the simplex
restarts from the last basis: the later rounds take a fraction of a second each.

Units: weights are people (or any non-negative weight); nothing here knows coordinates.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import highspy
import numpy as np
from scipy import sparse

__all__ = [
    "ColumnGeneration",
    "RestrictedLp",
    "RestrictedMclpLp",
    "lagrangian_bound",
    "lp_by_column_generation",
]

RestrictedLp = Callable[[np.ndarray, float], tuple[np.ndarray, np.ndarray, np.ndarray] | None]
"""solve(columns, time_limit_s) -> (x of those columns, coverage duals, the rows they belong to) or None."""


@dataclasses.dataclass(frozen=True)
class ColumnGeneration:
    """The outcome: LP site values over every column, multipliers over every row, the bound and its work."""

    x: np.ndarray
    multipliers: np.ndarray
    bound: float
    prices: np.ndarray
    columns: int
    rounds: int
    converged: bool


def lagrangian_bound(
    a_csc: sparse.csc_array, w: np.ndarray, lam: np.ndarray, p: int
) -> tuple[float, np.ndarray]:
    """L(λ) = Σ (w − λ)⁺ + the p largest column prices Aᵀλ (λ clipped to [0, w]), and the prices."""
    lam = np.clip(lam, 0.0, w)
    prices = a_csc.T @ lam
    return float(np.maximum(w - lam, 0.0).sum()) + _top_sum(prices, p), prices


def _top_sum(values: np.ndarray, p: int) -> float:
    """Sum of the p largest values (all of them when there are fewer)."""
    if p >= values.size:
        return float(values.sum())
    return float(np.partition(values, values.size - p)[values.size - p :].sum())


def lp_by_column_generation(
    a_csc: sparse.csc_array,
    w: np.ndarray,
    p: int,
    start: np.ndarray,
    solve: RestrictedLp,
    deadline: float,
    *,
    max_rounds: int = 30,
) -> ColumnGeneration | None:
    """The LP relaxation of MCLP over every column of ``a_csc``, solving only restricted LPs (see above).

    ``start`` are the first columns; ``solve`` solves the LP on a column subset. Returns the best bound
    found (None when not even the first restricted LP was solved before ``deadline``).
    """
    n_cols = a_csc.shape[1]
    columns = np.unique(np.asarray(start, dtype=np.int64))
    best: ColumnGeneration | None = None
    for rounds in range(1, max_rounds + 1):
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            break
        solved = solve(columns, remaining)
        if solved is None:
            break
        x_sub, duals, rows = solved
        # HiGHS's dual sign for a maximisation differs between its solvers: take the sign whose bound on
        # the restricted LP is lower (the right one gives that LP's value; outside, λ = w adds nothing)
        candidates = []
        for sign in (1.0, -1.0):
            lam = w.copy()
            lam[rows] = np.clip(sign * duals, 0.0, w[rows])
            prices = a_csc.T @ lam
            restricted = _top_sum(prices[columns], p) + float((w[rows] - lam[rows]).sum())
            candidates.append((restricted, sign, lam))
        lam = min(candidates, key=lambda t: t[:2])[2]
        bound, prices = lagrangian_bound(a_csc, w, lam, p)
        x = np.zeros(n_cols)
        x[columns] = x_sub
        # a column outside enters when it would beat the restricted LP's p-th price (reduced cost > 0)
        inside = prices[columns]
        threshold = float(np.partition(inside, inside.size - p)[inside.size - p]) if p < inside.size else 0.0
        outside = np.ones(n_cols, dtype=bool)
        outside[columns] = False
        entering = np.flatnonzero(outside & (prices > threshold * (1.0 + 1e-9) + 1e-9))
        converged = entering.size == 0
        if best is None or bound < best.bound:
            best = ColumnGeneration(x, lam, bound, prices, int(columns.size), rounds, converged)
        else:  # the bound of a larger restricted LP is never worse in theory; keep the best if it is
            best = dataclasses.replace(best, columns=int(columns.size), rounds=rounds, converged=converged)
        if converged:
            break
        # the most attractive first, at most half the set again per round so the LP stays small
        take = max(2 * p, columns.size // 2)
        entering = entering[np.argsort(-prices[entering], kind="stable")[:take]]
        columns = np.union1d(columns, entering)
    return best


class RestrictedMclpLp:
    """The MCLP LP on a growing set of columns, one HiGHS model warm-started (simplex) between calls.

    Model: max Σ wᵢ yᵢ s.t. yᵢ − Σⱼ aᵢⱼ xⱼ ≤ 0 for each row a known column touches, Σ xⱼ ≤ p, x, y in [0, 1].
    Calling it with a column set (a superset of the previous call's, as column generation makes) appends the
    new columns and their new rows and re-solves from the last basis. A ``RestrictedLp``.
    """

    def __init__(self, a_csc: sparse.csc_array, w: np.ndarray, p: int) -> None:
        self._a = a_csc
        self._w = w
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("solver", "simplex")
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        no_int = np.zeros(0, dtype=np.int32)
        h.addRows(
            1,
            np.array([-highspy.kHighsInf]),
            np.array([float(p)]),
            0,
            np.zeros(1, np.int32),
            no_int,
            np.zeros(0),
        )
        self._h = h
        self._row_of = np.full(a_csc.shape[0], -1, dtype=np.int64)  # model row of each matrix row
        self._x_col = np.full(a_csc.shape[1], -1, dtype=np.int64)  # model column of each site
        self._n_cols = 0
        self._n_rows = 1

    def _add_rows(self, rows: np.ndarray) -> None:
        """A yᵢ column (cost wᵢ) and a coupling row yᵢ ≤ 0 (sites enter it later) for each new row."""
        h, k = self._h, rows.size
        no_int = np.zeros(0, dtype=np.int32)
        h.addCols(k, self._w[rows], np.zeros(k), np.ones(k), 0, np.zeros(k, np.int32), no_int, np.zeros(0))
        y_cols = np.arange(self._n_cols, self._n_cols + k, dtype=np.int32)
        self._n_cols += k
        h.addRows(
            k,
            np.full(k, -highspy.kHighsInf),
            np.zeros(k),
            k,
            np.arange(k, dtype=np.int32),
            y_cols,
            np.ones(k),
        )
        self._row_of[rows] = np.arange(self._n_rows, self._n_rows + k)
        self._n_rows += k

    def _add_sites(self, sites: np.ndarray) -> None:
        """An xⱼ column per new site: +1 in the cardinality row, −1 in the coupling row of each row it covers."""
        sub = self._a[:, sites]
        lengths = np.diff(sub.indptr) + 1
        nnz = int(lengths.sum())
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int32)
        indices = np.zeros(nnz, dtype=np.int32)
        values = np.full(nnz, -1.0)
        values[starts] = 1.0
        coupling = np.ones(nnz, dtype=bool)
        coupling[starts] = False
        indices[coupling] = self._row_of[sub.indices]
        k = sites.size
        self._h.addCols(k, np.zeros(k), np.zeros(k), np.ones(k), nnz, starts, indices, values)
        self._x_col[sites] = np.arange(self._n_cols, self._n_cols + k)
        self._n_cols += k

    def __call__(
        self, columns: np.ndarray, time_limit_s: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Solve on ``columns``: (their x, the coupling rows' duals, those rows), or None if not optimal."""
        sites = columns[self._x_col[columns] < 0]
        touched = np.unique(self._a[:, sites].indices)
        rows_new = touched[self._row_of[touched] < 0]
        if rows_new.size:
            self._add_rows(rows_new)
        if sites.size:
            self._add_sites(sites)
        h = self._h
        h.setOptionValue("time_limit", h.getRunTime() + max(float(time_limit_s), 1e-3))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        solution = h.getSolution()
        col_value = np.asarray(solution.col_value)
        row_dual = np.asarray(solution.row_dual)
        rows = np.flatnonzero(self._row_of >= 0)
        return col_value[self._x_col[columns]], row_dual[self._row_of[rows]], rows
