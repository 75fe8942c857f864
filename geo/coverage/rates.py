"""Coverage for planners: nearest station per village, coverage rates per area, and units without a station.

Distances are geodesic metres on the WGS-84 ellipsoid; positions WGS-84 lon/lat degrees. "Covered" means
the nearest *active* station of the level is within the threshold (inclusive): by default 3 km for
village-level stations and 10 km for township-level stations (``CoverageParams``); "any" is the nearest
active station of any level, held to the village threshold for villages and the township threshold for
townships. Rates are computed with SQL from the coverage tables (``geo.coverage.runs`` keeps them
current), so any threshold up to the distances stored can be asked for without a rerun. Population
shares count only villages whose population is known.

The "every unit has its station" check (横向到边、纵向到底) is read from the stations table itself: a unit
has its station when an active station of the same level serves it, i.e. its ``served_area_code`` (or,
when that is empty, its ``area_code``) lies inside the unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, text

from geo import vocab
from geo.atlas.areas import AreaRef, area_scope
from geo.coverage.runs import (
    INLINE_FULL_MAX,
    TOWNSHIPS,
    VILLAGES,
    CoverageParams,
    CoverageState,
    coverage_params,
    refresh_coverage,
)
from geo.errors import Conflict, InvalidInput

_LEVELS = vocab.AREA_LEVELS
_PREFIX_CASE = (
    "CASE {col} " + " ".join(f"WHEN '{lv}' THEN {n}" for lv, n in vocab.AREA_CODE_PREFIX.items()) + " END"
)
_LEVEL_ORDER = "array_position(ARRAY[" + ", ".join(f"'{lv}'" for lv in _LEVELS) + "]::text[], {col}::text)"


def _check_level(level: str | None, area: AreaRef | None, default_step: int) -> str:
    top = _LEVELS.index(area.level) if area is not None else -1
    if level is None:
        return _LEVELS[min(top + default_step, len(_LEVELS) - 1)] if top >= 0 else _LEVELS[0]
    if level not in _LEVELS:
        raise InvalidInput(f"unknown level {level!r}; expected one of: {', '.join(_LEVELS)}")
    if area is not None and _LEVELS.index(level) < top:
        raise InvalidInput(
            f"level {level!r} is above area {area.code} ({area.level}); use {area.level} or below"
        )
    return level


def _require_rows(state: CoverageState) -> None:
    if state.base_run is None:
        raise Conflict(
            "no coverage run yet: start one with POST /api/v1/coverage/runs or `python main.py coverage run`"
        )


def _state_json(state: CoverageState) -> dict[str, Any]:
    return {
        "run_id": state.base_run.id if state.base_run else None,
        "computed_at": state.base_run.finished_at.isoformat() if state.base_run else None,
        "last_run_id": state.last_run_id,
        "current": state.current,
        "pending_changes": state.pending_changes,
        "needs_full_run": state.needs_full_run,
        "running_run_id": state.running_run_id,
    }


# --------------------------------------------------------------------------------------------- rates


@dataclass(frozen=True)
class CoverageShare:
    """Villages (and their people) with an active station of ``station_level`` within ``threshold_m`` metres."""

    station_level: str
    threshold_m: float
    villages_covered: int
    village_share: float | None
    population_covered: int
    population_share: float | None


@dataclass(frozen=True)
class AreaCoverage:
    """Coverage of one area: its villages by station level, and its townships by township stations."""

    code: str | None
    name: str | None
    level: str | None
    villages: int
    villages_with_population: int
    population: int
    shares: list[CoverageShare]
    townships: int | None
    townships_covered: int | None
    township_share: float | None


@dataclass(frozen=True)
class CoverageRates:
    """Coverage of an area as a whole and of each of its units at one level."""

    area: AreaCoverage
    level: str
    rows: list[AreaCoverage]
    params: CoverageParams
    state: dict[str, Any]


_VILLAGE_SUMS = """
SELECT left(area_code, :n) AS key, count(*) AS villages, count(population) AS with_population,
  COALESCE(sum(population), 0) AS population,
  count(*) FILTER (WHERE village_station_m <= :vm) AS village_n,
  COALESCE(sum(population) FILTER (WHERE village_station_m <= :vm), 0) AS village_pop,
  count(*) FILTER (WHERE township_station_m <= :tm) AS township_n,
  COALESCE(sum(population) FILTER (WHERE township_station_m <= :tm), 0) AS township_pop,
  count(*) FILTER (WHERE any_station_m <= :vm) AS any_n,
  COALESCE(sum(population) FILTER (WHERE any_station_m <= :vm), 0) AS any_pop
FROM coverage_villages WHERE area_code LIKE :prefix GROUP BY 1
"""
_TOWNSHIP_SUMS = """
SELECT left(area_code, :n) AS key, count(*) AS townships,
  count(*) FILTER (WHERE township_station_m <= :tm) AS covered
FROM coverage_townships WHERE area_code LIKE :prefix GROUP BY 1
"""


def _added(rows) -> SimpleNamespace | None:
    """The column-wise sums of rows of ``_VILLAGE_SUMS`` or ``_TOWNSHIP_SUMS`` (None when there are none)."""
    rows = list(rows)
    if not rows:
        return None
    fields = [f for f in rows[0]._fields if f != "key"]
    return SimpleNamespace(**{f: sum(getattr(r, f) for r in rows) for f in fields})


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _area_coverage(
    code: str | None, name: str | None, level: str | None, v, t, params: CoverageParams, with_townships: bool
) -> AreaCoverage:
    villages = v.villages if v else 0
    population = int(v.population) if v else 0

    def share(station_level: str, threshold: float, n: str, pop: str) -> CoverageShare:
        covered = getattr(v, n) if v else 0
        people = int(getattr(v, pop)) if v else 0
        return CoverageShare(
            station_level, threshold, covered, _ratio(covered, villages), people, _ratio(people, population)
        )

    townships = (t.townships if t else 0) if with_townships else None
    covered = (t.covered if t else 0) if with_townships else None
    return AreaCoverage(
        code,
        name,
        level,
        villages,
        v.with_population if v else 0,
        population,
        [
            share("village", params.village_m, "village_n", "village_pop"),
            share("township", params.township_m, "township_n", "township_pop"),
            share("any", params.village_m, "any_n", "any_pop"),
        ],
        townships,
        covered,
        _ratio(covered, townships) if with_townships else None,
    )


def coverage_by_area(
    conn: Connection,
    area: AreaRef | str | None,
    level: str | None = None,
    village_m: float | None = None,
    township_m: float | None = None,
    inline_full_max: int = INLINE_FULL_MAX,
) -> CoverageRates:
    """Share of villages and of population covered, for an area (None: all) and each of its units at ``level``.

    ``area`` is a code or the area already resolved (``area_scope``). Thresholds are metres (geodesic); left
    out, they are those of the current full run. ``level`` defaults to the level below the area's (county →
    township).
    """
    ref, prefix = area_scope(conn, area)
    level = _check_level(level, ref, 1)
    coverage_params(village_m, township_m)  # reject bad thresholds before any work
    state = refresh_coverage(conn, inline_full_max)
    _require_rows(state)
    params = coverage_params(village_m, township_m, state.base_run.params)
    args = {"prefix": prefix + "%", "vm": params.village_m, "tm": params.township_m}
    key_len = vocab.AREA_CODE_PREFIX[level]
    with_townships = level != "village"

    def sums(sql: str, n: int) -> dict[str, Any]:
        return {r.key: r for r in conn.execute(text(sql), {**args, "n": n})}

    # one pass over the coverage rows: the area's own sums are those of its units added up
    by_v = sums(_VILLAGE_SUMS, key_len)
    by_t = sums(_TOWNSHIP_SUMS, key_len) if with_townships else {}
    whole_v = _added(by_v.values())
    whole_t = _added(by_t.values()) if with_townships else sums(_TOWNSHIP_SUMS, len(prefix)).get(prefix)
    total = _area_coverage(
        ref.code if ref else None,
        ref.name if ref else None,
        ref.level if ref else None,
        whole_v,
        whole_t,
        params,
        ref is None or ref.level != "village",
    )
    units = conn.execute(
        text("SELECT code, name FROM areas WHERE level = :level AND code LIKE :prefix ORDER BY code"),
        {"level": level, "prefix": prefix + "%"},
    )
    rows = [
        _area_coverage(
            u.code,
            u.name,
            level,
            by_v.get(u.code[:key_len]),
            by_t.get(u.code[:key_len]),
            params,
            with_townships,
        )
        for u in units
    ]
    return CoverageRates(total, level, rows, params, _state_json(state))


# ------------------------------------------------------------------------------------------ unit rows


@dataclass(frozen=True)
class CoveragePage:
    """A page of coverage rows as GeoJSON point features, with the number matching and the run behind them."""

    number_matched: int
    features: list[dict]
    params: CoverageParams
    state: dict[str, Any]


def _unit_feature(row, groups: tuple[str, ...]) -> dict:
    props: dict[str, Any] = {"code": row.area_code, "name": row.name, "population": row.population}
    if "village" in groups:
        props["township_code"] = row.area_code[:9]
    main = groups[0]
    props["nearest_station"] = getattr(row, f"{main}_station_id")
    props["distance_m"] = getattr(row, f"{main}_station_m")
    props["covered"] = getattr(row, f"covered_{main}")
    for g in groups[1:]:
        props[f"nearest_{g}_station"] = getattr(row, f"{g}_station_id")
        props[f"{g}_distance_m"] = getattr(row, f"{g}_station_m")
        props[f"covered_{g}"] = getattr(row, f"covered_{g}")
    props["travel_time_s"] = row.travel_time_s
    props["run_id"] = row.run_id
    return {
        "type": "Feature",
        "id": row.area_code,
        "geometry": {"type": "Point", "coordinates": [round(row.lon, 7), round(row.lat, 7)]},
        "properties": props,
    }


def coverage_rows(
    conn: Connection,
    unit_level: str,
    area: str | None,
    covered: bool | None,
    limit: int,
    offset: int,
    inline_full_max: int = INLINE_FULL_MAX,
) -> CoveragePage:
    """Villages or townships of an area with their nearest station (its id), ``distance_m`` and covered flags.

    ``nearest_station``/``distance_m``/``covered`` are for the matching level (village stations for
    villages, township stations for townships); the other levels follow with their own names.
    ``covered`` filters on the matching level's flag.
    """
    target = {"village": VILLAGES, "township": TOWNSHIPS}.get(unit_level)
    if target is None:
        raise InvalidInput(f"coverage rows exist for villages and townships, not {unit_level!r}")
    _, prefix = area_scope(conn, area)
    state = refresh_coverage(conn, inline_full_max)
    _require_rows(state)
    groups = tuple(g.name for g in target.groups)
    where = "c.area_code LIKE :prefix" + ("" if covered is None else f" AND c.covered_{groups[0]} = :covered")
    args = {"prefix": prefix + "%", "covered": covered, "limit": limit, "offset": offset}
    total = conn.execute(text(f"SELECT count(*) FROM {target.table} c WHERE {where}"), args).scalar_one()
    rows = conn.execute(
        text(
            f"SELECT c.*, a.name FROM {target.table} c LEFT JOIN areas a ON a.code = c.area_code "
            f"WHERE {where} ORDER BY c.area_code LIMIT :limit OFFSET :offset"
        ),
        args,
    )
    features = [_unit_feature(r, groups) for r in rows]
    return CoveragePage(total, features, state.base_run.params, _state_json(state))


# -------------------------------------------------------------------------------------------- gaps


@dataclass(frozen=True)
class LevelGaps:
    """Units of one level in the area, how many have an active station of their level, how many do not."""

    level: str
    units: int
    with_station: int
    without_station: int


@dataclass(frozen=True)
class UnitGap:
    """A unit with no active station of its own level serving it."""

    code: str
    name: str
    level: str
    parent_code: str | None
    population: int | None


@dataclass(frozen=True)
class StationGaps:
    """The "every unit has its station" check for an area: counts per level and a page of units without one."""

    area: AreaRef | None
    levels: list[LevelGaps]
    number_matched: int
    gaps: list[UnitGap]


_UNITS_SERVED = f"""
WITH served AS (
  SELECT DISTINCT level, left(COALESCE(served_area_code, area_code), {_PREFIX_CASE.format(col="level")}) AS key
  FROM stations WHERE status = 'active' AND COALESCE(served_area_code, area_code) LIKE :prefix
)
SELECT a.code, a.name, a.level, a.parent_code, a.population, s.key IS NOT NULL AS has_station
FROM areas a LEFT JOIN served s
  ON s.level = a.level AND s.key = left(a.code, {_PREFIX_CASE.format(col="a.level")})
WHERE a.code LIKE :prefix AND a.level = ANY(:levels)
"""


def station_gaps(
    conn: Connection, area: AreaRef | str | None, level: str | None, limit: int, offset: int
) -> StationGaps:
    """Units in an area (None: all) with no active station of their level: 横向到边、纵向到底.

    ``area`` is a code or the area already resolved (``area_scope``). ``level`` limits the check to one level;
    by default every level from the area's own down to villages.
    """
    ref, prefix = area_scope(conn, area)
    if level is None:
        levels = list(_LEVELS[_LEVELS.index(ref.level) :] if ref else _LEVELS)
    else:
        levels = [_check_level(level, ref, 0)]
    args = {"prefix": prefix + "%", "levels": levels, "limit": limit, "offset": offset}
    counts = {
        r.level: r
        for r in conn.execute(
            text(
                f"SELECT level, count(*) AS units, count(*) FILTER (WHERE has_station) AS with_station "
                f"FROM ({_UNITS_SERVED}) u GROUP BY level"
            ),
            args,
        )
    }
    per_level = [
        LevelGaps(lv, c.units, c.with_station, c.units - c.with_station)
        if (c := counts.get(lv))
        else LevelGaps(lv, 0, 0, 0)
        for lv in levels
    ]
    rows = conn.execute(
        text(
            f"SELECT code, name, level, parent_code, population FROM ({_UNITS_SERVED}) u "
            f"WHERE NOT has_station ORDER BY {_LEVEL_ORDER.format(col='level')}, code LIMIT :limit OFFSET :offset"
        ),
        args,
    )
    gaps = [UnitGap(**r._mapping) for r in rows]
    return StationGaps(ref, per_level, sum(g.without_station for g in per_level), gaps)
