"""The protection-zone check drawn on a map: every memorial or cemetery zone a proposed construction polygon
overlaps, with the zone's outline and the overlap itself as GeoJSON (a polygon uploaded as a file is read by
geo/importing/polygon_file.py).

Coordinates in and out are WGS-84 (EPSG:4326) longitude/latitude degrees; areas are geodesic square metres on the
WGS-84 ellipsoid (PostGIS ``geography``: ``ST_Area(ST_Intersection(zone, polygon)::geography)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPolygon
from sqlalchemy import Connection, text

ZONE_COLUMNS: dict[str, tuple[str, ...]] = {
    "memorials": ("protection_zone", "control_zone"),
    "cemeteries": ("protection_zone", "control_zone"),
}
"""The zone columns checked, per collection: protection range (保护范围) and construction-control zone (建设控制地带)."""


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
