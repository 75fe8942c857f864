"""Every public page in a real Chromium, at a desk (1440×900), on a phone (390×844) and on a small phone (320 wide):
axe-core finds no serious or critical WCAG violation, the page is no wider than the window, the public header
(search, 英名录, 寻亲, report a problem, map, language) is there with the current page marked, and no script is
refused by the CSP.

A cemetery and a martyr buried in it carry 60-character unbroken names for the sweep (restored afterwards), so the
pages must wrap what a long name would push past the window's edge. Screenshots go to ``VETMAP_SHOTS`` when set.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser
from sqlalchemy import Engine, text

from tests.accessibility import axe_violations
from tests.browser_pages import watched_page
from tests.factories import offset
from tests.staff_pages import DESKTOP, PHONE, assert_no_csp_violation, overflow, shot, watch_csp

pytestmark = pytest.mark.browser

SMALL = {"width": 320, "height": 640}
LONG_SITE = ("Lianhuashanlieshilingyuanzhongguorenminjiefangjunxinanjun" + "XYZ")[:60]
LONG_MARTYR = ("Ouyangzhuangyuanshenglieshijiangjunzhongguorenminzhiyuanjun" + "XYZ")[:60]
SERIOUS = ("(serious)", "(critical)")


@pytest.fixture(scope="module")
def long_names(engine: Engine, atlas_restored: None) -> Iterator[dict]:
    """A cemetery (not 东沟) and a martyr in one of its graves, renamed to 60-character unbroken names."""
    with engine.begin() as conn:
        row = conn.execute(
            text(
                "SELECT c.id, c.name, c.name_pinyin, c.name_initials, ST_X(c.geom) AS lon, ST_Y(c.geom) AS lat, "
                "m.id AS martyr_id, m.name AS martyr_name, m.name_pinyin AS martyr_pinyin, "
                "m.name_initials AS martyr_initials FROM cemeteries c JOIN graves g ON g.cemetery_id = c.id "
                "JOIN martyrs m ON m.grave_id = g.id WHERE c.name <> '东沟烈士陵园' AND NOT m.unnamed "
                "ORDER BY c.id, m.id LIMIT 1"
            )
        ).one()
        conn.execute(
            text(
                "UPDATE cemeteries SET name = :n, name_pinyin = lower(:n), name_initials = 'llsly' WHERE id = :id"
            ),
            {"n": LONG_SITE, "id": row.id},
        )
        conn.execute(
            text(
                "UPDATE martyrs SET name = :n, name_pinyin = lower(:n), name_initials = 'oyzy' WHERE id = :id"
            ),
            {"n": LONG_MARTYR, "id": row.martyr_id},
        )
    yield {"cemetery": row.id, "martyr": row.martyr_id, "point": (row.lon, row.lat)}
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE cemeteries SET name = :n, name_pinyin = :p, name_initials = :i WHERE id = :id"),
            {"n": row.name, "p": row.name_pinyin, "i": row.name_initials, "id": row.id},
        )
        conn.execute(
            text("UPDATE martyrs SET name = :n, name_pinyin = :p, name_initials = :i WHERE id = :id"),
            {"n": row.martyr_name, "p": row.martyr_pinyin, "i": row.martyr_initials, "id": row.martyr_id},
        )


@pytest.fixture(scope="module")
def filed(live_server: str, long_names: dict) -> dict:
    """A public report 40 m from the long-named cemetery and a family-search request about the long-named martyr."""
    lon, lat = offset(long_names["point"], 40)
    with httpx.Client(base_url=live_server, timeout=30) as client:
        report = client.post(
            "/open311/v2/requests.json",
            data={
                "service_code": "sign_damage",
                "lat": f"{lat:.6f}",
                "long": f"{lon:.6f}",
                "description": "碑文被雨水冲刷，字迹不清。",
            },
        )
        assert report.status_code == 200, report.text
        family = client.post(
            "/api/v1/family-requests",
            json={
                "martyr_name": LONG_MARTYR,
                "martyr_id": long_names["martyr"],
                "requester_name": "测试亲属",
                "contact_phone": "13800138000",
            },
        )
        assert family.status_code == 201, family.text
    return {"report": int(report.json()[0]["service_request_id"]), "family": family.json()["reference"]}


def _pages(long_names: dict, filed: dict) -> list[tuple[str, str, str | None]]:
    """(shot name, path, the header link marked current) of every public page."""
    cemetery, martyr = long_names["cemetery"], long_names["martyr"]
    lon, lat = offset(long_names["point"], 900)
    return [
        ("map", "/", None),
        ("search", "/search", "search"),
        ("search-results", "/search?q=lianhuashan", "search"),
        ("search-near", f"/search?q=lianhuashan&near={lon:.5f},{lat:.5f}", "search"),
        ("site", f"/sites/cemeteries/{cemetery}", "search"),
        ("martyrs", "/martyrs", "martyrs"),
        ("martyrs-results", "/martyrs?q=ouyangzhuang", "martyrs"),
        ("martyr", f"/martyrs/{martyr}", "martyrs"),
        ("martyr-en", f"/martyrs/{martyr}?lang=en", "martyrs"),
        ("search-en", "/search?q=lianhuashan&lang=en", "search"),
        ("family-search", f"/family-search?martyr_id={martyr}", "family"),
        ("family-follow", f"/family-search/{filed['family']}", "family"),
        ("report", "/report", "report"),
        ("report-status", f"/reports/{filed['report']}", "report"),
    ]


def test_every_public_page_is_accessible_and_holds_at_320px_with_long_names(
    browser: Browser, live_server: str, long_names: dict, filed: dict, request: pytest.FixtureRequest
) -> None:
    failures: list[str] = []
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE), ("small", SMALL)):
        with watched_page(browser, live_server, request, viewport=size) as watched:
            page = watched.page
            watch_csp(page)
            for name, path, current in _pages(long_names, filed):
                watched.open(path)
                shot(page, f"sweep-{name}-{size_name}")
                wider = overflow(page)
                if wider > 0:
                    failures.append(f"{path} is {wider}px wider than {size['width']}px")
                for distance in page.locator("#results .distance").all():  # never clipped by a long name
                    box = distance.bounding_box()
                    if box is None or box["x"] < 0 or box["x"] + box["width"] > size["width"]:
                        failures.append(f"{path}: a distance is cut off at {size['width']}px")
                # the map app (/) has its own header; every other public page has the public one
                if path != "/":
                    nav = page.locator("header nav a[data-nav]")
                    if nav.count() != 6:
                        failures.append(f"{path} has no public header ({nav.count()} links)")
                    elif current is not None:
                        marked = page.locator(f'header nav a[data-nav="{current}"]')
                        if marked.get_attribute("aria-current") not in ("page", "true"):
                            failures.append(f"{path}: {current} is not marked as the current section")
                        if size_name != "desktop":
                            box = marked.bounding_box()
                            if box is None or box["height"] < 44:
                                failures.append(f"{path}: header links are under 44px tall on a phone")
                if size_name == "small" or path == "/":
                    serious = [v for v in axe_violations(page) if any(s in v for s in SERIOUS)]
                    failures.extend(f"{path} at {size['width']}px: {v}" for v in serious)
                try:
                    assert_no_csp_violation(page)
                except AssertionError:
                    failures.append(f"{path}: the CSP refused something")
                failures.extend(f"{path}: {e}" for e in watched.unexpected_errors())
                watched.errors.clear()
            assert watched.unexpected_outside() == [], "a public page loads nothing from the internet"
    assert not failures, "\n".join(failures)
