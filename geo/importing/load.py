"""The database stage of an import, set-based and in the caller's transaction: COPY the checked rows into a
temporary table, reject those whose area is unknown, that lie outside their declared area, in no area, or
that refer to missing records, classify the rest (new, changed, unchanged) and upsert on ``code``, writing
only rows that differ. Nothing is written in a dry run."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import numpy as np
import shapely
from sqlalchemy import Connection, text
from sqlalchemy.exc import DataError, IntegrityError

from geo.accounts.permissions import area_prefix
from geo.atlas.areas import AREA_TOLERANCE_M
from geo.atlas.collections import COLLECTIONS
from geo.atlas.sites import _integrity_message
from geo.errors import InvalidInput
from geo.importing.checks import CheckedRow
from geo.kit.pinyin import name_pinyin
from geo.models import Area
from geo.principal import Principal

SAME_DEG = 1e-7
"""Geometries closer than this (degrees, about 1 cm) count as unchanged."""

_TMP = "_import_rows"
_LEVEL_ORDER = ("village", "township", "county", "city", "province")


@dataclass
class LoadResult:
    """Row index → inserted / updated / unchanged, and row index → reason for rows the database stage rejects."""

    status: dict[int, str] = field(default_factory=dict)
    reasons: dict[int, str] = field(default_factory=dict)


def _table(collection: str):
    return Area.__table__ if collection == "areas" else COLLECTIONS[collection].model.__table__


def _geom_columns(collection: str) -> tuple[str, ...]:
    if collection == "areas":
        return ("geom", "point")
    return ("geom", *COLLECTIONS[collection].polygon_columns)


def _quote(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, shapely.Geometry):
        value = shapely.to_wkb(shapely.set_srid(value, 4326), hex=True, include_srid=True)
    return '"' + str(value).replace('"', '""') + '"'


def _hex_points(rows: list[CheckedRow]) -> np.ndarray:
    pts = shapely.points([r.lon for r in rows], [r.lat for r in rows])
    return shapely.to_wkb(shapely.set_srid(pts, 4326), hex=True, include_srid=True)


def stage_rows(
    conn: Connection, staged: str, like: str, names: list[str], lines: io.StringIO, extra: str = ""
) -> None:
    """COPY CSV ``lines`` (each a row's index, then the ``names`` columns) into the temporary table ``staged``:
    shaped like the table ``like`` plus ``_row`` (and the ``extra`` column definitions), indexed on the row and
    the code, analysed."""
    conn.execute(text(f"DROP TABLE IF EXISTS {staged}"))
    conn.execute(text(f"CREATE TEMP TABLE {staged} ON COMMIT DROP AS SELECT * FROM {like} WITH NO DATA"))
    conn.execute(text(f"ALTER TABLE {staged} ADD COLUMN _row integer{extra}"))
    lines.seek(0)
    with conn.connection.dbapi_connection.cursor() as cur:
        cur.copy_expert(f"COPY {staged} (_row, {', '.join(names)}) FROM STDIN WITH (FORMAT csv)", lines)
    conn.execute(text(f"CREATE INDEX ON {staged} (_row)"))
    conn.execute(text(f"CREATE INDEX ON {staged} (code)"))
    conn.execute(text(f"ANALYZE {staged}"))


def _copy_rows(conn: Connection, collection: str, rows: list[CheckedRow], columns: list[str]) -> None:
    hexes = _hex_points(rows)
    buf = io.StringIO()
    areas = collection == "areas"
    for r, point in zip(rows, hexes, strict=True):
        cells = [str(r.index)]
        cells += [_quote(r.values.get(c)) for c in columns]
        if areas:
            cells += [_quote(r.shape), "" if r.shape is not None else point]
        else:
            cells.append(point)
        buf.write(",".join(cells) + "\n")
    geo = ["geom", "point"] if areas else ["geom"]
    stage_rows(conn, _TMP, _table(collection).name, [*columns, *geo], buf)


def _reject(conn: Connection, result: LoadResult, sql: str, reason, tmp: str = _TMP, **params) -> None:
    found = conn.execute(text(sql), params).all()
    for row in found:
        result.reasons.setdefault(row[0], reason(row))
    if found:
        conn.execute(text(f"DELETE FROM {tmp} WHERE _row = ANY(:rows)"), {"rows": [r[0] for r in found]})


def _check_site_areas(conn: Connection, table: str, result: LoadResult) -> None:
    _reject(
        conn,
        result,
        f"SELECT _row, area_code FROM {_TMP} i WHERE area_code IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM areas a WHERE a.code = i.area_code)",
        lambda r: f"unknown area code {r[1]!r}",
    )
    _reject(
        conn,
        result,
        f"SELECT i._row, a.code, a.name, ST_Distance(a.geom::geography, i.geom::geography) FROM {_TMP} i "
        "JOIN areas a ON a.code = i.area_code WHERE a.geom IS NOT NULL AND NOT ST_Covers(a.geom, i.geom) "
        "AND NOT ST_DWithin(a.geom::geography, i.geom::geography, :tol)",
        lambda r: f"the point lies {r[3] / 1000:.1f} km outside its declared area {r[1]} {r[2]}",
        tol=AREA_TOLERANCE_M,
    )
    # a row without an area code keeps the stored one when its point has not moved
    conn.execute(
        text(
            f"UPDATE {_TMP} i SET area_code = t.area_code FROM {table} t WHERE t.code = i.code "
            "AND i.area_code IS NULL AND ST_DWithin(t.geom, i.geom, :same)"
        ),
        {"same": SAME_DEG},
    )
    conn.execute(text(f"CREATE INDEX ON {_TMP} USING gist (geom)"))
    conn.execute(text(f"ANALYZE {_TMP}"))
    for level in _LEVEL_ORDER:  # the most detailed area covering the point, as geo.atlas.areas finds it
        if not conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {_TMP} WHERE area_code IS NULL)")).scalar():
            break
        # area by area (each polygon prepared once), each probing the rows' spatial index
        conn.execute(
            text(
                f"UPDATE {_TMP} i SET area_code = f.code FROM (SELECT DISTINCT ON (j._row) j._row, a.code "
                "FROM (SELECT code, geom FROM areas WHERE level = :level AND geom IS NOT NULL) a "
                f"CROSS JOIN LATERAL (SELECT _row FROM {_TMP} j WHERE j.area_code IS NULL "
                "AND ST_Covers(a.geom, j.geom) OFFSET 0) j ORDER BY j._row, a.code) f WHERE f._row = i._row"
            ),
            {"level": level},
        )
    _reject(
        conn,
        result,
        f"SELECT _row, ST_X(geom), ST_Y(geom) FROM {_TMP} WHERE area_code IS NULL",
        lambda r: f"the point ({r[1]:.6f}, {r[2]:.6f}) lies in no known area; give its area code",
    )


def _check_references(conn: Connection, collection: str, result: LoadResult) -> None:
    for fk in _table(collection).foreign_keys:
        col, ref = fk.parent.name, fk.column
        if col in ("area_code", "parent_code"):
            continue
        _reject(
            conn,
            result,
            f"SELECT _row, {col} FROM {_TMP} i WHERE {col} IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {ref.table.name} r WHERE r.{ref.name} = i.{col})",
            lambda r, col=col, ref=ref: f"{col} {r[1]!r}: no such record in {ref.table.name}",
        )


def _check_parents(conn: Connection, result: LoadResult) -> None:
    _reject(
        conn,
        result,
        f"SELECT _row, parent_code FROM {_TMP} i WHERE parent_code IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM areas a WHERE a.code = i.parent_code) "
        f"AND NOT EXISTS (SELECT 1 FROM {_TMP} j WHERE j.code = i.parent_code)",
        lambda r: f"unknown parent area code {r[1]!r} (neither stored nor in the file)",
    )


def _check_scope(conn: Connection, table: str, principal: Principal, result: LoadResult) -> None:
    if principal.area_code is None:
        return
    prefix = principal.area_prefix or area_prefix(principal.area_code)
    like = prefix + "%"
    _reject(
        conn,
        result,
        f"SELECT i._row, i.area_code, t.area_code FROM {_TMP} i LEFT JOIN {table} t ON t.code = i.code "
        "WHERE i.area_code NOT LIKE :like OR t.area_code NOT LIKE :like",
        lambda r: (
            f"outside your area: {principal.username} may import only in {principal.area_code}, "
            f"not in {r[2] if r[2] and not r[2].startswith(prefix) else r[1]}"
        ),
        like=like,
    )


def classify_rows(conn: Connection, staged: str, table: str, differs: str, result: LoadResult) -> None:
    """Mark each staged row inserted (no record of its code), updated (``differs``, SQL over ``t`` the record and
    ``i`` the row, is true) or unchanged."""
    found = conn.execute(
        text(
            f"SELECT i._row, t.code IS NULL, {differs} FROM {staged} i LEFT JOIN {table} t ON t.code = i.code"
        )
    )
    for _row, new, changed in found:
        result.status[_row] = "inserted" if new else "updated" if changed else "unchanged"


def _differs(cols: list[str], geoms: tuple[str, ...], t: str, i: str, areas: bool) -> str:
    parts = []
    scalars = [c for c in cols if c not in geoms]
    if scalars:
        left = ", ".join(f"{t}.{c}" for c in scalars)
        right = ", ".join(f"{i}.{c}" for c in scalars)
        parts.append(f"ROW({left}) IS DISTINCT FROM ROW({right})")
    for g in geoms:
        a, b = f"{t}.{g}", f"{i}.{g}"
        near = f"(ST_AsEWKB({a}) = ST_AsEWKB({b}) OR ST_HausdorffDistance({a}, {b}) <= {SAME_DEG})"
        if areas:  # an area's file gives a polygon or a point: the other is kept
            parts.append(f"({b} IS NOT NULL AND ({a} IS NULL OR NOT {near}))")
        else:
            parts.append(
                f"(({a} IS NULL) <> ({b} IS NULL) OR ({a} IS NOT NULL AND {b} IS NOT NULL AND NOT {near}))"
            )
    return "(" + " OR ".join(parts) + ")"


def load_rows(
    conn: Connection,
    collection: str,
    rows: list[CheckedRow],
    present: set[str],
    principal: Principal,
    dry_run: bool,
) -> LoadResult:
    """Check the rows against the database and (unless ``dry_run``) upsert them on ``code``; see the module doc.

    ``present`` names the fields the file has: an update sets only those (and the point and area). A rule the
    database enforces beyond the row checks (say a grave's kind against a stored cemetery) raises
    InvalidInput naming it, and the caller's transaction is then rolled back: nothing is written."""
    try:
        return _load(conn, collection, rows, present, principal, dry_run)
    except (IntegrityError, DataError) as exc:
        if isinstance(exc, IntegrityError):
            message = _integrity_message(exc)[1]
        else:
            message = (str(exc.orig).strip().splitlines() or ["invalid value"])[0]
        raise InvalidInput(f"the database refused the rows, nothing was written: {message}") from None


def _load(
    conn: Connection,
    collection: str,
    rows: list[CheckedRow],
    present: set[str],
    principal: Principal,
    dry_run: bool,
) -> LoadResult:
    if collection == "martyrs":
        from geo.importing.martyrs import load_martyrs

        return load_martyrs(conn, rows, present, principal, dry_run)
    result = LoadResult()
    if not rows:
        return result
    areas = collection == "areas"
    table = _table(collection).name
    geoms = _geom_columns(collection)
    model_cols = [c for c in rows[0].values if c not in geoms]
    if "name" in model_cols and "name_pinyin" in _table(collection).c:
        # memorials and cemeteries: pinyin of the name for the public search (geo/kit/pinyin.py)
        for r in rows:
            pinyin = name_pinyin(r.values["name"]) if r.values.get("name") else (None, None)
            r.values["name_pinyin"], r.values["name_initials"] = pinyin
        model_cols += ["name_pinyin", "name_initials"]
        present = present | {"name_pinyin", "name_initials"} if "name" in present else present
    polys = [c for c in geoms if c not in ("geom", "point")]
    columns = [*model_cols, *polys]
    conn.execute(text("SET LOCAL jit = off"))  # compiling each big statement costs more than it saves
    _copy_rows(conn, collection, rows, columns)
    if areas:
        _check_parents(conn, result)
    else:
        _check_site_areas(conn, table, result)
        _check_references(conn, collection, result)
        _check_scope(conn, table, principal, result)
    set_cols = [c for c in columns if c in present and c != "code"]
    set_cols += ["area_code"] if not areas and "area_code" not in set_cols else []
    compare = [*set_cols, *([] if areas else ["geom"])]
    geo_compare = tuple(g for g in geoms if g in compare or g in ("geom", "point"))
    scalar_compare = [c for c in compare if c not in geoms]
    differs = _differs([*scalar_compare, *geo_compare], geo_compare, "t", "i", areas)
    classify_rows(conn, _TMP, table, differs, result)
    if dry_run or not result.status:
        return result
    insert_cols = [*columns, "geom", "point"] if areas else [*columns, "area_code", "geom"]
    insert_cols = list(dict.fromkeys(insert_cols))
    sets = [f"{c} = EXCLUDED.{c}" for c in set_cols]
    if areas:
        sets += ["geom = COALESCE(EXCLUDED.geom, t.geom)", "point = COALESCE(EXCLUDED.point, t.point)"]
    else:
        sets.append("geom = EXCLUDED.geom")
    cols = ", ".join(insert_cols)
    conn.execute(
        text(
            f"INSERT INTO {table} AS t ({cols}) SELECT {cols} FROM {_TMP} ORDER BY length(code), _row "
            f"ON CONFLICT (code) DO UPDATE SET {', '.join(sets)} "
            f"WHERE {_differs([*scalar_compare, *geo_compare], geo_compare, 't', 'EXCLUDED', areas)}"
        )
    )
    return result
