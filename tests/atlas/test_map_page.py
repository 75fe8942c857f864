"""The overview map page at ``/``, served by the app over the demo atlas (no browser).

What the page embeds is read back the way a browser would get it: the layer control's names, each
clustered layer's data table, the county outlines and every script and stylesheet the page links.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import Engine, text

from tests.map_pages import MapPage

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

VENDOR_PREFIX = "/static/vendor/"
LAYERS_ZH = {"服务站": "stations", "纪念设施": "memorials", "烈士陵园": "cemeteries", "烈士墓": "graves"}
LAYERS_EN = {
    "Service stations": "stations",
    "Memorial facilities": "memorials",
    "Martyr cemeteries": "cemeteries",
    "Martyr graves": "graves",
}
MAOJIAN = "420302"  # 十堰市茅箭区, a showcase county of the demo
MAOJIAN_CENTRE = "茅箭区退役军人服务中心"

# What a browser needs to hear for each kind of file it loads.
EXPECTED_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
    ".svg": ("image/svg+xml",),
    ".woff2": ("font/woff2",),
    ".woff": ("font/woff",),
    ".ttf": ("font/ttf", "font/sfnt", "application/x-font-ttf"),
    ".eot": ("application/vnd.ms-fontobject",),
}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+?)\1\s*\)""")


def _bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    lons: list[float] = []
    lats: list[float] = []

    def walk(coords: Any) -> None:
        if isinstance(coords[0], int | float):
            lons.append(coords[0])
            lats.append(coords[1])
        else:
            for c in coords:
                walk(c)

    walk(geometry["coordinates"])
    return min(lons), min(lats), max(lons), max(lats)


def _count(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


@pytest.fixture(scope="module")
def zh_page(client: TestClient) -> MapPage:
    response = client.get("/")
    assert response.status_code == 200, response.text[:500]
    return MapPage(response.text, client)


@pytest.fixture(scope="module")
def en_page(client: TestClient) -> MapPage:
    response = client.get("/", params={"lang": "en"})
    assert response.status_code == 200, response.text[:500]
    return MapPage(response.text, client)


@pytest.fixture(scope="module")
def stylesheet_refs(client: TestClient, zh_page: MapPage) -> dict[str, str]:
    """Every file a linked stylesheet refers to with url(...): absolute path -> the stylesheet."""
    refs: dict[str, str] = {}
    for rel, href in zh_page.link_hrefs:
        if "stylesheet" not in rel.split():
            continue
        css = client.get(href)
        assert css.status_code == 200, href
        for _, ref in _CSS_URL.findall(css.text):
            if ref.startswith(("data:", "#")):
                continue
            parts = urlsplit(urljoin(href, ref))
            refs[parts.path] = href
    return refs


def test_map_page_is_html(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.lstrip().lower().startswith("<!doctype html>")


def test_page_is_in_chinese_by_default(zh_page: MapPage) -> None:
    assert zh_page.html_lang == "zh-CN"
    assert "退役军人" in zh_page.title


def test_page_is_in_english_on_request(en_page: MapPage) -> None:
    assert en_page.html_lang == "en"
    assert "veterans" in en_page.title.lower()


def test_layer_control_names_the_four_layers_in_chinese(zh_page: MapPage) -> None:
    overlays = zh_page.overlays()
    assert set(LAYERS_ZH) <= set(overlays), overlays
    for name, collection in LAYERS_ZH.items():
        assert zh_page.cluster_payload(overlays[name])["collection"] == collection, name
    assert not set(LAYERS_EN) & set(overlays)


def test_layer_control_names_the_four_layers_in_english(en_page: MapPage) -> None:
    overlays = en_page.overlays()
    assert set(LAYERS_EN) <= set(overlays), overlays
    for name, collection in LAYERS_EN.items():
        assert en_page.cluster_payload(overlays[name])["collection"] == collection, name
    assert not set(LAYERS_ZH) & set(overlays)


def test_popup_labels_follow_the_language(zh_page: MapPage, en_page: MapPage) -> None:
    assert "级别" in zh_page.layers(LAYERS_ZH)["stations"]["labels"]
    assert "Level" in en_page.layers(LAYERS_EN)["stations"]["labels"]


@pytest.mark.parametrize("lang", ["xx", "", "ZH", "zh-CN"])
def test_unknown_language_is_a_client_error(client: TestClient, lang: str) -> None:
    response = client.get("/", params={"lang": lang})
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])


def test_page_links_only_local_vendor_files(zh_page: MapPage) -> None:
    assets = zh_page.local_assets()
    assert any(src.endswith("/leaflet.js") for src in zh_page.script_srcs)
    assert any(href.endswith("/leaflet.css") for _, href in zh_page.link_hrefs)
    for url in assets:
        assert url.startswith(VENDOR_PREFIX), f"{url} is not served by the app"
    assert "cdn" not in zh_page.html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", zh_page.html)


def test_every_linked_file_is_served_with_its_type(client: TestClient, zh_page: MapPage) -> None:
    for url in zh_page.local_assets():
        response = client.get(url)
        assert response.status_code == 200, url
        suffix = PurePosixPath(urlsplit(url).path).suffix
        content_type = response.headers["content-type"]
        assert content_type.startswith(EXPECTED_TYPES[suffix]), (url, content_type)
        assert response.content, url


def test_files_the_stylesheets_refer_to_are_served(
    client: TestClient, stylesheet_refs: dict[str, str]
) -> None:
    # the two that a map with markers cannot do without
    assert "/static/vendor/leaflet/dist/images/marker-icon.png" in stylesheet_refs
    assert any(
        p.startswith("/static/vendor/@fortawesome/fontawesome-free/webfonts/") and p.endswith(".woff2")
        for p in stylesheet_refs
    ), sorted(stylesheet_refs)
    for path, stylesheet in sorted(stylesheet_refs.items()):
        assert path.startswith(VENDOR_PREFIX), (path, stylesheet)
        response = client.get(path)
        assert response.status_code == 200, f"{path} (referred to by {stylesheet})"
        suffix = PurePosixPath(path).suffix
        assert response.headers["content-type"].startswith(EXPECTED_TYPES[suffix]), path


def test_page_embeds_every_site_of_the_demo(zh_page: MapPage, engine: Engine) -> None:
    layers = zh_page.layers(LAYERS_ZH)
    for collection, payload in layers.items():
        expected = _count(engine, f"SELECT count(*) FROM {collection} WHERE geom IS NOT NULL")
        assert expected > 0, collection
        assert len(payload["rows"]) == expected, collection
    titles = {row[4] for row in layers["stations"]["rows"]}
    assert MAOJIAN_CENTRE in titles


def test_embedded_points_are_lat_lon_in_china(zh_page: MapPage) -> None:
    for collection, payload in zh_page.layers(LAYERS_ZH).items():
        for row in payload["rows"]:
            lat, lon = row[0], row[1]
            assert 18 <= lat <= 54 and 73 <= lon <= 135, (collection, row[:5])


def test_page_embeds_the_county_outlines(zh_page: MapPage, engine: Engine) -> None:
    overlays = zh_page.overlays()
    outlines = zh_page.geojson(overlays["行政区划"])
    features = outlines["features"]
    expected = _count(engine, "SELECT count(*) FROM areas WHERE level = 'county' AND geom IS NOT NULL")
    assert expected > 0
    assert len(features) == expected
    assert {f["properties"]["level"] for f in features} == {"county"}
    assert {f["geometry"]["type"] for f in features} <= {"Polygon", "MultiPolygon"}
    codes = {f["properties"]["code"]: f for f in features}
    assert MAOJIAN in codes


def test_county_service_centre_lies_inside_its_county_outline(zh_page: MapPage) -> None:
    """Points and outlines use the same axis order and datum: a centre falls within its county's box."""
    overlays = zh_page.overlays()
    outline = next(
        f for f in zh_page.geojson(overlays["行政区划"])["features"] if f["properties"]["code"] == MAOJIAN
    )
    minx, miny, maxx, maxy = _bbox(outline["geometry"])
    rows = zh_page.cluster_payload(overlays["服务站"])["rows"]
    lat, lon = next((row[0], row[1]) for row in rows if row[4] == MAOJIAN_CENTRE)
    assert minx <= lon <= maxx and miny <= lat <= maxy
