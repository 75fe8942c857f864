"""A site's public page in a real Chromium with the internet cut off (issue 22, item 4), at 1440×900 and on phones
(390×844, 320 wide): the photo gallery, the directions buttons, nearby sites and the tribute block show; laying
flowers answers beside the button; axe finds nothing; a 60-character unbroken name does not widen the page.

Screenshots go to ``VETMAP_SHOTS`` when set (tests/staff_pages.py ``shot``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine, text

from tests.accessibility import axe_violations
from tests.browser_pages import WatchedPage, watched_page
from tests.factories import image, make_site_at, offset, remove_site, square
from tests.staff_pages import assert_fits, assert_no_csp_violation, shot, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

LONG_NAME = "Xiangjiangzhanyilieshijinianbeiyujinianguangchangheyingmingqiang"[:60]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def memorial(client: TestClient, engine: Engine, demo_counts: dict[str, int]) -> Iterator[dict]:
    """A memorial with a 60-character unbroken name 600 m from 东沟烈士陵园, with one public photo."""
    assert len(LONG_NAME) == 60
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM cemeteries WHERE name = '东沟烈士陵园'")
        ).one()
    point = offset((lon, lat), 600, 0)
    site = make_site_at(
        client,
        "memorials",
        point,
        name=LONG_NAME,
        address="十堰市茅箭区福中镇东沟村村委会西侧300米",
        protection_zone=square(*point),
    )
    sent = client.post(
        f"/api/v1/memorials/{site['id']}/photos",
        files={"file": ("gate.jpg", image("JPEG", (640, 480), (150, 40, 40)), "image/jpeg")},
        data={"caption": "纪念碑正面"},
    )
    assert sent.status_code == 201, sent.text
    photo = sent.json()["id"]
    assert client.post(f"/api/v1/photos/{photo}/publish").status_code == 200
    yield {"id": site["id"], "photo": photo}
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM photos WHERE id = :id"), {"id": photo})
        conn.execute(
            text("DELETE FROM tributes WHERE target = 'memorials' AND target_id = :id"), {"id": site["id"]}
        )
    remove_site(client, "memorials", site["id"])


def _blocks_show(wp: WatchedPage) -> None:
    page = wp.page
    expect(page.locator("h1")).to_have_text(LONG_NAME)
    photo = page.locator("#photos .gallery img")
    expect(photo).to_have_count(1)
    photo.scroll_into_view_if_needed()
    expect(photo).to_have_attribute("alt", "纪念碑正面")
    page.wait_for_function("() => document.querySelector('#photos img').naturalWidth > 0")
    buttons = page.locator("#directions .direction-button")
    expect(buttons).to_have_count(4)
    expect(buttons.first).to_be_visible()
    expect(buttons.first).to_have_text("高德地图")
    assert buttons.first.bounding_box()["height"] >= 44, "a big tap target"
    expect(page.locator("#area-path a")).to_have_count(5)
    nearby = page.locator("#nearby .nearby-list li").first
    expect(nearby.locator("a")).to_have_text("东沟烈士陵园")
    expect(nearby.locator(".distance")).to_have_text(re.compile(r"^距此 (59\d|60\d)米$"))
    expect(page.locator("#report-here")).to_be_visible()
    expect(page.locator("#tribute .tribute-tally .tally")).to_have_count(3)
    expect(page.locator("#map[data-ready=true]")).to_be_visible()


def _lay_flowers(wp: WatchedPage) -> None:
    page = wp.page
    count = page.locator('#tribute [data-count="flower"]')
    before = int(count.inner_text())
    button = page.locator("#tribute button[data-kind=flower]")
    button.scroll_into_view_if_needed()
    button.click()
    status = page.locator("#tribute .tribute-status")
    expect(status).to_have_text("已献上一束花，谢谢您的缅怀。")
    expect(count).to_have_text(str(before + 1))
    expect(button).to_have_class(re.compile(r"\bgiven\b"))
    shot(page, f"site-flowers-{page.viewport_size['width']}", full_page=False)
    near, said = button.bounding_box(), status.bounding_box()
    assert said["y"] - (near["y"] + near["height"]) < 120, "the answer stands right under the button"
    assert said["y"] + said["height"] <= page.viewport_size["height"], "and in view where it was tapped"
    # an empty message is refused beside the send button, not at the top of the block
    send = page.locator("#tribute .tribute-form button[type=submit]")
    send.click()
    expect(status).to_have_text("请先写下留言。")
    assert abs(status.bounding_box()["y"] - send.bounding_box()["y"]) < 80
    expect(page.locator("#tribute-message")).to_have_attribute("aria-invalid", "true")


def test_site_page_on_a_desktop_shows_photos_directions_nearby_and_the_tribute(
    browser: Browser, live_server: str, memorial: dict, request: pytest.FixtureRequest
) -> None:
    with watched_page(browser, live_server, request, DESKTOP) as wp:
        watch_csp(wp.page)
        wp.open(f"/sites/memorials/{memorial['id']}")
        _blocks_show(wp)
        wp.page.evaluate("() => window.scrollTo(0, 0)")
        shot(wp.page, "site-desktop-1440")
        assert axe_violations(wp.page) == []
        _lay_flowers(wp)
        shot(wp.page, "site-desktop-tribute", full_page=False)
        assert axe_violations(wp.page) == []
        assert_no_csp_violation(wp.page)
        wp.assert_clean()


def test_site_page_on_phones_fits_a_long_name_and_answers_at_the_button(
    browser: Browser, live_server: str, memorial: dict, request: pytest.FixtureRequest
) -> None:
    with watched_page(browser, live_server, request, PHONE) as wp:
        watch_csp(wp.page)
        wp.open(f"/sites/memorials/{memorial['id']}?lang=en")
        expect(wp.page.locator("#directions .direction-button").first).to_have_text("AMap")
        wp.open(f"/sites/memorials/{memorial['id']}")
        _blocks_show(wp)
        assert_fits(wp.page, "the site page", "a 390 px phone")
        wp.page.evaluate("() => window.scrollTo(0, 0)")
        shot(wp.page, "site-phone-390")
        _lay_flowers(wp)
        shot(wp.page, "site-phone-390-tribute", full_page=False)
        assert axe_violations(wp.page) == []
        wp.page.set_viewport_size({"width": 320, "height": 700})
        assert_fits(wp.page, "the site page", "a 320 px phone")
        shot(wp.page, "site-phone-320")
        assert_no_csp_violation(wp.page)
        wp.assert_clean()
