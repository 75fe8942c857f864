"""A construction polygon read from an uploaded file (GeoJSON, KML or zipped Shapefile) for the protection-zone
check (geo/atlas/zone_check.py): the union of its polygons as one valid WGS-84 MultiPolygon."""

from __future__ import annotations

from pathlib import Path

import shapely
from pyproj import CRS
from shapely.geometry import MultiPolygon, Polygon

from geo.errors import InvalidInput
from geo.importing.coords import repair_polygonal
from geo.importing.readers import detect_format, read_file
from geo.kit.crs import transform_geometry

POLYGON_FILE_FORMATS = ("geojson", "kml", "shp")
"""The upload formats a construction polygon is read from (``shp``: a zipped Shapefile)."""

MAX_POLYGON_FILE_BYTES = 20 * 1024 * 1024
"""Largest construction-polygon file accepted (bytes): a few polygons, never a register."""

DECLARED_SOURCES = ("WGS84", "CGCS2000", "GCJ02", "BD09")
"""Coordinate systems a person may declare for a file that does not say its own (AMap drawings are GCJ-02)."""


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
