"""Error answers say what was wrong with the input, in the caller's language (Chinese by default), never a server
path or a library's or the database's own text (issue 18, item 8): numbers out of range in paths, queries and
bodies, files the readers cannot read (imports and road networks), writes the database refuses, runs that fail."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from api.app import create_app
from geo.coverage.siting_runs import SITING_RUNS
from geo.errors import Conflict, InvalidInput
from geo.kit.db_refusals import BIGINT_MAX, refusal
from geo.kit.runs import UNEXPECTED_FAILURE, carry_out, read_run, start_run
from geo.settings import Settings
from tests.factories import station_body

HUGE = "99999999999999999999"  # past bigint
LEAKS = re.compile(
    r"/tmp|vetmap-(import|roads)-|bigint|integer out of range|rejected by the database|psycopg|"
    r"not recognized as|DataSourceError|Traceback|File is not a zip|ERROR:",
    re.IGNORECASE,
)
"""What an answer must never show: server paths, the database's and the readers' own words."""


def _assert_no_leak(response) -> None:
    found = LEAKS.search(response.text)
    assert found is None, (
        f"{response.request.method} {response.request.url}: {found.group(0)!r} in {response.text[:300]}"
    )


# -- numbers out of range in paths and queries ---------------------------------------------------------------------


def _integer_parameters(document: dict) -> Iterator[tuple[str, dict, str]]:
    """(path, the GET operation's parameters, the name of one integer parameter) for every GET operation."""
    for path, operations in document["paths"].items():
        parameters = operations.get("get", {}).get("parameters", [])
        for parameter in parameters:
            schema = parameter.get("schema", {})
            types = {schema.get("type"), *(s.get("type") for s in schema.get("anyOf", []))}
            if parameter["in"] in ("path", "query") and "integer" in types:
                yield path, parameters, parameter["name"]


def _url_with(path: str, parameters: list[dict], name: str) -> tuple[str, dict]:
    """The path with ``name`` set to a number past bigint, every other path parameter to a plausible value."""
    query = {}
    for parameter in parameters:
        if parameter["in"] == "path":
            value = HUGE if parameter["name"] == name else _plausible(parameter)
            path = path.replace("{" + parameter["name"] + "}", value)
        elif parameter["name"] == name:
            query[name] = HUGE
    return path, query


def _plausible(parameter: dict) -> str:
    schema = parameter.get("schema", {})
    if "enum" in schema:
        return str(schema["enum"][0])
    return "1" if schema.get("type") == "integer" else "graves"


def test_every_integer_in_a_path_or_query_past_its_range_is_a_4xx_with_a_reason(client):
    """An id in the path names no record (4xx with the reason); a filter in the query may match nothing (200) or
    be refused (4xx with the reason); none is a 5xx or shows the database's words."""
    document = client.get("/api/v1/openapi.json").json()
    checked = 0
    for path, parameters, name in _integer_parameters(document):
        url, query = _url_with(path, parameters, name)
        response = client.get(url, params=query)
        refused = 400 <= response.status_code < 500
        assert refused or (query and response.status_code == 200), (url, query, response.text[:300])
        if refused:
            assert response.json().get("detail"), (url, query)
        _assert_no_leak(response)
        checked += 1
    assert checked > 40  # every list's offset and limit, every record's id


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/graves/{HUGE}",
        f"/api/v1/graves?offset={HUGE}",
        f"/api/v1/work-orders?offset={HUGE}",
        "/api/v1/memorials?limit=1e30",
        "/ogc/collections/graves/items?limit=1e30",
        f"/ogc/collections/graves/items/{HUGE}",
    ],
)
def test_out_of_range_numbers_named_in_the_issue_are_refused_with_a_reason(client, url):
    response = client.get(url)
    assert response.status_code in (400, 404, 422), response.text
    assert response.json()["detail"]
    _assert_no_leak(response)


def test_a_count_past_its_column_in_a_body_is_refused_naming_the_field(client):
    body = station_body(name="人数过大的服务站", people_served=int(HUGE))
    response = client.post("/api/v1/stations", json=body)
    assert response.status_code == 422 and "people_served" in response.json()["detail"]
    _assert_no_leak(response)


# -- what the database refuses ---------------------------------------------------------------------------------


def _refused(engine: Engine, *statements: str) -> DBAPIError:
    with engine.connect() as conn:
        conn.execute(
            text(
                "CREATE TEMP TABLE parent (id int PRIMARY KEY); INSERT INTO parent VALUES (1);"
                "CREATE TEMP TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent, "
                "name varchar(4) NOT NULL, n int CONSTRAINT ck_child_positive CHECK (n > 0))"
            )
        )
        try:
            for statement in statements:
                conn.execute(text(statement))
        except DBAPIError as exc:
            return exc
        finally:
            conn.rollback()
    raise AssertionError(f"the database accepted {statements}")


@pytest.mark.parametrize(
    "statements, kind, key, words",
    [
        (["SELECT 99999999999999999999::bigint"], InvalidInput, "db.out_of_range", str(BIGINT_MAX)),
        (["INSERT INTO child VALUES (1, 1, 'too long', 1)"], InvalidInput, "db.too_long", "longer"),
        (["SELECT 'x'::int"], InvalidInput, "db.bad_value", "kind"),
        (["INSERT INTO child VALUES (1, 1, NULL, 1)"], InvalidInput, "db.required", "name is required"),
        (["INSERT INTO child VALUES (1, 1, 'a', 0)"], InvalidInput, "db.rule", "child_positive"),
        (["INSERT INTO child VALUES (1, 7, 'a', 1)"], InvalidInput, "db.no_such_record", "parent_id 7"),
        (
            ["INSERT INTO child VALUES (1, 1, 'a', 1)", "INSERT INTO child VALUES (1, 1, 'b', 1)"],
            Conflict,
            "db.duplicate",
            "id 1",
        ),
        (
            ["INSERT INTO child VALUES (1, 1, 'a', 1)", "DELETE FROM parent"],
            Conflict,
            "db.still_referenced",
            "child",
        ),
    ],
)
def test_a_refusal_of_the_database_says_what_was_wrong_not_its_own_text(engine, statements, kind, key, words):
    exc = _refused(engine, *statements)
    error = refusal(exc)
    assert type(error) is kind and error.key == key and words in error.message
    assert (
        not LEAKS.search(error.message)
        and "violates" not in error.message
        and "relation" not in error.message
    )


def test_the_api_answers_a_refusal_of_the_database_in_chinese_by_default(settings, demo_counts):
    app = create_app(settings)

    @app.get("/_test/out-of-range")
    def out_of_range() -> dict:
        with app.state.engine.connect() as conn:
            conn.execute(text("SELECT 99999999999999999999::bigint"))
        return {}

    with TestClient(app) as client:
        chinese = client.get("/_test/out-of-range")
        english = client.get("/_test/out-of-range", headers={"Accept-Language": "en"})
    assert chinese.status_code == english.status_code == 422
    assert "数字超出该字段允许的范围" in chinese.json()["detail"]
    assert english.json()["detail"].startswith("a number is out of the range its field allows")
    _assert_no_leak(chinese)


# -- files the readers cannot read ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, content, zh",
    [
        ("坏文件.kml", b"<kml><Document><Placemark><Point>", "无法作为 KML 文件读取"),
        ("破损.gpkg", b"\x00\x01 not a geopackage at all" * 10, "无法作为 GeoPackage 文件读取"),
        ("登记表.xlsx", b"not a workbook at all", "无法作为 Excel 工作簿"),
        ("散葬墓.geojson", b"{ nope", "无法作为 GeoJSON 文件读取"),
    ],
)
def test_an_unreadable_import_is_named_as_sent_without_a_server_path(client, name, content, zh):
    files = {"file": (name, content, "application/octet-stream")}
    response = client.post("/api/v1/imports", data={"collection": "graves"}, files=files)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert name in detail and zh in detail and "upload" not in detail
    _assert_no_leak(response)


def test_an_unreadable_road_file_is_refused_without_a_server_path(client):
    response = client.post(
        "/api/v1/roads/networks",
        params={"filename": "道路.geojson"},
        content=b'{"type": "FeatureCollection", "features": [ nope',
    )
    assert response.status_code == 422, response.text
    assert "无法作为 GIS 文件读取" in response.json()["detail"]
    _assert_no_leak(response)


def test_a_body_that_is_not_a_multipart_form_is_refused_in_chinese(client):
    response = client.post(
        "/api/v1/imports",
        content=b"--x\r\nnot a part\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=y"},
    )
    assert response.status_code == 422, response.text
    assert "multipart/form-data" in response.json()["detail"] and "表单" in response.json()["detail"]


# -- runs ------------------------------------------------------------------------------------------------------


def test_a_run_that_fails_on_an_unexpected_error_stores_no_text_of_it(engine: Engine, settings: Settings):
    run = start_run(engine, SITING_RUNS, {"problem": "mclp", "parameters": {"time_limit_s": 5.0}})

    def work(_run) -> dict:
        raise RuntimeError('could not open /var/lib/vetmap/secret.tmp: relation "x" does not exist')

    try:
        with pytest.raises(RuntimeError):
            carry_out(run, work)
        with engine.connect() as conn:
            stored = read_run(conn, SITING_RUNS, run.id)
        assert stored.status == "failed" and stored.error == UNEXPECTED_FAILURE
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM siting_runs WHERE id = :id"), {"id": run.id})


def test_an_unknown_address_answers_in_the_callers_language(anon_client) -> None:
    """No route: a Chinese sentence by default (a public page with the header for a browser), never "Not Found"."""
    api = anon_client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json() == {"detail": "本站没有这个地址：/api/v1/no-such-thing"}
    english = anon_client.get("/api/v1/no-such-thing", headers={"Accept-Language": "en"})
    assert english.json()["detail"] == "There is no such address here: /api/v1/no-such-thing"
    page = anon_client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "本站没有这个地址" in page.text and 'href="/report"' in page.text  # the public header
    ogc = anon_client.get("/ogc/nowhere")
    assert ogc.status_code == 404 and ogc.headers["content-type"] == "application/problem+json"
    method = anon_client.put("/api/v1/auth/me")
    assert (
        method.status_code == 405 and "PUT" in method.json()["detail"] and "请求" in method.json()["detail"]
    )
