"""Spatial queries over HTTP (WGS-84 degrees in and out; geodesic metres and m²)."""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

import shapely.geometry
from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from shapely.geometry import MultiPolygon
from starlette.datastructures import UploadFile

from api.deps import ConnDep, PublicConnDep, SettingsDep
from api.principal import PrincipalDep
from api.routes.atlas.sites import (
    AREA_PATTERN,
    GEOJSON,
    GeoJSONResponse,
    Offset,
    check_limit,
    feature_collection,
)
from api.schemas import FeatureCollectionPublic, FeaturePublic, Link
from api.uploads import UploadForm, form_reader, multipart_body
from geo.atlas.collections import COLLECTIONS
from geo.atlas.sites import SiteFilter, SitePage
from geo.atlas.spatial import (
    MAX_NEAREST,
    MAX_RADIUS_M,
    areas_containing,
    check_protection_zones,
    nearest_sites,
    parse_polygonal_body,
    position,
    region_from_query,
    site_collection,
    sites_within,
)
from geo.atlas.zone_check import zone_overlaps
from geo.errors import InvalidInput, PayloadTooLarge, Unauthorized
from geo.importing.polygon_file import MAX_POLYGON_FILE_BYTES, read_polygon_file
from geo.principal import Principal

router = APIRouter()

_COLLECTION_NAMES = ", ".join(COLLECTIONS)

CollectionPath = Annotated[
    str,
    Path(
        description=f"site collection: one of {_COLLECTION_NAMES}",
        json_schema_extra={"enum": list(COLLECTIONS)},
    ),
]
Lon = Annotated[float, Query(ge=-180, le=180, description="longitude, WGS-84 / CGCS2000 degrees")]
Lat = Annotated[float, Query(ge=-90, le=90, description="latitude, WGS-84 / CGCS2000 degrees")]
Kind = Annotated[str | None, Query(description="kind (stations: level) of the site; see the collection")]
Status = Annotated[
    str | None, Query(alias="status", description="status (stations) or upkeep_status (the others)")
]
Area = Annotated[
    str | None,
    Query(pattern=AREA_PATTERN, description="area code (6, 9 or 12 digits); includes all its sub-areas"),
]
Limit = Annotated[int | None, Query(ge=1, description="page size (default 100, maximum 1000)")]

_POLYGON_BODY_SCHEMA: dict[str, Any] = {
    "description": "a GeoJSON Polygon or MultiPolygon (WGS-84 lon/lat, rings closed, valid), "
    "or a GeoJSON Feature holding one",
    "examples": [
        {
            "type": "Polygon",
            "coordinates": [
                [[110.63, 26.03], [110.65, 26.03], [110.65, 26.05], [110.63, 26.05], [110.63, 26.03]]
            ],
        }
    ],
}
PolygonBody = Annotated[dict[str, Any], Body(**_POLYGON_BODY_SCHEMA)]


class NearestCollectionPublic(BaseModel):
    """The k nearest sites, nearest first; each feature's properties carry ``distance_m``."""

    type: str = "FeatureCollection"
    numberReturned: int
    features: list[FeaturePublic]
    links: list[Link]


class AreaRefPublic(BaseModel):
    """An administrative area: code, name and level."""

    code: str
    name: str
    level: str


class AreasContainingPublic(BaseModel):
    """The areas containing a point, province first and village last."""

    lon: float
    lat: float
    areas: list[AreaRefPublic]


class ZoneHitPublic(BaseModel):
    """A protection zone or construction-control zone that the proposed polygon overlaps."""

    collection: str
    id: int
    name: str
    kind: str
    protection_level: str
    zone: str
    overlap_m2: float
    zone_m2: float


class ZoneCheckPublic(BaseModel):
    """Every zone the proposed polygon overlaps, largest overlap first; empty when none."""

    polygon_m2: float
    numberHit: int
    hits: list[ZoneHitPublic]


def _page(request: Request, page: SitePage, limit: int, offset: int) -> GeoJSONResponse:
    return feature_collection(request, page.features, page.number_matched, limit, offset)


@router.get(
    "/{collection}/nearest",
    tags=["spatial"],
    summary="Nearest sites to a point",
    description=(
        "The k sites geodesically nearest to (lon, lat), nearest first (ties by id), each with `distance_m` "
        "in metres on the WGS-84 ellipsoid. Candidates are read in `<->` order from the GiST index and "
        "re-ranked by geodesic distance, widening until the result is provably exact. "
        f"k is 1 to {MAX_NEAREST}; kind, status and area filter as in the collection listing."
    ),
    response_model=NearestCollectionPublic,
    response_class=GeoJSONResponse,
)
def nearest(
    request: Request,
    collection: CollectionPath,
    conn: PublicConnDep,
    principal: PrincipalDep,
    lon: Lon,
    lat: Lat,
    k: Annotated[int, Query(ge=1, le=MAX_NEAREST, description=f"how many sites (1–{MAX_NEAREST})")] = 10,
    kind: Kind = None,
    status_: Status = None,
    area: Area = None,
):
    """The k sites nearest a point, nearest first, each with distance_m in geodesic metres."""
    spec = site_collection(collection)
    flt = SiteFilter(area=area, kind=kind, status=status_)
    features = nearest_sites(conn, spec, position(lon, lat), k, flt, principal)
    return GeoJSONResponse(
        {
            "type": "FeatureCollection",
            "numberReturned": len(features),
            "features": features,
            "links": [{"href": str(request.url), "rel": "self", "type": GEOJSON}],
        }
    )


@router.get(
    "/{collection}/within",
    tags=["spatial"],
    summary="Sites within a radius, a bbox or an area",
    description=(
        "Give one region: `lon`, `lat` and `radius_m` (a geodesic circle, radius at most "
        f"{MAX_RADIUS_M:.0f} m = 500 km; sorted by `distance_m`, then id), or `bbox` "
        "(minx,miny,maxx,maxy in degrees, edges included; sorted by id), or `area` (an area code with all "
        "its sub-areas; sorted by id). `area` may also narrow a circle or a bbox. Paged with limit/offset; "
        "`numberMatched` counts every match."
    ),
    response_model=FeatureCollectionPublic,
    response_class=GeoJSONResponse,
)
def within(
    request: Request,
    collection: CollectionPath,
    conn: PublicConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    lon: Annotated[float | None, Query(ge=-180, le=180, description="centre longitude (degrees)")] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="centre latitude (degrees)")] = None,
    radius_m: Annotated[
        float | None,
        Query(
            gt=0,
            le=MAX_RADIUS_M,
            description=f"radius in geodesic metres, at most {MAX_RADIUS_M:.0f} (500 km); with lon and lat",
        ),
    ] = None,
    bbox: Annotated[
        str | None,
        Query(description="minx,miny,maxx,maxy in WGS-84 degrees (min ≤ max; edges included)"),
    ] = None,
    area: Area = None,
    kind: Kind = None,
    status_: Status = None,
    limit: Limit = None,
    offset: Offset = 0,
):
    """Sites within a geodesic circle (by distance_m, metres), a lon/lat bbox or an area (by id); paged."""
    spec = site_collection(collection)
    limit = check_limit(limit, settings)
    region = region_from_query(lon, lat, radius_m, bbox)
    flt = SiteFilter(area=area, kind=kind, status=status_)
    return _page(request, sites_within(conn, spec, region, flt, limit, offset, principal), limit, offset)


@router.post(
    "/{collection}/within",
    tags=["spatial"],
    summary="Sites within a polygon",
    description=(
        "Sites inside or on the edge of a GeoJSON Polygon or MultiPolygon (or a Feature holding one), WGS-84, "
        "edges straight in lon/lat as GeoJSON specifies. Sorted by id and paged; a `next` link is to be "
        "POSTed with the same body."
    ),
    response_model=FeatureCollectionPublic,
    response_class=GeoJSONResponse,
)
def within_polygon(
    request: Request,
    collection: CollectionPath,
    body: PolygonBody,
    conn: ConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    area: Area = None,
    kind: Kind = None,
    status_: Status = None,
    limit: Limit = None,
    offset: Offset = 0,
):
    """Sites inside or on the edge of a GeoJSON (Multi)Polygon in WGS-84, by id; paged."""
    spec = site_collection(collection)
    limit = check_limit(limit, settings)
    polygon = parse_polygonal_body(body)
    flt = SiteFilter(area=area, kind=kind, status=status_)
    page = sites_within(conn, spec, polygon, flt, limit, offset, principal)
    return _page(request, page, limit, offset)


@router.get(
    "/areas/containing",
    tags=["areas"],
    response_model=AreasContainingPublic,
    summary="Areas containing a point",
    description="Every area whose polygon covers (lon, lat), edges included, from province down to village. "
    "A point on a shared boundary lies in both neighbours; the list is empty outside the atlas.",
)
def containing(conn: PublicConnDep, lon: Lon, lat: Lat) -> AreasContainingPublic:
    """The areas whose polygons cover a WGS-84 point, province first; empty outside the atlas."""
    point = position(lon, lat)
    areas = areas_containing(conn, point)
    return AreasContainingPublic(
        lon=lon, lat=lat, areas=[AreaRefPublic(code=a.code, name=a.name, level=a.level) for a in areas]
    )


@router.post(
    "/protection-zones/check",
    tags=["spatial"],
    response_model=ZoneCheckPublic,
    summary="Check a construction polygon against protection zones",
    description="Every memorial and cemetery whose protection zone (保护范围) or construction-control zone "
    "(建设控制地带) intersects the proposed polygon, one hit per zone, with the overlap area in geodesic m² "
    "(a zone only touched at its edge is listed with 0 m²), largest overlap first. `hits` is empty when "
    "nothing is hit.",
)
def protection_zone_check(body: PolygonBody, conn: ConnDep) -> ZoneCheckPublic:
    """Memorial/cemetery zones a proposed construction polygon intersects, overlap in geodesic m²."""
    result = check_protection_zones(conn, parse_polygonal_body(body))
    hits = [ZoneHitPublic(**vars(h)) for h in result.hits]
    return ZoneCheckPublic(polygon_m2=result.polygon_m2, numberHit=len(hits), hits=hits)


class ZoneOverlapPublic(ZoneHitPublic):
    """A zone the polygon overlaps, with the zone's outline and the overlap as GeoJSON geometries (WGS-84)."""

    zone_geometry: dict
    overlap_geometry: dict | None


class ZoneOverlapsPublic(BaseModel):
    """Every zone the proposed polygon overlaps with both outlines, largest overlap first; empty when none."""

    polygon_m2: float
    numberHit: int
    overlaps: list[ZoneOverlapPublic]


@router.post(
    "/protection-zones/overlaps",
    tags=["spatial"],
    response_model=ZoneOverlapsPublic,
    summary="Protection zones a construction polygon overlaps, with their outlines",
    description="As `/protection-zones/check`, and each hit also carries the zone's outline (`zone_geometry`) and "
    "the overlapping part (`overlap_geometry`, null for a zone only touched at its edge) as GeoJSON, to draw them.",
)
def protection_zone_overlaps(body: PolygonBody, conn: ConnDep) -> ZoneOverlapsPublic:
    """Zones a proposed polygon intersects, overlap in geodesic m², with the zones' and overlaps' outlines."""
    result = zone_overlaps(conn, parse_polygonal_body(body))
    overlaps = [ZoneOverlapPublic(**vars(o)) for o in result.overlaps]
    return ZoneOverlapsPublic(polygon_m2=result.polygon_m2, numberHit=len(overlaps), overlaps=overlaps)


class PolygonFileFields(BaseModel):
    """The options of a construction-polygon upload besides ``file``."""

    model_config = ConfigDict(extra="ignore")
    crs: Literal["WGS84", "CGCS2000", "GCJ02", "BD09"] | None = Field(
        default=None, description="the file's coordinate system when it does not say (AMap drawings: GCJ02)"
    )


async def signed_in(principal: PrincipalDep) -> Principal:
    """A dependency that answers 401 to the anonymous public (reading a file is staff work)."""
    if principal.is_public:
        raise Unauthorized("sign in to read a construction polygon from a file")
    return principal


PolygonFileDep = Annotated[
    UploadForm[PolygonFileFields], Depends(form_reader(PolygonFileFields, ("file",), signed_in))
]


def _polygon_from_upload(upload: UploadFile, declared: str | None) -> MultiPolygon:
    label = FilePath(upload.filename or "upload").name
    suffix = FilePath(label).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="vetmap-zone-") as tmp:
        path = FilePath(tmp) / f"upload{suffix if suffix in ('.geojson', '.json', '.kml', '.zip') else ''}"
        size = 0
        with path.open("wb") as out:
            while chunk := upload.file.read(1024 * 1024):
                size += len(chunk)
                if size > MAX_POLYGON_FILE_BYTES:
                    raise PayloadTooLarge(
                        f"{label} is over {MAX_POLYGON_FILE_BYTES // 2**20} MiB",
                        key="zone_file.too_large",
                        params={"name": label, "mib": MAX_POLYGON_FILE_BYTES // 2**20},
                    )
                out.write(chunk)
        if size == 0:
            raise InvalidInput(f"{label} is empty", key="zone_file.empty", params={"name": label})
        return read_polygon_file(path, label, declared)


@router.post(
    "/protection-zones/polygon-file",
    tags=["spatial"],
    summary="Read a construction polygon from a file",
    dependencies=[Depends(signed_in)],
    openapi_extra=multipart_body(PolygonFileFields, {"file": "GeoJSON, KML or zipped Shapefile"}),
)
async def polygon_file(form: PolygonFileDep) -> dict:
    """The union of the polygons of an uploaded GeoJSON, KML or zipped Shapefile as one GeoJSON Feature (WGS-84),
    to check with `/protection-zones/overlaps`; a file without a polygon answers 422 with the reason."""
    upload = form.files["file"]
    polygon = await run_in_threadpool(_polygon_from_upload, upload, form.fields.crs)
    return {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(polygon),
        "properties": {"name": FilePath(upload.filename or "upload").name, "parts": len(polygon.geoms)},
    }
