"""The planners' coverage page ``/coverage``: the coverage map of an area, its tables and their downloads.

The figures are those of ``/api/v1/coverage/rates`` and ``/gaps``; an unknown area or siting run answers an error
page with the API's status. SQL lives in geo/coverage/, HTML in web/coverage/.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import ConnDep, SettingsDep
from api.errors import error_status
from api.routes.atlas.sites import AREA_PATTERN
from api.routes.coverage.rates import Level
from geo.coverage.map_data import coverage_map_data, siting_run_sites
from geo.errors import DomainError
from web.coverage.map import PageLinks, build_coverage_map
from web.i18n import error_text
from web.map_parts import error_page, page_basemap

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
) -> HTMLResponse:
    """The planners' coverage map of an area: rates per unit, uncovered villages, station reach, tables;
    with ``siting_run``, that run's chosen sites as proposed sites (and its area when none is given); on the
    chosen basemap (``basemap`` or the remembered one, else the settings')."""
    explicit_lang = lang
    lang = lang or settings.default_lang
    atlas = str(request.app.url_path_for("overview_map")) + (f"?lang={lang}" if explicit_lang else "")
    proposed = None
    try:
        if siting_run is not None:
            run_area, proposed = siting_run_sites(conn, siting_run)
            area = area or run_area
        data = coverage_map_data(conn, area, level, village_m, township_m)
    except DomainError as exc:
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
    )
    chosen = page_basemap(settings, basemap, links.page, query)
    m = build_coverage_map(
        data, lang=lang, proposed=proposed, by=by, weight=weight, links=links, query=query, basemap=chosen
    )
    return HTMLResponse(m.get_root().render())
