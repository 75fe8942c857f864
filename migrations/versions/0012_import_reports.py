"""Import reports in the database (no longer files under the server's var dir)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

- ``import_reports``: each upload's report (dry run or import), listed on /staff/imports for the staff of its
  area and reopened by its unguessable ``token``: who uploaded it (``owner_id``, ``username``) for which area,
  the collection and file name, ``dry_run`` and when a dry run was committed (``committed_at``), the counts
  (``totals``) and the row-by-row report with its reasons (``report``, JSON).
- A dry run keeps its file (``upload``, with the ``options`` it was checked with) until ``upload_expires_at`` so
  its uploader can commit it without a second upload; cleared once committed or expired.
- An upload's rejected rows (``rejects``, downloaded as ``rejects_filename`` by its uploader under
  ``rejects_token``) until ``rejects_expires_at``; cleared once expired.
- Listing an area's newest reports reads the index ``(area_code, created_at DESC)``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_reports",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=True),
        sa.Column("collection", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("totals", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("report", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "options",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("upload", sa.LargeBinary(), nullable=True),
        sa.Column("upload_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejects_token", sa.String(length=64), nullable=True),
        sa.Column("rejects_filename", sa.Text(), nullable=True),
        sa.Column("rejects", sa.LargeBinary(), nullable=True),
        sa.Column("rejects_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("upload IS NULL OR dry_run", name="ck_import_reports_upload_dry_run"),
        sa.CheckConstraint("committed_at IS NULL OR dry_run", name="ck_import_reports_committed_dry_run"),
        sa.ForeignKeyConstraint(["owner_id"], ["accounts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token", name="uq_import_reports_token"),
        sa.UniqueConstraint("rejects_token", name="uq_import_reports_rejects_token"),
    )
    op.create_index(
        "ix_import_reports_area_created", "import_reports", ["area_code", sa.text("created_at DESC")]
    )
    op.create_index("ix_import_reports_created", "import_reports", ["created_at"])


def downgrade() -> None:
    op.drop_table("import_reports")
