"""The staff home's figures: one area's state at a glance, gathered from each capability's own functions.

It spans coverage, upkeep and the public side, so it sits at ``geo/``'s root rather than in one capability. A
figure the account has no right to read (a crew's moderation queues) is None, not zero: the page leaves it out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from geo.accounts.audit import Actor
from geo.accounts.permissions import allowed
from geo.atlas.areas import AreaRef, existing_area
from geo.coverage.rates import coverage_by_area, station_gaps
from geo.errors import Conflict
from geo.public.family_requests import FamilyRequestFilter, list_requests
from geo.public.moderation import count_report_photos_waiting
from geo.public.tributes import pending_tributes
from geo.settings import UpkeepSettings
from geo.upkeep.report import upkeep_report
from geo.upkeep.schedules import china_today

OPEN_FAMILY_STATUSES = ("new", "in_progress")
"""寻亲 requests still being worked on (not found or closed)."""


@dataclass(frozen=True)
class StaffHome:
    """The figures of the signed-in account's area (None: the whole atlas); None where not readable or known."""

    area: AreaRef | None
    coverage_share: float | None
    villages: int | None
    villages_beyond_reach: int | None
    units_without_station: int
    overdue_inspections: int
    open_work_orders: int
    tributes_pending: int | None
    report_photos_unpublished: int | None
    family_requests_open: int | None


def staff_home(conn: Connection, actor: Actor, upkeep: UpkeepSettings) -> StaffHome:
    """The home figures of the actor's own area: coverage, gaps, upkeep and the moderation queues."""
    principal = actor.principal
    area = existing_area(conn, principal.area_code)
    share = villages = beyond = None
    try:
        rates = coverage_by_area(conn, area)
        reach = next(s for s in rates.area.shares if s.station_level == "any")
        share, villages = reach.village_share, rates.area.villages
        beyond = villages - reach.villages_covered
    except Conflict:  # no coverage run yet: the figures are unknown, not zero
        pass
    gaps = sum(level.without_station for level in station_gaps(conn, area, None, 0, 0).levels)
    report = upkeep_report(conn, principal, principal.area_code, china_today().year, upkeep)
    tributes = families = photos = None
    if allowed(principal.role, "tributes.moderate"):
        tributes = pending_tributes(conn, actor, limit=1)[1]
    if allowed(principal.role, "photos.publish"):
        photos = count_report_photos_waiting(conn, principal)
    if allowed(principal.role, "family_requests.read"):
        families = sum(
            list_requests(conn, principal, FamilyRequestFilter(status=status), 1, 0)[0]
            for status in OPEN_FAMILY_STATUSES
        )
    return StaffHome(
        area=area,
        coverage_share=share,
        villages=villages,
        villages_beyond_reach=beyond,
        units_without_station=gaps,
        overdue_inspections=report.total.overdue,
        open_work_orders=report.total.open_orders,
        tributes_pending=tributes,
        report_photos_unpublished=photos,
        family_requests_open=families,
    )
