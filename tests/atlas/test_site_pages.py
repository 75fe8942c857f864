"""The staff site pages (issue 19 item 6) over HTTP: the list of my area's sites by collection with name search
and paging, the edit and new pages (form in the catalogue's words, map data in WGS-84), who may open which, and
the protection-zone check page."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.settings import Settings
from tests.staff_pages import signed_in_client

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"  # 资源县
OTHER_COUNTY = "450330"
PASSWORD = "test-site-pages-password"
_names = itertools.count(1)
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


def signed_in(app: FastAPI, engine: Engine, role: str, area: str | None) -> TestClient:
    """A client signed in through /login as a new account of ``role`` in ``area``."""
    c, _ = signed_in_client(app, engine, f"site-pages-{role}-{next(_names)}", PASSWORD, role, area)
    return c


@pytest.fixture(scope="module")
def planner(app: FastAPI, engine: Engine) -> TestClient:
    return signed_in(app, engine, "planner", COUNTY)


@pytest.fixture(scope="module")
def crew(app: FastAPI, engine: Engine) -> TestClient:
    return signed_in(app, engine, "crew", COUNTY)


@pytest.fixture(scope="module")
def admin(app: FastAPI, engine: Engine) -> TestClient:
    return signed_in(app, engine, "admin", COUNTY)


def _first(engine: Engine, table: str, area_prefix: str = COUNTY) -> tuple[int, str]:
    with engine.connect() as conn:
        row = conn.execute(
            text(f"SELECT id, name FROM {table} WHERE area_code LIKE :p ORDER BY id LIMIT 1"),
            {"p": area_prefix + "%"},
        ).first()
    assert row is not None, f"the demo has no {table} in {area_prefix}"
    return row.id, row.name


def _tabs(html: str) -> list[str]:
    nav = re.search(r'<ul class="sites-tabs">(.*?)</ul>', html, re.S).group(1)
    return [unescape(x) for x in re.findall(r">([^<]+)</a>", nav)]


def _config(html: str, element: str) -> dict:
    return json.loads(re.search(rf'<script[^>]*id="{element}">(.*?)</script>', html, re.S).group(1))


def test_a_planner_lists_the_stations_of_the_area_and_finds_one_by_name(planner, engine):
    page = planner.get("/staff/sites")
    assert page.status_code == 200
    html = page.text
    assert _tabs(html) == ["服务站"]
    assert 'href="/staff/sites/stations/new">新增服务站</a>' in html
    with engine.connect() as conn:
        total = conn.execute(
            text("SELECT count(*) FROM stations WHERE area_code LIKE :p"), {"p": COUNTY + "%"}
        ).scalar_one()
    assert f"共 {total} 条" in html
    links = re.findall(r'<a href="/staff/sites/stations/(\d+)">', html)
    assert len(links) == min(25, total)
    site_id, name = _first(engine, "stations")
    found = planner.get("/staff/sites", params={"collection": "stations", "q": name}).text
    assert f'<a href="/staff/sites/stations/{site_id}">{name}</a>' in unescape(found)
    assert "没有符合条件的点位" in planner.get("/staff/sites", params={"q": "no-such-site-anywhere"}).text
    if total > 25:
        second = planner.get("/staff/sites", params={"collection": "stations", "offset": "25"}).text
        assert "上一页" in second and "第 26–" in second
        assert set(re.findall(r"/staff/sites/stations/(\d+)", second)).isdisjoint(links)
    # a collection the planner may not edit falls back to one it may; a bad offset is the first page
    assert _tabs(planner.get("/staff/sites?collection=memorials&offset=x").text) == ["服务站"]


def test_a_crew_lists_what_it_maintains_and_creates_nothing(crew):
    html = crew.get("/staff/sites?collection=graves").text
    assert _tabs(html) == ["纪念设施", "烈士陵园", "烈士墓"]
    assert 'aria-current="page">烈士墓' in html
    assert "/new" not in html


def test_the_anonymous_are_sent_to_sign_in(app):
    c = TestClient(app, client=("10.79.250.1", 40000))
    for path in ("/staff/sites", "/staff/sites/stations/1", "/staff/zones/check"):
        answer = c.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")


def test_the_edit_page_holds_the_site_in_the_catalogues_words(planner, engine):
    site_id, name = _first(engine, "stations")
    page = planner.get(f"/staff/sites/stations/{site_id}")
    assert page.status_code == 200
    html = page.text
    assert f"编辑：{name}" in unescape(html)
    assert '<label for="f-level">级别' in html and '<option value="village"' in html
    assert "村(社区)" in html and "乡镇(街道)" in html
    assert '<label for="f-has_organisation">有机构</label>' in html
    config = _config(html, "site-config")
    assert config["id"] == site_id and config["collection"] == "stations"
    assert config["feature"]["properties"]["name"] == name
    assert config["feature"]["geometry"]["type"] == "Point"
    assert config["zones"] == []  # a station has no zone
    assert config["api"] == "/api/v1/stations" and config["csrf"]
    assert config["outline"]["type"] in ("Polygon", "MultiPolygon")  # my county, for a map with no basemap
    assert config["basemap"]["crs"] == "wgs84"
    for src in ("leaflet-geoman.min.js", "/static/staff/sites.js", "/static/staff/sites.map.js"):
        assert src in html
    assert planner.get("/static/staff/sites.js").status_code == 200
    assert planner.get("/static/staff/sites.css").status_code == 200


def test_a_memorial_page_draws_its_two_zones(admin, engine):
    site_id, _ = _first(engine, "memorials")
    html = admin.get(f"/staff/sites/memorials/{site_id}").text
    config = _config(html, "site-config")
    assert [z["name"] for z in config["zones"]] == ["protection_zone", "control_zone"]
    assert [z["label"] for z in config["zones"]] == ["保护范围", "建设控制地带"]
    assert "绘制保护范围" in html and "删除建设控制地带" in html
    assert '<label for="f-protection_level">保护级别' in html and "全国重点" in html
    cemetery_id, _ = _first(engine, "cemeteries")
    config = _config(admin.get(f"/staff/sites/cemeteries/{cemetery_id}").text, "site-config")
    assert [z["name"] for z in config["zones"]] == ["boundary", "protection_zone", "control_zone"]


def test_a_new_site_page_starts_empty_with_the_defaults(admin):
    html = admin.get("/staff/sites/memorials/new").text
    assert "新增纪念设施" in html and ">创建</button>" in html
    config = _config(html, "site-config")
    assert config["id"] is None and config["feature"] is None
    assert re.search(r'<option value="unknown" selected>未评估</option>', html)


def test_who_may_open_which_edit_page(planner, crew, engine):
    memorial_id, _ = _first(engine, "memorials")
    refused = planner.get(f"/staff/sites/memorials/{memorial_id}")
    assert refused.status_code == 403 and "不能修改纪念设施" in refused.text
    assert crew.get(f"/staff/sites/memorials/{memorial_id}").status_code == 200
    new = crew.get("/staff/sites/memorials/new")
    assert new.status_code == 403 and "不能新增纪念设施" in new.text
    outside_id, _ = _first(engine, "stations", OTHER_COUNTY)
    elsewhere = planner.get(f"/staff/sites/stations/{outside_id}")
    assert elsewhere.status_code == 403 and "不在您的辖区" in elsewhere.text
    for path in ("/staff/sites/stations/999999999", "/staff/sites/stations/abc", "/staff/sites/parks/1"):
        missing = planner.get(path)
        assert missing.status_code == 404 and 'role="alert"' in missing.text, path


def test_english_pages_are_complete(admin, engine):
    site_id, _ = _first(engine, "memorials")
    for path in (
        "/staff/sites?lang=en",
        f"/staff/sites/memorials/{site_id}?lang=en",
        "/staff/zones/check?lang=en",
    ):
        html = admin.get(path).text
        assert '<html lang="en">' in html, path
        body = re.sub(r"<style>.*?</style>|<script.*?</script>", "", html, flags=re.S)
        body = re.sub(r'<a [^>]*lang="zh-CN">中文</a>', "", body)
        # the site's own data (names, addresses) may be Chinese: only look at what the page itself writes
        body = re.sub(r"<(input|textarea)[^>]*>(.*?</textarea>)?", "", body, flags=re.S)
        body = re.sub(r'<td><a href="/staff/sites/[^"]+">[^<]*</a>', "", body)
        body = re.sub(r"<td[^>]*>[^<]*\(\d+\)</td>", "", body)
        body = re.sub(r"<h1[^>]*>Edit: [^<]*</h1>|<title>Edit: [^<]*", "", body)
        body = re.sub(r'<dd class="staff-area">[^<]*</dd>', "", body)
        assert CJK.findall(body) == [], (path, CJK.findall(body)[:20])
        if "/staff/sites?" not in path:
            config = _config(html, "site-config" if "/memorials/" in path else "zones-config")
            assert not [m for m in config["messages"].values() if CJK.search(m)]


def test_the_zone_check_page_is_open_to_every_staff_account(crew, planner):
    for c in (crew, planner):
        html = c.get("/staff/zones/check").text
        assert "保护范围核查" in html
        config = _config(html, "zones-config")
        assert config["zones"] == {"protection_zone": "保护范围", "control_zone": "建设控制地带"}
        assert "GCJ-02（高德、腾讯地图）" in html
