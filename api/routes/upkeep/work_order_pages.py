"""The work-order pages: the board by state with its map (``/staff/work-orders``), an order's page
(``/staff/work-orders/{id}``) and a new order for a site (``/staff/work-orders/new?collection=&site=&inspection=``).

The pages read through geo/upkeep/work_orders_board.py; every change is sent by the page's script
(web/static/staff/work_orders.js) to the API programs use (``POST /api/v1/work-orders``, ``.../transitions`` with
``If-Match``, ``PATCH``, ``.../photos``) with the session cookie and the CSRF token. A filter value that cannot be
used is named next to its field (422) and the board shows the rest; an order outside the account's area, or one
that does not exist, is a sentence inside the frame (403/404).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ConnDep, SettingsDep
from api.principal import get_web_session
from api.staff_pages import StaffPage, open_staff_page, staff_response
from geo.accounts.credentials import WebSession
from geo.accounts.permissions import allowed
from geo.errors import DomainError, Forbidden, NotFound
from geo.kit.china_time import china_now
from geo.models import UPKEEP_COLLECTIONS
from geo.upkeep.work_orders_board import (
    BoardFilter,
    area_outline,
    board,
    find_sites,
    inspection_of_site,
    order_sheet,
    site_choice,
    sub_areas,
)
from web.i18n import error_text, t
from web.upkeep.work_order_pages import (
    board_view,
    filter_form,
    flash_text,
    new_order_view,
    order_view,
)

router = APIRouter(tags=["pages"], include_in_schema=False)

BOARD = "/staff/work-orders"
Lang = Annotated[Literal["zh", "en"] | None, Query()]
SessionDep = Annotated[WebSession | None, Depends(get_web_session)]
Text = Annotated[str, Query(max_length=40)]
_MAX_ID = 2**62


def _open(request: Request, conn, settings, session, lang: str | None, action: str) -> StaffPage | Response:
    return open_staff_page(request, conn, session, lang or settings.default_lang, BOARD, action=action)


def _number(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) < _MAX_ID else None


@router.get(BOARD, response_class=HTMLResponse)
def work_order_board(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    lang: Lang = None,
    view: Text = "",
    area: Text = "",
    kind: Text = "",
    priority: Text = "",
    overdue: Text = "",
    source: Text = "",
    collection: Text = "",
    site: Text = "",
) -> Response:
    """The orders of my area by state, filtered, as columns or on a map."""
    page = _open(request, conn, settings, session, lang, "work_orders.read")
    if isinstance(page, Response):
        return page
    L = page.lang
    raw = {
        "area": area,
        "kind": kind,
        "priority": priority,
        "overdue": overdue,
        "source": source,
        "collection": collection,
        "site": site,
    }
    errors: dict[str, str] = {}
    site_id = _number(site) if site else None
    if site and site_id is None:
        errors["site"] = t("wo.filter.bad_site", L).format(value=site)
    if collection and collection not in UPKEEP_COLLECTIONS:
        errors["site"] = t("wo.filter.bad_collection", L).format(value=collection)
    if site_id is not None and not collection:
        errors["site"] = t("wo.filter.site_needs_collection", L)
    values = {
        "area": area or None,
        "kind": kind or None,
        "priority": priority or None,
        "source": source or None,
        "collection": collection if collection in UPKEEP_COLLECTIONS else None,
        "site_id": site_id if collection in UPKEEP_COLLECTIONS else None,
    }
    today = china_now().date()
    result = None
    site_name = None
    for _ in range(6):  # drop each refused filter (named next to its field) and try again
        try:
            flt = BoardFilter(overdue=overdue in ("1", "true", "on"), **values)
            result = board(conn, page.principal, flt, today)
            break
        except DomainError as exc:
            field = {
                "work_orders.bad_kind": "kind",
                "work_orders.bad_priority": "priority",
                "work_orders.bad_source": "source",
                "work_orders.bad_collection": "site",
                "work_orders.area_outside": "area",
            }.get(exc.key or "")
            if field is None:
                raise
            errors[field] = error_text(exc, L)
            values["site_id" if field == "site" else field] = None
            if field == "site":
                values["collection"] = None
    assert result is not None
    if values["site_id"] is not None:
        try:
            site_name = site_choice(conn, page.principal, values["collection"], values["site_id"]).name
        except (NotFound, Forbidden) as exc:
            if isinstance(exc, NotFound):
                errors["site"] = t("wo.filter.no_site", L).format(value=site)
            else:
                errors["site"] = error_text(exc, L)
        except DomainError:
            site_name = None
    form = filter_form(flt, raw, sub_areas(conn, page.principal), errors, site_name, L)
    shown_area = values["area"] or page.principal.area_code
    the_view = "map" if view == "map" else "board"
    outline = area_outline(conn, shown_area) if the_view == "map" else None
    model = board_view(
        result, form, raw, the_view, L, lang, allowed(page.principal.role, "work_orders.create"), outline
    )
    return staff_response(
        page, "staff/work_orders.html", status_code=422 if errors else 200, view=model, my_area=page.area
    )


@router.get(BOARD + "/new", response_class=HTMLResponse)
def new_work_order(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    lang: Lang = None,
    collection: Text = "",
    site: Text = "",
    inspection: Text = "",
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """A new order: find the site (by name) or, with a site, the order's form (from an inspection too)."""
    page = _open(request, conn, settings, session, lang, "work_orders.create")
    if isinstance(page, Response):
        return page
    L = page.lang
    chosen = None
    found = []
    error = None
    status_code = 200
    inspection_row = None
    site_id = _number(site) if site else None
    if site:
        if collection not in UPKEEP_COLLECTIONS or site_id is None:
            error, status_code = t("wo.new.bad_site", L).format(collection=collection, site=site), 404
        else:
            try:
                chosen = site_choice(conn, page.principal, collection, site_id)
            except NotFound:
                error, status_code = t("wo.new.bad_site", L).format(collection=collection, site=site), 404
            except Forbidden as exc:
                error, status_code = error_text(exc, L), 403
    if chosen is not None and inspection:
        number = _number(inspection)
        inspection_row = (
            inspection_of_site(conn, number, chosen.collection, chosen.id) if number is not None else None
        )
        if inspection_row is None:
            error, status_code = t("wo.new.bad_inspection", L).format(id=inspection), 422
    searched = chosen is None and bool(q.strip())
    kind = collection if collection in UPKEEP_COLLECTIONS else "memorials"
    if searched:
        found = find_sites(conn, page.principal, kind, q)
    model = new_order_view(chosen, inspection_row, kind, q, found, searched, error, L, lang, page.csrf_token)
    return staff_response(page, "staff/work_order_new.html", status_code=status_code, view=model)


@router.get(BOARD + "/{order_id}", response_class=HTMLResponse)
def work_order_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    order_id: str,
    lang: Lang = None,
    moved: Text = "",
    photo: Text = "",
    saved: Text = "",
) -> Response:
    """One order: site, source, costs, history, before/after photos, and each step this account may take."""
    page = _open(request, conn, settings, session, lang, "work_orders.read")
    if isinstance(page, Response):
        return page
    L = page.lang
    number = _number(order_id)
    try:
        if number is None:
            raise NotFound(f"no work order {order_id[:20]!r}")
        sheet = order_sheet(conn, page.principal, number)
    except (NotFound, Forbidden) as exc:
        key = "wo.detail.outside" if isinstance(exc, Forbidden) else "wo.detail.not_found"
        message = t(key, L).format(id=order_id[:20])
        return staff_response(
            page,
            "staff/work_order.html",
            status_code=403 if isinstance(exc, Forbidden) else 404,
            view=None,
            message=message,
            board_href=BOARD + (f"?lang={L}" if lang else ""),
        )
    model = order_view(
        sheet,
        page.principal,
        china_now().date(),
        L,
        lang,
        page.csrf_token,
        flash_text(moved, photo, saved, L),
    )
    return staff_response(
        page, "staff/work_order.html", view=model, message=None, board_href=model.board_href
    )
