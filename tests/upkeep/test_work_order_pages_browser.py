"""Work-order pages in a real headless Chromium (issue 20, items 1 and 7): a planner of 资源县 makes an order for a
memorial, triages it and assigns it to a crew; the crew, on a phone in another browser context, starts it, uploads
a before and an after photo and finishes it; the crew's actual cost lands while the planner's page is open, so the
planner's "verify" meets a stale version, sees what changed and retries; the order's page then shows the whole
history and both photos, and the board and its map show the order as verified.

With ``VETMAP_SHOTS=<dir>`` the test keeps screenshots at 1440×900 and 390×844 to look at."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import create_account
from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS, WatchedPage, watched_page
from tests.factories import make_site

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

COUNTY = "450329"  # 资源县
PLANNER = "wo-browser-planner"
CREW = "wo-browser-crew"
PASSWORD = "test-work-order-browser-password"  # test accounts' password, made by the test
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
CSP_WATCH = """() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
        window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
    });
}"""


@pytest.fixture(scope="module")
def crew_id(engine: Engine, demo_counts: dict[str, int]) -> int:
    """A planner and a crew of 资源县 who sign in with a password; the crew's account id."""
    with engine.begin() as conn:
        create_account(conn, CLI_ACTOR, PLANNER, PASSWORD, "planner", COUNTY)
        return create_account(conn, CLI_ACTOR, CREW, PASSWORD, "crew", COUNTY).id


@pytest.fixture(scope="module")
def memorial(client: TestClient) -> dict:
    return make_site(client, "memorials", name="浏览器工单纪念碑")


def _shot(page: Page, name: str) -> None:
    where = os.environ.get("VETMAP_SHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(where) / f"{name}.png"), full_page=True)


def _checked(page: Page, name: str, size: dict = DESKTOP) -> None:
    """No CSP violation, no WCAG A/AA rule broken, screenshots at both sizes, no horizontal overflow on a phone."""
    assert page.evaluate("() => window.__cspViolations") == []
    assert axe_violations(page) == []
    page.set_viewport_size(DESKTOP)
    _shot(page, f"{name}-1440x900")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)  # a map fits its area again after a resize
    _shot(page, f"{name}-390x844")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow}px wider than a phone"
    assert axe_violations(page) == []
    page.set_viewport_size(size)


def _sign_in(page: Page, base_url: str, path: str, username: str) -> None:
    page.add_init_script(f"({CSP_WATCH})()")
    page.goto(base_url + path, wait_until="load")
    assert "/login" in page.url
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(path.split("?")[0])), timeout=TIMEOUT_MS)


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return out.getvalue()


def _step(page: Page, to: str):
    return page.locator(f'form.step[data-to="{to}"]')


def _upload(page: Page, stage: str, colour: tuple[int, int, int]) -> None:
    form = page.locator("#photo-form")
    form.locator(f'input[name=stage][value="{stage}"]').check()
    form.locator("#photo-file").set_input_files(
        {"name": f"{stage}.jpg", "mimeType": "image/jpeg", "buffer": _jpeg(colour)}
    )
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"photo={stage}"), timeout=TIMEOUT_MS)


def test_an_order_goes_from_reported_to_verified_with_photos_and_a_stale_retry(
    watched: WatchedPage, browser: Browser, request: pytest.FixtureRequest, crew_id: int, memorial: dict
) -> None:
    page = watched.page
    base = watched.base_url
    page.set_viewport_size(DESKTOP)
    site = f"collection=memorials&site={memorial['id']}"

    # the planner makes an order for the memorial (the board filtered to it leads there)
    _sign_in(page, base, f"/staff/work-orders?{site}", PLANNER)
    expect(page.locator("nav.staff-nav a[aria-current=page]")).to_have_text("工单")
    expect(page.locator("#site-filter")).to_have_text("只看此处：浏览器工单纪念碑")
    expect(page.locator("#totals")).to_contain_text("共 0 个工单")
    page.locator("#new-order").click()
    page.wait_for_url(re.compile(r"/staff/work-orders/new\?"), timeout=TIMEOUT_MS)
    expect(page.locator("#new-site")).to_contain_text("纪念设施 · 浏览器工单纪念碑")
    page.locator("#create-order").click()
    expect(page.locator("#new-title-error")).to_have_text("请填写标题（1–200 字）。")
    page.fill("#new-title", "碑身题字剥落")
    page.fill("#new-cost", "12x")
    page.locator("#create-order").click()
    expect(page.locator("#new-cost-error")).to_contain_text("预估费用须为不小于 0 的金额")
    page.fill("#new-cost", "800")
    page.select_option("#new-priority", "high")
    page.fill("#new-description", "碑身正面“永垂不朽”四字金漆剥落。")
    _checked(page, "work-order-new")
    page.locator("#create-order").click()
    page.wait_for_url(re.compile(r"/staff/work-orders/\d+\?saved=created$"), timeout=TIMEOUT_MS)
    order_id = int(re.search(r"/staff/work-orders/(\d+)", page.url).group(1))
    expect(page.locator("#flash")).to_have_text("工单已创建。")
    expect(page.locator("#order-status")).to_have_text("已上报")
    expect(page.locator('#costs [data-field="cost_estimate"]')).to_have_text("800.00 元")
    expect(page.locator('#facts [data-field="site"] a')).to_have_attribute(
        "href", f"/staff/sites/memorials/{memorial['id']}"
    )

    # a duplicate of an order that does not exist: refused next to its button, in Chinese, nothing changed
    duplicate = _step(page, "duplicate")
    duplicate.locator("input[name=duplicate_number]").fill("99999999")
    duplicate.locator("button").click()
    expect(duplicate.locator(".step-status")).to_have_text("未能保存：没有编号为 99999999 的工单。")
    expect(page.locator("#order-status")).to_have_text("已上报")
    watched.errors.clear()  # the 422 just seen was expected

    # triage, then assign to the crew (chosen among the crews of the area)
    _step(page, "triaged").locator("button").click()
    page.wait_for_url(re.compile(r"moved=triaged"), timeout=TIMEOUT_MS)
    expect(page.locator("#flash")).to_have_text("已保存：工单现在是“已分拣”。")
    assign = _step(page, "assigned")
    assign.locator("button").click()
    expect(assign.locator(".step-status")).to_have_text("请选择一位维护人员。")
    assign.locator("select[name=assigned_to]").select_option(str(crew_id))
    assign.locator("button").click()
    page.wait_for_url(re.compile(r"moved=assigned"), timeout=TIMEOUT_MS)
    expect(page.locator("#order-status")).to_have_text("已派工")
    expect(page.locator('#facts [data-field="assignee"]')).to_have_text(CREW)
    expect(page.locator("#refusals")).to_contain_text("开始施工：由指派的维护人员（或管理员）操作。")
    _checked(page, "work-order-assigned")

    # the crew, on a phone: start, a before photo, an after photo, finish
    with watched_page(browser, base, request, viewport=PHONE) as crew_watch:
        phone = crew_watch.page
        _sign_in(phone, base, f"/staff/work-orders/{order_id}", CREW)
        expect(phone.locator("#order-status")).to_have_text("已派工")
        assert phone.locator("form.step").evaluate_all("(forms) => forms.map((f) => f.dataset.to)") == [
            "in_progress"
        ]
        _step(phone, "in_progress").locator("button").click()
        phone.wait_for_url(re.compile(r"moved=in_progress"), timeout=TIMEOUT_MS)
        expect(phone.locator("#order-status")).to_have_text("处理中")
        phone.locator("#photo-form button[type=submit]").click()
        expect(phone.locator("#photo-status")).to_have_text("请选择一张照片。")
        phone.locator("#photo-file").set_input_files(
            {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo at all"}
        )
        phone.locator("#photo-form button[type=submit]").click()
        expect(phone.locator("#photo-status")).to_have_text(
            "未能保存：文件不是可识别的图片；照片须为 JPEG、PNG 或 WebP 格式（按文件内容判断，不看文件名）"
        )
        crew_watch.errors.clear()  # the 415 just seen was expected
        _upload(phone, "before", (120, 90, 60))
        expect(phone.locator("#flash")).to_have_text("已上传施工前照片。")
        _upload(phone, "after", (200, 180, 40))
        _step(phone, "done").locator("button").click()
        phone.wait_for_url(re.compile(r"moved=done"), timeout=TIMEOUT_MS)
        expect(phone.locator("#order-status")).to_have_text("已完成")
        _checked(phone, "work-order-crew-done", PHONE)

        # the planner opens the finished order; meanwhile the crew enters the actual cost
        page.goto(f"{base}/staff/work-orders/{order_id}", wait_until="load")
        expect(page.locator("#order-status")).to_have_text("已完成")
        phone.fill("#cost-actual", "350")
        phone.locator("#cost-form button[type=submit]").click()
        phone.wait_for_url(re.compile(r"saved=costs"), timeout=TIMEOUT_MS)
        expect(phone.locator('#costs [data-field="cost_actual"]')).to_have_text("350.00 元")

    # verify on the stale page: what changed is shown, then a retry on the latest version
    verify = _step(page, "verified")
    verify.locator("button").click()
    stale = verify.locator(".step-status")
    expect(stale.locator(".stale")).to_contain_text("此工单已被他人修改")
    expect(stale.locator(".stale-changes")).to_have_text("实际费用：— → 350.00 元")
    watched.errors.clear()  # the 412 just seen was expected
    _shot(page, "work-order-stale-1440x900")
    stale.get_by_role("button", name="按最新版本重试").click()
    page.wait_for_url(re.compile(r"moved=verified"), timeout=TIMEOUT_MS)
    expect(page.locator("#flash")).to_have_text("已保存：工单现在是“已验收”。")
    expect(page.locator("#final")).to_contain_text("已结束")

    # the whole history, newest first, and both photos
    history = page.locator("#history > li")
    expect(history).to_have_count(7)
    moves = [m.strip() for m in page.locator("#history .move").all_inner_texts()]
    assert moves == [
        "已完成 → 已验收",
        "处理中 → 已完成",
        "已派工 → 处理中",
        "已分拣 → 已派工",
        "已上报 → 已分拣",
        "创建：已上报",
    ]
    expect(history.nth(1)).to_contain_text("实际费用：— → 350.00 元")
    expect(history.nth(1)).to_contain_text(CREW)
    for stage in ("before", "after"):
        thumbs = page.locator(f'.photo-group[data-stage="{stage}"] img')
        expect(thumbs).to_have_count(1)
        assert thumbs.evaluate("(img) => img.complete && img.naturalWidth > 0")
    _checked(page, "work-order-verified")

    # the same page in English
    page.goto(f"{base}/staff/work-orders/{order_id}?lang=en", wait_until="load")
    expect(page.locator("#order-status")).to_have_text("Verified")
    expect(page.locator("#final")).to_have_text("This order is Verified: it is closed, no step follows.")
    expect(page.locator("#history .move").first).to_have_text("Done → Verified")
    expect(page.locator('#costs [data-field="cost_actual"]')).to_have_text("¥350.00")
    _checked(page, "work-order-verified-en")

    # the board shows it verified, the map shows its dot
    page.goto(f"{base}/staff/work-orders?{site}", wait_until="load")
    expect(page.locator(f'section[data-state="verified"] [data-order="{order_id}"]')).to_be_visible()
    expect(page.locator('.state-counts [data-state="verified"] .n')).to_have_text("1")
    _checked(page, "work-orders-board")
    page.get_by_role("link", name="地图", exact=True).click()
    page.wait_for_url(re.compile(r"view=map"), timeout=TIMEOUT_MS)
    expect(page.locator("path.wo-dot-verified")).to_have_count(1)
    _checked(page, "work-orders-map")
    assert watched.errors == []
