"""OGC API – Features Part 4 (create, replace, update, delete) on the site collections: reading what clients send.

QGIS 3.32+ edits an OAPIF layer when ``OPTIONS`` names the methods: it POSTs a GeoJSON Feature (``Content-Crs``
when the layer is not in CRS84; axes in that CRS's order), rereads ``/items/{id}`` named by the ``Location``
header, PATCHes ``application/merge-patch+json`` with only the changed properties or only the geometry, PUTs a
whole feature, and DELETEs; it sends no ``If-Match``. So a write without a version applies to the feature as it
stands (the row locked; the change merged field by field), and a write with ``If-Match`` (or a ``version``
property, as a feature read back carries) is refused when stale. Properties a client read but cannot write
(``id``, ``version``, ``area_name``, times, counts) are ignored; an unknown property name is refused.

The writes themselves are the JSON API's (geo/atlas/sites.py through geo/accounts/audit.py): the same rights,
area rules, field checks, versions and audit log. Areas are not editable here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from pyproj import Transformer
from shapely.geometry import Point
from sqlalchemy import Connection, select

from geo.atlas.collections import COLLECTIONS, CollectionSpec
from geo.errors import InvalidInput, NotFound
from geo.kit.geometry import parse_point
from geo.ogc.features import Crs, feature_sources, parse_feature_id, require_source

EDITABLE_COLLECTIONS = tuple(COLLECTIONS)
"""The collections a client may write: the four site collections (not ``areas``)."""
ITEM_METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE")
ITEMS_METHODS = ("GET", "HEAD", "OPTIONS", "POST")


@dataclass(frozen=True)
class FeatureInput:
    """What a written feature asks for: writable properties, the point in WGS-84 (None: unchanged), the version
    its properties carried (None: none)."""

    properties: dict[str, Any]
    point: Point | None
    version: int | None


def editable_spec(collection_id: str) -> CollectionSpec:
    """The site collection a client may write, or NotFound (unknown) / InvalidInput (``areas``)."""
    require_source(collection_id)  # NotFound naming the collections
    spec = COLLECTIONS.get(collection_id)
    if spec is None:
        raise InvalidInput(
            f"{collection_id} cannot be edited here; editable collections: {', '.join(EDITABLE_COLLECTIONS)}",
            key="ogc.not_editable",
            params={"collection": collection_id, "editable": ", ".join(EDITABLE_COLLECTIONS)},
        )
    return spec


def site_id_of(collection_id: str, feature_id: str) -> int:
    """The integer id of a site feature named in a URL; NotFound when it cannot be one."""
    return int(parse_feature_id(require_source(collection_id), feature_id))


@cache
def _to_wgs84(srid: int) -> Transformer:
    return Transformer.from_crs(f"EPSG:{srid}", "EPSG:4326", always_xy=True)


def point_from(geometry: Any, crs: Crs) -> Point:
    """A GeoJSON Point given in ``crs`` (its axis order) as a WGS-84 lon/lat point; InvalidInput with a reason."""
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        found = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        raise InvalidInput(
            f"geometry must be a GeoJSON Point (a site is a point), got {found!r}",
            key="ogc.geometry_not_point",
            params={"found": str(found)},
        )
    coords = geometry.get("coordinates")
    if (
        not isinstance(coords, list)
        or len(coords) not in (2, 3)
        or not all(
            isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in coords
        )
    ):
        raise InvalidInput(
            "geometry coordinates must be two (or three) finite numbers",
            key="ogc.geometry_coordinates",
        )
    first, second = float(coords[0]), float(coords[1])
    lo1, lo2, hi1, hi2 = crs.bounds
    if not (lo1 <= first <= hi1 and lo2 <= second <= hi2):
        raise InvalidInput(
            f"geometry coordinates outside the valid range of {crs.label} ({crs.describe_bounds()})",
            key="ogc.geometry_range",
            params={"crs": crs.label, "bounds": crs.describe_bounds()},
        )
    if crs.srid != 4326:
        lon, lat = _to_wgs84(crs.srid).transform(first, second)
    elif crs.lat_first:
        lon, lat = second, first
    else:
        lon, lat = first, second
    return parse_point({"type": "Point", "coordinates": [lon, lat]}, "geometry")


def _writable(spec: CollectionSpec) -> set[str]:
    return set(spec.fields.model_fields)


def _polygonal(spec: CollectionSpec) -> set[str]:
    source = feature_sources()[spec.name]
    return {p.name for p in source.properties if p.kind == "geometry"}


def feature_input(spec: CollectionSpec, body: Any, crs: Crs, *, partial: bool) -> FeatureInput:
    """Read a GeoJSON Feature (``partial``: a merge patch, each part optional) for ``spec``; InvalidInput."""
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a GeoJSON Feature object", key="ogc.not_a_feature")
    kind = body.get("type", "Feature" if partial else None)
    if kind != "Feature":
        raise InvalidInput(
            f"the body must be a GeoJSON Feature, got type {kind!r}",
            key="ogc.not_a_feature_type",
            params={"found": str(kind)},
        )
    geometry = body.get("geometry")
    if geometry is None and not partial:
        raise InvalidInput("a site needs its point: geometry is required", key="ogc.geometry_required")
    point = None if geometry is None else point_from(geometry, crs)
    raw = body.get("properties") or {}
    if not isinstance(raw, dict):
        raise InvalidInput("properties must be an object", key="ogc.properties_not_object")
    known = {p.name for p in feature_sources()[spec.name].properties} | {"id"}
    writable, polygonal = _writable(spec), _polygonal(spec)
    unknown = sorted(name for name in raw if name not in known)
    if unknown:
        raise InvalidInput(
            f"unknown property {unknown[0]!r} of {spec.name}",
            key="ogc.unknown_property",
            params={"name": unknown[0], "collection": spec.name},
        )
    properties: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in writable:
            continue  # read-only (id, version, area_name, times, upkeep counts): what a client read back
        if name in polygonal and isinstance(value, str) and value.strip():
            try:
                value = json.loads(value)  # clients write back the JSON text they read
            except ValueError:
                raise InvalidInput(
                    f"{name} must be a GeoJSON Polygon or MultiPolygon",
                    key="ogc.polygon_text",
                    params={"name": name},
                ) from None
        properties[name] = value
    version = raw.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
        raise InvalidInput("version must be a positive integer", key="ogc.bad_version")
    return FeatureInput(properties, point, version)


def replacement(spec: CollectionSpec, given: dict[str, Any], readable: set[str]) -> dict[str, Any]:
    """A PUT's changes: every writable property the caller can read, absent ones back to their default (or
    cleared); properties the caller cannot read are kept as they are."""
    changes: dict[str, Any] = {}
    for name, field in spec.fields.model_fields.items():
        if name in given:
            changes[name] = given[name]
        elif name in readable:
            changes[name] = None if field.is_required() else field.get_default(call_default_factory=True)
    return changes


def lock_version(conn: Connection, spec: CollectionSpec, site_id: int) -> int:
    """Lock a site's row until the transaction ends and return its version as it stands; NotFound when none.

    One statement instead of a lock and then a read (geo/atlas/sites.py lock_site): a write without a
    precondition (QGIS sends none) applies to this version.
    """
    table = spec.model.__table__
    version = conn.execute(select(table.c.version).where(table.c.id == site_id).with_for_update()).scalar()
    if version is None:
        raise NotFound(f"no {spec.name} feature {site_id}")
    return int(version)
