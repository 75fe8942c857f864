"""The inspection pages: inspections of my area (``/staff/inspections``), one inspection, a site's history, and the
schedule (``/staff/schedule``) with its CSV and Excel downloads.

Each opens with the staff frame (api/staff_pages.py): ``inspections.read`` for the inspections, ``schedules.read``
for the schedule. Reads go through the capability's functions (geo/upkeep/inspections*.py, schedules.py) with the
signed-in account's rights and area; a record outside it, or one that does not exist, is a sentence in the frame.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ConnDep, SettingsDep
from api.downloads import FileFormat, file_response
from api.errors import error_status
from api.principal import get_web_session
from api.staff_pages import StaffPage, open_staff_page, staff_response
from geo.accounts.credentials import WebSession
from geo.accounts.permissions import allowed
from geo.atlas.site_list import area_outline
from geo.errors import DomainError, Forbidden, NotFound
from geo.models import UPKEEP_COLLECTIONS
from geo.upkeep.inspections import get_inspection, list_inspections
from geo.upkeep.inspections_list import area_inspectors, inspected_site, list_area_inspections, photo_counts
from geo.upkeep.photos import photo_refs
from geo.upkeep.schedules import ScheduleQuery, list_schedule, schedule_summary
from web.atlas.site_edit import basemap_config
from web.basemaps import basemap as basemap_layers
from web.i18n import error_text, t
from web.map_parts import page_basemap
from web.times import local_time
from web.upkeep.inspection_pages import (
    LIST_PATH,
    PAGE_SIZE,
    check_rows,
    collection_choices,
    history_chart,
    inspection_rows,
    paging,
    parse_inspection_query,
    position_text,
    score_rows,
    site_path,
    status_band,
    with_lang,
)
from web.upkeep.schedule_page import (
    MAP_LIMIT,
    TAB_STATES,
    map_points,
    schedule_rows,
    schedule_table,
    state_tabs,
    tab_href,
)
from web.upkeep.schedule_page import PAGE_SIZE as SCHEDULE_PAGE_SIZE
from web.upkeep.schedule_page import (
    PATH as SCHEDULE_PATH,
)

router = APIRouter(tags=["pages"], include_in_schema=False)

SessionDep = Annotated[WebSession | None, Depends(get_web_session)]
LangQuery = Annotated[Literal["zh", "en"] | None, Query()]
BasemapQuery = Annotated[Literal["osm", "tianditu", "amap", "none"] | None, Query()]
Collection = Annotated[str, Path(max_length=40)]
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]
HISTORY_LIMIT = 200
"""Inspections of a site shown in its history (the latest)."""


def _bands(request: Request) -> dict[str, int]:
    upkeep = request.app.state.upkeep
    return {"good_from": upkeep.good_from, "fair_from": upkeep.fair_from, "poor_from": upkeep.poor_from}


def _area_name(page: StaffPage) -> str:
    return page.frame.area


def _refused(page: StaffPage, exc: DomainError, missing: str = "insp.not_found") -> HTMLResponse:
    """The page that cannot be shown, in the frame: a record that does not exist (``missing``: what to say), one
    outside my area, or another reason in the page's language."""
    if isinstance(exc, NotFound):
        message = t(missing, page.lang)
    elif isinstance(exc, Forbidden):
        message = t("insp.refused_area", page.lang)
    else:
        message = error_text(exc, page.lang)
    return staff_response(
        page,
        "staff/inspection_error.html",
        status_code=error_status(exc),
        message=message,
        back=with_lang(LIST_PATH, page.lang),
    )


def _known(collection: str) -> None:
    if collection not in UPKEEP_COLLECTIONS:
        raise NotFound(f"{collection} are not inspected")


def _map_config(request: Request, settings, page: StaffPage, basemap: str | None) -> dict:
    choice = page_basemap(settings, basemap, request.url.path, {"lang": page.lang})
    chosen = basemap_layers(choice.name, page.lang, choice.tianditu_key)
    zoom = {"in": t("insp.map.zoom_in", page.lang), "out": t("insp.map.zoom_out", page.lang)}
    return {"lang": page.lang, "basemap": basemap_config(chosen), "zoom": zoom}


@router.get(LIST_PATH, response_class=HTMLResponse)
def inspections_page(
    request: Request, conn: ConnDep, settings: SettingsDep, session: SessionDep, lang: LangQuery = None
) -> Response:
    """Inspections of my area, newest first, with filters and paging; each opens its detail."""
    page = open_staff_page(
        request, conn, session, lang or settings.default_lang, LIST_PATH, "inspections.read"
    )
    if isinstance(page, Response):
        return page
    query = parse_inspection_query(request.query_params, page.lang)
    total, items = 0, []
    if not query.errors:
        total, items = list_area_inspections(conn, page.principal, query.filter, PAGE_SIZE, query.offset)
    return staff_response(
        page,
        "staff/inspections.html",
        status_code=400 if query.errors else 200,
        my_area=_area_name(page),
        query=query,
        collections=collection_choices(page.lang),
        inspectors=area_inspectors(conn, page.principal),
        rows=inspection_rows(items, page.lang, _bands(request)),
        paging=paging(query, total, len(items)),
        clear_href=with_lang(LIST_PATH, page.lang),
    )


@router.get(LIST_PATH + "/{collection}/{site_id}", response_class=HTMLResponse)
def site_history_page(
    collection: Collection,
    site_id: RecordId,
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    lang: LangQuery = None,
) -> Response:
    """A site's inspections, newest first, with its condition index over time."""
    page = open_staff_page(
        request, conn, session, lang or settings.default_lang, LIST_PATH, "inspections.read"
    )
    if isinstance(page, Response):
        return page
    try:
        _known(collection)
        site = inspected_site(conn, page.principal, collection, site_id)
        total, items = list_inspections(conn, page.actor, collection, site_id, HISTORY_LIMIT, 0)
    except DomainError as exc:
        return _refused(page, exc, "insp.site_not_found")
    bands = _bands(request)
    counts = photo_counts(conn, [i["id"] for i in items])
    band, band_label = status_band(site["condition_index"], page.lang, bands)
    rows = inspection_rows(
        [{**i, "site_name": site["name"], "photos": counts.get(i["id"], 0)} for i in items],
        page.lang,
        bands,
    )
    return staff_response(
        page,
        "staff/inspection_history.html",
        site=site,
        kind=t(f"layer.{collection}", page.lang),
        band=band,
        band_label=band_label,
        total=total,
        rows=rows,
        chart=history_chart(items),
        first_index=items[-1]["condition_index"] if items else None,
        last_index=items[0]["condition_index"] if items else None,
        limit=HISTORY_LIMIT,
        back_href=with_lang(LIST_PATH, page.lang),
    )


@router.get(LIST_PATH + "/{collection}/{site_id}/{inspection_id}", response_class=HTMLResponse)
def inspection_page(
    collection: Collection,
    site_id: RecordId,
    inspection_id: RecordId,
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    lang: LangQuery = None,
    basemap: BasemapQuery = None,
) -> Response:
    """One inspection: scores with their meaning, the five conditions, notes, photos and the position on a map."""
    page = open_staff_page(
        request, conn, session, lang or settings.default_lang, LIST_PATH, "inspections.read"
    )
    if isinstance(page, Response):
        return page
    try:
        _known(collection)
        site = inspected_site(conn, page.principal, collection, site_id)
        found = get_inspection(conn, page.actor, collection, site_id, inspection_id)
    except DomainError as exc:
        return _refused(page, exc)
    band, band_label = status_band(found["condition_index"], page.lang, _bands(request))
    photos = photo_refs(conn, inspection_id=inspection_id)
    config = {
        **_map_config(request, settings, page, basemap),
        "site": {"lon": site["lon"], "lat": site["lat"], "label": t("insp.position.site", page.lang)},
        "inspector": None
        if found["lon"] is None
        else {
            "lon": found["lon"],
            "lat": found["lat"],
            "accuracy": found["position_accuracy_m"],
            "label": t("insp.position.inspector", page.lang),
        },
    }
    return staff_response(
        page,
        "staff/inspection.html",
        site=site,
        found=found,
        when=local_time(found["inspected_at"]),
        kind=t(f"layer.{collection}", page.lang),
        band=band,
        band_label=band_label,
        scores=score_rows(found["scores"], page.lang),
        checks=check_rows(found["checklist"], page.lang),
        photos=photos,
        position=position_text(found, page.lang, site),
        map_config=config,
        history_href=with_lang(site_path(collection, site_id), page.lang),
        back_href=with_lang(LIST_PATH, page.lang),
        order_href=with_lang(
            f"/staff/work-orders/new?collection={collection}&site={site_id}&inspection={inspection_id}",
            page.lang,
        )
        if allowed(page.principal.role, "work_orders.create")
        else None,
        orders_href=with_lang(f"/staff/work-orders?collection={collection}&site={site_id}", page.lang)
        if allowed(page.principal.role, "work_orders.read")
        else None,
    )


def _schedule_state(state: str | None) -> str:
    return state if state in TAB_STATES else "overdue"


@router.get(SCHEDULE_PATH, response_class=HTMLResponse)
def schedule_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    lang: LangQuery = None,
    state: Annotated[str | None, Query(max_length=40)] = None,
    collection: Annotated[str | None, Query(max_length=40)] = None,
    page_no: Annotated[str | None, Query(alias="page", max_length=12)] = None,
    basemap: BasemapQuery = None,
) -> Response:
    """Overdue, due soon, never inspected and on-schedule sites of my area: tabs with counts, a table, a map."""
    page = open_staff_page(
        request, conn, session, lang or settings.default_lang, SCHEDULE_PATH, "schedules.read"
    )
    if isinstance(page, Response):
        return page
    chosen = _schedule_state(state)
    kind = collection if collection in UPKEEP_COLLECTIONS else None
    kinds = (kind,) if kind else UPKEEP_COLLECTIONS
    number = (
        int(page_no)
        if page_no and page_no.isascii() and page_no.isdigit() and 0 < int(page_no) < 10**6
        else 1
    )
    upkeep = request.app.state.upkeep
    try:
        summary = schedule_summary(conn, page.principal, None, upkeep)
        listed = list_schedule(
            conn,
            page.principal,
            ScheduleQuery(
                state=chosen,
                collections=kinds,
                limit=SCHEDULE_PAGE_SIZE,
                offset=(number - 1) * SCHEDULE_PAGE_SIZE,
            ),
            upkeep,
        )
        drawn = list_schedule(
            conn,
            page.principal,
            ScheduleQuery(state=chosen, collections=kinds, limit=MAP_LIMIT, geometry=True),
            upkeep,
        )
    except DomainError as exc:
        return _refused(page, exc)
    total = listed["numberMatched"]
    pages = max(1, -(-total // SCHEDULE_PAGE_SIZE))
    shown = len(listed["items"])
    first = (number - 1) * SCHEDULE_PAGE_SIZE + 1 if shown else 0
    points = map_points(drawn["items"], page.lang)
    outline = area_outline(conn, page.area)
    state_label = t(f"sched.state.{chosen}", page.lang)
    only = f"&collection={kind}" if kind else ""
    downloads = {
        fmt: with_lang(f"{SCHEDULE_PATH}/download.{fmt}?state={chosen}{only}", page.lang)
        for fmt in ("csv", "xlsx")
    }
    return staff_response(
        page,
        "staff/schedule.html",
        my_area=_area_name(page),
        summary=summary,
        state=chosen,
        state_label=state_label,
        bad_state=state is not None and state not in TAB_STATES,
        tabs=state_tabs(summary, chosen, page.lang, kind),
        collection=kind,
        collections=collection_choices(page.lang),
        bad_collection=collection is not None and collection != "" and kind is None,
        rows=schedule_rows(listed["items"], page.lang),
        total=total,
        first=first,
        last=first + shown - 1 if shown else 0,
        prev_href=tab_href(chosen, page.lang, number - 1, kind) if number > 1 else None,
        next_href=tab_href(chosen, page.lang, number + 1, kind) if number < pages else None,
        page_no=number,
        pages=pages,
        map_shown=len(points),
        map_config={**_map_config(request, settings, page, basemap), "outline": outline, "points": points},
        downloads=downloads,
    )


@router.get(SCHEDULE_PATH + "/download.{fmt}", response_class=Response)
def schedule_download(
    fmt: FileFormat,
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    lang: LangQuery = None,
    state: Annotated[str | None, Query(max_length=40)] = None,
    collection: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The sites of a state of my area's schedule as CSV or Excel (every one of them, most urgent first)."""
    page = open_staff_page(
        request, conn, session, lang or settings.default_lang, SCHEDULE_PATH, "schedules.read"
    )
    if isinstance(page, Response):
        return page
    chosen = _schedule_state(state)
    kinds = (collection,) if collection in UPKEEP_COLLECTIONS else UPKEEP_COLLECTIONS
    upkeep = request.app.state.upkeep
    items: list[dict] = []
    try:
        while True:
            found = list_schedule(
                conn,
                page.principal,
                ScheduleQuery(state=chosen, collections=kinds, limit=5000, offset=len(items)),
                upkeep,
            )
            items.extend(found["items"])
            if not found["items"] or len(items) >= found["numberMatched"]:
                break
    except DomainError as exc:
        return _refused(page, exc)
    about = [
        (t("field.area", page.lang), page.frame.area),
        (t("sched.col.state", page.lang), t(f"sched.state.{chosen}", page.lang)),
        (t("upkeep.as_of", page.lang), found["as_of"]),
    ]
    table = schedule_table(items, chosen, page.lang, about)
    code = page.area.code if page.area else "all"
    stem = f"schedule-{code}-{chosen}-{found['as_of']}"
    label = f"{t('sched.sheet', page.lang)}-{t(f'sched.state.{chosen}', page.lang)}-{found['as_of']}"
    response = file_response(table, stem, label, fmt, t("sched.sheet", page.lang))
    response.headers["Cache-Control"] = "no-store"
    return response
