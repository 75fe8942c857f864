"""The coverage page in a real headless Chromium, offline but for 127.0.0.1 (issue 19 item 3): a county planner
signs in, opens /coverage?area=450329 in the staff frame, reads the two measures defined in words, finds the
villages ringed on the map listed in the beyond-reach table, downloads it as CSV, recomputes the county and sees
the page come back with the refreshed figures. No script or style is refused by the policy, axe-core finds no
WCAG 2.1 A/AA violation, and the page fits a phone.

With ``VETMAP_SHOTS=<dir>`` the test keeps screenshots at 1440×900 and 390×844 to look at."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine

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
    watch_csp,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

COUNTY = "450329"  # 资源县
USERNAME = "coverage-page-browser"
PASSWORD = "test-coverage-page-browser-password"  # a test account's password, made by the test
KEEP_SAID = """() => {
    // what the recompute status said, kept across the reload that shows the refreshed figures
    document.addEventListener("DOMContentLoaded", () => {
        const status = document.getElementById("vetmap-recompute-status");
        if (!status) { return; }
        new MutationObserver(() => {
            const said = JSON.parse(sessionStorage.getItem("said") || "[]");
            said.push(status.textContent);
            sessionStorage.setItem("said", JSON.stringify(said));
        }).observe(status, {childList: true, characterData: true, subtree: true});
    });
}"""


@pytest.fixture(scope="module")
def planner(engine: Engine, demo_counts: dict[str, int]) -> str:
    """A planner of 资源县 who signs in with a password."""
    make_account(engine, USERNAME, PASSWORD, "planner", COUNTY)
    return USERNAME


def test_a_county_planner_reads_downloads_and_recomputes_the_coverage(
    watched: WatchedPage, planner: str, tmp_path: Path
) -> None:
    page = watched.page
    watch_csp(page)
    page.add_init_script(f"({KEEP_SAID})()")
    page.set_viewport_size(DESKTOP)
    # anonymous: the public page, its own header, and a way to sign in that comes back here
    watched.open(f"/coverage?area={COUNTY}")
    expect(page.locator("header.staff-header")).to_have_count(0)
    expect(page.locator("#vetmap-recompute")).to_have_count(0)
    expect(page.locator("section.vetmap-recompute")).to_contain_text("登录后可重新计算本区域的覆盖率。")
    assert_no_csp_violation(page)
    violations = axe_violations(page)
    assert violations == [], "\n".join(violations)
    shot(watched.page, "coverage-anonymous-1440x900")
    page.locator("section.vetmap-recompute a", has_text="登录").click()
    page.wait_for_url(re.compile(r"/login\?"), timeout=TIMEOUT_MS)
    fill_sign_in(page, planner, PASSWORD)
    page.wait_for_url(re.compile(rf"/coverage\?area={COUNTY}$"), timeout=TIMEOUT_MS)
    watched.settle()

    # the staff frame, with 覆盖 as the current job
    header = page.locator("header.staff-header")
    expect(header).to_contain_text(planner)
    expect(header).to_contain_text("规划人员")
    expect(header).to_contain_text("资源县 (450329)")
    expect(page.locator("nav.staff-nav a[aria-current=page]")).to_have_text("覆盖")
    expect(page.get_by_text("返回总图")).to_have_count(0)

    # the two measures in words, and the villages ringed on the map listed in the table
    defs = page.locator("section.vetmap-defs")
    expect(defs.locator("dt")).to_have_text(["服务半径外", "无本级服务站"])
    expect(defs).to_contain_text("3公里内没有运行中的村级服务站")
    beyond = page.locator("table.vetmap-beyond tbody tr")
    village_rows = page.locator("table.vetmap-beyond tbody tr", has_text="村(社区)")
    rings = page.locator("path.vetmap-uncovered")
    assert village_rows.count() > 0
    assert rings.count() == village_rows.count()
    count = re.search(r"本区域：(\d+)个村\(社区\)、(\d+)个乡镇", defs.inner_text())
    assert count and int(count.group(1)) == village_rows.count()
    assert int(count.group(1)) + int(count.group(2)) == beyond.count()
    assert_no_csp_violation(page)
    violations = axe_violations(page)
    assert violations == [], "\n".join(violations)
    shot(watched.page, "coverage-1440x900")

    # the table as CSV
    link = page.locator("section.vetmap-tables a", has_text="下载 CSV").first
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / "beyond.csv"
    info.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_bytes().decode("utf-8-sig"))))
    assert rows[0][:3] == ["区划代码", "名称", "级别"]
    assert [r[0] for r in rows[1:]] == [
        beyond.nth(i).locator("td").first.inner_text() for i in range(beyond.count())
    ]

    # recompute the county: progress next to the button, then the page again with the refreshed figures
    button = page.locator("#vetmap-recompute")
    expect(button).to_have_text("重新计算本区域覆盖率")
    button.click()
    page.wait_for_url(re.compile(r"recomputed=\d+"), timeout=TIMEOUT_MS)
    watched.settle()
    expect(page.locator(".vetmap-recomputed")).to_contain_text("已按第")
    expect(page.locator(".vetmap-recomputed")).to_contain_text("最近服务站有变化")
    said = page.evaluate("() => JSON.parse(sessionStorage.getItem('said') || '[]')")
    assert said and said[0] == "已开始重新计算……" and said[-1] == "计算完成，正在刷新数字……", said
    expect(page.locator("nav.staff-nav a[aria-current=page]")).to_have_text("覆盖")
    assert page.locator("table.vetmap-beyond tbody tr").count() == beyond.count()
    assert_no_csp_violation(page)
    violations = axe_violations(page)
    assert violations == [], "\n".join(violations)
    shot(watched.page, "coverage-recomputed-1440x900")

    # the same page in English, through the frame's language switch
    page.locator("header.staff-header a[lang=en]").click()
    page.wait_for_url(re.compile(r"/coverage\?"), timeout=TIMEOUT_MS)
    watched.settle()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("nav.staff-nav a[aria-current=page]")).to_have_text("Coverage")
    expect(page.locator("section.vetmap-defs dt")).to_have_text(
        ["Beyond reach", "Without a station of its own"]
    )
    expect(page.locator("#vetmap-recompute")).to_have_text("Recompute coverage for this area")
    expect(page.locator("h2#vetmap-beyond")).to_have_text("Villages and townships beyond reach")
    shot(watched.page, "coverage-en-1440x900")
    page.locator("header.staff-header a[lang=zh-CN]").click()
    page.wait_for_url(re.compile(r"/coverage\?"), timeout=TIMEOUT_MS)
    watched.settle()

    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    shot(watched.page, "coverage-390x844")
    assert_fits(page, "the coverage page")
    watched.assert_clean()
