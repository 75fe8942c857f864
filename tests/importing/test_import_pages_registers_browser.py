"""The import page with a register as a bureau keeps it, in a real headless Chromium (issue 23): a planner of 资源县
chooses the county the names resolve in, uploads a GBK register under a title, reads what the report found (header,
rows skipped, encoding) and the likely duplicate next to the confirm control, commits without it; then a second
register repeating a stored station is committed with the duplicate confirmed; a sheet the workbook lacks is said
next to the sheet field. A national administrator picks any of the country's ~2,900 counties by typing part of
its name, its city or its code in the filter over the grouped choice, then reads why the cemeteries a grave
register names are not found in that county. No CSP violation, axe finds nothing, the page fits a 390 px phone.

With ``VETMAP_SHOTS=<dir>`` the test keeps screenshots at 1440×900 and 390×844 to look at."""

from __future__ import annotations

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine

from tests.accessibility import axe_violations
from tests.browser_pages import TIMEOUT_MS, WatchedPage
from tests.importing.many_counties import COUNT, county_code, many_counties
from tests.importing.registers import CEMETERY_REGISTERS, REGISTERS, Village, cemetery_graves, places
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
USERNAME = "imports-registers-planner"
PASSWORD = "test-imports-registers-password"  # a test account's password, made by the test
ADMIN = "imports-registers-national-admin"


@pytest.fixture(scope="module")
def villages(engine: Engine, demo_counts: dict[str, int]) -> list[Village]:
    """Villages of 资源县 with points inside them, and a planner of the county."""
    make_account(engine, USERNAME, PASSWORD, "planner", COUNTY)
    with engine.connect() as conn:
        return places(conn)


def _clean(wp: WatchedPage, name: str) -> None:
    assert_no_csp_violation(wp.page)
    assert axe_violations(wp.page) == []
    shot(wp.page, f"{name}-1440x900")
    wp.page.set_viewport_size(PHONE)
    shot(wp.page, f"{name}-390x844")
    assert_fits(wp.page, name)
    wp.page.set_viewport_size(DESKTOP)


def _choose(wp: WatchedPage, register, folder) -> None:
    path = register.write(folder)
    page = wp.page
    page.select_option("#collection", register.collection)
    page.select_option("#crs", register.crs)
    page.set_input_files("#file", str(path))


def test_a_planner_imports_a_register_under_a_title_and_confirms_a_duplicate(
    watched: WatchedPage, villages: list[Village], tmp_path
) -> None:
    page = watched.page
    sign_in_at(page, watched.base_url, "/staff/imports", USERNAME, PASSWORD)
    expect(page.locator("#area")).to_have_value(COUNTY)
    expect(page.locator("#area option")).to_have_text(["资源县（450329）"])
    _choose(watched, REGISTERS[0](villages), tmp_path)
    page.click("#dry-run")
    expect(page.locator("#report-heading")).to_have_text("试导入报告：尚未写入任何内容", timeout=TIMEOUT_MS)
    shape = page.locator("#report-shape")
    expect(shape.locator(".shape-summary")).to_have_text(
        "表头在第 3 行；跳过标题行 2 行、空行 1 行、合计行 1 行、表尾说明 1 行。"
    )
    expect(shape).to_contain_text("文件编码：GBK / GB18030")
    shape.locator("summary").click()
    expect(shape.locator("li").first).to_contain_text("第 1 行“资源县退役军人服务站（点）建设情况统计表”")
    pairs = page.locator("#duplicate-pairs tbody tr")
    expect(pairs).to_have_count(1)
    expect(pairs.first).to_contain_text("文件第 4 行")
    expect(page.locator('label[for="accept-duplicates"]')).to_have_text(
        "确认这些是不同地点，正式导入时一并导入（1）"
    )
    expect(page.locator('#report-rows tr[data-row="10"] td.reason')).to_contain_text(
        "疑似重复：与文件第 4 行同名"
    )
    expect(page.locator('#report-rows tr[data-row="8"] td.reason')).to_contain_text("新建村")
    _clean(watched, "imports-register-dry-run")

    page.click("#commit")  # not confirmed: the repeat stays out
    expect(page.locator("#report-heading")).to_have_text("导入完成", timeout=TIMEOUT_MS)
    expect(page.locator('#report-rows tr[data-row="10"] td.result')).to_have_text("拒绝")

    _choose(watched, REGISTERS[3](villages), tmp_path)
    page.select_option("#crs", "WGS84")
    page.click("#dry-run")
    expect(page.locator("#report-heading")).to_have_text("试导入报告：尚未写入任何内容", timeout=TIMEOUT_MS)
    expect(page.locator("#duplicate-pairs tbody tr").first).to_contain_text("已有记录 ST-")
    page.check("#accept-duplicates")
    _clean(watched, "imports-register-confirm")
    page.click("#commit")
    expect(page.locator("#report-heading")).to_have_text("导入完成", timeout=TIMEOUT_MS)
    expect(page.locator("#committed")).to_have_text("已写入：新增 2 条，更新 0 条。")
    expect(page.locator("#report-duplicates")).to_contain_text(
        "已确认以下同名相近的记录是不同地点，一并导入。"
    )

    book = openpyxl.Workbook()
    book.active.title = "服务站"
    book.active.append(["名称", "级别", "经度", "纬度"])
    book.create_sheet("填表说明")
    book.save(tmp_path / "服务站名录.xlsx")
    page.set_input_files("#file", str(tmp_path / "服务站名录.xlsx"))
    page.fill("#sheet", "纪念设施")
    page.click("#dry-run")
    expect(page.locator("#sheet-error")).to_have_text(
        "服务站名录.xlsx 中没有工作表“纪念设施”；它的工作表有：服务站、填表说明。", timeout=TIMEOUT_MS
    )
    expect(page.locator("#file-error")).to_be_hidden()
    _clean(watched, "imports-register-no-sheet")
    # the missing sheet's answer (HTTP 422, also logged by the console) is the one error expected
    watched.errors[:] = [e for e in watched.errors if not ("422" in e and "/api/v1/imports" in e)]
    watched.assert_clean()


def test_a_national_administrator_finds_any_of_the_countrys_counties_by_typing_part_of_its_name(
    watched: WatchedPage, engine: Engine, villages: list[Village], tmp_path
) -> None:
    make_account(engine, ADMIN, PASSWORD, "admin", None)
    with many_counties(engine):
        page = watched.page
        sign_in_at(page, watched.base_url, "/staff/imports", ADMIN, PASSWORD)
        select = page.locator("#area")
        expect(select).to_have_value("")
        assert select.locator("option").count() > COUNT
        box = page.locator("#area-filter")
        expect(box).to_be_visible()
        box.fill("资源")
        expect(select).to_have_value(COUNTY)
        expect(select.locator("optgroup")).to_have_count(1)
        expect(select.locator("optgroup")).to_have_attribute("label", "广西壮族自治区 · 桂林市")
        expect(page.locator("#area-count")).to_have_text("1 个区县符合")
        _clean(watched, "imports-county-filter")
        box.fill("测试30市")  # a city: its counties
        expect(page.locator("#area-count")).to_have_text("97 个区县符合")
        expect(select).to_have_value(county_code(30, 1))
        select.select_option(county_code(30, 97))
        box.fill("993097")  # a code
        expect(select).to_have_value(county_code(30, 97))
        box.fill("没有这个县")
        expect(page.locator("#area-count")).to_have_text("没有符合的区县，请换个写法")
        expect(select).to_have_value(county_code(30, 97))  # the list and the choice stay as they were
        box.fill("")
        assert select.locator("option").count() > COUNT
        expect(select).to_have_value(county_code(30, 97))

        box.fill("资源县")  # then a grave register naming its cemeteries, looked up in 资源县
        expect(select).to_have_value(COUNTY)
        with engine.connect() as conn:
            graves = cemetery_graves(conn)
        _choose(watched, CEMETERY_REGISTERS[0](villages, graves), tmp_path)
        page.click("#dry-run")
        expect(page.locator("#report-heading")).to_have_text(
            "试导入报告：尚未写入任何内容", timeout=TIMEOUT_MS
        )
        expect(page.locator('#report-rows tr[data-row="7"] td.reason')).to_contain_text(
            "“所在陵园”列的“中峰烈士陵园”：资源县没有这个陵园（墓区）；可选：滩鹿社区烈士墓区、资源县烈士陵园"
        )
        expect(page.locator('#report-rows tr[data-row="8"] td.reason')).to_contain_text(
            "不在本次导入的资源县"
        )
        _clean(watched, "imports-cemetery-report")
        watched.assert_clean()
