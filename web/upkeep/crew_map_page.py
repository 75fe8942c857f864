"""The crews' map of my tasks (``/crew/map``, issue 21): my area's boundary and divisions, its sites with my tasks
marked, my position and, per site, its page and the ways to navigate there.

Pure: HTML text out; every value is escaped. The page holds no map data: web/static/crew_map.js draws it with
Leaflet (from node_modules, no basemap: boundaries, labelled points and a scale mean something with no signal)
from ``GET /api/v1/me/map``, a URL of its own that the crews' service worker keeps for offline use.
"""

from __future__ import annotations

from html import escape

from web.assets import vendor_url
from web.csp import SCRIPT_NONCE
from web.i18n import enum_label, t
from web.upkeep.crew_directions import directions_labels
from web.upkeep.crew_pages import asset_url, header, lang_query, outbox_block, page

MAP_DATA_URL = "/api/v1/me/map"
"""Where the map page fetches its data (the same URL whatever the language: the service worker keeps one copy)."""
MAP_PATH = "/crew/map"
_STRINGS = (
    "crew_map.loading",
    "crew_map.loaded",
    "crew_map.truncated",
    "crew_map.load_failed",
    "crew_map.sign_in_again",
    "crew_map.locate",
    "crew_map.located",
    "crew_map.denied",
    "crew_map.unavailable",
    "crew_map.timeout",
    "crew_map.no_geolocation",
    "crew_map.you",
    "crew_map.open_site",
    "crew_map.no_task",
    "crew_map.inspection",
    "crew_map.order",
    "crew_map.condition",
    "crew_map.distance",
    "crew.locating",
    "crew.grave_of",
    "crew.due_on",
    "crew.status.never_inspected",
    "crew.status.overdue",
    "crew.status.due_soon",
    "directions.title",
    "distance.m",
    "distance.km",
)
_LEGEND = ("order", "inspection", "other", "you", "area")


def _legend(lang: str) -> str:
    items = "".join(
        f'<li><span class="key key-{key}" aria-hidden="true"></span>{escape(t(f"crew_map.legend.{key}", lang))}</li>'
        for key in _LEGEND
    )
    return f'<ul class="map-legend" aria-label="{escape(t("crew_map.legend", lang))}">{items}</ul>'


def map_page(lang: str, explicit_lang: str | None, who: str, csrf_token: str = "") -> str:
    """The task map page: the map's frame, the "locate me" button with its status, a legend; data comes by fetch."""
    title = t("crew_map.title", lang)
    body = (
        f'<link rel="stylesheet" href="{escape(vendor_url("leaflet_css"))}">'
        + header(lang, title, who, MAP_PATH, None, csrf_token)
        + '<main class="map-main">'
        + outbox_block(lang)
        + '<div class="map-tools">'
        f'<button type="button" id="locate-me" class="small">{escape(t("crew_map.locate", lang))}</button>'
        '<p id="locate-status" class="locate-status" role="status"></p></div>'
        f'<div id="crew-map" class="crew-map" role="region" aria-label="{escape(t("crew_map.map_label", lang))}">'
        f'<noscript><p class="hint">{escape(t("crew_map.no_map", lang))}</p></noscript></div>'
        f'<p id="map-status" class="map-status" role="status">{escape(t("crew_map.loading", lang))}</p>'
        + _legend(lang)
        + "</main>"
        f'<script{SCRIPT_NONCE} src="{escape(vendor_url("leaflet_js"))}" defer></script>'
        f'<script{SCRIPT_NONCE} src="{escape(asset_url("crew_map.js"))}" defer></script>'
    )
    statuses = ("assigned", "in_progress")
    config = {
        "page": "map",
        "map": {
            "dataUrl": MAP_DATA_URL,
            "siteQuery": lang_query(explicit_lang),
            "strings": {key: t(key, lang) for key in _STRINGS},
            "apps": directions_labels(lang),
            "orderStatus": {s: enum_label("work_order_status", s, lang) for s in statuses},
        },
    }
    return page(lang, title, body, config)
