"""``python main.py coverage run | rates | gaps | site | travel`` and ``coverage roads import | list |
delete | demo``: coverage, siting and travel time from the command line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from geo.accounts.cli import audit_cli_write
from geo.database.cli import command_engine
from geo.kit.cli import fail
from geo.settings import Settings

if TYPE_CHECKING:
    from geo.coverage.roads import NetworkInfo
    from geo.coverage.siting_runs import GivenSite

coverage_cli = typer.Typer(
    help="Coverage planning: nearest stations, coverage rates, units without a station.", no_args_is_help=True
)
roads_cli = typer.Typer(help="Road networks for travel-time coverage.", no_args_is_help=True)
coverage_cli.add_typer(roads_cli, name="roads")


@contextmanager
def _progress_bar(*, transient: bool, disable: bool = False) -> Iterator[Callable[[str, float], None]]:
    """A progress bar on the terminal; yields the callback a run reports (phase, share done 0-1) to."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description:<32}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"))
    with Progress(*columns, TimeElapsedColumn(), transient=transient, disable=disable) as bar:
        task = bar.add_task("starting", total=1.0)
        yield lambda phase, done: bar.update(task, completed=done, description=phase)


def _percent(value: float | None) -> str:
    """A share 0-1 as a percentage with one decimal, or a dash when there is none."""
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
    from geo.coverage.runs import coverage_params, run_full

    params = coverage_params(village_m, township_m)
    with command_engine() as engine:
        if progress:
            with _progress_bar(transient=False) as report:
                run = run_full(engine, params, report)
        else:
            run = run_full(engine, params)
        audit_cli_write(engine, "run", "coverage_runs", run.id, {"parameters": run.parameters})
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

    with command_engine() as engine, engine.begin() as conn:
        result = coverage_by_area(conn, area, level, village_m, township_m)
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=1))
        return
    vm, tm = result.params.village_m, result.params.township_m
    table = Table(title=f"coverage by {result.level} (village stations {vm:g} m, township stations {tm:g} m)")
    headers = ("code", "name", "villages", "village st.", "people", "township st.", "people", "townships")
    for header in headers:
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

    with command_engine() as engine, engine.begin() as conn:
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

    from geo.coverage.siting_runs import SitingRequest, create_siting_run

    req = SitingRequest(
        problem=problem,
        area=area,
        station_level=level,
        distance_m=distance_m,
        p=p,
        share=share,
        candidates=candidates,
        sites=_read_given_sites(sites) if sites else (),
        require_full_coverage=require_full_coverage,
        exact=exact,
        time_limit_s=time_limit_s,
        mip_gap=mip_gap,
    )
    with command_engine() as engine:
        with _progress_bar(transient=True, disable=as_json) as report:
            run = create_siting_run(engine, req, background=False, progress=report)
        audit_cli_write(engine, "run", "siting_runs", run.id, {"parameters": run.parameters}, area)
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


def _read_given_sites(path: str) -> tuple[GivenSite, ...]:
    """Candidate sites from a CSV file of lon,lat[,label] rows (WGS-84; a header row is skipped)."""
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
                    fail(f"{path}:{n}: expected lon,lat[,label], got {','.join(row)!r}")
                out.append(GivenSite(lon, lat, row[2].strip() if len(row) > 2 else ""))
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    if not out:
        fail(f"{path} holds no sites (expected rows of lon,lat[,label])")
    return tuple(out)


# -- road networks and travel time ------------------------------------------------------------------------------


def _network_line(info: NetworkInfo) -> str:
    """One road network as a line: id, name, size, source file and its coordinate system."""
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

    with command_engine() as engine:
        with engine.begin() as conn:
            info = import_road_file(conn, path, name=name, crs=crs, layer=layer, replace=replace)
        audit_cli_write(
            engine, "import", "road_networks", info.id, {"name": info.name, "source": info.source}
        )
    typer.echo("imported " + _network_line(info).strip())


@roads_cli.command("list")
def roads_list() -> None:
    """The imported road networks."""
    from geo.coverage.roads import list_networks

    with command_engine() as engine, engine.connect() as conn:
        found = list_networks(conn)
    for info in found:
        typer.echo(_network_line(info))
    if not found:
        typer.echo("no road networks yet: `python main.py coverage roads import FILE` or `... roads demo`")


@roads_cli.command("delete")
def roads_delete(network_id: Annotated[int, typer.Argument(help="network id")]) -> None:
    """Delete a road network with its edges and service areas."""
    from geo.coverage.roads import delete_network

    with command_engine() as engine:
        with engine.begin() as conn:
            delete_network(conn, network_id)
        audit_cli_write(engine, "delete", "road_networks", network_id, None)
    typer.echo(f"road network {network_id} deleted")


@roads_cli.command("demo")
def roads_demo(
    output: Annotated[
        str | None, typer.Option(help="also write the roads to this GeoPackage (layer 'roads')")
    ] = None,
) -> None:
    """Generate the demo road network (synthetic) from the demo atlas and import it."""
    from pathlib import Path

    from geo.coverage.roads_demo import load_demo_roads, write_demo_roads

    with command_engine() as engine:
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
        str | None, typer.Option(help="travel times and service areas of this area only (default: all)")
    ] = None,
    max_access_m: Annotated[
        float, typer.Option(help="farther than this from every road node (metres) is off the network")
    ] = 5000.0,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Travel time to the nearest station (per level) of every village and township, and service areas."""
    from geo.coverage.roads import get_network, list_networks
    from geo.coverage.travel_time import run_travel, travel_params

    try:
        limits_min = [float(v) for v in limits.split(",") if v.strip()]
    except ValueError:
        fail(f"--limits must be minutes separated by commas, got {limits!r}")
    settings = Settings()
    with command_engine() as engine:
        if network is None:
            with engine.connect() as conn:
                found = list_networks(conn)
            if not found:
                fail("no road network yet: `python main.py coverage roads import FILE` or `... roads demo`")
            network = found[0].id
        params = travel_params(network, access_kmh, limits_min, area, max_access_m)
        with engine.connect() as conn:
            get_network(conn, network)  # a clear message before the progress bar starts
        if progress:
            with _progress_bar(transient=False) as report:
                run = run_travel(engine, params, settings.var_dir, report)
        else:
            run = run_travel(engine, params, settings.var_dir)
        audit_cli_write(engine, "run", "travel_runs", run.id, {"parameters": run.parameters}, area)
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
