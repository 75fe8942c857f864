"""The overview map drawn from server cluster tiles (a collection too large to embed), in a real headless Chromium.

The app here embeds at most 5 sites per collection, so every collection of the demo atlas is drawn from
/api/v1/clusters tiles, as the national set is. What a person sees is checked against the database: the bubbles and
single markers of the opening view add up to every site, a bubble zooms in, a site's own marker opens its popup,
and a layer switched off in the layer control disappears. The cluster pyramids are built when the app starts.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine, text

from api.app import create_app
from geo.atlas.overview import MAP_COLLECTIONS
from geo.settings import Settings
from tests.browser_pages import TIMEOUT_MS, WatchedPage, watched_page
from tests.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

EMBED_MAX = 5
MAOJIAN_CENTRE = "茅箭区退役军人服务中心"
TABLES = {"stations": "stations", "memorials": "memorials", "cemeteries": "cemeteries", "graves": "graves"}

# For each cluster-tile layer on the map: the sites its drawn tiles hold (a bubble counts its sites, a single marker
# one), its bubbles and singles, its tile requests still pending, and the tiles of the view wanted and not yet drawn.
_TILE_LAYERS = """(mapName) => {
    const map = window[mapName];
    const found = {};
    map.eachLayer((layer) => {
        if (!(layer instanceof VetMapClusters.ClusterTileLayer)) { return; }
        let sites = 0, bubbles = 0, singles = 0;
        for (const key in layer._drawn) {
            layer._drawn[key].eachLayer((m) => {
                if (m.vetmapCount) { sites += m.vetmapCount; bubbles++; } else { sites++; singles++; }
            });
        }
        const wanted = Object.keys(layer._wanted);
        found[layer.collection] = {
            sites, bubbles, singles,
            pending: Object.keys(layer._pending).length,
            wanted: wanted.length,
            missing: wanted.filter((key) => !layer._drawn[key]).length,
        };
    });
    return found;
}"""

# The centre of the largest bubble of a collection that is on top at its centre, or null.
_BIGGEST_BUBBLE = """(collection) => {
    let best = null;
    for (const el of document.querySelectorAll(".vetmap-cluster-" + collection)) {
        const r = el.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) { continue; }
        const hit = document.elementFromPoint(x, y);
        const count = Number(el.textContent);
        if (hit && el.contains(hit) && (!best || count > best.count)) { best = {x, y, count}; }
    }
    return best;
}"""


@pytest.fixture(scope="module")
def tiled_server(settings: Settings, demo_counts: dict[str, int]) -> Iterator[LiveServer]:
    """The app over the demo atlas, embedding no collection (each has more than EMBED_MAX sites)."""
    server = LiveServer(create_app(settings.model_copy(update={"map_embed_max": EMBED_MAX})))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def tiled(
    browser: Browser, tiled_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[WatchedPage]:
    """A page on the tiling server, offline but for 127.0.0.1; screenshot saved if the test fails."""
    with watched_page(browser, tiled_server.url, request) as page:
        yield page


def _db_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: conn.execute(text(f"SELECT count(*) FROM {TABLES[name]}")).scalar_one() for name in TABLES
        }


def _layers_loaded(watched: WatchedPage) -> dict[str, dict]:
    """The tile layers once each has drawn every tile of the view (none pending) and the markers have settled."""
    map_name = watched.map_name()
    watched.page.wait_for_function(
        "(m) => { const f = (" + _TILE_LAYERS + ")(m); const v = Object.values(f);"
        " return v.length > 0 && v.every((l) => l.pending === 0 && l.wanted > 0 && l.missing === 0); }",
        arg=map_name,
        polling=100,
    )
    watched.settle()
    return watched.page.evaluate(_TILE_LAYERS, map_name)


def test_the_cluster_pyramids_are_built_when_the_app_starts(tiled_server: LiveServer) -> None:
    service = tiled_server.app.state.cluster_service
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while set(service._pyramids) != set(MAP_COLLECTIONS) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert set(service._pyramids) == set(MAP_COLLECTIONS)


def test_bubbles_of_the_opening_view_add_up_to_every_site_and_nothing_is_embedded(
    tiled: WatchedPage, engine: Engine
) -> None:
    page = tiled.page
    tile_requests: list[str] = []
    page.on("request", lambda r: tile_requests.append(r.url) if "/api/v1/clusters/" in r.url else None)
    tiled.open("/")
    expect(page).to_have_title(re.compile("退役军人"))
    html = page.content()
    assert MAOJIAN_CENTRE not in html, "a station's name is embedded in a page that should fetch tiles"

    layers = _layers_loaded(tiled)
    counts = _db_counts(engine)
    assert set(layers) == set(MAP_COLLECTIONS)
    for name in MAP_COLLECTIONS:
        assert layers[name]["sites"] == counts[name], (name, layers[name], counts[name])
    assert sum(layer["bubbles"] for layer in layers.values()) > 0
    assert tile_requests and all(re.search(r"/clusters/\w+/\d+/\d+/\d+\.json", u) for u in tile_requests)

    # the bubbles show their counts, in the collection's colours
    bubble = page.locator(".vetmap-cluster-stations").first
    expect(bubble).to_be_visible()
    expect(bubble.locator("span")).to_have_text(re.compile(r"^\d+$"))
    # styled as bubbles (Leaflet.markercluster's CSS is on the page even with no embedded layer): round, not boxes
    radius = bubble.locator("div").evaluate("(el) => getComputedStyle(el).borderTopLeftRadius")
    assert radius not in ("", "0px"), radius

    # a person clicks the biggest stations bubble: the map zooms in there and fetches the deeper tiles
    map_name = tiled.map_name()
    zoom = page.evaluate(f"window['{map_name}'].getZoom()")
    target = page.evaluate(_BIGGEST_BUBBLE, "stations")
    assert target is not None, "no stations bubble can be clicked"
    before = len(tile_requests)
    page.mouse.click(target["x"], target["y"])
    page.wait_for_function("([m, z]) => window[m].getZoom() > z", arg=[map_name, zoom])
    after = _layers_loaded(tiled)
    assert len(tile_requests) > before
    deeper_zoom = page.evaluate(f"window['{map_name}'].getZoom()")
    assert any(f"/stations/{deeper_zoom}/" in u for u in tile_requests[before:])
    assert 0 < after["stations"]["sites"] <= counts["stations"]
    tiled.assert_clean()


def test_a_site_drawn_from_a_tile_opens_its_popup_in_english(tiled: WatchedPage, engine: Engine) -> None:
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM stations WHERE name = :n"), {"n": MAOJIAN_CENTRE}
        ).one()
    page = tiled.page
    tiled.open("/?lang=en")
    map_name = tiled.map_name()
    page.evaluate(f"window['{map_name}'].setView([{lat}, {lon}], 18, {{animate: false}})")
    _layers_loaded(tiled)

    marker = page.locator(f'.leaflet-marker-pane [title="{MAOJIAN_CENTRE}"]')
    expect(marker).to_be_visible()
    expect(marker.locator("i.fa")).to_have_count(1)
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    expect(popup.locator(".vetmap-popup-title")).to_have_text(MAOJIAN_CENTRE)
    expect(popup).to_contain_text("Level")
    expect(popup).to_contain_text(re.compile(r"Area.*\(420302\d*\)"))
    tiled.assert_clean()


def test_switching_a_tiled_layer_off_and_on_in_the_layer_control(tiled: WatchedPage) -> None:
    page = tiled.page
    tiled.open("/?lang=en")
    _layers_loaded(tiled)
    stations = page.locator(".vetmap-cluster-stations, .leaflet-marker-pane .awesome-marker")
    assert page.locator(".vetmap-cluster-stations").count() > 0
    checkbox = (
        page.locator(".leaflet-control-layers-overlays label")
        .filter(has_text=re.compile(r"^\s*Service stations\s*$"))
        .locator("input")
    )
    expect(checkbox).to_be_checked()
    others = page.locator(".vetmap-cluster-graves").count()

    checkbox.uncheck()
    expect(page.locator(".vetmap-cluster-stations")).to_have_count(0)
    assert page.locator(".vetmap-cluster-graves").count() == others  # the other layers stay
    assert "stations" not in _layers_loaded(tiled)

    checkbox.check()
    layers = _layers_loaded(tiled)
    assert layers["stations"]["sites"] > 0
    expect(stations.first).to_be_visible()
    tiled.assert_clean()
