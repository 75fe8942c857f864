"""The disposition of scattered graves: repaired in place, moved into a cemetery (the link old → new kept and
shown both ways), or under a care agreement naming its parties; who may set it and who may read what; on a real
PostGIS."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.auth_helpers import headers_only, staff_accounts
from tests.factories import grave_body, make_site

COUNTY = "450329"  # 资源县, where the factories' point lies
OTHER_COUNTY = "450102"
CARE = {
    "disposition": "care_agreement",
    "care_party": "relatives",
    "custodian_name": "李某（烈士侄孙）",
    "custodian_phone": "13800000000",
    "responsible_cadre": "王某（村支书）",
    "care_agreed_on": "2026-03-20",
}
PERSONAL = ("custodian_name", "custodian_phone", "responsible_cadre")


pytestmark = pytest.mark.usefixtures("atlas_restored")  # the sites made here go after the module


@pytest.fixture(scope="module")
def headers(engine: Engine, demo_counts: dict[str, int]) -> dict[str, dict[str, str]]:
    """Authorization headers by key: crew-in, crew-out, planner-in."""
    specs = (
        ("crew-in", "crew", COUNTY),
        ("crew-out", "crew", OTHER_COUNTY),
        ("planner-in", "planner", COUNTY),
    )
    return headers_only(staff_accounts(engine, specs, "graves"))


@pytest.fixture(scope="module")
def cemetery(client: TestClient) -> dict:
    return make_site(client, "cemeteries", name="处置测试陵园")


def _in_cemetery(client: TestClient, cemetery: dict) -> dict:
    return make_site(client, "graves", name="迁入之墓", kind="in_cemetery", cemetery_id=cemetery["id"])


def _scattered(client: TestClient) -> dict:
    """A scattered grave with no disposition yet (the factory gives it a custodian name only)."""
    return make_site(client, "graves", name="处置测试散葬墓")


def _patch(http: TestClient, grave: dict, props: dict, headers: dict | None = None):
    """PATCH a grave at the version a GET answers now."""
    url = f"/api/v1/graves/{grave['id']}"
    etag = http.get(url, headers=headers or {}).headers["etag"]
    return http.patch(url, json={"properties": props}, headers={**(headers or {}), "If-Match": etag})


def _stored(engine: Engine, grave_id: int) -> dict:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM graves WHERE id = :id"), {"id": grave_id}).one()
    return dict(row._mapping)


# -- in place and care agreement -----------------------------------------------------------------------------


def test_a_scattered_grave_is_repaired_in_place(client):
    grave = _scattered(client)
    response = _patch(client, grave, {"disposition": "in_place"})
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["disposition"] == "in_place"


def test_a_care_agreement_names_party_custodian_cadre_and_date(client):
    grave = _scattered(client)
    response = _patch(client, grave, CARE)
    assert response.status_code == 200, response.text
    props = response.json()["properties"]
    assert {k: props[k] for k in CARE} == CARE


@pytest.mark.parametrize("missing", ["care_party", "custodian_name", "responsible_cadre", "care_agreed_on"])
def test_a_care_agreement_missing_a_party_is_refused_and_nothing_written(client, engine, missing):
    grave = _scattered(client)
    before = _stored(engine, grave["id"])
    props = {**CARE, missing: None}
    if missing == "custodian_name":
        props[missing] = ""  # an empty name is no name either
    response = _patch(client, grave, props)
    assert response.status_code == 422 and missing in response.json()["detail"]
    assert "care agreement" in response.json()["detail"]
    assert _stored(engine, grave["id"]) == before


def test_a_new_grave_with_an_incomplete_care_agreement_is_refused(client, engine):
    count = _count_graves(engine)
    body = grave_body(disposition="care_agreement", care_party="village_committee")
    response = client.post("/api/v1/graves", json=body)
    assert response.status_code == 422
    assert "responsible_cadre" in response.json()["detail"] and "care_agreed_on" in response.json()["detail"]
    assert _count_graves(engine) == count


def _count_graves(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM graves")).scalar_one()


def test_an_older_care_agreement_without_its_date_can_still_have_its_notes_fixed(client, engine):
    """A record loaded before the rule (no agreement date) is not locked: other fields change; touching the
    agreement asks for what it lacks."""
    grave = _scattered(client)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE graves SET disposition = 'care_agreement', care_party = 'village_committee', "
                "responsible_cadre = '赵某' WHERE id = :id"
            ),
            {"id": grave["id"]},
        )
    assert _patch(client, grave, {"notes": "碑文已描红"}).status_code == 200
    touched = _patch(client, grave, {"custodian_name": "某村委会"})
    assert touched.status_code == 422 and "care_agreed_on" in touched.json()["detail"]
    assert (
        _patch(client, grave, {"custodian_name": "某村委会", "care_agreed_on": "2025-09-30"}).status_code
        == 200
    )


# -- moved into a cemetery -----------------------------------------------------------------------------------


def test_a_grave_moved_into_a_cemetery_keeps_the_link_both_ways(client, anon_client, cemetery):
    old = _scattered(client)
    new = _in_cemetery(client, cemetery)
    moved = _patch(client, old, {"disposition": "moved", "moved_to_grave_id": new["id"]})
    assert moved.status_code == 200, moved.text
    for http in (client, anon_client):  # the link is public
        kept = http.get(f"/api/v1/graves/{old['id']}")
        assert kept.status_code == 200  # the old grave keeps its record
        props = kept.json()["properties"]
        assert (props["kind"], props["disposition"], props["moved_to_grave_id"]) == (
            "scattered",
            "moved",
            new["id"],
        )
        target = http.get(f"/api/v1/graves/{new['id']}").json()["properties"]
        assert target["moved_from"] == [old["id"]]
    assert client.get(f"/api/v1/graves/{old['id']}").json()["properties"]["moved_from"] == []


def test_a_move_must_name_a_grave_in_a_cemetery(client, engine, cemetery):
    old = _scattered(client)
    other_scattered = _scattered(client)
    before = _stored(engine, old["id"])
    cases = [
        ({"moved_to_grave_id": other_scattered["id"]}, "in_cemetery"),
        ({"moved_to_grave_id": old["id"]}, "in_cemetery"),  # itself: a scattered grave
        ({"moved_to_grave_id": 987654321}, "no grave with id 987654321"),
        ({"moved_to_grave_id": None}, "moved_to_grave_id"),
        ({}, "moved_to_grave_id"),
    ]
    for props, reason in cases:
        response = _patch(client, old, {"disposition": "moved", **props})
        assert response.status_code == 422 and reason in response.json()["detail"], (props, response.text)
    assert _stored(engine, old["id"]) == before


def test_a_grave_others_were_moved_to_stays_in_its_cemetery(client, engine, cemetery):
    old = _scattered(client)
    new = _in_cemetery(client, cemetery)
    assert _patch(client, old, {"disposition": "moved", "moved_to_grave_id": new["id"]}).status_code == 200
    response = _patch(client, new, {"kind": "scattered", "cemetery_id": None})
    assert response.status_code == 422 and str(old["id"]) in response.json()["detail"]
    assert _stored(engine, new["id"])["kind"] == "in_cemetery"
    assert _patch(client, new, {"number": "12"}).status_code == 200  # other changes are fine


def test_only_a_scattered_grave_has_a_disposition(client, engine, cemetery):
    grave = _in_cemetery(client, cemetery)
    for disposition in ("in_place", "care_agreement"):
        props = (
            {**CARE, "disposition": disposition}
            if disposition == "care_agreement"
            else {"disposition": disposition}
        )
        response = _patch(client, grave, props)
        assert response.status_code == 422 and "only a scattered grave" in response.json()["detail"]
    assert _stored(engine, grave["id"])["disposition"] is None
    body = grave_body(kind="in_cemetery", cemetery_id=cemetery["id"], disposition="in_place")
    created = client.post("/api/v1/graves", json=body)
    assert created.status_code == 422 and "only a scattered grave" in created.json()["detail"]


# -- who may set it, who may read what -----------------------------------------------------------------------


@pytest.mark.parametrize(("key", "expected"), [("crew-in", 200), ("crew-out", 403), ("planner-in", 403)])
def test_a_crew_of_the_area_sets_the_disposition(client, anon_client, engine, headers, key, expected):
    grave = _scattered(client)
    before = _stored(engine, grave["id"])
    response = _patch(anon_client, grave, CARE, headers[key])
    assert response.status_code == expected, response.text
    if expected != 200:
        assert _stored(engine, grave["id"]) == before
    else:
        assert _stored(engine, grave["id"])["responsible_cadre"] == CARE["responsible_cadre"]


def test_the_public_may_not_set_a_disposition(client, anon_client, engine):
    grave = _scattered(client)
    response = _patch(anon_client, grave, {"disposition": "in_place"})
    assert response.status_code == 401
    assert _stored(engine, grave["id"])["disposition"] is None


@pytest.mark.parametrize(
    ("key", "sees_personal", "sees_date"),
    [(None, False, False), ("planner-in", False, True), ("crew-in", True, True)],
)
def test_care_agreement_parties_are_private(client, anon_client, headers, key, sees_personal, sees_date):
    grave = _scattered(client)
    assert _patch(client, grave, CARE).status_code == 200
    response = anon_client.get(f"/api/v1/graves/{grave['id']}", headers=headers[key] if key else {})
    props = response.json()["properties"]
    assert (props["disposition"], props["care_party"]) == ("care_agreement", "relatives")  # public
    for name in PERSONAL:
        assert (props.get(name) == CARE[name]) is sees_personal, name
    assert ("care_agreed_on" in props) is sees_date
    if not sees_personal:
        assert not any(CARE[name] in response.text for name in PERSONAL)
