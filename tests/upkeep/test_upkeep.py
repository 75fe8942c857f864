"""Upkeep: inspections and the site condition they drive, work orders (transitions, history, permissions,
optimistic locking under concurrent updaters) and the disposition of scattered graves, on a real PostGIS."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.errors import InvalidInput
from geo.settings import Settings, UpkeepSettings
from geo.upkeep.inspections import condition_index
from tests.auth_helpers import each_role_in, headers_of, staff_accounts
from tests.factories import make_site, make_site_at, row_count

COUNTY = "450329"  # 资源县, where the factories' point lies
OTHER_COUNTY = "450102"
OTHER_POINT = (108.5227, 22.9622)  # inside 兴宁区 (450102)
ALL_FOUR = dict.fromkeys(
    ("monument", "structure", "paths", "greenery", "signage", "enclosure", "cleanliness"), 4
)

# the transition table, written out by hand (see geo/upkeep/work_orders.py)
NEXT: dict[str, set[str]] = {
    "reported": {"triaged", "rejected", "duplicate"},
    "triaged": {"assigned", "rejected", "duplicate"},
    "assigned": {"in_progress", "triaged", "rejected"},
    "in_progress": {"done", "assigned"},
    "done": {"verified", "in_progress"},
    "verified": set(),
    "rejected": set(),
    "duplicate": set(),
}
STATES = tuple(NEXT)


pytestmark = pytest.mark.usefixtures("atlas_restored")  # the sites made here go after the module


@pytest.fixture(scope="module")
def accounts(engine: Engine, demo_counts: dict[str, int]) -> dict[str, tuple[int, dict[str, str]]]:
    """Account id and auth headers per key: '<role>-<in|out>' and 'crew2-in' (a second crew of the county)."""
    specs = [*each_role_in({"in": COUNTY, "out": OTHER_COUNTY}), ("crew2-in", "crew", COUNTY)]
    return staff_accounts(engine, specs, "upkeep")


@pytest.fixture(scope="module")
def memorial(client: TestClient) -> dict:
    return make_site(client, "memorials", name="养护测试纪念碑")


# -- condition index -----------------------------------------------------------------------------------------


def test_condition_index_uses_the_weights_by_hand():
    w = UpkeepSettings().weights()
    scores = {
        "monument": 4,
        "structure": 3,
        "paths": 2,
        "greenery": 4,
        "signage": 0,
        "enclosure": 4,
        "cleanliness": 3,
    }
    # (25·4 + 20·3 + 10·2 + 10·4 + 10·0 + 10·4 + 15·3) / (4 · 100) = 305 / 400 → 76.25
    assert condition_index(scores, w) == 76
    # categories left out drop out of the weighting: (25·3 + 15·2) / (4 · 40) = 65.625
    assert condition_index({"monument": 3, "cleanliness": 2}, w) == 66
    # half rounds up: (1·3 + 1·2) / (4 · 2) = 62.5
    assert condition_index({"monument": 3, "structure": 2}, {**w, "monument": 1, "structure": 1}) == 63
    assert condition_index(ALL_FOUR, w) == 100 and condition_index(dict.fromkeys(ALL_FOUR, 0), w) == 0


def test_weights_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("VETMAP_UPKEEP_WEIGHT_MONUMENT", "30")
    assert UpkeepSettings().weights()["monument"] == 30


@pytest.mark.parametrize(
    "scores", [{"monument": 5}, {"monument": -1}, {"roof": 3}, {}, {"signage": 2}], ids=str
)
def test_condition_index_refuses_bad_scores(scores):
    weights = {**UpkeepSettings().weights(), "signage": 0}
    with pytest.raises(InvalidInput):
        condition_index(scores, weights)


# -- inspections -----------------------------------------------------------------------------------------------


def _inspect(client: TestClient, collection: str, site_id: int, headers=None, **body) -> object:
    return client.post(f"/api/v1/{collection}/{site_id}/inspections", json=body, headers=headers or {})


def test_latest_inspection_drives_the_site_condition(client, memorial):
    sid = memorial["id"]
    scores = {
        "monument": 4,
        "structure": 3,
        "paths": 2,
        "greenery": 4,
        "signage": 0,
        "enclosure": 4,
        "cleanliness": 3,
    }
    first = _inspect(
        client,
        "memorials",
        sid,
        scores=scores,
        checklist={"infrastructure_complete": True, "protection_good": True},
        notes="碑身完好",
        position={"lon": 110.6401, "lat": 26.0402, "accuracy_m": 8.5},
    )
    assert first.status_code == 201, first.text
    ins = first.json()
    assert ins["condition_index"] == 76 and ins["inspector"] == "test-admin"
    assert ins["checklist"]["infrastructure_complete"] and not ins["checklist"]["function_effective"]
    assert ins["lon"] == pytest.approx(110.6401) and ins["position_accuracy_m"] == 8.5
    props = client.get(f"/api/v1/memorials/{sid}").json()["properties"]
    assert props["condition_index"] == 76 and props["upkeep_status"] == "fair"
    today = ins["inspected_at"]
    # a late upload of an older inspection does not overwrite the newer one
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    late = _inspect(client, "memorials", sid, scores=dict.fromkeys(ALL_FOUR, 0), inspected_at=yesterday)
    assert late.status_code == 201 and late.json()["condition_index"] == 0
    props = client.get(f"/api/v1/memorials/{sid}").json()["properties"]
    assert props["condition_index"] == 76
    assert props["last_inspected_on"] is not None and today
    newer = _inspect(client, "memorials", sid, scores=ALL_FOUR)
    assert newer.status_code == 201
    props = client.get(f"/api/v1/memorials/{sid}").json()["properties"]
    assert (props["condition_index"], props["upkeep_status"]) == (100, "good")
    listing = client.get(f"/api/v1/memorials/{sid}/inspections").json()
    assert listing["numberMatched"] == 3
    assert [i["condition_index"] for i in listing["inspections"]] == [100, 76, 0]  # newest first
    one = client.get(f"/api/v1/memorials/{sid}/inspections/{ins['id']}")
    assert one.status_code == 200 and one.json()["notes"] == "碑身完好"
    assert client.get(f"/api/v1/graves/{sid}/inspections/{ins['id']}").status_code == 404


def test_inspections_of_graves_and_cemeteries(client):
    grave = make_site(client, "graves")
    cemetery = make_site(client, "cemeteries")
    assert (
        _inspect(client, "graves", grave["id"], scores={"monument": 2, "cleanliness": 4}).status_code == 201
    )
    assert _inspect(client, "cemeteries", cemetery["id"], scores=ALL_FOUR).status_code == 201
    # (25·2 + 15·4) / (4 · 40) = 68.75
    assert client.get(f"/api/v1/graves/{grave['id']}").json()["properties"]["condition_index"] == 69
    assert _inspect(client, "graves", 10**12, scores=ALL_FOUR).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"scores": {"monument": 5}},
        {"scores": {"monument": -1}},
        {"scores": {"roof": 3}},
        {"scores": {}},
        {"scores": {"monument": 3}, "checklist": {"has_toilets": True}},
        {"scores": {"monument": 3}, "position": {"lon": 200, "lat": 26}},
        {"scores": {"monument": 3}, "position": {"lon": 110, "lat": 26, "accuracy_m": -1}},
        {"scores": {"monument": 3}, "inspected_at": "2099-01-01T00:00:00+08:00"},
        {"scores": {"monument": 3}, "inspected_at": "2026-01-01T00:00:00"},
    ],
    ids=[
        "score-5",
        "score-neg",
        "unknown-category",
        "no-scores",
        "unknown-check",
        "lon",
        "accuracy",
        "future",
        "naive",
    ],
)
def test_bad_inspections_are_refused_and_nothing_is_written(client, engine, memorial, body):
    before = row_count(engine, "inspections")
    condition = client.get(f"/api/v1/memorials/{memorial['id']}").json()["properties"]["condition_index"]
    response = client.post(f"/api/v1/memorials/{memorial['id']}/inspections", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
    assert row_count(engine, "inspections") == before
    assert (
        client.get(f"/api/v1/memorials/{memorial['id']}").json()["properties"]["condition_index"] == condition
    )


@pytest.mark.parametrize(
    ("key", "expected"),
    [("crew-in", 201), ("crew-out", 403), ("planner-in", 403), ("admin-in", 201), ("admin-out", 403)],
)
def test_who_may_inspect(anon_client, engine, accounts, memorial, key, expected):
    before = row_count(engine, "inspections")
    response = _inspect(
        anon_client, "memorials", memorial["id"], headers_of(accounts, key), scores={"monument": 4}
    )
    assert response.status_code == expected, response.text
    assert row_count(engine, "inspections") == before + (expected == 201)


@pytest.mark.parametrize(
    ("key", "expected"), [("crew-in", 200), ("planner-in", 200), ("crew-out", 403), (None, 401)]
)
def test_who_may_read_inspections(anon_client, accounts, memorial, key, expected):
    headers = headers_of(accounts, key) if key else {}
    response = anon_client.get(f"/api/v1/memorials/{memorial['id']}/inspections", headers=headers)
    assert response.status_code == expected, response.text


def test_inspections_are_audited(client, engine, memorial):
    ins = _inspect(client, "memorials", memorial["id"], scores={"paths": 1}).json()
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT collection, action, record_id FROM audit_log WHERE request_id IS NOT NULL "
                "AND ((collection = 'inspections' AND record_id = :i) OR (collection = 'memorials' AND record_id = :s)) "
                "ORDER BY id DESC LIMIT 2"
            ),
            {"i": ins["id"], "s": memorial["id"]},
        ).all()
    assert {(r.collection, r.action) for r in rows} == {("inspections", "create"), ("memorials", "update")}


# -- work orders -----------------------------------------------------------------------------------------------


def _order(client: TestClient, site: dict, headers=None, **extra) -> dict:
    body = {"collection": "memorials", "site_id": site["id"], "title": "碑座裂缝", **extra}
    response = client.post("/api/v1/work-orders", json=body, headers=headers or {})
    assert response.status_code == 201, response.text
    return response.json()


def _move(client: TestClient, order: dict, to: str, headers=None, **extra):
    body = {"to": to, "version": order["version"], **extra}
    return client.post(f"/api/v1/work-orders/{order['id']}/transitions", json=body, headers=headers or {})


def _in_state(client: TestClient, engine: Engine, site: dict, state: str, assignee: int) -> dict:
    """A work order put straight into ``state`` (its assignee set) for the transition table."""
    order = _order(client, site)
    other = _order(client, site) if state == "duplicate" else None
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE work_orders SET status = :s, assigned_to = :a, duplicate_of = :d WHERE id = :id"),
            {"s": state, "a": assignee, "d": other["id"] if other else None, "id": order["id"]},
        )
    return client.get(f"/api/v1/work-orders/{order['id']}").json()


@pytest.mark.parametrize("to", STATES)
@pytest.mark.parametrize("from_", STATES)
def test_every_transition_allowed_or_refused_by_the_table(client, engine, accounts, memorial, from_, to):
    crew_id = accounts["crew-in"][0]
    order = _in_state(client, engine, memorial, from_, crew_id)
    extra = {}
    if to == "assigned":
        extra["assigned_to"] = crew_id
    if to == "duplicate":
        extra["duplicate_of"] = _order(client, memorial)["id"]
    response = _move(client, order, to, **extra)
    if to in NEXT[from_]:
        assert response.status_code == 200, response.text
        assert response.json()["status"] == to and response.json()["version"] == order["version"] + 1
    else:
        assert response.status_code == 409, response.text
        detail = response.json()["detail"]
        assert "allowed next" in detail and all(s in detail for s in NEXT[from_])
        after = client.get(f"/api/v1/work-orders/{order['id']}").json()
        assert (after["status"], after["version"]) == (from_, order["version"])


def test_a_work_order_lifecycle_writes_one_history_row_per_change(client, anon_client, accounts, memorial):
    crew_id, crew = accounts["crew-in"]
    planner = headers_of(accounts, "planner-in")
    order = _order(anon_client, memorial, crew, cost_estimate="1200.50", priority="high")
    assert (order["status"], order["version"], order["cost_estimate"]) == ("reported", 1, 1200.5)
    order = _move(anon_client, order, "triaged", planner, note="需修补").json()
    order = _move(anon_client, order, "assigned", planner, assigned_to=crew_id).json()
    order = _move(anon_client, order, "in_progress", crew).json()
    patched = anon_client.patch(
        f"/api/v1/work-orders/{order['id']}",
        json={"version": order["version"], "cost_actual": "980.00"},
        headers=crew,
    )
    assert patched.status_code == 200, patched.text
    order = _move(anon_client, patched.json(), "done", crew).json()
    order = _move(anon_client, order, "verified", planner).json()
    assert (order["status"], order["version"], order["cost_actual"]) == ("verified", 7, 980.0)
    rows = anon_client.get(f"/api/v1/work-orders/{order['id']}/history", headers=planner).json()["history"]
    steps = [(r["from_status"], r["to_status"]) for r in rows]
    assert steps == [
        (None, "reported"),
        ("reported", "triaged"),
        ("triaged", "assigned"),
        ("assigned", "in_progress"),
        (None, None),
        ("in_progress", "done"),
        ("done", "verified"),
    ]
    assert [r["version"] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert rows[1]["note"] == "需修补" and rows[1]["actor"] == "upkeep-planner-in"
    assert rows[2]["changes"]["assigned_to"] == [None, crew_id]
    assert rows[4]["changes"] == {"cost_actual": [None, 980.0]} and rows[4]["actor"] == "upkeep-crew-in"


def test_assignment_and_duplicate_need_their_link(client, accounts, memorial):
    order = _move(client, _order(client, memorial), "triaged").json()
    assert _move(client, order, "assigned").status_code == 422
    assert _move(client, order, "assigned", assigned_to=accounts["crew-out"][0]).status_code == 422  # outside
    assert _move(client, order, "assigned", assigned_to=accounts["planner-in"][0]).status_code == 422
    assert _move(client, order, "duplicate").status_code == 422
    assert _move(client, order, "duplicate", duplicate_of=order["id"]).status_code == 422
    assert _move(client, order, "rejected", assigned_to=accounts["crew-in"][0]).status_code == 422
    assert _move(client, order, "fixed").status_code == 422
    original = _order(client, memorial)
    dup = _move(client, order, "duplicate", duplicate_of=original["id"])
    assert dup.status_code == 200 and dup.json()["duplicate_of"] == original["id"]
    assert client.get(f"/api/v1/work-orders/{order['id']}").json()["version"] == 3


def _assigned_order(client: TestClient, site: dict, crew_id: int) -> dict:
    order = _move(client, _order(client, site), "triaged").json()
    return _move(client, order, "assigned", assigned_to=crew_id).json()


@pytest.mark.parametrize(
    ("key", "to", "expected"),
    [
        ("crew-in", "in_progress", 200),  # the assignee
        ("crew2-in", "in_progress", 403),  # another crew of the same county
        ("crew-out", "in_progress", 403),
        ("planner-in", "in_progress", 403),  # planners do not do the work
        ("admin-in", "in_progress", 200),
        ("admin-out", "in_progress", 403),
        ("crew-in", "rejected", 403),  # crews do not triage
        ("planner-in", "rejected", 200),
        ("planner-out", "rejected", 403),
        ("admin-in", "triaged", 200),
    ],
)
def test_who_may_move_a_work_order(client, anon_client, accounts, memorial, key, to, expected):
    order = _assigned_order(client, memorial, accounts["crew-in"][0])
    response = _move(anon_client, order, to, headers_of(accounts, key))
    assert response.status_code == expected, response.text
    status = client.get(f"/api/v1/work-orders/{order['id']}").json()["status"]
    assert status == (to if expected == 200 else "assigned")


def test_crew_may_finish_only_its_own_work(client, anon_client, accounts, memorial):
    order = _assigned_order(client, memorial, accounts["crew-in"][0])
    crew = headers_of(accounts, "crew-in")
    order = _move(anon_client, order, "in_progress", crew).json()
    assert _move(anon_client, order, "done", headers_of(accounts, "crew2-in")).status_code == 403
    assert _move(anon_client, order, "done", crew).status_code == 200


@pytest.mark.parametrize(
    ("key", "expected"),
    [("crew-in", 201), ("crew-out", 403), ("planner-in", 201), ("planner-out", 403), ("admin-out", 403)],
)
def test_who_may_report_a_work_order(anon_client, engine, accounts, memorial, key, expected):
    before = row_count(engine, "work_orders")
    body = {"collection": "memorials", "site_id": memorial["id"], "title": "杂草"}
    response = anon_client.post("/api/v1/work-orders", json=body, headers=headers_of(accounts, key))
    assert response.status_code == expected, response.text
    assert row_count(engine, "work_orders") == before + (expected == 201)


def test_crew_may_patch_only_its_own_orders_and_fields(client, anon_client, accounts, memorial):
    order = _assigned_order(client, memorial, accounts["crew-in"][0])
    url = f"/api/v1/work-orders/{order['id']}"
    v = {"version": order["version"]}
    assert (
        anon_client.patch(
            url, json={**v, "cost_actual": 10}, headers=headers_of(accounts, "crew2-in")
        ).status_code
        == 403
    )
    assert (
        anon_client.patch(
            url, json={**v, "priority": "low"}, headers=headers_of(accounts, "crew-in")
        ).status_code
        == 403
    )
    assert (
        anon_client.patch(
            url, json={**v, "priority": "low"}, headers=headers_of(accounts, "planner-out")
        ).status_code
        == 403
    )
    assert (
        anon_client.patch(
            url, json={**v, "cost_actual": 10}, headers=headers_of(accounts, "crew-in")
        ).status_code
        == 200
    )


def test_the_public_reads_no_work_orders_nor_inspections(anon_client, client, memorial):
    order = _order(client, memorial)
    for path in (
        "/api/v1/work-orders",
        f"/api/v1/work-orders/{order['id']}",
        f"/api/v1/work-orders/{order['id']}/history",
        f"/api/v1/memorials/{memorial['id']}/inspections",
    ):
        assert anon_client.get(path).status_code == 401, path
    assert anon_client.post("/api/v1/work-orders", json={}).status_code == 401
    assert _move(anon_client, order, "triaged").status_code == 401


def test_work_order_listing_is_cut_to_the_area(client, anon_client, accounts, memorial):
    far = make_site_at(client, "memorials", OTHER_POINT, name="他县纪念碑", protection_zone=None)
    mine, theirs = _order(client, memorial), _order(client, far)
    listed = anon_client.get(
        "/api/v1/work-orders?limit=1000", headers=headers_of(accounts, "planner-in")
    ).json()
    ids = {o["id"] for o in listed["work_orders"]}
    assert mine["id"] in ids and theirs["id"] not in ids
    assert all(o["area_code"].startswith(COUNTY) for o in listed["work_orders"])
    by_site = client.get(f"/api/v1/work-orders?collection=memorials&site_id={far['id']}").json()
    assert [o["id"] for o in by_site["work_orders"]] == [theirs["id"]]


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"title": "x", "priority": "asap"},
        {"title": "x", "cost_estimate": -1},
        {"title": "x", "cost_estimate": "12.345"},
        {"title": "x", "collection": "stations"},
        {"title": "x", "site_id": 10**12},
        {"title": "x", "inspection_id": 10**12},
        {"title": "x", "status": "done"},
    ],
    ids=["title", "priority", "cost-neg", "cost-cents", "stations", "no-site", "no-inspection", "status"],
)
def test_bad_work_orders_are_refused(client, engine, memorial, body):
    before = row_count(engine, "work_orders")
    full = {"collection": "memorials", "site_id": memorial["id"], **body}
    response = client.post("/api/v1/work-orders", json=full)
    assert response.status_code in (404, 422), response.text
    assert row_count(engine, "work_orders") == before


# -- versions: no lost updates ---------------------------------------------------------------------------------


def test_updates_need_the_current_version(client, engine, memorial):
    order = _order(client, memorial)
    url = f"/api/v1/work-orders/{order['id']}"
    got = client.get(url)
    assert got.headers["etag"] == 'W/"1"'
    missing = client.patch(url, json={"priority": "low"})
    assert missing.status_code == 428 and "If-Match" in missing.json()["detail"]
    assert client.post(f"{url}/transitions", json={"to": "triaged"}).status_code == 428
    ok = client.patch(url, json={"priority": "low"}, headers={"If-Match": got.headers["etag"]})
    assert ok.status_code == 200 and ok.headers["etag"] == 'W/"2"'
    stale = client.patch(url, json={"priority": "urgent"}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412
    assert stale.json()["current"]["priority"] == "low" and stale.json()["current"]["version"] == 2
    stale_field = client.patch(url, json={"priority": "urgent", "version": 1})
    assert stale_field.status_code == 409 and stale_field.json()["current"]["version"] == 2
    stale_move = client.post(f"{url}/transitions", json={"to": "triaged", "version": 1})
    assert stale_move.status_code == 409 and stale_move.json()["current"]["status"] == "reported"
    assert client.patch(url, json={"priority": "low"}, headers={"If-Match": "*"}).status_code == 422
    assert client.patch(url, json={"status": "done", "version": 2}).status_code == 422
    after = client.get(url).json()
    assert (after["priority"], after["version"], after["status"]) == ("low", 2, "reported")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT count(*) FROM work_order_history WHERE work_order_id = :id"), {"id": order["id"]}
        ).scalar_one()
    assert rows == 2  # the creation and the one accepted update


@contextmanager
def _own_clients(settings: Settings, token: str, n: int) -> Iterator[list[TestClient]]:
    """``n`` HTTP clients, each on an app (and engine, so a connection pool) of its own."""
    with ExitStack() as stack:
        headers = {"Authorization": f"Bearer {token}"}
        yield [stack.enter_context(TestClient(create_app(settings), headers=headers)) for _ in range(n)]


def test_concurrent_updaters_lose_no_update(client, engine, settings: Settings, memorial, admin_api_token):
    """Threads, each with its own app, engine and HTTP client, add 1 yuan each to the same order's actual
    cost by read-modify-write with If-Match, retrying on 412: the total ends at exactly their sum."""
    order = _order(client, memorial)
    url = f"/api/v1/work-orders/{order['id']}"
    threads_n, increments = 6, 5
    conflicts: list[int] = []
    errors: list[str] = []
    start = threading.Barrier(threads_n)

    def updater(http: TestClient) -> None:
        try:
            start.wait(timeout=30)
            done = 0
            while done < increments:
                got = http.get(url)
                current = got.json()["cost_actual"] or 0
                response = http.patch(
                    url, json={"cost_actual": current + 1}, headers={"If-Match": got.headers["etag"]}
                )
                if response.status_code == 412:
                    conflicts.append(1)
                    continue
                if response.status_code != 200:
                    errors.append(response.text)
                    return
                done += 1
        except Exception as exc:  # reported by the assertion below
            errors.append(repr(exc))

    with _own_clients(settings, admin_api_token, threads_n) as clients:
        # each app builds its routes' matching context at its first request: not in the race
        for c in clients:
            assert c.get(url).status_code == 200
        workers = [threading.Thread(target=updater, args=(c,)) for c in clients]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=120)
    assert not errors
    final = client.get(url).json()
    total = threads_n * increments
    assert final["cost_actual"] == total and final["version"] == 1 + total
    with engine.connect() as conn:
        changes = conn.execute(
            text(
                "SELECT count(*) FROM work_order_history WHERE work_order_id = :id AND changes ? 'cost_actual'"
            ),
            {"id": order["id"]},
        ).scalar_one()
    assert changes == total


def test_concurrent_inspections_leave_the_site_at_the_latest(client, settings: Settings, admin_api_token):
    """Parallel inspectors of one grave: every inspection is kept and the site shows the latest one."""
    grave = make_site(client, "graves")
    url = f"/api/v1/graves/{grave['id']}/inspections"
    start = threading.Barrier(4)
    statuses: list[int] = []

    def inspector(http: TestClient, score: int) -> None:
        try:
            start.wait(timeout=30)
            for _ in range(3):
                statuses.append(http.post(url, json={"scores": {"monument": score}}).status_code)
        except Exception as exc:  # reported by the assertion below
            statuses.append(repr(exc))

    with _own_clients(settings, admin_api_token, 4) as clients:
        # each app's first request, one at a time (an empty inspection is refused, kept nowhere)
        for c in clients:
            assert c.post(url, json={}).status_code == 422
        workers = [threading.Thread(target=inspector, args=(c, s)) for s, c in enumerate(clients)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=120)
    assert statuses == [201] * 12
    listing = client.get(f"{url}?limit=100").json()
    assert listing["numberMatched"] == 12
    latest = listing["inspections"][0]["condition_index"]
    assert client.get(f"/api/v1/graves/{grave['id']}").json()["properties"]["condition_index"] == latest


# -- scattered graves: disposition -----------------------------------------------------------------------------


def test_scattered_grave_dispositions(client, anon_client):
    cemetery = make_site(client, "cemeteries")
    old = make_site(client, "graves")
    new = make_site(client, "graves", kind="in_cemetery", cemetery_id=cemetery["id"])
    care = client.patch(
        f"/api/v1/graves/{old['id']}",
        json={
            "properties": {
                "disposition": "care_agreement",
                "care_party": "village_committee",
                "custodian_name": "某村委会",
                "responsible_cadre": "张某",
                "care_agreed_on": "2026-04-01",
                "version": old["properties"]["version"],
            }
        },
    )
    assert care.status_code == 200, care.text
    assert care.json()["properties"]["care_agreed_on"] == "2026-04-01"
    public = anon_client.get(f"/api/v1/graves/{old['id']}").json()["properties"]
    assert public["disposition"] == "care_agreement"
    assert "responsible_cadre" not in public and "care_agreed_on" not in public
    moved = client.patch(
        f"/api/v1/graves/{old['id']}",
        json={
            "properties": {
                "disposition": "moved",
                "moved_to_grave_id": new["id"],
                "version": care.json()["properties"]["version"],
            }
        },
    )
    assert moved.status_code == 200 and moved.json()["properties"]["moved_to_grave_id"] == new["id"]
    bad = client.patch(
        f"/api/v1/graves/{old['id']}",
        json={"properties": {"disposition": "moved", "moved_to_grave_id": None}},
        headers={"If-Match": moved.headers["etag"]},
    )
    assert bad.status_code == 422
    in_place = client.patch(
        f"/api/v1/graves/{old['id']}",
        json={"properties": {"disposition": "in_place", "moved_to_grave_id": None}},
        headers={"If-Match": moved.headers["etag"]},
    )
    assert in_place.status_code == 200
