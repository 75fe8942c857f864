"""Administrative areas: lookup, listing, containment, bounds and outlines for maps (WGS-84 lon/lat degrees;
areas in square metres, geodesic). Every capability's maps (atlas, coverage, upkeep, public) take them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry import Point
from sqlalchemy import Connection, text

from geo import vocab
from geo.errors import InvalidInput, NotFound

# Sites may sit this far outside their declared area: the shipped boundaries are simplified.
AREA_TOLERANCE_M = 1000.0
# Simplification of unit shapes for display (degrees): about 100 m for counties and above, 10 m for villages.
_SIMPLIFY_DEG = {"province": 0.001, "city": 0.001, "county": 0.001, "township": 0.0003, "village": 0.0001}


@dataclass(frozen=True)
class AreaRef:
    """The identity of an area: code, level and name."""

    code: str
    level: str
    name: str

    @property
    def descendant_prefix(self) -> str:
        """Leading digits shared by the codes of this area and everything inside it."""
        return vocab.area_code_prefix(self.code, self.level)


@dataclass(frozen=True)
class Bounds:
    """A lon/lat box in WGS-84 degrees."""

    minx: float
    miny: float
    maxx: float
    maxy: float

    def as_tuple(self) -> tuple[float, float, float, float]:
        """The box as (minx, miny, maxx, maxy), degrees."""
        return (self.minx, self.miny, self.maxx, self.maxy)


def find_area(conn: Connection, code: str) -> AreaRef | None:
    """The area with this code, or None."""
    row = conn.execute(text("SELECT code, level, name FROM areas WHERE code = :c"), {"c": code}).first()
    return AreaRef(*row) if row else None


def require_area(conn: Connection, code: str, what: str = "area") -> AreaRef:
    """The area with this code; raises InvalidInput naming the unknown code."""
    area = find_area(conn, code)
    if area is None:
        raise InvalidInput(f"unknown {what} code {code!r}")
    return area


def existing_area(conn: Connection, code: AreaRef | str | None) -> AreaRef | None:
    """The area with this code, or as given when resolved before (None: all); NotFound if unknown."""
    if code is None or isinstance(code, AreaRef):
        return code
    area = find_area(conn, code)
    if area is None:
        raise NotFound(f"no area with code {code!r}")
    return area


def area_scope(conn: Connection, area: AreaRef | str | None) -> tuple[AreaRef | None, str]:
    """The area a query covers and its code prefix: (None, "") for all, an AreaRef as given, or by code.

    A code is looked up (InvalidInput when unknown); an area resolved before is used as it is, no query.
    """
    if area is None:
        return None, ""
    ref = area if isinstance(area, AreaRef) else require_area(conn, area)
    return ref, ref.descendant_prefix


_FEATURE_SQL = """
SELECT a.code, a.name, a.level, a.parent_code, p.name AS parent_name, a.population, a.synthetic,
       ST_AsGeoJSON(COALESCE(a.geom, a.point), 7)::json AS geometry,
       ST_Area(a.geom::geography) AS area_m2,
       (SELECT count(*) FROM areas c WHERE c.parent_code = a.code) AS children
FROM areas a LEFT JOIN areas p ON p.code = a.parent_code
"""


def _area_feature(row, with_geometry: bool = True) -> dict:
    props = {
        k: row._mapping[k] for k in ("code", "name", "level", "parent_code", "parent_name", "population")
    }
    props["synthetic"] = row.synthetic
    props["area_m2"] = round(row.area_m2, 1) if row.area_m2 is not None else None
    props["children"] = row.children
    geometry = row.geometry if with_geometry else None
    return {"type": "Feature", "id": row.code, "geometry": geometry, "properties": props}


def get_area(conn: Connection, code: str) -> dict:
    """One area as a GeoJSON Feature with level, parent and geodesic ``area_m2``."""
    row = conn.execute(text(_FEATURE_SQL + " WHERE a.code = :c"), {"c": code}).first()
    if row is None:
        raise NotFound(f"no area with code {code!r}")
    return _area_feature(row)


def list_areas(
    conn: Connection, level: str | None, parent: str | None, limit: int, offset: int, with_geometry: bool
) -> tuple[int, list[dict]]:
    """Areas filtered by level and parent code, ordered by code, with the total count."""
    where, params = ["TRUE"], {"limit": limit, "offset": offset}
    if level is not None:
        where.append("a.level = :level")
        params["level"] = level
    if parent is not None:
        require_area(conn, parent, "parent area")
        where.append("a.parent_code = :parent")
        params["parent"] = parent
    cond = " AND ".join(where)
    total = conn.execute(text(f"SELECT count(*) FROM areas a WHERE {cond}"), params).scalar_one()
    rows = conn.execute(
        text(f"{_FEATURE_SQL} WHERE {cond} ORDER BY a.code LIMIT :limit OFFSET :offset"), params
    )
    return total, [_area_feature(r, with_geometry) for r in rows]


def smallest_area_containing(conn: Connection, point: Point) -> AreaRef | None:
    """The most detailed area whose polygon covers the point (village before township before county)."""
    row = conn.execute(
        text(
            "SELECT code, level, name FROM areas "
            "WHERE geom IS NOT NULL AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) "
            "ORDER BY length(code) DESC, array_position(ARRAY['village','township','county','city','province'], "
            "level::text) LIMIT 1"
        ),
        {"x": point.x, "y": point.y},
    ).first()
    return AreaRef(*row) if row else None


def check_point_in_area(conn: Connection, point: Point, area: AreaRef) -> None:
    """Raise InvalidInput when the point lies more than AREA_TOLERANCE_M outside the area's polygon."""
    outside_m = conn.execute(
        text(
            "SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography) "
            "FROM areas WHERE code = :c AND geom IS NOT NULL"
        ),
        {"x": point.x, "y": point.y, "c": area.code},
    ).scalar()
    if outside_m is not None and outside_m > AREA_TOLERANCE_M:
        raise InvalidInput(
            f"the point ({point.x:.6f}, {point.y:.6f}) lies {outside_m / 1000:.1f} km outside area "
            f"{area.code} {area.name}"
        )


def area_outlines(conn: Connection, levels: tuple[str, ...]) -> dict:
    """Area outlines of the given levels as a GeoJSON FeatureCollection (for map context)."""
    rows = conn.execute(
        text(
            "SELECT code, name, level, ST_AsGeoJSON(geom, 5)::json AS g FROM areas "
            "WHERE geom IS NOT NULL AND level = ANY(:levels) ORDER BY code"
        ),
        {"levels": list(levels)},
    )
    features = [
        {
            "type": "Feature",
            "id": r.code,
            "geometry": r.g,
            "properties": {"code": r.code, "name": r.name, "level": r.level},
        }
        for r in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def atlas_bounds(conn: Connection) -> tuple[float, float, float, float] | None:
    """Bounding box (minx, miny, maxx, maxy, degrees) of all county-level areas, or None when empty."""
    row = conn.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            "FROM (SELECT ST_Extent(geom) AS e FROM areas WHERE level = 'county') s"
        )
    ).first()
    return None if row is None or row[0] is None else tuple(row)


def area_bounds(conn: Connection, area: AreaRef | None) -> Bounds | None:
    """The bounding box of an area (of the whole atlas when None); None when there is nothing to bound."""
    if area is None:
        box = atlas_bounds(conn)
        return Bounds(*box) if box else None
    row = conn.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            "(SELECT COALESCE(geom, point)::box2d AS e FROM areas WHERE code = :c) s"
        ),
        {"c": area.code},
    ).first()
    return None if row is None or row[0] is None else Bounds(*row)


def unit_shapes(conn: Connection, level: str, prefix: str) -> dict:
    """Areas of ``level`` whose code starts with ``prefix`` as GeoJSON (polygons, else their point), WGS-84."""
    rows = conn.execute(
        text(
            "SELECT code, name, level, population, ST_AsGeoJSON(COALESCE("
            "ST_SimplifyPreserveTopology(geom, :tol), point), 5)::json AS g "
            "FROM areas WHERE level = :level AND code LIKE :prefix ORDER BY code"
        ),
        {"level": level, "prefix": prefix + "%", "tol": _SIMPLIFY_DEG.get(level, 0.0001)},
    )
    features = [
        {
            "type": "Feature",
            "id": r.code,
            "geometry": r.g,
            "properties": {"code": r.code, "name": r.name, "level": r.level, "population": r.population},
        }
        for r in rows
    ]
    return {"type": "FeatureCollection", "features": features}
