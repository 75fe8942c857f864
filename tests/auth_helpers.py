"""Test helpers for accounts (national admins, staff of given roles and areas, their API tokens) and for leaving
the demo atlas's sites as they were, on any test database."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

from geo.accounts.audit import CLI_ACTOR
from geo.accounts.credentials import create_api_token
from geo.accounts.users import create_account, find_account


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


def staff_accounts(
    engine: Engine, specs: Iterable[tuple[str, str, str | None]], prefix: str
) -> dict[str, tuple[int, dict[str, str]]]:
    """Accounts ``<prefix>-<key>`` of each (key, role, area), each with an API token: {key: (id, bearer headers)}."""
    out = {}
    with engine.begin() as conn:
        for key, role, area in specs:
            account = create_account(conn, CLI_ACTOR, f"{prefix}-{key}", f"{prefix}-password", role, area)
            token, _ = create_api_token(conn, CLI_ACTOR, account.id, prefix)
            out[key] = (account.id, {"Authorization": f"Bearer {token}"})
    return out


def each_role_in(areas: dict[str, str | None], roles: Iterable[str] = ("crew", "planner", "admin")) -> list:
    """Specs for ``staff_accounts``: one account '<role>-<area key>' of every role in every area."""
    return [(f"{role}-{key}", role, area) for role in roles for key, area in areas.items()]


def headers_only(accounts: dict[str, tuple[int, dict[str, str]]]) -> dict[str, dict[str, str]]:
    """The bearer headers of ``staff_accounts``' answer, by key."""
    return {key: headers for key, (_, headers) in accounts.items()}


def headers_of(accounts: dict[str, tuple[int, dict[str, str]]], key: str) -> dict[str, str]:
    """The bearer headers of one account of ``staff_accounts``' answer."""
    return accounts[key][1]


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


@contextmanager
def sites_kept(engine: Engine) -> Iterator[None]:
    """Remove, on leaving, every site made inside (the demo atlas is left as it was)."""
    newest = newest_site_ids(engine)
    try:
        yield
    finally:
        remove_sites_after(engine, newest)
