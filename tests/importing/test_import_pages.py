"""The import page ``/staff/imports`` (issue 19 item 7) over HTTP: a planner's dry run reports every row with the
reason in the page's language and the field it concerns, writes nothing; the commit writes the accepted rows; the
report is kept and reopened from the list of past imports of the area (not from another area's); bad files answer
a sentence in Chinese; a role without ``imports.run`` gets the refusal in the frame."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import create_account
from geo.settings import Settings
from tests.factories import ZIYUAN_POINT

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"  # 资源县
OTHER_COUNTY = "450102"  # 兴宁区 (南宁市)
PASSWORD = "test-import-pages-password"
_addresses = itertools.count(1)
_names = itertools.count(1)
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


def signed_in(app: FastAPI, engine: Engine, role: str, area: str | None) -> tuple[TestClient, str]:
    """A client signed in through /login as a new account, and the CSRF token of its session."""
    name = f"import-pages-{role}-{next(_names)}"
    with engine.begin() as conn:
        create_account(conn, CLI_ACTOR, name, PASSWORD, role, area)
    c = TestClient(app, client=(f"10.79.{next(_addresses)}.1", 40000))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    answer = c.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": csrf, "next": "/staff/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    page = c.get("/staff/imports") if role in ("planner", "admin") else c.get("/staff/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return c, token


def register_csv(tag: str) -> bytes:
    """A small station register: two good rows, then a row without a code, one with a bad level, one with a
    latitude that is not a number, and one far outside the county (in another county)."""
    lon, lat = ZIYUAN_POINT
    lines = [
        "编码,名称,级别,经度,纬度",
        f"{tag}-1,测试一村服务站,村,{lon + 0.001},{lat + 0.001}",
        f"{tag}-2,测试二村服务站,村,{lon + 0.002},{lat + 0.0015}",
        f",没有编码的站,村,{lon},{lat}",
        f"{tag}-4,级别不对的站,大队,{lon},{lat}",
        f"{tag}-5,纬度不是数字的站,村,{lon},北纬26度",
        f"{tag}-6,南宁的站,村,108.38,22.85",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def upload(client: TestClient, csrf: str, data: bytes, dry_run: bool, name: str = "register.csv", lang="zh"):
    """POST the file to the import API as the page's script does (session cookie and CSRF header)."""
    return client.post(
        f"/api/v1/imports?lang={lang}",
        headers={"X-CSRF-Token": csrf},
        data={"collection": "stations", "crs": "WGS84", "dry_run": "true" if dry_run else "false"},
        files={"file": (name, data, "text/csv")},
    )


def report_rows(html: str) -> dict[int, dict[str, str]]:
    """Row number → the report table's cells (code, result, field, reason)."""
    out = {}
    for row, body in re.findall(r'<tr class="status-\w+" data-row="(\d+)">(.*?)</tr>', html, re.S):
        cells = [
            unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
        ]
        out[int(row)] = {"code": cells[1], "result": cells[2], "field": cells[3], "reason": cells[4]}
    return out


def station_codes(engine: Engine, tag: str) -> list[str]:
    """Codes of the stored stations of a test's register."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT code FROM stations WHERE code LIKE :p ORDER BY code"), {"p": f"{tag}-%"}
            ).scalars()
        )


def test_dry_run_reports_every_row_in_chinese_and_writes_nothing_then_commit_writes(app, engine):
    client, csrf = signed_in(app, engine, "planner", COUNTY)
    page = client.get("/staff/imports")
    assert page.status_code == 200
    assert '<option value="stations">服务中心（站）</option>' in page.text
    assert 'value="memorials"' not in page.text  # a planner may import stations only

    dry = upload(client, csrf, register_csv("IMPG"), dry_run=True)
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert body["dry_run"] is True and body["counts"]["rejected"] == 4 and body["counts"]["inserted"] == 2
    assert station_codes(engine, "IMPG") == []  # a dry run writes nothing

    part = client.get(f"/staff/imports/report/{body['report_token']}")
    assert part.status_code == 200
    rows = report_rows(part.text)
    assert rows[2]["result"] == "将新增" and rows[2]["reason"] == ""
    assert rows[4] == {"code": "", "result": "拒绝", "field": "编码", "reason": rows[4]["reason"]}
    assert rows[4]["reason"].startswith("缺少编码")
    assert rows[5]["field"] == "级别"
    assert rows[5]["reason"] == "级别：取值应为 省级、市级、县级、乡镇(街道)、村(社区) 之一"
    assert rows[6]["field"] == "纬度" and "不是数字" in rows[6]["reason"]
    assert rows[7]["field"] == "区划代码" and "超出您的辖区" in rows[7]["reason"]
    assert 'id="commit"' in part.text  # the accepted rows can be committed from the report
    assert 'id="rejects-link"' in part.text
    rejects_href = re.search(r'id="rejects-link" href="([^"]+)"', part.text).group(1)
    rejects = client.get(rejects_href)
    assert rejects.status_code == 200
    assert "reject_reason" in rejects.text and "IMPG-4" in rejects.text and "IMPG-1" not in rejects.text
    assert (
        "缺少编码" in rejects.text and "级别：取值应为" in rejects.text
    )  # the reasons in the page's language

    done = upload(client, csrf, register_csv("IMPG"), dry_run=False)
    assert done.status_code == 200 and done.json()["counts"]["inserted"] == 2
    assert station_codes(engine, "IMPG") == ["IMPG-1", "IMPG-2"]
    part = client.get(f"/staff/imports/report/{done.json()['report_token']}")
    assert "已写入：新增 2 条，更新 0 条。" in unescape(part.text) and 'id="commit"' not in part.text

    past = client.get("/staff/imports").text
    tokens = re.findall(r'<tr data-report="([^"]+)">', past)
    assert tokens[:2] == [done.json()["report_token"], body["report_token"]]  # newest first
    reopened = client.get(f"/staff/imports?report={body['report_token']}")
    assert reopened.status_code == 200
    assert report_rows(reopened.text)[4]["reason"].startswith("缺少编码")
    assert "若要正式导入，请重新选择该文件" in reopened.text  # a kept dry run cannot commit without its file


def test_the_report_in_english_has_no_chinese_but_the_data(app, engine):
    client, csrf = signed_in(app, engine, "planner", COUNTY)
    dry = upload(client, csrf, register_csv("IMPE"), dry_run=True, lang="en")
    part = client.get(f"/staff/imports/report/{dry.json()['report_token']}?lang=en")
    rows = report_rows(part.text)
    assert rows[4]["field"] == "Code" and rows[4]["reason"].startswith("no code")
    assert rows[5]["field"] == "Level" and rows[5]["reason"].startswith("Level: should be one of")
    for row in rows.values():
        said = row["reason"].replace("北纬26度", "")  # the file's own value is quoted as it is
        assert not CJK.search(said + row["field"] + row["result"]), row
    page = client.get("/staff/imports?lang=en").text
    labels = re.sub(r"<[^>]+>", " ", page.split("<main>")[1].split("<script")[0])
    assert not CJK.search(re.sub(r"IMP\w-\d|测试\S*|\S*的站|\S+\.csv", "", labels))


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        pytest.param(b"", "empty.csv", "上传的文件是空的。", id="empty"),
        pytest.param("甲,乙\n1,2\n".encode(), "unknown.csv", "文件中没有坐标列", id="no-known-columns"),
        pytest.param(
            "经度,纬度\n110.6,26.0\n".encode(),
            "nocode.csv",
            "文件缺少每条服务中心（站）记录必需的列",
            id="no-code",
        ),
        pytest.param(b"PK\x03\x04broken", "broken.zip", "不是有效的 zip 文件", id="not-a-zip"),
    ],
)
def test_a_bad_file_answers_a_sentence_in_chinese(app, engine, data, name, expected):
    client, csrf = signed_in(app, engine, "planner", COUNTY)
    answer = upload(client, csrf, data, dry_run=True, name=name)
    assert 400 <= answer.status_code < 500
    assert expected in answer.json()["detail"]


def test_past_imports_of_another_area_are_neither_listed_nor_opened(app, engine):
    here, csrf = signed_in(app, engine, "planner", COUNTY)
    token = upload(here, csrf, register_csv("IMPO"), dry_run=True).json()["report_token"]
    there, _ = signed_in(app, engine, "planner", OTHER_COUNTY)
    assert token not in there.get("/staff/imports").text
    gone = there.get(f"/staff/imports?report={token}")
    assert gone.status_code == 200 and "该导入报告已过期，或不属于您的辖区" in gone.text
    assert there.get(f"/staff/imports/report/{token}").status_code == 404
    admin, _ = signed_in(app, engine, "admin", None)
    assert token in admin.get("/staff/imports").text  # the whole atlas's admin sees every area's imports


def test_a_role_without_the_import_right_gets_the_refusal_in_the_frame(app, engine):
    client, _ = signed_in(app, engine, "crew", COUNTY)
    page = client.get("/staff/imports")
    assert page.status_code == 403
    assert 'class="staff-header"' in page.text and 'id="import-form"' not in page.text


def test_the_anonymous_are_sent_to_sign_in(app):
    answer = TestClient(app).get("/staff/imports", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
