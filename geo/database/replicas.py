"""Read replicas: PostgreSQL streaming standbys that serve public reads, their health, lag and replay position.

A replica is *ready* when its last probe found it in recovery (a standby), reachable and replaying within
``replica_max_lag_s`` seconds of the primary. A failed connect or query marks it down for ``replica_backoff_s``
seconds; after that a background probe (started by the next read that asks for a replica) brings it back once it
answers. Requests never wait for a probe: they use the state the last probe left.

Read-your-writes: positions in the write-ahead log (LSNs, ``16/B374D848``) are compared as integers; a reader who
wrote at LSN *w* is sent only to a replica whose last probed replay position has reached *w*, else to the primary.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from geo.database.engine import make_read_engine
from geo.errors import InvalidInput
from geo.settings import Settings

_LSN = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")

_PROBE = text(
    """
    SELECT pg_is_in_recovery() AS in_recovery,
           pg_last_wal_replay_lsn()::text AS replay_lsn,
           pg_last_wal_receive_lsn()::text AS receive_lsn,
           CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() END AS paused,
           extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS since_replay_s
    """
)


def parse_lsn(value: str) -> int:
    """A WAL position in PostgreSQL's text form (``16/B374D848``) as an integer; ValueError when malformed."""
    match = _LSN.match(value.strip())
    if not match:
        raise ValueError(f"not a WAL position: {value!r}")
    return (int(match.group(1), 16) << 32) | int(match.group(2), 16)


def format_lsn(value: int) -> str:
    """An integer WAL position in PostgreSQL's text form (``16/B374D848``)."""
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


def parse_replica_urls(value: str | None) -> list[URL]:
    """The comma-separated PostgreSQL URLs of ``VETMAP_DATABASE_REPLICA_URLS``; InvalidInput names a bad one."""
    urls = []
    for number, part in enumerate((value or "").split(","), start=1):
        part = part.strip()
        if not part:
            continue
        try:
            url = make_url(part)
        except ArgumentError as exc:  # not echoed: it may hold a password
            raise InvalidInput(
                f"VETMAP_DATABASE_REPLICA_URLS: entry {number} is not a database URL "
                "(postgresql://user:password@host:port/database)"
            ) from exc
        if not url.drivername.startswith("postgres") or not url.host:
            raise InvalidInput(
                f"VETMAP_DATABASE_REPLICA_URLS: {url.render_as_string(hide_password=True)!r} is not a PostgreSQL "
                "URL with a host (postgresql://user:password@host:port/database)"
            )
        urls.append(url.set(drivername="postgresql+psycopg2"))
    return urls


def replica_name(url: URL) -> str:
    """``host:port`` of a replica (no user, no password): how it is named in health answers and metrics."""
    return f"{url.host}:{url.port or 5432}"


@dataclass
class Replica:
    """One standby: its name (host:port), two pools like the primary's, and what the last probe or failure found.

    ``engine`` (psycopg2, transactions) serves the public pages and API reads; ``read_engine`` (psycopg 3,
    autocommit) serves single-statement reads (feature pages, tiles), as on the primary.
    """

    name: str
    engine: Engine
    read_engine: Engine
    state: str = "unknown"
    """unknown (not probed yet), ok, lagging, paused-and-lagging is 'lagging', down, not_standby"""
    error: str | None = None
    lag_s: float | None = None
    lag_bytes: int | None = None
    replay_lsn: int | None = None
    replay_paused: bool | None = None
    down_until: float = 0.0
    checked_at: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def healthy(self) -> bool:
        """True when the last probe found it a reachable standby within the allowed lag."""
        return self.state == "ok"

    def mark_down(self, reason: str, backoff_s: float) -> None:
        """Take it out for ``backoff_s`` seconds after a failed connect or query."""
        with self._lock:
            self.state = "down"
            self.error = reason
            self.down_until = time.monotonic() + backoff_s

    def describe(self) -> dict:
        """Its state for /healthz: name, state, healthy, lag (seconds, bytes), replay position, last error."""
        retry_in = max(0.0, self.down_until - time.monotonic()) if self.state == "down" else None
        return {
            "name": self.name,
            "state": self.state,
            "healthy": self.healthy,
            "lag_s": None if self.lag_s is None else round(self.lag_s, 3),
            "lag_bytes": self.lag_bytes,
            "replay_lsn": None if self.replay_lsn is None else format_lsn(self.replay_lsn),
            "replay_paused": self.replay_paused,
            "error": self.error,
            "retry_in_s": None if retry_in is None else round(retry_in, 1),
        }


def _error_text(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {first[0] if first else ''}".strip()


def make_replica(url: URL, connect_timeout_s: int) -> Replica:
    """A replica's pools (connected lazily); connects give up after ``connect_timeout_s`` seconds."""
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        connect_args={"connect_timeout": connect_timeout_s},
    )
    read_engine = make_read_engine(url, connect_args={"connect_timeout": connect_timeout_s})
    return Replica(replica_name(url), engine, read_engine)


class ReplicaSet:
    """The primary and its read replicas: which replica may serve a read, and the probes that keep that current."""

    def __init__(self, primary: Engine, replicas: list[Replica], settings: Settings) -> None:
        self.primary = primary
        self.replicas = replicas
        self.max_lag_s = settings.replica_max_lag_s
        self.backoff_s = settings.replica_backoff_s
        self.check_interval_s = settings.replica_check_interval_s
        self.primary_lsn: int | None = None
        self._refreshed_at = 0.0
        self._refreshing = threading.Lock()
        self._turn = 0
        self._closed = False

    @classmethod
    def from_settings(cls, settings: Settings, primary: Engine) -> ReplicaSet:
        """The replicas of ``VETMAP_DATABASE_REPLICA_URLS`` (none when empty); nothing connects yet."""
        urls = parse_replica_urls(settings.database_replica_urls)
        replicas = [make_replica(url, settings.replica_connect_timeout_s) for url in urls]
        return cls(primary, replicas, settings)

    def __bool__(self) -> bool:
        return bool(self.replicas)

    # -- choosing --------------------------------------------------------------------------------------
    def choose(self, min_lsn: int | None = None) -> Replica | None:
        """The least busy ready replica whose replay has reached ``min_lsn`` (when given); None: use the primary.

        Never blocks: it starts a background probe when the last one is older than the check interval.
        """
        if not self.replicas:
            return None
        self.maybe_refresh()
        ready = [
            r
            for r in self.replicas
            if r.healthy and (min_lsn is None or (r.replay_lsn is not None and r.replay_lsn >= min_lsn))
        ]
        if not ready:
            return None
        self._turn = (self._turn + 1) % len(ready)
        rotated = ready[self._turn :] + ready[: self._turn]  # ties go round robin
        return min(rotated, key=lambda r: r.engine.pool.checkedout() + r.read_engine.pool.checkedout())

    def mark_down(self, replica: Replica, exc: BaseException | str) -> None:
        """Take a replica out after a failed connect or query (for the back-off period)."""
        replica.mark_down(exc if isinstance(exc, str) else _error_text(exc), self.backoff_s)

    # -- probing ---------------------------------------------------------------------------------------
    def maybe_refresh(self) -> None:
        """Start a background probe of every replica when the last one is older than the check interval."""
        if self._closed or time.monotonic() - self._refreshed_at < self.check_interval_s:
            return
        if not self._refreshing.acquire(blocking=False):
            return
        self._refreshed_at = time.monotonic()
        threading.Thread(target=self._refresh_locked, name="vetmap-replica-probe", daemon=True).start()

    def _refresh_locked(self) -> None:
        try:
            self._probe_all()
        finally:
            self._refreshed_at = time.monotonic()
            self._refreshing.release()

    def refresh(self) -> None:
        """Probe the primary's WAL position and every replica now (waits for a probe already running)."""
        with self._refreshing:
            self._probe_all()
            self._refreshed_at = time.monotonic()

    def _probe_all(self) -> None:
        self.primary_lsn = self.current_primary_lsn(swallow=True)
        for replica in self.replicas:
            if replica.state == "down" and time.monotonic() < replica.down_until:
                continue  # still backing off
            self._probe(replica)

    def _probe(self, replica: Replica) -> None:
        try:
            with replica.engine.connect() as conn:
                row = conn.execute(_PROBE).mappings().one()
        except SQLAlchemyError as exc:
            self.mark_down(replica, exc)
            return
        with replica._lock:
            replica.checked_at = time.monotonic()
            replica.error = None
            replica.down_until = 0.0
            if not row["in_recovery"]:
                replica.state, replica.error = "not_standby", "the server is not in recovery (not a standby)"
                replica.replay_lsn = replica.lag_s = replica.lag_bytes = None
                return
            replay = parse_lsn(row["replay_lsn"]) if row["replay_lsn"] else None
            replica.replay_lsn = replay
            replica.replay_paused = row["paused"]
            caught_up = replay is not None and (self.primary_lsn is None or replay >= self.primary_lsn)
            if self.primary_lsn is None:  # primary unreachable: judge by what the standby has received
                caught_up = (
                    bool(row["receive_lsn"])
                    and replay is not None
                    and replay >= parse_lsn(row["receive_lsn"])
                )
            replica.lag_bytes = (
                0 if replay is None or self.primary_lsn is None else max(0, self.primary_lsn - replay)
            )
            replica.lag_s = 0.0 if caught_up else float(row["since_replay_s"] or 0.0)
            replica.state = "ok" if replica.lag_s <= self.max_lag_s else "lagging"

    def current_primary_lsn(self, swallow: bool = False) -> int | None:
        """The primary's current WAL position (``pg_current_wal_lsn()``); None when unreachable and ``swallow``."""
        try:
            with self.primary.connect() as conn:
                return parse_lsn(conn.execute(text("SELECT pg_current_wal_lsn()::text")).scalar_one())
        except SQLAlchemyError:
            if swallow:
                return None
            raise

    def describe(self) -> list[dict]:
        """Each replica's state, lag and replay position (for /healthz)."""
        return [replica.describe() for replica in self.replicas]

    def dispose(self) -> None:
        """Close every replica pool; no probe starts afterwards."""
        self._closed = True
        for replica in self.replicas:
            replica.engine.dispose()
            replica.read_engine.dispose()


class WriterNotes:
    """The WAL position of each recent writer's last committed write, by a digest of its credential (in memory).

    Bounded (the oldest are forgotten first) and each note lives ``ttl_s`` seconds: long enough for any replica
    within the allowed lag to have replayed it.
    """

    def __init__(self, ttl_s: float, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._notes: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(credential: str) -> str:
        """The note key of a credential (a bearer token): its SHA-256, so no token is kept in memory."""
        return hashlib.sha256(credential.encode()).hexdigest()

    def remember(self, credential: str, lsn: int) -> None:
        """Note that the holder of ``credential`` wrote up to ``lsn``."""
        key = self.key(credential)
        with self._lock:
            old = self._notes.pop(key, None)
            self._notes[key] = (max(lsn, old[0]) if old else lsn, self._clock() + self.ttl_s)
            while len(self._notes) > self.max_entries:
                self._notes.popitem(last=False)

    def lsn_of(self, credential: str) -> int | None:
        """The WAL position the holder of ``credential`` last wrote at, if within the note's lifetime."""
        if not self._notes:
            return None
        key = self.key(credential)
        with self._lock:
            note = self._notes.get(key)
            if note is None:
                return None
            if note[1] < self._clock():
                del self._notes[key]
                return None
            return note[0]
