"""What every staff page's route does first: sign-in, language, right, and the frame of the page.

A route of a staff page (``/staff/…``, ``/coverage``) calls ``open_staff_page``: the anonymous are sent to sign in
and come back; an account without the page's right gets the frame with a sentence saying so (403), never JSON.
``staff_response`` renders the page's template (web/templates/staff/) inside the frame, never cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from api.principal import client_address, request_id
from api.routes.accounts.login import sign_in_first
from geo.accounts.audit import Actor
from geo.accounts.credentials import WebSession
from geo.accounts.permissions import allowed
from geo.atlas.areas import AreaRef, existing_area
from geo.principal import Principal
from web.i18n import t
from web.jinja import render
from web.staff import StaffFrame, staff_frame

NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class StaffPage:
    """A staff page being answered: who asks, in which language, their area, and the page's frame."""

    principal: Principal
    session: WebSession
    lang: str
    area: AreaRef | None
    frame: StaffFrame
    actor: Actor

    @property
    def csrf_token(self) -> str:
        """The token a page's script sends in the X-CSRF-Token header of its writes to the API."""
        return self.session.csrf_token


def page_url(request: Request) -> str:
    """The page's path with its query, less ``lang`` (the language switch sets its own)."""
    kept = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])
    return request.url.path + (f"?{kept}" if kept else "")


def open_staff_page(
    request: Request,
    conn: Connection,
    session: WebSession | None,
    lang: str,
    here: str,
    action: str | None = None,
) -> StaffPage | Response:
    """The page's context, or the answer instead of it: sign in first (303), or the refusal in the frame (403).

    ``here`` is the page's navigation path (marked current); ``action`` the right the page needs (None: any
    signed-in staff account)."""
    if session is None or session.principal.is_public:
        return sign_in_first(request, lang if "lang" in request.query_params else None)
    principal = session.principal
    area = existing_area(conn, principal.area_code)
    frame = staff_frame(principal, area, lang, here, page_url(request), session.csrf_token)
    page = StaffPage(
        principal, session, lang, area, frame, Actor(principal, request_id(request), client_address(request))
    )
    if action is not None and not allowed(principal.role, action):
        message = t("staff.refused.role", lang).format(role=frame.role)
        return staff_response(page, "staff/refused.html", status_code=403, message=message)
    return page


def staff_response(page: StaffPage, template: str, status_code: int = 200, **context: object) -> HTMLResponse:
    """The template rendered in the page's frame, never stored by a cache."""
    html = render(template, frame=page.frame, **context)
    return HTMLResponse(html, status_code=status_code, headers=NO_STORE)
