"""MapLibre GL JS in Chromium, on a page of ANOTHER origin, draws our layers from our one style URL.

The page and MapLibre (from node_modules, never a CDN) are served by a second small HTTP server on another port
and host name (http://localhost:<port>); the style, the dataset tiles and nothing else come from the app
(http://127.0.0.1:<port>), through CORS. Chromium renders WebGL with SwiftShader (no GPU needed).
"""

from __future__ import annotations

import functools
import io
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from PIL import Image
from playwright.sync_api import Playwright, Route
from sqlalchemy import Engine, text

from tests.browser_pages import CHROMIUM, CHROMIUM_ARGS
from tests.staff_pages import shot

pytestmark = pytest.mark.browser

MAPLIBRE_DIST = Path(__file__).resolve().parents[2] / "node_modules" / "maplibre-gl" / "dist"
WEBGL_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
"""Software WebGL: the suite's browser disables the GPU, MapLibre needs WebGL."""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Another site's map</title>
<link rel="stylesheet" href="maplibre-gl.css">
<style>html, body { margin: 0 } #map { width: 800px; height: 600px }</style></head>
<body><div id="map"></div>
<script type="module">
import { Map } from "./maplibre-gl.mjs";
const query = new URLSearchParams(location.search);
window.mapErrors = [];
const map = new Map({
  container: "map",
  style: query.get("style"),
  center: JSON.parse(query.get("center")),
  zoom: Number(query.get("zoom")),
  attributionControl: false,
});
window.map = map;
map.on("error", (event) => window.mapErrors.push(String(event.error && event.error.message)));
map.once("idle", () => { window.mapIdle = true; });
</script></body></html>
"""


class _Quiet(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript"}

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        """Say nothing per request."""


@pytest.fixture(scope="module")
def other_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a second local HTTP server serving a map page and MapLibre from node_modules."""
    assert (MAPLIBRE_DIST / "maplibre-gl.mjs").is_file(), (
        "maplibre-gl is missing from node_modules: run npm ci"
    )
    root = tmp_path_factory.mktemp("other-origin")
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    for name in ("maplibre-gl.mjs", "maplibre-gl-worker.mjs", "maplibre-gl.css"):
        (root / name).symlink_to(MAPLIBRE_DIST / name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _memorial_with_zone(engine: Engine) -> tuple[int, float, float]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT id, ST_X(ST_PointOnSurface(protection_zone)), ST_Y(ST_PointOnSurface(protection_zone))"
                    " FROM memorials WHERE protection_zone IS NOT NULL"
                    " AND ST_Contains(protection_zone, geom) ORDER BY id LIMIT 1"
                )
            ).one()
        )


def test_maplibre_on_another_origin_draws_our_layers_from_the_style_url(
    playwright: Playwright, live_server: str, other_origin: str, engine: Engine
):
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=[*CHROMIUM_ARGS, *WEBGL_ARGS]
    )
    try:
        context = browser.new_context(viewport={"width": 800, "height": 600})
        outside: list[str] = []
        answers: list[tuple[str, int, str | None]] = []

        def gate(route: Route) -> None:  # offline: only the two local servers
            if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort("blockedbyclient")

        context.route("**/*", gate)
        page = context.new_page()
        page.on(
            "response",
            lambda r: answers.append((r.url, r.status, r.headers.get("access-control-allow-origin"))),
        )
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

        site_id, lon, lat = _memorial_with_zone(engine)
        style_url = f"{live_server}/ogc/styles/default?f=mapbox"
        page.goto(
            f"{other_origin}/index.html?style={quote(style_url, safe='')}"
            f"&center={quote(json.dumps([lon, lat]))}&zoom=15"
        )
        page.wait_for_function("window.mapIdle === true", timeout=60_000)
        shot(page, "ogc-style-other-origin", full_page=False)

        assert page.evaluate("window.mapErrors") == []
        assert console_errors == []
        assert outside == []
        ours = [(url, status, cors) for url, status, cors in answers if url.startswith(live_server)]
        assert any("/ogc/styles/default" in url for url, _, _ in ours)
        tiles = [a for a in ours if "/ogc/tiles/WebMercatorQuad/" in a[0]]
        assert tiles, "the map fetched no tile of the dataset tileset"
        for url, status, cors in ours:  # every answer of ours was readable from the other origin
            assert status in (200, 204) and cors == "*", (url, status, cors)

        rendered = page.evaluate(
            "window.map.queryRenderedFeatures().map(f => [f.layer.id, f.id, f.properties.name || null])"
        )
        layers = {layer for layer, _, _ in rendered}
        assert {"areas", "memorial_protection_zones", "memorials"} <= layers, layers
        assert site_id in {fid for layer, fid, _ in rendered if layer == "memorial_protection_zones"}, (
            rendered
        )
        assert site_id in {fid for layer, fid, _ in rendered if layer == "memorials"}
        # the zone and its memorial are drawn where the memorial is: the middle of the map
        middle = page.evaluate(
            "window.map.queryRenderedFeatures(window.map.project(window.map.getCenter()))"
            ".map(f => [f.layer.id, f.id])"
        )
        assert ["memorial_protection_zones", site_id] in middle
        # pixels were really painted: the memorial's circle over its zone in the middle, not the background
        picture = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
        background = (0xF4, 0xF1, 0xEA)
        assert picture.getpixel((400, 300)) != background
        assert len(picture.getcolors(1 << 20)) > 4
        context.close()
    finally:
        browser.close()
