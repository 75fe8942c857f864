"""The crews' phone pages in a real headless Chromium, with the internet cut off: sign in, tasks nearest first,
an inspection filled in and submitted while offline, kept in the outbox and sent once back online, exactly once.

Uses the `watched` page of tests/browser_pages.py (every request leaving 127.0.0.1 is aborted, recorded and fails
the test; a failed test keeps a screenshot).
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect
from sqlalchemy import Engine, text

from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import create_account
from tests.browser_pages import TIMEOUT_MS, WatchedPage
from tests.factories import image, make_site_at

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

COUNTY = "450329"  # 资源县
USERNAME = "crew-browser"
PASSWORD = "test-crew-browser-password"  # a test account's password, made by the test
STANDING = {"longitude": 110.6401, "latitude": 26.0402, "accuracy": 12}
SITE_POINT = (110.6405, 26.0405)
PHONE = {"width": 390, "height": 844}
OFFLINE = "ERR_INTERNET_DISCONNECTED"
# monument 3, structure 4, paths 2, greenery 4, signage not applicable, enclosure 4, cleanliness 3:
# (25·3 + 20·4 + 10·2 + 10·4 + 10·4 + 15·3) / (4 · 90) = 300 / 360 → 83 (fair)
CHOICES = {
    "monument": "3",
    "structure": "4",
    "paths": "2",
    "greenery": "4",
    "signage": "na",
    "enclosure": "4",
    "cleanliness": "3",
}
INDEX = 83


@pytest.fixture(scope="module")
def crew_account(engine: Engine, demo_counts: dict[str, int]) -> int:
    """A crew of 资源县 who signs in with a password."""
    with engine.begin() as conn:
        return create_account(conn, CLI_ACTOR, USERNAME, PASSWORD, "crew", COUNTY).id


def _inspections(engine: Engine, site_id: int) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, condition_index, client_key, notes, position_accuracy_m, infrastructure_complete "
                "FROM inspections WHERE collection = 'memorials' AND site_id = :id"
            ),
            {"id": site_id},
        )
        return [dict(r._mapping) for r in rows]


def _photos(engine: Engine, inspection_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM photos WHERE inspection_id = :id"), {"id": inspection_id}
        ).scalar_one()


def _sign_in(wp: WatchedPage) -> None:
    page = wp.page
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["geolocation"], origin=wp.base_url)
    page.context.set_geolocation(STANDING)
    page.goto(wp.base_url + "/crew", wait_until="load")
    assert "/login" in page.url  # not signed in: the sign-in page, which brings us back
    page.fill("#username", USERNAME)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    # back on /crew, which asks for the position and reloads nearest first
    page.wait_for_url(re.compile(r"/crew\?lon=110\.64\d*&lat=26\.04\d*$"), timeout=TIMEOUT_MS)


def _fill_form(wp: WatchedPage) -> None:
    page = wp.page
    for category, value in CHOICES.items():
        page.locator(f'fieldset[data-category="{category}"] label:has(input[value="{value}"])').click()
    page.locator('label.check:has(input[name="infrastructure_complete"])').click()
    page.fill("#notes", "离线填写的巡查")
    expect(page.locator("#position")).to_contain_text("精度约 12 米")
    page.set_input_files(
        "#photos",
        files=[
            {"name": "front.png", "mimeType": "image/png", "buffer": image("PNG", (64, 48), "red")},
            {"name": "back.png", "mimeType": "image/png", "buffer": image("PNG", (64, 48), "blue")},
        ],
    )


def _see_on_the_upkeep_map(wp: WatchedPage, title: str, index: str, status: str, band: str) -> None:
    """Open /upkeep as the signed-in crew, click the site's dot: its colour band and popup show its condition."""
    from web.upkeep.map import CONDITION_COLOURS

    page = wp.page
    page.set_viewport_size({"width": 1280, "height": 800})
    wp.open("/upkeep")
    expect(page).to_have_title(re.compile("养护地图"))
    page.locator("#map, .folium-map").first.scroll_into_view_if_needed()
    target = wp.centre_on_marker(title, zoom=18)
    wp.settle()
    dot = page.locator(f"path.vetmap-upkeep-{band}")
    expect(dot.first).to_be_attached()
    page.mouse.click(target["x"], target["y"])
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator(".vetmap-popup-title")).to_have_text(title)
    expect(popup).to_contain_text(f"状况指数{index}")
    expect(popup).to_contain_text(f"维护状况{status}")
    hit = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).getAttribute('class')", [target["x"], target["y"]]
    )
    assert f"vetmap-upkeep-{band}" in (hit or ""), hit
    fill = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).getAttribute('fill')", [target["x"], target["y"]]
    )
    assert fill == CONDITION_COLOURS[band]


def _errors_but_offline(wp: WatchedPage) -> list[str]:
    """The page's errors but for requests that failed because the page was offline, or an outbox send that Chromium
    cut off as the network came back (the outbox keeps the item and sends it again: the test counts one inspection)."""
    return [
        e
        for e in wp.errors
        if OFFLINE not in e
        and not (e.startswith("request failed:") and "/inspections" in e and "ERR_ABORTED" in e)
    ]


def test_crew_inspects_offline_and_the_outbox_sends_it_once(
    watched: WatchedPage,
    client: TestClient,
    engine: Engine,
    crew_account: int,
) -> None:
    site = make_site_at(client, "memorials", SITE_POINT, name="浏览器巡查纪念碑")
    page = watched.page
    _sign_in(watched)
    expect(page.locator("#order-note")).to_have_text("由近及远排序")
    task = page.locator(f'li.task[data-site-id="{site["id"]}"]')
    expect(task).to_contain_text("浏览器巡查纪念碑")
    expect(task).to_contain_text("从未巡查")
    expect(task.locator(".distance")).to_have_text(re.compile(r"^\d+米$"))
    box = task.bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] > 300  # a thumb-sized target
    task.locator("a").click()
    page.wait_for_url(re.compile(rf"/crew/memorials/{site['id']}$"))
    expect(page.locator('dd[data-field="last_inspected_on"]')).to_have_text("从未")
    expect(page.locator("#outbox-count")).to_have_text("0 条待发送")

    choice = page.locator('fieldset[data-category="monument"] label.choice span').first.bounding_box()
    assert choice is not None and choice["height"] >= 44  # score buttons a thumb can hit
    _fill_form(watched)
    page.context.set_offline(True)
    page.click("#submit")
    expect(page.locator("#outbox-count")).to_have_text("1 条待发送")
    expect(page.locator("#message")).to_contain_text("已保存在本机")
    expect(page.locator("#outbox-list li")).to_have_count(1)
    assert _inspections(engine, site["id"]) == []  # nothing reached the server
    page.wait_for_timeout(500)

    page.context.set_offline(False)  # the `online` event sends the outbox
    expect(page.locator("#outbox-count")).to_have_text("0 条待发送", timeout=45_000)
    expect(page.locator("#message")).to_have_text(f"已发送，状况指数 {INDEX}。")
    expect(page.locator('dd[data-field="condition_index"]')).to_have_text(str(INDEX))
    expect(page.locator('dd[data-field="upkeep_status"]')).to_have_text("一般")
    expect(page.locator("#refused")).to_be_hidden()

    found = _inspections(engine, site["id"])
    assert len(found) == 1, found
    assert found[0]["condition_index"] == INDEX and found[0]["client_key"] is not None
    assert found[0]["notes"] == "离线填写的巡查" and found[0]["infrastructure_complete"] is True
    assert found[0]["position_accuracy_m"] == 12
    assert _photos(engine, found[0]["id"]) == 2

    # the outbox is empty after a reload, and the page shows the site's new condition
    page.reload(wait_until="load")
    expect(page.locator("#outbox-count")).to_have_text("0 条待发送")
    expect(page.locator('dd[data-field="condition_index"]')).to_have_text(str(INDEX))
    expect(page.locator('dd[data-field="last_inspected_on"]')).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d$"))
    assert len(_inspections(engine, site["id"])) == 1

    # a replay of the same submission (a lost answer) makes no second inspection
    replay = page.evaluate(
        """async ([url, key]) => {
            const me = await (await fetch('/api/v1/auth/me')).json();
            const r = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json',
                'X-CSRF-Token': me.csrf_token}, body: JSON.stringify({client_key: key, scores: {monument: 3}})});
            return r.status;
        }""",
        [f"/api/v1/memorials/{site['id']}/inspections", str(found[0]["client_key"])],
    )
    assert replay == 200 and len(_inspections(engine, site["id"])) == 1

    # the staff's upkeep map (the crew's own county) shows the site in the colour of its new condition, and its
    # popup says so
    _see_on_the_upkeep_map(watched, "浏览器巡查纪念碑", str(INDEX), "一般", "fair")

    assert watched.blocked == []
    assert _errors_but_offline(watched) == []


def test_a_refused_submission_shows_the_reason_and_leaves_the_queue(
    watched: WatchedPage,
    client: TestClient,
    engine: Engine,
    crew_account: int,
) -> None:
    site = make_site_at(client, "memorials", SITE_POINT, name="将被删除的纪念碑")
    page = watched.page
    _sign_in(watched)
    page.goto(f"{watched.base_url}/crew/memorials/{site['id']}?lang=en", wait_until="load")
    expect(page.locator("#outbox-count")).to_have_text("0 waiting to send")
    page.locator('fieldset[data-category="monument"] label:has(input[value="4"])').click()
    page.context.set_offline(True)
    page.click("#submit")
    expect(page.locator("#outbox-count")).to_have_text("1 waiting to send")
    with engine.begin() as conn:  # the site goes away while the phone has no signal
        conn.execute(text("DELETE FROM memorials WHERE id = :id"), {"id": site["id"]})
    page.context.set_offline(False)
    expect(page.locator("#outbox-count")).to_have_text("0 waiting to send", timeout=45_000)
    refused = page.locator("#refused-list li")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text(f"no memorials record with id {site['id']}")
    expect(page.locator("#message")).to_contain_text("Refused:")
    refused.locator("button.discard").click()
    expect(refused).to_have_count(0)
    expect(page.locator("#refused")).to_be_hidden()
    assert _inspections(engine, site["id"]) == []
    assert watched.blocked == []
    refusal = f"/api/v1/memorials/{site['id']}/inspections"  # the 404 the page showed as a refusal
    assert [e for e in _errors_but_offline(watched) if not ("404" in e and refusal in e)] == []
