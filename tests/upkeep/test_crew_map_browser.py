"""The crews' task map in a real headless Chromium on a 390×844 phone, with the internet cut off: my area's boundary,
its townships and my sites drawn with no basemap (no request leaves 127.0.0.1), my position from the phone, and a
tap on a site opening its name, task, page and navigation links (AMap's in GCJ-02).

Uses the `watched` page of tests/browser_pages.py (every request leaving 127.0.0.1 is aborted, recorded and fails
the test). Screenshots go to the folder VETMAP_SHOTS names, when set.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect
from sqlalchemy import Engine, text

from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS, WatchedPage
from tests.factories import make_site_at
from tests.staff_pages import (
    assert_fits,
    assert_no_csp_violation,
    fill_sign_in,
    make_account,
    shot,
    watch_csp,
)
from tests.upkeep.work_order_setup import make_assigned_order
from web.directions import amap_link, baidu_link

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

COUNTY = "450329"  # 资源县
USERNAME = "crew-map-browser"
PASSWORD = "test-crew-map-password"  # a test account's password, made by the test
STANDING = {"longitude": 110.6401, "latitude": 26.0402, "accuracy": 12}
SITE_POINT = (110.6425, 26.0418)  # about 300 m from where the crew stands
SITE_NAME = "地图浏览器纪念碑"
PHONE = {"width": 390, "height": 844}

# the page position of a site's tap target, found by its feature id on the page's Leaflet map
_SITE_POINT_ON_PAGE = """(id) => {
    let found = null;
    window.crewMap.eachLayer((layer) => { if (layer.feature && layer.feature.id === id) { found = layer; } });
    if (!found) { return null; }
    window.crewMap.setView(found.getLatLng(), 16, {animate: false});
    const p = window.crewMap.latLngToContainerPoint(found.getLatLng());
    const box = window.crewMap.getContainer().getBoundingClientRect();
    return {x: box.left + p.x, y: box.top + p.y};
}"""


@pytest.fixture(scope="module")
def crew_id(engine: Engine, demo_counts: dict[str, int]) -> int:
    """A crew of 资源县 who signs in with a password."""
    return make_account(engine, USERNAME, PASSWORD, "crew", COUNTY).id


@pytest.fixture(scope="module")
def site(client: TestClient, crew_id: int) -> dict:
    """A memorial of the county with a repair assigned to the crew."""
    made = make_site_at(client, "memorials", SITE_POINT, name=SITE_NAME)
    make_assigned_order(client, made["id"], crew_id, "碑座裂缝", priority="urgent")
    return made


def _township_names(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT name FROM areas WHERE level = 'township' AND code LIKE :p"), {"p": COUNTY + "%"}
        )
        return {r[0] for r in rows}


def test_map_draws_my_area_my_position_and_a_sites_way_there(
    watched: WatchedPage, engine: Engine, site: dict
) -> None:
    page = watched.page
    page.set_viewport_size(PHONE)
    watch_csp(page)
    page.context.grant_permissions(["geolocation"], origin=watched.base_url)
    page.context.set_geolocation(STANDING)
    page.goto(watched.base_url + "/crew/map", wait_until="load")
    assert "/login" in page.url  # not signed in: the sign-in page, which brings us back
    fill_sign_in(page, USERNAME, PASSWORD)
    page.wait_for_url(re.compile(r"/crew/map$"), timeout=TIMEOUT_MS)

    status = page.locator("#map-status")
    expect(status).to_have_attribute("data-state", "loaded")
    expect(status).to_contain_text("处地点")
    # the boundary of the county, in its colour, and the names of its townships; no tile layer at all
    expect(page.locator('.leaflet-areas-pane path[stroke="#8b1a1a"]')).to_have_count(1)
    townships = page.locator(".area-label.area-township")
    expect(townships).to_have_count(len(_township_names(engine)))
    assert set(townships.all_inner_texts()) == _township_names(engine)
    assert page.locator(".leaflet-tile-pane img").count() == 0
    expect(page.locator(".leaflet-control-scale-line")).to_have_text(re.compile(r"^\d+ (m|km)$"))
    # my site, marked as a work order of mine and named on the map
    expect(page.locator(".site-label.label-order", has_text=SITE_NAME)).to_be_visible()
    # my position: a dot and the status at the button
    expect(page.locator("#locate-status")).to_have_text("已定位，精度约 12 米。")
    expect(page.locator("path.my-position")).to_have_count(1)
    shot(page, "crew-map-390", full_page=False)

    locate = page.locator("#locate-me")
    box = locate.bounding_box()
    assert box is not None and box["height"] >= 44
    locate.click()
    expect(page.locator("#locate-status")).to_have_text("已定位，精度约 12 米。")
    centre = page.evaluate("() => window.crewMap.getCenter()")
    assert centre["lng"] == pytest.approx(STANDING["longitude"], abs=1e-4)
    assert centre["lat"] == pytest.approx(STANDING["latitude"], abs=1e-4)

    # tap my site: its name, task, distance, page and the ways to navigate there
    at = page.evaluate(_SITE_POINT_ON_PAGE, f"memorials/{site['id']}")
    assert at is not None
    page.mouse.click(at["x"] + 14, at["y"] + 10)  # inside the 44 px target, off the dot's centre
    popup = page.locator(".leaflet-popup-content .site-popup")
    expect(popup.locator(".popup-title")).to_have_text(SITE_NAME)
    order_link = popup.locator("a.order-link")
    expect(order_link).to_have_text("工单：碑座裂缝（已派工）")
    expect(order_link).to_have_attribute("href", re.compile(r"^/crew/work-orders/\d+$"))
    expect(popup).to_contain_text("巡查：从未巡查")
    expect(popup.locator(".popup-distance")).to_have_text(re.compile(r"^距我 (2\d\d|3\d\d)米$"))
    lon, lat = site["geometry"]["coordinates"]
    expect(popup.locator("a.nav-amap")).to_have_attribute("href", amap_link(lon, lat, SITE_NAME))
    expect(popup.locator("a.nav-amap")).to_have_text("高德地图")
    expect(popup.locator("a.nav-baidu")).to_have_attribute("href", baidu_link(lon, lat, SITE_NAME))
    for link in popup.locator("a").all():
        link_box = link.bounding_box()
        assert link_box is not None and round(link_box["height"]) >= 44, link.inner_text()
    assert_fits(page, "the task map with a popup open")
    assert axe_violations(page) == []
    shot(page, "crew-map-popup-390", full_page=False)

    popup.locator("a.open-site").click()
    page.wait_for_url(re.compile(rf"/crew/memorials/{site['id']}$"))
    nav = page.locator("section.directions")
    expect(nav.locator("h2")).to_have_text("导航前往")
    expect(nav.locator("a.nav-amap")).to_have_attribute("href", amap_link(lon, lat, SITE_NAME))
    nav.scroll_into_view_if_needed()
    shot(page, "crew-site-navigate-390", full_page=False)
    assert_no_csp_violation(page)

    # in English, and with the position refused: the reason next to the button
    page.context.clear_permissions()
    page.goto(watched.base_url + "/crew/map?lang=en", wait_until="load")
    expect(page.locator("#map-status")).to_have_text(re.compile(r"^\d+ sites, \d+ with a task of mine\.$"))
    expect(page.locator("#locate-status")).to_have_text(re.compile("^Position not allowed"))
    shot(page, "crew-map-en-390", full_page=False)
    assert page.locator("path.my-position").count() == 0

    # no signal and no copy kept: the map says so where its data would be
    page.route("**/api/v1/me/map", lambda route: route.abort("internetdisconnected"))
    page.reload(wait_until="load")
    expect(page.locator("#map-status")).to_have_text(
        "The map data could not be loaded: no signal, and none kept on this phone."
    )
    assert watched.blocked == []  # nothing tried to leave 127.0.0.1: no basemap, no CDN
    # no error but for a request of the offline app that a navigation cut short
    cut = ("ERR_ABORTED", "ERR_INTERNET_DISCONNECTED")  # a navigation cut short; the map's data cut off above
    assert [e for e in watched.errors if not any(c in e for c in cut)] == []
