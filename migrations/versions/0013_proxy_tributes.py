"""Proxy tribute requests (代祭扫)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

``proxy_tributes``: a family far away asks the bureau to tend a martyr's grave (clean the stone, lay flowers) on a
day it wishes (issue 22). The request names the grave (found from the martyr), belongs to the grave's area, keeps
the requester's contact (personal data, staff only), the message to lay with the flowers, and only the SHA-256 (hex)
of its private follow token. Staff accept it (it becomes the work order ``work_order_id`` of the new kind
``proxy_tribute``, due on the wished day) or decline it with a reason the family reads. The client address is kept
only as a keyed hash, to count bursts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "kind IN ('repair', 'cleaning', 'tribute')"
NEW_KINDS = "kind IN ('repair', 'cleaning', 'tribute', 'proxy_tribute')"


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def upgrade() -> None:
    op.drop_constraint("ck_work_orders_kind", "work_orders", type_="check")
    op.create_check_constraint("ck_work_orders_kind", "work_orders", NEW_KINDS)
    op.create_table(
        "proxy_tributes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("martyr_id", sa.BigInteger(), nullable=True),
        sa.Column("grave_id", sa.BigInteger(), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=True),
        sa.Column("requester_name", sa.Text(), nullable=False),
        sa.Column("relation", sa.Text(), nullable=True),
        sa.Column("contact_phone", sa.String(length=32), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("clean_stone", sa.Boolean(), nullable=False),
        sa.Column("lay_flowers", sa.Boolean(), nullable=False),
        sa.Column("wished_on", sa.Date(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=12), server_default="received", nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("work_order_id", sa.BigInteger(), nullable=True),
        sa.Column("handled_by", sa.BigInteger(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=True),
        _now("created_at"),
        _now("updated_at"),
        sa.CheckConstraint("status IN ('received', 'accepted', 'declined')", name="ck_proxy_tributes_status"),
        sa.CheckConstraint(
            "contact_phone IS NOT NULL OR contact_email IS NOT NULL", name="ck_proxy_tributes_contact"
        ),
        sa.CheckConstraint("clean_stone OR lay_flowers", name="ck_proxy_tributes_tasks"),
        sa.CheckConstraint(
            "(status = 'accepted') = (work_order_id IS NOT NULL)", name="ck_proxy_tributes_order"
        ),
        sa.ForeignKeyConstraint(["martyr_id"], ["martyrs.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["grave_id"], ["graves.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["area_code"], ["areas.code"]),
        sa.ForeignKeyConstraint(["work_order_id"], ["work_orders.id"]),
        sa.ForeignKeyConstraint(["handled_by"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_proxy_tributes_token_hash"),
    )
    op.create_index("ix_proxy_tributes_area_status", "proxy_tributes", ["area_code", "status"])
    op.create_index("ix_proxy_tributes_client", "proxy_tributes", ["client_hash", "created_at"])


def downgrade() -> None:
    op.drop_table("proxy_tributes")
    op.execute("UPDATE work_orders SET kind = 'tribute' WHERE kind = 'proxy_tribute'")
    op.drop_constraint("ck_work_orders_kind", "work_orders", type_="check")
    op.create_check_constraint("ck_work_orders_kind", "work_orders", OLD_KINDS)
