"""OGC API – Tiles over the vector tiles of geo/ogc/tiles.py: the WebMercatorQuad tile matrix set, tileset
metadata of each collection and of the whole dataset, and the dataset tile (every layer in one MVT).

The tile matrix set is the standard WebMercatorQuad of OGC 2D Tile Matrix Set 2.0 (EPSG:3857, 256-pixel tiles,
origin at the top left): its tile matrix ``z``, row and column are exactly the XYZ tile ``z/x/y`` with
row = y and column = x, so a collection's OGC tile is the same tile, bytes, cache entry and ETag as ``/tiles``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sqlalchemy import Connection, text

from geo.errors import InvalidParameter, NotFound
from geo.ogc.features import CRS84, EPSG_3857, link
from geo.ogc.tiles import (
    DATA_MAXZOOM,
    LAYERS,
    MAX_ZOOM,
    MERCATOR_MAX_LAT,
    TileAddress,
    TileLayer,
    TileResult,
    TileService,
    build_tile,
    etag_matches,
)

TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
TMS_MATRICES = 25
"""The standard definition has tile matrices 0 to 24; we serve tiles up to MAX_ZOOM (the limits say so)."""
_HALF_WORLD = 20037508.3427892
_CELL_AT_0 = 2 * math.pi * 6378137 / 256
_PIXEL_M = 0.00028

_TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
CONFORMANCE_CLASSES = (
    f"{_TILES}core",
    f"{_TILES}tileset",
    f"{_TILES}tilesets-list",
    f"{_TILES}geodata-tilesets",
    f"{_TILES}dataset-tilesets",
    f"{_TILES}mvt",
    f"{_TILES}oas30",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/tilesetmetadata",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilesetmetadata",
)
"""OGC API – Tiles Part 1 and 2D TMS 2.0 classes implemented (oas30: /ogc/api describes every tiles path)."""

REL_TILESETS_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
REL_TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
REL_TILING_SCHEMES = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
REL_STYLES = "http://www.opengis.net/def/rel/ogc/1.0/styles"
MVT = "application/vnd.mapbox-vector-tile"
DATASET = "dataset"
"""The cache's name for the dataset tile (no collection has it)."""

_DIGITS = re.compile(r"[0-9]{1,10}")


def tile_matrix_set() -> dict:
    """The WebMercatorQuad tile matrix set as OGC 2D TMS 2.0 JSON (the standard definition, matrices 0 to 24)."""
    return {
        "id": TMS_ID,
        "title": "Google Maps Compatible for the World",
        "uri": TMS_URI,
        "crs": EPSG_3857,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": [
            {
                "id": str(z),
                "scaleDenominator": _CELL_AT_0 / 2**z / _PIXEL_M,
                "cellSize": _CELL_AT_0 / 2**z,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-_HALF_WORLD, _HALF_WORLD],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": 2**z,
                "matrixHeight": 2**z,
            }
            for z in range(TMS_MATRICES)
        ],
    }


def require_tile_matrix_set(tms_id: str) -> None:
    """NotFound unless ``tms_id`` is the one tile matrix set served."""
    if tms_id != TMS_ID:
        raise NotFound(f"no tile matrix set {tms_id!r}; the tile matrix set served is {TMS_ID}")


def tiled_layer(collection: str) -> TileLayer:
    """The tile layer of an OGC collection, or NotFound naming those that have tiles."""
    layer = LAYERS.get(collection)
    if layer is None:
        raise NotFound(f"collection {collection!r} has no tiles; collections with tiles: {', '.join(LAYERS)}")
    return layer


def parse_tile(tile_matrix: str, row: str, col: str, fmt: str | None) -> tuple[int, int, int]:
    """Check an OGC tile request and return (z, x, y): 400 (InvalidParameter) for a malformed part or format,
    404 (NotFound) for a tile matrix, row or column outside what is served; each says which part and why."""
    if fmt not in (None, "", "mvt"):
        raise InvalidParameter(f"unsupported tile format f={fmt!r}; tiles are Mapbox vector tiles: f=mvt")
    parts = {}
    for name, raw in (("tileMatrix", tile_matrix), ("tileRow", row), ("tileCol", col)):
        if not _DIGITS.fullmatch(raw):
            raise InvalidParameter(f"{name} must be a whole number, got {raw!r}")
        parts[name] = int(raw)
    z = parts["tileMatrix"]
    if z > MAX_ZOOM:
        raise NotFound(f"tileMatrix {z} is not served: tile matrices 0 to {MAX_ZOOM} of {TMS_ID}")
    last = 2**z - 1
    for name in ("tileRow", "tileCol"):
        if parts[name] > last:
            raise NotFound(
                f"{name} {parts[name]} is outside tile matrix {z}, whose rows and columns are 0 to {last}"
            )
    return z, parts["tileCol"], parts["tileRow"]


def _tile_index(lon: float, lat: float, z: int) -> tuple[int, int]:
    lat = max(min(lat, MERCATOR_MAX_LAT), -MERCATOR_MAX_LAT)
    n = 2**z
    col = int((lon + 180) / 360 * n)
    row = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(col, 0), n - 1), min(max(row, 0), n - 1)


def matrix_limits(bounds: tuple[float, float, float, float], first: int, last: int) -> list[dict]:
    """tileMatrixSetLimits covering ``bounds`` (west, south, east, north) from tile matrix ``first`` to ``last``."""
    west, south, east, north = bounds
    limits = []
    for z in range(first, last + 1):
        min_col, min_row = _tile_index(west, north, z)
        max_col, max_row = _tile_index(east, south, z)
        limits.append(
            {
                "tileMatrix": str(z),
                "minTileRow": min_row,
                "maxTileRow": max_row,
                "minTileCol": min_col,
                "maxTileCol": max_col,
            }
        )
    return limits


@dataclass(frozen=True)
class TilesetUrls:
    """Absolute addresses a tileset document links to."""

    self_url: str
    tile_template: str
    tile_matrix_set: str
    data: str
    data_title: str


def _layer_entry(layer: TileLayer) -> dict:
    return {
        "id": layer.name,
        "title": layer.name,
        "description": layer.description,
        "dataType": "vector",
        "geometryDimension": 2 if layer.geometry_type == "polygon" else 0,
        "minTileMatrix": str(layer.minzoom),
        "maxTileMatrix": str(DATA_MAXZOOM),
        "propertiesSchema": {
            "type": "object",
            "properties": {
                "id": {"type": "integer", "x-ogc-role": "id"},
                **{name: {"type": kind.lower()} for name, kind in layer.fields.items()},
            },
        },
    }


def tileset_metadata(
    title: str, layers: list[TileLayer], bounds: tuple[float, float, float, float], urls: TilesetUrls
) -> dict:
    """Tileset metadata (2D TMS 2.0 JSON) of one or more layers in WebMercatorQuad, linking the tile template."""
    first = min(layer.minzoom for layer in layers)
    west, south, east, north = bounds
    return {
        "title": title,
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": TMS_URI,
        "links": [
            link(urls.self_url, "self", "application/json", f"{title}: tileset metadata"),
            link(urls.tile_matrix_set, REL_TILING_SCHEME, "application/json", "WebMercatorQuad"),
            link(
                urls.data, "dataset" if len(layers) > 1 else "collection", "application/json", urls.data_title
            ),
            link(urls.tile_template, "item", MVT, f"{title}: Mapbox vector tiles", templated=True),
        ],
        "tileMatrixSetLimits": matrix_limits(bounds, first, DATA_MAXZOOM),
        "boundingBox": {"lowerLeft": [west, south], "upperRight": [east, north], "crs": CRS84},
        "centerPoint": {
            "coordinates": [(west + east) / 2, (south + north) / 2],
            "crs": CRS84,
            "tileMatrix": str(max(first, min(8, DATA_MAXZOOM))),
        },
        "layers": [_layer_entry(layer) for layer in layers],
    }


def tileset_summary(title: str, self_url: str, tile_matrix_set: str) -> dict:
    """One entry of a tileset list."""
    return {
        "title": title,
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": TMS_URI,
        "links": [
            link(self_url, "self", "application/json", f"{title}: tileset metadata"),
            link(tile_matrix_set, REL_TILING_SCHEME, "application/json", "WebMercatorQuad"),
        ],
    }


def dataset_bounds(service: TileService, conn: Connection) -> tuple[float, float, float, float]:
    """The union of every layer's extent (degrees), as for one collection."""
    boxes = [service.bounds(conn, name) for name in LAYERS]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


_VERSIONS_SQL = text(
    "SELECT COALESCE(SUM(version), 0) FROM data_versions WHERE collection = ANY(:collections)"
)
_DATASET_REVISION = "-".join(layer.revision[:4] for layer in LAYERS.values())


def _dataset_version(conn: Connection) -> int:
    # every write raises its table's version, so the sum rises with any write to any layer's table
    collections = sorted({layer.version_collection for layer in LAYERS.values()})
    return int(conn.execute(_VERSIONS_SQL, {"collections": collections}).scalar() or 0)


def dataset_tile(
    service: TileService, conn: Connection, z: int, x: int, y: int, if_none_match: str | None = None
) -> TileResult:
    """Every layer's tile at z/x/y as one MVT (concatenated layers), cached in the service's cache like a layer."""
    version = _dataset_version(conn)
    etag = f'W/"{version:x}-{_DATASET_REVISION}"'
    if etag_matches(if_none_match, etag):
        return TileResult(etag, None)
    key = (DATASET, version, z, x, y)
    data = service.cache.get(key)
    if data is None:
        data = b"".join(build_tile(conn, TileAddress(name, z, x, y)) for name in LAYERS)
        service.cache.put(key, data)
    return TileResult(etag, data)
