"""Mapbox vector tiles of the atlas built by PostGIS (EPSG:3857 tiles over EPSG:4326 rows), cached by data version."""

# Each collection is one MVT layer. Rows are chosen with the GiST index on the EPSG:4326 geometry
# (``geom && <tile envelope plus buffer, in 4326>``), then clipped and quantised by ST_AsMVTGeom to a
# 4096-unit grid with a 64-unit buffer. Which rows show at a zoom follows the layer's level-by-zoom
# rules (``TileLayer.zooms``), so a tile over all of China stays small. Tiles are cached in process
# under the collection's data version (table ``data_versions``, raised by triggers on every write),
# so a write anywhere changes every process's ETag and cache key.
#
# A tile costs PostgreSQL well under a millisecond at deep zooms, so the Python around it decides the rate:
# the service's reads are written once as steps (``TileService._tile_steps``) that a sync connection
# (``TileService.tile``, in a worker thread) or an asyncio psycopg connection of ``AsyncReads``
# (``TileService.tile_async``, on the event loop: no thread hand-off) carries out alike.

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Generator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, TextClause, text
from sqlalchemy.exc import DBAPIError, OperationalError

from geo.atlas.field_policy import PUBLIC_ROLE, can_read
from geo.errors import InvalidInput, NotFound
from geo.ogc.features import ZONE_COLLECTIONS
from geo.settings import TileSettings

MAX_ZOOM = 22
"""Deepest zoom served; the tile matrix at zoom z has 2^z × 2^z tiles."""
DATA_MAXZOOM = 16
"""Zoom advertised as TileJSON maxzoom: at 16 the 4096 grid is finer than 0.2 m, clients overzoom past it."""
EXTENT = 4096
BUFFER = 64
FORMATS = ("mvt", "pbf")
MERCATOR_MAX_LAT = 85.0511287798066

# The envelope that selects rows: the tile plus its buffer, cut to the world (a margin past the
# antimeridian would otherwise wrap round and turn the box inside out), in the storage CRS.
_SELECT_BOX = (
    "ST_Transform(ST_ClipByBox2D(ST_TileEnvelope(:z, :x, :y, margin => :margin), "
    "ST_TileEnvelope(0, 0, 0)::box2d), 4326)"
)


_VERSION_SELECT = "SELECT version FROM data_versions WHERE collection = :collection"
_BIND = re.compile(r"(?<![:\w]):([a-z_]+)")
"""A ``:name`` bind parameter of the layer SQL (not the ``::`` of a cast)."""


@dataclass(frozen=True)
class Statement:
    """One read of the tile service, for SQLAlchemy (``:name`` binds) and for psycopg (``%(name)s``)."""

    clause: TextClause
    psycopg_sql: str

    @classmethod
    def of(cls, sql: str) -> Statement:
        """The statement of ``sql`` written with ``:name`` binds."""
        return cls(text(sql), _BIND.sub(r"%(\1)s", sql.replace("%", "%%")))


@dataclass(frozen=True)
class TileLayer:
    """One collection as an MVT layer: its queries, its fields, and which rows show at which zoom."""

    name: str
    description: str
    fields: dict[str, str]
    zoom_column: str
    zooms: dict[str, tuple[int, int]]
    tile_sql: TextClause
    versioned_tile_sql: TextClause
    bounds_sql: TextClause
    tile_read: Statement
    versioned_tile_read: Statement
    revision: str
    table: str = ""
    """The table the rows are read from (the layer's name unless a zone layer reads its site table)."""
    geometry_type: str = "point"
    """What the features are: point, line or polygon (OGC tileset metadata, styles)."""

    @property
    def version_collection(self) -> str:
        """The ``data_versions`` collection whose version keys this layer's cache and ETag (its table)."""
        return self.table or self.name

    @property
    def minzoom(self) -> int:
        """The first zoom at which any row shows."""
        return min(first for first, _ in self.zooms.values())

    def shown_at(self, z: int) -> list[str]:
        """Values of ``zoom_column`` whose rows show at zoom ``z``."""
        return [value for value, (first, last) in self.zooms.items() if first <= z <= last]


def _layer(
    name: str,
    description: str,
    fields: dict[str, str],
    zoom_column: str,
    zooms: dict[str, tuple[int, int]],
    *,
    id_expr: str = "id",
    geom_expr: str = "geom",
    row_filter: str = f"geom && {_SELECT_BOX}",
    table: str = "",
    geometry_type: str = "point",
) -> TileLayer:
    source = table or name
    private = [f for f in (*fields, *([geom_expr] if table else [])) if not can_read(source, f, PUBLIC_ROLE)]
    if private:  # tiles are cached and served to anyone: their attributes must all be public
        raise ValueError(f"tile layer {name} would carry non-public fields: {', '.join(private)}")
    props = ", ".join(fields)
    tile_sql = (
        f"SELECT ST_AsMVT(t, '{name}', {EXTENT}, 'geom', 'fid') FROM ("
        f" SELECT {id_expr} AS fid, {props},"
        f" ST_AsMVTGeom(ST_Transform({geom_expr}, 3857), ST_TileEnvelope(:z, :x, :y), {EXTENT}, {BUFFER}, true)"
        f" AS geom FROM {source} WHERE ({row_filter}) AND {zoom_column} = ANY(:shown)"
        ") AS t WHERE t.geom IS NOT NULL"
    )
    bounds_sql = (
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
        f" FROM (SELECT ST_Extent({geom_expr}) AS e FROM {source}) AS s"
    )
    # the data version and the tile in one statement, so one snapshot and one round trip
    versioned_tile_sql = f"SELECT ({_VERSION_SELECT}), ({tile_sql})"
    revision = hashlib.sha1(f"{tile_sql}|{sorted(zooms.items())}".encode()).hexdigest()[:8]
    return TileLayer(
        name,
        description,
        fields,
        zoom_column,
        zooms,
        text(tile_sql),
        text(versioned_tile_sql),
        text(bounds_sql),
        Statement.of(tile_sql),
        Statement.of(versioned_tile_sql),
        revision,
        table,
        geometry_type,
    )


def _from(firsts: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {value: (first, MAX_ZOOM) for value, first in firsts.items()}


_SITE_FIELDS = {"name": "String", "area_code": "String"}
_UPKEEP_FIELDS = {"kind": "String", "protection_level": "String", "upkeep_status": "String"}
_PROTECTION_ZOOMS = _from({"national": 0, "provincial": 4, "city": 6, "county": 7, "scattered": 9})
# A zone is a few hundred metres to a few kilometres across: below these zooms it would be a speck of a few
# grid units (or dropped by ST_AsMVTGeom); a national site's zones show first, a scattered one's last.
_ZONE_ZOOMS = _from({"national": 8, "provincial": 9, "city": 10, "county": 11, "scattered": 12})
_ZONE_FIELDS = {"name": "String", "protection_level": "String", "kind": "String", "area_code": "String"}


def _zone_layer(name: str) -> TileLayer:
    zone = ZONE_COLLECTIONS[name]
    firsts = ", ".join(f"{level} from z{first}" for level, (first, _) in _ZONE_ZOOMS.items())
    return _layer(
        name,
        f"{zone.title} (polygons); feature id is the id of the site in {zone.site_collection}; by protection"
        f" level: {firsts}.",
        _ZONE_FIELDS,
        "protection_level",
        _ZONE_ZOOMS,
        geom_expr=zone.column,
        row_filter=f"{zone.column} && {_SELECT_BOX}",
        table=zone.site_collection,
        geometry_type="polygon",
    )


LAYERS: dict[str, TileLayer] = {
    layer.name: layer
    for layer in (
        _layer(
            "stations",
            "Veterans service centres and stations; county level from z4, township from z6, village from z8.",
            {
                **_SITE_FIELDS,
                "level": "String",
                "status": "String",
                "star_rating": "Number",
                "national_model": "Boolean",
            },
            "level",
            _from({"province": 0, "city": 0, "county": 4, "township": 6, "village": 8}),
        ),
        _layer(
            "memorials",
            "Martyr memorial facilities; national from z0, provincial z4, city z6, county z7, scattered z9.",
            {**_SITE_FIELDS, **_UPKEEP_FIELDS},
            "protection_level",
            _PROTECTION_ZOOMS,
        ),
        _layer(
            "cemeteries",
            "Martyr cemeteries, grave areas and columbaria; by protection level as memorials.",
            {**_SITE_FIELDS, **_UPKEEP_FIELDS},
            "protection_level",
            _PROTECTION_ZOOMS,
        ),
        _layer(
            "graves",
            "Martyrs' graves; scattered graves from z9, graves inside cemeteries from z12.",
            {**_SITE_FIELDS, "kind": "String", "martyr_name": "String", "upkeep_status": "String"},
            "kind",
            _from({"scattered": 9, "in_cemetery": 12}),
        ),
        _layer(
            "areas",
            "Administrative divisions, one level per zoom band: provinces z0-5, cities z6-7, counties z8-10,"
            " townships z11-12, villages from z13. Feature id is the numeric area code.",
            {"code": "String", "name": "String", "level": "String", "parent_code": "String"},
            "level",
            {
                "province": (0, 5),
                "city": (6, 7),
                "county": (8, 10),
                "township": (11, 12),
                "village": (13, MAX_ZOOM),
            },
            id_expr="code::bigint",
            geom_expr="COALESCE(geom, point)",
            row_filter=f"geom && {_SELECT_BOX} OR (geom IS NULL AND point && {_SELECT_BOX})",
            geometry_type="polygon",
        ),
        *(_zone_layer(name) for name in ZONE_COLLECTIONS),
    )
}

_VERSION_READ = Statement.of(_VERSION_SELECT)
_VERSION_SQL = _VERSION_READ.clause
_DIGITS = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True)
class TileAddress:
    """A tile of the Web Mercator (XYZ, y down from the north) tile matrix of one collection."""

    collection: str
    z: int
    x: int
    y: int


def tile_layer(collection: str) -> TileLayer:
    """The layer of a collection, or NotFound naming the collections that have tiles."""
    layer = LAYERS.get(collection)
    if layer is None:
        raise NotFound(f"no tiles for collection {collection!r}; collections with tiles: {', '.join(LAYERS)}")
    return layer


def parse_tile_address(collection: str, z: str, x: str, y: str, fmt: str) -> TileAddress:
    """Check a tile request's parts (as written in the URL) and return the tile; InvalidInput says what is wrong."""
    tile_layer(collection)
    if fmt not in FORMATS:
        given = f"extension .{fmt}" if fmt else "no extension"
        raise InvalidInput(
            f"unsupported tile format ({given}); tiles are Mapbox vector tiles: {{y}}.mvt or {{y}}.pbf"
        )
    if not _DIGITS.fullmatch(z) or int(z) > MAX_ZOOM:
        raise InvalidInput(f"zoom z must be an integer from 0 to {MAX_ZOOM}, got {z!r}")
    zoom = int(z)
    last = 2**zoom - 1
    parts = {}
    for axis, raw in (("x", x), ("y", y)):
        if not _DIGITS.fullmatch(raw) or int(raw) > last:
            raise InvalidInput(f"tile {axis} must be an integer from 0 to {last} at zoom {zoom}, got {raw!r}")
        parts[axis] = int(raw)
    return TileAddress(collection, zoom, parts["x"], parts["y"])


def data_version(conn: Connection, collection: str) -> int:
    """The collection's current data version (0 before the first write is recorded)."""
    return conn.execute(_VERSION_SQL, {"collection": collection}).scalar() or 0


def _tile_params(layer: TileLayer, address: TileAddress) -> dict[str, Any]:
    return {
        "z": address.z,
        "x": address.x,
        "y": address.y,
        "margin": BUFFER / EXTENT,
        "shown": layer.shown_at(address.z),
    }


def build_tile(conn: Connection, address: TileAddress) -> bytes:
    """Encode one tile with ST_AsMVT; empty bytes when no row shows in it."""
    layer = tile_layer(address.collection)
    if not layer.shown_at(address.z):
        return b""
    data = conn.execute(layer.tile_sql, _tile_params(layer, address)).scalar()
    return bytes(data) if data else b""


def build_versioned_tile(conn: Connection, address: TileAddress) -> tuple[int, bytes]:
    """The collection's data version and the tile built from that same snapshot, in one round trip."""
    layer = tile_layer(address.collection)
    params = {"collection": layer.version_collection, **_tile_params(layer, address)}
    version, data = conn.execute(layer.versioned_tile_sql, params).one()
    return version or 0, bytes(data) if data else b""


@dataclass(frozen=True)
class Read:
    """One statement of the tile service with its parameters: its first row when ``row``, else its first value."""

    statement: Statement
    params: dict[str, Any]
    row: bool = False

    def run(self, conn: Connection) -> Any:
        """Run it on a SQLAlchemy connection."""
        result = conn.execute(self.statement.clause, self.params)
        return tuple(result.one()) if self.row else result.scalar()

    async def run_async(self, conn: psycopg.AsyncConnection) -> Any:
        """Run it on an asyncio psycopg connection (psycopg errors are raised as SQLAlchemy's, like ``run``)."""
        try:
            # binary results: a tile's bytea comes as its bytes, not as hex text to decode (a third of
            # the client's time on a 40 kB tile)
            cursor = await conn.execute(self.statement.psycopg_sql, self.params, binary=True)
            found = await cursor.fetchone()
        except psycopg.Error as exc:
            raise DBAPIError.instance(self.statement.psycopg_sql, self.params, exc, psycopg.Error) from exc
        if self.row:
            return tuple(found)
        return found[0] if found else None


TileSteps = Generator[Read, Any, "TileResult"]
"""The reads a tile answer needs, one at a time (each sent back its result), returning the answer."""


class AsyncReads:
    """Autocommit asyncio psycopg connections for tile reads, kept for the event loop that opened them.

    Connections are opened on demand (at most ``size`` at once; a request waits for a free one) and kept
    for reuse, with server-side prepared statements as the read engine's. A connection that fails
    is closed with every idle one, as SQLAlchemy's pool is invalidated after a database restart, so
    reads reconnect at once; the failure itself answers like the SQLAlchemy path (OperationalError: 503).
    """

    def __init__(self, connect_args: tuple[tuple, dict], size: int) -> None:
        self._args, self._kwargs = connect_args
        self.loop = asyncio.get_running_loop()
        self._slots = asyncio.Semaphore(size)
        self._idle: list[psycopg.AsyncConnection] = []
        self.closed = False

    @classmethod
    def for_engine(cls, engine: Engine, size: int) -> AsyncReads:
        """Reads on the database of ``engine`` (its URL and credentials), opened on the running event loop."""
        cargs, cparams = engine.dialect.create_connect_args(engine.url)
        kwargs = {**cparams, "autocommit": True, "prepare_threshold": 2}
        return cls((tuple(cargs), kwargs), size)

    @property
    def idle(self) -> int:
        """Connections kept for reuse now."""
        return len(self._idle)

    def usable(self) -> bool:
        """Whether the caller may use these reads: open, and on the event loop they belong to."""
        if self.closed:
            return False
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection]:
        """A connection for one tile's reads, put back for reuse when they succeed."""
        async with self._slots:
            conn = self._idle.pop() if self._idle else await self._connect()
            try:
                yield conn
            except BaseException as exc:
                broken = conn.broken or isinstance(exc, OperationalError)
                await conn.close()  # it may be broken or in the middle of a statement
                if broken:  # the server went away: so did every idle connection's session
                    await self._drop_idle()
                raise
            if self.closed or conn.closed:
                await conn.close()
            else:
                self._idle.append(conn)

    async def _connect(self) -> psycopg.AsyncConnection:
        try:
            return await psycopg.AsyncConnection.connect(*self._args, **self._kwargs)
        except psycopg.Error as exc:
            raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc

    async def _drop_idle(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.close()

    async def close(self) -> None:
        """Close every idle connection; connections in use are closed when given back."""
        self.closed = True
        await self._drop_idle()


TileKey = tuple[str, int, int, int, int]


@dataclass(frozen=True)
class CacheStats:
    """Counters of a tile cache at one moment."""

    hits: int
    misses: int
    evictions: int
    entries: int
    bytes_used: int
    max_bytes: int


class TileCache:
    """A thread-safe LRU of tiles keyed by (collection, data version, z, x, y), bounded in bytes held."""

    # A newer version of a collection drops that collection's older entries at once, rather than
    # leaving them to be evicted; a put carrying an older version than one already seen is refused.

    ENTRY_OVERHEAD = 320
    """Bytes an entry costs besides its payload object: key tuple, ints, dict slot and LRU links (measured ≈ 300)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[TileKey, bytes] = OrderedDict()
        self._latest: dict[str, int] = {}
        self._lock = threading.Lock()
        self._bytes = 0
        self._hits = self._misses = self._evictions = 0

    @classmethod
    def cost(cls, data: bytes) -> int:
        """Bytes one cached tile is accounted for."""
        return sys.getsizeof(data) + cls.ENTRY_OVERHEAD

    def get(self, key: TileKey) -> bytes | None:
        """The cached tile, marked most recently used, or None (counted as a miss)."""
        with self._lock:
            data = self._entries.get(key)
            if data is None:
                self._misses += 1
                return None
            self._entries.move_to_end(key)
            self._hits += 1
            return data

    def holds_newest(self, collection: str, z: int, x: int, y: int) -> bool:
        """Whether the tile is cached under the newest version of its collection seen here (counts nothing)."""
        with self._lock:
            version = self._latest.get(collection)
            return version is not None and (collection, version, z, x, y) in self._entries

    def count_miss(self) -> None:
        """Count a miss found without ``get`` (see ``holds_newest``)."""
        with self._lock:
            self._misses += 1

    def put(self, key: TileKey, data: bytes) -> None:
        """Store a tile, evicting the least recently used ones to stay within the bound."""
        cost = self.cost(data)
        if cost > self.max_bytes:
            return
        collection, version = key[0], key[1]
        with self._lock:
            latest = self._latest.get(collection, version)
            if version < latest:
                return  # built from data that has changed since
            if version > latest:
                self._drop_older(collection, version)
            self._latest[collection] = version
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= self.cost(old)
            self._entries[key] = data
            self._bytes += cost
            while self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= self.cost(evicted)
                self._evictions += 1

    def _drop_older(self, collection: str, version: int) -> None:
        stale = [k for k in self._entries if k[0] == collection and k[1] < version]
        for k in stale:
            self._bytes -= self.cost(self._entries.pop(k))

    def stats(self) -> CacheStats:
        """A consistent snapshot of the counters."""
        with self._lock:
            return CacheStats(
                self._hits, self._misses, self._evictions, len(self._entries), self._bytes, self.max_bytes
            )


@dataclass(frozen=True)
class TileResult:
    """A tile answer: its entity tag, and its bytes unless the caller's copy is current."""

    etag: str
    data: bytes | None

    @property
    def not_modified(self) -> bool:
        """The caller already holds this version of the tile."""
        return self.data is None


def _etag(version: int, layer: TileLayer) -> str:
    return f'W/"{version:x}-{layer.revision}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison of an If-None-Match header value with an entity tag (RFC 9110 §13.1.2)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == opaque for tag in if_none_match.split(","))


class TileService:
    """Tiles and TileJSON of every layer, with one in-process cache; safe to share between threads."""

    def __init__(self, settings: TileSettings) -> None:
        self.settings = settings
        self.cache = TileCache(settings.cache_max_bytes)
        self.async_reads: AsyncReads | None = None
        """Tile reads on the event loop (``open_async_reads``); None: tiles are read by ``tile`` in a thread."""
        self._bounds: dict[tuple[str, int], tuple[float, float, float, float]] = {}

    def open_async_reads(self, engine: Engine, size: int = 10) -> None:
        """Read tiles on the running event loop from now on, on the database of ``engine``."""
        self.async_reads = AsyncReads.for_engine(engine, size)

    async def close_async_reads(self) -> None:
        """Close the event loop's tile reads (``tile`` in a thread serves any tile asked after)."""
        reads, self.async_reads = self.async_reads, None
        if reads is not None:
            await reads.close()

    def tile(self, conn: Connection, address: TileAddress, if_none_match: str | None = None) -> TileResult:
        """The tile at ``address``; reads the data version (one query) and builds the tile only on a cache miss.

        A tile this cache does not hold (nor ever will, when it is off) is read together with the data
        version in one statement: one round trip instead of two.
        """
        steps = self._tile_steps(address, if_none_match)
        try:
            read = next(steps)
            while True:
                read = steps.send(read.run(conn))
        except StopIteration as done:
            return done.value

    async def tile_async(
        self, reads: AsyncReads, address: TileAddress, if_none_match: str | None = None
    ) -> TileResult:
        """``tile`` on the event loop, with a connection of ``reads`` taken for its reads."""
        steps = self._tile_steps(address, if_none_match)
        read = next(steps)  # every answer reads at least the data version
        async with reads.connection() as conn:
            while True:
                try:
                    read = steps.send(await read.run_async(conn))
                except StopIteration as done:
                    return done.value

    def _tile_steps(self, address: TileAddress, if_none_match: str | None) -> TileSteps:
        layer = tile_layer(address.collection)
        collection, z, x, y = address.collection, address.z, address.x, address.y
        if if_none_match is None and layer.shown_at(z) and not self.cache.holds_newest(collection, z, x, y):
            params = {"collection": layer.version_collection, **_tile_params(layer, address)}
            version, data = yield Read(layer.versioned_tile_read, params, row=True)
            version, data = version or 0, bytes(data) if data else b""
            self.cache.count_miss()
            self.cache.put((collection, version, z, x, y), data)
            return TileResult(_etag(version, layer), data)
        version = (yield Read(_VERSION_READ, {"collection": layer.version_collection})) or 0
        etag = _etag(version, layer)
        if etag_matches(if_none_match, etag):
            return TileResult(etag, None)
        key = (collection, version, z, x, y)
        data = self.cache.get(key)
        if data is None:
            data = b""
            if layer.shown_at(z):
                built = yield Read(layer.tile_read, _tile_params(layer, address))
                data = bytes(built) if built else b""
            self.cache.put(key, data)
        return TileResult(etag, data)

    def bounds(self, conn: Connection, collection: str) -> tuple[float, float, float, float]:
        """Extent of a collection's rows as (west, south, east, north) in degrees, within Web Mercator's reach."""
        layer = tile_layer(collection)
        key = (collection, data_version(conn, layer.version_collection))
        cached = self._bounds.get(key)
        if cached is not None:
            return cached
        row = conn.execute(layer.bounds_sql).one()
        if row[0] is None:
            box = (-180.0, -MERCATOR_MAX_LAT, 180.0, MERCATOR_MAX_LAT)
        else:
            box = (
                row[0],
                max(row[1], -MERCATOR_MAX_LAT),
                row[2],
                min(row[3], MERCATOR_MAX_LAT),
            )
        if len(self._bounds) > 4 * len(LAYERS):
            self._bounds.clear()
        self._bounds[key] = box
        return box

    def tilejson(self, conn: Connection, collection: str, tiles_url: str) -> dict:
        """TileJSON 3.0.0 of a collection's layer; ``tiles_url`` is the absolute {z}/{x}/{y} template."""
        layer = tile_layer(collection)
        west, south, east, north = self.bounds(conn, collection)
        span = max(east - west, (north - south) * 1.5, 1e-6)
        center_zoom = min(max(int(math.log2(360 / span)), layer.minzoom), DATA_MAXZOOM)
        return {
            "tilejson": "3.0.0",
            "name": layer.name,
            "description": layer.description,
            "scheme": "xyz",
            "tiles": [tiles_url],
            "minzoom": layer.minzoom,
            "maxzoom": DATA_MAXZOOM,
            "bounds": [west, south, east, north],
            "center": [(west + east) / 2, (south + north) / 2, center_zoom],
            "vector_layers": [
                {
                    "id": layer.name,
                    "description": layer.description,
                    "fields": dict(layer.fields),
                    "minzoom": layer.minzoom,
                    "maxzoom": DATA_MAXZOOM,
                }
            ],
        }
