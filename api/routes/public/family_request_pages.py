"""寻亲 requests as pages: the staff list and handling (``/staff/family-requests``) and the requester's follow-up
(``/family-search/{reference}``).

Staff (``family_requests.read``) list the requests of their area by status and open one; its page sends status and
notes to ``PATCH /api/v1/family-requests/{id}`` (web/static/staff/family.js, with the version read and the CSRF
token). The requester opens ``/family-search/XQ-000002`` and types the follow-up code given at submission
(``POST``, so the code stays out of addresses and logs); nothing of the request is shown without the right code,
and a wrong code, an unknown reference and a request without a code get the same sentence. Repeated wrong codes
are refused for a while (429, geo/public/family_requests.py follow_request).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import ConnDep, SettingsDep
from api.principal import client_address, get_web_session
from api.public_pages import public_context
from api.staff_pages import open_staff_page, staff_response
from geo.accounts.credentials import WebSession, auth_secret
from geo.accounts.permissions import allowed
from geo.errors import DomainError, Forbidden, NotFound, TooManyAttempts
from geo.models import FAMILY_REQUEST_STATUSES
from geo.public.family_requests import (
    FamilyRequestFilter,
    area_names,
    client_hash,
    follow_request,
    get_request,
    has_follow_up,
    list_requests,
    parse_reference,
    reference,
    status_counts,
)
from web.i18n import error_text, t
from web.public.family_pages import FollowUp, follow_page, staff_detail, staff_list
from web.public.frame import PageContext

router = APIRouter(tags=["pages"], include_in_schema=False)

Lang = Annotated[Literal["zh", "en"] | None, Query()]
SessionDep = Annotated[WebSession | None, Depends(get_web_session)]
PAGE_SIZE = 50
MAX_OFFSET = 100_000
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@router.get("/staff/family-requests", response_class=HTMLResponse)
def family_requests_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    lang: Lang = None,
    status: str = "",
    offset: str = "",
    ref: str = "",
) -> Response:
    """The 寻亲 requests of my area, newest first, filtered by status, 50 a page; ``ref`` (a reference a requester
    reads out, ``XQ-000002``) opens that request."""
    page = open_staff_page(
        request,
        conn,
        session,
        lang or settings.default_lang,
        "/staff/family-requests",
        action="family_requests.read",
    )
    if isinstance(page, Response):
        return page
    error = None
    status, offset, ref = (
        status[:40],
        offset[:20],
        ref.strip()[:40],
    )  # a sentence for anything else, never JSON
    if ref:
        number = parse_reference(ref) or (int(ref) if ref.isdigit() and 0 < int(ref) < 2**63 else None)
        if number is not None:
            return RedirectResponse(
                f"/staff/family-requests/{number}" + (f"?lang={lang}" if lang else ""), 303
            )
        error = t("family.follow.not_reference", page.lang).format(reference=ref)
    chosen = status or None
    if chosen is not None and chosen not in FAMILY_REQUEST_STATUSES:
        error = t("family.staff.bad_status", page.lang).format(status=chosen)
        chosen = None
    start = int(offset) if offset.isdigit() and int(offset) <= MAX_OFFSET else 0
    if offset and not (offset.isdigit() and int(offset) <= MAX_OFFSET):
        error = error or t("family.staff.bad_offset", page.lang)
    total, items = list_requests(conn, page.principal, FamilyRequestFilter(status=chosen), PAGE_SIZE, start)
    if start and not items and total:
        error, start = t("family.staff.bad_offset", page.lang), 0
        total, items = list_requests(conn, page.principal, FamilyRequestFilter(status=chosen), PAGE_SIZE, 0)
    view = staff_list(
        items,
        total,
        status_counts(conn, page.principal),
        chosen,
        start,
        PAGE_SIZE,
        page.lang,
        lang,
        area_names(conn, [i["area_code"] for i in items]),
        error,
    )
    return staff_response(page, "staff/family_requests.html", view=view, status_code=422 if error else 200)


@router.get("/staff/family-requests/{request_id}", response_class=HTMLResponse)
def family_request_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    request_id: str,
    lang: Lang = None,
) -> Response:
    """One request of my area: what the requester told, their contact, the notes, and the status and notes form."""
    page = open_staff_page(
        request,
        conn,
        session,
        lang or settings.default_lang,
        "/staff/family-requests",
        action="family_requests.read",
    )
    if isinstance(page, Response):
        return page
    number = parse_reference(request_id) if not request_id.isdigit() else int(request_id)
    shown = reference(number) if number and number < 2**63 else request_id[:40]
    try:
        if not number or number >= 2**63:
            raise NotFound("no such request")
        found = get_request(conn, page.principal, number)
    except (NotFound, Forbidden) as exc:
        key = "family.detail.outside" if isinstance(exc, Forbidden) else "family.detail.not_found"
        message = t(key, page.lang).format(reference=shown)
        status_code = 403 if isinstance(exc, Forbidden) else 404
        return staff_response(
            page, "staff/family_request.html", status_code=status_code, view=None, message=message
        )
    names = area_names(conn, [found["area_code"]])
    view = staff_detail(
        found,
        names.get(found["area_code"] or "", t("family.staff.no_area", page.lang)),
        page.lang,
        lang,
        allowed(page.principal.role, "family_requests.update"),
        page.csrf_token,
        has_follow_up(conn, number),
    )
    return staff_response(page, "staff/family_request.html", view=view, message=None)


def _follow_answer(
    ctx: PageContext, follow: FollowUp, status_code: int = 200, **headers: str
) -> HTMLResponse:
    return HTMLResponse(follow_page(ctx, follow), status_code=status_code, headers={**PRIVATE, **headers})


@router.get("/family-search/{ref}", response_class=HTMLResponse)
def follow_form(request: Request, settings: SettingsDep, ref: str, lang: Lang = None) -> HTMLResponse:
    """The requester's follow-up: the form that asks for the code (nothing of the request is shown here)."""
    ctx = public_context(request, settings, lang)
    number = parse_reference(ref)
    if number is None:
        message = t("family.follow.not_reference", ctx.lang).format(reference=ref[:40])
        return _follow_answer(ctx, FollowUp(ref[:40], error=message, not_a_reference=True), 404)
    return _follow_answer(ctx, FollowUp(reference(number)))


@router.post("/family-search/{ref}", response_class=HTMLResponse)
def follow_check(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    ref: str,
    code: Annotated[str, Form()] = "",
    lang: Lang = None,
) -> HTMLResponse:
    """The requester's follow-up after the check: status and public notes with the right code, else one sentence."""
    ctx = public_context(request, settings, lang)
    number = parse_reference(ref)
    if number is None:
        message = t("family.follow.not_reference", ctx.lang).format(reference=ref[:40])
        return _follow_answer(ctx, FollowUp(ref[:40], error=message, not_a_reference=True), 404)
    shown = reference(number)
    code = code[:100]
    if not code.strip():
        return _follow_answer(ctx, FollowUp(shown, error=t("family.follow.empty", ctx.lang)), 422)
    secret = auth_secret(settings)
    try:
        seen = follow_request(conn, number, code, secret, client_hash(secret, client_address(request)))
    except TooManyAttempts as exc:
        headers = {"Retry-After": str(exc.retry_after)}
        return _follow_answer(ctx, FollowUp(shown, error=error_text(exc, ctx.lang)), 429, **headers)
    except DomainError as exc:
        return _follow_answer(ctx, FollowUp(shown, error=error_text(exc, ctx.lang)), 422)
    if seen is None:
        return _follow_answer(ctx, FollowUp(shown, error=t("family.follow.wrong", ctx.lang)), 403)
    return _follow_answer(ctx, FollowUp(shown, seen=seen))
