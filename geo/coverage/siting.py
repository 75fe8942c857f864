"""Siting new stations: maximal coverage (MCLP), fewest sites (LSCP) and target coverage share.

Units and CRS: every coordinate is WGS-84 longitude/latitude in degrees (EPSG:4326; CGCS2000, EPSG:4490,
is the same to centimetres and may be passed unchanged); every distance is a geodesic distance in metres on
the WGS-84 ellipsoid. Demand weights are people (or any non-negative weight; ``None`` counts each point 1).
Nothing here touches the database or HTTP: callers pass arrays (``solve_siting``) or an instance.

How it works:

1. **Coverage matrix, sparse (CSR).** Points go onto the unit sphere as 3-D vectors and a k-d tree finds
   every demand/candidate pair within a chord radius. Great-circle distance on the mean-radius sphere
   (R = 6,371,008.8 m) and the WGS-84 geodesic between the same latitudes/longitudes differ by a ratio
   geodesic/great-circle between a(1-e²)/R ≈ 0.99442 (north-south at the equator) and
   a/(R·sqrt(1-e²)) ≈ 1.00449 (at the poles) for any path: within 0.56 % anywhere and between
   −0.47 % and +0.33 % over mainland China (18°–53.5° N). So the tree is queried with the distance
   widened to d / 0.99442; pairs whose great-circle distance is at most d / 1.00449 are certainly
   covered, and only pairs in the band between (about 1 % of the radius, a few per cent of the pairs)
   are decided by an exact ``pyproj.Geod`` (Karney) inverse. The matrix is exact on the ellipsoid.
2. **Existing stations count as already chosen:** demand within the distance of one leaves the model
   ("covered before"); demand no candidate reaches is reported as uncoverable.
3. **Reduction (exact):** candidates whose covered set another candidate contains are dropped, identical
   demand rows are merged (weights summed); for LSCP a demand row whose candidate set contains another
   row's is dropped too.
4. **Heuristic:** lazy greedy (a priority queue of marginal gains, re-evaluated only when popped), then
   1-opt interchange (swap a chosen site for an unchosen one while the covered weight grows). For the
   fewest-sites problems: greedy to the target, prune redundant sites, then try k-1 sites with swaps.
5. **Exact:** for MCLP the LP relaxation first (HiGHS interior point): its duals give a Lagrangian bound
   recomputed here (valid whatever the solver's tolerances), its support an LP-guided start, and
   reduced-cost fixing drops sites that cannot beat the incumbent; above ``_PRICE_COLUMNS_FROM`` useful
   candidates (national scale) the LP is solved by column generation on a few thousand sites (simplex
   warm-started between rounds), every site priced exactly (``siting_lagrangian``). Then the MIP on HiGHS (``highspy``),
   built column-wise straight from the sparse matrix, warm-started from the best known answer
   (``setSolution``) and stopped at a time limit; the answer carries the best proven bound and gap.
"""

from __future__ import annotations

import heapq
import math
import numbers
import re
import time
from dataclasses import dataclass
from typing import Any, Literal

import highspy
import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Geod
from scipy import sparse
from scipy.spatial import cKDTree

from geo.coverage.siting_lagrangian import RestrictedMclpLp, lp_by_column_generation
from geo.errors import InvalidInput

__all__ = [
    "EARTH_MEAN_RADIUS_M",
    "GEODESIC_RATIO_MAX",
    "GEODESIC_RATIO_MIN",
    "Problem",
    "Reason",
    "SitingInstance",
    "SitingResult",
    "SitingTimings",
    "Status",
    "build_instance",
    "coverage_matrix",
    "maximize_coverage",
    "minimize_sites",
    "reach_coverage_share",
    "solve_siting",
]

Problem = Literal["mclp", "lscp", "target_share"]
Status = Literal["optimal", "time_limit", "heuristic_only"]

EARTH_MEAN_RADIUS_M = 6_371_008.8
_GEOD = Geod(ellps="WGS84")
#: Bounds of (WGS-84 geodesic length) / (great-circle length on the mean-radius sphere) for any path.
GEODESIC_RATIO_MIN = _GEOD.a * (1.0 - _GEOD.es) / EARTH_MEAN_RADIUS_M
GEODESIC_RATIO_MAX = _GEOD.a / math.sqrt(1.0 - _GEOD.es) / EARTH_MEAN_RADIUS_M
_FLOAT_GUARD = 1e-9  # relative slack so rounding never moves a pair to the wrong side of a bound
_MAX_PRODUCT_NNZ = 40_000_000  # skip the dominance reduction when A'A would be larger than this
_MAX_PAD_CELLS = 30_000_000  # skip merging identical rows when the padded row table would be larger
MAX_NAMED = 10
"""At most this many candidates are named in a reason (``Reason.params``)."""
_IMPROVE_SECONDS = 5.0  # wall-clock budget of the swap / fewer-sites improvement loops (MIP does the rest)
_PRICE_COLUMNS_FROM = 100_000  # above this many useful candidates the LP is solved by column generation
_START_COLUMNS_PER_SITE = 5  # column generation starts from the 5·p sites of largest single gain


@dataclass(frozen=True)
class SitingInstance:
    """Demand, candidates and the sparse coverage of the demand that existing stations leave open.

    ``cover`` is a boolean CSR array of shape (len(open_demand), n_candidates): entry (r, j) is True when
    candidate j is within ``distance_m`` (geodesic metres, WGS-84) of demand point ``open_demand[r]``.
    """

    demand_lon: NDArray[np.float64]
    demand_lat: NDArray[np.float64]
    weights: NDArray[np.float64]
    candidate_lon: NDArray[np.float64]
    candidate_lat: NDArray[np.float64]
    distance_m: float
    covered_before: NDArray[np.bool_]
    open_demand: NDArray[np.int64]
    cover: sparse.csr_array
    build_seconds: float

    @property
    def n_demand(self) -> int:
        """Number of demand points."""
        return int(self.demand_lon.size)

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites."""
        return int(self.candidate_lon.size)

    @property
    def total_weight(self) -> float:
        """Sum of all demand weights."""
        return float(self.weights.sum())

    @property
    def weight_before(self) -> float:
        """Weight already covered by existing stations."""
        return float(self.weights[self.covered_before].sum())

    @property
    def uncoverable(self) -> NDArray[np.int64]:
        """Demand indices that neither an existing station nor any candidate covers."""
        return self.open_demand[np.diff(self.cover.indptr) == 0]

    @property
    def coverable_weight(self) -> float:
        """Weight of open demand that at least one candidate covers."""
        rows = self.open_demand[np.diff(self.cover.indptr) > 0]
        return float(self.weights[rows].sum())


@dataclass(frozen=True)
class SitingTimings:
    """Wall-clock seconds spent in each stage."""

    coverage_s: float
    heuristic_s: float
    lp_s: float
    mip_build_s: float
    mip_solve_s: float
    total_s: float


@dataclass(frozen=True)
class Reason:
    """Why an answer is what it is, for a person: a code and the figures a sentence about it needs.

    Codes: ``few_candidates`` (p, candidates: fewer candidate sites than the p asked for), ``no_gain``
    (useful, useless, distance_m, useless_sites: only ``useful`` candidates would newly cover anyone; within
    distance_m of each of the others, the first ``MAX_NAMED`` of which are indexed in useless_sites, every demand
    point is already covered by an existing station), ``all_reachable_covered``
    (chosen, p: the chosen sites already cover every demand point some candidate can reach, so more sites
    would cover nobody new), ``uncoverable`` (points, weight, distance_m: demand farther than distance_m from
    every existing station and every candidate), ``nothing_needed`` (share_before: no new site is needed),
    ``not_proven`` (gap: the quick heuristic's answer; the best possible may be up to ``gap`` better),
    ``time_limit`` (gap: the exact model stopped at its time limit), ``within_gap`` (gap, mip_gap: proven
    within the requested relative gap, not exactly).
    """

    code: str
    params: dict[str, Any]


@dataclass(frozen=True)
class SitingResult:
    """A siting answer.

    ``chosen`` are candidate indices ordered by the weight each newly serves (largest first); ``served[k]``
    are the demand indices newly covered and assigned to ``chosen[k]`` (each to its nearest chosen site
    among those covering it; demand an existing station already covers stays with that station) and
    ``served_distance_m[k]`` their geodesic distances. ``objective`` is the newly covered weight for MCLP
    and the number of new sites for LSCP and target share; ``heuristic_objective`` is the same measure for
    the greedy + swap answer, ``bound`` the best proven bound on it (upper for MCLP, lower otherwise: the
    tightest of a cheap combinatorial bound, the LP/Lagrangian bound and the MIP's), ``mip_bound`` the
    MIP's own best bound (None when no MIP ran or it stopped before having one) and ``gap`` the proven
    relative gap |bound - objective| / |objective|.

    ``status``: "optimal" (proven, within the requested ``mip_gap``), "time_limit" (the MIP stopped at
    the time limit; the answer is the best found and ``gap`` says how far it may be from the optimum) or
    "heuristic_only" (no exact stage ran). ``warm_start_accepted`` says whether HiGHS took the heuristic
    answer as its starting incumbent (None when no MIP ran, or HiGHS's presolve solved it outright).

    ``requested_sites`` is p for MCLP (None otherwise); ``reasons`` say in codes and figures why fewer sites
    than requested were chosen, what no answer can cover, and how far an unproven answer may be from the best
    (empty when the answer is the proven optimum with p sites and everything reachable).
    """

    problem: Problem
    chosen: NDArray[np.int64]
    newly_covered_weight: float
    covered_share_before: float
    covered_share_after: float
    served: tuple[NDArray[np.int64], ...]
    served_distance_m: tuple[NDArray[np.float64], ...]
    uncoverable: NDArray[np.int64]
    objective: float
    heuristic_objective: float
    bound: float
    mip_bound: float | None
    gap: float
    status: Status
    warm_start_accepted: bool | None
    timings: SitingTimings
    requested_sites: int | None = None
    reasons: tuple[Reason, ...] = ()


# --------------------------------------------------------------------------------------------- input


def _coords(
    lon: ArrayLike, lat: ArrayLike, what: str, *, allow_empty: bool = False
) -> tuple[np.ndarray, ...]:
    try:
        lon_a = np.asarray(lon, dtype=np.float64)
        lat_a = np.asarray(lat, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidInput(f"{what} coordinates are not all numbers") from None
    if lon_a.ndim != 1 or lat_a.ndim != 1:
        raise InvalidInput(f"{what} longitudes and latitudes must be one-dimensional arrays")
    if lon_a.size != lat_a.size:
        raise InvalidInput(f"{what}: {lon_a.size} longitudes but {lat_a.size} latitudes")
    if lon_a.size == 0 and not allow_empty:
        raise InvalidInput(f"no {what} given")
    bad = ~(np.isfinite(lon_a) & np.isfinite(lat_a))
    if bad.any():
        raise InvalidInput(
            f"{what} coordinates contain NaN or infinite values ({int(bad.sum())} points, first at index "
            f"{int(np.flatnonzero(bad)[0])})"
        )
    out = (np.abs(lon_a) > 180.0) | (np.abs(lat_a) > 90.0)
    if out.any():
        i = int(np.flatnonzero(out)[0])
        raise InvalidInput(
            f"{what} coordinates out of range for WGS-84 degrees at index {i}: "
            f"lon={lon_a[i]}, lat={lat_a[i]} (are they projected metres, or lat/lon swapped?)"
        )
    return lon_a, lat_a


def _distance(distance_m: float) -> float:
    if isinstance(distance_m, bool) or not isinstance(distance_m, numbers.Real):
        raise InvalidInput(f"coverage distance must be a number of metres, got {distance_m!r}")
    d = float(distance_m)
    if not math.isfinite(d) or d <= 0:
        raise InvalidInput(f"coverage distance must be a positive number of metres, got {distance_m!r}")
    return d


def _time_limit(time_limit_s: float, mip_gap: float) -> None:
    if isinstance(time_limit_s, bool) or not isinstance(time_limit_s, numbers.Real) or not time_limit_s > 0:
        raise InvalidInput(f"time limit must be a positive number of seconds, got {time_limit_s!r}")
    if not isinstance(mip_gap, numbers.Real) or not 0 <= mip_gap < 1:
        raise InvalidInput(f"MIP gap must be in [0, 1), got {mip_gap!r}")


# ------------------------------------------------------------------------------------ coverage matrix


def _unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lam = np.radians(lon)
    phi = np.radians(lat)
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def _chord(arc_m: float) -> float:
    angle = arc_m / EARTH_MEAN_RADIUS_M
    return 2.0 + 1e-12 if angle >= math.pi else 2.0 * math.sin(angle / 2.0)


def _pairs_within(
    from_lon: np.ndarray, from_lat: np.ndarray, to_lon: np.ndarray, to_lat: np.ndarray, distance_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """(row, col) pairs whose WGS-84 geodesic distance is at most distance_m (metres)."""
    if from_lon.size == 0 or to_lon.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    surely_out = distance_m / GEODESIC_RATIO_MIN * (1.0 + _FLOAT_GUARD)  # great-circle metres
    surely_in = distance_m / GEODESIC_RATIO_MAX * (1.0 - _FLOAT_GUARD)
    from_tree = cKDTree(_unit_vectors(from_lon, from_lat))
    to_tree = cKDTree(_unit_vectors(to_lon, to_lat))
    found = from_tree.sparse_distance_matrix(to_tree, _chord(surely_out), output_type="ndarray")
    rows = found["i"].astype(np.int64)
    cols = found["j"].astype(np.int64)
    arc = 2.0 * EARTH_MEAN_RADIUS_M * np.arcsin(np.minimum(found["v"] / 2.0, 1.0))
    keep = arc <= surely_in
    band = np.flatnonzero(~keep & (arc <= surely_out))
    if band.size:
        _, _, dist = _GEOD.inv(
            from_lon[rows[band]], from_lat[rows[band]], to_lon[cols[band]], to_lat[cols[band]]
        )
        keep[band] = np.asarray(dist) <= distance_m
    return rows[keep], cols[keep]


def coverage_matrix(
    from_lon: ArrayLike, from_lat: ArrayLike, to_lon: ArrayLike, to_lat: ArrayLike, distance_m: float
) -> sparse.csr_array:
    """Boolean CSR array (from × to): True where the WGS-84 geodesic distance is ≤ distance_m metres."""
    f_lon, f_lat = _coords(from_lon, from_lat, "origin", allow_empty=True)
    t_lon, t_lat = _coords(to_lon, to_lat, "destination", allow_empty=True)
    rows, cols = _pairs_within(f_lon, f_lat, t_lon, t_lat, _distance(distance_m))
    return _bool_csr(rows, cols, (f_lon.size, t_lon.size))


def _bool_csr(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sparse.csr_array:
    matrix = sparse.csr_array((np.ones(rows.size, dtype=bool), (rows, cols)), shape=shape)
    matrix.sum_duplicates()
    return matrix


def build_instance(
    demand_lon: ArrayLike,
    demand_lat: ArrayLike,
    candidate_lon: ArrayLike,
    candidate_lat: ArrayLike,
    distance_m: float,
    *,
    weights: ArrayLike | None = None,
    existing_lon: ArrayLike | None = None,
    existing_lat: ArrayLike | None = None,
) -> SitingInstance:
    """Validate the inputs (WGS-84 degrees, metres) and build the sparse coverage of open demand."""
    started = time.perf_counter()
    d_lon, d_lat = _coords(demand_lon, demand_lat, "demand")
    c_lon, c_lat = _coords(candidate_lon, candidate_lat, "candidate site")
    if (existing_lon is None) != (existing_lat is None):
        raise InvalidInput("existing stations need both longitudes and latitudes")
    if existing_lon is None:
        e_lon = e_lat = np.zeros(0)
    else:
        e_lon, e_lat = _coords(existing_lon, existing_lat, "existing station", allow_empty=True)
    distance = _distance(distance_m)
    if weights is None:
        w = np.ones(d_lon.size)
    else:
        try:
            w = np.asarray(weights, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidInput("demand weights are not all numbers") from None
        if w.shape != d_lon.shape:
            raise InvalidInput(f"{w.size} demand weights for {d_lon.size} demand points")
        if not np.isfinite(w).all():
            raise InvalidInput("demand weights contain NaN or infinite values")
        if (w < 0).any():
            raise InvalidInput(f"demand weights must not be negative (index {int(np.flatnonzero(w < 0)[0])})")
    if not w.sum() > 0:
        raise InvalidInput("demand weights sum to zero: coverage shares are undefined")

    covered_before = np.zeros(d_lon.size, dtype=bool)
    if e_lon.size:
        rows, _ = _pairs_within(d_lon, d_lat, e_lon, e_lat, distance)
        covered_before[rows] = True
    open_demand = np.flatnonzero(~covered_before)
    rows, cols = _pairs_within(d_lon[open_demand], d_lat[open_demand], c_lon, c_lat, distance)
    cover = _bool_csr(rows, cols, (open_demand.size, c_lon.size))
    return SitingInstance(
        demand_lon=d_lon,
        demand_lat=d_lat,
        weights=w,
        candidate_lon=c_lon,
        candidate_lat=c_lat,
        distance_m=distance,
        covered_before=covered_before,
        open_demand=open_demand,
        cover=cover,
        build_seconds=time.perf_counter() - started,
    )


# ------------------------------------------------------------------------------------------ reduction


@dataclass
class _Reduced:
    """The model the solvers see: rows are merged open demand, columns are useful candidates."""

    a_csr: sparse.csr_array  # float64 0/1, rows × columns
    a_csc: sparse.csc_array
    w: np.ndarray  # row weights in the objective (or in the coverage target)
    columns: np.ndarray  # original candidate index of each column

    @property
    def n_rows(self) -> int:
        return self.a_csr.shape[0]

    @property
    def n_cols(self) -> int:
        return self.a_csr.shape[1]


def _subset_pairs(a_csc: sparse.csc_array) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Pairs (j, k), j ≠ k, whose row sets satisfy set(j) ⊆ set(k), and whether they are equal.

    Found from the overlap counts Aᵀ·A in one sparse product; None when that product would be too large.
    """
    size = np.diff(a_csc.indptr)
    row_degree = np.diff(a_csc.tocsr().indptr).astype(np.int64)
    if int((row_degree**2).sum()) > _MAX_PRODUCT_NNZ:
        return None
    a = a_csc.astype(np.int32)
    overlap = (a.T @ a).tocoo()
    j, k, shared = overlap.row, overlap.col, overlap.data
    subset = (j != k) & (shared == size[j])
    j, k = j[subset], k[subset]
    return j, k, size[j] == size[k]


def _dominated_columns(a_csc: sparse.csc_array) -> np.ndarray:
    """Columns whose row set another column contains (of equal sets the lowest index stays)."""
    dominated = np.zeros(a_csc.shape[1], dtype=bool)
    pairs = _subset_pairs(a_csc)
    if pairs is not None:
        j, k, equal = pairs
        dominated[j[~equal | (k < j)]] = True
    return dominated


def _containing_columns(a_csc: sparse.csc_array) -> np.ndarray:
    """Columns whose row set contains another column's (of equal sets the lowest index stays)."""
    containing = np.zeros(a_csc.shape[1], dtype=bool)
    pairs = _subset_pairs(a_csc)
    if pairs is not None:
        j, k, equal = pairs
        containing[k[~equal | (j < k)]] = True
    return containing


def _merge_identical_rows(a_csr: sparse.csr_array, w: np.ndarray) -> tuple[sparse.csr_array, np.ndarray]:
    """Merge rows with the same column set, summing their weights (exact; skipped when too large)."""
    n_rows = a_csr.shape[0]
    degree = np.diff(a_csr.indptr)
    if n_rows < 2 or n_rows * int(degree.max()) > _MAX_PAD_CELLS:
        return a_csr, w
    a_csr = a_csr.copy()
    a_csr.sort_indices()
    table = np.full((n_rows, int(degree.max())), -1, dtype=np.int64)
    offsets = np.arange(a_csr.indices.size) - np.repeat(a_csr.indptr[:-1], degree)
    table[np.repeat(np.arange(n_rows), degree), offsets] = a_csr.indices
    _, first, inverse = np.unique(table, axis=0, return_index=True, return_inverse=True)
    if first.size == n_rows:
        return a_csr, w
    merged_w = np.bincount(inverse.ravel(), weights=w, minlength=first.size)
    return a_csr[first], merged_w


def _reduce(
    inst: SitingInstance, row_weights: np.ndarray, keep_rows: np.ndarray, *, cover_all: bool = False
) -> _Reduced:
    """Keep the given open rows, drop useless and dominated candidates, merge identical rows.

    With ``cover_all`` (LSCP: every row must be covered) a row whose candidate set contains another
    row's is dropped too: covering the smaller set covers it.
    """
    a = inst.cover[keep_rows]
    w = row_weights[keep_rows]
    a_csc = sparse.csc_array(a, dtype=np.float64)
    useful = np.flatnonzero(np.diff(a_csc.indptr) > 0)
    a_csc = a_csc[:, useful]
    for _ in range(3):
        keep_cols = ~_dominated_columns(a_csc) & (np.diff(a_csc.indptr) > 0)
        a_csc = a_csc[:, keep_cols]
        useful = useful[keep_cols]
        if not cover_all:
            break
        keep = ~_containing_columns(a_csc.T.tocsc())
        a_csc = a_csc.tocsr()[keep].tocsc()
        w = w[keep]
        if keep.all():
            break
    a_csr, w = _merge_identical_rows(a_csc.tocsr(), w)
    a_csr = sparse.csr_array(a_csr, dtype=np.float64)
    return _Reduced(a_csr=a_csr, a_csc=a_csr.tocsc(), w=np.asarray(w, dtype=np.float64), columns=useful)


# ------------------------------------------------------------------------------------------ heuristic


def _column_rows(red: _Reduced, j: int) -> np.ndarray:
    return red.a_csc.indices[red.a_csc.indptr[j] : red.a_csc.indptr[j + 1]]


def _row_gains(red: _Reduced, rows: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The columns touching the given rows and, for each, the weight of those rows it covers."""
    if rows.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    starts = red.a_csr.indptr[rows]
    lengths = red.a_csr.indptr[rows + 1] - starts
    positions = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    touched, weights = red.a_csr.indices[positions], np.repeat(w[rows], lengths)
    if touched.size * 16 < red.n_cols:  # few entries among many columns: sort them
        columns, inverse = np.unique(touched, return_inverse=True)
        return columns, np.bincount(inverse.ravel(), weights=weights)
    sums = np.bincount(touched, weights=weights, minlength=red.n_cols)
    columns = np.flatnonzero(sums)
    return columns, sums[columns]


def _cover_counts(red: _Reduced, chosen: list[int]) -> np.ndarray:
    picked = np.zeros(red.n_cols)
    picked[chosen] = 1.0
    return np.rint(red.a_csr @ picked).astype(np.int64)


def _covered_weight(red: _Reduced, chosen: list[int], w: np.ndarray) -> float:
    return float(w[_cover_counts(red, chosen) > 0].sum())


def _greedy(red: _Reduced, w: np.ndarray, max_sites: int, target: float) -> list[int]:
    """Lazy greedy: pick the column of largest marginal gain until max_sites or the target weight."""
    covered = np.zeros(red.n_rows, dtype=bool)
    initial = red.a_csc.T @ w
    heap = [(-g, j) for j, g in enumerate(initial.tolist()) if g > 0]
    heapq.heapify(heap)
    chosen: list[int] = []
    total = 0.0
    indptr, indices = red.a_csc.indptr, red.a_csc.indices
    while heap and len(chosen) < max_sites and total < target:
        _, j = heapq.heappop(heap)
        rows = indices[indptr[j] : indptr[j + 1]]
        fresh = rows[~covered[rows]]
        gain = float(w[fresh].sum())
        if gain <= 0:
            continue
        if heap and gain < -heap[0][0]:
            heapq.heappush(heap, (-gain, j))
            continue
        chosen.append(j)
        covered[fresh] = True
        total += gain
    return chosen


def _swap(
    red: _Reduced,
    w: np.ndarray,
    chosen: list[int],
    tol: float,
    deadline: float = math.inf,
    max_rounds: int = 50,
) -> list[int]:
    """1-opt interchange: replace a chosen column by an unchosen one while the covered weight grows.

    Removing site s uncovers the rows only s covers; the best replacement is either the unchosen column
    of largest current gain or one touching those rows, so a rejected move costs O(rows of s), not O(n).
    """
    chosen = list(chosen)
    if not chosen or len(chosen) >= red.n_cols:
        return chosen
    is_chosen = np.zeros(red.n_cols, dtype=bool)
    is_chosen[chosen] = True
    for _ in range(max_rounds):
        count = _cover_counts(red, chosen)
        base = red.a_csc.T @ (w * (count == 0))  # gain of adding each column to the current set
        free = np.where(is_chosen, -np.inf, base)
        best_free = int(np.argmax(free))
        improved = False
        for pos in range(len(chosen)):
            s = chosen[pos]
            rows_s = _column_rows(red, s)
            count[rows_s] -= 1
            lost = rows_s[count[rows_s] == 0]
            touched, extra = _row_gains(red, lost, w)
            best, best_gain = best_free, float(free[best_free])
            if touched.size:
                gains = np.where(is_chosen[touched], -np.inf, base[touched] + extra)
                i = int(np.argmax(gains))
                if gains[i] > best_gain:
                    best, best_gain = int(touched[i]), float(gains[i])
            if best_gain > float(w[lost].sum()) + tol:
                base[touched] += extra
                rows_c = _column_rows(red, best)
                covered_now, less = _row_gains(red, rows_c[count[rows_c] == 0], w)
                base[covered_now] -= less
                count[rows_c] += 1
                is_chosen[s], is_chosen[best] = False, True
                chosen[pos] = best
                free = np.where(is_chosen, -np.inf, base)
                best_free = int(np.argmax(free))
                improved = True
            else:
                count[rows_s] += 1
        if not improved or time.perf_counter() > deadline:
            break
    return chosen


def _iterated_swap(
    red: _Reduced, w: np.ndarray, chosen: list[int], tol: float, rounds: int, deadline: float
) -> list[int]:
    """Perturb the best answer (replace 2–5 sites at random, seeded) and swap again; keep improvements."""
    best = list(chosen)
    if not best or len(best) >= red.n_cols:
        return best
    best_value = _covered_weight(red, best, w)
    rng = np.random.default_rng(20240930)
    for _ in range(rounds):
        if time.perf_counter() > deadline:
            break
        trial = list(best)
        k = int(rng.integers(2, 6))
        k = min(k, len(trial), red.n_cols - len(trial))
        free = np.setdiff1d(np.arange(red.n_cols), trial)
        for out, new in zip(
            rng.choice(len(trial), k, replace=False), rng.choice(free, k, replace=False), strict=True
        ):
            trial[int(out)] = int(new)
        trial = _swap(red, w, trial, tol, deadline)
        value = _covered_weight(red, trial, w)
        if value > best_value + tol:
            best, best_value = trial, value
    return best


def _prune(red: _Reduced, w: np.ndarray, chosen: list[int], target: float) -> list[int]:
    """Drop chosen columns, least unique weight first, while the covered weight stays ≥ target."""
    count = _cover_counts(red, chosen)
    covered = float(w[count > 0].sum())
    unique = [float(w[r[count[r] == 1]].sum()) for r in (_column_rows(red, j) for j in chosen)]
    keep = np.ones(len(chosen), dtype=bool)
    for i in np.argsort(unique, kind="stable"):
        rows = _column_rows(red, chosen[i])
        loss = float(w[rows[count[rows] == 1]].sum())
        if covered - loss >= target:
            keep[i] = False
            count[rows] -= 1
            covered -= loss
    return [j for j, k in zip(chosen, keep, strict=True) if k]


def _fewest_sites(red: _Reduced, w: np.ndarray, target: float, tol: float, deadline: float) -> list[int]:
    """Fewest columns covering ≥ target weight: greedy, prune, then k-1 sites by swaps while it works."""
    chosen = _prune(red, w, _greedy(red, w, red.n_cols, target), target)
    while len(chosen) > 1 and time.perf_counter() < deadline:
        count = _cover_counts(red, chosen)
        unique = [float(w[r[count[r] == 1]].sum()) for r in (_column_rows(red, j) for j in chosen)]
        trial = chosen[:]
        del trial[int(np.argmin(unique))]
        trial = _swap(red, w, trial, tol, deadline)
        if _covered_weight(red, trial, w) < target:
            break
        chosen = _prune(red, w, trial, target)
    return chosen


# ------------------------------------------------------------------------------------- trivial bounds


def _top_gains(red: _Reduced, w: np.ndarray) -> np.ndarray:
    """Single-site gains, largest first (a sum of the top k bounds any k sites: coverage is submodular)."""
    return np.sort(red.a_csc.T @ w)[::-1]


def _independent_rows(red: _Reduced) -> int:
    """Rows no two of which share a column: each needs its own site, so their number bounds LSCP below."""
    blocked = np.zeros(red.n_cols, dtype=bool)
    picked = 0
    indptr, indices = red.a_csr.indptr, red.a_csr.indices
    for i in np.argsort(np.diff(indptr), kind="stable"):
        cols = indices[indptr[i] : indptr[i + 1]]
        if not blocked[cols].any():
            blocked[cols] = True
            picked += 1
    return picked


# --------------------------------------------------------------------------------------- LP and MIP


@dataclass
class _Model:
    """A HiGHS model in column-wise sparse form; the first ``n_sites`` columns are the site binaries."""

    matrix: sparse.csc_array
    col_cost: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    integrality: np.ndarray
    sense: highspy.ObjSense
    n_sites: int


def _model(kind: Problem, red: _Reduced, *, p: int = 0, target: float = 0.0) -> _Model:
    """The MIP, built from the sparse coverage matrix with sparse stacking only (no loops over rows).

    LSCP: min Σx  s.t.  A x ≥ 1.  MCLP: max Σ w·y  s.t.  y − A x ≤ 0, Σx ≤ p.  Target share: min Σx
    s.t.  y − A x ≤ 0, Σ w·y ≥ target. x binary, y continuous in [0, 1] (integral at any optimum).
    """
    n, m = red.n_rows, red.n_cols
    inf = highspy.kHighsInf
    if kind == "lscp":
        return _Model(
            matrix=red.a_csc,
            col_cost=np.ones(m),
            row_lower=np.ones(n),
            row_upper=np.full(n, inf),
            integrality=np.ones(m, dtype=np.int32),
            sense=highspy.ObjSense.kMinimize,
            n_sites=m,
        )
    if kind == "mclp":
        last = sparse.hstack([sparse.csr_array(np.ones((1, m))), sparse.csr_array((1, n))])
        col_cost = np.concatenate([np.zeros(m), red.w])
        last_lower, last_upper, sense = -inf, float(p), highspy.ObjSense.kMaximize
    else:
        last = sparse.hstack([sparse.csr_array((1, m)), sparse.csr_array(red.w[np.newaxis, :])])
        col_cost = np.concatenate([np.ones(m), np.zeros(n)])
        last_lower, last_upper, sense = target, inf, highspy.ObjSense.kMinimize
    coupling = sparse.hstack([-red.a_csr, sparse.eye_array(n, format="csr")])
    return _Model(
        matrix=sparse.vstack([coupling, last], format="csc"),
        col_cost=col_cost,
        row_lower=np.concatenate([np.full(n, -inf), [last_lower]]),
        row_upper=np.concatenate([np.zeros(n), [last_upper]]),
        integrality=np.concatenate([np.ones(m, dtype=np.int32), np.zeros(n, dtype=np.int32)]),
        sense=sense,
        n_sites=m,
    )


def _highs(model: _Model, time_limit_s: float, *, relax: bool = False) -> tuple[highspy.Highs, list[str]]:
    """A silent HiGHS holding the model (or its LP relaxation), its log lines collected by a callback."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", True)
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("time_limit", max(float(time_limit_s), 1e-3))
    if relax:  # the interior point method is quicker here than simplex; duals need no vertex
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "off")
    log: list[str] = []
    h.setCallback(lambda _type, message, *_: log.append(message), None)
    h.startCallback(highspy.cb.HighsCallbackType.kCallbackLogging)
    matrix = model.matrix
    n_cols = matrix.shape[1]
    h.passModel(
        n_cols,
        matrix.shape[0],
        matrix.nnz,
        int(highspy.MatrixFormat.kColwise),
        int(model.sense),
        0.0,
        model.col_cost,
        np.zeros(n_cols),
        np.ones(n_cols),
        model.row_lower,
        model.row_upper,
        matrix.indptr.astype(np.int32),
        matrix.indices.astype(np.int32),
        matrix.data.astype(np.float64),
        np.zeros(n_cols, dtype=np.int32) if relax else model.integrality,
    )
    return h, log


@dataclass
class _MipOutcome:
    chosen: list[int] | None
    bound: float | None
    status: Status
    warm_start_accepted: bool | None
    build_s: float
    solve_s: float


_START_ACCEPTED = re.compile(
    r"MIP start solution is feasible|Assessing feasibility of MIP solution[^\n]*: feasible"
)


def _solve_mip(
    kind: Problem,
    red: _Reduced,
    warm: list[int],
    *,
    p: int = 0,
    target: float = 0.0,
    time_limit_s: float,
    mip_gap: float,
) -> _MipOutcome:
    """Build the MIP from the sparse matrix, warm-start it (setSolution) and run HiGHS under a time limit."""
    started = time.perf_counter()
    model = _model(kind, red, p=p, target=target)
    h, log = _highs(model, time_limit_s)
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    start = np.zeros(model.matrix.shape[1])
    start[warm] = 1.0
    if kind != "lscp":
        start[red.n_cols :] = (_cover_counts(red, warm) > 0).astype(np.float64)
    h.setSolution(start.size, np.arange(start.size, dtype=np.int32), start)
    built = time.perf_counter()
    h.run()
    solved = time.perf_counter()

    info = h.getInfo()
    chosen = None
    if info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible:
        x = np.asarray(h.getSolution().col_value[: red.n_cols])
        chosen = np.flatnonzero(x > 0.5).tolist()
    bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None
    status_code = h.getModelStatus()
    if status_code == highspy.HighsModelStatus.kOptimal:
        status: Status = "optimal"
    elif status_code == highspy.HighsModelStatus.kTimeLimit:
        status = "time_limit"
    else:
        status = "heuristic_only"
    text = "".join(log)
    # HiGHS ≤ 1.11 says "MIP start solution is feasible"; later versions "Assessing feasibility of MIP
    # solution ...: feasible"
    accepted: bool | None = bool(_START_ACCEPTED.search(text))
    if not accepted and "Presolve: Optimal" in text:
        accepted = None  # presolve solved the model outright: no search, so no start to take
    return _MipOutcome(chosen, bound, status, accepted, built - started, solved - built)


def _lagrangian(red: _Reduced, multipliers: np.ndarray, p: int) -> tuple[float, np.ndarray]:
    """MCLP Lagrangian bound with the coverage rows relaxed: Σ (w − λ)⁺ + the p largest column prices Aᵀλ.

    Valid for any λ ≥ 0 (clipped to [0, w]), so a bound computed here never rests on solver tolerances.
    """
    lam = np.clip(multipliers, 0.0, red.w)
    prices = red.a_csc.T @ lam
    top = np.partition(prices, prices.size - p)[prices.size - p :] if p < prices.size else prices
    return float(np.maximum(red.w - lam, 0.0).sum() + top.sum()), prices


def _mclp_relaxation(red: _Reduced, p: int, time_limit_s: float) -> tuple[np.ndarray, np.ndarray] | None:
    """The LP relaxation's site values and coverage-row duals (HiGHS interior point), or None."""
    h, _ = _highs(_model("mclp", red, p=p), time_limit_s, relax=True)
    h.run()
    # Without crossover HiGHS may call a good interior solution "unknown" (postsolved duals miss its
    # tolerances); the duals are only used as multipliers whose bound is recomputed exactly, so any
    # finite answer serves, and a time limit or failure just means no LP help.
    if h.getModelStatus() not in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kUnknown):
        return None
    solution = h.getSolution()
    x = np.asarray(solution.col_value[: red.n_cols])
    duals = np.asarray(solution.row_dual[: red.n_rows])
    if (
        x.size != red.n_cols
        or duals.size != red.n_rows
        or not (np.isfinite(x).all() and np.isfinite(duals).all())
    ):
        return None
    return x, duals


def _restrict(red: _Reduced, cols: np.ndarray) -> _Reduced:
    """The sub-model on the given columns and the rows they touch."""
    a_csc = red.a_csc[:, cols]
    rows = np.flatnonzero(np.diff(a_csc.tocsr().indptr) > 0)
    a_csr = a_csc.tocsr()[rows]
    return _Reduced(a_csr=a_csr, a_csc=a_csr.tocsc(), w=red.w[rows], columns=red.columns[cols])


# ------------------------------------------------------------------------------------------ answering


def _assign(
    inst: SitingInstance, chosen: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray, ...], tuple[np.ndarray, ...], float]:
    """Assign newly covered demand to its nearest chosen site (exact geodesic metres); order by weight."""
    sub = inst.cover[:, chosen].tocoo()
    rows, cols = sub.row.astype(np.int64), sub.col.astype(np.int64)
    demand = inst.open_demand[rows]
    site = chosen[cols]
    if rows.size:
        _, _, dist = _GEOD.inv(
            inst.demand_lon[demand],
            inst.demand_lat[demand],
            inst.candidate_lon[site],
            inst.candidate_lat[site],
        )
        dist = np.asarray(dist, dtype=np.float64)
    else:
        dist = np.zeros(0)
    order = np.lexsort((cols, dist, rows))
    rows, cols, dist = rows[order], cols[order], dist[order]
    first = np.unique(rows, return_index=True)[1]
    rows, cols, dist = rows[first], cols[first], dist[first]
    demand = inst.open_demand[rows]
    served_weight = np.bincount(cols, weights=inst.weights[demand], minlength=chosen.size)
    ranking = np.lexsort((chosen, -served_weight))
    served = tuple(demand[cols == k] for k in ranking)
    distances = tuple(dist[cols == k] for k in ranking)
    return chosen[ranking], served, distances, float(inst.weights[demand].sum())


def _relative_gap(objective: float, bound: float) -> float:
    gap = abs(bound - objective) / max(abs(objective), 1e-12)
    return 0.0 if gap < 1e-9 else gap


@dataclass
class _Answer:
    """What a solve found, in the reduced model's column numbering, before it is reported."""

    chosen: list[int]
    objective: float
    heuristic_objective: float
    bound: float
    status: Status
    heuristic_s: float
    mip_bound: float | None = None
    warm_start_accepted: bool | None = None
    lp_s: float = 0.0
    mip_build_s: float = 0.0
    mip_solve_s: float = 0.0

    def take_mip(self, mip: _MipOutcome) -> None:
        self.status = mip.status
        self.mip_bound = mip.bound
        self.warm_start_accepted = mip.warm_start_accepted
        self.mip_build_s += mip.build_s
        self.mip_solve_s += mip.solve_s


def _reasons(
    inst: SitingInstance,
    problem: Problem,
    p: int | None,
    n_chosen: int,
    status: Status,
    gap: float,
    mip_gap: float,
) -> tuple[Reason, ...]:
    """Why the answer has fewer sites than asked, what it cannot cover, and how sure it is (see ``Reason``)."""
    reasons: list[Reason] = []
    open_w = inst.weights[inst.open_demand]
    gaining = inst.cover[np.flatnonzero(open_w > 0)]
    gains = np.diff(sparse.csc_array(gaining).indptr) > 0
    useful = int(gains.sum())
    n = inst.n_candidates
    if problem == "mclp" and p is not None and n_chosen < p:
        if p > n:
            reasons.append(Reason("few_candidates", {"p": p, "candidates": n}))
        if useful < min(p, n):
            params = {"useful": useful, "useless": n - useful, "distance_m": inst.distance_m}
            params["useless_sites"] = np.flatnonzero(~gains)[:MAX_NAMED].tolist()
            reasons.append(Reason("no_gain", params))
        if n_chosen < min(p, useful):
            reasons.append(Reason("all_reachable_covered", {"chosen": n_chosen, "p": p}))
    if problem != "mclp" and n_chosen == 0:
        reasons.append(Reason("nothing_needed", {"share_before": inst.weight_before / inst.total_weight}))
    unreachable = inst.uncoverable
    if unreachable.size:
        weight = float(inst.weights[unreachable].sum())
        reasons.append(
            Reason(
                "uncoverable",
                {"points": int(unreachable.size), "weight": weight, "distance_m": inst.distance_m},
            )
        )
    if status == "heuristic_only":
        reasons.append(Reason("not_proven", {"gap": gap}))
    elif status == "time_limit":
        reasons.append(Reason("time_limit", {"gap": gap}))
    elif gap > 0:
        reasons.append(Reason("within_gap", {"gap": gap, "mip_gap": mip_gap}))
    return tuple(reasons)


def _finish(
    inst: SitingInstance,
    problem: Problem,
    red: _Reduced,
    answer: _Answer,
    started: float,
    *,
    p: int | None = None,
    mip_gap: float = 0.0,
) -> SitingResult:
    chosen = np.sort(red.columns[np.asarray(answer.chosen, dtype=np.int64)]).astype(np.int64)
    chosen, served, distances, newly = _assign(inst, chosen)
    total = inst.total_weight
    gap = _relative_gap(answer.objective, answer.bound)
    return SitingResult(
        problem=problem,
        chosen=chosen,
        newly_covered_weight=newly,
        covered_share_before=inst.weight_before / total,
        covered_share_after=(inst.weight_before + newly) / total,
        served=served,
        served_distance_m=distances,
        uncoverable=inst.uncoverable,
        objective=answer.objective,
        heuristic_objective=answer.heuristic_objective,
        bound=answer.bound,
        mip_bound=answer.mip_bound,
        gap=gap,
        status=answer.status,
        warm_start_accepted=answer.warm_start_accepted,
        timings=SitingTimings(
            coverage_s=inst.build_seconds,
            heuristic_s=answer.heuristic_s,
            lp_s=answer.lp_s,
            mip_build_s=answer.mip_build_s,
            mip_solve_s=answer.mip_solve_s,
            total_s=inst.build_seconds + time.perf_counter() - started,
        ),
        requested_sites=p,
        reasons=_reasons(inst, problem, p, int(chosen.size), answer.status, gap, mip_gap),
    )


def _check_p(p: int, inst: SitingInstance) -> int:
    if isinstance(p, bool) or not isinstance(p, numbers.Integral):
        raise InvalidInput(f"the number of new sites must be an integer, got {p!r}")
    if p <= 0:
        raise InvalidInput(f"the number of new sites must be at least 1, got {p}")
    return int(p)  # more than the candidates is no error: every useful one is taken, and a reason says why


def _improve_with_lp(
    red: _Reduced,
    p: int,
    answer: _Answer,
    tol: float,
    time_limit_s: float,
    mip_gap: float = 0.0,
    by_pricing: bool | None = None,
) -> np.ndarray:
    """Tighten the bound with the LP relaxation, try an LP-guided start, and fix useless sites.

    Returns the columns the MIP still needs: a site j outside the incumbent is dropped when even the best
    solution containing it, bounded by the Lagrangian at the LP duals (L − c₍p₎ + c_j), cannot beat the
    incumbent — the classical reduced-cost fixing, done here so the MIP sees a much smaller model.
    """
    started = time.perf_counter()
    w = red.w
    if by_pricing or (by_pricing is None and red.n_cols > _PRICE_COLUMNS_FROM):
        relaxation = _relaxation_by_pricing(red, p, answer.chosen, time_limit_s)
    else:
        relaxation = _mclp_relaxation(red, p, time_limit_s)
    if relaxation is None:
        answer.lp_s = time.perf_counter() - started
        return np.arange(red.n_cols)
    x_lp, duals = relaxation
    # HiGHS's dual sign convention for a maximisation differs between its solvers: any λ ≥ 0 gives a
    # valid bound, so take the sign whose Lagrangian bound is lower.
    bound, prices = min((_lagrangian(red, sign * duals, p) for sign in (1.0, -1.0)), key=lambda t: t[0])
    answer.bound = min(answer.bound, bound)
    support = np.flatnonzero(x_lp > 1e-6)
    if support.size:
        sub = _restrict(red, support)
        guided = [int(red_j) for red_j in support[_swap(sub, sub.w, _greedy(sub, sub.w, p, math.inf), tol)]]
        guided = _swap(red, w, guided, tol, time.perf_counter() + _IMPROVE_SECONDS)
        value = _covered_weight(red, guided, w)
        if value > answer.objective + tol:
            answer.chosen = _prune(red, w, guided, value)
            answer.objective = _covered_weight(red, answer.chosen, w)
    keep = _unfixed_sites(red, bound, prices, p, answer, tol)
    proven = answer.objective >= answer.bound - max(tol, mip_gap * answer.bound)
    if keep.size > p and not proven:
        # a short seeded perturbation search among the sites left often finds a better incumbent,
        # which in turn fixes more sites
        sub = _restrict(red, keep)
        position = {int(j): k for k, j in enumerate(keep)}
        deadline = time.perf_counter() + _IMPROVE_SECONDS
        found = [
            int(keep[k])
            for k in _iterated_swap(sub, sub.w, [position[j] for j in answer.chosen], tol, 40, deadline)
        ]
        value = _covered_weight(red, found, w)
        if value > answer.objective + tol:
            answer.chosen = _prune(red, w, found, value)
            answer.objective = _covered_weight(red, answer.chosen, w)
            keep = _unfixed_sites(red, bound, prices, p, answer, tol)
    answer.lp_s = time.perf_counter() - started
    return keep


def _relaxation_by_pricing(
    red: _Reduced, p: int, chosen: list[int], time_limit_s: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """The LP relaxation of a very large MCLP by column generation (``siting_lagrangian``).

    Starts from the sites of largest single gain and the heuristic's answer; returns the LP site values and
    non-negative multipliers over every column and row, or None when no restricted LP was solved in time.
    """
    gains = red.a_csc.T @ red.w
    k = min(red.n_cols, _START_COLUMNS_PER_SITE * p)
    start = np.union1d(np.argpartition(-gains, k - 1)[:k], np.asarray(chosen, dtype=np.int64))

    solve = RestrictedMclpLp(red.a_csc, red.w, p)
    found = lp_by_column_generation(red.a_csc, red.w, p, start, solve, time.perf_counter() + time_limit_s)
    return None if found is None else (found.x, found.multipliers)


def _unfixed_sites(
    red: _Reduced, bound: float, prices: np.ndarray, p: int, answer: _Answer, tol: float
) -> np.ndarray:
    """Sites that may still be in a better answer: L − c₍p₎ + c_j must exceed the incumbent."""
    keep = np.ones(red.n_cols, dtype=bool)
    if p < red.n_cols:
        p_th = float(np.partition(prices, prices.size - p)[prices.size - p])
        keep = bound - p_th + prices > answer.objective - tol
    keep[answer.chosen] = True
    return np.flatnonzero(keep)


def maximize_coverage(
    inst: SitingInstance,
    p: int,
    *,
    exact: bool = True,
    time_limit_s: float = 60.0,
    mip_gap: float = 0.0,
    lp_first: bool = True,
    lp_by_pricing: bool | None = None,
) -> SitingResult:
    """MCLP: at most p new sites maximising the newly covered weight (sites that add nothing are left out).

    p may exceed the number of candidates; the answer's ``reasons`` then say so (``few_candidates``).
    ``exact=False`` stops after greedy + swap. ``time_limit_s`` bounds the exact stage (LP relaxation and
    MIP); ``mip_gap`` is the relative gap at which an answer counts as optimal (0: proven optimal).
    ``lp_first`` solves the LP relaxation before the MIP for a Lagrangian bound, an LP-guided start and
    reduced-cost fixing of sites (often proving optimality with no branching); without it the MIP gets
    the whole model.
    ``lp_by_pricing`` solves that LP by column generation (``siting_lagrangian``) instead of whole; None
    chooses it above 100,000 useful candidates (national scale), where the whole LP takes minutes.
    """
    p = _check_p(p, inst)
    _time_limit(time_limit_s, mip_gap)
    started = time.perf_counter()
    open_w = inst.weights[inst.open_demand]
    red = _reduce(inst, open_w, np.flatnonzero((np.diff(inst.cover.indptr) > 0) & (open_w > 0)))
    w = red.w
    tol = 1e-9 * float(w.sum()) if red.n_rows else 0.0
    chosen = _swap(red, w, _greedy(red, w, p, math.inf), tol, started + _IMPROVE_SECONDS)
    chosen = _prune(red, w, chosen, _covered_weight(red, chosen, w))
    value = _covered_weight(red, chosen, w)
    trivial = min(float(w.sum()), float(_top_gains(red, w)[:p].sum())) if red.n_rows else 0.0
    answer = _Answer(chosen, value, value, trivial, "heuristic_only", time.perf_counter() - started)

    def proven() -> bool:
        return answer.objective >= answer.bound - max(tol, mip_gap * answer.bound)

    if proven():
        answer.status = "optimal"
    elif exact:
        deadline = time.perf_counter() + time_limit_s
        all_sites = np.arange(red.n_cols)
        keep = (
            _improve_with_lp(red, p, answer, tol, time_limit_s, mip_gap, lp_by_pricing)
            if lp_first
            else all_sites
        )
        if proven():
            answer.status = "optimal"
        elif keep.size <= p:
            # every site that could beat the incumbent fits in one answer, so taking them all is optimal
            found = _prune(red, w, keep.tolist(), _covered_weight(red, keep.tolist(), w))
            answer.chosen, answer.objective = found, _covered_weight(red, found, w)
            answer.bound, answer.status = answer.objective, "optimal"
        else:
            sub = _restrict(red, keep)
            position = {int(j): k for k, j in enumerate(keep)}
            warm = [position[j] for j in answer.chosen]
            remaining = deadline - time.perf_counter()
            mip = _solve_mip("mclp", sub, warm, p=p, time_limit_s=remaining, mip_gap=mip_gap)
            answer.take_mip(mip)
            if mip.chosen is not None:
                found = [int(keep[k]) for k in mip.chosen]
                found = _prune(red, w, found, _covered_weight(red, found, w))
                if _covered_weight(red, found, w) > answer.objective:
                    answer.chosen, answer.objective = found, _covered_weight(red, found, w)
            if mip.bound is not None:
                # solutions using a fixed-out site are worth less than the incumbent, so the sub-MIP's
                # bound (never below its incumbent) bounds the whole problem
                answer.bound = min(answer.bound, mip.bound)
            answer.bound = max(answer.bound, answer.objective)  # HiGHS's bound is within its tolerance
            if proven():
                answer.status = "optimal"
    return _finish(inst, "mclp", red, answer, started, p=p, mip_gap=mip_gap)


def _fewest(
    inst: SitingInstance,
    problem: Problem,
    red: _Reduced,
    target: float,
    lower_bound: int,
    exact: bool,
    time_limit_s: float,
    mip_gap: float,
    started: float,
) -> SitingResult:
    """Fewest sites covering ≥ target weight of the reduced rows: heuristic, then the MIP on HiGHS."""
    w = red.w
    tol = 1e-9 * float(w.sum()) if red.n_rows else 0.0
    deadline = started + _IMPROVE_SECONDS
    chosen = _fewest_sites(red, w, target, tol, deadline) if red.n_rows and target > 0 else []
    count = float(len(chosen))
    answer = _Answer(
        chosen, count, count, float(lower_bound), "heuristic_only", time.perf_counter() - started
    )

    def proven() -> bool:
        return answer.objective <= math.ceil(answer.bound * (1 + mip_gap) - 1e-9)

    if proven():
        answer.status = "optimal"
    elif exact:
        mip = _solve_mip(problem, red, chosen, target=target, time_limit_s=time_limit_s, mip_gap=mip_gap)
        answer.take_mip(mip)
        if mip.chosen is not None:
            found = _prune(red, w, mip.chosen, target)
            if len(found) < answer.objective and _covered_weight(red, found, w) >= target:
                answer.chosen, answer.objective = found, float(len(found))
        if mip.bound is not None:
            answer.bound = max(answer.bound, float(math.ceil(mip.bound - 1e-6)))  # counts are integers
        answer.bound = min(answer.bound, answer.objective)
        if proven():
            answer.status = "optimal"
    return _finish(inst, problem, red, answer, started, mip_gap=mip_gap)


def minimize_sites(
    inst: SitingInstance,
    *,
    require_full_coverage: bool = False,
    exact: bool = True,
    time_limit_s: float = 60.0,
    mip_gap: float = 0.0,
) -> SitingResult:
    """LSCP: fewest new sites covering every open demand point that any candidate can cover.

    Demand that no candidate covers is reported in ``uncoverable``; with ``require_full_coverage`` its
    existence is an error (InvalidInput) instead.
    """
    _time_limit(time_limit_s, mip_gap)
    uncoverable = inst.uncoverable
    if require_full_coverage and uncoverable.size:
        raise InvalidInput(
            f"full coverage is impossible: {uncoverable.size} demand points are farther than "
            f"{inst.distance_m:g} m from every existing station and candidate site "
            f"(first indices {uncoverable[:10].tolist()})",
            key="siting.full_cover_impossible",
            params={"points": int(uncoverable.size), "km": f"{inst.distance_m / 1000:g}"},
        )
    started = time.perf_counter()
    keep = np.flatnonzero(np.diff(inst.cover.indptr) > 0)
    red = _reduce(inst, np.ones(inst.open_demand.size), keep, cover_all=True)
    w = red.w  # number of demand points per merged row
    lower = max(_independent_rows(red), 1) if red.n_rows else 0
    return _fewest(inst, "lscp", red, float(w.sum()), lower, exact, time_limit_s, mip_gap, started)


def reach_coverage_share(
    inst: SitingInstance,
    share: float,
    *,
    exact: bool = True,
    time_limit_s: float = 60.0,
    mip_gap: float = 0.0,
) -> SitingResult:
    """Fewest new sites so that existing plus new stations cover at least ``share`` (0–1] of the weight."""
    if isinstance(share, bool) or not isinstance(share, numbers.Real) or not 0 < share <= 1:
        raise InvalidInput(f"target coverage share must be in (0, 1], got {share!r}")
    _time_limit(time_limit_s, mip_gap)
    total = inst.total_weight
    reachable = (inst.weight_before + inst.coverable_weight) / total
    slack = 1e-9 * total
    if share * total > inst.weight_before + inst.coverable_weight + slack:
        raise InvalidInput(
            f"target coverage share {share:.4g} is unreachable: existing stations plus every candidate "
            f"site cover at most {reachable:.4g} of the demand weight",
            key="siting.unreachable_share",
            params={"share": f"{share * 100:.1f}", "reachable": f"{reachable * 100:.1f}"},
        )
    started = time.perf_counter()
    open_w = inst.weights[inst.open_demand]
    red = _reduce(inst, open_w, np.flatnonzero((np.diff(inst.cover.indptr) > 0) & (open_w > 0)))
    w = red.w
    target = min(share * total - inst.weight_before - slack, float(w.sum()))
    lower = 0
    if target > 0:
        cumulative = np.cumsum(_top_gains(red, w))
        lower = int(np.searchsorted(cumulative, target, side="left")) + 1
    return _fewest(inst, "target_share", red, target, lower, exact, time_limit_s, mip_gap, started)


def solve_siting(
    problem: Problem,
    demand_lon: ArrayLike,
    demand_lat: ArrayLike,
    candidate_lon: ArrayLike,
    candidate_lat: ArrayLike,
    *,
    distance_m: float,
    weights: ArrayLike | None = None,
    existing_lon: ArrayLike | None = None,
    existing_lat: ArrayLike | None = None,
    p: int | None = None,
    share: float | None = None,
    require_full_coverage: bool = False,
    exact: bool = True,
    time_limit_s: float = 60.0,
    mip_gap: float = 0.0,
) -> SitingResult:
    """One call from plain arrays (WGS-84 degrees, metres): build the instance and solve ``problem``."""
    if problem not in ("mclp", "lscp", "target_share"):
        raise InvalidInput(f"unknown siting problem {problem!r}: use mclp, lscp or target_share")
    if problem == "mclp" and p is None:
        raise InvalidInput("mclp needs p, the number of new sites")
    if problem == "target_share" and share is None:
        raise InvalidInput("target_share needs share, the coverage share to reach (0–1]")
    inst = build_instance(
        demand_lon,
        demand_lat,
        candidate_lon,
        candidate_lat,
        distance_m,
        weights=weights,
        existing_lon=existing_lon,
        existing_lat=existing_lat,
    )
    if problem == "mclp":
        return maximize_coverage(inst, p, exact=exact, time_limit_s=time_limit_s, mip_gap=mip_gap)
    if problem == "lscp":
        return minimize_sites(
            inst,
            require_full_coverage=require_full_coverage,
            exact=exact,
            time_limit_s=time_limit_s,
            mip_gap=mip_gap,
        )
    return reach_coverage_share(inst, share, exact=exact, time_limit_s=time_limit_s, mip_gap=mip_gap)
