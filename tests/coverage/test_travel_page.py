"""The travel-time page ``/staff/travel`` (issue 19, item 5) and the area travel run behind it.

Over the demo atlas with the demo roads of 资源县 (450329) only: a county planner runs travel time for the county
(it was refused with 403 "only in 450329, not in the whole atlas" before), sees the network listed as covering
the county, the villages with their minutes in a table and as CSV; a planner of 兴宁区 (450102), where no road
lies, is told so and what to do; road-file refusals come in the page's language.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.coverage.roads import delete_network
from geo.coverage.roads_demo import DEMO_NETWORK, load_demo_roads
from geo.settings import Settings
from tests.staff_pages import CSRF_FIELD, signed_in_client

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"  # 资源县: the demo roads of this test
NO_ROADS = "450102"  # 兴宁区: no road of the test's network
PASSWORD = "test-travel-page-password"  # a test account's password, made by the test
CJK = re.compile(r"[\u3400-\u9fff]")
_names = itertools.count(1)


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int], tmp_path_factory) -> Iterator[FastAPI]:
    """The app (its graph cache in a folder of its own), shared by this module's clients."""
    var = tmp_path_factory.mktemp("travel_page_var")
    application = create_app(settings.model_copy(update={"var_dir": var}))
    with TestClient(application):
        yield application


@pytest.fixture(scope="module")
def network(engine: Engine, demo_counts: dict[str, int]) -> Iterator[int]:
    """The demo roads of 资源县 alone, removed after the module."""
    info = load_demo_roads(engine, counties=(COUNTY,))
    yield info.id
    with engine.begin() as conn:
        delete_network(conn, info.id)


def _signed_in(app: FastAPI, engine: Engine, role: str, area: str | None) -> TestClient:
    """A client signed in through /login as a new account of ``role`` in ``area``."""
    c, _ = signed_in_client(app, engine, f"travel-page-{role}-{next(_names)}", PASSWORD, role, area)
    return c


def _csrf(html: str) -> str:
    return CSRF_FIELD.search(html).group(1)


def _text(html: str) -> str:
    """What a reader sees of the page's body (no scripts, styles, or tags)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture(scope="module")
def county_planner(app: FastAPI, engine: Engine, network: int) -> TestClient:
    return _signed_in(app, engine, "planner", COUNTY)


@pytest.fixture(scope="module")
def county_run(county_planner: TestClient, network: int) -> dict:
    """A travel run of 资源县 by its planner, in the request."""
    csrf = _csrf(county_planner.get("/staff/travel").text)
    r = county_planner.post(
        "/api/v1/roads/travel-runs",
        json={"network_id": network, "area": COUNTY, "limits_min": [15, 30, 45], "wait": True},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_a_county_planner_runs_travel_time_for_the_county_but_not_beyond(
    county_planner: TestClient, network: int, county_run: dict, engine: Engine
) -> None:
    assert county_run["status"] == "done", county_run
    villages = county_run["counts"]["villages"]
    assert county_run["counts"]["area"] == COUNTY and villages["units"] > 0
    assert villages["reached_any"] == villages["units"]
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT left(area_code, 6) AS county, count(*) FILTER (WHERE travel_run_id = :run) AS mine "
                "FROM coverage_villages GROUP BY 1"
            ),
            {"run": county_run["id"]},
        ).all()
    written = {r.county: r.mine for r in rows}
    assert written[COUNTY] == villages["units"]  # every village of the county, none elsewhere
    assert all(n == 0 for county, n in written.items() if county != COUNTY)
    csrf = _csrf(county_planner.get("/staff/travel").text)
    for area in (None, NO_ROADS):
        body = {"network_id": network, "wait": True, **({"area": area} if area else {})}
        refused = county_planner.post("/api/v1/roads/travel-runs", json=body, headers={"X-CSRF-Token": csrf})
        assert refused.status_code == 403, (area, refused.text)
    areas = county_planner.get(
        "/api/v1/roads/service-areas", params={"area": COUNTY, "minutes": 30, "level": "village"}
    ).json()["features"]
    assert areas and all(f["properties"]["area_code"].startswith(COUNTY) for f in areas)
    assert {f["properties"]["minutes"] for f in areas} == {30.0}


def test_the_page_lists_the_network_and_shows_the_villages_with_minutes(
    county_planner: TestClient, county_run: dict, engine: Engine
) -> None:
    r = county_planner.get("/staff/travel")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    html = r.text
    seen = _text(html)
    assert "出行时间 — 资源县 (450329)" in seen
    networks = re.search(r'<table class="tt-table" id="tt-network-table">.*?</table>', html, re.S).group(0)
    row = _text(networks)
    assert DEMO_NETWORK in row and "演示（生成）" in row and "覆盖本范围" in row and "资源县 (450329)" in row
    assert "WGS84" in row and "公里" in row
    assert 'id="tt-run-form"' in html and "开始计算 资源县 (450329)" in seen
    assert "没有覆盖本范围的路网" not in seen
    # the import is for accounts of the whole atlas: the county planner is told who imports
    assert 'id="tt-import-form"' not in html and "由全部地区的规划人员或管理员导入" in seen
    table = re.search(r'<table class="tt-table" id="tt-villages">.*?</table>', html, re.S).group(0)
    body_rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    with engine.connect() as conn:
        expected = conn.execute(
            text(
                "SELECT c.area_code, a.name, c.village_station_s FROM coverage_villages c "
                "JOIN areas a ON a.code = c.area_code WHERE c.area_code LIKE :p"
            ),
            {"p": COUNTY + "%"},
        ).all()
    assert len(body_rows) == len(expected) > 0
    cells = [[unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in body_rows]
    by_code = {c[0]: c for c in cells}
    for code, name, seconds in expected:
        assert by_code[code][1] == name
        assert by_code[code][3] == f"{round(seconds / 60, 1):.1f}"
    minutes = [float(c[3]) for c in cells]
    assert minutes == sorted(minutes, reverse=True)  # longest first
    assert "最近一次计算" in seen and "计算范围 450329" in seen


def test_the_villages_download_as_csv(county_planner: TestClient, county_run: dict) -> None:
    r = county_planner.get("/staff/travel/villages.csv", params={"area": COUNTY})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["区划代码", "村(社区)", "人口", "到村站(分钟)"]
    assert len(rows) - 1 == county_run["counts"]["villages"]["units"]
    assert all(re.fullmatch(r"\d+\.\d", row[3]) for row in rows[1:])


def test_an_area_without_roads_says_so_and_what_to_do(app: FastAPI, engine: Engine, network: int) -> None:
    client = _signed_in(app, engine, "planner", NO_ROADS)
    html = client.get("/staff/travel").text
    seen = _text(html)
    assert "没有覆盖本范围的路网" in seen
    assert "兴宁区 (450102) 内没有任何已导入路网的道路" in seen
    assert "请负责全部地区的规划人员或管理员导入覆盖 兴宁区 (450102) 的道路文件" in seen
    assert 'id="tt-run-form"' not in html and "开始计算 兴宁区" not in seen
    assert "资源县 (450329)" in seen  # the networks' list still says where its roads are
    # a planner of the whole atlas is pointed at the import form on the page instead
    admin = _signed_in(app, engine, "planner", None)
    whole = admin.get("/staff/travel")  # the whole atlas: choose a county to see its villages
    assert whole.status_code == 200 and 'id="tt-area-select"' in whole.text
    assert f'<option value="{NO_ROADS}">' in whole.text and "开始计算 全国" in _text(whole.text)
    html = admin.get("/staff/travel", params={"area": NO_ROADS}).text
    assert "没有覆盖本范围的路网" in _text(html) and 'id="tt-import-form"' in html
    assert "在下方“导入路网”中上传覆盖 兴宁区 (450102) 的道路文件" in _text(html)


def test_an_area_outside_mine_is_refused_in_words(county_planner: TestClient, network: int) -> None:
    seen = _text(county_planner.get("/staff/travel", params={"area": NO_ROADS}).text)
    assert "450102 不在您的管辖范围 资源县 (450329) 内" in seen
    assert "出行时间 — 资源县 (450329)" in seen  # still the own area
    seen = _text(county_planner.get("/staff/travel", params={"area": "45032"}).text)
    assert "没有编码为 45032 的地区" in seen


def test_the_english_page_is_english_but_for_names(
    county_planner: TestClient, county_run: dict, engine: Engine
) -> None:
    html = county_planner.get("/staff/travel", params={"lang": "en"}).text
    with engine.connect() as conn:
        names = conn.execute(
            text("SELECT name FROM areas UNION SELECT name FROM stations ORDER BY 1 DESC")
        ).scalars()
        names = sorted(names, key=len, reverse=True)
    shown = _text(html).replace("中文", "")
    for name in names:
        shown = shown.replace(name, "")
    assert CJK.findall(shown) == []
    page_data = re.search(r'<script type="application/json" id="tt-data">(.*?)</script>', html, re.S).group(1)
    assert CJK.findall(unescape(page_data).split('"villages"')[0]) == []
    assert "Travel time" in html and "Run for " in html and "Minutes by road" in html


def test_the_page_needs_a_sign_in_and_the_right(app: FastAPI, engine: Engine, network: int) -> None:
    anonymous = TestClient(app, client=("10.79.250.1", 40000))
    r = anonymous.get("/staff/travel", follow_redirects=False)
    assert r.status_code == 303 and "/login" in r.headers["location"]
    crew = _signed_in(app, engine, "crew", COUNTY)
    r = crew.get("/staff/travel")
    assert r.status_code == 403 and "tt-run-form" not in r.text


def test_road_file_refusals_come_in_the_callers_language(app: FastAPI, engine: Engine, network: int) -> None:
    admin = _signed_in(app, engine, "planner", None)
    csrf = _csrf(admin.get("/staff/travel").text)
    headers = {"X-CSRF-Token": csrf, "Content-Type": "application/octet-stream"}
    r = admin.post(
        "/api/v1/roads/networks", params={"filename": "roads.txt"}, content=b"a,b\n", headers=headers
    )
    assert r.status_code == 422 and r.json()["detail"].startswith("roads.txt 不是可读取的道路文件类型")
    r = admin.post(
        "/api/v1/roads/networks",
        params={"filename": "roads.gpkg", "lang": "en"},
        content=b"",
        headers=headers,
    )
    assert r.status_code == 422 and r.json()["detail"] == "the file is empty: choose the road file itself"
    r = admin.post(
        "/api/v1/roads/networks",
        params={"filename": "roads.geojson", "lang": "en"},
        content=b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        b'"geometry": {"type": "Point", "coordinates": [110.6, 26.0]}}]}',
        headers=headers,
    )
    assert r.status_code == 422
    assert r.json()["detail"].startswith(
        "roads.geojson is not a road network: it has no lines (found 1 Point)"
    )


def test_a_large_area_lists_the_longest_trips_and_leaves_the_rest_to_the_download(
    county_planner: TestClient, county_run: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("api.routes.coverage.travel_page.ROWS_SHOWN", 5)
    html = county_planner.get("/staff/travel").text
    table = re.search(r'<table class="tt-table" id="tt-villages">.*?</table>', html, re.S).group(0)
    assert len(re.findall(r"<tr>", table.split("<tbody>")[1])) == 5
    units = county_run["counts"]["villages"]["units"]
    assert f"这里列出最需要关注的 5 个村（共 {units} 个）；下载 CSV 可得到全部。" in _text(html)
    csv_rows = county_planner.get("/staff/travel/villages.csv").content.decode("utf-8-sig").splitlines()
    assert len(csv_rows) - 1 == units
