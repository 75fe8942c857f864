"""Names are data, never markup: sites and an area renamed to HTML that would navigate the visitor away and run a
handler, shown on every page that names them (public, atlas, coverage, upkeep, crew) in a real headless Chromium.

Each page hovers the renamed site's point (its tooltip) and, on the staff maps, clicks it (its popup); the name must
be shown as the literal text, the page must stay where it is, no element of the name may exist in the document and
no handler may have run. Uses the `watched` page of tests/browser_pages.py (a request leaving 127.0.0.1, a console
error or an HTTP error fails the test).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import Engine, text

from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import create_account
from tests.browser_pages import TIMEOUT_MS, WatchedPage
from tests.factories import ZIYUAN_POINT, free_point, if_match, make_site_at, offset, square

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

COUNTY = "450329"  # 资源县
HOSTILE = (
    '<meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/x"><img src=x onerror="window.__pwned=1">'
)
"""A name that, inserted as HTML, sends the visitor to another address and asks to run a handler."""
GRAVE_MARTYR = "名称测试烈士"
USERNAME = "crew-hostile-names"
PASSWORD = "test-crew-hostile-names-password"  # a test account's password, made by the test

# Before any of the page's scripts: record CSP violations (a handler the policy refused is one).
_RECORD_VIOLATIONS = """(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
        window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
})();"""

# Centre the page's Leaflet map (the public pages keep it on #map, Folium's is a global map_<hash>) on a WGS-84
# position at `zoom`, with no animation, and return the map's element id and that position's point in it.
_CENTRE_ON = """([lat, lon, zoom]) => {
    const el = document.getElementById("map");
    let map = el && el.vetmapMap;
    if (!map) {
        const names = Object.keys(window).filter((k) => k.startsWith("map_") && window[k] instanceof L.Map);
        map = window[names[0]];
    }
    map.getContainer().scrollIntoView({block: "center"});
    map.setView([lat, lon], zoom, {animate: false});
    const p = map.latLngToContainerPoint([lat, lon]);
    return {id: map.getContainer().id, x: p.x, y: p.y};
}"""

# Open the tooltip, then the popup, of the coverage unit (a township polygon) with area code `code`.
_OPEN_UNIT = """([code, what]) => {
    const names = Object.keys(window).filter((k) => k.startsWith("map_") && window[k] instanceof L.Map);
    const map = window[names[0]];
    let unit = null;
    map.eachLayer((layer) => {
        if (!unit && layer.feature && layer.feature.properties && layer.feature.properties.code === code) {
            unit = layer;
        }
    });
    if (!unit) { return false; }
    map.fitBounds(unit.getBounds(), {animate: false});
    const at = unit.getBounds().getCenter();
    if (what === "tooltip") { unit.openTooltip(at); } else { unit.openPopup(at); }
    return true;
}"""

_HARM = """() => ({
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    markup: [...document.querySelectorAll('meta[http-equiv], img[src="x"]')].map((e) => e.outerHTML),
    violations: window.__cspViolations || [],
})"""


@pytest.fixture(scope="module")
def hostile(client: TestClient, engine: Engine) -> Iterator[dict]:
    """A memorial, a scattered grave and a station of 资源县 renamed to ``HOSTILE``, and one of its townships
    renamed so too (its name given back after the module)."""
    with engine.connect() as conn:
        memorial_at = free_point(conn, (ZIYUAN_POINT[0] + 0.1, ZIYUAN_POINT[1] - 0.06))
    grave_at = offset(memorial_at, 0, 300)
    station_at = offset(memorial_at, 300, 0)
    made = {
        "memorials": make_site_at(
            client, "memorials", memorial_at, name="名称测试纪念碑", protection_zone=square(*memorial_at)
        ),
        "graves": make_site_at(client, "graves", grave_at, name="名称测试墓", martyr_name=GRAVE_MARTYR),
        "stations": make_site_at(client, "stations", station_at, name="名称测试服务站"),
    }
    for collection, site in made.items():  # renamed as a crew member or an editor would
        answer = client.patch(
            f"/api/v1/{collection}/{site['id']}",
            json={"properties": {"name": HOSTILE}},
            headers=if_match(client, collection, site["id"]),
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["properties"]["name"] == HOSTILE
    with engine.begin() as conn:
        township = conn.execute(
            text(
                "SELECT code, name FROM areas WHERE level = 'township' AND code LIKE :p ORDER BY code LIMIT 1"
            ),
            {"p": COUNTY + "%"},
        ).one()
        conn.execute(text("UPDATE areas SET name = :n WHERE code = :c"), {"n": HOSTILE, "c": township.code})
    try:
        yield {
            "memorial": made["memorials"]["id"],
            "at": {"memorials": memorial_at, "graves": grave_at, "stations": station_at},
            "township": township.code,
        }
    finally:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE areas SET name = :n WHERE code = :c"), {"n": township.name, "c": township.code}
            )


@pytest.fixture(scope="module")
def crew_account(engine: Engine, demo_counts: dict[str, int]) -> int:
    """A crew of 资源县 who signs in with a password."""
    with engine.begin() as conn:
        return create_account(conn, CLI_ACTOR, USERNAME, PASSWORD, "crew", COUNTY).id


def _open(wp: WatchedPage, path: str) -> str:
    wp.page.add_init_script(_RECORD_VIOLATIONS)
    wp.open(path)
    return wp.page.url


def _point_on_page(wp: WatchedPage, at: tuple[float, float], zoom: int) -> tuple[Locator, dict]:
    """The map's element and the point of ``at`` in it, the map centred there at ``zoom`` and settled.

    The pointer is then moved relative to the map's element where it is at that moment (the page above the map
    may still shift while it loads: a point on the page taken earlier would land next to the site)."""
    where = wp.page.evaluate(_CENTRE_ON, [at[1], at[0], zoom])
    wp.settle()
    return wp.page.locator(f"#{where['id']}"), {"x": where["x"], "y": where["y"]}


def _unharmed(page: Page, url: str) -> None:
    """The page is still ``url`` a moment later, and nothing of the name became an element or ran."""
    page.wait_for_timeout(600)  # a refresh of 0 s would have left by now
    assert page.url == url, f"the page navigated to {page.url}"
    assert page.evaluate(_HARM) == {"pwned": None, "markup": [], "violations": []}


def _one_tooltip_reads(page: Page, shown: str) -> None:
    """One tooltip is open (another may still be fading out) and it reads ``shown``."""
    tooltips = page.locator(".leaflet-tooltip")
    expect(tooltips).to_have_count(1)
    expect(tooltips).to_have_text(shown)


def _hover_shows_the_name(wp: WatchedPage, at: tuple[float, float], zoom: int, shown: str = HOSTILE) -> None:
    """Hover the point at ``at``: its tooltip reads ``shown`` as text."""
    page, url = wp.page, wp.page.url
    map_element, where = _point_on_page(wp, at, zoom)
    map_element.hover(position=where)
    _one_tooltip_reads(page, shown)
    _unharmed(page, url)


def _click_shows_the_name(wp: WatchedPage, at: tuple[float, float], zoom: int, title: str = HOSTILE) -> None:
    """Click the point at ``at``: its popup's title reads ``title`` as text; then close the popup."""
    page, url = wp.page, wp.page.url
    map_element, where = _point_on_page(wp, at, zoom)
    map_element.click(position=where)
    expect(page.locator(".leaflet-popup-content .vetmap-popup-title")).to_have_text(title)
    _unharmed(page, url)
    page.locator(".leaflet-popup-close-button").click()
    page.mouse.move(0, 0)


def test_report_form_names_the_nearby_site_as_text(watched: WatchedPage, hostile: dict) -> None:
    page = watched.page
    url = _open(watched, f"/report?basemap=none&site=memorials/{hostile['memorial']}")
    expect(page.locator("#near")).to_contain_text(HOSTILE)  # "near <name>", as text
    expect(page.locator("#map path.leaflet-interactive").first).to_be_attached()  # the sites near the pin
    # the form opens on the site, the pin standing on it in the middle of the map: hover just under the pin's tip
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 4)
    _one_tooltip_reads(page, HOSTILE)
    _unharmed(page, url)
    watched.assert_clean()


def test_site_page_names_the_site_as_text(watched: WatchedPage, hostile: dict) -> None:
    page = watched.page
    _open(watched, f"/sites/memorials/{hostile['memorial']}")
    expect(page.locator("h1")).to_have_text(HOSTILE)
    _hover_shows_the_name(watched, hostile["at"]["memorials"], 17)
    watched.assert_clean()


def test_search_lists_and_maps_the_site_as_text(watched: WatchedPage, hostile: dict) -> None:
    page = watched.page
    _open(watched, "/search?q=http-equiv")
    expect(page.locator("#results a").first).to_have_text(HOSTILE)
    _hover_shows_the_name(watched, hostile["at"]["memorials"], 17)
    watched.assert_clean()


def test_atlas_popup_names_the_site_as_text(watched: WatchedPage, hostile: dict) -> None:
    page = watched.page
    url = _open(watched, "/")
    _point_on_page(watched, hostile["at"]["memorials"], 19)
    memorials = page.locator(".leaflet-marker-pane .awesome-marker-icon-purple")
    marker = page.get_by_title(HOSTILE, exact=True).and_(memorials)
    expect(marker).to_have_count(1)  # the memorial (the station is another marker of that name)
    marker.click()
    expect(page.locator(".leaflet-popup-content .vetmap-popup-title")).to_have_text(HOSTILE)
    _unharmed(page, url)
    watched.assert_clean()


def test_coverage_map_names_the_station_as_text(watched: WatchedPage, hostile: dict) -> None:
    _open(watched, f"/coverage?area={COUNTY}")
    _hover_shows_the_name(watched, hostile["at"]["stations"], 17)
    _click_shows_the_name(watched, hostile["at"]["stations"], 17)
    watched.assert_clean()


def test_coverage_map_names_the_township_as_text(watched: WatchedPage, hostile: dict) -> None:
    page = watched.page
    url = _open(watched, f"/coverage?area={COUNTY}")
    assert page.evaluate(_OPEN_UNIT, [hostile["township"], "tooltip"]), "no unit of the renamed township"
    _one_tooltip_reads(page, HOSTILE)
    _unharmed(page, url)
    assert page.evaluate(_OPEN_UNIT, [hostile["township"], "popup"])
    title = page.locator(".leaflet-popup-content .vetmap-popup-title")
    expect(title).to_have_text(f"{HOSTILE} ({hostile['township']})")
    _unharmed(page, url)
    watched.assert_clean()


def _sign_in(wp: WatchedPage, next_path: str) -> None:
    page = wp.page
    page.goto(f"{wp.base_url}/login?next={quote(next_path, safe='/')}", wait_until="load")
    page.fill("#username", USERNAME)
    page.fill("#password", PASSWORD)
    with page.expect_navigation(timeout=TIMEOUT_MS):
        page.click("button[type=submit]")


def test_crew_pages_and_the_upkeep_map_name_the_sites_as_text(
    watched: WatchedPage, hostile: dict, crew_account: int
) -> None:
    page = watched.page
    page.add_init_script(_RECORD_VIOLATIONS)
    memorial_at = hostile["at"]["memorials"]
    _sign_in(watched, f"/upkeep?area={COUNTY}")
    page.goto(f"{watched.base_url}/crew?lon={memorial_at[0]}&lat={memorial_at[1]}", wait_until="networkidle")
    task = page.locator(f'li.task[data-collection="memorials"][data-site-id="{hostile["memorial"]}"] .name')
    expect(task.first).to_have_text(HOSTILE)
    _unharmed(page, page.url)
    page.goto(f"{watched.base_url}/crew/memorials/{hostile['memorial']}", wait_until="networkidle")
    expect(page.locator("h1")).to_have_text(HOSTILE)
    _unharmed(page, page.url)

    _open(watched, f"/upkeep?area={COUNTY}")
    expect(page).to_have_url(re.compile(r"/upkeep\?area="))
    _hover_shows_the_name(watched, memorial_at, 17)
    _click_shows_the_name(watched, memorial_at, 17)
    grave = f"{HOSTILE} ({GRAVE_MARTYR})"
    _hover_shows_the_name(watched, hostile["at"]["graves"], 17, grave)
    _click_shows_the_name(watched, hostile["at"]["graves"], 17, title=grave)
    watched.assert_clean()
