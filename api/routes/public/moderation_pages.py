"""The moderation page ``/staff/moderation``: tribute messages, public report photos and public reports waiting for staff.

The page opens for any account with one of its rights and shows the sections that account may act on: tribute
messages (``tributes.moderate``), report photos (``photos.publish``), reports in triage (``work_orders.triage``).
Its script (web/static/staff/moderation.js) sends the decisions to the existing API with the CSRF token:
``POST /api/v1/tributes/{id}/approve|reject`` (a reason with a rejection), ``POST /api/v1/photos/{id}/publish``,
``POST /api/v1/work-orders/{id}/transitions`` (triaged, duplicate with ``duplicate_of``, with the version read).
Rejecting a report writes its public note and moves it to ``rejected`` in one transaction here
(``POST /staff/moderation/reports/{id}/reject``), so a refused move never leaves a note behind; keeping a photo
private is recorded here too (``POST /staff/moderation/photos/{id}/keep-private``). Each of these functions checks
the area and writes the audit log.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ConnDep, SettingsDep
from api.principal import ActorDep, get_web_session, require
from api.routes.public.proxy_tributes import proxy_queue
from api.staff_pages import open_staff_page, staff_response
from geo.accounts.credentials import WebSession
from geo.accounts.permissions import allowed
from geo.errors import InvalidInput
from geo.public.moderation import keep_photo_private, report_photos_waiting, reports_in_triage
from geo.public.tributes import MODERATE, pending_tributes
from geo.upkeep.photos import PUBLISH
from geo.upkeep.work_orders import TRIAGE, transition, update_work_order
from web.i18n import t
from web.public.moderation import js_strings, photo_queue, report_queue, status_labels, tribute_queue

router = APIRouter(tags=["pages"], include_in_schema=False)

Lang = Annotated[Literal["zh", "en"] | None, Query()]
SessionDep = Annotated[WebSession | None, Depends(get_web_session)]
PAGE_PATH = "/staff/moderation"
SHOWN = 100
NOTE_MAX = 2000


@router.get(PAGE_PATH, response_class=HTMLResponse)
def moderation_page(
    request: Request, conn: ConnDep, settings: SettingsDep, session: SessionDep, lang: Lang = None
) -> Response:
    """What waits for me in my area: tribute messages, report photos, public reports in triage."""
    page = open_staff_page(request, conn, session, lang or settings.default_lang, PAGE_PATH)
    if isinstance(page, Response):
        return page
    role, lang = page.principal.role, page.lang
    rights = {key: allowed(role, right) for key, right in (("tributes", MODERATE), ("photos", PUBLISH))}
    rights["reports"] = allowed(role, TRIAGE)
    if not any(rights.values()):
        message = t("moderation.refused", lang).format(role=page.frame.role)
        return staff_response(page, "staff/refused.html", status_code=403, message=message)
    queues = []
    if rights["tributes"]:
        items, total = pending_tributes(conn, page.actor, SHOWN, 0)
        queues.append(tribute_queue(items, total, lang))
    if rights["photos"]:
        queues.append(photo_queue(*report_photos_waiting(conn, page.principal, SHOWN), lang))
    if rights["reports"]:
        queues.append(report_queue(*reports_in_triage(conn, page.principal, SHOWN), lang))
    proxy = proxy_queue(conn, page, request.query_params.get("proxy_said", ""))  # 代祭扫 (issue 22)
    if proxy is not None:
        queues.append(proxy)
    data = {
        "csrf": page.csrf_token,
        "lang": lang,
        "strings": js_strings(lang),
        "statuses": status_labels(lang),
    }
    return staff_response(page, "staff/moderation.html", queues=queues, data=data)


class ReportRejection(BaseModel):
    """Reject a public report: the version read and the note its reporter reads."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    note: str = Field(max_length=NOTE_MAX)


@router.post(PAGE_PATH + "/reports/{order_id}/reject", dependencies=[Depends(require(TRIAGE))])
def reject_report(
    order_id: Annotated[int, Path(ge=1, le=2**63 - 1)], body: ReportRejection, conn: ConnDep, actor: ActorDep
) -> JSONResponse:
    """Write the public note and move the report to rejected, both or neither (audited, with history)."""
    note = body.note.strip()
    if not note:
        raise InvalidInput("a public note is required to reject a report", key="moderation.note_required")
    noted = update_work_order(conn, actor, order_id, {"public_note": note}, body.version)
    if noted.get("source") not in ("public", "open311"):
        raise InvalidInput(
            f"work order {order_id} is not a public report",
            key="moderation.not_a_report",
            params={"id": order_id},
        )
    order = transition(conn, actor, order_id, "rejected", noted["version"], note=note)
    return JSONResponse(order)


@router.post(PAGE_PATH + "/photos/{photo_id}/keep-private", dependencies=[Depends(require(PUBLISH))])
def keep_private(
    photo_id: Annotated[int, Path(ge=1, le=2**63 - 1)], conn: ConnDep, actor: ActorDep
) -> JSONResponse:
    """Decide that a report photo stays staff-only (audited); it leaves the queue."""
    return JSONResponse(keep_photo_private(conn, actor, photo_id))
