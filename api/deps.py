"""Request dependencies: settings and a database connection in one transaction per request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine

from geo.settings import Settings

# async def: these do no I/O, and FastAPI would send a plain def through the thread pool on every request


async def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return request.app.state.settings


async def get_engine(request: Request) -> Engine:
    """The app's engine (created lazily by create_app, connected on first use)."""
    return request.app.state.engine


async def get_read_conn(request: Request) -> AsyncIterator[Connection]:
    """An autocommit connection for a handler that reads with one statement (feature pages, tiles).

    Taken from and returned to the read pool on the event loop: a warm pool hands one out without I/O
    (no pre-ping, no BEGIN, no ROLLBACK), which saves the two thread hand-offs of a sync dependency.
    """
    with request.app.state.read_engine.connect() as conn:
        yield conn


def get_conn(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    """A connection inside a transaction, committed when the handler returns without error."""
    with engine.begin() as conn:
        yield conn


SettingsDep = Annotated[Settings, Depends(get_settings)]
ConnDep = Annotated[Connection, Depends(get_conn)]
EngineDep = Annotated[Engine, Depends(get_engine)]
ReadConnDep = Annotated[Connection, Depends(get_read_conn)]
