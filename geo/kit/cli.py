"""What every command-line module shares: a one-line failure and a reported action.

The commands themselves live beside their capability (``geo/<capability>/cli.py``) and are gathered by
``main.py``; imports of the heavy modules stay inside the functions, so ``python main.py --help`` starts fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer

from geo.errors import DomainError


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
