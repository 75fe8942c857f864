"""Work orders on a crew's phone (issue 21): the sheet of one order, and start / finish sent through an offline
outbox, so a move sent twice (a lost answer, a replay) changes nothing the second time.

Moves go through the one state machine of geo/upkeep/work_orders.py (``transition``: the table, the rights, the
version, the history and the audit); a finish's actual cost through its ``update_work_order``. What is added here
is the replay key: a move carries ``client_key`` (a UUID the phone made), kept on the history row the move wrote
(``work_order_history.client_key``, unique). The order's row is locked before the key is looked up, so two copies
sent at once are served one after the other and the second finds the first's row. A key already used for another
order or another move is a Conflict.

A phone offline for hours sends the version it read. If the office changed the order since (its description, due
date...), the move still goes on when it is legal now and writes nothing the office changed: a start writes only the
status; a finish writes the actual cost too, so it carries the cost the phone saw (``cost_base``) and is refused as
stale when the server's cost is another one (no silent overwrite). An If-Match header keeps the strict rule.

Refusals carry catalogue keys (``error.crew_work.*`` in web/messages/crew_work.py), so the phone shows them in its
language.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, text

from geo.accounts.audit import Actor
from geo.accounts.permissions import allowed, authorize, covers, require_right
from geo.errors import Conflict, InvalidInput, StaleVersion, VersionRequired
from geo.principal import Principal
from geo.upkeep.photos import photo_refs
from geo.upkeep.work_orders import (
    TRANSITIONS,
    WORK,
    history,
    read_work_order,
    transition,
    update_work_order,
)

CREW_MOVES = ("in_progress", "done")
"""The moves a crew makes on its phone: start (assigned → in_progress) and finish (in_progress → done)."""


@dataclass(frozen=True)
class CrewMove:
    """A start or finish from the phone: the version it read, its replay key, a note and (finish) the cost with
    the cost the phone saw before (``cost_base``)."""

    to: str
    version: int | None
    client_key: uuid.UUID | None = None
    note: str | None = None
    cost_actual: Decimal | None = None
    cost_base: Decimal | None = None


def may_work(principal: Principal, order: dict) -> bool:
    """True when the principal may start or finish this order (crew: its own; admin: any of its area)."""
    if principal.is_public or not allowed(principal.role, WORK) or not covers(principal, order["area_code"]):
        return False
    return principal.role != "crew" or order["assigned_to"] == principal.user_id


def next_move(principal: Principal, order: dict) -> str | None:
    """The move the phone offers on this order now (``in_progress`` or ``done``), or None."""
    if not may_work(principal, order):
        return None
    for to in CREW_MOVES:
        if TRANSITIONS[order["status"]].get(to) == WORK:
            return to
    return None


def order_sheet(conn: Connection, principal: Principal, order_id: int) -> dict:
    """One work order as the phone shows it: the order, its site's name, photos, history and the next move."""
    order = read_work_order(conn, order_id)
    require_right(principal, "work_orders.read")
    authorize(principal, "work_orders.read", [order["area_code"]])
    martyr = "martyr_name" if order["collection"] == "graves" else "NULL::text"
    site = conn.execute(
        text(f"SELECT name, {martyr} AS martyr_name FROM {order['collection']} WHERE id = :id"),
        {"id": order["site_id"]},
    ).first()
    return {
        "order": order,
        "site_name": site.name if site else None,
        "martyr_name": site.martyr_name if site else None,
        "photos": photo_refs(conn, work_order_id=order_id),
        "history": history(conn, principal, order_id),
        "next_move": next_move(principal, order),
    }


def _earlier_move(conn: Connection, order_id: int, move: CrewMove) -> bool:
    """True when this move's key is on a history row of this order (the move was made); Conflict for another."""
    row = conn.execute(
        text("SELECT work_order_id, to_status FROM work_order_history WHERE client_key = :key"),
        {"key": move.client_key},
    ).first()
    if row is None:
        return False
    if row.work_order_id != order_id or row.to_status != move.to:
        raise Conflict(
            f"client_key {move.client_key} was already used for another move: each move needs a key of its own",
            key="crew_work.key_reused",
        )
    return True


def _stale(current: dict, version: int, precondition: bool) -> StaleVersion:
    exc = StaleVersion(
        f"work order {current['id']} is at version {current['version']}, not {version}", current, precondition
    )
    exc.key = "crew_work.stale"
    return exc


def _still_fits(current: dict, move: CrewMove) -> bool:
    """True when a move read at an older version can still be made: the order is in the state the move leaves
    (checked before) and the actual cost it sets is the one the phone saw, or already its own value."""
    if move.to != "done" or move.cost_actual is None:
        return True
    have = current["cost_actual"]
    seen = None if move.cost_base is None else float(move.cost_base)
    return have == seen or have == float(move.cost_actual)


def crew_move(
    conn: Connection, actor: Actor, order_id: int, move: CrewMove, precondition: bool = False
) -> tuple[dict, bool]:
    """Start or finish a work order from the phone; (the order, True) when ``move.client_key`` was seen before.

    A finish may set the actual cost (yuan) in the same transaction, before the move. A version older than the
    order's (a phone offline while the office changed, say, the description) does not stop a move that is still
    legal and whose cost nobody else changed since (``cost_base``: the cost the phone saw); otherwise, and always
    with ``precondition`` (If-Match), it is StaleVersion. Raises NotFound, Forbidden, Conflict (keyed: the order is
    in another state, the key is reused), StaleVersion, VersionRequired."""
    p = actor.principal
    require_right(p, "work_orders.read")
    if move.to not in CREW_MOVES:
        raise InvalidInput(
            f"a phone starts or finishes: to must be one of {CREW_MOVES}", key="crew_work.bad_move"
        )
    current = read_work_order(
        conn, order_id, lock=True
    )  # first: copies sent at once wait here for each other
    authorize(p, "work_orders.read", [current["area_code"]])
    if move.client_key is not None and _earlier_move(conn, order_id, move):
        return current, True
    if move.version is None:
        raise VersionRequired("send the version of the work order you read")
    if TRANSITIONS[current["status"]].get(move.to) != WORK:
        raise Conflict(
            f"work order {order_id} is {current['status']}: it cannot move to {move.to}",
            key=f"crew_work.now_{current['status']}",
        )
    if move.version != current["version"] and (precondition or not _still_fits(current, move)):
        raise _stale(current, move.version, precondition)
    version = current["version"]  # the move is still legal and touches nothing changed since: it goes on
    if move.to == "done" and move.cost_actual is not None:
        version = update_work_order(conn, actor, order_id, {"cost_actual": move.cost_actual}, version)[
            "version"
        ]
    order = transition(conn, actor, order_id, move.to, version, note=move.note)
    if move.client_key is not None:
        conn.execute(
            text(
                "UPDATE work_order_history SET client_key = :key WHERE id = (SELECT max(id) FROM "
                "work_order_history WHERE work_order_id = :id AND to_status = :to)"
            ),
            {"key": move.client_key, "id": order_id, "to": move.to},
        )
    return order, False
