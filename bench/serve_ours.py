"""The uvicorn factory the benchmark serves: ``create_app`` with settings read when uvicorn calls it.

``uvicorn --factory bench.serve_ours:create_bench_app`` (from the project root); the benchmark sets
VETMAP_DATABASE_URL to the bench database and VETMAP_TILES_CACHE_MAX_BYTES for the cache on/off runs.

VETMAP_BENCH_WHATIF (comma-separated, empty by default) measures changes proposed for code outside
bench/ without editing it, through FastAPI's dependency overrides; without it the app is exactly
``create_app(Settings())``:

- ``no-pre-ping``: the engine without ``pool_pre_ping`` (geo/db.py ``make_engine``), which costs one
  ``SELECT 1`` round trip per request;
- ``autocommit``: request connections from a second pool created with ``isolation_level="AUTOCOMMIT"``
  (api/deps.py ``get_conn`` for GET/HEAD): no BEGIN and COMMIT round trips around a read;
- ``async-deps``: ``get_settings`` and ``get_engine`` (api/deps.py) as ``async def``: they do no I/O,
  and as plain ``def`` FastAPI sends each through the thread pool (a thread hand-off per request each);
  The tile router's ``get_service`` (api/routes/tiles.py) likewise;
- ``async-conn``: ``get_conn`` as an ``async def`` generator that takes a connection from the (warm,
  autocommit, no-pre-ping) pool on the event loop, saving the two thread hand-offs of a sync generator
  dependency (enter and exit); implies the three above;
- ``sql-body``: the items route (api/routes/ogc.py ``items``) with the page's features joined into one
  JSON text by PostgreSQL (``string_agg`` in the statement of geo/ogc.py ``query_items``), so no row
  objects are made and nothing is joined in Python; see ``bench/whatif_items.py``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

from fastapi import FastAPI, Request
from sqlalchemy import Connection, Engine, create_engine

from api.app import create_app
from api.deps import get_conn, get_engine, get_settings
from geo.db import database_url
from geo.settings import Settings

WHATIFS = ("no-pre-ping", "autocommit", "async-deps", "async-conn", "sql-body")


def create_bench_app() -> FastAPI:
    """The VetMap app on the database named by VETMAP_DATABASE_URL (read now, not at import)."""
    settings = Settings()
    app = create_app(settings)
    whatif = {w.strip() for w in os.environ.get("VETMAP_BENCH_WHATIF", "").split(",") if w.strip()}
    unknown = whatif - set(WHATIFS)
    if unknown:
        raise SystemExit(f"unknown VETMAP_BENCH_WHATIF {sorted(unknown)}; known: {', '.join(WHATIFS)}")
    if "async-conn" in whatif:
        whatif |= {"no-pre-ping", "autocommit", "async-deps"}
    pre_ping = "no-pre-ping" not in whatif
    if not pre_ping:
        app.state.engine.dispose()
        app.state.engine = create_engine(
            database_url(settings), pool_pre_ping=False, pool_size=10, max_overflow=10
        )
    reads: Engine = app.state.engine
    if "autocommit" in whatif:
        # a second pool whose connections stay in autocommit: no isolation switch per checkout
        reads = create_engine(
            database_url(settings),
            pool_pre_ping=pre_ping,
            pool_size=10,
            max_overflow=10,
            isolation_level="AUTOCOMMIT",
        )

        def autocommit_conn() -> Iterator[Connection]:
            with reads.connect() as conn:
                yield conn

        app.dependency_overrides[get_conn] = autocommit_conn  # the benchmark sends only GETs
    if "async-deps" in whatif:

        async def settings_async(request: Request) -> Settings:
            return request.app.state.settings

        async def engine_async(request: Request) -> Engine:
            return request.app.state.engine

        app.dependency_overrides[get_settings] = settings_async
        app.dependency_overrides[get_engine] = engine_async
        for route in app.routes:  # the tile router's get_service is local to tile_router()
            for dependency in getattr(getattr(route, "dependant", None), "dependencies", []):
                call = dependency.call
                if getattr(call, "__name__", "") == "get_service" and call not in app.dependency_overrides:
                    app.dependency_overrides[call] = _async_version(call)
    if "async-conn" in whatif:

        async def conn_async() -> AsyncIterator[Connection]:
            # a warm pool without pre-ping hands out a connection without I/O; in autocommit, the first
            # statement (in the endpoint's thread) needs no BEGIN and returning it needs no ROLLBACK
            with reads.connect() as conn:
                yield conn

        app.dependency_overrides[get_conn] = conn_async
    if "sql-body" in whatif:
        from bench.whatif_items import items_route

        app.router.routes.insert(0, items_route())  # matched before the app's own items route
    return app


def _async_version(call):
    """The same no-I/O dependency as ``async def``, so FastAPI runs it on the event loop."""

    async def run(request: Request):
        return call(request)

    return run
