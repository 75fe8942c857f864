"""Directions to a site for the crews' phone pages (issue 21): the links of web/directions.py (AMap and Apple in
GCJ-02, Baidu in BD-09, ``geo:`` in WGS-84) as a block of the crew site page and as data for the task map.

Pure: a WGS-84 position in, HTML text or plain data out; every value is escaped.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape

from web.directions import map_app_links
from web.i18n import t

SITES_REMEMBERED = 4096
"""How many sites' links are kept worked out: the task map asks for every site of the area at each opening, and
the conversions to GCJ-02 and BD-09 cost about a millisecond a site (numpy on one point at a time)."""


@lru_cache(maxsize=SITES_REMEMBERED)
def _links(lon: float, lat: float, name: str) -> tuple[tuple[str, str], ...]:
    return tuple((link.app, link.url) for link in map_app_links(lon, lat, name))


def directions_data(lon: float, lat: float, name: str) -> list[dict[str, str]]:
    """The navigation links to a WGS-84 position as JSON-ready ``{"app": ..., "url": ...}`` entries."""
    return [{"app": app, "url": url} for app, url in _links(lon, lat, name)]


def directions_labels(lang: str) -> dict[str, str]:
    """The name of each map app in ``lang``, by app (for a script that writes the links)."""
    return {link["app"]: t(f"directions.{link['app']}", lang) for link in directions_data(0.0, 0.0, "")}


def directions_block(lon: float, lat: float, name: str, lang: str) -> str:
    """A "navigate" section: one big link per map app to the WGS-84 position, each in its app's system."""
    labels = directions_labels(lang)
    links = "".join(
        f'<li><a class="nav-app nav-{escape(link["app"])}" href="{escape(link["url"])}" rel="noopener">'
        f"{escape(labels[link['app']])}</a></li>"
        for link in directions_data(lon, lat, name)
    )
    return (
        '<section class="directions" aria-labelledby="directions-title">'
        f'<h2 id="directions-title">{escape(t("directions.title", lang))}</h2>'
        f'<ul class="nav-links">{links}</ul>'
        f'<p class="hint">{escape(t("directions.hint", lang))}</p></section>'
    )
