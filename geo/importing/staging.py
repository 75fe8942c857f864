"""The staging machinery of an import's database stage, shared by the sites' and areas' load (``load``) and the
martyr records' (``martyrs``): COPY checked rows into a temporary table, reject rows by a query with a reason
each, and classify the rest (inserted, updated, unchanged) against the stored records. All of it runs in the
caller's transaction; the temporary tables are dropped at commit."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shapely
from sqlalchemy import Connection, text

SAME_DEG = 1e-7
"""Geometries closer than this (degrees, about 1 cm) count as unchanged."""


@dataclass
class LoadResult:
    """Row index → inserted / updated / unchanged, and row index → reason for rows the database stage rejects."""

    status: dict[int, str] = field(default_factory=dict)
    reasons: dict[int, str] = field(default_factory=dict)


def copy_value(value: Any) -> str:
    """One value as a cell of a CSV ``COPY``: None empty, booleans t/f, dates ISO, geometries hex EWKB (SRID 4326),
    anything else quoted text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, shapely.Geometry):
        value = shapely.to_wkb(shapely.set_srid(value, 4326), hex=True, include_srid=True)
    return '"' + str(value).replace('"', '""') + '"'


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


def reject_rows(
    conn: Connection, staged: str, result: LoadResult, sql: str, reason: Callable[[Any], str], **params: Any
) -> None:
    """Reject the staged rows ``sql`` finds (its first column the row index): ``reason(row)`` is kept for each
    (a row keeps its first reason) and the rows leave ``staged``."""
    found = conn.execute(text(sql), params).all()
    for row in found:
        result.reasons.setdefault(row[0], reason(row))
    if found:
        conn.execute(text(f"DELETE FROM {staged} WHERE _row = ANY(:rows)"), {"rows": [r[0] for r in found]})


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


def differs_sql(cols: list[str], geoms: tuple[str, ...], t: str, i: str, areas: bool) -> str:
    """SQL true when the record ``t`` and the row ``i`` differ in ``cols``: scalars by value, the ``geoms`` among
    them by more than SAME_DEG (Hausdorff, degrees); for ``areas`` a geometry the row lacks keeps the stored one."""
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
