"""Proxy tribute (代祭扫): a family far away asks the bureau to tend a martyr's grave (issue 22).

Public pages: ``GET /proxy-tribute`` (``?martyr=<id>`` or ``?grave=<id>`` prefills the grave, ``wished_on`` the day)
and ``POST /proxy-tribute`` (a plain form: no script needed; a refusal is written next to its field in the page's
language, 422, or 429 beyond the day's limit per client); the confirmation shows the reference and the private follow
link once. ``GET /proxy-tribute/follow/{token}`` is the family's page (404 for a wrong token);
``…/photos/{id}`` and ``…/photos/{id}/thumbnail`` serve the work order's after photos to the token's holder only.

Staff: the queue on /staff/moderation (``proxy_queue``, called by api/routes/public/moderation_pages.py) with two
plain forms per request posting to ``/staff/moderation/proxy-tributes/{id}/accept|decline``; these check the session,
the CSRF token sent in the form and the area (geo/public/proxy_tributes.py), then go back to the page (303).
JSON: ``POST /api/v1/proxy-tributes`` files a request as the form does.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from api.deps import ConnDep, SettingsDep
from api.errors import error_status
from api.principal import client_address, get_web_session
from api.public_pages import public_context
from api.staff_pages import StaffPage, open_staff_page, staff_response
from geo.accounts.credentials import WebSession, auth_secret, same_token
from geo.accounts.permissions import allowed
from geo.errors import DomainError, InvalidInput, NotFound, TooManyAttempts
from geo.public.proxy_tributes import (
    HANDLE,
    ProxyTributeInput,
    accept,
    client_hash,
    create_request,
    crews_of,
    decline,
    follow,
    follow_photo,
    grave_for,
    reference,
    today_in_china,
    waiting,
)
from web.i18n import error_text, t
from web.public.moderation import Queue
from web.public.proxy_tribute_pages import follow_page, form_page, sent_page, staff_queue

router = APIRouter(include_in_schema=False)
"""The public pages (/proxy-tribute…) and the staff's handling."""
api_router = APIRouter(prefix="/proxy-tributes", tags=["proxy tribute"])
"""The JSON API, under /api/v1."""

Lang = Annotated[Literal["zh", "en"] | None, Query()]
SessionDep = Annotated[WebSession | None, Depends(get_web_session)]
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
MAX_ID = 2**63 - 1
SHOWN = 100


def _id(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) <= MAX_ID else None


def _html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=PRIVATE)


@router.get("/proxy-tribute", response_class=HTMLResponse)
def proxy_form(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    lang: Lang = None,
    martyr: str = "",
    grave: str = "",
    wished_on: str = "",
) -> HTMLResponse:
    """The request form, its grave found from the martyr (or given); a martyr with no known grave is refused."""
    ctx = public_context(request, settings, lang)
    today = today_in_china()
    form = {
        "martyr_id": _id(martyr),
        "grave_id": _id(grave),
        "wished_on": wished_on[:10],
        "clean_stone": True,
        "lay_flowers": True,
    }
    errors: dict[str, str] = {}
    found = None
    status = 200
    if form["martyr_id"] or form["grave_id"]:
        try:
            found = grave_for(conn, form["martyr_id"], form["grave_id"])
        except InvalidInput as exc:
            errors["grave"] = error_text(exc, ctx.lang)
            status = 200 if exc.key == "proxy.no_grave" else 404
    elif martyr or grave:
        errors["grave"], status = t("error.proxy.grave.required", ctx.lang), 404
    return _html(form_page(ctx, found, form, errors, today), status)


@router.post("/proxy-tribute", response_class=HTMLResponse)
def proxy_submit(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    lang: Lang = None,
    martyr_id: Annotated[str, Form()] = "",
    grave_id: Annotated[str, Form()] = "",
    requester_name: Annotated[str, Form(max_length=1000)] = "",
    relation: Annotated[str, Form(max_length=1000)] = "",
    contact_phone: Annotated[str, Form(max_length=1000)] = "",
    contact_email: Annotated[str, Form(max_length=1000)] = "",
    clean_stone: Annotated[str, Form()] = "",
    lay_flowers: Annotated[str, Form()] = "",
    wished_on: Annotated[str, Form(max_length=40)] = "",
    message: Annotated[str, Form(max_length=5000)] = "",
) -> HTMLResponse:
    """File the request: the confirmation with the private follow link, or the form with the refusal by its field."""
    ctx = public_context(request, settings, lang)
    today = today_in_china()
    form = {
        "martyr_id": _id(martyr_id),
        "grave_id": _id(grave_id),
        "requester_name": requester_name,
        "relation": relation,
        "contact_phone": contact_phone,
        "contact_email": contact_email,
        "clean_stone": bool(clean_stone),
        "lay_flowers": bool(lay_flowers),
        "wished_on": wished_on,
        "message": message,
    }
    client = client_hash(auth_secret(settings), client_address(request))
    try:
        created = create_request(conn, ProxyTributeInput(**form), client, today)
    except (DomainError, ValueError) as exc:  # nothing was written: the insert is the last statement
        text_ = error_text(exc, ctx.lang) if isinstance(exc, DomainError) else t("proxy.fix", ctx.lang)
        field = getattr(exc, "field", "form")
        try:
            found = grave_for(conn, form["martyr_id"], form["grave_id"])
        except DomainError:
            found = None
        status = 429 if isinstance(exc, TooManyAttempts) else 422
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else {}
        answer = _html(form_page(ctx, found, form, {field: text_}, today), status)
        answer.headers.update(headers)
        return answer
    found = grave_for(conn, grave_id=form["grave_id"] or None, martyr_id=form["martyr_id"])
    return _html(sent_page(ctx, created, found, ctx.base_url), 201)


@router.get("/proxy-tribute/follow/{token}", response_class=HTMLResponse)
def proxy_follow(
    request: Request, conn: ConnDep, settings: SettingsDep, token: str, lang: Lang = None
) -> Response:
    """The family's private page of the request; 404 with a plain sentence for a wrong link."""
    ctx = public_context(request, settings, lang)
    seen = follow(conn, token[:100])
    return _html(follow_page(ctx, token, seen), 200 if seen else 404)


@router.get("/proxy-tribute/follow/{token}/photos/{photo_id}")
@router.get("/proxy-tribute/follow/{token}/photos/{photo_id}/thumbnail", name="proxy_photo_thumbnail")
def proxy_photo(
    request: Request, conn: ConnDep, token: str, photo_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Response:
    """An after photo of the token's done request (or its thumbnail); 404 for anything else."""
    thumbnail = request.url.path.endswith("/thumbnail")
    try:
        data, content_type = follow_photo(conn, token[:100], photo_id, thumbnail)
    except NotFound:
        return Response(status_code=404, headers=PRIVATE)
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})


# -- staff -----------------------------------------------------------------------------------------------------------


def proxy_queue(conn: Connection, page: StaffPage, said: str = "") -> Queue | None:
    """The moderation page's section of proxy tribute requests of the staff's area (None without the right);
    ``said`` (``accepted-<id>-<order>`` or ``declined-<id>``, set by the forms' answers) says what was just done."""
    if not allowed(page.principal.role, HANDLE):
        return None
    items, total = waiting(conn, page.principal, SHOWN)
    by_area = crews_of(conn, (item["area_code"] for item in items))
    crews = {item["id"]: by_area[item["area_code"]] for item in items}
    lang_param = f"?lang={page.lang}"
    queue = staff_queue(items, total, crews, page.lang, lang_param)
    parts = said[:60].split("-")
    if len(parts) >= 2 and all(p.isdigit() and len(p) < 19 for p in parts[1:]):
        ref = reference(int(parts[1]))
        if parts[0] == "accepted" and len(parts) == 3:
            done = t("moderation.proxy.accepted", page.lang).format(reference=ref, order=parts[2])
        elif parts[0] == "declined" and len(parts) == 2:
            done = t("moderation.proxy.declined", page.lang).format(reference=ref)
        else:
            return queue
        queue = Queue(
            queue.key, queue.title, queue.count, queue.rows, " ".join(x for x in (done, queue.more) if x)
        )
    return queue


def _staff_post(request: Request, conn: Connection, settings, session, lang: str | None, csrf: str):
    page = open_staff_page(
        request, conn, session, lang or settings.default_lang, "/staff/moderation", action=HANDLE
    )
    if isinstance(page, Response):
        return page
    if not same_token(csrf, page.session.csrf_token):
        message = t("staff.refused.role", page.lang).format(role=page.frame.role)
        return staff_response(page, "staff/refused.html", status_code=403, message=message)
    return page


def _back(lang: str | None, said: str) -> Response:
    query = f"?proxy_said={said}" + (f"&lang={lang}" if lang else "")
    return RedirectResponse(f"/staff/moderation{query}#proxy", 303)


def _refused(page: StaffPage, exc: DomainError) -> Response:
    message = error_text(exc, page.lang)
    return staff_response(page, "staff/refused.html", status_code=error_status(exc), message=message)


@router.post("/staff/moderation/proxy-tributes/{request_id}/accept")
def staff_accept(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    request_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    csrf: Annotated[str, Form()] = "",
    assigned_to: Annotated[str, Form()] = "",
    lang: Lang = None,
) -> Response:
    """Accept: a proxy_tribute work order at the grave due on the wished day (assigned when a crew is chosen)."""
    page = _staff_post(request, conn, settings, session, lang, csrf)
    if isinstance(page, Response):
        return page
    try:
        with conn.begin_nested():  # a refused assignment leaves no work order behind
            done = accept(conn, page.actor, request_id, _id(assigned_to))
    except DomainError as exc:
        return _refused(page, exc)
    return _back(lang, f"accepted-{request_id}-{done['work_order_id']}")


@router.post("/staff/moderation/proxy-tributes/{request_id}/decline")
def staff_decline(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    request_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form(max_length=5000)] = "",
    lang: Lang = None,
) -> Response:
    """Decline with a reason the family reads on its private page."""
    page = _staff_post(request, conn, settings, session, lang, csrf)
    if isinstance(page, Response):
        return page
    try:
        with conn.begin_nested():
            decline(conn, page.actor, request_id, reason)
    except DomainError as exc:
        return _refused(page, exc)
    return _back(lang, f"declined-{request_id}")


# -- JSON ------------------------------------------------------------------------------------------------------------


class ProxyTributeBody(BaseModel):
    """A proxy tribute request as JSON (the same rules as the form)."""

    model_config = ConfigDict(extra="forbid")

    martyr_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    grave_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    requester_name: str = Field(max_length=1000)
    relation: str | None = Field(default=None, max_length=1000)
    contact_phone: str | None = Field(default=None, max_length=1000)
    contact_email: str | None = Field(default=None, max_length=1000)
    clean_stone: bool = False
    lay_flowers: bool = False
    wished_on: dt.date
    message: str | None = Field(default=None, max_length=5000)


@api_router.post("", status_code=201)
def create_proxy_tribute(
    request: Request, body: ProxyTributeBody, conn: ConnDep, settings: SettingsDep
) -> JSONResponse:
    """File a request; returns its reference and the private follow path (its token shown only here)."""
    secret = auth_secret(settings)
    created = create_request(
        conn, ProxyTributeInput(**body.model_dump()), client_hash(secret, client_address(request))
    )
    return JSONResponse(
        {
            "id": created["id"],
            "reference": created["reference"],
            "follow_url": f"/proxy-tribute/follow/{created['token']}",
            "wished_on": created["wished_on"].isoformat(),
        },
        status_code=201,
        headers=PRIVATE,
    )
