"""Importing registers as bureaus keep them

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

Issue 23 needs no schema change: rows without a code are matched to the stored records by their natural key in
the import's transaction (geo/importing/keys.py: a hash join on the normalised name, filtered by area), and new
records get a generated code in the existing ``code`` column (unique already). An index on (area_code, name) was
measured unnecessary: the join reads the collection once per import, not once per row.
"""

from collections.abc import Sequence

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
