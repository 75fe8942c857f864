"""The import page ``/staff/imports`` (issue 19 item 7) over HTTP: a planner's dry run reports every row with the
reason in the page's language and the field it concerns, writes nothing; the commit writes the accepted rows; the
report is kept and reopened from the list of past imports of the area (not from another area's); bad files answer
a sentence in Chinese; a role without ``imports.run`` gets the refusal in the frame."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from geo.settings import Settings
from tests.importing.import_pages import CJK, register_csv, report_rows, signed_in, station_codes, upload

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"  # 资源县
OTHER_COUNTY = "450102"  # 兴宁区 (南宁市)


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


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
    assert rows[4] == {"code": "", "result": "拒绝", "field": "星级", "reason": rows[4]["reason"]}
    assert rows[4]["reason"].startswith("“星级”列的“五星半”不是星级：应为 1–5 星")
    assert rows[5]["field"] == "级别"
    assert rows[5]["reason"].startswith("“级别”列的“大队”不是站点级别：应为 省级、市级")
    assert rows[6]["field"] == "纬度" and "不是坐标" in rows[6]["reason"]
    assert rows[7]["field"] == "区划代码" and "超出您的辖区" in rows[7]["reason"]
    assert 'id="commit"' in part.text  # the accepted rows can be committed from the report
    assert 'id="rejects-link"' in part.text
    rejects_href = re.search(r'id="rejects-link" href="([^"]+)"', part.text).group(1)
    rejects = client.get(rejects_href)
    assert rejects.status_code == 200
    assert "reject_reason" in rejects.text and "IMPG-4" in rejects.text and "IMPG-1" not in rejects.text
    assert (
        "“五星半”不是星级" in rejects.text and "不是站点级别" in rejects.text
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
    assert "五星半" in report_rows(reopened.text)[4]["reason"]
    assert 'id="commit"' in reopened.text  # its uploader may still commit the file the dry run kept


def test_a_dry_run_is_committed_from_its_kept_file_once_and_by_its_uploader_only(app, engine):
    client, csrf = signed_in(app, engine, "planner", COUNTY)
    dry = upload(client, csrf, register_csv("IMPK"), dry_run=True).json()
    neighbour, neighbour_csrf = signed_in(app, engine, "planner", COUNTY)  # same county, another account
    assert 'id="commit"' not in neighbour.get(f"/staff/imports?report={dry['report_token']}").text
    refused = neighbour.post(
        f"/api/v1/imports/reports/{dry['report_token']}/commit", headers={"X-CSRF-Token": neighbour_csrf}
    )
    assert refused.status_code == 404 and "试导入的文件已不再保留" in refused.json()["detail"]
    no_csrf = client.post(f"/api/v1/imports/reports/{dry['report_token']}/commit")
    assert no_csrf.status_code == 403 and station_codes(engine, "IMPK") == []

    done = client.post(
        f"/api/v1/imports/reports/{dry['report_token']}/commit", headers={"X-CSRF-Token": csrf}
    )
    assert done.status_code == 200, done.text
    report = done.json()
    assert report["dry_run"] is False and report["file"] == "register.csv"
    assert report["counts"] == {"rows": 6, "inserted": 2, "updated": 0, "unchanged": 0, "rejected": 4}
    assert station_codes(engine, "IMPK") == ["IMPK-1", "IMPK-2"]
    part = client.get(f"/staff/imports/report/{report['report_token']}")
    assert "导入完成" in part.text and "五星半" in report_rows(part.text)[4]["reason"]
    again = client.post(
        f"/api/v1/imports/reports/{dry['report_token']}/commit", headers={"X-CSRF-Token": csrf}
    )
    assert again.status_code == 404  # once: the file is used up
    reopened = client.get(f"/staff/imports?report={dry['report_token']}").text
    assert (
        'id="commit"' not in reopened and "该试导入已于" in reopened and "正式导入，不能再次提交" in reopened
    )
    listed = re.search(rf'<tr data-report="{dry["report_token"]}".*?</tr>', reopened, re.S).group(0)
    assert "试导入（已正式导入）" in listed


def test_the_report_in_english_has_no_chinese_but_the_data(app, engine):
    client, csrf = signed_in(app, engine, "planner", COUNTY)
    dry = upload(client, csrf, register_csv("IMPE"), dry_run=True, lang="en")
    part = client.get(f"/staff/imports/report/{dry.json()['report_token']}?lang=en")
    rows = report_rows(part.text)
    assert rows[4]["field"] == "Star rating"
    assert rows[4]["reason"].startswith("column “星级”: “五星半” is not a star rating")
    assert rows[5]["field"] == "Level" and rows[5]["reason"].startswith(
        "column “级别”: “大队” is not a station level"
    )
    for row in rows.values():
        # the file's own headers and values are quoted as they are, the accepted forms as registers write them
        said = re.sub(r"“[^”]*”", "", row["reason"]).split("expected")[0]
        assert not CJK.search(said + row["field"] + row["result"]), row
    page = client.get("/staff/imports?lang=en").text
    labels = re.sub(r"<[^>]+>", " ", page.split("<main>")[1].split("<script")[0])
    assert not CJK.search(re.sub(r"IMP\w-\d|测试\S*|\S*的站|\S+\.csv|资源县", "", labels))


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
