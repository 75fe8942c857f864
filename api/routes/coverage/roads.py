"""Road networks and travel-time coverage over HTTP: upload a road file, run travel time, read the results.

Times are seconds (service-area limits minutes); distances geodesic metres; geometries WGS-84 lon/lat.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from api.deps import ConnDep, EngineDep, SettingsDep
from api.principal import ActorDep, require
from api.routes.atlas.sites import AREA_PATTERN, GeoJSONResponse, Offset, check_limit, page_links
from api.runs import RunPublic, iso, run_fields, run_json
from api.schemas import FeatureCollectionPublic
from geo.accounts.audit import record, record_now
from geo.accounts.permissions import authorize
from geo.coverage.roads import (
    NetworkInfo,
    delete_network,
    get_network,
    import_road_file,
    list_networks,
    road_file_suffix,
)
from geo.coverage.travel_time import (
    DEFAULT_ACCESS_KMH,
    DEFAULT_LIMITS_MIN,
    DEFAULT_MAX_ACCESS_M,
    TravelRunInfo,
    get_travel_run,
    list_travel_runs,
    run_travel,
    service_area_features,
    start_travel_run,
    travel_params,
    travel_time_rows,
)
from geo.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType

router = APIRouter(prefix="/roads", tags=["roads"])

MAX_UPLOAD_BYTES = 512 * 1024 * 1024
"""Largest road file accepted in one upload (bytes)."""

AreaCode = Annotated[
    str | None,
    Query(pattern=AREA_PATTERN, description="area code (6, 9 or 12 digits); includes all its sub-areas"),
]


class RoadNetworkPublic(BaseModel):
    """An imported road network: nodes, edges, total length in geodesic metres, its source and CRS."""

    id: int
    name: str
    source: str | None
    source_crs: str
    synthetic: bool
    content_hash: str
    nodes: int
    edges: int
    length_m: float
    imported_at: str


class TravelRunCreate(BaseModel):
    """Parameters of a travel-time run."""

    model_config = ConfigDict(extra="forbid")
    network_id: int = Field(description="the road network to route on")
    access_kmh: float = Field(
        default=DEFAULT_ACCESS_KMH, description="walking speed off the network, km/h (0.5–50)"
    )
    limits_min: list[float] = Field(
        default=list(DEFAULT_LIMITS_MIN), description="service-area time limits, minutes (1–5 values)"
    )
    area: str | None = Field(
        default=None,
        pattern=AREA_PATTERN,
        description="travel times of this area's villages and townships and service areas of its stations only "
        "(default: the whole atlas); an account of an area runs for an area inside its own",
    )
    max_access_m: float = Field(
        default=DEFAULT_MAX_ACCESS_M,
        description="farther than this from every road node (geodesic metres) is off the network",
    )
    wait: bool = Field(
        default=False, description="run in the request and answer 201 when done (small atlases)"
    )


class TravelRunPublic(RunPublic):
    """A travel run; poll it while status is running."""

    network_id: int | None
    counts: dict[str, Any] | None


class TravelFeatureCollectionPublic(FeatureCollectionPublic):
    """Villages or townships as points with seconds to their nearest station by road."""

    missing: int = Field(description="rows of the area without a travel time (run travel time again)")
    last_run: dict[str, Any] | None


def _network_json(info: NetworkInfo) -> dict:
    data = dataclasses.asdict(info)
    data["imported_at"] = iso(info.imported_at)
    return data


def _run_json(request: Request, run: TravelRunInfo) -> dict:
    return run_json(request, run, TravelRunPublic, "read_travel_run")


def _import(engine: Engine, path: FilePath, **kwargs: Any) -> NetworkInfo:
    with engine.begin() as conn:
        return import_road_file(conn, path, **kwargs)


@router.post(
    "/networks",
    summary="Import a road network",
    status_code=201,
    response_model=RoadNetworkPublic,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "the road file itself (GeoPackage, GeoJSON, zipped Shapefile, FlatGeobuf, OSM .pbf)",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    dependencies=[Depends(require("roads.import"))],
)
async def import_network(
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    name: Annotated[
        str | None, Query(max_length=200, description="network name (default: the file name)")
    ] = None,
    filename: Annotated[
        str | None, Query(max_length=255, description="the file's name, telling its type (else sniffed)")
    ] = None,
    crs: Annotated[
        str | None,
        Query(description="source coordinate system: WGS84 (default), CGCS2000, GCJ02, BD09 or EPSG:<code>"),
    ] = None,
    layer: Annotated[str | None, Query(description="layer to read (default: the first line layer)")] = None,
    replace: Annotated[bool, Query(description="replace a network of the same name")] = False,
):
    """Upload a road file as the request body (e.g. `curl --data-binary @roads.gpkg`); its lines become road
    edges in PostGIS, split at shared vertices. A file that is not a road network answers 422 with the reason.
    Road networks belong to the whole atlas: a planner or admin of the whole atlas imports them."""
    authorize(actor.principal, "roads.import", [None])
    if request.headers.get("content-type", "").startswith("multipart/"):
        raise UnsupportedMediaType(
            "send the road file itself as the request body, not as a multipart form", key="roads.multipart"
        )
    with tempfile.TemporaryDirectory(prefix="vetmap-roads-") as tmp:
        size, head = 0, b""
        part = FilePath(tmp) / "upload"
        with part.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise PayloadTooLarge(
                        f"the road file is over {MAX_UPLOAD_BYTES // 2**20} MiB",
                        key="roads.too_large",
                        params={"mib": MAX_UPLOAD_BYTES // 2**20},
                    )
                if len(head) < 64:
                    head += chunk[:64]
                out.write(chunk)
        if size == 0:
            raise InvalidInput("the request body is empty: send the road file as the body", key="roads.empty")
        suffix = road_file_suffix(filename, head)
        path = part.rename(FilePath(tmp) / f"roads{suffix}")
        default_name = FilePath(filename).name.split(".")[0] if filename else f"upload {dt.date.today()}"
        info = await run_in_threadpool(
            _import,
            engine,
            path,
            name=name or default_name,
            crs=crs,
            layer=layer,
            replace=replace,
            source=FilePath(filename).name if filename else "upload",
        )
    data = _network_json(info)
    await run_in_threadpool(record_now, engine, actor, "import", "road_networks", info.id, after=data)
    return JSONResponse(data, status_code=201)


@router.get("/networks", summary="Road networks", response_model=list[RoadNetworkPublic])
def networks(conn: ConnDep):
    """Every imported road network, newest first."""
    return JSONResponse([_network_json(n) for n in list_networks(conn)])


@router.get("/networks/{network_id}", summary="One road network", response_model=RoadNetworkPublic)
def read_network(conn: ConnDep, network_id: Annotated[int, Path(ge=1)]):
    """A road network's size, source and content hash."""
    return JSONResponse(_network_json(get_network(conn, network_id)))


@router.delete(
    "/networks/{network_id}",
    summary="Delete a road network",
    status_code=204,
    dependencies=[Depends(require("roads.delete"))],
)
def remove_network(conn: ConnDep, actor: ActorDep, network_id: Annotated[int, Path(ge=1)]) -> Response:
    """Delete a network with its edges and service areas (a planner or admin of the whole atlas)."""
    authorize(actor.principal, "roads.delete", [None])
    before = _network_json(get_network(conn, network_id))
    delete_network(conn, network_id)
    record(conn, actor, "delete", "road_networks", network_id, before=before)
    return Response(status_code=204)


@router.post(
    "/travel-runs",
    summary="Start a travel-time run",
    status_code=202,
    response_model=TravelRunPublic,
    responses={201: {"description": "finished (wait=true)", "model": TravelRunPublic}},
    dependencies=[Depends(require("travel.run"))],
)
def create_travel_run(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    actor: ActorDep,
    body: Annotated[TravelRunCreate, Body()],
):
    """Travel time to the nearest station of each level for every village and township (one multi-source
    Dijkstra per level) and service areas per station. Background (202, poll the link) unless `wait`. With
    `area`, only that area's villages, townships and stations are rewritten (every station of the atlas is still
    a destination): a planner or admin of an area runs it for an area inside their own; without `area` it
    rewrites the whole atlas, which needs an account of the whole atlas."""
    authorize(actor.principal, "travel.run", [body.area])
    params = travel_params(body.network_id, body.access_kmh, body.limits_min, body.area, body.max_access_m)
    if body.wait:
        run, status = run_travel(engine, params, settings.var_dir), 201
    else:
        run, status = start_travel_run(engine, params, settings.var_dir), 202
    record_now(
        engine, actor, "run", "travel_runs", run.id, area_code=body.area, after={"parameters": run.parameters}
    )
    data = _run_json(request, run)
    return JSONResponse(data, status_code=status, headers={"Location": data["links"][0]["href"]})


@router.get("/travel-runs", summary="Recent travel runs", response_model=list[TravelRunPublic])
def travel_runs(request: Request, conn: ConnDep, limit: Annotated[int, Query(ge=1, le=1000)] = 20):
    """The latest travel runs, newest first."""
    return JSONResponse([_run_json(request, r) for r in list_travel_runs(conn, limit)])


@router.get("/travel-runs/{run_id}", summary="One travel run", response_model=TravelRunPublic)
def read_travel_run(request: Request, conn: ConnDep, run_id: Annotated[int, Path(ge=1)]):
    """A travel run's status, phase, progress (0–1), parameters and counts."""
    return JSONResponse(_run_json(request, get_travel_run(conn, run_id)))


@router.get(
    "/travel-times",
    summary="Travel time of villages or townships to their nearest station",
    response_model=TravelFeatureCollectionPublic,
    response_class=GeoJSONResponse,
)
def travel_times(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    area: Annotated[str, Query(pattern=AREA_PATTERN, description="area code (6, 9 or 12 digits)")],
    level: Annotated[Literal["village", "township"], Query(description="villages or townships")] = "village",
    within_s: Annotated[
        float | None, Query(gt=0, description="only units reaching a station of their level within this (s)")
    ] = None,
    limit: Annotated[int | None, Query(ge=1, description="page size (default 100, maximum 1000)")] = None,
    offset: Offset = 0,
):
    """Points with `travel_time_s` (seconds by road to the nearest station of their own level), `station_by_time`
    (its id), the same for the other levels, `access_m` (walk to the road, geodesic metres) and the
    distance-nearest station for comparison; ordered by code, paged."""
    limit = check_limit(limit, settings)
    page = travel_time_rows(conn, level, area, limit, offset, within_s)
    last = run_fields(page.last_run) if page.last_run else None
    return GeoJSONResponse(
        {
            "type": "FeatureCollection",
            "numberMatched": page.number_matched,
            "numberReturned": len(page.features),
            "features": page.features,
            "links": page_links(request, offset, limit, len(page.features), page.number_matched),
            "missing": page.missing,
            "last_run": last,
        }
    )


@router.get(
    "/service-areas",
    summary="Station service areas",
    response_model=FeatureCollectionPublic,
    response_class=GeoJSONResponse,
)
def service_areas(
    conn: ConnDep,
    area: AreaCode = None,
    minutes: Annotated[float | None, Query(gt=0, description="one time limit only (minutes)")] = None,
    network_id: Annotated[
        int | None, Query(ge=1, description="road network (default: that of the latest travel run)")
    ] = None,
    level: Annotated[
        Literal["province", "city", "county", "township", "village"] | None,
        Query(description="station level"),
    ] = None,
):
    """Per station and time limit, the area from which the station is reached by road within the limit
    (MultiPolygon, WGS-84; `area_m2` geodesic square metres)."""
    features = service_area_features(conn, area, minutes, network_id, level)
    return GeoJSONResponse(
        {
            "type": "FeatureCollection",
            "numberMatched": len(features),
            "numberReturned": len(features),
            "features": features,
            "links": [],
        }
    )
