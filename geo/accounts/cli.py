"""``python main.py user add | list | disable | set-password | token``; audit lines of command-line writes."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from geo.database.cli import command_engine
from geo.kit.cli import fail

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from geo.accounts.users import AccountInfo

user_cli = typer.Typer(
    help="Accounts: roles crew, planner, admin, each scoped to an area code (none: the whole atlas). "
    "Passwords are read from a hidden prompt or, with --password-stdin, from standard input; never from the "
    "command line.",
    no_args_is_help=True,
)


def audit_cli_write(
    engine: Engine,
    action: str,
    collection: str,
    record_id: int,
    after: dict | None,
    area: str | None = None,
) -> None:
    """Log a write made at the command line (actor ``cli``) in the audit log."""
    from geo.accounts.audit import CLI_ACTOR, record_now

    record_now(engine, CLI_ACTOR, action, collection, record_id, area_code=area, after=after)


def _read_password(password_stdin: bool) -> str:
    """A password from standard input (first line) or a hidden prompt asked twice; never from argv."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail("no password on standard input")
        return password
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


def _account_line(account: AccountInfo) -> str:
    """One account as a line of ``user list``: id, username, role, area, whether disabled."""
    area = f"{account.area_code} {account.area_name or ''}".strip() if account.area_code else "whole atlas"
    state = " (disabled)" if account.disabled else ""
    return f"{account.id:>4}  {account.username:<20} {account.role:<8} {area}{state}"


def _find_user(conn: Connection, username: str) -> AccountInfo:
    """The account named ``username``, or the command fails with a message."""
    from geo.accounts.users import find_account

    account = find_account(conn, username)
    if account is None:
        fail(f"no account named {username!r}")
    return account


@user_cli.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="lower-case letters, digits, '.', '_' or '-'")],
    role: Annotated[str, typer.Option(help="crew, planner or admin")],
    area: Annotated[
        str | None, typer.Option(help="area code the rights hold in (with everything inside it)")
    ] = None,
    national: Annotated[
        bool, typer.Option("--national", help="rights in the whole atlas (instead of --area)")
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input, not a prompt")
    ] = False,
) -> None:
    """Create an account; the password is prompted for (hidden) or read from stdin, never given as an argument."""
    from geo.accounts.audit import CLI_ACTOR
    from geo.accounts.users import create_account

    if national == (area is not None):
        fail("give either --area CODE or --national")
    password = _read_password(password_stdin)
    with command_engine() as engine, engine.begin() as conn:
        account = create_account(conn, CLI_ACTOR, username, password, role, area)
    typer.echo("created " + _account_line(account).strip())


@user_cli.command("list")
def user_list() -> None:
    """Every account: id, username, role, area, whether disabled."""
    from geo.accounts.users import list_accounts

    with command_engine() as engine, engine.connect() as conn:
        found = list_accounts(conn)
    for account in found:
        typer.echo(_account_line(account))
    if not found:
        typer.echo("no accounts yet: `python main.py user add NAME --role admin --national`")


@user_cli.command("disable")
def user_disable(
    username: Annotated[str, typer.Argument(help="the account")],
    enable: Annotated[bool, typer.Option("--enable", help="enable it again instead")] = False,
) -> None:
    """Disable an account (signed out everywhere, its API tokens revoked for good), or enable it again (with no
    old token: make new ones with `user token`)."""
    from geo.accounts.audit import CLI_ACTOR
    from geo.accounts.users import update_account

    with command_engine() as engine, engine.begin() as conn:
        account = update_account(conn, CLI_ACTOR, _find_user(conn, username).id, disabled=not enable)
    typer.echo(("enabled " if enable else "disabled ") + _account_line(account).strip())


@user_cli.command("set-password")
def user_set_password(
    username: Annotated[str, typer.Argument(help="the account")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input, not a prompt")
    ] = False,
) -> None:
    """Set a new password (prompted for, hidden, or read from stdin); signed out everywhere, API tokens revoked."""
    from geo.accounts.audit import CLI_ACTOR
    from geo.accounts.users import update_account

    password = _read_password(password_stdin)
    with command_engine() as engine, engine.begin() as conn:
        update_account(conn, CLI_ACTOR, _find_user(conn, username).id, password=password)
    typer.echo(f"password of {username} changed")


@user_cli.command("token")
def user_token(
    username: Annotated[str, typer.Argument(help="the account the token acts as")],
    name: Annotated[str, typer.Option(help="what the token is for")] = "command line",
) -> None:
    """Create a long-lived API token (vmt_...) for an account and print it once; admins revoke it over the API."""
    from geo.accounts.audit import CLI_ACTOR
    from geo.accounts.credentials import create_api_token

    with command_engine() as engine, engine.begin() as conn:
        token, info = create_api_token(conn, CLI_ACTOR, _find_user(conn, username).id, name)
    typer.echo(token)
    typer.echo(f"API token {info.id} ({info.prefix}...) for {username}: shown once, store it now", err=True)
