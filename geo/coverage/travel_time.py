"""Travel-time coverage over a road network: time to the nearest station, and station service areas.

Method (times in seconds, positions WGS-84 lon/lat degrees, distances geodesic metres):

- Villages, townships and stations are snapped to their nearest graph node (a k-d tree on unit-sphere
  vectors). The off-network stretch between a point and its node is walked at ``access_kmh`` (5 km/h by
  default): its geodesic length divided by that speed is added at both ends, the village's and the
  station's. A village and a station snapped to the same node are therefore apart by the two walks. A point
  more than ``max_access_m`` (5 km by default) from every node is off the network and gets no travel time.
- Travel time is *from* the village *to* the station (oneway edges matter), found on the reversed graph.
  Each station is a virtual node with one edge (its walking time) to its snapped node, so ONE multi-source
  ``scipy.sparse.csgraph.dijkstra`` pass per station level (``min_only=True``, with ``return_predecessors``
  for the ``sources`` array) gives every node its time to the nearest station of that level and which
  station that is. Villages and townships read their node's answer and add their own walk.
- A run limited to an area (``TravelParams.area``) writes the travel times of that area's villages and townships
  only, and the service areas of that area's stations only; every active station of the atlas is still a
  destination (a village on a county's edge may be nearest to the next county's station), and the rows of other
  areas keep what earlier runs wrote. So a planner of a county runs travel time for the county alone.
- Results go into the coverage tables (``{level}_station_s``, ``{level}_time_station_id``, ``access_m``,
  ``travel_time_s`` = the any-level time, ``travel_run_id``). A full distance run rewrites those tables
  and an incremental refresh clears the travel columns of the rows it changes: run travel time again after.
- Service areas: per station and time limit, the area *from which the station is reached* within the limit.
  One bounded Dijkstra per station (``limit``) on the same reversed graph labels the nodes; an edge is
  reached wholly or in part (cut where the time runs out, assuming its speed is uniform along it). The
  polygon is the concave hull (ratio 0.3) of the reached road points (``reached_points``) widened by
  ``TRIM_M`` metres, built in a local equirectangular frame in metres scaled by the WGS-84 radii of curvature
  at the station (good to well under 0.1 % within 50 km), and stored in WGS-84 with its geodesic area in m².
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree
from sqlalchemy import Connection, Engine, text

from geo import vocab
from geo.atlas.areas import AreaRef, area_scope, find_area, require_area
from geo.coverage.nearest import NO_SITE, geodesic_m, unit_vectors
from geo.coverage.roads import (
    NetworkInfo,
    RoadGraph,
    get_network,
    list_networks,
    load_graph,
    network_coverage,
)
from geo.coverage.runs import TOWNSHIPS, VILLAGES, lock_coverage_tables, refresh_coverage
from geo.errors import Conflict, InvalidInput, NotFound
from geo.kit.pgcopy import Field, copy_in, copy_out
from geo.kit.runs import ActiveRun, ProgressFn, RunInfo, RunKind, Work, find_runs, launch, read_run
from geo.models import TravelRun

DEFAULT_ACCESS_KMH = 5.0
"""Walking speed (km/h) on the off-network stretch between a point and its nearest road node."""
DEFAULT_LIMITS_MIN = (15.0, 30.0)
"""Default service-area time limits (minutes)."""
DEFAULT_MAX_ACCESS_M = 5000.0
"""A point farther than this (geodesic metres) from every road node is off the network: no travel time."""
MAX_LIMIT_MIN = 600.0
"""Largest service-area time limit accepted (minutes)."""
MAX_SERVICE_AREA_STATIONS = 3000
"""Without an area, service areas are drawn only when there are at most this many active stations."""
TRIM_M = 100.0
"""Metres a service-area polygon reaches beyond the hull of its reached road points."""
TRAVEL_RUN_LIMIT_S = 6 * 3600.0
"""A travel run still running this long after it started has hung and is failed when read."""

_LOCK_SCOPE = 43  # with geo.kit.runs.LOCK_CLASS: one travel run at a time (issue 4, part 3)
_LEVELS = vocab.STATION_LEVELS
_GROUP_LEVELS = {"village": ("village",), "township": ("township",), "any": _LEVELS}
_A = 6_378_137.0
_E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)


# ------------------------------------------------------------------------------------------ params


@dataclass(frozen=True)
class TravelParams:
    """A travel run: the network, the walking speed (km/h) off the network, service-area limits (minutes)."""

    network_id: int
    access_kmh: float = DEFAULT_ACCESS_KMH
    limits_min: tuple[float, ...] = DEFAULT_LIMITS_MIN
    area: str | None = (
        None  # travel times of this area's villages and townships, service areas of its stations
    )
    max_access_m: float = DEFAULT_MAX_ACCESS_M

    def as_json(self) -> dict[str, Any]:
        return {
            "network_id": self.network_id,
            "access_kmh": self.access_kmh,
            "max_access_m": self.max_access_m,
            "limits_min": list(self.limits_min),
            "area": self.area,
        }


def travel_params(
    network_id: int,
    access_kmh: float | None = None,
    limits_min: list[float] | tuple[float, ...] | None = None,
    area: str | None = None,
    max_access_m: float | None = None,
) -> TravelParams:
    """Checked parameters: access speed 0.5–50 km/h, access at most 1–100,000 m, 1–5 limits in (0, 600] min."""
    if isinstance(network_id, bool) or not isinstance(network_id, int) or network_id < 1:
        raise InvalidInput(f"network_id must be a positive integer, got {network_id!r}")
    speed = DEFAULT_ACCESS_KMH if access_kmh is None else access_kmh
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not math.isfinite(speed):
        raise InvalidInput(f"access_kmh must be a number, got {speed!r}")
    if not 0.5 <= speed <= 50:
        raise InvalidInput(f"access_kmh must be between 0.5 and 50 km/h, got {speed:g}")
    limits = tuple(DEFAULT_LIMITS_MIN if limits_min is None else limits_min)
    if not 1 <= len(limits) <= 5:
        raise InvalidInput("give between 1 and 5 service-area time limits (minutes)")
    for v in limits:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
            raise InvalidInput(f"a time limit must be a number of minutes greater than 0, got {v!r}")
        if v > MAX_LIMIT_MIN:
            raise InvalidInput(f"time limit {v:g} min is over the maximum of {MAX_LIMIT_MIN:g} min")
    reach = DEFAULT_MAX_ACCESS_M if max_access_m is None else max_access_m
    if isinstance(reach, bool) or not isinstance(reach, int | float) or not 1 <= reach <= 100_000:
        raise InvalidInput(f"max_access_m must be between 1 and 100,000 metres, got {reach!r}")
    return TravelParams(
        network_id, float(speed), tuple(sorted({float(v) for v in limits})), area, float(reach)
    )


# --------------------------------------------------------------------------------------- computing


def _local_frame(lon0: float, lat0: float) -> tuple[float, float]:
    """Metres per degree of longitude and latitude at lat0 (WGS-84 radii of curvature)."""
    s = math.sin(math.radians(lat0))
    w = math.sqrt(1 - _E2 * s * s)
    n_radius, m_radius = _A / w, _A * (1 - _E2) / w**3
    return n_radius * math.cos(math.radians(lat0)) * math.pi / 180, m_radius * math.pi / 180


class TravelTimer:
    """A road graph with stations attached as virtual nodes, answering nearest-by-time and reach questions."""

    def __init__(
        self,
        graph: RoadGraph,
        station_ids: np.ndarray,
        station_lon: np.ndarray,
        station_lat: np.ndarray,
        access_kmh: float = DEFAULT_ACCESS_KMH,
        max_access_m: float = DEFAULT_MAX_ACCESS_M,
    ) -> None:
        if graph.nodes == 0:
            raise InvalidInput("the road network has no nodes")
        self.graph = graph
        self.access_ms = access_kmh / 3.6
        self.max_access_m = max_access_m
        self.tree = cKDTree(unit_vectors(graph.node_lon, graph.node_lat))
        self.station_ids = np.asarray(station_ids, dtype=np.int64)
        self.station_lon = np.asarray(station_lon, dtype=np.float64)
        self.station_lat = np.asarray(station_lat, dtype=np.float64)
        self.station_node, station_m = self.snap(self.station_lon, self.station_lat)
        self.station_access_s = station_m / self.access_ms
        n, k = graph.nodes, len(self.station_ids)
        reverse = graph.matrix.T.tocsr()
        # virtual node n + i is station i: one edge, its walk, to the node it is snapped to (none when the
        # station is off the network)
        self.station_on = station_m <= max_access_m
        indptr = np.concatenate([reverse.indptr, reverse.indptr[-1] + np.cumsum(self.station_on)])
        on = self.station_on
        indices = np.concatenate([reverse.indices, self.station_node[on].astype(reverse.indices.dtype)])
        data = np.concatenate([reverse.data, self.station_access_s[on]])
        self.reverse = sp.csr_matrix((data, indices, indptr), shape=(n + k, n + k))

    def snap(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest graph node of each WGS-84 point and the geodesic metres to it."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        if len(lon) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        _, node = self.tree.query(unit_vectors(lon, lat), workers=-1)
        node = np.asarray(node, dtype=np.int64)
        return node, geodesic_m(lon, lat, self.graph.node_lon[node], self.graph.node_lat[node])

    def nearest(
        self, station_mask: np.ndarray, lon: np.ndarray, lat: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each WGS-84 point: the station (of the mask) nearest by time, seconds to it, walk metres to the network.

        Points no such station can be reached from get ``NO_SITE`` and ``inf`` seconds.
        """
        node, access_m = self.snap(lon, lat)
        ids = np.full(len(node), NO_SITE, dtype=np.int64)
        seconds = np.full(len(node), np.inf)
        chosen = np.flatnonzero(np.asarray(station_mask, dtype=bool))
        if chosen.size == 0 or node.size == 0:
            return ids, seconds, access_m
        dist, sources = self.node_times(chosen)
        t = dist[node]
        reached = np.isfinite(t) & (access_m <= self.max_access_m)
        seconds[reached] = t[reached] + access_m[reached] / self.access_ms
        ids[reached] = self.station_ids[sources[node[reached]] - self.graph.nodes]
        return ids, seconds, access_m

    def node_times(self, stations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Seconds from every node to the nearest of these stations (indices) and that station's virtual node."""
        virtual = self.graph.nodes + np.asarray(stations, dtype=np.int64)
        dist, _, sources = dijkstra(
            self.reverse, directed=True, indices=virtual, min_only=True, return_predecessors=True
        )
        return dist, sources

    def reach(self, stations: np.ndarray, limit_s: float) -> np.ndarray:
        """Seconds from every node to each of these stations (rows), inf beyond ``limit_s``."""
        virtual = self.graph.nodes + np.asarray(stations, dtype=np.int64)
        out = dijkstra(self.reverse, directed=True, indices=virtual, limit=limit_s)
        return np.atleast_2d(out)[:, : self.graph.nodes]


def reached_points(edges: dict[str, Any], node_s: np.ndarray, limit_s: float) -> np.ndarray:
    """WGS-84 points (n × 2) of the road from which the station is reached within limit_s.

    ``node_s`` is each node's time to the station. Every vertex of a wholly reached edge counts; a partly
    reached edge gives the ends and the middle of its reached stretch (cut where the time runs out, speed
    taken as uniform along the edge).
    """
    if edges is None or len(edges["source"]) == 0:
        return np.zeros((0, 2))
    du, dv, w = node_s[edges["source"]], node_s[edges["target"]], edges["travel_s"]
    safe_w = np.where(w > 0, w, 1.0)
    # drive along the edge to its target and on: fractions [fwd_from, 1]; back to its source: [0, back_to]
    fwd = dv <= limit_s
    back = (du <= limit_s) & ~edges["oneway"]
    fwd_from = np.where(w > 0, np.clip(1 - (limit_s - dv) / safe_w, 0.0, 1.0), 0.0)
    back_to = np.where(w > 0, np.clip((limit_s - du) / safe_w, 0.0, 1.0), 1.0)
    whole = (fwd & (fwd_from <= 0)) | (back & (back_to >= 1)) | (fwd & back & (fwd_from <= back_to))
    points = [shapely.get_coordinates(edges["geoms"][whole])]
    for mask, lo, hi in (
        (fwd & ~whole, fwd_from, np.ones_like(w)),
        (back & ~whole, np.zeros_like(w), back_to),
    ):
        idx = np.flatnonzero(mask)
        if idx.size:
            fractions = np.concatenate([lo[idx], (lo[idx] + hi[idx]) / 2, hi[idx]])
            lines = np.tile(edges["geoms"][idx], 3)
            points.append(
                shapely.get_coordinates(shapely.line_interpolate_point(lines, fractions, normalized=True))
            )
    return np.vstack(points)


def service_polygon(lon0: float, lat0: float, points: np.ndarray, trim_m: float = TRIM_M):
    """A WGS-84 MultiPolygon around reached road points: their concave hull (ratio 0.3) widened by trim_m metres."""
    kx, ky = _local_frame(lon0, lat0)
    xy = np.vstack([np.asarray(points, dtype=np.float64).reshape(-1, 2), [[lon0, lat0]]])
    local = np.column_stack(((xy[:, 0] - lon0) * kx, (xy[:, 1] - lat0) * ky))
    hull = shapely.concave_hull(shapely.multipoints(local), ratio=0.3)
    shape = shapely.make_valid(shapely.buffer(hull, trim_m, quad_segs=4))
    polygons = [g for g in shapely.get_parts(shape) if g.geom_type == "Polygon" and not g.is_empty]

    def to_deg(c: np.ndarray) -> np.ndarray:
        return np.column_stack((c[:, 0] / kx + lon0, c[:, 1] / ky + lat0))

    return shapely.transform(shapely.MultiPolygon(polygons), to_deg)


# ---------------------------------------------------------------------------------------- runs table


@dataclass(frozen=True, kw_only=True)
class TravelRunInfo(RunInfo):
    """A travel run as stored: its network, and the counts of a finished run."""

    columns: ClassVar[tuple[str, ...]] = (
        "id",
        "network_id",
        "status",
        "parameters",
        "started_at",
        "finished_at",
        "phase",
        "progress",
        "counts",
        "error",
    )

    network_id: int | None
    counts: dict[str, Any] | None


TRAVEL_RUNS = RunKind(
    "travel",
    TravelRun.__table__,
    TravelRunInfo,
    time_limit_s=lambda parameters: TRAVEL_RUN_LIMIT_S,
    lock_scope=_LOCK_SCOPE,
)
"""Travel runs in the background-run lifecycle: one at a time (they rewrite every travel time)."""


def get_travel_run(conn: Connection, run_id: int) -> TravelRunInfo:
    """One travel run; a run marked running whose process is gone, or hung, is reported failed."""
    return read_run(conn, TRAVEL_RUNS, run_id)


def list_travel_runs(conn: Connection, limit: int = 20) -> list[TravelRunInfo]:
    """The latest travel runs, newest first."""
    return find_runs(conn, TRAVEL_RUNS, limit=limit)


# ------------------------------------------------------------------------------------------ the run


def _read_stations(conn: Connection) -> dict[str, np.ndarray]:
    levels = "ARRAY[" + ", ".join(f"'{lv}'" for lv in _LEVELS) + "]::text[]"
    return copy_out(
        conn,
        f"SELECT id, array_position({levels}, level::text)::int4, ST_X(geom), ST_Y(geom) FROM stations "
        "WHERE status = 'active' AND NOT ST_IsEmpty(geom) ORDER BY id",
        [Field("id", "int8"), Field("level", "int4"), Field("lon", "float8"), Field("lat", "float8")],
    )


def _level_mask(stations: dict[str, np.ndarray], group: str) -> np.ndarray:
    numbers = [_LEVELS.index(lv) + 1 for lv in _GROUP_LEVELS[group]]
    return np.isin(stations["level"], numbers)


def _travel_target(
    conn: Connection, timer: TravelTimer, stations, target, run_id: int, prefix: str = ""
) -> dict[str, Any]:
    """Travel times of one coverage table's rows (those whose code starts with ``prefix``), written back; counts."""
    if not prefix.isdigit() and prefix != "":
        raise InvalidInput(f"an area code prefix is digits, got {prefix!r}")
    units = copy_out(
        conn,
        f"SELECT area_code, lon, lat FROM {target.table} WHERE area_code LIKE '{prefix}%'",
        [Field("area_code", f"text:{target.code_length}"), Field("lon", "float8"), Field("lat", "float8")],
    )
    n = len(units["area_code"])
    counts: dict[str, Any] = {"units": n}
    if n == 0:
        return counts
    columns: list = [(Field("area_code", f"text:{target.code_length}"), units["area_code"], None)]
    access = np.zeros(n)
    for group in target.groups:
        ids, seconds, access = timer.nearest(_level_mask(stations, group.name), units["lon"], units["lat"])
        none = ids == NO_SITE
        columns += [
            (Field(f"{group.name}_s", "float8"), seconds, none),
            (Field(f"{group.name}_id", "int8"), ids, none),
        ]
        counts[f"reached_{group.name}"] = int((~none).sum())
        counts["off_network"] = int((access > timer.max_access_m).sum())
        if (~none).any():
            counts[f"median_{group.name}_s"] = round(float(np.median(seconds[~none])), 1)
    columns.append((Field("access_m", "float8"), access, None))
    temp = f"_travel_{target.level}"
    defs = ", ".join(
        f"{f.name} {'text' if f.kind.startswith('text') else {'float8': 'float8', 'int8': 'bigint'}[f.kind]}"
        for f, _, _ in columns
    )
    conn.execute(text(f"CREATE TEMP TABLE {temp} ({defs}) ON COMMIT DROP"))
    copy_in(conn, temp, columns)
    sets = [
        f"{g.name}_station_s = t.{g.name}_s, {g.name}_time_station_id = t.{g.name}_id" for g in target.groups
    ]
    conn.execute(
        text(
            f"UPDATE {target.table} c SET {', '.join(sets)}, access_m = t.access_m, travel_time_s = t.any_s, "
            f"travel_run_id = :run FROM {temp} t WHERE c.area_code = t.area_code"
        ),
        {"run": run_id},
    )
    return counts


def _edges_near(conn: Connection, network_id: int, lon: np.ndarray, lat: np.ndarray) -> dict[str, Any]:
    """Edges of the network whose box meets the box of these WGS-84 points."""
    rows = conn.execute(
        text(
            "SELECT source, target, travel_s, oneway, ST_AsBinary(geom) AS wkb FROM road_edges "
            "WHERE network_id = :n AND geom && ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326)"
        ),
        {
            "n": network_id,
            "x1": float(lon.min()),
            "y1": float(lat.min()),
            "x2": float(lon.max()),
            "y2": float(lat.max()),
        },
    ).all()
    return {
        "source": np.array([r.source for r in rows], dtype=np.int64),
        "target": np.array([r.target for r in rows], dtype=np.int64),
        "travel_s": np.array([r.travel_s for r in rows], dtype=np.float64),
        "oneway": np.array([r.oneway for r in rows], dtype=bool),
        "geoms": shapely.from_wkb([bytes(r.wkb) for r in rows]) if rows else np.zeros(0, dtype=object),
    }


def _subset(edges: dict[str, Any], keep: np.ndarray) -> dict[str, Any]:
    return {k: v[keep] for k, v in edges.items()}


def _service_areas(
    conn: Connection,
    timer: TravelTimer,
    stations: dict[str, np.ndarray],
    params: TravelParams,
    run_id: int,
    report: ProgressFn,
) -> dict[str, Any]:
    """Draw and store the service areas of the run's stations; returns counts."""
    network_id = params.network_id
    where, args = "", {"n": network_id}
    if params.area is not None:
        ref = require_area(conn, params.area)
        where, args["prefix"] = " AND area_code LIKE :prefix", ref.descendant_prefix + "%"
    meta = conn.execute(
        text(f"SELECT id, level, area_code FROM stations WHERE status = 'active'{where} ORDER BY id"), args
    ).all()
    if params.area is None and len(meta) > MAX_SERVICE_AREA_STATIONS:
        return {"skipped": f"{len(meta)} stations: give an area to draw service areas"}
    position = {int(s): i for i, s in enumerate(stations["id"])}
    # a station off the network (farther than max_access_m from every node) has no service area
    chosen = [(position[r.id], r) for r in meta if r.id in position and timer.station_on[position[r.id]]]
    if params.area is None:
        conn.execute(text("DELETE FROM service_areas WHERE network_id = :n"), args)
    else:
        conn.execute(text("DELETE FROM service_areas WHERE network_id = :n AND area_code LIKE :prefix"), args)
    limits_s = [m * 60 for m in params.limits_min]
    chunk = max(1, 2_000_000 // max(timer.graph.nodes, 1))
    insert = text(
        "INSERT INTO service_areas (network_id, travel_run_id, station_id, station_level, area_code, minutes, "
        "area_m2, geom) SELECT :n, :run, u.sid, u.level, u.code, u.minutes, ST_Area(u.g::geography), u.g "
        "FROM (SELECT sid, level, code, minutes, ST_Multi(ST_GeomFromWKB(wkb, 4326)) AS g FROM unnest("
        "CAST(:sid AS bigint[]), CAST(:level AS text[]), CAST(:code AS text[]), CAST(:minutes AS float8[]), "
        "CAST(:wkb AS bytea[])) AS t(sid, level, code, minutes, wkb)) u"
    )
    written = 0
    for start in range(0, len(chosen), chunk):
        batch = chosen[start : start + chunk]
        times = timer.reach(np.array([i for i, _ in batch]), max(limits_s))
        reached = np.flatnonzero(np.isfinite(times).any(axis=0))
        lon, lat = timer.graph.node_lon[reached], timer.graph.node_lat[reached]
        edges = _edges_near(conn, network_id, lon, lat) if reached.size else None
        rows: dict[str, list] = {"sid": [], "level": [], "code": [], "minutes": [], "wkb": []}
        for (i, meta_row), node_s in zip(batch, times, strict=True):
            lon0, lat0 = float(stations["lon"][i]), float(stations["lat"][i])
            mine = None
            if edges is not None and len(edges["source"]):
                near = np.isfinite(node_s[edges["source"]]) | np.isfinite(node_s[edges["target"]])
                mine = _subset(edges, near)
            for minutes, limit in zip(params.limits_min, limits_s, strict=True):
                pieces = reached_points(mine, node_s, limit)
                rows["sid"].append(meta_row.id)
                rows["level"].append(meta_row.level)
                rows["code"].append(meta_row.area_code)
                rows["minutes"].append(minutes)
                rows["wkb"].append(shapely.to_wkb(service_polygon(lon0, lat0, pieces)))
        if rows["sid"]:
            conn.execute(insert, {"n": network_id, "run": run_id, **rows})
            written += len(rows["sid"])
        report("service areas", 0.6 + 0.35 * min(1.0, (start + len(batch)) / max(len(chosen), 1)))
    return {"stations": len(chosen), "polygons": written, "off_network": len(meta) - len(chosen)}


def _travel_run_in(
    conn: Connection, params: TravelParams, run_id: int, cache_dir: Path, report: ProgressFn
) -> dict[str, Any]:
    """Travel times and service areas inside conn's transaction (the caller holds the travel lock); the counts."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    report("waiting for the coverage tables", 0.0)
    if not lock_coverage_tables(conn, wait_s=30.0):
        raise Conflict("a coverage run is in progress; start the travel run when it is done")
    state = refresh_coverage(conn)
    if state.base_run is None or state.needs_full_run:
        raise Conflict(
            "the coverage tables need a full run first: POST /api/v1/coverage/runs or `python main.py coverage run`"
        )
    report("loading the road graph", 0.05)
    network = get_network(conn, params.network_id)
    prefix = require_area(conn, params.area).descendant_prefix if params.area is not None else ""
    graph = load_graph(conn, params.network_id, cache_dir)
    stations = _read_stations(conn)
    timings["load_s"] = time.perf_counter() - t0
    report("snapping stations", 0.15)
    t1 = time.perf_counter()
    timer = TravelTimer(
        graph, stations["id"], stations["lon"], stations["lat"], params.access_kmh, params.max_access_m
    )
    report("travel time of villages", 0.2)
    counts: dict[str, Any] = {
        "network": network.name,
        "nodes": graph.nodes,
        "stations": len(stations["id"]),
        "stations_off_network": int((~timer.station_on).sum()),
    }
    if params.area is not None:
        counts["area"] = params.area
    counts["villages"] = _travel_target(conn, timer, stations, VILLAGES, run_id, prefix)
    report("travel time of townships", 0.5)
    counts["townships"] = _travel_target(conn, timer, stations, TOWNSHIPS, run_id, prefix)
    timings["travel_s"] = time.perf_counter() - t1
    report("service areas", 0.6)
    t2 = time.perf_counter()
    counts["service_areas"] = _service_areas(conn, timer, stations, params, run_id, report)
    timings["service_areas_s"] = time.perf_counter() - t2
    counts["timings"] = {k: round(v, 3) for k, v in timings.items()}
    return counts


def _travel_run(engine: Engine, params: TravelParams, cache_dir: Path) -> tuple[dict[str, Any], Work]:
    """The new run's row and its work; NotFound for an unknown network or area before anything starts."""
    with engine.connect() as conn:
        get_network(conn, params.network_id)
        if params.area is not None:
            require_area(conn, params.area)

    def work(run: ActiveRun) -> dict[str, Any]:
        return {"counts": _travel_run_in(run.conn, params, run.id, cache_dir, run.progress)}

    return {"network_id": params.network_id, "parameters": params.as_json(), "phase": "queued"}, work


def run_travel(
    engine: Engine, params: TravelParams, cache_dir: Path, progress: ProgressFn | None = None
) -> TravelRunInfo:
    """Compute travel times and service areas now, in this thread; graph cache under ``cache_dir``."""
    row, work = _travel_run(engine, params, cache_dir)
    return launch(engine, TRAVEL_RUNS, row, work, background=False, callback=progress)


def start_travel_run(engine: Engine, params: TravelParams, cache_dir: Path) -> TravelRunInfo:
    """Start a travel run in a background thread and return it (status running); poll with get_travel_run."""
    row, work = _travel_run(engine, params, cache_dir)
    return launch(engine, TRAVEL_RUNS, row, work, background=True)


# ------------------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class TravelPage:
    """A page of villages or townships as GeoJSON points with their travel times (seconds)."""

    number_matched: int
    features: list[dict]
    missing: int  # rows of the area without a travel time (never computed, or cleared by station changes)
    last_run: TravelRunInfo | None


def latest_travel_run(conn: Connection, area: AreaRef | None = None) -> TravelRunInfo | None:
    """The latest finished travel run whose travel times include the area's: one of the whole atlas or of an area
    holding it (any finished run when ``area`` is None)."""
    refs: dict[str, AreaRef | None] = {}
    for run in find_runs(conn, TRAVEL_RUNS, TravelRun.status == "done", limit=200):
        code = (run.parameters or {}).get("area")
        if area is None or code is None:
            return run
        if code not in refs:
            refs[code] = find_area(conn, code)
        ref = refs[code]
        if ref is not None and area.code.startswith(ref.descendant_prefix):
            return run
    return None


def _travel_feature(row, groups: tuple[str, ...]) -> dict:
    props: dict[str, Any] = {"code": row.area_code, "name": row.name, "population": row.population}
    main = groups[0]
    props["travel_time_s"] = getattr(row, f"{main}_station_s")
    props["station_by_time"] = getattr(row, f"{main}_time_station_id")
    props["station_by_time_name"] = row.station_by_time_name
    props["nearest_station"] = getattr(row, f"{main}_station_id")
    props["distance_m"] = getattr(row, f"{main}_station_m")
    for g in groups[1:]:
        props[f"{g}_travel_time_s"] = getattr(row, f"{g}_station_s")
        props[f"{g}_station_by_time"] = getattr(row, f"{g}_time_station_id")
    props["access_m"] = row.access_m
    props["travel_run_id"] = row.travel_run_id
    return {
        "type": "Feature",
        "id": row.area_code,
        "geometry": {"type": "Point", "coordinates": [round(row.lon, 7), round(row.lat, 7)]},
        "properties": props,
    }


def travel_time_rows(
    conn: Connection,
    unit_level: str,
    area: str | None,
    limit: int,
    offset: int,
    within_s: float | None = None,
) -> TravelPage:
    """Villages or townships of an area with the seconds to their nearest station by road, ordered by code.

    ``travel_time_s``/``station_by_time`` are for the matching level (village stations for villages, township
    stations for townships); other levels follow with their own names. ``within_s`` keeps rows reaching a
    station of the matching level within that many seconds.
    """
    target = {"village": VILLAGES, "township": TOWNSHIPS}.get(unit_level)
    if target is None:
        raise InvalidInput(f"travel times exist for villages and townships, not {unit_level!r}")
    if within_s is not None and (not math.isfinite(within_s) or within_s <= 0):
        raise InvalidInput(f"within_s must be greater than 0 seconds, got {within_s:g}")
    ref, prefix = area_scope(conn, area)
    refresh_coverage(conn)
    groups = tuple(g.name for g in target.groups)
    where = "c.area_code LIKE :prefix"
    if within_s is not None:
        where += f" AND c.{groups[0]}_station_s <= :within"
    args = {"prefix": prefix + "%", "within": within_s, "limit": limit, "offset": offset}
    total = conn.execute(text(f"SELECT count(*) FROM {target.table} c WHERE {where}"), args).scalar_one()
    missing = conn.execute(
        text(
            f"SELECT count(*) FROM {target.table} c WHERE c.area_code LIKE :prefix AND c.travel_run_id IS NULL"
        ),
        args,
    ).scalar_one()
    rows = conn.execute(
        text(
            f"SELECT c.*, a.name, s.name AS station_by_time_name FROM {target.table} c "
            f"LEFT JOIN areas a ON a.code = c.area_code LEFT JOIN stations s ON s.id = c.{groups[0]}_time_station_id "
            f"WHERE {where} ORDER BY c.area_code LIMIT :limit OFFSET :offset"
        ),
        args,
    )
    features = [_travel_feature(r, groups) for r in rows]
    return TravelPage(total, features, missing, latest_travel_run(conn, ref))


def service_area_features(
    conn: Connection,
    area: AreaRef | str | None = None,
    minutes: float | None = None,
    network_id: int | None = None,
    level: str | None = None,
) -> list[dict]:
    """Service areas (WGS-84 MultiPolygons, geodesic m²) of the stations of an area, as GeoJSON features.

    ``area`` is a code or the area already resolved (``area_scope``). Without ``network_id``, the network of the
    latest finished travel run that covered the area (``latest_travel_run``).
    """
    if minutes is not None and (not math.isfinite(minutes) or minutes <= 0):
        raise InvalidInput(f"minutes must be greater than 0, got {minutes:g}")
    if level is not None and level not in _LEVELS:
        raise InvalidInput(f"unknown station level {level!r}; expected one of: {', '.join(_LEVELS)}")
    ref, prefix = area_scope(conn, area)
    if network_id is None:
        latest = latest_travel_run(conn, ref)
        if latest is None or latest.network_id is None:
            raise NotFound("no travel run yet: start one with POST /api/v1/roads/travel-runs")
        network_id = latest.network_id
    else:
        get_network(conn, network_id)
    rows = conn.execute(
        text(
            "SELECT s.id, s.station_id, s.station_level, s.area_code, s.minutes, s.area_m2, s.travel_run_id, "
            "st.name, ST_AsGeoJSON(s.geom, 7)::json AS geometry FROM service_areas s "
            "LEFT JOIN stations st ON st.id = s.station_id "
            "WHERE s.network_id = :n AND s.area_code LIKE :prefix "
            "AND (CAST(:minutes AS float8) IS NULL OR s.minutes = :minutes) "
            "AND (CAST(:level AS text) IS NULL OR s.station_level = :level) "
            "ORDER BY s.station_id, s.minutes DESC"
        ),
        {"n": network_id, "prefix": prefix + "%", "minutes": minutes, "level": level},
    )
    return [
        {
            "type": "Feature",
            "id": r.id,
            "geometry": r.geometry,
            "properties": {
                "station_id": r.station_id,
                "station_name": r.name,
                "station_level": r.station_level,
                "area_code": r.area_code,
                "minutes": r.minutes,
                "area_m2": round(r.area_m2, 1),
                "network_id": network_id,
                "travel_run_id": r.travel_run_id,
            },
        }
        for r in rows
    ]


# ------------------------------------------------------------------------------------- the page's view

OVERVIEW_VILLAGES_MAX = 20_000
"""Most villages an overview reads (an area larger than this is shown by its first villages in code order)."""


@dataclass(frozen=True)
class TravelOverview:
    """What a planner sees of travel time in an area: the road networks and what each reaches, the counties to
    choose among, the latest run of the area, a run in progress, and the villages with their seconds."""

    area: AreaRef | None
    networks: list[NetworkInfo]
    coverage: dict[int, list[AreaRef]]  # network id -> the areas of ``area`` its roads reach
    reach: dict[int, list[AreaRef]]  # network id -> the counties of the atlas its roads reach
    counties: list[AreaRef]  # counties inside ``within`` (none when that is a county or smaller)
    last_run: TravelRunInfo | None
    running: TravelRunInfo | None
    villages: TravelPage | None  # None without an area

    @property
    def covering(self) -> list[NetworkInfo]:
        """The networks with a road in the area, newest first."""
        return [n for n in self.networks if n.id in self.coverage]


def _counties_in(conn: Connection, within: AreaRef | None) -> list[AreaRef]:
    if within is not None and within.level not in ("province", "city"):
        return []
    prefix = within.descendant_prefix if within is not None else ""
    rows = conn.execute(
        text("SELECT code, level, name FROM areas WHERE level = 'county' AND code LIKE :p ORDER BY code"),
        {"p": prefix + "%"},
    )
    return [AreaRef(*r) for r in rows]


def travel_overview(conn: Connection, area: AreaRef | None, within: AreaRef | None) -> TravelOverview:
    """The travel-time overview of ``area`` (None: the whole atlas, without villages) for an account whose own
    area is ``within`` (None: the whole atlas), whose counties it may choose among."""
    networks = list_networks(conn)
    coverage = network_coverage(conn, area)
    reach = coverage if area is None else network_coverage(conn, None)
    latest = find_runs(conn, TRAVEL_RUNS, limit=1)
    running = get_travel_run(conn, latest[0].id) if latest and latest[0].status == "running" else None
    if running is not None and running.status != "running":
        running = None
    villages = None
    if area is not None:
        villages = travel_time_rows(conn, "village", area.code, OVERVIEW_VILLAGES_MAX, 0)
    return TravelOverview(
        area=area,
        networks=networks,
        coverage=coverage,
        reach=reach,
        counties=_counties_in(conn, within),
        last_run=latest_travel_run(conn, area),
        running=running,
        villages=villages,
    )
