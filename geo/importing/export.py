"""Export a collection, filtered by area and kind, to any import format (what an export writes, an import
reads back as the same records), and per-area summary tables (counts by kind and status) to Excel.

Columns: the collection's writable fields the reader may read (geo/atlas/field_policy.py; None: every field, for the
command line), ``area_name`` (ignored on import), polygon columns as GeoJSON text (a zipped Shapefile carries
them as extra layers named after the column instead), and ``lon``/``lat`` in CSV and XLSX. Personal fields (a
grave's custodian and responsible cadre) are filled only on rows inside the reader's area, and left out as columns
when no row of the export is; the summary workbook's ``relatives_found`` figure only for staff of its area."""

from __future__ import annotations

import json
from pathlib import Path

import shapely
from shapely.geometry import shape
from sqlalchemy import Connection, func, select, text, true

from geo.accounts.permissions import covers
from geo.atlas.areas import require_area
from geo.atlas.collections import COLLECTIONS
from geo.atlas.field_policy import (
    can_read,
    personal_column,
    personal_names,
    personal_visible,
    readable_fields,
)
from geo.atlas.sites import SiteFilter, site_conditions
from geo.errors import InvalidInput
from geo.importing.checks import AreaFields, fields_model
from geo.importing.martyrs import martyr_records, martyr_summary_sheet
from geo.importing.readers import FORMATS
from geo.importing.writers import Records, write_rows, write_xlsx
from geo.models import Area
from geo.principal import Principal
from geo.vocab import area_code_prefix

MEDIA_TYPES = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "shp": "application/zip",
    "kml": "application/vnd.google-earth.kml+xml",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SUFFIXES = {
    "geojson": ".geojson",
    "gpkg": ".gpkg",
    "shp": ".zip",
    "kml": ".kml",
    "csv": ".csv",
    "xlsx": ".xlsx",
}


def _site_records(
    conn: Connection, collection: str, area: str | None, kind: str | None, reader: Principal | None
) -> Records:
    spec = COLLECTIONS[collection]
    if kind is not None and kind not in spec.kinds:
        raise InvalidInput(
            f"unknown {spec.kind_column} {kind!r} of {collection}; expected one of {', '.join(spec.kinds)}"
        )
    table = spec.model.__table__
    readable = None if reader is None else readable_fields(collection, reader.role)
    names = [n for n in spec.fields.model_fields if readable is None or n in readable]
    cols = []
    for n in names:
        if n in spec.polygon_columns:
            cols.append(func.ST_AsGeoJSON(table.c[n], 15).label(n))
        elif reader is not None:  # personal fields: NULL outside the reader's area
            cols.append(personal_column(collection, n, table.c[n], reader, table.c.area_code).label(n))
        else:
            cols.append(table.c[n])
    visible = true() if reader is None else personal_visible(reader, table.c.area_code)
    area_t = Area.__table__
    stmt = (
        select(
            *cols,
            area_t.c.name.label("area_name"),
            visible,
            func.ST_X(table.c.geom),
            func.ST_Y(table.c.geom),
        )
        .join(area_t, area_t.c.code == table.c.area_code)
        .where(*site_conditions(conn, spec, SiteFilter(area=area, kind=kind)))
        .order_by(table.c.id)
    )
    rows, lon, lat, any_visible = [], [], [], False
    for r in conn.execute(stmt):
        rows.append(list(r[:-3]))
        any_visible = any_visible or bool(r[-3])
        lon.append(r[-2])
        lat.append(r[-1])
    columns = [*names, "area_name"]
    if not any_visible:  # no row of the reader's area: the personal columns are left out, not sent empty
        keep = [j for j, n in enumerate(columns) if n not in personal_names(collection)]
        columns, rows = [columns[j] for j in keep], [[r[j] for j in keep] for r in rows]
    polys = tuple(n for n in names if n in spec.polygon_columns)
    return Records(columns, rows, lon, lat, polys)


def _area_records(conn: Connection, area: str | None, level: str | None) -> Records:
    names = list(AreaFields.model_fields)
    where, params = ["TRUE"], {}
    if area is not None:
        where.append("code LIKE :prefix")
        params["prefix"] = require_area(conn, area).descendant_prefix + "%"
    if level is not None:
        if level not in AreaFields.model_fields["level"].annotation.__args__:
            raise InvalidInput(f"unknown area level {level!r}")
        where.append("level = :level")
        params["level"] = level
    found = conn.execute(
        text(
            f"SELECT {', '.join(names)}, ST_AsBinary(COALESCE(geom, point)), "
            "ST_X(COALESCE(point, ST_PointOnSurface(geom))), ST_Y(COALESCE(point, ST_PointOnSurface(geom))) FROM areas "
            f"WHERE {' AND '.join(where)} ORDER BY length(code), code"
        ),
        params,
    ).all()
    shapes = list(shapely.from_wkb([bytes(r[-3]) for r in found])) if found else []
    rows = [list(r[:-3]) for r in found]
    return Records(names, rows, [r[-2] for r in found], [r[-1] for r in found], (), shapes)


def fetch_records(
    conn: Connection,
    collection: str,
    area: str | None = None,
    kind: str | None = None,
    reader: Principal | None = None,
) -> Records:
    """The records of a collection (for areas ``kind`` is the level), filtered, as ``reader`` may read them
    (None: every field, for the command line); InvalidInput for bad filters."""
    fields_model(collection)
    if collection == "areas":
        return _area_records(conn, area, kind)
    if collection == "martyrs":
        return martyr_records(conn, area, kind, None if reader is None else reader.role)
    return _site_records(conn, collection, area, kind, reader)


def _polygon(value: str | None):
    return None if value is None else shape(json.loads(value))


def write_records(records: Records, fmt: str, path: Path, layer: str) -> None:
    """Write fetched records to ``path`` in ``fmt``."""
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    columns, rows = records.columns, records.rows
    if fmt in ("csv", "xlsx"):
        write_rows(
            path,
            fmt,
            layer,
            [*columns, "lon", "lat"],
            [[*r, x, y] for r, x, y in zip(rows, records.lon, records.lat, strict=True)],
        )
        return
    geoms = records.shapes if records.shapes is not None else list(shapely.points(records.lon, records.lat))
    extra = None
    if fmt == "shp" and records.polygons:
        keep = [j for j, c in enumerate(columns) if c not in records.polygons]
        code_at = columns.index("code")
        extra = {}
        for p in records.polygons:
            at = columns.index(p)
            pairs = [
                (r[code_at], _polygon(r[at])) for r in rows if r[at] is not None and r[code_at] is not None
            ]
            extra[p] = ([c for c, _ in pairs], [g for _, g in pairs])
        columns, rows = [columns[j] for j in keep], [[r[j] for j in keep] for r in rows]
    write_rows(path, fmt, layer, columns, rows, geoms, extra)


def export_collection(
    conn: Connection,
    collection: str,
    fmt: str,
    path: Path,
    area: str | None = None,
    kind: str | None = None,
    reader: Principal | None = None,
) -> int:
    """Export a collection (filtered by area and kind, fields as ``reader`` may read them) to a file; the count."""
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    records = fetch_records(conn, collection, area, kind, reader)
    write_records(records, fmt, Path(path), collection)
    return len(records.rows)


def _summary_sheet(
    conn: Connection, collection: str, parents: list[tuple[str, str, str]]
) -> tuple[list, list]:
    spec = COLLECTIONS[collection]
    table = spec.model.__table__.name
    header = ["code", "name", "level", "total", *spec.kinds, *spec.statuses]
    out = []
    for code, name, level in parents:
        like = f"{area_code_prefix(code, level)}%"
        counts = conn.execute(
            text(
                f"SELECT {spec.kind_column}, {spec.status_column}, count(*) FROM {table} "
                "WHERE area_code LIKE :like GROUP BY 1, 2"
            ),
            {"like": like},
        ).all()
        by_kind = {k: 0 for k in spec.kinds}
        by_status = {s: 0 for s in spec.statuses}
        for k, s, n in counts:
            by_kind[k] = by_kind.get(k, 0) + n
            by_status[s] = by_status.get(s, 0) + n
        out.append([code, name, level, sum(by_kind.values()), *by_kind.values(), *by_status.values()])
    if out:
        out.append(["", "total", "", *[sum(r[j] for r in out) for j in range(3, len(header))]])
    return header, out


def summary_shows_relatives(reader: Principal | None, area: str | None) -> bool:
    """True when the summary of ``area`` (None: the whole atlas) may count martyrs with relatives found for
    ``reader``: staff whose role reads ``relatives_found`` and whose area holds ``area`` (None: the command line).

    In a village with one martyr the count is that martyr's flag, which is casework, not public."""
    if reader is None:
        return True
    return can_read("martyrs", "relatives_found", reader.role) and covers(reader, area)


def export_summary(
    conn: Connection, path: Path, area: str | None = None, reader: Principal | None = None
) -> int:
    """Per-area summary tables to Excel: one sheet per collection, one row per child area of ``area`` (the
    top-level areas when None) with counts by kind and by status (martyrs: by burial kind, and relatives found
    when ``summary_shows_relatives``), and a total; returns the number of areas."""
    if area is not None:
        require_area(conn, area)
        parents = conn.execute(
            text("SELECT code, name, level FROM areas WHERE parent_code = :a ORDER BY code"), {"a": area}
        ).all()
    else:
        parents = conn.execute(
            text("SELECT code, name, level FROM areas WHERE parent_code IS NULL ORDER BY code")
        ).all()
    parents = [tuple(p) for p in parents]
    sheets = {c: _summary_sheet(conn, c, parents) for c in COLLECTIONS}
    sheets["martyrs"] = martyr_summary_sheet(conn, parents, summary_shows_relatives(reader, area))
    write_xlsx(Path(path), sheets)
    return len(parents)


def format_of(path: Path, fmt: str | None) -> str:
    """The export format: the one given, else the file's suffix (.zip is a zipped Shapefile)."""
    if fmt is None:
        fmt = {".zip": "shp", ".json": "geojson"}.get(path.suffix.lower(), path.suffix.lower().lstrip("."))
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return fmt


def export_counts(conn: Connection, area: str | None = None) -> dict[str, int]:
    """How many records each collection (sites, areas, martyr records) has in ``area`` and inside it (None: all)."""
    prefix = require_area(conn, area).descendant_prefix + "%" if area is not None else "%"
    out = {}
    for name, spec in COLLECTIONS.items():
        table = spec.model.__table__.name
        out[name] = conn.execute(
            text(f"SELECT count(*) FROM {table} WHERE area_code LIKE :p"), {"p": prefix}
        ).scalar_one()
    out["areas"] = conn.execute(
        text("SELECT count(*) FROM areas WHERE code LIKE :p"), {"p": prefix}
    ).scalar_one()
    out["martyrs"] = conn.execute(
        text("SELECT count(*) FROM martyrs WHERE area_code LIKE :p"), {"p": prefix}
    ).scalar_one()
    return out


EXPORT_CHOICES_MAX = 5000
"""Areas the export page offers at most with townships; a larger atlas (national: about 40,000 townships) offers
its provinces, cities and counties only (about 3,200), a township's export being chosen from its county's."""


def export_areas(conn: Connection, within: str | None) -> list[tuple[str, str, str]]:
    """(code, name, level) of the areas an export may be limited to, ordered by level and code: ``within`` (None:
    all) and the areas inside it down to townships, or down to counties when those would be more than
    ``EXPORT_CHOICES_MAX``."""
    prefix = require_area(conn, within).descendant_prefix + "%" if within is not None else "%"
    sql = "SELECT code, name, level FROM areas WHERE code LIKE :p AND level NOT IN ({}) ORDER BY length(code), code"
    rows = conn.execute(
        text(sql.format("'village'") + " LIMIT :limit"), {"p": prefix, "limit": EXPORT_CHOICES_MAX + 1}
    ).all()
    if len(rows) > EXPORT_CHOICES_MAX:
        rows = conn.execute(text(sql.format("'village', 'township'")), {"p": prefix}).all()
    return [(r[0], r[1], r[2]) for r in rows]
