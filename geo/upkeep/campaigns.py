"""Seasonal campaigns (Qingming 清明, Martyrs' Day 烈士纪念日 9·30): one campaign row and its tasks.

Creating a campaign for an area makes, for every site in it (memorials, cemeteries and scattered graves by
default; a scattered-grave record whose grave was moved into a cemetery is skipped) and every task kind
(cleaning, tribute), one work order with status ``triaged``: the tasks are planned by a planner, so nobody needs
to triage them and they can be assigned at once. Each gets one ``work_order_history`` row (created → triaged),
``due_on`` the campaign's due date and ``campaign_id`` set. Campaign, tasks and history are written in the
caller's transaction by set-based SQL (INSERT ... SELECT), audited once for the campaign with the task count.

One campaign per kind, area and year (the unique constraint): the same again answers CampaignExists (409, with
the existing id). Campaigns of the same kind and year may not overlap either (a county campaign and one of a
township inside it would make two tasks per site); creations of one kind and year are serialised by an advisory
lock so two overlapping requests cannot both pass that check.

Default dates: Qingming campaigns start on 15 March and are due on the day of the Qingming solar term (4 or 5
April), computed by ``qingming_date``; Martyrs' Day campaigns start on 1 September and are due on 30 September.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import Connection, text

from geo import vocab
from geo.accounts.audit import Actor, record
from geo.accounts.permissions import authorize, require_right
from geo.atlas.areas import require_area
from geo.errors import Conflict, Forbidden, InvalidInput, NotFound
from geo.models import CAMPAIGN_KINDS, WORK_ORDER_KINDS
from geo.principal import Principal
from geo.vocab import area_prefix

CREATE = "campaigns.create"
READ = "campaigns.read"
TASK_KINDS = ("cleaning", "tribute")
"""Work-order kinds a campaign makes (repairs come from inspections, not campaigns)."""
SITE_SETS = ("memorials", "cemeteries", "scattered_graves", "graves")
"""What a campaign may cover: ``graves`` is every grave, ``scattered_graves`` only those outside cemeteries."""
DEFAULT_SITE_SETS = ("memorials", "cemeteries", "scattered_graves")
TASK_STATUS = "triaged"
YEARS = (2000, 2100)
_NAMES = {"qingming": "清明祭扫", "martyrs_day": "烈士纪念日祭扫"}
_TASK_TITLES = {
    ("qingming", "cleaning"): "清明祭扫前清洁",
    ("qingming", "tribute"): "清明祭扫",
    ("martyrs_day", "cleaning"): "烈士纪念日前清洁",
    ("martyrs_day", "tribute"): "烈士纪念日敬献花篮",
    ("other", "cleaning"): "清洁",
    ("other", "tribute"): "祭扫",
}


def _sun_longitude(jde: float) -> float:
    """Apparent ecliptic longitude of the sun in degrees at Julian ephemeris day ``jde`` (Meeus ch. 25, ±0.01°)."""
    t = (jde - 2451545.0) / 36525
    mean = 280.46646 + 36000.76983 * t + 0.0003032 * t * t
    m = math.radians(357.52911 + 35999.05029 * t - 0.0001537 * t * t)
    centre = (
        (1.914602 - 0.004817 * t - 0.000014 * t * t) * math.sin(m)
        + (0.019993 - 0.000101 * t) * math.sin(2 * m)
        + 0.000289 * math.sin(3 * m)
    )
    omega = math.radians(125.04 - 1934.136 * t)
    return (mean + centre - 0.00569 - 0.00478 * math.sin(omega)) % 360


def qingming_moment(year: int) -> dt.datetime:
    """The moment (China Standard Time, about ±15 min) the sun reaches apparent longitude 15°: the Qingming term."""
    jde = dt.date(year, 4, 4).toordinal() + 1721424.5
    for _ in range(8):
        jde += ((15.0 - _sun_longitude(jde) + 180) % 360 - 180) * 365.2422 / 360
    y = year - 2000
    delta_t = (
        62.92 + 0.32217 * y + 0.005589 * y * y
    )  # TT - UT in seconds (Espenak & Meeus; rough far from 2000)
    utc = dt.datetime(2000, 1, 1, 12) + dt.timedelta(days=jde - 2451545.0, seconds=-delta_t)
    return utc + dt.timedelta(hours=8)


def qingming_date(year: int) -> dt.date:
    """The day of Qingming (4 or 5 April) in China; when the computed moment lies within 30 minutes of midnight
    the earlier day is taken (the method is good to about 15 minutes, and a deadline a day early is harmless)."""
    moment = qingming_moment(year)
    minutes = moment.hour * 60 + moment.minute
    if minutes < 30:
        return moment.date() - dt.timedelta(days=1)
    return moment.date()


def default_dates(kind: str, year: int) -> tuple[dt.date, dt.date] | None:
    """(starts_on, due_on) of a campaign kind in a year; None for ``other`` (the caller gives them)."""
    if kind == "qingming":
        return dt.date(year, 3, 15), qingming_date(year)
    if kind == "martyrs_day":
        return dt.date(year, 9, 1), dt.date(year, 9, 30)
    return None


@dataclass(frozen=True)
class CampaignInput:
    """A campaign to create; omitted fields take the defaults of its kind."""

    kind: str
    area: str
    year: int
    title: str | None = None
    starts_on: dt.date | None = None
    due_on: dt.date | None = None
    task_kinds: tuple[str, ...] = TASK_KINDS
    collections: tuple[str, ...] = DEFAULT_SITE_SETS


class CampaignExists(Conflict):
    """A campaign of this kind, area and year (or one overlapping it) exists already: ``campaign_id``."""

    def __init__(self, message: str, campaign_id: int, params: dict | None = None) -> None:
        super().__init__(message, key="campaigns.exists", params={"id": campaign_id, **(params or {})})
        self.campaign_id = campaign_id


def resolve_campaign(data: CampaignInput) -> tuple[str, dt.date, dt.date]:
    """Title, start and due date of a campaign after defaults; raises InvalidInput when the input is bad."""
    if data.kind not in CAMPAIGN_KINDS:
        raise InvalidInput(
            f"unknown campaign kind {data.kind!r}; expected one of: {', '.join(CAMPAIGN_KINDS)}"
        )
    if isinstance(data.year, bool) or not YEARS[0] <= data.year <= YEARS[1]:
        raise InvalidInput(f"year must be {YEARS[0]}-{YEARS[1]}, not {data.year!r}")
    bad = sorted(set(data.task_kinds) - set(TASK_KINDS))
    if bad or not data.task_kinds:
        raise InvalidInput(
            f"task_kinds must be some of {', '.join(TASK_KINDS)}, not {', '.join(bad) or 'none'}"
        )
    bad = sorted(set(data.collections) - set(SITE_SETS))
    if bad or not data.collections:
        raise InvalidInput(
            f"collections must be some of {', '.join(SITE_SETS)}, not {', '.join(bad) or 'none'}"
        )
    defaults = default_dates(data.kind, data.year)
    if defaults is None and (data.due_on is None or data.starts_on is None or not data.title):
        raise InvalidInput("a campaign of kind 'other' needs title, starts_on and due_on")
    starts = data.starts_on or defaults[0]
    due = data.due_on or defaults[1]
    if due < starts:
        raise InvalidInput(f"due_on {due} lies before starts_on {starts}")
    title = (data.title or f"{data.year}年{_NAMES.get(data.kind, '')}").strip()
    if not 1 <= len(title) <= 200 or "\x00" in title:
        raise InvalidInput("title must have 1-200 characters (and no NUL)")
    return title, starts, due


def _prefix_sql(code: str, level: str) -> str:
    """SQL of the descendant prefix of an area code column, by the level column (see geo/vocab.py)."""
    whens = " ".join(f"WHEN '{lv}' THEN {n}" for lv, n in vocab.AREA_CODE_PREFIX.items())
    return f"left({code}, CASE {level} {whens} END)"


def _overlapping(conn: Connection, kind: str, year: int, code: str, prefix: str) -> tuple[int, str] | None:
    """The campaign of this kind and year whose area contains, equals or lies in area ``code``, if any."""
    row = conn.execute(
        text(
            "SELECT c.id, c.area_code FROM campaigns c JOIN areas a ON a.code = c.area_code "
            "WHERE c.kind = :kind AND c.year = :year AND (c.area_code LIKE :like "
            f"OR :code LIKE {_prefix_sql('a.code', 'a.level')} || '%') ORDER BY c.id LIMIT 1"
        ),
        {"kind": kind, "year": year, "like": prefix + "%", "code": code},
    ).first()
    return None if row is None else (row.id, row.area_code)


def _exists(conn: Connection, data: CampaignInput, code: str, prefix: str) -> CampaignExists:
    """The error naming the campaign of this kind and year that covers area ``code`` (or lies in it)."""
    campaign_id, other = _overlapping(conn, data.kind, data.year, code, prefix) or (0, code)
    where = f"area {code}" if other == code else f"area {other}, which overlaps area {code}"
    name = conn.execute(text("SELECT name FROM areas WHERE code = :c"), {"c": other}).scalar_one_or_none()
    return CampaignExists(
        f"a {data.kind} campaign of {data.year} for {where} exists already: campaign {campaign_id}",
        campaign_id,
        {"year": data.year, "area": other, "area_name": name or other},
    )


def _sites_sql(collections: tuple[str, ...]) -> str:
    """The sites a campaign covers (collection, id, area, name), each collection cut to ``:prefix``."""
    parts = []
    for name in ("memorials", "cemeteries"):
        if name in collections:
            parts.append(
                f"SELECT CAST('{name}' AS text) AS collection, id, area_code, name FROM {name} "
                "WHERE area_code LIKE :prefix"
            )
    if "graves" in collections or "scattered_graves" in collections:
        scattered = "" if "graves" in collections else " AND kind = 'scattered'"
        parts.append(
            "SELECT CAST('graves' AS text), id, area_code, name FROM graves WHERE area_code LIKE :prefix"
            f" AND disposition IS DISTINCT FROM 'moved'{scattered}"
        )
    return " UNION ALL ".join(parts)


_TASKS_SQL = """
WITH sites AS ({sites}),
kinds AS (SELECT * FROM unnest(CAST(:kinds AS text[]), CAST(:labels AS text[])) AS k(kind, label)),
orders AS (
    INSERT INTO work_orders (collection, site_id, area_code, title, description, status, priority, due_on,
                             reported_by, kind, campaign_id)
    SELECT s.collection, s.id, s.area_code, left(k.label || ': ' || s.name, 200), :description, :status,
           'normal', :due_on, :account, k.kind, :campaign_id
    FROM sites s CROSS JOIN kinds k ORDER BY s.collection, s.id, k.kind
    RETURNING id, title, description, due_on, kind
),
history AS (
    INSERT INTO work_order_history (work_order_id, account_id, actor, from_status, to_status, changes, note,
                                    version)
    SELECT o.id, :account, :actor, NULL, :status,
           jsonb_build_object('title', jsonb_build_array(NULL, o.title),
                              'description', jsonb_build_array(NULL, o.description),
                              'priority', jsonb_build_array(NULL, 'normal'),
                              'due_on', jsonb_build_array(NULL, o.due_on),
                              'kind', jsonb_build_array(NULL, o.kind),
                              'campaign_id', jsonb_build_array(NULL, CAST(:campaign_id AS bigint))),
           :note, 1
    FROM orders o
    RETURNING 1
)
SELECT count(*) FROM history
"""


def create_campaign(conn: Connection, actor: Actor, data: CampaignInput) -> dict:
    """Create a campaign and its tasks (one per site and task kind) in the actor's area; audited once."""
    p = actor.principal
    require_right(p, CREATE)
    title, starts, due = resolve_campaign(data)
    area = require_area(conn, data.area)
    authorize(p, CREATE, [area.code])
    prefix = area.descendant_prefix
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"campaign:{data.kind}:{data.year}"}
    )
    if _overlapping(conn, data.kind, data.year, area.code, prefix) is not None:
        raise _exists(conn, data, area.code, prefix)
    campaign_id = conn.execute(
        text(
            "INSERT INTO campaigns (kind, title, area_code, year, starts_on, due_on, created_by) "
            "VALUES (:kind, :title, :area, :year, :starts, :due, :by) "
            "ON CONFLICT ON CONSTRAINT uq_campaigns_kind_area_year DO NOTHING RETURNING id"
        ),
        {
            "kind": data.kind,
            "title": title,
            "area": area.code,
            "year": data.year,
            "starts": starts,
            "due": due,
            "by": p.user_id,
        },
    ).scalar_one_or_none()
    if campaign_id is None:  # the unique constraint, should a writer outside this function have been first
        raise _exists(conn, data, area.code, prefix)
    kinds = [k for k in WORK_ORDER_KINDS if k in data.task_kinds]
    count = conn.execute(
        text(_TASKS_SQL.format(sites=_sites_sql(tuple(data.collections)))),
        {
            "prefix": prefix + "%",
            "kinds": kinds,
            "labels": [_TASK_TITLES[(data.kind, k)] for k in kinds],
            "description": title,
            "status": TASK_STATUS,
            "due_on": due,
            "account": p.user_id,
            "actor": p.username,
            "campaign_id": campaign_id,
            "note": f"campaign {campaign_id}: {title}",
        },
    ).scalar_one()
    campaign = _read(conn, campaign_id)
    after = {**campaign, "task_kinds": kinds, "collections": list(data.collections), "tasks_created": count}
    record(conn, actor, "create", "campaigns", campaign_id, area_code=area.code, after=after)
    return {**campaign, "tasks_created": count}


_SELECT = (
    "SELECT c.id, c.kind, c.title, c.area_code, a.name AS area_name, c.year, c.starts_on, c.due_on, "
    "c.created_by, c.created_at, coalesce(t.by_status, '{}'::jsonb) AS by_status, "
    "coalesce(t.by_kind, '{}'::jsonb) AS by_kind FROM campaigns c JOIN areas a ON a.code = c.area_code "
    "LEFT JOIN LATERAL (SELECT (SELECT jsonb_object_agg(status, n) FROM (SELECT status, count(*) AS n "
    "FROM work_orders WHERE campaign_id = c.id GROUP BY status) s) AS by_status, "
    "(SELECT jsonb_object_agg(kind, n) FROM (SELECT kind, count(*) AS n FROM work_orders "
    "WHERE campaign_id = c.id GROUP BY kind) k) AS by_kind) t ON TRUE"
)
_CLOSED = ("done", "verified")


def _as_dict(row) -> dict:
    m = dict(row._mapping)
    by_status, by_kind = m.pop("by_status"), m.pop("by_kind")
    out = {k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v) for k, v in m.items()}
    total = sum(by_status.values())
    out["tasks"] = {
        "total": total,
        "completed": sum(by_status.get(s, 0) for s in _CLOSED),
        "by_status": by_status,
        "by_kind": by_kind,
    }
    return out


def _read(conn: Connection, campaign_id: int) -> dict:
    row = conn.execute(text(_SELECT + " WHERE c.id = :id"), {"id": campaign_id}).first()
    if row is None:
        raise NotFound(f"no campaign with id {campaign_id}")
    return _as_dict(row)


def _visible_sql(principal: Principal, params: dict) -> str:
    """Campaigns a staff member sees: those in its area and those whose area contains its area (it takes part)."""
    if principal.area_code is None:
        return "TRUE"
    params["mine_like"] = (principal.area_prefix or area_prefix(principal.area_code)) + "%"
    params["mine"] = principal.area_code
    return f"(c.area_code LIKE :mine_like OR :mine LIKE {_prefix_sql('a.code', 'a.level')} || '%')"


def get_campaign(conn: Connection, principal: Principal, campaign_id: int) -> dict:
    """One campaign with its progress (tasks per status and kind), for staff whose area overlaps it."""
    require_right(principal, READ)
    params: dict = {"id": campaign_id}
    row = conn.execute(
        text(f"{_SELECT} WHERE c.id = :id AND {_visible_sql(principal, params)}"), params
    ).first()
    if row is None:
        other = _read(conn, campaign_id)  # NotFound when there is none at all
        raise Forbidden(
            f"{principal.username} sees campaigns of area {principal.area_code} only; campaign {campaign_id} "
            f"is of area {other['area_code']}"
        )
    return _as_dict(row)


def list_campaigns(
    conn: Connection,
    principal: Principal,
    area: str | None,
    kind: str | None,
    year: int | None,
    limit: int,
    offset: int,
) -> tuple[int, list[dict]]:
    """Campaigns the caller sees (optionally in an area, of a kind and year), newest first, with the count."""
    require_right(principal, READ)
    params: dict = {"limit": limit, "offset": offset}
    where = [_visible_sql(principal, params)]
    if area is not None:
        where.append("c.area_code LIKE :area_like")
        params["area_like"] = require_area(conn, area).descendant_prefix + "%"
    if kind is not None:
        if kind not in CAMPAIGN_KINDS:
            raise InvalidInput(
                f"unknown campaign kind {kind!r}; expected one of: {', '.join(CAMPAIGN_KINDS)}"
            )
        where.append("c.kind = :kind")
        params["kind"] = kind
    if year is not None:
        where.append("c.year = :year")
        params["year"] = year
    cond = " AND ".join(where)
    total = conn.execute(
        text(f"SELECT count(*) FROM campaigns c JOIN areas a ON a.code = c.area_code WHERE {cond}"), params
    ).scalar_one()
    rows = conn.execute(
        text(f"{_SELECT} WHERE {cond} ORDER BY c.year DESC, c.id DESC LIMIT :limit OFFSET :offset"), params
    )
    return total, [_as_dict(r) for r in rows]
