"""The campaign pages: start a Qingming or 9·30 campaign and follow it (``/staff/campaigns``).

``/staff/campaigns`` lists the campaigns of my area (and those covering it) with their progress, and, for an
account with ``campaigns.create``, the form that starts one: the page's script (web/static/staff/campaigns.js) sends
it to ``POST /api/v1/upkeep/campaigns`` with the session cookie and the CSRF token, and shows the API's reason (a
campaign of that kind and year covering the area already: a sentence and a link to it). ``/staff/campaigns/{id}``
shows its progress per sub-area and per crew (geo/upkeep/campaign_progress.py) and its tasks, filtered by state and
sub-area; a filter value that cannot be used is named next to its field (422) and the tasks show unfiltered by it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ConnDep, SettingsDep
from api.errors import error_status
from api.principal import get_web_session
from api.staff_pages import StaffPage, open_staff_page, staff_response
from geo.accounts.credentials import WebSession
from geo.accounts.permissions import allowed
from geo.atlas.areas import existing_area
from geo.errors import DomainError, Forbidden, NotFound
from geo.kit.china_time import china_today
from geo.upkeep.campaign_progress import TASK_PAGE, campaign_progress, campaign_tasks, start_areas
from geo.upkeep.campaigns import list_campaigns
from web.i18n import error_text, t
from web.upkeep.campaign_pages import (
    LIST,
    detail_view,
    list_view,
    start_form,
    task_filter,
)

router = APIRouter(tags=["pages"], include_in_schema=False)

Lang = Annotated[Literal["zh", "en"] | None, Query()]
SessionDep = Annotated[WebSession | None, Depends(get_web_session)]
Text = Annotated[str, Query()]  # any text: what cannot be used is named on the page, never a JSON 422
LIST_LIMIT = 200


def _number(value: str, low: int = 1) -> int | None:
    """A whole number from ``low`` to 2**62 written in ``value``, else None."""
    return int(value) if value.isdigit() and len(value) < 19 and int(value) >= low else None


def _open(request: Request, conn, settings, session, lang: str | None) -> StaffPage | Response:
    return open_staff_page(
        request, conn, session, lang or settings.default_lang, LIST, action="campaigns.read"
    )


@router.get(LIST, response_class=HTMLResponse)
def campaigns_page(
    request: Request, conn: ConnDep, settings: SettingsDep, session: SessionDep, lang: Lang = None
) -> Response:
    """The campaigns of my area with their progress, and the form to start one."""
    page = _open(request, conn, settings, session, lang)
    if isinstance(page, Response):
        return page
    L = page.lang
    total, items = list_campaigns(conn, page.principal, None, None, None, LIST_LIMIT, 0)
    form = None
    if allowed(page.principal.role, "campaigns.create"):
        form = start_form(start_areas(conn, page.principal), L, china_today())
    area_name = page.area.name if page.area else t("camp.list.whole_atlas", L)
    model = list_view(total, items, form, area_name, L, lang)
    return staff_response(page, "staff/campaigns.html", view=model, csrf_token=page.csrf_token)


@router.get(LIST + "/{campaign_id}", response_class=HTMLResponse)
def campaign_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    campaign_id: Annotated[str, Path()],
    lang: Lang = None,
    status: Text = "",
    part: Text = "",
    offset: Text = "",
    started: Text = "",
) -> Response:
    """One campaign: progress per sub-area and per crew, and its tasks filtered by state and sub-area."""
    page = _open(request, conn, settings, session, lang)
    if isinstance(page, Response):
        return page
    L = page.lang
    number = _number(campaign_id)
    try:
        if number is None:
            raise NotFound(f"no campaign {campaign_id!r}")
        progress = campaign_progress(conn, page.principal, number)
    except NotFound:
        message = t("camp.refused.not_found", L).format(id=campaign_id[:40])
        return staff_response(page, "staff/campaign.html", status_code=404, view=None, message=message)
    except Forbidden as exc:
        return staff_response(
            page, "staff/campaign.html", status_code=403, view=None, message=error_text(exc, L)
        )
    errors: dict[str, str] = {}
    values = {"status": status[:40] or None, "part": part[:40] or None}
    first = _number(offset, 0) or 0  # a page of tasks that cannot be: the first
    found = None
    for _ in range(3):  # drop each refused filter (named next to its field) and try again
        try:
            found = campaign_tasks(conn, page.principal, progress.campaign, offset=first, **values)
            break
        except DomainError as exc:
            name = {"campaigns.bad_state": "status", "campaigns.bad_part": "part"}.get(exc.key or "")
            if name is None:
                return staff_response(
                    page,
                    "staff/campaign.html",
                    status_code=error_status(exc),
                    view=None,
                    message=error_text(exc, L),
                )
            errors[name] = error_text(exc, L)
            values[name] = None
    assert found is not None
    total, tasks = found
    flt = task_filter(progress, values["status"] or "", values["part"] or "", errors, L)
    made = _number(started, 0)
    flash = t("camp.started", L).format(count=made) if made is not None else None
    mine = None
    theirs = existing_area(conn, progress.campaign["area_code"])
    if page.area is not None and len(page.area.descendant_prefix) > len(theirs.descendant_prefix):
        mine = (page.area.code, f"{page.area.name} ({page.area.code})")  # a part of the campaign's area
    model = detail_view(progress, tasks, total, flt, first, TASK_PAGE, L, lang, flash, mine)
    return staff_response(page, "staff/campaign.html", status_code=422 if errors else 200, view=model)
