"""VetMap command line: ``python main.py serve | db ... | demo ...``; ``main:app`` for uvicorn."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

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


@contextmanager
def _reported(action: str) -> Iterator[None]:
    """Turn a refused input or a database error of ``action`` into a one-line message and exit status 1."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DomainError as exc:
        _fail(exc.message)
    except DBAPIError as exc:
        _fail(f"the {action} failed: {str(exc.orig).strip().splitlines()[0]}")


def _prepared_url(settings: Settings):
    from geo.database.engine import database_url, ensure_embedded_running

    ensure_embedded_running(settings)
    return database_url(settings)


@db_cli.command("up")
def db_up() -> None:
    """Create (first time) and start the embedded PostgreSQL+PostGIS cluster, then migrate."""
    from geo.database.migrate import upgrade

    settings = Settings()
    if settings.database_url:
        typer.echo("VETMAP_DATABASE_URL is set: using that server, no embedded cluster is started")
    url = _prepared_url(settings)
    upgrade(url)
    typer.echo(f"database ready: {url.render_as_string(hide_password=True)}")


@db_cli.command("down")
def db_down() -> None:
    """Stop the embedded cluster."""
    from geo.database.engine import embedded_cluster

    settings = Settings()
    if settings.database_url:
        _fail("VETMAP_DATABASE_URL is set: the embedded cluster is not in use")
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
    from geo.database.migrate import upgrade

    upgrade(_prepared_url(Settings()))
    typer.echo("schema up to date")


def _size(n: int) -> str:
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

    with _reported("backup"):
        result = backup_database(_prepared_url(Settings()), file, progress=typer.echo, overwrite=force)
    typer.echo(
        f"backup written to {result.path}: {len(result.tables)} tables, {result.rows} rows, {_size(result.size_bytes)}"
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

    with _reported("restore"):
        url = _prepared_url(Settings())
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
    from geo.demo.atlas import DEMO_SCALES, atlas_is_empty, load_demo

    if scale not in DEMO_SCALES:
        _fail(f"unknown scale {scale!r}; choose one of: {', '.join(DEMO_SCALES)}")
    with _engine() as engine:
        if if_empty and not atlas_is_empty(engine):
            typer.echo("the atlas already has data: demo not loaded (drop --if-empty to replace it)")
            return
        counts = load_demo(engine, scale=scale, seed=seed, force=force)
        from geo.demo.roads import load_demo_roads

        roads = load_demo_roads(engine)
    typer.echo("demo atlas loaded: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    typer.echo(
        f"demo road network {roads.id} (generated, synthetic): {roads.nodes} nodes, {roads.edges} edges"
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
        _fail(
            "invalid settings: "
            + "; ".join(f"VETMAP_{str(e['loc'][0]).upper()}: {e['msg']}" for e in exc.errors() if e["loc"])
        )
    chosen_format = (log_format or settings.log_format).lower()
    chosen_level = (log_level or settings.log_level).lower()
    if chosen_format not in ("json", "text"):
        _fail(f"--log-format must be json or text, not {chosen_format!r}")
    if chosen_level not in ("debug", "info", "warning", "error"):
        _fail(f"--log-level must be debug, info, warning or error, not {chosen_level!r}")
    configure_logging(chosen_format, chosen_level)
    upgrade(_prepared_url(settings))
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,  # ours (configure_logging): uvicorn's records go through the same handler
        log_level=chosen_level,
        access_log=False,  # the app writes its own access line (api/request_log.py), with the request id
    )


# -- coverage (issue 4) ----------------------------------------------------------------------------------------

coverage_cli = typer.Typer(
    help="Coverage planning: nearest stations, coverage rates, units without a station.", no_args_is_help=True
)
cli.add_typer(coverage_cli, name="coverage")


@contextmanager
def _engine() -> Iterator[Engine]:
    """An engine on the migrated database for one command, disposed when the command is done."""
    from geo.database.engine import make_engine
    from geo.database.migrate import upgrade

    url = _prepared_url(Settings())
    upgrade(url)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _audit_cli(
    engine, action: str, collection: str, record_id: int, after: dict | None, area: str | None = None
) -> None:
    """Log a write made at the command line (actor ``cli``) in the audit log."""
    from geo.accounts.audit import CLI_ACTOR, record_now

    record_now(engine, CLI_ACTOR, action, collection, record_id, area_code=area, after=after)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


@coverage_cli.command("run")
def coverage_run(
    village_m: Annotated[
        float, typer.Option(help="reach of village-level stations, geodesic metres")
    ] = 3000.0,
    township_m: Annotated[
        float, typer.Option(help="reach of township-level stations, geodesic metres")
    ] = 10000.0,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Recompute the coverage tables (nearest station of every village and township) for the whole atlas."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from geo.coverage.runs import coverage_params, run_full

    params = coverage_params(village_m, township_m)
    with _engine() as engine:
        if progress:
            columns = (
                TextColumn("{task.description:<32}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
            )
            with Progress(*columns, TimeElapsedColumn(), transient=False) as bar:
                task = bar.add_task("starting", total=1.0)
                run = run_full(
                    engine, params, lambda phase, f: bar.update(task, completed=f, description=phase)
                )
        else:
            run = run_full(engine, params)
        _audit_cli(engine, "run", "coverage_runs", run.id, {"parameters": run.parameters})
    counts = run.counts or {}
    v, t = counts.get("villages", {}), counts.get("townships", {})
    typer.echo(f"coverage run {run.id} {run.status}: {counts.get('stations', 0)} active stations")
    typer.echo(
        f"villages {v.get('units', 0)}: {v.get('covered_village', 0)} within {village_m:g} m of a village station, "
        f"{v.get('covered_township', 0)} within {township_m:g} m of a township station"
    )
    typer.echo(
        f"townships {t.get('units', 0)}: {t.get('covered_township', 0)} within {township_m:g} m of a township station"
    )
    typer.echo("seconds: " + ", ".join(f"{k} {s}" for k, s in counts.get("timings", {}).items()))


@coverage_cli.command("rates")
def coverage_rates(
    area: Annotated[str | None, typer.Option(help="area code (default: the whole atlas)")] = None,
    level: Annotated[
        str | None, typer.Option(help="level of the rows (default: the level below the area)")
    ] = None,
    village_m: Annotated[float | None, typer.Option(help="village-station threshold, metres")] = None,
    township_m: Annotated[float | None, typer.Option(help="township-station threshold, metres")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Coverage rates of an area and its units: villages and population within the thresholds."""
    import dataclasses
    import json

    from rich.console import Console
    from rich.table import Table

    from geo.coverage.rates import coverage_by_area

    with _engine() as engine, engine.begin() as conn:
        result = coverage_by_area(conn, area, level, village_m, township_m)
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=1))
        return
    vm, tm = result.params.village_m, result.params.township_m
    table = Table(title=f"coverage by {result.level} (village stations {vm:g} m, township stations {tm:g} m)")
    for header in (
        "code",
        "name",
        "villages",
        "village st.",
        "people",
        "township st.",
        "people",
        "townships",
    ):
        table.add_column(header, justify="left" if header in ("code", "name") else "right", no_wrap=True)
    for row in [result.area, *result.rows]:
        village, township = row.shares[0], row.shares[1]
        towns = "–" if row.townships is None else f"{row.townships_covered}/{row.townships}"
        table.add_row(
            row.code or "all",
            row.name or "",
            str(row.villages),
            _percent(village.village_share),
            _percent(village.population_share),
            _percent(township.village_share),
            _percent(township.population_share),
            towns,
        )
    Console(width=max(120, Console().width)).print(table)
    if not result.state["current"]:
        typer.echo(f"note: coverage is not current: {result.state}")


@coverage_cli.command("gaps")
def coverage_gaps(
    area: Annotated[str | None, typer.Option(help="area code (default: the whole atlas)")] = None,
    level: Annotated[str | None, typer.Option(help="one level only (default: every level)")] = None,
    limit: Annotated[int, typer.Option(min=1, help="how many units without a station to list")] = 50,
) -> None:
    """Units without an active station of their own level (横向到边、纵向到底)."""
    from geo.coverage.rates import station_gaps

    with _engine() as engine, engine.begin() as conn:
        result = station_gaps(conn, area, level, limit, 0)
    for g in result.levels:
        typer.echo(
            f"{g.level:<9} {g.units:>8} units  {g.with_station:>8} with a station  {g.without_station:>8} without"
        )
    for gap in result.gaps:
        typer.echo(f"  {gap.level:<9} {gap.code:<12} {gap.name}")
    if result.number_matched > len(result.gaps):
        typer.echo(f"  ... {result.number_matched - len(result.gaps)} more (--limit)")


@coverage_cli.command("site")
def coverage_site(
    problem: Annotated[
        str,
        typer.Argument(
            help="mclp (p new stations covering the most people), lscp (fewest covering "
            "everyone reachable) or target_share (fewest reaching --share)"
        ),
    ],
    area: Annotated[
        str | None, typer.Option(help="area code whose villages are the demand (default: all)")
    ] = None,
    level: Annotated[str, typer.Option(help="station level to place: village or township")] = "village",
    distance_m: Annotated[
        float | None, typer.Option(help="reach, geodesic metres (default 3000 village, 10000 township)")
    ] = None,
    p: Annotated[int | None, typer.Option(help="mclp: number of new stations")] = None,
    share: Annotated[
        float | None, typer.Option(help="target_share: covered share to reach, e.g. 0.95")
    ] = None,
    candidates: Annotated[
        str, typer.Option(help="villages_without_station, all_villages or given (with --sites)")
    ] = "villages_without_station",
    sites: Annotated[
        str | None, typer.Option(help="CSV file of given candidate sites: lon,lat[,label] (WGS-84)")
    ] = None,
    require_full_coverage: Annotated[
        bool, typer.Option(help="lscp: fail when a village is unreachable")
    ] = False,
    exact: Annotated[bool, typer.Option(help="prove the answer with HiGHS after greedy + swap")] = True,
    time_limit_s: Annotated[float, typer.Option(help="time limit of the exact stage, seconds")] = 60.0,
    mip_gap: Annotated[float, typer.Option(help="relative gap accepted as optimal")] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="print the answer as JSON")] = False,
) -> None:
    """Site new stations: chosen sites, people newly covered, before/after shares and the proven gap."""
    import json

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from geo.coverage.siting_runs import SitingRequest, create_siting_run

    given = _read_given_sites(sites) if sites else ()
    req = SitingRequest(
        problem=problem,
        area=area,
        station_level=level,
        distance_m=distance_m,
        p=p,
        share=share,
        candidates=candidates,
        sites=given,
        require_full_coverage=require_full_coverage,
        exact=exact,
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
    )
    with _engine() as engine:
        columns = (TextColumn("{task.description:<32}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"))
        with Progress(*columns, TimeElapsedColumn(), transient=True, disable=as_json) as bar:
            task = bar.add_task("starting", total=1.0)
            run = create_siting_run(
                engine,
                req,
                background=False,
                progress=lambda phase, f: bar.update(task, completed=f, description=phase),
            )
        _audit_cli(engine, "run", "siting_runs", run.id, {"parameters": run.parameters}, area)
    result = run.result or {}
    if as_json:
        typer.echo(json.dumps({"run": run.id, "status": run.status, **result}, ensure_ascii=False, indent=1))
        return
    typer.echo(
        f"siting run {run.id} ({problem}): {result.get('status')}, gap {100 * (result.get('gap') or 0):.2f}% "
        f"- {len(result.get('chosen', []))} new sites, {result.get('newly_covered_people', 0):,.0f} people newly covered"
    )
    before, after = result.get("covered_before", {}), result.get("covered_after", {})
    typer.echo(
        f"covered: {_percent(before.get('share'))} before -> {_percent(after.get('share'))} after "
        f"(demand weights: {result.get('weights')})"
    )
    for site in result.get("chosen", []):
        typer.echo(
            f"  {site['rank']:>3}. {site['code'] or '-':<12} {site['label']:<20} {site['lon']:.5f},{site['lat']:.5f} "
            f"+{site['newly_covered_people']:,.0f} people, {len(site['villages'])} villages"
        )
    if result.get("uncoverable_villages"):
        typer.echo(f"  {len(result['uncoverable_villages'])} villages no candidate reaches")


def _read_given_sites(path: str):
    """Candidate sites from a CSV file of lon,lat[,label] rows (a header row is skipped)."""
    import csv

    from geo.coverage.siting_runs import GivenSite

    out = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            for n, row in enumerate(csv.reader(f), start=1):
                if not row or not "".join(row).strip():
                    continue
                try:
                    lon, lat = float(row[0]), float(row[1])
                except (ValueError, IndexError):
                    if n == 1:
                        continue  # a header
                    _fail(f"{path}:{n}: expected lon,lat[,label], got {','.join(row)!r}")
                out.append(GivenSite(lon, lat, row[2].strip() if len(row) > 2 else ""))
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror}")
    if not out:
        _fail(f"{path} holds no sites (expected rows of lon,lat[,label])")
    return tuple(out)


# -- road networks and travel time (issue 4, part 3) ---------------------------------------------------------

roads_cli = typer.Typer(help="Road networks for travel-time coverage.", no_args_is_help=True)
coverage_cli.add_typer(roads_cli, name="roads")


def _network_line(info) -> str:
    kind = " (synthetic)" if info.synthetic and "synthetic" not in info.name else ""
    return (
        f"{info.id:>4}  {info.name}{kind}: {info.nodes} nodes, {info.edges} edges, "
        f"{info.length_m / 1000:.1f} km, from {info.source or '?'} ({info.source_crs})"
    )


@roads_cli.command("import")
def roads_import(
    path: Annotated[
        str, typer.Argument(help="road file: GeoPackage, GeoJSON, Shapefile (.shp/.zip), .fgb, OSM .pbf")
    ],
    name: Annotated[str | None, typer.Option(help="network name (default: the file name)")] = None,
    crs: Annotated[
        str | None,
        typer.Option(help="source coordinate system: WGS84 (default), CGCS2000, GCJ02, BD09, EPSG:<code>"),
    ] = None,
    layer: Annotated[str | None, typer.Option(help="layer to read (default: the first line layer)")] = None,
    replace: Annotated[bool, typer.Option("--replace", help="replace a network of the same name")] = False,
) -> None:
    """Import a road network into PostGIS (lines split at shared vertices into a routable graph)."""
    from geo.coverage.roads import import_road_file

    with _engine() as engine:
        with engine.begin() as conn:
            info = import_road_file(conn, path, name=name, crs=crs, layer=layer, replace=replace)
        _audit_cli(engine, "import", "road_networks", info.id, {"name": info.name, "source": info.source})
    typer.echo("imported " + _network_line(info).strip())


@roads_cli.command("list")
def roads_list() -> None:
    """The imported road networks."""
    from geo.coverage.roads import list_networks

    with _engine() as engine, engine.connect() as conn:
        found = list_networks(conn)
    for info in found:
        typer.echo(_network_line(info))
    if not found:
        typer.echo("no road networks yet: `python main.py coverage roads import FILE` or `... roads demo`")


@roads_cli.command("delete")
def roads_delete(network_id: Annotated[int, typer.Argument(help="network id")]) -> None:
    """Delete a road network with its edges and service areas."""
    from geo.coverage.roads import delete_network

    with _engine() as engine:
        with engine.begin() as conn:
            delete_network(conn, network_id)
        _audit_cli(engine, "delete", "road_networks", network_id, None)
    typer.echo(f"road network {network_id} deleted")


@roads_cli.command("demo")
def roads_demo(
    output: Annotated[
        str | None, typer.Option(help="also write the roads to this GeoPackage (layer 'roads')")
    ] = None,
) -> None:
    """Generate the demo road network (synthetic) from the demo atlas and import it."""
    from pathlib import Path

    from geo.demo.roads import load_demo_roads, write_demo_roads

    with _engine() as engine:
        info = load_demo_roads(engine)
        if output:
            written = write_demo_roads(engine, Path(output))
            typer.echo(f"{written} demo roads written to {output}")
    typer.echo("imported " + _network_line(info).strip())


@coverage_cli.command("travel")
def coverage_travel(
    network: Annotated[int | None, typer.Option(help="road network id (default: the newest)")] = None,
    access_kmh: Annotated[float, typer.Option(help="walking speed off the network, km/h")] = 5.0,
    limits: Annotated[str, typer.Option(help="service-area time limits, minutes, comma-separated")] = "15,30",
    area: Annotated[
        str | None, typer.Option(help="draw service areas only for the stations of this area")
    ] = None,
    max_access_m: Annotated[
        float, typer.Option(help="farther than this from every road node (metres) is off the network")
    ] = 5000.0,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Travel time to the nearest station (per level) of every village and township, and service areas."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from geo.coverage.roads import get_network, list_networks
    from geo.coverage.travel_time import run_travel, travel_params

    try:
        limits_min = [float(v) for v in limits.split(",") if v.strip()]
    except ValueError:
        _fail(f"--limits must be minutes separated by commas, got {limits!r}")
    settings = Settings()
    with _engine() as engine:
        if network is None:
            with engine.connect() as conn:
                found = list_networks(conn)
            if not found:
                _fail("no road network yet: `python main.py coverage roads import FILE` or `... roads demo`")
            network = found[0].id
        params = travel_params(network, access_kmh, limits_min, area, max_access_m)
        with engine.connect() as conn:
            get_network(conn, network)  # a clear message before the progress bar starts
        if progress:
            columns = (
                TextColumn("{task.description:<32}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
            )
            with Progress(*columns, TimeElapsedColumn(), transient=False) as bar:
                task = bar.add_task("starting", total=1.0)
                run = run_travel(
                    engine,
                    params,
                    settings.var_dir,
                    lambda phase, f: bar.update(task, completed=f, description=phase),
                )
        else:
            run = run_travel(engine, params, settings.var_dir)
        _audit_cli(engine, "run", "travel_runs", run.id, {"parameters": run.parameters}, area)
    counts = run.counts or {}
    typer.echo(f"travel run {run.id} {run.status} on {counts.get('network')}: {counts.get('nodes')} nodes")
    for unit in ("villages", "townships"):
        c = counts.get(unit, {})
        parts = [
            f"{g}: {c.get(f'reached_{g}', 0)} reach one, median {c[f'median_{g}_s'] / 60:.1f} min"
            for g in ("village", "township", "any")
            if f"median_{g}_s" in c
        ]
        typer.echo(f"{unit} {c.get('units', 0)}: " + "; ".join(parts))
    typer.echo(f"service areas: {counts.get('service_areas')}")
    typer.echo("seconds: " + ", ".join(f"{k} {s}" for k, s in counts.get("timings", {}).items()))


# -- accounts (issue 5) -----------------------------------------------------------------------------------------

user_cli = typer.Typer(
    help="Accounts: roles crew, planner, admin, each scoped to an area code (none: the whole atlas). "
    "Passwords are read from a hidden prompt or, with --password-stdin, from standard input; never from the "
    "command line.",
    no_args_is_help=True,
)
cli.add_typer(user_cli, name="user")


def _read_password(password_stdin: bool) -> str:
    """A password from standard input (first line) or a hidden prompt asked twice; never from argv."""
    if password_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            _fail("no password on standard input")
        return password
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


def _account_line(account) -> str:
    area = f"{account.area_code} {account.area_name or ''}".strip() if account.area_code else "whole atlas"
    state = " (disabled)" if account.disabled else ""
    return f"{account.id:>4}  {account.username:<20} {account.role:<8} {area}{state}"


def _find_user(conn, username: str):
    from geo.accounts.users import find_account

    account = find_account(conn, username)
    if account is None:
        _fail(f"no account named {username!r}")
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
        _fail("give either --area CODE or --national")
    password = _read_password(password_stdin)
    with _engine() as engine, engine.begin() as conn:
        account = create_account(conn, CLI_ACTOR, username, password, role, area)
    typer.echo("created " + _account_line(account).strip())


@user_cli.command("list")
def user_list() -> None:
    """Every account: id, username, role, area, whether disabled."""
    from geo.accounts.users import list_accounts

    with _engine() as engine, engine.connect() as conn:
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
    """Disable an account (it is signed out everywhere; its API tokens stop working), or enable it again."""
    from geo.accounts.audit import CLI_ACTOR
    from geo.accounts.users import update_account

    with _engine() as engine, engine.begin() as conn:
        account = update_account(conn, CLI_ACTOR, _find_user(conn, username).id, disabled=not enable)
    typer.echo(("enabled " if enable else "disabled ") + _account_line(account).strip())


@user_cli.command("set-password")
def user_set_password(
    username: Annotated[str, typer.Argument(help="the account")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input, not a prompt")
    ] = False,
) -> None:
    """Set a new password (prompted for, hidden, or read from stdin); the account is signed out everywhere."""
    from geo.accounts.audit import CLI_ACTOR
    from geo.accounts.users import update_account

    password = _read_password(password_stdin)
    with _engine() as engine, engine.begin() as conn:
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

    with _engine() as engine, engine.begin() as conn:
        token, info = create_api_token(conn, CLI_ACTOR, _find_user(conn, username).id, name)
    typer.echo(token)
    typer.echo(f"API token {info.id} ({info.prefix}...) for {username}: shown once, store it now", err=True)


# -- upkeep schedules and campaigns (issue 6) ----------------------------------------------------------------

upkeep_cli = typer.Typer(
    help="Upkeep: inspection schedules, overdue lists, seasonal campaigns.", no_args_is_help=True
)
cli.add_typer(upkeep_cli, name="upkeep")


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
    import csv

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
        with _engine() as engine, engine.begin() as conn:
            found = list_schedule(conn, CLI_ACTOR.principal, query, UpkeepSettings())
    except DomainError as exc:
        _fail(exc.message)
    items = found["items"]
    if csv_file is not None:
        columns = list(items[0]) if items else ["collection", "site_id", "name", "state"]
        try:
            with open(csv_file, "w", newline="", encoding="utf-8-sig") as out:
                writer = csv.DictWriter(out, fieldnames=columns)
                writer.writeheader()
                writer.writerows(items)
        except OSError as exc:
            _fail(f"cannot write {csv_file}: {exc.strerror}")
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
        _fail(f"dates are YYYY-MM-DD: {exc}")
    data = CampaignInput(kind, area, year, title, starts, due, tuple(task_kind or TASK_KINDS))
    try:
        resolve_campaign(data)  # bad input fails before the database is opened
        with _engine() as engine, engine.begin() as conn:
            campaign = create_campaign(conn, CLI_ACTOR, data)
    except DomainError as exc:
        _fail(exc.message)
    typer.echo(
        f"campaign {campaign['id']} {campaign['title']} ({campaign['kind']}, {campaign['area_code']} "
        f"{campaign['area_name']}): {campaign['starts_on']} to {campaign['due_on']}, "
        f"{campaign['tasks_created']} tasks"
    )


# -- import and export (issue 8) --------------------------------------------------------------------------------


@cli.command("import")
def import_file(
    path: Annotated[str, typer.Argument(help="GeoJSON, GeoPackage, zipped Shapefile, KML, CSV or XLSX file")],
    collection: Annotated[
        str, typer.Option(help="stations, memorials, cemeteries, graves, areas or martyrs (英名录)")
    ],
    crs: Annotated[
        str | None, typer.Option(help="source system: wgs84 (default), cgcs2000, gcj02, bd09, EPSG:<code>")
    ] = None,
    map_: Annotated[
        str | None, typer.Option("--map", help="column map, e.g. 名称=name,经度=lon,纬度=lat")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check and report, write nothing")] = False,
    fix_swapped: Annotated[
        bool, typer.Option("--fix-swapped", help="swap latitude/longitude where that puts a point in China")
    ] = False,
    rejects: Annotated[
        str | None, typer.Option(help="file for the rejected rows (default: <name>.rejects.<ext> beside it)")
    ] = None,
    report: Annotated[str | None, typer.Option(help="also save the full report (every row) as JSON")] = None,
    encoding: Annotated[
        str | None, typer.Option(help="text encoding (default: UTF-8 or GB18030, detected)")
    ] = None,
) -> None:
    """Import a register file: a report of every row; accepted rows committed in one transaction (upsert on code)."""
    from pathlib import Path

    from geo.importing.console import import_command
    from geo.importing.run import ImportOptions

    options = ImportOptions(collection, crs, map_, dry_run, fix_swapped, encoding=encoding)
    try:
        with _engine() as engine:
            import_command(
                engine,
                Path(path),
                options,
                Path(rejects) if rejects else None,
                Path(report) if report else None,
            )
    except DomainError as exc:
        _fail(exc.message)


@cli.command("export")
def export_file(
    out: Annotated[str, typer.Argument(help="output file")],
    collection: Annotated[
        str,
        typer.Option(
            help="stations, memorials, cemeteries, graves, areas, martyrs; or 'summary' (per-area Excel)"
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="geojson, gpkg, shp (zipped), kml, csv, xlsx (default: suffix)"),
    ] = None,
    area: Annotated[str | None, typer.Option(help="only this area and everything inside it")] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            help="only this kind (stations, areas: level; martyrs: burial grave/cemetery/memorial/unknown)"
        ),
    ] = None,
) -> None:
    """Export a collection (every field) or per-area summary tables; what it writes, import reads back."""
    from pathlib import Path

    from geo.importing.export import export_collection, export_summary, format_of

    try:
        with _engine() as engine, engine.connect() as conn:
            if collection == "summary":
                n = export_summary(conn, Path(out), area)
                typer.echo(f"summary of {n} areas written to {out}")
                return
            chosen = format_of(Path(out), fmt)
            n = export_collection(conn, collection, chosen, Path(out), area=area, kind=kind)
        typer.echo(f"{n} {collection} records written to {out} ({chosen})")
    except DomainError as exc:
        _fail(exc.message)


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
