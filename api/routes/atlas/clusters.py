"""Cluster tiles of the overview map: per grid cell of an XYZ tile, the count of sites and their mean position."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from api.deps import ReadConnDep, SettingsDep
from api.principal import PrincipalDep
from api.routes.atlas.sites import AREA_PATTERN
from geo.atlas.clusters import (
    CELLS_PER_TILE,
    SINGLES_ZOOM,
    ClusterService,
    check_collection,
    check_filter,
    cluster_version,
    parse_cluster_tile,
)
from geo.atlas.sites import SiteFilter
from geo.errors import InvalidInput
from geo.ogc.tiles import etag_matches
from web.atlas.map import site_marker
from web.basemaps import shift_points

MAX_AGE = 60
"""Seconds a browser may reuse a cluster tile before revalidating its ETag."""

_RESPONSES: dict[int | str, dict] = {
    304: {"description": "The tile has not changed since the ETag sent in If-None-Match."},
    404: {"description": "No such collection."},
    422: {"description": "A bad zoom, column, row, format or filter value; the reason is in `detail`."},
}


async def _service(request: Request) -> ClusterService:  # no I/O: kept off the thread pool
    return request.app.state.cluster_service


ServiceDep = Annotated[ClusterService, Depends(_service)]

router = APIRouter(prefix="/clusters", tags=["clusters"])


@router.get("/{collection}/{z}/{x}/{tile}", name="cluster_tile", responses=_RESPONSES)
def cluster_tile(
    collection: Annotated[str, Path(description="stations, memorials, cemeteries or graves")],
    z: Annotated[str, Path(description="zoom, 0 to 22")],
    x: Annotated[str, Path(description="column, 0 to 2^z - 1, from the west")],
    tile: Annotated[str, Path(description="row and format: {y}.json, y from 0 to 2^z - 1, from the north")],
    conn: ReadConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    service: ServiceDep,
    kind: Annotated[str | None, Query(description="a station's level, else the site's kind")] = None,
    status: Annotated[
        str | None, Query(description="a station's status, else the site's upkeep status")
    ] = None,
    area: Annotated[
        str | None, Query(pattern=AREA_PATTERN, description="area code; includes sub-areas")
    ] = None,
    lang: Annotated[Literal["zh", "en"] | None, Query(description="language of the popups")] = None,
    crs: Annotated[
        Literal["wgs84", "gcj02"],
        Query(description="positions as drawn on a WGS-84 or a GCJ-02 (AMap) basemap"),
    ] = "wgs84",
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The tile's non-empty cells (4 × 4 per tile): ``count`` and mean ``lon``/``lat``; a cell holding one site
    also carries ``site``: its id, title, marker and popup rows (the fields the caller's role may read)."""
    check_collection(collection)
    y, dot, fmt = tile.rpartition(".")
    if not dot or fmt != "json":
        raise InvalidInput(f"cluster tiles are JSON: write the row as {{y}}.json, got {tile!r}")
    address = parse_cluster_tile(collection, z, x, y)
    flt = SiteFilter(kind=kind, status=status, area=area)
    # a bad filter is refused even when the caller's copy is current
    prefix = check_filter(conn, collection, flt)
    lang = lang or settings.default_lang
    version = cluster_version(conn, collection)
    etag = version.etag(principal.role, lang, crs)
    headers = {
        "ETag": etag,
        "Cache-Control": f"{'public' if principal.is_public else 'private'}, max-age={MAX_AGE}",
        "Vary": "Authorization, Cookie",
    }
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    cells = service.cells(conn, address, flt, principal.role, version, prefix)
    lons, lats = shift_points([c.lon for c in cells], [c.lat for c in cells], crs)
    body = {
        "z": address.z,
        "x": address.x,
        "y": address.y,
        "cells_per_tile": CELLS_PER_TILE,
        "singles": address.z >= SINGLES_ZOOM,
        "count": sum(c.count for c in cells),
        "cells": [
            {"count": c.count, "lon": round(lon, 6), "lat": round(lat, 6)}
            | ({"site": site_marker(collection, c.site, lang)} if c.site is not None else {})
            for c, lon, lat in zip(cells, lons, lats, strict=True)
        ],
    }
    return JSONResponse(body, headers=headers)
