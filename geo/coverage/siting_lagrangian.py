"""The maximal-covering bound at national scale: the LP relaxation by column generation, priced exactly.

MCLP (max Σ wᵢ yᵢ s.t. yᵢ ≤ Σⱼ aᵢⱼ xⱼ, Σ xⱼ ≤ p, 0 ≤ x, y ≤ 1) with the coverage rows relaxed by
multipliers 0 ≤ λᵢ ≤ wᵢ gives the Lagrangian bound

    L(λ) = Σᵢ (wᵢ − λᵢ)⁺ + (sum of the p largest column prices cⱼ = Σᵢ aᵢⱼ λᵢ),

valid for every such λ; its minimum is the LP bound. With every village a candidate (590,000 columns) the
whole LP is too big to solve at once, but only a few thousand columns matter: a site is worth opening only
if its price can reach the p-th largest. So, as Cordeau, Furini & Ljubić (2019) do with Benders cuts for
very large covering problems, the LP is solved on a restricted set of columns (the sites of largest single
gain and the heuristic's answer), its coverage duals are extended to the rows outside it by λᵢ = wᵢ (those
rows then add nothing to the first sum, and a column outside prices at most its single gain), every column
is priced, and the columns whose price beats the p-th largest join the set; the LP is solved again until
none does. Each round's bound is recomputed here from λ over every column, so it is valid whatever the LP
solver's tolerances and whenever the loop stops (time limit).

Units: weights are people (or any non-negative weight); nothing here knows coordinates.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np
from scipy import sparse

__all__ = ["ColumnGeneration", "RestrictedLp", "lagrangian_bound", "lp_by_column_generation"]

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
