"""The accounts and audit pages in a real headless Chromium (issue 20, item 6): an admin of 资源县 creates an
account (a refusal outside the county first), issues it an API token shown once that works as a bearer token,
revokes it, disables the account, then finds those actions in /staff/audit filtered by record, before and after.

With ``VETMAP_SHOTS=<dir>`` the test keeps screenshots at 1440×900 and 390×844 to look at."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine

from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS, WatchedPage
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
OTHER_COUNTY = "450102"  # 兴宁区
TOWNSHIP = "450329001"
ADMIN = "accounts-browser-admin"
PASSWORD = "test-accounts-browser-password"  # a test account's password, made by the test
NEW = "browser-crew-1"


@pytest.fixture(scope="module")
def admin(engine: Engine, demo_counts: dict[str, int]) -> str:
    """An admin of 资源县 who signs in with a password."""
    make_account(engine, ADMIN, PASSWORD, "admin", COUNTY)
    return ADMIN


def _checked(wp: WatchedPage, name: str) -> None:
    """No CSP violation, no WCAG A/AA rule broken, screenshots, and no horizontal overflow on a phone."""
    page = wp.page
    assert_no_csp_violation(page)
    assert axe_violations(page) == []
    shot(page, f"{name}-1440x900")
    page.set_viewport_size(PHONE)
    shot(page, f"{name}-390x844")
    assert_fits(page, name)
    assert axe_violations(page) == []
    page.set_viewport_size(DESKTOP)


def _me(base_url: str, token: str) -> tuple[int, dict]:
    """GET /api/v1/auth/me with the bearer token only (no cookie): status and JSON."""
    request = urllib.request.Request(
        base_url + "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def _diff(entry) -> dict[str, tuple[str, str]]:
    """Field → (before, after) of an entry's table as the page shows it."""
    rows = {}
    for row in entry.locator("tr[data-field]").all():
        rows[row.get_attribute("data-field")] = (
            row.locator("td.before").inner_text().strip(),
            row.locator("td.after").inner_text().strip(),
        )
    return rows


def test_an_admin_creates_an_account_issues_and_revokes_a_token_disables_it_and_reads_the_audit(
    watched: WatchedPage, admin: str
) -> None:
    page = watched.page
    watch_csp(page)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=watched.base_url)
    page.on("dialog", lambda dialog: dialog.accept())
    page.set_viewport_size(DESKTOP)
    page.goto(watched.base_url + "/staff/accounts", wait_until="load")
    assert "/login" in page.url
    fill_sign_in(page, admin, PASSWORD)
    page.wait_for_url(re.compile(r"/staff/accounts$"), timeout=TIMEOUT_MS)
    expect(page).to_have_title(re.compile("账号与 API 令牌"))
    expect(page.locator("nav.staff-nav a[aria-current=page]")).to_have_text("账号")
    expect(page.locator("#account-rows")).to_contain_text(admin)
    _checked(watched, "accounts")

    # outside my county: refused, the sentence under the area field, nothing made
    form = page.locator("#create-account")
    form.locator("#new-username").fill(NEW)
    form.locator("#new-area").fill(OTHER_COUNTY)
    form.locator("button[type=submit]").click()
    expect(form.locator("#new-area-error")).to_have_text(
        f"您只能管理 {COUNTY} 内的账号和令牌，{OTHER_COUNTY} 不在其中"
    )
    expect(page.locator("#created")).to_be_hidden()
    watched.errors.clear()  # the 403 just seen was expected

    # a bad username is caught before sending
    form.locator("#new-username").fill("张三")
    form.locator("#new-area").fill(COUNTY)
    form.locator("button[type=submit]").click()
    expect(form.locator("#new-username-error")).to_contain_text("用户名为 1–64 个字符")

    listed = int(page.locator("#account-count").get_attribute("data-n"))
    form.locator("#new-username").fill(NEW)
    form.locator("#new-role").select_option("crew")
    form.locator("button[type=submit]").click()
    created = page.locator("#created")
    expect(created).to_be_visible()
    expect(created.locator(".outcome-title")).to_have_text(f"账号 {NEW} 已创建。")
    secret = created.locator("#new-password-secret")
    expect(secret.locator(".secret-label")).to_have_text("新密码（只显示这一次）")
    expect(secret.locator(".secret-value")).to_have_text(re.compile(r"^[a-z2-9]{4}(-[a-z2-9]{4}){3}$"))
    expect(secret.locator(".warning")).to_contain_text("关闭或刷新本页后将无法再次查看")
    expect(form.locator("#new-username-error")).to_be_hidden()
    new_row = page.locator("#account-rows tr", has_text=NEW)
    expect(new_row).to_contain_text("维护人员")
    expect(new_row).to_contain_text("资源县 (450329)")
    expect(page.locator("#account-count")).to_have_text(f"共 {listed + 1} 个账号")
    _checked(watched, "accounts-created")

    created.locator(".outcome-link").click()
    page.wait_for_url(re.compile(r"/staff/accounts/\d+$"), timeout=TIMEOUT_MS)
    account_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("h1")).to_have_text(f"账号 {NEW}")
    expect(page.locator(".tokens-empty")).to_have_text("该账号还没有 API 令牌。")

    # role and area: outside my county refused next to the area; a township of it accepted
    role_area = page.locator("#role-area")
    role_area.locator("#edit-area").fill(OTHER_COUNTY)
    role_area.locator("button[type=submit]").click()
    expect(role_area.locator("#edit-area-error")).to_have_text(
        f"您只能管理 {COUNTY} 内的账号和令牌，{OTHER_COUNTY} 不在其中"
    )
    watched.errors.clear()  # the 403 just seen was expected
    role_area.locator("#edit-role").select_option("planner")
    role_area.locator("#edit-area").fill(TOWNSHIP)
    role_area.locator("button[type=submit]").click()
    expect(role_area.locator(".status")).to_have_text("已保存。")
    expect(role_area.locator("#edit-area-error")).to_be_hidden()
    expect(page.locator('[data-show="role"]')).to_have_text("规划人员")
    expect(page.locator('[data-show="area"]')).to_contain_text(f"({TOWNSHIP})")

    # issue a token: shown once, copied, works as a bearer token
    issue = page.locator("#issue-token")
    issue.locator("#token-name").fill("县档案系统同步")
    issue.locator("#token-expires").fill("2020-01-01")
    issue.locator("button[type=submit]").click()
    expect(issue.locator("#token-expires-error")).to_have_text("到期日期不能早于今天（北京时间）")
    expect(page.locator("#token-secret")).to_be_hidden()
    issue.locator("#token-expires").fill("2099-12-31")
    issue.locator("button[type=submit]").click()
    expect(issue.locator(".status")).to_have_text("令牌 县档案系统同步 已签发。")
    token_box = page.locator("#token-secret")
    expect(token_box).to_be_visible()
    expect(token_box.locator(".secret-label")).to_have_text("新 API 令牌（只显示这一次）")
    expect(token_box.locator(".secret-use")).to_contain_text("Authorization: Bearer")
    token = token_box.locator(".secret-value").inner_text().strip()
    assert token.startswith("vmt_") and len(token) > 40
    token_box.locator("button.copy").click()
    expect(token_box.locator(".copy-status")).to_have_text("已复制到剪贴板。")
    assert page.evaluate("() => navigator.clipboard.readText()") == token
    row = page.locator("#token-rows tr", has_text="县档案系统同步")
    expect(row).to_contain_text("有效")
    expect(row).to_contain_text("2099-12-31 23:59")
    expect(row.locator("code")).to_have_text(token[:12] + "…")
    token_id = int(row.get_attribute("data-token"))
    status, me = _me(watched.base_url, token)
    assert status == 200 and me["username"] == NEW and me["role"] == "planner" and me["area_code"] == TOWNSHIP
    _checked(watched, "account-token")

    # revoke it: it stops working
    row.get_by_role("button", name="吊销令牌 县档案系统同步").click()
    expect(page.locator(".tokens-status")).to_have_text("令牌 县档案系统同步 已吊销。")
    expect(row).to_contain_text("已吊销")
    expect(row.locator("button")).to_have_count(0)
    expect(row.get_by_role("link", name="令牌 县档案系统同步 的审计记录")).to_have_attribute(
        "href", f"/staff/audit?collection=api_tokens&record={token_id}"
    )
    status, refused = _me(watched.base_url, token)
    assert status == 401 and "revoked" in refused["detail"]

    # disable the account
    state = page.locator("#state")
    state.locator("#state-button").click()
    expect(state.locator(".status")).to_have_text("账号已停用，其 API 令牌已吊销。")
    expect(page.locator('[data-show="state"]')).to_have_text("已停用")
    expect(state.locator("#state-button")).to_have_text("重新启用账号")
    # a token for a disabled account: refused next to the button, in Chinese
    issue.locator("#token-name").fill("再来一个")
    issue.locator("button[type=submit]").click()
    expect(issue.locator(".status")).to_have_text("账号已停用，不能签发令牌。")
    shot(watched.page, "account-disabled-1440x900")

    # the audit log of this account: its creation and its disabling, before and after
    page.get_by_role("link", name="查看该账号的审计记录").click()
    page.wait_for_url(
        re.compile(rf"/staff/audit\?collection=accounts&record={account_id}$"), timeout=TIMEOUT_MS
    )
    expect(page.locator("nav.staff-nav a[aria-current=page]")).to_have_text("审计日志")
    entries = page.locator("li.entry")
    expect(entries).to_have_count(3)
    expect(entries.nth(0).locator("h2")).to_have_text(f"修改 账号 #{account_id} {NEW}")
    expect(entries.nth(0).locator(".meta")).to_contain_text(f"{ADMIN}（管理员）")
    assert _diff(entries.nth(0)) == {"disabled": ("否", "是")}
    assert _diff(entries.nth(1)) == {"role": ("维护人员", "规划人员"), "area_code": (COUNTY, TOWNSHIP)}
    expect(entries.nth(2).locator("h2")).to_have_text(f"新建 账号 #{account_id} {NEW}")
    assert _diff(entries.nth(2))["username"] == ("—", NEW)
    _checked(watched, "audit-account")

    # the token's record, through the filters
    page.select_option("#f-collection", "api_tokens")
    page.fill("#f-record", str(token_id))
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(rf"collection=api_tokens&record={token_id}"), timeout=TIMEOUT_MS)
    expect(entries).to_have_count(2)
    expect(entries.nth(0).locator("h2")).to_have_text(f"吊销 API 令牌 #{token_id} 县档案系统同步")
    before, after = _diff(entries.nth(0))["revoked_at"]
    assert before == "（空）" and re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", after)
    expect(entries.nth(1).locator("h2")).to_have_text(f"新建 API 令牌 #{token_id} 县档案系统同步")
    assert _diff(entries.nth(1))["name"] == ("—", "县档案系统同步")
    _checked(watched, "audit-token")

    # a bad filter: the sentence next to its field
    page.fill("#f-record", "abc")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#f-record-error")).to_have_text("记录编号为正整数")
    watched.errors.clear()  # the page answered 400, as it should

    page.goto(watched.base_url + f"/staff/audit?collection=accounts&record={account_id}&lang=en")
    expect(page.locator("li.entry").nth(0).locator("h2")).to_have_text(
        f"Changed Accounts #{account_id} {NEW}"
    )
    shot(watched.page, "audit-en-1440x900")
    page.goto(watched.base_url + f"/staff/accounts/{account_id}?lang=en")
    expect(page.locator("#state-button")).to_have_text("Enable the account again")
    expect(page.locator("#token-rows tr").first).to_contain_text("Revoked")
    shot(watched.page, "account-en-1440x900")
    watched.assert_clean()
