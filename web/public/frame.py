"""The public pages' common frame: page shell, header and language switch, map block, message pages, assets.

The shell is web/templates/public/base.html (blocks title, head, content, scripts) with the one public header
(web/templates/public/header.html: search, 英名录, 寻亲, report a problem, the map, the language; the current
section marked ``aria-current``). ``page()`` wraps a body already written as HTML (a rendered template's Markup);
a template may instead extend the base and be rendered with ``frame=frame_vars(...)``.

Pure: data in, HTML text out; every value is escaped. Chinese by default, English on request. Scripts and
styles are the app's own files (web/static/public.js and public.css, served at
``/static/public/<name>?v=<hash>``) and Leaflet from node_modules (web/assets.py), never a CDN: the pages work
with no internet. Page data goes to the script as JSON in a ``<script type="application/json">`` element; each
script tag the frame writes carries the CSP nonce mark (web/csp.py), which the security middleware makes the
response's nonce. The maps draw our own boundaries and the points; tiles (web/basemaps.py) only when the
visitor chose a basemap (``?basemap=`` or its remembered cookie), so by default nothing is loaded from
outside. On AMap the map's data are shifted to GCJ-02 for display (the public maps send no clicks back).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from html import escape
from typing import Any

from markupsafe import Markup

from geo.errors import DomainError, NotFound
from web.assets import STATIC_DIR
from web.assets import asset_url as vendor_url
from web.basemaps import Basemap, shift_geojson, shift_points
from web.i18n import error_text, html_lang, keys, t
from web.jinja import render
from web.upkeep.crew_pages import lang_query, script_json

PUBLIC_ASSETS: dict[str, str] = {
    "public.js": "text/javascript; charset=utf-8",
    "public.css": "text/css; charset=utf-8",
    "public_site.css": "text/css; charset=utf-8",
}
"""The public pages' own files in web/static and their content types."""
STATIC_URL = "/static/public"

_JS_STRINGS = (
    "public.locating",
    "public.no_position",
    "public.sending",
    "public.sent",
    "public.refused",
    "public.too_many",
    "public.offline",
    "public.need_contact",
    "public.required",
    "public.suggest.sites",
    "public.suggest.martyrs",
    "public.suggest.count",
    "public.suggest.none",
    "public.unnamed",
    "public.area.matches",
)


@cache
def _digest(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


def asset_url(name: str) -> str:
    """The URL of a public page asset, with its content hash (a changed file gets a new URL)."""
    return f"{STATIC_URL}/{name}?v={_digest(name)}"


@dataclass(frozen=True)
class PageContext:
    """Where a page is and in which language: what every public page needs to link back to itself."""

    lang: str
    explicit_lang: str | None
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    base_url: str = ""
    basemap: Basemap | None = None
    """The tiles under the maps (web/basemaps.py); None: no tiles, our own boundaries only (no internet needed)."""

    def link(self, path: str, **params: Any) -> str:
        """A local link keeping the explicitly chosen language."""
        return path + lang_query(self.explicit_lang, **params)


@dataclass(frozen=True)
class MapData:
    """A page's map: points (lon, lat, label, link), shapes and outlines as GeoJSON, all WGS-84."""

    points: list[dict] = field(default_factory=list)
    shapes: dict | None = None
    outlines: dict | None = None
    zoom: int | None = None


def _display(map_data: MapData, crs: str) -> MapData:
    """The map's data in the basemap's display CRS (AMap: GCJ-02; web/basemaps.py shifts it)."""
    if crs == "wgs84":
        return map_data
    lons, lats = shift_points([p["lon"] for p in map_data.points], [p["lat"] for p in map_data.points], crs)
    points = [{**p, "lon": lon, "lat": lat} for p, lon, lat in zip(map_data.points, lons, lats, strict=True)]
    shapes = shift_geojson(map_data.shapes, crs) if map_data.shapes else None
    outlines = shift_geojson(map_data.outlines, crs) if map_data.outlines else None
    return MapData(points, shapes, outlines, map_data.zoom)


def _basemap_config(chosen: Basemap) -> dict[str, Any]:
    layers = [
        {
            "url": layer.url,
            "attribution": layer.attribution,
            "subdomains": layer.subdomains,
            "maxZoom": layer.max_zoom,
        }
        for layer in chosen.layers
    ]
    return {"name": chosen.name, "crs": chosen.crs, "layers": layers}


NAV: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("search", "/search", "public.nav.search", ("/search", "/sites/")),
    ("martyrs", "/martyrs", "public.nav.martyrs", ("/martyrs",)),
    ("family", "/family-search", "public.nav.family", ("/family-search", "/proxy-tribute")),
    ("report", "/report", "public.nav.report", ("/report",)),
    ("map", "/", "public.nav.map", ()),
)
"""The public header's links: (name, path, label key, the paths it is the section of)."""


def nav_items(ctx: PageContext) -> list[dict[str, str]]:
    """The header's links, the current page marked ``aria-current="page"`` and its section ``"true"``."""
    items = []
    for name, path, key, sections in NAV:
        if ctx.path == path:
            current = "page"
        elif any(ctx.path.startswith(s) for s in sections):
            current = "true"
        else:
            current = ""
        items.append({"name": name, "href": ctx.link(path), "label": t(key, ctx.lang), "current": current})
    return items


def _switch(ctx: PageContext) -> dict[str, str]:
    other = "en" if ctx.lang == "zh" else "zh"
    kept = {k: v for k, v in ctx.params.items() if k != "lang" and v not in (None, "")}
    return {"href": ctx.path + lang_query(other, **kept), "lang": html_lang(other)}


def frame_vars(
    ctx: PageContext,
    title: str,
    map_data: MapData | None = None,
    config: dict[str, Any] | None = None,
    head: str = "",
    body: str = "",
) -> dict[str, Any]:
    """What web/templates/public/base.html needs, as ``frame``: a template that extends the base renders with
    ``render(name, frame=frame_vars(...), ...)`` and fills the blocks title, head, content and scripts."""
    strings = {key.removeprefix("public."): t(key, ctx.lang) for key in _JS_STRINGS}
    data: dict[str, Any] = {
        "lang": ctx.lang,
        "explicitLang": ctx.explicit_lang,
        "strings": strings,
        **(config or {}),
    }
    leaflet_css = leaflet_js = ""
    if map_data is not None:
        chosen = ctx.basemap if ctx.basemap is not None and ctx.basemap.layers else None
        shown = _display(map_data, chosen.crs) if chosen is not None else map_data
        data["map"] = {
            "points": shown.points,
            "shapes": shown.shapes,
            "outlines": shown.outlines,
            "zoom": shown.zoom,
            "basemap": _basemap_config(chosen) if chosen is not None else None,
        }
        leaflet_css = vendor_url("leaflet_css")
        leaflet_js = vendor_url("leaflet")
    return {
        "lang": ctx.lang,
        "title": title,
        "home": ctx.link("/search"),
        "nav": nav_items(ctx),
        "switch": _switch(ctx),
        "css": asset_url("public.css"),
        "js": asset_url("public.js"),
        "leaflet_css": leaflet_css,
        "leaflet_js": leaflet_js,
        "config_json": Markup(script_json(data)),
        "head": Markup(head),
        "body": Markup(body),
    }


def page(
    ctx: PageContext,
    title: str,
    body: str,
    map_data: MapData | None = None,
    head: str = "",
    config: dict[str, Any] | None = None,
) -> str:
    """A whole public page (web/templates/public/base.html): the public header, ``body`` (HTML: a rendered
    template's Markup or escaped text), the map block's data and the scripts; ``head`` goes into the head."""
    return render("public/base.html", frame=frame_vars(ctx, title, map_data, config, head, body))


def map_block(label: str) -> str:
    """The element the script draws the page's map into (points and our boundaries; no online basemap)."""
    return f'<div id="map" class="map" role="region" aria-label="{escape(label)}"></div>'


def fact_list(rows: list[tuple[str, str, str]]) -> str:
    """A definition list of (label, value, field name) rows, skipping empty values."""
    items = "".join(
        f'<div><dt>{escape(label)}</dt><dd data-field="{escape(name)}">{escape(value)}</dd></div>'
        for label, value, name in rows
        if value not in ("", None)
    )
    return f'<dl class="facts">{items}</dl>'


def refusal_text(exc: DomainError, lang: str) -> str:
    """A refusal in the page's language: the error's catalogue entry, else a plain sentence of its kind (never
    the English developer message on a Chinese page)."""
    if exc.key and f"error.{exc.key}" in keys():
        return error_text(exc, lang)
    return t("public.not_found.page" if isinstance(exc, NotFound) else "public.refused.generic", lang)


def message_page(ctx: PageContext, title: str, message: str) -> str:
    """A page that only says why there is nothing to show (404, bad input), with the way back to the search."""
    body = (
        f'<h1>{escape(title)}</h1><p class="message error" role="alert">{escape(message)}</p>'
        f'<p><a href="{escape(ctx.link("/search"))}">{escape(t("public.back_to_search", ctx.lang))}</a></p>'
    )
    return page(ctx, title, body)


def not_found_page(ctx: PageContext, message: str) -> str:
    """The public pages' 404 page."""
    return message_page(ctx, t("public.not_found", ctx.lang), message)


def pager(ctx: PageContext, total: int, offset: int, limit: int, shown: int) -> str:
    """ "Showing a-b of n" with previous and next links keeping the page's query."""
    if total == 0:
        return ""
    kept = {k: v for k, v in ctx.params.items() if k not in ("offset", "lang") and v not in (None, "")}
    text = t("public.showing", ctx.lang).format(start=offset + 1, end=offset + shown, total=total)
    links = ""
    if offset > 0:
        prev = ctx.link(ctx.path, **kept, offset=max(0, offset - limit) or None)
        links += f'<a rel="prev" href="{escape(prev)}">{escape(t("public.previous", ctx.lang))}</a>'
    if offset + shown < total:
        nxt = ctx.link(ctx.path, **kept, offset=offset + limit)
        links += f'<a rel="next" href="{escape(nxt)}">{escape(t("public.next", ctx.lang))}</a>'
    return f'<p class="pager"><span>{escape(text)}</span>{links}</p>'
