"""Mapbox vector tiles and TileJSON of each collection, with ETag revalidation and an in-process cache.

create_app builds one TileService (and its cache) from the tile settings: ``app.state.tile_service``. While the
app runs (this router's lifespan), tiles are read on the event loop by asyncio psycopg connections of the read
database (``TileService.open_async_reads``): no worker thread per tile. With read replicas, outside the app's
lifespan and for revalidations, a tile is read as before: a connection of ``api.deps.get_read_conn`` in a worker
thread.
"""

from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from api.deps import PublicConnDep, get_read_conn
from geo.ogc.tiles import TileAddress, TileResult, TileService, parse_tile_address

MVT = "application/vnd.mapbox-vector-tile"

TILE_RESPONSES: dict[int | str, dict] = {
    200: {"content": {MVT: {}}, "description": "The tile, encoded as a Mapbox vector tile (MVT 2.1)."},
    204: {"description": "The tile holds no feature."},
    304: {"description": "The tile has not changed since the ETag sent in If-None-Match."},
}
"""The answers of a vector tile route besides its refusals (here and at /ogc, api/routes/ogc/tilesets.py)."""


async def get_tile_service(request: Request) -> TileService:  # no I/O: kept off the thread pool
    """The app's tile service, built once by create_app."""
    return request.app.state.tile_service


ServiceDep = Annotated[TileService, Depends(get_tile_service)]


def cached_json(service: TileService, body: dict, media_type: str = "application/json") -> JSONResponse:
    """A tile document (TileJSON, tileset metadata, a style) that caches may keep as long as a tile."""
    return JSONResponse(body, media_type=media_type, headers={"Cache-Control": _cache_control(service)})


def _cache_control(service: TileService) -> str:
    return f"public, max-age={service.settings.max_age}"


@asynccontextmanager
async def tile_reads(app: FastAPI) -> AsyncIterator[None]:
    """Open the tile service's event-loop reads for the app's life (not with replicas: they route reads)."""
    service: TileService = app.state.tile_service
    if not getattr(app.state, "replica_set", None):
        service.open_async_reads(app.state.read_engine)
    try:
        yield
    finally:
        await service.close_async_reads()


async def serve_tile(
    request: Request, service: TileService, address: TileAddress, if_none_match: str | None
) -> Response:
    """A tile's answer: read on the event loop when the app's async reads are open, else in a worker thread.

    A revalidation (If-None-Match) reads only the data version, seldom the tile: it keeps the SQLAlchemy
    connection of the read engine, whose statements the engine's events (and the tests) observe.
    """
    reads = service.async_reads
    if if_none_match is None and reads is not None and reads.usable():
        return tile_response(service, await service.tile_async(reads, address, if_none_match))
    async with asynccontextmanager(get_read_conn)(request) as conn:
        result = await run_in_threadpool(service.tile, conn, address, if_none_match)
    return tile_response(service, result)


router = APIRouter(prefix="/tiles", tags=["tiles"], lifespan=tile_reads)


@router.get("/{collection}/tilejson.json")
def tilejson(collection: str, request: Request, conn: PublicConnDep, service: ServiceDep) -> JSONResponse:
    """TileJSON 3.0.0 of a collection's vector tiles."""
    template = str(request.url_for("vector_tile", collection=collection, z="0", x="0", tile="0.mvt"))
    tiles_url = template.removesuffix("/0/0/0.mvt") + "/{z}/{x}/{y}.mvt"
    return cached_json(service, service.tilejson(conn, collection, tiles_url))


class TileRoute(APIRoute):
    """A tile route whose endpoint is called with the request, its path parameters as written and If-None-Match.

    FastAPI's dependency resolution cost a z14 tile a sixth of its CPU; these parameters are plain strings
    (nothing to validate, no answer 422 can come of them), so they are handed over as they are. The endpoint's
    signature still declares them, so the OpenAPI document describes the route as any other.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Call the endpoint directly with the path parameters and the If-None-Match header."""
        endpoint = self.endpoint

        async def handler(request: Request) -> Response:
            return await endpoint(
                request=request, if_none_match=request.headers.get("if-none-match"), **request.path_params
            )

        return handler


async def read_tile(
    collection: Annotated[str, Path(description="stations, memorials, cemeteries, graves or areas")],
    z: Annotated[str, Path(description="zoom, 0 to 22")],
    x: Annotated[str, Path(description="column, 0 to 2^z - 1, from the west")],
    tile: Annotated[str, Path(description="row and format: {y}.mvt, y from 0 to 2^z - 1, from the north")],
    request: Request,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A vector tile ``{y}.mvt`` of a collection; 204 when it holds no feature, 304 when the client's is current."""
    y, _, fmt = tile.rpartition(".") if "." in tile else (tile, "", "")
    address = parse_tile_address(collection, z, x, y, fmt)
    return await serve_tile(request, request.app.state.tile_service, address, if_none_match)


router.add_api_route(
    "/{collection}/{z}/{x}/{tile}",
    read_tile,
    methods=["GET"],
    name="vector_tile",
    response_class=Response,
    responses=TILE_RESPONSES,
    route_class_override=TileRoute,
)


def tile_response(service: TileService, result: TileResult) -> Response:
    """A tile's answer, cached for the configured time: the MVT, 204 when it holds nothing, 304 when unchanged."""
    headers = {"ETag": result.etag, "Cache-Control": _cache_control(service)}
    if result.not_modified:
        return Response(status_code=304, headers=headers)
    if not result.data:
        return Response(status_code=204, headers=headers)
    return Response(result.data, media_type=MVT, headers=headers)
