"""A whole day with no signal, in a real headless Chromium on a phone (issue 21, item 1): a crew of 资源县 opens the
task list once with signal, the service worker keeps the area, then with the network cut off the task list and a site
page never opened on this phone both open (not the browser's offline error), say they are the phone's copy, reload;
a page never kept says so; back online the note says so; signing out clears what the phone kept, and so does a
session ended on the server.

Service workers need their own browser context (the suite's ``watched`` page blocks them); requests can only go to
the live server on 127.0.0.1. With ``VETMAP_SHOTS=<dir>`` the pages are photographed offline and online at 390×844
and 320 wide, and what the county's offline data weighs is written to ``<dir>/crew_offline_weight.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import Engine, text

from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS
from tests.staff_pages import (
    PHONE,
    assert_fits,
    assert_no_csp_violation,
    fill_sign_in,
    make_account,
    shot,
    watch_csp,
)
from tests.upkeep.work_order_setup import make_assigned_order

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

COUNTY = "450329"  # 资源县
USERNAME = "crew-offline-browser"
PASSWORD = "test-crew-offline-password"  # a test account's password, made by the test
STANDING = {"longitude": 110.6401, "latitude": 26.0402, "accuracy": 12}
NARROW = {"width": 320, "height": 700}
WARM_TIMEOUT_MS = 120_000
ORDER_TITLE = "离线测试工单：围栏松动"

# Everything the phone keeps in Cache Storage, per cache: entries and bytes (bodies as stored).
WEIGHT = """async () => {
    const out = {};
    for (const name of await caches.keys()) {
        if (!name.startsWith("vetmap-crew-")) { continue; }
        const cache = await caches.open(name);
        let bytes = 0, entries = 0, bundle = 0;
        for (const request of await cache.keys()) {
            const size = (await (await cache.match(request)).blob()).size;
            bytes += size; entries += 1;
            if (new URL(request.url).pathname === "/api/v1/me/offline") { bundle += size; }
        }
        out[name] = {entries, bytes, bundle};
    }
    return out;
}"""


KEPT = "async () => (await caches.keys()).filter((n) => n.startsWith('vetmap-crew-'))"
"""JS: the names of the caches the crew app keeps on the phone."""


KEPT_PATHS = """async () => {
    const paths = [];
    for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) { paths.push(new URL(request.url).pathname); }
    }
    return paths;
}"""
"""JS: the path of every URL kept in Cache Storage."""


@pytest.fixture(scope="module")
def crew(engine: Engine, demo_counts: dict[str, int]) -> int:
    """A crew of 资源县 who signs in with a password."""
    return make_account(engine, USERNAME, PASSWORD, "crew", COUNTY).id


def _site_never_opened(engine: Engine) -> tuple[str, int, str]:
    """A cemetery (else a grave) of the county: the test opens only the task list before going offline."""
    with engine.connect() as conn:
        for collection in ("cemeteries", "graves", "memorials"):
            row = conn.execute(
                text(f"SELECT id, name FROM {collection} WHERE area_code LIKE :p ORDER BY id LIMIT 1"),
                {"p": COUNTY + "%"},
            ).first()
            if row is not None:
                return collection, row.id, row.name
    raise AssertionError("the demo county has no site")


def _area_size(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT (SELECT count(*) FROM memorials WHERE area_code LIKE :p) + "
                "(SELECT count(*) FROM cemeteries WHERE area_code LIKE :p) + "
                "(SELECT count(*) FROM graves WHERE area_code LIKE :p)"
            ),
            {"p": COUNTY + "%"},
        ).scalar_one()


def _assigned_order(client: TestClient, collection: str, site_id: int, crew: int) -> int:
    """A repair at the site, assigned to the crew: its id."""
    return make_assigned_order(client, site_id, crew, ORDER_TITLE, collection)["id"]


NO_SIGNAL_NOTE = "无信号时填写的巡查"


def _inspections(engine: Engine, notes: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM inspections WHERE notes = :n"), {"n": notes}
        ).scalar_one()


def _errors(page: Page, into: list[str]) -> None:
    page.on("pageerror", lambda exc: into.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda m: (
            into.append(f"console: {m.text}")
            if m.type == "error" and "ERR_INTERNET_DISCONNECTED" not in m.text
            else None
        ),
    )


def _offline_note(page: Page) -> None:
    note = page.locator("#data-as-of")
    expect(note).to_be_visible()
    expect(note).to_have_text(re.compile(r"^离线：显示的是 (今天 )?\S*\d\d:\d\d 的数据$"))


def _looks_right(page: Page, name: str) -> None:
    assert_no_csp_violation(page)
    assert axe_violations(page) == []
    assert_fits(page, name)
    shot(page, f"crew-offline-{name}-390", full_page=False)
    page.set_viewport_size(NARROW)
    assert_fits(page, name, "a 320 px phone")
    shot(page, f"crew-offline-{name}-320", full_page=False)
    page.set_viewport_size(PHONE)


def test_the_task_list_and_a_site_never_opened_open_with_no_signal(
    browser: Browser, live_server: str, engine: Engine, client: TestClient, crew: int
) -> None:
    collection, site_id, site_name = _site_never_opened(engine)
    order_id = _assigned_order(client, collection, site_id, crew)
    context = browser.new_context(viewport=PHONE, service_workers="allow", locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    context.grant_permissions(["geolocation"], origin=live_server)
    context.set_geolocation(STANDING)
    errors: list[str] = []
    try:
        page = context.new_page()
        watch_csp(page)
        _errors(page, errors)
        page.goto(live_server + "/crew", wait_until="load")
        fill_sign_in(page, USERNAME, PASSWORD)
        page.wait_for_url(re.compile(r"/crew\?lon=110\.64\d*&lat=26\.04\d*$"))

        # online: the worker keeps the area, and the header says how fresh it is
        started = time.monotonic()
        expect(page.locator("html")).to_have_attribute("data-crew-offline", "ready", timeout=WARM_TIMEOUT_MS)
        warm_s = round(time.monotonic() - started, 1)
        expect(page.locator("#data-as-of")).to_have_text(re.compile(r"^数据更新于 今天 \d\d:\d\d$"))
        # only the crew app is kept: never the caller's session, a public page or any other API
        page.evaluate(
            "() => Promise.all(['/api/v1/auth/me', '/', '/api/v1/memorials?limit=1'].map((u) => fetch(u)))"
        )
        paths = page.evaluate(KEPT_PATHS)
        assert paths and all(
            re.match(r"^/(crew(/|$)|api/v1/me/|static/crew/|static/vendor/)", p) for p in paths
        ), paths
        weight = page.evaluate(WEIGHT)
        pages = weight["vetmap-crew-pages-v1"]
        assert pages["entries"] >= _area_size(engine) + 3  # every site page, the list, the map, the fallback
        assert weight["vetmap-crew-api-v1"]["bundle"] > 0
        _looks_right(page, "tasks-online")
        where = os.environ.get("VETMAP_SHOTS")
        if where:
            report = {"sites": _area_size(engine), "warm_up_s_after_sorting": warm_s, "caches": weight}
            Path(where, "crew_offline_weight.json").write_text(json.dumps(report, indent=2))

        # a crew reading English keeps the English pages too
        page.goto(live_server + "/crew?lang=en", wait_until="load")
        page.wait_for_url(re.compile(r"/crew\?lang=en&lon="))
        expect(page.locator("html")).to_have_attribute("data-crew-offline", "ready", timeout=WARM_TIMEOUT_MS)
        expect(page.locator("#data-as-of")).to_have_text(re.compile(r"^Data as of today \d\d:\d\d$"))

        # no signal: the task list opens from the phone, sorted as kept (not reloaded for ever for a position)
        context.set_offline(True)
        page.goto(live_server + "/crew", wait_until="load")
        expect(page.locator("h1")).to_have_text("我的任务")
        _offline_note(page)
        page.wait_for_timeout(1500)
        assert page.url == live_server + "/crew"
        assert page.locator("li.task").count() > 0
        _looks_right(page, "tasks-offline")

        # a site of the area this phone never opened
        page.goto(f"{live_server}/crew/{collection}/{site_id}", wait_until="load")
        expect(page.locator("h1")).to_contain_text(site_name)
        _offline_note(page)
        page.reload(wait_until="load")
        expect(page.locator("h1")).to_contain_text(site_name)
        _offline_note(page)
        _looks_right(page, "site-offline")

        # an inspection made on that page with no signal is kept on the phone, said at the button
        page.locator("fieldset[data-category] label.choice").nth(3).click()
        page.fill("#notes", NO_SIGNAL_NOTE)
        page.click("#submit")
        expect(page.locator("#outbox-count")).to_contain_text("1")
        assert _inspections(engine, NO_SIGNAL_NOTE) == 0

        # my work order and the task map, never opened either
        page.goto(f"{live_server}/crew/work-orders/{order_id}", wait_until="load")
        expect(page.locator("h1")).to_have_text(ORDER_TITLE)
        _offline_note(page)
        shot(page, "crew-offline-order-offline-390", full_page=False)
        page.goto(f"{live_server}/crew/map", wait_until="load")
        expect(page.locator("h1")).to_have_text("任务地图")
        _offline_note(page)
        shot(page, "crew-offline-map-offline-390", full_page=False)

        page.goto(f"{live_server}/crew/{collection}/{site_id}?lang=en", wait_until="load")
        expect(page.locator("h1")).to_contain_text(site_name)
        expect(page.locator("#data-as-of")).to_have_text(
            re.compile(r"^Offline: showing data of today \d\d:\d\d$")
        )

        # a page the phone never kept says so, with the way back
        page.goto(f"{live_server}/crew/{collection}/999999999", wait_until="load")
        expect(page.locator("h1")).to_have_text("此页未保存在本机")
        expect(page.locator("a.back")).to_have_attribute("href", "/crew")

        # back online: the kept page says a reload brings the latest; a reload is the network's page again
        page.goto(f"{live_server}/crew/{collection}/{site_id}", wait_until="load")
        context.set_offline(False)
        expect(page.locator("#data-as-of")).to_have_text("已恢复网络：刷新本页可看最新数据")
        # the inspection made offline arrives once the signal is back, and only once
        deadline = time.monotonic() + 30
        while _inspections(engine, NO_SIGNAL_NOTE) == 0 and time.monotonic() < deadline:
            page.wait_for_timeout(500)
        page.reload(wait_until="load")
        page.wait_for_timeout(2000)  # a reload makes another send round: nothing more may arrive
        assert _inspections(engine, NO_SIGNAL_NOTE) == 1
        expect(page.locator("#outbox-count")).to_contain_text("0")
        page.reload(wait_until="load")
        expect(page.locator("html")).to_have_attribute("data-crew-offline", "ready", timeout=WARM_TIMEOUT_MS)
        expect(page.locator("#data-as-of")).to_have_text(re.compile(r"^数据更新于 今天 \d\d:\d\d$"))
        kept = page.evaluate("() => JSON.parse(localStorage.getItem('vetmap-crew-offline')).kept")
        # only what the inspection changed is fetched again (that site's page and answer, the task list)
        assert kept["fetched"] <= 4 and kept["total"] > _area_size(engine)
        _looks_right(page, "site-online")

        # signing out clears what the phone kept: offline again, the area is gone
        page.click("form.signout button")
        page.wait_for_url(re.compile(r"/login"))
        assert page.evaluate(KEPT) == []
        assert page.evaluate("() => localStorage.getItem('vetmap-crew-offline')") is None
        context.set_offline(True)
        with contextlib.suppress(PlaywrightError):  # the browser's own offline error: nothing of the area
            page.goto(f"{live_server}/crew/{collection}/{site_id}", wait_until="load")
        page.wait_for_load_state("load")
        expect(page.locator("body")).not_to_contain_text(site_name)
        context.set_offline(False)

        # a session ended on the server (expired, or signed out elsewhere): the next crew page the phone opens is
        # the sign-in page, and the worker forgets the area
        page.goto(live_server + "/crew", wait_until="load")
        fill_sign_in(page, USERNAME, PASSWORD)
        page.wait_for_url(re.compile(r"/crew\?lon="))
        expect(page.locator("html")).to_have_attribute("data-crew-offline", "ready", timeout=WARM_TIMEOUT_MS)
        assert page.evaluate(KEPT) != []
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM web_sessions WHERE account_id = :id"), {"id": crew})
        page.goto(f"{live_server}/crew/{collection}/{site_id}", wait_until="load")
        assert "/login" in page.url
        page.wait_for_function(f"async () => ({KEPT})().then((left) => left.length === 0)")
        assert errors == []
    finally:
        context.close()
