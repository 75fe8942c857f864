"""Test helpers for accounts: national admins and their API tokens, on any test database."""

from __future__ import annotations

from sqlalchemy import Engine, text

from geo.accounts import create_account, find_account
from geo.audit import CLI_ACTOR
from geo.credentials import create_api_token


def national_admin_token(engine: Engine, username: str = "test-admin") -> str:
    """A new API token of a national admin (the whole atlas) in the engine's database; the account is made once."""
    with engine.begin() as conn:
        account = find_account(conn, username) or create_account(
            conn, CLI_ACTOR, username, "test-admin-password", "admin", None
        )
        token, _ = create_api_token(conn, CLI_ACTOR, account.id, "test suite")
    return token


def admin_headers(engine: Engine) -> dict[str, str]:
    """Authorization headers of a national admin in the engine's database (for apps on databases of their own)."""
    return {"Authorization": f"Bearer {national_admin_token(engine)}"}


SITE_TABLES = ("graves", "cemeteries", "memorials", "stations")


def newest_site_ids(engine: Engine) -> dict[str, int]:
    """The highest id of each site table now (0 when empty)."""
    with engine.connect() as conn:
        return {
            t: conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {t}")).scalar_one() for t in SITE_TABLES
        }


def remove_sites_after(engine: Engine, newest: dict[str, int]) -> None:
    """Delete the sites made since ``newest`` (so later modules see the demo atlas as it was)."""
    with engine.begin() as conn:
        for table in SITE_TABLES:
            conn.execute(text(f"DELETE FROM {table} WHERE id > :n"), {"n": newest[table]})
