"""The staff workbench's home ``/staff/``: the frame every staff page shares and the figures of my area.

The home spans coverage, upkeep and moderation, so its route sits at the routes' root. Staff pages need a
signed-in session (the sign-out form needs its CSRF token): anyone else is sent to ``/login?next=…`` first.
Figures: geo/staff_home.py; frame and figures as page parts: web/staff.py; markup: web/templates/staff/.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ConnDep, SettingsDep
from api.principal import client_address, get_web_session, request_id
from api.routes.accounts.login import sign_in_first
from geo.accounts.audit import Actor
from geo.accounts.credentials import WebSession
from geo.staff_home import staff_home
from web.jinja import render
from web.staff import home_figures, staff_frame

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/staff/", response_class=HTMLResponse)
def staff_home_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: Annotated[WebSession | None, Depends(get_web_session)],
    lang: Annotated[Literal["zh", "en"] | None, Query()] = None,
) -> Response:
    """My area's figures at a glance, each linked to its page; the anonymous are sent to sign in first."""
    if session is None or session.principal.is_public:
        return sign_in_first(request, lang)
    page_lang = lang or settings.default_lang
    principal = session.principal
    actor = Actor(principal, request_id(request), client_address(request))
    home = staff_home(conn, actor, request.app.state.upkeep)
    kept = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])
    page_url = request.url.path + (f"?{kept}" if kept else "")
    frame = staff_frame(principal, home.area, page_lang, "/staff/", page_url, session.csrf_token)
    page = render("staff/home.html", frame=frame, groups=home_figures(home, page_lang))
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})
