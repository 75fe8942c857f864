"""Coverage for planners over HTTP: nearest-station rows, coverage rates, units without a station, runs.

Distances are geodesic metres (WGS-84 ellipsoid); points WGS-84 lon/lat degrees.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ConnDep, EngineDep, SettingsDep
from api.principal import ActorDep, require
from api.routes.atlas.sites import AREA_PATTERN, GeoJSONResponse, Offset, check_limit, page_links
from api.runs import RunPublic, run_json
from api.schemas import FeatureCollectionPublic, Link
from geo.accounts.audit import record_now
from geo.accounts.permissions import authorize, covers
from geo.atlas.areas import find_area
from geo.coverage.rates import coverage_by_area, coverage_rows, station_gaps
from geo.coverage.runs import (
    DEFAULT_TOWNSHIP_M,
    DEFAULT_VILLAGE_M,
    CoverageRunInfo,
    coverage_params,
    coverage_state,
    get_run,
    list_runs,
    run_full,
    start_area_run,
    start_full_run,
)
from geo.errors import Forbidden, InvalidInput

router = APIRouter(prefix="/coverage", tags=["coverage"])

AreaCode = Annotated[
    str | None,
    Query(pattern=AREA_PATTERN, description="area code (6, 9 or 12 digits); includes all its sub-areas"),
]
Level = Literal["province", "city", "county", "township", "village"]
VillageM = Annotated[
    float | None,
    Query(
        description=f"reach of village-level stations, geodesic metres (> 0; default: the run's, {DEFAULT_VILLAGE_M:g})"
    ),
]
TownshipM = Annotated[
    float | None,
    Query(
        description=f"reach of township-level stations, geodesic metres (> 0; default: the run's, {DEFAULT_TOWNSHIP_M:g})"
    ),
]
Limit = Annotated[int | None, Query(ge=1, description="page size (default 100, maximum 1000)")]


class CoverageStatePublic(BaseModel):
    """Which full run the figures rest on and whether anything is still pending."""

    run_id: int | None
    computed_at: str | None
    last_run_id: int | None
    current: bool
    pending_changes: int = Field(description="station changes not yet applied (a full run is in progress)")
    needs_full_run: bool = Field(description="stations were bulk-replaced or areas changed: start a full run")
    running_run_id: int | None


class ThresholdsPublic(BaseModel):
    """Thresholds in geodesic metres."""

    village_m: float
    township_m: float


class CoverageFeatureCollectionPublic(FeatureCollectionPublic):
    """A page of villages or townships as points, with nearest station ids, distances and covered flags."""

    thresholds: ThresholdsPublic
    coverage: CoverageStatePublic


class CoverageSharePublic(BaseModel):
    """Villages and people within ``threshold_m`` of an active station of ``station_level``."""

    station_level: Literal["village", "township", "any"]
    threshold_m: float
    villages_covered: int
    village_share: float | None
    population_covered: int
    population_share: float | None = Field(description="share of the known population; null if none is known")


class AreaCoveragePublic(BaseModel):
    """Coverage of one area."""

    code: str | None
    name: str | None
    level: str | None
    villages: int
    villages_with_population: int
    population: int
    shares: list[CoverageSharePublic]
    townships: int | None
    townships_covered: int | None = Field(description="townships within township_m of a township station")
    township_share: float | None


class CoverageRatesPublic(BaseModel):
    """Coverage of the area as a whole and of each unit at ``level`` in it."""

    area: AreaCoveragePublic
    level: str
    thresholds: ThresholdsPublic
    rows: list[AreaCoveragePublic]
    coverage: CoverageStatePublic


class LevelGapsPublic(BaseModel):
    """Units of one level and how many have an active station of that level serving them."""

    level: str
    units: int
    with_station: int
    without_station: int


class UnitGapPublic(BaseModel):
    """A unit with no active station of its own level."""

    code: str
    name: str
    level: str
    parent_code: str | None
    population: int | None


class AreaRefPublic(BaseModel):
    """An administrative area."""

    code: str
    name: str
    level: str


class StationGapsPublic(BaseModel):
    """The "every unit has its station" check (横向到边、纵向到底): counts per level, a page of gaps."""

    area: AreaRefPublic | None
    levels: list[LevelGapsPublic]
    numberMatched: int
    numberReturned: int
    gaps: list[UnitGapPublic]
    links: list[Link]


class CoverageRunCreate(BaseModel):
    """Parameters of a run; thresholds in geodesic metres. With ``area``, a run of that area only."""

    model_config = ConfigDict(extra="forbid")
    area: str | None = Field(
        default=None,
        pattern=AREA_PATTERN,
        description="recompute only the villages and townships of this area (6, 9 or 12 digits), with the "
        "thresholds of the current full run; an account may run it for any area inside its own",
    )
    village_m: float | None = Field(
        default=None,
        description=f"reach of village-level stations (> 0; default {DEFAULT_VILLAGE_M:g}; with area: the current run's)",
    )
    township_m: float | None = Field(
        default=None,
        description=f"reach of township-level stations (> 0; default {DEFAULT_TOWNSHIP_M:g}; with area: the current run's)",
    )
    wait: bool = Field(
        default=False, description="run in the request and answer 201 when done (small atlases)"
    )


class CoverageRunPublic(RunPublic):
    """A coverage run: full, or incremental after station changes; poll it while status is running."""

    kind: str
    base_run_id: int | None
    counts: dict[str, Any] | None


def _run_json(request: Request, run: CoverageRunInfo) -> dict:
    return run_json(request, run, CoverageRunPublic, "read_run")


def _coverage_page(request: Request, unit_level: str, conn, settings, area, covered, limit, offset):
    limit = check_limit(limit, settings)
    page = coverage_rows(conn, unit_level, area, covered, limit, offset)
    return GeoJSONResponse(
        {
            "type": "FeatureCollection",
            "numberMatched": page.number_matched,
            "numberReturned": len(page.features),
            "features": page.features,
            "links": page_links(request, offset, limit, len(page.features), page.number_matched),
            "thresholds": page.params.as_json(),
            "coverage": page.state,
        }
    )


@router.get(
    "/villages",
    summary="Villages with their nearest station",
    response_model=CoverageFeatureCollectionPublic,
    response_class=GeoJSONResponse,
)
def villages(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    area: Annotated[str, Query(pattern=AREA_PATTERN, description="area code (6, 9 or 12 digits)")],
    covered: Annotated[
        bool | None, Query(description="only villages (not) covered by a village station")
    ] = None,
    limit: Limit = None,
    offset: Offset = 0,
):
    """The villages of an area as points: `nearest_station` (village level, its id), `distance_m` (geodesic
    metres), `covered`, and the same for township-level and any-level stations; ordered by code, paged."""
    return _coverage_page(request, "village", conn, settings, area, covered, limit, offset)


@router.get(
    "/townships",
    summary="Townships with their nearest station",
    response_model=CoverageFeatureCollectionPublic,
    response_class=GeoJSONResponse,
)
def townships(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    area: Annotated[str, Query(pattern=AREA_PATTERN, description="area code (6 or 9 digits)")],
    covered: Annotated[
        bool | None, Query(description="only townships (not) covered by a township station")
    ] = None,
    limit: Limit = None,
    offset: Offset = 0,
):
    """The townships of an area as points with their nearest township-level and any-level station."""
    return _coverage_page(request, "township", conn, settings, area, covered, limit, offset)


@router.get("/rates", summary="Coverage rates per area", response_model=CoverageRatesPublic)
def rates(
    conn: ConnDep,
    area: AreaCode = None,
    level: Annotated[
        Level | None, Query(description="level of the rows (default: the level below the area)")
    ] = None,
    village_m: VillageM = None,
    township_m: TownshipM = None,
):
    """Share of villages and of (known) population within the thresholds, for the area and each unit of it at
    `level`; and the share of townships within `township_m` of a township station."""
    result = coverage_by_area(conn, area, level, village_m, township_m)
    data = dataclasses.asdict(result)
    data["thresholds"] = data.pop("params")
    data["coverage"] = data.pop("state")
    return JSONResponse(data)


@router.get("/gaps", summary="Units without a station of their level", response_model=StationGapsPublic)
def gaps(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    area: AreaCode = None,
    level: Annotated[
        Level | None, Query(description="check one level only (default: all from the area's down)")
    ] = None,
    limit: Limit = None,
    offset: Offset = 0,
):
    """Townships without an active township station, villages without an active village station, and so on
    for every level (横向到边、纵向到底); a unit is served when a station's served_area_code (else area_code) lies
    in it."""
    limit = check_limit(limit, settings)
    result = station_gaps(conn, area, level, limit, offset)
    links = page_links(request, offset, limit, len(result.gaps), result.number_matched)
    for link in links:
        link["type"] = "application/json"
    return JSONResponse(
        {
            "area": dataclasses.asdict(result.area) if result.area else None,
            "levels": [dataclasses.asdict(g) for g in result.levels],
            "numberMatched": result.number_matched,
            "numberReturned": len(result.gaps),
            "gaps": [dataclasses.asdict(g) for g in result.gaps],
            "links": links,
        }
    )


@router.post(
    "/runs",
    summary="Start a full coverage run",
    status_code=202,
    response_model=CoverageRunPublic,
    responses={201: {"description": "finished (wait=true)", "model": CoverageRunPublic}},
    dependencies=[Depends(require("coverage.run"))],
)
def create_run(
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    body: Annotated[CoverageRunCreate | None, Body()] = None,
):
    """Recompute the coverage tables for the whole atlas (a planner or admin of the whole atlas), or with `area`
    for that area only (an area action: a planner or admin whose area holds it, a county planner included).
    Runs in the background (202; poll the run's link) unless `wait` is true. 409 while another run is in
    progress."""
    body = body or CoverageRunCreate()
    if body.area is not None:
        return _area_run(request, engine, actor, body)
    authorize(actor.principal, "coverage.run", [None])
    params = coverage_params(body.village_m, body.township_m)
    if body.wait:
        run = run_full(engine, params)
        status = 201
    else:
        run = start_full_run(engine, params)
        status = 202
    record_now(engine, actor, "run", "coverage_runs", run.id, after={"parameters": run.parameters})
    data = _run_json(request, run)
    return JSONResponse(data, status_code=status, headers={"Location": data["links"][0]["href"]})


def _area_run(request: Request, engine, actor, body: CoverageRunCreate) -> JSONResponse:
    principal = actor.principal
    with engine.connect() as conn:
        area = find_area(conn, body.area)
        base = coverage_state(conn).base_run
    if area is None:
        raise InvalidInput(
            f"no area with code {body.area!r}", key="coverage.run_area_unknown", params={"area": body.area}
        )
    if not covers(principal, area.code):
        mine = principal.area_code or "the whole atlas"
        raise Forbidden(
            f"{principal.username} may coverage run only in {mine}, not in area {area.code}",
            key="coverage.run_outside",
            params={"user": principal.username, "mine": mine, "area": f"{area.name} ({area.code})"},
        )
    params = base.params if base else coverage_params()
    asked = coverage_params(body.village_m, body.township_m, params)
    if asked != params:
        raise InvalidInput(
            "a run of one area keeps the thresholds of the current full run "
            f"(village_m {params.village_m:g}, township_m {params.township_m:g}); run the whole atlas to change them",
            key="coverage.run_thresholds",
            params={"village_m": f"{params.village_m:g}", "township_m": f"{params.township_m:g}"},
        )
    run = start_area_run(engine, area.code, area.descendant_prefix, background=not body.wait)
    record_now(engine, actor, "run", "coverage_runs", run.id, after={"parameters": run.parameters})
    data = _run_json(request, run)
    status = 201 if body.wait else 202
    return JSONResponse(data, status_code=status, headers={"Location": data["links"][0]["href"]})


@router.get("/runs", summary="Recent coverage runs", response_model=list[CoverageRunPublic])
def runs(
    request: Request,
    conn: ConnDep,
    kind: Annotated[Literal["full", "incremental"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
):
    """The latest runs, newest first."""
    return JSONResponse([_run_json(request, r) for r in list_runs(conn, limit, kind)])


@router.get("/runs/{run_id}", summary="One coverage run", response_model=CoverageRunPublic)
def read_run(request: Request, conn: ConnDep, run_id: Annotated[int, Path(ge=1)]):
    """A run's status, phase, progress (0–1), parameters and counts."""
    return JSONResponse(_run_json(request, get_run(conn, run_id)))
