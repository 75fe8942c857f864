"""Security: the field-level read policy per role, SQL injection, security headers, body and rate limits,
and no secrets in the repository."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point
from sqlalchemy import Engine, text

from api.app import create_app
from api.principal import get_principal
from api.security import SlidingWindowLimiter
from geo.atlas.collections import COLLECTIONS
from geo.atlas.field_policy import (
    PUBLIC_FIELDS,
    PUBLIC_ROLE,
    can_read,
    collection_names,
    private_fields,
    readable_fields,
    stored_fields,
)
from geo.atlas.sites import create_site
from geo.ogc.tiles import LAYERS
from geo.principal import Principal
from geo.settings import SecuritySettings, Settings
from tests.factories import tile_of
from tests.map_pages import with_fetched

ROOT = Path(__file__).resolve().parents[2]
SECRET_NOTE = "INTERNAL-NOTE-7f3a"
SECRET_PHONE = "13800007777"
SECRET_CUSTODIAN = "保管人张某某"
SECRET_CADRE = "责任干部李某某"
SECRETS = (SECRET_NOTE, SECRET_PHONE, SECRET_CUSTODIAN, SECRET_CADRE)
GRAVE_POINT = (110.6451, 26.0437)  # inside 资源县 (450329)
PERSONAL = ("custodian_name", "custodian_phone", "responsible_cadre")


def _principal(role: str) -> Principal:
    return Principal(user_id=None if role == "public" else 1, username=role, role=role, area_code=None)


@pytest.fixture
def as_role(client: TestClient) -> Iterator:
    """Make the session client act as a principal of the given role (dependency override), undone after."""

    def use(role: str) -> None:
        principal = _principal(role)
        client.app.dependency_overrides[get_principal] = lambda: principal

    yield use
    client.app.dependency_overrides.pop(get_principal, None)


@pytest.fixture(scope="module")
def private_grave(engine: Engine, demo_counts: dict[str, int]) -> Iterator[int]:
    """A scattered grave whose notes, custodian and cadre are private, written without the API."""
    spec = COLLECTIONS["graves"]
    fields = spec.fields.model_validate(
        {
            "name": "政策测试散葬墓",
            "kind": "scattered",
            "martyr_name": "政策测试",
            "notes": SECRET_NOTE,
            "custodian_name": SECRET_CUSTODIAN,
            "custodian_phone": SECRET_PHONE,
            "responsible_cadre": SECRET_CADRE,
            "care_party": "relatives",
            "disposition": "care_agreement",
            "care_agreed_on": "2026-04-01",
        }
    )
    with engine.begin() as conn:
        grave_id = create_site(conn, spec, fields, Point(*GRAVE_POINT), _principal("admin"))["id"]
    yield grave_id
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM graves WHERE id = :id"), {"id": grave_id})


def _assert_no_secrets(body: str) -> None:
    for secret in SECRETS:
        assert secret not in body, f"{secret!r} leaked"


# -- the policy itself ----------------------------------------------------------------------------------


def test_public_allowlist_names_only_real_columns():
    for collection in collection_names():
        unknown = PUBLIC_FIELDS[collection] - set(stored_fields(collection))
        assert not unknown, f"{collection}: allowlisted but not stored: {unknown}"


def test_private_fields_are_hidden_from_the_public_and_shown_by_clearance():
    assert {"notes", *PERSONAL} <= set(private_fields("graves"))
    for collection in COLLECTIONS:
        assert "notes" in private_fields(collection)
    assert can_read("stations", "phone", PUBLIC_ROLE), "a station's office phone is public"
    assert not can_read("graves", "custodian_phone", PUBLIC_ROLE)
    assert can_read("graves", "notes", "planner") and not can_read("graves", "custodian_phone", "planner")
    for role in ("crew", "admin"):
        assert set(stored_fields("graves")) <= readable_fields("graves", role)
    assert readable_fields("graves", "nobody-knows-this-role") == readable_fields("graves", PUBLIC_ROLE)


def test_a_column_nobody_classified_is_private():
    assert not can_read("memorials", "inspector_name", PUBLIC_ROLE)
    assert can_read("memorials", "inspector_name", "planner")


def test_vector_tile_attributes_are_all_public():
    for name, layer in LAYERS.items():  # a zone layer reads its site's table, under that collection's policy
        policy = layer.version_collection
        assert all(can_read(policy, field, PUBLIC_ROLE) for field in layer.fields), name


# -- the policy on every read path ----------------------------------------------------------------------


def test_site_read_list_nearest_and_within_hide_private_fields_from_the_public(
    client, as_role, private_grave
):
    as_role("public")
    lon, lat = GRAVE_POINT
    responses = {
        "read": client.get(f"/api/v1/graves/{private_grave}"),
        "list": client.get("/api/v1/graves", params={"area": "450329", "limit": 1000}),
        "nearest": client.get("/api/v1/graves/nearest", params={"lon": lon, "lat": lat, "k": 3}),
        "within": client.get("/api/v1/graves/within", params={"lon": lon, "lat": lat, "radius_m": 50}),
        "within polygon": client.post(
            "/api/v1/graves/within",
            json={
                "type": "Polygon",
                "coordinates": [
                    [
                        [lon - 0.001, lat - 0.001],
                        [lon + 0.001, lat - 0.001],
                        [lon + 0.001, lat + 0.001],
                        [lon - 0.001, lat + 0.001],
                        [lon - 0.001, lat - 0.001],
                    ]
                ],
            },
        ),
    }
    for what, response in responses.items():
        assert response.status_code == 200, (what, response.text)
        body = response.json()
        features = body.get("features", [body])
        mine = [f for f in features if f["id"] == private_grave]
        assert mine, what
        props = mine[0]["properties"]
        assert props["martyr_name"] == "政策测试" and props["care_party"] == "relatives"
        assert not {"notes", *PERSONAL} & set(props), (what, sorted(props))
        _assert_no_secrets(response.text)


@pytest.mark.parametrize(
    ("role", "sees_notes", "sees_personal"),
    [("public", False, False), ("planner", True, False), ("crew", True, True), ("admin", True, True)],
)
def test_each_role_reads_what_its_clearance_allows(
    client, as_role, private_grave, role, sees_notes, sees_personal
):
    as_role(role)
    api = client.get(f"/api/v1/graves/{private_grave}").json()["properties"]
    ogc = client.get(f"/ogc/collections/graves/items/{private_grave}").json()["properties"]
    for props in (api, ogc):
        assert (props.get("notes") == SECRET_NOTE) is sees_notes
        assert (props.get("custodian_phone") == SECRET_PHONE) is sees_personal
        assert (props.get("responsible_cadre") == SECRET_CADRE) is sees_personal


def test_station_office_phone_is_public(client, as_role):
    as_role("public")
    station = client.get("/api/v1/stations", params={"limit": 1}).json()["features"][0]
    assert "phone" in station["properties"] and "notes" not in station["properties"]


def test_ogc_items_queryables_and_api_document_show_the_public_only_public_fields(
    client, as_role, private_grave
):
    as_role("public")
    items = client.get("/ogc/collections/graves/items", params={"filter": "martyr_name = '政策测试'"})
    assert items.status_code == 200, items.text
    (grave,) = items.json()["features"]
    assert not {"notes", *PERSONAL} & set(grave["properties"])
    _assert_no_secrets(items.text)
    queryables = client.get("/ogc/collections/graves/queryables").json()["properties"]
    assert "martyr_name" in queryables and not {"notes", *PERSONAL} & set(queryables)
    document = client.get("/ogc/api").json()
    names = {
        p["name"] for p in document["paths"]["/collections/graves/items"]["get"]["parameters"] if "name" in p
    }
    assert "martyr_name" in names and not {"notes", *PERSONAL} & names


@pytest.mark.parametrize(
    "params",
    [
        {"filter": f"custodian_phone = '{SECRET_PHONE}'"},
        {"filter": "notes LIKE 'INTERNAL%'"},
        {"filter": "responsible_cadre IS NOT NULL"},
        {"sortby": "custodian_name"},
        {"properties": "name,custodian_phone"},
        {"custodian_phone": SECRET_PHONE},
    ],
)
def test_public_cannot_filter_sort_or_select_by_a_private_field(client, as_role, private_grave, params):
    as_role("public")
    refused = client.get("/ogc/collections/graves/items", params=params)
    assert refused.status_code == 400, refused.text
    assert "unknown" in refused.json()["detail"]
    as_role("crew")
    allowed = client.get("/ogc/collections/graves/items", params=params)
    assert allowed.status_code == 200, allowed.text


def test_crew_filter_on_a_private_field_finds_the_record(client, as_role, private_grave):
    as_role("crew")
    found = client.get(
        "/ogc/collections/graves/items", params={"filter": f"custodian_phone = '{SECRET_PHONE}'"}
    )
    assert [f["id"] for f in found.json()["features"]] == [private_grave]
    queryables = client.get("/ogc/collections/graves/queryables").json()["properties"]
    assert "custodian_phone" in queryables


def test_map_page_and_tiles_carry_no_private_field(client, as_role, private_grave):
    as_role("public")
    page = client.get("/")
    shown = with_fetched(client, page.text)  # the page and the layers it fetches
    assert page.status_code == 200 and "政策测试" in shown
    _assert_no_secrets(shown)
    z = 14
    x, y = tile_of(*GRAVE_POINT, z)
    tile = client.get(f"/tiles/graves/{z}/{x}/{y}.mvt")
    assert tile.status_code == 200
    decoded = mapbox_vector_tile.decode(tile.content)
    props = [f["properties"] for f in decoded["graves"]["features"]]
    assert any(p.get("martyr_name") == "政策测试" for p in props)
    for p in props:
        assert not {"notes", *PERSONAL} & set(p)
    _assert_no_secrets(tile.content.decode("utf-8", "replace"))


# -- SQL injection --------------------------------------------------------------------------------------

INJECTIONS = (
    "' OR 1=1 --",
    "'; DROP TABLE stations; --",
    "1) OR (1=1",
    "\u2019 OR \u20181\u2019=\u20181",  # unicode quotes
    "\\'; SELECT pg_sleep(0); --\\",
    "abc\x00def",
    '" OR ""="',
    "%' AND 1=CAST((SELECT current_user) AS int) --",
)
TABLES = ("stations", "memorials", "cemeteries", "graves", "areas", "coverage_villages", "siting_runs")

# valid values for the path parameters of the documented routes
_PATH_VALUES = {
    "collection": "stations",
    "collection_id": "stations",
    "site_id": "1",
    "code": "450329",
    "run_id": "1",
    "network_id": "1",
    "feature_id": "1",
    "featureId": "1",
    "z": "0",
    "x": "0",
    "y": "0",
    "tile": "0.mvt",
}


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def _string_parameters(document: dict, operation: dict) -> list[dict]:
    found = []
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = document["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        schema = parameter.get("schema", {})
        kinds = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
        if kinds & {"string", "array"} and "enum" not in schema:
            found.append(parameter)
    return found


def _fill(path: str) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: _PATH_VALUES.get(m.group(1), "1"), path)


def _get_operations(client: TestClient, document_url: str, prefix: str) -> list[tuple[str, list[dict]]]:
    document = client.get(document_url).json()
    operations = []
    for path, item in document["paths"].items():
        if "get" in item:
            url = prefix + _fill(path) if prefix else _fill(path)
            operations.append((url, _string_parameters(document, item["get"])))
    return operations


@pytest.mark.parametrize("role", ["public", "admin"])  # admin: past the permission checks, into the queries
def test_injection_strings_in_every_text_parameter_are_a_4xx_or_harmless(client, engine, as_role, role):
    as_role(role)
    before = _counts(engine)
    operations = _get_operations(client, "/api/v1/openapi.json", "")
    operations += _get_operations(client, "/ogc/api", "/ogc")
    assert len(operations) > 30
    tried = 0
    for url, parameters in operations:
        for parameter in parameters:
            for value in INJECTIONS:
                if parameter["in"] == "query":
                    response = client.get(url, params={parameter["name"]: value})
                elif parameter["in"] == "path":
                    placeholder = _PATH_VALUES.get(parameter["name"], "1")
                    response = client.get(url.replace(f"/{placeholder}", f"/{quote(value, safe='')}", 1))
                else:
                    continue
                tried += 1
                assert response.status_code < 500, (url, parameter["name"], value, response.text)
    assert tried > 200
    assert _counts(engine) == before


@pytest.mark.parametrize("collection", ["stations", "graves", "areas"])
def test_injection_strings_in_cql2_literals_and_property_names_are_refused_or_inert(
    client, engine, collection, demo_counts
):
    before = _counts(engine)
    for value in INJECTIONS:
        literal = value.replace("'", "''")
        filters = [
            f"name = '{literal}'",
            f"name LIKE '%{literal}%'",
            f"name IN ('{literal}', 'x')",
            f"CASEI(name) = CASEI('{literal}')",
            value,
            f"{value} = 'x'",
            f'"{value}" = 1',
            f"name = '{value}'",
        ]
        for cql in filters:
            response = client.get(f"/ogc/collections/{collection}/items", params={"filter": cql})
            assert response.status_code in (200, 400), (cql, response.text)
            if response.status_code == 200 and "=" in cql and cql.startswith("name = '"):
                assert response.json()["numberMatched"] == 0, cql
        for parameter in ("sortby", "properties", "name", "datetime", "bbox", "crs"):
            response = client.get(f"/ogc/collections/{collection}/items", params={parameter: value})
            assert response.status_code in (200, 400), (parameter, value, response.text)
    assert _counts(engine) == before


# -- headers and CSP ------------------------------------------------------------------------------------

_REQUIRED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/healthz",
        "/api/v1/stations?limit=1",
        "/ogc/collections",
        "/api/v1/no-such-thing",
        "/static/vendor/leaflet/dist/leaflet.js",
        "/tiles/stations/0/0/0.mvt",
    ],
)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    for name, value in _REQUIRED.items():
        assert response.headers.get(name) == value, (path, name)
    assert "permissions-policy" in response.headers
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "connect-src 'self'" in csp
    assert "img-src 'self' data: blob:" in csp
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "strict-transport-security" not in response.headers  # plain http


def test_every_script_of_a_map_page_carries_this_responses_nonce(client):
    nonces = []
    for path in ("/", "/coverage?area=450329"):
        page = client.get(path, headers={"accept-encoding": "identity"})
        assert page.status_code == 200
        nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"]).group(1)
        tags = re.findall(r"<script\b[^>]*>", page.text, flags=re.IGNORECASE)
        assert tags and all(f'nonce="{nonce}"' in tag for tag in tags), tags
        assert int(page.headers["content-length"]) == len(page.content)
        nonces.append(nonce)
    assert len(set(nonces)) == len(nonces), "a nonce must never be reused"


def test_hsts_only_over_https(settings, demo_counts):
    with TestClient(create_app(settings), base_url="https://testserver") as secure:
        response = secure.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=")


# -- size and rate limits -------------------------------------------------------------------------------

_BIG = b'{"type": "Polygon", "coordinates": [[' + b"[110.0, 26.0], " * 200_000 + b"[110.0, 26.0]]]}"


def test_a_body_over_the_limit_is_refused_with_413(client):
    assert len(_BIG) > 2 * 1024 * 1024
    declared = client.post(
        "/api/v1/protection-zones/check", content=_BIG, headers={"content-type": "application/json"}
    )
    assert declared.status_code == 413 and "2 MiB" in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(_BIG), 256 * 1024):
            yield _BIG[start : start + 256 * 1024]

    streamed = client.post(
        "/api/v1/protection-zones/check", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413


def test_the_road_upload_has_its_own_larger_limit(client, as_role):
    as_role("admin")
    response = client.post(
        "/api/v1/roads/networks", params={"filename": "big.geojson"}, content=b"{" + b" " * (3 * 1024 * 1024)
    )
    assert response.status_code == 422, response.text  # read, and refused as a road file, not as too large


def test_road_upload_refuses_a_file_whose_content_is_not_its_declared_type(client, as_role):
    as_role("admin")
    response = client.post(
        "/api/v1/roads/networks", params={"filename": "roads.gpkg"}, content=b"<html>not a GeoPackage</html>"
    )
    assert response.status_code in (415, 422), response.text
    assert "GeoPackage" in response.json()["detail"] or "gpkg" in response.json()["detail"]


def test_public_post_endpoints_answer_429_with_retry_after_past_the_limit(settings, demo_counts):
    security = SecuritySettings(rate_limit_requests=3, rate_limit_window_s=3600)
    body = {"type": "Polygon", "coordinates": [[[110.6, 26.0], [110.7, 26.0], [110.7, 26.1], [110.6, 26.0]]]}
    with TestClient(create_app(settings, security)) as limited:
        codes = [limited.post("/api/v1/protection-zones/check", json=body).status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        refused = limited.post("/api/v1/protection-zones/check", json=body)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 3600
        assert refused.headers["x-content-type-options"] == "nosniff"
        # reads are not limited, and other POST endpoints are counted apart
        assert limited.get("/api/v1/stations", params={"limit": 1}).status_code == 200
        assert limited.post("/api/v1/stations/within", json=body).status_code == 200


def test_login_and_token_posts_have_their_own_tighter_limit(settings, demo_counts):
    security = SecuritySettings(login_rate_limit_requests=2, rate_limit_window_s=3600)
    form = {"username": "nobody", "password": "wrong password", "grant_type": "password"}
    with TestClient(create_app(settings, security)) as limited:
        for _ in range(2):
            assert limited.post("/api/v1/auth/token", data=form).status_code != 429
        refused = limited.post("/api/v1/auth/token", data=form)
        assert refused.status_code == 429 and "try again in" in refused.json()["detail"]
        assert int(refused.headers["retry-after"]) >= 1


def test_sliding_window_forgets_hits_older_than_the_window():
    now = [1000.0]
    limiter = SlidingWindowLimiter(limit=2, window_s=10, max_keys=2, clock=lambda: now[0])
    assert limiter.hit("a") is None and limiter.hit("a") is None
    assert limiter.hit("a") == 10
    now[0] += 4
    assert limiter.hit("a") == 6 and limiter.hit("b") is None
    now[0] += 6
    assert limiter.hit("a") is None
    limiter.hit("c")  # a third client: the least recently seen ("b") is forgotten
    assert "b" not in limiter._hits


# -- secrets --------------------------------------------------------------------------------------------

_SECRET_PATTERNS = (
    re.compile(r"-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY( BLOCK)?-----"),
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"gh[pousr]_[A-Za-z0-9]{36}"),
    re.compile(r"xox[baprs]-[A-Za-z0-9-]{10,}"),
    re.compile(
        r"postgres(?:ql)?(?:\+\w+)?://[^:/\s'\"]+:(?!\{|\$|<|pass(?:word)?@|secret@|\*)[^@\s'\"]{3,}@"
    ),
    re.compile(
        r"(?i)\b(password|passwd|secret_key|api_key|jwt_secret)\s*[:=]\s*['\"](?!\{|\$|<|changeme|test|example)[^'\"\s]{8,}['\"]"
    ),
)


def test_no_secret_is_committed():
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(
        b"\0"
    )
    found = []
    for name in filter(None, files):
        path = ROOT / name.decode()
        if not path.is_file() or path.stat().st_size > 2_000_000 or path.name == "test_security.py":
            continue
        content = path.read_bytes().decode("utf-8", "ignore")
        found += [
            f"{name.decode()}: {m.group(0)[:40]}" for p in _SECRET_PATTERNS for m in p.finditer(content)
        ]
    assert not found, found


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("VETMAP_DATABASE_URL", "postgresql://u@db.example/vetmap")
    monkeypatch.setenv("VETMAP_SECURITY_MAX_BODY_BYTES", "1234")
    monkeypatch.setenv("VETMAP_SECURITY_RATE_LIMIT_REQUESTS", "7")
    assert Settings().database_url == "postgresql://u@db.example/vetmap"
    security = SecuritySettings()
    assert security.max_body_bytes == 1234 and security.rate_limit_requests == 7
