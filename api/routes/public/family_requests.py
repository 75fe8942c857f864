"""Family-search requests (寻亲): ``/api/v1/family-requests``.

``POST`` is public (the form at ``/family-search``): 201 with a reference number and the follow-up code (shown
this once; the requester follows the request at ``/family-search/{reference}`` with it), 422 naming the first fault,
429 on a burst (the middleware's per-address window, api/security.py, and a daily limit per client hash in
geo/public/family_requests.py). Staff with ``family_requests.read`` list and read the requests of their area (the public:
401, another area: 403), each with its notes; ``PATCH`` sets status and staff_note and adds a public and/or an internal
note under the version read (If-Match or ``version``); ``POST …/{id}/follow-up-code`` gives the requester a new code
(the old one stops working), shown to staff once to pass on by phone or e-mail.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ConnDep, SettingsDep
from api.principal import ActorDep, PrincipalDep, client_address, require
from api.routes.atlas.sites import AREA_PATTERN, Offset, check_limit
from api.versions import IfMatch, etag, read_version
from geo.accounts.credentials import auth_secret
from geo.public.family_requests import (
    LIMITS,
    MAX_YEAR,
    MIN_YEAR,
    FamilyRequestFilter,
    FamilyRequestInput,
    client_hash,
    create_request,
    get_request,
    list_requests,
    reissue_follow_up_code,
    update_request,
)

router = APIRouter(prefix="/family-requests", tags=["family search"])

RequestId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Status = Literal["new", "in_progress", "found", "closed"]


def _text(field: str, required: bool = False):
    # twice the domain limit here: the domain names the exact limit in its answer
    return Field(default=... if required else None, max_length=LIMITS[field] * 2)


class FamilyRequestCreate(BaseModel):
    """What a relative knows of the martyr, and how staff can reach them (a phone, an e-mail or both)."""

    model_config = ConfigDict(extra="forbid")

    martyr_name: str = _text("martyr_name", required=True)
    requester_name: str = _text("requester_name", required=True)
    contact_phone: str | None = _text("contact_phone")
    contact_email: str | None = _text("contact_email")
    martyr_id: int | None = Field(default=None, ge=1, le=2**63 - 1, description="the martyr record, if known")
    hometown: str | None = _text("hometown")
    hometown_area_code: str | None = Field(default=None, pattern=AREA_PATTERN)
    unit: str | None = _text("unit")
    death_year: int | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR)
    details: str | None = _text("details")
    relation: str | None = _text("relation")


class FamilyRequestCreated(BaseModel):
    """The answer to a filed request: keep the reference number."""

    id: int
    reference: str
    status: str
    created_at: str
    follow_up_code: str = Field(description="the code to follow the request at /family-search/{reference}")


class FollowUpReissue(BaseModel):
    """The version of the request read (or send ``If-Match``)."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1)


class FamilyRequestPatch(BaseModel):
    """Staff changes: a status, the staff note, a note to add (public: the requester reads it; internal: staff
    only); ``version`` is the one read (or send ``If-Match``)."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1)
    status: Status | None = None
    staff_note: str | None = _text("staff_note")
    public_note: str | None = _text("public_note")
    internal_note: str | None = _text("internal_note")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=FamilyRequestCreated)
def create(body: FamilyRequestCreate, request: Request, conn: ConnDep, settings: SettingsDep) -> JSONResponse:
    """File a family-search request (public); the answer carries its reference number."""
    client = client_hash(auth_secret(settings), client_address(request))
    data = FamilyRequestInput(**body.model_dump())
    created = create_request(conn, data, client, secret=auth_secret(settings))
    return JSONResponse(created, status_code=201, headers={"Cache-Control": "no-store"})


@router.get("", dependencies=[Depends(require("family_requests.read"))])
def list_all(
    conn: ConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    area: Annotated[str | None, Query(pattern=AREA_PATTERN)] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
    offset: Offset = 0,
) -> JSONResponse:
    """The requests of your area, newest first."""
    flt = FamilyRequestFilter(status=status_, area=area)
    total, items = list_requests(conn, principal, flt, check_limit(limit, settings), offset)
    body = {"numberMatched": total, "numberReturned": len(items), "family_requests": items}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get("/{request_id}", dependencies=[Depends(require("family_requests.read"))])
def read(request_id: RequestId, conn: ConnDep, principal: PrincipalDep) -> JSONResponse:
    """One request of your area; its ETag is the version to send back with an update."""
    found = get_request(conn, principal, request_id)
    return JSONResponse(found, headers={"ETag": etag(found["version"]), "Cache-Control": "no-store"})


@router.patch("/{request_id}", dependencies=[Depends(require("family_requests.update"))])
def patch(
    request_id: RequestId, body: FamilyRequestPatch, conn: ConnDep, actor: ActorDep, if_match: IfMatch = None
) -> JSONResponse:
    """Set the status and/or the staff note, add notes, of a request at the version you read."""
    version, precondition = read_version(if_match, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    found = update_request(conn, actor, request_id, changes, version, precondition)
    return JSONResponse(found, headers={"ETag": etag(found["version"]), "Cache-Control": "no-store"})


@router.post("/{request_id}/follow-up-code", dependencies=[Depends(require("family_requests.update"))])
def reissue_code(
    request_id: RequestId,
    conn: ConnDep,
    settings: SettingsDep,
    actor: ActorDep,
    body: FollowUpReissue | None = None,
    if_match: IfMatch = None,
) -> JSONResponse:
    """A new follow-up code for the requester (the old one stops working), shown this once in ``follow_up_code``."""
    version, precondition = read_version(if_match, body.version if body is not None else None)
    found = reissue_follow_up_code(conn, actor, request_id, version, precondition, auth_secret(settings))
    return JSONResponse(found, headers={"ETag": etag(found["version"]), "Cache-Control": "no-store"})
