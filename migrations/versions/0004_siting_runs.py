"""siting runs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

siting_runs: one row per siting request (MCLP, LSCP or a target coverage share) with its parameters,
status, progress and, once done, its answer (chosen sites, people newly covered, before/after rates,
the villages each chosen site serves, the proven optimality gap). Long runs are polled through it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "siting_runs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("problem", sa.String(length=16), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="running", nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("phase", sa.Text(), nullable=True),
        sa.Column("progress", sa.Float(), server_default="0", nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint("problem IN ('mclp', 'lscp', 'target_share')", name="ck_siting_runs_problem"),
        sa.CheckConstraint("status IN ('running', 'done', 'failed')", name="ck_siting_runs_status"),
        sa.CheckConstraint("progress BETWEEN 0 AND 1", name="ck_siting_runs_progress"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("siting_runs")
