"""What independent clients hit: CORS for map pages on other origins, limit over the maximum, GDAL's 0/1
booleans, QGIS's datetime for a date comparison, HEAD and OPTIONS, sorting, problem details, Open311 times."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

ITEMS = "/ogc/collections/stations/items"
MEMORIALS = "/ogc/collections/memorials/items"
OTHER_ORIGIN = "https://maps.example.org"


def _count(engine: Engine, table: str, where: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one()


# -- CORS ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [ITEMS + "?limit=2", "/ogc/collections", "/tiles/stations/tilejson.json", "/open311/v2/services.json"],
)
def test_public_reads_answer_any_origin_and_expose_their_headers(anon_client: TestClient, path: str) -> None:
    response = anon_client.get(path, headers={"Origin": OTHER_ORIGIN})
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert {"content-crs", "ogc-numbermatched", "etag", "link"} <= exposed
    assert "access-control-allow-credentials" not in response.headers


def test_a_read_preflight_is_answered_and_a_write_or_credentials_preflight_is_not(
    anon_client: TestClient,
) -> None:
    asked = {"Origin": OTHER_ORIGIN, "Access-Control-Request-Method": "GET"}
    read = anon_client.options(ITEMS, headers={**asked, "Access-Control-Request-Headers": "accept"})
    assert read.status_code == 204
    assert read.headers["access-control-allow-origin"] == "*"
    assert "GET" in read.headers["access-control-allow-methods"]
    assert read.headers["access-control-allow-headers"] == "accept"
    write = anon_client.options(ITEMS, headers={**asked, "Access-Control-Request-Method": "POST"})
    token = anon_client.options(ITEMS, headers={**asked, "Access-Control-Request-Headers": "authorization"})
    for refused in (write, token):
        assert "access-control-allow-origin" not in refused.headers


@pytest.mark.parametrize("path", ["/api/v1/stations?limit=1", "/api/v1/auth/me", "/staff/", "/crew"])
def test_staff_and_json_api_addresses_are_not_shared_with_other_origins(
    anon_client: TestClient, path
) -> None:
    got = anon_client.get(path, headers={"Origin": OTHER_ORIGIN}, follow_redirects=False)
    assert "access-control-allow-origin" not in got.headers
    asked = {"Origin": OTHER_ORIGIN, "Access-Control-Request-Method": "GET"}
    preflight = anon_client.options(path.split("?")[0], headers=asked)
    assert "access-control-allow-origin" not in preflight.headers


# -- HEAD and OPTIONS ---------------------------------------------------------------------------------------


def test_head_answers_the_get_headers_without_a_body(anon_client: TestClient) -> None:
    got = anon_client.get(ITEMS + "?limit=3")
    head = anon_client.head(ITEMS + "?limit=3")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"] == "application/geo+json"
    assert head.headers["ogc-numbermatched"] == got.headers["ogc-numbermatched"]
    assert anon_client.head("/ogc/collections/stations").status_code == 200
    assert anon_client.head("/ogc/collections/nowhere").status_code == 404


def test_options_names_the_methods(anon_client: TestClient) -> None:
    for path in ("/ogc/", ITEMS, ITEMS + "/1", "/ogc/collections/stations"):
        response = anon_client.options(path)
        assert response.status_code == 204, path
        assert {m.strip() for m in response.headers["allow"].split(",")} >= {"GET", "HEAD", "OPTIONS"}


# -- limit, booleans, datetime, sorting --------------------------------------------------------------------


def test_a_limit_over_the_maximum_gives_pages_of_the_maximum(anon_client: TestClient, engine: Engine) -> None:
    response = anon_client.get(ITEMS, params={"limit": 5000})
    assert response.status_code == 200, response.text
    body = response.json()
    total = _count(engine, "stations", "TRUE")
    assert body["numberReturned"] == min(total, 1000) and body["numberMatched"] == total
    if total > 1000:
        (nxt,) = [link for link in body["links"] if link["rel"] == "next"]
        assert "offset=1000" in nxt["href"]


@pytest.mark.parametrize(("literal", "sql"), [("1", "has_protection_sign"), ("0", "NOT has_protection_sign")])
def test_gdal_integer_booleans_filter_boolean_properties(anon_client, engine, literal: str, sql: str) -> None:
    expected = _count(engine, "memorials", sql)
    body = anon_client.get(
        MEMORIALS, params={"filter": f"has_protection_sign = {literal}", "limit": 1}
    ).json()
    assert body["numberMatched"] == expected
    simple = anon_client.get(MEMORIALS, params={"has_protection_sign": literal, "limit": 1}).json()
    assert simple["numberMatched"] == expected
    assert (
        _count(engine, "memorials", "has_protection_sign") > 0
        and _count(engine, "memorials", "NOT has_protection_sign") > 0
    )


def test_a_boolean_against_another_number_is_refused_with_a_reason(anon_client: TestClient) -> None:
    response = anon_client.get(MEMORIALS, params={"filter": "has_protection_sign = 2"})
    assert response.status_code == 400
    assert "has_protection_sign" in response.json()["detail"]


def test_qgis_datetime_on_a_memorial_collection_filters_its_approval_date(anon_client, engine) -> None:
    """QGIS without CQL2 turns ``"approval_date" >= '2005-01-01'`` into this datetime interval."""
    expected = _count(engine, "memorials", "approval_date >= '2005-01-01'")
    params = {"datetime": "2005-01-01T00:00:00.000Z/9999-12-31T00:00:00Z", "limit": 1}
    assert anon_client.get(MEMORIALS, params=params).json()["numberMatched"] == expected
    assert 0 < expected < _count(engine, "memorials", "TRUE")


def test_the_temporal_property_is_declared(anon_client: TestClient, engine: Engine) -> None:
    memorials = anon_client.get("/ogc/collections/memorials").json()
    assert memorials["temporalProperty"] == "approval_date"
    (interval,) = memorials["extent"]["temporal"]["interval"]
    with engine.connect() as conn:
        first, last = conn.execute(text("SELECT min(approval_date), max(approval_date) FROM memorials")).one()
    assert interval == [first.isoformat(), last.isoformat()]
    queryables = anon_client.get("/ogc/collections/memorials/queryables").json()["properties"]
    roles = {name for name, schema in queryables.items() if schema.get("x-ogc-role") == "primary-instant"}
    assert roles == {"approval_date"}
    api = anon_client.get("/ogc/api").json()
    assert "approval_date" in api["components"]["parameters"]["datetime"]["description"]


def test_descending_sort_puts_features_without_a_value_last(anon_client: TestClient) -> None:
    params = {"sortby": "-approval_date", "limit": 1000}
    rows = anon_client.get(MEMORIALS, params=params).json()["features"]
    ratings = [f["properties"]["approval_date"] for f in rows]
    assert None in ratings and ratings[0] is not None
    first_null = ratings.index(None)
    assert all(r is None for r in ratings[first_null:])
    assert ratings[:first_null] == sorted(ratings[:first_null], reverse=True)


def test_sorting_is_declared_with_its_sortables(anon_client: TestClient) -> None:
    classes = anon_client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting" in classes
    collection = anon_client.get("/ogc/collections/stations").json()
    (link,) = [x for x in collection["links"] if x["rel"].endswith("/sortables")]
    sortables = anon_client.get(link["href"])
    assert sortables.headers["content-type"] == "application/schema+json"
    props = sortables.json()["properties"]
    assert {"id", "name", "star_rating"} <= set(props) and "geometry" not in props


# -- documents and errors -----------------------------------------------------------------------------------


def test_landing_page_links_an_html_service_doc(anon_client: TestClient) -> None:
    links = anon_client.get("/ogc/").json()["links"]
    (doc,) = [x for x in links if x["rel"] == "service-doc"]
    page = anon_client.get(doc["href"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/ogc/api" in page.text


def test_errors_are_problem_details(anon_client: TestClient) -> None:
    response = anon_client.get(ITEMS, params={"limit": "ten"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "about:blank" and body["title"] == "Bad Request" and body["status"] == 400
    assert "limit" in body["detail"]


# -- Open311 --------------------------------------------------------------------------------------------------


def test_open311_takes_a_report_without_description_and_writes_times_to_the_second(anon_client) -> None:
    (code, *_) = [s["service_code"] for s in anon_client.get("/open311/v2/services.json").json()]
    memorial = anon_client.get(MEMORIALS, params={"limit": 1}).json()["features"][0]
    lon, lat = memorial["geometry"]["coordinates"]
    filed = anon_client.post(
        "/open311/v2/requests.json", data={"service_code": code, "lat": lat, "long": lon}
    )
    assert filed.status_code in (200, 201), filed.text  # description is optional in GeoReport v2
    rows = anon_client.get("/open311/v2/requests.json").json()
    assert rows
    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
    for row in rows:
        assert stamp.match(row["requested_datetime"]), row["requested_datetime"]
        assert stamp.match(row["updated_datetime"]), row["updated_datetime"]
    xml = anon_client.get("/open311/v2/requests.xml").text
    assert not re.search(r"T\d\d:\d\d:\d\d\.\d", xml)


# -- zones and boundaries as collections of their own -------------------------------------------------------


@pytest.mark.parametrize(
    ("collection", "table", "column"),
    [
        ("memorial_protection_zones", "memorials", "protection_zone"),
        ("memorial_control_zones", "memorials", "control_zone"),
        ("cemetery_boundaries", "cemeteries", "boundary"),
        ("cemetery_protection_zones", "cemeteries", "protection_zone"),
        ("cemetery_control_zones", "cemeteries", "control_zone"),
    ],
)
def test_zone_polygons_are_collections_linked_to_their_site(anon_client, engine, collection, table, column):
    expected = _count(engine, table, f"{column} IS NOT NULL")
    meta = anon_client.get(f"/ogc/collections/{collection}")
    assert meta.status_code == 200
    items = anon_client.get(f"/ogc/collections/{collection}/items", params={"limit": 1000}).json()
    assert items["numberMatched"] == expected
    for feature in items["features"]:
        assert feature["geometry"]["type"] == "MultiPolygon"
        props = feature["properties"]
        assert (
            props["site_collection"] == table and props["site_id"] == feature["id"] and props["area_m2"] > 0
        )
    if expected:
        first = items["features"][0]
        site = anon_client.get(f"/ogc/collections/{table}/items/{first['id']}").json()
        assert site["properties"]["name"] == first["properties"]["name"]
        assert anon_client.get(f"/ogc/collections/{collection}/items/{first['id']}").status_code == 200
    with engine.connect() as conn:
        missing = conn.execute(text(f"SELECT min(id) FROM {table} WHERE {column} IS NULL")).scalar()
    if missing is not None:  # a site without that polygon is no feature of the zone collection
        assert anon_client.get(f"/ogc/collections/{collection}/items/{missing}").status_code == 404


def test_memorial_zones_exist_in_the_demo(engine: Engine) -> None:
    assert _count(engine, "memorials", "protection_zone IS NOT NULL") > 0
    assert _count(engine, "cemeteries", "boundary IS NOT NULL") > 0
