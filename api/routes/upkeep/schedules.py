"""Upkeep schedules and seasonal campaigns: ``/api/v1/upkeep/schedule`` and ``/api/v1/upkeep/campaigns``.

The schedule lists every memorial, cemetery and grave of an area (its sub-areas included) with its inspection
cycle, next due date and state (overdue, due_soon, ok, never_inspected), most overdue first, as JSON or, with
``f=geojson`` or ``Accept: application/geo+json``, as a GeoJSON FeatureCollection for the map. Campaigns
(Qingming, Martyrs' Day) create one cleaning and one tribute task per site of an area; their tasks are work
orders (``GET /api/v1/work-orders?campaign_id=ID``). Staff only, in their area: see geo/upkeep/schedules.py and
geo/upkeep/campaigns.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ConnDep, SettingsDep
from api.errors import error_reason
from api.principal import ActorDep, PrincipalDep, require
from api.routes.atlas.sites import AREA_PATTERN, GEOJSON, GeoJSONResponse, Offset, check_limit, page_links
from geo.errors import InvalidInput
from geo.models import UPKEEP_COLLECTIONS
from geo.upkeep.campaigns import (
    DEFAULT_SITE_SETS,
    TASK_KINDS,
    CampaignExists,
    CampaignInput,
    create_campaign,
    get_campaign,
    list_campaigns,
)
from geo.upkeep.schedules import ScheduleQuery, list_schedule, schedule_summary

router = APIRouter(prefix="/upkeep", tags=["upkeep schedules and campaigns"])

State = Literal["overdue", "due_soon", "ok", "never_inspected"]
CampaignKind = Literal["qingming", "martyrs_day", "other"]
TaskKind = Literal["cleaning", "tribute"]
SiteSet = Literal["memorials", "cemeteries", "scattered_graves", "graves"]
AreaQuery = Annotated[
    str | None, Query(pattern=AREA_PATTERN, description="area code (sub-areas included); default: yours")
]


class CampaignCreate(BaseModel):
    """A seasonal campaign: one cleaning and one tribute task (``task_kinds``) for every site of the area."""

    model_config = ConfigDict(extra="forbid")

    kind: CampaignKind
    area: str = Field(pattern=AREA_PATTERN, description="area code; its sub-areas are included")
    year: int = Field(ge=2000, le=2100)
    title: str | None = Field(
        default=None, min_length=1, max_length=200, description="default: 2027年清明祭扫"
    )
    starts_on: dt.date | None = Field(default=None, description="default: 15 March (qingming), 1 September")
    due_on: dt.date | None = Field(
        default=None, description="default: the Qingming day (4/5 April), 30 September"
    )
    task_kinds: list[TaskKind] = Field(default=list(TASK_KINDS), min_length=1)
    collections: list[SiteSet] = Field(
        default=list(DEFAULT_SITE_SETS),
        min_length=1,
        description="graves: every grave; scattered_graves: those outside cemeteries",
    )


def _collections(value: str | None) -> tuple[str, ...]:
    if value is None:
        return UPKEEP_COLLECTIONS
    names = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    bad = [n for n in names if n not in UPKEEP_COLLECTIONS]
    if bad or not names:
        raise InvalidInput(
            f"unknown collection {', '.join(bad) or '(none)'}; expected some of: {', '.join(UPKEEP_COLLECTIONS)}"
        )
    return names


def _wants_geojson(request: Request, f: str | None) -> bool:
    if f is not None:
        return f == "geojson"
    return GEOJSON in request.headers.get("accept", "")


def _feature(item: dict) -> dict:
    geometry = item.pop("geometry")
    return {
        "type": "Feature",
        "id": f"{item['collection']}.{item['site_id']}",
        "geometry": geometry,
        "properties": item,
    }


@router.get("/schedule", dependencies=[Depends(require("schedules.read"))])
def schedule(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    area: AreaQuery = None,
    state: State | None = None,
    collection: Annotated[
        str | None, Query(description="memorials, cemeteries, graves (comma-separated); default all")
    ] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
    offset: Offset = 0,
    f: Annotated[Literal["json", "geojson"] | None, Query(description="json or geojson")] = None,
):
    """Sites of an area with cycle, last inspection, next due date, days overdue and state; most overdue first."""
    geojson = _wants_geojson(request, f)
    page = check_limit(limit, settings)
    query = ScheduleQuery(area, state, _collections(collection), None, page, offset, geojson)
    found = list_schedule(conn, principal, query, request.app.state.upkeep)
    items = found.pop("items")
    if not geojson:
        return {**found, "numberReturned": len(items), "items": items}
    features = [_feature(i) for i in items]
    body = {
        "type": "FeatureCollection",
        **found,
        "numberReturned": len(features),
        "features": features,
        "links": page_links(request, offset, page, len(features), found["numberMatched"]),
    }
    return GeoJSONResponse(body)


@router.get("/schedule/summary", dependencies=[Depends(require("schedules.read"))])
def summary(request: Request, conn: ConnDep, principal: PrincipalDep, area: AreaQuery = None) -> dict:
    """How many sites of an area are overdue, due soon, ok or never inspected, in all and per collection."""
    return schedule_summary(conn, principal, area, request.app.state.upkeep)


@router.post(
    "/campaigns", status_code=status.HTTP_201_CREATED, dependencies=[Depends(require("campaigns.create"))]
)
def create(request: Request, body: CampaignCreate, conn: ConnDep, actor: ActorDep) -> JSONResponse:
    """Create a campaign and its tasks for every site of the area; the same kind, area and year again: 409."""
    data = CampaignInput(
        **body.model_dump(exclude={"task_kinds", "collections"}),
        task_kinds=tuple(body.task_kinds),
        collections=tuple(body.collections),
    )
    try:
        campaign = create_campaign(conn, actor, data)
    except CampaignExists as exc:
        location = f"/api/v1/upkeep/campaigns/{exc.campaign_id}"
        return JSONResponse(
            {"detail": error_reason(request, exc), "campaign_id": exc.campaign_id, "campaign": location},
            status_code=409,
            headers={"Location": location},
        )
    location = f"/api/v1/upkeep/campaigns/{campaign['id']}"
    return JSONResponse(campaign, status_code=201, headers={"Location": location})


@router.get("/campaigns", dependencies=[Depends(require("campaigns.read"))])
def campaigns(
    conn: ConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    area: AreaQuery = None,
    kind: CampaignKind | None = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
    offset: Offset = 0,
) -> dict:
    """Campaigns of your area (and those covering it), newest first, with their progress (tasks per status)."""
    page = check_limit(limit, settings)
    total, items = list_campaigns(conn, principal, area, kind, year, page, offset)
    return {"numberMatched": total, "numberReturned": len(items), "campaigns": items}


@router.get("/campaigns/{campaign_id}", dependencies=[Depends(require("campaigns.read"))])
def campaign(
    campaign_id: Annotated[int, Path(ge=1, le=2**63 - 1)], conn: ConnDep, principal: PrincipalDep
) -> dict:
    """One campaign with its progress; its tasks: GET /api/v1/work-orders?campaign_id=ID."""
    return get_campaign(conn, principal, campaign_id)
