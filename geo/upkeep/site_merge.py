"""Site edits from a crew's phone that merge instead of overwriting (issue 21, item 5): a three-way merge per field.

A phone that edits a few fields of a site, perhaps offline for hours, sends with each changed field the value it
had when the crew edited it (its *base*) and the site's version then. Per field, with *mine* the phone's new value
and *theirs* the value on the server now:

- mine = theirs: nothing to do (the same change, or a replay);
- theirs = base: the server did not change this field since; mine is written;
- otherwise both changed it, differently: a conflict.

Fields the phone did not change are never written, so a change the office made meanwhile to another field is kept
(the two merge by themselves). With one conflict or more nothing is written: ``EditConflict`` carries, per
conflicting field, the phone's value, the server's value and who changed it when (from the audit log), and the
site's version now; the crew chooses (keep mine / take theirs) and sends again with the server's values as the new
base. The write is the site update of geo/atlas/sites.py (validated whole, under the row lock, at the current
version) through ``audited_site_write``, so the audit log holds every merged edit with its before and after.

An edit may carry a replay key (``client_key``, a UUID the phone made), kept in ``crew_site_edits``: sent again,
it is answered with the site as it stands and writes nothing.

The fields a crew may edit from the phone are ``CREW_SITE_FIELDS``; the right is the collection's update right
(geo/accounts/permissions.py) in the site's area.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from geo.accounts.audit import Actor, audited_site_write, site_snapshot
from geo.accounts.permissions import authorize, require_right
from geo.atlas.collections import COLLECTIONS
from geo.atlas.field_policy import personal_names, reads_personal_in
from geo.atlas.sites import lock_site, update_site
from geo.errors import Conflict, InvalidInput, NotFound
from geo.principal import Principal

CREW_SITE_FIELDS: dict[str, tuple[str, ...]] = {
    "memorials": ("upkeep_status", "has_protection_sign", "notes"),
    "cemeteries": ("upkeep_status", "has_protection_sign", "notes"),
    "graves": ("upkeep_status", "custodian_name", "custodian_phone", "responsible_cadre", "notes"),
}
"""The fields of each collection a crew edits from its phone: the upkeep status, the condition note (``notes``),
the protection sign of memorials and cemeteries, the custodian and responsible cadre of graves."""

UPKEEP_STATUSES = ("good", "fair", "poor", "damaged", "unknown")
BOOLEAN_FIELDS = frozenset({"has_protection_sign"})


@dataclass(frozen=True)
class SiteEdit:
    """An edit of a site from the phone: per changed field its new value and its base (the value the phone had)."""

    collection: str
    site_id: int
    base_version: int
    base: dict[str, Any]
    changes: dict[str, Any]
    client_key: uuid.UUID | None = None


@dataclass(frozen=True)
class FieldConflict:
    """A field both the phone and the server changed, differently: the three values and who changed it when."""

    field: str
    base: Any
    mine: Any
    theirs: Any
    by: str | None
    at: str | None


@dataclass(frozen=True)
class EditOutcome:
    """An edit applied: the site's version and crew fields now, the fields written and those already so."""

    version: int
    values: dict[str, Any]
    applied: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replayed: bool = False


class EditConflict(Conflict):
    """Both sides changed a field differently: nothing was written; ``conflicts`` says which, with both values."""

    def __init__(self, conflicts: list[FieldConflict], version: int, values: dict[str, Any]) -> None:
        names = ", ".join(c.field for c in conflicts)
        super().__init__(
            f"changed on the server too since version you read: {names}; choose a value for each and send again",
            key="crew_work.edit_conflict",
            params={"n": len(conflicts)},
        )
        self.conflicts = conflicts
        self.version = version
        self.values = values


def crew_fields(collection: str) -> tuple[str, ...]:
    """The fields of a collection a crew edits from the phone; InvalidInput for a collection without any."""
    try:
        return CREW_SITE_FIELDS[collection]
    except KeyError:
        raise InvalidInput(
            f"the phone edits memorials, cemeteries and graves, not {collection}",
            key="crew_work.bad_collection",
        ) from None


def readable_crew_fields(principal: Principal, collection: str, area_code: str | None) -> tuple[str, ...]:
    """The phone-editable fields the principal may read at a site of ``area_code`` (personal ones in its area)."""
    personal = personal_names(collection)
    keep = reads_personal_in(principal, area_code)
    return tuple(f for f in crew_fields(collection) if keep or f not in personal)


def _clean(name: str, value: Any, collection: str) -> Any:
    """A value as stored: text stripped (empty: None), a boolean, a known upkeep status; InvalidInput otherwise."""
    if name in BOOLEAN_FIELDS:
        if not isinstance(value, bool):
            raise InvalidInput(f"{name} is true or false", key="crew_work.bad_value", params={"field": name})
        return value
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} is text", key="crew_work.bad_value", params={"field": name})
    value = value.strip() or None
    if name == "upkeep_status":
        if value not in UPKEEP_STATUSES:
            raise InvalidInput(
                f"upkeep_status is one of {', '.join(UPKEEP_STATUSES)}",
                key="crew_work.bad_value",
                params={"field": name},
            )
        return value
    limit = next(
        (
            m.max_length
            for m in COLLECTIONS[collection].fields.model_fields[name].metadata
            if hasattr(m, "max_length")
        ),
        None,
    )
    if value is not None and limit is not None and len(value) > limit:
        raise InvalidInput(
            f"{name} has at most {limit} characters", key="crew_work.too_long", params={"max": limit}
        )
    return value


def _check(edit: SiteEdit) -> None:
    allowed_fields = crew_fields(edit.collection)
    unknown = sorted((set(edit.changes) | set(edit.base)) - set(allowed_fields))
    if unknown:
        raise InvalidInput(
            f"the phone may not change {', '.join(unknown)}; it changes {', '.join(allowed_fields)}",
            key="crew_work.not_editable",
            params={"fields": ", ".join(unknown)},
        )
    missing = sorted(set(edit.changes) - set(edit.base))
    if missing:
        raise InvalidInput(
            f"send the base value (what the phone had) of each changed field: missing {', '.join(missing)}",
            key="crew_work.base_missing",
            params={"fields": ", ".join(missing)},
        )


def _who_changed(conn: Connection, edit: SiteEdit, name: str) -> tuple[str | None, str | None]:
    """The account and time of the latest audited write that changed one field of a site."""
    row = conn.execute(
        text(
            "SELECT actor, at FROM audit_log WHERE collection = :c AND record_id = :id "
            "AND before IS NOT NULL AND after IS NOT NULL AND (before -> :f) IS DISTINCT FROM (after -> :f) "
            "ORDER BY id DESC LIMIT 1"
        ),
        {"c": edit.collection, "id": edit.site_id, "f": name},
    ).first()
    if row is None:
        return None, None
    return row.actor, row.at.isoformat()


def _replayed(conn: Connection, actor: Actor, edit: SiteEdit) -> bool:
    row = conn.execute(
        text("SELECT collection, site_id, account_id FROM crew_site_edits WHERE client_key = :key"),
        {"key": edit.client_key},
    ).first()
    if row is None:
        return False
    if (row.collection, row.site_id, row.account_id) != (
        edit.collection,
        edit.site_id,
        actor.principal.user_id,
    ):
        raise Conflict(
            f"client_key {edit.client_key} was already used for another edit: each edit needs a key of its own",
            key="crew_work.key_reused",
        )
    return True


def site_values(snapshot: dict, names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields of a site snapshot (geo/accounts/audit.py ``site_snapshot``)."""
    return {n: snapshot.get(n) for n in names}


def merge_site_edit(conn: Connection, actor: Actor, edit: SiteEdit) -> EditOutcome:
    """Apply a phone's edit by a three-way merge per field; raises EditConflict (nothing written) when the server
    changed a field the phone changed too, differently; NotFound, Forbidden, InvalidInput, Conflict (key reused)."""
    p = actor.principal
    names = crew_fields(edit.collection)
    action = f"{edit.collection}.update"
    require_right(p, action)
    _check(edit)
    spec = COLLECTIONS[edit.collection]
    lock_site(conn, spec, edit.site_id)  # copies and other writers wait here; what is read below stays true
    current = site_snapshot(conn, spec, edit.site_id)
    if current is None:
        raise NotFound(f"no {edit.collection} record with id {edit.site_id}")
    authorize(p, action, [current["area_code"]])
    shown = readable_crew_fields(p, edit.collection, current["area_code"])
    if edit.client_key is not None and _replayed(conn, actor, edit):
        return EditOutcome(current["version"], site_values(current, shown), replayed=True)
    apply: dict[str, Any] = {}
    unchanged: list[str] = []
    conflicts: list[FieldConflict] = []
    for name in names:
        if name not in edit.changes:
            continue
        mine = _clean(name, edit.changes[name], edit.collection)
        base = _clean(name, edit.base[name], edit.collection)
        theirs = current[name]
        if isinstance(theirs, str) and not theirs.strip():
            theirs = None  # an empty text stored by an older path reads as none, like the phone's empty field
        if mine == theirs:
            unchanged.append(name)
        elif theirs == base:
            apply[name] = mine
        else:
            by, at = _who_changed(conn, edit, name)
            conflicts.append(FieldConflict(name, base, mine, theirs, by, at))
    if conflicts:
        raise EditConflict(conflicts, current["version"], site_values(current, shown))
    version = current["version"]
    if apply:
        audited_site_write(
            conn,
            actor,
            spec,
            "update",
            edit.site_id,
            lambda: update_site(conn, spec, edit.site_id, apply, None, current["version"], False, p),
        )
        current = site_snapshot(conn, spec, edit.site_id) or current
        version = current["version"]
    if edit.client_key is not None:
        conn.execute(
            text(
                "INSERT INTO crew_site_edits (client_key, collection, site_id, account_id, version) "
                "VALUES (:key, :c, :id, :account, :version)"
            ),
            {
                "key": edit.client_key,
                "c": edit.collection,
                "id": edit.site_id,
                "account": p.user_id,
                "version": version,
            },
        )
    return EditOutcome(version, site_values(current, shown), sorted(apply), unchanged)
