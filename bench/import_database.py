"""The database both import benchmarks use (``vetmap_bench_import``): started, created and migrated if need be,
with the demo atlas of 资源县 loaded into it once."""

from __future__ import annotations

from sqlalchemy import URL, Engine

from geo.database.engine import database_url, ensure_database, ensure_embedded_running, make_engine
from geo.database.migrate import upgrade
from geo.demo.atlas import atlas_is_empty, load_demo
from geo.settings import Settings

DATABASE = "vetmap_bench_import"


def open_bench_database() -> tuple[Engine, URL]:
    """An engine on the import benchmarks' database (ready, with the demo atlas) and its URL."""
    settings = Settings()
    ensure_embedded_running(settings)
    url = database_url(settings, DATABASE)
    ensure_database(url)
    upgrade(url)
    engine = make_engine(url)
    if atlas_is_empty(engine):
        print("loading the demo atlas into the bench database (once)", flush=True)
        load_demo(engine, scale="county")
    return engine, url
