"""Request dependencies: settings and a database connection per request (public reads on a replica if any)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from api.replica_routing import STATE_MIN_LSN, STATE_PRIMARY_ONLY, STATE_REPLICA
from geo.database.replicas import Replica
from geo.settings import ReportSettings, Settings

# async def: these do no I/O, and FastAPI would send a plain def through the thread pool on every request


async def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return request.app.state.settings


def report_settings(request: Request) -> ReportSettings:
    """The public damage reports' settings the app was built with (create_app builds them once)."""
    return request.app.state.reports


async def get_engine(request: Request) -> Engine:
    """The app's engine (created lazily by create_app, connected on first use)."""
    return request.app.state.engine


def _replica_for(request: Request) -> Replica | None:
    """The replica to serve this public read (None: the primary), given the writer's position and replica health."""
    replicas = getattr(request.app.state, "replica_set", None)
    if not replicas or getattr(request.state, STATE_PRIMARY_ONLY, False):
        return None
    return replicas.choose(getattr(request.state, STATE_MIN_LSN, None))


def _connect_replica(request: Request, replica: Replica, engine: Engine) -> Connection | None:
    """A connection of the replica's ``engine``, or None (and the replica taken out) when it cannot connect."""
    try:
        conn = engine.connect()
    except DBAPIError as exc:
        request.app.state.replica_set.mark_down(replica, exc)
        return None
    setattr(request.state, STATE_REPLICA, replica)  # a 503 from here on is retried on the primary
    return conn


async def get_read_conn(request: Request) -> AsyncIterator[Connection]:
    """An autocommit connection for a handler that reads with one statement (feature pages, tiles).

    Taken from and returned to the read pool on the event loop: a warm pool hands one out without I/O
    (no pre-ping, no BEGIN, no ROLLBACK), which saves the two thread hand-offs of a sync dependency.
    With replicas, from a ready replica's read pool (connecting in a worker thread when its pool is cold).
    """
    replica = _replica_for(request)
    conn = None
    if replica is not None:
        if replica.read_engine.pool.checkedin():
            conn = _connect_replica(request, replica, replica.read_engine)
        else:
            conn = await run_in_threadpool(_connect_replica, request, replica, replica.read_engine)
    with conn if conn is not None else request.app.state.read_engine.connect() as conn:
        yield conn


@contextmanager
def read_connection(request: Request) -> Iterator[Connection]:
    """``get_read_conn`` for a sync handler to take in its own thread, for the statement alone: FastAPI's
    machinery around a yield dependency (an exit stack, a shielded cancel scope) costs more per request
    than taking the connection, and the connection goes back to the pool before the answer is sent."""
    replica = _replica_for(request)
    conn = None if replica is None else _connect_replica(request, replica, replica.read_engine)
    with conn if conn is not None else request.app.state.read_engine.connect() as conn:
        yield conn


def get_public_conn(request: Request) -> Iterator[Connection]:
    """A read-only transaction for a public GET: on a ready replica when there are any, else on the primary."""
    replica = _replica_for(request)
    conn = _connect_replica(request, replica, replica.engine) if replica is not None else None
    if conn is None:
        with request.app.state.engine.begin() as conn:
            yield conn
        return
    with conn, conn.begin():
        yield conn


def get_conn(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    """A connection inside a transaction, committed when the handler returns without error."""
    with engine.begin() as conn:
        yield conn


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope "function": the transaction commits before the answer is sent (FastAPI's default for a yield dependency,
# "request", would commit after it, so a failed commit, e.g. in a database restart, could follow a 2xx)
ConnDep = Annotated[Connection, Depends(get_conn, scope="function")]
EngineDep = Annotated[Engine, Depends(get_engine)]
ReadConnDep = Annotated[Connection, Depends(get_read_conn)]
PublicConnDep = Annotated[Connection, Depends(get_public_conn)]
"""For public GET routes (anyone may read): a replica when one is ready; writes and staff routes use ConnDep."""
