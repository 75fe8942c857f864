"""Proxy tribute (代祭扫, issue 22 item 5) in a real Chromium, through to the photos the family sees: the family files
it from a martyr's page on a phone (390×844), a planner of the area accepts it on /staff/moderation (1440×900) and
assigns it, the crew member finishes the work order with an after photo on /crew/work-orders/{id} (390×844), and the
family's private link then says "done" and shows the photo. No CSP violation, no axe violation on the proxy tribute
pages, no horizontal overflow at 320 px. Screenshots with ``VETMAP_SHOTS=<dir>``."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text

from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import create_account
from geo.public.proxy_tributes import today_in_china
from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS, WatchedPage
from tests.factories import image
from tests.staff_pages import assert_fits, assert_no_csp_violation, fill_sign_in, shot, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

COUNTY = "450329"  # 资源县
PASSWORD = "test-proxy-browser-password"  # test accounts' password, made by the test
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}
DESKTOP = {"width": 1440, "height": 900}
MESSAGE = "爷爷，家里一切都好，孙女远在深圳，托人给您献上一束花。"


def _check(page: Page, name: str) -> None:
    assert axe_violations(page) == []
    assert_no_csp_violation(page)
    assert_fits(page, name)
    shot(page, f"{name}-390")
    page.set_viewport_size(NARROW)
    assert_fits(page, name, "320 px")
    shot(page, f"{name}-320")
    page.set_viewport_size(PHONE)


def _sign_in(page: Page, base: str, path: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base + path, wait_until="load")
    fill_sign_in(page, username, PASSWORD)
    page.wait_for_url(re.compile(re.escape(path) + "$"), timeout=TIMEOUT_MS)


def test_a_proxy_tribute_from_request_to_photos_seen_by_the_family(
    watched: WatchedPage, engine: Engine
) -> None:
    with engine.begin() as conn:
        planner = create_account(conn, CLI_ACTOR, "proxy-browser-planner", PASSWORD, "planner", COUNTY)
        crew = create_account(conn, CLI_ACTOR, "proxy-browser-crew", PASSWORD, "crew", COUNTY)
        conn.execute(text("DELETE FROM proxy_tributes"))
        martyr_id = conn.execute(
            text(
                "SELECT m.id FROM martyrs m JOIN graves g ON g.id = m.grave_id WHERE g.area_code LIKE :a "
                "ORDER BY m.id LIMIT 1"
            ),
            {"a": COUNTY + "%"},
        ).scalar_one()
    page, base = watched.page, watched.base_url
    watch_csp(page)
    page.set_viewport_size(PHONE)

    # the family, far away, on a phone
    page.goto(f"{base}/martyrs/{martyr_id}", wait_until="load")
    page.click("#proxy-tribute-link")
    page.wait_for_url(re.compile(rf"/proxy-tribute\?martyr={martyr_id}$"))
    expect(page.locator('[data-field="grave"]')).to_contain_text("烈士之墓")
    _check(page, "proxy-form")
    wished = today_in_china() + dt.timedelta(days=20)
    page.fill("#wished_on", "2020-04-04")
    page.fill("#requester_name", "李秀兰")
    page.fill("#relation", "孙女")
    page.fill("#contact_phone", "13800138000")
    page.fill("#message", MESSAGE)
    page.click("#proxy-submit")
    expect(page.locator("#wished_on-error")).to_contain_text("已经过去了")
    expect(page.locator("#message")).to_have_value(MESSAGE)  # kept, to be mended
    _check(page, "proxy-form-refused")
    page.fill("#wished_on", wished.isoformat())
    page.click("#proxy-submit")
    expect(page.locator("h1")).to_have_text("委托已收到")
    reference = page.locator('[data-field="reference"]').inner_text()
    follow = page.locator("#follow-link").get_attribute("href")
    assert reference.startswith("DJ-") and follow.startswith("/proxy-tribute/follow/")
    _check(page, "proxy-sent")
    page.goto(base + follow, wait_until="load")
    expect(page.locator('[data-field="state"]')).to_have_text("已收到，等待工作人员处理")

    # the planner of the county, at a desk
    page.set_viewport_size(DESKTOP)
    _sign_in(page, base, "/staff/moderation", planner.username)
    with engine.connect() as conn:
        rid = conn.execute(text("SELECT id FROM proxy_tributes")).scalar_one()
    row = page.locator(f"#proxy-{rid}")
    expect(row).to_contain_text(MESSAGE)
    expect(row).to_contain_text("13800138000")
    shot(page, "proxy-moderation-1440")
    row.locator("select[name=assigned_to]").select_option(str(crew.id))
    row.locator("button[data-proxy=accept]").click()
    expect(page.locator("#proxy p.more")).to_contain_text(f"{reference} 已受理")
    expect(page.locator(f"#proxy-{rid}")).to_have_count(0)
    shot(page, "proxy-moderation-accepted-1440")
    with engine.connect() as conn:
        order_id = conn.execute(text("SELECT work_order_id FROM proxy_tributes")).scalar_one()

    # the crew member of the county, at the grave
    page.set_viewport_size(PHONE)
    _sign_in(page, base, f"/crew/work-orders/{order_id}", crew.username)
    expect(page.locator("main")).to_contain_text(MESSAGE)
    expect(page.locator("main")).to_contain_text("清扫墓碑、敬献鲜花")
    assert_fits(page, "the crew's proxy tribute order")
    shot(page, "proxy-crew-order-390")
    page.click("#start")
    expect(page.locator("#finish-form")).to_be_visible(timeout=TIMEOUT_MS)
    page.set_input_files(
        "#finish-photos",
        files=[{"name": "after.png", "mimeType": "image/png", "buffer": image("PNG", (64, 48), "green")}],
    )
    page.fill("#cost-actual", "80")
    page.click("#finish")
    expect(page.locator('dd[data-field="status"]')).to_have_text("已完成", timeout=45_000)
    shot(page, "proxy-crew-done-390")

    # the family again, at its private link
    page.context.clear_cookies()
    page.goto(base + follow, wait_until="load")
    expect(page.locator('[data-field="state"]')).to_have_text(re.compile(r"已于 \d{4}-\d{2}-\d{2} 完成祭扫"))
    photo = page.locator(".proxy-follow .photos img")
    expect(photo).to_have_count(1)
    page.wait_for_function("() => document.querySelector('.proxy-follow .photos img').naturalWidth > 0")
    _check(page, "proxy-follow-done")
    page.set_viewport_size(DESKTOP)
    shot(page, "proxy-follow-done-1440")
    page.goto(base + follow + "?lang=en", wait_until="load")
    expect(page.locator('[data-field="state"]')).to_contain_text("Done on")
    assert axe_violations(page) == []
