"""Alembic environment: runs migrations online against the URL the caller configured."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, pool

from geo.database.engine import database_url
from geo.models import Base
from geo.settings import Settings

config = context.config


def _url():
    configured = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    return configured or database_url(Settings())


def run_migrations_online() -> None:
    """Apply migrations in one transaction per run."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=alembic_helpers.include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run against a database")
run_migrations_online()
