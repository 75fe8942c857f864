"""``python main.py import FILE`` and ``export OUT``: top-level commands, registered by main.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geo.database.cli import command_engine
from geo.errors import DomainError
from geo.kit.cli import fail


def import_file(
    ctx: typer.Context,
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
    area: Annotated[
        str | None,
        typer.Option(
            help="the county (area code) the rows' place names (乡镇, 村) and cemeteries (所在陵园) are looked up in"
        ),
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option(
            help="the workbook's sheet: a name, a number from 1, or * for every sheet with the same header"
        ),
    ] = None,
    accept_duplicates: Annotated[
        bool,
        typer.Option(
            "--accept-duplicates",
            help="import rows reported as likely duplicates (same name within 50 m) too",
        ),
    ] = False,
    lang: Annotated[
        str, typer.Option(help="language of the report and its reasons: zh (default) or en")
    ] = "zh",
) -> None:
    """Import a register file: a report of every row; accepted rows committed in one transaction (upsert on code)."""
    from geo.importing.console import ENGLISH, import_command
    from geo.importing.run import ImportOptions

    if lang not in ("zh", "en"):
        fail(f"--lang takes zh or en, not {lang!r}")
    # the catalogue's words come from main.py: geo/ never reads web/
    voices = (ctx.obj or {}).get("import_voice")
    voice = voices(lang) if voices else ENGLISH

    options = ImportOptions(
        collection,
        crs,
        map_,
        dry_run,
        fix_swapped,
        encoding=encoding,
        area=area,
        sheet=sheet,
        accept_duplicates=accept_duplicates,
    )
    try:
        with command_engine() as engine:
            import_command(
                engine,
                Path(path),
                options,
                Path(rejects) if rejects else None,
                Path(report) if report else None,
                voice,
            )
    except DomainError as exc:
        fail(voice.refusal(exc))


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
    from geo.importing.export import export_collection, export_summary, format_of

    try:
        with command_engine() as engine, engine.connect() as conn:
            if collection == "summary":
                n = export_summary(conn, Path(out), area)
                typer.echo(f"summary of {n} areas written to {out}")
                return
            chosen = format_of(Path(out), fmt)
            n = export_collection(conn, collection, chosen, Path(out), area=area, kind=kind)
        typer.echo(f"{n} {collection} records written to {out} ({chosen})")
    except DomainError as exc:
        fail(exc.message)
