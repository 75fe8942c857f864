"""Spatial questions on the atlas: nearest sites, sites within a circle, box, polygon or area, the areas
that contain a point, and protection-zone checks.

Coordinates in and out are WGS-84 (EPSG:4326) longitude/latitude degrees, as stored. Every distance is
a geodesic distance in metres and every area a geodesic area in square metres on the WGS-84 ellipsoid
(PostGIS ``geography``). Degree-space bounding boxes are only ever used as index prefilters, and each one
is built to be provably conservative (see ``geodesic_envelopes``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import shapely
from geoalchemy2 import Geography
from shapely.geometry import MultiPolygon, Point
from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    LargeBinary,
    Select,
    between,
    cast,
    func,
    literal,
    or_,
    select,
    text,
)

from geo.atlas.areas import AreaRef
from geo.atlas.collections import COLLECTIONS, CollectionSpec
from geo.atlas.sites import (
    SiteFilter,
    SitePage,
    check_site_filter,
    site_conditions,
    site_feature,
    site_select,
    site_table,
)
from geo.errors import InvalidInput, NotFound
from geo.kit.geometry import parse_polygonal
from geo.principal import PUBLIC, Principal

MAX_RADIUS_M = 500_000.0
"""Largest radius (metres) of a radius query: 500 km, several prefectures; wider questions are batch work."""

MAX_NEAREST = 500
"""Largest k of a nearest-sites query."""

# WGS-84 ellipsoid: semi-major axis (m) and first eccentricity squared.
_A = 6_378_137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
# Smallest meridional radius of curvature M(φ) = a(1-e²)/(1-e² sin²φ)^1.5, reached at the equator (m).
_M_MIN = _A * (1 - _E2)
# Relative and absolute slack added to every radius before it becomes degrees (floating-point safety).
_REL_SLACK = 1e-9
_ABS_SLACK_M = 1e-3

_PROTECTED = ("memorials", "cemeteries")
_ZONES = ("protection_zone", "control_zone")


@dataclass(frozen=True)
class Circle:
    """A geodesic disc: centre in WGS-84 degrees and radius in metres (edge included)."""

    centre: Point
    radius_m: float


@dataclass(frozen=True)
class BBox:
    """A longitude/latitude box in WGS-84 degrees (minx, miny, maxx, maxy); edges included."""

    minx: float
    miny: float
    maxx: float
    maxy: float


Region = Circle | BBox | MultiPolygon


@dataclass(frozen=True)
class ZoneHit:
    """One protection or construction-control zone that a proposed polygon overlaps (areas in m², geodesic)."""

    collection: str
    id: int
    name: str
    kind: str
    protection_level: str
    zone: str
    overlap_m2: float
    zone_m2: float


@dataclass(frozen=True)
class ZoneCheck:
    """The result of a protection-zone check: the polygon's geodesic area (m²) and every zone it overlaps."""

    polygon_m2: float
    hits: list[ZoneHit]


# ---------------------------------------------------------------------------------------------- input


def site_collection(name: str) -> CollectionSpec:
    """The site collection with this name; raises NotFound naming the four that exist."""
    spec = COLLECTIONS.get(name)
    if spec is None:
        raise NotFound(f"unknown collection {name!r}; expected one of: {', '.join(COLLECTIONS)}")
    return spec


def _finite(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{what} must be a finite number, got {value!r}")
    return float(value)


def position(lon: float, lat: float) -> Point:
    """A WGS-84 point from longitude and latitude in degrees; raises InvalidInput when out of range."""
    lon, lat = _finite(lon, "lon"), _finite(lat, "lat")
    if not -180 <= lon <= 180:
        raise InvalidInput(f"lon {lon} is outside [-180, 180]")
    if not -90 <= lat <= 90:
        raise InvalidInput(f"lat {lat} is outside [-90, 90]")
    return Point(lon, lat)


def circle(lon: float, lat: float, radius_m: float) -> Circle:
    """A geodesic disc around (lon, lat) degrees with a radius in metres, 0 < radius_m ≤ MAX_RADIUS_M."""
    radius_m = _finite(radius_m, "radius_m")
    if radius_m <= 0:
        raise InvalidInput(f"radius_m must be greater than 0, got {radius_m:g}")
    if radius_m > MAX_RADIUS_M:
        raise InvalidInput(f"radius_m {radius_m:g} is over the maximum of {MAX_RADIUS_M:g} m (500 km)")
    return Circle(position(lon, lat), radius_m)


def parse_bbox(value: str) -> BBox:
    """A bbox from 'minx,miny,maxx,maxy' (WGS-84 degrees); InvalidInput if malformed, out of range, inverted."""
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 4:
        raise InvalidInput(
            f"bbox needs 4 comma-separated numbers minx,miny,maxx,maxy; got {len(parts)} values"
        )
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise InvalidInput(f"bbox values must be numbers, got {value!r}") from None
    names = ("minx", "miny", "maxx", "maxy")
    for name, v in zip(names, numbers, strict=True):
        lo, hi = (-180, 180) if name.endswith("x") else (-90, 90)
        if not math.isfinite(v) or not lo <= v <= hi:
            raise InvalidInput(f"bbox {name} {v:g} is outside [{lo}, {hi}]")
    minx, miny, maxx, maxy = numbers
    if minx > maxx:
        raise InvalidInput(
            f"bbox is inverted: minx {minx:g} > maxx {maxx:g} (boxes across 180° are not supported)"
        )
    if miny > maxy:
        raise InvalidInput(f"bbox is inverted: miny {miny:g} > maxy {maxy:g}")
    return BBox(minx, miny, maxx, maxy)


def parse_polygonal_body(value: Any) -> MultiPolygon:
    """A GeoJSON Polygon/MultiPolygon geometry, or a Feature holding one, as a valid WGS-84 MultiPolygon."""
    if isinstance(value, dict) and value.get("type") == "Feature":
        geometry = value.get("geometry")
        if geometry is None:
            raise InvalidInput("the Feature has no geometry; give a Polygon or MultiPolygon")
        return parse_polygonal(geometry, "geometry")
    if isinstance(value, dict) and value.get("type") == "FeatureCollection":
        raise InvalidInput(
            "send one Polygon or MultiPolygon geometry, or one Feature, not a FeatureCollection"
        )
    return parse_polygonal(value, "geometry")


def region_from_query(
    lon: float | None, lat: float | None, radius_m: float | None, bbox: str | None
) -> Circle | BBox | None:
    """The region of a GET query: a circle (lon, lat, radius_m in metres), a bbox, or None for neither."""
    circle_parts = {"lon": lon, "lat": lat, "radius_m": radius_m}
    given = [k for k, v in circle_parts.items() if v is not None]
    if given and bbox is not None:
        raise InvalidInput("give either bbox or lon, lat and radius_m, not both")
    if bbox is not None:
        return parse_bbox(bbox)
    if not given:
        return None
    if len(given) < 3:
        missing = [k for k in circle_parts if k not in given]
        raise InvalidInput(f"a radius query needs lon, lat and radius_m; missing {', '.join(missing)}")
    return circle(lon, lat, radius_m)  # type: ignore[arg-type]


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_NEAREST:
        raise InvalidInput(f"k must be a whole number from 1 to {MAX_NEAREST}, got {k!r}")
    return k


# ------------------------------------------------------------------------------- degree-space bounds
#
# Along any path on the ellipsoid ds² = M(φ)² dφ² + N(φ)² cos²φ dλ², with M(φ) ≥ M_MIN and N(φ) ≥ a.
# A point within geodesic distance r of the centre is reached by a path of length ≤ r, all of whose points
# are also within r of the centre, so along it |Δφ| ≤ r / M_MIN and |φ| ≤ φmax = |φ0| + r / M_MIN. On that
# band the flat metric M_MIN² dφ² + (a cos φmax)² dλ² is nowhere longer than the true one, and in a flat
# metric the straight line is shortest, hence  M_MIN² Δφ² + (a cos φmax)² Δλ² ≤ r²  (radians).
# That ellipse gives both the box below and the degree radius in ``degree_reach``.


def _slack(radius_m: float) -> float:
    return radius_m * (1 + _REL_SLACK) + _ABS_SLACK_M


def geodesic_envelopes(centre: Point, radius_m: float) -> list[tuple[float, float, float, float]]:
    """Lon/lat boxes (degrees; two across ±180°) covering every point within radius_m geodesic metres."""
    r = _slack(radius_m)
    dlat = math.degrees(r / _M_MIN)
    miny, maxy = max(-90.0, centre.y - dlat), min(90.0, centre.y + dlat)
    top = abs(centre.y) + dlat
    if top >= 90:
        return [(-180.0, miny, 180.0, maxy)]
    dlon = math.degrees(r / (_A * math.cos(math.radians(top))))
    if dlon >= 180:
        return [(-180.0, miny, 180.0, maxy)]
    west, east = centre.x - dlon, centre.x + dlon
    # a box touching ±180° is split too: the same meridian may be stored as -180 or 180
    if west <= -180:
        return [(-180.0, miny, east, maxy), (west + 360, miny, 180.0, maxy)]
    if east >= 180:
        return [(west, miny, 180.0, maxy), (-180.0, miny, east - 360, maxy)]
    return [(west, miny, east, maxy)]


def degree_reach(centre: Point, radius_m: float) -> float:
    """Bound (degrees, as `<->` measures on EPSG:4326) on points within radius_m geodesic metres; inf if none."""
    r = _slack(radius_m)
    top = abs(centre.y) + math.degrees(r / _M_MIN)
    if top >= 90:
        return math.inf
    parallel = _A * math.cos(math.radians(top))
    dlon = math.degrees(r / parallel)
    if centre.x - dlon <= -180 or centre.x + dlon >= 180:
        return math.inf
    return math.degrees(r / min(_M_MIN, parallel))


# ------------------------------------------------------------------------------------------ queries


def _point_sql(point: Point) -> ColumnElement:
    return func.ST_SetSRID(func.ST_MakePoint(literal(point.x, Float), literal(point.y, Float)), 4326)


def _geodesic_distance(spec: CollectionSpec, point: Point) -> ColumnElement:
    return func.ST_Distance(cast(site_table(spec).c.geom, Geography), cast(_point_sql(point), Geography))


def _envelope_sql(box: tuple[float, float, float, float]) -> ColumnElement:
    return func.ST_MakeEnvelope(*(literal(v, Float) for v in box), 4326)


def _in_envelopes(spec: CollectionSpec, boxes: list[tuple[float, float, float, float]]) -> ColumnElement:
    geom = site_table(spec).c.geom
    return or_(*(geom.op("&&")(_envelope_sql(b)) for b in boxes))


def _wkb_sql(geom: shapely.Geometry) -> ColumnElement:
    return func.ST_GeomFromWKB(literal(shapely.to_wkb(geom), LargeBinary), 4326)


def _region_conditions(spec: CollectionSpec, region: Region | None) -> list[ColumnElement]:
    geom = site_table(spec).c.geom
    if region is None:
        return []
    if isinstance(region, Circle):
        within = func.ST_DWithin(
            cast(geom, Geography), cast(_point_sql(region.centre), Geography), literal(region.radius_m, Float)
        )
        return [_in_envelopes(spec, geodesic_envelopes(region.centre, region.radius_m)), within]
    if isinstance(region, BBox):
        box = (region.minx, region.miny, region.maxx, region.maxy)
        # the index compares float32 boxes (rounded outwards): the exact test is on the coordinates
        return [
            geom.op("&&")(_envelope_sql(box)),
            between(func.ST_X(geom), literal(region.minx, Float), literal(region.maxx, Float)),
            between(func.ST_Y(geom), literal(region.miny, Float), literal(region.maxy, Float)),
        ]
    return [func.ST_Intersects(geom, _wkb_sql(region))]


def _conditions(conn: Connection, spec: CollectionSpec, flt: SiteFilter) -> list[ColumnElement]:
    check_site_filter(spec, flt)
    return site_conditions(conn, spec, flt)


def _knn_candidates(spec: CollectionSpec, point: Point, conds: list, fetch: int) -> Select:
    table = site_table(spec)
    degrees = table.c.geom.op("<->", return_type=Float)(_point_sql(point))
    return (
        select(table.c.id, degrees.label("degrees"), _geodesic_distance(spec, point).label("distance_m"))
        .where(*conds)
        .order_by(degrees)
        .limit(fetch)
    )


def _nearest_in_envelopes(spec: CollectionSpec, point: Point, conds: list, radius_m: float, k: int) -> Select:
    table = site_table(spec)
    distance = _geodesic_distance(spec, point)
    return (
        select(table.c.id, distance.label("distance_m"))
        .where(_in_envelopes(spec, geodesic_envelopes(point, radius_m)), *conds)
        .order_by(distance, table.c.id)
        .limit(k)
    )


def nearest_sites(
    conn: Connection,
    spec: CollectionSpec,
    point: Point,
    k: int,
    flt: SiteFilter | None = None,
    reader: Principal = PUBLIC,
) -> list[dict]:
    """The k sites nearest a WGS-84 point as Features with distance_m (geodesic metres), nearest first, with the
    properties ``reader`` may read (geo/atlas/field_policy.py)."""
    # Candidates come from the GiST index in `<->` (degree) order and are re-ranked by geodesic distance.
    # Degree order is not geodesic order, so they are accepted only when every point within the k-th
    # geodesic distance D is provably among them (degree_reach(D) below the last candidate's degree
    # distance); otherwise every site in the conservative box of radius D is ranked instead. Ties by id.
    _check_k(k)
    conds = _conditions(conn, spec, flt or SiteFilter())
    fetch = 2 * k + 8
    rows = conn.execute(_knn_candidates(spec, point, conds, fetch)).all()
    ranked = sorted(rows, key=lambda r: (r.distance_m, r.id))[:k]
    if len(rows) == fetch:
        kth = ranked[-1].distance_m
        if degree_reach(point, kth) >= rows[-1].degrees:
            ranked = conn.execute(_nearest_in_envelopes(spec, point, conds, kth, k)).all()
    return _features_with_distance(conn, spec, [(r.id, r.distance_m) for r in ranked], reader)


def _features_with_distance(
    conn: Connection, spec: CollectionSpec, ranked: list[tuple[int, float]], reader: Principal
) -> list[dict]:
    if not ranked:
        return []
    table = site_table(spec)
    rows = conn.execute(site_select(spec, reader).where(table.c.id.in_([i for i, _ in ranked])))
    by_id = {f["id"]: f for f in (site_feature(r, spec.name) for r in rows)}
    features = []
    for site_id, distance in ranked:
        feature = by_id[site_id]
        feature["properties"]["distance_m"] = distance
        features.append(feature)
    return features


def sites_within(
    conn: Connection,
    spec: CollectionSpec,
    region: Region | None,
    flt: SiteFilter,
    limit: int,
    offset: int,
    reader: Principal = PUBLIC,
) -> SitePage:
    """A page of sites in a WGS-84 region and/or area, properties as ``reader`` may read them; circles sorted by
    geodesic distance_m (metres)."""
    # Other regions sort by id. Polygon edges are straight in lon/lat, as GeoJSON says.
    if region is None and flt.area is None:
        raise InvalidInput("give a region: lon, lat and radius_m; or bbox; or a polygon; or an area code")
    conds = [*_conditions(conn, spec, flt), *_region_conditions(spec, region)]
    table = site_table(spec)
    total = conn.execute(select(func.count()).select_from(table).where(*conds)).scalar_one()
    query = site_select(spec, reader).where(*conds)
    if isinstance(region, Circle):
        distance = _geodesic_distance(spec, region.centre)
        query = query.add_columns(distance.label("distance_m")).order_by(distance, table.c.id)
    else:
        query = query.order_by(table.c.id)
    rows = conn.execute(query.limit(limit).offset(offset))
    return SitePage(total, [site_feature(r, spec.name) for r in rows])


def _explain(conn: Connection, statement: Select) -> str:
    compiled = statement.compile(dialect=conn.dialect)
    rows = conn.exec_driver_sql(f"EXPLAIN {compiled.string}", compiled.params)
    return "\n".join(r[0] for r in rows)


def nearest_query_plan(
    conn: Connection, spec: CollectionSpec, point: Point, k: int, flt: SiteFilter | None = None
) -> str:
    """PostgreSQL's plan (EXPLAIN text) of the index-ordered candidate query behind ``nearest_sites``."""
    conds = _conditions(conn, spec, flt or SiteFilter())
    return _explain(conn, _knn_candidates(spec, point, conds, 2 * _check_k(k) + 8))


def within_query_plan(conn: Connection, spec: CollectionSpec, region: Region, flt: SiteFilter) -> str:
    """PostgreSQL's plan (EXPLAIN text) of the page query behind ``sites_within`` for a region."""
    conds = [*_conditions(conn, spec, flt), *_region_conditions(spec, region)]
    return _explain(conn, select(site_table(spec).c.id).where(*conds))


# ------------------------------------------------------------------------------ areas and zones

_LEVEL_ORDER = "array_position(ARRAY['province','city','county','township','village'], level::text)"


def areas_containing(conn: Connection, point: Point) -> list[AreaRef]:
    """Areas whose polygon covers the WGS-84 point (edges included), province first, village last."""
    # A point on a shared edge lies in both neighbours; villages stored as points only cover nothing.
    rows = conn.execute(
        text(
            "SELECT code, level, name FROM areas "
            "WHERE geom IS NOT NULL AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) "
            f"ORDER BY {_LEVEL_ORDER}, code"
        ),
        {"x": point.x, "y": point.y},
    )
    return [AreaRef(*r) for r in rows]


def _zone_branch(table: str, zone: str) -> str:
    return (
        f"SELECT '{table}' AS collection, id, name, kind, protection_level, '{zone}' AS zone, "
        f"ST_Area(ST_Intersection({zone}, ST_GeomFromWKB(:wkb, 4326))::geography) AS overlap_m2, "
        f"ST_Area({zone}::geography) AS zone_m2 "
        f"FROM {table} WHERE ST_Intersects({zone}, ST_GeomFromWKB(:wkb, 4326))"
    )


_ZONE_CHECK_SQL = (
    " UNION ALL ".join(_zone_branch(t, z) for t in _PROTECTED for z in _ZONES)
    + " ORDER BY overlap_m2 DESC, collection, id, zone"
)


def check_protection_zones(conn: Connection, polygon: MultiPolygon) -> ZoneCheck:
    """Memorial/cemetery zones a WGS-84 polygon intersects, with geodesic overlap m², largest first."""
    # A zone the polygon only touches is listed, with 0 m².
    wkb = shapely.to_wkb(polygon)
    polygon_m2 = conn.execute(
        text("SELECT ST_Area(ST_GeomFromWKB(:wkb, 4326)::geography)"), {"wkb": wkb}
    ).scalar_one()
    rows = conn.execute(text(_ZONE_CHECK_SQL), {"wkb": wkb})
    return ZoneCheck(polygon_m2, [ZoneHit(**r._mapping) for r in rows])
