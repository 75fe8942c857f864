"""The data of a crew's area that the phone keeps for a day without signal (issue 21, item 1).

One read gives what the phone must hold: the sites of the caller's area (id, collection, name, position, condition,
last and next inspection), the caller's open tasks (geo/upkeep/crew_tasks.py), the open work orders of the area,
the latest inspections of each site, and a fingerprint (``rev``) of what each crew page and API answer shows, so
that the phone fetches again only what changed. Positions are WGS-84 longitude/latitude in degrees; dates are
China Standard Time dates, ``as_of`` a time with its zone.

Staff only (the ``inspections.read`` right), cut to the caller's area; the anonymous public gets Unauthorized. A
county holds 80-300 sites; an account of the whole atlas gets at most ``MAX_OFFLINE_SITES`` of them (the most
urgent first) and ``truncated`` says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass

from sqlalchemy import Connection, text

from geo.accounts.permissions import require_right
from geo.models import UPKEEP_COLLECTIONS
from geo.principal import Principal
from geo.settings import UpkeepSettings
from geo.upkeep.crew_tasks import MAX_TASKS, OPEN_ORDER_STATES, CrewTask, area_like, my_tasks
from geo.upkeep.schedules import CHINA, china_today, next_due_sql

MAX_OFFLINE_SITES = 1000
"""The most sites one phone takes offline (a county has 80-300; only a whole-atlas account can reach this)."""
RECENT_INSPECTIONS = 3
"""How many of a site's latest inspections the phone keeps."""


@dataclass(frozen=True)
class AreaSite:
    """A site of the area as the phone keeps it; ``rev`` changes whenever its crew page would show otherwise."""

    collection: str
    id: int
    name: str
    kind: str
    martyr_name: str | None
    area_code: str
    lon: float
    lat: float
    condition_index: int | None
    upkeep_status: str
    last_inspected_on: str | None
    next_due_on: str | None
    version: int
    rev: str


@dataclass(frozen=True)
class AreaOrder:
    """An open work order of the area (not verified, rejected or duplicate); ``mine`` when assigned to the caller."""

    id: int
    collection: str
    site_id: int
    title: str
    kind: str
    status: str
    priority: str
    due_on: str | None
    mine: bool
    version: int


@dataclass(frozen=True)
class RecentInspection:
    """One of a site's latest inspections: when (ISO time with zone), who, the condition index 0-100."""

    id: int
    collection: str
    site_id: int
    inspected_at: str
    inspector: str
    condition_index: int


@dataclass(frozen=True)
class AreaData:
    """Everything the phone keeps of the caller's area; ``rev`` is a fingerprint of all of it but ``as_of``."""

    as_of: str
    today: str
    username: str
    area_code: str | None
    sites: list[AreaSite]
    tasks: list[CrewTask]
    work_orders: list[AreaOrder]
    inspections: list[RecentInspection]
    truncated: bool
    rev: str


def fingerprint(*parts: object) -> str:
    """A short, stable hex digest of JSON-serialisable parts (what changes it changes the digest)."""
    raw = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _sites(conn: Connection, prefix: str, settings: UpkeepSettings) -> list[dict]:
    branches = []
    for c in UPKEEP_COLLECTIONS:
        martyr = "s.martyr_name" if c == "graves" else "NULL::text"
        branches.append(
            f"SELECT '{c}' AS collection, s.id, s.name, s.kind, {martyr} AS martyr_name, s.area_code, "
            "ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat, s.condition_index, s.upkeep_status, s.last_inspected_on, "
            f"{next_due_sql(c, settings, 's')} AS next_due_on, s.version FROM {c} s WHERE s.area_code LIKE :prefix"
        )
    sql = (
        f"SELECT * FROM ({' UNION ALL '.join(branches)}) t "
        "ORDER BY next_due_on NULLS FIRST, collection, id LIMIT :limit"
    )
    rows = conn.execute(text(sql), {"prefix": prefix, "limit": MAX_OFFLINE_SITES + 1}).all()
    return [
        {**r._mapping, "last_inspected_on": _iso(r.last_inspected_on), "next_due_on": _iso(r.next_due_on)}
        for r in rows
    ]


def _orders(conn: Connection, prefix: str, me: int | None) -> list[AreaOrder]:
    states = ", ".join(f"'{s}'" for s in OPEN_ORDER_STATES)
    rows = conn.execute(
        text(
            "SELECT id, collection, site_id, title, kind, status, priority, due_on, "
            "coalesce(assigned_to = :me, false) AS mine, version FROM work_orders "
            f"WHERE area_code LIKE :prefix AND status IN ({states}) ORDER BY collection, site_id, id"
        ),
        {"prefix": prefix, "me": me},
    )
    return [AreaOrder(**{**r._mapping, "due_on": _iso(r.due_on)}) for r in rows]


def _inspections(conn: Connection, prefix: str) -> list[RecentInspection]:
    rows = conn.execute(
        text(
            "SELECT id, collection, site_id, inspected_at, inspector, condition_index FROM ("
            "SELECT id, collection, site_id, inspected_at, inspector, condition_index, row_number() OVER "
            "(PARTITION BY collection, site_id ORDER BY inspected_at DESC, id DESC) AS n "
            "FROM inspections WHERE area_code LIKE :prefix) i WHERE n <= :keep "
            "ORDER BY collection, site_id, inspected_at DESC, id DESC"
        ),
        {"prefix": prefix, "keep": RECENT_INSPECTIONS},
    )
    return [
        RecentInspection(**{**r._mapping, "inspected_at": r.inspected_at.astimezone(CHINA).isoformat()})
        for r in rows
    ]


def area_data(
    conn: Connection,
    principal: Principal,
    settings: UpkeepSettings,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> AreaData:
    """The sites, my open tasks, the open work orders and the latest inspections of the caller's area, with a
    fingerprint of each site's page and of the whole; raises Unauthorized for the public, Forbidden without the
    ``inspections.read`` right."""
    require_right(principal, "inspections.read")
    today = today or china_today()
    now = now or dt.datetime.now(CHINA)
    prefix = area_like(principal)
    rows = _sites(conn, prefix, settings)
    truncated = len(rows) > MAX_OFFLINE_SITES
    rows = rows[:MAX_OFFLINE_SITES]
    orders = _orders(conn, prefix, principal.user_id)
    by_site: dict[tuple[str, int], list[AreaOrder]] = {}
    for order in orders:
        by_site.setdefault((order.collection, order.site_id), []).append(order)
    inspections = _inspections(conn, prefix)
    latest: dict[tuple[str, int], list[int]] = {}
    for seen in inspections:
        latest.setdefault((seen.collection, seen.site_id), []).append(seen.id)
    sites = []
    for row in rows:
        key = (row["collection"], row["id"])
        own = [(o.id, o.status, o.version, o.mine) for o in by_site.get(key, [])]
        rev = fingerprint(today.isoformat(), row, own, latest.get(key, []))
        sites.append(AreaSite(**row, rev=rev))
    tasks = my_tasks(conn, principal, settings, None, MAX_TASKS, today).tasks
    whole = fingerprint(
        today.isoformat(),
        principal.username,
        [s.rev for s in sites],
        [asdict(t) for t in tasks],
        [asdict(o) for o in orders],
        [i.id for i in inspections],
    )
    return AreaData(
        as_of=now.isoformat(timespec="seconds"),
        today=today.isoformat(),
        username=principal.username,
        area_code=principal.area_code,
        sites=sites,
        tasks=tasks,
        work_orders=orders,
        inspections=inspections,
        truncated=truncated,
        rev=whole,
    )
