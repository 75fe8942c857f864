"""The atlas page: the overview map at ``/`` (the planners' coverage map is api/routes/coverage/page.py).

The page is cached whole per role, language and basemap (api/page_cache.py): who is signed in, their links and
the search are asked for by the page's script (web/atlas/overview.py), never written into the cached HTML."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from api.deps import PublicConnDep, SettingsDep
from api.principal import PrincipalDep
from geo.atlas.areas import area_outlines, atlas_bounds
from geo.atlas.overview import MAP_COLLECTIONS, map_layers, map_versions, site_counts
from web.atlas.map import build_atlas_map, layer_json, outlines_json
from web.atlas.overview import OverviewPage, add_overview, render_page
from web.map_parts import page_basemap
from web.public.search_page import OutlinesRef

router = APIRouter(tags=["pages"], include_in_schema=False)

Lang = Annotated[Literal["zh", "en"] | None, Query()]
MapPart = Literal["stations", "memorials", "cemeteries", "graves", "outlines"]
DAY = 86400


def data_token(role: str | None, versions: tuple) -> str:
    """A short token naming the role and the data versions a page's fetched layers are built from (in their URLs,
    so a write or another role asks for other URLs and the browser may keep each answer). The outlines (role
    None) depend on the areas' version alone."""
    if role is None:
        versions = tuple(v for v in versions if v[0] == "areas")
    return hashlib.sha256(repr((role, versions)).encode()).hexdigest()[:16]


def outlines_ref(request: Request, conn: Connection) -> OutlinesRef:
    """Where a page's script fetches the county outlines (the overview page's, cached apart from any page) and
    the box they fill, for a page that shows them as context (the public search)."""
    url = str(request.app.url_path_for("overview_data", part="outlines"))
    return OutlinesRef(f"{url}?v={data_token(None, map_versions(conn))}", atlas_bounds(conn))


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

    The page itself is light: each collection's marker table and the outlines are fetched by its script from
    ``/atlas/data/{part}.json`` (cached, ETag; the outlines once the markers are drawn). A collection of more than
    ``map_embed_max`` sites is drawn from the server's cluster tiles instead."""
    page_lang = lang or settings.default_lang
    chosen = page_basemap(settings, basemap)

    versions = map_versions(conn)
    token = data_token(principal.role, versions)

    def data_url(part: str) -> str:
        if part == "outlines":
            return outlines_ref(request, conn).url
        return str(request.app.url_path_for("overview_data", part=part)) + f"?lang={page_lang}&v={token}"

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
            {},
            cluster_urls=tiled,
            layer_urls={name: data_url(name) for name in MAP_COLLECTIONS if name not in tiled},
            lang=page_lang,
            bounds=atlas_bounds(conn),
            outlines_url=data_url("outlines"),
            basemap_name=chosen.name,
            tianditu_key=chosen.tianditu_key,
            page_url=("/", {"lang": lang}),
        )
        add_overview(m, OverviewPage(page_lang, explicit_lang=lang, explicit_basemap=basemap))
        return render_page(m)

    # everything the page depends on: the role (what the popups may show), what the URL chose, and the data it
    # is built from; never who exactly asks
    cache_key = ("overview", principal.role, lang, page_lang, chosen.name, basemap, versions)
    return HTMLResponse(request.app.state.page_cache.get_or_build(cache_key, build, versions))


@router.get("/atlas/data/{part}.json", name="overview_data")
def overview_data(
    request: Request,
    conn: PublicConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    part: MapPart,
    lang: Lang = None,
    crs: Annotated[Literal["wgs84", "gcj02"], Query()] = "wgs84",
    v: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """What the overview page fetches after its HTML: one collection's compact marker table (the fields the
    caller's role may read) or the county outlines, in the display CRS. Cached in memory like the page; a
    browser keeps an answer whose ``v`` names the current data (a write changes the page's URLs), else
    revalidates it by its ETag."""
    versions = map_versions(conn)
    role = principal.role
    page_lang = lang or settings.default_lang
    token = data_token(None if part == "outlines" else role, versions)
    etag = f'"{part}-{crs}-{token}"' if part == "outlines" else f'"{part}-{page_lang}-{crs}-{token}"'
    private = "public" if part == "outlines" else "private"
    headers = {
        "ETag": etag,
        "Cache-Control": f"{private}, max-age={DAY}" if v == token else f"{private}, no-cache",
        "Vary": "Cookie, Authorization",
    }
    if part != "outlines" and site_counts(conn, settings.map_embed_max + 1)[part] > settings.map_embed_max:
        return Response(
            f"{part} holds more than {settings.map_embed_max:,} sites: the map draws them from their cluster tiles "
            f"(/api/v1/clusters/{part}/{{z}}/{{x}}/{{y}}.json), not from one table",
            status_code=404,
            media_type="text/plain; charset=utf-8",
            headers={"Cache-Control": "no-store"},
        )
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)

    def build() -> str:
        if part == "outlines":
            return outlines_json(area_outlines(conn, ("county",)), crs)
        return layer_json(part, map_layers(conn, role=role, collections=[part])[part], page_lang, crs)

    key = ("overview-data", part, None if part == "outlines" else role, page_lang, crs, versions)
    body = request.app.state.page_cache.get_or_build(key, build, versions)
    return Response(body, media_type="application/json", headers=headers)


@router.get("/favicon.ico")
def favicon() -> Response:
    """No icon yet: an empty answer instead of a 404 in every browser console."""
    return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})
