"""Coverage runs: the full computation, incremental refreshes after station changes, background runs.

The coverage tables (``coverage_villages``, ``coverage_townships``) hold, per village and per township,
the nearest *active* station of the matching level and of any level, with its geodesic distance in
metres (WGS-84 ellipsoid) and covered flags for the run's thresholds. Positions are WGS-84 lon/lat
degrees: a village's ``areas.point`` (its polygon's point on surface when it has none).

Full run: stations and units are read with binary COPY into numpy, the nearest station per level is
found by ``geo.coverage.nearest`` (k-d tree on the unit sphere to find, pyproj geodesics to measure),
and the tables are replaced with binary COPY, in one transaction.

Incremental refresh (design): statement-level triggers on ``stations`` (migration 0003) queue the id of
every station inserted, deleted, or updated in position, level or status, whoever writes it (the API,
an importer, plain SQL); TRUNCATE or bulk statements queue NULL ("everything"). ``refresh_coverage``
drains the queue before coverage is read. For each queued station, only these units are recomputed:

- units within the largest threshold of the station's new position, and units farther than that from
  every station of a level (found in one scan of the coverage table, then checked exactly: the new
  position must be at least as close as their stored nearest);
- units whose stored nearest station is the queued one (it moved, closed, changed level or was deleted):
  for them the nearest is searched again in PostGIS-selected candidates around them, widening until the
  answer is provably nearest.

Units that do not change keep their row and its run stamp. The result is exactly what a full rerun
gives (the tests check equality). Everything is serialised by one PostgreSQL advisory lock, the scope of
the coverage runs in the background-run lifecycle (``geo.kit.runs``): a full run holds it for its duration
(on a connection of its own), refreshes only try it, and leave the queue for later when a full run is busy.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from shapely.geometry import Point
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from geo import vocab
from geo.atlas.spatial import geodesic_envelopes
from geo.coverage.nearest import NO_SITE, SiteIndex, nearest_of, nearest_sites_geodesic, unit_vectors
from geo.errors import Conflict, InvalidInput
from geo.kit.pgcopy import Field, copy_in, copy_out
from geo.kit.runs import (
    LOCK_CLASS,
    ActiveRun,
    ProgressFn,
    RunInfo,
    RunKind,
    Work,
    find_runs,
    finish_run,
    insert_run,
    launch,
    read_run,
    run_alive,
)
from geo.models import CoverageRun

DEFAULT_VILLAGE_M = 3000.0
"""Default reach of a village-level station (metres, geodesic)."""
DEFAULT_TOWNSHIP_M = 10000.0
"""Default reach of a township-level station (metres, geodesic)."""
MAX_THRESHOLD_M = 500_000.0
"""Largest threshold accepted (metres)."""
INLINE_FULL_MAX = 50_000
"""Atlases with at most this many villages get a missing full run inside the request that needs it."""
FULL_RUN_LIMIT_S = 6 * 3600.0
"""A full run still running this long after it started has hung and is failed when read (a national run takes minutes)."""

_LOCK_SCOPE = 4  # with geo.kit.runs.LOCK_CLASS, the advisory lock (issue 4) serialising coverage writers
_LEVELS = vocab.STATION_LEVELS
LEVEL_NUMBER = {level: i + 1 for i, level in enumerate(_LEVELS)}
"""Station level name → the level number the coverage arrays carry (province 1 … village 5)."""
_UPPER = ("county", "city", "province")


@dataclass(frozen=True)
class CoverageParams:
    """Thresholds of a run, in geodesic metres: village stations reach village_m, township stations township_m."""

    village_m: float = DEFAULT_VILLAGE_M
    township_m: float = DEFAULT_TOWNSHIP_M

    @property
    def largest_m(self) -> float:
        return max(self.village_m, self.township_m)

    def as_json(self) -> dict[str, float]:
        return {"village_m": self.village_m, "township_m": self.township_m}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CoverageParams:
        return cls(float(data["village_m"]), float(data["township_m"]))


def _threshold(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{name} must be a finite number of metres, got {value!r}")
    if value <= 0:
        raise InvalidInput(f"{name} must be greater than 0 metres, got {value:g}")
    if value > MAX_THRESHOLD_M:
        raise InvalidInput(f"{name} {value:g} is over the maximum of {MAX_THRESHOLD_M:g} m")
    return float(value)


def coverage_params(
    village_m: float | None = None, township_m: float | None = None, base: CoverageParams | None = None
) -> CoverageParams:
    """Thresholds (metres) from the given values, else from ``base``, else the defaults; InvalidInput if ≤ 0."""
    base = base or CoverageParams()
    return CoverageParams(
        _threshold(village_m, "village_m") if village_m is not None else base.village_m,
        _threshold(township_m, "township_m") if township_m is not None else base.township_m,
    )


@dataclass(frozen=True)
class _Group:
    """A station-level group of a coverage table: column prefix, station levels, which threshold applies."""

    name: str
    levels: tuple[str, ...]
    threshold: str


@dataclass(frozen=True)
class UnitTarget:
    """A coverage table and the area level it has one row for."""

    table: str
    level: str
    groups: tuple[_Group, ...]

    @property
    def code_length(self) -> int:
        return vocab.AREA_CODE_LENGTH[self.level]


VILLAGES = UnitTarget(
    "coverage_villages",
    "village",
    (
        _Group("village", ("village",), "village_m"),
        _Group("township", ("township",), "township_m"),
        _Group("any", _LEVELS, "village_m"),
    ),
)
TOWNSHIPS = UnitTarget(
    "coverage_townships",
    "township",
    (_Group("township", ("township",), "township_m"), _Group("any", _LEVELS, "township_m")),
)
TARGETS = (VILLAGES, TOWNSHIPS)


@dataclass(frozen=True, kw_only=True)
class CoverageRunInfo(RunInfo):
    """A coverage run as stored: kind (full/incremental), the full run it refreshed, the areas it read, counts."""

    columns: ClassVar[tuple[str, ...]] = (
        "id",
        "kind",
        "status",
        "parameters",
        "base_run_id",
        "areas_version",
        "started_at",
        "finished_at",
        "phase",
        "progress",
        "counts",
        "error",
    )

    kind: str
    base_run_id: int | None
    areas_version: int | None
    counts: dict[str, Any] | None

    @property
    def params(self) -> CoverageParams:
        return CoverageParams.from_json(self.parameters)


COVERAGE_RUNS = RunKind(
    "coverage",
    CoverageRun.__table__,
    CoverageRunInfo,
    time_limit_s=lambda parameters: FULL_RUN_LIMIT_S,
    lock_scope=_LOCK_SCOPE,
    lock_wait_s=30.0,  # refreshes hold the lock for a moment
    busy="coverage run {run_id} is still in progress; poll it or wait for it to finish",
)
"""Coverage runs in the background-run lifecycle: one full run at a time, over the coverage tables."""


@dataclass(frozen=True)
class CoverageState:
    """How current the coverage tables are: the full run they rest on and what is still pending."""

    base_run: CoverageRunInfo | None
    last_run_id: int | None
    pending_changes: int
    needs_full_run: bool
    running_run_id: int | None

    @property
    def current(self) -> bool:
        return self.base_run is not None and not self.pending_changes and not self.needs_full_run


# ------------------------------------------------------------------------------------------- runs table


def lock_coverage_tables(conn: Connection, wait_s: float = 0.0) -> bool:
    """Lock the coverage tables for conn's transaction, waiting up to wait_s seconds; False while another holds them."""
    key = {"a": LOCK_CLASS, "b": _LOCK_SCOPE}
    if wait_s <= 0:
        return conn.execute(text("SELECT pg_try_advisory_xact_lock(:a, :b)"), key).scalar_one()
    before = conn.execute(text("SELECT current_setting('lock_timeout')")).scalar_one()
    try:
        with conn.begin_nested():
            conn.execute(
                text("SELECT set_config('lock_timeout', :t, true)"), {"t": f"{round(wait_s * 1000)}ms"}
            )
            conn.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), key)
    except OperationalError:
        return False
    finally:
        conn.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": before})
    return True


def get_run(conn: Connection, run_id: int) -> CoverageRunInfo:
    """One run; a run marked running whose process is gone (nobody holds the lock), or hung, is reported failed."""
    return read_run(conn, COVERAGE_RUNS, run_id)


def list_runs(conn: Connection, limit: int = 20, kind: str | None = None) -> list[CoverageRunInfo]:
    """The latest runs, newest first."""
    if kind is not None and kind not in ("full", "incremental"):
        raise InvalidInput(f"unknown run kind {kind!r}; expected full or incremental")
    where = [CoverageRun.kind == kind] if kind is not None else []
    return find_runs(conn, COVERAGE_RUNS, *where, limit=limit)


def _latest_full(conn: Connection) -> CoverageRunInfo | None:
    found = find_runs(conn, COVERAGE_RUNS, CoverageRun.kind == "full", CoverageRun.status == "done", limit=1)
    return found[0] if found else None


def _areas_version(conn: Connection) -> int | None:
    return conn.execute(text("SELECT version FROM data_versions WHERE collection = 'areas'")).scalar()


def coverage_state(conn: Connection) -> CoverageState:
    """How current the coverage tables are, without changing anything."""
    base = _latest_full(conn)
    queue = conn.execute(
        text(
            "SELECT count(*) AS n, count(*) FILTER (WHERE station_id IS NULL) AS everything FROM coverage_queue"
        )
    ).one()
    needs_full = base is None or queue.everything > 0 or base.areas_version != _areas_version(conn)
    last = conn.execute(text("SELECT max(id) FROM coverage_runs WHERE status = 'done'")).scalar()
    running = conn.execute(
        text("SELECT max(id) FROM coverage_runs WHERE kind = 'full' AND status = 'running'")
    ).scalar()
    if running is not None and not run_alive(conn, COVERAGE_RUNS, running):
        running = None
    return CoverageState(base, last, queue.n, needs_full, running)


# ------------------------------------------------------------------------------------------ full runs


def read_active_stations(
    conn: Connection, levels: tuple[str, ...] | None = None, box=None
) -> dict[str, np.ndarray]:
    """Active stations (id, level number, WGS-84 lon/lat), optionally of some levels and inside a box."""
    where = ["status = 'active'", "NOT ST_IsEmpty(geom)"]
    if levels is not None:
        where.append("level IN (" + ", ".join(f"'{lv}'" for lv in levels if lv in _LEVELS) + ")")
    if box is not None:
        x1, y1, x2, y2 = (float(v) for v in box)
        where.append(f"geom && ST_MakeEnvelope({x1!r}, {y1!r}, {x2!r}, {y2!r}, 4326)")
    levels_sql = "ARRAY[" + ", ".join(f"'{lv}'" for lv in _LEVELS) + "]::text[]"
    return copy_out(
        conn,
        f"SELECT id, array_position({levels_sql}, level::text)::int4, ST_X(geom), ST_Y(geom) "
        f"FROM stations WHERE {' AND '.join(where)}",
        [Field("id", "int8"), Field("level", "int4"), Field("lon", "float8"), Field("lat", "float8")],
    )


def read_units(conn: Connection, target: UnitTarget, prefix: str = "") -> dict[str, np.ndarray]:
    """Villages or townships (whose code starts with ``prefix``, digits): code, population (-1 unknown), WGS-84
    lon/lat of their point."""
    if not prefix.isdigit() and prefix:
        raise InvalidInput(f"an area code prefix is digits, not {prefix!r}")
    return copy_out(
        conn,
        "SELECT code, COALESCE(population, -1), ST_X(p), ST_Y(p) FROM ("
        " SELECT code, population, COALESCE(point, ST_PointOnSurface(geom)) AS p FROM areas"
        f" WHERE level = '{target.level}' AND code LIKE '{prefix}%') s WHERE p IS NOT NULL AND NOT ST_IsEmpty(p)",
        [
            Field("code", f"text:{target.code_length}"),
            Field("population", "int4"),
            Field("lon", "float8"),
            Field("lat", "float8"),
        ],
    )


def _site_index(stations: dict[str, np.ndarray], levels: tuple[str, ...]) -> SiteIndex:
    mask = np.isin(stations["level"], [LEVEL_NUMBER[lv] for lv in levels])
    return SiteIndex.build(stations["id"][mask], stations["lon"][mask], stations["lat"][mask])


def _nearest_by_group(
    units: dict[str, np.ndarray], indexes: dict[str, SiteIndex], names: tuple[str, ...]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    q = unit_vectors(units["lon"], units["lat"])
    found = {
        name: nearest_sites_geodesic(indexes[name], units["lon"], units["lat"], vectors=q)
        for name in ("village", "township")
    }
    # upper levels (county, city, province) only matter for "any", and only where they can beat both
    closest = np.minimum(found["village"][1], found["township"][1])
    upper = nearest_sites_geodesic(indexes["upper"], units["lon"], units["lat"], within_m=closest, vectors=q)
    found["any"] = nearest_of([found["village"], found["township"], upper])
    return {name: found[name] for name in names}


def _row_columns(
    target: UnitTarget,
    units: dict[str, np.ndarray],
    found: dict[str, tuple[np.ndarray, np.ndarray]],
    params: CoverageParams,
    run_id: int,
) -> list[tuple[Field, np.ndarray, np.ndarray | None]]:
    """The coverage table's columns (field, values, null mask) for these units and their nearest stations."""
    n = len(units["code"])
    columns = [
        (Field("area_code", f"text:{target.code_length}"), units["code"], None),
        (Field("run_id", "int8"), np.full(n, run_id, dtype=np.int64), None),
        (Field("lon", "float8"), units["lon"], None),
        (Field("lat", "float8"), units["lat"], None),
        (Field("population", "int4"), units["population"], units["population"] < 0),
    ]
    for group in target.groups:
        ids, metres = found[group.name]
        none = ids == NO_SITE
        limit = getattr(params, group.threshold)
        columns += [
            (Field(f"{group.name}_station_id", "int8"), ids, none),
            (Field(f"{group.name}_station_m", "float8"), metres, none),
            (Field(f"covered_{group.name}", "bool"), (~none & (metres <= limit)).astype(np.uint8), None),
        ]
    return columns


def _write_full(
    conn: Connection,
    target: UnitTarget,
    units: dict[str, np.ndarray],
    found: dict[str, tuple[np.ndarray, np.ndarray]],
    params: CoverageParams,
    run_id: int,
    swap: bool,
    timings: dict[str, float] | None = None,
) -> None:
    """Make these rows the whole of a coverage table: a fresh table swapped in (``swap_in_fresh``) when ``swap``,
    else the table emptied and filled in place."""
    columns = _row_columns(target, units, found, params, run_id)
    if swap:
        swap_in_fresh(conn, target.table, columns, timings)
        return
    # In place (a full run inside another transaction, which may still report progress to the runs tables from
    # a connection of its own: the swap's foreign keys would lock those tables until that transaction ends).
    # Per-row foreign-key checks and index inserts cost more than the COPY itself, so the run_id key and the
    # prefix index are dropped and rebuilt in one pass each (same names, so the schema is unchanged after commit).
    # TRUNCATE already holds the table exclusively.
    table = target.table
    conn.execute(text(f"TRUNCATE {table}"))
    conn.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {table}_run_id_fkey"))
    conn.execute(text(f"DROP INDEX ix_{table}_area_code"))
    copy_in(conn, table, columns)
    conn.execute(text(f"CREATE INDEX ix_{table}_area_code ON {table} (area_code text_pattern_ops)"))
    conn.execute(
        text(
            f"ALTER TABLE {table} ADD CONSTRAINT {table}_run_id_fkey "
            "FOREIGN KEY (run_id) REFERENCES coverage_runs (id)"
        )
    )
    conn.execute(text(f"ANALYZE {table}"))


def swap_in_fresh(
    conn: Connection,
    table: str,
    columns: list[tuple[Field, np.ndarray, np.ndarray | None]],
    timings: dict[str, float] | None = None,
) -> None:
    """Replace ``table`` by a new table of the same definition holding only these rows, in conn's transaction.

    The rows are COPYed into a table without indexes, constraints or triggers (no per-row index insert, foreign-key
    check or trigger), then its constraints, indexes and grants are made as the live table has them, by their
    catalogue definitions, under temporary names, and it is analysed. Only then is the live table dropped and the
    new one renamed into its place with the names of the old: readers keep reading the old rows while the new table
    is built, wait a moment for the commit at the swap, and never see a partial table. Meant for tables that nothing
    else references (a foreign key into ``table`` stops the DROP, and the transaction with it). ``timings``, when
    given, has the seconds of each step added to it (copy_s, keys_s, analyze_s, swap_s).
    """
    clock = _Steps(timings)
    fresh = f"{table}_fresh"
    key = {"t": table}
    constraints = conn.execute(
        text(
            "SELECT conname, contype, pg_get_constraintdef(oid) AS definition FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) AND contype <> 'n' ORDER BY contype = 'f', conname"
        ),
        key,
    ).all()
    indexes = conn.execute(
        text(
            "SELECT c.relname, i.indisunique, pg_get_indexdef(i.indexrelid) AS definition "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = CAST(:t AS regclass) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = i.indrelid "
            "AND k.conindid = i.indexrelid) ORDER BY c.relname"
        ),
        key,
    ).all()
    grants = conn.execute(
        text(
            "SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END "
            "AS grantee FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a "
            "LEFT JOIN pg_roles r ON r.oid = a.grantee WHERE c.oid = CAST(:t AS regclass) AND a.grantee <> c.relowner"
        ),
        key,
    ).all()
    conn.execute(text(f"DROP TABLE IF EXISTS {fresh}"))
    conn.execute(
        text(
            f"CREATE TABLE {fresh} (LIKE {table} INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING IDENTITY "
            "INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING COMMENTS)"
        )
    )
    # frozen rows when the transaction allows it (COPY FREEZE refuses under a snapshot held for the transaction)
    read_committed = conn.execute(text("SELECT current_setting('transaction_isolation')")).scalar_one()
    copy_in(conn, fresh, columns, freeze=read_committed == "read committed")
    clock.done("copy_s")
    renames = []
    foreign = []
    for i, c in enumerate(constraints):
        temp = f"{fresh}_c{i}"
        add = f"ALTER TABLE {fresh} ADD CONSTRAINT {temp} {c.definition}"
        if c.contype == "f":
            foreign.append(add)
        else:
            conn.execute(text(add))
        renames.append(f"ALTER TABLE {table} RENAME CONSTRAINT {temp} TO {c.conname}")
    for i, ix in enumerate(indexes):
        temp = f"{fresh}_i{i}"
        method = ix.definition.split(" USING ", 1)[1]
        conn.execute(
            text(f"CREATE {'UNIQUE ' if ix.indisunique else ''}INDEX {temp} ON {fresh} USING {method}")
        )
        renames.append(f"ALTER INDEX {temp} RENAME TO {ix.relname}")
    for g in grants:
        conn.execute(text(f"GRANT {g.privilege_type} ON {fresh} TO {g.grantee}"))
    clock.done("keys_s")
    conn.execute(text(f"ANALYZE {fresh}"))
    clock.done("analyze_s")
    # foreign keys last: adding one locks the referenced table against writers until commit
    for statement in foreign:
        conn.execute(text(statement))
    clock.done("keys_s")
    # the swap: readers of the old table are waited for, then wait for this commit and read the new one
    conn.execute(text(f"DROP TABLE {table}"))
    conn.execute(text(f"ALTER TABLE {fresh} RENAME TO {table}"))
    for statement in renames:
        conn.execute(text(statement))
    clock.done("swap_s")


class _Steps:
    """Adds the seconds since the last step to a timings dict (when there is one)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[name] = self.timings.get(name, 0.0) + now - self.last
        self.last = now


_BULK_SETTINGS = {"jit": "off", "max_parallel_workers_per_gather": "0", "default_statistics_target": "10"}
"""Settings of a full run's transaction. The bulk reads are costed high (PostGIS functions are), so PostgreSQL
would compile them with LLVM first, in each parallel worker, and gather their rows through shared memory: on a
loaded machine, slower than one plain scan. The fresh tables are analysed on a sample of 3,000 rows, not 30,000
(a tenth of the time; the autovacuum analyses them again with the server's target later)."""


def _set_local(conn: Connection, settings: dict[str, str]) -> dict[str, str]:
    """Set these for the rest of conn's transaction; returns the values they had."""
    before = {}
    for name, value in settings.items():
        before[name] = conn.execute(text("SELECT current_setting(:n)"), {"n": name}).scalar_one()
        conn.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})
    return before


def _summary(target: UnitTarget, units, found, params: CoverageParams) -> dict[str, Any]:
    out: dict[str, Any] = {"units": len(units["code"])}
    for group in target.groups:
        ids, metres = found[group.name]
        out[f"covered_{group.name}"] = int(
            np.count_nonzero((ids != NO_SITE) & (metres <= getattr(params, group.threshold)))
        )
        out[f"no_{group.name}_station"] = int(np.count_nonzero(ids == NO_SITE))
    return out


def _full_run_in(
    conn: Connection,
    params: CoverageParams,
    run_id: int,
    progress: ProgressFn | None = None,
    swap: bool = False,
) -> dict[str, Any]:
    """Recompute both coverage tables in conn's transaction (the caller holds the lock); the run's result columns.

    ``swap``: fresh tables are swapped in (``swap_in_fresh``), for a run whose transaction is its own and ends
    with it; otherwise the tables are rewritten in place."""
    report = progress or (lambda phase, fraction: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    settings = _set_local(conn, _BULK_SETTINGS)
    report("reading", 0.0)
    # the queue first: a station change committed after this read stays queued for the next refresh
    queued = conn.execute(text("SELECT id FROM coverage_queue")).scalars().all()
    areas_version = _areas_version(conn)
    stations = read_active_stations(conn)
    units = {t.level: read_units(conn, t) for t in TARGETS}
    timings["read_s"] = time.perf_counter() - t0
    report("indexing stations", 0.15)
    t1 = time.perf_counter()
    steps = _Steps(timings)
    indexes = {
        "village": _site_index(stations, ("village",)),
        "township": _site_index(stations, ("township",)),
        "upper": _site_index(stations, _UPPER),
    }
    steps.done("nearest_index_s")
    report("nearest stations of villages", 0.2)
    steps.done("progress_s")
    found = {VILLAGES.level: _nearest_by_group(units["village"], indexes, ("village", "township", "any"))}
    steps.done("nearest_villages_s")
    report("nearest stations of townships", 0.7)
    steps.done("progress_s")
    found[TOWNSHIPS.level] = _nearest_by_group(units["township"], indexes, ("township", "any"))
    steps.done("nearest_townships_s")
    timings["nearest_s"] = time.perf_counter() - t1
    report("writing", 0.8)
    t2 = time.perf_counter()
    write_steps: dict[str, float] = {}
    for target in TARGETS:
        _write_full(conn, target, units[target.level], found[target.level], params, run_id, swap, write_steps)
    if queued:
        conn.execute(text("DELETE FROM coverage_queue WHERE id = ANY(:ids)"), {"ids": list(queued)})
    timings["write_s"] = time.perf_counter() - t2
    timings.update({f"write_{k}": v for k, v in write_steps.items()})
    _set_local(conn, settings)
    # no progress row updates from here to commit: the new foreign keys lock coverage_runs against writers
    counts = {
        "stations": len(stations["id"]),
        **{t.level + "s": _summary(t, units[t.level], found[t.level], params) for t in TARGETS},
        "timings": {k: round(v, 3) for k, v in timings.items()},
    }
    return {"counts": counts, "areas_version": areas_version}


def _full_run(params: CoverageParams) -> dict[str, Any]:
    return {"kind": "full", "parameters": params.as_json(), "phase": "queued"}


def _full_work(params: CoverageParams) -> Work:
    def work(run: ActiveRun) -> dict[str, Any]:
        return _full_run_in(run.conn, params, run.id, run.progress, swap=True)

    return work


def run_full(engine: Engine, params: CoverageParams, progress: ProgressFn | None = None) -> CoverageRunInfo:
    """Recompute the coverage tables now, in this thread; ``progress(phase, fraction)`` is told how far it is."""
    return launch(
        engine, COVERAGE_RUNS, _full_run(params), _full_work(params), background=False, callback=progress
    )


def start_full_run(engine: Engine, params: CoverageParams) -> CoverageRunInfo:
    """Start a full run in a background thread and return it (status running); poll it with get_run."""
    return launch(engine, COVERAGE_RUNS, _full_run(params), _full_work(params), background=True)


# ------------------------------------------------------------------------------------------ area runs


def _area_rows_in(
    conn: Connection,
    target: UnitTarget,
    prefix: str,
    units: dict[str, np.ndarray],
    found: dict[str, tuple[np.ndarray, np.ndarray]],
    params: CoverageParams,
    run_id: int,
) -> dict[str, Any]:
    """Make the rows of one coverage table under ``prefix`` those of ``units``: rows that differ are replaced
    (stamped ``run_id``, travel times cleared), rows of units gone deleted, the others kept; returns counts."""
    cols = ", ".join(f"{g.name}_station_id, {g.name}_station_m" for g in target.groups)
    stored = {
        r[0]: tuple(r[1:])
        for r in conn.execute(
            text(
                f"SELECT area_code, lon, lat, population, {cols} FROM {target.table} "
                "WHERE area_code LIKE :prefix"
            ),
            {"prefix": prefix + "%"},
        )
    }
    codes = [c.decode() for c in units["code"]]
    fresh = []
    for i in range(len(codes)):
        row: list[Any] = [float(units["lon"][i]), float(units["lat"][i])]
        row.append(None if units["population"][i] < 0 else int(units["population"][i]))
        for group in target.groups:
            ids, metres = found[group.name]
            none = ids[i] == NO_SITE
            row += [None if none else int(ids[i]), None if none else float(metres[i])]
        fresh.append(tuple(row))
    changed = np.array([stored.get(code) != row for code, row in zip(codes, fresh, strict=True)], dtype=bool)
    gone = sorted(set(stored) - set(codes))
    replace = [c for c, ch in zip(codes, changed, strict=True) if ch]
    if replace or gone:
        conn.execute(
            text(f"DELETE FROM {target.table} WHERE area_code = ANY(:codes)"), {"codes": replace + gone}
        )
    if changed.any():
        subset = {k: v[changed] for k, v in units.items()}
        chosen = {name: (ids[changed], metres[changed]) for name, (ids, metres) in found.items()}
        copy_in(conn, target.table, _row_columns(target, subset, chosen, params, run_id))
    return {**_summary(target, units, found, params), "changed": int(changed.sum()), "removed": len(gone)}


def _area_run_in(
    conn: Connection, prefix: str, params: CoverageParams, run_id: int, progress: ProgressFn
) -> dict[str, Any]:
    """Recompute the coverage rows of the villages and townships under ``prefix`` (the caller holds the lock)."""
    progress("reading", 0.0)
    stations = read_active_stations(conn)  # the nearest station of a unit may lie outside its area
    units = {t.level: read_units(conn, t, prefix) for t in TARGETS}
    progress("indexing stations", 0.2)
    indexes = {
        "village": _site_index(stations, ("village",)),
        "township": _site_index(stations, ("township",)),
        "upper": _site_index(stations, _UPPER),
    }
    progress("nearest stations of villages", 0.4)
    found = {VILLAGES.level: _nearest_by_group(units["village"], indexes, ("village", "township", "any"))}
    progress("nearest stations of townships", 0.6)
    found[TOWNSHIPS.level] = _nearest_by_group(units["township"], indexes, ("township", "any"))
    progress("writing", 0.8)
    counts: dict[str, Any] = {"stations": len(stations["id"])}
    for target in TARGETS:
        counts[target.level + "s"] = _area_rows_in(
            conn, target, prefix, units[target.level], found[target.level], params, run_id
        )
    return {"counts": counts}


def start_area_run(engine: Engine, area_code: str, prefix: str, background: bool = True) -> CoverageRunInfo:
    """Recompute the coverage of the villages and townships of one area (``prefix``: the leading digits of its
    codes), with the thresholds of the current full run; stored as an incremental run whose parameters name
    ``area_code``. In a background thread unless ``background`` is False. Conflict (key coverage.run_busy) while
    another coverage run holds the tables."""
    if not prefix.isdigit():
        raise InvalidInput(f"an area code prefix is digits, not {prefix!r}")
    with engine.connect() as conn:
        base = _latest_full(conn)
    params = base.params if base else CoverageParams()
    values = {
        "kind": "incremental",
        "parameters": {**params.as_json(), "area_code": area_code},
        "base_run_id": base.id if base else None,
        "phase": "queued",
    }

    def work(run: ActiveRun) -> dict[str, Any]:
        return _area_run_in(run.conn, prefix, params, run.id, run.progress)

    try:
        return launch(engine, COVERAGE_RUNS, values, work, background=background)
    except Conflict as exc:
        if exc.key:
            raise
        raise Conflict(exc.message, key="coverage.run_busy") from None


# -------------------------------------------------------------------------------- incremental refresh


def refresh_coverage(conn: Connection, inline_full_max: int = INLINE_FULL_MAX) -> CoverageState:
    """Bring the coverage tables up to date inside conn's transaction, as far as can be done quickly.

    Queued station changes are applied incrementally. A missing or invalidated full run (first use, a
    TRUNCATE or bulk load of stations, changed areas) is run here when the atlas has at most
    ``inline_full_max`` villages, otherwise left to a background run (the state says so). When a full run
    is in progress elsewhere nothing is done.
    """
    if not lock_coverage_tables(conn):
        return coverage_state(conn)
    state = coverage_state(conn)
    if state.needs_full_run:
        villages = conn.execute(text("SELECT count(*) FROM areas WHERE level = 'village'")).scalar_one()
        if villages <= inline_full_max:
            params = state.base_run.params if state.base_run else CoverageParams()
            run_id = insert_run(conn, COVERAGE_RUNS, _full_run(params))
            finish_run(conn, COVERAGE_RUNS, run_id, _full_run_in(conn, params, run_id))
        return coverage_state(conn)
    if state.pending_changes:
        _drain(conn, state.base_run)
        return coverage_state(conn)
    return state


def _drain(conn: Connection, base: CoverageRunInfo) -> None:
    queue = conn.execute(text("SELECT id, station_id FROM coverage_queue ORDER BY id")).all()
    ids = sorted({r.station_id for r in queue})
    params = base.params
    now = copy_out(
        conn,
        "SELECT id, (status = 'active')::bool, array_position(ARRAY["
        + ", ".join(f"'{lv}'" for lv in _LEVELS)
        + "]::text[], level::text)::int4, ST_X(geom), ST_Y(geom) FROM stations "
        f"WHERE id = ANY(ARRAY[{', '.join(str(int(i)) for i in ids)}]::bigint[]) AND NOT ST_IsEmpty(geom)",
        [
            Field("id", "int8"),
            Field("active", "bool"),
            Field("level", "int4"),
            Field("lon", "float8"),
            Field("lat", "float8"),
        ],
    )
    run_id = insert_run(
        conn,
        COVERAGE_RUNS,
        {
            "kind": "incremental",
            "parameters": {**params.as_json(), "station_ids": ids},
            "base_run_id": base.id,
            "phase": "queued",
        },
    )
    counts = {
        t.level + "s": _refresh_target(conn, t, params, np.asarray(ids, np.int64), now, run_id)
        for t in TARGETS
    }
    conn.execute(text("DELETE FROM coverage_queue WHERE id = ANY(:ids)"), {"ids": [r.id for r in queue]})
    finish_run(conn, COVERAGE_RUNS, run_id, {"counts": counts})


def _boxes_sql(lon: np.ndarray, lat: np.ndarray, radius_m: float) -> str:
    """SQL test of lon/lat columns against boxes covering every point within radius_m of the given points."""
    boxes = [b for x, y in zip(lon, lat, strict=True) for b in geodesic_envelopes(Point(x, y), radius_m)]
    if len(boxes) > 64:
        arr = np.asarray(boxes)
        boxes = [(arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max())]
    return " OR ".join(
        f"(lon BETWEEN {x1!r} AND {x2!r} AND lat BETWEEN {y1!r} AND {y2!r})"
        for x1, y1, x2, y2 in ((float(v) for v in b) for b in boxes)
    )


def _refresh_target(
    conn: Connection,
    target: UnitTarget,
    params: CoverageParams,
    ids: np.ndarray,
    now: dict[str, np.ndarray],
    run_id: int,
) -> dict[str, int]:
    """Recompute the rows of one coverage table that the queued stations can change; returns counts."""
    radius = params.largest_m
    id_list = ", ".join(str(int(i)) for i in ids)
    conds = [f"{g.name}_station_id IN ({id_list})" for g in target.groups]
    movers: dict[str, SiteIndex] = {}
    for group in target.groups:
        mask = now["active"].astype(bool) & np.isin(now["level"], [LEVEL_NUMBER[lv] for lv in group.levels])
        movers[group.name] = SiteIndex.build(now["id"][mask], now["lon"][mask], now["lat"][mask])
        if mask.any():
            near = _boxes_sql(now["lon"][mask], now["lat"][mask], radius)
            col = f"{group.name}_station_m"
            conds.append(f"({col} IS NULL OR {col} > {radius!r} OR {near})")
    cols = ", ".join(f"{g.name}_station_id, {g.name}_station_m" for g in target.groups)
    rows = conn.execute(
        text(f"SELECT area_code, lon, lat, {cols} FROM {target.table} WHERE {' OR '.join(conds)}")
    ).all()
    counts = {"candidates": len(rows), "searched": 0, "changed": 0}
    if not rows:
        return counts
    codes = [r.area_code for r in rows]
    lon = np.array([r.lon for r in rows], dtype=np.float64)
    lat = np.array([r.lat for r in rows], dtype=np.float64)
    changed = np.zeros(len(rows), dtype=bool)
    result: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for group in target.groups:
        stored_id = np.array([_or(getattr(r, f"{group.name}_station_id"), NO_SITE) for r in rows], np.int64)
        stored_m = np.array([_or(getattr(r, f"{group.name}_station_m"), np.inf) for r in rows], np.float64)
        new_id, new_m = stored_id.copy(), stored_m.copy()
        lost = np.isin(stored_id, ids)
        if len(movers[group.name]):
            pid, pm = nearest_sites_geodesic(movers[group.name], lon, lat)
            better = (pm < stored_m) | ((pm == stored_m) & (pid != NO_SITE) & (pid < stored_id))
            take = ~lost & better
            new_id[take], new_m[take] = pid[take], pm[take]
        if lost.any():
            new_id[lost], new_m[lost] = _nearest_in_db(conn, lon[lost], lat[lost], group.levels, radius)
            counts["searched"] += int(lost.sum())
        changed |= (new_id != stored_id) | (new_m != stored_m)
        result[group.name] = (new_id, new_m)
    if changed.any():
        _update_rows(
            conn,
            target,
            params,
            run_id,
            [c for c, ch in zip(codes, changed, strict=True) if ch],
            {name: (ids_[changed], m[changed]) for name, (ids_, m) in result.items()},
        )
    counts["changed"] = int(changed.sum())
    return counts


def _or(value, default):
    return default if value is None else value


def _update_rows(
    conn: Connection,
    target: UnitTarget,
    params: CoverageParams,
    run_id: int,
    codes: list[str],
    found: dict[str, tuple[np.ndarray, np.ndarray]],
) -> None:
    sets, arrays, names = ["run_id = :run_id", "travel_time_s = NULL"], {"codes": codes}, ["code"]
    # travel times (geo/coverage/travel_time.py) of a changed row are stale: cleared until the next travel run
    sets += [f"{g.name}_station_s = NULL, {g.name}_time_station_id = NULL" for g in target.groups]
    sets.append("travel_run_id = NULL")
    casts = ["CAST(:codes AS text[])"]
    for group in target.groups:
        ids, metres = found[group.name]
        none = ids == NO_SITE
        limit = getattr(params, group.threshold)
        g = group.name
        arrays[f"{g}_id"] = [None if n else int(i) for i, n in zip(ids, none, strict=True)]
        arrays[f"{g}_m"] = [None if n else float(m) for m, n in zip(metres, none, strict=True)]
        arrays[f"{g}_cov"] = [bool(not n and m <= limit) for m, n in zip(metres, none, strict=True)]
        casts += [f"CAST(:{g}_id AS bigint[])", f"CAST(:{g}_m AS float8[])", f"CAST(:{g}_cov AS boolean[])"]
        names += [f"{g}_id", f"{g}_m", f"{g}_cov"]
        sets += [f"{g}_station_id = u.{g}_id", f"{g}_station_m = u.{g}_m", f"covered_{g} = u.{g}_cov"]
    conn.execute(
        text(
            f"UPDATE {target.table} c SET {', '.join(sets)} "
            f"FROM unnest({', '.join(casts)}) AS u({', '.join(names)}) WHERE c.area_code = u.code"
        ),
        {"run_id": run_id, **arrays},
    )


def reach_box(lon: np.ndarray, lat: np.ndarray, radius_m: float) -> tuple[float, float, float, float] | None:
    """A WGS-84 lon/lat box holding every point within radius_m (geodesic) of any of the points; None if it wraps."""
    extreme = float(max(abs(lat.min()), abs(lat.max())))
    envelope = geodesic_envelopes(Point(0.0, extreme), radius_m)
    if len(envelope) != 1:
        return None
    _, _, dlon, top = envelope[0]
    dlat = top - extreme
    box = (float(lon.min()) - dlon, float(lat.min()) - dlat, float(lon.max()) + dlon, float(lat.max()) + dlat)
    if box[0] <= -180 or box[2] >= 180 or box[1] <= -90 or box[3] >= 90 or dlon >= 180:
        return None
    return box


def _nearest_in_db(
    conn: Connection, lon: np.ndarray, lat: np.ndarray, levels: tuple[str, ...], start_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest active station of these levels for each point, searching widening boxes of stations."""
    ids = np.full(len(lon), NO_SITE, dtype=np.int64)
    dist = np.full(len(lon), np.inf)
    todo = np.arange(len(lon))
    radius = start_m
    while todo.size:
        box = reach_box(lon[todo], lat[todo], radius) if radius < 5_000_000 else None
        stations = read_active_stations(conn, levels, box)
        index = SiteIndex.build(stations["id"], stations["lon"], stations["lat"])
        got_ids, got_m = nearest_sites_geodesic(index, lon[todo], lat[todo])
        # every station within `radius` of a point is inside the box, so an answer within it is the nearest
        done = np.ones(todo.size, dtype=bool) if box is None else got_m <= radius
        ids[todo[done]], dist[todo[done]] = got_ids[done], got_m[done]
        todo = todo[~done]
        radius *= 4
    return ids, dist
