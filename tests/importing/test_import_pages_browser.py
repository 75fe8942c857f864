"""The import and export pages in a real headless Chromium, offline but for 127.0.0.1 (issue 19 item 7): a county
planner of 资源县 uploads a small station register with bad rows, reads the dry run's report (each bad row's reason
in Chinese, the field it concerns), commits from the report, finds the rows in the database, downloads the rejected
rows, reopens the kept report from the past imports; then exports the county's stations as GeoJSON and CSV.

With ``VETMAP_SHOTS=<dir>`` the test keeps screenshots at 1440×900 and 390×844 to look at."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, text

from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import create_account
from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS, WatchedPage
from tests.importing.import_pages import register_csv, station_codes

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("atlas_restored")]

COUNTY = "450329"  # 资源县
USERNAME = "imports-browser-planner"
PASSWORD = "test-imports-browser-password"  # a test account's password, made by the test
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
CSP_WATCH = """() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
        window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
    });
}"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture(scope="module")
def planner(engine: Engine, demo_counts: dict[str, int]) -> str:
    """A planner of 资源县 who signs in with a password."""
    with engine.begin() as conn:
        create_account(conn, CLI_ACTOR, USERNAME, PASSWORD, "planner", COUNTY)
    return USERNAME


def _shot(wp: WatchedPage, name: str) -> None:
    where = os.environ.get("VETMAP_SHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        wp.page.screenshot(path=str(Path(where) / f"{name}.png"), full_page=True)


def _sign_in(wp: WatchedPage, path: str) -> None:
    page = wp.page
    page.goto(wp.base_url + path, wait_until="load")
    assert "/login" in page.url
    page.fill("#username", USERNAME)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(path) + "$"), timeout=TIMEOUT_MS)


def _clean(wp: WatchedPage) -> None:
    assert wp.page.evaluate("() => window.__cspViolations") == []
    assert axe_violations(wp.page) == []


def _phone_fits(wp: WatchedPage, name: str) -> None:
    wp.page.set_viewport_size(PHONE)
    _shot(wp, name)
    overflow = wp.page.evaluate(OVERFLOW)
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than a phone"
    wp.page.set_viewport_size(DESKTOP)


def test_a_planner_dry_runs_a_register_commits_and_downloads_the_rejects(
    watched: WatchedPage, planner: str, engine: Engine
) -> None:
    page = watched.page
    page.add_init_script(f"({CSP_WATCH})()")
    page.set_viewport_size(DESKTOP)
    _sign_in(watched, "/staff/imports")
    expect(page).to_have_title(re.compile("导入登记表"))
    expect(page.locator("nav.staff-nav a[aria-current=page]")).to_have_text("导入")
    _clean(watched)
    _shot(watched, "imports-empty-1440x900")

    page.click("#dry-run")  # nothing chosen: each field says what it needs
    expect(page.locator("#collection-error")).to_have_text("请选择文件中的内容类型。")
    expect(page.locator("#file-error")).to_have_text("请选择要导入的文件。")

    page.select_option("#collection", "stations")
    page.set_input_files(
        "#file", {"name": "乱码.csv", "mimeType": "text/csv", "buffer": "甲,乙\n1,2\n".encode()}
    )
    page.click("#dry-run")
    expect(page.locator("#file-error")).to_contain_text("文件中没有坐标列", timeout=TIMEOUT_MS)
    expect(page.locator("#file-field")).to_have_class(re.compile("has-error"))
    _shot(watched, "imports-bad-file-1440x900")

    page.set_input_files(
        "#file", {"name": "资源县服务站.csv", "mimeType": "text/csv", "buffer": register_csv("IMPB")}
    )
    expect(page.locator("#file-error")).to_be_hidden()
    expect(page.locator("#file-name")).to_have_text("资源县服务站.csv")  # the chosen file, named in the page
    page.click("#dry-run")
    expect(page.locator("#report-heading")).to_have_text("试导入报告：尚未写入任何内容", timeout=TIMEOUT_MS)
    expect(page.locator('[data-total="rejected"] .value')).to_have_text("4")
    expect(page.locator('[data-total="inserted"] .value')).to_have_text("2")
    bad = page.locator("#report-rows tr.status-rejected")
    expect(bad).to_have_count(4)
    no_code = page.locator('#report-rows tr[data-row="4"]')
    expect(no_code.locator("td.result")).to_have_text("拒绝")
    expect(no_code.locator("td.field-name")).to_have_text("星级")
    expect(no_code.locator("td.reason")).to_contain_text("“星级”列的“五星半”不是星级")
    expect(page.locator('#report-rows tr[data-row="5"] td.reason')).to_contain_text("不是站点级别")
    expect(page.locator('#report-rows tr[data-row="6"] td.field-name')).to_have_text("纬度")
    expect(page.locator('#report-rows tr[data-row="7"] td.reason')).to_contain_text("超出您的辖区")
    assert station_codes(engine, "IMPB") == []  # the dry run wrote nothing
    _clean(watched)
    _shot(watched, "imports-dry-run-1440x900")
    _phone_fits(watched, "imports-dry-run-390x844")

    with page.expect_download() as download_info:
        page.click("#rejects-link")
    rejects = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(rejects)))
    assert [r["编码"] for r in rows] == ["", "IMPB-4", "IMPB-5", "IMPB-6"]
    assert rows[0]["reject_reason"].startswith("“星级”列的“五星半”")  # each reason as the page says it

    page.click("#commit")
    expect(page.locator("#report-heading")).to_have_text("导入完成", timeout=TIMEOUT_MS)
    expect(page.locator("#committed")).to_have_text("已写入：新增 2 条，更新 0 条。")
    assert station_codes(engine, "IMPB") == ["IMPB-1", "IMPB-2"]
    _clean(watched)
    _shot(watched, "imports-committed-1440x900")

    past = page.locator("table.past tbody tr")  # the past imports of the area: the commit, then the dry run
    committed = page.locator("#report").get_attribute("data-token")
    expect(past.first).to_have_attribute("data-report", committed)  # the list followed the upload
    expect(past.first).to_contain_text("正式导入")
    expect(past.nth(1)).to_contain_text("试导入")
    past.nth(1).locator("a").click()
    page.wait_for_url(re.compile(r"report="), timeout=TIMEOUT_MS)
    expect(page.locator("#report-heading")).to_have_text("试导入报告：尚未写入任何内容")
    expect(page.locator("#report-rows tr.status-rejected")).to_have_count(4)
    expect(page.locator("#commit")).to_have_count(0)  # committed already: its kept file is used up
    expect(page.locator("#committed-note")).to_contain_text("正式导入，不能再次提交")
    expect(page.locator("table.past tr[aria-current=true]")).to_contain_text("试导入")  # the one open
    _clean(watched)
    _shot(watched, "imports-reopened-1440x900")
    _phone_fits(watched, "imports-reopened-390x844")

    page.goto(watched.base_url + "/staff/imports?lang=en", wait_until="load")
    _shot(watched, "imports-en-1440x900")
    # the bad file's answer (HTTP 422, also logged by the console) is the one error expected
    watched.errors[:] = [e for e in watched.errors if not ("422" in e and "/api/v1/imports" in e)]
    watched.assert_clean()


def test_a_dry_run_too_large_to_keep_is_committed_by_uploading_the_chosen_file_again(
    watched: WatchedPage, planner: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.importing import report_store

    monkeypatch.setattr(
        report_store, "MAX_KEPT_BYTES", 64
    )  # the register is larger: not kept in the database
    page = watched.page
    page.add_init_script(f"({CSP_WATCH})()")
    page.set_viewport_size(DESKTOP)
    _sign_in(watched, "/staff/imports")
    page.select_option("#collection", "stations")
    page.set_input_files(
        "#file", {"name": "大文件.csv", "mimeType": "text/csv", "buffer": register_csv("IMPL")}
    )
    page.click("#dry-run")
    expect(page.locator("#report-heading")).to_have_text("试导入报告：尚未写入任何内容", timeout=TIMEOUT_MS)
    expect(page.locator(".commit-box")).to_contain_text("未在服务器保留")
    expect(page.locator("#commit")).to_have_count(0)
    token = page.locator("#report").get_attribute("data-token")
    _clean(watched)
    _shot(watched, "imports-upload-again-1440x900")

    page.goto(
        watched.base_url + f"/staff/imports?report={token}", wait_until="load"
    )  # the file is no longer chosen
    page.click("#commit-upload")
    expect(page.locator("#commit-status")).to_have_text(
        "请先在左侧重新选择文件“大文件.csv”，再点击“正式导入”。"
    )
    assert station_codes(engine, "IMPL") == []
    page.set_input_files(
        "#file", {"name": "大文件.csv", "mimeType": "text/csv", "buffer": register_csv("IMPL")}
    )
    page.click("#commit-upload")
    expect(page.locator("#report-heading")).to_have_text("导入完成", timeout=TIMEOUT_MS)
    expect(page.locator("#committed")).to_have_text("已写入：新增 2 条，更新 0 条。")
    assert station_codes(engine, "IMPL") == ["IMPL-1", "IMPL-2"]
    _clean(watched)
    watched.assert_clean()


def test_a_planner_exports_the_county_stations_as_geojson_and_csv(
    watched: WatchedPage, planner: str, engine: Engine
) -> None:
    page = watched.page
    page.add_init_script(f"({CSP_WATCH})()")
    page.set_viewport_size(DESKTOP)
    _sign_in(watched, "/staff/exports")
    expect(page).to_have_title(re.compile("导出数据"))
    expect(page.locator("#area")).to_have_value(COUNTY)
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT count(*) FROM stations WHERE area_code LIKE :p"), {"p": COUNTY + "%"}
        ).scalar_one()
    row = page.locator('tr[data-collection="stations"]')
    expect(row.locator("td.count")).to_have_text(str(stored))
    _clean(watched)
    _shot(watched, "exports-1440x900")
    _phone_fits(watched, "exports-390x844")

    with page.expect_download() as as_geojson:
        row.locator('a[data-format="geojson"]').click()
    features = json.loads(Path(as_geojson.value.path()).read_text(encoding="utf-8"))["features"]
    assert len(features) == stored and all(f["properties"]["area_code"].startswith(COUNTY) for f in features)
    with page.expect_download() as as_csv:
        row.locator('a[data-format="csv"]').click()
    assert as_csv.value.suggested_filename == "stations.csv"
    records = list(csv.DictReader(io.StringIO(Path(as_csv.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(records) == stored

    page.select_option("#area", index=1)  # a township of the county: fewer stations, links follow
    page.click(".area-form button[type=submit]")
    page.wait_for_url(re.compile(r"area=\d{9}"), timeout=TIMEOUT_MS)
    township = re.search(r"area=(\d{9})", page.url).group(1)
    expect(row.locator('a[data-format="csv"]')).to_have_attribute(
        "href", f"/api/v1/exports/stations.csv?area={township}"
    )
    _clean(watched)
    watched.assert_clean()
