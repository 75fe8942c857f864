"""Mapbox vector tiles and TileJSON of each collection, with ETag revalidation and an in-process cache.

create_app builds one TileService (and its cache) from the tile settings: ``app.state.tile_service``.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.responses import JSONResponse

from api.deps import PublicConnDep, ReadConnDep
from geo.ogc.tiles import TileResult, TileService, parse_tile_address

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


router = APIRouter(prefix="/tiles", tags=["tiles"])


@router.get("/{collection}/tilejson.json")
def tilejson(collection: str, request: Request, conn: PublicConnDep, service: ServiceDep) -> JSONResponse:
    """TileJSON 3.0.0 of a collection's vector tiles."""
    template = str(request.url_for("vector_tile", collection=collection, z="0", x="0", tile="0.mvt"))
    tiles_url = template.removesuffix("/0/0/0.mvt") + "/{z}/{x}/{y}.mvt"
    return cached_json(service, service.tilejson(conn, collection, tiles_url))


@router.get(
    "/{collection}/{z}/{x}/{tile}", name="vector_tile", response_class=Response, responses=TILE_RESPONSES
)
def read_tile(
    collection: Annotated[str, Path(description="stations, memorials, cemeteries, graves or areas")],
    z: Annotated[str, Path(description="zoom, 0 to 22")],
    x: Annotated[str, Path(description="column, 0 to 2^z - 1, from the west")],
    tile: Annotated[str, Path(description="row and format: {y}.mvt, y from 0 to 2^z - 1, from the north")],
    conn: ReadConnDep,
    service: ServiceDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A vector tile ``{y}.mvt`` of a collection; 204 when it holds no feature, 304 when the client's is current."""
    y, _, fmt = tile.rpartition(".") if "." in tile else (tile, "", "")
    address = parse_tile_address(collection, z, x, y, fmt)
    return tile_response(service, service.tile(conn, address, if_none_match))


def tile_response(service: TileService, result: TileResult) -> Response:
    """A tile's answer, cached for the configured time: the MVT, 204 when it holds nothing, 304 when unchanged."""
    headers = {"ETag": result.etag, "Cache-Control": _cache_control(service)}
    if result.not_modified:
        return Response(status_code=304, headers=headers)
    if not result.data:
        return Response(status_code=204, headers=headers)
    return Response(result.data, media_type=MVT, headers=headers)
