"""Road networks: read a road file, split it into a routable graph, store it in PostGIS, cache the graph.

Input: any OGR file of LineStrings read with pyogrio (GeoPackage, GeoJSON, Shapefile or a zipped Shapefile,
FlatGeobuf), or an OpenStreetMap ``.osm.pbf``/``.osm`` read with pyosmium (ways tagged ``highway``). A zip is
checked from its directory and its Shapefile unzipped to a temporary folder under ``ROAD_LIMITS`` first
(geo/kit/archives.py), never inflated in memory.
Optional attributes, found by column name (case-insensitive): the road class (``highway``, ``fclass``,
``road_class``, ``class``, ``type``), a speed in km/h (``maxspeed``, ``speed_kmh``, ``speed``, ``max_speed``;
"30 mph" is converted; 0 or unparsable means unknown) and a direction (``oneway``: yes/true/1/F = only in the
drawing direction, -1/reverse/T = only against it, anything else both ways; F/T/B as in the Geofabrik
shapefiles). Unknown speeds come from the class (``DEFAULT_SPEEDS_KMH``).

Coordinates: the source system is declared (WGS84 by default, or the file's own CRS when it has one and
none is declared; GCJ02, BD09, CGCS2000 and EPSG codes through ``geo.kit.crs``) and everything is stored as
WGS-84 lon/lat degrees, snapped to a grid of ``SNAP_DEG`` (1e-7 degrees, about 1 cm).

Graph (our choice, documented): a node is every line end *and every vertex shared by two or more lines*
(after snapping). Real road files (OSM extracts, most GeoPackages) cross at shared vertices in the middle of
lines rather than only at their ends, so lines are split there; lines that cross without sharing a vertex
(bridges, tunnels) stay unconnected, as they should. Each piece between two nodes is one edge, with its
geodesic length in metres (WGS-84 ellipsoid, summed over its segments), its speed and its travel time in
seconds. Oneway lines drawn against their direction are reversed, so a oneway edge runs source → target.

The graph is cached under ``var_dir/roads`` as an .npz of a scipy CSR matrix (travel seconds, row = from,
column = to, the fastest of parallel edges), named after the network id and its content hash, and rebuilt
when the network is re-imported (a new hash).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import shapely
from sqlalchemy import Connection, text

from geo.atlas.areas import AreaRef
from geo.coverage.nearest import GEOD
from geo.errors import Conflict, InvalidInput, NotFound
from geo.kit.archives import ROAD_LIMITS, unzipped_shapefiles
from geo.kit.crs import declared_source, transform_geometry
from geo.kit.pgcopy import Field, copy_out

_log = logging.getLogger(__name__)

SNAP_DEG = 1e-7
"""Grid (degrees) that line vertices are snapped to; vertices on the same grid point are the same node."""
_PER_DEG = 10_000_000  # 1 / SNAP_DEG: grid coordinates are integers divided by it (correctly rounded)

DEFAULT_SPEED_KMH = 30.0
"""Speed of a road whose class and speed are both unknown (km/h)."""

DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 100.0,
    "motorway_link": 60.0,
    "trunk": 80.0,
    "trunk_link": 50.0,
    "primary": 60.0,
    "primary_link": 40.0,
    "secondary": 50.0,
    "secondary_link": 40.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 30.0,
    "residential": 25.0,
    "living_street": 10.0,
    "service": 20.0,
    "road": 30.0,
    "track": 15.0,
    "path": 5.0,
    "footway": 5.0,
    "pedestrian": 5.0,
    "steps": 3.0,
    "cycleway": 15.0,
    "bridleway": 5.0,
}
"""Speed (km/h) assumed for a road of an OSM ``highway`` class when the file gives none."""

OSM_SUFFIXES = (".pbf", ".osm")
ROAD_FILE_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".zip", ".fgb", *OSM_SUFFIXES)
"""File name endings accepted as road files."""

_CLASS_COLUMNS = ("highway", "fclass", "road_class", "class", "type")
_SPEED_COLUMNS = ("maxspeed", "speed_kmh", "speed", "max_speed")
_ONEWAY_COLUMNS = ("oneway", "one_way")
_FORWARD = {"yes", "true", "1", "f", "forward", "y"}
_BACKWARD = {"-1", "reverse", "t", "backward"}
_TYPE_NAMES = {
    -1: "empty",
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}
_NUMBER = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(mph|km/h|kmh|kph)?\s*$", re.IGNORECASE)


# ------------------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class RoadLines:
    """Road lines in WGS-84 lon/lat degrees with per-line class, speed (km/h, NaN unknown) and direction."""

    geoms: np.ndarray  # shapely LineStrings
    highway: np.ndarray  # object: str or None
    speed_kmh: np.ndarray  # float64, NaN = unknown
    oneway: np.ndarray  # int8: 1 drawing direction only, -1 against it only, 0 both


def _column(columns: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((columns[n] for n in names if n in columns), None)


def parse_speed_kmh(value: Any) -> float:
    """A speed in km/h from a number or text such as "60", "60 km/h", "30 mph"; NaN when unknown or ≤ 0."""
    if value is None or isinstance(value, bool):
        return math.nan
    if isinstance(value, int | float | np.integer | np.floating):
        v = float(value)
    else:
        match = _NUMBER.match(str(value))
        if not match:
            return math.nan
        v = float(match.group(1)) * (1.609344 if (match.group(2) or "").lower() == "mph" else 1.0)
    return v if math.isfinite(v) and 0 < v <= 300 else math.nan


def _oneway_flag(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool | np.bool_):
        return 1 if value else 0
    if isinstance(value, int | float | np.integer | np.floating):
        return 1 if value == 1 else -1 if value == -1 else 0
    key = str(value).strip().lower()
    return 1 if key in _FORWARD else -1 if key in _BACKWARD else 0


def _clean_class(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    cleaned = re.sub(r"[^0-9A-Za-z_:.\-]", "", str(value))[:32]
    return cleaned or None


def _source_label(path: Path) -> str:
    return path.name or str(path)


def _explode_lines(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """LineStrings of the input (multi-lines split into parts) and the index of the feature each came from."""
    types = shapely.get_type_id(geoms)
    found: dict[str, int] = {}
    for type_id, count in zip(*np.unique(types, return_counts=True), strict=True):
        found[_TYPE_NAMES.get(int(type_id), "other")] = int(count)
    keep = np.flatnonzero(np.isin(types, (1, 5)))  # LineString, MultiLineString
    parts, owner = shapely.get_parts(geoms[keep], return_index=True)
    parts_ok = shapely.get_type_id(parts) == 1
    return parts[parts_ok], keep[owner[parts_ok]], found


def _not_a_network(label: str, found: dict[str, int]) -> InvalidInput:
    if not found:
        return InvalidInput(
            f"{label} is not a road network: it has no features",
            key="roads.no_features",
            params={"name": label},
        )
    what = ", ".join(f"{n} {k}" for k, n in sorted(found.items()))
    return InvalidInput(
        f"{label} is not a road network: it has no lines (found {what}); a road file holds LineStrings",
        key="roads.not_a_network",
        params={"name": label, "found": what},
    )


def _to_wgs84(geoms: np.ndarray, source: str, label: str) -> np.ndarray:
    try:
        out = transform_geometry(geoms, source)
    except ValueError as exc:
        raise InvalidInput(
            f"{label}: {exc}", key="roads.unknown_crs", params={"name": label, "crs": source}
        ) from None
    bounds = shapely.total_bounds(out)
    if (
        not np.all(np.isfinite(bounds))
        or bounds[0] < -180
        or bounds[2] > 180
        or bounds[1] < -90
        or bounds[3] > 90
    ):
        raise InvalidInput(
            f"{label}: coordinates are not longitude/latitude degrees after conversion from {source} "
            f"(bounds {', '.join(f'{b:.6g}' for b in bounds)}); declare the file's coordinate system",
            key="roads.not_degrees",
            params={"name": label, "crs": source},
        )
    return out


def _read_ogr(
    path: Path, crs: str | None, layer: str | None, label: str | None = None
) -> tuple[RoadLines, str]:
    import pyogrio  # here, not at start: GDAL and geopandas are 30 MB of a server's memory

    label = label or _source_label(path)
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends for anything unreadable
        raise _unreadable(label, exc, "GIS") from None
    if len(layers) == 0:
        raise _not_a_network(label, {})
    if layer is None:
        lines = [str(name) for name, kind in layers if kind and "line" in str(kind).lower()]
        layer = lines[0] if lines else str(layers[0][0])
    elif layer not in {str(name) for name, _ in layers}:
        raise InvalidInput(f"{label} has no layer {layer!r}; it has: {', '.join(str(n) for n, _ in layers)}")
    try:
        fields = [str(f) for f in pyogrio.read_info(path, layer=layer)["fields"]]
        wanted = {n.lower() for n in (*_CLASS_COLUMNS, *_SPEED_COLUMNS, *_ONEWAY_COLUMNS)}
        # only the attribute columns used: road files often carry dozens
        frame = pyogrio.read_dataframe(path, layer=layer, columns=[f for f in fields if f.lower() in wanted])
    except Exception as exc:
        raise _unreadable(label, exc) from None
    if "geometry" not in frame or len(frame) == 0:
        raise _not_a_network(label, {})
    source = _source_system(crs, frame.crs, label)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    parts, owner, found = _explode_lines(geoms)
    if len(parts) == 0:
        raise _not_a_network(label, found)
    parts = shapely.force_2d(parts)
    parts = _to_wgs84(parts, source, label)
    columns = {str(c).lower(): str(c) for c in frame.columns if c != "geometry"}
    n = len(frame)
    cls = _column(columns, _CLASS_COLUMNS)
    spd = _column(columns, _SPEED_COLUMNS)
    one = _column(columns, _ONEWAY_COLUMNS)
    highway = np.array([_clean_class(v) for v in frame[cls]], dtype=object) if cls else np.full(n, None)
    speed = np.array([parse_speed_kmh(v) for v in frame[spd]]) if spd else np.full(n, np.nan)
    oneway = np.array([_oneway_flag(v) for v in frame[one]], dtype=np.int8) if one else np.zeros(n, np.int8)
    return RoadLines(parts, highway[owner], speed[owner], oneway[owner]), source


def _source_system(crs: str | None, file_crs: Any, label: str) -> str:
    """The system to convert from (``declared_source``), its refusal keyed for the pages."""
    try:
        return declared_source(crs, file_crs, check_epsg=crs is not None)
    except InvalidInput as exc:
        if crs is None:
            raise InvalidInput(exc.message, key="roads.no_epsg", params={"name": label}) from None
        raise InvalidInput(exc.message, key="roads.unknown_crs", params={"name": label, "crs": crs}) from None


def _unreadable(label: str, exc: BaseException, kind: str | None = None) -> InvalidInput:
    """The refusal of a file the reading library could not read; the library's text (which may name server paths)
    goes to the log only."""
    _log.info("road file %s could not be read: %s: %s", label, type(exc).__name__, str(exc).strip()[:500])
    if kind == "OSM":
        return InvalidInput(
            f"{label} cannot be read as an OSM file: it is damaged or not an .osm.pbf or .osm file",
            key="file.not_osm",
            params={"name": label},
        )
    if kind is not None:
        return InvalidInput(
            f"{label} cannot be read as a {kind} file: it is damaged or of another format",
            key="file.not_format",
            params={"name": label, "format": kind},
        )
    return InvalidInput(
        f"the records of {label} cannot be read: the file is damaged or incomplete",
        key="file.unreadable",
        params={"name": label},
    )


def _read_osm(path: Path, label: str | None = None) -> tuple[RoadLines, str]:
    """Ways tagged ``highway`` of an OSM file (coordinates are WGS-84 by definition)."""
    import osmium

    label = label or _source_label(path)
    coords: list[list[tuple[float, float]]] = []
    highway: list[str | None] = []
    speed: list[float] = []
    oneway: list[int] = []
    try:
        reader = (
            osmium.FileProcessor(str(path)).with_locations().with_filter(osmium.filter.KeyFilter("highway"))
        )
        for obj in reader:
            if not obj.is_way():
                continue
            pts = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
            if len(pts) < 2:
                continue
            tags = obj.tags
            coords.append(pts)
            highway.append(_clean_class(tags.get("highway")))
            speed.append(parse_speed_kmh(tags.get("maxspeed")))
            flag = _oneway_flag(tags.get("oneway"))
            implied = tags.get("junction") == "roundabout" or tags.get("highway") == "motorway"
            oneway.append(flag if flag or tags.get("oneway") == "no" else int(implied))
    except RuntimeError as exc:
        raise _unreadable(label, exc, "OSM") from None
    if not coords:
        raise InvalidInput(
            f"{label} is not a road network: it has no ways tagged highway",
            key="roads.no_highways",
            params={"name": label},
        )
    geoms = np.array([shapely.LineString(c) for c in coords], dtype=object)
    return (
        RoadLines(geoms, np.array(highway, dtype=object), np.array(speed), np.array(oneway, np.int8)),
        "WGS84",
    )


def read_road_file(
    path: str | Path, crs: str | None = None, layer: str | None = None, label: str | None = None
) -> tuple[RoadLines, str]:
    """Read road lines from a file into WGS-84; returns them and the source system used. InvalidInput if not roads
    (naming the file as ``label``, by default its name: an upload's own name rather than its temporary one)."""
    path = Path(path)
    label = label or _source_label(path)
    if not path.is_file():
        raise InvalidInput(f"no such road file: {path}")
    if path.stat().st_size == 0:
        raise InvalidInput(f"{label} is empty", key="roads.empty")
    name = path.name.lower()
    if name.endswith(OSM_SUFFIXES):
        if crs is not None and _source_system(crs, None, label) != "WGS84":
            raise InvalidInput(
                "OSM files are WGS-84 by definition; do not declare another coordinate system",
                key="roads.osm_is_wgs84",
            )
        return _read_osm(path, label)
    if name.endswith(".zip"):  # a zipped Shapefile: checked from its directory, unzipped under a cap
        with unzipped_shapefiles(path, ROAD_LIMITS) as folder:
            return _read_ogr(folder, crs, layer, label)
    return _read_ogr(path, crs, layer, label)


# ------------------------------------------------------------------------------------------ the graph


@dataclass(frozen=True)
class RoadEdges:
    """Edges of a road graph: node numbers, class, speed (km/h), oneway, geodesic metres, seconds, geometry."""

    source: np.ndarray  # int32
    target: np.ndarray  # int32
    highway: np.ndarray  # object
    speed_kmh: np.ndarray
    oneway: np.ndarray  # bool: only source -> target
    length_m: np.ndarray
    travel_s: np.ndarray
    geoms: np.ndarray  # WGS-84 LineStrings, first vertex at source, last at target
    node_lon: np.ndarray
    node_lat: np.ndarray

    def __len__(self) -> int:
        return len(self.source)

    def content_hash(self) -> str:
        """SHA-256 of the graph (node positions, edges, times, directions): keys the graph cache."""
        digest = hashlib.sha256()
        for arr in (self.node_lon, self.node_lat, self.source, self.target, self.travel_s, self.oneway):
            digest.update(np.ascontiguousarray(arr).tobytes())
        return digest.hexdigest()


def build_edges(lines: RoadLines) -> RoadEdges:
    """Split lines into edges at their ends and at every vertex shared by two or more lines (snapped)."""
    coords, line = shapely.get_coordinates(lines.geoms, return_index=True)
    q = np.round(coords * _PER_DEG).astype(np.int64)
    # drop vertices repeating the previous one of the same line (after snapping)
    same = np.zeros(len(q), dtype=bool)
    same[1:] = (line[1:] == line[:-1]) & np.all(q[1:] == q[:-1], axis=1)
    q, line = q[~same], line[~same]
    counts_per_line = np.bincount(line, minlength=len(lines.geoms))
    good_line = counts_per_line >= 2
    keep = good_line[line]
    q, line = q[keep], line[keep]
    if len(q) == 0:
        raise InvalidInput("the road file has no line with two distinct points", key="roads.no_edges")
    key = (q[:, 0] << 32) | (q[:, 1] & 0xFFFFFFFF)
    uniq, inverse, occurrences = np.unique(key, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    first = np.r_[True, line[1:] != line[:-1]]
    last = np.r_[line[1:] != line[:-1], True]
    is_node = first | last | (occurrences[inverse] >= 2)
    node_keys = np.flatnonzero(np.bincount(inverse, weights=is_node, minlength=len(uniq)) > 0)
    node_number = np.full(len(uniq), -1, dtype=np.int64)
    node_number[node_keys] = np.arange(len(node_keys))
    grid = q.astype(np.float64) / _PER_DEG
    node_lon = np.zeros(len(node_keys))
    node_lat = np.zeros(len(node_keys))
    node_lon[node_number[inverse[is_node]]] = grid[is_node, 0]
    node_lat[node_number[inverse[is_node]]] = grid[is_node, 1]

    pos = np.flatnonzero(is_node)
    pair = line[pos[:-1]] == line[pos[1:]]
    start, end = pos[:-1][pair], pos[1:][pair]
    src = node_number[inverse[start]]
    dst = node_number[inverse[end]]
    # geodesic length of every segment between consecutive vertices of a line, summed per edge
    seg = np.zeros(len(grid))
    inner = np.flatnonzero(line[1:] == line[:-1])
    if inner.size:
        _, _, d = GEOD.inv(grid[inner, 0], grid[inner, 1], grid[inner + 1, 0], grid[inner + 1, 1])
        seg[inner] = d
    cum = np.r_[0.0, np.cumsum(seg)]
    length = cum[end] - cum[start]
    loop = src == dst  # a loop never shortens a route
    start, end, src, dst, length = start[~loop], end[~loop], src[~loop], dst[~loop], length[~loop]
    if len(start) == 0:
        raise InvalidInput(
            "the road file's lines form no edge between two distinct points", key="roads.no_edges"
        )
    sizes = end - start + 1
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    flat = np.repeat(start, sizes) + (np.arange(sizes.sum()) - np.repeat(offsets, sizes))
    geoms = shapely.linestrings(grid[flat], indices=np.repeat(np.arange(len(start)), sizes))
    owner = line[start]
    highway = lines.highway[owner]
    speed = lines.speed_kmh[owner].astype(np.float64)
    unknown = ~np.isfinite(speed)
    speed[unknown] = [DEFAULT_SPEEDS_KMH.get(h or "", DEFAULT_SPEED_KMH) for h in highway[unknown]]
    direction = lines.oneway[owner]
    back = direction == -1
    src, dst = np.where(back, dst, src), np.where(back, src, dst)
    if back.any():
        geoms[back] = shapely.reverse(geoms[back])
    return RoadEdges(
        source=src.astype(np.int32),
        target=dst.astype(np.int32),
        highway=highway,
        speed_kmh=speed,
        oneway=direction != 0,
        length_m=length,
        travel_s=length / (speed / 3.6),
        geoms=geoms,
        node_lon=node_lon,
        node_lat=node_lat,
    )


# --------------------------------------------------------------------------------------- PostGIS


@dataclass(frozen=True)
class NetworkInfo:
    """An imported road network as stored: size, total length (geodesic metres) and content hash."""

    id: int
    name: str
    source: str | None
    source_crs: str
    synthetic: bool
    content_hash: str
    nodes: int
    edges: int
    length_m: float
    imported_at: dt.datetime


POINT_REACH_DEG = 0.05
"""An area drawn only as points (no boundary) counts as reached by a network whose edges pass within this many
degrees (about 5 km) of the box of its townships' and villages' points."""

_NETWORK_COLUMNS = (
    "id, name, source, source_crs, synthetic, content_hash, nodes, edges, length_m, imported_at"
)


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
        raise InvalidInput("a road network needs a name of 1 to 200 characters", key="roads.bad_name")
    return name.strip()


_NULL = "\\N"


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def store_network(
    conn: Connection,
    name: str,
    edges: RoadEdges,
    source: str | None,
    source_crs: str,
    synthetic: bool = False,
    replace: bool = False,
) -> NetworkInfo:
    """Store a network's edges (WGS-84) in road_edges; Conflict if the name exists unless ``replace``."""
    name = _check_name(name)
    existing = conn.execute(
        text("SELECT id FROM road_networks WHERE name = :n FOR UPDATE"), {"n": name}
    ).scalar()
    if existing is not None:
        if not replace:
            raise Conflict(
                f"a road network named {name!r} exists (id {existing}); replace it or pick another name",
                key="roads.name_taken",
                params={"name": name},
            )
        conn.execute(text("DELETE FROM road_networks WHERE id = :id"), {"id": existing})
    network_id = conn.execute(
        text(
            "INSERT INTO road_networks (name, source, source_crs, synthetic, content_hash, nodes, edges, length_m) "
            "VALUES (:name, :source, :crs, :synthetic, :hash, :nodes, :edges, :length) RETURNING id"
        ),
        {
            "name": name,
            "source": source,
            "crs": source_crs,
            "synthetic": synthetic,
            "hash": edges.content_hash(),
            "nodes": len(edges.node_lon),
            "edges": len(edges),
            "length": float(edges.length_m.sum()),
        },
    ).scalar_one()
    wkb = shapely.to_wkb(shapely.set_srid(edges.geoms, 4326), hex=True, include_srid=True)
    buf = io.StringIO()
    columns = zip(
        edges.source.tolist(),
        edges.target.tolist(),
        edges.highway.tolist(),
        edges.speed_kmh.tolist(),
        edges.oneway.tolist(),
        edges.length_m.tolist(),
        edges.travel_s.tolist(),
        wkb.tolist(),
        strict=True,
    )
    for src, dst, h, speed, oneway, length, seconds, geom in columns:
        highway = _copy_text(h) if h else _NULL
        flag = "t" if oneway else "f"
        buf.write(
            f"{network_id}\t{src}\t{dst}\t{highway}\t{speed!r}\t{flag}\t{length!r}\t{seconds!r}\t{geom}\n"
        )
    buf.seek(0)
    with conn.connection.dbapi_connection.cursor() as cur:
        cur.copy_expert(
            "COPY road_edges (network_id, source, target, highway, speed_kmh, oneway, length_m, travel_s, geom) "
            "FROM STDIN",
            buf,
        )
    conn.execute(text("ANALYZE road_edges"))
    return get_network(conn, network_id)


def import_road_file(
    conn: Connection,
    path: str | Path,
    name: str | None = None,
    crs: str | None = None,
    layer: str | None = None,
    replace: bool = False,
    source: str | None = None,
) -> NetworkInfo:
    """Read a road file (declared source CRS, WGS84 by default), build its graph and store it in PostGIS."""
    path = Path(path)
    lines, used = read_road_file(path, crs, layer, source)
    edges = build_edges(lines)
    return store_network(conn, name or path.stem, edges, source or path.name, used, replace=replace)


def get_network(conn: Connection, network_id: int) -> NetworkInfo:
    """One road network; NotFound if there is none with this id."""
    row = conn.execute(
        text(f"SELECT {_NETWORK_COLUMNS} FROM road_networks WHERE id = :id"), {"id": network_id}
    ).first()
    if row is None:
        raise NotFound(f"no road network with id {network_id}")
    return NetworkInfo(**row._mapping)


def list_networks(conn: Connection) -> list[NetworkInfo]:
    """Every road network, newest first."""
    rows = conn.execute(text(f"SELECT {_NETWORK_COLUMNS} FROM road_networks ORDER BY id DESC"))
    return [NetworkInfo(**r._mapping) for r in rows]


def delete_network(conn: Connection, network_id: int) -> None:
    """Delete a network with its edges and service areas; NotFound if there is none."""
    get_network(conn, network_id)
    conn.execute(text("DELETE FROM road_networks WHERE id = :id"), {"id": network_id})


def network_coverage(conn: Connection, area: AreaRef | None = None) -> dict[int, list[AreaRef]]:
    """Per road network, the areas of ``area`` its edges reach: the area itself when it is a county or smaller,
    else its counties (every county of the atlas when ``area`` is None). Areas drawn as points only are reached
    when an edge passes within ``POINT_REACH_DEG`` of one of their points. Networks reaching none are absent."""
    if area is not None and area.level in ("county", "township", "village"):
        candidates = "SELECT code, name, level FROM areas WHERE code = :code"
    else:
        candidates = "SELECT code, name, level FROM areas WHERE level = 'county' AND code LIKE :prefix"
    rows = conn.execute(
        text(
            f"WITH cand AS ({candidates}), shape AS ("
            " SELECT c.code, c.name, c.level, COALESCE(a.geom, ("
            "  SELECT ST_Expand(ST_Collect(COALESCE(d.point, ST_PointOnSurface(d.geom))), :reach)"
            "  FROM areas d WHERE d.code LIKE c.code || '%' AND d.level IN ('township', 'village'))) AS g"
            " FROM cand c JOIN areas a ON a.code = c.code)"
            " SELECT n.id, s.code, s.name, s.level FROM road_networks n JOIN shape s ON s.g IS NOT NULL AND EXISTS ("
            "  SELECT 1 FROM road_edges e WHERE e.network_id = n.id AND e.geom && s.g AND ST_Intersects(e.geom, s.g))"
            " ORDER BY n.id, s.code"
        ),
        {
            "code": area.code if area else None,
            "prefix": (area.descendant_prefix if area else "") + "%",
            "reach": POINT_REACH_DEG,
        },
    )
    out: dict[int, list[AreaRef]] = {}
    for r in rows:
        out.setdefault(r.id, []).append(AreaRef(r.code, r.level, r.name))
    return out


# ------------------------------------------------------------------------------------- graph cache


@dataclass(frozen=True)
class RoadGraph:
    """A network's graph: CSR matrix of travel seconds (row = from node, column = to node), node lon/lat."""

    network_id: int
    content_hash: str
    matrix: sp.csr_matrix
    node_lon: np.ndarray
    node_lat: np.ndarray

    @property
    def nodes(self) -> int:
        return self.matrix.shape[0]


def graph_matrix(
    n: int, source: np.ndarray, target: np.ndarray, seconds: np.ndarray, oneway: np.ndarray
) -> sp.csr_matrix:
    """CSR matrix (n × n, seconds) of directed edges; two-way edges both ways; the fastest of parallel edges."""
    two = ~oneway.astype(bool)
    rows = np.concatenate([source, target[two]]).astype(np.int64)
    cols = np.concatenate([target, source[two]]).astype(np.int64)
    w = np.concatenate([seconds, seconds[two]]).astype(np.float64)
    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    firsts = np.r_[True, (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])]
    rows, cols, w = rows[firsts], cols[firsts], w[firsts]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    return sp.csr_matrix((w, cols.astype(np.int32), np.cumsum(indptr)), shape=(n, n))


def _cache_path(cache_dir: Path, info: NetworkInfo) -> Path:
    return cache_dir / "roads" / f"network-{info.id}-{info.content_hash[:16]}.npz"


def load_graph(conn: Connection, network_id: int, cache_dir: Path) -> RoadGraph:
    """The network's graph from the cache under ``cache_dir/roads``, built from road_edges when missing or stale."""
    info = get_network(conn, network_id)
    path = _cache_path(cache_dir, info)
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["content_hash"]) == info.content_hash:
                    matrix = sp.csr_matrix(
                        (data["data"], data["indices"], data["indptr"]), shape=(info.nodes, info.nodes)
                    )
                    return RoadGraph(info.id, info.content_hash, matrix, data["node_lon"], data["node_lat"])
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file is rebuilt below
    graph = _build_graph(conn, info)
    _write_cache(path, graph)
    return graph


def _build_graph(conn: Connection, info: NetworkInfo) -> RoadGraph:
    edges = copy_out(
        conn,
        "SELECT source, target, travel_s, oneway, ST_X(ST_StartPoint(geom)), ST_Y(ST_StartPoint(geom)), "
        f"ST_X(ST_EndPoint(geom)), ST_Y(ST_EndPoint(geom)) FROM road_edges WHERE network_id = {int(info.id)}",
        [
            Field("source", "int4"),
            Field("target", "int4"),
            Field("travel_s", "float8"),
            Field("oneway", "bool"),
            Field("x1", "float8"),
            Field("y1", "float8"),
            Field("x2", "float8"),
            Field("y2", "float8"),
        ],
    )
    n = info.nodes
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    lon[edges["source"]], lat[edges["source"]] = edges["x1"], edges["y1"]
    lon[edges["target"]], lat[edges["target"]] = edges["x2"], edges["y2"]
    matrix = graph_matrix(n, edges["source"], edges["target"], edges["travel_s"], edges["oneway"])
    return RoadGraph(info.id, info.content_hash, matrix, lon, lat)


def _write_cache(path: Path, graph: RoadGraph) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f"network-{graph.network_id}-*.npz"):
        stale.unlink(missing_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(
        tmp,
        data=graph.matrix.data,
        indices=graph.matrix.indices,
        indptr=graph.matrix.indptr,
        node_lon=graph.node_lon,
        node_lat=graph.node_lat,
        content_hash=np.array(graph.content_hash),
    )
    os.replace(tmp, path)


_SAME_KIND = {".json": ".geojson", ".osm.pbf": ".pbf"}


def road_file_suffix(filename: str | None, head: bytes) -> str:
    """The suffix to read an uploaded road file by: from its name (which its first bytes must bear out),
    else sniffed from its first bytes."""
    if filename:
        name = filename.lower()
        for suffix in (".osm.pbf", *ROAD_FILE_SUFFIXES):
            if name.endswith(suffix):
                _check_declared_type(suffix, head)
                return suffix
        raise InvalidInput(
            f"{filename!r} is not a road file type this reads; expected one of: {', '.join(ROAD_FILE_SUFFIXES)}",
            key="roads.bad_suffix",
            params={"name": filename, "expected": ", ".join(ROAD_FILE_SUFFIXES)},
        )
    return _sniff_suffix(head)


def _check_declared_type(suffix: str, head: bytes) -> None:
    """Refuse an upload whose first bytes are not those of the file type its name declares."""
    if suffix == ".shp":
        matches = head.startswith(b"\x00\x00\x27\x0a")
    else:
        try:
            sniffed = _sniff_suffix(head)
        except InvalidInput:
            sniffed = None
        matches = sniffed is not None and _SAME_KIND.get(sniffed, sniffed) == _SAME_KIND.get(suffix, suffix)
    if not matches:
        raise InvalidInput(
            f"the upload is not a {suffix} file: its first bytes are those of another type",
            key="roads.wrong_type",
            params={"suffix": suffix},
        )


def _sniff_suffix(head: bytes) -> str:
    head = head.removeprefix(b"\xef\xbb\xbf")
    if head.startswith(b"SQLite format 3\x00"):
        return ".gpkg"
    if head.startswith(b"PK\x03\x04"):
        return ".zip"
    if head.startswith(b"fgb"):
        return ".fgb"
    if b"OSMHeader" in head[:64]:
        return ".pbf"
    stripped = head.lstrip()
    if stripped.startswith(b"{"):
        return ".geojson"
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<osm"):
        return ".osm"
    raise InvalidInput(
        "the upload is not a road file this reads (GeoPackage, GeoJSON, zipped Shapefile, "
        "FlatGeobuf, OSM .pbf/.osm); give its file name with ?filename=",
        key="roads.unknown_type",
    )
