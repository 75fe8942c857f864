"""What the work-order pages read: the board (orders of my area by state, filtered), one order with its site,
source, history and photos, the crews an order may be assigned to, and the sites an order may be made for.

Reads only; every change goes through geo/upkeep/work_orders.py (the API's functions). Positions are WGS-84
degrees (the site's point, else a public report's pin). "Overdue" means an open order (reported, triaged,
assigned, in progress) whose ``due_on`` is before ``today`` (the caller's date in China).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from geo.accounts.permissions import covers, require_right
from geo.errors import Forbidden, InvalidInput, NotFound
from geo.kit.like import escape_like, starts_with
from geo.models import UPKEEP_COLLECTIONS, WORK_ORDER_KINDS, WORK_ORDER_PRIORITIES, WORK_ORDER_STATUSES
from geo.principal import Principal
from geo.upkeep.photos import photo_refs
from geo.upkeep.work_orders import TRANSITIONS, get_work_order, history
from geo.vocab import area_prefix

OPEN_STATES = ("reported", "triaged", "assigned", "in_progress")
"""States of an order still to be worked on (an order past its due date in one of them is overdue)."""
SOURCES = ("inspection", "public", "campaign", "staff")
"""Where an order came from: an inspection, a public report (web form or Open311), a campaign, or staff."""
BOARD_LIMIT = 60
"""Cards shown per state on the board (the count says how many there are)."""
_SOURCE_SQL = {
    "inspection": "w.inspection_id IS NOT NULL",
    "public": "w.source IN ('public', 'open311')",
    "campaign": "w.campaign_id IS NOT NULL",
    "staff": "w.source = 'staff' AND w.inspection_id IS NULL AND w.campaign_id IS NULL",
}
_SITE_JOINS = " ".join(
    f"LEFT JOIN {c} s_{c} ON w.collection = '{c}' AND s_{c}.id = w.site_id" for c in UPKEEP_COLLECTIONS
)
_SITE_NAME = "COALESCE(" + ", ".join(f"s_{c}.name" for c in UPKEEP_COLLECTIONS) + ")"
_SITE_GEOM = "COALESCE(" + ", ".join(f"s_{c}.geom" for c in UPKEEP_COLLECTIONS) + ", w.position)"
_PRIORITY_RANK = "CASE w.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END"


def source_of(order: dict) -> str:
    """The source of an order as the board filters it: inspection, public, campaign or staff."""
    if order.get("inspection_id") is not None:
        return "inspection"
    if order.get("source") in ("public", "open311"):
        return "public"
    if order.get("campaign_id") is not None:
        return "campaign"
    return "staff"


@dataclass(frozen=True)
class BoardFilter:
    """Filters of the board; each is optional. ``area`` is an area code inside the caller's area."""

    area: str | None = None
    kind: str | None = None
    priority: str | None = None
    overdue: bool = False
    source: str | None = None
    collection: str | None = None
    site_id: int | None = None


@dataclass(frozen=True)
class BoardCard:
    """One order on the board: what, where (site name, WGS-84 lon/lat), state, who, when."""

    id: int
    title: str
    status: str
    priority: str
    kind: str
    source: str
    collection: str
    site_id: int
    site_name: str | None
    area_code: str
    due_on: dt.date | None
    overdue: bool
    assignee: str | None
    updated_at: dt.datetime
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class Board:
    """The filtered orders by state (at most BOARD_LIMIT each) and the count per state."""

    by_state: dict[str, list[BoardCard]]
    counts: dict[str, int]
    overdue: int

    @property
    def total(self) -> int:
        """Every order matching the filters."""
        return sum(self.counts.values())


def _check_filter(principal: Principal, flt: BoardFilter) -> None:
    if flt.kind is not None and flt.kind not in WORK_ORDER_KINDS:
        raise InvalidInput(
            f"unknown kind {flt.kind!r}", key="work_orders.bad_kind", params={"value": flt.kind}
        )
    if flt.priority is not None and flt.priority not in WORK_ORDER_PRIORITIES:
        raise InvalidInput(
            f"unknown priority {flt.priority!r}",
            key="work_orders.bad_priority",
            params={"value": flt.priority},
        )
    if flt.source is not None and flt.source not in SOURCES:
        raise InvalidInput(
            f"unknown source {flt.source!r}", key="work_orders.bad_source", params={"value": flt.source}
        )
    if flt.collection is not None and flt.collection not in UPKEEP_COLLECTIONS:
        raise InvalidInput(
            f"unknown collection {flt.collection!r}",
            key="work_orders.bad_collection",
            params={"value": flt.collection},
        )
    if flt.area is not None and not covers(principal, flt.area):
        raise Forbidden(
            f"area {flt.area} is outside {principal.area_code}",
            key="work_orders.area_outside",
            params={"code": flt.area, "mine": principal.area_code or ""},
        )


def _where(principal: Principal, flt: BoardFilter, today: dt.date) -> tuple[str, dict[str, Any]]:
    where, params = ["TRUE"], {"today": today}
    if principal.area_code is not None:
        where.append("w.area_code LIKE :mine")
        params["mine"] = starts_with(principal.area_prefix or area_prefix(principal.area_code))
    if flt.area is not None:
        where.append("w.area_code LIKE :area")
        params["area"] = starts_with(area_prefix(flt.area))
    for name in ("kind", "priority", "collection", "site_id"):
        if getattr(flt, name) is not None:
            where.append(f"w.{name} = :{name}")
            params[name] = getattr(flt, name)
    if flt.source is not None:
        where.append(_SOURCE_SQL[flt.source])
    if flt.overdue:
        where.append(f"w.due_on < :today AND w.status IN {OPEN_STATES!r}")
    return " AND ".join(where), params


def board(conn: Connection, principal: Principal, flt: BoardFilter, today: dt.date) -> Board:
    """The orders of the caller's area matching ``flt``: per state the most pressing first (priority, due date)."""
    require_right(principal, "work_orders.read")
    _check_filter(principal, flt)
    cond, params = _where(principal, flt, today)
    counts = {s: 0 for s in WORK_ORDER_STATUSES}
    for row in conn.execute(
        text(f"SELECT w.status, count(*) AS n FROM work_orders w WHERE {cond} GROUP BY w.status"), params
    ):
        counts[row.status] = row.n
    overdue = conn.execute(
        text(
            f"SELECT count(*) FROM work_orders w WHERE {cond} AND w.due_on < :today AND w.status IN {OPEN_STATES!r}"
        ),
        params,
    ).scalar_one()
    rows = conn.execute(
        text(
            f"""
            SELECT * FROM (
              SELECT w.id, w.title, w.status, w.priority, w.kind, w.source, w.inspection_id, w.campaign_id,
                     w.collection, w.site_id, {_SITE_NAME} AS site_name, w.area_code, w.due_on,
                     (w.due_on < :today AND w.status IN {OPEN_STATES!r}) AS overdue, a.username AS assignee,
                     w.updated_at, ST_X({_SITE_GEOM}) AS lon, ST_Y({_SITE_GEOM}) AS lat,
                     row_number() OVER (PARTITION BY w.status ORDER BY {_PRIORITY_RANK}, w.due_on NULLS LAST,
                                        w.id DESC) AS rank
              FROM work_orders w LEFT JOIN accounts a ON a.id = w.assigned_to {_SITE_JOINS}
              WHERE {cond}
            ) ranked WHERE rank <= :limit ORDER BY rank
            """
        ),
        {**params, "limit": BOARD_LIMIT},
    )
    by_state: dict[str, list[BoardCard]] = {s: [] for s in WORK_ORDER_STATUSES}
    for r in rows:
        m = r._mapping
        source = source_of(dict(m))
        by_state[r.status].append(
            BoardCard(
                r.id, r.title, r.status, r.priority, r.kind, source, r.collection, r.site_id, r.site_name,
                r.area_code, r.due_on, bool(r.overdue), r.assignee, r.updated_at, r.lon, r.lat,
            )
        )  # fmt: skip
    return Board(by_state, counts, overdue)


@dataclass(frozen=True)
class Crew:
    """An account an order may be assigned to: a crew (or admin) whose area covers the order's."""

    id: int
    username: str
    role: str
    area_code: str | None


def assignable_crews(conn: Connection, area_code: str) -> list[Crew]:
    """Active crew accounts (then admins) whose area covers ``area_code``, by name."""
    rows = conn.execute(
        text(
            "SELECT id, username, role, area_code FROM accounts WHERE NOT disabled AND role IN ('crew', 'admin') "
            "AND (area_code IS NULL OR :area LIKE area_code || '%' OR :area LIKE rtrim(area_code, '0') || '%') "
            "ORDER BY role = 'admin', username"
        ),
        {"area": area_code},
    )
    found = []
    for r in rows:
        if covers(Principal(r.id, r.username, r.role, r.area_code), area_code):
            found.append(Crew(r.id, r.username, r.role, r.area_code))
    return found


@dataclass(frozen=True)
class OrderRef:
    """Another order, named in a list (duplicates to choose from, the original of a duplicate)."""

    id: int
    title: str
    status: str
    same_site: bool


@dataclass(frozen=True)
class OrderSheet:
    """One order as its page shows it: the order (the API's dict), its site, people, source and history."""

    order: dict
    site_name: str | None
    site_lon: float | None
    site_lat: float | None
    area_name: str | None
    assignee: str | None
    reported_by: str | None
    inspection: dict | None
    campaign: dict | None
    duplicate_of: OrderRef | None
    history: list[dict]
    photos: list[dict]
    crews: list[Crew] = field(default_factory=list)
    candidates: list[OrderRef] = field(default_factory=list)
    people: dict[int, str] = field(default_factory=dict)


def _names(conn: Connection, ids: list[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = conn.execute(text("SELECT id, username FROM accounts WHERE id = ANY(:ids)"), {"ids": wanted})
    return {r.id: r.username for r in rows}


def _duplicate_candidates(conn: Connection, order: dict, principal: Principal) -> list[OrderRef]:
    params: dict[str, Any] = {"id": order["id"], "collection": order["collection"], "site": order["site_id"]}
    scope = "TRUE"
    if principal.area_code is not None:
        scope = "area_code LIKE :mine"
        params["mine"] = starts_with(principal.area_prefix or area_prefix(principal.area_code))
    rows = conn.execute(
        text(
            "SELECT id, title, status, (collection = :collection AND site_id = :site) AS same_site FROM work_orders "
            f"WHERE id <> :id AND status <> 'duplicate' AND {scope} "
            "AND ((collection = :collection AND site_id = :site) OR status IN ('reported', 'triaged', 'assigned', "
            "'in_progress')) ORDER BY same_site DESC, id DESC LIMIT 40"
        ),
        params,
    )
    return [OrderRef(r.id, r.title, r.status, bool(r.same_site)) for r in rows]


def order_sheet(conn: Connection, principal: Principal, order_id: int) -> OrderSheet:
    """One order of the caller's area with all its page shows; NotFound, Forbidden as get_work_order."""
    order = get_work_order(conn, principal, order_id)
    table = order["collection"]  # one of three fixed names (a check constraint)
    site = conn.execute(
        text(f"SELECT name, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM {table} WHERE id = :id"),
        {"id": order["site_id"]},
    ).first()
    area_name = conn.execute(
        text("SELECT name FROM areas WHERE code = :code"), {"code": order["area_code"]}
    ).scalar_one_or_none()
    steps = history(conn, principal, order_id)
    assignees = [v for h in steps for v in (h["changes"] or {}).get("assigned_to", []) if isinstance(v, int)]
    names = _names(conn, [order["assigned_to"], order["reported_by"], *assignees])
    inspection = None
    if order["inspection_id"] is not None:
        found = conn.execute(
            text("SELECT id, inspected_at, inspector, condition_index FROM inspections WHERE id = :id"),
            {"id": order["inspection_id"]},
        ).first()
        inspection = dict(found._mapping) if found else None
    campaign = None
    if order["campaign_id"] is not None:
        found = conn.execute(
            text("SELECT id, title, kind, year FROM campaigns WHERE id = :id"), {"id": order["campaign_id"]}
        ).first()
        campaign = dict(found._mapping) if found else None
    duplicate = None
    if order["duplicate_of"] is not None:
        found = conn.execute(
            text("SELECT id, title, status FROM work_orders WHERE id = :id"), {"id": order["duplicate_of"]}
        ).first()
        if found is not None:
            duplicate = OrderRef(found.id, found.title, found.status, False)
    status = order["status"]
    crews = assignable_crews(conn, order["area_code"]) if "assigned" in TRANSITIONS[status] else []
    candidates = _duplicate_candidates(conn, order, principal) if "duplicate" in TRANSITIONS[status] else []
    return OrderSheet(
        order=order,
        site_name=site.name if site else None,
        site_lon=site.lon if site else None,
        site_lat=site.lat if site else None,
        area_name=area_name,
        assignee=names.get(order["assigned_to"]) if order["assigned_to"] else None,
        reported_by=names.get(order["reported_by"]) if order["reported_by"] else None,
        inspection=inspection,
        campaign=campaign,
        duplicate_of=duplicate,
        history=steps,
        photos=photo_refs(conn, work_order_id=order_id),
        crews=crews,
        candidates=candidates,
        people=names,
    )


@dataclass(frozen=True)
class SiteChoice:
    """A site an order may be made for: collection, id, name, area."""

    collection: str
    id: int
    name: str
    area_code: str
    martyr_name: str | None = None


def find_sites(
    conn: Connection, principal: Principal, collection: str, query: str, limit: int = 30
) -> list[SiteChoice]:
    """Sites of ``collection`` in the caller's area whose name (or a grave's martyr) contains ``query``."""
    require_right(principal, "work_orders.create")
    if collection not in UPKEEP_COLLECTIONS:
        raise InvalidInput(
            f"unknown collection {collection!r}",
            key="work_orders.bad_collection",
            params={"value": collection},
        )
    martyr = "martyr_name" if collection == "graves" else "NULL::text"
    params: dict[str, Any] = {"q": f"%{escape_like(query.strip())}%", "limit": limit}
    scope = "TRUE"
    if principal.area_code is not None:
        scope = "area_code LIKE :mine"
        params["mine"] = starts_with(principal.area_prefix or area_prefix(principal.area_code))
    rows = conn.execute(
        text(
            f"SELECT id, name, area_code, {martyr} AS martyr_name FROM {collection} "
            f"WHERE {scope} AND (name ILIKE :q OR {martyr} ILIKE :q) ORDER BY name, id LIMIT :limit"
        ),
        params,
    )
    return [SiteChoice(collection, r.id, r.name, r.area_code, r.martyr_name) for r in rows]


def site_choice(conn: Connection, principal: Principal, collection: str, site_id: int) -> SiteChoice:
    """One site of the caller's area an order may be made for; NotFound, Forbidden (outside the area)."""
    require_right(principal, "work_orders.create")
    if collection not in UPKEEP_COLLECTIONS:
        raise NotFound(f"no collection {collection!r}")
    martyr = "martyr_name" if collection == "graves" else "NULL::text"
    row = conn.execute(
        text(f"SELECT id, name, area_code, {martyr} AS martyr_name FROM {collection} WHERE id = :id"),
        {"id": site_id},
    ).first()
    if row is None:
        raise NotFound(f"no {collection} record with id {site_id}")
    if not covers(principal, row.area_code):
        raise Forbidden(
            f"{collection} {site_id} is outside {principal.area_code}",
            key="work_orders.site_outside",
            params={"code": row.area_code, "mine": principal.area_code or ""},
        )
    return SiteChoice(collection, row.id, row.name, row.area_code, row.martyr_name)


def inspection_of_site(conn: Connection, inspection_id: int, collection: str, site_id: int) -> dict | None:
    """The inspection ``inspection_id`` if it is one of this site (id, when, condition index), else None."""
    row = conn.execute(
        text(
            "SELECT id, inspected_at, inspector, condition_index FROM inspections "
            "WHERE id = :id AND collection = :collection AND site_id = :site"
        ),
        {"id": inspection_id, "collection": collection, "site": site_id},
    ).first()
    return dict(row._mapping) if row else None


def sub_areas(conn: Connection, principal: Principal) -> list[tuple[str, str]]:
    """(code, name) of the areas one level inside the caller's area (the board's area filter), by code."""
    if principal.area_code is None:
        rows = conn.execute(
            text("SELECT code, name FROM areas WHERE level = 'county' ORDER BY code LIMIT 400")
        )
    else:
        rows = conn.execute(
            text("SELECT code, name FROM areas WHERE parent_code = :code ORDER BY code LIMIT 400"),
            {"code": principal.area_code},
        )
    return [(r.code, r.name) for r in rows]


def area_outline(conn: Connection, code: str | None) -> dict | None:
    """The outline of an area as GeoJSON (simplified to about 50 m, WGS-84), or None."""
    if code is None:
        return None
    row = conn.execute(
        text(
            "SELECT ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, 0.0005), 5)::json FROM areas WHERE code = :c"
        ),
        {"c": code},
    ).scalar_one_or_none()
    return row
