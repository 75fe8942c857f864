"""The siting page in a real headless Chromium (issue 19 item 4), offline but for 127.0.0.1: a county planner of
资源县 signs in, asks for 3 new stations among all villages, sees 3 sites on the map and in the table, downloads
the CSV; then asks the issue's question with the default candidates and reads why only 2 sites were chosen.

With ``VETMAP_SHOTS=<dir>`` the test keeps screenshots at 1440×900 and 390×844, to look at."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine

from geo.coverage.siting_runs import SITING_RUNS, list_siting_runs
from geo.kit.runs import carry_out, start_run
from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS, WatchedPage
from tests.staff_pages import (
    DESKTOP,
    PHONE,
    assert_fits,
    assert_no_csp_violation,
    fill_sign_in,
    make_account,
    shot,
    sign_in_at,
    watch_csp,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

COUNTY = "450329"  # 资源县
USERNAME = "siting-page-browser"
PASSWORD = "test-siting-page-browser-password"  # a test account's password, made by the test
RUN_URL = re.compile(r"/staff/siting/runs/\d+(\?lang=\w+)?(#answer)?$")


@pytest.fixture(scope="module")
def planner(engine: Engine, demo_counts: dict[str, int]) -> str:
    """A planner of 资源县 who signs in with a password."""
    make_account(engine, USERNAME, PASSWORD, "planner", COUNTY)
    return USERNAME


def _clean(wp: WatchedPage) -> None:
    assert_no_csp_violation(wp.page)
    assert axe_violations(wp.page) == []


def _answered(wp: WatchedPage) -> None:
    """Wait for the run's page to show a finished answer and its map to be drawn."""
    wp.page.wait_for_url(RUN_URL, timeout=TIMEOUT_MS)
    expect(wp.page.locator('#siting-result[data-running="false"]')).to_be_attached(timeout=60_000)
    expect(wp.page.locator("#siting-map[data-sites]")).to_be_attached(timeout=TIMEOUT_MS)


def test_a_planner_sites_three_stations_and_reads_why_the_default_gives_two(
    watched: WatchedPage, planner: str
) -> None:
    page = watched.page
    sign_in_at(page, watched.base_url, "/staff/siting", planner, PASSWORD)
    expect(page.locator("h1")).to_have_text("选址 — 资源县 (450329)")
    expect(page.locator("#siting-area")).to_have_value(COUNTY)
    expect(page.locator(".siting-map path.leaflet-interactive, .siting-map path")).not_to_have_count(
        0
    )  # outline
    _clean(watched)
    shot(watched.page, "siting-form-1440x900")

    # a wrong number is refused next to its field, in words
    page.fill("#siting-p", "0")
    page.click("#siting-submit")
    expect(page.locator("#siting-p-error")).to_have_text("新站数量须为 1 以上的整数")
    expect(page.locator("#siting-p")).to_have_attribute("aria-invalid", "true")

    # p = 3 among all villages: 3 sites on the map and in the table
    page.fill("#siting-p", "3")
    page.check('input[name="candidates"][value="all_villages"]')
    page.click("#siting-submit")
    _answered(watched)
    expect(page.locator("#siting-map")).to_have_attribute("data-sites", "3")
    expect(page.locator("path.siting-site")).to_have_count(3)
    rows = page.locator("#siting-result table.siting-table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator(".siting-claim")).to_contain_text("已证明最优")
    expect(page.locator(".siting-fewer")).to_have_count(0)
    expect(
        page.locator('input[name="candidates"][value="all_villages"]')
    ).to_be_checked()  # the run's question
    _clean(watched)
    shot(watched.page, "siting-three-sites-1440x900")
    first = re.search(r"/runs/(\d+)", page.url).group(1)
    labels = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(3)]

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 CSV").click()
    download = download_info.value
    body = Path(download.path()).read_bytes().decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(body)))
    assert lines[0][:2] == ["序号", "站点"]
    assert [line[1] for line in lines[1:]] == labels

    page.set_viewport_size(PHONE)
    shot(watched.page, "siting-three-sites-390x844")
    assert_fits(page, "the siting page")
    page.set_viewport_size(DESKTOP)

    # the question: p = 3 with the default candidates gives 2 sites, and the page says why
    page.goto(watched.base_url + "/staff/siting", wait_until="load")
    expect(page.locator('input[name="candidates"][value="villages_without_station"]')).to_be_checked()
    page.click("#siting-submit")
    _answered(watched)
    expect(page.locator("#siting-map")).to_have_attribute("data-sites", "2")
    fewer = page.locator(".siting-fewer")
    expect(fewer).to_contain_text("要求 3 个新站，只选出 2 个。原因：")
    expect(fewer).to_contain_text(
        re.compile(r"只有 2 个候选点能新增覆盖：其余 1 个候选点（\S+村）3公里内的村均已在已有服务站3公里内。")
    )
    expect(page.locator("#siting-result table.siting-table tbody tr")).to_have_count(2)
    # both runs are listed below, the open one marked, each reopenable
    second = re.search(r"/runs/(\d+)", page.url).group(1)
    expect(page.locator(".siting-past tr.current a")).to_have_text(f"#{second}")
    earlier = page.locator(f'.siting-past a[href="/staff/siting/runs/{first}"]')
    expect(earlier).to_have_count(1)
    _clean(watched)
    shot(watched.page, "siting-fewer-1440x900")
    page.set_viewport_size(PHONE)
    shot(watched.page, "siting-fewer-390x844")
    assert_fits(page, "the siting page")
    page.set_viewport_size(DESKTOP)
    earlier.click()
    _answered(watched)
    expect(page.locator("#siting-map")).to_have_attribute("data-sites", "3")
    watched.assert_clean()


def test_a_planner_sites_among_points_clicked_and_uploaded(watched: WatchedPage, planner: str) -> None:
    page = watched.page
    sign_in_at(page, watched.base_url, "/staff/siting", planner, PASSWORD)
    page.check('input[name="candidates"][value="given"]')
    page.click("#siting-submit")  # no point yet: said next to the upload
    expect(page.locator("#siting-given-error")).to_have_text("请先在地图上点选或上传至少 1 个候选点")
    upload = page.locator("#siting-file")
    upload.set_input_files(
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": "名字,地址\n甲,乙\n".encode()}]
    )
    expect(page.locator("#siting-given-error")).to_have_text(
        "文件中没有可用的点：CSV 缺少 lon/lat（经度/纬度）列"
    )
    csv_points = "经度,纬度,名称\n110.6201116,25.8212735,永凤村旁\n".encode()
    upload.set_input_files(files=[{"name": "points.csv", "mimeType": "text/csv", "buffer": csv_points}])
    expect(page.locator("#siting-given-count")).to_have_text("已选 1 个候选点")
    expect(page.locator("#siting-file-note")).to_have_text("points.csv · 已从文件读入 1 个点")
    watched.settle()  # the map has zoomed to the points read
    the_map = page.locator("#siting-map")
    box = the_map.bounding_box()
    the_map.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
    expect(page.locator("#siting-given-count")).to_have_text("已选 2 个候选点")
    the_map.click(position={"x": box["width"] * 0.4, "y": box["height"] * 0.65})
    expect(page.locator("#siting-given-count")).to_have_text("已选 3 个候选点")
    shot(watched.page, "siting-given-1440x900")
    page.click("#siting-submit")
    _answered(watched)
    sites = int(page.locator("#siting-map").get_attribute("data-sites"))
    assert 1 <= sites <= 3
    expect(page.locator("#siting-result table.siting-table tbody tr")).to_have_count(sites)
    expect(page.locator("#siting-result table.siting-table tbody")).to_contain_text("永凤村旁")
    if sites < 3:
        expect(page.locator(".siting-fewer")).to_contain_text(f"要求 3 个新站，只选出 {sites} 个。原因：")
    expect(page.locator("#siting-given-count")).to_have_text("已选 3 个候选点")  # the run's points, kept
    assert "site " not in page.locator("#siting-result").inner_text()  # unnamed points named in Chinese
    _clean(watched)
    shot(watched.page, "siting-given-answer-1440x900")
    page.goto(page.url.split("#")[0] + "?lang=en", wait_until="load")
    _answered(watched)
    expect(page.locator("h1")).to_have_text("Siting — 资源县 (450329)")
    expect(page.locator(".siting-claim")).to_contain_text("Proven best")
    shot(watched.page, "siting-given-answer-en-1440x900")
    watched.assert_clean()


def test_a_running_run_shows_progress_then_its_answer_without_a_reload(
    watched: WatchedPage, planner: str, engine: Engine
) -> None:
    """While HiGHS works the page shows the phase and a progress bar, then the answer appears by itself."""
    with engine.connect() as conn:
        done = next(
            r
            for r in list_siting_runs(conn, COUNTY)
            if r.status == "done" and r.result["chosen"] and r.result["status"] == "optimal"
        )
    quick = {**done.result, "status": "heuristic_only"}
    active = start_run(
        engine,
        SITING_RUNS,
        {
            "problem": done.problem,
            "area_code": COUNTY,
            "parameters": done.parameters,
            "phase": "exact model (HiGHS)",
            "progress": 0.5,
            "result": quick,
        },
    )
    try:
        page = watched.page
        watch_csp(page)
        page.set_viewport_size(DESKTOP)
        page.goto(watched.base_url + f"/staff/siting/runs/{active.id}", wait_until="load")
        fill_sign_in(page, planner, PASSWORD)
        page.wait_for_url(RUN_URL, timeout=TIMEOUT_MS)
        state = page.locator("#siting-result .siting-state")
        expect(state).to_contain_text("正在计算：精确模型求解（HiGHS）（50%）")
        expect(page.locator("#siting-result progress")).to_have_attribute("value", "50")
        active.progress("exact model (HiGHS)", 0.8)
        expect(state).to_contain_text("（80%）", timeout=TIMEOUT_MS)  # the page reloads its answer part
        _clean(watched)
        shot(watched.page, "siting-running-1440x900")
    finally:
        carry_out(active, lambda _: {"result": done.result})
    expect(page.locator('#siting-result[data-running="false"]')).to_be_attached(timeout=TIMEOUT_MS)
    expect(page.locator(".siting-claim")).to_contain_text("已证明最优")
    expect(page.locator("#siting-map")).to_have_attribute("data-sites", str(len(done.result["chosen"])))
    watched.assert_clean()
