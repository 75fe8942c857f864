"""Background runs (coverage, travel time, siting): one lifecycle for every kind of run.

A run is a row of its kind's table (the columns of ``geo.models.RunColumns`` plus the kind's own) and, while
its worker lives, a session-level PostgreSQL advisory lock held by the worker's own connection:

- **start**: take the lock, insert the row (status ``running``) and commit, on the connection that keeps the lock;
- **progress**: phase and fraction done (0–1), written at most every 0.25 s from a connection of their own, so
  pages and the API see them while the work's transaction is still open;
- **finish**: the kind's result columns are written in the work's own transaction: one commit holds the results
  and ``done``;
- **fail**: the work is rolled back and the error stored from another connection;
- **timeout**, when a run is read: a run marked running whose lock nobody holds (its process died) or that has
  run longer than its kind allows is stored as failed; a worker whose run was failed under it stops at its next
  progress report, and its finish is refused (the work is rolled back);
- **read**: one run, or the latest runs of a kind.

Locks are keyed by kind and scope: ``pg_advisory_lock(lock_class, scope)``. A kind that allows one run at a time
(coverage: the coverage tables; travel: the travel columns and the service areas) has one scope, and the first
start that gets its lock runs while every other start is refused (Conflict). PostgreSQL grants a lock to one
session atomically, so two starts racing each other cannot both pass, as they could with a check for a running
row followed by an insert; and the new holder alone may fail the running rows left by a dead worker, which
cannot belong to a live one. A kind whose runs go side by side (siting) locks each run's own id, so its lock
says only that the worker is alive. In both the row is inserted in the transaction that holds the lock, so
nobody ever sees a running row whose lock is free unless its worker has died. A session lock, not a
transaction lock: the worker commits the row before its work starts, and a lock that ends with a transaction
would leave the work unguarded; and it is released by PostgreSQL itself when the worker's process dies.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, Connection, Engine, Table, func, insert, select, text, update
from sqlalchemy.exc import OperationalError

from geo.errors import Conflict, DomainError, NotFound

log = logging.getLogger(__name__)

LOCK_CLASS = 1447383117
"""Advisory lock class of the one-at-a-time scopes (coverage 4, travel 43), the keys those runs always took."""
ABANDONED = "abandoned: the process running it stopped"
"""The error stored for a run whose worker is gone."""
UNEXPECTED_FAILURE = "failed: an unexpected error stopped it on the server (its log has the details)"
"""The error stored for a run that failed on something other than a domain error."""
PROGRESS_EVERY_S = 0.25
"""Shortest time between two progress writes of one run (seconds)."""
ERROR_CHARS = 2000
"""Longest error message stored."""
ProgressFn = Callable[[str, float], None]


@dataclass(frozen=True, kw_only=True)
class RunInfo:
    """A run as stored: the columns every kind has; a kind's subclass adds its own and lists all in ``columns``."""

    columns: ClassVar[tuple[str, ...]] = (
        "id",
        "status",
        "parameters",
        "started_at",
        "finished_at",
        "phase",
        "progress",
        "error",
    )

    id: int
    status: str
    parameters: dict[str, Any]
    started_at: dt.datetime
    finished_at: dt.datetime | None
    phase: str | None
    progress: float
    error: str | None

    def as_dict(self) -> dict[str, Any]:
        """The run's columns by name, in the order of its table."""
        return {name: getattr(self, name) for name in self.columns}


R = TypeVar("R", bound=RunInfo)


@dataclass(frozen=True)
class RunKind(Generic[R]):
    """A kind of run: its table, the dataclass a row is read into, how its runs lock, how long one may run."""

    name: str  # "coverage", "travel", "siting": in messages and thread names
    table: Table
    info: type[R]
    time_limit_s: Callable[[dict[str, Any]], float]  # the longest a run of these parameters may run (seconds)
    lock_class: int = LOCK_CLASS
    lock_scope: int | None = None  # one run at a time, under this key; None: side by side, each under its id
    lock_wait_s: float = 0.0  # how long a start waits for short holders of the scope (seconds)
    busy: str = "a {kind} run is in progress; poll it or wait for it to finish"  # {run_id}: the running run
    failed_phase: str | None = None  # the phase a run whose work raised is left in (None: its last)

    def __post_init__(self) -> None:
        names = {f.name for f in dataclasses.fields(self.info)}
        if set(self.info.columns) != names or not names <= set(self.table.c.keys()):
            raise ValueError(
                f"{self.info.__name__}.columns must name its fields, all columns of {self.table.name}"
            )


def lock_key(kind: RunKind, run_id: int) -> dict[str, int]:
    """The advisory lock a run's worker holds (as ``a``, ``b`` parameters): its kind's scope, or its own id."""
    scope = kind.lock_scope if kind.lock_scope is not None else run_id & 0x7FFFFFFF
    return {"a": kind.lock_class, "b": scope}


def run_alive(conn: Connection, kind: RunKind, run_id: int) -> bool:
    """Whether a session holds the run's lock (for a one-at-a-time kind: its scope's lock)."""
    return conn.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = :a AND objid = :b AND objsubid = 2)"
        ),
        lock_key(kind, run_id),
    ).scalar_one()


def _select(kind: RunKind):
    return select(*(kind.table.c[name] for name in kind.info.columns))


def _one(conn: Connection, kind: RunKind[R], run_id: int) -> R | None:
    row = conn.execute(_select(kind).where(kind.table.c.id == run_id)).first()
    return kind.info(**row._mapping) if row else None


def find_runs(conn: Connection, kind: RunKind[R], *where: ColumnElement[bool], limit: int = 20) -> list[R]:
    """The kind's runs matching ``where`` (conditions on its table), newest first, at most ``limit``."""
    rows = conn.execute(_select(kind).where(*where).order_by(kind.table.c.id.desc()).limit(limit))
    return [kind.info(**row._mapping) for row in rows]


def insert_run(conn: Connection, kind: RunKind, values: dict[str, Any]) -> int:
    """Insert a run (status running unless ``values`` say otherwise) in conn's transaction; its id."""
    return conn.execute(insert(kind.table).values(**values).returning(kind.table.c.id)).scalar_one()


def finish_run(conn: Connection, kind: RunKind, run_id: int, values: dict[str, Any]) -> bool:
    """Mark a running run done with its result columns, in conn's transaction; False if it was no longer running."""
    t = kind.table
    done = conn.execute(
        update(t)
        .where(t.c.id == run_id, t.c.status == "running")
        .values(status="done", finished_at=func.clock_timestamp(), phase="done", progress=1.0, **values)
    )
    return done.rowcount == 1


def fail_run(conn: Connection, kind: RunKind, run_id: int, message: str, phase: str | None = None) -> bool:
    """Mark a running run failed with ``message`` (and ``phase`` when given); False if it was no longer running."""
    t = kind.table
    values: dict[str, Any] = {
        "status": "failed",
        "finished_at": func.clock_timestamp(),
        "error": message[:ERROR_CHARS],
    }
    if phase is not None:
        values["phase"] = phase
    failed = conn.execute(update(t).where(t.c.id == run_id, t.c.status == "running").values(**values))
    return failed.rowcount == 1


def read_run(conn: Connection, kind: RunKind[R], run_id: int) -> R:
    """One run; a running run whose worker is gone, or running past its kind's time limit, is stored failed first."""
    info = _one(conn, kind, run_id)
    if info is None:
        raise NotFound(f"no {kind.name} run with id {run_id}")
    if info.status != "running":
        return info
    if run_alive(conn, kind, run_id):
        limit = kind.time_limit_s(info.parameters)
        t = kind.table
        age = conn.execute(
            select(func.extract("epoch", func.clock_timestamp() - t.c.started_at)).where(t.c.id == run_id)
        ).scalar_one()
        if float(age) <= limit:
            return info
        reason = f"timed out: still running {limit:g} s after it started"
    else:
        reason = ABANDONED
    fail_run(conn, kind, run_id, reason)
    return _one(conn, kind, run_id) or info


@dataclass
class ActiveRun:
    """A started run in its worker's hands: the connection that holds its lock (and does its work) and its id."""

    engine: Engine
    kind: RunKind
    conn: Connection
    id: int
    callback: ProgressFn | None = None
    reported_at: float = field(default=0.0, repr=False)

    def progress(self, phase: str, fraction: float) -> None:
        """Tell the callback, and at most every 0.25 s the run's row, the phase and the fraction done (0–1).

        Conflict when the run is no longer running (it timed out): the work stops there.
        """
        if self.callback is not None:
            self.callback(phase, fraction)
        now = time.monotonic()
        if now - self.reported_at > PROGRESS_EVERY_S or fraction in (0.0, 1.0):
            self.reported_at = now
            t = self.kind.table
            with self.engine.begin() as conn:
                moved = conn.execute(
                    update(t)
                    .where(t.c.id == self.id, t.c.status == "running")
                    .values(phase=phase, progress=min(max(fraction, 0.0), 1.0))
                ).rowcount
            if not moved:
                raise Conflict(f"{self.kind.name} run {self.id} was stopped: it is no longer running")

    def finish(self, values: dict[str, Any]) -> None:
        """Mark the run done with its result columns in the work's transaction, and commit both."""
        if not finish_run(self.conn, self.kind, self.id, values):
            raise Conflict(f"{self.kind.name} run {self.id} was stopped: it is no longer running")
        self.conn.commit()
        if self.callback is not None:
            self.callback("done", 1.0)

    def fail(self, exc: BaseException) -> None:
        """Store the failure from another connection: a domain error's message, else only that the server failed
        (an exception's own text names tables, paths and SQL: it goes to the log, never to the run's readers)."""
        message = exc.message if isinstance(exc, DomainError) else UNEXPECTED_FAILURE
        with self.engine.begin() as other:
            fail_run(other, self.kind, self.id, message, self.kind.failed_phase)

    def close(self) -> None:
        """Release the run's lock and close its connection (a connection that cannot is discarded: that releases it)."""
        _release(self.conn, lock_key(self.kind, self.id))


def _release(conn: Connection, key: dict[str, int] | None) -> None:
    try:
        try:
            conn.rollback()
            if key is not None:
                conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"), key)
                conn.commit()
        except Exception:
            log.exception("could not release the run lock %s", key)
            conn.invalidate()
    finally:
        conn.close()


def _take_scope(conn: Connection, kind: RunKind) -> None:
    """Take a one-at-a-time kind's lock for conn's session (its transaction left open), or raise Conflict."""
    key = lock_key(kind, 0)
    if conn.execute(text("SELECT pg_try_advisory_lock(:a, :b)"), key).scalar_one():
        return
    conn.rollback()
    t = kind.table
    running = conn.execute(select(func.max(t.c.id)).where(t.c.status == "running")).scalar()
    conn.rollback()
    if running is not None or kind.lock_wait_s <= 0:
        raise Conflict(kind.busy.format(kind=kind.name, run_id=running))
    try:  # no run holds it: a short holder does (a coverage refresh), wait for it
        conn.execute(
            text("SELECT set_config('lock_timeout', :t, true)"), {"t": f"{round(kind.lock_wait_s * 1000)}ms"}
        )
        conn.execute(text("SELECT pg_advisory_lock(:a, :b)"), key)
    except OperationalError:
        conn.rollback()
        raise Conflict(f"the {kind.name} tables are busy; try again shortly") from None


def start_run(
    engine: Engine, kind: RunKind, values: dict[str, Any], callback: ProgressFn | None = None
) -> ActiveRun:
    """Take the run's lock, insert its row (``values``: its parameters and own columns) and commit.

    A one-at-a-time kind refuses (Conflict) while another run holds its scope, and first fails the running
    rows of runs whose worker died. The run is returned in the hands of the connection that keeps the lock.
    """
    conn = engine.connect()
    key = None
    try:
        if kind.lock_scope is None:
            run_id = insert_run(conn, kind, values)
            key = lock_key(kind, run_id)
            conn.execute(text("SELECT pg_advisory_lock(:a, :b)"), key)
        else:
            _take_scope(conn, kind)
            key = lock_key(kind, 0)
            t = kind.table
            conn.execute(
                update(t)
                .where(t.c.status == "running")
                .values(status="failed", finished_at=func.clock_timestamp(), error=ABANDONED)
            )
            run_id = insert_run(conn, kind, values)
        conn.commit()
    except BaseException:
        _release(conn, key)
        raise
    return ActiveRun(engine, kind, conn, run_id, callback)


Work = Callable[[ActiveRun], dict[str, Any]]
"""A run's own work: given the started run (its connection, id and progress), the result columns to store."""


def carry_out(run: ActiveRun, work: Work) -> None:
    """Do the work in the run's transaction and finish the run with the columns it returns (one commit).

    When the work raises, it is rolled back, the failure stored and the exception raised again. The lock is
    released either way.
    """
    try:
        try:
            run.finish(work(run))
        except BaseException as exc:
            try:
                run.conn.rollback()
            except Exception:
                log.exception("could not roll back %s run %s", run.kind.name, run.id)
            run.fail(exc)
            raise
    finally:
        run.close()


def start_worker(run: ActiveRun, work: Work) -> threading.Thread:
    """Carry the run out in a daemon thread; a failure is logged there (the run's row records it for pollers)."""

    def target() -> None:
        try:
            carry_out(run, work)
        except Exception:
            log.exception("%s run %s failed", run.kind.name, run.id)

    thread = threading.Thread(target=target, name=f"{run.kind.name}-run-{run.id}", daemon=True)
    thread.start()
    return thread


def launch(
    engine: Engine,
    kind: RunKind[R],
    values: dict[str, Any],
    work: Work,
    *,
    background: bool,
    callback: ProgressFn | None = None,
) -> R:
    """Start a run and carry it out in a daemon thread (``background``) or here; the run as it then stands."""
    run = start_run(engine, kind, values, callback)
    if background:
        start_worker(run, work)
    else:
        carry_out(run, work)
    with engine.connect() as conn:
        return read_run(conn, kind, run.id)
