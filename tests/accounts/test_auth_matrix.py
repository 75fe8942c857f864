"""The authorization matrix: each role × inside/outside its area × each write action, with the status expected.

Accounts hold their rights in their area and everything inside it. The expected rights are written out here
by hand (not read from geo/accounts/permissions.py), so a change to the permission table has to change this file too.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.auth_helpers import each_role_in, headers_only, staff_accounts
from tests.factories import BODIES, ZIYUAN_POINT, if_match

COUNTY = "450329"  # 资源县, where ZIYUAN_POINT lies
CITY = "450300"  # 桂林市, which holds 资源县
OTHER_COUNTY = "450102"  # 兴宁区 (南宁市)
OTHER_POINT = (108.5227, 22.9622)  # inside 兴宁区

# what each role may do in its own area (by hand; see geo/accounts/permissions.py)
MAY: dict[str, set[str]] = {
    "stations.create": {"planner", "admin"},
    "stations.update": {"planner", "admin"},
    "stations.delete": {"planner", "admin"},
    "memorials.create": {"admin"},
    "memorials.update": {"crew", "admin"},
    "memorials.delete": {"admin"},
    "cemeteries.create": {"admin"},
    "cemeteries.update": {"crew", "admin"},
    "cemeteries.delete": {"admin"},
    "graves.create": {"admin"},
    "graves.update": {"crew", "admin"},
    "graves.delete": {"admin"},
    "coverage.run": {"planner", "admin"},
    "siting.run": {"planner", "admin"},
    "travel.run": {"planner", "admin"},
    "roads.import": {"planner", "admin"},
    "roads.delete": {"planner", "admin"},
    "accounts.manage": {"admin"},
    "tokens.manage": {"admin"},
    "audit.read": {"admin"},
}
ROLES = ("crew", "planner", "admin")
SCOPES = ("inside", "outside")
COLLECTIONS = ("stations", "memorials", "cemeteries", "graves")
SUCCESS = {"create": 201, "update": 200, "delete": 204}


pytestmark = pytest.mark.usefixtures("atlas_restored")  # the sites made here go after the module


@pytest.fixture(scope="module")
def tokens(engine: Engine, demo_counts: dict[str, int]) -> dict[str, dict[str, str]]:
    """Bearer headers of API tokens per account key: '<role>-<county|other|city|national>', and 'crew-township'
    (the township of ZIYUAN_POINT)."""
    with engine.connect() as conn:
        township = conn.execute(
            text(
                "SELECT code FROM areas WHERE level = 'township' "
                "AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
            ),
            {"x": ZIYUAN_POINT[0], "y": ZIYUAN_POINT[1]},
        ).scalar_one()
    areas = {"county": COUNTY, "other": OTHER_COUNTY, "city": CITY, "national": None}
    specs = [*each_role_in(areas, ROLES), ("crew-township", "crew", township)]
    return headers_only(staff_accounts(engine, specs, "matrix"))


def _auth(tokens: dict[str, dict[str, str]], key: str | None) -> dict[str, str]:
    return {} if key is None else tokens[key]


def _account_for(role: str, scope: str) -> str:
    """Inside: an account of the county the sites lie in; outside: one of another county."""
    return f"{role}-{'county' if scope == 'inside' else 'other'}"


def _expected(action: str, role: str | None, scope: str) -> int:
    if role is None:
        return 401
    verb = action.split(".")[1]
    return SUCCESS.get(verb, 200) if role in MAY[action] and scope == "inside" else 403


def _new_site(client: TestClient, collection: str, point: tuple[float, float] = ZIYUAN_POINT) -> dict:
    body = BODIES[collection]()
    body["geometry"] = {"type": "Point", "coordinates": list(point)}
    response = client.post(f"/api/v1/{collection}", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _count(engine: Engine, collection: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {collection}")).scalar_one()


def _assert_status(response, expected: int) -> None:
    assert response.status_code == expected, response.text
    if expected == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")


WHO = [(None, "inside")] + [(role, scope) for role in ROLES for scope in SCOPES]
WHO_IDS = ["public"] + [f"{role}-{scope}" for role in ROLES for scope in SCOPES]


@pytest.mark.parametrize("collection", COLLECTIONS)
@pytest.mark.parametrize(("role", "scope"), WHO, ids=WHO_IDS)
def test_create(anon_client, engine, tokens, collection, role, scope):
    before = _count(engine, collection)
    key = _account_for(role, scope) if role else None
    response = anon_client.post(
        f"/api/v1/{collection}", json=BODIES[collection](), headers=_auth(tokens, key)
    )
    expected = _expected(f"{collection}.create", role, scope)
    _assert_status(response, expected)
    assert _count(engine, collection) == before + (1 if expected == 201 else 0)  # refused: nothing written


@pytest.mark.parametrize("collection", COLLECTIONS)
@pytest.mark.parametrize(("role", "scope"), WHO, ids=WHO_IDS)
def test_update(client, anon_client, tokens, collection, role, scope):
    site = _new_site(client, collection)
    key = _account_for(role, scope) if role else None
    response = anon_client.patch(
        f"/api/v1/{collection}/{site['id']}",
        json={"properties": {"name": "矩阵改名"}},
        headers={**_auth(tokens, key), **if_match(client, collection, site["id"])},
    )
    expected = _expected(f"{collection}.update", role, scope)
    _assert_status(response, expected)
    name = client.get(f"/api/v1/{collection}/{site['id']}").json()["properties"]["name"]
    assert (name == "矩阵改名") == (expected == 200)


@pytest.mark.parametrize("collection", COLLECTIONS)
@pytest.mark.parametrize(("role", "scope"), WHO, ids=WHO_IDS)
def test_delete(client, anon_client, tokens, collection, role, scope):
    site = _new_site(client, collection)
    key = _account_for(role, scope) if role else None
    response = anon_client.delete(
        f"/api/v1/{collection}/{site['id']}",
        headers={**_auth(tokens, key), **if_match(client, collection, site["id"])},
    )
    expected = _expected(f"{collection}.delete", role, scope)
    _assert_status(response, expected)
    still = client.get(f"/api/v1/{collection}/{site['id']}").status_code
    assert still == (404 if expected == 204 else 200)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("planner-city", 200),
        ("planner-county", 200),
        ("crew-township", 200),
        ("crew-city", 200),
        ("crew-other", 403),
    ],
)
def test_rights_hold_in_every_area_inside_the_account_area(client, anon_client, tokens, key, expected):
    collection = "stations" if key.startswith("planner") else "memorials"
    site = _new_site(client, collection)
    response = anon_client.patch(
        f"/api/v1/{collection}/{site['id']}",
        json={"properties": {"name": "区内"}},
        headers={**_auth(tokens, key), **if_match(client, collection, site["id"])},
    )
    _assert_status(response, expected)


def test_an_update_that_moves_a_site_out_of_the_area_is_refused_and_changes_nothing(
    client, anon_client, tokens
):
    site = _new_site(client, "memorials")
    moved = {"type": "Point", "coordinates": list(OTHER_POINT)}
    response = anon_client.patch(
        f"/api/v1/memorials/{site['id']}",
        json={"geometry": moved, "properties": {"area_code": None}},
        headers={**_auth(tokens, "crew-county"), **if_match(client, "memorials", site["id"])},
    )
    _assert_status(response, 403)
    again = client.get(f"/api/v1/memorials/{site['id']}").json()
    assert again["geometry"]["coordinates"] == list(ZIYUAN_POINT)
    assert again["properties"]["area_code"].startswith(COUNTY)
    # the other county's crew may not pull it into its area either
    response = anon_client.patch(
        f"/api/v1/memorials/{site['id']}",
        json={"geometry": moved},
        headers={**_auth(tokens, "crew-other"), **if_match(client, "memorials", site["id"])},
    )
    _assert_status(response, 403)
    # a national admin moves it; then the county crew can no longer touch it
    admin_move = client.patch(
        f"/api/v1/memorials/{site['id']}",
        json={"geometry": moved},
        headers=if_match(client, "memorials", site["id"]),
    )
    assert admin_move.status_code == 200
    response = anon_client.patch(
        f"/api/v1/memorials/{site['id']}",
        json={"properties": {"name": "x"}},
        headers={**_auth(tokens, "crew-county"), **if_match(client, "memorials", site["id"])},
    )
    _assert_status(response, 403)


def test_anonymous_writes_are_refused_before_the_body_is_read(anon_client):
    response = anon_client.post("/api/v1/stations", json={"not": "a feature"})
    _assert_status(response, 401)


def test_a_bad_bearer_token_is_401_with_invalid_token(anon_client):
    for token in ("vmt_nonsense", "not.a.jwt"):
        response = anon_client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_reads_stay_public(anon_client):
    for path in ("/api/v1/stations", "/api/v1/memorials?limit=1", "/", "/login"):
        assert anon_client.get(path).status_code == 200, path


# -- actions on the whole atlas or an area: runs, road networks ----------------------------------------------

# who: (account key or None) -> expected for an action of the whole atlas / of the county
ATLAS_WHO = [
    (None, 401),
    ("crew-national", 403),
    ("planner-national", "ok"),
    ("admin-national", "ok"),
    ("planner-county", 403),
    ("admin-county", 403),
]


def _ok_or(expected, ok: int) -> int:
    return ok if expected == "ok" else expected


@pytest.mark.parametrize(("key", "expected"), ATLAS_WHO)
def test_coverage_run(anon_client, tokens, key, expected):
    response = anon_client.post(
        "/api/v1/coverage/runs", json={"wait": True}, headers=_auth(tokens, key) if key else {}
    )
    _assert_status(response, _ok_or(expected, 201))


SITING = {"problem": "mclp", "area": COUNTY, "p": 1, "exact": False, "wait": True}


@pytest.mark.parametrize(
    ("key", "area", "expected"),
    [
        (None, COUNTY, 401),
        ("crew-county", COUNTY, 403),
        ("planner-county", COUNTY, 201),
        ("admin-county", COUNTY, 201),
        ("planner-city", COUNTY, 201),
        ("planner-other", COUNTY, 403),
        ("admin-other", COUNTY, 403),
        ("planner-county", None, 403),  # no area: the whole atlas
    ],
)
def test_siting_run(anon_client, tokens, key, area, expected):
    response = anon_client.post(
        "/api/v1/coverage/siting", json={**SITING, "area": area}, headers=_auth(tokens, key) if key else {}
    )
    _assert_status(response, expected)


@pytest.mark.parametrize(("key", "expected"), ATLAS_WHO)
def test_travel_run(anon_client, tokens, key, expected):
    # network 987654321 does not exist: an allowed caller gets past the rights to the 404
    response = anon_client.post(
        "/api/v1/roads/travel-runs",
        json={"network_id": 987654321, "wait": True},
        headers=_auth(tokens, key) if key else {},
    )
    _assert_status(response, _ok_or(expected, 404))


@pytest.fixture(scope="module")
def road_file(tmp_path_factory) -> bytes:
    """A small road network as a GeoPackage."""
    from tests.coverage.travel_fixture import write_roads

    return write_roads(tmp_path_factory.mktemp("matrix_roads") / "roads.gpkg").read_bytes()


@pytest.mark.parametrize(("key", "expected"), ATLAS_WHO)
def test_road_import_and_delete(client, anon_client, tokens, road_file, key, expected):
    name = f"matrix-{key}"
    response = anon_client.post(
        "/api/v1/roads/networks",
        params={"filename": "roads.gpkg", "name": name},
        content=road_file,
        headers=_auth(tokens, key) if key else {},
    )
    _assert_status(response, _ok_or(expected, 201))
    if response.status_code == 201:
        network_id = response.json()["id"]
    else:
        made = client.post(
            "/api/v1/roads/networks", params={"filename": "roads.gpkg", "name": name}, content=road_file
        )
        assert made.status_code == 201, made.text
        network_id = made.json()["id"]
    response = anon_client.delete(
        f"/api/v1/roads/networks/{network_id}", headers=_auth(tokens, key) if key else {}
    )
    _assert_status(response, _ok_or(expected, 204))
    if response.status_code != 204:
        assert client.delete(f"/api/v1/roads/networks/{network_id}").status_code == 204


# -- accounts, tokens and the audit log -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "area", "expected"),
    [
        (None, COUNTY, 401),
        ("crew-county", COUNTY, 403),
        ("planner-county", COUNTY, 403),
        ("admin-county", COUNTY, 201),
        ("admin-city", COUNTY, 201),
        ("admin-other", COUNTY, 403),
        ("admin-county", None, 403),  # a county admin cannot make a national account
        ("admin-national", None, 201),
    ],
)
def test_account_creation(anon_client, tokens, key, area, expected, request):
    body = {"username": f"made-{request.node.callspec.id}"[:60].lower(), "password": "a-good-password"}
    body["username"] = "".join(c if c.isalnum() or c in "._-" else "-" for c in body["username"])
    response = anon_client.post(
        "/api/v1/accounts",
        json={**body, "role": "crew", "area_code": area},
        headers=_auth(tokens, key) if key else {},
    )
    _assert_status(response, expected)


@pytest.fixture(scope="module")
def county_crew_id(client) -> int:
    """An account of the county's crew, made by the national admin."""
    response = client.post(
        "/api/v1/accounts",
        json={
            "username": "matrix-target",
            "password": "a-good-password",
            "role": "crew",
            "area_code": COUNTY,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.parametrize(
    ("key", "expected"),
    [(None, 401), ("crew-county", 403), ("planner-county", 403), ("admin-county", 201), ("admin-other", 403)],
)
def test_token_creation(anon_client, tokens, county_crew_id, key, expected):
    response = anon_client.post(
        f"/api/v1/accounts/{county_crew_id}/tokens",
        json={"name": "matrix"},
        headers=_auth(tokens, key) if key else {},
    )
    _assert_status(response, expected)


@pytest.mark.parametrize(
    ("key", "expected"),
    [(None, 401), ("crew-county", 403), ("planner-county", 403), ("admin-county", 200), ("admin-other", 403)],
)
def test_account_change(anon_client, tokens, county_crew_id, key, expected):
    response = anon_client.patch(
        f"/api/v1/accounts/{county_crew_id}", json={"role": "crew"}, headers=_auth(tokens, key) if key else {}
    )
    _assert_status(response, expected)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (None, 401),
        ("crew-county", 403),
        ("planner-national", 403),
        ("admin-county", 200),
        ("admin-national", 200),
    ],
)
def test_audit_read(anon_client, tokens, key, expected):
    response = anon_client.get("/api/v1/audit", headers=_auth(tokens, key) if key else {})
    _assert_status(response, expected)


def test_other_authorization_schemes_are_not_credentials(anon_client):
    basic = {"Authorization": "Basic dXNlcjpwYXNz"}
    assert anon_client.get("/api/v1/stations?limit=1", headers=basic).status_code == 200
    _assert_status(anon_client.post("/api/v1/stations", json=BODIES["stations"](), headers=basic), 401)


def test_the_openapi_document_declares_the_bearer_scheme_on_writes(anon_client):
    doc = anon_client.get("/api/v1/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    assert any(s["type"] == "oauth2" for s in schemes.values())
    assert doc["paths"]["/api/v1/stations"]["post"].get("security")
    assert not doc["paths"]["/api/v1/stations"]["get"].get("security")


def test_a_county_admin_cannot_widen_an_account_or_touch_a_national_one(
    anon_client, tokens, county_crew_id, engine
):
    county_admin = _auth(tokens, "admin-county")
    widen = anon_client.patch(
        f"/api/v1/accounts/{county_crew_id}", json={"area_code": None}, headers=county_admin
    )
    _assert_status(widen, 403)
    elsewhere = anon_client.patch(
        f"/api/v1/accounts/{county_crew_id}", json={"area_code": OTHER_COUNTY}, headers=county_admin
    )
    _assert_status(elsewhere, 403)
    with engine.connect() as conn:
        national_id = conn.execute(text("SELECT id FROM accounts WHERE username = 'test-admin'")).scalar_one()
    grab = anon_client.patch(
        f"/api/v1/accounts/{national_id}", json={"password": "taken over!"}, headers=county_admin
    )
    _assert_status(grab, 403)
    narrower = anon_client.patch(
        f"/api/v1/accounts/{county_crew_id}", json={"area_code": COUNTY + "001"}, headers=county_admin
    )
    _assert_status(narrower, 200)
