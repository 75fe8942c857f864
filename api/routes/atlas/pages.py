"""HTML pages: the overview map at ``/`` and the planners' coverage map at ``/coverage``."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from api.deps import ConnDep, PublicConnDep, SettingsDep
from api.errors import error_status
from api.principal import PrincipalDep
from api.routes.atlas.sites import AREA_PATTERN
from geo.atlas.areas import area_outlines, atlas_bounds
from geo.atlas.overview import MAP_COLLECTIONS, map_layers, map_versions, site_counts
from geo.coverage.map_data import coverage_map_data, siting_run_sites
from geo.errors import DomainError
from web.atlas.map import build_atlas_map
from web.coverage.map import PageLinks, build_coverage_map, error_page
from web.map_parts import page_basemap

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def overview_map(
    request: Request,
    conn: PublicConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    lang: Annotated[Literal["zh", "en"] | None, Query()] = None,
    basemap: Annotated[Literal["osm", "tianditu", "amap", "none"] | None, Query()] = None,
) -> HTMLResponse:
    """The atlas map: one clustered layer per collection, county outlines for context, on the chosen basemap.

    A collection of more than ``map_embed_max`` sites is not embedded: the page fetches its cluster tiles."""
    page_lang = lang or settings.default_lang
    chosen = page_basemap(settings, basemap)

    def build() -> str:
        sizes = site_counts(conn, settings.map_embed_max + 1)
        tiled = {
            name: str(
                request.app.url_path_for("cluster_tile", collection=name, z="{z}", x="{x}", tile="{y}.json")
            )
            + f"?lang={page_lang}"
            for name, size in sizes.items()
            if size > settings.map_embed_max
        }
        m = build_atlas_map(
            map_layers(
                conn, role=principal.role, collections=[name for name in MAP_COLLECTIONS if name not in tiled]
            ),
            cluster_urls=tiled,
            lang=page_lang,
            bounds=atlas_bounds(conn),
            outlines=area_outlines(conn, ("county",)),
            coverage_url="/coverage" + (f"?lang={lang}" if lang else ""),
            basemap_name=chosen.name,
            tianditu_key=chosen.tianditu_key,
            page_url=("/", {"lang": lang}),
        )
        return m.get_root().render()

    # everything the page depends on: who asks, what they chose, and the data it is built from
    versions = map_versions(conn)
    cache_key = ("overview", principal.role, lang, page_lang, chosen.name, versions)
    return HTMLResponse(request.app.state.page_cache.get_or_build(cache_key, build, versions))


@router.get("/favicon.ico")
def favicon() -> Response:
    """No icon yet: an empty answer instead of a 404 in every browser console."""
    return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})


Level = Literal["province", "city", "county", "township", "village"]


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
        page = error_page(exc.message, lang, back=atlas)
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
