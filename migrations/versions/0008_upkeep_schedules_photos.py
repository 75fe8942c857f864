"""upkeep: versions, schedules, campaigns, photos, replay keys

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28

- Every editable site row (stations, memorials, cemeteries, graves) gets a ``version``; a row trigger raises it by
  one on every UPDATE that changes the row (any column but version, updated_at and generated ones), so any writer (API, CLI, an inspection refreshing the condition) makes
  a stale copy detectable (If-Match / version field, 412/409).
- ``client_key`` (a UUID the phone makes) on inspections, work orders and photos: a submission sent again after a
  lost answer finds the record it made the first time instead of making a second one.
- Work orders get a ``kind`` (repair, cleaning, tribute) and the ``campaign`` that made them (Qingming,
  Martyrs' Day 9·30); one task per campaign, site and kind.
- ``photos``: images (bytes in the database, so backups and replicas carry them) of a site, an inspection or a
  work order (before / after), with the GPS position and accuracy (from the phone or the image's EXIF).
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SITES = ("stations", "memorials", "cemeteries", "graves")
COLLECTIONS = "collection IN ('memorials', 'cemeteries', 'graves')"


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def upgrade() -> None:
    # a row "changes" when any column but the bookkeeping ones differs: updated_at is stamped by every write, and a
    # generated column (protection_zone_m2) is still NULL in NEW when a BEFORE trigger runs
    same = " - 'version' - 'updated_at' - 'protection_zone_m2'"
    op.execute(
        "CREATE FUNCTION vetmap_bump_row_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF (to_jsonb(NEW){same}) IS DISTINCT FROM (to_jsonb(OLD){same}) THEN "
        "NEW.version := OLD.version + 1; END IF; RETURN NEW; END $$"
    )
    for table in SITES:
        op.add_column(table, sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        op.create_check_constraint(f"ck_{table}_version", table, "version >= 1")
        op.execute(
            f"CREATE TRIGGER trg_{table}_row_version BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION vetmap_bump_row_version()"
        )
    op.add_column("inspections", sa.Column("client_key", sa.Uuid(), nullable=True))
    op.create_index("ux_inspections_client_key", "inspections", ["client_key"], unique=True)

    op.create_table(
        "campaigns",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        _now("created_at"),
        sa.CheckConstraint("kind IN ('qingming', 'martyrs_day', 'other')", name="ck_campaigns_kind"),
        sa.CheckConstraint("due_on >= starts_on", name="ck_campaigns_dates"),
        sa.CheckConstraint("char_length(btrim(title)) BETWEEN 1 AND 200", name="ck_campaigns_title"),
        sa.ForeignKeyConstraint(["area_code"], ["areas.code"]),
        sa.ForeignKeyConstraint(["created_by"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "area_code", "year", name="uq_campaigns_kind_area_year"),
    )
    op.add_column(
        "work_orders", sa.Column("kind", sa.String(length=16), server_default="repair", nullable=False)
    )
    op.add_column("work_orders", sa.Column("campaign_id", sa.BigInteger(), nullable=True))
    op.add_column("work_orders", sa.Column("client_key", sa.Uuid(), nullable=True))
    op.create_check_constraint(
        "ck_work_orders_kind", "work_orders", "kind IN ('repair', 'cleaning', 'tribute')"
    )
    op.create_foreign_key("work_orders_campaign_id_fkey", "work_orders", "campaigns", ["campaign_id"], ["id"])
    op.create_index("ux_work_orders_client_key", "work_orders", ["client_key"], unique=True)
    op.create_index(
        "ux_work_orders_campaign_task",
        "work_orders",
        ["campaign_id", "collection", "site_id", "kind"],
        unique=True,
        postgresql_where=sa.text("campaign_id IS NOT NULL"),
    )

    op.create_table(
        "photos",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("collection", sa.String(length=16), nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("inspection_id", sa.BigInteger(), nullable=True),
        sa.Column("work_order_id", sa.BigInteger(), nullable=True),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=True),
        sa.Column(
            "position",
            geoalchemy2.types.Geometry(geometry_type="POINT", srid=4326, spatial_index=False),
            nullable=True,
        ),
        sa.Column("position_accuracy_m", sa.Float(), nullable=True),
        sa.Column("position_source", sa.String(length=8), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("public", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("uploaded_by", sa.BigInteger(), nullable=True),
        sa.Column("client_key", sa.Uuid(), nullable=True),
        _now("uploaded_at"),
        sa.CheckConstraint(COLLECTIONS, name="ck_photos_collection"),
        sa.CheckConstraint("stage IN ('site', 'inspection', 'before', 'after')", name="ck_photos_stage"),
        sa.CheckConstraint(
            "(stage = 'inspection') = (inspection_id IS NOT NULL)", name="ck_photos_inspection_stage"
        ),
        sa.CheckConstraint(
            "(stage IN ('before', 'after')) = (work_order_id IS NOT NULL)", name="ck_photos_work_order_stage"
        ),
        sa.CheckConstraint(
            "content_type IN ('image/jpeg', 'image/png', 'image/webp')", name="ck_photos_content_type"
        ),
        sa.CheckConstraint("byte_size > 0 AND width > 0 AND height > 0", name="ck_photos_size"),
        sa.CheckConstraint(
            "position_accuracy_m IS NULL OR position_accuracy_m >= 0", name="ck_photos_accuracy"
        ),
        sa.CheckConstraint(
            "position_source IS NULL OR position_source IN ('device', 'exif')",
            name="ck_photos_position_source",
        ),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspections.id"]),
        sa.ForeignKeyConstraint(["work_order_id"], ["work_orders.id"]),
        sa.ForeignKeyConstraint(["uploaded_by"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_photos_site", "photos", ["collection", "site_id"])
    op.create_index("ix_photos_inspection_id", "photos", ["inspection_id"])
    op.create_index("ix_photos_work_order_id", "photos", ["work_order_id"])
    op.create_index("ux_photos_client_key", "photos", ["client_key"], unique=True)
    op.create_index(
        "ix_photos_area_code", "photos", ["area_code"], postgresql_ops={"area_code": "text_pattern_ops"}
    )


def downgrade() -> None:
    op.drop_index(
        "ix_photos_area_code", table_name="photos", postgresql_ops={"area_code": "text_pattern_ops"}
    )
    op.drop_index("ux_photos_client_key", table_name="photos")
    op.drop_index("ix_photos_work_order_id", table_name="photos")
    op.drop_index("ix_photos_inspection_id", table_name="photos")
    op.drop_index("ix_photos_site", table_name="photos")
    op.drop_table("photos")
    op.drop_index("ux_work_orders_campaign_task", table_name="work_orders")
    op.drop_index("ux_work_orders_client_key", table_name="work_orders")
    op.drop_constraint("work_orders_campaign_id_fkey", "work_orders", type_="foreignkey")
    op.drop_constraint("ck_work_orders_kind", "work_orders", type_="check")
    op.drop_column("work_orders", "client_key")
    op.drop_column("work_orders", "campaign_id")
    op.drop_column("work_orders", "kind")
    op.drop_table("campaigns")
    op.drop_index("ux_inspections_client_key", table_name="inspections")
    op.drop_column("inspections", "client_key")
    for table in SITES:
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_row_version ON {table}")
        op.drop_constraint(f"ck_{table}_version", table, type_="check")
        op.drop_column(table, "version")
    op.execute("DROP FUNCTION IF EXISTS vetmap_bump_row_version()")
