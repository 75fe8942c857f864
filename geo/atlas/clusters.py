"""Server-side clusters of a collection's sites per XYZ tile: count and mean position per grid cell (WGS-84 out).

A tile (Web Mercator XYZ, y down from the north) is cut into ``CELLS_PER_TILE`` × ``CELLS_PER_TILE`` cells (64 px
on a 256 px tile); each site falls in exactly one cell at each zoom (its cell index is computed from its lon/lat
with the Web Mercator formulas), so the counts of all the tiles of a zoom add up to the sites of the collection.

Two ways to answer, same numbers:

- up to ``PYRAMID_ZOOM`` with no area filter, from an in-process pyramid: one GROUP BY over the whole table per
  data version (cells at ``PYRAMID_ZOOM`` by kind and status; ≈ 1 s for 640,000 stations), then each tile is
  summed from it in NumPy in a millisecond. A plain GROUP BY of a whole-China tile at zoom 4 reads ≈ 290,000 rows
  and takes 0.5-0.9 s a tile, and a first view needs a dozen tiles: too slow for a first paint.
- deeper, or within an area, live in PostGIS: the tile's rows found with the GiST index (``geom &&`` the tile in
  EPSG:4326) or the area-code index, grouped by cell. A tile at zoom 10 holds at most a few thousand sites.

From ``SINGLES_ZOOM`` on every site is its own entry (markers, no bubbles). What a role may read follows
geo/atlas/field_policy.py through ``geo.atlas.overview.popup_features``; counts and positions are the same for everyone.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Connection, text

from geo.atlas.areas import require_area
from geo.atlas.collections import COLLECTIONS
from geo.atlas.field_policy import PUBLIC_ROLE
from geo.atlas.overview import MAP_COLLECTIONS, popup_features, site_counts
from geo.atlas.sites import SiteFilter, check_site_filter
from geo.errors import InvalidInput, NotFound

CELL_BITS = 2
CELLS_PER_TILE = 1 << CELL_BITS
"""Cells along each side of a tile: 4, so a cell is 64 px of a 256 px tile."""
MAX_ZOOM = 22
PYRAMID_ZOOM = 9
"""Deepest zoom answered from the in-process pyramid (when no area filter is given)."""
SINGLES_ZOOM = 17
"""From this zoom on, every site is its own entry."""
EVERY_SITE = SiteFilter()
"""No filter: every site of the collection counts."""
REVISION = "1"
"""Changes when the answer's shape or the cell grid changes (part of the ETag)."""

_MAX_LAT = 85.0511287798066
_MARGIN = 1.0 / 256  # of a tile: rows on an edge are found, the cell index then decides which tile holds them


def _cell_sql(level_param: str) -> tuple[str, str]:
    """SQL of a site's cell column and row at 2^level cells per world side, from columns ``lon`` and ``lat``."""
    side = f"(2.0 ^ :{level_param})"
    lat = f"radians(LEAST(GREATEST(lat, -{_MAX_LAT}), {_MAX_LAT}))"
    cx = f"LEAST(GREATEST(floor((lon + 180.0) / 360.0 * {side}), 0), {side} - 1)::bigint"
    cy = f"LEAST(GREATEST(floor((1.0 - ln(tan({lat}) + 1.0 / cos({lat})) / pi()) / 2.0 * {side}), 0), {side} - 1)::bigint"
    return cx, cy


_CX, _CY = _cell_sql("level")


@dataclass(frozen=True)
class ClusterTile:
    """A tile of one collection."""

    collection: str
    z: int
    x: int
    y: int


@dataclass(frozen=True)
class Cell:
    """One grid cell of a tile: how many sites, their mean position (degrees), and the site when it is alone."""

    count: int
    lon: float
    lat: float
    site: dict | None = None


@dataclass(frozen=True)
class ClusterVersion:
    """The data versions a tile's answer depends on: the collection's and the areas' (names, area filter)."""

    collection: int
    areas: int

    def etag(self, *parts: str) -> str:
        """A weak entity tag of a tile answer at these versions, varied by ``parts`` (role, language, ...)."""
        return f'W/"{self.collection:x}-{self.areas:x}-{"-".join(parts)}-{REVISION}"'


def check_collection(collection: str) -> None:
    """NotFound unless the overview map draws the collection."""
    if collection not in MAP_COLLECTIONS:
        raise NotFound(f"no clusters for collection {collection!r}; one of {', '.join(MAP_COLLECTIONS)}")


def parse_cluster_tile(collection: str, z: str, x: str, y: str) -> ClusterTile:
    """Check a tile's parts as written in the URL; InvalidInput says which is wrong and its range."""
    check_collection(collection)
    if not (z.isascii() and z.isdigit() and len(z) <= 2 and int(z) <= MAX_ZOOM):
        raise InvalidInput(f"zoom z must be an integer from 0 to {MAX_ZOOM}, got {z!r}")
    zoom = int(z)
    last = 2**zoom - 1
    parts = {}
    for axis, raw in (("x", x), ("y", y)):
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 8 and int(raw) <= last):
            raise InvalidInput(f"tile {axis} must be an integer from 0 to {last} at zoom {zoom}, got {raw!r}")
        parts[axis] = int(raw)
    return ClusterTile(collection, zoom, parts["x"], parts["y"])


def check_filter(conn: Connection, collection: str, flt: SiteFilter) -> str | None:
    """Check a filter's values against the collection's vocabulary (kind: a station's level, else the site's kind;
    status: a station's status, else its upkeep status); the area's code prefix (None: no area)."""
    if flt.protection_level is not None:
        raise InvalidInput("cluster tiles filter by kind, status and area only")
    check_site_filter(COLLECTIONS[collection], flt)
    return None if flt.area is None else require_area(conn, flt.area).descendant_prefix


def cluster_version(conn: Connection, collection: str) -> ClusterVersion:
    """The current data versions of a collection and of the areas (0 before the first recorded write)."""
    rows = conn.execute(
        text("SELECT collection, version FROM data_versions WHERE collection IN (:c, 'areas')"),
        {"c": collection},
    )
    versions = {r.collection: r.version for r in rows}
    return ClusterVersion(versions.get(collection, 0), versions.get("areas", 0))


@dataclass
class _Pyramid:
    """A collection's sites grouped by cell at PYRAMID_ZOOM, kind and status, as NumPy columns."""

    version: int
    cx: np.ndarray
    cy: np.ndarray
    kind: np.ndarray
    status: np.ndarray
    n: np.ndarray
    sum_lon: np.ndarray
    sum_lat: np.ndarray
    min_id: np.ndarray
    kinds: tuple[str, ...]
    statuses: tuple[str, ...]


# each column of the pyramid comes back as one bytea of big-endian values (no Python object per cell), every
# aggregate over the cells in the same order
_PACKED = (
    ("cx", "int4send(cx::int)", ">i4", np.int32),
    ("cy", "int4send(cy::int)", ">i4", np.int32),
    ("kind", "int2send(k::smallint)", ">i2", np.int16),
    ("status", "int2send(s::smallint)", ">i2", np.int16),
    ("n", "int4send(n::int)", ">i4", np.int32),
    ("sum_lon", "float8send(sum_lon)", ">f8", np.float64),
    ("sum_lat", "float8send(sum_lat)", ">f8", np.float64),
    ("min_id", "int8send(min_id)", ">i8", np.int64),
)


def _code_sql(column: str, values_param: str) -> str:
    """SQL of a value's position in a vocabulary (0-based): its number of values for NULL, one more if unknown."""
    found = f"array_position(CAST(:{values_param} AS text[]), {column}::text)"
    return (
        f"CASE WHEN {column} IS NULL THEN cardinality(CAST(:{values_param} AS text[]))"
        f" WHEN {found} IS NULL THEN cardinality(CAST(:{values_param} AS text[])) + 1 ELSE {found} - 1 END"
    )


def _build_pyramid(conn: Connection, collection: str) -> _Pyramid:
    spec = COLLECTIONS[collection]
    table = spec.model.__tablename__
    packed = ", ".join(
        f"string_agg({send}, ''::bytea ORDER BY cx, cy, k, s) AS {name}" for name, send, _, _ in _PACKED
    )
    row = conn.execute(
        text(
            f"SELECT v.version, a.* FROM (SELECT {packed} FROM (SELECT {_CX} AS cx, {_CY} AS cy,"
            f" {_code_sql('k', 'kinds')} AS k, {_code_sql('s', 'statuses')} AS s, count(*) AS n,"
            f" sum(lon) AS sum_lon, sum(lat) AS sum_lat, min(id) AS min_id FROM (SELECT id, ST_X(geom) AS lon,"
            f" ST_Y(geom) AS lat, {spec.kind_column} AS k, {spec.status_column} AS s FROM {table}) p"
            " GROUP BY 1, 2, 3, 4) g) a LEFT JOIN data_versions v ON v.collection = :collection"
        ),
        {
            "level": PYRAMID_ZOOM + CELL_BITS,
            "collection": collection,
            "kinds": list(spec.kinds),
            "statuses": list(spec.statuses),
        },
    ).one()
    columns = {
        name: np.frombuffer(getattr(row, name) or b"", dtype=wire).astype(dtype)
        for name, _, wire, dtype in _PACKED
    }
    return _Pyramid(version=row.version or 0, **columns, kinds=spec.kinds, statuses=spec.statuses)


def _pyramid_cells(
    pyramid: _Pyramid, tile: ClusterTile, flt: SiteFilter
) -> list[tuple[int, float, float, int]]:
    """(count, lon, lat, smallest id) of each non-empty cell of the tile, summed from the pyramid."""
    shift = PYRAMID_ZOOM - tile.z
    cx, cy = pyramid.cx >> shift, pyramid.cy >> shift
    keep = ((cx >> CELL_BITS) == tile.x) & ((cy >> CELL_BITS) == tile.y)
    if flt.kind is not None:
        keep &= pyramid.kind == pyramid.kinds.index(flt.kind)
    if flt.status is not None:
        keep &= pyramid.status == pyramid.statuses.index(flt.status)
    if not keep.any():
        return []
    key = (cx[keep] & (CELLS_PER_TILE - 1)) * CELLS_PER_TILE + (cy[keep] & (CELLS_PER_TILE - 1))
    cells, inverse = np.unique(key, return_inverse=True)
    size = len(cells)
    n = np.bincount(inverse, weights=pyramid.n[keep], minlength=size)
    lon = np.bincount(inverse, weights=pyramid.sum_lon[keep], minlength=size) / n
    lat = np.bincount(inverse, weights=pyramid.sum_lat[keep], minlength=size) / n
    first = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, inverse, pyramid.min_id[keep])
    return [(int(n[i]), float(lon[i]), float(lat[i]), int(first[i])) for i in range(size)]


def live_cells(
    conn: Connection, tile: ClusterTile, flt: SiteFilter = EVERY_SITE, prefix: str | None = None
) -> list[tuple[int, float, float, int]]:
    """(count, lon, lat, smallest id) of each non-empty cell of the tile, grouped by PostGIS at any zoom."""
    spec = COLLECTIONS[tile.collection]
    conds = [
        "geom && ST_Transform(ST_ClipByBox2D(ST_TileEnvelope(:z, :x, :y, margin => :margin),"
        " ST_TileEnvelope(0, 0, 0)::box2d), 4326)"
    ]
    if prefix is not None:
        conds.append("area_code LIKE :prefix")
    if flt.kind is not None:
        conds.append(f"{spec.kind_column} = :kind")
    if flt.status is not None:
        conds.append(f"{spec.status_column} = :status")
    level = tile.z + CELL_BITS
    group = "cx, cy, id" if tile.z >= SINGLES_ZOOM else "cx, cy"
    sql = (
        f"SELECT count(*) AS n, avg(lon) AS lon, avg(lat) AS lat, min(id) AS id FROM ("
        f" SELECT id, lon, lat, {_CX} AS cx, {_CY} AS cy FROM ("
        f"  SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM {spec.model.__tablename__}"
        f"  WHERE {' AND '.join(conds)}) p) c"
        f" WHERE cx >> {CELL_BITS} = :x AND cy >> {CELL_BITS} = :y GROUP BY {group} ORDER BY min(id)"
    )
    params = {
        "z": tile.z,
        "x": tile.x,
        "y": tile.y,
        "margin": _MARGIN,
        "level": level,
        "prefix": f"{prefix}%" if prefix is not None else None,
        "kind": flt.kind,
        "status": flt.status,
    }
    return [(r.n, r.lon, r.lat, r.id) for r in conn.execute(text(sql), params)]


@dataclass
class ClusterService:
    """Cluster tiles of every map collection, with one in-process pyramid per collection; thread-safe."""

    _pyramids: dict[str, _Pyramid] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(
        default_factory=lambda: {c: threading.Lock() for c in MAP_COLLECTIONS}
    )

    def pyramid(self, conn: Connection, collection: str, version: int) -> _Pyramid:
        """The collection's pyramid at ``version`` or newer, built (once, under a lock) when stale."""
        current = self._pyramids.get(collection)
        if current is not None and current.version >= version:
            return current
        with self._locks[collection]:
            current = self._pyramids.get(collection)
            if current is None or current.version < version:
                current = self._pyramids[collection] = _build_pyramid(conn, collection)
            return current

    def cells(
        self,
        conn: Connection,
        tile: ClusterTile,
        flt: SiteFilter = EVERY_SITE,
        role: str = PUBLIC_ROLE,
        version: ClusterVersion | None = None,
        prefix: str | None = None,
    ) -> list[Cell]:
        """The non-empty cells of a tile, the single sites among them with their map properties (``role``'s).

        ``flt`` as checked by ``check_filter``, which gives ``prefix``, the code prefix of its area (None: no area)."""
        if prefix is None and tile.z <= PYRAMID_ZOOM:
            known = (
                version.collection
                if version is not None
                else cluster_version(conn, tile.collection).collection
            )
            found = _pyramid_cells(self.pyramid(conn, tile.collection, known), tile, flt)
        else:
            found = live_cells(conn, tile, flt, prefix)
        singles = popup_features(conn, tile.collection, [i for n, _, _, i in found if n == 1], role)
        return [Cell(n, lon, lat, singles.get(i) if n == 1 else None) for n, lon, lat, i in found]

    def warm(self, conn: Connection, embed_max: int) -> list[str]:
        """Build now the pyramids of the collections the overview map draws from tiles (more than ``embed_max``
        sites), so that a first view does not wait for them; the collections built."""
        built = []
        for collection, size in site_counts(conn, embed_max + 1).items():
            if size > embed_max:
                self.pyramid(conn, collection, cluster_version(conn, collection).collection)
                built.append(collection)
        return built
