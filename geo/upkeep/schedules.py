"""Inspection schedules: each site's cycle, next due date and state, the overdue sites of an area and their counts.

A memorial or cemetery is inspected every ``cycle_days_<protection level>`` days, a scattered grave every
``cycle_days_scattered_grave`` and a grave in a cemetery every ``cycle_days_cemetery_grave`` (UpkeepSettings,
``VETMAP_UPKEEP_CYCLE_DAYS_*``). The next due date is the last inspection date (China Standard Time) plus the
cycle; a site never inspected is due at once (``next_due_on`` NULL in SQL). The dates are computed in SQL at read
time, so a changed cycle applies to every site at once, without a rewrite.

A site's state on a day (``as_of``, China Standard Time; default today) is ``never_inspected`` when it has no
inspection (due now: ``next_due_on`` is ``as_of``, ``days_overdue`` null, listed first), ``overdue`` when its
next due date has passed (``days_overdue`` > 0), ``due_soon`` when it falls within ``due_soon_days`` from today
(today included) and ``ok`` after that. An old scattered-grave record whose grave was moved into a cemetery
(disposition ``moved``) has no schedule: the grave is looked after at its new record. The crews' task lists
(geo/upkeep/crew_tasks.py) and the upkeep report (geo/upkeep/report.py) use the same expressions.

Each listing is one SQL statement, a UNION ALL of one branch per collection, each cut to the area by
``area_code LIKE 'prefix%'`` (the text_pattern_ops index of each site table). Staff only, in their area.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from geo.accounts.permissions import authorize, require_right
from geo.atlas.areas import require_area
from geo.errors import InvalidInput
from geo.kit.like import starts_with
from geo.models import UPKEEP_COLLECTIONS
from geo.principal import Principal
from geo.settings import UpkeepSettings
from geo.vocab import PROTECTION_LEVELS, area_prefix

STATES = ("overdue", "due_soon", "ok", "never_inspected")
"""Schedule states of a site, from most to least urgent (never inspected: overdue since ever)."""
READ = "schedules.read"
CHINA = ZoneInfo("Asia/Shanghai")
"""The calendar inspections are dated by (China Standard Time, UTC+8, no daylight saving)."""


def china_today() -> dt.date:
    """Today's date in China Standard Time, the day of the inspection schedules."""
    return dt.datetime.now(CHINA).date()


# -- the schedule of a site, as SQL expressions ------------------------------------------------------------------


def cycle_sql(collection: str, settings: UpkeepSettings, alias: str = "") -> str:
    """SQL expression of a site's inspection cycle in days (an integer) for rows of ``collection``."""
    if collection not in UPKEEP_COLLECTIONS:
        raise ValueError(f"{collection} have no inspection schedule")
    days = settings.cycle_days()  # validated integers: safe to write into the SQL
    col = f"{alias}." if alias else ""
    if collection == "graves":
        return (
            f"(CASE WHEN {col}kind = 'in_cemetery' THEN {days['cemetery_grave']} "
            f"ELSE {days['scattered_grave']} END)"
        )
    whens = " ".join(f"WHEN '{level}' THEN {days[level]}" for level in PROTECTION_LEVELS)
    return f"(CASE {col}protection_level {whens} END)"


def next_due_sql(collection: str, settings: UpkeepSettings, alias: str = "") -> str:
    """SQL expression of a site's next inspection date (a date; NULL when never inspected: due now)."""
    col = f"{alias}." if alias else ""
    return f"({col}last_inspected_on + {cycle_sql(collection, settings, alias)})"


def state_sql(due: str) -> str:
    """SQL expression of the state (one of STATES) of a site due on ``due`` (a next-due-date expression, NULL:
    never inspected), on the date ``:today`` with ``:soon`` due-soon days (both bound parameters)."""
    return (
        f"(CASE WHEN {due} IS NULL THEN 'never_inspected' WHEN {due} < :today THEN 'overdue' "
        f"WHEN {due} <= :today + :soon THEN 'due_soon' ELSE 'ok' END)"
    )


def overdue_sql(due: str) -> str:
    """SQL condition: a site due on ``due`` is overdue on the date ``:today`` (never inspected: overdue too)."""
    return f"({due} IS NULL OR {due} < :today)"


# -- the schedule of an area -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleQuery:
    """What to list: area code (None: the caller's area), state, collections, the day, paging."""

    area: str | None = None
    state: str | None = None
    collections: tuple[str, ...] = UPKEEP_COLLECTIONS
    as_of: dt.date | None = None
    limit: int = 100
    offset: int = 0
    geometry: bool = False


def check_query(query: ScheduleQuery) -> None:
    """Raise InvalidInput for an unknown state or collection."""
    if query.state is not None and query.state not in STATES:
        raise InvalidInput(f"unknown state {query.state!r}; expected one of: {', '.join(STATES)}")
    unknown = sorted(set(query.collections) - set(UPKEEP_COLLECTIONS))
    if unknown or not query.collections:
        raise InvalidInput(
            f"unknown collection {', '.join(unknown) or '(none)'}; "
            f"expected some of: {', '.join(UPKEEP_COLLECTIONS)}"
        )


def scope(conn: Connection, principal: Principal, area: str | None) -> tuple[str | None, str]:
    """The area code and code prefix a schedule read covers; raises Unauthorized, Forbidden, InvalidInput."""
    require_right(principal, READ)
    if area is None:
        mine = principal.area_code
        return mine, "" if mine is None else (principal.area_prefix or area_prefix(mine))
    ref = require_area(conn, area)
    authorize(principal, READ, [ref.code])
    return ref.code, ref.descendant_prefix


def _branch(collection: str, settings: UpkeepSettings, geometry: bool) -> str:
    """One collection's rows: identity, cycle, last inspection and next due date (``due`` NULL: never)."""
    level = "s.protection_level" if collection != "graves" else "CAST(NULL AS text)"
    martyr = "s.martyr_name" if collection == "graves" else "CAST(NULL AS text)"
    moved = " AND s.disposition IS DISTINCT FROM 'moved'" if collection == "graves" else ""
    geom = ", CAST(ST_AsGeoJSON(s.geom, 7) AS json) AS geometry" if geometry else ""
    return (
        f"SELECT CAST('{collection}' AS text) AS collection, s.id, s.name, s.area_code, CAST(s.kind AS text) "
        f"AS kind, {martyr} AS martyr_name, {level} AS protection_level, {cycle_sql(collection, settings, 's')} AS cycle_days, "
        f"s.last_inspected_on, {next_due_sql(collection, settings, 's')} AS due, s.condition_index, "
        f"s.upkeep_status{geom} FROM {collection} s WHERE s.area_code LIKE :prefix{moved}"
    )


def _rows_sql(collections: tuple[str, ...], settings: UpkeepSettings, geometry: bool) -> str:
    """Every site of the collections with its state and days overdue on ``:today``."""
    union = " UNION ALL ".join(_branch(c, settings, geometry) for c in collections)
    return f"SELECT u.*, {state_sql('u.due')} AS state FROM ({union}) u"


def _params(prefix: str, as_of: dt.date | None, settings: UpkeepSettings) -> dict:
    return {"prefix": starts_with(prefix), "today": as_of or china_today(), "soon": settings.due_soon_days}


def _item(row, today: dt.date) -> dict:
    m = row._mapping
    due = m["due"]
    item = {
        "collection": m["collection"],
        "site_id": m["id"],
        "name": m["name"],
        "martyr_name": m["martyr_name"],
        "area_code": m["area_code"],
        "kind": m["kind"],
        "protection_level": m["protection_level"],
        "cycle_days": m["cycle_days"],
        "last_inspected_on": m["last_inspected_on"].isoformat() if m["last_inspected_on"] else None,
        "next_due_on": (due or today).isoformat(),
        "days_overdue": None if due is None else max(0, (today - due).days),
        "state": m["state"],
        "condition_index": m["condition_index"],
        "upkeep_status": m["upkeep_status"],
    }
    if "geometry" in m:
        item["geometry"] = m["geometry"]
    return item


def list_schedule(
    conn: Connection, principal: Principal, query: ScheduleQuery, settings: UpkeepSettings
) -> dict:
    """Sites of an area with their schedule, most overdue first (never inspected first), with numberMatched."""
    check_query(query)
    area, prefix = scope(conn, principal, query.area)
    params = _params(prefix, query.as_of, settings)
    where = " WHERE r.state = :state" if query.state else ""
    sql = (
        f"SELECT r.*, count(*) OVER () AS matched FROM ({_rows_sql(query.collections, settings, query.geometry)}) r"
        f"{where} ORDER BY r.due ASC NULLS FIRST, r.collection, r.id LIMIT :limit OFFSET :offset"
    )
    params.update(state=query.state, limit=query.limit, offset=query.offset)
    rows = conn.execute(text(sql), params).all()
    if rows:
        matched = rows[0].matched
    else:  # past the last page (or nothing at all): count on its own
        count_sql = f"SELECT count(*) FROM ({_rows_sql(query.collections, settings, False)}) r{where}"
        matched = conn.execute(text(count_sql), params).scalar_one()
    items = [_item(r, params["today"]) for r in rows]
    return {"area": area, "as_of": params["today"].isoformat(), "numberMatched": matched, "items": items}


def schedule_summary(
    conn: Connection,
    principal: Principal,
    area: str | None,
    settings: UpkeepSettings,
    as_of: dt.date | None = None,
) -> dict:
    """Counts of sites per state, in all and per collection, of an area (with its sub-areas)."""
    code, prefix = scope(conn, principal, area)
    params = _params(prefix, as_of, settings)
    rows = conn.execute(
        text(
            f"SELECT r.collection, r.state, count(*) AS n FROM ({_rows_sql(UPKEEP_COLLECTIONS, settings, False)}) r "
            "GROUP BY r.collection, r.state"
        ),
        params,
    ).all()
    per = {c: {"total": 0, **dict.fromkeys(STATES, 0)} for c in UPKEEP_COLLECTIONS}
    states = dict.fromkeys(STATES, 0)
    for r in rows:
        per[r.collection][r.state] = r.n
        per[r.collection]["total"] += r.n
        states[r.state] += r.n
    return {
        "area": code,
        "as_of": params["today"].isoformat(),
        "due_soon_days": settings.due_soon_days,
        "total": sum(states.values()),
        "states": states,
        "collections": per,
    }
