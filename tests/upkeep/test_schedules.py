"""Upkeep schedules (next due dates, overdue lists, summary), seasonal campaigns and their CLI, on a real PostGIS.

The sites are made in a village of 资源县 (450329) that has none of the demo's, with last-inspection dates set
relative to today, so every due date, state and count below is known by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from typer.testing import CliRunner

import main
from api.app import create_app
from geo.errors import Forbidden, InvalidInput
from geo.principal import Principal
from geo.settings import Settings, UpkeepSettings
from geo.upkeep.campaigns import default_dates, qingming_date
from geo.upkeep.schedules import ScheduleQuery, china_today, list_schedule, schedule_summary
from tests.auth_helpers import each_role_in, headers_only, newest_site_ids, remove_sites_after, staff_accounts
from tests.command_line import run_main
from tests.factories import make_site_at, square

COUNTY = "450329"  # 资源县
OTHER_COUNTY = "450102"  # 兴宁区
NATIONAL = Principal(None, "sched-test", "admin", None)


@pytest.fixture(scope="module")
def today() -> dt.date:
    """China's date when the module's sites are made: their last inspections count back from it, so the module
    does not depend on the hour the suite was collected (collected before midnight in China, run after, it did)."""
    return china_today()


@pytest.fixture(scope="module")
def village(engine: Engine, demo_counts: dict[str, int]) -> tuple[str, tuple[float, float]]:
    """A village of the county with no memorial, cemetery or grave, and a point inside it."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT a.code, ST_X(p) AS x, ST_Y(p) AS y FROM areas a, LATERAL ST_PointOnSurface(a.geom) p "
                "WHERE a.level = 'village' AND a.code LIKE :county AND NOT EXISTS ("
                "SELECT 1 FROM (SELECT area_code FROM memorials UNION ALL SELECT area_code FROM cemeteries "
                "UNION ALL SELECT area_code FROM graves) s WHERE s.area_code = a.code) ORDER BY a.code LIMIT 1"
            ),
            {"county": COUNTY + "%"},
        ).one()
    return row.code, (row.x, row.y)


@pytest.fixture(scope="module")
def sites(
    client: TestClient, engine: Engine, village, today: dt.date
) -> Iterator[dict[str, tuple[str, int]]]:
    """(collection, id) per key; last inspections relative to today (cycles: the defaults of UpkeepSettings)."""
    newest = newest_site_ids(engine)
    with engine.connect() as conn:
        campaigns_before = conn.execute(text("SELECT coalesce(max(id), 0) FROM campaigns")).scalar_one()
    code, point = village

    def make(collection: str, **props) -> int:
        if collection == "memorials":
            props.setdefault("protection_zone", square(*point))
        if collection == "cemeteries":
            props.setdefault("boundary", square(*point, 0.001))
        return make_site_at(client, collection, point, area_code=code, **props)["id"]

    out = {
        # cycle 30: due today → due_soon, 0 days overdue
        "national": ("memorials", make("memorials", name="国家级纪念碑", protection_level="national",
                                       last_inspected_on=(today - dt.timedelta(days=30)).isoformat())),
        # cycle 60: due 31 days ago → overdue 31
        "provincial": ("memorials", make("memorials", name="省级纪念碑", protection_level="provincial",
                                         last_inspected_on=(today - dt.timedelta(days=91)).isoformat())),
        # cycle 90: due in 29 days → ok
        "city": ("memorials", make("memorials", name="市级纪念碑", protection_level="city",
                                   last_inspected_on=(today - dt.timedelta(days=61)).isoformat())),
        # cycle 90: due in 8 days → due_soon
        "county": ("memorials", make("memorials", name="县级纪念碑", protection_level="county",
                                     last_inspected_on=(today - dt.timedelta(days=82)).isoformat())),
        "never": ("memorials", make("memorials", name="零散纪念设施", protection_level="scattered")),
        # cycle 90: due 32 days ago → overdue 32
        "cemetery": ("cemeteries", make("cemeteries", name="测试陵园", protection_level="county",
                                        last_inspected_on=(today - dt.timedelta(days=122)).isoformat())),
    }  # fmt: skip
    cemetery_id = out["cemetery"][1]
    # scattered grave, cycle 180: due 3 days ago → overdue 3
    out["scattered"] = (
        "graves",
        make("graves", name="散葬墓甲", last_inspected_on=(today - dt.timedelta(days=183)).isoformat()),
    )
    # grave in a cemetery, cycle 365: due in 182 days → ok
    out["in_cemetery"] = (
        "graves",
        make("graves", name="园内墓", kind="in_cemetery", cemetery_id=cemetery_id, custodian_name=None,
             last_inspected_on=(today - dt.timedelta(days=183)).isoformat()),
    )  # fmt: skip
    # moved into the cemetery: no schedule, no campaign task
    out["moved"] = (
        "graves",
        make("graves", name="已迁墓", disposition="moved", moved_to_grave_id=out["in_cemetery"][1],
             last_inspected_on=(today - dt.timedelta(days=400)).isoformat()),
    )  # fmt: skip
    yield out
    with engine.begin() as conn:
        ids = "SELECT id FROM campaigns WHERE id > :n"
        conn.execute(
            text(
                "DELETE FROM work_order_history WHERE work_order_id IN "
                f"(SELECT id FROM work_orders WHERE campaign_id IN ({ids}))"
            ),
            {"n": campaigns_before},
        )
        conn.execute(text(f"DELETE FROM work_orders WHERE campaign_id IN ({ids})"), {"n": campaigns_before})
        conn.execute(text("DELETE FROM campaigns WHERE id > :n"), {"n": campaigns_before})
    remove_sites_after(engine, newest)


EXPECTED_ORDER = (  # most overdue first; never inspected before everything
    ("never", "never_inspected", None),
    ("cemetery", "overdue", 32),
    ("provincial", "overdue", 31),
    ("scattered", "overdue", 3),
    ("national", "due_soon", 0),
    ("county", "due_soon", 0),
    ("city", "ok", 0),
    ("in_cemetery", "ok", 0),
)


@pytest.fixture(scope="module")
def accounts(engine: Engine, demo_counts: dict[str, int], village) -> dict[str, dict[str, str]]:
    """Auth headers per key '<role>-<in|out>' (the county, another county) and 'crew-village'."""
    specs = each_role_in({"in": COUNTY, "out": OTHER_COUNTY, "village": village[0]})
    return headers_only(staff_accounts(engine, specs, "sched"))


# -- dates -------------------------------------------------------------------------------------------------------


def _by_key(items: list[dict], sites: dict) -> dict[str, dict]:
    where = {v: k for k, v in sites.items()}
    return {where[(i["collection"], i["site_id"])]: i for i in items}


def test_next_due_per_protection_level_and_grave_kind(today, engine, sites, village):
    with engine.connect() as conn:
        found = list_schedule(conn, NATIONAL, ScheduleQuery(area=village[0], as_of=today), UpkeepSettings())
    items = _by_key(found["items"], sites)
    assert found["numberMatched"] == 8 and "moved" not in items
    due = {k: dt.date.fromisoformat(i["next_due_on"]) for k, i in items.items()}
    cycles = {k: i["cycle_days"] for k, i in items.items()}
    assert cycles == {
        "national": 30,
        "provincial": 60,
        "city": 90,
        "county": 90,
        "never": 180,
        "cemetery": 90,
        "scattered": 180,
        "in_cemetery": 365,
    }
    assert due["national"] == today
    assert due["provincial"] == today - dt.timedelta(days=31)
    assert due["city"] == today + dt.timedelta(days=29)
    assert due["county"] == today + dt.timedelta(days=8)
    assert due["never"] == today  # never inspected: due now
    assert due["scattered"] == today - dt.timedelta(days=3)
    assert due["in_cemetery"] == today + dt.timedelta(days=182)
    assert items["never"]["last_inspected_on"] is None and items["never"]["days_overdue"] is None
    assert items["in_cemetery"]["kind"] == "in_cemetery" and items["in_cemetery"]["protection_level"] is None


def test_a_changed_cycle_applies_at_once(today, engine, sites, village):
    changed = UpkeepSettings(cycle_days_provincial=90, cycle_days_cemetery_grave=100, due_soon_days=30)
    with engine.connect() as conn:
        found = list_schedule(conn, NATIONAL, ScheduleQuery(area=village[0], as_of=today), changed)
    items = _by_key(found["items"], sites)
    assert (items["provincial"]["state"], items["provincial"]["days_overdue"]) == ("overdue", 1)
    assert (items["in_cemetery"]["state"], items["in_cemetery"]["days_overdue"]) == ("overdue", 83)
    assert items["city"]["state"] == "due_soon"  # 29 days ahead, within 30


def test_a_later_day_moves_sites_along(today, engine, sites, village):
    later = today + dt.timedelta(days=15)
    with engine.connect() as conn:
        found = list_schedule(conn, NATIONAL, ScheduleQuery(area=village[0], as_of=later), UpkeepSettings())
    items = _by_key(found["items"], sites)
    assert found["as_of"] == later.isoformat()
    assert (items["national"]["state"], items["national"]["days_overdue"]) == ("overdue", 15)
    assert (items["county"]["state"], items["county"]["days_overdue"]) == ("overdue", 7)
    assert items["city"]["state"] == "due_soon"  # due in 14 days: the last day of due_soon_days


def test_the_env_sets_the_cycles(monkeypatch):
    monkeypatch.setenv("VETMAP_UPKEEP_CYCLE_DAYS_NATIONAL", "7")
    assert UpkeepSettings().cycle_days()["national"] == 7


# -- the overdue list over HTTP -------------------------------------------------------------------------------


def test_schedule_lists_most_overdue_first(today, client, sites, village):
    r = client.get("/api/v1/upkeep/schedule", params={"area": village[0]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["numberMatched"] == body["numberReturned"] == 8 and body["as_of"] == today.isoformat()
    got = [(i["collection"], i["site_id"], i["state"], i["days_overdue"]) for i in body["items"]]
    want = [(*sites[k], state, days) for k, state, days in EXPECTED_ORDER]
    assert got == want


def test_schedule_filters_by_state_and_collection_and_pages(client, sites, village):
    overdue = client.get("/api/v1/upkeep/schedule", params={"area": village[0], "state": "overdue"}).json()
    assert [i["site_id"] for i in overdue["items"]] == [
        sites[k][1] for k in ("cemetery", "provincial", "scattered")
    ]
    graves = client.get("/api/v1/upkeep/schedule", params={"area": village[0], "collection": "graves"}).json()
    assert {(i["collection"], i["site_id"]) for i in graves["items"]} == {
        sites["scattered"],
        sites["in_cemetery"],
    }
    page = client.get("/api/v1/upkeep/schedule", params={"area": village[0], "limit": 3, "offset": 3}).json()
    assert page["numberMatched"] == 8 and [i["site_id"] for i in page["items"]] == [
        sites[k][1] for k in ("scattered", "national", "county")
    ]
    beyond = client.get("/api/v1/upkeep/schedule", params={"area": village[0], "offset": 50}).json()
    assert beyond["numberMatched"] == 8 and beyond["items"] == []


def test_the_area_includes_its_sub_areas_only(client, engine, sites, village):
    mine = set(sites.values()) - {sites["moved"]}
    county = client.get("/api/v1/upkeep/schedule", params={"area": COUNTY, "limit": 1000}).json()
    listed = {(i["collection"], i["site_id"]) for i in county["items"]}
    assert mine <= listed and all(i["area_code"].startswith(COUNTY) for i in county["items"])
    with engine.connect() as conn:
        in_county = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM memorials WHERE area_code LIKE '450329%') + "
                "(SELECT count(*) FROM cemeteries WHERE area_code LIKE '450329%') + (SELECT count(*) FROM graves "
                "WHERE area_code LIKE '450329%' AND disposition IS DISTINCT FROM 'moved')"
            )
        ).scalar_one()
    assert county["numberMatched"] == in_county
    township = client.get("/api/v1/upkeep/schedule", params={"area": village[0][:9], "limit": 1000}).json()
    assert mine <= {(i["collection"], i["site_id"]) for i in township["items"]}
    other = client.get("/api/v1/upkeep/schedule", params={"area": OTHER_COUNTY, "limit": 1000}).json()
    assert not mine & {(i["collection"], i["site_id"]) for i in other["items"]}
    assert all(i["area_code"].startswith(OTHER_COUNTY) for i in other["items"])


def test_schedule_as_geojson_for_the_map(client, sites, village):
    for kwargs in ({"params": {"area": village[0], "f": "geojson"}},
                   {"params": {"area": village[0]}, "headers": {"Accept": "application/geo+json"}}):  # fmt: skip
        r = client.get("/api/v1/upkeep/schedule", **kwargs)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
        body = r.json()
        assert body["type"] == "FeatureCollection" and body["numberMatched"] == 8
        first = body["features"][0]
        assert first["id"] == f"memorials.{sites['never'][1]}"
        assert first["geometry"]["type"] == "Point" and first["properties"]["state"] == "never_inspected"
    plain = client.get("/api/v1/upkeep/schedule", params={"area": village[0], "f": "json"})
    assert (
        plain.headers["content-type"].startswith("application/json")
        and "geometry" not in plain.json()["items"][0]
    )


def test_summary_counts_match_the_hand_made_expectation(client, sites, village):
    r = client.get("/api/v1/upkeep/schedule/summary", params={"area": village[0]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 8 and body["due_soon_days"] == 14
    assert body["states"] == {"overdue": 3, "due_soon": 2, "ok": 2, "never_inspected": 1}
    assert body["collections"] == {
        "memorials": {"total": 5, "overdue": 1, "due_soon": 2, "ok": 1, "never_inspected": 1},
        "cemeteries": {"total": 1, "overdue": 1, "due_soon": 0, "ok": 0, "never_inspected": 0},
        "graves": {"total": 2, "overdue": 1, "due_soon": 0, "ok": 1, "never_inspected": 0},
    }


def test_summary_of_the_county_adds_up(client, sites):
    summary = client.get("/api/v1/upkeep/schedule/summary", params={"area": COUNTY}).json()
    listed = client.get("/api/v1/upkeep/schedule", params={"area": COUNTY, "limit": 1000}).json()
    assert summary["total"] == listed["numberMatched"] == sum(summary["states"].values())
    for state, n in summary["states"].items():
        assert n == sum(1 for i in listed["items"] if i["state"] == state)


@pytest.mark.parametrize(
    ("key", "params", "expected"),
    [
        (None, {"area": COUNTY}, 401),
        ("crew-in", {"area": COUNTY}, 200),
        ("planner-in", {"area": COUNTY}, 200),
        ("admin-in", {}, 200),
        ("crew-out", {"area": COUNTY}, 403),
        ("planner-out", {"area": COUNTY}, 403),
        ("crew-village", {"area": COUNTY}, 403),  # a village crew may not read its whole county
        ("crew-in", {"area": "459999"}, 422),  # no such area
        ("crew-in", {"area": "45x"}, 422),
        ("crew-in", {"area": COUNTY, "state": "late"}, 422),
        ("crew-in", {"area": COUNTY, "collection": "stations"}, 422),
        ("crew-in", {"area": COUNTY, "limit": 100000}, 422),
        ("crew-in", {"area": COUNTY, "f": "xml"}, 422),
    ],
)
def test_who_may_read_schedules(anon_client, accounts, sites, key, params, expected):
    headers = accounts[key] if key else {}
    for path in ("/api/v1/upkeep/schedule", "/api/v1/upkeep/schedule/summary"):
        if path.endswith("summary") and set(params) - {"area"}:
            continue
        r = anon_client.get(path, params=params, headers=headers)
        assert r.status_code == expected, (path, r.text)
        if expected != 200:
            assert r.json()["detail"]


def test_without_an_area_staff_see_their_own(anon_client, accounts, sites, village):
    mine = anon_client.get(
        "/api/v1/upkeep/schedule", params={"limit": 1000}, headers=accounts["crew-village"]
    ).json()
    assert mine["area"] == village[0] and mine["numberMatched"] == 8
    other = anon_client.get("/api/v1/upkeep/schedule/summary", headers=accounts["planner-out"]).json()
    assert other["area"] == OTHER_COUNTY and other["total"] > 0


def test_the_geo_layer_refuses_bad_queries(engine, sites):
    crew = Principal(1, "c", "crew", OTHER_COUNTY)
    with engine.connect() as conn:
        with pytest.raises(Forbidden):
            schedule_summary(conn, crew, COUNTY, UpkeepSettings())
        with pytest.raises(InvalidInput):
            list_schedule(conn, NATIONAL, ScheduleQuery(collections=("roads",)), UpkeepSettings())


# -- campaigns ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "day"),
    [(2010, 5), (2012, 4), (2016, 4), (2019, 5), (2020, 4), (2021, 4), (2022, 5), (2023, 5), (2024, 4),
     (2025, 4), (2026, 5), (2027, 5)],
)  # fmt: skip
def test_qingming_falls_on_the_solar_term(year, day):
    assert qingming_date(year) == dt.date(year, 4, day)


def test_default_campaign_dates():
    assert default_dates("qingming", 2027) == (dt.date(2027, 3, 15), dt.date(2027, 4, 5))
    assert default_dates("martyrs_day", 2027) == (dt.date(2027, 9, 1), dt.date(2027, 9, 30))
    assert default_dates("other", 2027) is None


def _campaign(http: TestClient, headers=None, **body):
    return http.post("/api/v1/upkeep/campaigns", json=body, headers=headers or {})


def _count(engine: Engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_a_campaign_makes_one_task_per_site_and_kind(client, engine, sites, village):
    r = _campaign(client, kind="qingming", area=village[0], year=2027)
    assert r.status_code == 201, r.text
    campaign = r.json()
    cid = campaign["id"]
    assert r.headers["location"] == f"/api/v1/upkeep/campaigns/{cid}"
    assert (campaign["starts_on"], campaign["due_on"], campaign["title"]) == (
        "2027-03-15",
        "2027-04-05",
        "2027年清明祭扫",
    )
    covered = {
        "national",
        "provincial",
        "city",
        "county",
        "never",
        "cemetery",
        "scattered",
    }  # not in_cemetery, moved
    assert campaign["tasks_created"] == len(covered) * 2 == campaign["tasks"]["total"]
    assert campaign["tasks"]["by_status"] == {"triaged": 14} and campaign["tasks"]["by_kind"] == {
        "cleaning": 7,
        "tribute": 7,
    }
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT collection, site_id, kind, status, due_on, title, area_code, version FROM work_orders "
                "WHERE campaign_id = :id"
            ),
            {"id": cid},
        ).all()
    assert {(r.collection, r.site_id, r.kind) for r in rows} == {
        (*sites[k], kind) for k in covered for kind in ("cleaning", "tribute")
    }
    assert {(r.status, r.due_on, r.area_code, r.version) for r in rows} == {
        ("triaged", dt.date(2027, 4, 5), village[0], 1)
    }
    titles = {r.title for r in rows if (r.collection, r.site_id) == sites["national"]}
    assert titles == {"清明祭扫前清洁: 国家级纪念碑", "清明祭扫: 国家级纪念碑"}
    history = _count(
        engine,
        "SELECT count(*) FROM work_order_history h JOIN work_orders w ON w.id = h.work_order_id "
        "WHERE w.campaign_id = :id AND h.from_status IS NULL AND h.to_status = 'triaged' AND h.version = 1",
        id=cid,
    )
    assert history == 14
    audit = _count(
        engine,
        "SELECT count(*) FROM audit_log WHERE collection = 'campaigns' AND record_id = :id "
        "AND action = 'create' AND (after->>'tasks_created')::int = 14",
        id=cid,
    )
    assert audit == 1
    tasks = client.get("/api/v1/work-orders", params={"campaign_id": cid, "kind": "cleaning"}).json()
    assert tasks["numberMatched"] == 7
    assert client.get(f"/api/v1/upkeep/campaigns/{cid}").json()["tasks"]["total"] == 14


def test_a_county_campaign_covers_every_site_of_the_county(client, engine, sites):
    r = _campaign(client, kind="martyrs_day", area=COUNTY, year=2027, task_kinds=["tribute"])
    assert r.status_code == 201, r.text
    expected = _count(
        engine,
        "SELECT (SELECT count(*) FROM memorials WHERE area_code LIKE '450329%') + "
        "(SELECT count(*) FROM cemeteries WHERE area_code LIKE '450329%') + (SELECT count(*) FROM graves "
        "WHERE area_code LIKE '450329%' AND kind = 'scattered' AND disposition IS DISTINCT FROM 'moved')",
    )
    body = r.json()
    assert body["tasks_created"] == expected > 7 and body["due_on"] == "2027-09-30"
    assert body["tasks"]["by_kind"] == {"tribute": expected}


def test_the_same_campaign_again_is_a_conflict_and_writes_nothing(client, engine, sites, village):
    first = _campaign(client, kind="qingming", area=village[0], year=2030, task_kinds=["cleaning"])
    assert first.status_code == 201, first.text
    cid = first.json()["id"]
    before = (
        _count(engine, "SELECT count(*) FROM campaigns"),
        _count(engine, "SELECT count(*) FROM work_orders"),
    )
    again = _campaign(client, kind="qingming", area=village[0], year=2030)
    assert again.status_code == 409 and again.json()["campaign_id"] == cid
    assert again.headers["location"] == f"/api/v1/upkeep/campaigns/{cid}"
    # a township around the village overlaps it: two tasks per site would follow
    overlap = _campaign(client, kind="qingming", area=village[0][:9], year=2030)
    assert overlap.status_code == 409 and overlap.json()["campaign_id"] == cid, overlap.text
    after = (
        _count(engine, "SELECT count(*) FROM campaigns"),
        _count(engine, "SELECT count(*) FROM work_orders"),
    )
    assert after == before
    # another year, or another kind, is another campaign
    assert (
        _campaign(client, kind="qingming", area=village[0], year=2031, task_kinds=["cleaning"]).status_code
        == 201
    )


def test_concurrent_requests_make_one_campaign(settings, engine, admin_api_token, sites, village):
    """Three apps (engines of their own) post the same campaign, and a township one around it, at once."""
    bodies = [{"kind": "martyrs_day", "area": village[0], "year": 2037}] * 3
    bodies.append({"kind": "martyrs_day", "area": village[0][:9], "year": 2037})
    answers: list[int] = []
    with ExitStack() as stack:
        headers = {"Authorization": f"Bearer {admin_api_token}"}
        clients = [stack.enter_context(TestClient(create_app(settings), headers=headers)) for _ in bodies]
        for http in clients:  # finish each app's lazy field building before the race (catch_warnings is not
            assert _campaign(http, kind="nonsense").status_code == 422  # thread-safe); stores nothing

        def post(http: TestClient, body: dict) -> None:
            answers.append(_campaign(http, **body).status_code)

        threads = [threading.Thread(target=post, args=pair) for pair in zip(clients, bodies, strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert sorted(answers) == [201, 409, 409, 409]
    made = _count(engine, "SELECT count(*) FROM campaigns WHERE kind = 'martyrs_day' AND year = 2037")
    assert made == 1
    tasks = _count(
        engine,
        "SELECT count(*) FROM work_orders w JOIN campaigns c ON c.id = w.campaign_id "
        "WHERE c.kind = 'martyrs_day' AND c.year = 2037",
    )
    per_site = _count(
        engine,
        "SELECT count(*) FROM work_orders w JOIN campaigns c ON c.id = w.campaign_id WHERE c.kind = 'martyrs_day' "
        "AND c.year = 2037 GROUP BY w.collection, w.site_id, w.kind ORDER BY count(*) DESC LIMIT 1",
    )
    assert per_site == 1 and tasks >= 14


@pytest.mark.parametrize(
    ("key", "area", "expected"),
    [
        (None, COUNTY, 401),
        ("crew-in", COUNTY, 403),
        ("planner-out", COUNTY, 403),
        ("admin-out", COUNTY, 403),
        ("planner-in", "459999", 422),  # no such area
        ("planner-in", COUNTY, 201),
    ],
)
def test_who_may_create_a_campaign(anon_client, engine, accounts, sites, key, area, expected):
    before = _count(engine, "SELECT count(*) FROM work_orders")
    body = {"kind": "other", "area": area, "year": 2040, "title": "春季清洁", "starts_on": "2040-03-01",
            "due_on": "2040-03-20", "task_kinds": ["cleaning"]}  # fmt: skip
    r = _campaign(anon_client, accounts[key] if key else None, **body)
    assert r.status_code == expected, r.text
    if expected != 201:
        assert _count(engine, "SELECT count(*) FROM work_orders") == before and r.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "qingming", "area": COUNTY, "year": 1999},
        {"kind": "qingming", "area": COUNTY, "year": 2041, "task_kinds": ["repair"]},
        {"kind": "qingming", "area": COUNTY, "year": 2041, "task_kinds": []},
        {"kind": "qingming", "area": COUNTY, "year": 2041, "collections": ["stations"]},
        {"kind": "other", "area": COUNTY, "year": 2041},
        {"kind": "qingming", "area": COUNTY, "year": 2041, "due_on": "2041-03-01"},  # before 15 March
        {"kind": "qingming", "area": COUNTY, "year": 2041, "title": " "},
        {"kind": "qingming", "area": COUNTY, "year": 2041, "title": "清明\u0000"},
        {"kind": "easter", "area": COUNTY, "year": 2041},
        {"kind": "qingming", "area": "abc", "year": 2041},
        {"kind": "qingming", "area": COUNTY, "year": 2041, "extra": 1},
    ],
    ids=str,
)
def test_bad_campaigns_are_refused_with_a_reason(client, engine, sites, body):
    before = _count(engine, "SELECT count(*) FROM campaigns")
    r = _campaign(client, **body)
    assert r.status_code == 422 and r.json()["detail"], r.text
    assert _count(engine, "SELECT count(*) FROM campaigns") == before


def test_campaigns_list_with_progress_for_their_area(client, anon_client, accounts, sites, village):
    created = _campaign(client, kind="martyrs_day", area=village[0], year=2032).json()
    cid = created["id"]
    order = client.get("/api/v1/work-orders", params={"campaign_id": cid, "limit": 1}).json()["work_orders"][
        0
    ]
    moved = client.post(
        f"/api/v1/work-orders/{order['id']}/transitions",
        json={"to": "rejected", "version": order["version"], "note": "site closed"},
    )
    assert moved.status_code == 200, moved.text
    listing = client.get("/api/v1/upkeep/campaigns", params={"area": COUNTY, "year": 2032}).json()
    found = {c["id"]: c for c in listing["campaigns"]}
    assert found[cid]["tasks"]["by_status"] == {"triaged": 13, "rejected": 1}
    assert found[cid]["area_name"] and found[cid]["tasks"]["completed"] == 0
    # the county's crew sees it (in its area); the village crew too; another county's planner does not
    for key in ("crew-in", "crew-village"):
        seen = anon_client.get(
            "/api/v1/upkeep/campaigns", params={"year": 2032}, headers=accounts[key]
        ).json()
        assert cid in {c["id"] for c in seen["campaigns"]}, key
        assert anon_client.get(f"/api/v1/upkeep/campaigns/{cid}", headers=accounts[key]).status_code == 200
    out = anon_client.get(
        "/api/v1/upkeep/campaigns", params={"year": 2032}, headers=accounts["planner-out"]
    ).json()
    assert cid not in {c["id"] for c in out["campaigns"]}
    assert (
        anon_client.get(f"/api/v1/upkeep/campaigns/{cid}", headers=accounts["planner-out"]).status_code == 403
    )
    assert anon_client.get("/api/v1/upkeep/campaigns").status_code == 401
    assert client.get("/api/v1/upkeep/campaigns/999999999").status_code == 404
    assert client.get("/api/v1/upkeep/campaigns", params={"kind": "easter"}).status_code == 422


def test_a_village_crew_sees_the_county_campaign_it_takes_part_in(client, anon_client, accounts, sites):
    county = _campaign(client, kind="qingming", area=COUNTY, year=2033, task_kinds=["tribute"]).json()
    seen = anon_client.get(
        "/api/v1/upkeep/campaigns", params={"year": 2033}, headers=accounts["crew-village"]
    )
    assert county["id"] in {c["id"] for c in seen.json()["campaigns"]}


# -- the command line --------------------------------------------------------------------------------------------


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return run_main("upkeep", *args, database_url=settings.database_url, env=env, timeout=120)


def test_cli_overdue_prints_a_table_and_writes_csv(settings, sites, village, tmp_path):
    out = tmp_path / "overdue.csv"
    done = _cli(settings, "overdue", "--area", village[0], "--csv", str(out))
    assert done.returncode == 0, done.stderr
    assert "8 sites" in done.stdout and "测试陵园" in done.stdout and "never_inspected" in done.stdout
    with out.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert [(r["collection"], int(r["site_id"])) for r in rows] == [sites[k] for k, _, _ in EXPECTED_ORDER]
    overdue = _cli(settings, "overdue", "--area", village[0], "--state", "overdue")
    assert overdue.returncode == 0 and "3 sites" in overdue.stdout


def test_cli_creates_a_campaign_and_refuses_the_same_again(settings, engine, sites, village):
    done = _cli(settings, "campaign", "qingming", "--area", village[0], "--year", "2035")
    assert done.returncode == 0, done.stderr
    assert "14 tasks" in done.stdout and "2035-04-05" in done.stdout
    audit = _count(
        engine,
        "SELECT count(*) FROM audit_log a JOIN campaigns c ON c.id = a.record_id AND a.collection = 'campaigns' "
        "WHERE c.year = 2035 AND c.area_code = :v AND a.actor = 'cli' AND c.created_by IS NULL",
        v=village[0],
    )
    assert audit == 1
    again = _cli(settings, "campaign", "qingming", "--area", village[0], "--year", "2035")
    assert again.returncode == 1 and "exists already" in again.stderr and "Traceback" not in again.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("campaign", "easter", "--area", COUNTY, "--year", "2036"), "unknown campaign kind"),
        (("campaign", "martyrs_day", "--area", "459999", "--year", "2036"), "unknown area"),
        (("campaign", "qingming", "--area", COUNTY, "--year", "1900"), "year must be"),
        (("campaign", "qingming", "--area", COUNTY, "--year", "2036", "--task-kind", "repair"), "task_kinds"),
        (("campaign", "other", "--area", COUNTY, "--year", "2036", "--due-on", "soon"), "YYYY-MM-DD"),
        (("overdue", "--area", "459999"), "unknown area"),
        (("overdue", "--state", "late"), "unknown state"),
        (("overdue", "--collection", "stations"), "unknown collection"),
    ],
)
def test_cli_bad_input_is_a_message_and_a_non_zero_exit(monkeypatch, settings, sites, args, words):
    monkeypatch.setenv("VETMAP_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(main.cli, ["upkeep", *args])
    assert result.exit_code == 1 and words in result.stderr, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit)  # typer.Exit: no traceback
