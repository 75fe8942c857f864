"""Martyr records (英名录) in and out: not a point collection. A row names its burial place by the register codes
of sites (``grave_code``; or ``cemetery_code`` with the grave's ``grave_section``/``grave_row``/``grave_number``;
``memorial_code`` for a name wall), never by database ids, so a file travels between databases. The person's
rules and pinyin are geo/public/martyrs.py ``person_values``, the ones the martyrs API applies; the burial place is
resolved set-based here (unknown codes rejected row by row) and the area follows it as the API derives it.

An export carries the same columns plus the burial point (``lon``/``lat`` in CSV and XLSX, the feature's point in
the GIS formats; no geometry when the burial place is unknown), ignored on import: the codes decide."""

from __future__ import annotations

import io

import shapely
from sqlalchemy import Connection, text

from geo.atlas.areas import require_area
from geo.atlas.field_policy import readable_fields
from geo.errors import InvalidInput
from geo.importing.checks import MartyrImportFields
from geo.importing.reasons import reason
from geo.importing.staging import LoadResult, classify_rows, copy_value, differs_sql, reject_rows, stage_rows
from geo.importing.writers import Records
from geo.models import Martyr
from geo.principal import Principal
from geo.vocab import area_code_prefix, area_prefix

BURIAL_KINDS = ("grave", "cemetery", "memorial", "unknown")
"""The ``kind`` filter of a martyr export: where the record says the martyr lies (as the martyrs API tells it)."""

_BY_CODE = {
    "grave_code": ("graves", "grave_id"),
    "cemetery_code": ("cemeteries", "cemetery_id"),
    "memorial_code": ("memorials", "memorial_id"),
}
_POSITION = ("grave_section", "grave_row", "grave_number")
_REFERENCES = (*_BY_CODE, *_POSITION)
_READ_AS = {**dict.fromkeys(("grave_code", *_POSITION), "grave_id"), "cemetery_code": "cemetery_id"}
_READ_AS["memorial_code"] = "memorial_id"
_TMP = "_import_martyrs"
_COLUMNS = tuple(c.name for c in Martyr.__table__.columns)


# -- load ---------------------------------------------------------------------------------------------------


def _copy(conn: Connection, rows, columns: list[str]) -> None:
    buf = io.StringIO()
    for r in rows:
        buf.write(",".join([str(r.index), *(copy_value(r.values.get(c)) for c in columns)]) + "\n")
    extra = "".join(f", ADD COLUMN {c} text" for c in _REFERENCES)  # the codes the burial place is found by
    stage_rows(conn, _TMP, "martyrs", columns, buf, extra)


def _resolve_burial(conn: Connection, reject) -> None:
    for column, (table, id_column) in _BY_CODE.items():
        conn.execute(text(f"UPDATE {_TMP} i SET {id_column} = s.id FROM {table} s WHERE s.code = i.{column}"))
        reject(
            f"SELECT _row, {column} FROM {_TMP} WHERE {column} IS NOT NULL AND {id_column} IS NULL",
            lambda r, column=column, table=table: reason(
                f"{column} {r[1]!r}: no such record in {table}",
                "no_reference",
                column,
                value=str(r[1]),
                table=table,
            ),
        )
    placed = " OR ".join(f"i.{c} IS NOT NULL" for c in _POSITION)
    reject(
        f"SELECT _row FROM {_TMP} i WHERE grave_code IS NULL AND cemetery_code IS NULL AND ({placed})",
        lambda r: "grave_section/grave_row/grave_number need the cemetery_code of the cemetery they are in",
    )
    same = "g.section IS NOT DISTINCT FROM i.grave_section AND g.row_no IS NOT DISTINCT FROM i.grave_row "
    same += "AND g.number IS NOT DISTINCT FROM i.grave_number"
    where = f"i.grave_code IS NULL AND ({placed})"
    reject(
        f"SELECT _row, cemetery_code, grave_section, grave_row, grave_number, n FROM {_TMP} i, LATERAL "
        f"(SELECT count(*) AS n FROM graves g WHERE g.cemetery_id = i.cemetery_id AND {same}) g "
        f"WHERE {where} AND g.n <> 1",
        lambda r: (
            f"{'no' if r[5] == 0 else str(r[5])} graves at section {r[2]!r}, row {r[3]!r}, number {r[4]!r} "
            f"in cemetery {r[1]!r}" + ("" if r[5] == 0 else ": give the grave_code")
        ),
    )
    conn.execute(
        text(
            f"UPDATE {_TMP} i SET grave_id = g.id FROM graves g WHERE {where} "
            f"AND g.cemetery_id = i.cemetery_id AND {same}"
        )
    )
    reject(
        f"SELECT i._row, i.grave_code, i.cemetery_code FROM {_TMP} i JOIN graves g ON g.id = i.grave_id "
        "WHERE i.grave_code IS NOT NULL AND i.cemetery_id IS NOT NULL "
        "AND g.cemetery_id IS DISTINCT FROM i.cemetery_id",
        lambda r: f"grave {r[1]!r} is not in cemetery {r[2]!r}",
    )
    reject(
        f"SELECT i._row, i.grave_code, g.section, g.row_no, g.number FROM {_TMP} i JOIN graves g ON g.id = i.grave_id "
        f"WHERE i.grave_code IS NOT NULL AND ({placed}) AND NOT ({same})",
        lambda r: (
            f"grave {r[1]!r} lies at section {r[2]!r}, row {r[3]!r}, number {r[4]!r}, not where the row says"
        ),
    )


def _resolve_area(conn: Connection, set_area: bool, reject) -> None:
    for column in ("area_code", "hometown_area_code"):
        reject(
            f"SELECT _row, {column} FROM {_TMP} i WHERE {column} IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM areas a WHERE a.code = i.{column})",
            lambda r, column=column: reason(
                f"unknown {column.replace('_code', '').replace('_', ' ')} code {r[1]!r}",
                "unknown_area",
                column,
                code=r[1],
            ),
        )
    conn.execute(  # a grave's cemetery and the area follow the burial place, as the martyrs API derives them
        text(
            f"UPDATE {_TMP} i SET cemetery_id = COALESCE(g.cemetery_id, i.cemetery_id), "
            "area_code = COALESCE(i.area_code, g.area_code, c.area_code, w.area_code) "
            f"FROM {_TMP} j LEFT JOIN graves g ON g.id = j.grave_id "
            "LEFT JOIN cemeteries c ON c.id = j.cemetery_id LEFT JOIN memorials w ON w.id = j.memorial_id "
            "WHERE j._row = i._row"
        )
    )
    if not set_area:  # the file says nothing of the place: the stored area stands
        conn.execute(
            text(f"UPDATE {_TMP} i SET area_code = t.area_code FROM martyrs t WHERE t.code = i.code")
        )


def _check_scope(principal: Principal, reject) -> None:
    if principal.area_code is None:
        return
    like = (principal.area_prefix or area_prefix(principal.area_code)) + "%"
    reject(
        f"SELECT i._row, i.area_code, t.area_code FROM {_TMP} i LEFT JOIN martyrs t ON t.code = i.code "
        "WHERE COALESCE(i.area_code, '') NOT LIKE :like OR COALESCE(t.area_code, :like) NOT LIKE :like",
        lambda r: reason(
            f"outside your area: {principal.username} may import only in {principal.area_code}, "
            f"not in {r[2] or r[1] or 'a record with no area'}",
            "outside_scope",
            "area_code",
            user=principal.username,
            mine=principal.area_code,
            theirs=r[2] or r[1] or "-",
        ),
        like=like,
    )


def load_martyrs(conn: Connection, rows, present: set[str], principal: Principal, dry_run: bool):
    """Check martyr rows against the database and (unless ``dry_run``) upsert them on ``code``: burial codes
    resolved, the area derived, only the columns the file has updated, unchanged rows not written."""
    result = LoadResult()
    if not rows:
        return result
    table_cols = set(_COLUMNS)
    columns = [c for c in rows[0].values if c in table_cols or c in _REFERENCES]
    _copy(conn, rows, columns)

    def reject(sql, reason, **params):
        reject_rows(conn, _TMP, result, sql, reason, **params)

    _resolve_burial(conn, reject)
    burial = bool(present & set(_REFERENCES))
    _resolve_area(conn, burial or "area_code" in present, reject)
    _check_scope(principal, reject)
    derived = {"name": {"name_pinyin", "name_initials"}, "unnamed": {"name", "name_pinyin", "name_initials"}}
    derived["death_date"] = {"death_year"}
    wanted = set(present)
    for field, more in derived.items():
        wanted |= more if field in present else set()
    if burial:
        wanted |= {"grave_id", "cemetery_id"}
    if "memorial_code" in present:
        wanted.add("memorial_id")
    if burial or "area_code" in present:
        wanted.add("area_code")
    set_cols = [c for c in _COLUMNS if c in wanted and c in table_cols and c != "code"]
    differs = differs_sql(
        set_cols, (), "t", "i", False
    )  # never empty: a checked row has a name or is unnamed
    classify_rows(conn, _TMP, "martyrs", differs, result)
    if dry_run or not result.status:
        return result
    insert_cols = [c for c in _COLUMNS if c in {*columns, "grave_id", "cemetery_id", "memorial_id"}]
    insert_cols = list(dict.fromkeys([*insert_cols, "area_code"]))
    cols = ", ".join(insert_cols)
    sets = ", ".join([*(f"{c} = EXCLUDED.{c}" for c in set_cols), "updated_at = now()"])
    conn.execute(
        text(
            f"INSERT INTO martyrs AS t ({cols}) SELECT {cols} FROM {_TMP} ORDER BY _row "
            f"ON CONFLICT (code) DO UPDATE SET {sets} WHERE {differs_sql(set_cols, (), 't', 'EXCLUDED', False)}"
        )
    )
    return result


# -- export -------------------------------------------------------------------------------------------------

_EXPORT = """
SELECT {columns}, a.name AS area_name, ST_AsBinary(COALESCE(g.geom, c.geom, w.geom)) AS point
FROM martyrs m
LEFT JOIN graves g ON g.id = m.grave_id
LEFT JOIN cemeteries c ON c.id = COALESCE(m.cemetery_id, g.cemetery_id)
LEFT JOIN memorials w ON w.id = m.memorial_id
LEFT JOIN areas a ON a.code = m.area_code
WHERE {where}
ORDER BY m.id
"""
_SOURCES = {"grave_code": "g.code", "cemetery_code": "c.code", "memorial_code": "w.code"}
_SOURCES |= {"grave_section": "g.section", "grave_row": "g.row_no", "grave_number": "g.number"}
_KIND_WHERE = {
    "grave": "m.grave_id IS NOT NULL",
    "cemetery": "m.grave_id IS NULL AND m.cemetery_id IS NOT NULL",
    "memorial": "m.grave_id IS NULL AND m.cemetery_id IS NULL AND m.memorial_id IS NOT NULL",
    "unknown": "m.grave_id IS NULL AND m.cemetery_id IS NULL AND m.memorial_id IS NULL",
}


def martyr_records(conn: Connection, area: str | None, kind: str | None, role: str | None):
    """The martyr records to export (in ``area``, buried as ``kind``), the fields ``role`` may read (None:
    every field), with their burial point (None when the burial place is unknown)."""
    if kind is not None and kind not in BURIAL_KINDS:
        raise InvalidInput(
            f"unknown burial kind {kind!r} of martyrs; expected one of {', '.join(BURIAL_KINDS)}"
        )
    readable = None if role is None else readable_fields("martyrs", role)
    names = [n for n in MartyrImportFields.model_fields if readable is None or _READ_AS.get(n, n) in readable]
    where, params = ["TRUE"], {}
    if area is not None:
        where.append("m.area_code LIKE :prefix")
        params["prefix"] = require_area(conn, area).descendant_prefix + "%"
    if kind is not None:
        where.append(_KIND_WHERE[kind])
    select = ", ".join(f"{_SOURCES.get(n, 'm.' + n)} AS {n}" for n in names)
    found = conn.execute(text(_EXPORT.format(columns=select, where=" AND ".join(where))), params).all()
    points = [None if r[-1] is None else shapely.from_wkb(bytes(r[-1])) for r in found]
    rows = [list(r[:-1]) for r in found]
    lon = [None if p is None else p.x for p in points]
    lat = [None if p is None else p.y for p in points]
    return Records([*names, "area_name"], rows, lon, lat, (), points)


def martyr_summary_sheet(
    conn: Connection, parents: list[tuple[str, str, str]], relatives: bool = False
) -> tuple[list, list]:
    """The martyrs sheet of the per-area summary: per area (code, name, level), the records in all, by burial
    kind, and (``relatives``, for staff of the area only) how many have their relatives found."""
    header = ["code", "name", "level", "total", *BURIAL_KINDS, *(["relatives_found"] if relatives else [])]
    kinds = ", ".join(f"count(*) FILTER (WHERE {_KIND_WHERE[k]})" for k in BURIAL_KINDS)
    found = ", count(*) FILTER (WHERE m.relatives_found)" if relatives else ""
    sql = text(f"SELECT count(*), {kinds}{found} FROM martyrs m WHERE m.area_code LIKE :like")
    out = [
        [code, name, level, *conn.execute(sql, {"like": area_code_prefix(code, level) + "%"}).one()]
        for code, name, level in parents
    ]
    if out:
        out.append(["", "total", "", *[sum(r[j] for r in out) for j in range(3, len(header))]])
    return header, out
