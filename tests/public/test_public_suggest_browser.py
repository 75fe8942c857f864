"""The search's helpers in Chromium on a phone: names offered as one types (a combobox driven by the keyboard)
and the area choice filtered by a county's pinyin."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.accessibility import axe_violations
from tests.browser_pages import watched_page
from tests.staff_pages import PHONE, shot

pytestmark = pytest.mark.browser


def test_names_are_offered_as_one_types_and_the_keyboard_opens_one(
    browser: Browser, live_server: str, request: pytest.FixtureRequest, demo_counts: dict[str, int]
) -> None:
    with watched_page(browser, live_server, request, viewport=PHONE) as watched:
        page = watched.page
        watched.open("/search")
        box = page.locator("#q")
        expect(box).to_have_attribute("role", "combobox")
        box.press_sequentially("dgls", delay=40)
        options = page.locator("#q-suggestions [role=option]")
        expect(options.first).to_be_visible()
        expect(box).to_have_attribute("aria-expanded", "true")
        expect(page.locator("#q-suggestions")).to_contain_text("东沟烈士陵园")
        expect(page.locator("#q-suggest-status")).to_contain_text("条建议")
        shot(page, "suggest-open-phone", full_page=False)
        assert [v for v in axe_violations(page) if "(serious)" in v or "(critical)" in v] == []
        box.press("ArrowDown")
        first = options.first
        expect(first).to_have_attribute("aria-selected", "true")
        expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id") or "")
        box.press("Escape")
        expect(box).to_have_attribute("aria-expanded", "false")
        box.press("ArrowDown")  # opens again
        expect(options.first).to_be_visible()
        box.press("ArrowDown")
        target = options.first.get_attribute("data-url") or ""
        with page.expect_navigation():
            box.press("Enter")
        expect(page).to_have_url(re.compile(re.escape(target) + "$"))
        expect(page.locator("h1")).to_have_text("东沟烈士陵园")

        watched.open("/martyrs?lang=en")
        page.locator("#q").press_sequentially("liu", delay=40)
        expect(page.locator("#q-suggestions [role=option]").first).to_be_visible()
        expect(page.locator("#q-suggestions .suggest-group")).to_have_text(["Martyrs"])
        with page.expect_navigation():
            page.locator("#q-suggestions [role=option]").first.click()
        expect(page).to_have_url(re.compile(r"/martyrs/\d+\?lang=en$"))
        watched.assert_clean()


def test_the_area_choice_is_grouped_and_filters_by_pinyin(
    browser: Browser, live_server: str, request: pytest.FixtureRequest, demo_counts: dict[str, int]
) -> None:
    with watched_page(browser, live_server, request, viewport=PHONE) as watched:
        page = watched.page
        watched.open("/search")
        groups = page.locator("#area optgroup")
        assert groups.count() >= 2, "counties grouped by province and city"
        expect(groups.first).to_have_attribute("label", re.compile(r"省|自治区|市"))
        page.fill("#area-filter", "ziyuan")
        expect(page.locator("#area-count")).to_have_text("1 个地区符合")
        expect(page.locator("#area")).to_have_value("450329")
        visible = page.locator("#area optgroup:not([hidden]) option:not([hidden])")
        expect(visible).to_have_count(1)
        with page.expect_navigation():
            page.click("#site-search button[type=submit]")
        expect(page).to_have_url(re.compile(r"area=450329"))
        expect(page.locator("#area")).to_have_value("450329")
        watched.assert_clean()
