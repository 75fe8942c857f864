"""寻亲 follow-up: a requester's code, notes public and internal, follow-up attempts

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

- ``family_requests.follow_up_hash``: the keyed hash (HMAC-SHA-256, hex) of the code a requester is given once, at
  submission, to follow their request at ``/family-search/{reference}``; the code itself is never stored.
  Requests filed before have none (staff answer them by phone or e-mail).
- ``family_request_notes``: notes staff add to a request, each public (shown to the requester who passes the
  check) or internal (staff only), with who wrote it and when; deleted with their request.
- ``family_follow_up_attempts``: each check of a follow-up code (the request id asked for, even one that does not
  exist, and the keyed hash of the client address), so repeated wrong codes are refused for a while.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def upgrade() -> None:
    op.add_column("family_requests", sa.Column("follow_up_hash", sa.String(length=64), nullable=True))
    op.create_table(
        "family_request_notes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        _now("created_at"),
        sa.CheckConstraint(
            "char_length(btrim(body)) BETWEEN 1 AND 2000", name="ck_family_request_notes_body"
        ),
        sa.ForeignKeyConstraint(["request_id"], ["family_requests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_family_request_notes_request", "family_request_notes", ["request_id", "created_at"])
    op.create_table(
        "family_follow_up_attempts",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("request_id", sa.BigInteger(), nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        _now("attempted_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_family_follow_up_attempts_request", "family_follow_up_attempts", ["request_id", "attempted_at"]
    )
    op.create_index(
        "ix_family_follow_up_attempts_client", "family_follow_up_attempts", ["client_hash", "attempted_at"]
    )


def downgrade() -> None:
    op.drop_table("family_follow_up_attempts")
    op.drop_table("family_request_notes")
    op.drop_column("family_requests", "follow_up_hash")
