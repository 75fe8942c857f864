"""What every browser test shares: a page of the live server in Debian's headless Chromium with the internet cut off.

Every request to a host other than 127.0.0.1 is aborted and recorded, and the test FAILS on any such attempt (at
teardown, if the test did not look itself), unless it declared beforehand that it expects a basemap's tiles to be
tried (``allow_outside``): then those, and only those, are tolerated - still blocked. Console errors, page errors,
HTTP errors and failed local requests are recorded for ``assert_clean``. A failed test leaves a full-page
screenshot in test-artifacts/.

Use the ``watched`` fixture (on the suite's live server) by importing it into a test module, or
``watched_page(browser, base_url, request)`` for a server of the test's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, Route

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium, which the browser tests (and bench/first_paint.py) drive."""
CHROMIUM_ARGS = [
    "--no-sandbox",  # the suite runs as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
LOCAL_HOST = "127.0.0.1"
TIMEOUT_MS = 20_000
VIEWPORT = {"width": 1280, "height": 800}

FIND_MAP = """() => {
    const names = Object.keys(window).filter((k) => k.startsWith("map_") && window[k] instanceof L.Map);
    if (names.length !== 1) { throw new Error("expected one Leaflet map, found " + names.join(", ")); }
    return names[0];
}"""
"""JS: the name of the page's one Folium map (a global ``map_<hash>``), found by type rather than by name."""

# True once no zoom or re-clustering animation runs and the markers and the view have stayed put for
# half a second (the page builds its markers in chunks, and the first fitBounds animates).
_SETTLED = """() => {
    const busy = document.querySelector(".leaflet-zoom-anim, .leaflet-cluster-anim");
    const pane = document.querySelector(".leaflet-map-pane");
    const markers = document.querySelector(".leaflet-marker-pane");
    const state = (markers && markers.childElementCount) + "|" + (pane && pane.style.transform);
    if (busy || state !== window.__vetmapTestState) {
        window.__vetmapTestState = state;
        window.__vetmapTestSince = performance.now();
        return false;
    }
    return performance.now() - window.__vetmapTestSince > 500;
}"""


# Centre the map (no animation) on the circle marker whose tooltip reads `title`: its position on the page and its
# latitude/longitude as drawn, or null when there is none. A tooltip's content is text, a node or a function giving
# one (the pages give names as text nodes).
_CENTRE_ON_TITLED = """([mapName, title, zoom]) => {
    const map = window[mapName];
    const text = (layer, content) => {
        const given = typeof content === "function" ? content(layer) : content;
        return given instanceof Node ? given.textContent : given;
    };
    let found = null;
    map.eachLayer((layer) => {
        const tip = layer instanceof L.CircleMarker && layer.getTooltip && layer.getTooltip();
        if (!found && tip && text(layer, tip.getContent()) === title) { found = layer; }
    });
    if (!found) { return null; }
    const at = found.getLatLng();
    map.setView(at, zoom === null ? map.getZoom() : zoom, {animate: false});
    const p = map.latLngToContainerPoint(at), box = map.getContainer().getBoundingClientRect();
    return {x: box.left + p.x, y: box.top + p.y, lng: at.lng, lat: at.lat};
}"""


@dataclass
class WatchedPage:
    """A page whose outside requests, console errors, page errors and HTTP errors are recorded."""

    page: Page
    base_url: str
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    allowed_outside: tuple[str, ...] = ()

    def open(self, path: str) -> None:
        """Load `path` of the live server and wait for the network to settle."""
        response = self.page.goto(self.base_url + path, wait_until="networkidle", timeout=TIMEOUT_MS)
        assert response is not None and response.status == 200, path
        self.settle()

    def settle(self) -> None:
        """Wait until the map has stopped animating and drawing markers."""
        self.page.wait_for_function(_SETTLED, polling=100)

    def map_name(self) -> str:
        """The global name of the page's Leaflet map."""
        return self.page.evaluate(FIND_MAP)

    def centre_on_marker(self, title: str, zoom: int | None = None) -> dict:
        """Centre the map on the circle marker whose tooltip is ``title`` (at ``zoom``, else the current zoom):
        {x, y} its point on the page, {lng, lat} where it is drawn. Fails when there is none."""
        found = self.page.evaluate(_CENTRE_ON_TITLED, [self.map_name(), title, zoom])
        assert found is not None, f"no marker titled {title!r} on the map"
        return found

    def allow_outside(self, *prefixes: str) -> None:
        """Expect requests to these URL prefixes (a basemap's tiles): still blocked, but no longer a failure."""
        self.allowed_outside += prefixes

    def unexpected_outside(self) -> list[str]:
        """Requests that tried to leave 127.0.0.1 and were not expected."""
        return [u for u in self.blocked if not u.startswith(self.allowed_outside or ("\0",))]

    def unexpected_errors(self) -> list[str]:
        """Recorded errors, but for those of the expected (blocked) outside requests."""
        return [e for e in self.errors if not any(p in e for p in self.allowed_outside)]

    def assert_clean(self) -> None:
        """Fail if the page tried to reach the internet (unexpectedly) or logged an error."""
        assert self.unexpected_outside() == [], (
            f"the page tried to load from outside {LOCAL_HOST}: {self.blocked}"
        )
        assert self.unexpected_errors() == [], f"the page reported errors: {self.errors}"


def _screenshot(page: Page, request: pytest.FixtureRequest) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@contextmanager
def watched_page(
    browser: Browser, base_url: str, request: pytest.FixtureRequest, viewport: dict | None = None
) -> Iterator[WatchedPage]:
    """A fresh page on ``base_url``, offline but for 127.0.0.1; fails the test on an unexpected outside request,
    and keeps a screenshot when the test failed."""
    context = browser.new_context(viewport=viewport or VIEWPORT, service_workers="block")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watched = WatchedPage(page, base_url)

    def gate(route: Route) -> None:
        if urlsplit(route.request.url).hostname == LOCAL_HOST:
            route.continue_()
        else:
            watched.blocked.append(route.request.url)
            route.abort("blockedbyclient")

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.errors.append(f"console: {message.text} ({message.location.get('url')})")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            watched.errors.append(f"HTTP {response.status}: {response.url}")

    def on_failed(failed: Request) -> None:
        if failed.failure == "net::ERR_ABORTED" and failed.resource_type in ("fetch", "xhr"):
            return  # a background fetch cut short by the page navigating away (the crews' offline warm-up)
        if urlsplit(failed.url).hostname == LOCAL_HOST:
            watched.errors.append(f"request failed: {failed.url} ({failed.failure})")

    page.route("**/*", gate)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: watched.errors.append(f"page error: {exc}"))
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    try:
        yield watched
        outside = watched.unexpected_outside()
        report = getattr(request.node, "rep_call", None)
        if (report is not None and report.failed) or outside:
            _screenshot(page, request)
        if outside and (report is None or report.passed):
            pytest.fail(f"the page tried to load from outside {LOCAL_HOST}: {outside}", pytrace=False)
    finally:
        context.close()


@pytest.fixture
def watched(browser: Browser, live_server: str, request: pytest.FixtureRequest) -> Iterator[WatchedPage]:
    """A fresh page on the live server, offline but for 127.0.0.1; screenshot saved if the test fails."""
    with watched_page(browser, live_server, request) as page:
        yield page
