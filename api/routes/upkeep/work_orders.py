"""Work orders: ``/api/v1/work-orders`` (create, list, read, update), transitions and history.

Every update carries the version the caller read: the ``If-Match`` header with the ETag of the GET
(``W/"<version>"``; a stale one answers 412) or a ``version`` field (stale: 409); with neither, 428. Both
stale answers carry the current state in ``current``. Staff only, in the site's area; the public gets 401.
Work orders are not deleted (their history stays): ``rejected`` and ``duplicate`` close them.
A create with the ``client_key`` of an earlier one by the same account for the same site answers 200 with that
order and ``Idempotent-Replay: true``; the key of another record: 409. The GET of one order lists its before and
after photos under ``photos`` (uploads: api/routes/upkeep/photos.py).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ConnDep, SettingsDep
from api.principal import ActorDep, PrincipalDep, require
from api.routes.atlas.sites import Offset, check_limit
from api.versions import IfMatch, etag, read_version
from geo.models import UPKEEP_COLLECTIONS, WORK_ORDER_KINDS, WORK_ORDER_PRIORITIES, WORK_ORDER_STATUSES
from geo.upkeep.photos import photo_refs
from geo.upkeep.work_orders import (
    WorkOrderFilter,
    WorkOrderInput,
    get_work_order,
    history,
    list_work_orders,
    submit_work_order,
    transition,
    update_work_order,
)

router = APIRouter(prefix="/work-orders", tags=["work orders"])

# the values the database's checks allow (geo/models.py): a new kind or state is added there once
Collection = Literal[UPKEEP_COLLECTIONS]
Priority = Literal[WORK_ORDER_PRIORITIES]
Kind = Literal[WORK_ORDER_KINDS]
State = Literal[WORK_ORDER_STATUSES]
Yuan = Annotated[Decimal, Field(ge=0, lt=Decimal("1e10"), max_digits=12, decimal_places=2)]


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
    client_key: uuid.UUID | None = Field(
        default=None, description="a UUID the phone made for this submission: sent again, it makes no copy"
    )


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
    public_note: str | None = Field(
        default=None, max_length=2000, description="status note the reporter of a public report reads"
    )


class TransitionRequest(BaseModel):
    """A move to the next state: ``assigned_to`` with ``assigned``, ``duplicate_of`` with ``duplicate``."""

    model_config = ConfigDict(extra="forbid")

    to: State
    version: int | None = Field(default=None, ge=1)
    note: str | None = Field(default=None, max_length=4000)
    assigned_to: int | None = Field(default=None, ge=1)
    duplicate_of: int | None = Field(default=None, ge=1)


def _answer(order: dict, status_code: int = 200, location: bool = False) -> JSONResponse:
    headers = {"ETag": etag(order["version"])}
    if location:
        headers["Location"] = f"/api/v1/work-orders/{order['id']}"
    return JSONResponse(order, status_code=status_code, headers=headers)


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[Depends(require("work_orders.create"))])
def create(body: WorkOrderCreate, conn: ConnDep, actor: ActorDep) -> JSONResponse:
    """Report a work order at a site in your area."""
    data = WorkOrderInput(**body.model_dump())
    order, replayed = submit_work_order(conn, actor, data)
    answer = _answer(order, 200 if replayed else 201, location=True)
    if replayed:
        answer.headers["Idempotent-Replay"] = "true"
    return answer


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
    offset: Offset = 0,
) -> dict:
    """Work orders in your area, newest first."""
    flt = WorkOrderFilter(collection, site_id, status_, assigned_to, kind, campaign_id)
    total, items = list_work_orders(conn, principal, flt, check_limit(limit, settings), offset)
    return {"numberMatched": total, "numberReturned": len(items), "work_orders": items}


@router.get("/{order_id}", dependencies=[Depends(require("work_orders.read"))])
def read(order_id: int, conn: ConnDep, principal: PrincipalDep) -> JSONResponse:
    """One work order; its ETag is the version to send back with an update."""
    order = get_work_order(conn, principal, order_id)
    return _answer({**order, "photos": photo_refs(conn, work_order_id=order_id)})


@router.patch("/{order_id}", dependencies=[Depends(require("work_orders.update"))])
def patch(
    order_id: int, body: WorkOrderPatch, conn: ConnDep, actor: ActorDep, if_match: IfMatch = None
) -> JSONResponse:
    """Change fields of a work order at the version you read."""
    version, precondition = read_version(if_match, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    return _answer(update_work_order(conn, actor, order_id, changes, version, precondition))


@router.post("/{order_id}/transitions", dependencies=[Depends(require("work_orders.read"))])
def move(
    order_id: int, body: TransitionRequest, conn: ConnDep, actor: ActorDep, if_match: IfMatch = None
) -> JSONResponse:
    """Move a work order to its next state (the table in geo/upkeep/work_orders.py says which)."""
    version, precondition = read_version(if_match, body.version)
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
