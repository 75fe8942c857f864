"""The public pages in a real headless Chromium with the internet cut off: search "dgls", open the cemetery's page
(map and martyr list), open a martyr, see the burial place; "near me"; the family-search form sends a request.

Uses the `watched` page of tests/browser_pages.py (every request leaving 127.0.0.1 is aborted, recorded and fails
the test; a failed test keeps a screenshot).
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, text

from tests.browser_pages import WatchedPage

pytestmark = pytest.mark.browser

NEAR_DONGOU = {"longitude": 110.80, "latitude": 32.62, "accuracy": 20}


def _map_ready(wp: WatchedPage, points: int | None = None) -> None:
    page = wp.page
    expect(page.locator("#map[data-ready=true]")).to_be_visible()
    if points is not None:
        expect(page.locator("#map")).to_have_attribute("data-points", str(points))
    expect(page.locator("#map path.vetmap-point").first).to_be_visible()


def test_search_dgls_then_the_cemetery_then_a_martyr_and_the_burial_place(watched: WatchedPage) -> None:
    page = watched.page
    watched.open("/search")
    page.fill("#q", "dgls")
    with page.expect_navigation():
        page.click("#site-search button[type=submit]")
    watched.settle()
    result = page.locator("#results a", has_text="东沟烈士陵园")
    expect(result).to_be_visible()
    _map_ready(watched)
    outlines = page.locator(".leaflet-overlay-pane path:not(.vetmap-point)")
    assert outlines.count() > 0, "our own boundaries are drawn without any basemap"

    with page.expect_navigation():
        result.click()
    watched.settle()
    expect(page).to_have_url(re.compile(r"/sites/cemeteries/\d+$"))
    expect(page.locator("h1")).to_have_text("东沟烈士陵园")
    _map_ready(watched, points=1)
    martyrs = page.locator("#martyrs .martyr-list a")
    expect(martyrs.first).to_be_visible()
    assert martyrs.count() > 5
    expect(page.locator("#tribute")).to_be_visible()
    name = martyrs.first.inner_text()

    with page.expect_navigation():
        martyrs.first.click()
    watched.settle()
    expect(page).to_have_url(re.compile(r"/martyrs/\d+$"))
    expect(page.locator("h1")).to_have_text(name)
    burial = page.locator("#burial")
    expect(burial).to_contain_text("东沟烈士陵园")
    expect(burial.locator('[data-field="position"]')).to_have_text(re.compile(r"区.*排.*号"))
    _map_ready(watched, points=1)
    expect(page.locator(".family-link a[href^='/family-search']")).to_have_attribute(
        "href", re.compile(r"^/family-search\?martyr_id=\d+$")
    )
    watched.assert_clean()


def test_near_me_orders_the_search_by_distance_in_english(watched: WatchedPage, live_server: str) -> None:
    page = watched.page
    page.context.grant_permissions(["geolocation"], origin=live_server)
    page.context.set_geolocation(NEAR_DONGOU)
    watched.open("/search?lang=en&kind=martyr_cemetery")
    with page.expect_navigation():
        page.click("#near-me")
    watched.settle()
    expect(page).to_have_url(re.compile(r"near=110\.8\d*%2C32\.62"))
    first = page.locator("#results li").first
    expect(first.locator("a")).to_have_text("东沟烈士陵园")
    expect(first.locator(".distance")).to_have_text(re.compile(r"^\d+(\.\d)? k?m$"))
    expect(page.locator("#near-status")).to_have_text("Ordered by distance from you.")
    watched.assert_clean()


def test_the_family_search_form_sends_a_request_and_shows_the_reference(
    watched: WatchedPage,
    engine: Engine,
    demo_counts: dict[str, int],
) -> None:
    page = watched.page
    with engine.connect() as conn:
        martyr_id = conn.execute(text("SELECT min(id) FROM martyrs WHERE NOT unnamed")).scalar_one()
    watched.open(f"/family-search?martyr_id={martyr_id}")
    assert page.input_value("#martyr_name"), "filled in from the record"
    page.fill("#requester_name", "浏览器测试")
    page.click("#family-submit")
    status = page.locator("#family-status")
    expect(status).to_contain_text("电话或电子邮箱")  # neither given: said before anything is sent
    page.fill("#contact_phone", "13800138000")
    page.click("#family-submit")
    expect(status).to_contain_text(re.compile(r"XQ-\d{6}"))
    request_id = int(status.get_attribute("data-reference").removeprefix("XQ-"))
    row = None
    deadline = time.monotonic() + 10
    # the request's transaction may commit just after its answer reached the browser: wait for it
    while row is None and time.monotonic() < deadline:
        with engine.begin() as conn:
            row = conn.execute(
                text("SELECT martyr_id, contact_phone FROM family_requests WHERE id = :id"),
                {"id": request_id},
            ).first()
            conn.execute(text("DELETE FROM family_requests WHERE id = :id"), {"id": request_id})
        if row is None:
            time.sleep(0.1)
    assert row is not None, "the request was stored"
    assert row.martyr_id == martyr_id and row.contact_phone == "13800138000"
    watched.assert_clean()


def test_with_a_chosen_basemap_and_no_internet_the_map_still_shows_the_site_and_boundaries(
    watched: WatchedPage,
    engine: Engine,
    demo_counts: dict[str, int],
) -> None:
    page = watched.page
    with engine.connect() as conn:
        site_id = conn.execute(text("SELECT id FROM cemeteries WHERE name = '东沟烈士陵园'")).scalar_one()
    watched.allow_outside("https://tile.openstreetmap.org/")  # tried and refused: the map must not need them
    watched.open(f"/sites/cemeteries/{site_id}?basemap=osm")
    _map_ready(watched, points=1)
    expect(page.locator("#map.vetmap-basemap-offline")).to_be_attached()
    assert page.locator(".leaflet-overlay-pane path:not(.vetmap-point)").count() >= 2, "boundary and county"
    assert watched.blocked
    watched.assert_clean()


def test_search_a_martyr_by_pinyin_open_the_record_and_see_the_grave_position_and_its_point(
    watched: WatchedPage,
    engine: Engine,
    demo_counts: dict[str, int],
) -> None:
    with engine.connect() as conn:
        martyr = conn.execute(
            text(
                "SELECT m.id, m.name, m.name_pinyin, g.name AS grave, g.section, g.row_no, g.number "
                "FROM martyrs m JOIN graves g ON g.id = m.grave_id "
                "WHERE NOT m.unnamed AND g.section IS NOT NULL AND g.row_no IS NOT NULL AND g.number IS NOT NULL "
                "ORDER BY m.id LIMIT 1"
            )
        ).one()
    page = watched.page
    watched.open("/martyrs")
    page.fill("#q", martyr.name_pinyin.replace(" ", ""))  # as a person types it, without tones or spaces
    with page.expect_navigation():
        page.click("#martyr-search button[type=submit]")
    result = page.locator(f'#results li.result[data-id="{martyr.id}"] a')
    expect(result).to_contain_text(martyr.name)

    with page.expect_navigation():
        result.click()
    watched.settle()
    expect(page).to_have_url(re.compile(rf"/martyrs/{martyr.id}$"))
    expect(page.locator("h1")).to_have_text(martyr.name)
    burial = page.locator("#burial")
    expect(burial.locator("[data-burial]")).to_have_attribute("data-burial", "grave")
    position = burial.locator('[data-field="position"]')
    expect(position).to_contain_text(martyr.section)
    expect(position).to_contain_text(f"{martyr.row_no}排")
    expect(position).to_contain_text(f"{martyr.number}号")

    # the grave is one point on the map, in view; hovering it says this is the burial place
    _map_ready(watched, points=1)
    point = page.locator("#map path.vetmap-point")
    point.scroll_into_view_if_needed()
    box, frame = point.bounding_box(), page.locator("#map").bounding_box()
    assert box is not None and frame is not None
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert (
        frame["x"] < centre[0] < frame["x"] + frame["width"]
        and frame["y"] < centre[1] < frame["y"] + frame["height"]
    )
    point.hover()
    expect(page.locator(".leaflet-tooltip")).to_be_visible()
    expect(page.locator(".leaflet-tooltip")).not_to_be_empty()
    watched.assert_clean()
