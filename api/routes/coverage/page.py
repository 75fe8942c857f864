"""The planners' coverage page ``/coverage``: the coverage map of an area, its tables and their downloads.

The figures are those of ``/api/v1/coverage/rates`` and ``/gaps``; an unknown area or siting run answers an error
page with the API's status. A signed-in staff member sees the page in the staff frame (api/staff_pages.py) and,
with the right in the page's area, a button that recomputes the area's coverage (``POST
/api/v1/coverage/runs`` with ``area``); the anonymous keep the public page with a link to sign in. SQL lives in
geo/coverage/, HTML in web/coverage/ and web/templates/staff/coverage_*.html.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ConnDep, SettingsDep
from api.errors import error_status
from api.principal import get_web_session
from api.routes.atlas.sites import AREA_PATTERN
from api.routes.coverage.rates import Level
from api.staff_pages import NO_STORE, StaffPage, open_staff_page, staff_response
from geo.accounts.credentials import WebSession
from geo.accounts.permissions import allowed, covers
from geo.coverage.map_data import coverage_map_data, siting_run_sites
from geo.coverage.runs import get_run
from geo.errors import DomainError, NotFound
from web.coverage.map import PageLinks, StaffTools, build_coverage_map, render_page
from web.i18n import error_text, t
from web.map_parts import error_page, page_basemap
from web.staff import STAFF_JOBS, job_href
from web.times import local_time

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/coverage", response_class=HTMLResponse)
def coverage_map(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    area: Annotated[str | None, Query(pattern=AREA_PATTERN)] = None,
    level: Annotated[Level | None, Query()] = None,
    village_m: Annotated[float | None, Query()] = None,
    township_m: Annotated[float | None, Query()] = None,
    by: Annotated[Literal["village", "township", "any"], Query()] = "village",
    weight: Annotated[Literal["population", "villages"], Query()] = "population",
    siting_run: Annotated[int | None, Query(ge=1)] = None,
    lang: Annotated[Literal["zh", "en"] | None, Query()] = None,
    basemap: Annotated[Literal["osm", "tianditu", "amap", "none"] | None, Query()] = None,
    recomputed: Annotated[int | None, Query(ge=1)] = None,
    session: Annotated[WebSession | None, Depends(get_web_session)] = None,
) -> Response:
    """The planners' coverage map of an area: rates per unit, villages and townships beyond reach, units without a
    station, station reach, tables; with ``siting_run``, that run's chosen sites as proposed sites (and its area
    when none is given); on the chosen basemap (``basemap`` or the remembered one, else the settings').
    ``recomputed``: the coverage run the page's recompute button has just finished (the page says so)."""
    explicit_lang = lang
    lang = lang or settings.default_lang
    staff = None
    if session is not None and not session.principal.is_public:
        opened = open_staff_page(request, conn, session, lang, "/coverage")
        if isinstance(opened, Response):
            return opened
        staff = opened
    atlas = str(request.app.url_path_for("overview_map")) + (f"?lang={lang}" if explicit_lang else "")
    proposed = None
    try:
        if siting_run is not None:
            run_area, proposed = siting_run_sites(conn, siting_run)
            area = area or run_area
        data = coverage_map_data(conn, area, level, village_m, township_m)
    except DomainError as exc:
        if staff is not None:
            mine = job_href(next(j for j in STAFF_JOBS if j.path == "/coverage"), staff.principal)
            return staff_response(
                staff,
                "staff/coverage_error.html",
                error_status(exc),
                message=error_text(exc, lang),
                back=mine,
            )
        page = error_page(error_text(exc, lang), lang, back=atlas)
        return HTMLResponse(page.render(), status_code=error_status(exc))
    query = {
        "area": area,
        "level": level,
        "village_m": village_m,
        "township_m": township_m,
        "by": by if by != "village" else None,
        "weight": weight if weight != "population" else None,
        "siting_run": siting_run,
        "lang": explicit_lang,
        "basemap": basemap,  # kept by the threshold form and the drill-down links
    }
    downloads = {"area": area, "level": level, "village_m": village_m, "township_m": township_m, "lang": lang}
    gaps_query = {"area": area, "lang": lang}

    def url(name: str, fmt: str, params: dict) -> str:
        kept = urlencode({k: v for k, v in params.items() if v is not None})
        return str(request.app.url_path_for(name, fmt=fmt)) + (f"?{kept}" if kept else "")

    links = PageLinks(
        page=str(request.app.url_path_for("coverage_map")),
        atlas=atlas,
        rates_csv=url("rates_file", "csv", downloads),
        rates_xlsx=url("rates_file", "xlsx", downloads),
        gaps_csv=url("gaps_file", "csv", gaps_query),
        gaps_xlsx=url("gaps_file", "xlsx", gaps_query),
        beyond_csv=url("beyond_file", "csv", downloads),
        beyond_xlsx=url("beyond_file", "xlsx", downloads),
        sign_in=str(request.app.url_path_for("login_form")) + "?" + urlencode({"next": _here(request)}),
        runs_api=str(request.app.url_path_for("create_run")),
    )
    chosen = page_basemap(settings, basemap, links.page, query)
    tools = _staff_tools(conn, staff, area, recomputed, lang) if staff else None
    m = build_coverage_map(
        data,
        lang=lang,
        proposed=proposed,
        by=by,
        weight=weight,
        links=links,
        query=query,
        basemap=chosen,
        tools=tools,
    )
    return HTMLResponse(render_page(m), headers=NO_STORE if staff else None)


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _staff_tools(conn, page: StaffPage, area: str | None, recomputed: int | None, lang: str) -> StaffTools:
    """The frame, the recompute right in ``area`` and the sentence about the run that has just finished."""
    principal = page.principal
    may = allowed(principal.role, "coverage.run") and covers(principal, area)
    finished = None
    if recomputed is not None:
        try:
            run = get_run(conn, recomputed)
        except NotFound:
            run = None
        if run is not None and run.status == "done" and run.counts:
            when = local_time(run.finished_at)
            if run.kind == "full":
                finished = t("coverage.recompute.finished_all", lang).format(run=run.id, time=when)
            else:
                finished = t("coverage.recompute.finished", lang).format(
                    run=run.id,
                    time=when,
                    villages=f"{(run.counts.get('villages') or {}).get('changed', 0):,}",
                    townships=f"{(run.counts.get('townships') or {}).get('changed', 0):,}",
                )
    return StaffTools(page.frame, page.csrf_token, may, area, finished)
