"""Family-search requests (寻亲): the public files them (201 with a reference), every bad input is a 422 with
nothing stored, bursts are 429; only staff of the request's area read and update them (401 public, 403 elsewhere),
updates carry the version read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.public.family_requests import MAX_PER_CLIENT_PER_DAY
from geo.settings import SecuritySettings, Settings
from tests.auth_helpers import staff_accounts

URL = "/api/v1/family-requests"
MAOJIAN = "420302"  # 十堰市茅箭区: 东沟烈士陵园
ZIYUAN = "450329"  # 桂林市资源县


@pytest.fixture(scope="module")
def public(settings: Settings, demo_counts: dict[str, int]) -> Iterator[TestClient]:
    """An anonymous client on an app of this module's own (its own rate-limit windows), reading reasons in English."""
    with TestClient(create_app(settings), headers={"Accept-Language": "en"}) as client:
        yield client


@pytest.fixture(scope="module")
def staff(engine: Engine, demo_counts: dict[str, int]) -> dict[str, dict[str, str]]:
    """Bearer headers of staff: planners of 茅箭区 and 资源县, a crew of 茅箭区, a national admin."""
    specs = [
        ("planner-maojian", "planner", MAOJIAN),
        ("planner-ziyuan", "planner", ZIYUAN),
        ("crew-maojian", "crew", MAOJIAN),
        ("admin-national", "admin", None),
    ]
    return {key: headers for key, (_, headers) in staff_accounts(engine, specs, "family").items()}


@pytest.fixture(scope="module")
def martyr_id(engine: Engine, demo_counts: dict[str, int]) -> Iterator[int]:
    """A martyr record of 茅箭区 made for this module."""
    with engine.begin() as conn:
        mid = conn.execute(
            text(
                "INSERT INTO martyrs (name, hometown, area_code, synthetic) VALUES ('寻亲测', '十堰', :a, true) "
                "RETURNING id"
            ),
            {"a": MAOJIAN},
        ).scalar_one()
    yield mid
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM family_requests WHERE martyr_id = :m"), {"m": mid})
        conn.execute(text("DELETE FROM martyrs WHERE id = :m"), {"m": mid})


@pytest.fixture(autouse=True)
def _no_requests_left(engine: Engine) -> Iterator[None]:
    """Each test starts and ends with no family requests (the daily per-client limit counts them)."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM family_requests"))
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM family_requests"))


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM family_requests")).scalar_one()


def _body(**overrides) -> dict:
    body = {
        "martyr_name": "王德胜",
        "hometown": "湖北省十堰市",
        "unit": "中原军区第一纵队",
        "death_year": 1946,
        "details": "祖父1946年随部队转战，此后音信全无。",
        "requester_name": "王小明",
        "relation": "孙子",
        "contact_phone": "138 0013 8000",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def _file(public: TestClient, **overrides) -> dict:
    response = public.post(URL, json=_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def test_the_public_files_a_request_and_gets_a_reference(
    public: TestClient, engine: Engine, martyr_id: int
) -> None:
    answer = _file(public, martyr_id=martyr_id, contact_email="wang@example.cn")
    assert answer["reference"] == f"XQ-{answer['id']:06d}" and answer["status"] == "new"
    assert set(answer) == {"id", "reference", "status", "created_at", "follow_up_code"}, (
        "nothing of the request is echoed"
    )
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM family_requests WHERE id = :id"), {"id": answer["id"]}).one()
    assert row.area_code == MAOJIAN, "the martyr's area"
    assert row.contact_phone == "13800138000" and row.contact_email == "wang@example.cn"
    assert row.client_hash and len(row.client_hash) == 64 and "testclient" not in row.client_hash


def test_a_request_without_a_known_area_belongs_to_the_whole_atlas(
    public: TestClient, engine: Engine
) -> None:
    answer = _file(public, contact_phone=None, contact_email="a@b.cn")
    with engine.connect() as conn:
        area = conn.execute(text("SELECT area_code FROM family_requests WHERE id = :i"), {"i": answer["id"]})
        assert area.scalar_one() is None
    answer = _file(public, hometown_area_code=ZIYUAN)
    with engine.connect() as conn:
        area = conn.execute(text("SELECT area_code FROM family_requests WHERE id = :i"), {"i": answer["id"]})
        assert area.scalar_one() == ZIYUAN


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"martyr_name": None}, "martyr_name"),
        ({"martyr_name": "   "}, "martyr_name is required"),
        ({"martyr_name": "名" * 101}, "martyr_name is too long"),
        ({"requester_name": None}, "requester_name"),
        ({"requester_name": ""}, "requester_name is required"),
        ({"contact_phone": None}, "phone number or an e-mail"),
        ({"contact_phone": "", "contact_email": " "}, "phone number or an e-mail"),
        ({"contact_phone": "12345"}, "not a phone number"),
        ({"contact_phone": "call me maybe"}, "not a phone number"),
        ({"contact_phone": "1" * 20}, "not a phone number"),
        ({"contact_email": "not-an-address"}, "not an e-mail address"),
        ({"contact_email": "a@b"}, "not an e-mail address"),
        ({"details": "详" * 2001}, "details is too long"),
        ({"details": "x" * 5000}, "details"),
        ({"relation": "亲" * 51}, "relation is too long"),
        ({"death_year": 1500}, "death_year"),
        ({"death_year": "soon"}, "death_year"),
        ({"martyr_id": 999_999_999}, "no martyr record"),
        ({"hometown_area_code": "999999"}, "no such area"),
        ({"hometown_area_code": "abc"}, "hometown_area_code"),
        ({"unit": "部队\x07"}, "control characters"),
        ({"website": "http://spam.example"}, "website"),
    ],
)
def test_bad_requests_are_refused_with_a_reason_and_nothing_stored(
    public: TestClient, engine: Engine, overrides: dict, reason: str
) -> None:
    body = _body(**{k: v for k, v in overrides.items() if v is not None})
    for key, value in overrides.items():
        if value is None:
            body.pop(key, None)
    response = public.post(URL, json=body)
    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"]
    assert _count(engine) == 0


def test_a_body_that_is_not_json_is_refused(public: TestClient, engine: Engine) -> None:
    response = public.post(
        URL, data={"martyr_name": "王", "requester_name": "李", "contact_phone": "13800138000"}
    )
    assert response.status_code == 422
    assert _count(engine) == 0


def test_a_burst_is_refused_by_the_middleware(settings: Settings, engine: Engine, demo_counts) -> None:
    security = SecuritySettings(rate_limit_requests=3, rate_limit_window_s=60)
    with TestClient(create_app(settings, security=security)) as client:
        codes = [client.post(URL, json=_body(requester_name=f"请求{i}")).status_code for i in range(5)]
        last = client.post(URL, json=_body())
    assert codes == [201, 201, 201, 429, 429]
    assert int(last.headers["retry-after"]) >= 1
    assert _count(engine) == 3


def test_more_than_the_daily_limit_from_one_client_is_refused(public: TestClient, engine: Engine) -> None:
    for i in range(MAX_PER_CLIENT_PER_DAY):
        _file(public, requester_name=f"请求{i}")
    response = public.post(URL, json=_body())
    assert response.status_code == 429 and "a day" in response.json()["detail"]
    assert response.headers["retry-after"]
    assert _count(engine) == MAX_PER_CLIENT_PER_DAY


def test_the_public_cannot_read_or_change_requests(public: TestClient, martyr_id: int) -> None:
    rid = _file(public, martyr_id=martyr_id)["id"]
    assert public.get(URL).status_code == 401
    assert public.get(f"{URL}/{rid}").status_code == 401
    assert public.patch(f"{URL}/{rid}", json={"status": "closed", "version": 1}).status_code == 401


def test_crews_may_not_read_requests(public: TestClient, staff: dict, martyr_id: int) -> None:
    rid = _file(public, martyr_id=martyr_id)["id"]
    assert public.get(URL, headers=staff["crew-maojian"]).status_code == 403
    assert public.get(f"{URL}/{rid}", headers=staff["crew-maojian"]).status_code == 403


def test_staff_see_the_requests_of_their_area_only(public: TestClient, staff: dict, martyr_id: int) -> None:
    mine = _file(public, martyr_id=martyr_id)["id"]
    national = _file(public)["id"]
    ziyuan = _file(public, hometown_area_code=ZIYUAN)["id"]

    listing = public.get(URL, headers=staff["planner-maojian"]).json()
    assert [r["id"] for r in listing["family_requests"]] == [mine]
    assert listing["family_requests"][0]["contact_phone"] == "13800138000", "staff see the contact"
    one = public.get(f"{URL}/{mine}", headers=staff["planner-maojian"])
    assert one.status_code == 200 and one.headers["etag"] == 'W/"1"'
    assert one.json()["reference"] == f"XQ-{mine:06d}"

    other = staff["planner-ziyuan"]
    assert public.get(f"{URL}/{mine}", headers=other).status_code == 403
    assert (
        public.patch(f"{URL}/{mine}", json={"status": "closed", "version": 1}, headers=other).status_code
        == 403
    )
    assert public.get(URL, params={"area": MAOJIAN}, headers=other).status_code == 403
    assert [r["id"] for r in public.get(URL, headers=other).json()["family_requests"]] == [ziyuan]
    assert public.get(f"{URL}/{national}", headers=staff["planner-maojian"]).status_code == 403

    everything = public.get(URL, headers=staff["admin-national"]).json()
    assert {r["id"] for r in everything["family_requests"]} == {mine, national, ziyuan}
    assert everything["numberMatched"] == 3
    assert public.get(f"{URL}/999999999", headers=staff["admin-national"]).status_code == 404


def test_staff_update_status_and_note_at_the_version_they_read(
    public: TestClient, engine: Engine, staff: dict, martyr_id: int
) -> None:
    rid = _file(public, martyr_id=martyr_id)["id"]
    planner = staff["planner-maojian"]
    path = f"{URL}/{rid}"
    assert public.patch(path, json={"status": "in_progress"}, headers=planner).status_code == 428
    changed = public.patch(
        path,
        json={"status": "in_progress", "staff_note": "已联系烈士陵园核对墓位"},
        headers={**planner, "If-Match": 'W/"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "in_progress" and changed.json()["version"] == 2
    assert changed.headers["etag"] == 'W/"2"'
    stale = public.patch(path, json={"status": "found"}, headers={**planner, "If-Match": 'W/"1"'})
    assert stale.status_code == 412 and stale.json()["current"]["version"] == 2
    assert public.patch(path, json={"status": "found", "version": 1}, headers=planner).status_code == 409
    assert public.patch(path, json={"status": "lost", "version": 2}, headers=planner).status_code == 422
    assert public.patch(path, json={"contact_phone": "1", "version": 2}, headers=planner).status_code == 422
    done = public.patch(path, json={"status": "found", "version": 2}, headers=planner)
    assert done.status_code == 200 and done.json()["staff_note"] == "已联系烈士陵园核对墓位"
    listing = public.get(URL, params={"status": "found"}, headers=planner).json()
    assert [r["id"] for r in listing["family_requests"]] == [rid]
    with engine.connect() as conn:
        audit = (
            conn.execute(
                text(
                    "SELECT after FROM audit_log WHERE collection = 'family_requests' AND record_id = :id ORDER BY id"
                ),
                {"id": rid},
            )
            .scalars()
            .all()
        )
    assert [a["status"] for a in audit] == ["in_progress", "found"]
    assert all("contact_phone" not in a for a in audit), "the audit log keeps no contact"
