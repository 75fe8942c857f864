"""Inspections of memorials, cemeteries and graves: ``/api/v1/{collection}/{site_id}/inspections``.

Staff only (crew, planner, admin, in the site's area): the anonymous public gets 401, as for every upkeep
record (geo/atlas/field_policy.py ``STAFF_ONLY``). Scores are per category, 0-4; see geo/upkeep/inspections.py.
A create with the ``client_key`` of an earlier one by the same account for the same site answers 200 with that
inspection and ``Idempotent-Replay: true`` (a phone sending a form again); the key of another record: 409.
Photos of an inspection: api/routes/upkeep/photos.py; GET of one inspection lists them under ``photos``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ConnDep, SettingsDep
from api.principal import ActorDep, require
from api.routes.atlas.sites import Offset, check_limit
from geo.models import UPKEEP_COLLECTIONS
from geo.upkeep.inspections import InspectionInput, get_inspection, list_inspections, submit_inspection
from geo.upkeep.photos import photo_refs

Score = Annotated[int, Field(ge=0, le=4)]


class Scores(BaseModel):
    """Condition per category, 0 (destroyed or missing) to 4 (good as new); leave out what does not apply."""

    model_config = ConfigDict(extra="forbid")

    monument: Score | None = Field(default=None, description="headstones / monument body")
    structure: Score | None = None
    paths: Score | None = None
    greenery: Score | None = None
    signage: Score | None = None
    enclosure: Score | None = None
    cleanliness: Score | None = None


class Checklist(BaseModel):
    """The five conditions (五个条件) a memorial facility must meet."""

    model_config = ConfigDict(extra="forbid")

    infrastructure_complete: bool = Field(default=False, description="基础设施完备")
    protection_good: bool = Field(default=False, description="保护状况优良")
    institutions_sound: bool = Field(default=False, description="机构制度健全")
    management_standard: bool = Field(default=False, description="服务管理规范")
    function_effective: bool = Field(default=False, description="功能发挥显著")


class Position(BaseModel):
    """Where the inspector stood: WGS-84 degrees and the phone's accuracy in metres."""

    model_config = ConfigDict(extra="forbid")

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000)


class InspectionCreate(BaseModel):
    """A new inspection; the inspector is the signed-in account, the time now unless given (offline capture)."""

    model_config = ConfigDict(extra="forbid")

    scores: Scores
    checklist: Checklist = Field(default_factory=Checklist)
    notes: str | None = Field(default=None, max_length=4000)
    inspected_at: dt.datetime | None = Field(default=None, description="with a time zone; not in the future")
    position: Position | None = None
    client_key: uuid.UUID | None = Field(
        default=None, description="a UUID the phone made for this submission: sent again, it makes no copy"
    )


def _input(body: InspectionCreate) -> InspectionInput:
    pos = body.position
    return InspectionInput(
        scores=body.scores.model_dump(exclude_none=True),
        checklist=body.checklist.model_dump(),
        notes=body.notes,
        inspected_at=body.inspected_at,
        lon=pos.lon if pos else None,
        lat=pos.lat if pos else None,
        accuracy_m=pos.accuracy_m if pos else None,
        client_key=body.client_key,
    )


def inspection_router(collection: str) -> APIRouter:
    """The inspection routes of one upkeep collection."""
    router = APIRouter(prefix=f"/{collection}/{{site_id}}/inspections", tags=["inspections"])

    @router.post(
        "", status_code=status.HTTP_201_CREATED, dependencies=[Depends(require("inspections.create"))]
    )
    def create(site_id: int, body: InspectionCreate, conn: ConnDep, request: Request, actor: ActorDep):
        found, replayed = submit_inspection(
            conn, actor, collection, site_id, _input(body), request.app.state.upkeep
        )
        headers = {"Location": f"/api/v1/{collection}/{site_id}/inspections/{found['id']}"}
        if replayed:
            headers["Idempotent-Replay"] = "true"
        return JSONResponse(found, status_code=200 if replayed else 201, headers=headers)

    @router.get("", dependencies=[Depends(require("inspections.read"))])
    def list_site(
        site_id: int,
        conn: ConnDep,
        settings: SettingsDep,
        actor: ActorDep,
        limit: Annotated[int | None, Query(ge=1)] = None,
        offset: Offset = 0,
    ) -> dict:
        total, items = list_inspections(
            conn, actor, collection, site_id, check_limit(limit, settings), offset
        )
        return {"numberMatched": total, "numberReturned": len(items), "inspections": items}

    @router.get("/{inspection_id}", dependencies=[Depends(require("inspections.read"))])
    def read(site_id: int, inspection_id: int, conn: ConnDep, actor: ActorDep) -> dict:
        found = get_inspection(conn, actor, collection, site_id, inspection_id)
        return {**found, "photos": photo_refs(conn, inspection_id=inspection_id)}

    for route in router.routes:
        route.name = f"{route.name}_{collection}_inspections"  # type: ignore[attr-defined]
    return router


def all_inspection_routers() -> list[APIRouter]:
    """One router per inspected collection (memorials, cemeteries, graves)."""
    return [inspection_router(c) for c in UPKEEP_COLLECTIONS]
