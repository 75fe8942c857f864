"""Directions to a place: links that open the visitor's map app at the right point.

Positions are stored in WGS-84 (EPSG:4326). AMap (高德) and Apple Maps in China take GCJ-02, Baidu takes
BD-09, and the ``geo:`` URI of Android's map apps takes WGS-84; each link carries the position in the system its
app expects (geo/kit/crs.py converts). The links are plain https pages of each map, which hand over to the
installed app on a phone (``callnative``/``src``) and show the place in a browser otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from geo.kit.crs import wgs84_to_bd09, wgs84_to_gcj02

APP_NAME = "VetMap"
"""How the links name us to the map services (Baidu asks for a source name)."""


@dataclass(frozen=True)
class MapAppLink:
    """One way to get there: which app (``amap``, ``baidu``, ``apple``, ``geo``) and its URL."""

    app: str
    url: str


def _round(value: float) -> str:
    return f"{float(value):.6f}"


def amap_link(lon: float, lat: float, name: str) -> str:
    """AMap's marker page at a WGS-84 position (sent as GCJ-02), opening the AMap app on a phone."""
    glon, glat = wgs84_to_gcj02(lon, lat)
    query = {
        "position": f"{_round(glon)},{_round(glat)}",
        "name": name,
        "src": APP_NAME,
        "coordinate": "gaode",
        "callnative": "1",
    }
    return "https://uri.amap.com/marker?" + urlencode(query, quote_via=quote)


def baidu_link(lon: float, lat: float, name: str) -> str:
    """Baidu Map's marker page at a WGS-84 position (sent as BD-09)."""
    blon, blat = wgs84_to_bd09(lon, lat)
    query = {
        "location": f"{_round(blat)},{_round(blon)}",
        "title": name,
        "content": name,
        "output": "html",
        "coord_type": "bd09ll",
        "src": APP_NAME,
    }
    return "https://api.map.baidu.com/marker?" + urlencode(query, quote_via=quote)


def apple_link(lon: float, lat: float, name: str) -> str:
    """Apple Maps at a WGS-84 position (sent as GCJ-02: Apple's map of China is AutoNavi's)."""
    glon, glat = wgs84_to_gcj02(lon, lat)
    return "https://maps.apple.com/?" + urlencode(
        {"ll": f"{_round(glat)},{_round(glon)}", "q": name}, quote_via=quote
    )


def geo_uri(lon: float, lat: float, name: str) -> str:
    """A ``geo:`` URI (RFC 5870, WGS-84) that Android offers to any installed map app."""
    return f"geo:{_round(lat)},{_round(lon)}?q={_round(lat)},{_round(lon)}({quote(name)})"


def map_app_links(lon: float, lat: float, name: str) -> list[MapAppLink]:
    """Every way we offer to navigate to a WGS-84 position, in the order a visitor in China most likely wants."""
    return [
        MapAppLink("amap", amap_link(lon, lat, name)),
        MapAppLink("baidu", baidu_link(lon, lat, name)),
        MapAppLink("apple", apple_link(lon, lat, name)),
        MapAppLink("geo", geo_uri(lon, lat, name)),
    ]
