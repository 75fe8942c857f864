"""Siting new stations over HTTP: start a run (MCLP, LSCP, target share), poll it, read its sites as GeoJSON.

Positions are WGS-84 lon/lat degrees; distances geodesic metres; demand weights people.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ConnDep, EngineDep
from api.principal import ActorDep, require
from api.routes.atlas.sites import AREA_PATTERN, GeoJSONResponse
from api.runs import RunPublic, run_json
from geo.accounts.audit import record_now
from geo.accounts.permissions import authorize
from geo.coverage.siting_map import siting_run_map
from geo.coverage.siting_runs import (
    MAX_GIVEN_SITES,
    MAX_TIME_LIMIT_S,
    GivenSite,
    SitingRequest,
    SitingRunInfo,
    create_siting_run,
    get_siting_run,
    list_siting_runs,
)

router = APIRouter(prefix="/coverage/siting", tags=["siting"])


class GivenSiteCreate(BaseModel):
    """A candidate site proposed by the planner (WGS-84 degrees)."""

    model_config = ConfigDict(extra="forbid")
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    label: str = Field(default="", max_length=200)


class SitingRunCreate(BaseModel):
    """What to solve. Demand: the villages of ``area`` weighted by population; existing active stations of
    ``station_level`` count as already chosen."""

    model_config = ConfigDict(extra="forbid")
    problem: Literal["mclp", "lscp", "target_share"] = Field(
        description="mclp: p new stations covering the most people; lscp: fewest covering everyone "
        "reachable; target_share: fewest reaching `share`"
    )
    area: str | None = Field(
        default=None,
        pattern=AREA_PATTERN,
        description="area code; its villages are the demand (default: all)",
    )
    station_level: Literal["village", "township"] = "village"
    distance_m: float | None = Field(
        default=None, gt=0, description="reach in geodesic metres (default 3000 village, 10000 township)"
    )
    p: int | None = Field(default=None, ge=1, description="mclp: the number of new stations")
    share: float | None = Field(default=None, gt=0, le=1, description="target_share: covered share to reach")
    candidates: Literal["villages_without_station", "all_villages", "given"] = "villages_without_station"
    sites: list[GivenSiteCreate] = Field(default_factory=list, max_length=MAX_GIVEN_SITES)
    require_full_coverage: bool = Field(
        default=False, description="lscp: refuse (422) when some village no candidate reaches"
    )
    exact: bool = Field(default=True, description="after greedy + swap, prove the answer with HiGHS")
    time_limit_s: float = Field(default=60.0, gt=0, le=MAX_TIME_LIMIT_S)
    mip_gap: float = Field(default=0.0, ge=0, lt=1)
    keep_existing: bool = Field(
        default=True,
        description="count the existing active stations of the level as already there (false: plan from scratch)",
    )
    wait: bool = Field(default=False, description="answer when the exact stage is done (201) instead of 202")

    def to_request(self) -> SitingRequest:
        return SitingRequest(
            problem=self.problem,
            area=self.area,
            station_level=self.station_level,
            distance_m=self.distance_m,
            p=self.p,
            share=self.share,
            candidates=self.candidates,
            sites=tuple(GivenSite(s.lon, s.lat, s.label) for s in self.sites),
            require_full_coverage=self.require_full_coverage,
            exact=self.exact,
            time_limit_s=self.time_limit_s,
            mip_gap=self.mip_gap,
            keep_existing=self.keep_existing,
        )


class SitingRunPublic(RunPublic):
    """A siting run; ``result`` holds the best answer so far (the heuristic while the exact stage runs)."""

    problem: str
    area_code: str | None
    result: dict[str, Any] | None


def _run_json(request: Request, run: SitingRunInfo) -> dict:
    return run_json(
        request,
        run,
        SitingRunPublic,
        "read_siting_run",
        links=(("siting_run_sites", "sites", "application/geo+json"),),
    )


@router.post(
    "",
    summary="Site new stations",
    status_code=202,
    response_model=SitingRunPublic,
    responses={201: {"description": "finished", "model": SitingRunPublic}},
    dependencies=[Depends(require("siting.run"))],
)
def create_run(request: Request, engine: EngineDep, body: SitingRunCreate, actor: ActorDep):
    """Validate and answer with greedy + swap at once; the exact HiGHS stage runs in the background (202,
    poll the self link) unless `wait` is true or the heuristic answer is already proven optimal (201). A
    planner or admin runs it in its own area (without `area`: the whole atlas)."""
    authorize(actor.principal, "siting.run", [body.area])
    run = create_siting_run(engine, body.to_request(), background=not body.wait)
    record_now(
        engine, actor, "run", "siting_runs", run.id, area_code=body.area, after={"parameters": run.parameters}
    )
    data = _run_json(request, run)
    status = 202 if run.status == "running" else 201
    return JSONResponse(data, status_code=status, headers={"Location": data["links"][0]["href"]})


@router.get("", summary="Recent siting runs", response_model=list[SitingRunPublic])
def runs(
    request: Request,
    conn: ConnDep,
    area: Annotated[str | None, Query(pattern=AREA_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
):
    """The latest runs, newest first (of one area when given)."""
    return JSONResponse([_run_json(request, r) for r in list_siting_runs(conn, area, limit)])


@router.get("/{run_id}", summary="One siting run", response_model=SitingRunPublic)
def read_siting_run(request: Request, conn: ConnDep, run_id: Annotated[int, Path(ge=1)]):
    """A run's status, progress (0–1) and answer: chosen sites, people newly covered, before/after, gap, and
    ``reasons``: codes with figures saying why fewer sites than ``requested_sites`` were chosen, what no site
    can cover, and how far an unproven answer may be from the best."""
    return JSONResponse(_run_json(request, get_siting_run(conn, run_id)))


@router.get("/{run_id}/sites", summary="A siting run's chosen sites as GeoJSON")
def siting_run_sites(conn: ConnDep, run_id: Annotated[int, Path(ge=1)]):
    """The chosen sites as points, with the people each newly covers and the villages it serves."""
    run = get_siting_run(conn, run_id)
    chosen = (run.result or {}).get("chosen", [])
    features = [
        {
            "type": "Feature",
            "id": site["rank"],
            "geometry": {"type": "Point", "coordinates": [site["lon"], site["lat"]]},
            "properties": {k: v for k, v in site.items() if k not in ("lon", "lat")},
        }
        for site in chosen
    ]
    return GeoJSONResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": len(features),
            "numberReturned": len(features),
            "run": {"id": run.id, "status": run.status, "problem": run.problem},
        }
    )


@router.get("/{run_id}/map", summary="A siting run on a map, as GeoJSON")
def siting_run_map_features(conn: ConnDep, run_id: Annotated[int, Path(ge=1)]):
    """The run's area outline, its villages (``state``: before, new, open, unreachable), the existing stations it
    counted, the candidates it did not choose and the chosen sites (``layer`` says which), WGS-84."""
    return GeoJSONResponse(siting_run_map(conn, run_id))
