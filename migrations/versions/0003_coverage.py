"""coverage

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

Nearest-station coverage tables: coverage_runs (one row per full run or incremental refresh, with its
parameters), coverage_villages and coverage_townships (one row per unit: nearest station per level,
geodesic metres, covered flags, travel time when known), and coverage_queue, which statement-level
triggers on stations fill with the id of every station inserted, deleted, or updated in its position,
level or status. A TRUNCATE, or a statement touching more than 10,000 stations, queues NULL instead
("recompute everything").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BULK = 10000  # above this many rows in one statement, queue "everything" instead of each id


def _row_columns(extra: list[sa.Column]) -> list[sa.Column]:
    return [
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        *extra,
        sa.Column("township_station_id", sa.BigInteger(), nullable=True),
        sa.Column("township_station_m", sa.Float(), nullable=True),
        sa.Column("covered_township", sa.Boolean(), nullable=False),
        sa.Column("any_station_id", sa.BigInteger(), nullable=True),
        sa.Column("any_station_m", sa.Float(), nullable=True),
        sa.Column("covered_any", sa.Boolean(), nullable=False),
        sa.Column("travel_time_s", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["coverage_runs.id"]),
        sa.PrimaryKeyConstraint("area_code"),
    ]


def _enqueue_function(name: str, changed_ids: str) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"WITH changed AS MATERIALIZED ({changed_ids}), total AS (SELECT count(*) AS n FROM changed) "
        "INSERT INTO coverage_queue (station_id) "
        f"SELECT changed.id FROM changed, total WHERE total.n <= {_BULK} "
        f"UNION ALL SELECT NULL FROM total WHERE total.n > {_BULK}; "
        "RETURN NULL; END $$"
    )


def upgrade() -> None:
    op.create_table(
        "coverage_runs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="running", nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("base_run_id", sa.BigInteger(), nullable=True),
        sa.Column("areas_version", sa.BigInteger(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("phase", sa.Text(), nullable=True),
        sa.Column("progress", sa.Float(), server_default="0", nullable=False),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('full', 'incremental')", name="ck_coverage_runs_kind"),
        sa.CheckConstraint("status IN ('running', 'done', 'failed')", name="ck_coverage_runs_status"),
        sa.CheckConstraint("progress BETWEEN 0 AND 1", name="ck_coverage_runs_progress"),
        sa.ForeignKeyConstraint(["base_run_id"], ["coverage_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "coverage_villages",
        *_row_columns(
            [
                sa.Column("village_station_id", sa.BigInteger(), nullable=True),
                sa.Column("village_station_m", sa.Float(), nullable=True),
                sa.Column("covered_village", sa.Boolean(), nullable=False),
            ]
        ),
    )
    op.create_index(
        "ix_coverage_villages_area_code",
        "coverage_villages",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "text_pattern_ops"},
    )
    op.create_table("coverage_townships", *_row_columns([]))
    op.create_index(
        "ix_coverage_townships_area_code",
        "coverage_townships",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "text_pattern_ops"},
    )
    op.create_table(
        "coverage_queue",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("station_id", sa.BigInteger(), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )

    op.execute(_enqueue_function("vetmap_coverage_enqueue_inserted", "SELECT id FROM new_rows"))
    op.execute(_enqueue_function("vetmap_coverage_enqueue_deleted", "SELECT id FROM old_rows"))
    # only what coverage depends on: position, level and status (ids never change through the API)
    op.execute(
        _enqueue_function(
            "vetmap_coverage_enqueue_updated",
            "SELECT DISTINCT COALESCE(n.id, o.id) AS id FROM new_rows n FULL JOIN old_rows o ON o.id = n.id "
            "WHERE n.id IS NULL OR o.id IS NULL OR n.geom IS DISTINCT FROM o.geom "
            "OR n.level IS DISTINCT FROM o.level OR n.status IS DISTINCT FROM o.status",
        )
    )
    op.execute(
        "CREATE FUNCTION vetmap_coverage_enqueue_all() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO coverage_queue (station_id) VALUES (NULL); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER trg_stations_coverage_inserted AFTER INSERT ON stations "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION vetmap_coverage_enqueue_inserted()"
    )
    op.execute(
        "CREATE TRIGGER trg_stations_coverage_updated AFTER UPDATE ON stations "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION vetmap_coverage_enqueue_updated()"
    )
    op.execute(
        "CREATE TRIGGER trg_stations_coverage_deleted AFTER DELETE ON stations "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION vetmap_coverage_enqueue_deleted()"
    )
    op.execute(
        "CREATE TRIGGER trg_stations_coverage_truncated AFTER TRUNCATE ON stations "
        "FOR EACH STATEMENT EXECUTE FUNCTION vetmap_coverage_enqueue_all()"
    )


def downgrade() -> None:
    for event in ("inserted", "updated", "deleted", "truncated"):
        op.execute(f"DROP TRIGGER IF EXISTS trg_stations_coverage_{event} ON stations")
    for name in ("inserted", "updated", "deleted", "all"):
        op.execute(f"DROP FUNCTION IF EXISTS vetmap_coverage_enqueue_{name}()")
    op.drop_table("coverage_queue")
    op.drop_index(
        "ix_coverage_townships_area_code",
        table_name="coverage_townships",
        postgresql_ops={"area_code": "text_pattern_ops"},
    )
    op.drop_table("coverage_townships")
    op.drop_index(
        "ix_coverage_villages_area_code",
        table_name="coverage_villages",
        postgresql_ops={"area_code": "text_pattern_ops"},
    )
    op.drop_table("coverage_villages")
    op.drop_table("coverage_runs")
