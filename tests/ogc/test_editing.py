"""OGC API – Features Part 4: the requests QGIS 3.32+ sends to edit a layer (OPTIONS, POST, reread, PATCH of
attributes or geometry, PUT, DELETE), with the JSON API's rights, area rules, versions and audit log."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.auth_helpers import headers_of, sites_kept, staff_accounts
from tests.factories import ZIYUAN_POINT

STATIONS = "/ogc/collections/stations/items"
MEMORIALS = "/ogc/collections/memorials/items"
GEOJSON = {"Content-Type": "application/geo+json"}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
MAOJIAN_POINT = (110.80, 32.60)  # 十堰市茅箭区 (420302), another county of the demo atlas


@pytest.fixture(scope="module")
def editors(engine: Engine, demo_counts: dict[str, int]) -> dict[str, dict[str, str]]:
    """A planner and a crew member of 资源县 (450329): bearer headers by role."""
    accounts = staff_accounts(
        engine, [("planner", "planner", "450329"), ("crew", "crew", "450329")], "ogc-edit"
    )
    return {key: headers_of(accounts, key) for key in ("planner", "crew")}


@pytest.fixture()
def kept(engine: Engine):
    """Sites made by a test are removed afterwards."""
    with sites_kept(engine):
        yield


def _audit(engine: Engine, collection: str, site_id: int) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT action FROM audit_log WHERE collection = :c AND record_id = :i ORDER BY id"),
                {"c": collection, "i": site_id},
            ).scalars()
        )


def _new_station(anon_client: TestClient, headers: dict, name: str = "QGIS 新建服务站", **extra) -> str:
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(ZIYUAN_POINT)},
        "properties": {
            "name": name,
            "level": "village",
            "star_rating": 3,
            "id": None,
            "area_name": None,
            **extra,
        },
    }
    created = anon_client.post(STATIONS, content=json.dumps(feature), headers={**headers, **GEOJSON})
    assert created.status_code == 201, created.text
    return created.headers["Location"].rsplit("/items/", 1)[1]


def test_options_names_what_the_caller_may_do(anon_client: TestClient, editors) -> None:
    def allow(path: str, headers: dict) -> set[str]:
        response = anon_client.options(path, headers=headers)
        assert response.status_code == 204
        return {m.strip() for m in response.headers["allow"].split(",")}

    assert "POST" in allow(STATIONS, editors["planner"])
    assert {"PUT", "PATCH", "DELETE"} <= allow(f"{STATIONS}/1", editors["planner"])
    assert "POST" not in allow(STATIONS, {}) and "PATCH" not in allow(f"{STATIONS}/1", {})
    crew_memorial = allow(f"{MEMORIALS}/1", editors["crew"])
    assert "PATCH" in crew_memorial and "DELETE" not in crew_memorial
    assert "POST" not in allow("/ogc/collections/areas/items", editors["planner"])


def test_qgis_creates_rereads_patches_and_deletes_a_station(anon_client, engine, editors, kept) -> None:
    planner = editors["planner"]
    site_id = _new_station(anon_client, planner)
    # QGIS rereads the feature named by Location
    reread = anon_client.get(f"{STATIONS}/{site_id}", headers=planner)
    assert reread.status_code == 200 and reread.headers["etag"] == 'W/"1"'
    props = reread.json()["properties"]
    assert props["name"] == "QGIS 新建服务站" and props["area_code"].startswith("450329")
    # an attribute change: only the changed property, no If-Match
    patched = anon_client.patch(
        f"{STATIONS}/{site_id}",
        content=json.dumps({"properties": {"star_rating": 5}}),
        headers={**planner, **MERGE_PATCH},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["properties"]["star_rating"] == 5 and patched.headers["etag"] == 'W/"2"'
    assert patched.json()["properties"]["name"] == "QGIS 新建服务站"  # the rest kept
    # a geometry change in EPSG:4326 (latitude first), as QGIS sends for a layer in that CRS
    moved = {"geometry": {"type": "Point", "coordinates": [26.041, 110.641]}}
    headers = {**planner, **MERGE_PATCH, "Content-Crs": f"<{EPSG_4326}>"}
    assert (
        anon_client.patch(f"{STATIONS}/{site_id}", content=json.dumps(moved), headers=headers).status_code
        == 200
    )
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM stations WHERE id = :i"), {"i": site_id}
        ).one()
    assert (round(lon, 6), round(lat, 6)) == (110.641, 26.041)
    deleted = anon_client.delete(f"{STATIONS}/{site_id}", headers=planner)
    assert deleted.status_code == 204
    assert anon_client.get(f"{STATIONS}/{site_id}").status_code == 404
    assert _audit(engine, "stations", int(site_id)) == ["create", "update", "update", "delete"]


def test_put_replaces_and_if_match_refuses_a_stale_version(anon_client, engine, editors, kept) -> None:
    planner = editors["planner"]
    site_id = _new_station(anon_client, planner, phone="0773-1234567")
    url = f"{STATIONS}/{site_id}"
    whole = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(ZIYUAN_POINT)},
        "properties": {"name": "整体替换的服务站", "level": "village"},
    }
    put = anon_client.put(url, content=json.dumps(whole), headers={**planner, **GEOJSON, "If-Match": 'W/"1"'})
    assert put.status_code == 200, put.text
    assert put.json()["properties"]["name"] == "整体替换的服务站"
    assert put.json()["properties"]["phone"] is None  # replaced: what the body left out is cleared
    stale = anon_client.patch(
        url,
        content=json.dumps({"properties": {"star_rating": 1}}),
        headers={**planner, **MERGE_PATCH, "If-Match": 'W/"1"'},
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    stale_delete = anon_client.delete(url, headers={**planner, "If-Match": 'W/"1"'})
    assert stale_delete.status_code == 412
    assert anon_client.get(url).json()["properties"]["star_rating"] is None


def _station(geometry_type: str, coordinates: list, **extra: object) -> str:
    """A station feature as a client writes it: a geometry and a name, a level and ``extra`` properties."""
    properties = {"name": "x", "level": "village", **extra}
    return json.dumps(
        {
            "type": "Feature",
            "geometry": {"type": geometry_type, "coordinates": coordinates},
            "properties": properties,
        }
    )


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("{not json", "不是 JSON"),
        (json.dumps({"type": "FeatureCollection"}), "GeoJSON Feature"),
        (_station("LineString", [[110, 26], [111, 27]]), "Point"),
        (_station("Point", [190, 26]), "有效范围"),
        (_station("Point", list(ZIYUAN_POINT), colour="red"), "colour"),
        (_station("Point", list(ZIYUAN_POINT), star_rating="高"), "star_rating"),
    ],
)
def test_bad_features_are_refused_in_chinese_with_the_reason(anon_client, editors, kept, body, says):
    response = anon_client.post(STATIONS, content=body, headers={**editors["planner"], **GEOJSON})
    assert response.status_code == 422, response.text
    assert says in response.json()["detail"]
    assert response.headers["content-type"] == "application/problem+json"  # as every /ogc refusal


def test_rights_and_areas_are_those_of_the_json_api(anon_client, engine, editors, kept) -> None:
    feature = json.dumps(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": list(ZIYUAN_POINT)},
            "properties": {"name": "匿名", "level": "village"},
        }
    )
    assert anon_client.post(STATIONS, content=feature, headers=GEOJSON).status_code == 401
    assert (
        anon_client.post(STATIONS, content=feature, headers={**editors["crew"], **GEOJSON}).status_code == 403
    )
    # a planner of 资源县 may not move a station out of its county
    site_id = _new_station(anon_client, editors["planner"], name="不许搬走的服务站")
    away = {"geometry": {"type": "Point", "coordinates": list(MAOJIAN_POINT)}}
    moved = anon_client.patch(
        f"{STATIONS}/{site_id}", content=json.dumps(away), headers={**editors["planner"], **MERGE_PATCH}
    )
    assert moved.status_code == 403, moved.text
    with engine.connect() as conn:
        code = conn.execute(text("SELECT area_code FROM stations WHERE id = :i"), {"i": site_id}).scalar_one()
    assert code.startswith("450329")
    assert anon_client.delete(
        "/ogc/collections/areas/items/450329", headers=editors["planner"]
    ).status_code in (400, 405, 422)
