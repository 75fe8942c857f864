"""Campaign pages in a real headless Chromium (issue 20, items 3 and 7): a planner of 资源县 starts a Qingming
campaign for the county from /staff/campaigns, lands on its page with per-township rows and the tasks, finds it in
the list at 0%; starting it again says it exists (with a link to it), a bad year is named next to its field; a task
the crew finishes through the API (assigned by a planner, started and finished by the crew) shows in the progress.

With ``VETMAP_SHOTS=<dir>`` the test keeps screenshots at 1440×900 and 390×844 to look at."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text

from api.app import create_app
from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import create_account
from geo.settings import Settings
from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS, WatchedPage

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

COUNTY = "450329"  # 资源县
YEAR = 2045
PASSWORD = "test-campaign-browser-password"  # test accounts' password, made by the test
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
CSP_WATCH = """() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
        window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
    });
}"""


def signed_in(app: FastAPI, engine: Engine, name: str, role: str, area: str) -> tuple[TestClient, int]:
    """A client signed in through /login as a new account (CSRF header set), and the account's id."""
    with engine.begin() as conn:
        account = create_account(conn, CLI_ACTOR, name, PASSWORD, role, area)
    c = TestClient(app, client=(f"10.82.{account.id % 250}.1", 40000))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    answer = c.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": csrf, "next": "/staff/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/staff/").text).group(1)
    c.headers["X-CSRF-Token"] = token
    return c, account.id


def move(c: TestClient, order_id: int, to: str, **extra) -> None:
    """Move a work order on through the API, at its current version."""
    version = c.get(f"/api/v1/work-orders/{order_id}").json()["version"]
    answer = c.post(
        f"/api/v1/work-orders/{order_id}/transitions",
        json={"to": to, **extra},
        headers={"If-Match": f'W/"{version}"'},
    )
    assert answer.status_code == 200, answer.text


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> FastAPI:
    """An app of its own for the API calls the crew makes (the browser uses the live server)."""
    application = create_app(settings)
    with TestClient(application):
        yield application


@pytest.fixture(scope="module")
def people(app: FastAPI, engine: Engine) -> dict[str, tuple[TestClient, int]]:
    """A planner (who also signs in in the browser) and a crew of 资源县; their campaigns go after the module."""
    with engine.connect() as conn:
        before = conn.execute(text("SELECT coalesce(max(id), 0) FROM campaigns")).scalar_one()
    yield {
        "planner": signed_in(app, engine, "camp-browser-planner", "planner", COUNTY),
        "crew": signed_in(app, engine, "camp-browser-crew", "crew", COUNTY),
    }
    with engine.begin() as conn:
        orders = "SELECT id FROM work_orders WHERE campaign_id > :n"
        conn.execute(text(f"DELETE FROM work_order_history WHERE work_order_id IN ({orders})"), {"n": before})
        conn.execute(text("DELETE FROM work_orders WHERE campaign_id > :n"), {"n": before})
        conn.execute(text("DELETE FROM campaigns WHERE id > :n"), {"n": before})


def _shot(page: Page, name: str) -> None:
    where = os.environ.get("VETMAP_SHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(where) / f"{name}.png"), full_page=True)


def _checked(page: Page, name: str) -> None:
    """No CSP violation, no WCAG A/AA rule broken, screenshots at both sizes, no horizontal overflow on a phone."""
    assert page.evaluate("() => window.__cspViolations") == []
    assert axe_violations(page) == []
    page.set_viewport_size(DESKTOP)
    _shot(page, f"{name}-1440x900")
    page.set_viewport_size(PHONE)
    _shot(page, f"{name}-390x844")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow}px wider than a phone"
    assert axe_violations(page) == []
    page.set_viewport_size(DESKTOP)


def test_a_planner_starts_a_qingming_campaign_and_follows_it(
    watched: WatchedPage, people: dict, engine: Engine
) -> None:
    page = watched.page
    page.add_init_script(f"({CSP_WATCH})()")
    page.set_viewport_size(DESKTOP)
    page.goto(watched.base_url + "/staff/campaigns", wait_until="load")
    assert "/login" in page.url
    page.fill("#username", "camp-browser-planner")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/campaigns$"), timeout=TIMEOUT_MS)
    expect(page.locator("h1")).to_have_text("专项活动")
    expect(page.locator("#start-area")).to_have_value(COUNTY)
    expect(page.locator("#start-kind")).to_have_value("qingming")

    # a bad year is named next to its field; nothing is sent
    page.fill("#start-year", "20")
    page.click("#start-submit")
    expect(page.locator("#start-year-error")).to_have_text("年度须是 2000 至 2100 之间的整数。")
    expect(page.locator("#start-year")).to_have_attribute("aria-invalid", "true")

    # start the county's Qingming campaign: its page, with the tasks per township
    page.fill("#start-year", str(YEAR))
    page.click("#start-submit")
    page.wait_for_url(re.compile(r"/staff/campaigns/\d+\?started=\d+$"), timeout=TIMEOUT_MS)
    campaign_id = int(re.search(r"/staff/campaigns/(\d+)", page.url).group(1))
    with engine.connect() as conn:
        total = conn.execute(
            text("SELECT count(*) FROM work_orders WHERE campaign_id = :c"), {"c": campaign_id}
        ).scalar_one()
        townships = conn.execute(
            text(
                "SELECT count(DISTINCT left(area_code, 9)) FROM work_orders WHERE campaign_id = :c "
                "AND length(area_code) >= 9"
            ),
            {"c": campaign_id},
        ).scalar_one()
    assert total > 2 and townships >= 2
    expect(page.locator("#flash")).to_have_text(f"活动已发起：生成了 {total} 项任务。")
    expect(page.locator("h1")).to_contain_text(f"{YEAR}年清明祭扫")
    expect(page.locator("#overall .bar-text")).to_have_text(f"0/{total}（0%）")
    expect(page.locator("#by-part tbody tr")).to_have_count(townships)
    expect(page.locator("#by-crew tbody tr")).to_have_count(1)
    expect(page.locator("#by-crew tbody tr th")).to_have_text("未派工")
    expect(page.locator("#task-table tbody tr")).to_have_count(min(total, 100))
    _checked(page, "campaign-started")

    # the list: the campaign at 0%
    page.locator("a.back").click()
    page.wait_for_url(re.compile(r"/staff/campaigns$"), timeout=TIMEOUT_MS)
    row = page.locator(f'tr[data-campaign="{campaign_id}"]')
    expect(row.locator("th a")).to_have_text(f"{YEAR}年清明祭扫")
    expect(row.locator(".bar-text")).to_have_text(f"0/{total}（0%）")

    # the same again: a sentence that it exists, and the way to it
    page.fill("#start-year", str(YEAR))
    page.click("#start-submit")
    expect(page.locator("#start-status")).to_contain_text("不能重复发起", timeout=TIMEOUT_MS)
    expect(page.locator("#existing-campaign")).to_have_attribute("href", f"/staff/campaigns/{campaign_id}")
    # an area outside mine (a tampered form) is refused with a sentence, nothing made
    page.evaluate("() => { document.querySelector('#start-area').options[0].value = '450102'; }")
    page.click("#start-submit")
    expect(page.locator("#start-status")).to_contain_text("不能为该区域发起活动", timeout=TIMEOUT_MS)
    assert all("409" in e or "403" in e for e in watched.errors), watched.errors
    watched.errors.clear()  # the 409 and 403 just seen were expected
    page.reload(wait_until="load")
    page.fill("#start-year", str(YEAR))
    page.click("#start-submit")
    expect(page.locator("#existing-campaign")).to_be_visible(timeout=TIMEOUT_MS)
    watched.errors.clear()  # the 409 again
    _checked(page, "campaigns-list")

    # a crew finishes one task through the API; the progress shows it
    planner, _ = people["planner"]
    crew, crew_id = people["crew"]
    with engine.connect() as conn:
        order_id, township = conn.execute(
            text(
                "SELECT w.id, a.name FROM work_orders w JOIN areas a ON a.level = 'township' "
                "AND left(a.code, 9) = left(w.area_code, 9) WHERE w.campaign_id = :c ORDER BY w.id LIMIT 1"
            ),
            {"c": campaign_id},
        ).one()
    move(planner, order_id, "assigned", assigned_to=crew_id)
    move(crew, order_id, "in_progress")
    move(crew, order_id, "done")
    page.locator("#existing-campaign").click()
    page.wait_for_url(re.compile(rf"/staff/campaigns/{campaign_id}$"), timeout=TIMEOUT_MS)
    expect(page.locator("#overall .bar-text")).to_have_text(f"1/{total}（{100 // total}%）")
    crew_row = page.locator("#by-crew tbody tr", has_text="camp-browser-crew")
    expect(crew_row.locator(".bar-text")).to_have_text("1/1（100%）")
    part_row = page.locator("#by-part tbody tr", has_text=township)
    expect(part_row.locator(".bar-text")).to_contain_text("1/")

    # reach the task: the filter by state shows it, with who and when, linked to the order and the site
    page.select_option("#f-status", "done")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"status=done"), timeout=TIMEOUT_MS)
    rows = page.locator("#task-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").nth(3)).to_have_text("camp-browser-crew")
    expect(rows.first.locator(".status")).to_have_text("已完成")
    expect(rows.first.locator("td a").first).to_have_attribute("href", f"/staff/work-orders/{order_id}")
    expect(rows.first.locator("th a")).to_have_attribute("href", re.compile(r"^/staff/sites/\w+/\d+$"))
    _checked(page, "campaign-done-task")

    page.goto(watched.base_url + f"/staff/campaigns/{campaign_id}?lang=en", wait_until="load")
    expect(page.locator("h1")).to_contain_text(f"Qingming {YEAR}")
    expect(page.locator("#h-parts")).to_have_text("Progress by township")
    _checked(page, "campaign-en")
    page.locator("a.back").click()
    page.wait_for_url(re.compile(r"/staff/campaigns\?lang=en$"), timeout=TIMEOUT_MS)
    expect(page.locator(f'tr[data-campaign="{campaign_id}"] th a')).to_have_text(f"Qingming {YEAR}")
    expect(page.locator("#h-start")).to_have_text("Start a campaign")
    _checked(page, "campaigns-en")
    watched.assert_clean()
