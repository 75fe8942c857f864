"""A campaign's progress by part of its area and by crew, and its tasks, for the campaign pages.

A campaign's area is split into the areas one level inside it (a county campaign: its townships; a township
campaign: its villages; a village campaign: the village itself). Every figure is one SQL statement (GROUP BY over
the campaign's work orders): ``total`` counts every task, ``done`` those done or verified (as
geo/upkeep/campaigns.py counts ``completed``), ``open`` those not yet closed, ``dropped`` those rejected or
marked duplicate. A staff member whose area lies inside the campaign's (a township planner of a county campaign)
sees the figures and tasks of its own area only. Unknown filter values are InvalidInput keyed for the catalogue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, text

from geo import vocab
from geo.errors import InvalidInput
from geo.kit.like import starts_with
from geo.models import WORK_ORDER_STATUSES
from geo.principal import Principal
from geo.upkeep.campaigns import get_campaign
from geo.vocab import area_prefix

LEVELS = ("province", "city", "county", "township", "village")
DONE = ("done", "verified")
DROPPED = ("rejected", "duplicate")
TASK_PAGE = 100
"""Tasks shown per page."""


@dataclass(frozen=True)
class Part:
    """Progress of one part of a campaign: an area (code and name; None: outside every part) or a crew."""

    key: str | None
    name: str | None
    total: int
    done: int
    open: int
    dropped: int

    @property
    def share(self) -> float:
        """Done over total, 0..1 (0 when there are no tasks)."""
        return self.done / self.total if self.total else 0.0


@dataclass(frozen=True)
class Task:
    """One task of a campaign with its site, where it lies and who has it."""

    id: int
    collection: str
    site_id: int
    site_name: str | None
    kind: str
    status: str
    crew: str | None
    part_code: str | None
    part_name: str | None
    due_on: dt.date | None
    updated_at: dt.datetime


@dataclass(frozen=True)
class Progress:
    """A campaign (as geo/upkeep/campaigns.py reads it) with its parts' and crews' progress."""

    campaign: dict
    part_level: str
    parts: list[Part]
    crews: list[Part]
    states: dict[str, int]
    """Tasks per state (those of the caller's area only, as the parts)."""


def part_level(level: str) -> str:
    """The level a campaign of an area of ``level`` is split by: one level inside it (a village: itself)."""
    index = LEVELS.index(level)
    return LEVELS[min(index + 1, len(LEVELS) - 1)]


def _scope(conn: Connection, principal: Principal, campaign: dict) -> tuple[str, str, dict]:
    """(level of the parts, SQL of the parts, params) of a campaign; ``w.area_code`` cut to the caller's area."""
    level = conn.execute(
        text("SELECT level FROM areas WHERE code = :c"), {"c": campaign["area_code"]}
    ).scalar_one()
    child = part_level(level)
    n = vocab.AREA_CODE_PREFIX[child]
    params: dict = {"id": campaign["id"], "area": campaign["area_code"], "n": n, "child": child}
    parts = "SELECT code, name, left(code, :n) AS p FROM areas " + (
        "WHERE code = :area" if level == "village" else "WHERE parent_code = :area AND level = :child"
    )
    mine = ""
    if principal.area_code is not None:
        params["mine"] = starts_with(principal.area_prefix or area_prefix(principal.area_code))
        mine = " AND w.area_code LIKE :mine"
    return child, f"WITH parts AS ({parts}) ", {**params, "_mine": mine}


_FIGURES = (
    "count(*) AS total, count(*) FILTER (WHERE w.status IN ('done', 'verified')) AS done, "
    "count(*) FILTER (WHERE w.status NOT IN ('done', 'verified', 'rejected', 'duplicate')) AS open, "
    "count(*) FILTER (WHERE w.status IN ('rejected', 'duplicate')) AS dropped"
)


def campaign_progress(conn: Connection, principal: Principal, campaign_id: int) -> Progress:
    """A campaign with its progress per part of its area and per crew (unassigned tasks: key None)."""
    campaign = get_campaign(conn, principal, campaign_id)
    child, with_parts, params = _scope(conn, principal, campaign)
    mine = params.pop("_mine")
    parts = conn.execute(
        text(
            f"{with_parts}SELECT p.code AS key, p.name, {_FIGURES} FROM work_orders w "
            f"LEFT JOIN parts p ON p.p = left(w.area_code, :n) WHERE w.campaign_id = :id{mine} "
            "GROUP BY p.code, p.name ORDER BY p.code NULLS LAST"
        ),
        params,
    )
    crews = conn.execute(
        text(
            f"SELECT CAST(a.id AS text) AS key, a.username AS name, {_FIGURES} FROM work_orders w "
            f"LEFT JOIN accounts a ON a.id = w.assigned_to WHERE w.campaign_id = :id{mine} "
            "GROUP BY a.id, a.username ORDER BY a.username NULLS LAST"
        ),
        {k: v for k, v in params.items() if k in ("id", "mine")},
    )
    states = conn.execute(
        text(
            f"SELECT w.status, count(*) FROM work_orders w WHERE w.campaign_id = :id{mine} GROUP BY w.status"
        ),
        {k: v for k, v in params.items() if k in ("id", "mine")},
    )
    return Progress(
        campaign,
        child,
        [Part(**r._mapping) for r in parts],
        [Part(**r._mapping) for r in crews],
        {status: n for status, n in states},
    )


def campaign_tasks(
    conn: Connection,
    principal: Principal,
    campaign: dict,
    status: str | None = None,
    part: str | None = None,
    offset: int = 0,
    limit: int = TASK_PAGE,
) -> tuple[int, list[Task]]:
    """The tasks of a campaign read by ``get_campaign`` (optionally in one status and one part of its area), by
    part, site and kind, with their number; ``part`` is a code from ``campaign_progress``'s parts."""
    if status is not None and status not in WORK_ORDER_STATUSES:
        raise InvalidInput(
            f"unknown task state {status!r}; expected one of: {', '.join(WORK_ORDER_STATUSES)}",
            key="campaigns.bad_state",
            params={"value": status},
        )
    _, with_parts, params = _scope(conn, principal, campaign)
    where = "w.campaign_id = :id" + params.pop("_mine")
    if status is not None:
        where += " AND w.status = :status"
        params["status"] = status
    if part is not None:
        known = conn.execute(
            text(f"{with_parts}SELECT count(*) FROM parts WHERE code = :part"),
            {
                **params,
                "part": part,
            },
        ).scalar_one()
        if not known:
            raise InvalidInput(
                f"area {part!r} is not a part of campaign {campaign['id']}",
                key="campaigns.bad_part",
                params={"value": part},
            )
        where += " AND p.code = :part"
        params["part"] = part
    joins = (
        "FROM work_orders w LEFT JOIN parts p ON p.p = left(w.area_code, :n) "
        "LEFT JOIN accounts a ON a.id = w.assigned_to "
        "LEFT JOIN memorials m ON w.collection = 'memorials' AND m.id = w.site_id "
        "LEFT JOIN cemeteries c ON w.collection = 'cemeteries' AND c.id = w.site_id "
        "LEFT JOIN graves g ON w.collection = 'graves' AND g.id = w.site_id "
    )
    total = conn.execute(text(f"{with_parts}SELECT count(*) {joins}WHERE {where}"), params).scalar_one()
    rows = conn.execute(
        text(
            f"{with_parts}SELECT w.id, w.collection, w.site_id, coalesce(m.name, c.name, g.name) AS site_name, "
            "w.kind, w.status, a.username AS crew, p.code AS part_code, p.name AS part_name, w.due_on, "
            f"w.updated_at {joins}WHERE {where} "
            "ORDER BY p.code NULLS LAST, site_name, w.collection, w.site_id, w.kind, w.id "
            "LIMIT :limit OFFSET :offset"
        ),
        {**params, "limit": limit, "offset": offset},
    )
    return total, [Task(**r._mapping) for r in rows]


def start_areas(conn: Connection, principal: Principal) -> list[tuple[str, str, str]]:
    """(code, name, level) of the areas a campaign may be started for from the page: the caller's own area first,
    then those one level inside it (the whole atlas: the provinces), by code."""
    if principal.area_code is None:
        rows = conn.execute(
            text("SELECT code, name, level FROM areas WHERE level = 'province' ORDER BY code LIMIT 400")
        )
        return [(r.code, r.name, r.level) for r in rows]
    rows = conn.execute(
        text(
            "SELECT code, name, level FROM areas WHERE code = :code OR parent_code = :code "
            "ORDER BY code <> :code, code LIMIT 400"
        ),
        {"code": principal.area_code},
    )
    return [(r.code, r.name, r.level) for r in rows]
