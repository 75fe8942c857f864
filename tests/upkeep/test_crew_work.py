"""Work orders on the phone and merged site edits (issue 21, items 3 and 5), over HTTP on a real PostGIS.

- ``POST /api/v1/me/work-orders/{id}/transitions``: start and finish through the one state machine; a move sent
  again with its ``client_key`` changes nothing (one history row), a reused key, a stale version, a wrong state,
  another crew's order are refused with a reason in the caller's language.
- ``POST /api/v1/me/sites/{collection}/{id}/edits``: a three-way merge per field: different fields merge, the same
  value is no change, the same field changed differently is a 409 with both values and who/when and writes
  nothing; the crew's choice sent with the new base wins and the audit log shows it; replays, bad fields, rights.
- ``/crew/work-orders/{id}``: the phone page of an order.
"""

from __future__ import annotations

import re
import threading
import uuid
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.settings import Settings
from tests.auth_helpers import staff_accounts
from tests.factories import make_site_at
from tests.upkeep.work_order_setup import make_assigned_order

COUNTY = "450329"  # 资源县
OTHER_COUNTY = "450102"
POINT = (110.6405, 26.0405)
GRAVE_POINT = (110.652, 26.046)

pytestmark = pytest.mark.usefixtures("atlas_restored")


@pytest.fixture(scope="module")
def staff(engine: Engine, demo_counts: dict[str, int]) -> dict[str, tuple[int, dict[str, str]]]:
    """Crews 'crew' and 'crew2', a planner and an admin of the county; a crew of another county."""
    specs = (
        ("crew", "crew", COUNTY),
        ("crew2", "crew", COUNTY),
        ("planner", "planner", COUNTY),
        ("admin", "admin", COUNTY),
        ("crew-out", "crew", OTHER_COUNTY),
    )
    return staff_accounts(engine, specs, "cwork")


def _history(engine: Engine, order_id: int) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT from_status, to_status, client_key, note, changes FROM work_order_history "
                "WHERE work_order_id = :id ORDER BY id"
            ),
            {"id": order_id},
        )
        return [dict(r._mapping) for r in rows]


def _move(client: TestClient, headers: dict, order_id: int, **body):
    return client.post(f"/api/v1/me/work-orders/{order_id}/transitions", json=body, headers=headers)


def test_start_and_finish_from_the_phone_arrive_once(client: TestClient, engine: Engine, staff) -> None:
    site = make_site_at(client, "memorials", POINT, name="工单纪念碑")
    crew_id, crew = staff["crew"]
    order = make_assigned_order(client, site["id"], crew_id, "围栏破损")
    start_key, finish_key = str(uuid.uuid4()), str(uuid.uuid4())

    started = _move(
        client, crew, order["id"], to="in_progress", version=order["version"], client_key=start_key
    )
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "in_progress" and "Idempotent-Replay" not in started.headers
    again = _move(client, crew, order["id"], to="in_progress", version=order["version"], client_key=start_key)
    assert again.status_code == 200 and again.headers["Idempotent-Replay"] == "true"
    assert again.json()["version"] == started.json()["version"]  # the replay changed nothing

    finished = _move(
        client,
        crew,
        order["id"],
        to="done",
        version=started.json()["version"],
        client_key=finish_key,
        cost_actual="350.50",
        note="已修好",
    )
    assert finished.status_code == 200, finished.text
    assert finished.json()["status"] == "done" and finished.json()["cost_actual"] == 350.5
    replay = _move(
        client, crew, order["id"], to="done", version=1, client_key=finish_key, cost_actual="350.50"
    )
    assert replay.status_code == 200 and replay.headers["Idempotent-Replay"] == "true"

    moves = [h for h in _history(engine, order["id"]) if h["to_status"] in ("in_progress", "done")]
    assert [(h["to_status"], str(h["client_key"])) for h in moves] == [
        ("in_progress", start_key),
        ("done", finish_key),
    ]
    assert moves[1]["note"] == "已修好"
    costs = [h for h in _history(engine, order["id"]) if h["to_status"] is None]
    assert len(costs) == 1 and costs[0]["changes"] == {"cost_actual": [None, 350.5]}

    # the key of one move sent with another: refused, in the caller's language
    reused = _move(client, crew, order["id"], to="in_progress", version=9, client_key=finish_key)
    assert reused.status_code == 409 and "已被另一条提交使用" in reused.json()["detail"]

    page = client.get(f"/crew/work-orders/{order['id']}", headers=crew)
    assert page.status_code == 200
    assert "工单纪念碑" in page.text and "已完成" in page.text and "350.50" in page.text
    assert f'href="/crew/memorials/{site["id"]}"' in page.text


def test_phone_moves_are_refused_with_a_reason(client: TestClient, engine: Engine, staff) -> None:
    site = make_site_at(client, "memorials", POINT, name="拒绝纪念碑")
    crew_id, crew = staff["crew"]
    order = make_assigned_order(client, site["id"], crew_id, "碑座开裂")
    v = order["version"]

    early = _move(client, crew, order["id"], to="done", version=v, client_key=str(uuid.uuid4()))
    assert early.status_code == 409 and early.json()["detail"] == "这张工单尚未开工，请先开工。"
    stale = client.post(  # an If-Match is strict: any newer version refuses
        f"/api/v1/me/work-orders/{order['id']}/transitions",
        json={"to": "in_progress"},
        headers={**crew, "If-Match": f'W/"{v - 1}"'},
    )
    assert stale.status_code == 412 and "已被他人修改" in stale.json()["detail"]
    assert stale.json()["current"]["version"] == v
    english = client.post(
        f"/api/v1/me/work-orders/{order['id']}/transitions?lang=en",
        json={"to": "in_progress"},
        headers={**crew, "If-Match": f'W/"{v - 1}"'},
    )
    assert "Someone changed this order" in english.json()["detail"]
    other = _move(client, staff["crew2"][1], order["id"], to="in_progress", version=v)
    assert other.status_code == 403
    outside = _move(client, staff["crew-out"][1], order["id"], to="in_progress", version=v)
    assert outside.status_code == 403
    assert _move(client, crew, order["id"], to="verified", version=v).status_code == 422
    assert _move(client, crew, order["id"], to="in_progress").status_code == 428
    bad_cost = _move(client, crew, order["id"], to="in_progress", version=v, cost_actual="-1")
    assert bad_cost.status_code == 422
    # nothing of the refused moves reached the history
    assert [h["to_status"] for h in _history(engine, order["id"])] == ["reported", "triaged", "assigned"]


def test_a_move_read_before_an_office_change_goes_on_unless_it_would_overwrite(
    client: TestClient, engine: Engine, staff
) -> None:
    site = make_site_at(client, "memorials", POINT, name="离线开工纪念碑")
    crew_id, crew = staff["crew"]
    order = make_assigned_order(client, site["id"], crew_id, "碑文描红")
    seen = order["version"]  # the phone read the order, then lost its signal
    office = client.patch(
        f"/api/v1/work-orders/{order['id']}", json={"description": "用红漆", "version": seen}
    )
    assert office.status_code == 200, office.text
    started = _move(client, crew, order["id"], to="in_progress", version=seen, client_key=str(uuid.uuid4()))
    assert started.status_code == 200, started.text  # a start touches nothing the office changed
    assert started.json()["description"] == "用红漆"
    costed = client.patch(
        f"/api/v1/work-orders/{order['id']}",
        json={"cost_actual": "100", "version": started.json()["version"]},
    )
    assert costed.status_code == 200, costed.text
    # the phone's finish, read before the office's cost, would overwrite it: refused, nothing written
    finish = {"to": "done", "version": seen, "cost_actual": "80", "client_key": str(uuid.uuid4())}
    refused = _move(client, crew, order["id"], **finish)
    assert refused.status_code == 409 and "已被他人修改" in refused.json()["detail"]
    assert refused.json()["current"]["cost_actual"] == 100.0
    # seen with the office's cost, the crew's own cost goes in with the finish
    done = _move(client, crew, order["id"], **{**finish, "cost_base": "100"})
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["cost_actual"] == 80.0
    # the admin of the area works any order of it
    other = make_assigned_order(client, site["id"], crew_id, "清扫台阶")
    assert (
        _move(client, staff["admin"][1], other["id"], to="in_progress", version=other["version"]).status_code
        == 200
    )


def _edit(client: TestClient, headers: dict, collection: str, site_id: int, **body):
    return client.post(f"/api/v1/me/sites/{collection}/{site_id}/edits", json=body, headers=headers)


def _office_patch(client: TestClient, collection: str, site_id: int, props: dict) -> dict:
    current = client.get(f"/api/v1/{collection}/{site_id}")
    changed = client.patch(
        f"/api/v1/{collection}/{site_id}",
        json={"type": "Feature", "properties": props},
        headers={"If-Match": current.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    return changed.json()


def _audit(engine: Engine, collection: str, site_id: int) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT actor, before, after FROM audit_log WHERE collection = :c AND record_id = :id "
                "AND action = 'update' ORDER BY id"
            ),
            {"c": collection, "id": site_id},
        )
        return [dict(r._mapping) for r in rows]


def test_edits_of_different_fields_merge_by_themselves(client: TestClient, engine: Engine, staff) -> None:
    grave = make_site_at(client, "graves", GRAVE_POINT, name="合并散葬墓", custodian_name="村委会")
    crew = staff["crew"][1]
    base_version = grave["properties"]["version"]
    # the office changes the custodian while the phone, offline, changes the upkeep status
    _office_patch(client, "graves", grave["id"], {"custodian_name": "李家"})
    merged = _edit(
        client,
        crew,
        "graves",
        grave["id"],
        base_version=base_version,
        base={"upkeep_status": "unknown"},
        changes={"upkeep_status": "poor"},
        client_key=str(uuid.uuid4()),
    )
    assert merged.status_code == 200, merged.text
    answer = merged.json()
    assert answer["applied"] == ["upkeep_status"]
    assert answer["values"]["custodian_name"] == "李家" and answer["values"]["upkeep_status"] == "poor"
    site = client.get(f"/api/v1/graves/{grave['id']}").json()["properties"]
    assert (site["custodian_name"], site["upkeep_status"]) == ("李家", "poor")  # both kept
    assert answer["version"] == site["version"]
    audit = _audit(engine, "graves", grave["id"])
    assert audit[-1]["actor"] == "cwork-crew" and audit[-1]["after"]["upkeep_status"] == "poor"

    # the same value the server has: no change, no write
    same = _edit(
        client,
        crew,
        "graves",
        grave["id"],
        base_version=1,
        base={"custodian_name": "村委会"},
        changes={"custodian_name": "李家"},
    )
    assert same.status_code == 200 and same.json()["unchanged"] == ["custodian_name"]
    assert same.json()["applied"] == [] and len(_audit(engine, "graves", grave["id"])) == len(audit)


def test_the_same_field_changed_on_both_sides_is_offered_and_the_choice_wins(
    client: TestClient, engine: Engine, staff
) -> None:
    memorial = make_site_at(client, "memorials", POINT, name="冲突纪念碑", notes="碑面清洁")
    crew = staff["crew"][1]
    base_version = memorial["properties"]["version"]
    office = _office_patch(client, "memorials", memorial["id"], {"notes": "碑面有青苔"})
    key = str(uuid.uuid4())
    body = {
        "base_version": base_version,
        "base": {"notes": "碑面清洁", "has_protection_sign": False},
        "changes": {"notes": "碑文脱落两处", "has_protection_sign": True},
        "client_key": key,
    }
    refused = _edit(client, crew, "memorials", memorial["id"], **body)
    assert refused.status_code == 409, refused.text
    answer = refused.json()
    assert "未保存任何内容" in answer["detail"]
    [conflict] = answer["conflicts"]
    assert conflict["field"] == "notes"
    assert (conflict["mine"], conflict["theirs"], conflict["base"]) == (
        "碑文脱落两处",
        "碑面有青苔",
        "碑面清洁",
    )
    assert conflict["at"] and conflict["by"]  # who changed it on the server, and when
    assert answer["version"] == office["properties"]["version"] and answer["values"]["notes"] == "碑面有青苔"
    site = client.get(f"/api/v1/memorials/{memorial['id']}").json()["properties"]
    assert site["notes"] == "碑面有青苔" and site["has_protection_sign"] is False  # nothing written

    # the crew keeps its own note: sent again with the server's value as base, it wins
    resolved = _edit(
        client,
        crew,
        "memorials",
        memorial["id"],
        base_version=answer["version"],
        base={"notes": "碑面有青苔", "has_protection_sign": False},
        changes={"notes": "碑文脱落两处", "has_protection_sign": True},
        client_key=str(uuid.uuid4()),
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["applied"] == ["has_protection_sign", "notes"]
    site = client.get(f"/api/v1/memorials/{memorial['id']}").json()["properties"]
    assert site["has_protection_sign"] is True
    last = _audit(engine, "memorials", memorial["id"])[-1]
    assert last["before"]["notes"] == "碑面有青苔" and last["after"]["notes"] == "碑文脱落两处"

    # a refused edit's key was not spent; a replay of the resolved one writes nothing
    replay_key = str(uuid.uuid4())
    good = {"base_version": 1, "base": {"upkeep_status": "unknown"}, "changes": {"upkeep_status": "good"}}
    first = _edit(client, crew, "memorials", memorial["id"], **good, client_key=replay_key)
    assert first.status_code == 200 and first.json()["applied"] == ["upkeep_status"]
    _office_patch(client, "memorials", memorial["id"], {"upkeep_status": "fair"})
    again = _edit(client, crew, "memorials", memorial["id"], **good, client_key=replay_key)  # sent again
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert client.get(f"/api/v1/memorials/{memorial['id']}").json()["properties"]["upkeep_status"] == "fair"
    assert key  # the conflicting edit's key may be used again after the choice
    taken = _edit(
        client,
        crew,
        "memorials",
        memorial["id"],
        base_version=1,
        base={"notes": "碑面清洁"},
        changes={"notes": "x"},
        client_key=key,
    )
    assert taken.status_code == 409  # still a conflict: the key alone proves nothing


def test_site_edits_are_refused_with_a_reason(client: TestClient, staff) -> None:
    memorial = make_site_at(client, "memorials", POINT, name="拒绝修改纪念碑")
    crew = staff["crew"][1]
    sid = memorial["id"]
    ok = {"base_version": 1, "base": {"upkeep_status": "unknown"}, "changes": {"upkeep_status": "good"}}
    not_editable = _edit(
        client, crew, "memorials", sid, base_version=1, base={"name": "a"}, changes={"name": "b"}
    )
    assert not_editable.status_code == 422 and "name" in not_editable.json()["detail"]
    missing = _edit(client, crew, "memorials", sid, base_version=1, base={}, changes={"notes": "b"})
    assert missing.status_code == 422 and "缺少修改前的值" in missing.json()["detail"]
    bad = _edit(
        client,
        crew,
        "memorials",
        sid,
        base_version=1,
        base={"upkeep_status": "unknown"},
        changes={"upkeep_status": "shiny"},
    )
    assert bad.status_code == 422
    too_long = _edit(
        client,
        crew,
        "graves",
        make_site_at(client, "graves", GRAVE_POINT)["id"],
        base_version=1,
        base={"custodian_phone": None},
        changes={"custodian_phone": "1" * 40},
    )
    assert too_long.status_code == 422 and "最多 32" in too_long.json()["detail"]
    assert _edit(client, crew, "stations", 1, **ok).status_code == 422
    assert _edit(client, staff["planner"][1], "memorials", sid, **ok).status_code == 403
    assert _edit(client, staff["crew-out"][1], "memorials", sid, **ok).status_code == 403
    assert _edit(client, crew, "memorials", 999999999, **ok).status_code == 404
    reused = str(uuid.uuid4())
    assert _edit(client, crew, "memorials", sid, **ok, client_key=reused).status_code == 200
    other = make_site_at(client, "memorials", POINT, name="另一纪念碑")
    assert _edit(client, crew, "memorials", other["id"], **ok, client_key=reused).status_code == 409


def test_the_site_page_offers_the_edit_form_and_links_orders(client: TestClient, staff) -> None:
    grave = make_site_at(client, "graves", GRAVE_POINT, name="页面散葬墓", custodian_phone="13800000000")
    crew_id, crew = staff["crew"]
    page = client.get(f"/crew/graves/{grave['id']}", headers=crew).text
    assert 'id="edit-form"' in page and 'value="13800000000"' in page and "管护人电话" in page
    planner = client.get(f"/crew/graves/{grave['id']}", headers=staff["planner"][1]).text
    assert 'id="edit-form"' not in planner and "13800000000" not in planner
    memorial = make_site_at(client, "memorials", POINT, name="页面纪念碑")
    order = make_assigned_order(client, memorial["id"], crew_id, "清理杂草")
    site_page = client.get(f"/crew/memorials/{memorial['id']}?lang=en", headers=crew).text
    assert f'href="/crew/work-orders/{order["id"]}?lang=en"' in site_page
    assert "Has a protection sign" in site_page
    tasks = client.get("/crew", headers=crew).text
    assert f'href="/crew/work-orders/{order["id"]}"' in tasks
    order_page = client.get(f"/crew/work-orders/{order['id']}", headers=crew).text
    assert 'id="start-form"' in order_page and "开始处理" in order_page
    english = client.get(f"/crew/work-orders/{order['id']}?lang=en", headers=crew).text
    main = english.split("<main>")[1].split("</main>")[0]
    assert ">Start<" in main and "Where" in main and "History" in main and "Take or choose photos" in main
    labels = re.findall(r">([^<>]+)<", main.replace("清理杂草", "").replace("页面纪念碑", ""))
    assert not [x for x in labels if re.search(r"[\u4e00-\u9fff]", x)]  # no Chinese label on the English page
    assert client.get(f"/crew/work-orders/{order['id']}", headers=staff["crew-out"][1]).status_code == 403
    assert client.get("/crew/work-orders/999999999", headers=crew).status_code == 404


def test_copies_of_a_move_sent_at_once_make_one_transition(
    client: TestClient, engine: Engine, settings: Settings, staff
) -> None:
    """Threads, each with its own app and connection pool, send the same start at the same moment: every answer
    is 200, one of them the move and the others replays, and the history holds one start."""
    site = make_site_at(client, "memorials", POINT, name="同时发送纪念碑")
    crew_id, crew = staff["crew"]
    order = make_assigned_order(client, site["id"], crew_id, "同时开工")
    key, racers = str(uuid.uuid4()), 3
    answers: list[tuple[int, str | None]] = []
    errors: list[str] = []
    with ExitStack() as stack:
        clients = [stack.enter_context(TestClient(create_app(settings), headers=crew)) for _ in range(racers)]
        for http in clients:  # each app's first request builds its routes before the race
            assert http.get(f"/api/v1/me/work-orders/{order['id']}").status_code == 200
        start = threading.Barrier(racers)

        def sender(http: TestClient) -> None:
            try:
                start.wait(timeout=30)
                body = {"to": "in_progress", "version": order["version"], "client_key": key}
                r = http.post(f"/api/v1/me/work-orders/{order['id']}/transitions", json=body)
                answers.append((r.status_code, r.headers.get("Idempotent-Replay")))
            except Exception as exc:  # reported by the assertion below
                errors.append(repr(exc))

        workers = [threading.Thread(target=sender, args=(c,)) for c in clients]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=120)
    assert not errors
    assert sorted(answers, key=str) == sorted([(200, None)] + [(200, "true")] * (racers - 1), key=str)
    starts = [h for h in _history(engine, order["id"]) if h["to_status"] == "in_progress"]
    assert len(starts) == 1 and str(starts[0]["client_key"]) == key
