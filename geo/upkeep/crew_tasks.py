"""A crew's tasks and the sheet of one site, for the crews' phone pages (issue 6, item 6).

A task is either an open work order assigned to the caller (status ``assigned`` or ``in_progress``; an admin: any
such order of its area, which it may start and finish too) or a site in
the caller's area that is due for inspection: never inspected, or its next due date (geo/upkeep/schedules.py) falls on or
before today + ``due_soon_days`` (China Standard Time dates). Positions are WGS-84 longitude/latitude in degrees;
``distance_m`` is the geodesic distance in metres on the WGS-84 spheroid (PostGIS geography). With a position the
nearest task comes first; without one the most urgent (priority, then the earliest due date; a site never
inspected counts as due since ever, a work order without a due date comes after those with one).

Staff only (the ``inspections.read`` right: crew, planner, admin), cut to the caller's area; the anonymous public
gets Unauthorized. Every read is one SQL statement over the site tables; an area holds hundreds of sites.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from geo.accounts.permissions import authorize, require_right
from geo.errors import InvalidInput
from geo.kit.like import starts_with
from geo.models import UPKEEP_COLLECTIONS
from geo.principal import Principal
from geo.settings import UpkeepSettings
from geo.upkeep.inspections import site_area
from geo.upkeep.schedules import china_today, next_due_sql, overdue_sql, state_sql
from geo.upkeep.site_merge import readable_crew_fields
from geo.vocab import area_prefix

MAX_TASKS = 500
OPEN_ORDER_STATES = ("reported", "triaged", "assigned", "in_progress", "done")
"""States of a work order that is not closed (verified, rejected and duplicate are final)."""
MY_ORDER_STATES = ("assigned", "in_progress")
"""States of a work order that a crew has on its list."""
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
PRIORITY_ORDER = (
    "(CASE priority " + " ".join(f"WHEN '{p}' THEN {r}" for p, r in PRIORITY_RANK.items()) + " ELSE 9 END)"
)
"""SQL: a row's ``priority`` as its rank (urgent first), to sort by."""


@dataclass(frozen=True)
class CrewTask:
    """One item of a crew's task list; ``work_order_id`` and ``title`` only for work orders."""

    type: str  # work_order | inspection
    collection: str
    site_id: int
    name: str
    kind: str
    martyr_name: str | None
    area_code: str
    lon: float
    lat: float
    distance_m: float | None
    due_on: str | None
    priority: str
    status: str  # a work order's status, or never_inspected | overdue | due_soon
    work_order_id: int | None
    title: str | None
    condition_index: int | None
    upkeep_status: str
    last_inspected_on: str | None


@dataclass(frozen=True)
class TaskList:
    """The tasks of a caller: ``total`` of all, the first ``limit`` of them in ``tasks``, and the date used."""

    total: int
    today: str
    position: tuple[float, float] | None
    tasks: list[CrewTask]


@dataclass(frozen=True)
class OpenOrder:
    """A work order of a site that is not closed yet."""

    id: int
    title: str
    kind: str
    status: str
    priority: str
    due_on: str | None
    assigned_to: int | None


@dataclass(frozen=True)
class SiteSheet:
    """What a crew sees of a site: name, condition, last and next inspection, open work orders."""

    collection: str
    site_id: int
    name: str
    kind: str
    martyr_name: str | None
    protection_level: str | None
    area_code: str
    area_name: str | None
    lon: float
    lat: float
    condition_index: int | None
    upkeep_status: str
    last_inspected_on: str | None
    next_due_on: str | None
    version: int
    open_orders: list[OpenOrder]
    fields: dict = field(default_factory=dict)
    """The fields the crew edits from the phone (geo/upkeep/site_merge.py) as the server has them now."""


def check_position(lon: float | None, lat: float | None) -> tuple[float, float] | None:
    """The (lon, lat) pair in WGS-84 degrees, or None when neither is given; raises InvalidInput."""
    if lon is None and lat is None:
        return None
    if lon is None or lat is None:
        raise InvalidInput("give both lon and lat of your position, or neither")
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput("the position must be WGS-84 longitude -180..180 and latitude -90..90")
    return lon, lat


def area_like(principal: Principal) -> str:
    """The LIKE pattern of the area codes in the caller's area (``%`` for the whole atlas)."""
    if principal.area_code is None:
        return "%"
    prefix = principal.area_prefix or area_prefix(principal.area_code)
    return starts_with(prefix)


def _martyr(collection: str) -> str:
    return "s.martyr_name" if collection == "graves" else "NULL::text"


def _distance(position: tuple[float, float] | None) -> str:
    if position is None:
        return "NULL::float8"
    return "ST_Distance(s.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)"


def _site_columns(collection: str, position: tuple[float, float] | None) -> str:
    return (
        f"'{collection}' AS collection, s.id AS site_id, s.name, s.kind, {_martyr(collection)} AS martyr_name, "
        "s.area_code, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat, "
        f"{_distance(position)} AS distance_m, s.condition_index, s.upkeep_status, s.last_inspected_on"
    )


def _due_branch(collection: str, settings: UpkeepSettings, position: tuple[float, float] | None) -> str:
    due = next_due_sql(collection, settings, "s")
    state = state_sql(due)  # never_inspected, overdue or due_soon: the sites in state ok are no task
    return (
        f"SELECT 'inspection' AS type, {_site_columns(collection, position)}, {due} AS due_on, {state} AS status, "
        f"CASE WHEN {overdue_sql(due)} THEN 'high' ELSE 'normal' END AS priority, "
        "NULL::bigint AS work_order_id, NULL::text AS title "
        f"FROM {collection} s WHERE s.area_code LIKE :prefix AND {state} <> 'ok'"
    )


def _order_branch(collection: str, position: tuple[float, float] | None) -> str:
    states = ", ".join(f"'{s}'" for s in MY_ORDER_STATES)
    return (
        f"SELECT 'work_order' AS type, {_site_columns(collection, position)}, w.due_on, w.status, w.priority, "
        f"w.id AS work_order_id, w.title FROM work_orders w JOIN {collection} s ON s.id = w.site_id "
        f"WHERE w.collection = '{collection}' AND (w.assigned_to = :me OR :any_order) "
        f"AND w.status IN ({states}) AND w.area_code LIKE :prefix"
    )


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def my_tasks(
    conn: Connection,
    principal: Principal,
    settings: UpkeepSettings,
    position: tuple[float, float] | None = None,
    limit: int = 50,
    today: dt.date | None = None,
) -> TaskList:
    """The caller's open work orders and due inspections in its area, nearest first (position given, metres)
    or most urgent first; raises Unauthorized for the public, InvalidInput for a bad limit."""
    require_right(principal, "inspections.read")
    if not 1 <= limit <= MAX_TASKS:
        raise InvalidInput(f"limit must be 1-{MAX_TASKS}")
    today = today or china_today()
    branches = [_due_branch(c, settings, position) for c in UPKEEP_COLLECTIONS]
    if principal.user_id is not None:
        branches += [_order_branch(c, position) for c in UPKEEP_COLLECTIONS]
    urgency = (
        f"{PRIORITY_ORDER}, "
        "(CASE WHEN type = 'inspection' THEN coalesce(due_on, '-infinity'::date) "
        "ELSE coalesce(due_on, 'infinity'::date) END)"
    )
    order = f"distance_m, {urgency}" if position is not None else urgency
    sql = (
        f"SELECT *, count(*) OVER () AS total FROM ({' UNION ALL '.join(branches)}) t "
        f"ORDER BY {order}, type DESC, collection, site_id, work_order_id LIMIT :limit"
    )
    params = {
        "today": today,
        "soon": settings.due_soon_days,
        "prefix": area_like(principal),
        "me": principal.user_id,
        "any_order": principal.role == "admin",  # an admin starts and finishes any order of its area
        "limit": limit,
    }
    if position is not None:
        params["lon"], params["lat"] = position
    rows = conn.execute(text(sql), params).all()
    tasks = []
    for r in rows:
        m = dict(r._mapping)
        m.pop("total")
        m["due_on"], m["last_inspected_on"] = _iso(m["due_on"]), _iso(m["last_inspected_on"])
        tasks.append(CrewTask(**m))
    total = rows[0].total if rows else 0
    return TaskList(total=total, today=today.isoformat(), position=position, tasks=tasks)


def _open_orders(conn: Connection, collection: str, site_id: int) -> list[OpenOrder]:
    states = ", ".join(f"'{s}'" for s in OPEN_ORDER_STATES)
    rows = conn.execute(
        text(
            "SELECT id, title, kind, status, priority, due_on, assigned_to FROM work_orders "
            f"WHERE collection = :c AND site_id = :id AND status IN ({states}) "
            f"ORDER BY {PRIORITY_ORDER}, due_on NULLS LAST, id"
        ),
        {"c": collection, "id": site_id},
    )
    return [OpenOrder(**{**r._mapping, "due_on": _iso(r.due_on)}) for r in rows]


def site_sheet(
    conn: Connection, principal: Principal, collection: str, site_id: int, settings: UpkeepSettings
) -> SiteSheet:
    """A site of the caller's area as a crew sees it; raises NotFound, Unauthorized, Forbidden."""
    require_right(principal, "inspections.read")
    area = site_area(conn, collection, site_id)  # NotFound for another collection or an unknown id
    authorize(principal, "inspections.read", [area])
    level = "s.protection_level" if collection != "graves" else "NULL::text"
    row = conn.execute(
        text(
            f"SELECT s.name, s.kind, {_martyr(collection)} AS martyr_name, {level} AS protection_level, "
            "s.area_code, a.name AS area_name, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat, s.condition_index, "
            f"s.upkeep_status, s.last_inspected_on, {next_due_sql(collection, settings, 's')} AS next_due_on, "
            f"s.version FROM {collection} s LEFT JOIN areas a ON a.code = s.area_code WHERE s.id = :id"
        ),
        {"id": site_id},
    ).one()
    m = dict(row._mapping)
    m["last_inspected_on"], m["next_due_on"] = _iso(m["last_inspected_on"]), _iso(m["next_due_on"])
    names = readable_crew_fields(principal, collection, area)
    values = conn.execute(
        text(f"SELECT {', '.join(names)} FROM {collection} WHERE id = :id"), {"id": site_id}
    ).one()
    return SiteSheet(
        collection=collection,
        site_id=site_id,
        **m,
        open_orders=_open_orders(conn, collection, site_id),
        fields=dict(values._mapping),
    )
