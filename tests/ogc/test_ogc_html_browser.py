"""The OGC API's pages in a real headless Chromium (offline but for the app): a browser opening /ogc gets pages,
not JSON; click through to the stations' features, the next page and one feature; the maps draw the points; axe
clean, no CSP violation, no overflow on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.accessibility import axe_violations
from tests.browser_pages import WatchedPage
from tests.staff_pages import assert_fits, assert_no_csp_violation, shot, watch_csp

pytestmark = pytest.mark.browser

DESK = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 700}


def _points(wp: WatchedPage) -> int:
    page = wp.page
    expect(page.locator("#ogc-map[data-ready=true]")).to_be_visible()
    expect(page.locator("#ogc-map path.ogc-point").first).to_be_visible()
    return page.locator("#ogc-map path.ogc-point").count()


def _checked(wp: WatchedPage, name: str) -> None:
    assert axe_violations(wp.page) == [], name
    assert_no_csp_violation(wp.page)
    shot(wp.page, name)


def test_a_browser_clicks_from_the_landing_page_to_one_station(watched: WatchedPage) -> None:
    page = watched.page
    watch_csp(page)
    page.set_viewport_size(DESK)
    watched.open("/ogc")  # no f: the browser's own Accept asks for HTML
    expect(page.locator("h1")).to_have_text("VetMap 开放地理数据接口（OGC API）")
    _checked(watched, "ogc-landing-1440")

    with page.expect_navigation():
        page.get_by_role("link", name="数据集合", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/ogc/collections\?f=html$"))
    row = page.locator("tr[data-collection=stations]")
    expect(row).to_contain_text("服务站")
    _checked(watched, "ogc-collections-1440")

    with page.expect_navigation():
        row.get_by_role("link", name="要素").click()
    watched.settle()
    expect(page).to_have_url(re.compile(r"/ogc/collections/stations/items\?f=html$"))
    matched = int(page.locator("#matched").get_attribute("data-matched"))
    rows = page.locator("table.ogc-items tbody tr")
    size = rows.count()  # the server's default page size
    assert 10 <= size < matched
    assert _points(watched) == rows.count()
    _checked(watched, "ogc-items-1440")

    first_page_ids = rows.locator("th").all_inner_texts()
    with page.expect_navigation():
        page.locator("a[rel=next]").first.click()
    watched.settle()
    expect(page).to_have_url(re.compile(rf"offset={size}"))
    assert set(rows.locator("th").all_inner_texts()).isdisjoint(first_page_ids)
    expect(page.locator("a[rel=prev]").first).to_be_visible()
    assert _points(watched) > 0

    feature_id = rows.first.locator("th").inner_text()
    with page.expect_navigation():
        rows.first.locator("th a").click()
    watched.settle()
    expect(page).to_have_url(re.compile(rf"/items/{feature_id}\?f=html$"))
    expect(page.locator("tr[data-property=name] td")).not_to_be_empty()
    assert _points(watched) == 1
    _checked(watched, "ogc-item-1440")

    page.set_viewport_size(PHONE)
    item_url = page.url
    watched.open("/ogc/collections/stations/items?f=html")
    assert_fits(page, "the items page")
    assert _points(watched) > 0
    _checked(watched, "ogc-items-390")
    page.goto(item_url)
    watched.settle()
    assert_fits(page, "one station's page")
    _checked(watched, "ogc-item-390")
    watched.open("/ogc/collections?f=html&lang=en")
    expect(page.locator("h1")).to_have_text("Collections")
    assert_fits(page, "the collections page")
    _checked(watched, "ogc-collections-390-en")
    page.set_viewport_size(NARROW)
    assert_fits(page, "the collections page", "a 320 px phone")
    watched.assert_clean()
