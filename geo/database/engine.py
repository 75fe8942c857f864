"""Engines and connections: resolves the database URL (external or embedded) and creates databases."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from geo.database.embedded import EmbeddedCluster
from geo.settings import Settings


def embedded_cluster(settings: Settings) -> EmbeddedCluster:
    """The embedded cluster described by the settings (not started)."""
    return EmbeddedCluster(settings.var_dir, settings.embedded_port, settings.embedded_os_user)


def database_url(settings: Settings, database: str | None = None) -> URL:
    """URL of the configured database: VETMAP_DATABASE_URL, else the embedded cluster's (not started here)."""
    if settings.database_url:
        url = make_url(settings.database_url)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg2")
    else:
        url = embedded_cluster(settings).url(settings.embedded_database)
    return url.set(database=database) if database else url


def ensure_embedded_running(settings: Settings) -> None:
    """Start the embedded cluster and create its database with PostGIS, unless an external URL is set."""
    if settings.database_url:
        return
    cluster = embedded_cluster(settings)
    cluster.start()
    ensure_database(database_url(settings))


def database_exists(admin: Connection, name: str) -> bool:
    """Whether the server of ``admin`` (a connection to any database) has a database ``name``."""
    found = admin.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": name})
    return found.scalar() is not None


def ensure_database(url: URL) -> None:
    """Create the database of ``url`` if missing, and the postgis extension in it."""
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not database_exists(conn, url.database):
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    finally:
        admin.dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    finally:
        engine.dispose()


def drop_database(url: URL) -> None:
    """Drop the database of ``url`` if it exists (closing other sessions on it)."""
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def make_engine(url: URL) -> Engine:
    """A pooled engine; connections are opened lazily, on first use."""
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def make_read_engine(url: URL, connect_args: dict | None = None) -> Engine:
    """A second pool for single-statement reads (feature pages, tiles): psycopg 3, autocommit, no pre-ping.

    Each read is one statement, so autocommit loses nothing and saves the BEGIN and ROLLBACK round
    trips; the pre-ping's ``SELECT 1`` per checkout is left out too. After a database restart the first
    read on a stale connection fails (503) and SQLAlchemy then discards the whole pool, so reads
    recover at once without the pre-ping's cost on every request. psycopg 3 prepares a statement on
    the server once it has run twice on a connection, so PostgreSQL stops planning the same page and
    tile queries again (planning took 1.2 ms of the 3 ms a page of 100 stations costs it). ``connect_args`` are
    added to psycopg's (a replica's ``connect_timeout``).
    """
    return create_engine(
        url.set(drivername="postgresql+psycopg"),
        pool_pre_ping=False,
        isolation_level="AUTOCOMMIT",
        pool_size=10,
        max_overflow=10,
        connect_args={"prepare_threshold": 2, **(connect_args or {})},
    )
