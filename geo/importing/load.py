"""The database stage of an import, set-based and in the caller's transaction: resolve the areas rows give by
name (geo/importing/places.py), COPY the checked rows into a temporary table, reject those whose area is
unknown, that lie outside their declared area, in no area, or that refer to missing records, match the rows
without a code to the stored records by their natural key and give the new ones a generated code
(geo/importing/keys.py), classify the rest (new, changed, unchanged) and upsert on ``code``, writing only rows
that differ. Nothing is written in a dry run."""

from __future__ import annotations

import io

import numpy as np
import shapely
from sqlalchemy import Connection, text
from sqlalchemy.exc import DataError, IntegrityError

from geo.atlas.areas import AREA_TOLERANCE_M
from geo.atlas.collections import COLLECTIONS
from geo.errors import InvalidInput
from geo.importing.checks import KEYED, CheckedRow
from geo.importing.keys import generated_code, give_codes, match_keys, name_keyed
from geo.importing.martyrs import load_martyrs
from geo.importing.places import PlaceRefused, load_gazetteer
from geo.importing.reasons import note, reason
from geo.importing.staging import (
    SAME_DEG,
    LoadResult,
    classify_rows,
    copy_value,
    differs_sql,
    reject_rows,
    stage_rows,
)
from geo.kit.db_refusals import refusal
from geo.kit.pinyin import name_pinyin
from geo.models import Area
from geo.principal import Principal
from geo.vocab import area_prefix

_TMP = "_import_rows"
_LEVEL_ORDER = ("village", "township", "county", "city", "province")


def _table(collection: str):
    return Area.__table__ if collection == "areas" else COLLECTIONS[collection].model.__table__


def _geom_columns(collection: str) -> tuple[str, ...]:
    if collection == "areas":
        return ("geom", "point")
    return ("geom", *COLLECTIONS[collection].polygon_columns)


def _hex_points(rows: list[CheckedRow]) -> np.ndarray:
    pts = shapely.points([r.lon for r in rows], [r.lat for r in rows])
    return shapely.to_wkb(shapely.set_srid(pts, 4326), hex=True, include_srid=True)


def _copy_rows(conn: Connection, collection: str, rows: list[CheckedRow], columns: list[str]) -> None:
    hexes = _hex_points(rows)
    buf = io.StringIO()
    areas = collection == "areas"
    at = columns.index("code") if "code" in columns else None
    for r, point in zip(rows, hexes, strict=True):
        cells = [str(r.index)]
        cells += [copy_value(r.values.get(c)) for c in columns]
        if areas:
            cells += [copy_value(r.shape), "" if r.shape is not None else point]
        else:  # a row without a code: marked (_via) and given its generated code when its area is known
            keyless = r.values.get("code") is None
            if keyless and at is not None:
                cells[at + 1] = copy_value(generated_code(collection, r.values))
            cells += [point, "k" if keyless else ""]
        buf.write(",".join(cells) + "\n")
    geo = ["geom", "point"] if areas else ["geom", "_via"]
    keyed = ", ADD COLUMN _via text" if not areas else ""  # geo/importing/keys.py
    stage_rows(conn, _TMP, _table(collection).name, [*columns, *geo], buf, keyed)


def _resolve_places(
    conn: Connection, rows: list[CheckedRow], within: str | None, result: LoadResult
) -> list[CheckedRow]:
    """The rows with their area found from the names they give (rows giving none as they are); the rows whose
    names resolve to no area or to several get the reason, naming the candidates, and stay out."""
    if not any(r.place is not None for r in rows):
        return rows
    if (
        within is not None
        and not conn.execute(
            text("SELECT EXISTS (SELECT 1 FROM areas WHERE code = :c)"), {"c": within}
        ).scalar()
    ):
        raise InvalidInput(
            f"unknown area {within!r}: the place names of the rows are looked up in it",
            key="import.unknown_area",
            params={"code": within},
        )
    gazetteer = load_gazetteer(conn, within)
    kept = []
    for r in rows:
        if r.place is None:
            kept.append(r)
            continue
        try:
            code = gazetteer.resolve(r.place)
        except PlaceRefused as exc:
            key = f"place.{exc.key}" + ("" if exc.params.get("candidates") else ".bare")
            result.reasons[r.index] = reason(str(exc), key, "area_code", **exc.params)
            continue
        r.values["area_code"] = code
        named = gazetteer.label(code)
        r.notes.append(
            note(
                f"area {code} {named} found from its names",
                "place_resolved",
                "area_code",
                code=code,
                name=named,
            )
        )
        kept.append(r)
    return kept


def _check_site_areas(conn: Connection, table: str, result: LoadResult) -> None:
    reject_rows(
        conn,
        _TMP,
        result,
        f"SELECT _row, area_code FROM {_TMP} i WHERE area_code IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM areas a WHERE a.code = i.area_code)",
        lambda r: reason(f"unknown area code {r[1]!r}", "unknown_area", "area_code", code=r[1]),
    )
    reject_rows(
        conn,
        _TMP,
        result,
        f"SELECT i._row, a.code, a.name, ST_Distance(a.geom::geography, i.geom::geography) FROM {_TMP} i "
        "JOIN areas a ON a.code = i.area_code WHERE a.geom IS NOT NULL AND NOT ST_Covers(a.geom, i.geom) "
        "AND NOT ST_DWithin(a.geom::geography, i.geom::geography, :tol)",
        lambda r: reason(
            f"the point lies {r[3] / 1000:.1f} km outside its declared area {r[1]} {r[2]}",
            "outside_declared_area",
            "area_code",
            km=f"{r[3] / 1000:.1f}",
            code=r[1],
            name=r[2],
        ),
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
    reject_rows(
        conn,
        _TMP,
        result,
        f"SELECT _row, ST_X(geom), ST_Y(geom) FROM {_TMP} WHERE area_code IS NULL",
        lambda r: reason(
            f"the point ({r[1]:.6f}, {r[2]:.6f}) lies in no known area; give its area code",
            "no_area",
            "area_code",
            lon=f"{r[1]:.6f}",
            lat=f"{r[2]:.6f}",
        ),
    )


def _check_references(conn: Connection, collection: str, result: LoadResult) -> None:
    for fk in _table(collection).foreign_keys:
        col, ref = fk.parent.name, fk.column
        if col in ("area_code", "parent_code"):
            continue
        reject_rows(
            conn,
            _TMP,
            result,
            f"SELECT _row, {col} FROM {_TMP} i WHERE {col} IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {ref.table.name} r WHERE r.{ref.name} = i.{col})",
            lambda r, col=col, ref=ref: reason(
                f"{col} {r[1]!r}: no such record in {ref.table.name}",
                "no_reference",
                col,
                value=str(r[1]),
                table=ref.table.name,
            ),
        )


def _check_parents(conn: Connection, result: LoadResult) -> None:
    reject_rows(
        conn,
        _TMP,
        result,
        f"SELECT _row, parent_code FROM {_TMP} i WHERE parent_code IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM areas a WHERE a.code = i.parent_code) "
        f"AND NOT EXISTS (SELECT 1 FROM {_TMP} j WHERE j.code = i.parent_code)",
        lambda r: reason(
            f"unknown parent area code {r[1]!r} (neither stored nor in the file)",
            "unknown_parent",
            "parent_code",
            code=r[1],
        ),
    )


def _check_scope(conn: Connection, table: str, principal: Principal, result: LoadResult) -> None:
    if principal.area_code is None:
        return
    prefix = principal.area_prefix or area_prefix(principal.area_code)
    like = prefix + "%"
    reject_rows(
        conn,
        _TMP,
        result,
        f"SELECT i._row, i.area_code, t.area_code FROM {_TMP} i LEFT JOIN {table} t ON t.code = i.code "
        "WHERE i.area_code NOT LIKE :like OR t.area_code NOT LIKE :like",
        lambda r: reason(
            f"outside your area: {principal.username} may import only in {principal.area_code}, "
            f"not in {r[2] if r[2] and not r[2].startswith(prefix) else r[1]}",
            "outside_scope",
            "area_code",
            user=principal.username,
            mine=principal.area_code,
            theirs=r[2] if r[2] and not r[2].startswith(prefix) else r[1],
        ),
        like=like,
    )


def load_rows(
    conn: Connection,
    collection: str,
    rows: list[CheckedRow],
    present: set[str],
    principal: Principal,
    dry_run: bool,
    area: str | None = None,
    numbers: list[int] | None = None,
) -> LoadResult:
    """Check the rows against the database and (unless ``dry_run``) upsert them on ``code``; see the module doc.

    ``present`` names the fields the file has: an update sets only those (and the point and area). Place names
    resolve inside ``area`` (the import's area, a code), else inside the importer's area, else anywhere.
    ``numbers`` are the rows' numbers as the file shows them (a reason naming another row says its number). A
    rule the database enforces beyond the row checks (say a grave's kind against a stored cemetery) raises
    InvalidInput naming it, and the caller's transaction is then rolled back: nothing is written."""
    try:
        within = area or principal.area_code
        return _load(conn, collection, rows, present, principal, dry_run, within, numbers)
    except (IntegrityError, DataError) as exc:
        reason = refusal(exc)
        raise InvalidInput(
            f"the database refused the rows, nothing was written: {reason.message}",
            key="import.refused",
            params={"reason": reason},
        ) from None


def _load(
    conn: Connection,
    collection: str,
    rows: list[CheckedRow],
    present: set[str],
    principal: Principal,
    dry_run: bool,
    within: str | None = None,
    numbers: list[int] | None = None,
) -> LoadResult:
    if collection == "martyrs":
        return load_martyrs(conn, rows, present, principal, dry_run)
    result = LoadResult()
    keyed = None
    if collection in KEYED:
        rows = _resolve_places(conn, rows, within, result)
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
        explicit = {r.index: str(r.values["code"]) for r in rows if r.values.get("code") is not None}
        keyed = match_keys(conn, _TMP, table, collection, result, explicit, numbers)
        _check_references(conn, collection, result)
        _check_scope(conn, table, principal, result)
        name_keyed(rows, keyed, result)
    set_cols = [c for c in columns if c in present and c != "code"]
    set_cols += ["area_code"] if not areas and "area_code" not in set_cols else []
    compare = [*set_cols, *([] if areas else ["geom"])]
    geo_compare = tuple(g for g in geoms if g in compare or g in ("geom", "point"))
    scalar_compare = [c for c in compare if c not in geoms]
    differs = differs_sql([*scalar_compare, *geo_compare], geo_compare, "t", "i", areas)
    classify_rows(conn, _TMP, table, differs, result)
    if keyed:  # a record stored without a code that a row matched gets its first code: an update
        for i in keyed.uncoded:
            if i in result.status:
                result.status[i] = "updated"
    if dry_run or not result.status:
        return result
    if keyed:
        give_codes(conn, table, keyed, result)
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
            f"WHERE {differs_sql([*scalar_compare, *geo_compare], geo_compare, 't', 'EXCLUDED', areas)}"
        )
    )
    return result
