"""What a site's public page shows beside the site itself (issue 22, after CWGC's cemetery pages): the area path
(province → … → village) of its area, the memorials and cemeteries nearby, the martyrs at it (paged), its public
photos, and for a grave the cemetery it lies in.

Only what the public may read: public photos (geo/upkeep/photos.py, public principal), published martyr records
(their public summary, geo/public/search.py ``martyr_summary``). Positions are WGS-84 (EPSG:4326) degrees;
distances are geodesic metres on the WGS-84 ellipsoid (geography), never degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from geo.errors import InvalidInput
from geo.principal import PUBLIC
from geo.public.search import MARTYR_SUMMARY, martyr_summary
from geo.upkeep.photos import PhotoFilter, list_photos

PAGE_COLLECTIONS = ("memorials", "cemeteries", "graves")
"""Collections with a public page of each site (/sites/{collection}/{id})."""
NEARBY_COLLECTIONS = ("memorials", "cemeteries")
"""What "nearby" lists: the places a visitor may also go to (not single graves)."""
NEARBY_RADIUS_M = 30_000.0
NEARBY_LIMIT = 6
MARTYRS_PAGE = 50
PHOTOS_LIMIT = 12
_MAX_OFFSET = 100_000
_METRES_PER_DEGREE = 111_320.0  # one degree of latitude, and of longitude at the equator (for the index box)

_MARTYRS_AT = {
    "graves": "SELECT m.id FROM martyrs m WHERE m.grave_id = :id",
    # two index lookups (martyrs.cemetery_id; graves.cemetery_id then martyrs.grave_id): an OR of the two would
    # scan every martyr record
    "cemeteries": (
        "SELECT m.id FROM martyrs m WHERE m.cemetery_id = :id"
        " UNION SELECT m.id FROM graves g JOIN martyrs m ON m.grave_id = g.id WHERE g.cemetery_id = :id"
    ),
    "memorials": "SELECT m.id FROM martyrs m WHERE m.memorial_id = :id",
}


@dataclass(frozen=True)
class AreaStep:
    """One level of an area path: the area's code, name and level (province, city, county, township, village)."""

    code: str
    name: str
    level: str


@dataclass(frozen=True)
class NearbySite:
    """A memorial or cemetery near a place: where (WGS-84 degrees) and how far (geodesic metres)."""

    collection: str
    id: int
    name: str
    kind: str | None
    lon: float
    lat: float
    distance_m: float


@dataclass(frozen=True)
class MartyrsAt:
    """One page of the martyrs at a site (summaries, by grave position then pinyin) and how many there are."""

    total: int
    offset: int
    limit: int
    items: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class CemeteryRef:
    """The cemetery a grave lies in: its id, name and boundary (GeoJSON, WGS-84; None when not drawn)."""

    id: int
    name: str
    boundary: dict | None = None


@dataclass(frozen=True)
class SiteDetails:
    """Everything a site's public page shows beside the site's own public feature."""

    area_path: list[AreaStep]
    nearby: list[NearbySite]
    martyrs: MartyrsAt
    photos: list[dict]
    cemetery: CemeteryRef | None = None


_AREA_PATH = """
WITH RECURSIVE up AS (
    SELECT code, name, level, parent_code, 0 AS depth FROM areas WHERE code = :code
    UNION ALL
    SELECT a.code, a.name, a.level, a.parent_code, up.depth + 1
    FROM areas a JOIN up ON a.code = up.parent_code WHERE up.depth < 8
)
SELECT code, name, level FROM up ORDER BY depth DESC
"""


def area_path(conn: Connection, area_code: str | None) -> list[AreaStep]:
    """The areas from the province down to ``area_code`` (its ancestors by parent code, then itself); [] if unknown."""
    if not area_code:
        return []
    rows = conn.execute(text(_AREA_PATH), {"code": area_code}).all()
    return [AreaStep(r.code, r.name, r.level) for r in rows]


def _nearby_sql(collection: str) -> str:
    # the box (an index lookup on geom) holds every point within the radius; ST_DWithin on geography is exact
    return (
        f"SELECT '{collection}' AS collection, t.id, t.name, t.kind, ST_X(t.geom) AS lon, ST_Y(t.geom) AS lat,"
        " ST_Distance(t.geom::geography, here.g) AS distance_m"
        f" FROM {collection} t, here"
        " WHERE t.geom && ST_MakeEnvelope(:w, :s, :e, :n, 4326)"
        " AND ST_DWithin(t.geom::geography, here.g, :radius)"
        f" AND NOT ('{collection}' = :self_collection AND t.id = :self_id)"
        f" AND NOT ('{collection}' = 'cemeteries' AND t.id = :skip_cemetery)"
    )


def nearby_sites(
    conn: Connection,
    lon: float,
    lat: float,
    exclude: tuple[str, int] | None = None,
    radius_m: float = NEARBY_RADIUS_M,
    limit: int = NEARBY_LIMIT,
    skip_cemetery: int | None = None,
) -> list[NearbySite]:
    """Memorials and cemeteries within ``radius_m`` geodesic metres of a WGS-84 point, nearest first.

    ``exclude`` (collection, id) leaves the page's own site out, ``skip_cemetery`` the cemetery a grave lies in
    (its page names it already). InvalidInput for a point off the Earth or a radius outside 1 m..200 km.
    """
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(f"({lon}, {lat}) is not a position on Earth: lon -180..180, lat -90..90")
    if not 1 <= radius_m <= 200_000:
        raise InvalidInput(f"radius must be between 1 m and 200 km, not {radius_m} m")
    if not 1 <= limit <= 100:
        raise InvalidInput(f"limit must be between 1 and 100, not {limit}")
    dlat = radius_m / _METRES_PER_DEGREE * 1.01
    dlon = min(180.0, dlat / max(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1e-6))
    sql = (
        "WITH here AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography AS g) "
        + " UNION ALL ".join(_nearby_sql(c) for c in NEARBY_COLLECTIONS)
        + " ORDER BY distance_m, collection, id LIMIT :limit"
    )
    params = {
        "lon": lon,
        "lat": lat,
        "w": lon - dlon,
        "e": lon + dlon,
        "s": lat - dlat,
        "n": lat + dlat,
        "radius": radius_m,
        "self_collection": exclude[0] if exclude else "",
        "self_id": exclude[1] if exclude else 0,
        "skip_cemetery": skip_cemetery or 0,
        "limit": limit,
    }
    rows = conn.execute(text(sql), params).all()
    return [NearbySite(r.collection, r.id, r.name, r.kind, r.lon, r.lat, float(r.distance_m)) for r in rows]


def martyrs_at_site(
    conn: Connection, collection: str, site_id: int, limit: int = MARTYRS_PAGE, offset: int = 0
) -> MartyrsAt:
    """A page of the martyrs at a site: a grave's, a cemetery's (its graves' and those known only to lie in it),
    a memorial's (names on it); by section, row, number, then pinyin. InvalidInput for another collection."""
    ids = _MARTYRS_AT.get(collection)
    if ids is None:
        raise InvalidInput(f"martyrs lie in graves, cemeteries or memorials, not {collection}")
    if not 1 <= limit <= 500:
        raise InvalidInput(f"limit must be between 1 and 500, not {limit}")
    if not 0 <= offset <= _MAX_OFFSET:
        raise InvalidInput(f"offset must be between 0 and {_MAX_OFFSET}, not {offset}")
    params = {"id": site_id, "limit": limit, "offset": offset}
    total = conn.execute(text(f"SELECT count(*) FROM ({ids}) p"), params).scalar_one()
    source = f"({ids}) p"
    sql = MARTYR_SUMMARY.format(source=source) + (
        " ORDER BY g.section NULLS LAST, length(g.row_no), g.row_no, length(g.number), g.number,"
        " m.name_pinyin, m.id LIMIT :limit OFFSET :offset"
    )
    rows = conn.execute(text(sql), params).mappings().all()
    return MartyrsAt(total, offset, limit, [martyr_summary(r) for r in rows])


def public_photos(conn: Connection, collection: str, site_id: int, limit: int = PHOTOS_LIMIT) -> list[dict]:
    """The photos of a site marked public, newest first (id, caption, url, thumbnail_url, taken_at, …)."""
    _, photos = list_photos(conn, PUBLIC, PhotoFilter(collection, site_id), limit, 0)
    return photos


def grave_cemetery(conn: Connection, grave_id: int) -> CemeteryRef | None:
    """The cemetery a grave lies in, or None for a scattered grave."""
    row = conn.execute(
        text(
            "SELECT c.id, c.name, ST_AsGeoJSON(c.boundary, 7)::json AS boundary"
            " FROM graves g JOIN cemeteries c ON c.id = g.cemetery_id WHERE g.id = :id"
        ),
        {"id": grave_id},
    ).first()
    return None if row is None else CemeteryRef(row.id, row.name, row.boundary)


def site_details(
    conn: Connection,
    collection: str,
    site_id: int,
    lon: float | None,
    lat: float | None,
    area_code: str | None,
    martyrs_offset: int = 0,
) -> SiteDetails:
    """The area path, nearby sites, a page of martyrs, the public photos and (graves) the cemetery of one site.

    ``lon``/``lat`` (WGS-84) and ``area_code`` are the site's, as its public feature gives them.
    """
    if collection not in PAGE_COLLECTIONS:
        raise InvalidInput(f"public pages are of {', '.join(PAGE_COLLECTIONS)}, not {collection}")
    cemetery = grave_cemetery(conn, site_id) if collection == "graves" else None
    nearby = (
        nearby_sites(conn, lon, lat, (collection, site_id), skip_cemetery=cemetery.id if cemetery else None)
        if lon is not None and lat is not None
        else []
    )
    return SiteDetails(
        area_path=area_path(conn, area_code),
        nearby=nearby,
        martyrs=martyrs_at_site(conn, collection, site_id, offset=martyrs_offset),
        photos=public_photos(conn, collection, site_id),
        cemetery=cemetery,
    )
