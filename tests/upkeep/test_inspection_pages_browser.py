"""The inspection pages and the schedule in a real headless Chromium, offline but for 127.0.0.1: a planner of
资源县 signs in, filters the inspections, opens one with its photo and position map, opens the site's history;
opens the schedule on its overdue tab with the map, downloads the CSV; opens the upkeep map in the staff frame.
No CSP violation, no axe violation, no horizontal overflow at 390 px.

With ``VETMAP_SHOTS=<dir>`` the tests keep screenshots at 1440×900 and 390×844 (outside the repository)."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import create_account
from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS, WatchedPage
from tests.factories import make_site

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

COUNTY = "450329"  # 资源县
USERNAME = "insp-pages-browser"
PASSWORD = "test-insp-pages-browser-password"  # a test account's password, made by the test
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
CSP_WATCH = """() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
        window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
    });
}"""


@pytest.fixture(scope="module")
def planner(engine: Engine, demo_counts: dict[str, int]) -> str:
    """A planner of 资源县 who signs in with a password."""
    with engine.begin() as conn:
        create_account(conn, CLI_ACTOR, USERNAME, PASSWORD, "planner", COUNTY)
    return USERNAME


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def inspected(client: TestClient) -> dict:
    """A memorial of 资源县 inspected twice, the latest with notes, a position and two photos."""
    memorial = make_site(client, "memorials", name="浏览器巡查纪念碑")
    url = f"/api/v1/memorials/{memorial['id']}/inspections"
    first = client.post(
        url, json={"scores": {"monument": 1, "paths": 1}, "inspected_at": "2026-02-01T10:00:00+08:00"}
    )
    assert first.status_code == 201, first.text
    lon, lat = memorial["geometry"]["coordinates"]
    second = client.post(
        url,
        json={
            "scores": {"monument": 4, "paths": 3, "structure": 2},
            "checklist": {"infrastructure_complete": True},
            "notes": "碑体已修复，台阶仍有裂缝。",
            "position": {"lon": lon + 0.0004, "lat": lat + 0.0002, "accuracy_m": 15},
        },
    )
    assert second.status_code == 201, second.text
    for colour in ((200, 60, 40), (40, 120, 200)):
        photo = client.post(
            f"{url}/{second.json()['id']}/photos", files={"file": ("p.jpg", _jpeg(colour), "image/jpeg")}
        )
        assert photo.status_code == 201, photo.text
    return {"memorial": memorial, "first": first.json(), "second": second.json()}


def _shot(wp: WatchedPage, name: str) -> None:
    where = os.environ.get("VETMAP_SHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        wp.page.screenshot(path=str(Path(where) / f"{name}.png"), full_page=True)


def _check(wp: WatchedPage, name: str) -> None:
    """No CSP violation, no axe violation; the screenshots; no horizontal overflow on a phone."""
    page = wp.page
    assert page.evaluate("() => window.__cspViolations") == []
    violations = axe_violations(page)
    assert violations == [], "\n".join(violations)
    _shot(wp, f"{name}-1440x900")
    page.set_viewport_size(PHONE)
    _shot(wp, f"{name}-390x844")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow}px wider than a phone"
    page.set_viewport_size(DESKTOP)


def _sign_in(wp: WatchedPage, path: str, user: str) -> Page:
    page = wp.page
    page.add_init_script(f"({CSP_WATCH})()")
    page.set_viewport_size(DESKTOP)
    page.goto(wp.base_url + path, wait_until="load")
    assert "/login" in page.url
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(path) + "$"), timeout=TIMEOUT_MS)
    return page


def test_filter_the_inspections_and_open_one_with_its_photos(
    watched: WatchedPage, planner: str, inspected: dict
) -> None:
    page = _sign_in(watched, "/staff/inspections", planner)
    expect(page.locator("h1")).to_have_text("巡查记录")
    expect(page.locator("nav.staff-nav a[aria-current=page]")).to_have_text("巡查记录")
    expect(page.locator("p.count")).to_contain_text("共")
    _check(watched, "inspections")

    page.fill("#f-site", "浏览器巡查")
    page.fill("#f-min_index", "60")
    page.click(".filters button[type=submit]")
    page.wait_for_url(re.compile(r"site="), timeout=TIMEOUT_MS)
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("浏览器巡查纪念碑")
    expect(rows.first.locator("td").nth(4)).to_have_text("2")  # photos

    page.fill("#f-max_index", "10")
    page.click(".filters button[type=submit]")
    expect(page.locator("#f-max_index-error")).to_have_text("上限不能低于下限。")
    expect(page.locator("#f-max_index")).to_have_attribute("aria-invalid", "true")
    # the refused filters answer 400 on purpose: not an error of the page
    watched.errors[:] = [e for e in watched.errors if "max_index=10" not in e]
    page.fill("#f-max_index", "")
    page.click(".filters button[type=submit]")
    expect(rows).to_have_count(1)

    rows.first.locator("a.open").click()
    page.wait_for_url(
        re.compile(rf"/staff/inspections/memorials/{inspected['memorial']['id']}/\d+"), timeout=TIMEOUT_MS
    )
    expect(page.locator("h1")).to_contain_text("浏览器巡查纪念碑")
    expect(page.locator('tr[data-category="monument"]')).to_contain_text("完好如新")
    expect(page.locator('tr[data-category="greenery"]')).to_contain_text("不适用")
    expect(page.locator('li[data-item="infrastructure_complete"]')).to_contain_text("符合")
    expect(page.locator(".notes")).to_have_text("碑体已修复，台阶仍有裂缝。")
    thumbs = page.locator(".photos img")
    expect(thumbs).to_have_count(2)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.photos img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    expect(page.locator("path.insp-site")).to_have_count(1)
    expect(page.locator("path.insp-inspector")).to_have_count(1)
    expect(page.locator(".position")).to_contain_text("精度约 15 米")
    _check(watched, "inspection")

    page.locator(".crumbs a").nth(1).click()
    page.wait_for_url(
        re.compile(rf"/staff/inspections/memorials/{inspected['memorial']['id']}$"), timeout=TIMEOUT_MS
    )
    expect(page.locator("svg.chart circle.dot")).to_have_count(2)
    expect(page.locator("table.list tbody tr")).to_have_count(2)
    _check(watched, "inspection-history")
    watched.assert_clean()


def test_the_schedule_its_map_and_download_then_the_upkeep_map_in_the_frame(
    watched: WatchedPage, planner: str, tmp_path: Path
) -> None:
    page = _sign_in(watched, "/staff/schedule", planner)
    expect(page.locator("h1")).to_have_text("巡查计划")
    overdue = page.locator('a.tab[data-state="overdue"]')
    expect(overdue).to_have_attribute("aria-current", "page")
    count = int(overdue.locator(".n").inner_text())
    assert count > 0
    expect(page.locator("table.schedule tbody tr").first).to_have_class("state-overdue")
    places = len(
        {
            (p["lon"], p["lat"])
            for p in page.evaluate(
                "() => JSON.parse(document.getElementById('sched-config').textContent).points"
            )
        }
    )
    expect(page.locator("#sched-map path.sched-overdue")).to_have_count(places)
    _check(watched, "schedule")

    marker = page.locator("#sched-map path.sched-overdue").first
    marker.scroll_into_view_if_needed()
    box = marker.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator(".leaflet-popup-content a").first).to_have_text("巡查历史")

    with page.expect_download() as info:
        page.locator(".downloads a", has_text="CSV").click()
    saved = tmp_path / "schedule.csv"
    info.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_bytes().decode("utf-8-sig"))))
    assert rows[0][2] == "点位" and len(rows) == count + 1

    page.locator('a.tab[data-state="never_inspected"]').click()
    page.wait_for_url(re.compile(r"state=never_inspected"), timeout=TIMEOUT_MS)
    expect(page.locator('a.tab[data-state="never_inspected"]')).to_have_attribute("aria-current", "page")
    never = page.evaluate("() => JSON.parse(document.getElementById('sched-config').textContent).points")
    shared = max(
        {(p["lon"], p["lat"]) for p in never}, key=lambda k: sum((p["lon"], p["lat"]) == k for p in never)
    )
    n = sum((p["lon"], p["lat"]) == shared for p in never)
    if n > 1:  # the graves of one cemetery: one marker listing them all
        page.evaluate(
            """([lon, lat]) => { const m = VetSites.maps["sched-map"]; m.eachLayer(l => {
                if (l.getLatLng && l.getPopup && l.getPopup() && Math.abs(l.getLatLng().lng - lon) < 1e-6
                    && Math.abs(l.getLatLng().lat - lat) < 1e-6) { l.openPopup(); } }); }""",
            list(shared),
        )
        expect(page.locator(".sched-popup-many")).to_have_text(f"此处有 {n} 个点位：")
        expect(page.locator(".leaflet-popup-content .sched-popup-site")).to_have_count(n)
    page.locator("header.staff-header a[lang=en]").click()
    expect(page.locator("h1")).to_have_text("Inspection schedule")
    expect(page.locator('a.tab[data-state="never_inspected"]')).to_contain_text("Never inspected")
    _shot(watched, "schedule-en-1440x900")
    page.locator("header.staff-header a[lang=zh-CN]").click()
    expect(page.locator("h1")).to_have_text("巡查计划")

    page.locator("nav.staff-nav a", has_text="养护地图").click()
    page.wait_for_url(re.compile(r"/upkeep\?area=450329$"), timeout=TIMEOUT_MS)
    watched.settle()
    expect(page.locator("header.staff-header .staff-name")).to_have_text(planner)
    expect(page.locator("nav.staff-nav a[aria-current=page]")).to_have_text("养护地图")
    expect(page.locator("header.vetmap-coverage-header h1")).to_contain_text("养护地图")
    _check(watched, "upkeep")
    watched.assert_clean()
