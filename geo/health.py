"""Database health: can we reach PostGIS, and is the schema migrated."""

from __future__ import annotations

from sqlalchemy import Engine, text


def database_health(engine: Engine) -> dict:
    """PostGIS version and schema revision; raises SQLAlchemyError when the database is unreachable."""
    with engine.connect() as conn:
        postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
        migrated = conn.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar_one()
        revision = (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar() if migrated else None
        )
    return {"database": "ok", "postgis": postgis, "schema_revision": revision}
