"""What the planner's coverage map shows: unit shapes, villages with their distances, stations and their reach.

Positions are WGS-84 lon/lat degrees (EPSG:4326); distances are geodesic metres on the WGS-84 ellipsoid.
The rates themselves come from ``geo.coverage.rates.coverage_by_area``; this module adds the geometry a map
needs and the covered flags of villages for the thresholds asked for (the stored distances are compared
with them, so any threshold works without a rerun). A station's "reach" is, for now, the geodesic circle
of its level's threshold (village stations ``village_m``, township stations ``township_m``); travel-time
service areas may replace it later. Area lookups, bounds and unit shapes, shared with the other capabilities'
maps, live in geo/atlas/areas.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from pyproj import Geod
from shapely.geometry import Point
from sqlalchemy import Connection, text

from geo import vocab
from geo.atlas.areas import AreaRef, Bounds, area_bounds, existing_area, unit_shapes
from geo.atlas.spatial import degree_reach
from geo.coverage.rates import CoverageRates, StationGaps, coverage_by_area, station_gaps
from geo.coverage.runs import INLINE_FULL_MAX, CoverageParams
from geo.coverage.siting_runs import get_siting_run
from geo.coverage.travel_time import service_area_features
from geo.errors import Conflict, NotFound

_GEOD = Geod(ellps="WGS84")
REACH_LEVELS: tuple[str, ...] = ("village", "township")
"""Station levels whose reach is drawn: the levels with a coverage threshold of their own."""
CIRCLE_VERTICES = 48
"""Vertices of a geodesic reach circle."""
MAX_MAP_VILLAGES = 5_000
"""Above this many villages in scope, the village and station layers are left out of the map data."""
MAX_TABLE_GAPS = 1_000_000
"""Upper bound on gap rows read for a table or a download."""


@dataclass(frozen=True)
class ProposedSite:
    """A proposed station: WGS-84 lon/lat degrees, a label and the people it would newly cover."""

    lon: float
    lat: float
    label: str
    people_newly_covered: float | None = None

    def __post_init__(self) -> None:
        lon, lat = float(self.lon), float(self.lat)
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"proposed site {self.label!r} has invalid lon/lat {self.lon}, {self.lat}")


@dataclass(frozen=True)
class CoverageMapData:
    """Everything the coverage map of one area draws, for one pair of thresholds.

    ``units``: the shapes of the rate rows' units (polygons; points where a unit has no polygon).
    ``villages``: village points with ``distance_m`` to the nearest active village station and ``covered``.
    ``stations``: active stations whose reach touches the area; ``reach``: their geodesic circles
    (village and township stations only). ``villages_left_out``: villages not drawn (over the limit).
    ``service_areas``: the stations' service areas by road from the latest travel run (MultiPolygons with
    ``minutes``; empty when there has been none).
    """

    area: AreaRef | None
    rates: CoverageRates
    units: dict
    villages: dict
    stations: dict
    reach: dict
    gaps: StationGaps
    bounds: Bounds | None
    villages_left_out: int = 0
    service_areas: dict = field(default_factory=lambda: {"type": "FeatureCollection", "features": []})
    beyond: BeyondReachRows | None = None
    """Villages and townships beyond reach of a station of their level (the table under the map)."""


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _covered(distance: float | None, threshold: float) -> bool:
    return distance is not None and distance <= threshold


def village_points(conn: Connection, prefix: str, params: CoverageParams) -> dict:
    """Villages under ``prefix`` as points with nearest-station distances (metres) and covered flags for params.

    ``covered`` and ``distance_m`` are for village-level stations; ``township_distance_m``,
    ``any_distance_m`` and their flags follow. Reads the coverage table: call after a refresh.
    """
    rows = conn.execute(
        text(
            "SELECT c.area_code, a.name, c.population, c.lon, c.lat, c.village_station_id, c.village_station_m, "
            "c.township_station_m, c.any_station_m FROM coverage_villages c "
            "LEFT JOIN areas a ON a.code = c.area_code WHERE c.area_code LIKE :prefix ORDER BY c.area_code"
        ),
        {"prefix": prefix + "%"},
    )
    features = []
    for r in rows:
        props = {
            "code": r.area_code,
            "name": r.name,
            "township_code": r.area_code[:9],
            "population": r.population,
            "nearest_station": r.village_station_id,
            "distance_m": r.village_station_m,
            "covered": _covered(r.village_station_m, params.village_m),
            "township_distance_m": r.township_station_m,
            "covered_township": _covered(r.township_station_m, params.township_m),
            "any_distance_m": r.any_station_m,
            "covered_any": _covered(r.any_station_m, params.village_m),
        }
        features.append(
            {
                "type": "Feature",
                "id": r.area_code,
                "geometry": {"type": "Point", "coordinates": [round(r.lon, 6), round(r.lat, 6)]},
                "properties": props,
            }
        )
    return _collection(features)


def _reach_m(level: str, params: CoverageParams) -> float:
    return params.township_m if level == "township" else params.village_m


def stations_reaching(
    conn: Connection, area: AreaRef | None, bounds: Bounds | None, params: CoverageParams
) -> dict:
    """Active stations within their level's threshold (metres, geodesic) of the area (None: all), as points.

    Village stations reach ``village_m``, township stations ``township_m``, stations of other levels
    ``village_m`` (as for "any level" coverage). Properties: id, name, level, area_code, reach_m.
    """
    sql = (
        "SELECT s.id, s.name, s.level, s.area_code, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat FROM stations s "
        "WHERE s.status = 'active' AND NOT ST_IsEmpty(s.geom)"
    )
    args: dict = {}
    if area is not None and bounds is not None:
        far = max(abs(bounds.miny), abs(bounds.maxy))
        pad = degree_reach(Point((bounds.minx + bounds.maxx) / 2, far), params.largest_m)
        sql += (
            " AND s.geom && ST_Expand((SELECT COALESCE(geom, point) FROM areas WHERE code = :code), :pad)"
            " AND ST_DWithin(s.geom::geography, (SELECT COALESCE(geom, point) FROM areas WHERE code = :code)"
            "::geography, CASE WHEN s.level = 'township' THEN :tm ELSE :vm END)"
        )
        args = {"code": area.code, "pad": min(pad, 360.0), "tm": params.township_m, "vm": params.village_m}
    rows = conn.execute(text(sql + " ORDER BY s.id"), args)
    features = [
        {
            "type": "Feature",
            "id": r.id,
            "geometry": {"type": "Point", "coordinates": [round(r.lon, 6), round(r.lat, 6)]},
            "properties": {
                "id": r.id,
                "name": r.name,
                "level": r.level,
                "area_code": r.area_code,
                "reach_m": _reach_m(r.level, params),
            },
        }
        for r in rows
    ]
    return _collection(features)


def geodesic_circles(
    lon: np.ndarray, lat: np.ndarray, radius_m: np.ndarray, vertices: int = CIRCLE_VERTICES
) -> np.ndarray:
    """Rings (n, vertices + 1, 2) of lon/lat degrees at radius_m geodesic metres around each WGS-84 point."""
    lon, lat, radius_m = (np.asarray(a, dtype=float) for a in (lon, lat, radius_m))
    n = lon.size
    azimuths = np.linspace(0.0, 360.0, vertices, endpoint=False)
    out_lon, out_lat, _ = _GEOD.fwd(
        np.repeat(lon, vertices),
        np.repeat(lat, vertices),
        np.tile(azimuths, n),
        np.repeat(radius_m, vertices),
    )
    rings = np.stack([np.reshape(out_lon, (n, vertices)), np.reshape(out_lat, (n, vertices))], axis=-1)
    return np.concatenate([rings, rings[:, :1, :]], axis=1)


def station_reach(stations: dict) -> dict:
    """Geodesic circles of ``reach_m`` metres around the village and township stations of a station collection."""
    chosen = [f for f in stations["features"] if f["properties"]["level"] in REACH_LEVELS]
    if not chosen:
        return _collection([])
    rings = geodesic_circles(
        np.array([f["geometry"]["coordinates"][0] for f in chosen]),
        np.array([f["geometry"]["coordinates"][1] for f in chosen]),
        np.array([f["properties"]["reach_m"] for f in chosen]),
    )
    return _collection(
        [
            {
                "type": "Feature",
                "id": f["id"],
                "geometry": {"type": "Polygon", "coordinates": [np.round(ring, 4).tolist()]},
                "properties": {k: f["properties"][k] for k in ("id", "name", "level", "reach_m")},
            }
            for f, ring in zip(chosen, rings, strict=True)
        ]
    )


def coverage_map_data(
    conn: Connection,
    area: str | None,
    level: str | None = None,
    village_m: float | None = None,
    township_m: float | None = None,
    max_villages: int = MAX_MAP_VILLAGES,
    inline_full_max: int = INLINE_FULL_MAX,
) -> CoverageMapData:
    """Rates, unit shapes, villages, stations with their reach and the gaps of an area, for the coverage map.

    NotFound for an unknown area; InvalidInput for a bad level or a threshold ≤ 0 (metres); Conflict when
    there is no coverage run and the atlas is too large to run one inline. Without an area and a level,
    the units are counties.
    """
    ref = existing_area(conn, area)  # the one lookup: everything below is handed the resolved area
    if ref is None and level is None:
        level = "county"
    rates = coverage_by_area(conn, ref, level, village_m, township_m, inline_full_max)
    prefix = ref.descendant_prefix if ref else ""
    bounds = area_bounds(conn, ref)
    units = unit_shapes(conn, rates.level, prefix)
    gaps = station_gaps(conn, ref, None, MAX_TABLE_GAPS, 0)
    beyond = beyond_reach(conn, rates)
    if rates.area.villages > max_villages:
        empty = _collection([])
        return CoverageMapData(
            ref, rates, units, empty, empty, empty, gaps, bounds, rates.area.villages, beyond=beyond
        )
    villages = village_points(conn, prefix, rates.params)
    stations = stations_reaching(conn, ref, bounds, rates.params)
    reach = station_reach(stations)
    return CoverageMapData(
        ref, rates, units, villages, stations, reach, gaps, bounds, 0, road_service_areas(conn, ref), beyond
    )


def road_service_areas(conn: Connection, area: AreaRef | str | None) -> dict:
    """Service areas by road of the area's stations from the latest travel run; empty if there is none."""
    try:
        return _collection(service_area_features(conn, area))
    except NotFound:
        return _collection([])


def gap_rows(conn: Connection, area: str | None, level: str | None) -> StationGaps:
    """Every unit of an area (None: all) without an active station of its level; NotFound for an unknown area."""
    return station_gaps(conn, existing_area(conn, area), level, MAX_TABLE_GAPS, 0)


def rate_rows(
    conn: Connection, area: str | None, level: str | None, village_m: float | None, township_m: float | None
) -> CoverageRates:
    """Coverage rates of an area and its units at ``level``, as ``coverage_by_area``; NotFound for an unknown area."""
    return coverage_by_area(conn, existing_area(conn, area), level, village_m, township_m)


def siting_run_sites(conn: Connection, run_id: int) -> tuple[str | None, list[ProposedSite]]:
    """The area of a siting run and its chosen sites so far (WGS-84), ranked; NotFound/Conflict with the reason."""
    run = get_siting_run(conn, run_id)
    if run.result is None:
        reason = f": {run.error}" if run.error else " yet"
        raise Conflict(f"siting run {run_id} has no answer{reason}")
    sites = [
        ProposedSite(
            float(site["lon"]),
            float(site["lat"]),
            f"{site.get('rank', i)}. {site.get('label') or site.get('code') or ''}".strip(),
            site.get("newly_covered_people"),
        )
        for i, site in enumerate(run.result.get("chosen") or (), start=1)
    ]
    return run.area_code, sites


@dataclass(frozen=True)
class BeyondReach:
    """A village or township with no active station of its own level within that level's radius (metres).

    ``distance_m`` is the geodesic distance to the nearest active station of the level (None: there is none);
    ``township_code``/``township_name`` name a village's township (a township's own for a township)."""

    code: str
    name: str | None
    level: str
    township_code: str
    township_name: str | None
    population: int | None
    distance_m: float | None
    threshold_m: float


@dataclass(frozen=True)
class BeyondReachRows:
    """The villages and townships of an area beyond reach, for the thresholds of ``rates`` (and their state)."""

    area: AreaRef | None
    params: CoverageParams
    state: dict
    rows: list[BeyondReach]

    @property
    def villages(self) -> int:
        """How many villages are beyond reach of a village station."""
        return sum(1 for r in self.rows if r.level == "village")

    @property
    def townships(self) -> int:
        """How many townships are beyond reach of a township station."""
        return sum(1 for r in self.rows if r.level == "township")


_BEYOND_SQL = """
SELECT c.area_code AS code, a.name, 'village' AS level, left(c.area_code, 9) AS township_code,
  t.name AS township_name, c.population, c.village_station_m AS distance_m, :vm AS threshold_m
FROM coverage_villages c LEFT JOIN areas a ON a.code = c.area_code
  LEFT JOIN areas t ON t.code = left(c.area_code, 9)
WHERE c.area_code LIKE :prefix AND (c.village_station_m IS NULL OR c.village_station_m > :vm)
UNION ALL
SELECT c.area_code, a.name, 'township', c.area_code, a.name,
  COALESCE(c.population, a.population), c.township_station_m, :tm
FROM coverage_townships c LEFT JOIN areas a ON a.code = c.area_code
WHERE c.area_code LIKE :prefix AND (c.township_station_m IS NULL OR c.township_station_m > :tm)
ORDER BY level DESC, code
"""


def beyond_reach(conn: Connection, rates: CoverageRates) -> BeyondReachRows:
    """The villages and townships beyond reach in the area of ``rates``, for its thresholds (read after its refresh)."""
    ref = rates.area
    prefix = "" if ref.code is None else vocab.area_code_prefix(ref.code, ref.level)
    params = rates.params
    rows = conn.execute(
        text(_BEYOND_SQL), {"prefix": prefix + "%", "vm": params.village_m, "tm": params.township_m}
    )
    found = [
        BeyondReach(
            r.code,
            r.name,
            r.level,
            r.township_code,
            r.township_name,
            r.population,
            r.distance_m,
            float(r.threshold_m),
        )
        for r in rows
    ]
    area = None if ref.code is None else AreaRef(ref.code, ref.level or "", ref.name or "")
    return BeyondReachRows(area, params, rates.state, found)


def beyond_reach_rows(
    conn: Connection, area: str | None, village_m: float | None = None, township_m: float | None = None
) -> BeyondReachRows:
    """Villages with no active village station within ``village_m`` and townships with no active township
    station within ``township_m`` (geodesic metres; default: the current run's), villages first, by code;
    NotFound for an unknown area, None: the whole atlas."""
    ref = existing_area(conn, area)
    level = "village" if ref is not None and ref.level == "village" else None
    return beyond_reach(conn, coverage_by_area(conn, ref, level, village_m, township_m))
