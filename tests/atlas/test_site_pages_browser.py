"""The staff site pages in a real headless Chromium, offline but for 127.0.0.1 (issue 19 item 6): a planner moves a
station by dragging its marker and saves; an admin draws a memorial's protection zone and saves; a stale edit
shows the differences field by field and reapplies mine; a zone check of a drawn polygon lists the overlapped
zones with m². Every page: no CSP violation, no axe violation, no horizontal overflow at 390 px.

With ``VETMAP_SHOTS=<dir>`` the tests keep screenshots at 1440×900 and 390×844 to look at (outside the repository).
"""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, text

from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS, WatchedPage
from tests.factories import make_site_at, square
from tests.staff_pages import (
    DESKTOP,
    PHONE,
    assert_fits,
    assert_no_csp_violation,
    make_account,
    shot,
    sign_in_at,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

COUNTY = "450329"  # 资源县
PASSWORD = "test-site-pages-browser-password"  # a test account's password, made by the test
# a quiet corner of 资源县 for this module's memorials
LON, LAT = 110.552, 26.016


@pytest.fixture(scope="module")
def accounts(engine: Engine, demo_counts: dict[str, int]) -> dict[str, str]:
    """A planner, an admin and a crew of 资源县, by role: their usernames."""
    names = {}
    for role in ("planner", "admin", "crew"):
        names[role] = f"site-browser-{role}"
        make_account(engine, names[role], PASSWORD, role, COUNTY)
    return names


def _sign_in(wp: WatchedPage, username: str, path: str) -> Page:
    page = wp.page
    sign_in_at(page, wp.base_url, path, username, PASSWORD)
    page.wait_for_load_state("networkidle")
    return page


def _checked(wp: WatchedPage, name: str) -> None:
    """No CSP violation, no axe violation; screenshots at 1440×900 and 390×844 with no horizontal overflow."""
    page = wp.page
    page.evaluate("() => window.scrollTo(0, 0)")
    assert_no_csp_violation(page)
    assert axe_violations(page) == []
    shot(page, f"{name}-1440x900")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(200)
    shot(page, f"{name}-390x844")
    assert_fits(page, name)
    page.set_viewport_size(DESKTOP)
    page.wait_for_timeout(200)


def _centre(page: Page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _position(engine: Engine, table: str, site_id: int) -> tuple[float, float, int]:
    with engine.connect() as conn:
        row = conn.execute(
            text(f"SELECT ST_X(geom) AS x, ST_Y(geom) AS y, version FROM {table} WHERE id = :i"),
            {"i": site_id},
        ).one()
    return row.x, row.y, row.version


def test_a_planner_moves_a_station_by_dragging_its_marker(watched: WatchedPage, accounts, engine: Engine):
    page = _sign_in(watched, accounts["planner"], "/staff/sites")
    expect(page).to_have_title(re.compile("点位编辑"))
    expect(page.locator(".sites-tabs a")).to_have_text(["服务站"])
    _checked(watched, "sites-list")
    link = page.locator("table.sites tbody a").first
    name = link.text_content()
    link.click()
    page.wait_for_url(re.compile(r"/staff/sites/stations/\d+$"), timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle")
    site_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("h1")).to_have_text(f"编辑：{name}")
    x0, y0, version = _position(engine, "stations", site_id)
    expect(page.locator("#f-lon")).to_have_value(re.compile(r"^110\.|^111\."))
    _checked(watched, "sites-edit-station")

    marker = page.locator("#site-map img.leaflet-marker-icon")
    expect(marker).to_be_visible()
    x, y = _centre(page, "#site-map img.leaflet-marker-icon")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y - 40, steps=8)
    page.mouse.move(x + 120, y - 80, steps=8)
    page.mouse.up()
    expect(page.locator("#map-status")).to_contain_text("点位已移至")
    lon = float(page.locator("#f-lon").input_value())
    lat = float(page.locator("#f-lat").input_value())
    assert lon > x0 and lat > y0  # dragged right and up: east and north
    page.click("#save")
    expect(page.locator("#save-status")).to_have_text(f"已保存（第 {version + 1} 版）。")
    x1, y1, v1 = _position(engine, "stations", site_id)
    assert (x1, y1) == pytest.approx((lon, lat), abs=2e-7) and v1 == version + 1
    expect(page.locator("#site-version")).to_have_text(f"第 {version + 1} 版")
    watched.assert_clean()


def test_an_admin_draws_a_protection_zone_for_a_memorial(
    watched: WatchedPage, accounts, engine: Engine, client: TestClient
):
    memorial = make_site_at(client, "memorials", (LON, LAT), name="无范围的纪念碑", protection_zone=None)
    site_id = memorial["id"]
    page = _sign_in(watched, accounts["admin"], f"/staff/sites/memorials/{site_id}")
    expect(page.locator("#zone-state-protection_zone")).to_have_text("未绘制")
    page.get_by_role("button", name="绘制保护范围").click()
    expect(page.locator("#map-status")).to_contain_text("依次点击各个顶点")
    page.locator("#site-map").scroll_into_view_if_needed()
    x, y = _centre(page, "#site-map img.leaflet-marker-icon")
    for dx, dy in ((-90, -70), (90, -70), (90, 60), (-90, 60)):
        page.mouse.click(x + dx, y + dy)
        page.wait_for_timeout(120)
    page.click("#draw-finish")
    expect(page.locator("#zone-state-protection_zone")).to_have_text("已绘制（4 个顶点）")
    expect(page.locator("#map-status")).to_have_text("保护范围已绘制（未保存）。")
    page.fill("#f-protection_zone_desc", "以纪念碑为中心的矩形范围")
    _checked(watched, "sites-edit-memorial-drawn")
    page.click("#save")
    expect(page.locator("#save-status")).to_have_text(re.compile(r"已保存（第 \d+ 版）。"))
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT ST_Covers(protection_zone, geom) AS covers, protection_zone_m2 AS m2, "
                "ST_NPoints(protection_zone) AS n, protection_zone_desc AS d FROM memorials WHERE id = :i"
            ),
            {"i": site_id},
        ).one()
    assert row.covers and row.m2 > 100 and row.n == 5 and row.d == "以纪念碑为中心的矩形范围"
    watched.assert_clean()


def test_a_stale_edit_shows_the_differences_and_reapplies_mine(
    watched: WatchedPage, accounts, engine: Engine, client: TestClient
):
    station = make_site_at(
        client, "stations", (LON + 0.003, LAT), name="版本测试服务站", phone="0773-1111111"
    )
    site_id = station["id"]
    page = _sign_in(watched, accounts["planner"], f"/staff/sites/stations/{site_id}")
    page.fill("#f-name", "版本测试服务站（我改的名）")
    # meanwhile someone else saves another phone number
    etag = client.get(f"/api/v1/stations/{site_id}").headers["etag"]
    other = client.patch(
        f"/api/v1/stations/{site_id}",
        json={"type": "Feature", "properties": {"phone": "0773-2222222"}},
        headers={"If-Match": etag},
    )
    assert other.status_code == 200
    page.click("#save")
    stale = page.locator("#stale")
    expect(stale).to_be_visible()
    expect(page.locator("#save-status")).to_contain_text("他人已先保存了新版本")
    expect(page.locator("#stale-intro")).to_contain_text("现为第 2 版")
    rows = page.locator("#stale tbody tr")
    expect(rows).to_have_count(2)
    name_row = page.locator('#stale tbody tr[data-field="name"] td')
    expect(name_row).to_have_text(["版本测试服务站（我改的名）", "版本测试服务站"])
    phone_row = page.locator('#stale tbody tr[data-field="phone"] td')
    expect(phone_row).to_have_text(["0773-1111111", "0773-2222222"])
    _checked(watched, "sites-edit-stale")
    page.get_by_role("button", name="在新版本上重新应用我的修改").click()
    expect(stale).to_be_hidden()
    expect(page.locator("#save-status")).to_have_text("已在第 2 版上重新应用您的修改，请检查后保存。")
    expect(page.locator("#f-phone")).to_have_value("0773-2222222")
    expect(page.locator("#f-name")).to_have_value("版本测试服务站（我改的名）")
    page.click("#save")
    expect(page.locator("#save-status")).to_have_text("已保存（第 3 版）。")
    now = client.get(f"/api/v1/stations/{site_id}").json()["properties"]
    assert now["name"] == "版本测试服务站（我改的名）" and now["phone"] == "0773-2222222"
    # the refused save was the one expected: a 412 (and Chromium's line about it), nothing else
    unexpected = [e for e in watched.errors if "412" not in e and "status of 412" not in e]
    assert unexpected == []
    assert watched.blocked == []


def test_a_new_station_is_refused_field_by_field_then_created(
    watched: WatchedPage, accounts, engine: Engine, client: TestClient
):
    make_site_at(client, "stations", (LON + 0.009, LAT + 0.002), name="占用编码的服务站", code="ZY-PAGE-001")
    page = _sign_in(watched, accounts["planner"], "/staff/sites/stations/new")
    page.fill("#f-star_rating", "9")
    page.fill("#f-area_code", "450330")  # the next county's code
    page.click("#save")
    expect(page.locator("#error-area_code")).to_have_text("区划代码不在您的辖区内；留空则按位置自动确定。")
    expect(page.locator("#error-name")).to_have_text("请填写名称。")
    expect(page.locator("#error-level")).to_have_text("请从列表中选择级别。")
    expect(page.locator("#error-star_rating")).to_have_text("星级不能大于 5。")
    expect(page.locator("#error-geometry")).to_have_text("请在地图上放置点位。")
    expect(page.locator("#error-summary li")).to_have_count(5)
    expect(page.locator("#f-name")).to_have_attribute("aria-invalid", "true")
    _checked(watched, "sites-new-refused")
    page.fill("#f-area_code", "")
    page.fill("#f-name", "页面新建服务站")
    page.select_option("#f-level", "village")
    page.fill("#f-star_rating", "4")
    page.fill("#f-code", "ZY-PAGE-001")
    page.fill("#f-lon", str(LON + 0.009))
    page.fill("#f-lat", str(LAT))
    page.locator("#f-lat").dispatch_event("change")
    page.click("#save")
    # the database's refusal of a code in use, in the page's language, next to the code
    expect(page.locator("#error-code")).to_have_text("已有 code 为 ZY-PAGE-001 的记录")
    page.fill("#f-code", "ZY-PAGE-002")
    page.click("#save")
    page.wait_for_url(re.compile(r"/staff/sites/stations/\d+\?lang=zh$"), timeout=TIMEOUT_MS)
    site_id = int(page.url.rsplit("/", 1)[1].split("?")[0])
    expect(page.locator("h1")).to_have_text("编辑：页面新建服务站")
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT code, star_rating, ST_X(geom) AS x, area_code FROM stations WHERE id = :i"),
            {"i": site_id},
        ).one()
    assert row.code == "ZY-PAGE-002" and row.star_rating == 4 and row.x == pytest.approx(LON + 0.009)
    assert row.area_code.startswith(COUNTY)
    unexpected = [e for e in watched.errors if "409" not in e]
    assert unexpected == []


def test_a_zone_check_of_a_drawn_polygon_lists_the_zones_it_overlaps(
    watched: WatchedPage, accounts, client: TestClient
):
    memorial = make_site_at(
        client,
        "memorials",
        (LON + 0.01, LAT + 0.01),
        name="核查页用纪念碑",
        protection_zone=square(LON + 0.01, LAT + 0.01, 0.0008),
        control_zone=square(LON + 0.01, LAT + 0.01, 0.002),
    )
    page = _sign_in(watched, accounts["crew"], "/staff/zones/check")
    expect(page.locator("h1")).to_have_text("保护范围核查")
    # centre the map on the memorial (as drawn) at a zoom where its zones are a few hundred pixels wide
    page.evaluate(
        """([lon, lat]) => {
            const map = VetSites.maps["zones-map"];
            map.setView(VetSites.toMap(map, lon, lat), 17, {animate: false});
        }""",
        [LON + 0.01, LAT + 0.01],
    )
    box = page.locator("#zones-map").bounding_box()
    assert box is not None
    page.get_by_role("button", name="在地图上绘制范围").click()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((0, -40), (150, -40), (150, 60), (0, 60)):
        page.mouse.click(cx + dx, cy + dy)
        page.wait_for_timeout(120)
    page.get_by_role("button", name="完成绘制").click()
    expect(page.locator("#zones-status")).to_contain_text("处范围重叠")
    row = page.locator(
        f'#zones-table tr[data-site="memorials/{memorial["id"]}"][data-zone="protection_zone"]'
    )
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text("保护范围")
    overlap = row.locator("td").nth(3).text_content()
    assert re.fullmatch(r"[\d,]+", overlap) and int(overlap.replace(",", "")) > 0
    link = row.locator("a")
    expect(link).to_have_text("核查页用纪念碑")
    expect(link).to_have_attribute("href", f"/staff/sites/memorials/{memorial['id']}")
    _checked(watched, "zones-check")

    # the same check from an uploaded file: a GeoJSON square over the memorial's protection zone only
    page.get_by_role("button", name="清除").click()
    expect(page.locator("#zones-table")).to_be_hidden()
    page.get_by_role("button", name="读取文件并核查").click()
    expect(page.locator("#error-file")).to_have_text("请选择一个文件。")
    upload = {"type": "Feature", "properties": {}, "geometry": square(LON + 0.01, LAT + 0.01, 0.0003)}
    page.set_input_files(
        "#zones-file",
        files=[
            {
                "name": "工地范围.geojson",
                "mimeType": "application/geo+json",
                "buffer": json.dumps(upload).encode(),
            }
        ],
    )
    page.get_by_role("button", name="读取文件并核查").click()
    expect(page.locator("#zones-map-status")).to_have_text("已读取 工地范围.geojson。")
    expect(page.locator("#error-file")).to_be_hidden()
    expect(row).to_have_count(1)
    page.set_input_files(
        "#zones-file", files=[{"name": "表格.csv", "mimeType": "text/csv", "buffer": b"a,b\n1,2\n"}]
    )
    page.get_by_role("button", name="读取文件并核查").click()
    expect(page.locator("#error-file")).to_have_text("表格.csv 不是 GeoJSON、KML 或压缩的 Shapefile 文件")
    unexpected = [e for e in watched.errors if "422" not in e]
    assert unexpected == [] and watched.blocked == []


def test_on_a_gcj02_basemap_the_marker_is_shifted_and_the_saved_point_is_wgs84(
    watched: WatchedPage, accounts, engine: Engine, client: TestClient
):
    station = make_site_at(client, "stations", (LON + 0.006, LAT), name="高德底图测试服务站")
    site_id = station["id"]
    watched.allow_outside("https://webrd0")  # AMap's tiles: tried, blocked, expected
    page = _sign_in(watched, accounts["planner"], f"/staff/sites/stations/{site_id}?basemap=amap")
    drawn = page.evaluate(
        """() => { const m = VetSites.maps["site-map"]; let at = null;
                   m.eachLayer((l) => { if (l instanceof L.Marker && l.dragging) { at = l.getLatLng(); } });
                   return [m.vetmapCrs, at.lng, at.lat]; }"""
    )
    assert drawn[0] == "gcj02"
    # drawn where AMap's tiles show the place (a few hundred metres off), while the inputs say WGS-84
    assert 0.002 < abs(drawn[1] - (LON + 0.006)) + abs(drawn[2] - LAT) < 0.02
    expect(page.locator("#f-lon")).to_have_value(str(round(LON + 0.006, 7)))
    expect(page.locator("#f-lat")).to_have_value(str(LAT))
    x, y = _centre(page, "#site-map img.leaflet-marker-icon")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 50, y + 30, steps=10)
    page.mouse.up()
    lon = float(page.locator("#f-lon").input_value())
    lat = float(page.locator("#f-lat").input_value())
    page.click("#save")
    expect(page.locator("#save-status")).to_have_text("已保存（第 2 版）。")
    x1, y1, _ = _position(engine, "stations", site_id)
    assert (x1, y1) == pytest.approx((lon, lat), abs=2e-7)
    assert lon < LON + 0.006 and lat < LAT  # moved west and south, in WGS-84 as stored


def test_a_crew_updates_a_grave_and_is_told_the_graves_rules(watched: WatchedPage, accounts, engine: Engine):
    with engine.connect() as conn:
        grave_id = conn.execute(
            text(
                "SELECT id FROM graves WHERE kind = 'scattered' AND area_code LIKE :p "
                "AND disposition IS DISTINCT FROM 'moved' ORDER BY id LIMIT 1"
            ),
            {"p": COUNTY + "%"},
        ).scalar_one()
    page = _sign_in(watched, accounts["crew"], f"/staff/sites/graves/{grave_id}")
    expect(page.locator("#f-kind")).to_have_value("scattered")
    page.select_option("#f-kind", "in_cemetery")
    page.click("#save")
    expect(page.locator("#error-cemetery_id")).to_have_text("陵园内的烈士墓须填写所在陵园编号。")
    page.select_option("#f-kind", "scattered")
    page.select_option("#f-upkeep_status", "damaged")
    page.click("#save")
    expect(page.locator("#save-status")).to_have_text(re.compile(r"已保存（第 \d+ 版）。"))
    expect(page.locator("#error-summary")).to_be_hidden()
    with engine.connect() as conn:
        status = conn.execute(
            text("SELECT upkeep_status FROM graves WHERE id = :i"), {"i": grave_id}
        ).scalar_one()
    assert status == "damaged"
    _checked(watched, "sites-edit-grave")
    watched.assert_clean()
