"""The nearest site for many points at once, in geodesic metres on the WGS-84 ellipsoid.

What is used for what:

- **Finding candidates**: a k-d tree (``scipy.spatial.cKDTree``) on unit vectors, taking WGS-84 geodetic
  latitude/longitude (degrees) as spherical coordinates. The tree measures chords c; the central angle
  is θ = 2·asin(c/2).
- **Reported distances**: geodesic metres on the WGS-84 ellipsoid (``pyproj.Geod.inv``, Karney's
  algorithm), computed vectorised for the matched pairs only, plus the few near-ties below.
- **Why the answer is the geodesic nearest, not only the spherical one**: in those coordinates the
  ellipsoid's line element lies between ``M_MIN·dθ`` and ``N_MAX·dθ`` (the smallest and largest radii of
  curvature, a(1−e²) at the equator and a/√(1−e²) at the poles), so a site at angle θ is at least
  ``M_MIN·θ`` metres away. When the second-nearest site by angle lies beyond ``g₁ / M_MIN`` (g₁ the geodesic
  distance to the nearest by angle), no other site can be as close; otherwise (about 1–2 % of points) every
  site within that angle is ranked by geodesic distance. Ties go to the lowest id.

Nothing here touches the database: arrays in, arrays out.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from pyproj import Geod
from scipy.spatial import cKDTree

GEOD = Geod(ellps="WGS84")
_A = 6_378_137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
M_MIN = _A * (1 - _E2)
"""Smallest radius of curvature of the WGS-84 ellipsoid (metres, meridional, at the equator)."""

NO_SITE = -1
"""Id reported when there is no site at all to be nearest."""

_CPUS = min(os.cpu_count() or 1, 8)
_PARALLEL_MIN = 20_000  # below this many pairs, one thread is as quick
_REL_SLACK = 1e-9
_ABS_SLACK_RAD = 1e-12


def unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """(n, 3) unit vectors of WGS-84 lon/lat degrees taken as spherical coordinates."""
    lam, phi = np.radians(lon), np.radians(lat)
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def _inv_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2, return_back_azimuth=False)
    return np.asarray(dist, dtype=np.float64)


def geodesic_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Geodesic distances (metres, WGS-84 ellipsoid) between paired lon/lat points in degrees.

    Large batches are measured in slices on the CPUs at once (pyproj leaves the GIL while it measures); each
    distance is the same as measured alone.
    """
    n = len(lon1)
    if n == 0:
        return np.zeros(0)
    if n < _PARALLEL_MIN or _CPUS < 2:
        return _inv_m(lon1, lat1, lon2, lat2)
    cuts = np.linspace(0, n, _CPUS + 1).astype(int)
    parts = [slice(a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    return np.concatenate(list(_pool().map(lambda s: _inv_m(lon1[s], lat1[s], lon2[s], lat2[s]), parts)))


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(_CPUS, thread_name_prefix="geodesic")


@dataclass(frozen=True)
class SiteIndex:
    """Sites (ids, WGS-84 lon/lat degrees) and a k-d tree over their unit vectors."""

    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    tree: cKDTree | None

    @classmethod
    def build(cls, ids: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> SiteIndex:
        """Index these sites; an empty set is allowed (every query then finds nothing)."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        lon = np.ascontiguousarray(lon, dtype=np.float64)
        lat = np.ascontiguousarray(lat, dtype=np.float64)
        tree = cKDTree(unit_vectors(lon, lat), balanced_tree=False, compact_nodes=False) if len(ids) else None
        return cls(ids, lon, lat, tree)

    def __len__(self) -> int:
        return len(self.ids)


def nearest_sites_geodesic(
    index: SiteIndex,
    lon: np.ndarray,
    lat: np.ndarray,
    workers: int = -1,
    within_m: np.ndarray | None = None,
    vectors: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """For each WGS-84 point, the id of the geodesically nearest site and its distance in metres.

    Points with no site get id ``NO_SITE`` and distance ``inf``; so do points whose nearest site is provably
    farther than ``within_m`` metres (per point), when given, which saves measuring them. Ties go to the
    lowest id. ``vectors``: the points' ``unit_vectors``, when the caller already has them.
    """
    n = len(lon)
    ids = np.full(n, NO_SITE, dtype=np.int64)
    dist = np.full(n, np.inf)
    if n == 0 or index.tree is None:
        return ids, dist
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    q = unit_vectors(lon, lat) if vectors is None else vectors
    k = 2 if len(index) > 1 else 1
    chords, found = index.tree.query(q, k=k, workers=workers)
    if k == 1:
        chords, found = chords[:, None], found[:, None]
    todo = np.arange(n)
    if within_m is not None:
        # a site at angle θ is at least M_MIN·θ metres away
        first = 2 * np.arcsin(np.minimum(chords[:, 0] / 2, 1.0))
        todo = np.flatnonzero(first * M_MIN * (1 - _REL_SLACK) <= np.asarray(within_m, dtype=np.float64))
    best = found[todo, 0].astype(np.int64)
    lon_t, lat_t = lon[todo], lat[todo]
    best_m = geodesic_m(lon_t, lat_t, index.lon[best], index.lat[best])
    if k == 2 and todo.size:
        # angle within which another site could be as close as the nearest by angle
        reach = best_m * (1 + _REL_SLACK) / M_MIN + _ABS_SLACK_RAD
        second = 2 * np.arcsin(np.minimum(chords[todo, 1] / 2, 1.0))
        unsure = np.flatnonzero(second <= reach)
        if unsure.size:
            _rank_ties(index, lon_t, lat_t, q[todo], unsure, reach[unsure], best, best_m, workers)
    ids[todo] = index.ids[best]
    dist[todo] = best_m
    return ids, dist


def _rank_ties(
    index: SiteIndex,
    lon: np.ndarray,
    lat: np.ndarray,
    q: np.ndarray,
    unsure: np.ndarray,
    reach: np.ndarray,
    best: np.ndarray,
    best_m: np.ndarray,
    workers: int,
) -> None:
    """Settle the points whose nearest is not certain by angle: rank every site within reach geodesically."""
    radius = 2 * np.sin(np.minimum(reach, np.pi) / 2) + 1e-15
    balls = index.tree.query_ball_point(q[unsure], r=radius, workers=workers, return_sorted=False)
    counts = np.fromiter((len(b) for b in balls), dtype=np.int64, count=len(balls))
    candidates = np.fromiter((i for b in balls for i in b), dtype=np.int64, count=int(counts.sum()))
    owner = np.repeat(unsure, counts)
    d = geodesic_m(lon[owner], lat[owner], index.lon[candidates], index.lat[candidates])
    order = np.lexsort((index.ids[candidates], d, owner))
    first = order[np.r_[0, np.flatnonzero(np.diff(owner[order])) + 1]]
    best[owner[first]] = candidates[first]
    best_m[owner[first]] = d[first]


def nearest_of(results: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The nearest of several (ids, metres) answers for the same points: smallest distance, then lowest id."""
    ids = np.vstack([r[0] for r in results])
    dist = np.vstack([r[1] for r in results])
    least = dist.min(axis=0)
    tied_ids = np.where((dist == least) & (ids != NO_SITE), ids, np.iinfo(np.int64).max)
    chosen = tied_ids.min(axis=0)
    chosen[~np.isfinite(least)] = NO_SITE
    return chosen, least
