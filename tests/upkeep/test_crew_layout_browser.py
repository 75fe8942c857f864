"""The crew pages and a staff page on a 320 px wide phone, with a site whose name is 60 characters with no break:
nothing wider than the window, distances whole, every link and button a thumb can hit (44 px), axe clean, and
sign out works from the crew header and from the staff header at that width.

Screenshots go to the folder VETMAP_SHOTS names, when set.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from geo.accounts.users import AccountInfo
from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS, WatchedPage
from tests.factories import make_site_at
from tests.staff_pages import assert_fits, fill_sign_in, make_account, shot
from tests.upkeep.work_order_setup import make_assigned_order

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

COUNTY = "450329"  # 资源县
NARROW = {"width": 320, "height": 640}
STANDING = {"longitude": 110.6401, "latitude": 26.0402, "accuracy": 20}
LONG_NAME = ("ZiyuanRevolutionaryMartyrsMemorialHall" * 2)[:60]  # one unbroken word, 60 characters
LONG_TITLE = ("RepairTheNorthernEnclosureWallAndTheGate" * 2)[:60]
CREW, ADMIN = "crew-layout", "admin-layout"
PASSWORD = "test-crew-layout-password"  # the test accounts' password, made by the test

# every visible link and button of the page smaller than a thumb (44 px high or wide), but for those inside text
_SMALL_TARGETS = """() => Array.from(document.querySelectorAll("a, button, summary, label.choice, label.check"))
    .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden")
    .filter((el) => !el.closest("p.hint, .leaflet-control-attribution"))
    .map((el) => [el.textContent.trim() || el.getAttribute("aria-label") || el.className, el.getBoundingClientRect()])
    .filter(([, r]) => Math.round(r.height) < 44 || Math.round(r.width) < 44)
    .map(([what, r]) => `${what} ${Math.round(r.width)}x${Math.round(r.height)}`)"""


@pytest.fixture(scope="module")
def accounts(engine, demo_counts) -> dict[str, AccountInfo]:
    """A crew and an admin of 资源县 (who may open every staff page), each signing in with a password."""
    return {
        "crew": make_account(engine, CREW, PASSWORD, "crew", COUNTY),
        "admin": make_account(engine, ADMIN, PASSWORD, "admin", COUNTY),
    }


@pytest.fixture(scope="module")
def long_site(client: TestClient, accounts) -> dict:
    """A memorial of the county whose name is one 60-character word, due for inspection, with a repair (whose
    title is as long) assigned to the crew."""
    made = make_site_at(client, "memorials", (110.6421, 26.0411), name=LONG_NAME)
    order = make_assigned_order(client, made["id"], accounts["crew"].id, LONG_TITLE, priority="high")
    return {**made, "work_order_id": order["id"]}


def _holds(page: Page, what: str, name: str) -> None:
    """The page fits 320 px, every target is thumb-sized, axe finds nothing; a screenshot when asked."""
    assert_fits(page, what, "320 px")
    assert page.evaluate(_SMALL_TARGETS) == [], what
    assert axe_violations(page) == [], what
    shot(page, name)


def _sign_out(page: Page, button: str) -> None:
    out = page.locator(button)
    expect(out).to_be_visible()
    box = out.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"]
    out.click()
    page.wait_for_url(re.compile(r"/login"), timeout=TIMEOUT_MS)


def test_crew_and_staff_pages_hold_320_px_with_a_60_character_name(
    watched: WatchedPage, long_site: dict
) -> None:
    page = watched.page
    page.set_viewport_size(NARROW)
    page.context.grant_permissions(["geolocation"], origin=watched.base_url)
    page.context.set_geolocation(STANDING)
    page.goto(watched.base_url + "/crew", wait_until="load")
    fill_sign_in(page, CREW, PASSWORD)
    page.wait_for_url(re.compile(r"/crew\?lon=110\.64\d*&lat=26\.04\d*$"), timeout=TIMEOUT_MS)

    # the task list: the long name wraps, its distance is whole and inside the window
    task = page.locator("li.task", has_text=LONG_NAME).first
    expect(task).to_be_visible()
    distance = task.locator(".distance")
    expect(distance).to_have_text(re.compile(r"^\d+米$"))
    box = distance.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"]
    assert distance.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    link = task.locator("a").bounding_box()
    assert link is not None and link["x"] + link["width"] <= NARROW["width"]
    _holds(page, "the task list", "crew-tasks-320")

    # the site's page, its title the long name, with the navigate block
    page.goto(f"{watched.base_url}/crew/memorials/{long_site['id']}", wait_until="load")
    expect(page.locator("header h1")).to_have_text(LONG_NAME)
    expect(page.locator("section.directions a.nav-amap")).to_be_visible()
    _holds(page, "the site page", "crew-site-320")

    # the work order's page, its title as long
    page.goto(f"{watched.base_url}/crew/work-orders/{long_site['work_order_id']}", wait_until="load")
    expect(page.locator("header h1")).to_contain_text(LONG_TITLE)
    _holds(page, "the work order page", "crew-order-320")

    # the map, with the long-named site's popup open
    page.goto(watched.base_url + "/crew/map", wait_until="load")
    expect(page.locator("#map-status")).to_have_attribute("data-state", "loaded")
    page.evaluate(
        """(id) => window.crewMap.eachLayer((l) => { if (l.feature && l.feature.id === id) { l.openPopup(); } })""",
        f"memorials/{long_site['id']}",
    )
    expect(page.locator(".site-popup .popup-title")).to_have_text(LONG_NAME)
    popup = page.locator(".leaflet-popup").bounding_box()
    assert popup is not None and popup["x"] >= 0 and popup["x"] + popup["width"] <= NARROW["width"]
    _holds(page, "the task map", "crew-map-320")

    _sign_out(page, ".crew-nav .signout button")
    page.goto(watched.base_url + "/crew", wait_until="load")
    assert "/login" in page.url  # signed out

    # a staff page at the same width fits; on every staff page the header fits and offers sign out
    page.goto(watched.base_url + "/staff/work-orders", wait_until="load")
    fill_sign_in(page, ADMIN, PASSWORD)
    page.wait_for_url(re.compile(r"/staff/work-orders$"), timeout=TIMEOUT_MS)
    assert_fits(page, "the staff work orders page", "320 px")
    shot(page, "staff-work-orders-320", full_page=False)
    links = page.eval_on_selector_all(".staff-nav a", "(links) => links.map((a) => a.getAttribute('href'))")
    pages = [p for p in links if not p.startswith("/api/")]  # the API's documentation is no staff page
    assert len(pages) >= 10
    for path in pages:
        page.goto(watched.base_url + path, wait_until="domcontentloaded")
        header = page.locator(".staff-header")
        assert header.evaluate("(el) => el.scrollWidth <= el.clientWidth && el.clientWidth <= 320"), path
        out = page.locator(".staff-tools button[type=submit]")
        box = out.bounding_box()
        assert box is not None and box["x"] + box["width"] <= NARROW["width"] and box["height"] >= 44, path
    _sign_out(page, ".staff-tools button[type=submit]")
    page.goto(watched.base_url + "/staff/work-orders", wait_until="load")
    assert "/login" in page.url
    assert watched.blocked == []  # nothing tried to leave 127.0.0.1: no basemap, no CDN
    # no error but for a request of the offline app that a navigation cut short
    assert [e for e in watched.errors if "ERR_ABORTED" not in e] == []
