"""Upkeep figures of an area: the report per child area and the sites of the upkeep map, for staff.

The report has one row per child area (province → cities, city → counties, county → townships, township →
villages; the whole atlas → provinces), a row for sites filed under the area itself when there are any, and a
total. Per row: sites per collection (memorials, cemeteries, graves; graves moved into a cemetery are left out:
their new grave is the one looked after), sites inspected in the year (distinct sites with an inspection whose
China Standard Time date lies in the year), the upkeep status counts and the mean condition index (0-100) of the
sites' current condition, sites overdue for inspection today (next due date before today, or never inspected;
``geo.upkeep.schedules``), open work orders (status not verified, rejected or duplicate) and the spend: the sum of
``cost_actual`` (yuan) of work orders done or verified whose move to done (else last change) lies in the year.
Sites are placed by their area code; work orders by the area code they were filed under. Positions are WGS-84.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, text

from geo.accounts.permissions import authorize
from geo.atlas.areas import AreaRef, Bounds, area_bounds, existing_area, unit_shapes
from geo.models import UPKEEP_COLLECTIONS
from geo.principal import Principal
from geo.settings import UpkeepSettings
from geo.upkeep.schedules import CHINA, china_today, next_due_sql, overdue_sql
from geo.vocab import UPKEEP_STATUSES, area_prefix

READ = "inspections.read"  # the report shows inspections and work orders: staff of the area only
CLOSED_ORDER_STATUSES = ("verified", "rejected", "duplicate")
SPENT_ORDER_STATUSES = ("done", "verified")
MAX_MAP_SITES = 20_000
"""More sites than this (a province of the real atlas) are not drawn one by one: open a smaller area."""


@dataclass
class UpkeepFigures:
    """The upkeep figures of one row: an area, the sites filed under the area itself, or the total."""

    code: str | None
    name: str
    level: str | None
    row: str = "unit"  # unit (a child area), own (sites filed under the area itself) or total
    sites: dict[str, int] = field(default_factory=lambda: dict.fromkeys(UPKEEP_COLLECTIONS, 0))
    inspected: int = 0
    conditions: dict[str, int] = field(default_factory=lambda: dict.fromkeys(UPKEEP_STATUSES, 0))
    index_sum: int = 0
    indexed: int = 0
    overdue: int = 0
    open_orders: int = 0
    spend: Decimal = Decimal("0.00")

    @property
    def total_sites(self) -> int:
        """Sites of the three collections together."""
        return sum(self.sites.values())

    @property
    def share_inspected(self) -> float | None:
        """Inspected sites over all sites (0-1); None without sites."""
        return self.inspected / self.total_sites if self.total_sites else None

    @property
    def mean_index(self) -> float | None:
        """Mean condition index (0-100, one decimal) of the sites that have one; None when none has."""
        return round(self.index_sum / self.indexed, 1) if self.indexed else None

    def add(self, other: UpkeepFigures) -> None:
        """Add another row's counts to this one."""
        for c, n in other.sites.items():
            self.sites[c] += n
        for s, n in other.conditions.items():
            self.conditions[s] += n
        self.inspected += other.inspected
        self.index_sum += other.index_sum
        self.indexed += other.indexed
        self.overdue += other.overdue
        self.open_orders += other.open_orders
        self.spend += other.spend

    def as_dict(self) -> dict:
        """The row as JSON-ready values."""
        share = self.share_inspected
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "row": self.row,
            "sites": dict(self.sites),
            "total_sites": self.total_sites,
            "inspected": self.inspected,
            "share_inspected": None if share is None else round(share, 4),
            "conditions": dict(self.conditions),
            "mean_condition_index": self.mean_index,
            "overdue": self.overdue,
            "open_work_orders": self.open_orders,
            "spend_yuan": float(self.spend),
        }


@dataclass(frozen=True)
class UpkeepReport:
    """The report of an area (None: the whole atlas) for a year, as of ``today`` (China Standard Time)."""

    area: AreaRef | None
    year: int
    today: dt.date
    rows: list[UpkeepFigures]
    total: UpkeepFigures

    def as_dict(self) -> dict:
        """The report as JSON-ready values."""
        area = (
            None
            if self.area is None
            else {"code": self.area.code, "name": self.area.name, "level": self.area.level}
        )
        return {
            "area": area,
            "year": self.year,
            "today": self.today.isoformat(),
            "rows": [r.as_dict() for r in self.rows],
            "total": self.total.as_dict(),
        }


def _scope(conn: Connection, principal: Principal, code: AreaRef | str | None) -> tuple[AreaRef | None, str]:
    """The area (NotFound when unknown; as given when resolved before) after checking the principal may read
    upkeep there, and its prefix."""
    area = existing_area(conn, code)
    authorize(principal, READ, [area.code if area else None])
    return area, area.descendant_prefix if area else ""


def _children(conn: Connection, area: AreaRef | None) -> list[AreaRef]:
    if area is None:
        rows = conn.execute(
            text("SELECT code, level, name FROM areas WHERE parent_code IS NULL ORDER BY code")
        )
    else:
        rows = conn.execute(
            text("SELECT code, level, name FROM areas WHERE parent_code = :c ORDER BY code"), {"c": area.code}
        )
    return [AreaRef(*r) for r in rows]


def _sites_sql(settings: UpkeepSettings, extra: str = "") -> str:
    """Every upkeep site under ``:prefix`` with its condition and next due date, one SELECT per collection."""
    parts = []
    for c in UPKEEP_COLLECTIONS:
        moved = " AND s.disposition IS DISTINCT FROM 'moved'" if c == "graves" else ""
        martyr = "s.martyr_name" if c == "graves" else "NULL::text"
        parts.append(
            f"SELECT '{c}'::text AS collection, s.id, s.name, {martyr} AS martyr_name, s.area_code, "
            f"s.upkeep_status, s.condition_index, s.last_inspected_on, {next_due_sql(c, settings, 's')} AS next_due"
            f"{extra} FROM {c} s WHERE s.area_code LIKE :prefix{moved}"
        )
    return " UNION ALL ".join(parts)


_UNIT = "(SELECT k.code FROM kids k WHERE {col} LIKE k.prefix || '%' ORDER BY length(k.prefix) DESC LIMIT 1)"
_KIDS = "kids(code, prefix) AS (SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:prefixes AS text[])))"


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime(year, 1, 1, tzinfo=CHINA), dt.datetime(year + 1, 1, 1, tzinfo=CHINA)


def _site_figures(conn: Connection, params: dict, settings: UpkeepSettings) -> list:
    sql = (
        f"WITH {_KIDS}, site AS ({_sites_sql(settings)}) "
        f"SELECT {_UNIT.format(col='s.area_code')} AS unit, s.collection, s.upkeep_status, count(*) AS n, "
        "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM inspections i WHERE i.collection = s.collection "
        "AND i.site_id = s.id AND i.inspected_at >= :start AND i.inspected_at < :end)) AS inspected, "
        f"count(*) FILTER (WHERE {overdue_sql('s.next_due')}) AS overdue, "
        "coalesce(sum(s.condition_index), 0) AS index_sum, count(s.condition_index) AS indexed "
        "FROM site s GROUP BY 1, 2, 3"
    )
    return conn.execute(text(sql), params).all()


def _order_figures(conn: Connection, params: dict) -> list:
    closed = ", ".join(f"'{s}'" for s in CLOSED_ORDER_STATUSES)
    spent = ", ".join(f"'{s}'" for s in SPENT_ORDER_STATUSES)
    sql = (
        f"WITH {_KIDS}, w AS (SELECT w.area_code, w.status, w.cost_actual, coalesce((SELECT max(h.at) "
        "FROM work_order_history h WHERE h.work_order_id = w.id AND h.to_status = 'done'), w.updated_at) AS done_at "
        "FROM work_orders w WHERE w.area_code LIKE :prefix) "
        f"SELECT {_UNIT.format(col='w.area_code')} AS unit, "
        f"count(*) FILTER (WHERE w.status NOT IN ({closed})) AS open, "
        f"coalesce(sum(w.cost_actual) FILTER (WHERE w.status IN ({spent}) AND w.done_at >= :start "
        "AND w.done_at < :end), 0) AS spend FROM w GROUP BY 1"
    )
    return conn.execute(text(sql), params).all()


def upkeep_report(
    conn: Connection,
    principal: Principal,
    area_code: str | None,
    year: int,
    settings: UpkeepSettings,
    today: dt.date | None = None,
) -> UpkeepReport:
    """The upkeep report of an area (None: the whole atlas) for a year; staff of the area only."""
    area, prefix = _scope(conn, principal, area_code)
    today = today or china_today()
    kids = _children(conn, area)
    start, end = _year_bounds(year)
    params = {
        "prefix": prefix + "%",
        "codes": [k.code for k in kids],
        "prefixes": [area_prefix(k.code, k.level) for k in kids],
        "start": start,
        "end": end,
        "today": today,
    }
    rows = {k.code: UpkeepFigures(k.code, k.name, k.level) for k in kids}
    own = UpkeepFigures(
        area.code if area else None, area.name if area else "", area.level if area else None, "own"
    )
    for r in _site_figures(conn, params, settings):
        row = rows.get(r.unit, own)
        row.sites[r.collection] += r.n
        row.conditions[r.upkeep_status] += r.n
        row.inspected += r.inspected
        row.overdue += r.overdue
        row.index_sum += r.index_sum
        row.indexed += r.indexed
    for r in _order_figures(conn, params):
        row = rows.get(r.unit, own)
        row.open_orders += r.open
        row.spend += Decimal(r.spend)
    listed = list(rows.values())
    if own.total_sites or own.open_orders or own.spend:
        listed.append(own)
    total = UpkeepFigures(
        area.code if area else None, area.name if area else "", area.level if area else None, "total"
    )
    for row in listed:
        total.add(row)
    return UpkeepReport(area, year, today, listed, total)


@dataclass(frozen=True)
class UpkeepSite:
    """A site on the upkeep map: WGS-84 position, current condition, schedule and open work orders."""

    collection: str
    id: int
    name: str
    martyr_name: str | None
    area_code: str
    lon: float
    lat: float
    upkeep_status: str
    condition_index: int | None
    last_inspected_on: dt.date | None
    next_due: dt.date | None
    overdue: bool
    open_orders: int


@dataclass(frozen=True)
class UpkeepMapData:
    """The sites of an area's upkeep map (empty with ``sites_left_out`` when there are too many to draw)."""

    area: AreaRef | None
    today: dt.date
    sites: list[UpkeepSite]
    bounds: Bounds | None
    sites_left_out: int = 0
    outlines: dict = field(default_factory=lambda: {"type": "FeatureCollection", "features": []})
    """The shapes of the child areas (GeoJSON, WGS-84), drawn for orientation."""


CHILD_LEVEL = {"province": "city", "city": "county", "county": "township", "township": "village"}


def upkeep_map_sites(
    conn: Connection,
    principal: Principal,
    area: AreaRef | str | None,
    settings: UpkeepSettings,
    today: dt.date | None = None,
) -> UpkeepMapData:
    """Upkeep sites of an area (a code or resolved; None: all) for its map, in one query; its staff only."""
    area, prefix = _scope(conn, principal, area)
    today = today or china_today()
    closed = ", ".join(f"'{s}'" for s in CLOSED_ORDER_STATUSES)
    sql = (
        f"WITH site AS ({_sites_sql(settings, ', ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat')}), "
        "orders AS (SELECT collection, site_id, count(*) AS n FROM work_orders "
        f"WHERE area_code LIKE :prefix AND status NOT IN ({closed}) GROUP BY 1, 2) "
        f"SELECT s.*, {overdue_sql('s.next_due')} AS overdue, coalesce(o.n, 0) AS open_orders, "
        "count(*) OVER () AS matched FROM site s "
        "LEFT JOIN orders o ON o.collection = s.collection AND o.site_id = s.id "
        "ORDER BY s.collection, s.id LIMIT :limit"
    )
    rows = conn.execute(text(sql), {"prefix": prefix + "%", "today": today, "limit": MAX_MAP_SITES + 1}).all()
    bounds = area_bounds(conn, area)
    child = "province" if area is None else CHILD_LEVEL.get(area.level)
    outlines = unit_shapes(conn, child, prefix) if child else {"type": "FeatureCollection", "features": []}
    if len(rows) > MAX_MAP_SITES:
        return UpkeepMapData(area, today, [], bounds, rows[0].matched, outlines)
    sites = [
        UpkeepSite(
            r.collection,
            r.id,
            r.name,
            r.martyr_name,
            r.area_code,
            r.lon,
            r.lat,
            r.upkeep_status,
            r.condition_index,
            r.last_inspected_on,
            r.next_due,
            r.overdue,
            r.open_orders,
        )
        for r in rows
    ]
    return UpkeepMapData(area, today, sites, bounds, 0, outlines)
