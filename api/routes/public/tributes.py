"""Online tribute (云祭扫): ``/api/v1/tributes``.

``POST`` (public) leaves a flower, a candle or a message on a martyr's, a memorial's or a cemetery's page;
``GET ?target=&target_id=`` gives the counts and the approved messages. Staff with ``tributes.moderate`` list the
pending messages of their area and approve or reject them. Bursts answer 429 twice over: the middleware's per-address
window (api/security.py) and the per-client-hash hourly limits in the database (geo/public/tributes.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ConnDep, PublicConnDep, SettingsDep
from api.principal import ActorDep, client_address, require
from geo.accounts.credentials import auth_secret
from geo.public.tributes import (
    AUTHOR_MAX_CHARS,
    MESSAGE_MAX_CHARS,
    MODERATE,
    REASON_MAX_CHARS,
    PendingTribute,
    TributeInput,
    TributeLimits,
    add_tribute,
    client_hash,
    moderate_tribute,
    pending_tributes,
    tribute_summary,
)
from web.public.tribute_widget import SCRIPT_PATH, SCRIPT_URL

router = APIRouter(prefix="/tributes", tags=["tributes"])

Target = Literal["martyrs", "memorials", "cemeteries"]
Kind = Literal["flower", "candle", "message"]
TributeId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class TributeCreate(BaseModel):
    """A tribute: a flower or a candle, or a message (shown after moderation)."""

    model_config = ConfigDict(extra="forbid")

    target: Target
    target_id: int = Field(ge=1, le=2**63 - 1)
    kind: Kind
    message: str | None = Field(default=None, max_length=MESSAGE_MAX_CHARS * 2)
    author: str | None = Field(default=None, max_length=AUTHOR_MAX_CHARS * 2)


class TributeCounts(BaseModel):
    """Approved tributes per kind."""

    flower: int
    candle: int
    message: int


class TributeCreated(BaseModel):
    """The new tribute: approved (flowers, candles) or pending (messages), and the page's counts now."""

    id: int
    kind: Kind
    status: Literal["approved", "pending"]
    counts: TributeCounts


class TributeMessagePublic(BaseModel):
    """An approved message."""

    id: int
    message: str
    author: str | None
    created_at: dt.datetime


class TributesPublic(BaseModel):
    """A page's tributes: counts per kind and approved messages, newest first."""

    target: Target
    target_id: int
    counts: TributeCounts
    messages: list[TributeMessagePublic]
    total_messages: int
    limit: int
    offset: int


class TributeModeration(BaseModel):
    """A tribute as a moderator sees it."""

    id: int
    target: Target
    target_id: int
    target_name: str | None
    area_code: str | None
    kind: Kind
    message: str | None
    author: str | None
    status: Literal["pending", "approved", "rejected"]
    created_at: dt.datetime


class PendingTributes(BaseModel):
    """A page of messages waiting for moderation in the caller's area, oldest first."""

    items: list[TributeModeration]
    total: int
    limit: int
    offset: int


class TributeRejection(BaseModel):
    """Why a message is rejected (kept in the audit log, never shown to the public)."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=REASON_MAX_CHARS * 2)


def _moderation(item: PendingTribute) -> TributeModeration:
    return TributeModeration.model_validate(item, from_attributes=True)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TributeCreated)
def create_tribute(
    body: TributeCreate, request: Request, conn: ConnDep, settings: SettingsDep
) -> TributeCreated:
    """Leave a flower, a candle or a message (public; a message waits for moderation)."""
    limits = TributeLimits(settings.tribute_per_target_per_hour, settings.tribute_per_hour)
    client = client_hash(auth_secret(settings), client_address(request))
    data = TributeInput(body.target, body.target_id, body.kind, body.message, body.author)
    receipt = add_tribute(conn, data, client, limits)
    return TributeCreated(
        id=receipt.id, kind=receipt.kind, status=receipt.status, counts=TributeCounts(**receipt.counts)
    )


@router.get("", response_model=TributesPublic)
def read_tributes(
    conn: PublicConnDep,
    target: Annotated[Target, Query()],
    target_id: Annotated[int, Query(ge=1, le=2**63 - 1)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> TributesPublic:
    """Counts per kind and the approved messages of a page, newest first (public)."""
    found = tribute_summary(conn, target, target_id, limit, offset)
    return TributesPublic(
        target=found.target,
        target_id=found.target_id,
        counts=TributeCounts(**found.counts),
        messages=[TributeMessagePublic.model_validate(m, from_attributes=True) for m in found.messages],
        total_messages=found.total_messages,
        limit=limit,
        offset=offset,
    )


@router.get("/pending", response_model=PendingTributes, dependencies=[Depends(require(MODERATE))])
def list_pending(
    conn: ConnDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> PendingTributes:
    """Messages waiting for moderation in the caller's area (staff with tributes.moderate)."""
    items, total = pending_tributes(conn, actor, limit, offset)
    return PendingTributes(items=[_moderation(i) for i in items], total=total, limit=limit, offset=offset)


@router.post(
    "/{tribute_id}/approve", response_model=TributeModeration, dependencies=[Depends(require(MODERATE))]
)
def approve_tribute(tribute_id: TributeId, conn: ConnDep, actor: ActorDep) -> TributeModeration:
    """Approve a pending message: it appears on the page."""
    return _moderation(moderate_tribute(conn, actor, tribute_id, "approved"))


@router.post(
    "/{tribute_id}/reject", response_model=TributeModeration, dependencies=[Depends(require(MODERATE))]
)
def reject_tribute(
    tribute_id: TributeId, conn: ConnDep, actor: ActorDep, body: TributeRejection | None = None
) -> TributeModeration:
    """Reject a pending message: it is never shown; the reason (optional) goes to the audit log."""
    reason = body.reason if body is not None else None
    return _moderation(moderate_tribute(conn, actor, tribute_id, "rejected", reason))


asset_router = APIRouter(include_in_schema=False)


@asset_router.get(SCRIPT_URL)
def tribute_script() -> FileResponse:
    """The tribute section's script (web/static/tribute.js)."""
    headers = {"Cache-Control": "public, max-age=3600"}
    return FileResponse(SCRIPT_PATH, media_type="text/javascript; charset=utf-8", headers=headers)
