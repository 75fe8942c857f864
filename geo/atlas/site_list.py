"""The staff's list of the sites to edit: one collection, inside an area, found by name, a page at a time.

Names are matched anywhere in the site's name, its register code and (graves) the martyr's name, case-insensitive.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Connection, String, cast, func, or_, select

from geo.atlas.areas import AreaRef
from geo.atlas.collections import CollectionSpec
from geo.atlas.sites import site_table
from geo.models import Area

MAX_QUERY = 100
"""Longest name search kept (characters); a longer text is cut."""


@dataclass(frozen=True)
class SiteRow:
    """One site of the list: id, name, kind (stations: level), area name and code, version, last change."""

    id: int
    name: str
    kind: str
    area_code: str
    area_name: str
    version: int
    updated_at: dt.datetime | None
    martyr_name: str | None = None


@dataclass(frozen=True)
class SiteListPage:
    """A page of the list and how many sites match in all."""

    total: int
    rows: list[SiteRow]


def _like(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_sites(
    conn: Connection,
    spec: CollectionSpec,
    area: AreaRef | None,
    query: str | None,
    limit: int,
    offset: int,
) -> SiteListPage:
    """Sites of a collection inside ``area`` (None: the whole atlas) whose name, code or martyr's name holds
    ``query``, ordered by name then id; a page of ``limit`` from ``offset`` and the number matching."""
    table = site_table(spec)
    areas = Area.__table__
    conds = []
    if area is not None:
        conds.append(table.c.area_code.startswith(area.descendant_prefix, autoescape=True))
    query = (query or "").strip()[:MAX_QUERY]
    if query:
        pattern = _like(query)
        matches = [table.c.name.ilike(pattern, escape="\\"), table.c.code.ilike(pattern, escape="\\")]
        if "martyr_name" in table.c:
            matches.append(table.c.martyr_name.ilike(pattern, escape="\\"))
        conds.append(or_(*matches))
    total = conn.execute(select(func.count()).select_from(table).where(*conds)).scalar_one()
    martyr = table.c.martyr_name if "martyr_name" in table.c else cast(None, String)
    rows = conn.execute(
        select(
            table.c.id,
            table.c.name,
            cast(table.c[spec.kind_column], String).label("kind"),
            table.c.area_code,
            areas.c.name.label("area_name"),
            table.c.version,
            table.c.updated_at,
            martyr.label("martyr_name"),
        )
        .join(areas, areas.c.code == table.c.area_code)
        .where(*conds)
        .order_by(table.c.name, table.c.id)
        .limit(limit)
        .offset(offset)
    )
    return SiteListPage(
        int(total),
        [
            SiteRow(
                r.id,
                r.name,
                r.kind,
                r.area_code,
                r.area_name,
                r.version,
                r.updated_at,
                r.martyr_name,
            )
            for r in rows
        ],
    )


def area_outline(conn: Connection, area: AreaRef | None) -> dict | None:
    """The outline of ``area`` as a GeoJSON geometry (WGS-84, simplified to about 10 m), or None (no area, or
    an area stored as a point only): context on a map with no basemap."""
    if area is None:
        return None
    areas = Area.__table__
    geometry = conn.execute(
        select(func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(areas.c.geom, 0.0001), 6)).where(
            areas.c.code == area.code, areas.c.geom.is_not(None)
        )
    ).scalar()
    if geometry is None:
        return None
    return json.loads(geometry)
