"""Work orders at memorials, cemeteries and graves: the state machine, optimistic locking and the history.

Every change (create, field update, transition) runs under a row lock, checks the version the caller read (the
row trigger of migrations 0008/0009 raises it by one on every change), writes one ``work_order_history`` row
(who, when, status from → to, each changed field as ``[old, new]``) and one audit entry, all in the caller's
transaction. Costs are yuan with two decimals.

A new order may carry a replay key (``client_key``, a UUID the phone made): sent again by the same account for
the same site, it returns the order made the first time (no second row, history or audit entry); the key of
another record is a Conflict. The insert is ``ON CONFLICT (client_key) DO NOTHING`` then a read, so two copies
sent at once still make one order.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from geo.accounts.audit import Actor, record
from geo.accounts.permissions import authorize, covers, require_right
from geo.errors import Conflict, Forbidden, InvalidInput, NotFound, StaleVersion, VersionRequired
from geo.kit.like import starts_with
from geo.models import WORK_ORDER_KINDS, WORK_ORDER_PRIORITIES, WORK_ORDER_STATUSES
from geo.principal import Principal
from geo.upkeep.inspections import site_area
from geo.vocab import area_prefix

TRIAGE = "work_orders.triage"
WORK = "work_orders.work"

TRANSITIONS: dict[str, dict[str, str]] = {
    "reported": {"triaged": TRIAGE, "rejected": TRIAGE, "duplicate": TRIAGE},
    "triaged": {"assigned": TRIAGE, "rejected": TRIAGE, "duplicate": TRIAGE},
    "assigned": {"in_progress": WORK, "triaged": TRIAGE, "rejected": TRIAGE},
    "in_progress": {"done": WORK, "assigned": TRIAGE},
    "done": {"verified": TRIAGE, "in_progress": TRIAGE},
    "verified": {},
    "rejected": {},
    "duplicate": {},
}
"""from-state → {allowed next state: the action (geo/accounts/permissions.py) that may take it}. Back-steps (assigned →
triaged to unassign, in_progress → assigned to hand over, done → in_progress when a check fails) belong to
planners and admins; verified, rejected and duplicate are final."""

assert set(TRANSITIONS) == set(WORK_ORDER_STATUSES)

CREW_FIELDS = frozenset({"description", "cost_actual"})
"""The fields a crew may change, on orders assigned to it."""
EDITABLE_FIELDS = frozenset(
    {"title", "description", "priority", "due_on", "cost_estimate", "cost_actual", "public_note"}
)
"""The fields a PATCH may change (status, assignee and duplicate link change only by a transition); ``public_note``
is the status note the public reads on a public damage report (geo/public/reports.py)."""

_COLUMNS = (
    "id, collection, site_id, area_code, title, description, status, priority, due_on, assigned_to, "
    "reported_by, inspection_id, duplicate_of, cost_estimate, cost_actual, version, created_at, updated_at, "
    "kind, campaign_id, client_key, source, category, reporter, public_note, "
    "ST_AsGeoJSON(position)::json AS position"
)
"""Staff read every column; ``reporter`` (a public report's contact) is for staff of the area only."""


@dataclass(frozen=True)
class WorkOrderInput:
    """A new work order at a site."""

    collection: str
    site_id: int
    title: str
    description: str | None = None
    priority: str = "normal"
    due_on: dt.date | None = None
    cost_estimate: Decimal | None = None
    inspection_id: int | None = None
    kind: str = "repair"
    client_key: uuid.UUID | None = None


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _as_dict(row) -> dict:
    return {k: _json(v) for k, v in row._mapping.items()}


def read_work_order(conn: Connection, order_id: int, lock: bool = False) -> dict:
    """One work order as a dict (``lock``: FOR UPDATE), no rights checked; raises NotFound."""
    suffix = " FOR UPDATE" if lock else ""
    row = conn.execute(
        text(f"SELECT {_COLUMNS} FROM work_orders WHERE id = :id{suffix}"), {"id": order_id}
    ).first()
    if row is None:
        raise NotFound(
            f"no work order with id {order_id}", key="work_order_not_found", params={"id": order_id}
        )
    return _as_dict(row)


def _check_version(current: dict, version: int | None, precondition: bool) -> None:
    if version is None:
        raise VersionRequired(
            f'send the version you read: If-Match: W/"{current["version"]}" or a version field '
            "(the answer of GET /api/v1/work-orders/{id} carries it)"
        )
    if version != current["version"]:
        raise StaleVersion(
            f"work order {current['id']} is at version {current['version']}, not {version}: "
            "someone changed it since you read it; merge with the current state and retry",
            current,
            precondition,
        )


def write_history(
    conn: Connection,
    actor: Actor,
    order_id: int,
    from_status: str | None,
    to_status: str | None,
    changes: dict,
    note: str | None,
    version: int,
) -> None:
    """Add one row to a work order's history: the actor, the status change, the field changes, the version."""
    conn.execute(
        text(
            "INSERT INTO work_order_history (work_order_id, account_id, actor, from_status, to_status, changes, "
            "note, version) VALUES (:id, :account, :actor, :from_, :to, CAST(:changes AS jsonb), :note, :version)"
        ),
        {
            "id": order_id,
            "account": actor.principal.user_id,
            "actor": actor.principal.username,
            "from_": from_status,
            "to": to_status,
            "changes": json.dumps(changes, ensure_ascii=False, default=str),
            "note": note,
            "version": version,
        },
    )


def _check_priority(priority: str) -> None:
    if priority not in WORK_ORDER_PRIORITIES:
        raise InvalidInput(
            f"unknown priority {priority!r}; expected one of: {', '.join(WORK_ORDER_PRIORITIES)}"
        )


def _check_cost(name: str, value: Any) -> None:
    if value is not None and (Decimal(str(value)) < 0 or Decimal(str(value)) >= Decimal("1e10")):
        raise InvalidInput(f"{name} must be 0 or more yuan (below 10 000 000 000)")


def _earlier(conn: Connection, actor: Actor, data: WorkOrderInput) -> dict | None:
    """The order an earlier submission with the same replay key made, if it was this one; else Conflict."""
    row = conn.execute(
        text(f"SELECT {_COLUMNS} FROM work_orders WHERE client_key = :key"),
        {"key": data.client_key},
    ).first()
    if row is None:
        return None
    found = _as_dict(row)
    mine = actor.principal.user_id is not None and found["reported_by"] == actor.principal.user_id
    if not mine or (found["collection"], found["site_id"]) != (data.collection, data.site_id):
        raise Conflict(
            f"client_key {data.client_key} was already used for another record (another site or account): "
            "each new work order needs a key of its own"
        )
    return found


def create_work_order(conn: Connection, actor: Actor, data: WorkOrderInput) -> dict:
    """Report a work order at a site in the actor's area (status ``reported``, version 1); audited."""
    return submit_work_order(conn, actor, data)[0]


def submit_work_order(conn: Connection, actor: Actor, data: WorkOrderInput) -> tuple[dict, bool]:
    """Like create_work_order; (the order, True) when ``data.client_key`` replays an earlier submission."""
    require_right(actor.principal, "work_orders.create")
    area = site_area(conn, data.collection, data.site_id)
    authorize(actor.principal, "work_orders.create", [area])
    _check_priority(data.priority)
    if data.kind not in WORK_ORDER_KINDS:
        raise InvalidInput(f"unknown kind {data.kind!r}; expected one of: {', '.join(WORK_ORDER_KINDS)}")
    _check_cost("cost_estimate", data.cost_estimate)
    if not data.title.strip() or len(data.title) > 200:
        raise InvalidInput("title must have 1-200 characters")
    if data.inspection_id is not None:
        found = conn.execute(
            text("SELECT collection, site_id FROM inspections WHERE id = :id"), {"id": data.inspection_id}
        ).first()
        if found is None or (found.collection, found.site_id) != (data.collection, data.site_id):
            raise InvalidInput(f"inspection {data.inspection_id} is not an inspection of this site")
    if data.client_key is not None and (earlier := _earlier(conn, actor, data)) is not None:
        return earlier, True
    new_id = conn.execute(
        text(
            "INSERT INTO work_orders (collection, site_id, area_code, title, description, priority, due_on, "
            "reported_by, inspection_id, cost_estimate, kind, client_key) VALUES (:collection, :site_id, :area, "
            ":title, :description, :priority, :due_on, :reported_by, :inspection_id, :cost_estimate, :kind, "
            ":client_key) ON CONFLICT (client_key) DO NOTHING RETURNING id"
        ),
        {
            "collection": data.collection,
            "site_id": data.site_id,
            "area": area,
            "title": data.title,
            "description": data.description,
            "priority": data.priority,
            "due_on": data.due_on,
            "reported_by": actor.principal.user_id,
            "inspection_id": data.inspection_id,
            "cost_estimate": data.cost_estimate,
            "kind": data.kind,
            "client_key": data.client_key,
        },
    ).scalar_one_or_none()
    if new_id is None:  # a concurrent copy of this submission committed first
        earlier = _earlier(conn, actor, data)
        if earlier is None:
            raise Conflict(f"client_key {data.client_key} is in use by a submission still in progress; retry")
        return earlier, True
    order = read_work_order(conn, new_id)
    fields = {k: [None, order[k]] for k in ("title", "description", "priority", "due_on", "cost_estimate")}
    write_history(conn, actor, new_id, None, "reported", fields, None, 1)
    record(conn, actor, "create", "work_orders", new_id, area_code=area, after=order)
    return order, False


def get_work_order(conn: Connection, principal: Principal, order_id: int) -> dict:
    """One work order, for staff of its area; raises NotFound, Unauthorized, Forbidden."""
    require_right(principal, "work_orders.read")
    order = read_work_order(conn, order_id)
    authorize(principal, "work_orders.read", [order["area_code"]])
    return order


@dataclass(frozen=True)
class WorkOrderFilter:
    """Filters of a work-order listing; every listing is cut to the caller's area."""

    collection: str | None = None
    site_id: int | None = None
    status: str | None = None
    assigned_to: int | None = None
    kind: str | None = None
    campaign_id: int | None = None


def list_work_orders(
    conn: Connection, principal: Principal, flt: WorkOrderFilter, limit: int, offset: int
) -> tuple[int, list[dict]]:
    """Work orders in the caller's area matching the filter, newest first, with their count."""
    require_right(principal, "work_orders.read")
    where, params = ["TRUE"], {"limit": limit, "offset": offset}
    if flt.status is not None:
        if flt.status not in WORK_ORDER_STATUSES:
            raise InvalidInput(
                f"unknown status {flt.status!r}; expected one of: {', '.join(WORK_ORDER_STATUSES)}"
            )
        where.append("status = :status")
        params["status"] = flt.status
    for name in ("collection", "site_id", "assigned_to", "kind", "campaign_id"):
        value = getattr(flt, name)
        if value is not None:
            where.append(f"{name} = :{name}")
            params[name] = value
    if principal.area_code is not None:
        prefix = principal.area_prefix or area_prefix(principal.area_code)
        where.append("area_code LIKE :prefix")
        params["prefix"] = starts_with(prefix)
    cond = " AND ".join(where)
    total = conn.execute(text(f"SELECT count(*) FROM work_orders WHERE {cond}"), params).scalar_one()
    rows = conn.execute(
        text(f"SELECT {_COLUMNS} FROM work_orders WHERE {cond} ORDER BY id DESC LIMIT :limit OFFSET :offset"),
        params,
    )
    return total, [_as_dict(r) for r in rows]


def _is_assignee(principal: Principal, order: dict) -> bool:
    return principal.user_id is not None and order["assigned_to"] == principal.user_id


def update_work_order(
    conn: Connection,
    actor: Actor,
    order_id: int,
    changes: dict[str, Any],
    version: int | None,
    precondition: bool = False,
) -> dict:
    """Change fields of a work order at ``version`` (stale: StaleVersion; none: VersionRequired); audited."""
    p = actor.principal
    require_right(p, "work_orders.update")
    current = read_work_order(conn, order_id, lock=True)
    authorize(p, "work_orders.update", [current["area_code"]])
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(
            f"cannot change {', '.join(unknown)} here (status, assignee and duplicate link change by "
            f"POST /api/v1/work-orders/{order_id}/transitions); editable: {', '.join(sorted(EDITABLE_FIELDS))}"
        )
    if p.role == "crew":
        if not _is_assignee(p, current):
            raise Forbidden(
                f"{p.username} may change only work orders assigned to it", key="work_orders.not_assignee"
            )
        if set(changes) - CREW_FIELDS:
            raise Forbidden(
                f"a crew may change only {', '.join(sorted(CREW_FIELDS))}", key="work_orders.crew_fields"
            )
    _check_version(current, version, precondition)
    if "priority" in changes:
        _check_priority(changes["priority"])
    if "title" in changes and (not changes["title"] or not str(changes["title"]).strip()):
        raise InvalidInput("title must have 1-200 characters")
    for name in ("cost_estimate", "cost_actual"):
        if name in changes:
            _check_cost(name, changes[name])
    diff = {k: [current[k], _json(v)] for k, v in changes.items() if _json(v) != current[k]}
    if not diff:
        return current
    sets = ", ".join(f"{k} = :{k}" for k in changes)
    conn.execute(
        text(f"UPDATE work_orders SET {sets}, updated_at = now() WHERE id = :id"),
        {**changes, "id": order_id},
    )
    after = read_work_order(conn, order_id)
    write_history(conn, actor, order_id, None, None, diff, None, after["version"])
    record(
        conn,
        actor,
        "update",
        "work_orders",
        order_id,
        area_code=after["area_code"],
        before=current,
        after=after,
    )
    return after


def allowed_next(status: str) -> list[str]:
    """The states a work order in ``status`` may move to."""
    return sorted(TRANSITIONS[status])


def _check_assignee(conn: Connection, account_id: int | None, area: str) -> None:
    if account_id is None:
        raise InvalidInput(
            "moving to 'assigned' needs assigned_to: the id of a crew account of the site's area",
            key="work_orders.assignee_required",
        )
    row = conn.execute(
        text("SELECT username, role, area_code, disabled FROM accounts WHERE id = :id"), {"id": account_id}
    ).first()
    if row is None or row.disabled:
        raise InvalidInput(
            f"no active account with id {account_id}",
            key="work_orders.assignee_inactive",
            params={"id": account_id},
        )
    if row.role not in ("crew", "admin"):
        raise InvalidInput(
            f"{row.username} is a {row.role}: work orders are assigned to crews (or admins)",
            key="work_orders.assignee_role",
            params={"name": row.username},
        )
    crew = Principal(account_id, row.username, row.role, row.area_code)
    if not covers(crew, area):
        raise InvalidInput(
            f"{row.username} works in {row.area_code}, not in area {area} of this site",
            key="work_orders.assignee_area",
            params={"name": row.username, "theirs": row.area_code, "area": area},
        )


def transition(
    conn: Connection,
    actor: Actor,
    order_id: int,
    to: str,
    version: int | None,
    note: str | None = None,
    assigned_to: int | None = None,
    duplicate_of: int | None = None,
    precondition: bool = False,
) -> dict:
    """Move a work order to state ``to`` if the table allows it and the actor may; audited, with history."""
    p = actor.principal
    require_right(p, "work_orders.read")
    current = read_work_order(conn, order_id, lock=True)
    authorize(p, "work_orders.read", [current["area_code"]])
    if to not in TRANSITIONS:
        raise InvalidInput(f"unknown state {to!r}; states: {', '.join(WORK_ORDER_STATUSES)}")
    _check_version(current, version, precondition)
    status = current["status"]
    if to not in TRANSITIONS[status]:
        nexts = allowed_next(status)
        raise Conflict(
            f"a work order cannot go from {status} to {to}; allowed next: {', '.join(nexts) or 'none (final state)'}"
        )
    action = TRANSITIONS[status][to]
    authorize(p, action, [current["area_code"]])
    if action == WORK and p.role == "crew" and not _is_assignee(p, current):
        raise Forbidden(
            f"{p.username} may work only on work orders assigned to it", key="work_orders.not_assignee"
        )
    values: dict[str, Any] = {"status": to}
    if to == "assigned":
        _check_assignee(conn, assigned_to, current["area_code"])
        values["assigned_to"] = assigned_to
    elif assigned_to is not None:
        raise InvalidInput("assigned_to goes only with a move to 'assigned'")
    if to == "triaged" and current["assigned_to"] is not None:
        values["assigned_to"] = None  # back to triage: unassigned
    if to == "duplicate":
        if duplicate_of is None or duplicate_of == order_id:
            raise InvalidInput(
                "moving to 'duplicate' needs duplicate_of: the id of another work order",
                key="work_orders.duplicate_required",
            )
        other = conn.execute(
            text("SELECT area_code, status FROM work_orders WHERE id = :id"), {"id": duplicate_of}
        ).first()
        if other is None:
            raise InvalidInput(
                f"duplicate_of: no work order with id {duplicate_of}",
                key="work_orders.duplicate_missing",
                params={"id": duplicate_of},
            )
        if other.status == "duplicate":
            raise InvalidInput(
                f"work order {duplicate_of} is itself a duplicate: link to the original",
                key="work_orders.duplicate_chain",
                params={"id": duplicate_of},
            )
        authorize(p, "work_orders.read", [other.area_code])
        values["duplicate_of"] = duplicate_of
    elif duplicate_of is not None:
        raise InvalidInput("duplicate_of goes only with a move to 'duplicate'")
    sets = ", ".join(f"{k} = :{k}" for k in values)
    conn.execute(
        text(f"UPDATE work_orders SET {sets}, updated_at = now() WHERE id = :id"),
        {**values, "id": order_id},
    )
    after = read_work_order(conn, order_id)
    diff = {k: [current[k], after[k]] for k in values if current[k] != after[k]}
    write_history(conn, actor, order_id, status, to, diff, note, after["version"])
    record(
        conn,
        actor,
        "transition",
        "work_orders",
        order_id,
        area_code=after["area_code"],
        before=current,
        after=after,
    )
    return after


def history(conn: Connection, principal: Principal, order_id: int) -> list[dict]:
    """Every change of a work order, oldest first; staff of its area only."""
    get_work_order(conn, principal, order_id)
    rows = conn.execute(
        text(
            "SELECT id, at, account_id, actor, from_status, to_status, changes, note, version "
            "FROM work_order_history WHERE work_order_id = :id ORDER BY id"
        ),
        {"id": order_id},
    )
    return [_as_dict(r) for r in rows]
