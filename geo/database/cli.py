"""``python main.py db up | down | status | migrate | backup | restore``: the cluster, migrations, backups; and the
database every other command works on (``command_engine``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from geo.kit.cli import fail, reported
from geo.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import URL, Engine

db_cli = typer.Typer(help="The database: embedded cluster and migrations.", no_args_is_help=True)


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


@db_cli.command("up")
def db_up() -> None:
    """Create (first time) and start the embedded PostgreSQL+PostGIS cluster, then migrate."""
    from geo.database.migrate import upgrade

    settings = Settings()
    if settings.database_url:
        typer.echo("VETMAP_DATABASE_URL is set: using that server, no embedded cluster is started")
    url = prepared_url(settings)
    upgrade(url)
    typer.echo(f"database ready: {url.render_as_string(hide_password=True)}")


@db_cli.command("down")
def db_down() -> None:
    """Stop the embedded cluster."""
    from geo.database.engine import embedded_cluster

    settings = Settings()
    if settings.database_url:
        fail("VETMAP_DATABASE_URL is set: the embedded cluster is not in use")
    embedded_cluster(settings).stop()
    typer.echo("embedded database stopped")


@db_cli.command("status")
def db_status() -> None:
    """Say whether the database is set up, running, and where."""
    from geo.database.engine import embedded_cluster

    settings = Settings()
    if settings.database_url:
        typer.echo("external database (VETMAP_DATABASE_URL)")
        return
    state = embedded_cluster(settings).status(settings.embedded_database)
    if state.initialised:
        typer.echo(f"embedded cluster: {'running' if state.running else 'stopped'}")
    else:
        typer.echo("not created")
    typer.echo(f"data folder: {state.data_dir}")
    if state.url:
        typer.echo(f"url: {state.url}")
    if state.initialised and not state.running:
        raise typer.Exit(3)


@db_cli.command("migrate")
def db_migrate() -> None:
    """Apply pending migrations (idempotent)."""
    from geo.database.migrate import upgrade

    upgrade(prepared_url(Settings()))
    typer.echo("schema up to date")


def _size(n: int) -> str:
    """A byte count for people: MiB from one MiB up, else bytes."""
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n} bytes"


@db_cli.command("backup")
def db_backup(
    file: Annotated[
        Path, typer.Argument(help="the archive to write (pg_dump custom format)", dir_okay=False)
    ],
    force: Annotated[bool, typer.Option("--force", help="replace FILE when it exists")] = False,
) -> None:
    """Back up the whole database (every table, photos included) to FILE with pg_dump."""
    from geo.database.backup import backup_database

    with reported("backup"):
        result = backup_database(prepared_url(Settings()), file, progress=typer.echo, overwrite=force)
    typer.echo(
        f"backup written to {result.path}: {len(result.tables)} tables, {result.rows} rows, "
        f"{_size(result.size_bytes)}"
    )


@db_cli.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="an archive written by `db backup`")],
    database: Annotated[
        str | None,
        typer.Option(help="restore into this database of the server (default: the configured one)"),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="drop a non-empty target database and put the backup in its place")
    ] = False,
) -> None:
    """Restore FILE into an empty database (created with PostGIS when missing); --force replaces a non-empty one."""
    from alembic.script import ScriptDirectory

    from geo.database.backup import restore_database
    from geo.database.migrate import alembic_config

    with reported("restore"):
        url = prepared_url(Settings())
        if database:
            url = url.set(database=database)
        result = restore_database(url, file, force=force, progress=typer.echo)
    typer.echo(
        f"restored into {result.database}: {len(result.tables)} tables, {result.rows} rows "
        f"from {_size(result.archive.size_bytes)}"
    )
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    if result.schema_revision != head:
        typer.echo(
            f"note: the backup's schema is at revision {result.schema_revision}, this code at {head}: "
            "run `python main.py db migrate` before serving it"
        )
