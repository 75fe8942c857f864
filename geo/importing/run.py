"""One import run: read the file, map its columns, locate and check every row, load the good ones in one
transaction (or, in a dry run, only tell what would happen), log one audit entry with the counts, and
write the rejected rows to a file the user can fix and import again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from geo.accounts.audit import Actor, record
from geo.accounts.permissions import authorize, require_right
from geo.errors import InvalidInput
from geo.importing.cemeteries import CEMETERY_ALIASES, CEMETERY_FIELD, Cemeteries, load_cemeteries
from geo.importing.checks import (
    CheckedRow,
    RowChecker,
    duplicate_codes,
    fields_model,
    has_points,
    polygon_columns,
)
from geo.importing.columns import (
    COORD_FIELDS,
    MARTYR_ALIASES,
    READ_ONLY,
    ColumnMap,
    map_columns,
    parse_map_option,
)
from geo.importing.coords import Points, locate
from geo.importing.duplicates import Duplicate, likely_duplicates
from geo.importing.load import load_rows
from geo.importing.readers import RawTable, read_file
from geo.importing.reasons import RowReason, row_reason
from geo.importing.report import ImportReport, RowReport, write_rejects
from geo.importing.sheet_shapes import Known, present, vocabulary
from geo.kit.crs import declared_source

Progress = Callable[[str, int, int], None]
"""progress(phase, done, total): called while rows are checked (phase "checking") and at the start and end of the
load ("loading"); geo/importing/console.py names the phases in the operator's language."""


@dataclass(frozen=True)
class ImportOptions:
    """How to read and load a file: collection, source system, column map, dry run, swapped-coordinate fix; the
    county the rows' place names resolve in (``area``, a code), the workbook's ``sheet`` (a name, a 1-based number,
    or ``*`` for every sheet with the same header; default: the first sheet with a header) and whether rows
    reported as likely duplicates go in all the same (``accept_duplicates``)."""

    collection: str
    crs: str | None = None
    column_map: str | dict[str, str] | None = None
    dry_run: bool = False
    fix_swapped: bool = False
    fmt: str | None = None
    encoding: str | None = None
    area: str | None = None
    sheet: str | None = None
    accept_duplicates: bool = False


def check_rights(actor: Actor, collection: str) -> None:
    """Raise Unauthorized/Forbidden unless the actor may import this collection (rows are area-checked later)."""
    fields_model(collection)
    require_right(actor.principal, "imports.run")
    if collection == "areas":
        authorize(actor.principal, "areas.import", [None])
        return
    require_right(actor.principal, f"{collection}.create")
    require_right(actor.principal, f"{collection}.update")


def column_targets(collection: str) -> tuple[list[str], dict[str, tuple[str, ...]] | None]:
    """The fields a file's columns may map to for ``collection`` (with the point's lon/lat), and the collection's
    own header aliases: the one list the column map and the header search (which row is the header) both use."""
    model = fields_model(collection)
    targets = [*model.model_fields, *(COORD_FIELDS if has_points(collection) else ())]
    if "cemetery_id" in model.model_fields:  # graves: the cemetery by name (geo/importing/cemeteries.py)
        return [*targets, CEMETERY_FIELD], CEMETERY_ALIASES
    return targets, (MARTYR_ALIASES if collection == "martyrs" else None)


def header_vocabulary(collection: str) -> Known:
    """Whether a spreadsheet cell names a column of ``collection`` (finds the header under title rows)."""
    return vocabulary(*column_targets(collection))


def _column_map(table: RawTable, collection: str, option) -> ColumnMap:
    model = fields_model(collection)
    points = has_points(collection)
    targets, aliases = column_targets(collection)
    user = option if isinstance(option, dict) else parse_map_option(option)
    serial = set(table.serial_columns) - set(user)
    cmap = map_columns(
        [c for c in table.columns if c not in READ_ONLY and c not in serial], targets, user, aliases
    )
    mapped = set(cmap.fields.values())
    has_geoms = table.geoms is not None and any(g is not None for g in table.geoms)
    if points and ("lon" in mapped) != ("lat" in mapped):
        raise InvalidInput(
            "the file has a longitude column but no latitude column, or the reverse; use --map",
            key="import.half_coordinates",
            params={"columns": ", ".join(table.columns)},
        )
    if points and not has_geoms and "lon" not in mapped:
        raise InvalidInput(
            "no coordinate columns: name them lon/lat (经度/纬度, longitude/latitude) or map them, e.g. "
            f"--map X=lon,Y=lat; the file's columns: {', '.join(table.columns)}",
            key="import.no_coordinates",
            params={"columns": ", ".join(table.columns)},
        )
    optional = {"level"} if collection == "areas" else set()
    if CEMETERY_FIELD in mapped:  # a grave with its cemetery named is in it, one without is scattered
        optional.add("kind")
    missing = [
        n for n, f in model.model_fields.items() if f.is_required() and n not in mapped and n not in optional
    ]
    if missing:
        raise InvalidInput(
            f"the file has no column for {', '.join(missing)}, which every {collection} record needs: is it a "
            f"{collection} file? Its columns: {', '.join(table.columns)} (map them with --map header=field)",
            key="import.missing_columns",
            params={
                "fields": ", ".join(missing),
                "collection": InvalidInput(collection, key=f"import.collection.{collection}"),
                "columns": ", ".join(table.columns),
            },
        )
    return cmap


def _check_rows(
    table, checker, pts, progress: Progress | None
) -> tuple[list[CheckedRow], dict[int, RowReason]]:
    good: list[CheckedRow] = []
    reasons: dict[int, RowReason] = {}
    total = len(table.rows)
    for i, row in enumerate(table.rows):
        try:
            good.append(checker.check(i, row, pts))
        except InvalidInput as exc:
            reasons[i] = row_reason(exc)
        if progress and (i % 2000 == 1999 or i == total - 1):
            progress("checking", i + 1, total)
    dups = duplicate_codes(good, table.row_numbers)
    reasons.update(dups)
    return [r for r in good if r.index not in dups], reasons


def run_import(
    engine: Engine,
    path: Path,
    options: ImportOptions,
    actor: Actor,
    rejects: Path | None = None,
    progress: Progress | None = None,
    label: str | None = None,
    describe: Callable[[str], str] | None = None,
) -> ImportReport:
    """Import a file (see the module doc); the report lists every row. Bad files raise InvalidInput.

    ``describe`` says a row's reason (a RowReason) for the rejects file, say in the uploader's language
    (default: the English reason)."""
    check_rights(actor, options.collection)
    table = read_file(
        Path(path),
        options.fmt,
        polygon_columns(options.collection),
        options.encoding,
        label=label,
        known=header_vocabulary(options.collection),
        sheet=options.sheet,
    )
    if not table.rows:
        name = label or Path(path).name
        raise InvalidInput(f"{name} has no records", key="import.no_records", params={"name": name})
    source = declared_source(options.crs, table.file_crs, check_epsg=True)
    cmap = _column_map(table, options.collection, options.column_map)
    lon_h, lat_h = cmap.header_of("lon"), cmap.header_of("lat")
    if has_points(options.collection):
        pts = locate(table.rows, table.geoms, lon_h, lat_h, source, options.fix_swapped)
    else:  # the burial site's code places a martyr record; a file's points are the exported burial points
        pts = Points(np.full(len(table.rows), np.nan), np.full(len(table.rows), np.nan))
    checker = RowChecker(
        options.collection, cmap, source, table.layers, _cemeteries(engine, cmap, options, actor)
    )
    good, reasons = _check_rows(table, checker, pts, progress)
    present = set(cmap.fields.values())
    if table.layers:
        present |= set(table.layers)
    if pts.polygons and "boundary" in polygon_columns(options.collection):
        present.add("boundary")
    with engine.begin() as conn:
        if progress:
            progress("loading", 0, 1)
        good, pairs = _keep_out_duplicates(conn, table, options, cmap, good, reasons)
        result = load_rows(
            conn,
            options.collection,
            good,
            present,
            actor.principal,
            options.dry_run,
            area=options.area,
            numbers=table.row_numbers,
        )
        reasons.update(result.reasons)
        report = _report(table, options, source, cmap, good, reasons, result.status, label or Path(path).name)
        report.duplicates = [p.to_json() for p in pairs]
        report.accept_duplicates = options.accept_duplicates
        if not options.dry_run:
            record(
                conn,
                actor,
                "import",
                options.collection,
                None,
                area_code=actor.principal.area_code,
                after={"file": report.file, "format": report.format, "crs": source, "counts": report.counts},
            )
    if progress:
        progress("loading", 1, 1)
    if rejects is not None and reasons:
        write_rejects(rejects, table, reasons, describe)
        report.rejects_file = str(rejects)
    return report


def _cemeteries(engine: Engine, cmap: ColumnMap, options: ImportOptions, actor: Actor) -> Cemeteries | None:
    """The stored cemeteries a grave register's 所在陵园 column names, resolved in the import's area (else the
    importer's); None when the file has no such column."""
    if CEMETERY_FIELD not in cmap.fields.values():
        return None
    with engine.connect() as conn:
        return load_cemeteries(conn, options.area or actor.principal.area_code)


def _keep_out_duplicates(
    conn, table: RawTable, options: ImportOptions, cmap: ColumnMap, good: list[CheckedRow], reasons: dict
) -> tuple[list[CheckedRow], list[Duplicate]]:
    """The rows that go on to the load, and the likely duplicates found (geo/importing/duplicates.py): kept out
    with their reason, or, when the operator confirmed them, let in with a note."""
    header = cmap.header_of("code")
    given = {i for i, raw in enumerate(table.rows) if header and present(raw.get(header))}
    pairs = likely_duplicates(conn, options.collection, good, table.row_numbers, given, table.row_sheets)
    if not pairs:
        return good, []
    if options.accept_duplicates:
        by_index = {r.index: r for r in good}
        for p in pairs:
            by_index[p.index].notes.append(f"confirmed: not a duplicate ({p.reason()})")
        return good, pairs
    out = {p.index for p in pairs}
    for p in pairs:
        reasons[p.index] = p.reason()
    return [r for r in good if r.index not in out], pairs


def _report(table, options, source, cmap, good, reasons, status, label) -> ImportReport:
    codes = {r.index: r.values.get("code") for r in good}
    notes = {r.index: r.notes for r in good}
    rows = []
    for i, raw in enumerate(table.rows):
        code = codes.get(i)
        if code is None:
            header = cmap.header_of("code")
            code = raw.get(header) if header else None
        sheet = table.row_sheets[i] if table.row_sheets else None
        if i in reasons:
            rows.append(
                RowReport(table.row_numbers[i], _text(code), "rejected", reasons[i], notes.get(i, []), sheet)
            )
        else:
            rows.append(
                RowReport(table.row_numbers[i], _text(code), status[i], None, notes.get(i, []), sheet)
            )
    return ImportReport(
        label,
        table.fmt,
        options.collection,
        source,
        table.encoding,
        options.dry_run,
        options.fix_swapped,
        dict(cmap.fields),
        [*cmap.ignored, *[c for c in table.columns if c in READ_ONLY]],
        rows,
        shape=table.shape,
    )


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
