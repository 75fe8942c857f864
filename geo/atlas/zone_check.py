"""The protection-zone check drawn on a map: every memorial or cemetery zone a proposed construction polygon
overlaps, with the zone's outline and the overlap itself as GeoJSON, and a construction polygon read from an
uploaded file (GeoJSON, KML or zipped Shapefile).

Coordinates in and out are WGS-84 (EPSG:4326) longitude/latitude degrees; areas are geodesic square metres on the
WGS-84 ellipsoid (PostGIS ``geography``: ``ST_Area(ST_Intersection(zone, polygon)::geography)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import shapely
from pyproj import CRS
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import Connection, text

from geo.errors import InvalidInput
from geo.importing.coords import repair_polygonal
from geo.importing.readers import detect_format, read_file
from geo.kit.crs import transform_geometry

ZONE_COLUMNS: dict[str, tuple[str, ...]] = {
    "memorials": ("protection_zone", "control_zone"),
    "cemeteries": ("protection_zone", "control_zone"),
}
"""The zone columns checked, per collection: protection range (保护范围) and construction-control zone (建设控制地带)."""

POLYGON_FILE_FORMATS = ("geojson", "kml", "shp")
"""The upload formats a construction polygon is read from (``shp``: a zipped Shapefile)."""

MAX_POLYGON_FILE_BYTES = 20 * 1024 * 1024
"""Largest construction-polygon file accepted (bytes): a few polygons, never a register."""

DECLARED_SOURCES = ("WGS84", "CGCS2000", "GCJ02", "BD09")
"""Coordinate systems a person may declare for a file that does not say its own (AMap drawings are GCJ-02)."""


@dataclass(frozen=True)
class ZoneOverlap:
    """One zone the polygon overlaps: the site, which zone, the overlap and zone areas (geodesic m²), and the
    zone's outline and the overlap as GeoJSON geometries (WGS-84)."""

    collection: str
    id: int
    name: str
    kind: str
    protection_level: str
    zone: str
    overlap_m2: float
    zone_m2: float
    zone_geometry: dict
    overlap_geometry: dict | None


@dataclass(frozen=True)
class ZoneOverlaps:
    """The check of one polygon: its own geodesic area (m²) and every zone it overlaps, largest overlap first."""

    polygon_m2: float
    overlaps: list[ZoneOverlap]


def _branch(table: str, zone: str) -> str:
    return (
        f"SELECT '{table}' AS collection, id, name, kind::text AS kind, protection_level::text AS protection_level, "
        f"'{zone}' AS zone, {zone} AS zone_geom, ST_Intersection({zone}, p.g) AS cut "
        f"FROM {table}, p WHERE {zone} IS NOT NULL AND ST_Intersects({zone}, p.g)"
    )


_OVERLAPS_SQL = (
    "WITH p AS (SELECT ST_GeomFromWKB(:wkb, 4326) AS g), hits AS ("
    + " UNION ALL ".join(_branch(t, z) for t, zones in ZONE_COLUMNS.items() for z in zones)
    + ") SELECT collection, id, name, kind, protection_level, zone, "
    "ST_Area(cut::geography) AS overlap_m2, ST_Area(zone_geom::geography) AS zone_m2, "
    "ST_AsGeoJSON(zone_geom, 7)::json AS zone_geometry, "
    "CASE WHEN ST_IsEmpty(ST_CollectionExtract(cut, 3)) THEN NULL "
    "ELSE ST_AsGeoJSON(ST_CollectionExtract(cut, 3), 7)::json END AS overlap_geometry "
    "FROM hits ORDER BY overlap_m2 DESC, collection, id, zone"
)


def zone_overlaps(conn: Connection, polygon: MultiPolygon) -> ZoneOverlaps:
    """Every memorial/cemetery zone a WGS-84 polygon intersects, with geodesic overlap and zone areas (m²) and
    both outlines as GeoJSON, largest overlap first; a zone only touched at its edge is listed with 0 m²."""
    wkb = shapely.to_wkb(polygon)
    polygon_m2 = conn.execute(
        text("SELECT ST_Area(ST_GeomFromWKB(:wkb, 4326)::geography)"), {"wkb": wkb}
    ).scalar_one()
    rows = conn.execute(text(_OVERLAPS_SQL), {"wkb": wkb})
    return ZoneOverlaps(float(polygon_m2), [ZoneOverlap(**r._mapping) for r in rows])


def _source_of(file_crs: object, declared: str | None) -> str:
    """The system to convert the file's coordinates from: the declared one, else the file's own, else WGS-84."""
    if declared:
        return declared
    if file_crs is None:
        return "WGS84"
    try:
        epsg = CRS.from_user_input(file_crs).to_epsg()
    except Exception:  # pyproj raises CRSError and friends for a system it cannot read
        epsg = None
    if epsg is None:
        raise InvalidInput(
            "the file's coordinate system is not one we can convert: save it in WGS-84 (EPSG:4326)",
            key="zone_file.crs",
        )
    return f"EPSG:{epsg}"


def read_polygon_file(path: Path, label: str, declared: str | None = None) -> MultiPolygon:
    """The union of the polygons of a GeoJSON, KML or zipped Shapefile as one valid WGS-84 MultiPolygon.

    ``declared`` (one of DECLARED_SOURCES) overrides the file's own coordinate system (a KML drawn on AMap is
    GCJ-02 whatever it says). InvalidInput, with a catalogue key, for a file of another kind, with no polygon, or
    unreadable; ``label`` (the upload's own name) names the file in messages.
    """
    if declared is not None and declared not in DECLARED_SOURCES:
        raise InvalidInput(
            f"unknown coordinate system {declared!r}; expected one of {', '.join(DECLARED_SOURCES)}",
            key="zone_file.unknown_crs",
            params={"crs": declared},
        )
    with path.open("rb") as f:
        head = f.read(512)

    fmt = detect_format(path, head, label)
    if fmt not in POLYGON_FILE_FORMATS:
        raise InvalidInput(
            f"{label} is not a GeoJSON, KML or zipped Shapefile",
            key="zone_file.format",
            params={"name": label},
        )
    table = read_file(path, fmt, label=label)
    parts: list[Polygon] = []
    for geom in table.geoms or []:
        if geom is None or geom.is_empty:
            continue
        geom = shapely.force_2d(geom)
        parts.extend(g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty)
    if not parts:
        raise InvalidInput(
            f"{label} holds no polygon: draw the construction area as a polygon",
            key="zone_file.no_polygon",
            params={"name": label},
        )
    source = _source_of(table.file_crs, declared)
    try:
        merged = transform_geometry(MultiPolygon(parts), source)
    except ValueError:
        raise InvalidInput(
            "the file's coordinates cannot be converted to WGS-84", key="zone_file.crs"
        ) from None
    polygon, _ = repair_polygonal(merged, label)
    union = shapely.union_all(list(polygon.geoms))
    minx, miny, maxx, maxy = union.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput(
            f"{label}: coordinates outside longitude/latitude range; declare the file's coordinate system",
            key="zone_file.range",
            params={"name": label},
        )
    return union if isinstance(union, MultiPolygon) else MultiPolygon([union])
