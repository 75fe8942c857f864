"""Following public problem reports

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

``report_followers``: one row per private follow link of a public report (issue 22). The reporter gets one when
filing; a visitor who finds the same problem already reported while placing the pin follows it instead of filing a
duplicate (``role`` ``follower``: a "+1" staff see as a number). Only the SHA-256 (hex) of the link's random token is
kept; ``last_seen_at`` is the follower's last visit, so the link lists what changed publicly since; ``visits``
counts the visits. Rows go with their work order.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "report_followers",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("work_order_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        _now("created_at"),
        _now("last_seen_at"),
        sa.Column("visits", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("role IN ('reporter', 'follower')", name="ck_report_followers_role"),
        sa.ForeignKeyConstraint(["work_order_id"], ["work_orders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_report_followers_token_hash"),
    )
    op.create_index("ix_report_followers_work_order", "report_followers", ["work_order_id", "role"])


def downgrade() -> None:
    op.drop_table("report_followers")
