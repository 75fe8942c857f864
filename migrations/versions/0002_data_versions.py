"""data versions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

One row per collection whose version a statement-level trigger raises on every insert, update,
delete or truncate of its table. Tile ETags and tile cache keys carry the version, so they change
when the data changes, in every process. Versions start from the clock in microseconds and only
grow, so a database rebuilt later never repeats a version an old ETag carries.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_VERSIONED = ("areas", "stations", "memorials", "cemeteries", "graves")
_NOW_US = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column("collection", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("collection"),
    )
    for table in _VERSIONED:
        op.execute(f"INSERT INTO data_versions (collection, version) VALUES ('{table}', {_NOW_US})")
    op.execute(
        "CREATE FUNCTION vetmap_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO data_versions AS d (collection, version) "
        f"VALUES (TG_TABLE_NAME, {_NOW_US}) "
        "ON CONFLICT (collection) DO UPDATE SET version = GREATEST(d.version + 1, EXCLUDED.version); "
        "RETURN NULL; END $$"
    )
    for table in _VERSIONED:
        op.execute(
            f"CREATE TRIGGER trg_{table}_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION vetmap_bump_data_version()"
        )


def downgrade() -> None:
    for table in _VERSIONED:
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_data_version ON {table}")
    op.execute("DROP FUNCTION IF EXISTS vetmap_bump_data_version()")
    op.drop_table("data_versions")
