"""public: martyr records, name search by pinyin, tributes, family-search requests, public damage reports

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28

- ``martyrs`` (英名录): name (or unnamed), pinyin and initials of the name (written by the application with
  pypinyin), birth year, date/year and place of death, hometown, unit, burial place (a grave, a cemetery or a
  memorial's name wall) and the relatives-found flag; trigram (pg_trgm) and prefix indexes for name search.
- ``name_pinyin`` / ``name_initials`` on memorials and cemeteries for the public search.
- ``tributes`` (云祭扫): flowers and messages on a martyr's or a memorial's page, messages moderated.
- ``family_requests`` (寻亲): what a relative knows and how to reach them; staff handle them.
- Public damage reports (web form and Open311 GeoReport v2) are work orders with ``source`` public/open311, a
  ``category`` (the Open311 service code), the reporter's contact (private), the pin and a public status note;
  their photos have stage ``report``.
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSIONED = ("martyrs", "family_requests", "work_orders")
TARGETS = "target IN ('martyrs', 'memorials', 'cemeteries')"


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def _trgm(name: str, table: str, column: str) -> None:
    op.create_index(name, table, [column], postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


def _prefix(name: str, table: str, column: str) -> None:
    op.create_index(name, table, [column], postgresql_ops={column: "text_pattern_ops"})


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in ("memorials", "cemeteries"):
        op.add_column(table, sa.Column("name_pinyin", sa.Text(), nullable=True))
        op.add_column(table, sa.Column("name_initials", sa.Text(), nullable=True))
        _trgm(f"ix_{table}_name_trgm", table, "name")
        _trgm(f"ix_{table}_name_pinyin_trgm", table, "name_pinyin")
        _prefix(f"ix_{table}_name_initials", table, "name_initials")

    op.create_table(
        "martyrs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("unnamed", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("name_pinyin", sa.Text(), nullable=True),
        sa.Column("name_initials", sa.Text(), nullable=True),
        sa.Column("gender", sa.String(length=8), nullable=True),
        sa.Column("birth_year", sa.SmallInteger(), nullable=True),
        sa.Column("death_date", sa.Date(), nullable=True),
        sa.Column("death_year", sa.SmallInteger(), nullable=True),
        sa.Column("place_of_death", sa.Text(), nullable=True),
        sa.Column("hometown", sa.Text(), nullable=True),
        sa.Column("hometown_area_code", sa.String(length=12), nullable=True),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("biography", sa.Text(), nullable=True),
        sa.Column("grave_id", sa.BigInteger(), nullable=True),
        sa.Column("cemetery_id", sa.BigInteger(), nullable=True),
        sa.Column("memorial_id", sa.BigInteger(), nullable=True),
        sa.Column("burial_note", sa.Text(), nullable=True),
        sa.Column("area_code", sa.String(length=12), nullable=True),
        sa.Column("relatives_found", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint("char_length(btrim(name)) BETWEEN 1 AND 100", name="ck_martyrs_name"),
        sa.CheckConstraint("gender IS NULL OR gender IN ('male', 'female')", name="ck_martyrs_gender"),
        sa.CheckConstraint(
            "birth_year IS NULL OR birth_year BETWEEN 1800 AND 2100", name="ck_martyrs_birth_year"
        ),
        sa.CheckConstraint(
            "death_year IS NULL OR death_year BETWEEN 1800 AND 2100", name="ck_martyrs_death_year"
        ),
        sa.CheckConstraint(
            "death_date IS NULL OR death_year IS NULL OR extract(year FROM death_date) = death_year",
            name="ck_martyrs_death_date_year",
        ),
        sa.CheckConstraint("version >= 1", name="ck_martyrs_version"),
        sa.ForeignKeyConstraint(["hometown_area_code"], ["areas.code"]),
        sa.ForeignKeyConstraint(["grave_id"], ["graves.id"]),
        sa.ForeignKeyConstraint(["cemetery_id"], ["cemeteries.id"]),
        sa.ForeignKeyConstraint(["memorial_id"], ["memorials.id"]),
        sa.ForeignKeyConstraint(["area_code"], ["areas.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code", name="uq_martyrs_code"),
    )
    _trgm("ix_martyrs_name_trgm", "martyrs", "name")
    _trgm("ix_martyrs_name_pinyin_trgm", "martyrs", "name_pinyin")
    _prefix("ix_martyrs_name_initials", "martyrs", "name_initials")
    _trgm("ix_martyrs_hometown_trgm", "martyrs", "hometown")
    _trgm("ix_martyrs_unit_trgm", "martyrs", "unit")
    op.create_index("ix_martyrs_death_year", "martyrs", ["death_year"])
    op.create_index("ix_martyrs_grave_id", "martyrs", ["grave_id"])
    op.create_index("ix_martyrs_cemetery_id", "martyrs", ["cemetery_id"])
    op.create_index("ix_martyrs_memorial_id", "martyrs", ["memorial_id"])
    _prefix("ix_martyrs_area_code", "martyrs", "area_code")

    op.create_table(
        "tributes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=True),
        _now("created_at"),
        sa.Column("moderated_by", sa.BigInteger(), nullable=True),
        sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(TARGETS, name="ck_tributes_target"),
        sa.CheckConstraint("kind IN ('flower', 'candle', 'message')", name="ck_tributes_kind"),
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="ck_tributes_status"),
        sa.CheckConstraint("(kind = 'message') = (message IS NOT NULL)", name="ck_tributes_message_kind"),
        sa.CheckConstraint(
            "message IS NULL OR char_length(message) <= 500", name="ck_tributes_message_length"
        ),
        sa.ForeignKeyConstraint(["moderated_by"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tributes_target", "tributes", ["target", "target_id", "status"])
    op.create_index("ix_tributes_status", "tributes", ["status"])

    op.create_table(
        "family_requests",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("martyr_id", sa.BigInteger(), nullable=True),
        sa.Column("martyr_name", sa.Text(), nullable=False),
        sa.Column("hometown", sa.Text(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("death_year", sa.SmallInteger(), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("requester_name", sa.Text(), nullable=False),
        sa.Column("relation", sa.Text(), nullable=True),
        sa.Column("contact_phone", sa.String(length=32), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("area_code", sa.String(length=12), nullable=True),
        sa.Column("status", sa.String(length=12), server_default="new", nullable=False),
        sa.Column("staff_note", sa.Text(), nullable=True),
        sa.Column("handled_by", sa.BigInteger(), nullable=True),
        sa.Column("client_hash", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint(
            "status IN ('new', 'in_progress', 'found', 'closed')", name="ck_family_requests_status"
        ),
        sa.CheckConstraint(
            "contact_phone IS NOT NULL OR contact_email IS NOT NULL", name="ck_family_requests_contact"
        ),
        sa.CheckConstraint(
            "char_length(btrim(martyr_name)) BETWEEN 1 AND 100", name="ck_family_requests_martyr_name"
        ),
        sa.CheckConstraint("version >= 1", name="ck_family_requests_version"),
        sa.ForeignKeyConstraint(["martyr_id"], ["martyrs.id"]),
        sa.ForeignKeyConstraint(["area_code"], ["areas.code"]),
        sa.ForeignKeyConstraint(["handled_by"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    _prefix("ix_family_requests_area_code", "family_requests", "area_code")
    op.create_index("ix_family_requests_status", "family_requests", ["status"])

    # one version mechanism for every versioned table: the row trigger of migration 0008 (work orders raised
    # their version by hand before)
    for table in VERSIONED:
        op.execute(
            f"CREATE TRIGGER trg_{table}_row_version BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION vetmap_bump_row_version()"
        )
    op.add_column(
        "work_orders", sa.Column("source", sa.String(length=8), server_default="staff", nullable=False)
    )
    op.add_column("work_orders", sa.Column("category", sa.String(length=32), nullable=True))
    op.add_column(
        "work_orders", sa.Column("reporter", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )
    op.add_column(
        "work_orders",
        sa.Column(
            "position",
            geoalchemy2.types.Geometry(geometry_type="POINT", srid=4326, spatial_index=False),
            nullable=True,
        ),
    )
    op.add_column("work_orders", sa.Column("public_note", sa.Text(), nullable=True))
    op.create_check_constraint(
        "ck_work_orders_source", "work_orders", "source IN ('staff', 'public', 'open311')"
    )
    op.create_index("ix_work_orders_source", "work_orders", ["source"])
    op.drop_constraint("ck_photos_stage", "photos", type_="check")
    op.drop_constraint("ck_photos_work_order_stage", "photos", type_="check")
    op.create_check_constraint(
        "ck_photos_stage", "photos", "stage IN ('site', 'inspection', 'before', 'after', 'report')"
    )
    op.create_check_constraint(
        "ck_photos_work_order_stage",
        "photos",
        "(stage IN ('before', 'after', 'report')) = (work_order_id IS NOT NULL)",
    )


def downgrade() -> None:
    for table in VERSIONED:
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_row_version ON {table}")
    op.drop_constraint("ck_photos_work_order_stage", "photos", type_="check")
    op.drop_constraint("ck_photos_stage", "photos", type_="check")
    op.execute("DELETE FROM photos WHERE stage = 'report'")
    op.create_check_constraint(
        "ck_photos_stage", "photos", "stage IN ('site', 'inspection', 'before', 'after')"
    )
    op.create_check_constraint(
        "ck_photos_work_order_stage", "photos", "(stage IN ('before', 'after')) = (work_order_id IS NOT NULL)"
    )
    op.drop_index("ix_work_orders_source", table_name="work_orders")
    op.drop_constraint("ck_work_orders_source", "work_orders", type_="check")
    for column in ("public_note", "position", "reporter", "category", "source"):
        op.drop_column("work_orders", column)
    op.drop_table("family_requests")
    op.drop_table("tributes")
    op.drop_table("martyrs")
    for table in ("memorials", "cemeteries"):
        op.drop_index(f"ix_{table}_name_initials", table_name=table)
        op.drop_index(f"ix_{table}_name_pinyin_trgm", table_name=table)
        op.drop_index(f"ix_{table}_name_trgm", table_name=table)
        op.drop_column(table, "name_initials")
        op.drop_column(table, "name_pinyin")
