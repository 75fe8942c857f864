"""The atlas page: the overview map at ``/`` (the planners' coverage map is api/routes/coverage/page.py).

The page is cached whole per role, language and basemap (api/page_cache.py): who is signed in, their links and
the search are asked for by the page's script (web/atlas/overview.py), never written into the cached HTML."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from api.deps import PublicConnDep, SettingsDep
from api.principal import PrincipalDep
from geo.atlas.areas import area_outlines, atlas_bounds
from geo.atlas.overview import MAP_COLLECTIONS, map_layers, map_versions, site_counts
from web.atlas.map import build_atlas_map
from web.atlas.overview import OverviewPage, add_overview, render_page
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
    """The atlas map under its title, legend, search and sign-in state: one clustered layer per collection,
    county outlines for context, on the chosen basemap.

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
            basemap_name=chosen.name,
            tianditu_key=chosen.tianditu_key,
            page_url=("/", {"lang": lang}),
        )
        add_overview(m, OverviewPage(page_lang, explicit_lang=lang, explicit_basemap=basemap))
        return render_page(m)

    # everything the page depends on: the role (what the popups may show), what the URL chose, and the data it
    # is built from; never who exactly asks
    versions = map_versions(conn)
    cache_key = ("overview", principal.role, lang, page_lang, chosen.name, basemap, versions)
    return HTMLResponse(request.app.state.page_cache.get_or_build(cache_key, build, versions))


@router.get("/favicon.ico")
def favicon() -> Response:
    """No icon yet: an empty answer instead of a 404 in every browser console."""
    return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})
