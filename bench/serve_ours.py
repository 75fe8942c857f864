"""The uvicorn factory the benchmark serves: ``create_app`` with settings read when uvicorn calls it.

``uvicorn --factory bench.serve_ours:create_bench_app`` (from the project root); the benchmark sets
VETMAP_DATABASE_URL to the bench database and VETMAP_TILES_CACHE_MAX_BYTES for the cache on/off runs.

VETMAP_BENCH_WHATIF (comma-separated, empty by default) lets a change proposed for code outside bench/
be measured before it is made, through FastAPI's dependency overrides: add it to ``WHATIFS`` and to
``_apply``. The earlier proposals (no pre-ping and autocommit for single-statement reads, async
dependencies, features joined by PostgreSQL) were measured this way and are now in the app itself
(api/deps.py ``get_read_conn``, geo/ogc/features.py ``query_items``); none is pending.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from api.app import create_app
from geo.settings import Settings

WHATIFS: tuple[str, ...] = ()


def _apply(app: FastAPI, whatif: set[str]) -> None:
    """Install the overrides of the named what-ifs (none is pending)."""


def create_bench_app() -> FastAPI:
    """The VetMap app on the database named by VETMAP_DATABASE_URL (read now, not at import)."""
    app = create_app(Settings())
    whatif = {w.strip() for w in os.environ.get("VETMAP_BENCH_WHATIF", "").split(",") if w.strip()}
    unknown = whatif - set(WHATIFS)
    if unknown:
        raise SystemExit(
            f"unknown VETMAP_BENCH_WHATIF {sorted(unknown)}; known: {', '.join(WHATIFS) or 'none'}"
        )
    _apply(app, whatif)
    return app
