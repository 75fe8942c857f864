"""Which properties of each collection each role may read: the one field-level read policy.

Every read path (the /api/v1 site routes, OGC API items and queryables, vector tiles, the map pages)
asks this module which properties a caller may see, and selects only those from the database: a
private column is never read for a caller who may not see it.

Properties fall into three classes:

- ``public``: anyone may read them, the anonymous public included. Each collection lists its public
  properties explicitly (an allowlist), so a column added later is private until someone decides
  otherwise here.
- ``internal``: staff only (crew, planner, admin): internal notes (``notes``) and every column not
  classified otherwise (say a future inspector's name or publication flag).
- ``personal``: personal data of private people, read only by the crews who work with them and by
  admins: the name and phone number of a scattered grave's custodian (a relative or a village
  committee contact) and the name of the responsible cadre. Planners do not need them.

The area rule (issue 18): personal fields are readable only inside the reader's own area (accounts of the
whole atlas: everywhere), decided per feature by the feature's ``area_code``. A feature inside the reader's
area keeps them; outside, they are absent, and in SQL they read as NULL (``personal_column``), so a filter or
sort on them learns nothing of the features outside either. Every read path that returns site properties asks
this module with the reader (a Principal), not only its role: the /api/v1 site routes and their write answers,
``nearest``/``within``, OGC items and item, exports in every format. The overview map and its cluster tiles
embed no personal field (``overview.py`` drops them), and vector tiles carry public fields only, so their
caches need no area in their keys. Martyr records hold no personal field (``relatives_found`` is internal);
family-search requests, all personal, are read whole by staff of the request's area only.

A service station's ``phone`` is its public office number (the number a veteran calls, printed on
the station's sign), so it is public; a custodian's phone is a private person's number, so it is
personal. Derived properties (``area_name``, ``distance_m``, the geodesic ``protection_zone_m2``)
are public. Unknown roles are treated as the public.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Literal

from sqlalchemy import ColumnElement, Text, case, false, func, literal, null, true

from geo.atlas.collections import COLLECTIONS
from geo.models import Area, Martyr
from geo.principal import Principal
from geo.vocab import area_prefix

Sensitivity = Literal["public", "internal", "personal"]

PUBLIC_ROLE = "public"

CLEARANCE: Mapping[str, frozenset[Sensitivity]] = {
    "public": frozenset({"public"}),
    "planner": frozenset({"public", "internal"}),
    "crew": frozenset({"public", "internal", "personal"}),
    "admin": frozenset({"public", "internal", "personal"}),
}
"""The classes of property each role may read."""

DERIVED_PUBLIC: frozenset[str] = frozenset({"area_name", "distance_m"})
"""Properties computed by queries rather than stored, public in every collection."""

_SITE_PUBLIC = (
    "code",
    "name",
    "area_code",
    "address",
    "synthetic",
    "created_at",
    "updated_at",
    "version",  # the row version every client sends back with an update (If-Match); says nothing private
)
_UPKEEP_PUBLIC = ("upkeep_status", "condition_index", "last_inspected_on")
_PROTECTED_PUBLIC = (
    *_SITE_PUBLIC,
    *_UPKEEP_PUBLIC,
    "kind",
    "protection_level",
    "approved_by",
    "approval_doc_no",
    "approval_date",
    "protection_unit",
    "management_unit",
    "has_protection_sign",
    "protection_zone",
    "protection_zone_m2",
    "protection_zone_desc",
    "control_zone",
    "description",
    "name_pinyin",  # pinyin and initials of the name (issue 7 search): derived from the public name
    "name_initials",
)

PUBLIC_FIELDS: Mapping[str, frozenset[str]] = {
    "stations": frozenset(
        {
            *_SITE_PUBLIC,
            "level",
            "status",
            "served_area_code",
            "has_organisation",
            "has_staff_quota",
            "has_staff",
            "has_funding",
            "has_support",
            "star_rating",
            "national_model",
            "people_served",
            "opened_on",
            "phone",  # the station's public office phone
        }
    ),
    "memorials": frozenset(_PROTECTED_PUBLIC),
    "cemeteries": frozenset({*_PROTECTED_PUBLIC, "boundary", "grave_capacity"}),
    "graves": frozenset(
        {
            *_SITE_PUBLIC,
            *_UPKEEP_PUBLIC,
            "kind",
            "martyr_name",
            "cemetery_id",
            "section",
            "row_no",
            "number",
            "disposition",
            "moved_to_grave_id",
            "care_party",
        }
    ),
    "areas": frozenset(
        {"code", "name", "level", "parent_code", "population", "synthetic", "created_at", "updated_at"}
    ),
    # martyr records (英名录, issue 7) are published: the record, its pinyin and its burial place. Internal:
    # ``code`` (the number in the national martyr information system, an office key, not for the public) and
    # ``relatives_found`` (whether a family has been found is casework of the family-search office).
    "martyrs": frozenset(
        {
            "name",
            "unnamed",
            "name_pinyin",
            "name_initials",
            "gender",
            "birth_year",
            "death_date",
            "death_year",
            "place_of_death",
            "hometown",
            "hometown_area_code",
            "unit",
            "biography",
            "grave_id",
            "cemetery_id",
            "memorial_id",
            "burial_note",
            "area_code",
            "synthetic",
            "version",
            "created_at",
            "updated_at",
        }
    ),
}
"""The allowlist: properties of each collection that anyone may read."""

PERSONAL_FIELDS: Mapping[str, frozenset[str]] = {
    "graves": frozenset({"custodian_name", "custodian_phone", "responsible_cadre"}),
}
"""Personal data of private people, per collection (crews and admins only)."""

STAFF_ONLY: frozenset[str] = frozenset(
    {"inspections", "work_orders", "work_order_history", "family_requests"}
)
"""Records no field of which is public: inspections (the inspector's name, notes, position) and work orders
(assignees, costs, history). Anonymous reads of them answer 401 (``inspections.read``, ``work_orders.read`` in
geo/accounts/permissions.py); staff read them whole, in their area. Public damage reports (issue 7) get their own view.
A grave's ``care_agreed_on`` (date of its care agreement, issue 6) is internal: not allowlisted, on purpose.
Family-search requests (寻亲, issue 7) hold the requester's name and contact (personal data): the public only files
them (and gets back a reference number), planners and admins of the request's area read them whole
(``family_requests.read``)."""

PUBLIC_REPORT_FIELDS: frozenset[str] = frozenset(
    {
        "id",
        "status",  # shown as Open311's open/closed and the stage
        "public_note",  # Open311 status_notes: written by staff for the public
        "category",
        "description",  # the reporter's own words, sent to be read (the form says so)
        "position",  # the pin
        "collection",
        "site_id",
        "area_code",
        "source",
        "created_at",
        "updated_at",
    }
)
"""The work-order columns a public damage report (``source`` public or open311) shows anyone, through Open311 and
``/reports/{id}`` (geo/public/reports.py). ``reporter`` (the reporter's contact) is personal: staff of the area
read it on the work order, the public never; every other column (title, assignee, costs, history) stays internal."""

_HIDDEN_COLUMNS = frozenset({"id", "geom"})  # the feature id and geometry, not properties


def collection_names() -> tuple[str, ...]:
    """Every collection the policy covers: the site collections, ``areas`` and ``martyrs``."""
    return (*COLLECTIONS, "areas", "martyrs")


@cache
def stored_fields(collection: str) -> tuple[str, ...]:
    """The stored properties of a collection (its table's columns but id and geometry), in table order."""
    if collection == "areas":
        table = Area.__table__
    elif collection == "martyrs":
        table = Martyr.__table__
    elif collection in COLLECTIONS:
        table = COLLECTIONS[collection].model.__table__
    else:
        raise KeyError(f"the field policy knows no collection {collection!r}")
    return tuple(c.name for c in table.columns if c.name not in _HIDDEN_COLUMNS and c.name != "point")


def sensitivity(collection: str, field: str) -> Sensitivity:
    """The class of a property: public if allowlisted or derived, personal if listed so, else internal."""
    if field in PUBLIC_FIELDS.get(collection, frozenset()) or field in DERIVED_PUBLIC:
        return "public"
    if field in PERSONAL_FIELDS.get(collection, frozenset()):
        return "personal"
    return "internal"


def can_read(collection: str, field: str, role: str) -> bool:
    """True when a caller with this role may read this property of the collection."""
    return sensitivity(collection, field) in CLEARANCE.get(role, CLEARANCE[PUBLIC_ROLE])


@cache
def readable_fields(collection: str, role: str) -> frozenset[str]:
    """The stored and derived properties of a collection a role may read."""
    fields = (*stored_fields(collection), *DERIVED_PUBLIC)
    return frozenset(f for f in fields if can_read(collection, f, role))


def filter_fields(collection: str, names: Iterable[str], role: str) -> tuple[str, ...]:
    """The names, in their order, that a role may read."""
    return tuple(n for n in names if can_read(collection, n, role))


def private_fields(collection: str) -> tuple[str, ...]:
    """The stored properties the anonymous public may not read (for documentation and tests)."""
    return tuple(f for f in stored_fields(collection) if not can_read(collection, f, PUBLIC_ROLE))


def personal_names(collection: str) -> frozenset[str]:
    """The personal properties of a collection (empty for most)."""
    return PERSONAL_FIELDS.get(collection, frozenset())


def personal_prefix(reader: Principal) -> str | None:
    """Leading digits of the area codes whose personal fields ``reader`` may read: ``""`` everywhere (an account
    of the whole atlas), None nowhere (the public, or a role not cleared for personal data)."""
    if "personal" not in CLEARANCE.get(reader.role, CLEARANCE[PUBLIC_ROLE]) or reader.is_public:
        return None
    if reader.area_code is None:
        return ""
    prefix = reader.area_prefix or area_prefix(reader.area_code)
    if not prefix.isdigit():  # area codes are digits; anything else would match nothing sensible
        raise ValueError(f"not an area code prefix: {prefix!r}")
    return prefix


def reads_personal_in(reader: Principal, area_code: str | None) -> bool:
    """True when ``reader`` may read the personal fields of a feature whose area is ``area_code``."""
    prefix = personal_prefix(reader)
    if prefix is None:
        return False
    return prefix == "" or (area_code is not None and area_code.startswith(prefix))


def personal_visible(reader: Principal, area_code: ColumnElement) -> ColumnElement[bool]:
    """SQL: true for the rows (by their ``area_code`` column) whose personal fields ``reader`` may read."""
    prefix = personal_prefix(reader)
    if prefix is None:
        return false()
    if prefix == "":
        return true()
    return func.starts_with(area_code, literal(prefix, Text))


def personal_visible_sql(reader: Principal, area_code_sql: str) -> str:
    """``personal_visible`` as SQL text over a column expression (the prefix, digits only, written inline)."""
    prefix = personal_prefix(reader)
    if prefix is None:
        return "FALSE"
    if prefix == "":
        return "TRUE"
    return f"starts_with({area_code_sql}, '{prefix}')"


def personal_column(
    collection: str, name: str, column: ColumnElement, reader: Principal, area_code: ColumnElement
) -> ColumnElement:
    """A property's column as ``reader`` reads it: a personal one is NULL outside the reader's area."""
    if name not in personal_names(collection) or personal_prefix(reader) == "":
        return column
    return case((personal_visible(reader, area_code), column), else_=null())


def drop_personal(collection: str, properties: dict, visible: bool) -> dict:
    """The properties without the personal ones when they are not ``visible`` (absent, not null); in place."""
    if not visible:
        for name in personal_names(collection):
            properties.pop(name, None)
    return properties
