"""VetMap command line: ``python main.py serve | db | demo | coverage | user | upkeep | import | export``;
``main:app`` for uvicorn.

Each capability's commands live beside it, in ``geo/<capability>/cli.py``; this module only gathers them.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from geo.accounts.cli import user_cli
from geo.coverage.cli import coverage_cli
from geo.database.cli import db_cli, prepared_url
from geo.demo.cli import demo_cli
from geo.errors import DomainError
from geo.importing.cli import export_file, import_file
from geo.kit.cli import fail
from geo.settings import Settings
from geo.upkeep.cli import upkeep_cli

cli = typer.Typer(
    help="VetMap: veterans' service stations, memorials and cemeteries on PostGIS.", no_args_is_help=True
)


@cli.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="bind address (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default 8000)")] = None,
    log_format: Annotated[
        str | None,
        typer.Option(
            "--log-format", help="'json' (one object a line) or 'text' (default: VETMAP_LOG_FORMAT, json)"
        ),
    ] = None,
    log_level: Annotated[
        str | None,
        typer.Option("--log-level", help="debug, info, warning or error (default: VETMAP_LOG_LEVEL, info)"),
    ] = None,
) -> None:
    """Serve the map and the API (starts the embedded database first when it is in use); logs go to stderr, one
    JSON object a line with the request id, and one access line per request."""
    import uvicorn
    from pydantic import ValidationError

    from api.app import create_app
    from api.request_log import configure_logging
    from geo.database.migrate import upgrade

    try:
        settings = Settings()
    except ValidationError as exc:
        fail(
            "invalid settings: "
            + "; ".join(f"VETMAP_{str(e['loc'][0]).upper()}: {e['msg']}" for e in exc.errors() if e["loc"])
        )
    chosen_format = (log_format or settings.log_format).lower()
    chosen_level = (log_level or settings.log_level).lower()
    if chosen_format not in ("json", "text"):
        fail(f"--log-format must be json or text, not {chosen_format!r}")
    if chosen_level not in ("debug", "info", "warning", "error"):
        fail(f"--log-level must be debug, info, warning or error, not {chosen_level!r}")
    configure_logging(chosen_format, chosen_level)
    upgrade(prepared_url(settings))
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,  # ours (configure_logging): uvicorn's records go through the same handler
        log_level=chosen_level,
        access_log=False,  # the app writes its own access line (api/request_log.py), with the request id
        proxy_headers=False,  # X-Forwarded-For is believed from VETMAP_TRUSTED_PROXIES only (api/proxies.py)
    )


def _import_voice(lang: str):
    """The import's report in the operator's language: the catalogue's words (web/), which geo/ never reads."""
    from geo.importing.console import Voice
    from web.i18n import error_text, t
    from web.importing.reports import reason_text

    return Voice(
        lambda reason: reason_text(reason, lang),
        lambda key, **params: t(key, lang).format(**params),
        lambda exc: error_text(exc, lang),
    )


# One registration per capability; `--help` lists the top-level commands first, then the groups in this order.
# geo/importing/cli.py; its report speaks the operator's language through the catalogue (_import_voice)
cli.command("import", context_settings={"obj": {"import_voice": _import_voice}})(import_file)
cli.command("export")(export_file)
cli.add_typer(db_cli, name="db")  # geo/database/cli.py
cli.add_typer(demo_cli, name="demo")  # geo/demo/cli.py
cli.add_typer(coverage_cli, name="coverage")  # geo/coverage/cli.py, with `coverage roads`
cli.add_typer(user_cli, name="user")  # geo/accounts/cli.py
cli.add_typer(upkeep_cli, name="upkeep")  # geo/upkeep/cli.py


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
