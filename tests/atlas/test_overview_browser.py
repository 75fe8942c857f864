"""The overview map ``/`` in a real headless Chromium, offline but for 127.0.0.1: its title, legend, search and who is
signed in, as the public and as a county planner of 资源县 see them; on a desktop and on phones.

With ``VETMAP_SHOTS=<dir>`` the tests keep screenshots at 1440×900, 390×844 and 320×640 to look at (outside the
repository).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, text

from api.app import create_app
from geo.settings import Settings
from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS, WatchedPage, watched_page
from tests.live_server import LiveServer
from tests.staff_pages import (
    DESKTOP,
    assert_fits,
    assert_no_csp_violation,
    fill_sign_in,
    make_account,
    shot,
    watch_csp,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

COUNTY = "450329"  # 资源县
MEMORIAL = "兰前村革命烈士纪念馆"
MEMORIAL_PINYIN = "lanqiancun"
STATION = "资源县退役军人服务中心"
USERNAME = "overview-map-planner"
PASSWORD = "test-overview-map-planner-password"  # a test account's password, made by the test
PHONES = ({"width": 390, "height": 844}, {"width": 320, "height": 640})

# For each layer: its cluster bubbles on screen, and how many of them are covered at their centre by a bubble of
# another layer (hidden by it).
_BUBBLES = """() => {
    const out = {};
    const bubbles = [...document.querySelectorAll(".leaflet-marker-pane .vetmap-cluster")];
    for (const el of bubbles) {
        const collection = [...el.classList].find((c) => c.startsWith("vetmap-cluster-")).slice(15);
        const r = el.getBoundingClientRect();
        if (r.right < 0 || r.bottom < 0 || r.left > innerWidth || r.top > innerHeight) { continue; }
        const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        const on = top && top.closest(".vetmap-cluster");
        const entry = out[collection] || (out[collection] = {shown: 0, hidden: 0});
        entry.shown++;
        if (on && on !== el && !on.classList.contains("vetmap-cluster-" + collection)) { entry.hidden++; }
    }
    return out;
}"""

# Whether the map's centre lies in 资源县 (its box, roughly: 110.3-110.9 E, 25.8-26.4 N).
_IN_COUNTY = "(() => { const c = VetMapAtlas.map.getCenter(); return c.lng > 110.2 && c.lng < 111 && c.lat > 25.7 && c.lat < 26.5; })()"

# The map's centre (as drawn) and its zoom.
_VIEW = """() => {
    const map = VetMapAtlas.map;
    const c = map.getCenter();
    return {lat: c.lat, lng: c.lng, zoom: map.getZoom()};
}"""


@pytest.fixture(scope="module")
def planner(engine: Engine, demo_counts: dict[str, int]) -> str:
    """A planner of 资源县 who signs in with a password."""
    make_account(engine, USERNAME, PASSWORD, "planner", COUNTY)
    return USERNAME


@pytest.fixture(scope="module")
def ids(engine: Engine, demo_counts: dict[str, int]) -> dict[str, int]:
    """The ids of the memorial and the station the tests look for."""
    with engine.connect() as conn:
        return {
            "memorial": conn.execute(
                text("SELECT id FROM memorials WHERE name = :n"), {"n": MEMORIAL}
            ).scalar_one(),
            "station": conn.execute(
                text("SELECT id FROM stations WHERE name = :n"), {"n": STATION}
            ).scalar_one(),
        }


def _shot(wp: WatchedPage, name: str) -> None:
    if os.environ.get("VETMAP_SHOTS"):
        wp.page.wait_for_timeout(400)  # a popup fades in
    shot(wp.page, name, full_page=False)


def _no_overflow(page: Page) -> None:
    assert_fits(page, "the page", "the screen")
    header = page.locator(".atlas-header").bounding_box()
    assert header is not None and header["width"] <= page.viewport_size["width"]


def _find(page: Page, typed: str, pick: str) -> None:
    """Type into the search box and click the result named ``pick``; then the map flies there and opens it."""
    box = page.get_by_role("combobox", name=re.compile("查找地点或点位|Find a place or site"))
    box.fill(typed)
    option = page.get_by_role("option").filter(
        has=page.locator(".atlas-result-name", has_text=re.compile(f"^{pick}$"))
    )
    expect(option.first).to_be_visible()
    option.first.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator(".vetmap-popup-title")).to_have_text(pick, timeout=TIMEOUT_MS)


def test_the_public_sees_title_legend_search_and_sign_in(watched: WatchedPage, ids: dict[str, int]) -> None:
    page = watched.page
    watch_csp(page)
    page.set_viewport_size(DESKTOP)
    watched.open("/")

    # what the map shows, named on the page and in the tab
    expect(page).to_have_title("服务站与烈士纪念设施分布图 · 退役军人服务地图 VetMap")
    expect(page.get_by_role("heading", level=1)).to_have_text("服务站与烈士纪念设施分布图")

    # a legend for every layer, under its switch, its markers drawn as the map draws them
    legend = page.locator(".vetmap-legend")
    expect(legend.get_by_role("button", name="图层与图例")).to_have_attribute("aria-expanded", "true")
    stations = legend.locator("[data-legend=stations] li")
    expect(stations).to_have_count(8)  # the cluster, five levels, planned and closed
    expect(stations.nth(3)).to_have_text("县级")
    expect(stations.nth(3).locator(".awesome-marker-icon-cadetblue i.fa-building")).to_have_count(1)
    for collection, first_kind in (
        ("memorials", "纪念堂馆"),
        ("cemeteries", "烈士陵园"),
        ("graves", "陵园内"),
    ):
        expect(legend.locator(f"[data-legend={collection}] li").nth(1)).to_have_text(first_kind)
    expect(legend.locator("[data-legend=boundaries]")).to_have_text("县级行政区界线")
    expect(legend.locator("[data-legend=upkeep] li")).to_have_text(["损坏", "较差"])
    expect(legend.locator("[data-legend=stations] .vetmap-legend-bubble").first).to_be_visible()

    # at the opening zoom every layer shows its bubbles, and none is hidden under another layer's
    bubbles = page.evaluate(_BUBBLES)
    assert set(bubbles) == {"stations", "memorials", "cemeteries", "graves"}, bubbles
    assert all(b["hidden"] == 0 for b in bubbles.values()), bubbles
    _shot(watched, "overview-public-1440x900")

    # the anonymous are offered the sign-in, which brings them back
    login = page.get_by_role("link", name="登录")
    expect(login).to_be_visible()
    expect(login).to_have_attribute("href", "/login?next=%2F")
    expect(page.locator(".atlas-staff")).to_be_hidden()
    expect(page.get_by_role("link", name="工作台")).to_have_count(0)

    # a place: the county, chosen with the keyboard, fills the map
    box = page.get_by_role("combobox")
    box.fill("资源县")
    county = page.get_by_role("option").filter(has_text="行政区 · 450329")
    expect(county).to_have_count(1)
    expect(page.get_by_role("option").first).to_contain_text("资源县")  # the exact name first
    expect(page.get_by_role("option")).not_to_have_count(
        1
    )  # its sites too: 资源县烈士陵园, the service centre
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "atlas-result-0")
    box.press("Enter")
    expect(page.get_by_role("listbox")).to_be_hidden()
    page.wait_for_function(f"() => VetMapAtlas.map.getZoom() >= 9 && {_IN_COUNTY}")
    watched.settle()
    if os.environ.get("VETMAP_SHOTS"):
        page.wait_for_timeout(1500)
    _shot(watched, "overview-public-county-1440x900")

    # the search: by pinyin (the public search API), the map flies to the memorial and opens it
    zoom = page.evaluate(_VIEW)["zoom"]
    _find(page, MEMORIAL_PINYIN, MEMORIAL)
    assert page.evaluate(_VIEW)["zoom"] > zoom
    popup = page.locator(".leaflet-popup-content")
    site_link = popup.get_by_role("link", name="查看详情")
    expect(site_link).to_have_attribute("href", f"/sites/memorials/{ids['memorial']}")
    expect(popup.get_by_role("link", name="编辑")).to_have_count(0)
    expect(popup.get_by_role("link", name="养护")).to_have_count(0)
    _shot(watched, "overview-public-found-1440x900")
    assert_no_csp_violation(page)
    assert axe_violations(page) == []

    # nothing to search for: a sentence, not a request
    page.get_by_role("combobox").fill("……")
    expect(page.locator("#atlas-search-status")).to_have_text("请输入名称中的汉字、拼音或首字母。")
    page.get_by_role("combobox").fill("不存在的地方名称")
    expect(page.locator("#atlas-search-status")).to_have_text("没有找到“不存在的地方名称”。")

    # phones: nothing wider than the screen, the legend folded until asked for, the search usable
    for size in PHONES:
        page.set_viewport_size(size)
        page.goto(watched.base_url + "/", wait_until="networkidle")
        watched.settle()
        _no_overflow(page)
        bubbles = page.evaluate(_BUBBLES)
        assert all(b["hidden"] == 0 for b in bubbles.values()), (size, bubbles)
        toggle = page.locator(".vetmap-legend-toggle")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(page.locator(".vetmap-legend [data-legend=stations]")).to_be_hidden()
        _shot(watched, f"overview-public-{size['width']}x{size['height']}")
        toggle.click()
        expect(page.locator(".vetmap-legend [data-legend=stations]")).to_be_visible()
        legend_box = page.locator(".vetmap-legend").bounding_box()
        assert legend_box is not None and legend_box["x"] + legend_box["width"] <= size["width"]
        _shot(watched, f"overview-public-legend-{size['width']}x{size['height']}")
        toggle.click()
        _find(page, MEMORIAL, MEMORIAL)
        expect(page.locator(".leaflet-popup-content").get_by_role("link", name="查看详情")).to_be_visible()
        _no_overflow(page)
        _shot(watched, f"overview-public-found-{size['width']}x{size['height']}")
    assert axe_violations(page) == []
    assert_no_csp_violation(page)

    # in English, links keep the language
    page.set_viewport_size(DESKTOP)
    page.goto(watched.base_url + "/?lang=en", wait_until="networkidle")
    watched.settle()
    expect(page.get_by_role("heading", level=1)).to_have_text("Service stations and martyr memorial sites")
    expect(page.get_by_role("button", name="Layers and legend")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in")).to_have_attribute(
        "href", "/login?next=%2F%3Flang%3Den&lang=en"
    )
    _find(page, MEMORIAL_PINYIN, MEMORIAL)
    expect(page.locator(".leaflet-popup-content").get_by_role("link", name="Site page")).to_have_attribute(
        "href", f"/sites/memorials/{ids['memorial']}?lang=en"
    )
    _shot(watched, "overview-public-en-1440x900")
    watched.assert_clean()


def test_a_planner_sees_their_name_the_workbench_and_edit_links(
    watched: WatchedPage, planner: str, ids: dict[str, int]
) -> None:
    page = watched.page
    watch_csp(page)
    page.set_viewport_size(DESKTOP)
    page.goto(watched.base_url + "/login?next=/", wait_until="load")
    fill_sign_in(page, planner, PASSWORD)
    page.wait_for_url(re.compile(r"/$"), timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    watched.settle()

    account = page.get_by_role("navigation", name="账户")
    expect(account.locator(".atlas-name")).to_have_text(planner)
    expect(account.locator(".atlas-role")).to_have_text("规划人员")
    expect(account.get_by_role("link", name="工作台")).to_have_attribute("href", "/staff/")
    expect(account.get_by_role("link", name="本区域覆盖率")).to_have_attribute(
        "href", f"/coverage?area={COUNTY}"
    )
    expect(account.get_by_role("button", name="退出登录")).to_be_visible()
    expect(account.get_by_role("link", name="登录")).to_be_hidden()

    # a station of my county: its edit page (planners edit stations); stations have no public page
    _find(page, STATION, STATION)
    popup = page.locator(".leaflet-popup-content")
    expect(popup.get_by_role("link", name="编辑")).to_have_attribute(
        "href", f"/staff/sites/stations/{ids['station']}"
    )
    expect(popup.get_by_role("link", name="查看详情")).to_have_count(0)
    _shot(watched, "overview-planner-1440x900")

    # a memorial of my county: its public page and its crew page (planners read upkeep, crews edit memorials)
    _find(page, MEMORIAL, MEMORIAL)
    expect(popup.get_by_role("link", name="查看详情")).to_have_attribute(
        "href", f"/sites/memorials/{ids['memorial']}"
    )
    expect(popup.get_by_role("link", name="养护")).to_have_attribute(
        "href", f"/crew/memorials/{ids['memorial']}"
    )
    expect(popup.get_by_role("link", name="编辑")).to_have_count(0)
    assert_no_csp_violation(page)
    assert axe_violations(page) == []

    for size in PHONES:
        page.set_viewport_size(size)
        page.goto(watched.base_url + "/", wait_until="networkidle")
        watched.settle()
        expect(account.locator(".atlas-name")).to_have_text(planner)
        expect(account.get_by_role("link", name="工作台")).to_be_hidden()  # folded into the account's menu
        _no_overflow(page)
        _shot(watched, f"overview-planner-{size['width']}x{size['height']}")
        menu = account.get_by_role("button", name=re.compile(planner))
        expect(menu).to_have_attribute("aria-expanded", "false")
        menu.click()
        expect(account.get_by_role("link", name="工作台")).to_be_visible()
        expect(account.get_by_role("button", name="退出登录")).to_be_visible()
        menu_box = page.locator(".atlas-staff-menu").bounding_box()
        assert (
            menu_box is not None and menu_box["x"] >= 0 and menu_box["x"] + menu_box["width"] <= size["width"]
        )
        _shot(watched, f"overview-planner-menu-{size['width']}x{size['height']}")
    assert axe_violations(page) == []

    # sign out from the map
    page.set_viewport_size(DESKTOP)
    account.get_by_role("button", name="退出登录").click()
    page.wait_for_url(re.compile(r"/login"), timeout=TIMEOUT_MS)
    page.goto(watched.base_url + "/", wait_until="networkidle")
    expect(page.get_by_role("link", name="登录")).to_be_visible()
    watched.assert_clean()


@pytest.fixture(scope="module")
def tiled_server(settings: Settings, demo_counts: dict[str, int]) -> Iterator[LiveServer]:
    """The app over the demo atlas embedding no collection: every layer is drawn from cluster tiles."""
    server = LiveServer(create_app(settings.model_copy(update={"map_embed_max": 5})))
    server.start()
    yield server
    server.stop()


def test_on_a_map_of_cluster_tiles_the_search_opens_the_site_drawn_from_a_tile(
    browser: Browser, tiled_server: LiveServer, request: pytest.FixtureRequest, ids: dict[str, int]
) -> None:
    with watched_page(browser, tiled_server.url, request, viewport=DESKTOP) as watched:
        page = watched.page
        watched.open("/")
        page.wait_for_function(
            "() => document.querySelectorAll('.leaflet-marker-pane .vetmap-cluster').length > 8"
        )
        watched.settle()
        bubbles = page.evaluate(_BUBBLES)
        assert set(bubbles) == {"stations", "memorials", "cemeteries", "graves"}, bubbles
        assert all(b["hidden"] == 0 for b in bubbles.values()), bubbles
        assert MEMORIAL not in page.content()  # nothing embedded: the search asks the server

        _find(page, MEMORIAL_PINYIN, MEMORIAL)
        popup = page.locator(".leaflet-popup-content")
        expect(popup.get_by_role("link", name="查看详情")).to_have_attribute(
            "href", f"/sites/memorials/{ids['memorial']}"
        )
        marker = page.locator(f'.leaflet-marker-pane [title="{MEMORIAL}"]')
        expect(marker).to_have_count(1)  # the popup is the tile's marker's own
        expect(popup).to_contain_text("纪念堂馆")
        _shot(watched, "overview-tiled-found-1440x900")
        watched.assert_clean()
