"""OGC API – Tiles and a map style at /ogc: tile matrix sets, tilesets of each collection and of the dataset,
their vector tiles (the same bytes, cache and ETag as /tiles), and the default MapLibre style.

Paths: /ogc/tileMatrixSets[/WebMercatorQuad]; /ogc/collections/{id}/tiles[/WebMercatorQuad[/{tileMatrix}/
{tileRow}/{tileCol}]]; /ogc/tiles[/WebMercatorQuad[/…]] (every layer in one tile); /ogc/styles and
/ogc/styles/default?f=mapbox (a MapLibre / Mapbox GL style 8 drawing every layer from the dataset tiles).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from api.deps import PublicConnDep, ReadConnDep
from api.errors import PROBLEM_JSON
from api.routes.ogc.tiles import MVT, TILE_RESPONSES, ServiceDep, cached_json, serve_tile, tile_response
from geo.errors import InvalidParameter, NotFound
from geo.ogc.features import link
from geo.ogc.styles import STYLE_ID, STYLE_TITLE, map_style
from geo.ogc.tiles import LAYERS, TileAddress
from geo.ogc.tilesets import (
    REL_STYLES,
    REL_TILESETS_VECTOR,
    REL_TILING_SCHEME,
    REL_TILING_SCHEMES,
    TMS_ID,
    TMS_URI,
    TilesetUrls,
    dataset_bounds,
    dataset_tile,
    parse_tile,
    require_tile_matrix_set,
    tile_matrix_set,
    tiled_layer,
    tileset_metadata,
    tileset_summary,
)

JSON_TYPE = "application/json"
STYLE_JSON = "application/vnd.mapbox.style+json"
_TEMPLATE = "/{tileMatrix}/{tileRow}/{tileCol}"
router = APIRouter(prefix="/ogc", tags=["ogc"], include_in_schema=False)


@router.get("/tileMatrixSets", name="ogc_tile_matrix_sets")
def tile_matrix_sets(request: Request) -> JSONResponse:
    """The tile matrix sets served: WebMercatorQuad only."""
    url = str(request.url_for("ogc_tile_matrix_set", tms_id=TMS_ID))
    return JSONResponse(
        {
            "links": [link(request.url_for("ogc_tile_matrix_sets"), "self", JSON_TYPE, "Tile matrix sets")],
            "tileMatrixSets": [
                {
                    "id": TMS_ID,
                    "title": "Google Maps Compatible for the World",
                    "uri": TMS_URI,
                    "links": [link(url, REL_TILING_SCHEME, JSON_TYPE, TMS_ID)],
                }
            ],
        }
    )


@router.get("/tileMatrixSets/{tms_id}", name="ogc_tile_matrix_set")
def tile_matrix_set_definition(tms_id: str, request: Request) -> JSONResponse:
    """The definition of a tile matrix set (OGC 2D TMS 2.0 JSON)."""
    require_tile_matrix_set(tms_id)
    body = tile_matrix_set()
    body["links"] = [
        link(request.url_for("ogc_tile_matrix_set", tms_id=TMS_ID), "self", JSON_TYPE, TMS_ID),
        link(request.url_for("ogc_tile_matrix_sets"), REL_TILING_SCHEMES, JSON_TYPE, "Tile matrix sets"),
    ]
    return JSONResponse(body)


def _template(url: object) -> str:
    return str(url).removesuffix("/0/0/0") + _TEMPLATE


# --- the tilesets of one collection ---


@router.get("/collections/{collection_id}/tiles", name="ogc_collection_tilesets")
def collection_tilesets(collection_id: str, request: Request) -> JSONResponse:
    """The tilesets of a collection (one: its vector tiles in WebMercatorQuad)."""
    layer = tiled_layer(collection_id)
    self_url = request.url_for("ogc_collection_tiles", collection_id=collection_id, tms_id=TMS_ID)
    tms_url = request.url_for("ogc_tile_matrix_set", tms_id=TMS_ID)
    return JSONResponse(
        {
            "links": [
                link(
                    request.url_for("ogc_collection_tilesets", collection_id=collection_id),
                    "self",
                    JSON_TYPE,
                    f"{layer.name}: tilesets",
                ),
                link(
                    request.url_for("ogc_collection", collection_id=collection_id),
                    "collection",
                    JSON_TYPE,
                    layer.name,
                ),
            ],
            "tilesets": [tileset_summary(f"{layer.name} vector tiles", str(self_url), str(tms_url))],
        }
    )


@router.get("/collections/{collection_id}/tiles/{tms_id}", name="ogc_collection_tiles")
def collection_tileset(
    collection_id: str, tms_id: str, request: Request, conn: PublicConnDep, service: ServiceDep
) -> JSONResponse:
    """Tileset metadata of a collection: layer, fields, limits, and the tile URL template."""
    layer = tiled_layer(collection_id)
    require_tile_matrix_set(tms_id)
    first = request.url_for(
        "ogc_collection_tile", collection_id=collection_id, tms_id=TMS_ID, tile_matrix="0", row="0", col="0"
    )
    urls = TilesetUrls(
        self_url=str(request.url_for("ogc_collection_tiles", collection_id=collection_id, tms_id=TMS_ID)),
        tile_template=_template(first),
        tile_matrix_set=str(request.url_for("ogc_tile_matrix_set", tms_id=TMS_ID)),
        data=str(request.url_for("ogc_collection", collection_id=collection_id)),
        data_title=layer.name,
    )
    body = tileset_metadata(f"{layer.name} vector tiles", [layer], service.bounds(conn, collection_id), urls)
    return cached_json(service, body)


@router.get(
    "/collections/{collection_id}/tiles/{tms_id}/{tile_matrix}/{row}/{col}",
    name="ogc_collection_tile",
    response_class=Response,
    responses=TILE_RESPONSES,
)
async def collection_tile(
    collection_id: str,
    tms_id: str,
    tile_matrix: str,
    row: str,
    col: str,
    request: Request,
    service: ServiceDep,
    f: Annotated[str | None, Query()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A vector tile of a collection (row from the north, column from the west): the tile of /tiles."""
    tiled_layer(collection_id)
    require_tile_matrix_set(tms_id)
    z, x, y = parse_tile(tile_matrix, row, col, f)
    return await serve_tile(request, service, TileAddress(collection_id, z, x, y), if_none_match)


# --- the dataset tileset: every layer in one tile ---


@router.get("/tiles", name="ogc_dataset_tilesets")
def dataset_tilesets(request: Request) -> JSONResponse:
    """The tilesets of the whole dataset (one: every layer in WebMercatorQuad)."""
    self_url = request.url_for("ogc_dataset_tiles", tms_id=TMS_ID)
    tms_url = request.url_for("ogc_tile_matrix_set", tms_id=TMS_ID)
    return JSONResponse(
        {
            "links": [
                link(request.url_for("ogc_dataset_tilesets"), "self", JSON_TYPE, "Dataset tilesets"),
                link(request.url_for("ogc_landing"), "dataset", JSON_TYPE, "The dataset"),
            ],
            "tilesets": [tileset_summary("VetMap atlas vector tiles", str(self_url), str(tms_url))],
        }
    )


@router.get("/tiles/{tms_id}", name="ogc_dataset_tiles")
def dataset_tileset(tms_id: str, request: Request, conn: PublicConnDep, service: ServiceDep) -> JSONResponse:
    """Tileset metadata of the dataset: every layer, and the tile URL template."""
    require_tile_matrix_set(tms_id)
    first = request.url_for("ogc_dataset_tile", tms_id=TMS_ID, tile_matrix="0", row="0", col="0")
    urls = TilesetUrls(
        self_url=str(request.url_for("ogc_dataset_tiles", tms_id=TMS_ID)),
        tile_template=_template(first),
        tile_matrix_set=str(request.url_for("ogc_tile_matrix_set", tms_id=TMS_ID)),
        data=str(request.url_for("ogc_landing")),
        data_title="The dataset",
    )
    layers = list(LAYERS.values())
    return cached_json(
        service, tileset_metadata("VetMap atlas vector tiles", layers, dataset_bounds(service, conn), urls)
    )


@router.get(
    "/tiles/{tms_id}/{tile_matrix}/{row}/{col}",
    name="ogc_dataset_tile",
    response_class=Response,
    responses=TILE_RESPONSES,
)
def dataset_tile_route(
    tms_id: str,
    tile_matrix: str,
    row: str,
    col: str,
    conn: ReadConnDep,
    service: ServiceDep,
    f: Annotated[str | None, Query()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A tile holding every layer that shows at its zoom (their MVT layers concatenated)."""
    require_tile_matrix_set(tms_id)
    z, x, y = parse_tile(tile_matrix, row, col, f)
    return tile_response(service, dataset_tile(service, conn, z, x, y, if_none_match))


# --- styles ---


@router.get("/styles", name="ogc_styles")
def styles(request: Request) -> JSONResponse:
    """The styles offered: one, drawing every layer from the dataset tiles."""
    style_url = str(request.url_for("ogc_style", style_id=STYLE_ID)) + "?f=mapbox"
    return JSONResponse(
        {
            "links": [link(request.url_for("ogc_styles"), "self", JSON_TYPE, "Styles")],
            "styles": [
                {
                    "id": STYLE_ID,
                    "title": STYLE_TITLE,
                    "links": [
                        link(
                            style_url, "stylesheet", STYLE_JSON, f"{STYLE_TITLE} (MapLibre / Mapbox GL style)"
                        )
                    ],
                }
            ],
        }
    )


@router.get("/styles/{style_id}", name="ogc_style")
def style(
    style_id: str,
    request: Request,
    conn: PublicConnDep,
    service: ServiceDep,
    f: Annotated[str | None, Query()] = None,
) -> JSONResponse:
    """A style as a MapLibre / Mapbox GL style document (``f=mapbox``, the default and only encoding)."""
    if style_id != STYLE_ID:
        raise NotFound(f"no style {style_id!r}; the styles are: {STYLE_ID}")
    if f not in (None, "", "mapbox"):
        raise InvalidParameter(f"unsupported style encoding f={f!r}; styles are served as f=mapbox")
    first = request.url_for("ogc_dataset_tile", tms_id=TMS_ID, tile_matrix="0", row="0", col="0")
    tiles = str(first).removesuffix("/0/0/0") + "/{z}/{y}/{x}"
    return cached_json(service, map_style(tiles, dataset_bounds(service, conn)), STYLE_JSON)


def landing_links(request: Request) -> list[dict]:
    """Links the OGC landing page gives to the dataset tiles, the tile matrix sets and the styles."""
    return [
        link(
            request.url_for("ogc_dataset_tilesets"),
            REL_TILESETS_VECTOR,
            JSON_TYPE,
            "Vector tiles of every layer",
        ),
        link(request.url_for("ogc_tile_matrix_sets"), REL_TILING_SCHEMES, JSON_TYPE, "Tile matrix sets"),
        link(request.url_for("ogc_styles"), REL_STYLES, JSON_TYPE, "Map styles"),
    ]


def collection_links(request: Request, collection_id: str) -> list[dict]:
    """The link a collection gives to its vector tiles (none when it has no tile layer)."""
    if collection_id not in LAYERS:
        return []
    url = request.url_for("ogc_collection_tilesets", collection_id=collection_id)
    return [link(url, REL_TILESETS_VECTOR, JSON_TYPE, f"{collection_id}: vector tiles")]


def _path_parameter(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema}


_TMS_PARAMETER = _path_parameter(
    "tileMatrixSetId", "The tile matrix set: WebMercatorQuad", {"enum": [TMS_ID]}
)
_TILE_PARAMETERS = [
    _TMS_PARAMETER,
    _path_parameter("tileMatrix", "Zoom: 0 to 22", {"type": "string", "pattern": "^[0-9]+$"}),
    _path_parameter(
        "tileRow", "Row from the north: 0 to 2^tileMatrix - 1", {"type": "integer", "minimum": 0}
    ),
    _path_parameter(
        "tileCol", "Column from the west: 0 to 2^tileMatrix - 1", {"type": "integer", "minimum": 0}
    ),
    {"name": "f", "in": "query", "required": False, "schema": {"type": "string", "enum": ["mvt"]}},
    {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"}},
]
_PROBLEM = {"content": {PROBLEM_JSON: {"schema": {"type": "object"}}}}


def _json_get(operation_id: str, summary: str, parameters: list[dict], media_type: str = JSON_TYPE) -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "200": {"description": summary, "content": {media_type: {"schema": {"type": "object"}}}},
                "404": {"description": "Not found (the reason is given)", **_PROBLEM},
            },
        }
    }


def _tile_get(operation_id: str, summary: str) -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": _TILE_PARAMETERS,
            "responses": {
                "200": {
                    "description": "The tile (MVT 2.1)",
                    "content": {MVT: {"schema": {"type": "string", "format": "binary"}}},
                },
                "204": {"description": "The tile holds no feature"},
                "304": {"description": "The tile has not changed since the ETag sent in If-None-Match"},
                "400": {
                    "description": "A malformed tileMatrix, tileRow, tileCol or f (the reason is given)",
                    **_PROBLEM,
                },
                "404": {
                    "description": "No such tile matrix, row or column, or collection (the reason)",
                    **_PROBLEM,
                },
            },
        }
    }


def openapi_paths() -> dict:
    """The OpenAPI 3.0 path items of OGC API – Tiles and the styles, relative to /ogc (for /ogc/api)."""
    paths = {
        "/tileMatrixSets": _json_get("getTileMatrixSetsList", "Tile matrix sets", []),
        "/tileMatrixSets/{tileMatrixSetId}": _json_get(
            "getTileMatrixSet", "A tile matrix set definition (2D TMS 2.0)", [_TMS_PARAMETER]
        ),
        "/tiles": _json_get("getDatasetTileSetsList", "Tilesets of the dataset (every layer)", []),
        "/tiles/{tileMatrixSetId}": _json_get(
            "getDatasetTileSet", "Tileset metadata of the dataset", [_TMS_PARAMETER]
        ),
        "/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": _tile_get(
            "getDatasetTile", "A tile of every layer"
        ),
        "/styles": _json_get("getStyles", "Map styles", []),
        "/styles/{styleId}": _json_get(
            "getStyle",
            "A MapLibre / Mapbox GL style (f=mapbox)",
            [_path_parameter("styleId", "The style: default", {"enum": [STYLE_ID]})],
            STYLE_JSON,
        ),
    }
    for cid in LAYERS:
        base = f"/collections/{cid}/tiles"
        paths[base] = _json_get(f"getTileSetsList.{cid}", f"Tilesets of {cid}", [])
        paths[f"{base}/{{tileMatrixSetId}}"] = _json_get(
            f"getTileSet.{cid}", f"Tileset metadata of {cid}", [_TMS_PARAMETER]
        )
        paths[f"{base}/{{tileMatrixSetId}}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"] = _tile_get(
            f"getTile.{cid}", f"A vector tile of {cid}"
        )
    return paths
