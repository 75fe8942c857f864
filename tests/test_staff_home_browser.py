"""The staff home in a real headless Chromium, offline but for 127.0.0.1: sign in through /login, land on
/staff/, follow a figure to its page; no request leaves the machine and the policy refuses no script or style.

With ``VETMAP_SHOTS=<dir>`` the test also keeps screenshots of the home at 1440×900 and 390×844 and of the
English frame, to look at (outside the repository)."""

from __future__ import annotations

import re

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
USERNAME = "staff-home-browser"
PASSWORD = "test-staff-home-browser-password"  # a test account's password, made by the test


@pytest.fixture(scope="module")
def planner(engine: Engine, demo_counts: dict[str, int]) -> str:
    """A planner of 资源县 who signs in with a password."""
    make_account(engine, USERNAME, PASSWORD, "planner", COUNTY)
    return USERNAME


def test_sign_in_reach_the_home_and_follow_a_figure(watched: WatchedPage, planner: str) -> None:
    page = watched.page
    watch_csp(page)
    page.set_viewport_size(DESKTOP)
    page.goto(watched.base_url + "/staff/", wait_until="load")
    assert "/login" in page.url  # not signed in: the sign-in page, which brings us back
    fill_sign_in(page, planner, PASSWORD)
    page.wait_for_url(re.compile(r"/staff/$"), timeout=TIMEOUT_MS)
    expect(page).to_have_title(re.compile("工作台首页"))
    header = page.locator("header.staff-header")
    expect(header).to_contain_text(planner)
    expect(header).to_contain_text("规划人员")
    expect(header).to_contain_text("资源县 (450329)")
    nav = page.locator("nav.staff-nav a")
    expect(nav).to_have_text(
        ["首页", "覆盖", "选址", "出行时间", "点位编辑", "保护范围核查", "导入", "导出"]
        + ["养护地图", "工单", "巡查记录", "巡查计划", "专项活动", "审核", "寻亲"]
    )
    assert_no_csp_violation(page)
    assert axe_violations(page) == []
    shot(page, "staff-home-1440x900")

    page.set_viewport_size(PHONE)
    shot(page, "staff-home-390x844")
    assert_fits(page, "the home")

    page.set_viewport_size(DESKTOP)
    page.locator("header.staff-header a[lang=en]").click()
    page.wait_for_url(re.compile(r"/staff/$"), timeout=TIMEOUT_MS)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav).to_have_text(
        ["Home", "Coverage", "Siting", "Travel time", "Sites", "Zone check", "Import", "Export", "Upkeep map"]
        + ["Work orders", "Inspections", "Schedule", "Campaigns", "Moderation", "Family requests"]
    )
    shot(page, "staff-home-en-1440x900")
    page.locator("header.staff-header a[lang=zh-CN]").click()
    page.wait_for_url(re.compile(r"/staff/$"), timeout=TIMEOUT_MS)

    link = page.locator('[data-figure="beyond_reach"] a')
    expect(link).to_have_attribute("href", f"/coverage?area={COUNTY}")
    link.click()
    page.wait_for_url(re.compile(rf"/coverage\?area={COUNTY}$"), timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    assert_no_csp_violation(page)
    watched.assert_clean()
