"""The crews' phone app: work orders and merged site edits

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

Issue 21 (work orders on the phone, site edits that merge):

- ``work_order_history.client_key`` (a UUID the phone made for one start or finish): a transition sent again after
  a lost answer finds the history row it made the first time and changes nothing (unique, so two copies sent at
  once still make one row).
- ``crew_site_edits``: the replay keys of the site edits a phone sent (geo/upkeep/site_merge.py), with the site
  and the version the edit made, so an edit sent again is answered as the first time without a second write.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("work_order_history", sa.Column("client_key", sa.Uuid(), nullable=True))
    op.create_index("ux_work_order_history_client_key", "work_order_history", ["client_key"], unique=True)
    op.create_table(
        "crew_site_edits",
        sa.Column("client_key", sa.Uuid(), primary_key=True),
        sa.Column("collection", sa.String(16), nullable=False),
        sa.Column("site_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), sa.ForeignKey("accounts.id"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("crew_site_edits")
    op.drop_index("ux_work_order_history_client_key", table_name="work_order_history")
    op.drop_column("work_order_history", "client_key")
