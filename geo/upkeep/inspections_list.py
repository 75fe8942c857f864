"""Inspections of an area for the staff pages: the list with its filters, the inspectors named, and a site's
name for the headings of its history.

The list covers every inspection of the caller's area (its sub-areas included, by ``area_code LIKE 'prefix%'``),
newest first, joined to the name of the site inspected (one UNION ALL branch per upkeep collection; a grave's
with the martyr's name, so the site filter finds a grave by the martyr too). Filters:
a part of the site's name, the collection, China Standard Time days from/to, a range of the condition index, and
the inspector. Staff with ``inspections.read`` only; see geo/upkeep/inspections.py for one inspection and a site's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, text

from geo.accounts.permissions import authorize, require_right
from geo.errors import InvalidInput
from geo.kit.like import escape_like, starts_with
from geo.models import UPKEEP_COLLECTIONS
from geo.principal import Principal
from geo.upkeep.inspections import site_area
from geo.vocab import area_prefix

READ = "inspections.read"


@dataclass(frozen=True)
class InspectionFilter:
    """What to list: a part of the site's name, a collection, days (China time, inclusive), an index range, who."""

    site_name: str | None = None
    collection: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    min_index: int | None = None
    max_index: int | None = None
    inspector: str | None = None


def _prefix(principal: Principal) -> str:
    require_right(principal, READ)
    mine = principal.area_code
    return "" if mine is None else (principal.area_prefix or area_prefix(mine))


GRAVE_NAME = (
    "(CASE WHEN coalesce(martyr_name, '') = '' THEN name ELSE name || ' (' || martyr_name || ')' END)"
)
"""A grave's name with the martyr's ("烈士墓 (张三)"): the graves of a county mostly share one name."""


def _name_sql(collection: str) -> str:
    return GRAVE_NAME if collection == "graves" else "name"


def _sites_sql() -> str:
    return " UNION ALL ".join(
        f"SELECT CAST('{c}' AS text) AS collection, id, {_name_sql(c)} AS name FROM {c}"
        for c in UPKEEP_COLLECTIONS
    )


def _where(f: InspectionFilter, params: dict) -> str:
    if f.collection is not None and f.collection not in UPKEEP_COLLECTIONS:
        raise InvalidInput(
            f"unknown collection {f.collection}; expected one of: {', '.join(UPKEEP_COLLECTIONS)}"
        )
    conds = ["i.area_code LIKE :prefix"]
    if f.site_name:
        conds.append("s.name ILIKE :name")
        params["name"] = f"%{escape_like(f.site_name)}%"
    if f.collection:
        conds.append("i.collection = :collection")
        params["collection"] = f.collection
    if f.since:
        conds.append("(i.inspected_at AT TIME ZONE 'Asia/Shanghai')::date >= :since")
        params["since"] = f.since
    if f.until:
        conds.append("(i.inspected_at AT TIME ZONE 'Asia/Shanghai')::date <= :until")
        params["until"] = f.until
    if f.min_index is not None:
        conds.append("i.condition_index >= :min_index")
        params["min_index"] = f.min_index
    if f.max_index is not None:
        conds.append("i.condition_index <= :max_index")
        params["max_index"] = f.max_index
    if f.inspector:
        conds.append("i.inspector = :inspector")
        params["inspector"] = f.inspector
    return " AND ".join(conds)


def list_area_inspections(
    conn: Connection, principal: Principal, query: InspectionFilter, limit: int, offset: int
) -> tuple[int, list[dict]]:
    """Inspections of the caller's area matching ``query``, newest first, with their count and site names."""
    params: dict = {"prefix": starts_with(_prefix(principal)), "limit": limit, "offset": offset}
    where = _where(query, params)
    rows = conn.execute(
        text(
            "SELECT i.id, i.collection, i.site_id, s.name AS site_name, i.area_code, i.inspected_at, i.inspector, "
            "i.condition_index, i.notes, i.position IS NOT NULL AS has_position, "
            "(SELECT count(*) FROM photos p WHERE p.inspection_id = i.id) AS photos, count(*) OVER () AS matched "
            f"FROM inspections i JOIN ({_sites_sql()}) s ON s.collection = i.collection AND s.id = i.site_id "
            f"WHERE {where} ORDER BY i.inspected_at DESC, i.id DESC LIMIT :limit OFFSET :offset"
        ),
        params,
    ).all()
    if rows:
        total = rows[0].matched
    else:
        total = conn.execute(
            text(
                f"SELECT count(*) FROM inspections i JOIN ({_sites_sql()}) s "
                f"ON s.collection = i.collection AND s.id = i.site_id WHERE {where}"
            ),
            params,
        ).scalar_one()
    items = []
    for r in rows:
        m = dict(r._mapping)
        m.pop("matched")
        m["inspected_at"] = m["inspected_at"].isoformat()
        items.append(m)
    return total, items


def area_inspectors(conn: Connection, principal: Principal, limit: int = 200) -> list[str]:
    """The names of those who inspected sites of the caller's area, in order (for the filter's choices)."""
    rows = conn.execute(
        text(
            "SELECT DISTINCT inspector FROM inspections WHERE area_code LIKE :prefix AND inspector IS NOT NULL "
            "ORDER BY inspector LIMIT :limit"
        ),
        {"prefix": starts_with(_prefix(principal)), "limit": limit},
    )
    return [r.inspector for r in rows]


def inspected_site(conn: Connection, principal: Principal, collection: str, site_id: int) -> dict:
    """Name, kind and area of a site of an upkeep collection in the caller's area; raises NotFound, Forbidden."""
    require_right(principal, READ)
    area = site_area(conn, collection, site_id)  # checks the collection's name
    authorize(principal, READ, [area])
    row = conn.execute(
        text(
            f"SELECT {_name_sql(collection)} AS name, CAST(kind AS text) AS kind, area_code, condition_index, upkeep_status, last_inspected_on, "
            f"ST_X(geom) AS lon, ST_Y(geom) AS lat FROM {collection} WHERE id = :id"
        ),
        {"id": site_id},
    ).one()
    out = dict(row._mapping)
    out["last_inspected_on"] = out["last_inspected_on"].isoformat() if out["last_inspected_on"] else None
    return {"collection": collection, "id": site_id, **out}


def photo_counts(conn: Connection, inspection_ids: list[int]) -> dict[int, int]:
    """How many photos each of the inspections has (those with none left out), in one statement."""
    if not inspection_ids:
        return {}
    rows = conn.execute(
        text(
            "SELECT inspection_id, count(*) AS n FROM photos WHERE inspection_id = ANY(:ids) GROUP BY inspection_id"
        ),
        {"ids": list(inspection_ids)},
    )
    return {r.inspection_id: r.n for r in rows}
