"""The problem-report pages in a real headless Chromium, offline but for 127.0.0.1 (issue 22).

- On a phone (390 × 844): a refusal reads Chinese next to the button; the sent report's reference and private
  follow link appear where the person tapped; the status page has the one public header, a map, the place's link;
  the follow link opens; every page holds at 320 px and axe finds nothing.
- On a desktop (1440 × 900), in English: placing the pin 30 m from an open report offers it ("Is it one of
  these?"); following it instead of filing gives a private link and files nothing; after a staff note the link
  lists that update.

Uses the `watched` pages of tests/browser_pages.py (every request leaving 127.0.0.1 is aborted, recorded and fails
the test; a failed test keeps a screenshot). ``VETMAP_SHOTS=<dir>`` keeps screenshots of each page.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, text

from tests.accessibility import axe_violations
from tests.browser_pages import watched_page
from tests.factories import ZIYUAN_POINT, free_point, image, make_site_at, offset
from tests.report_notes import add_public_note
from tests.staff_pages import overflow, shot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

SITE_NAME = "浏览器上报测试纪念碑"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
LATIN_WORD = re.compile(r"[A-Za-z]{4,}")


@pytest.fixture(scope="module")
def site(client: TestClient, engine: Engine) -> dict:
    """A memorial at a point of 资源县 with no other site within 3 km."""
    with engine.connect() as conn:
        lon, lat = free_point(conn, (ZIYUAN_POINT[0] - 0.06, ZIYUAN_POINT[1] + 0.04))
    made = make_site_at(client, "memorials", (lon, lat), name=SITE_NAME)
    return {"id": made["id"], "point": (lon, lat)}


@pytest.fixture(scope="module", autouse=True)
def _no_report_left(engine: Engine):
    """Work orders this module files are removed after it (other modules count work orders)."""
    with engine.connect() as conn:
        newest = conn.execute(text("SELECT coalesce(max(id), 0) FROM work_orders")).scalar_one()
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM photos WHERE work_order_id > :n"), {"n": newest})
        conn.execute(text("DELETE FROM work_orders WHERE id > :n"), {"n": newest})


def _in_view(page: Page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    assert box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 120) <= height, box


def _fits(page: Page, name: str) -> None:
    """No horizontal overflow at 390 and 320 px, axe clean; screenshots at the phone's size."""
    assert axe_violations(page) == []
    shot(page, f"{name}-390")
    page.set_viewport_size({"width": 320, "height": 700})
    assert overflow(page) <= 0, name
    shot(page, f"{name}-320")
    page.set_viewport_size(PHONE)
    assert overflow(page) <= 0, name


def _png(tmp_path) -> str:
    path = tmp_path / "damage.png"
    path.write_bytes(image(size=(64, 48), colour=(90, 90, 90)))
    return str(path)


def test_on_a_phone_a_report_is_refused_in_chinese_then_sent_and_followed(
    browser: Browser, live_server: str, request, site: dict, engine: Engine, tmp_path
) -> None:
    with watched_page(browser, live_server, request, PHONE) as watched:
        page = watched.page
        watched.open(f"/report?site=memorials/{site['id']}")
        expect(page.locator("header.site-header [data-nav=report]")).to_have_attribute("aria-current", "page")
        expect(page.locator("#near")).to_contain_text(SITE_NAME)
        expect(page.locator(".leaflet-marker-icon")).to_have_count(1)  # the pin starts at the site
        expect(page.locator("#duplicates")).to_be_hidden()
        _fits(page, "report-form")

        page.select_option("#service_code", "sign_damage")
        page.fill("#description", "保护标志被撞倒了")
        page.fill("#email", "not-an-address")
        page.click("#submit")
        message = page.locator("#message")
        expect(message).to_contain_text("未被接受")
        expect(message).to_contain_text("不是电子邮箱地址")
        said = message.inner_text().replace("not-an-address", "").replace("name@example.org", "")
        assert not LATIN_WORD.search(said), said  # Chinese, but for the address typed and the example
        _in_view(page, "#message")
        shot(page, "report-refused-390", full_page=False)

        page.fill("#email", "browser.reporter@example.org")
        expect(page.locator("#media-chosen")).to_have_text("未选择照片")
        page.set_input_files("#media", _png(tmp_path))
        expect(page.locator("#media-chosen")).to_have_text("已选择 1 张：damage.png")
        visible = page.locator("main").inner_text()
        assert "Choose" not in visible and "No file" not in visible  # no browser words on the Chinese page
        page.click("#submit")
        expect(message).to_contain_text("已收到，编号")
        expect(message).to_contain_text(SITE_NAME)
        _in_view(page, "#message")
        shot(page, "report-sent-390", full_page=False)
        reference = message.get_attribute("data-reference")
        follow_href = page.locator("#follow-link").get_attribute("href")
        assert re.fullmatch(r"/reports/follow/[A-Za-z0-9_-]{32}", follow_href)
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT source, category, site_id, reporter->>'email' AS email FROM work_orders WHERE id = :id"
                ),
                {"id": int(reference)},
            ).one()
        assert tuple(row) == ("public", "sign_damage", site["id"], "browser.reporter@example.org")

        page.click("#status-link")
        page.wait_for_url(re.compile(rf"/reports/{reference}$"))
        watched.settle()
        expect(page.locator("h1")).to_have_text(f"问题反映 {reference}")
        expect(page.locator("[data-field=status]")).to_have_text("处理中")
        expect(page.locator("#place-link")).to_have_attribute("href", f"/sites/memorials/{site['id']}")
        expect(page.locator("#map.leaflet-container")).to_be_visible()
        expect(page.locator("#map .vetmap-point")).to_have_count(1)  # the site
        expect(page.locator("#map .leaflet-marker-icon")).to_have_count(1)  # the pin
        expect(page.locator("#report-photos")).to_contain_text("暂无公开的照片")  # staff publish it first
        expect(page.locator("#history")).to_contain_text("收到反映")
        assert "browser.reporter@example.org" not in page.content()
        _fits(page, "report-status")

        watched.open(follow_href)
        expect(page.locator("#keep-link")).to_contain_text(follow_href)
        expect(page.locator("#updates")).to_have_text("自上次查看以来没有新的进展。")
        _fits(page, "report-follow")
        # the refusal itself is the one HTTP error the pages saw
        assert [e for e in watched.errors if "/open311/v2/requests.json" not in e] == []
        assert watched.blocked == []


def test_a_report_within_50_m_is_offered_and_followed_instead_of_filing(
    browser: Browser,
    live_server: str,
    request,
    site: dict,
    anon_client: TestClient,
    client: TestClient,
    engine: Engine,
) -> None:
    lon, lat = offset(site["point"], 60)
    filed = anon_client.post(
        "/open311/v2/requests.json",
        data={
            "service_code": "vandalism",
            "lat": f"{lat:.7f}",
            "long": f"{lon:.7f}",
            "description": "碑身被涂写",
        },
        headers={"Authorization": ""},
    )
    assert filed.status_code == 200, filed.text
    existing = int(filed.json()[0]["service_request_id"])
    with engine.connect() as conn:
        orders = conn.execute(text("SELECT count(*) FROM work_orders")).scalar_one()

    pin_lon, pin_lat = offset(site["point"], 60, 30)  # 30 m north of the open report
    with watched_page(browser, live_server, request, DESKTOP) as watched:
        page = watched.page
        watched.open(f"/report?lang=en&lat={pin_lat:.7f}&long={pin_lon:.7f}")
        offered = page.locator("#duplicates")
        expect(offered).to_be_visible()
        expect(offered.locator("h3")).to_have_text("Is it one of these?")
        item = offered.locator(f"li[data-report='{existing}']")
        expect(item).to_contain_text(f"Vandalism · {SITE_NAME}")
        expect(item).to_contain_text("Reported")  # its stage
        expect(item).to_contain_text("about 30 m from your pin")
        assert axe_violations(page) == []
        shot(page, "report-duplicates-1440", full_page=False)

        item.get_by_role("button", name="That's it: follow it").click()
        result = item.locator(".result")
        expect(result).to_contain_text("Followed: no need to report it again.")
        _in_view(page, f"li[data-report='{existing}'] .result")
        link = result.locator("a").get_attribute("href")
        assert re.fullmatch(r"/reports/follow/[A-Za-z0-9_-]{32}\?lang=en", link)
        shot(page, "report-followed-1440", full_page=False)
        page.set_viewport_size(PHONE)
        assert overflow(page) <= 0
        result.scroll_into_view_if_needed()
        shot(page, "report-followed-390", full_page=False)
        page.set_viewport_size(DESKTOP)
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT count(*) FROM work_orders")).scalar_one() == orders
            )  # nothing filed
            assert (
                conn.execute(
                    text(
                        "SELECT count(*) FROM report_followers WHERE work_order_id = :id AND role = 'follower'"
                    ),
                    {"id": existing},
                ).scalar_one()
                == 1
            )

        watched.open(link)
        expect(page.locator("#updates")).to_have_text("Nothing new since your last visit.")
        add_public_note(client, existing, "Staff will repaint the stone on Friday.")
        page.reload(wait_until="networkidle")
        expect(page.locator("#keep-link")).to_have_count(0)  # said once, on the first visit
        expect(page.locator("#updates li")).to_have_count(1)
        expect(page.locator("#updates")).to_contain_text("Staff will repaint the stone on Friday.")
        assert axe_violations(page) == []
        shot(page, "report-follow-updates-1440")
        page.reload(wait_until="networkidle")
        expect(page.locator("#updates")).to_have_text("Nothing new since your last visit.")
        page.click("#status-page")
        page.wait_for_url(re.compile(rf"/reports/{existing}\?lang=en$"))
        expect(page.locator("#history")).to_contain_text("Staff will repaint the stone on Friday.")
        shot(page, "report-status-1440")
        watched.assert_clean()
