"""Work orders: ``/api/v1/work-orders`` (create, list, read, update), transitions and history.

Every update carries the version the caller read: the ``If-Match`` header with the ETag of the GET
(``W/"<version>"``; a stale one answers 412) or a ``version`` field (stale: 409); with neither, 428. Both
stale answers carry the current state in ``current``. Staff only, in the site's area; the public gets 401.
Work orders are not deleted (their history stays): ``rejected`` and ``duplicate`` close them.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ConnDep, SettingsDep
from api.principal import ActorDep, PrincipalDep, require
from api.routes.sites import check_limit
from geo.errors import InvalidInput
from geo.work_orders import (
    WorkOrderFilter,
    WorkOrderInput,
    create_work_order,
    get_work_order,
    history,
    list_work_orders,
    transition,
    update_work_order,
)

router = APIRouter(prefix="/work-orders", tags=["work orders"])

Collection = Literal["memorials", "cemeteries", "graves"]
Priority = Literal["low", "normal", "high", "urgent"]
Kind = Literal["repair", "cleaning", "tribute"]
State = Literal["reported", "triaged", "assigned", "in_progress", "done", "verified", "rejected", "duplicate"]
Yuan = Annotated[Decimal, Field(ge=0, lt=Decimal("1e10"), max_digits=12, decimal_places=2)]
_ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,9})"\s*$')


class WorkOrderCreate(BaseModel):
    """A new work order at a site (it starts as ``reported``)."""

    model_config = ConfigDict(extra="forbid")

    collection: Collection
    site_id: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    priority: Priority = "normal"
    due_on: dt.date | None = None
    cost_estimate: Yuan | None = None
    inspection_id: int | None = Field(default=None, ge=1, description="the inspection that found the damage")
    kind: Kind = "repair"


class WorkOrderPatch(BaseModel):
    """Fields to change; ``version`` is the one read (or send ``If-Match``). Crews: description, cost_actual."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1)
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    priority: Priority | None = None
    due_on: dt.date | None = None
    cost_estimate: Yuan | None = None
    cost_actual: Yuan | None = None


class TransitionRequest(BaseModel):
    """A move to the next state: ``assigned_to`` with ``assigned``, ``duplicate_of`` with ``duplicate``."""

    model_config = ConfigDict(extra="forbid")

    to: State
    version: int | None = Field(default=None, ge=1)
    note: str | None = Field(default=None, max_length=4000)
    assigned_to: int | None = Field(default=None, ge=1)
    duplicate_of: int | None = Field(default=None, ge=1)


def etag(order: dict) -> str:
    """The weak ETag of a work order: its version."""
    return f'W/"{order["version"]}"'


def _answer(order: dict, status_code: int = 200, location: bool = False) -> JSONResponse:
    headers = {"ETag": etag(order)}
    if location:
        headers["Location"] = f"/api/v1/work-orders/{order['id']}"
    return JSONResponse(order, status_code=status_code, headers=headers)


def _version(if_match: str | None, field: int | None) -> tuple[int | None, bool]:
    """The version the caller read and whether it came as If-Match (412 when stale) or a field (409)."""
    if if_match is None:
        return field, False
    m = _ETAG.match(if_match)
    if m is None:
        raise InvalidInput('If-Match must be the ETag a GET returned, e.g. W/"3" (not * nor a list)')
    version = int(m.group(1))
    if field is not None and field != version:
        raise InvalidInput(f"If-Match says version {version} but the body says {field}")
    return version, True


IfMatch = Annotated[str | None, Header(alias="If-Match", description='W/"<version>" from the GET')]


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[Depends(require("work_orders.create"))])
def create(body: WorkOrderCreate, conn: ConnDep, actor: ActorDep) -> JSONResponse:
    """Report a work order at a site in your area."""
    data = WorkOrderInput(**body.model_dump())
    return _answer(create_work_order(conn, actor, data), 201, location=True)


@router.get("", dependencies=[Depends(require("work_orders.read"))])
def list_orders(
    conn: ConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    collection: Collection | None = None,
    site_id: Annotated[int | None, Query(ge=1)] = None,
    status_: Annotated[State | None, Query(alias="status")] = None,
    assigned_to: Annotated[int | None, Query(ge=1)] = None,
    kind: Kind | None = None,
    campaign_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict:
    """Work orders in your area, newest first."""
    flt = WorkOrderFilter(collection, site_id, status_, assigned_to, kind, campaign_id)
    total, items = list_work_orders(conn, principal, flt, check_limit(limit, settings), offset)
    return {"numberMatched": total, "numberReturned": len(items), "work_orders": items}


@router.get("/{order_id}", dependencies=[Depends(require("work_orders.read"))])
def read(order_id: int, conn: ConnDep, principal: PrincipalDep) -> JSONResponse:
    """One work order; its ETag is the version to send back with an update."""
    return _answer(get_work_order(conn, principal, order_id))


@router.patch("/{order_id}", dependencies=[Depends(require("work_orders.update"))])
def patch(
    order_id: int, body: WorkOrderPatch, conn: ConnDep, actor: ActorDep, if_match: IfMatch = None
) -> JSONResponse:
    """Change fields of a work order at the version you read."""
    version, precondition = _version(if_match, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    return _answer(update_work_order(conn, actor, order_id, changes, version, precondition))


@router.post("/{order_id}/transitions", dependencies=[Depends(require("work_orders.read"))])
def move(
    order_id: int, body: TransitionRequest, conn: ConnDep, actor: ActorDep, if_match: IfMatch = None
) -> JSONResponse:
    """Move a work order to its next state (the table in geo/work_orders.py says which)."""
    version, precondition = _version(if_match, body.version)
    order = transition(
        conn,
        actor,
        order_id,
        body.to,
        version,
        note=body.note,
        assigned_to=body.assigned_to,
        duplicate_of=body.duplicate_of,
        precondition=precondition,
    )
    return _answer(order)


@router.get("/{order_id}/history", dependencies=[Depends(require("work_orders.read"))])
def read_history(order_id: int, conn: ConnDep, principal: PrincipalDep) -> dict:
    """Every change of a work order, oldest first."""
    return {"work_order_id": order_id, "history": history(conn, principal, order_id)}
