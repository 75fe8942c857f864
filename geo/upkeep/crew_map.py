"""The map of a crew's tasks (issue 21): the caller's area with its boundary and the divisions inside it, and every
upkeep site of the area (memorials, cemeteries, graves) with what the caller has to do there: a due inspection
(never inspected, overdue or due soon, as on the task list of geo/upkeep/crew_tasks.py) and the open work orders
assigned to the caller (``assigned`` or ``in_progress``).

Positions and geometries are WGS-84 longitude/latitude in degrees (EPSG:4326), simplified for display by
geo/atlas/areas.py (about 100 m for counties, 10 m for villages). Staff only (``inspections.read``), cut to the
caller's area; the anonymous public gets Unauthorized. Three statements: the divisions, the sites, my orders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from geo import vocab
from geo.accounts.permissions import require_right
from geo.atlas.areas import find_area, unit_shapes
from geo.models import UPKEEP_COLLECTIONS
from geo.principal import Principal
from geo.settings import UpkeepSettings
from geo.upkeep.crew_tasks import MY_ORDER_STATES, PRIORITY_ORDER, area_like
from geo.upkeep.schedules import china_today, next_due_sql, state_sql
from geo.vocab import area_prefix

MAX_MAP_SITES = 3000
"""At most this many sites on the map (a county has 80-300); those with a task come first."""
DIVISION_DEPTH = 2
"""How many levels of divisions below the caller's area the map draws (a county: its townships and villages)."""


@dataclass(frozen=True)
class MapOrder:
    """An open work order of a site assigned to the caller."""

    id: int
    title: str
    status: str
    priority: str
    due_on: str | None


@dataclass(frozen=True)
class MapSite:
    """A site of the caller's area on the map: where it is (WGS-84 degrees), its condition and its tasks."""

    collection: str
    id: int
    name: str
    kind: str
    martyr_name: str | None
    lon: float
    lat: float
    upkeep_status: str
    condition_index: int | None
    inspection: str  # never_inspected | overdue | due_soon | ok
    due_on: str | None
    orders: list[MapOrder] = field(default_factory=list)

    @property
    def has_task(self) -> bool:
        """True when the caller has something to do here: a due inspection or an order of its own."""
        return self.inspection != "ok" or bool(self.orders)


@dataclass(frozen=True)
class CrewMap:
    """The caller's area (a GeoJSON Feature, None for the whole atlas or an area with no shape), the divisions
    inside it (GeoJSON Features with ``level``), its sites (tasks first) and how many there are in all."""

    today: str
    area: dict | None
    divisions: list[dict]
    sites: list[MapSite]
    total_sites: int


def _levels_below(level: str | None) -> tuple[str, ...]:
    """The DIVISION_DEPTH levels of areas just below ``level`` (None: the whole atlas, whose top is provinces)."""
    start = 0 if level is None else vocab.AREA_LEVELS.index(level) + 1
    return vocab.AREA_LEVELS[start : start + DIVISION_DEPTH]


def _area_and_divisions(conn: Connection, principal: Principal) -> tuple[dict | None, list[dict]]:
    area = find_area(conn, principal.area_code) if principal.area_code else None
    if principal.area_code is not None and area is None:
        return None, []
    prefix = "" if area is None else (principal.area_prefix or area_prefix(area.code, area.level))
    outline = None
    if area is not None:
        own = [f for f in unit_shapes(conn, area.level, prefix)["features"] if f["id"] == area.code]
        outline = own[0] if own and own[0]["geometry"] is not None else None
    divisions = [
        f
        for level in _levels_below(None if area is None else area.level)
        for f in unit_shapes(conn, level, prefix)["features"]
        if f["geometry"] is not None
    ]
    return outline, divisions


def _sites_sql(settings: UpkeepSettings) -> str:
    branches = []
    for collection in UPKEEP_COLLECTIONS:
        due = next_due_sql(collection, settings, "s")
        martyr = "s.martyr_name" if collection == "graves" else "NULL::text"
        branches.append(
            f"SELECT '{collection}' AS collection, s.id, s.name, s.kind, {martyr} AS martyr_name, "
            "ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat, s.upkeep_status, s.condition_index, "
            f"{state_sql(due)} AS inspection, {due} AS due_on FROM {collection} s WHERE s.area_code LIKE :prefix"
        )
    mine = ", ".join(f"'{s}'" for s in MY_ORDER_STATES)
    has_order = (
        "EXISTS (SELECT 1 FROM work_orders w WHERE w.collection = t.collection AND w.site_id = t.id "
        f"AND w.assigned_to = :me AND w.status IN ({mine}))"
    )
    return (
        f"SELECT *, count(*) OVER () AS total FROM ({' UNION ALL '.join(branches)}) t "
        f"ORDER BY (inspection <> 'ok' OR {has_order}) DESC, collection, id LIMIT :limit"
    )


def _my_orders(conn: Connection, principal: Principal, prefix: str) -> dict[tuple[str, int], list[MapOrder]]:
    if principal.user_id is None:
        return {}
    mine = ", ".join(f"'{s}'" for s in MY_ORDER_STATES)
    rows = conn.execute(
        text(
            "SELECT collection, site_id, id, title, status, priority, due_on FROM work_orders "
            f"WHERE assigned_to = :me AND status IN ({mine}) AND area_code LIKE :prefix "
            f"ORDER BY {PRIORITY_ORDER}, due_on NULLS LAST, id"
        ),
        {"me": principal.user_id, "prefix": prefix},
    )
    found: dict[tuple[str, int], list[MapOrder]] = {}
    for r in rows:
        due = r.due_on.isoformat() if r.due_on is not None else None
        found.setdefault((r.collection, r.site_id), []).append(
            MapOrder(r.id, r.title, r.status, r.priority, due)
        )
    return found


def crew_map(
    conn: Connection, principal: Principal, settings: UpkeepSettings, today: dt.date | None = None
) -> CrewMap:
    """The caller's area, its divisions and its upkeep sites with the caller's tasks (WGS-84 degrees);
    raises Unauthorized for the public, Forbidden for a role without ``inspections.read``."""
    require_right(principal, "inspections.read")
    today = today or china_today()
    area, divisions = _area_and_divisions(conn, principal)
    prefix = area_like(principal)
    params = {
        "today": today,
        "soon": settings.due_soon_days,
        "prefix": prefix,
        "me": principal.user_id,
        "limit": MAX_MAP_SITES,
    }
    rows = conn.execute(text(_sites_sql(settings)), params).all()
    orders = _my_orders(conn, principal, prefix)
    sites = []
    for r in rows:
        m = dict(r._mapping)
        m.pop("total")
        m["due_on"] = m["due_on"].isoformat() if m["due_on"] is not None else None
        sites.append(MapSite(**m, orders=orders.get((r.collection, r.id), [])))
    total = rows[0].total if rows else 0
    return CrewMap(today=today.isoformat(), area=area, divisions=divisions, sites=sites, total_sites=total)
