"""The crews' task list (``/api/v1/me/tasks``) and phone pages (``/crew``), on a real PostGIS.

Distances are checked against pyproj's geodesic on the WGS-84 ellipsoid, an oracle independent of PostGIS.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod
from sqlalchemy import Engine, text

from api.app import create_app
from geo.settings import Settings
from geo.upkeep.crew_tasks import PRIORITY_RANK
from geo.upkeep.schedules import china_today
from tests.auth_helpers import staff_accounts
from tests.factories import make_site_at
from tests.upkeep.work_order_setup import make_assigned_order

COUNTY = "450329"  # 资源县
OTHER_COUNTY = "450102"
OTHER_POINT = (108.5227, 22.9622)  # inside 兴宁区 (450102)
HERE = (110.64, 26.04)  # where the crew stands
NEAR, MIDDLE, FAR = (110.641, 26.04), (110.66, 26.05), (110.70, 26.08)
GRAVE_POINT = (110.655, 26.047)
GEOD = Geod(ellps="WGS84")


pytestmark = pytest.mark.usefixtures("atlas_restored")  # the sites made here go after the module


@pytest.fixture(scope="module")
def crews(engine: Engine, demo_counts: dict[str, int]) -> dict[str, tuple[int, dict[str, str]]]:
    """Account id and bearer headers: 'crew' and 'crew2' of the county, 'planner' of it, 'crew-out' elsewhere."""
    specs = (
        ("crew", "crew", COUNTY),
        ("crew2", "crew", COUNTY),
        ("planner", "planner", COUNTY),
        ("crew-out", "crew", OTHER_COUNTY),
    )
    return staff_accounts(engine, specs, "tasks")


@pytest.fixture(scope="module")
def sites(client: TestClient) -> dict[str, dict]:
    """Three never-inspected memorials of the county (due at once) and one in another county."""
    return {
        "near": make_site_at(client, "memorials", NEAR, name="近处纪念碑"),
        "middle": make_site_at(client, "memorials", MIDDLE, name="中间纪念碑"),
        "far": make_site_at(client, "memorials", FAR, name="远处纪念碑"),
        "other": make_site_at(client, "memorials", OTHER_POINT, name="外县纪念碑"),
    }


@pytest.fixture(scope="module")
def assigned_order(client: TestClient, crews, sites) -> dict:
    """An urgent repair at the far memorial, assigned to 'crew'."""
    due_on = (china_today() + dt.timedelta(days=3)).isoformat()
    return make_assigned_order(
        client, sites["far"]["id"], crews["crew"][0], "碑文脱落", priority="urgent", due_on=due_on
    )


def _tasks(client: TestClient, headers: dict[str, str], **params) -> dict:
    response = client.get("/api/v1/me/tasks", params={"limit": 500, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _set_last_inspected(engine: Engine, site_id: int, day: dt.date | None) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE memorials SET last_inspected_on = :d WHERE id = :id"), {"d": day, "id": site_id}
        )


def test_tasks_nearest_first_with_geodesic_distances(client, crews, sites, assigned_order):
    found = _tasks(client, crews["crew"][1], lon=HERE[0], lat=HERE[1])
    tasks = found["tasks"]
    assert found["position"] == {"lon": HERE[0], "lat": HERE[1]}
    assert found["numberMatched"] == found["numberReturned"] == len(tasks) > 3
    distances = [t["distance_m"] for t in tasks]
    assert distances == sorted(distances)
    mine = {(t["type"], t["site_id"]): t for t in tasks if t["site_id"] in {s["id"] for s in sites.values()}}
    # the far memorial twice: as a due inspection and as my work order; never the other county's
    assert set(mine) == {
        ("inspection", sites["near"]["id"]),
        ("inspection", sites["middle"]["id"]),
        ("inspection", sites["far"]["id"]),
        ("work_order", sites["far"]["id"]),
    }
    ids = [t["site_id"] for t in tasks]
    assert ids.index(sites["near"]["id"]) < ids.index(sites["middle"]["id"]) < ids.index(sites["far"]["id"])
    for key, point in (("near", NEAR), ("middle", MIDDLE), ("far", FAR)):
        item = mine[("inspection", sites[key]["id"])]
        expected = GEOD.inv(HERE[0], HERE[1], point[0], point[1])[2]
        assert item["distance_m"] == pytest.approx(expected, abs=0.01)
        assert (item["lon"], item["lat"]) == pytest.approx(point)
        assert item["status"] == "never_inspected" and item["due_on"] is None and item["priority"] == "high"
        assert item["kind"] == "monument" and item["collection"] == "memorials"
    assert mine[("inspection", sites["near"]["id"])]["name"] == "近处纪念碑"
    order = mine[("work_order", sites["far"]["id"])]
    assert order["work_order_id"] == assigned_order["id"] and order["title"] == "碑文脱落"
    assert (order["status"], order["priority"]) == ("assigned", "urgent")
    assert 90 < mine[("inspection", sites["near"]["id"])]["distance_m"] < 110  # 0.001° of longitude at 26° N


def test_tasks_without_a_position_come_most_urgent_first(client, crews, sites, assigned_order):
    tasks = _tasks(client, crews["crew"][1])["tasks"]
    assert all(t["distance_m"] is None for t in tasks)
    assert tasks[0]["type"] == "work_order" and tasks[0]["work_order_id"] == assigned_order["id"]

    def key(t: dict) -> tuple:
        due = t["due_on"] or ("0000" if t["type"] == "inspection" else "9999")
        return PRIORITY_RANK[t["priority"]], due

    assert [key(t) for t in tasks] == sorted(key(t) for t in tasks)
    limited = client.get("/api/v1/me/tasks", params={"limit": 1}, headers=crews["crew"][1]).json()
    assert limited["numberReturned"] == 1 and limited["numberMatched"] == len(tasks)


def test_only_sites_due_within_the_soon_window_are_tasks(client, engine, crews, sites):
    today = china_today()
    middle, far = sites["middle"]["id"], sites["far"]["id"]
    # a county-level memorial is inspected every 90 days; 'due soon' is 14 days ahead
    _set_last_inspected(engine, middle, today - dt.timedelta(days=10))  # next due in 80 days: no task
    _set_last_inspected(engine, far, today - dt.timedelta(days=85))  # next due in 5 days: due soon
    try:
        tasks = _tasks(client, crews["crew"][1], lon=HERE[0], lat=HERE[1])["tasks"]
        due = {t["site_id"]: t for t in tasks if t["type"] == "inspection"}
        assert middle not in due
        assert due[far]["status"] == "due_soon" and due[far]["priority"] == "normal"
        assert due[far]["due_on"] == (today + dt.timedelta(days=5)).isoformat()
        _set_last_inspected(engine, far, today - dt.timedelta(days=100))
        tasks = _tasks(client, crews["crew"][1])["tasks"]
        overdue = next(t for t in tasks if t["type"] == "inspection" and t["site_id"] == far)
        assert overdue["status"] == "overdue" and overdue["priority"] == "high"
    finally:
        _set_last_inspected(engine, middle, None)
        _set_last_inspected(engine, far, None)


def test_tasks_are_cut_to_the_caller(client, anon_client, crews, sites, assigned_order):
    other = _tasks(client, crews["crew2"][1])["tasks"]
    assert not any(t["type"] == "work_order" for t in other)  # the order is assigned to 'crew', not me
    assert any(t["site_id"] == sites["near"]["id"] for t in other)
    planner = _tasks(client, crews["planner"][1])["tasks"]
    assert any(t["site_id"] == sites["near"]["id"] for t in planner)
    outside = _tasks(client, crews["crew-out"][1])["tasks"]
    ours = {s["id"] for k, s in sites.items() if k != "other"}
    assert not any(t["site_id"] in ours and t["collection"] == "memorials" for t in outside)
    assert any(t["site_id"] == sites["other"]["id"] for t in outside)
    assert all(t["area_code"].startswith("450102") for t in outside)
    response = anon_client.get("/api/v1/me/tasks")
    assert response.status_code == 401 and response.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [
        {"lon": 200, "lat": 26},
        {"lon": 110, "lat": -91},
        {"lon": "east", "lat": 26},
        {"lon": 110.64},
        {"lat": 26.04},
        {"lon": "nan", "lat": 26},
        {"limit": 0},
        {"limit": 501},
    ],
    ids=str,
)
def test_tasks_refuse_a_bad_position_or_limit(client, crews, params):
    response = client.get("/api/v1/me/tasks", params=params, headers=crews["crew"][1])
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


# -- pages -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crew_client(settings: Settings, demo_counts, crews) -> Iterator[TestClient]:
    """A client signed in as 'crew' by its API token (the pages accept any credentials)."""
    with TestClient(create_app(settings), headers=crews["crew"][1]) as c:
        yield c


def test_pages_send_the_anonymous_to_sign_in(anon_client, sites):
    for path in ("/crew?lang=en", f"/crew/memorials/{sites['near']['id']}"):
        response = anon_client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=%2Fcrew")
    assert "lang=en" in anon_client.get("/crew?lang=en", follow_redirects=False).headers["location"]


def test_task_page_lists_nearest_first_in_chinese_and_english(crew_client, sites, assigned_order):
    response = crew_client.get("/crew", params={"lon": HERE[0], "lat": HERE[1]})
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    page = response.text
    assert '<html lang="zh-CN">' in page and 'name="viewport"' in page and "我的任务" in page
    assert "由近及远排序" in page and "tasks-crew" in page
    near, middle = page.index("近处纪念碑"), page.index("中间纪念碑")
    assert near < middle
    assert re.search(r"\d+米", page) and "公里" in page and "碑文脱落" in page
    assert f'href="/crew/memorials/{sites["near"]["id"]}"' in page
    english = crew_client.get("/crew", params={"lang": "en"}).text
    assert '<html lang="en">' in english and "My tasks" in english and "Most urgent first" in english
    assert f'href="/crew/memorials/{sites["near"]["id"]}?lang=en"' in english
    # only the app's own assets, every script with the response's nonce
    nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"]).group(1)
    scripts = re.findall(r"<script[^>]*>", page)
    assert len(scripts) == 3 and all(f'nonce="{nonce}"' in s for s in scripts)
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_task_page_refuses_a_bad_position(crew_client):
    assert crew_client.get("/crew", params={"lon": 110.6}).status_code == 422


def test_site_page_shows_the_condition_orders_and_form(crew_client, sites, assigned_order):
    far = sites["far"]["id"]
    response = crew_client.get(f"/crew/memorials/{far}")
    assert response.status_code == 200
    page = response.text
    assert "远处纪念碑" in page and "状况指数" in page and "从未" in page and "未完成工单" in page
    assert "碑文脱落" in page and "已派工" in page and "紧急" in page
    assert page.count('class="score"') == 7 and page.count('value="na"') == 7
    assert page.count('<input type="checkbox" name="') == 5 and "基础设施完备" in page
    assert re.search(r'<input type="file"[^>]*accept="image/\*"[^>]*capture="environment"[^>]*multiple', page)
    english = crew_client.get(f"/crew/memorials/{far}", params={"lang": "en"}).text
    assert "Condition index" in english and "Open work orders" in english and "Submit inspection" in english
    assert "Never" in english and "Assigned" in english


def test_site_page_and_sheet_refuse_outside_or_unknown(crew_client, sites):
    other = crew_client.get(f"/crew/memorials/{sites['other']['id']}")
    assert other.status_code == 403 and "450102" in other.text and "<html" in other.text
    assert crew_client.get("/crew/memorials/999999999").status_code == 404
    assert crew_client.get(f"/crew/stations/{sites['near']['id']}").status_code == 404
    sheet = crew_client.get(f"/api/v1/me/sites/memorials/{sites['near']['id']}")
    assert sheet.status_code == 200 and sheet.json()["name"] == "近处纪念碑"
    assert sheet.json()["next_due_on"] is None and sheet.json()["open_orders"] == []
    assert crew_client.get(f"/api/v1/me/sites/memorials/{sites['other']['id']}").status_code == 403


def test_site_pages_of_graves_and_cemeteries(crew_client, client):
    grave = make_site_at(client, "graves", GRAVE_POINT, martyr_name="王二")
    cemetery = make_site_at(client, "cemeteries", HERE, name="测试陵园")
    page = crew_client.get(f"/crew/graves/{grave['id']}").text
    assert "散葬烈士墓（王二）" in page and "散葬" in page and "保护级别" not in page
    page = crew_client.get(f"/crew/cemeteries/{cemetery['id']}", params={"lang": "en"}).text
    assert "测试陵园" in page and "Martyr cemetery" in page and "Protection level" in page
    tasks = crew_client.get(
        "/api/v1/me/tasks", params={"lon": GRAVE_POINT[0], "lat": GRAVE_POINT[1], "limit": 1}
    ).json()
    first = tasks["tasks"][0]
    assert (first["collection"], first["site_id"], first["martyr_name"]) == ("graves", grave["id"], "王二")
    assert first["distance_m"] == pytest.approx(0, abs=0.001)


def test_planner_sees_the_site_without_the_form(client, crews, sites, settings):
    with TestClient(create_app(settings), headers=crews["planner"][1]) as planner:
        page = planner.get(f"/crew/memorials/{sites['near']['id']}").text
    assert "inspection-form" not in page and "您的角色不能提交巡查" in page


def test_crew_assets_are_served_and_nothing_else(anon_client):
    js = anon_client.get("/static/crew/crew.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "indexedDB" in js.text and "client_key" in js.text
    assert anon_client.get("/static/crew/crew.css").headers["content-type"].startswith("text/css")
    assert anon_client.get("/static/crew/..%2Fcrew_pages.py").status_code == 404
    assert anon_client.get("/static/crew/secret.txt").status_code == 404
