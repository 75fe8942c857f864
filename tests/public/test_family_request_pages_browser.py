"""A 寻亲 request followed by its requester, in a real headless Chromium, offline but for 127.0.0.1 (issue 20):
a member of the public files a request on a phone and keeps the reference and code; a planner of the area opens it
from /staff/family-requests, sets 查找中 with a public and an internal note; the requester opens
/family-search/{reference}, a wrong code gets one sentence and nothing else, the right one the status and the public
note, never the internal one; the requester lost the code, the planner issues a new one and the old one stops
working. No CSP violation, no axe-core violation, nothing wider than the phone.

With ``VETMAP_SHOTS=<dir>`` the test keeps screenshots: staff pages at 1440×900, public ones at 390×844 and 320 wide.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine, text

from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS, WatchedPage, watched_page
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
USERNAME = "family-pages-browser"
PASSWORD = "test-family-pages-browser-password"  # a test account's password, made by the test
NARROW = {"width": 320, "height": 700}
PUBLIC_NOTE = "已联系资源县烈士陵园管理所核对墓位，有结果会电话告知您。"
INTERNAL_NOTE = "内部：管理所李主任 0773-4321000，下周一回复"


@pytest.fixture(scope="module")
def planner(engine: Engine, demo_counts: dict[str, int]) -> str:
    """A planner of 资源县 who signs in with a password."""
    make_account(engine, USERNAME, PASSWORD, "planner", COUNTY)
    return USERNAME


@pytest.fixture(scope="module")
def martyr_id(engine: Engine, demo_counts: dict[str, int]) -> int:
    """A named martyr record of 资源县 (a request about it belongs to the county)."""
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT min(id) FROM martyrs WHERE NOT unnamed AND area_code LIKE :c"), {"c": COUNTY + "%"}
        ).scalar_one()


def _checked(wp: WatchedPage, name: str) -> None:
    """No CSP violation, no axe-core violation, nothing wider than the window; a screenshot."""
    page = wp.page
    assert_no_csp_violation(page)
    assert axe_violations(page) == []
    assert_fits(page, name, "the window")
    shot(page, name)


def _at_widths(wp: WatchedPage, name: str) -> None:
    """The public page checked at 390×844 and at 320 wide."""
    wp.page.set_viewport_size(PHONE)
    _checked(wp, f"{name}-390x844")
    wp.page.set_viewport_size(NARROW)
    _checked(wp, f"{name}-320")
    wp.page.set_viewport_size(PHONE)


def test_a_request_is_filed_handled_and_followed_by_its_requester(
    browser: Browser,
    live_server: str,
    request: pytest.FixtureRequest,
    engine: Engine,
    planner: str,
    martyr_id: int,
) -> None:
    # 1. a member of the public files a request on a phone and keeps the reference and the code
    with watched_page(browser, live_server, request, viewport=PHONE) as public:
        page = public.page
        watch_csp(page)
        public.open(f"/family-search?martyr_id={martyr_id}")
        page.fill("#requester_name", "覃秀兰")
        page.fill("#relation", "孙女")
        page.fill("#contact_phone", "13907730000")
        page.fill("#details", "奶奶说爷爷1951年参军后再无音讯。")
        page.click("#family-submit")
        done = page.locator("#family-done")
        expect(done).to_be_visible()
        reference = done.locator('[data-slot="reference"]').inner_text()
        code = done.locator('[data-slot="code"]').inner_text()
        assert re.fullmatch(r"XQ-\d{6}", reference) and re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
        link = done.locator('a[data-slot="url"]')
        expect(link).to_have_text(f"{live_server}/family-search/{reference}")
        expect(link).to_have_attribute("href", f"/family-search/{reference}")
        expect(done).to_contain_text("查询码只显示这一次")
        expect(done).to_contain_text("查询时需要：登记编号和查询码")
        _at_widths(public, "public-family-sent")
        public.assert_clean()

    # 2. a planner of the area opens it from the list and sets 查找中 with a public and an internal note
    with watched_page(browser, live_server, request, viewport=DESKTOP) as staff:
        page = staff.page
        watch_csp(page)
        page.goto(live_server + "/staff/family-requests", wait_until="load")
        fill_sign_in(page, planner, PASSWORD)
        page.wait_for_url(re.compile(r"/staff/"), timeout=TIMEOUT_MS)
        page.goto(live_server + "/staff/family-requests", wait_until="load")
        expect(page.locator("h1")).to_contain_text("寻亲登记")
        row = page.locator(f'tr[data-reference="{reference}"]')
        expect(row).to_contain_text("覃秀兰")
        expect(row).to_contain_text("已收到")
        expect(page.locator("#status-tabs a[aria-current=page]")).to_contain_text("全部")
        _checked(staff, "staff-family-list-1440x900")
        page.set_viewport_size(PHONE)
        _checked(staff, "staff-family-list-390x844")
        page.set_viewport_size(DESKTOP)
        row.locator("a").click()
        page.wait_for_url(re.compile(r"/staff/family-requests/\d+$"), timeout=TIMEOUT_MS)
        expect(page.locator("h1")).to_have_text(f"寻亲登记 {reference}")
        expect(page.locator('[data-field="contact_phone"]')).to_have_text("13907730000")
        page.select_option("#status", "in_progress")
        page.fill("#public-note", PUBLIC_NOTE)
        page.fill("#internal-note", INTERNAL_NOTE)
        page.click("#save")
        said = page.locator("#form-status")
        expect(said).to_have_text("已保存(第 2 版)。")
        expect(page.locator('#handling [data-field="status"]')).to_have_text("查找中")
        notes = page.locator("#notes li")
        expect(notes).to_have_count(2)
        expect(notes.nth(0)).to_contain_text("公开")
        expect(notes.nth(0)).to_contain_text(PUBLIC_NOTE)
        expect(notes.nth(1)).to_contain_text("内部")
        expect(notes.nth(1)).to_contain_text(INTERNAL_NOTE)
        expect(page.locator("#public-note")).to_have_value("")
        _checked(staff, "staff-family-detail-1440x900")
        page.set_viewport_size(PHONE)
        _checked(staff, "staff-family-detail-390x844")
        page.set_viewport_size(DESKTOP)
        page.click("#save")  # nothing changed: said next to the button, nothing sent
        expect(said).to_have_text("请更改状态或填写备注后再保存。")
        rid = int(page.url.rsplit("/", 1)[1])
        with engine.begin() as conn:  # someone else closes it meanwhile (the row version goes up)
            conn.execute(text("UPDATE family_requests SET status = 'closed' WHERE id = :id"), {"id": rid})
        page.fill("#public-note", "稍后补充")
        page.click("#save")
        expect(said).to_contain_text("保存前此登记已被他人修改(现为“已结束”，第 3 版)")
        expect(page.locator('#handling [data-field="status"]')).to_have_text("已结束")
        expect(page.locator("#public-note")).to_have_value("稍后补充")  # what was typed is kept
        expect(notes).to_have_count(2)
        shot(page, "staff-family-detail-stale-1440x900")
        staff.errors[:] = [
            e for e in staff.errors if not ("409" in e and f"/api/v1/family-requests/{rid}" in e)
        ]
        page.select_option("#status", "in_progress")
        page.fill("#public-note", "")
        page.click("#save")
        expect(said).to_have_text("已保存(第 4 版)。")

        # 3. the requester follows: a wrong code gets one sentence; the right one status and the public note only
        with watched_page(browser, live_server, request, viewport=PHONE) as follow:
            page = follow.page
            watch_csp(page)
            follow.open(f"/family-search/{reference}")
            expect(page.locator("main")).to_contain_text(f"请输入提交登记 {reference} 时获得的查询码")
            _at_widths(follow, "public-family-follow-form")
            page.fill("#code", "ABCD-EFGH")
            page.click("#follow-form button[type=submit]")
            page.wait_for_load_state("load")
            error = page.locator("#code-error")
            expect(error).to_have_text("编号和查询码不匹配。请核对您保存的登记编号和查询码后再试。")
            expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")
            main = page.locator("main")
            for hidden in ("查找中", PUBLIC_NOTE, "内部", "覃秀兰"):
                expect(main).not_to_contain_text(hidden)
            _at_widths(follow, "public-family-follow-wrong")
            # the wrong code's answer is a 403 page, as it should be: the one error the browser may report
            follow.errors[:] = [
                e for e in follow.errors if not ("403" in e and f"/family-search/{reference}" in e)
            ]
            page.fill("#code", code.lower())
            page.click("#follow-form button[type=submit]")
            page.wait_for_load_state("load")
            expect(page.locator("#follow-status .status")).to_have_text("查找中")
            expect(page.locator("#public-notes")).to_contain_text(PUBLIC_NOTE)
            for hidden in (INTERNAL_NOTE, "李主任", "13907730000", "覃秀兰"):
                expect(main).not_to_contain_text(hidden)
            _at_widths(follow, "public-family-follow-seen")

            # 4. the requester lost the code: the planner issues a new one, shown once, and the old one stops working
            staff_page = staff.page
            staff_page.click("#reissue")
            issued = staff_page.locator("#reissue-status")
            expect(issued).to_contain_text("新查询码：")
            new_code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", issued.inner_text()).group(0)
            expect(issued).to_contain_text(f"{live_server}/family-search/{reference}")
            _checked(staff, "staff-family-detail-reissued-1440x900")
            staff.assert_clean()
            page.goto(f"{live_server}/family-search/{reference}", wait_until="load")
            page.fill("#code", code)
            page.click("#follow-form button[type=submit]")
            page.wait_for_load_state("load")
            expect(page.locator("#code-error")).to_have_text(
                "编号和查询码不匹配。请核对您保存的登记编号和查询码后再试。"
            )
            follow.errors[:] = [
                e for e in follow.errors if not ("403" in e and f"/family-search/{reference}" in e)
            ]
            page.fill("#code", new_code)
            page.click("#follow-form button[type=submit]")
            page.wait_for_load_state("load")
            expect(page.locator("#follow-status .status")).to_have_text("查找中")

            # 5. the same in English, for the requester and for staff
            page.goto(f"{live_server}/family-search/{reference}?lang=en", wait_until="load")
            page.fill("#code", new_code)
            page.click("#follow-form button[type=submit]")
            page.wait_for_load_state("load")
            expect(page.locator("#follow-status .status")).to_have_text("Searching")
            expect(page.locator("main h2")).to_have_text("Replies from staff")
            _at_widths(follow, "public-family-follow-seen-en")
            follow.assert_clean()
            staff_page.goto(f"{live_server}/staff/family-requests/{rid}?lang=en", wait_until="load")
            expect(staff_page.locator("#h-update")).to_have_text("Update the status and add notes")
            expect(staff_page.locator("#notes li").first).to_contain_text("Public")
            _checked(staff, "staff-family-detail-en-1440x900")
            staff.assert_clean()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM family_requests WHERE martyr_id = :m"), {"m": martyr_id})
