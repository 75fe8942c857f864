"""Who may do what, where: the one permission table (action × role) and the area rule.

Reads are public and not listed. Every non-public account holds its rights in its area code and everything
inside it (a county account: that county's townships and villages too); an account without an area code holds
them in the whole atlas. Actions on the whole atlas (a full coverage run, a travel run or siting run without an
area, road networks, which belong to no area) therefore need an account of the whole atlas.
"""

from __future__ import annotations

from collections.abc import Iterable

from geo.atlas.collections import COLLECTIONS
from geo.errors import Forbidden, Unauthorized
from geo.principal import Principal
from geo.vocab import area_prefix

_SITE_RIGHTS: dict[str, dict[str, tuple[str, ...]]] = {
    "stations": {
        "create": ("planner", "admin"),
        "update": ("planner", "admin"),
        "delete": ("planner", "admin"),
    },
    "memorials": {"create": ("admin",), "update": ("crew", "admin"), "delete": ("admin",)},
    "cemeteries": {"create": ("admin",), "update": ("crew", "admin"), "delete": ("admin",)},
    "graves": {"create": ("admin",), "update": ("crew", "admin"), "delete": ("admin",)},
}

PERMISSIONS: dict[str, frozenset[str]] = {
    **{
        f"{collection}.{verb}": frozenset(roles)
        for collection, verbs in _SITE_RIGHTS.items()
        for verb, roles in verbs.items()
    },
    "coverage.run": frozenset({"planner", "admin"}),
    "siting.run": frozenset({"planner", "admin"}),
    "travel.run": frozenset({"planner", "admin"}),
    "roads.import": frozenset({"planner", "admin"}),
    "roads.delete": frozenset({"planner", "admin"}),
    "accounts.manage": frozenset({"admin"}),
    "tokens.manage": frozenset({"admin"}),
    "audit.read": frozenset({"admin"}),
    # import (issue 8): the role also needs the collection's create and update rights, so a planner imports
    # stations only; rows outside the account's area are rejected one by one. Areas: whole-atlas admins only.
    "imports.run": frozenset({"planner", "admin"}),
    "areas.import": frozenset({"admin"}),
    # upkeep (issue 6): inspections and work orders are staff-only, reads included, all in the site's area
    "inspections.read": frozenset({"crew", "planner", "admin"}),
    "inspections.create": frozenset({"crew", "admin"}),
    "work_orders.read": frozenset({"crew", "planner", "admin"}),
    "work_orders.create": frozenset({"crew", "planner", "admin"}),
    "work_orders.update": frozenset({"crew", "planner", "admin"}),  # crew: orders assigned to it, few fields
    "work_orders.triage": frozenset({"planner", "admin"}),  # triage, assign, verify, reject, mark duplicate
    "work_orders.work": frozenset({"crew", "admin"}),  # start and finish (crew: orders assigned to it)
    "schedules.read": frozenset({"crew", "planner", "admin"}),  # inspection schedules and overdue lists
    "campaigns.read": frozenset({"crew", "planner", "admin"}),
    "campaigns.create": frozenset({"planner", "admin"}),  # seasonal campaigns and their tasks
    # martyr records (英名录, issue 7): read by anyone; written by admins (records come from the national system)
    "martyrs.create": frozenset({"admin"}),
    "martyrs.update": frozenset({"admin"}),
    "martyrs.delete": frozenset({"admin"}),
    # online tribute (issue 7): messages wait for a moderator of the target's area; office work, not the crews'
    "tributes.moderate": frozenset({"planner", "admin"}),
    # family-search requests (寻亲, issue 7): the requester's contact is personal data given to the bureau's
    # office, which answers them; crews do upkeep, not casework. Reads listed: no part of a request is public.
    "family_requests.read": frozenset({"planner", "admin"}),
    "family_requests.update": frozenset({"planner", "admin"}),
    # proxy tribute (代祭扫, issue 22): like 寻亲 (the family's contact is personal data); accepting makes a work order
    "proxy_tributes.handle": frozenset({"planner", "admin"}),
    # photos (issue 7): a photo is public only once staff of its area publish it (public reports' photos wait
    # for this, as FixMyStreet moderates them); they may withdraw it again
    "photos.publish": frozenset({"crew", "planner", "admin"}),
}
"""action → the roles that may do it (in their area); the public role appears nowhere: it only reads (and not
inspections or work orders, whose reads are listed too)."""

assert set(_SITE_RIGHTS) == set(COLLECTIONS), "every site collection needs its rights"


def allowed(role: str, action: str) -> bool:
    """True when ``role`` has the right to ``action`` (somewhere); raises KeyError for an unknown action."""
    return role in PERMISSIONS[action]


def actions_of(role: str) -> list[str]:
    """The actions a role may do, sorted."""
    return sorted(a for a, roles in PERMISSIONS.items() if role in roles)


def covers(principal: Principal, area_code: str | None) -> bool:
    """True when ``area_code`` (None: the whole atlas) lies in the principal's area."""
    if principal.is_public:
        return False
    if principal.area_code is None:
        return True
    if area_code is None:
        return False
    prefix = principal.area_prefix or area_prefix(principal.area_code)
    return area_code.startswith(prefix)


def require_right(principal: Principal, action: str) -> None:
    """Raise Unauthorized for the anonymous public, Forbidden when the role lacks ``action`` anywhere."""
    roles = PERMISSIONS[action]
    if principal.is_public:
        raise Unauthorized(
            f"sign in to {action.replace('.', ' ')}: reading is public, writing is not",
            key="permission.sign_in",
            params={"action": action},
        )
    if principal.role not in roles:
        raise Forbidden(
            f"role {principal.role!r} may not {action.replace('.', ' ')}",
            key="permission.role",
            params={"role": principal.role, "action": action},
        )


def authorize_accounts(principal: Principal, action: str, areas: Iterable[str | None]) -> None:
    """``authorize`` for the administration of accounts and tokens, its refusals keyed for the catalogue
    (``error.accounts.outside_area`` with ``code`` and ``mine``, ``error.accounts.whole_atlas_only``)."""
    require_right(principal, action)
    for code in areas:
        if covers(principal, code):
            continue
        mine = principal.area_code or "the whole atlas"
        verb = action.replace(".", " ")
        if code is None:
            raise Forbidden(
                f"{principal.username} may {verb} only in {mine}, not in the whole atlas",
                key="accounts.whole_atlas_only",
                params={"mine": mine},
            )
        raise Forbidden(
            f"{principal.username} may {verb} only in {mine}, not in area {code}",
            key="accounts.outside_area",
            params={"mine": mine, "code": code},
        )


def authorize(principal: Principal, action: str, areas: Iterable[str | None]) -> None:
    """Raise unless the principal may do ``action`` in each area code of ``areas`` (None: the whole atlas)."""
    require_right(principal, action)
    for code in areas:
        if not covers(principal, code):
            where = f"area {code}" if code is not None else "the whole atlas"
            mine = principal.area_code or "the whole atlas"
            raise Forbidden(
                f"{principal.username} may {action.replace('.', ' ')} only in {mine}, not in {where}",
                key="permission.outside_area" if code is not None else "permission.whole_atlas",
                params={"mine": mine, "code": code, "action": action},
            )
