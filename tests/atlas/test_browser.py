"""The map page in a real headless Chromium (Debian's), served by uvicorn, with the internet cut off.

Every request to a host other than 127.0.0.1 is aborted and recorded, and fails the test: the page must work on an
intranet. A failed test leaves a screenshot in test-artifacts/ (tests/browser_pages.py).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser_pages import FIND_MAP, TIMEOUT_MS, WatchedPage, watched_page

pytestmark = pytest.mark.browser

# the session fixtures `playwright` and `browser` (one Playwright per session) are in tests/conftest.py; the
# `watched` page (offline but for 127.0.0.1, screenshot on failure) in tests/browser_pages.py

LAYERS_ZH = ("服务站", "纪念设施", "烈士陵园", "烈士墓")
LAYERS_EN = ("Service stations", "Memorial facilities", "Martyr cemeteries", "Martyr graves")
MAOJIAN_CENTRE = "茅箭区退役军人服务中心"

# Jump (no animation) to the marker titled `title` at the deepest zoom and wait until it is drawn by itself,
# not inside a cluster (spiderfying its cluster if markers overlap even there). zoomToShowLayer is not used:
# its callback is lost when an animation is interrupted, which made this flaky on a loaded machine.
_SHOW_MARKER = """([mapName, title, timeoutMs]) => new Promise((resolve, reject) => {
    const map = window[mapName];
    let found = null;
    map.eachLayer((layer) => {
        if (found || !(layer instanceof L.MarkerClusterGroup)) { return; }
        const marker = layer.getLayers().find((m) => m.options.title === title);
        if (marker) { found = [layer, marker]; }
    });
    if (!found) { reject(new Error("no marker titled " + title)); return; }
    const [group, marker] = found;
    map.setView(marker.getLatLng(), map.getMaxZoom(), {animate: false});
    const started = performance.now();
    const poll = () => {
        // a zoom animation still running from the cluster click may land after setView: go again
        if (map.getZoom() !== map.getMaxZoom()) { map.setView(marker.getLatLng(), map.getMaxZoom(), {animate: false}); }
        const parent = group.getVisibleParent(marker);
        if (parent === marker && marker._icon) { resolve(map.getZoom()); return; }
        if (parent && parent !== marker && parent.spiderfy && map.getZoom() === map.getMaxZoom()) { parent.spiderfy(); }
        if (performance.now() - started > timeoutMs) {
            reject(new Error("marker not shown by itself; zoom " + map.getZoom()));
            return;
        }
        setTimeout(poll, 100);
    };
    poll();
})"""

# The centre of a cluster that is on top there (clusters of different layers may overlap), or null.
_TOPMOST_CLUSTER = """() => {
    for (const el of document.querySelectorAll(".marker-cluster")) {
        const r = el.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) { continue; }
        const hit = document.elementFromPoint(x, y);
        if (hit && el.contains(hit)) { return {x: x, y: y}; }
    }
    return null;
}"""

_FONT_AWESOME_LOADED = """async () => {
    await document.fonts.ready;
    return [...document.fonts].some((f) => f.family.includes("Font Awesome") && f.status === "loaded");
}"""


def _map_name(page: Page) -> str:
    return page.evaluate(FIND_MAP)


def test_map_shows_clusters_outlines_and_chinese_layer_names(watched: WatchedPage) -> None:
    page = watched.page
    watched.open("/")
    expect(page).to_have_title(re.compile("退役军人"))
    assert page.evaluate("document.documentElement.lang") == "zh-CN"

    # markers, mostly gathered into clusters at the opening zoom (awesome-markers icons are not given
    # Leaflet's .leaflet-marker-icon class, so single markers are looked for by their own class too)
    points = page.locator(".marker-cluster, .leaflet-marker-icon, .awesome-marker")
    expect(points.first).to_be_visible()
    visible = [el for el in points.all() if el.is_visible()]
    assert len(visible) > 0
    clusters = page.locator(".marker-cluster")
    assert clusters.count() > 0
    expect(clusters.first.locator("span")).to_have_text(re.compile(r"^\d+$"))

    # the layer control lists each layer by its Chinese name, all switched on
    overlays = page.locator(".leaflet-control-layers-overlays label")
    expect(overlays.first).to_be_visible()
    names = [text.strip() for text in overlays.all_inner_texts()]
    for name in LAYERS_ZH:
        assert name in names, names
        checkbox = overlays.filter(has_text=re.compile(rf"^\s*{name}\s*$")).locator("input")
        expect(checkbox).to_be_checked()

    # county outlines drawn as SVG paths inside the map
    outlines = page.locator(".leaflet-overlay-pane svg path")
    assert outlines.count() > 0
    drawn = [
        d for d in outlines.evaluate_all("(ps) => ps.map((p) => p.getAttribute('d'))") if d and d != "M0 0"
    ]
    assert drawn, "the outline paths are empty"
    map_box = page.locator(".folium-map").bounding_box()
    assert map_box is not None and map_box["width"] > 600 and map_box["height"] > 400

    watched.assert_clean()


def test_clicking_into_the_map_opens_a_popup_in_english(watched: WatchedPage) -> None:
    page = watched.page
    watched.open("/?lang=en")
    assert page.evaluate("document.documentElement.lang") == "en"
    names = [
        text.strip() for text in page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    ]
    for name in LAYERS_EN:
        assert name in names, names

    # a person clicks a cluster: the map zooms in on it
    map_name = _map_name(page)
    zoom = page.evaluate(f"window['{map_name}'].getZoom()")
    target = page.evaluate(_TOPMOST_CLUSTER)
    assert target is not None, "no cluster can be clicked"
    page.mouse.click(target["x"], target["y"])
    watched.settle()
    assert page.evaluate(f"window['{map_name}'].getZoom()") > zoom

    # then gets down to one station's own marker and clicks it
    page.evaluate(_SHOW_MARKER, [map_name, MAOJIAN_CENTRE, TIMEOUT_MS])
    watched.settle()
    marker = page.locator(f'.leaflet-marker-pane [title="{MAOJIAN_CENTRE}"]')
    expect(marker).to_be_visible()
    expect(marker.locator("i.fa")).to_have_count(1)
    assert page.evaluate(_FONT_AWESOME_LOADED), "the Font Awesome webfont for the marker icons did not load"
    marker.click()

    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    expect(popup.locator(".vetmap-popup-title")).to_have_text(MAOJIAN_CENTRE)
    expect(popup).to_contain_text("Level")
    expect(popup).to_contain_text("County")
    expect(popup).to_contain_text(re.compile(r"Area.*\(420302\d*\)"))  # an area inside 茅箭区

    watched.assert_clean()


COVERAGE_COUNTY = "450329"  # 资源县

# The centre of a drawn SVG path with the given class that is on top at its centre (not under a control), or null.
_TOPMOST_PATH = """(cls) => {
    for (const el of document.querySelectorAll("path." + cls)) {
        const r = el.getBoundingClientRect();
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        if (r.width === 0 || r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) { continue; }
        if (document.elementFromPoint(x, y) === el) { return {x: x, y: y}; }
    }
    return null;
}"""

_FETCH_JSON = "async (url) => (await fetch(url)).json()"


def test_coverage_map_draws_rates_and_uncovered_villages_and_toggles_layers(watched: WatchedPage) -> None:
    page = watched.page
    watched.open(f"/coverage?area={COVERAGE_COUNTY}&lang=en")
    expect(page).to_have_title(re.compile("coverage map", re.IGNORECASE))
    rates = page.evaluate(_FETCH_JSON, f"/api/v1/coverage/rates?area={COVERAGE_COUNTY}")
    uncovered = page.evaluate(
        _FETCH_JSON, f"/api/v1/coverage/villages?area={COVERAGE_COUNTY}&covered=false&limit=1000"
    )
    assert uncovered["numberMatched"] > 0

    # the choropleth: one filled polygon per township, drawn
    units = page.locator("path.vetmap-unit")
    expect(units).to_have_count(len(rates["rows"]))
    drawn = units.evaluate_all("(ps) => ps.map((p) => [p.getAttribute('d'), p.getAttribute('fill')])")
    assert all(d and d != "M0 0" for d, _ in drawn), drawn
    assert all(fill and fill.startswith("#") for _, fill in drawn), drawn
    expect(page.locator(".vetmap-legend")).to_be_visible()

    # every uncovered village highlighted, the reach circles hidden until switched on
    marked = page.locator("path.vetmap-uncovered")
    expect(marked).to_have_count(uncovered["numberMatched"])
    expect(page.locator("path.vetmap-reach-village")).to_have_count(0)
    overlays = page.locator(".leaflet-control-layers-overlays label")
    overlays.filter(has_text="Village station reach (3 km)").locator("input").check()
    assert page.locator("path.vetmap-reach-village").count() > 0

    # with the stations and the village dots switched off, a click on an uncovered village opens its popup
    for name in ("Service stations", "Villages", "Village station reach (3 km)"):
        overlays.filter(has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")).locator("input").uncheck()
    expect(page.locator("path.vetmap-station")).to_have_count(0)
    target = page.evaluate(_TOPMOST_PATH, "vetmap-uncovered")
    assert target is not None, "no uncovered village can be clicked"
    page.mouse.click(target["x"], target["y"])
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("Not covered")
    expect(popup).to_contain_text("Nearest village station")

    overlays.filter(has_text="Uncovered villages").locator("input").uncheck()
    expect(marked).to_have_count(0)

    # the same figures as a table below the map
    expect(page.locator("table.vetmap-rates tbody tr")).to_have_count(len(rates["rows"]) + 1)
    watched.assert_clean()


# Records every Content-Security-Policy violation of the page, from before its first script runs.
_RECORD_CSP_VIOLATIONS = """(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
        window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
})();"""

# What each map page draws once its scripts have run.
_DRAWN = {
    "/": ".marker-cluster, .leaflet-marker-icon, .awesome-marker",
    f"/coverage?area={COVERAGE_COUNTY}": "path.vetmap-unit",
}


@pytest.mark.parametrize("path", list(_DRAWN))
def test_map_pages_work_under_their_content_security_policy(watched: WatchedPage, path: str) -> None:
    page = watched.page
    page.add_init_script(_RECORD_CSP_VIOLATIONS)
    response = page.goto(watched.base_url + path, wait_until="networkidle", timeout=TIMEOUT_MS)
    assert response is not None and response.status == 200
    watched.settle()
    csp = response.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    assert "'unsafe-inline'" not in script_src and "frame-ancestors 'none'" in csp

    assert page.evaluate("window.__cspViolations") == []
    assert page.evaluate("(n) => [...document.scripts].every((s) => s.nonce === n)", nonce)
    assert page.locator(_DRAWN[path]).count() > 0, "the page's scripts did not draw the map"
    watched.assert_clean()

    # the policy is in force: a script injected without the nonce is refused and reported
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__injected = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__injected") is None


def test_sign_in_and_out_in_the_browser(watched: WatchedPage, admin_api_token: str) -> None:
    """The login form posts with its CSRF token, the session cookie signs the browser in, sign-out ends it."""
    page = watched.page
    page.goto(watched.base_url + "/login?lang=en&next=/coverage", wait_until="load")
    page.fill("#username", "test-admin")  # the suite's national admin (tests/auth_helpers.py)
    page.fill("#password", "test-admin-password")
    with page.expect_navigation(url=re.compile(r"/coverage$")):
        page.click("button[type=submit]")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["vetmap_session"]["httpOnly"] and cookies["vetmap_session"]["sameSite"] == "Lax"
    me = page.evaluate("() => fetch('/api/v1/auth/me').then((r) => r.json())")
    assert me["username"] == "test-admin" and me["csrf_token"]
    page.goto(watched.base_url + "/login?lang=en", wait_until="load")
    assert "Signed in as test-admin" in page.content()
    with page.expect_navigation(url=re.compile(r"/login")):
        page.click("button[type=submit]")  # sign out
    assert "vetmap_session" not in {c["name"] for c in page.context.cookies()}
    assert page.locator("#username").count() == 1
    watched.assert_clean()


def test_openapi_viewer_renders_the_operations_with_local_assets(watched: WatchedPage) -> None:
    page = watched.page
    watched.open("/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=TIMEOUT_MS)
    summaries = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/stations" in s for s in summaries), summaries[:10]
    assert page.evaluate('document.querySelectorAll(\'script[src^="http"], link[href^="http"]\').length') == 0
    watched.assert_clean()


def test_upkeep_map_colours_sites_by_condition_for_signed_in_staff(
    watched: WatchedPage, admin_api_token: str
) -> None:
    """The anonymous are sent to sign in; then the sites are dots coloured by condition, with rings and a legend."""
    from web.upkeep.map import CONDITION_COLOURS, OVERDUE_COLOUR  # the page's colour scale

    page = watched.page
    page.goto(watched.base_url + f"/upkeep?area={COVERAGE_COUNTY}&lang=en", wait_until="load")
    expect(page).to_have_url(re.compile(r"/login\?"))
    page.fill("#username", "test-admin")  # the suite's national admin (tests/auth_helpers.py)
    page.fill("#password", "test-admin-password")
    with page.expect_navigation(url=re.compile(r"/upkeep\?area=")):
        page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    watched.settle()
    expect(page).to_have_title(re.compile("Upkeep map"))

    dots = page.locator("path.vetmap-upkeep")
    expect(dots.first).to_be_attached()
    fills = dots.evaluate_all("(ps) => ps.map((p) => p.getAttribute('fill'))")
    assert set(fills) <= set(CONDITION_COLOURS.values()) and len(set(fills)) >= 3, set(fills)
    rings = page.locator("path.vetmap-overdue")
    assert rings.count() > 0 and rings.first.get_attribute("stroke") == OVERDUE_COLOUR
    legend = page.locator(".vetmap-legend")
    expect(legend).to_be_visible()
    for text in ("85–100 Good", "0–49 Damaged", "Not assessed", "Overdue for inspection"):
        expect(legend).to_contain_text(text)

    target = page.evaluate(_TOPMOST_PATH, "vetmap-upkeep")
    assert target is not None, "no site can be clicked"
    page.mouse.click(target["x"], target["y"])
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("Condition index")
    expect(popup).to_contain_text("Next inspection due")

    overlays = page.locator(".leaflet-control-layers-overlays label")
    overlays.filter(has_text="Overdue for inspection").locator("input").uncheck()
    expect(rings).to_have_count(0)
    expect(page.locator("table.vetmap-upkeep-report tbody tr").last).to_contain_text("Total")
    watched.assert_clean()


def test_a_request_leaving_127_0_0_1_is_refused_and_fails_the_test(
    browser: Browser, live_server: str, request: pytest.FixtureRequest
) -> None:
    """The guard of every browser test: the request never leaves, and the test fails even if it looked away.
    (On a blank page: our own pages' Content-Security-Policy would refuse the fetch before the guard sees it.)"""
    refused = pytest.raises(
        pytest.fail.Exception, match=r"outside 127\.0\.0\.1: \['https://example\.org/x'\]"
    )
    with refused, watched_page(browser, live_server, request) as wp:
        wp.page.goto("about:blank")
        answer = wp.page.evaluate(
            "() => fetch('https://example.org/x').then(() => 'reached', () => 'refused')"
        )
        assert answer == "refused" and wp.blocked == ["https://example.org/x"]
    with watched_page(
        browser, live_server, request
    ) as wp:  # expected (a basemap's tiles): tolerated, still refused
        wp.allow_outside("https://example.org/")
        wp.page.goto("about:blank")
        assert wp.page.evaluate("() => fetch('https://example.org/y').then(() => 1, () => 0)") == 0
        assert wp.blocked == ["https://example.org/y"]
        wp.assert_clean()
