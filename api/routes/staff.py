"""The staff workbench's home ``/staff/`` and the staff pages' own scripts and styles (``/static/staff/``).

The home spans coverage, upkeep and moderation, so its route sits at the routes' root. Staff pages need a
signed-in session (the sign-out form needs its CSRF token): anyone else is sent to ``/login?next=…`` first
(api/staff_pages.py). Figures: geo/staff_home.py; frame and figures as page parts: web/staff.py; markup:
web/templates/staff/.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from api.deps import ConnDep, SettingsDep
from api.principal import get_web_session
from api.staff_pages import open_staff_page, staff_response
from geo.accounts.credentials import WebSession
from geo.staff_home import staff_home
from web.assets import STATIC_DIR
from web.staff import home_figures

router = APIRouter(tags=["pages"], include_in_schema=False)

STAFF_STATIC = STATIC_DIR / "staff"
"""The staff pages' own scripts and stylesheets (web/static/staff/), served at /static/staff/<name>."""
_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@router.get("/staff/", response_class=HTMLResponse)
def staff_home_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: Annotated[WebSession | None, Depends(get_web_session)],
    lang: Annotated[Literal["zh", "en"] | None, Query()] = None,
) -> Response:
    """My area's figures at a glance, each linked to its page; the anonymous are sent to sign in first."""
    page = open_staff_page(request, conn, session, lang or settings.default_lang, "/staff/")
    if isinstance(page, Response):
        return page
    home = staff_home(conn, page.actor, request.app.state.upkeep)
    return staff_response(page, "staff/home.html", groups=home_figures(home, page.lang))


@router.get("/static/staff/{name}")
def staff_asset(name: str) -> Response:
    """A staff page's own script or stylesheet; only plain file names of web/static/staff/ are served."""
    media_type = _MEDIA_TYPES.get("." + name.rsplit(".", 1)[-1]) if "." in name else None
    path = STAFF_STATIC / name
    if media_type is None or "/" in name or name.startswith(".") or not path.is_file():
        return PlainTextResponse("Not Found", status_code=404)
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    return FileResponse(path, media_type=media_type, headers=headers)
