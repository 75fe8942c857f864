"""VetMap command line: ``python main.py serve | db ... | demo ...``; ``main:app`` for uvicorn."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from geo.errors import DomainError
from geo.settings import Settings

cli = typer.Typer(
    help="VetMap: veterans' service stations, memorials and cemeteries on PostGIS.", no_args_is_help=True
)
db_cli = typer.Typer(help="The database: embedded cluster and migrations.", no_args_is_help=True)
demo_cli = typer.Typer(help="The demo atlas.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(demo_cli, name="demo")


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _prepared_url(settings: Settings):
    from geo.db import database_url, ensure_embedded_running

    ensure_embedded_running(settings)
    return database_url(settings)


@db_cli.command("up")
def db_up() -> None:
    """Create (first time) and start the embedded PostgreSQL+PostGIS cluster, then migrate."""
    from geo.migrate import upgrade

    settings = Settings()
    if settings.database_url:
        typer.echo("VETMAP_DATABASE_URL is set: using that server, no embedded cluster is started")
    url = _prepared_url(settings)
    upgrade(url)
    typer.echo(f"database ready: {url.render_as_string(hide_password=True)}")


@db_cli.command("down")
def db_down() -> None:
    """Stop the embedded cluster."""
    from geo.db import embedded_cluster

    settings = Settings()
    if settings.database_url:
        _fail("VETMAP_DATABASE_URL is set: the embedded cluster is not in use")
    embedded_cluster(settings).stop()
    typer.echo("embedded database stopped")


@db_cli.command("status")
def db_status() -> None:
    """Say whether the database is set up, running, and where."""
    from geo.db import embedded_cluster

    settings = Settings()
    if settings.database_url:
        typer.echo("external database (VETMAP_DATABASE_URL)")
        return
    st = embedded_cluster(settings).status(settings.embedded_database)
    typer.echo(
        f"embedded cluster: {'running' if st.running else 'stopped'}" if st.initialised else "not created"
    )
    typer.echo(f"data folder: {st.data_dir}")
    if st.url:
        typer.echo(f"url: {st.url}")
    if st.initialised and not st.running:
        raise typer.Exit(3)


@db_cli.command("migrate")
def db_migrate() -> None:
    """Apply pending migrations (idempotent)."""
    from geo.migrate import upgrade

    upgrade(_prepared_url(Settings()))
    typer.echo("schema up to date")


@demo_cli.command("load")
def demo_load(
    scale: Annotated[
        str, typer.Option(help="'county' (default demo) or 'guangxi' (17,624 stations, for benchmarks)")
    ] = "county",
    seed: Annotated[int, typer.Option(help="random seed; the same seed gives the same atlas")] = 20260930,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="do nothing when the atlas already has areas")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="replace even non-synthetic sites")] = False,
) -> None:
    """Replace the atlas with the demo: real boundaries, synthetic townships, villages and sites."""
    from geo.db import make_engine
    from geo.demo import DEMO_SCALES, atlas_is_empty, load_demo
    from geo.migrate import upgrade

    if scale not in DEMO_SCALES:
        _fail(f"unknown scale {scale!r}; choose one of: {', '.join(DEMO_SCALES)}")
    url = _prepared_url(Settings())
    upgrade(url)
    engine = make_engine(url)
    try:
        if if_empty and not atlas_is_empty(engine):
            typer.echo("the atlas already has data: demo not loaded (drop --if-empty to replace it)")
            return
        counts = load_demo(engine, scale=scale, seed=seed, force=force)
    finally:
        engine.dispose()
    typer.echo("demo atlas loaded: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@cli.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default 8000)")] = None,
) -> None:
    """Serve the map and the API (starts the embedded database first when it is in use)."""
    import uvicorn

    from api.app import create_app
    from geo.migrate import upgrade

    settings = Settings()
    upgrade(_prepared_url(settings))
    uvicorn.run(
        create_app(settings), host=host or settings.host, port=port or settings.port, log_level="info"
    )


def __getattr__(name: str):
    """``main:app`` for uvicorn, built on first access so importing main reads no environment."""
    if name == "app":
        from api.app import create_app

        return create_app(Settings())
    raise AttributeError(name)


def run() -> None:
    """Entry point: run the CLI, turning domain errors into a message and exit status 1."""
    try:
        cli()
    except DomainError as exc:
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        sys.exit(1)


if __name__ == "__main__":
    run()
