"""The travel-time page in a real headless Chromium (issue 19 item 5), offline but for 127.0.0.1: a county planner
of 资源县 signs in, sees the demo road network listed as covering the county, starts a run, follows its progress,
and sees the villages coloured by minutes and the 30-minute service areas on the map, and the villages in a
table; a planner of 兴宁区, where no road lies, is told so and what to do; a planner of the whole atlas uploads
a road file with its progress, a bad file first (refused next to the file, in words).

With ``VETMAP_SHOTS=<dir>`` the test keeps screenshots at 1440×900 and 390×844, to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, text

from geo.coverage.roads import delete_network
from geo.coverage.roads_demo import DEMO_NETWORK, load_demo_roads
from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS, WatchedPage
from tests.coverage.travel_fixture import write_roads
from tests.staff_pages import (
    DESKTOP,
    PHONE,
    assert_fits,
    assert_no_csp_violation,
    make_account,
    shot,
    sign_in_at,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

COUNTY = "450329"  # 资源县: the demo roads of this test
NO_ROADS = "450102"  # 兴宁区: none
PASSWORD = "test-travel-page-browser-password"  # the test accounts' password, made by the test
GREY = "#8a8f94"  # a village without a travel time


@pytest.fixture(scope="module")
def network(engine: Engine, demo_counts: dict[str, int]) -> Iterator[int]:
    """The demo roads of 资源县 alone, removed after the module."""
    info = load_demo_roads(engine, counties=(COUNTY,))
    yield info.id
    with engine.begin() as conn:
        delete_network(conn, info.id)


@pytest.fixture(scope="module")
def accounts(engine: Engine, demo_counts: dict[str, int]) -> dict[str, str]:
    """Planners of 资源县, of 兴宁区 and of the whole atlas, by key."""
    names = {"county": COUNTY, "no_roads": NO_ROADS, "atlas": None}
    for key, area in names.items():
        make_account(engine, f"travel-browser-{key}", PASSWORD, "planner", area)
    return {key: f"travel-browser-{key}" for key in names}


def _clean(wp: WatchedPage) -> None:
    assert_no_csp_violation(wp.page)
    assert axe_violations(wp.page) == []


def _no_overflow(wp: WatchedPage, name: str) -> None:
    wp.page.set_viewport_size(PHONE)
    shot(wp.page, name)
    assert_fits(wp.page, "the travel page")
    wp.page.set_viewport_size(DESKTOP)


def _sign_in(wp: WatchedPage, username: str, path: str = "/staff/travel") -> None:
    sign_in_at(wp.page, wp.base_url, path, username, PASSWORD)


def _village_fills(wp: WatchedPage) -> list[str]:
    """The fill colour of each village marker on the map."""
    return wp.page.evaluate(
        """() => Array.from(document.querySelectorAll('.leaflet-villages-pane path.leaflet-interactive'))
                 .map((p) => p.getAttribute('fill'))"""
    )


def test_a_county_planner_runs_travel_time_and_sees_minutes_and_service_areas(
    watched: WatchedPage, accounts: dict[str, str], network: int
) -> None:
    page = watched.page
    _sign_in(watched, accounts["county"])
    expect(page.locator("h1")).to_have_text("出行时间 — 资源县 (450329)")
    listed = page.locator(f'#tt-network-table tr[data-network="{network}"]')
    expect(listed).to_contain_text(DEMO_NETWORK)
    expect(listed).to_contain_text("覆盖本范围")
    expect(listed).to_contain_text("资源县 (450329)")
    expect(page.locator("#tt-network")).to_have_value(str(network))
    expect(page.locator("#tt-no-network")).to_have_count(0)
    _clean(watched)

    before = (
        page.locator("#tt-last-run").get_attribute("data-run") if page.locator("#tt-last-run").count() else ""
    )
    page.click("#tt-run-button")
    expect(page.locator("#tt-run-progress")).to_be_visible()
    expect(page.locator("#tt-run-text")).to_contain_text(re.compile("正在开始|计算中|计算完成"))
    # done: the page reloads with the run's results
    expect(page.locator(f'#tt-last-run:not([data-run="{before}"])')).to_be_attached(timeout=90_000)
    expect(page.locator("#tt-last-run")).to_contain_text("计算范围 450329")
    expect(page.locator("#tt-map[data-villages]")).to_be_attached(timeout=TIMEOUT_MS)
    villages = int(page.locator("#tt-map").get_attribute("data-villages"))
    assert villages > 0
    fills = _village_fills(watched)
    assert len(fills) == villages and GREY not in fills  # every village of the county reached, coloured
    assert len(set(fills)) >= 2  # by minutes: more than one class
    expect(page.locator("#tt-legend li")).to_have_count(8)
    expect(page.locator("#tt-legend")).to_contain_text("≤ 10 分钟")
    rows = page.locator("#tt-villages tbody tr")
    expect(rows).to_have_count(villages)
    first = rows.nth(0).locator("td").nth(3).inner_text()
    assert re.fullmatch(r"\d+\.\d", first)

    # the 30-minute service areas (the control's default), then another choice
    expect(page.locator("#tt-minutes")).to_have_value("30")
    expect(page.locator('#tt-map[data-service-minutes="30"]')).to_be_attached(timeout=TIMEOUT_MS)
    assert int(page.locator("#tt-map").get_attribute("data-service-areas")) > 0
    expect(page.locator("#tt-service-note")).to_contain_text("30 分钟服务范围")
    expect(page.locator(".leaflet-service-pane path")).not_to_have_count(0)
    _clean(watched)
    shot(watched.page, "travel-run-1440x900")
    page.select_option("#tt-minutes", "15")
    expect(page.locator('#tt-map[data-service-minutes="15"]')).to_be_attached(timeout=TIMEOUT_MS)
    page.select_option("#tt-colour-by", "any")
    assert GREY not in _village_fills(watched)
    _no_overflow(watched, "travel-run-390x844")

    page.goto(watched.base_url + "/staff/travel?lang=en", wait_until="load")
    expect(page.locator("h1")).to_have_text(re.compile(r"^Travel time — "))
    expect(page.locator('#tt-map[data-service-minutes="30"]')).to_be_attached(timeout=TIMEOUT_MS)
    expect(page.locator("#tt-service-note")).to_contain_text("30-minute service areas")
    shot(watched.page, "travel-run-en-1440x900")
    watched.assert_clean()


def test_an_area_without_roads_says_so(watched: WatchedPage, accounts: dict[str, str], network: int) -> None:
    page = watched.page
    _sign_in(watched, accounts["no_roads"])
    notice = page.locator("#tt-no-network")
    expect(notice).to_contain_text("没有覆盖本范围的路网")
    expect(notice).to_contain_text("兴宁区 (450102) 内没有任何已导入路网的道路")
    expect(notice).to_contain_text("请负责全部地区的规划人员或管理员导入")
    expect(page.locator("#tt-run-form")).to_have_count(0)
    expect(page.locator(f'#tt-network-table tr[data-network="{network}"]')).to_contain_text(DEMO_NETWORK)
    _clean(watched)
    shot(watched.page, "travel-no-roads-1440x900")
    _no_overflow(watched, "travel-no-roads-390x844")
    watched.assert_clean()


def test_a_planner_of_the_atlas_uploads_a_road_file_with_progress(
    watched: WatchedPage, accounts: dict[str, str], network: int, tmp_path: Path, engine: Engine
) -> None:
    page = watched.page
    _sign_in(watched, accounts["atlas"], f"/staff/travel?area={NO_ROADS}")
    expect(page.locator("#tt-no-network")).to_contain_text(
        "在下方“导入路网”中上传覆盖 兴宁区 (450102) 的道路文件"
    )
    _clean(watched)

    page.click("#tt-import-button")  # no file chosen
    expect(page.locator("#tt-file-error")).to_have_text("请选择要上传的道路文件。")
    bad = tmp_path / "notes.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    page.set_input_files("#tt-file", str(bad))
    page.click("#tt-import-button")
    expect(page.locator("#tt-file-error")).to_contain_text("notes.geojson")
    expect(page.locator("#tt-file")).to_have_attribute("aria-invalid", "true")
    page.select_option("#tt-crs", "EPSG")
    page.fill("#tt-epsg", "abc")
    page.click("#tt-import-button")
    expect(page.locator("#tt-crs-error")).to_have_text("EPSG 编码是 4 到 6 位数字，例如 4547。")
    shot(watched.page, "travel-import-refused-1440x900")

    page.select_option("#tt-crs", "WGS84")
    roads = write_roads(tmp_path / "test-roads.gpkg")
    page.set_input_files("#tt-file", str(roads))
    page.fill("#tt-name", "浏览器测试路网")
    held = []  # the upload is held on its way, to see the page while it goes

    def hold(route) -> None:
        held.append(route)

    page.route("**/api/v1/roads/networks?*", hold)
    page.click("#tt-import-button")
    expect(page.locator("#tt-import-text")).to_have_text(
        re.compile(r"^正在上传：\d+%$|^已上传，正在读取道路")
    )
    expect(page.locator("#tt-import-progress")).to_be_visible()
    expect(page.locator("#tt-import-button")).to_be_disabled()
    shot(watched.page, "travel-import-progress-1440x900")
    page.unroute("**/api/v1/roads/networks?*", hold)
    held[0].continue_()
    # the page comes back with the new network listed and the import confirmed
    expect(page.locator("#tt-imported")).to_have_text(
        re.compile("已导入路网“浏览器测试路网”：6 个路段，共 [0-9.]+ 公里。"), timeout=30_000
    )
    expect(page.locator("#tt-network-table tr.tt-new")).to_contain_text("浏览器测试路网")
    _clean(watched)
    _no_overflow(watched, "travel-import-390x844")
    refused = [e for e in watched.errors if "/api/v1/roads/networks" not in e]
    assert refused == [], refused  # the refused uploads' 422s are expected, nothing else
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM road_networks WHERE name = '浏览器测试路网'"))
