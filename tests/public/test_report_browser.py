"""The damage-report form in a real headless Chromium, offline but for 127.0.0.1: type a position, drop the pin on
the map, choose a category, describe, attach a photo, send; the reference number links to the status page, which
shows the photo once staff publish it.

Uses the `watched` page of tests/browser_pages.py (every request leaving 127.0.0.1 is aborted, recorded and fails
the test; a failed test keeps a screenshot).
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect
from sqlalchemy import Engine, text

from tests.browser_pages import WatchedPage
from tests.factories import ZIYUAN_POINT, free_point, image, make_site_at, offset

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

SITE_NAME = "浏览器上报测试纪念碑"
OSM_TILES = "https://tile.openstreetmap.org/"


@pytest.fixture(scope="module")
def site(client: TestClient, engine: Engine) -> dict:
    """A memorial at a point of 资源县 with no other site within 3 km."""
    with engine.connect() as conn:
        lon, lat = free_point(conn, (ZIYUAN_POINT[0] - 0.06, ZIYUAN_POINT[1] + 0.04))
    made = make_site_at(client, "memorials", (lon, lat), name=SITE_NAME)
    return {"id": made["id"], "point": (lon, lat)}


def _png(tmp_path) -> str:
    path = tmp_path / "damage.png"
    path.write_bytes(image(size=(64, 48), colour=(90, 90, 90)))
    return str(path)


def test_fill_the_form_drop_the_pin_send_and_follow_the_status(
    watched: WatchedPage,
    site: dict,
    engine: Engine,
    client: TestClient,
    tmp_path,
) -> None:
    page = watched.page
    watched.allow_outside(
        OSM_TILES
    )  # the product default basemap, tried and refused; the suite runs with none
    watched.open("/report?lang=en&basemap=osm")
    expect(page.locator("#map.leaflet-container")).to_be_visible()
    expect(page.locator(".leaflet-overlay-pane path").first).to_be_attached()  # our county outlines

    lon, lat = offset(site["point"], 120, 40)
    page.fill("#lat", f"{lat:.6f}")
    page.fill("#long", f"{lon:.6f}")
    page.locator("#long").press("Tab")  # a typed position moves the map there
    expect(page.locator("#near")).to_contain_text(SITE_NAME)
    watched.settle()

    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 3, box["y"] + box["height"] / 2 + 3)  # drop the pin
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    expect(page.locator("#lat")).not_to_have_value(f"{lat:.6f}")  # the click moved the pin a few metres
    expect(page.locator("#near")).to_contain_text(SITE_NAME)

    page.select_option("#service_code", "sign_damage")
    page.fill("#description", "The protection sign is broken")
    page.fill("#email", "browser.reporter@example.org")
    page.set_input_files("#media", _png(tmp_path))
    page.click("#submit")

    message = page.locator("#message")
    expect(message).to_contain_text("Received: reference number")
    reference = re.search(r"reference number (\d+)", message.inner_text()).group(1)
    expect(message).to_contain_text(SITE_NAME)

    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT source, category, site_id, reporter->>'email' AS email, "
                "(SELECT count(*) FROM photos WHERE work_order_id = w.id AND stage = 'report') AS photos "
                "FROM work_orders w WHERE id = :id"
            ),
            {"id": int(reference)},
        ).one()
    assert (row.source, row.category, row.site_id, row.photos) == ("public", "sign_damage", site["id"], 1)
    assert row.email == "browser.reporter@example.org"

    page.click("#follow-link")
    page.wait_for_url(re.compile(rf"/reports/{reference}\?lang=en$"))
    expect(page.locator("dd[data-field=id]")).to_have_text(reference)
    expect(page.locator("dd[data-field=status]")).to_have_text("Open")
    expect(page.locator("dd[data-field=site]")).to_have_text(SITE_NAME)
    assert "browser.reporter@example.org" not in page.content()

    # the photo waits for staff: not on the public page until a moderator of the area publishes it
    expect(page.locator("#report-photo")).to_have_count(0)
    with engine.connect() as conn:
        photo_id = conn.execute(
            text("SELECT id FROM photos WHERE work_order_id = :id AND stage = 'report'"),
            {"id": int(reference)},
        ).scalar_one()
    assert client.post(f"/api/v1/photos/{photo_id}/publish").status_code == 200  # the suite's national admin
    page.reload(wait_until="networkidle")
    photo = page.locator("#report-photo img")
    expect(photo).to_be_visible()
    assert photo.evaluate("(img) => img.complete && img.naturalWidth") == 64  # the 64 × 48 upload, drawn
    # the default basemap (OpenStreetMap) is out of reach: only its tiles were refused, and the form still worked
    assert watched.blocked
    watched.assert_clean()


def test_a_refusal_shows_the_reason_in_chinese(watched: WatchedPage, site: dict) -> None:
    page = watched.page
    watched.open(f"/report?basemap=none&site=memorials/{site['id']}")
    expect(page.locator("#near")).to_contain_text(SITE_NAME)
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)  # the pin starts at the site
    page.select_option("#service_code", "litter")
    page.fill("#description", "有垃圾")
    page.fill("#email", "not-an-address")
    page.click("#submit")
    expect(page.locator("#message")).to_contain_text("未被接受")
    expect(page.locator("#message")).to_contain_text("e-mail address")
    assert watched.blocked == []
    # the refusal itself is the one HTTP error the page saw
    assert [e for e in watched.errors if "/open311/v2/requests.json" not in e] == []
