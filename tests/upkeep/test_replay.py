"""Replay keys (``client_key``): a phone that sends the same inspection, work order or photo again (after a lost
answer, or twice at once) gets the first record back, with no second row, history or audit entry; a key used
for something else is refused. On a real PostGIS, with threads for the simultaneous case."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.settings import Settings
from tests.auth_helpers import headers_only, staff_accounts
from tests.factories import image, make_site, row_count

COUNTY = "450329"  # 资源县, where the factories' point lies
REPLAY = "idempotent-replay"


pytestmark = pytest.mark.usefixtures("atlas_restored")  # the sites made here go after the module


@pytest.fixture(scope="module")
def crews(engine: Engine, demo_counts: dict[str, int]) -> dict[str, dict[str, str]]:
    """Auth headers of two crews of the county ('a', 'b')."""
    return headers_only(
        staff_accounts(engine, [(name, "crew", COUNTY) for name in ("a", "b")], "replay-crew")
    )


@pytest.fixture(scope="module")
def memorial(client: TestClient) -> dict:
    return make_site(client, "memorials", name="重发测试纪念碑")


def _counts(engine: Engine) -> tuple[int, ...]:
    tables = ("inspections", "work_orders", "work_order_history", "photos", "audit_log")
    return tuple(row_count(engine, t) for t in tables)


def _inspect(http: TestClient, site: dict, key: str | None, headers=None, collection: str = "memorials"):
    body = {"scores": {"monument": 3, "cleanliness": 2}, "client_key": key}
    return http.post(f"/api/v1/{collection}/{site['id']}/inspections", json=body, headers=headers or {})


def _report(http: TestClient, site: dict, key: str | None, headers=None, collection: str = "memorials"):
    body = {"collection": collection, "site_id": site["id"], "title": "护栏松动", "client_key": key}
    return http.post("/api/v1/work-orders", json=body, headers=headers or {})


def _photo(
    http: TestClient,
    site: dict,
    key: str | None,
    headers=None,
    collection: str = "memorials",
    data: bytes | None = None,
):
    form = {"client_key": key} if key else {}
    files = {"file": ("p.png", data or image(colour=(90, 120, 60)), "image/png")}
    return http.post(
        f"/api/v1/{collection}/{site['id']}/photos", files=files, data=form, headers=headers or {}
    )


SENDERS: dict[str, Callable] = {"inspection": _inspect, "work order": _report, "photo": _photo}


@pytest.mark.parametrize("kind", list(SENDERS))
def test_a_submission_sent_again_is_answered_with_the_first_record(client, engine, memorial, crews, kind):
    send = SENDERS[kind]
    key = str(uuid.uuid4())
    first = send(client, memorial, key, crews["a"])
    assert first.status_code == 201, first.text
    assert REPLAY not in first.headers and first.json()["client_key"] == key
    after_first = _counts(engine)
    again = send(client, memorial, key, crews["a"])
    assert again.status_code == 200, again.text
    assert again.headers[REPLAY] == "true"
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert _counts(engine) == after_first  # no second row, history row or audit entry


def test_a_replayed_inspection_does_not_touch_the_site(client, engine, memorial, crews):
    key = str(uuid.uuid4())
    assert _inspect(client, memorial, key, crews["a"]).status_code == 201
    version = client.get(f"/api/v1/memorials/{memorial['id']}").json()["properties"]["version"]
    assert _inspect(client, memorial, key, crews["a"]).status_code == 200
    assert client.get(f"/api/v1/memorials/{memorial['id']}").json()["properties"]["version"] == version


@pytest.mark.parametrize("kind", list(SENDERS))
def test_a_key_used_for_another_record_is_refused(client, engine, memorial, crews, kind):
    send = SENDERS[kind]
    other_site = make_site(client, "memorials", name="重发测试另一纪念碑")
    key = str(uuid.uuid4())
    assert send(client, memorial, key, crews["a"]).status_code == 201
    before = _counts(engine)
    by_another_crew = send(client, memorial, key, crews["b"])
    at_another_site = send(client, other_site, key, crews["a"])
    for response in (by_another_crew, at_another_site):
        assert response.status_code == 409, response.text
        assert "client_key" in response.json()["detail"]
    assert _counts(engine) == before


def test_a_photo_key_sent_with_other_bytes_or_to_another_place_is_refused(client, engine, memorial, crews):
    key = str(uuid.uuid4())
    assert _photo(client, memorial, key, crews["a"], data=image(colour=(90, 120, 60))).status_code == 201
    before = _counts(engine)
    other_bytes = _photo(client, memorial, key, crews["a"], data=image(colour=(91, 120, 60)))
    assert other_bytes.status_code == 409 and "client_key" in other_bytes.json()["detail"]
    inspection = _inspect(client, memorial, None, crews["a"]).json()
    before = _counts(engine)
    to_inspection = client.post(
        f"/api/v1/memorials/{memorial['id']}/inspections/{inspection['id']}/photos",
        files={"file": ("p.png", image(colour=(90, 120, 60)), "image/png")},
        data={"client_key": key},
        headers=crews["a"],
    )
    assert to_inspection.status_code == 409, to_inspection.text
    assert _counts(engine) == before


@pytest.mark.parametrize("kind", list(SENDERS))
def test_without_a_key_each_submission_is_new(client, engine, memorial, crews, kind):
    send = SENDERS[kind]
    first, second = send(client, memorial, None, crews["a"]), send(client, memorial, None, crews["a"])
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"] and first.json()["client_key"] is None


@pytest.mark.parametrize("kind", ["inspection", "work order"])
def test_a_malformed_key_is_refused(client, engine, memorial, crews, kind):
    before = _counts(engine)
    response = SENDERS[kind](client, memorial, "not-a-uuid", crews["a"])
    assert response.status_code == 422 and "client_key" in response.json()["detail"]
    assert _counts(engine) == before


# -- the same submission at the same time ----------------------------------------------------------------------


RACERS = 5


@pytest.fixture(scope="module")
def racers(settings: Settings, crews: dict[str, dict[str, str]]) -> Iterator[list[TestClient]]:
    """HTTP clients of crew 'a', each on an app (and engine, so a connection pool) of its own, warmed up: the
    first requests finish building the app's fields under ``warnings.catch_warnings``, which is not
    thread-safe (run in parallel, it can drop the warning filters and turn a pydantic warning into an error)."""
    with ExitStack() as stack:
        clients = [
            stack.enter_context(TestClient(create_app(settings), headers=crews["a"])) for _ in range(RACERS)
        ]
        for http in clients:  # the first JSON and the first form request each finish some of the building
            assert http.get("/api/v1/work-orders?limit=1").status_code == 200
            assert _photo(http, {"id": 0}, None, collection="graves").status_code == 404
        yield clients


TABLE = {"inspection": "inspections", "work order": "work_orders", "photo": "photos"}


@pytest.mark.parametrize("kind", list(SENDERS))
def test_copies_sent_at_once_make_one_record(client, engine, racers: list[TestClient], kind):
    """Threads, each with its own app and connection pool, send the same submission at the same moment: one
    answer is 201, every other one 200 with the same record, and one row exists."""
    site = make_site(client, "graves")
    send, key, threads_n = SENDERS[kind], str(uuid.uuid4()), len(racers)
    start = threading.Barrier(threads_n)
    answers: list[tuple[int, int | None]] = []
    errors: list[str] = []

    def sender(http: TestClient) -> None:
        try:
            start.wait(timeout=30)
            response = send(http, site, key, collection="graves")
            answers.append((response.status_code, response.json().get("id")))
        except Exception as exc:  # reported by the assertion below
            errors.append(repr(exc))

    workers = [threading.Thread(target=sender, args=(c,)) for c in racers]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not errors
    assert sorted(status for status, _ in answers) == [200] * (threads_n - 1) + [201]
    assert len({record_id for _, record_id in answers}) == 1
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT count(*) FROM {TABLE[kind]} WHERE client_key = :k"), {"k": key})
        assert rows.scalar_one() == 1
        audits = conn.execute(
            text(
                "SELECT count(*) FROM audit_log WHERE collection = :c AND record_id = :id AND action = 'create'"
            ),
            {"c": TABLE[kind], "id": answers[0][1]},
        )
        assert audits.scalar_one() == 1


def test_a_photo_sent_again_after_its_order_closed_still_finds_the_first(client, engine, memorial):
    body = {"collection": "memorials", "site_id": memorial["id"], "title": "清洗碑文"}
    order = client.post("/api/v1/work-orders", json=body).json()
    url, key = f"/api/v1/work-orders/{order['id']}/photos", str(uuid.uuid4())
    files = {"file": ("p.png", image(colour=(90, 120, 60)), "image/png")}
    first = client.post(url, files=files, data={"stage": "after", "client_key": key})
    assert first.status_code == 201, first.text
    with engine.begin() as conn:
        conn.execute(text("UPDATE work_orders SET status = 'verified' WHERE id = :id"), {"id": order["id"]})
    again = client.post(url, files=files, data={"stage": "after", "client_key": key})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    new = client.post(url, files=files, data={"stage": "after", "client_key": str(uuid.uuid4())})
    assert new.status_code == 409 and "closed" in new.json()["detail"]
