"""The schedule page /staff/schedule (issue 20, item 2): state tabs with the counts the API gives, the table of a
state, the map's points, and the CSV and Excel downloads of every site of the state."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine

from api.app import create_app
from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import create_account
from geo.settings import Settings

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"  # 资源县
PASSWORD = "test-schedule-page-password"
_addresses = itertools.count(1)


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


@pytest.fixture(scope="module")
def planner(app: FastAPI, engine: Engine) -> TestClient:
    """A planner of 资源县 signed in through /login."""
    with engine.begin() as conn:
        create_account(conn, CLI_ACTOR, "sched-page-planner", PASSWORD, "planner", COUNTY)
    c = TestClient(app, client=(f"10.82.{next(_addresses)}.1", 40000))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    answer = c.post(
        "/login",
        data={"username": "sched-page-planner", "password": PASSWORD, "csrf_token": csrf, "next": "/staff/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    return c


def _tabs(html: str) -> dict[str, int]:
    return {
        state: int(n)
        for state, n in re.findall(r'data-state="([a-z_]+)"[^>]*>[^<]*<span class="n">(\d+)</span>', html)
    }


def _config(html: str) -> dict:
    return json.loads(unescape(re.search(r'id="sched-config">(.*?)</script>', html, re.S).group(1)))


def test_tabs_count_what_the_api_counts_and_open_on_the_overdue(planner: TestClient) -> None:
    page = planner.get("/staff/schedule")
    assert page.status_code == 200
    summary = planner.get("/api/v1/upkeep/schedule/summary").json()
    tabs = _tabs(page.text)
    assert tabs == {s: summary["states"][s] for s in ("overdue", "due_soon", "never_inspected", "ok")}
    assert tabs["overdue"] > 0
    assert re.search(r'data-state="overdue" aria-current="page"', page.text)
    assert 'aria-current="page">巡查计划<' in page.text
    rows = re.findall(r'<tr class="state-([a-z_]+)">', page.text)
    assert rows and set(rows) == {"overdue"} and len(rows) == min(50, tabs["overdue"])
    points = _config(page.text)["points"]
    assert len(points) == tabs["overdue"] and {p["state"] for p in points} == {"overdue"}
    api = planner.get("/api/v1/upkeep/schedule", params={"state": "overdue", "limit": 1}).json()
    first = api["items"][0]
    assert f">{first['days_overdue']}</td>" in page.text


def test_a_tab_shows_its_state_and_a_bad_state_says_so(planner: TestClient) -> None:
    never = planner.get("/staff/schedule", params={"state": "never_inspected", "lang": "en"})
    assert never.status_code == 200
    assert set(re.findall(r'<tr class="state-([a-z_]+)">', never.text)) <= {"never_inspected"}
    assert "Never inspected" in never.text and "Days overdue" in never.text
    bad = planner.get("/staff/schedule", params={"state": "nonsense"})
    assert bad.status_code == 200 and "没有这种状态，已显示逾期点位" in bad.text


def test_downloads_hold_every_site_of_the_state(planner: TestClient) -> None:
    total = planner.get("/api/v1/upkeep/schedule/summary").json()["states"]["overdue"]
    answer = planner.get("/staff/schedule/download.csv", params={"state": "overdue"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["类别", "ID", "点位"] and len(rows) == total + 1
    assert {r[-1] for r in rows[1:]} == {"逾期"}
    book = planner.get("/staff/schedule/download.xlsx", params={"state": "overdue", "lang": "en"})
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content)).worksheets[0]
    assert sheet.max_row == total + 1 and sheet.cell(1, 3).value == "Site"


def test_the_anonymous_are_sent_to_sign_in(anon_client: TestClient) -> None:
    answer = anon_client.get("/staff/schedule", follow_redirects=False)
    assert answer.status_code == 303 and "/login" in answer.headers["location"]
    download = anon_client.get("/staff/schedule/download.csv", follow_redirects=False)
    assert download.status_code == 303


def test_one_kind_of_site_counts_and_lists_only_its_own(planner: TestClient) -> None:
    summary = planner.get("/api/v1/upkeep/schedule/summary").json()["collections"]["graves"]
    page = planner.get("/staff/schedule", params={"state": "never_inspected", "collection": "graves"})
    assert page.status_code == 200
    assert _tabs(page.text) == {s: summary[s] for s in ("overdue", "due_soon", "never_inspected", "ok")}
    kinds = set(re.findall(r'data-label="类别">([^<]+)</td>', page.text))
    assert kinds <= {"烈士墓"} and len(_config(page.text)["points"]) == summary["never_inspected"]
    assert "download.csv?state=never_inspected&amp;collection=graves" in page.text
    rows = planner.get(
        "/staff/schedule/download.csv", params={"state": "never_inspected", "collection": "graves"}
    )
    assert len(rows.content.decode("utf-8-sig").strip().splitlines()) == summary["never_inspected"] + 1
    bad = planner.get("/staff/schedule", params={"collection": "stations"})
    assert bad.status_code == 200 and 'id="f-collection-error">请选择列表中的类别。' in bad.text
