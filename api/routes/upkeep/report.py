"""The upkeep report and map: ``/api/v1/upkeep/report`` (JSON, .csv, .xlsx) and the page ``/upkeep``.

Staff only (crew, planner, admin) in their area, like inspections and work orders: the anonymous public gets 401
from the API and is sent to the sign-in page from the map page; an area outside the caller's gets 403. The area
defaults to the caller's own (the whole atlas for an account without one), the year to this year in China
Standard Time. Figures: geo/upkeep/report.py. Downloads have the columns of the page's table, headers in Chinese
unless ``lang=en``; CSV is UTF-8 with a byte-order mark, as the coverage downloads.

An account signed in through the web (a session cookie) sees the map page under the staff frame (its navigation
with "养护地图" current, web/templates/staff/upkeep_header.html) and a page it cannot show in the frame too; a
caller with an API token only gets the page with its own header, as before.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from branca.element import Element
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ConnDep, SettingsDep
from api.downloads import FILE_RESPONSES, FileFormat, Lang, file_response
from api.errors import error_status
from api.principal import PrincipalDep, get_web_session, require
from api.routes.accounts.login import sign_in_first
from api.routes.atlas.sites import AREA_PATTERN
from api.staff_pages import NO_STORE, StaffPage, open_staff_page, staff_response
from geo.accounts.credentials import WebSession
from geo.errors import DomainError, Forbidden, NotFound
from geo.principal import Principal
from geo.upkeep.report import upkeep_map_sites, upkeep_report
from geo.upkeep.schedules import china_today
from web.coverage.map import render_page
from web.i18n import error_text, t
from web.jinja import render
from web.map_parts import error_page, page_basemap
from web.staff import FRAME_CSS_LINK
from web.upkeep.map import UpkeepLinks, build_upkeep_map, upkeep_table

router = APIRouter(prefix="/upkeep", tags=["upkeep"])
page_router = APIRouter(tags=["pages"], include_in_schema=False)

AreaCode = Annotated[
    str | None,
    Query(pattern=AREA_PATTERN, description="area code (default: the caller's area; none: the whole atlas)"),
]
Year = Annotated[
    int | None, Query(ge=2000, le=2100, description="calendar year (default: this year, China time)")
]
READ = Depends(require("inspections.read"))
SessionDep = Annotated[WebSession | None, Depends(get_web_session)]


def _area(principal: Principal, area: str | None) -> str | None:
    return area if area is not None else principal.area_code


def _report(request: Request, conn, principal: Principal, area: str | None, year: int | None):
    upkeep = request.app.state.upkeep
    return upkeep_report(conn, principal, _area(principal, area), year or china_today().year, upkeep)


@router.get("/report", summary="Upkeep report of an area", dependencies=[READ])
def upkeep_report_json(
    request: Request, conn: ConnDep, principal: PrincipalDep, area: AreaCode = None, year: Year = None
):
    """One row per child area, then the total: sites per collection, inspected in the year, condition counts,
    mean condition index, overdue sites, open work orders and spend (yuan); 404 for an unknown area."""
    return _report(request, conn, principal, area, year).as_dict()


@router.get(
    "/report.{fmt}",
    summary="Upkeep report as CSV or Excel",
    response_class=Response,
    responses=FILE_RESPONSES,
    dependencies=[READ],
)
def upkeep_report_file(
    fmt: FileFormat,
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    area: AreaCode = None,
    year: Year = None,
    lang: Lang = None,
) -> Response:
    """The rows of /upkeep/report as a file (Excel: shares formatted as %, with a sheet about the figures)."""
    lang = lang or settings.default_lang
    found = _report(request, conn, principal, area, year)
    table = upkeep_table(found, lang)
    code = found.area.code if found.area else "all"
    stem = f"upkeep-report-{code}-{found.year}"
    name = found.area.name if found.area else t("coverage.all_areas", lang)
    label = f"{t('upkeep.sheet', lang)}-{name}-{found.year}"
    return file_response(table, stem, label, fmt, t("upkeep.sheet", lang))


@page_router.get("/upkeep", response_class=HTMLResponse)
def upkeep_map(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    session: SessionDep,
    area: AreaCode = None,
    year: Year = None,
    lang: Annotated[Literal["zh", "en"] | None, Query()] = None,
    basemap: Annotated[Literal["osm", "tianditu", "amap", "none"] | None, Query()] = None,
) -> Response:
    """The upkeep map of an area with its report, on the chosen basemap; the anonymous are sent to sign in first;
    an account signed in on the web sees it in the staff frame."""
    page_lang = lang or settings.default_lang
    if principal.is_public:
        return sign_in_first(request, lang)
    staff = None
    if session is not None and not session.principal.is_public:
        opened = open_staff_page(request, conn, session, page_lang, "/upkeep", action="inspections.read")
        if isinstance(opened, Response):
            return opened
        staff = opened
    atlas = str(request.app.url_path_for("overview_map")) + (f"?lang={lang}" if lang else "")
    upkeep = request.app.state.upkeep
    try:
        found = _report(request, conn, principal, area, year)
        code = found.area.code if found.area else None
        data = upkeep_map_sites(conn, principal, found.area, upkeep, found.today)  # the area found once
    except DomainError as exc:
        if staff is not None:
            return staff_response(
                staff, "staff/upkeep_error.html", error_status(exc), message=_framed_error(exc, page_lang)
            )
        page = error_page(
            error_text(exc, page_lang), page_lang, back=atlas, title=t("upkeep.error", page_lang)
        )
        return HTMLResponse(page.render(), status_code=error_status(exc))
    params = urlencode({k: v for k, v in {"area": code, "year": found.year, "lang": page_lang}.items() if v})

    def url(fmt: str) -> str:
        return f"{request.app.url_path_for('upkeep_report_file', fmt=fmt)}?{params}"

    links = UpkeepLinks(
        page=str(request.app.url_path_for("upkeep_map")),
        atlas=atlas,
        report_csv=url("csv"),
        report_xlsx=url("xlsx"),
    )
    page = {"area": code, "year": found.year, "lang": lang}
    chosen = page_basemap(settings, basemap, links.page, page)
    m = build_upkeep_map(data, found, upkeep, lang=page_lang, links=links, basemap=chosen)
    if staff is None:
        return HTMLResponse(m.get_root().render(), headers=NO_STORE)
    framed(m, staff)
    return HTMLResponse(render_page(m), headers=NO_STORE)


def _framed_error(exc: DomainError, lang: str) -> str:
    if isinstance(exc, Forbidden):
        return t("upkeep.refused_area", lang)
    if isinstance(exc, NotFound):
        return t("upkeep.no_area", lang)
    return error_text(exc, lang)


def framed(m, staff: StaffPage) -> None:
    """Put the staff frame (its header and stylesheet) above the map page's own header."""
    root = m.get_root()
    root.header.add_child(Element(FRAME_CSS_LINK), name="staff_frame_css")
    root.html.add_child(
        Element(render("staff/upkeep_header.html", frame=staff.frame)), name="staff_frame", index=0
    )
