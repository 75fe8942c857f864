"""What every command-line module shares: a one-line failure, a reported action, the database of a command.

The commands themselves live beside their capability (``geo/<capability>/cli.py``) and are gathered by
``main.py``; imports of the heavy modules stay inside the functions, so ``python main.py --help`` starts fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer

from geo.errors import DomainError
from geo.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import URL, Engine


def fail(message: str) -> NoReturn:
    """Print ``error: message`` in red on stderr and end the command with exit status 1."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@contextmanager
def reported(action: str) -> Iterator[None]:
    """Turn a refused input or a database error of ``action`` into a one-line message and exit status 1."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DomainError as exc:
        fail(exc.message)
    except DBAPIError as exc:
        fail(f"the {action} failed: {str(exc.orig).strip().splitlines()[0]}")


def prepared_url(settings: Settings) -> URL:
    """The database URL of ``settings``, with the embedded cluster started first when it is the one in use."""
    from geo.database.engine import database_url, ensure_embedded_running

    ensure_embedded_running(settings)
    return database_url(settings)


@contextmanager
def command_engine() -> Iterator[Engine]:
    """An engine on the migrated database for one command, disposed when the command is done."""
    from geo.database.engine import make_engine
    from geo.database.migrate import upgrade

    url = prepared_url(Settings())
    upgrade(url)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
