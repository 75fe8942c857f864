"""GeoJSON geometry parsing and validation (WGS-84 degrees), with reasons a person can act on."""

from __future__ import annotations

import math
from typing import Annotated, Any

import shapely
from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from shapely.geometry import MultiPolygon, Point, Polygon, mapping
from shapely.validation import explain_validity

from geo.errors import InvalidInput


def _position(value: Any, where: str) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        raise InvalidInput(f"{where}: a position is [longitude, latitude], got {value!r}")
    lon, lat = value[0], value[1]
    for name, v in (("longitude", lon), ("latitude", lat)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise InvalidInput(f"{where}: {name} must be a finite number, got {v!r}")
    if not -180 <= lon <= 180:
        raise InvalidInput(f"{where}: longitude {lon} is outside [-180, 180]")
    if not -90 <= lat <= 90:
        raise InvalidInput(f"{where}: latitude {lat} is outside [-90, 90]")
    return float(lon), float(lat)


def _geometry_type(value: Any, allowed: tuple[str, ...], where: str) -> str:
    if isinstance(value, Point | Polygon | MultiPolygon):
        return value.geom_type
    if not isinstance(value, dict) or "type" not in value or "coordinates" not in value:
        raise InvalidInput(f"{where}: expected a GeoJSON geometry object with 'type' and 'coordinates'")
    if value["type"] not in allowed:
        raise InvalidInput(f"{where}: geometry type must be {' or '.join(allowed)}, got {value['type']!r}")
    return value["type"]


def parse_point(value: Any, where: str = "geometry") -> Point:
    """A GeoJSON Point (WGS-84 degrees) as a shapely Point; raises InvalidInput with the reason."""
    if isinstance(value, Point):
        return value
    _geometry_type(value, ("Point",), where)
    return Point(_position(value["coordinates"], where))


def _ring(coords: Any, where: str) -> list[tuple[float, float]]:
    if not isinstance(coords, list | tuple):
        raise InvalidInput(f"{where}: a ring is a list of positions")
    ring = [_position(p, where) for p in coords]
    if len(ring) < 4:
        raise InvalidInput(f"{where}: a ring needs at least 4 positions, got {len(ring)}")
    if ring[0] != ring[-1]:
        raise InvalidInput(f"{where}: the ring does not close (first position {ring[0]} != last {ring[-1]})")
    return ring


def _polygon(rings: Any, where: str) -> Polygon:
    if not isinstance(rings, list | tuple) or not rings:
        raise InvalidInput(f"{where}: a polygon is a non-empty list of rings")
    shell, *holes = (_ring(r, f"{where} ring {i}") for i, r in enumerate(rings))
    return Polygon(shell, holes)


def parse_polygonal(value: Any, where: str = "geometry") -> MultiPolygon:
    """A GeoJSON Polygon or MultiPolygon (WGS-84) as a valid shapely MultiPolygon; raises InvalidInput."""
    if isinstance(value, MultiPolygon):
        geom = value
    elif isinstance(value, Polygon):
        geom = MultiPolygon([value])
    else:
        kind = _geometry_type(value, ("Polygon", "MultiPolygon"), where)
        coords = value["coordinates"]
        if kind == "Polygon":
            geom = MultiPolygon([_polygon(coords, where)])
        else:
            if not isinstance(coords, list | tuple) or not coords:
                raise InvalidInput(f"{where}: a MultiPolygon is a non-empty list of polygons")
            geom = MultiPolygon([_polygon(p, f"{where} polygon {i}") for i, p in enumerate(coords)])
    if not geom.is_valid:
        raise InvalidInput(f"{where}: invalid polygon ({explain_validity(geom)})")
    if geom.area == 0:
        raise InvalidInput(f"{where}: the polygon has no area")
    return geom


def to_geojson(geom: shapely.Geometry | None) -> dict | None:
    """A shapely geometry as a GeoJSON dict (None stays None)."""
    return None if geom is None else mapping(geom)


_POINT_SCHEMA = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"type": "string", "enum": ["Point"]},
        "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3},
    },
    "description": "GeoJSON Point, WGS-84 [longitude, latitude]",
}
_POLYGONAL_SCHEMA = {
    "type": "object",
    "required": ["type", "coordinates"],
    "properties": {
        "type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
        "coordinates": {"type": "array", "items": {"type": "array"}},
    },
    "description": "GeoJSON Polygon or MultiPolygon, WGS-84; rings closed, valid, non-empty",
}


def _pydantic_point(value: Any) -> Point:
    try:
        return parse_point(value, "point")
    except InvalidInput as exc:
        raise ValueError(exc.message) from exc


def _pydantic_polygonal(value: Any) -> MultiPolygon:
    try:
        return parse_polygonal(value, "polygon")
    except InvalidInput as exc:
        raise ValueError(exc.message) from exc


GeoPoint = Annotated[
    Point,
    PlainValidator(_pydantic_point),
    PlainSerializer(to_geojson, return_type=dict),
    WithJsonSchema(_POINT_SCHEMA),
]
"""A pydantic field type: GeoJSON Point in, shapely Point inside, GeoJSON out."""

GeoPolygonal = Annotated[
    MultiPolygon,
    PlainValidator(_pydantic_polygonal),
    PlainSerializer(to_geojson, return_type=dict),
    WithJsonSchema(_POLYGONAL_SCHEMA),
]
"""A pydantic field type: GeoJSON (Multi)Polygon in, shapely MultiPolygon inside, GeoJSON out."""
