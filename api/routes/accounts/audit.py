"""The audit log over HTTP: admins read the writes made in their area, per collection and record."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import ConnDep
from api.principal import PrincipalDep, require
from geo.accounts.audit import list_entries
from geo.kit.china_time import china_day_bounds

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditEntryPublic(BaseModel):
    """One write: who, when, what, the record before and after, the request id and client address."""

    id: int
    at: str
    account_id: int | None
    actor: str
    role: str
    action: str
    collection: str
    record_id: int | None
    area_code: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    client_addr: str | None


class AuditPagePublic(BaseModel):
    """A page of audit entries, newest first."""

    numberMatched: int
    numberReturned: int
    entries: list[AuditEntryPublic]


@router.get(
    "",
    summary="The audit log (admins)",
    response_model=AuditPagePublic,
    dependencies=[Depends(require("audit.read"))],
)
def audit_log(
    conn: ConnDep,
    principal: PrincipalDep,
    collection: Annotated[
        str | None,
        Query(
            max_length=64, pattern=r"^[a-z_]+$", description="e.g. stations, memorials, accounts, api_tokens"
        ),
    ] = None,
    record_id: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="the record's id")] = None,
    actor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            pattern=r"^[A-Za-z0-9._-]+$",
            description="the username who wrote (any case)",
        ),
    ] = None,
    since: Annotated[
        dt.date | None, Query(description="from this calendar day (China time, UTC+8), inclusive")
    ] = None,
    until: Annotated[
        dt.date | None, Query(description="up to this calendar day (China time, UTC+8), inclusive")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
):
    """Entries of writes in the admin's area (those of the whole atlas for admins of the whole atlas)."""
    start, end = china_day_bounds(since, until)
    total, entries = list_entries(
        conn, principal, collection, record_id, limit, offset, actor=actor, since=start, until=end
    )
    rows = []
    for e in entries:
        row = e.__dict__.copy()
        row["at"] = e.at.isoformat()
        rows.append(row)
    return JSONResponse({"numberMatched": total, "numberReturned": len(rows), "entries": rows})
