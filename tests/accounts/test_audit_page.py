"""The audit log page ``/staff/audit`` (issue 20, item 6) and the API filters it shares: who, collection, record
and days (China time); each entry's before and after as a table of fields in words; the area rule; bad filters
answered next to their field, never a 500."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from geo.accounts.audit import CLI_ACTOR, Actor, AuditEntryInfo
from geo.accounts.users import create_account, principal_for, update_account
from geo.kit.china_time import china_day_bounds
from geo.settings import Settings
from tests.staff_pages import signed_in_client
from web.accounts.audit_page import diff_rows, entry_view, parse_audit_query, value_text

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"  # 资源县
OTHER_COUNTY = "450102"  # 兴宁区
PASSWORD = "test-audit-page-password"
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


def _sign_in(app: FastAPI, engine: Engine, name: str, role: str, area: str | None) -> TestClient:
    return signed_in_client(app, engine, name, PASSWORD, role, area)[0]


@pytest.fixture(scope="module")
def history(engine: Engine, demo_counts: dict[str, int]) -> dict[str, int]:
    """Written by a county admin: a crew account created in 资源县 then disabled; one in 兴宁区 by the CLI."""
    with engine.begin() as conn:
        admin = create_account(conn, CLI_ACTOR, "audit-page-writer", PASSWORD, "admin", COUNTY)
    with engine.begin() as conn:
        actor = Actor(principal_for(conn, admin.id), "req-audit-page", "10.80.0.9")
        crew = create_account(conn, actor, "audit-page-crew", PASSWORD, "crew", COUNTY)
        update_account(conn, actor, crew.id, disabled=True)
        elsewhere = create_account(conn, CLI_ACTOR, "audit-page-elsewhere", PASSWORD, "crew", OTHER_COUNTY)
    return {"admin": admin.id, "crew": crew.id, "elsewhere": elsewhere.id}


@pytest.fixture(scope="module")
def reader(app: FastAPI, engine: Engine, history: dict[str, int]) -> TestClient:
    """Another admin of 资源县, signed in."""
    return _sign_in(app, engine, "audit-page-reader", "admin", COUNTY)


def _entries(html: str) -> list[dict]:
    """Each entry of the page: its heading, meta line and diff rows {field: (before, after)}."""
    found = []
    for body in re.findall(r'<li class="entry" data-entry="\d+">(.*?)</li>', html, re.S):

        def plain(s: str) -> str:
            return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", s))).strip()

        rows = {}
        for field, cells in re.findall(r'<tr data-field="([^"]+)">(.*?)</tr>', body, re.S):
            texts = [plain(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", cells, re.S)]
            rows[field] = (texts[1], texts[2])
        found.append(
            {
                "heading": plain(re.search(r"<h2[^>]*>(.*?)</h2>", body, re.S).group(1)),
                "meta": plain(re.search(r'<p class="meta">(.*?)</p>', body, re.S).group(1)),
                "rows": rows,
            }
        )
    return found


def test_the_api_filters_by_who_collection_record_and_day(reader, history):
    crew = history["crew"]
    by_record = reader.get(f"/api/v1/audit?collection=accounts&record_id={crew}").json()
    assert [e["action"] for e in by_record["entries"]] == ["update", "create"]
    assert by_record["entries"][0]["before"]["disabled"] is False
    assert by_record["entries"][0]["after"]["disabled"] is True
    by_actor = reader.get("/api/v1/audit?actor=AUDIT-PAGE-WRITER").json()
    assert by_actor["numberMatched"] >= 2
    assert {e["actor"] for e in by_actor["entries"]} == {"audit-page-writer"}
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    same_day = reader.get(f"/api/v1/audit?actor=audit-page-writer&since={today}&until={today}").json()
    assert same_day["numberMatched"] == by_actor["numberMatched"]
    tomorrow = today + dt.timedelta(days=1)
    later = reader.get(f"/api/v1/audit?actor=audit-page-writer&since={tomorrow}").json()
    assert later["numberMatched"] == 0
    ends = reader.get("/api/v1/audit?since=0001-01-01&until=9999-12-31&actor=audit-page-writer").json()
    assert ends["numberMatched"] == by_actor["numberMatched"]
    assert reader.get("/api/v1/audit?actor=a%20b").status_code == 422
    reversed_days = reader.get(f"/api/v1/audit?since={tomorrow}&until={today}&lang=en")
    assert (
        reversed_days.status_code == 400
        and reversed_days.json()["detail"] == "the last day lies before the first"
    )


def test_days_are_china_calendar_days():
    since, until = china_day_bounds(dt.date(2026, 4, 5), dt.date(2026, 4, 5))
    assert since == dt.datetime(2026, 4, 4, 16, 0, tzinfo=dt.UTC)
    assert until == dt.datetime(2026, 4, 5, 16, 0, tzinfo=dt.UTC)


def test_the_page_shows_the_record_history_as_before_and_after(reader, history):
    crew = history["crew"]
    page = reader.get(f"/staff/audit?collection=accounts&record={crew}")
    assert page.status_code == 200
    entries = _entries(page.text)
    assert [e["heading"] for e in entries] == [
        f"修改 账号 #{crew} audit-page-crew",
        f"新建 账号 #{crew} audit-page-crew",
    ]
    disabled, created = entries
    assert disabled["rows"] == {"disabled": ("否", "是")}
    assert "audit-page-writer（管理员）" in disabled["meta"] and "区域 450329" in disabled["meta"]
    assert created["rows"]["username"] == ("—", "audit-page-crew")
    assert created["rows"]["role"] == ("—", "维护人员")
    assert "共 2 条，显示第 1–2 条" in unescape(page.text)
    assert "未改动的字段（4）" in unescape(page.text)  # id, username, role, area_code of the disabling


def test_the_page_filters_by_who(reader, history):
    entries = _entries(reader.get("/staff/audit?actor=audit-page-writer").text)
    assert len(entries) >= 2 and all("audit-page-writer（管理员）" in e["meta"] for e in entries)
    assert _entries(reader.get("/staff/audit?actor=nobody-wrote-this").text) == []


def test_an_admin_reads_only_the_log_of_its_area(reader, history):
    html = reader.get("/staff/audit?collection=accounts").text
    assert "audit-page-crew" in html and "audit-page-elsewhere" not in html
    assert (
        reader.get(f"/staff/audit?collection=accounts&record={history['elsewhere']}").text.count(
            'class="entry"'
        )
        == 0
    )


@pytest.mark.parametrize(
    ("query", "field", "sentence"),
    [
        ("record=abc", "record", "记录编号为正整数"),
        ("record=-3", "record", "记录编号为正整数"),
        ("since=2026-13-40", "since", "请按 年-月-日 填写日期"),
        ("since=2026-05-02&until=2026-05-01", "until", "结束日期早于开始日期"),
        ("collection=Robert');DROP", "collection", "没有这个数据类别"),
        ("actor=" + "x" * 65, "actor", "用户名为 1–64 个字符：字母、数字、“.”、“_”或“-”"),
        ("actor=a%20b", "actor", "用户名为 1–64 个字符：字母、数字、“.”、“_”或“-”"),
        ("until=9999-12-31&since=0001-01-01", None, None),
    ],
)
def test_a_bad_filter_is_answered_next_to_its_field(reader, history, query, field, sentence):
    page = reader.get(f"/staff/audit?{query}")
    if field is None:  # the ends of the calendar: every entry, no error
        assert page.status_code == 200 and 'class="entry"' in page.text
        return
    assert page.status_code == 400
    html = unescape(page.text)
    assert f'<p class="field-error" id="f-{field}-error">{sentence}</p>' in html
    assert 'class="entry"' not in html and "请先改正上面标出的筛选条件。" in html


def test_paging_keeps_the_filters(reader, history, engine):
    with engine.begin() as conn:  # more than a page of one record's entries
        busy = create_account(conn, CLI_ACTOR, "audit-page-busy", PASSWORD, "crew", COUNTY)
        for i in range(21):
            update_account(conn, CLI_ACTOR, busy.id, role=("planner", "crew")[i % 2])
    first = reader.get(f"/staff/audit?collection=accounts&record={busy.id}").text
    assert first.count('class="entry"') == 20
    assert "共 22 条，显示第 1–20 条" in unescape(first) and "第 1 / 2 页" in first
    assert f'rel="next" href="/staff/audit?collection=accounts&amp;record={busy.id}&amp;page=2"' in first
    second = reader.get(f"/staff/audit?collection=accounts&record={busy.id}&page=2").text
    assert second.count('class="entry"') == 2 and "共 22 条，显示第 21–22 条" in unescape(second)
    assert f'rel="prev" href="/staff/audit?collection=accounts&amp;record={busy.id}"' in second
    assert 'rel="next"' not in second


def test_values_are_written_in_words():
    assert value_text("disabled", True, "zh") == "是"
    assert value_text("role", "planner", "en") == "Planner"
    assert (
        value_text("geom", {"type": "Point", "coordinates": [110.6, 25.9]}, "zh")
        == "点 110.600000, 25.900000"
    )
    ring = [[[0, 0], [1, 0], [1, 1], [0, 0]]]
    assert value_text("zone", {"type": "Polygon", "coordinates": ring}, "en") == "Polygon (4 vertices)"
    assert value_text("note", None, "en") == "(empty)"
    assert value_text("revoked_at", "2026-04-04T16:30:05+00:00", "zh") == "2026-04-05 00:30:05"
    assert value_text("five_have", {"staff": True, "money": False}, "en") == "staff: yes; money: no"
    long = value_text("notes", "字" * 400, "zh")
    assert long.startswith("字" * 300) and long.endswith("…（共 400 字）")
    rows = diff_rows({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}, "en")
    assert [(r.field, r.before, r.after, r.changed) for r in rows] == [
        ("a", "1", "1", False),
        ("b", "2", "3", True),
        ("c", "", "4", True),
    ]
    assert parse_audit_query({"page": "x"}, "zh").page == 1


def test_english_is_complete(app, engine, history):
    c = _sign_in(app, engine, "audit-page-reader-en", "admin", None)
    html = c.get(f"/staff/audit?collection=accounts&record={history['crew']}&lang=en").text
    assert '<html lang="en">' in html
    entries = _entries(html)
    assert entries[0]["heading"] == f"Changed Accounts #{history['crew']} audit-page-crew"
    assert entries[0]["rows"] == {"disabled": ("no", "yes")}
    shown = re.sub(r'<a [^>]*lang="zh-CN">中文</a>', "", re.sub(r"<style>.*?</style>", "", html, flags=re.S))
    assert CJK.findall(shown) == [], CJK.findall(shown)[:20]


def test_an_entry_object_renders(reader):
    """An entry with neither before nor after (a run) says so rather than showing an empty table."""
    entry = AuditEntryInfo(
        1,
        dt.datetime.now(dt.UTC),
        None,
        "cli",
        "admin",
        "run",
        "coverage_runs",
        7,
        None,
        None,
        None,
        None,
        None,
    )
    view = entry_view(entry, "zh")
    assert view.changed == [] and view.action == "运行" and view.record == "覆盖分析 #7"
