"""The crews' phone app: the map of my tasks (issue 21): the page ``/crew/map`` and its data ``/api/v1/me/map``.

The page needs a signed-in staff account (anonymous visitors are sent to the sign-in page, which brings them
back) and holds no data: its script fetches ``/api/v1/me/map`` (cookie or bearer token; 401 for the anonymous
public), one GeoJSON FeatureCollection of my area's boundary, the divisions inside it and its sites with my tasks
and the navigation links of each. SQL lives in geo/upkeep/crew_map.py, HTML in web/upkeep/crew_map_page.py.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.deps import ConnDep, SettingsDep
from api.principal import PrincipalDep, get_web_session, require
from api.routes.accounts.login import sign_in_first
from geo.accounts.credentials import WebSession
from geo.upkeep.crew_map import CrewMap, MapSite, crew_map
from web.upkeep.crew_directions import directions_data
from web.upkeep.crew_map_page import map_page
from web.upkeep.crew_pages import who_line

router = APIRouter(include_in_schema=False)

Lang = Literal["zh", "en"]
SessionDep = Annotated[WebSession | None, Depends(get_web_session)]
REVALIDATE = {"Cache-Control": "private, no-cache"}


def _display_name(site: MapSite) -> str:
    return f"{site.name}（{site.martyr_name}）" if site.martyr_name else site.name


def _site_feature(site: MapSite) -> dict:
    props = asdict(site)
    lon, lat = props.pop("lon"), props.pop("lat")
    for order in props["orders"]:
        order["page"] = f"/crew/work-orders/{order['id']}"
    props.update(
        role="site",
        task=site.has_task,
        page=f"/crew/{site.collection}/{site.id}",
        directions=directions_data(lon, lat, _display_name(site)),
    )
    return {
        "type": "Feature",
        "id": f"{site.collection}/{site.id}",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


def _role(feature: dict, role: str) -> dict:
    return {**feature, "properties": {**feature["properties"], "role": role}}


def map_collection(found: CrewMap) -> dict:
    """The map as one GeoJSON FeatureCollection: the area (role ``area``), its divisions (``division``, with their
    ``level``) and the sites (``site``), WGS-84 degrees."""
    features = [_role(found.area, "area")] if found.area is not None else []
    features += [_role(f, "division") for f in found.divisions]
    features += [_site_feature(s) for s in found.sites]
    return {
        "type": "FeatureCollection",
        "today": found.today,
        "numberMatched": found.total_sites,
        "numberReturned": len(found.sites),
        "tasks": sum(1 for s in found.sites if s.has_task),
        "features": features,
    }


@router.get("/api/v1/me/map", dependencies=[Depends(require("inspections.read"))], tags=["crew"])
def my_map(request: Request, conn: ConnDep, principal: PrincipalDep) -> Response:
    """My area's boundary and divisions and its upkeep sites with my tasks and navigation links (GeoJSON)."""
    found = crew_map(conn, principal, request.app.state.upkeep)
    return JSONResponse(map_collection(found), media_type="application/geo+json", headers=REVALIDATE)


@router.get("/crew/map", response_class=HTMLResponse)
def crew_map_page(
    request: Request,
    settings: SettingsDep,
    principal: PrincipalDep,
    session: SessionDep,
    lang: Annotated[Lang | None, Query()] = None,
) -> Response:
    """The map of my tasks: my area, its sites with my tasks, my position and the way to each site."""
    page_lang = lang or settings.default_lang
    if principal.is_public:
        return sign_in_first(request, lang)
    csrf = session.csrf_token if session is not None else ""
    return HTMLResponse(map_page(page_lang, lang, who_line(principal, page_lang), csrf), headers=REVALIDATE)
