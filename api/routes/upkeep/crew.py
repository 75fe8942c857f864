"""The crews' phone pages and their task list: ``/crew``, ``/crew/{collection}/{site_id}``, ``/api/v1/me/tasks``.

The pages need a signed-in staff account (the web session cookie of ``/login``): anonymous visitors are sent to
the sign-in page, which brings them back. The task list API answers the signed-in caller (cookie or bearer
token): 401 for the anonymous public, 422 for a bad position. SQL lives in geo/upkeep/crew_tasks.py, HTML in web/.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from api.deps import ConnDep, SettingsDep
from api.errors import error_status
from api.principal import PrincipalDep, get_web_session, require
from api.routes.accounts.login import sign_in_first
from geo.accounts.credentials import WebSession
from geo.accounts.permissions import allowed
from geo.errors import DomainError
from geo.principal import Principal
from geo.upkeep.crew_tasks import MAX_TASKS, check_position, my_tasks, site_sheet
from web.assets import STATIC_DIR
from web.i18n import error_text, t
from web.upkeep.crew_pages import CREW_ASSETS, message_page, tasks_page
from web.upkeep.crew_site_page import site_page

api_router = APIRouter(prefix="/me", tags=["crew"])
pages_router = APIRouter(tags=["pages"], include_in_schema=False)

Lang = Literal["zh", "en"]
SessionDep = Annotated[WebSession | None, Depends(get_web_session)]
Lon = Annotated[float | None, Query(ge=-180, le=180, description="your longitude, WGS-84 degrees")]
Lat = Annotated[float | None, Query(ge=-90, le=90, description="your latitude, WGS-84 degrees")]
NO_STORE = {"Cache-Control": "no-store"}


@api_router.get("/tasks", dependencies=[Depends(require("inspections.read"))])
def tasks(
    request: Request,
    conn: ConnDep,
    principal: PrincipalDep,
    lon: Lon = None,
    lat: Lat = None,
    limit: Annotated[int, Query(ge=1, le=MAX_TASKS)] = 50,
) -> dict:
    """My open work orders and the sites of my area due for inspection: nearest first (with lon and lat; geodesic
    metres) or most urgent first."""
    found = my_tasks(conn, principal, request.app.state.upkeep, check_position(lon, lat), limit)
    return {
        "numberMatched": found.total,
        "numberReturned": len(found.tasks),
        "today": found.today,
        "position": None if found.position is None else {"lon": found.position[0], "lat": found.position[1]},
        "tasks": [asdict(task) for task in found.tasks],
    }


@api_router.get("/sites/{collection}/{site_id}", dependencies=[Depends(require("inspections.read"))])
def site(collection: str, site_id: int, request: Request, conn: ConnDep, principal: PrincipalDep) -> dict:
    """A site of my area as the crew page shows it: condition, last and next inspection, open work orders."""
    return asdict(site_sheet(conn, principal, collection, site_id, request.app.state.upkeep))


def _who(principal: Principal, lang: str) -> str:
    return f"{principal.username} · {principal.area_code or t('login.whole_atlas', lang)}"


def _refusal(exc: DomainError, lang: str, explicit: str | None) -> HTMLResponse:
    html = message_page(lang, explicit, t("crew.error_title", lang), error_text(exc, lang))
    return HTMLResponse(html, status_code=error_status(exc), headers=NO_STORE)


@pages_router.get("/crew", response_class=HTMLResponse)
def crew_tasks_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    session: SessionDep,
    lon: Lon = None,
    lat: Lat = None,
    lang: Annotated[Lang | None, Query()] = None,
) -> Response:
    """My tasks, nearest first when the page was given my position (the script asks the browser for it)."""
    page_lang = lang or settings.default_lang
    if principal.is_public:
        return sign_in_first(request, lang)
    try:
        found = my_tasks(conn, principal, request.app.state.upkeep, check_position(lon, lat))
    except DomainError as exc:
        return _refusal(exc, page_lang, lang)
    csrf = session.csrf_token if session is not None else ""
    return HTMLResponse(
        tasks_page(page_lang, lang, _who(principal, page_lang), found, csrf), headers=NO_STORE
    )


@pages_router.get("/crew/{collection}/{site_id}", response_class=HTMLResponse)
def crew_site_page(
    request: Request,
    collection: str,
    site_id: int,
    conn: ConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    session: SessionDep,
    lang: Annotated[Lang | None, Query()] = None,
) -> Response:
    """A site of my area: its condition, open work orders and the inspection form."""
    page_lang = lang or settings.default_lang
    if principal.is_public:
        return sign_in_first(request, lang)
    try:
        sheet = site_sheet(conn, principal, collection, site_id, request.app.state.upkeep)
    except DomainError as exc:
        return _refusal(exc, page_lang, lang)
    can_inspect = allowed(principal.role, "inspections.create")
    csrf = session.csrf_token if session is not None else ""
    html = site_page(page_lang, lang, _who(principal, page_lang), sheet, can_inspect, csrf)
    return HTMLResponse(html, headers=NO_STORE)


@pages_router.get("/static/crew/{name}")
def crew_asset(name: str) -> Response:
    """The crew pages' own script and stylesheet (nothing else is served from web/static)."""
    media_type = CREW_ASSETS.get(name)
    if media_type is None:
        return PlainTextResponse("Not Found", status_code=404)
    headers = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return FileResponse(STATIC_DIR / name, media_type=media_type, headers=headers)
