"""The moderation page in a real headless Chromium (issue 20 item 4): a member of the public leaves a message on a
memorial's page; a planner approves it on /staff/moderation and the public page then shows it; the planner
publishes a report's photo, accepts that report into a work order and rejects another with a public note, which its
reporter then reads. Every answer is a sentence next to the button; no CSP violation, no axe violation, no
horizontal overflow at 390 px.

With ``VETMAP_SHOTS=<dir>`` the test keeps screenshots at 1440×900 and 390×844 (outside the repository)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect
from sqlalchemy import Engine, text

from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import create_account
from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS, WatchedPage
from tests.factories import ZIYUAN_POINT, free_point, image, make_site_at, offset

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

USERNAME = "moderation-browser"
PASSWORD = "test-moderation-browser-password"  # a test account's password, made by the test
SITE_NAME = "审核浏览器测试纪念碑"
MESSAGE = "缅怀先烈，铭记历史。"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
CSP_WATCH = """() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
        window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
    });
}"""


def _shot(wp: WatchedPage, name: str) -> None:
    where = os.environ.get("VETMAP_SHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        wp.page.screenshot(path=str(Path(where) / f"{name}.png"), full_page=True)


def _clean(wp: WatchedPage) -> None:
    assert wp.page.evaluate("() => window.__cspViolations") == []
    assert axe_violations(wp.page) == []


def _report(anon: TestClient, point: tuple[float, float], description: str, photo: bool, east: float) -> int:
    lon, lat = offset(point, east)
    files = (
        [("media", ("damage.png", image(size=(64, 48), colour=(90, 90, 140)), "image/png"))]
        if photo
        else None
    )
    answer = anon.post(
        "/open311/v2/requests.json",
        data={
            "service_code": "vandalism",
            "lat": f"{lat:.6f}",
            "long": f"{lon:.6f}",
            "description": description,
        },
        files=files,
        headers={"Authorization": ""},
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()[0]["service_request_id"])


@pytest.fixture(scope="module")
def scene(client: TestClient, anon_client: TestClient, engine: Engine) -> Iterator[dict]:
    """A memorial of 资源县 far from others, a planner of its county, a report with a photo and one without."""
    with engine.connect() as conn:
        lon, lat = free_point(conn, (ZIYUAN_POINT[0] + 0.07, ZIYUAN_POINT[1] + 0.06))
    point = (round(lon, 6), round(lat, 6))
    made = make_site_at(client, "memorials", point, name=SITE_NAME)
    area = made["properties"]["area_code"]
    with engine.begin() as conn:
        create_account(conn, CLI_ACTOR, USERNAME, PASSWORD, "planner", area[:6])
    photo_report = _report(anon_client, point, "纪念碑基座被人涂写了标语", True, 30)
    other_report = _report(anon_client, point, "碑前台阶有人乱画", False, 50)
    with engine.connect() as conn:
        photo_id = conn.execute(
            text("SELECT id FROM photos WHERE work_order_id = :id AND stage = 'report'"), {"id": photo_report}
        ).scalar_one()
    yield {"site": made["id"], "photo_report": photo_report, "photo": photo_id, "other_report": other_report}
    ids = [photo_report, other_report]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM photos WHERE work_order_id = ANY(:ids)"), {"ids": ids})
        conn.execute(text("DELETE FROM work_order_history WHERE work_order_id = ANY(:ids)"), {"ids": ids})
        conn.execute(text("DELETE FROM work_orders WHERE id = ANY(:ids)"), {"ids": ids})
        conn.execute(
            text("DELETE FROM tributes WHERE target = 'memorials' AND target_id = :id"), {"id": made["id"]}
        )


def test_a_message_approved_shows_and_reports_are_triaged(
    watched: WatchedPage, scene: dict, client: TestClient
) -> None:
    page = watched.page
    page.add_init_script(f"({CSP_WATCH})()")
    page.set_viewport_size(DESKTOP)
    public = f"{watched.base_url}/sites/memorials/{scene['site']}"

    # a member of the public leaves a message: it waits for moderation
    page.goto(public, wait_until="load")
    page.fill("#tribute-message", MESSAGE)
    page.fill("#tribute-author", "一名市民")
    page.locator(".tribute-form button[type=submit]").click()
    expect(page.locator(".tribute-status")).to_contain_text("审核", timeout=TIMEOUT_MS)
    expect(page.locator(".tribute-messages")).not_to_contain_text(MESSAGE)

    # the planner signs in and lands on the moderation page
    page.goto(watched.base_url + "/staff/moderation", wait_until="load")
    assert "/login" in page.url
    page.fill("#username", USERNAME)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/moderation$"), timeout=TIMEOUT_MS)
    expect(page.locator("h1")).to_contain_text("审核")
    _clean(watched)
    _shot(watched, "moderation-1440x900")
    page.set_viewport_size(PHONE)
    _shot(watched, "moderation-390x844")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the moderation page is {overflow}px wider than a phone"
    page.set_viewport_size(DESKTOP)
    page.goto(watched.base_url + "/staff/moderation?lang=en", wait_until="networkidle")
    expect(page.locator(f'#reports .item[data-id="{scene["other_report"]}"]')).to_contain_text("Reference")
    _clean(watched)
    _shot(watched, "moderation-en-1440x900")
    page.goto(watched.base_url + "/staff/moderation?lang=zh", wait_until="networkidle")

    tribute = page.locator("#tributes .item", has_text=MESSAGE)
    expect(tribute).to_contain_text(SITE_NAME)
    tribute.locator("button[data-action=reject]").click()  # no reason: refused next to the button
    expect(tribute.locator(".said")).to_have_text("请写明不予显示的理由。")
    count = page.locator('#queue-tabs [data-count="tributes"]')
    before = int(count.inner_text())
    tribute.locator("button[data-action=approve]").click()
    expect(tribute.locator(".said")).to_have_text("已通过，留言现在显示在纪念页上。")
    expect(count).to_have_text(str(before - 1))

    photo = page.locator(f'#photos .item[data-id="{scene["photo"]}"]')
    expect(photo).to_contain_text("纪念碑基座被人涂写了标语")
    assert photo.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.locator(f'#reports .item[data-id="{scene["photo_report"]}"] .badge')).to_have_text("未公开")
    photo.locator("button[data-action=publish]").click()
    expect(photo.locator(".said")).to_have_text("照片已公开。")

    report = page.locator(f'#reports .item[data-id="{scene["photo_report"]}"]')
    expect(report).to_contain_text("人为破坏")
    expect(report.locator(".badge")).to_have_text("已公开")  # the photo just published above
    report.locator("button[data-action=accept]").click()
    expect(report.locator(".said")).to_have_text(f"已受理为工单 {scene['photo_report']}。")

    # someone else changes the other report meanwhile: the page says so, nothing is written
    rid = scene["other_report"]
    version = client.get(f"/api/v1/work-orders/{rid}").json()["version"]
    changed = client.patch(f"/api/v1/work-orders/{rid}", json={"version": version, "priority": "high"})
    assert changed.status_code == 200, changed.text
    other = page.locator(f'#reports .item[data-id="{rid}"]')
    other.locator("textarea").fill("已处理")
    other.locator("button[data-action=reject]").click()
    expect(other.locator(".said")).to_have_text("未能完成：这条上报刚被别人改过，请刷新页面后再操作。")
    assert client.get(f"/api/v1/work-orders/{rid}").json()["public_note"] is None
    refused = [e for e in watched.errors if "409" in e and f"/reports/{rid}/reject" in e]
    assert refused  # the refusal expected, and only it, is taken off the page's errors
    watched.errors[:] = [e for e in watched.errors if e not in refused]
    page.reload(wait_until="networkidle")
    other = page.locator(f'#reports .item[data-id="{rid}"]')
    other.locator("button[data-action=reject]").click()  # no note: refused
    expect(other.locator(".said")).to_have_text("请写一句给上报人的公开说明。")
    expect(other.locator("textarea")).to_have_attribute("aria-invalid", "true")
    other.locator("textarea").fill("经核实为临时粉笔字，已清理，谢谢。")
    other.locator("button[data-action=reject]").click()
    expect(other.locator(".said")).to_have_text("已驳回，上报人会看到说明。")
    _clean(watched)
    _shot(watched, "moderation-done-1440x900")

    page.goto(watched.base_url + "/staff/moderation?lang=en", wait_until="networkidle")
    expect(page.locator("h1")).to_contain_text("Moderation")
    expect(page.locator(f'#reports .item[data-id="{scene["photo_report"]}"]')).to_have_count(0)
    expect(page.locator(f'#photos .item[data-id="{scene["photo"]}"]')).to_have_count(0)
    _clean(watched)

    # the public page shows the message now; the reporter reads the note
    page.goto(public, wait_until="networkidle")  # its photos too (the one published shows here)
    expect(page.locator(".tribute-messages")).to_contain_text(MESSAGE)
    expect(page.locator(".tribute-messages")).to_contain_text("一名市民")
    page.goto(f"{watched.base_url}/reports/{scene['other_report']}", wait_until="load")
    expect(page.locator("body")).to_contain_text("经核实为临时粉笔字，已清理，谢谢。")
    watched.assert_clean()
