"""``python main.py upkeep overdue | campaign``: the inspection schedule of an area, seasonal campaigns."""

from __future__ import annotations

from typing import Annotated

import typer

from geo.database.cli import command_engine
from geo.errors import DomainError
from geo.kit.cli import fail

upkeep_cli = typer.Typer(
    help="Upkeep: inspection schedules, overdue lists, seasonal campaigns.", no_args_is_help=True
)


@upkeep_cli.command("overdue")
def upkeep_overdue(
    area: Annotated[
        str | None, typer.Option(help="area code, sub-areas included (default: the whole atlas)")
    ] = None,
    state: Annotated[
        str | None, typer.Option(help="overdue, due_soon, ok or never_inspected (default: every site)")
    ] = None,
    collection: Annotated[
        list[str] | None, typer.Option(help="memorials, cemeteries or graves (repeat; default all)")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="rows to print (the CSV file gets every row)")] = 50,
    csv_file: Annotated[
        str | None, typer.Option("--csv", help="also write every row to this CSV file")
    ] = None,
) -> None:
    """The inspection schedule of an area, most overdue first: cycle, last inspection, next due date, state."""
    from rich.console import Console
    from rich.table import Table

    from geo.accounts.audit import CLI_ACTOR
    from geo.models import UPKEEP_COLLECTIONS
    from geo.settings import UpkeepSettings
    from geo.upkeep.schedules import ScheduleQuery, check_query, list_schedule

    collections = tuple(collection) if collection else UPKEEP_COLLECTIONS
    rows = limit if csv_file is None else 10_000_000
    query = ScheduleQuery(area, state, collections, None, rows, 0)
    try:
        check_query(query)
        with command_engine() as engine, engine.begin() as conn:
            found = list_schedule(conn, CLI_ACTOR.principal, query, UpkeepSettings())
    except DomainError as exc:
        fail(exc.message)
    items = found["items"]
    if csv_file is not None:
        _write_csv(csv_file, items)
    table = Table(title=f"inspection schedule of {found['area'] or 'the whole atlas'} on {found['as_of']}")
    for header in ("state", "overdue d", "next due", "last inspected", "cycle d", "collection", "id", "name"):
        table.add_column(header, justify="right" if header.endswith(" d") or header == "id" else "left")
    for i in items[:limit]:
        table.add_row(
            i["state"],
            "–" if i["days_overdue"] is None else str(i["days_overdue"]),
            i["next_due_on"],
            i["last_inspected_on"] or "never",
            str(i["cycle_days"]),
            i["collection"],
            str(i["site_id"]),
            i["name"],
        )
    Console(width=max(120, Console().width)).print(table)
    shown = min(limit, len(items))
    typer.echo(
        f"{found['numberMatched']} sites, {shown} shown"
        + (f"; all written to {csv_file}" if csv_file else "")
    )


def _write_csv(path: str, items: list[dict]) -> None:
    """Every schedule row to a CSV file (UTF-8 with a BOM, for Excel), or the command fails with a message."""
    import csv

    columns = list(items[0]) if items else ["collection", "site_id", "name", "state"]
    try:
        with open(path, "w", newline="", encoding="utf-8-sig") as out:
            writer = csv.DictWriter(out, fieldnames=columns)
            writer.writeheader()
            writer.writerows(items)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror}")


@upkeep_cli.command("campaign")
def upkeep_campaign(
    kind: Annotated[str, typer.Argument(help="qingming (清明), martyrs_day (烈士纪念日 9·30) or other")],
    area: Annotated[str, typer.Option(help="area code; its sub-areas are included")],
    year: Annotated[int, typer.Option(help="the campaign's year")],
    title: Annotated[str | None, typer.Option(help="default: e.g. 2027年清明祭扫")] = None,
    starts_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default by kind)")] = None,
    due_on: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD (default: the Qingming day, 30 September)")
    ] = None,
    task_kind: Annotated[
        list[str] | None, typer.Option(help="cleaning and/or tribute (repeat; default both)")
    ] = None,
) -> None:
    """Create a seasonal campaign (as the CLI actor) with a cleaning and a tribute task for every site of an area."""
    import datetime as dt

    from geo.accounts.audit import CLI_ACTOR
    from geo.upkeep.campaigns import TASK_KINDS, CampaignInput, create_campaign, resolve_campaign

    try:
        starts = dt.date.fromisoformat(starts_on) if starts_on else None
        due = dt.date.fromisoformat(due_on) if due_on else None
    except ValueError as exc:
        fail(f"dates are YYYY-MM-DD: {exc}")
    data = CampaignInput(kind, area, year, title, starts, due, tuple(task_kind or TASK_KINDS))
    try:
        resolve_campaign(data)  # bad input fails before the database is opened
        with command_engine() as engine, engine.begin() as conn:
            campaign = create_campaign(conn, CLI_ACTOR, data)
    except DomainError as exc:
        fail(exc.message)
    typer.echo(
        f"campaign {campaign['id']} {campaign['title']} ({campaign['kind']}, {campaign['area_code']} "
        f"{campaign['area_name']}): {campaign['starts_on']} to {campaign['due_on']}, "
        f"{campaign['tasks_created']} tasks"
    )
