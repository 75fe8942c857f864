"""upkeep

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28

Inspections of memorials, cemeteries and graves (category scores 0-4, condition index 0-100, the five-conditions
checklist, the inspector, an optional GPS position and its accuracy); work orders with a version for optimistic
locking and a history of every change; the date of a scattered grave's care agreement.
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLLECTIONS = "collection IN ('memorials', 'cemeteries', 'graves')"
CATEGORIES = ("monument", "structure", "paths", "greenery", "signage", "enclosure", "cleanliness")
STATUSES = ("reported", "triaged", "assigned", "in_progress", "done", "verified", "rejected", "duplicate")


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.add_column("graves", sa.Column("care_agreed_on", sa.Date(), nullable=True))
    op.create_table(
        "inspections",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("collection", sa.String(length=16), nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        _now("inspected_at"),
        sa.Column("inspector_id", sa.BigInteger(), nullable=True),
        sa.Column("inspector", sa.Text(), nullable=False),
        *(sa.Column(f"score_{c}", sa.SmallInteger(), nullable=True) for c in CATEGORIES),
        sa.Column("condition_index", sa.SmallInteger(), nullable=False),
        sa.Column("infrastructure_complete", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("protection_good", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("institutions_sound", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("management_standard", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("function_effective", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "position",
            geoalchemy2.types.Geometry(geometry_type="POINT", srid=4326, spatial_index=False),
            nullable=True,
        ),
        sa.Column("position_accuracy_m", sa.Float(), nullable=True),
        _now("created_at"),
        sa.CheckConstraint(COLLECTIONS, name="ck_inspections_collection"),
        *(
            sa.CheckConstraint(
                f"score_{c} IS NULL OR score_{c} BETWEEN 0 AND 4", name=f"ck_inspections_score_{c}"
            )
            for c in CATEGORIES
        ),
        sa.CheckConstraint("condition_index BETWEEN 0 AND 100", name="ck_inspections_condition_index"),
        sa.CheckConstraint(
            "position_accuracy_m IS NULL OR position_accuracy_m >= 0", name="ck_inspections_accuracy"
        ),
        sa.ForeignKeyConstraint(["inspector_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_inspections_site", "inspections", ["collection", "site_id", "inspected_at"])
    op.create_index(
        "ix_inspections_area_code",
        "inspections",
        ["area_code"],
        postgresql_ops={"area_code": "text_pattern_ops"},
    )
    op.create_table(
        "work_orders",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("collection", sa.String(length=16), nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="reported", nullable=False),
        sa.Column("priority", sa.String(length=8), server_default="normal", nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("assigned_to", sa.BigInteger(), nullable=True),
        sa.Column("reported_by", sa.BigInteger(), nullable=True),
        sa.Column("inspection_id", sa.BigInteger(), nullable=True),
        sa.Column("duplicate_of", sa.BigInteger(), nullable=True),
        sa.Column("cost_estimate", sa.Numeric(12, 2), nullable=True),
        sa.Column("cost_actual", sa.Numeric(12, 2), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint(COLLECTIONS, name="ck_work_orders_collection"),
        sa.CheckConstraint(_in("status", STATUSES), name="ck_work_orders_status"),
        sa.CheckConstraint(
            _in("priority", ("low", "normal", "high", "urgent")), name="ck_work_orders_priority"
        ),
        sa.CheckConstraint("char_length(btrim(title)) BETWEEN 1 AND 200", name="ck_work_orders_title"),
        sa.CheckConstraint(
            "(status = 'duplicate') = (duplicate_of IS NOT NULL)", name="ck_work_orders_duplicate_of"
        ),
        sa.CheckConstraint(
            "duplicate_of IS NULL OR duplicate_of <> id", name="ck_work_orders_not_own_duplicate"
        ),
        sa.CheckConstraint(
            "(cost_estimate IS NULL OR cost_estimate >= 0) AND (cost_actual IS NULL OR cost_actual >= 0)",
            name="ck_work_orders_costs",
        ),
        sa.CheckConstraint("version >= 1", name="ck_work_orders_version"),
        sa.ForeignKeyConstraint(["assigned_to"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["reported_by"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspections.id"]),
        sa.ForeignKeyConstraint(["duplicate_of"], ["work_orders.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_work_orders_site", "work_orders", ["collection", "site_id"])
    op.create_index(
        "ix_work_orders_area_code",
        "work_orders",
        ["area_code"],
        postgresql_ops={"area_code": "text_pattern_ops"},
    )
    op.create_index("ix_work_orders_assigned_to", "work_orders", ["assigned_to"])
    op.create_table(
        "work_order_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("work_order_id", sa.BigInteger(), nullable=False),
        _now("at"),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["work_order_id"], ["work_orders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_work_order_history_work_order_id", "work_order_history", ["work_order_id"])


def downgrade() -> None:
    op.drop_index("ix_work_order_history_work_order_id", table_name="work_order_history")
    op.drop_table("work_order_history")
    op.drop_index("ix_work_orders_assigned_to", table_name="work_orders")
    op.drop_index(
        "ix_work_orders_area_code", table_name="work_orders", postgresql_ops={"area_code": "text_pattern_ops"}
    )
    op.drop_index("ix_work_orders_site", table_name="work_orders")
    op.drop_table("work_orders")
    op.drop_index(
        "ix_inspections_area_code", table_name="inspections", postgresql_ops={"area_code": "text_pattern_ops"}
    )
    op.drop_index("ix_inspections_site", table_name="inspections")
    op.drop_table("inspections")
    op.drop_column("graves", "care_agreed_on")
