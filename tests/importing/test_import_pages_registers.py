"""The import page with registers as bureaus keep them (issue 23) over HTTP: the form offers the county place names
resolve in and the sheet; a dry run's report says the file's shape (header under title rows, rows skipped, sheets
read and not) and lists the likely duplicates with a control to confirm them; a commit keeps them out unless
confirmed, and takes them in when confirmed; a sheet the workbook lacks is named in the answer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from geo.settings import Settings
from tests.importing.import_pages import signed_in
from tests.importing.registers import (
    CEMETERY_REGISTERS,
    REGISTERS,
    Register,
    Village,
    cemetery_graves,
    places,
)

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"  # 资源县


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


@pytest.fixture(scope="module")
def villages(engine, demo_counts) -> list[Village]:
    """Villages of 资源县 with points inside them."""
    with engine.connect() as conn:
        return places(conn)


def _upload(client: TestClient, csrf: str, register: Register, folder, dry_run: bool, **extra):
    path = register.write(folder)
    data = {"collection": register.collection, "crs": register.crs, "dry_run": "true" if dry_run else "false"}
    data |= {"area": register.area or "", **({"sheet": register.sheet} if register.sheet else {}), **extra}
    return client.post(
        "/api/v1/imports?lang=zh",
        headers={"X-CSRF-Token": csrf},
        data=data,
        files={"file": (register.filename, path.read_bytes(), "application/octet-stream")},
    )


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_the_form_offers_the_county_and_the_sheet(app, engine):
    client, _csrf = signed_in(app, engine, "planner", COUNTY)
    page = client.get("/staff/imports").text
    county = re.search(r'<select id="area" name="area"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="(\d*)"', county) == [COUNTY]  # a county planner: its own county
    assert "资源县（450329）" in county and "地名所在区县" in page
    assert 'id="sheet"' in page and "填“全部”读取表头相同的所有工作表" in page


def test_a_register_under_a_title_reports_its_shape_and_its_duplicates_then_commits_without_them(
    app, engine, villages, tmp_path
):
    client, csrf = signed_in(app, engine, "planner", COUNTY)
    register = REGISTERS[0](villages)
    dry = _upload(client, csrf, register, tmp_path, dry_run=True)
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert body["shape"]["sheets"][0]["header_rows"] == [3] and body["duplicates"][0]["row"] == 10
    part = client.get(f"/staff/imports/report/{body['report_token']}").text
    said = _text(part)
    assert (
        "表格结构" in said
        and "表头在第 3 行；跳过标题行 2 行、空行 1 行、合计行 1 行、表尾说明 1 行。" in said
    )
    assert "文件编码：GBK / GB18030" in said
    assert "第 1 行“资源县退役军人服务站（点）建设情况统计表”" in said and "序号列“序号”不导入" in said
    dups = re.search(r'<table class="dups" id="duplicate-pairs">(.*?)</table>', part, re.S).group(1)
    assert re.findall(r'data-dup-row="(\d+)"', dups) == ["10"]
    assert "文件第 4 行" in _text(dups) and "12 米" in _text(dups)
    assert 'id="accept-duplicates"' in part and "确认这些是不同地点" in said
    done = client.post(
        f"/api/v1/imports/reports/{body['report_token']}/commit", headers={"X-CSRF-Token": csrf}
    )
    assert done.status_code == 200, done.text
    rows = {r["row"]: r for r in done.json()["rows"]}
    assert rows[10]["status"] == "rejected" and rows[10]["reason_detail"]["key"] == "likely_duplicate_row"
    assert {rows[n]["status"] for n in (4, 5, 7)} <= {"inserted", "updated", "unchanged"}


def test_a_repeat_of_a_stored_station_goes_in_once_confirmed(app, engine, villages, tmp_path):
    client, csrf = signed_in(app, engine, "planner", COUNTY)
    assert _upload(client, csrf, REGISTERS[0](villages), tmp_path, dry_run=False).status_code == 200
    register = REGISTERS[3](villages)
    dry = _upload(client, csrf, register, tmp_path, dry_run=True).json()
    part = client.get(f"/staff/imports/report/{dry['report_token']}").text
    assert "已有记录 ST-" in _text(part) and 'id="accept-duplicates"' in part
    done = client.post(
        f"/api/v1/imports/reports/{dry['report_token']}/commit?accept_duplicates=true",
        headers={"X-CSRF-Token": csrf},
    )
    assert done.status_code == 200, done.text
    report = done.json()
    assert report["accept_duplicates"] is True and report["counts"]["inserted"] == 2
    part = client.get(f"/staff/imports/report/{report['report_token']}").text
    assert "已确认以下同名相近的记录是不同地点，一并导入。" in _text(part)
    assert 'id="accept-duplicates"' not in part


def test_a_workbook_read_whole_names_each_rows_sheet_and_a_missing_sheet_is_named(
    app, engine, villages, tmp_path
):
    client, csrf = signed_in(app, engine, "admin", None)
    register = REGISTERS[2](villages)
    dry = _upload(client, csrf, register, tmp_path, dry_run=True)
    assert dry.status_code == 200, dry.text
    part = client.get(f"/staff/imports/report/{dry.json()['report_token']}").text
    said = _text(part)
    assert "读取工作表“一片区”（2 行记录）" in said and "读取工作表“二片区”（3 行记录）" in said
    assert '<td class="sheet-name">二片区</td>' in part
    assert "疑似重复：与工作表“一片区”第 3 行同名" in said
    memorials = REGISTERS[1](villages)
    missing = _upload(client, csrf, memorials, tmp_path, dry_run=True, sheet="烈士陵园")
    assert missing.status_code == 422
    assert missing.json()["detail"] == (
        "资源县烈士纪念设施名录.xlsx 中没有工作表“烈士陵园”；它的工作表有：填表说明、纪念设施。"
    )
    read = _upload(client, csrf, memorials, tmp_path, dry_run=True)
    part = client.get(f"/staff/imports/report/{read.json()['report_token']}").text
    said = _text(part)
    assert "表头在第 3–4 行（两行表头）" in said and "读取工作表“纪念设施”" in said
    assert "合并表头：“坐标（百度）”下的列 经度、纬度" in said
    assert "未读取工作表“填表说明”：没有可识别的表头" in said


def test_a_grave_register_naming_its_cemetery_says_which_cemetery_each_name_is_and_which_it_is_not(
    app, engine, villages, tmp_path
):
    with engine.connect() as conn:
        graves = cemetery_graves(conn)
    client, csrf = signed_in(app, engine, "admin", COUNTY)  # the county's administrator imports graves
    register = CEMETERY_REGISTERS[0](villages, graves)
    dry = _upload(client, csrf, register, tmp_path, dry_run=True)
    assert dry.status_code == 200, dry.text
    rows = {r["row"]: r for r in dry.json()["rows"]}
    assert {n for n, r in rows.items() if r["status"] == "rejected"} == {7, 8}
    assert rows[7]["reason_detail"]["key"] == "cemetery.unknown"
    part = client.get(f"/staff/imports/report/{dry.json()['report_token']}").text
    said = _text(part)
    assert (
        "“所在陵园”列的“中峰烈士陵园”：资源县没有这个陵园（墓区）；可选：滩鹿社区烈士墓区、资源县烈士陵园"
        in said
    )
    assert "“所在陵园”列的“堡龙村烈士墓区”在隆林各族自治县、宁明县，不在本次导入的资源县" in said
    assert "所在陵园按名称“滩鹿烈士墓区”确定为 滩鹿社区烈士墓区" in said
    english = client.get(f"/staff/imports/report/{dry.json()['report_token']}?lang=en").text
    assert "column “所在陵园”: 资源县 has no cemetery “中峰烈士陵园”" in _text(english)
