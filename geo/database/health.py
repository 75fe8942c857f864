"""Database health: can we reach PostGIS, is the schema migrated, and how are the read replicas."""

from __future__ import annotations

from sqlalchemy import Engine, text

from geo.database.replicas import ReplicaSet


def database_health(engine: Engine) -> dict:
    """PostGIS version and schema revision; raises SQLAlchemyError when the database is unreachable."""
    with engine.connect() as conn:
        postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
        migrated = conn.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar_one()
        revision = (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar() if migrated else None
        )
    return {"database": "ok", "postgis": postgis, "schema_revision": revision}


def replica_health(replicas: ReplicaSet) -> list[dict]:
    """Probe every replica now (those backing off after a failure are left out) and describe each: state, lag."""
    replicas.refresh()
    return replicas.describe()
