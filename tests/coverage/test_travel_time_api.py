"""The road and travel-time API over the hand-computed network of tests/coverage/travel_fixture.py."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point

from api.app import create_app
from geo.database.engine import make_engine
from tests.auth_helpers import admin_headers
from tests.coverage.travel_fixture import AB, BC, CD, EXPECTED_VILLAGES, V2, load_atlas, write_roads
from tests.factories import scratch_database


@pytest.fixture(scope="module")
def api(test_db_url, settings, tmp_path_factory) -> Iterator[tuple[TestClient, dict[str, int], bytes]]:
    """A client on a database of its own holding the fixture atlas; the station ids; the road file's bytes."""
    with scratch_database(test_db_url, "travel_api") as url:
        engine = make_engine(url)
        ids = load_atlas(engine)
        headers = admin_headers(engine)
        engine.dispose()
        folder = tmp_path_factory.mktemp("travel_api")
        roads = write_roads(folder / "roads.gpkg").read_bytes()
        app_settings = settings.model_copy(
            update={"database_url": url.render_as_string(hide_password=False), "var_dir": folder / "var"}
        )
        with TestClient(create_app(app_settings), headers=headers) as client:
            yield client, ids, roads


@pytest.fixture(scope="module")
def network_id(api) -> int:
    client, _, roads = api
    r = client.post(
        "/api/v1/roads/networks", params={"filename": "roads.gpkg", "name": "fixture"}, content=roads
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_upload_a_geopackage_imports_the_network(api, network_id):
    client, _, _ = api
    body = client.get(f"/api/v1/roads/networks/{network_id}").json()
    assert (body["nodes"], body["edges"], body["source"], body["source_crs"]) == (6, 6, "roads.gpkg", "WGS84")
    assert any(n["id"] == network_id for n in client.get("/api/v1/roads/networks").json())


def test_upload_without_a_file_name_is_sniffed(api):
    client, _, roads = api
    r = client.post("/api/v1/roads/networks", params={"name": "sniffed"}, content=roads)
    assert r.status_code == 201, r.text
    assert client.delete(f"/api/v1/roads/networks/{r.json()['id']}").status_code == 204
    assert client.get(f"/api/v1/roads/networks/{r.json()['id']}").status_code == 404


def _points_gpkg(path: Path) -> bytes:
    gpd.GeoDataFrame({"n": [1]}, geometry=[Point(100, 0)], crs="EPSG:4326").to_file(path)
    return path.read_bytes()


@pytest.mark.parametrize(
    ("params", "content", "status", "reason"),
    [
        ({"filename": "points.gpkg"}, "points", 422, "not a road network"),
        ({}, b"hello, these are not roads", 422, "not a road file this reads"),
        ({"filename": "roads.txt"}, b"a,b\n1,2\n", 422, "not a road file type"),
        ({"filename": "roads.gpkg"}, b"", 422, "the file is empty"),
        ({"filename": "roads.gpkg"}, b"SQLite format 3\x00 but truncated", 422, "无法作为 GIS 文件读取"),
        ({"filename": "roads.gpkg", "crs": "MARS"}, "roads", 422, "unknown coordinate system"),
        ({"filename": "roads.gpkg", "name": "fixture"}, "roads", 409, "exists"),
    ],
)
def test_bad_uploads_get_a_4xx_with_the_reason(api, network_id, tmp_path, params, content, status, reason):
    client, _, roads = api
    data = {"points": lambda: _points_gpkg(tmp_path / "p.gpkg"), "roads": lambda: roads}
    body = data[content]() if isinstance(content, str) else content
    # reasons in the language asked for (Chinese by default)
    lang = {} if re.search(r"[\u3400-\u9fff]", reason) else {"lang": "en"}
    r = client.post("/api/v1/roads/networks", params={**params, **lang}, content=body)
    assert r.status_code == status, r.text
    assert reason in r.json()["detail"]


def test_a_multipart_form_upload_is_refused_with_how_to_send_it(api):
    client, _, roads = api
    r = client.post("/api/v1/roads/networks", files={"file": ("roads.gpkg", roads)})
    assert r.status_code == 415 and "请求内容" in r.json()["detail"]
    r = client.post("/api/v1/roads/networks?lang=en", files={"file": ("roads.gpkg", roads)})
    assert r.status_code == 415 and "request body" in r.json()["detail"]


@pytest.fixture(scope="module")
def finished_run(api, network_id) -> dict:
    client, _, _ = api
    r = client.post(
        "/api/v1/roads/travel-runs", json={"network_id": network_id, "limits_min": [6], "wait": True}
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_travel_run_in_the_request_and_villages_as_geojson(api, finished_run):
    client, ids, _ = api
    assert finished_run["status"] == "done" and finished_run["counts"]["villages"]["reached_any"] == 4
    r = client.get("/api/v1/roads/travel-times", params={"area": "900101"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    assert body["numberMatched"] == 4 and body["missing"] == 0
    v2 = next(f for f in body["features"] if f["id"] == V2)
    assert v2["geometry"]["coordinates"] == [100.02, 0.0]
    assert v2["properties"]["travel_time_s"] == pytest.approx(AB + BC)
    assert v2["properties"]["station_by_time"] == ids["sv1"]
    assert v2["properties"]["township_travel_time_s"] == pytest.approx(CD)
    towns = client.get("/api/v1/roads/travel-times", params={"area": "900101", "level": "township"}).json()
    assert towns["numberMatched"] == 2
    for f in body["features"]:
        (name, seconds) = EXPECTED_VILLAGES[f["id"]][0]
        assert (
            f["properties"]["travel_time_s"] == pytest.approx(seconds)
            and f["properties"]["station_by_time"] == ids[name]
        )


def test_service_areas_as_geojson(api, finished_run):
    client, ids, _ = api
    r = client.get("/api/v1/roads/service-areas", params={"area": "900101", "minutes": 6})
    assert r.status_code == 200, r.text
    features = r.json()["features"]
    assert {f["properties"]["station_id"] for f in features} == set(ids.values())
    assert all(f["geometry"]["type"] == "MultiPolygon" and f["properties"]["area_m2"] > 0 for f in features)
    assert (
        client.get("/api/v1/roads/service-areas", params={"area": "900101", "minutes": 99}).json()["features"]
        == []
    )


@pytest.mark.parametrize(
    ("path", "kwargs", "status", "reason"),
    [
        ("/api/v1/roads/travel-runs", {"json": {"network_id": 999999}}, 404, "no road network"),
        ("/api/v1/roads/travel-runs", {"json": {"network_id": 1, "limits_min": [-1]}}, 422, "greater than 0"),
        (
            "/api/v1/roads/travel-runs",
            {"json": {"network_id": 1, "access_kmh": 0}},
            422,
            "between 0.5 and 50",
        ),
        ("/api/v1/roads/travel-runs", {"json": {"network_id": 1, "speed": 3}}, 422, "speed"),
        ("/api/v1/roads/travel-runs", {"json": {"network_id": 1, "area": "999999"}}, 422, "999999"),
    ],
)
def test_bad_travel_run_requests_get_a_4xx(api, network_id, path, kwargs, status, reason):
    client, _, _ = api
    r = client.post(path, **kwargs)
    assert r.status_code == status, r.text
    assert reason in r.json()["detail"]


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/v1/roads/travel-times", {"area": "999999"}, 422),
        ("/api/v1/roads/travel-times", {"area": "900101", "level": "county"}, 422),
        ("/api/v1/roads/travel-times", {"area": "9001"}, 422),
        ("/api/v1/roads/travel-times", {"area": "900101", "within_s": 0}, 422),
        ("/api/v1/roads/service-areas", {"area": "999999"}, 422),
        ("/api/v1/roads/service-areas", {"network_id": 999999}, 404),
        ("/api/v1/roads/service-areas", {"minutes": -5}, 422),
        ("/api/v1/roads/travel-runs/999999", {}, 404),
        ("/api/v1/roads/networks/999999", {}, 404),
    ],
)
def test_bad_reads_get_a_4xx(api, finished_run, path, params, status):
    client, _, _ = api
    r = client.get(path, params=params)
    assert r.status_code == status, r.text
    assert r.json()["detail"]


def test_background_travel_run_is_polled_until_done(api, network_id, finished_run):
    client, _, _ = api
    r = client.post("/api/v1/roads/travel-runs", json={"network_id": network_id, "limits_min": [5, 10]})
    assert r.status_code == 202, r.text
    location = r.headers["location"]
    deadline = time.monotonic() + 60
    body = r.json()
    while body["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
        body = client.get(location).json()
    assert body["status"] == "done", body
    assert body["counts"]["service_areas"]["polygons"] == 6
    runs = client.get("/api/v1/roads/travel-runs").json()
    assert runs[0]["id"] == body["id"] and runs[0]["parameters"]["limits_min"] == [5.0, 10.0]


def test_coverage_map_draws_the_road_service_areas_of_the_latest_run(api, finished_run):
    client, ids, _ = api
    page = client.get("/coverage", params={"area": "900101", "lang": "en"})
    assert page.status_code == 200, page.text
    areas = client.get("/api/v1/roads/service-areas", params={"area": "900101"}).json()["features"]
    minutes = {f["properties"]["minutes"] for f in areas}
    assert minutes
    for limit in minutes:
        assert f"Service area by road ({limit:g} min)" in page.text
    for station in ids.values():
        assert f'"station_id": {station}' in page.text or f'"station_id":{station}' in page.text
