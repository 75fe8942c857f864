"""Work orders and site edits on a crew's phone (issue 21, items 3-5), in a real Chromium at 390×844 with the
network cut (``context.set_offline(True)``) on an already open page: no service worker is needed for the outbox.

- a work order started and finished offline (after photo, cost, note) arrives once: one start and one finish in its
  history, one photo; the status under the button is in the viewport after each tap;
- an inspection submitted offline says so right under 提交巡查, in view;
- a site edit made offline that meets a server edit: the other field merges by itself, the same field is offered
  with both values, the crew's choice wins, the audit log shows it; nothing is lost.
Screenshots (VETMAP_SHOTS=<dir>) at 390×844 and 320 wide; the pages fit 320 px with long unbroken names.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text

from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import create_account
from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS, WatchedPage
from tests.factories import image, make_site_at
from tests.staff_pages import assert_fits, assert_no_csp_violation, shot, watch_csp
from tests.upkeep.work_order_setup import make_assigned_order

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

COUNTY = "450329"  # 资源县
USERNAME = "crew-work-browser"
PASSWORD = "test-crew-work-password"  # a test account's password, made by the test
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}
SITE_POINT = (110.6405, 26.0405)
LONG = "烈士纪念碑" + "长" * 60  # one long unbroken name
OFFLINE = "ERR_INTERNET_DISCONNECTED"


@pytest.fixture(scope="module")
def crew_id(engine: Engine, demo_counts: dict[str, int]) -> int:
    """A crew of 资源县 who signs in with a password."""
    with engine.begin() as conn:
        return create_account(conn, CLI_ACTOR, USERNAME, PASSWORD, "crew", COUNTY).id


def _sign_in(wp: WatchedPage, path: str) -> Page:
    page = wp.page
    watch_csp(page)
    page.set_viewport_size(PHONE)
    page.goto(wp.base_url + path, wait_until="load")
    page.fill("#username", USERNAME)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(path) + "$"), timeout=TIMEOUT_MS)
    return page


def _in_view(page: Page, selector: str) -> None:
    """The element is visible inside the phone's window (not somewhere above or below)."""
    expect(page.locator(selector)).to_be_visible()
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, (selector, box)


def _check_page(page: Page, name: str) -> None:
    assert_fits(page, name)
    assert axe_violations(page) == []
    assert_no_csp_violation(page)
    shot(page, f"{name}-390", full_page=True)
    page.set_viewport_size(NARROW)
    assert_fits(page, name, "320 px")
    shot(page, f"{name}-320", full_page=True)
    page.set_viewport_size(PHONE)


def _errors(wp: WatchedPage, *expected: str) -> list[str]:
    """The page's errors but for requests cut by the offline network and the answers the test expects."""
    return [
        e
        for e in wp.errors
        if OFFLINE not in e and "ERR_ABORTED" not in e and not any(x in e for x in expected)
    ]


def test_a_work_order_started_and_finished_offline_arrives_once(
    watched: WatchedPage, client: TestClient, engine: Engine, crew_id: int
) -> None:
    site = make_site_at(client, "memorials", SITE_POINT, name=LONG)
    order = make_assigned_order(client, site["id"], crew_id, "围栏破损需要修补" + "栏" * 40)
    page = _sign_in(watched, "/crew")
    task = page.locator(f'li.task-work_order:has(a[href="/crew/work-orders/{order["id"]}"])')
    expect(task).to_contain_text("围栏破损需要修补")
    _check_page(page, "crew-tasks")
    task.locator("a").click()
    page.wait_for_url(re.compile(rf"/crew/work-orders/{order['id']}$"))
    expect(page.locator('dd[data-field="status"]')).to_have_text("已派工")
    expect(page.locator('dd[data-field="site"] a')).to_have_attribute("href", f"/crew/memorials/{site['id']}")
    _check_page(page, "crew-order")
    page.goto(f"{watched.base_url}/crew/work-orders/{order['id']}?lang=en", wait_until="load")
    expect(page.locator("#start")).to_have_text("Start")
    _check_page(page, "crew-order-en")
    page.goto(f"{watched.base_url}/crew/work-orders/{order['id']}", wait_until="load")

    page.context.set_offline(True)
    page.fill("#start-note", "到场开工")
    page.click("#start")
    expect(page.locator("#move-status")).to_contain_text("已保存在本机")
    _in_view(page, "#move-status")
    expect(
        page.locator("#finish-form")
    ).to_be_visible()  # the finish can be filled in before the start is sent
    page.set_input_files(
        "#finish-photos",
        files=[{"name": "after.png", "mimeType": "image/png", "buffer": image("PNG", (64, 48), "green")}],
    )
    page.fill("#cost-actual", "abc")
    page.click("#finish")
    expect(page.locator("#cost-error")).to_have_text(re.compile("实际费用须为 0 或正数"))
    expect(page.locator("#cost-actual")).to_have_value("abc")  # kept, to be mended
    page.fill("#cost-actual", "350.5")
    page.fill("#finish-note", "已修好")
    page.click("#finish")
    expect(page.locator("#move-status")).to_have_text("已保存在本机。2 条等待发送，有信号时自动发送。")
    _in_view(page, "#move-status")
    expect(page.locator("#outbox-count")).to_have_text("2 条待发送")
    items = page.locator("#outbox-list li")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("开工")
    expect(items.first.locator(".item-state")).to_have_text("等待发送")
    expect(items.nth(1)).to_contain_text("完工")
    shot(page, "crew-order-offline-390", full_page=False)
    with engine.connect() as conn:
        status = conn.execute(
            text("SELECT status FROM work_orders WHERE id = :id"), {"id": order["id"]}
        ).scalar()
    assert status == "assigned"  # nothing reached the server

    page.context.set_offline(
        False
    )  # the `online` event sends both, in order, the finish from the start's version
    expect(page.locator("#outbox-count")).to_have_text("0 条待发送", timeout=45_000)
    expect(page.locator("#move-status")).to_have_text("已发送：已完工。")
    _in_view(page, "#move-status")
    expect(page.locator('dd[data-field="status"]')).to_have_text("已完成")
    expect(page.locator("#order-photos img")).to_have_count(1)
    expect(page.locator("#history li").first).to_contain_text("处理中 → 已完成")
    shot(page, "crew-order-sent-390", full_page=False)

    with engine.connect() as conn:
        history = conn.execute(
            text(
                "SELECT to_status, note FROM work_order_history WHERE work_order_id = :id AND to_status IN "
                "('in_progress', 'done') ORDER BY id"
            ),
            {"id": order["id"]},
        ).all()
        photos = (
            conn.execute(text("SELECT stage FROM photos WHERE work_order_id = :id"), {"id": order["id"]})
            .scalars()
            .all()
        )
        cost = conn.execute(
            text("SELECT cost_actual FROM work_orders WHERE id = :id"), {"id": order["id"]}
        ).scalar()
    assert [tuple(h) for h in history] == [("in_progress", "到场开工"), ("done", "已修好")]
    assert photos == ["after"] and float(cost) == 350.5
    page.reload(wait_until="load")
    expect(page.locator("#outbox-count")).to_have_text("0 条待发送")
    expect(page.locator("#move")).to_contain_text("已完成")
    assert watched.blocked == []
    assert _errors(watched) == []


def test_an_inspection_says_where_it_went_under_the_button(
    watched: WatchedPage, client: TestClient, engine: Engine, crew_id: int
) -> None:
    site = make_site_at(client, "memorials", SITE_POINT, name="状态纪念碑")
    page = _sign_in(watched, f"/crew/memorials/{site['id']}")
    page.locator('fieldset[data-category="monument"] label:has(input[value="3"])').click()
    page.context.set_offline(True)
    page.click("#submit")
    expect(page.locator("#submit-status")).to_have_text("已保存在本机。1 条等待发送，有信号时自动发送。")
    _in_view(page, "#submit-status")
    shot(page, "crew-inspection-saved-390", full_page=False)
    page.context.set_offline(False)
    expect(page.locator("#submit-status")).to_have_text(re.compile("^已发送，状况指数"), timeout=45_000)
    _in_view(page, "#submit-status")
    with engine.connect() as conn:
        n = conn.execute(
            text("SELECT count(*) FROM inspections WHERE collection = 'memorials' AND site_id = :id"),
            {"id": site["id"]},
        ).scalar()
    assert n == 1
    assert _errors(watched) == []


def test_a_conflicting_server_edit_is_offered_never_lost(
    watched: WatchedPage, client: TestClient, engine: Engine, crew_id: int
) -> None:
    grave = make_site_at(
        client,
        "graves",
        (110.652, 26.046),
        name="散葬烈士墓" + "墓" * 50,
        custodian_name="村委会",
        notes="碑面完好",
    )
    page = _sign_in(watched, f"/crew/graves/{grave['id']}")
    _check_page(page, "crew-site-edit")
    page.context.set_offline(True)
    page.fill("#edit-custodian-name", "王家")
    page.select_option("#edit-upkeep-status", "poor")
    page.click("#edit-save")
    expect(page.locator("#edit-status")).to_contain_text("已保存在本机")
    _in_view(page, "#edit-status")

    # meanwhile the office changes the same field (custodian) and another (the note)
    current = client.get(f"/api/v1/graves/{grave['id']}")
    office = client.patch(
        f"/api/v1/graves/{grave['id']}",
        json={"type": "Feature", "properties": {"custodian_name": "李家", "notes": "碑面有裂缝"}},
        headers={"If-Match": current.headers["etag"]},
    )
    assert office.status_code == 200, office.text

    page.context.set_offline(False)
    conflict = page.locator('#conflict-list li[data-field="custodian_name"]')
    expect(conflict).to_be_visible(timeout=45_000)
    expect(conflict.locator(".mine")).to_have_text("我的：王家")
    expect(conflict.locator(".theirs")).to_contain_text("服务器上的：李家")
    expect(page.locator("#edit-status")).to_contain_text("请在下面选择")
    expect(page.locator("#refused-list li")).to_have_count(1)
    expect(page.locator("#refused-list li .item-state")).to_have_text("需要选择")
    props = client.get(f"/api/v1/graves/{grave['id']}").json()["properties"]
    assert (props["custodian_name"], props["upkeep_status"]) == ("李家", "unknown")  # nothing written yet
    conflict.scroll_into_view_if_needed()
    shot(page, "crew-site-conflict-390", full_page=False)
    assert axe_violations(page) == []

    conflict.locator("button.keep-mine").click()
    expect(page.locator("#edit-status")).to_have_text(re.compile("已发送"), timeout=45_000)
    _in_view(page, "#edit-status")
    expect(page.locator("#edit-conflicts")).to_be_hidden()
    expect(page.locator("#edit-notes")).to_have_value("碑面有裂缝")  # the office's note, merged in
    props = client.get(f"/api/v1/graves/{grave['id']}").json()["properties"]
    assert (props["custodian_name"], props["upkeep_status"], props["notes"]) == ("王家", "poor", "碑面有裂缝")
    with engine.connect() as conn:
        last = conn.execute(
            text(
                "SELECT actor, before, after FROM audit_log WHERE collection = 'graves' AND record_id = :id "
                "ORDER BY id DESC LIMIT 1"
            ),
            {"id": grave["id"]},
        ).one()
    assert (
        last.actor == USERNAME
        and last.before["custodian_name"] == "李家"
        and last.after["custodian_name"] == "王家"
    )
    assert _errors(watched, f"/api/v1/me/sites/graves/{grave['id']}/edits") == []


def test_a_refused_start_says_why_and_is_sent_again_by_retry(
    watched: WatchedPage, client: TestClient, engine: Engine, crew_id: int
) -> None:
    site = make_site_at(client, "memorials", SITE_POINT, name="重试纪念碑")
    order = make_assigned_order(client, site["id"], crew_id, "补种松柏")
    page = _sign_in(watched, f"/crew/work-orders/{order['id']}")
    page.context.set_offline(True)
    page.click("#start")
    expect(page.locator("#move-status")).to_contain_text("已保存在本机")
    # the office takes the order back to triage while the phone has no signal
    moved = client.post(
        f"/api/v1/work-orders/{order['id']}/transitions", json={"to": "triaged", "version": 3}
    )
    assert moved.status_code == 200, moved.text
    page.context.set_offline(False)
    refused = page.locator("#refused-list li")
    expect(refused).to_have_count(1, timeout=45_000)
    expect(refused).to_contain_text("这张工单尚未派工，不能开工或完工。")  # the server's reason, in Chinese
    expect(refused.locator(".item-state")).to_have_text("未被接受")
    expect(page.locator("#move-status")).to_contain_text("未被接受：这张工单尚未派工")
    _in_view(page, "#move-status")
    # assigned again: the crew's retry sends the same start, which goes through now
    again = client.post(
        f"/api/v1/work-orders/{order['id']}/transitions",
        json={"to": "assigned", "version": 4, "assigned_to": crew_id},
    )
    assert again.status_code == 200, again.text
    refused.locator("button.retry").click()
    expect(page.locator("#refused")).to_be_hidden(timeout=45_000)
    expect(page.locator("#move-status")).to_have_text("已发送：已开工。")
    with engine.connect() as conn:
        starts = conn.execute(
            text(
                "SELECT count(*) FROM work_order_history WHERE work_order_id = :id AND to_status = 'in_progress'"
            ),
            {"id": order["id"]},
        ).scalar()
    assert starts == 1
    assert _errors(watched, f"/api/v1/me/work-orders/{order['id']}/transitions") == []


def test_on_a_shared_phone_another_crews_waiting_record_is_kept_not_sent(
    watched: WatchedPage, engine: Engine, crew_id: int
) -> None:
    """A record made offline by another crew on this phone waits for that crew's sign-in, and says so."""
    with engine.connect() as conn:
        site_id = conn.execute(
            text("SELECT min(id) FROM memorials WHERE area_code LIKE :county"), {"county": COUNTY + "%"}
        ).scalar_one()
    page = _sign_in(watched, "/crew")
    key = "0b8f5d1e-5c0e-4d6a-9b1e-7d3c2a1f0e99"
    page.evaluate(
        """([key, siteId]) => new Promise((resolve, reject) => {
            const open = indexedDB.open("vetmap-crew");
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const tx = open.result.transaction("outbox", "readwrite");
              tx.objectStore("outbox").put({
                client_key: key, kind: "inspection", owner: "another-crew", state: "waiting", error: null,
                created_at: new Date().toISOString(), created_local: "2026-12-07T09:00:00+08:00", photos: [],
                collection: "memorials", site_id: siteId,
                body: { client_key: key, inspected_at: "2026-12-07T09:00:00+08:00", scores: { cleanliness: 4 } },
              });
              tx.oncomplete = () => resolve(true);
              tx.onerror = () => reject(tx.error);
            };
          })""",
        [key, site_id],
    )
    page.reload(wait_until="load")
    expect(page.locator("#outbox-list")).to_contain_text("属于 another-crew")
    page.wait_for_timeout(1500)  # a send round has run
    with engine.connect() as conn:
        sent = conn.execute(
            text("SELECT count(*) FROM inspections WHERE client_key = :k"), {"k": key}
        ).scalar_one()
    assert sent == 0
