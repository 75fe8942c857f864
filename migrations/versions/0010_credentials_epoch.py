"""credentials epoch on web sessions; API tokens of disabled accounts revoked

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

- ``web_sessions.auth_version``: the account's credentials epoch (``accounts.auth_version``) the session was
  started in. A session holds only while the account's epoch is the same, so a password change, disabling, a new
  role or area ends every session started before, even one started by a login that raced the change. Existing
  sessions take their account's current epoch.
- API tokens of accounts disabled today are revoked (``revoked_at``): from now on disabling revokes them for good,
  and an account enabled again must not find its old tokens working; each revocation is audited. Not undone by
  the downgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("web_sessions", sa.Column("auth_version", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE web_sessions s SET auth_version = a.auth_version FROM accounts a WHERE a.id = s.account_id"
    )
    op.alter_column("web_sessions", "auth_version", nullable=False)
    # revoked and audited in one statement (the audit log is append-only: an INSERT is all it takes)
    op.execute(
        """
        WITH revoked AS (
            UPDATE api_tokens t SET revoked_at = now() FROM accounts a
            WHERE a.id = t.account_id AND a.disabled AND t.revoked_at IS NULL
            RETURNING t.id, t.account_id, t.name, t.prefix, t.revoked_at, a.area_code
        )
        INSERT INTO audit_log (actor, role, action, collection, record_id, area_code, after)
        SELECT 'migration 0010', 'admin', 'revoke', 'api_tokens', id, area_code,
               jsonb_build_object('id', id, 'account_id', account_id, 'name', name, 'prefix', prefix,
                                  'revoked_at', revoked_at, 'reason', 'account disabled')
        FROM revoked
        """
    )


def downgrade() -> None:
    op.drop_column("web_sessions", "auth_version")
