"""The site collections over HTTP: CRUD, paging, filters, and a clear 4xx for every kind of bad input."""

from __future__ import annotations

import pytest

from tests.factories import BODIES, ZIYUAN_POINT, feature, if_match, make_site, remove_site, square

COLLECTIONS = ("stations", "memorials", "cemeteries", "graves")


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_create_read_update_delete(client, collection):
    created = make_site(client, collection, name="生命周期测试")
    site_id = created["id"]
    assert isinstance(site_id, int)
    assert created["properties"]["area_code"] == "450329004202"  # found from the point: 资源县 桥田镇 桃兰村
    assert created["geometry"] == {"type": "Point", "coordinates": list(ZIYUAN_POINT)}

    read = client.get(f"/api/v1/{collection}/{site_id}")
    assert read.status_code == 200 and read.headers["content-type"] == "application/geo+json"
    assert read.json()["properties"]["name"] == "生命周期测试"

    patched = client.patch(
        f"/api/v1/{collection}/{site_id}",
        json={"properties": {"name": "改名后"}},
        headers={"If-Match": read.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["properties"]["name"] == "改名后"
    assert patched.json()["properties"]["updated_at"] >= created["properties"]["updated_at"]

    listed = client.get(f"/api/v1/{collection}", params={"area": "450329004202", "limit": 1000}).json()
    assert site_id in [f["id"] for f in listed["features"]]

    assert remove_site(client, collection, site_id).status_code == 204
    assert client.get(f"/api/v1/{collection}/{site_id}").status_code == 404
    assert remove_site(client, collection, site_id).status_code == 404


def test_create_answers_201_with_location(client):
    response = client.post("/api/v1/stations", json=BODIES["stations"](name="定位测试"))
    assert response.status_code == 201
    assert response.headers["location"].endswith(f"/api/v1/stations/{response.json()['id']}")
    remove_site(client, "stations", response.json()["id"])


def test_moving_a_site_finds_its_new_area(client):
    site = make_site(client, "stations")
    moved = client.patch(
        f"/api/v1/stations/{site['id']}",
        json={"geometry": {"type": "Point", "coordinates": [110.73, 32.43]}},  # into 十堰市茅箭区
        headers=if_match(client, "stations", site["id"]),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["properties"]["area_code"].startswith("420302")
    remove_site(client, "stations", site["id"])


def test_memorial_zone_is_stored_with_its_area_in_square_metres(client):
    memorial = make_site(client, "memorials")
    props = memorial["properties"]
    assert props["protection_zone"]["type"] == "MultiPolygon"
    # a 0.001° square at 26°N is about 100 m × 111 m
    assert 9_000 < props["protection_zone_m2"] < 13_000
    remove_site(client, "memorials", memorial["id"])


def test_grave_in_cemetery_links_to_it_and_blocks_its_deletion(client):
    cemetery = make_site(client, "cemeteries")
    grave = make_site(
        client,
        "graves",
        kind="in_cemetery",
        cemetery_id=cemetery["id"],
        section="甲区",
        row_no="1",
        number="3",
    )
    assert grave["properties"]["cemetery_id"] == cemetery["id"]
    refused = remove_site(client, "cemeteries", cemetery["id"])
    assert refused.status_code == 409 and "仍被 graves 中的记录引用" in refused.json()["detail"]
    remove_site(client, "graves", grave["id"])
    assert remove_site(client, "cemeteries", cemetery["id"]).status_code == 204


def test_duplicate_code_is_a_conflict(client):
    first = make_site(client, "stations", code="GX-TEST-0001")
    again = client.post("/api/v1/stations", json=BODIES["stations"](code="GX-TEST-0001"))
    assert again.status_code == 409 and "GX-TEST-0001" in again.json()["detail"]
    remove_site(client, "stations", first["id"])


def test_paging_counts_and_links(client):
    first = client.get("/api/v1/stations", params={"area": "420302", "limit": 50})
    body = first.json()
    assert body["numberMatched"] == 79 and body["numberReturned"] == 50
    assert isinstance(body["numberMatched"], int)
    nxt = next(link for link in body["links"] if link["rel"] == "next")
    assert nxt["type"] == "application/geo+json"
    second = client.get(nxt["href"]).json()
    assert second["numberReturned"] == 29
    assert not any(link["rel"] == "next" for link in second["links"])
    assert {f["id"] for f in body["features"]}.isdisjoint(f["id"] for f in second["features"])


def test_area_filter_includes_everything_inside(client):
    def matched(**params) -> int:
        return client.get("/api/v1/stations", params={"limit": 1, **params}).json()["numberMatched"]

    counties = ("421303", "421321", "421381")  # every county-level division of 随州市
    assert matched(area="421300") == sum(matched(area=code) for code in counties) > 0
    assert matched(area="421300", kind="city") == 1
    township = client.get("/api/v1/areas", params={"parent": "421303", "limit": 1}).json()["features"][0][
        "id"
    ]
    assert 0 < matched(area=township) < matched(area="421303")


def test_kind_and_status_filters(client):
    villages = client.get("/api/v1/stations", params={"area": "420302", "kind": "village"}).json()
    assert villages["numberMatched"] == 71
    assert all(f["properties"]["level"] == "village" for f in villages["features"])
    halls = client.get("/api/v1/memorials", params={"kind": "hall", "limit": 1000}).json()
    assert all(f["properties"]["kind"] == "hall" for f in halls["features"])
    damaged = client.get("/api/v1/graves", params={"status": "damaged", "limit": 1000}).json()
    assert damaged["numberMatched"] > 0
    assert all(f["properties"]["upkeep_status"] == "damaged" for f in damaged["features"])


@pytest.mark.parametrize(
    ("collection", "params", "reason"),
    [
        ("stations", {"limit": 5000}, "over the maximum"),
        ("stations", {"limit": 0}, "limit"),
        ("stations", {"offset": -1}, "offset"),
        ("stations", {"area": "12ab"}, "area"),
        ("stations", {"area": "999999"}, "unknown area code"),
        ("stations", {"kind": "galaxy"}, "unknown level"),
        ("memorials", {"status": "shiny"}, "unknown upkeep_status"),
        ("stations", {"protection_level": "national"}, "no protection_level"),
        ("memorials", {"protection_level": "imperial"}, "unknown protection_level"),
    ],
)
def test_bad_listing_parameters_get_a_reason(client, collection, params, reason):
    response = client.get(f"/api/v1/{collection}", params=params)
    assert response.status_code == 422
    assert reason in response.json()["detail"]


_BAD_BODIES = [
    ("stations", feature({"name": "x", "level": "village"}, (200.0, 26.0)), "longitude 200"),
    ("stations", feature({"name": "x", "level": "village"}, (110.6, 95.0)), "latitude 95"),
    (
        "stations",
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]},
            "properties": {"name": "x", "level": "village"},
        },
        "Point",
    ),
    ("stations", feature({"name": "x", "level": "hamlet"}), "level"),
    ("stations", feature({"name": "x", "level": "village", "star_rating": 7}), "star_rating"),
    ("stations", feature({"name": "", "level": "village"}), "name"),
    ("stations", feature({"name": "x", "level": "village", "colour": "red"}), "colour"),
    ("stations", feature({"name": "x", "level": "village", "area_code": "999999"}), "unknown area code"),
    ("stations", feature({"name": "x", "level": "village", "area_code": "420302"}), "outside area 420302"),
    ("stations", feature({"name": "x", "level": "village"}, (10.0, 50.0)), "no known area"),
    (
        "memorials",
        feature(
            {
                "name": "m",
                "kind": "hall",
                "protection_level": "county",
                "protection_zone": {
                    "type": "Polygon",
                    "coordinates": [[[110.6, 26.0], [110.61, 26.0], [110.61, 26.01], [110.6, 26.01]]],
                },
            }
        ),
        "does not close",
    ),
    (
        "memorials",
        feature(
            {
                "name": "m",
                "kind": "hall",
                "protection_level": "county",
                "protection_zone": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
                },
            }
        ),
        "Self-intersection",
    ),
    ("memorials", feature({"name": "m", "kind": "obelisk", "protection_level": "county"}), "kind"),
    (
        "cemeteries",
        feature(
            {
                "name": "c",
                "kind": "martyr_cemetery",
                "protection_level": "county",
                "boundary": {"type": "Point", "coordinates": [1, 2]},
            }
        ),
        "Polygon or MultiPolygon",
    ),
    ("graves", feature({"name": "g", "kind": "in_cemetery"}), "needs cemetery_id"),
    ("graves", feature({"name": "g", "kind": "in_cemetery", "cemetery_id": 99999999}), "cemetery_id"),
    ("graves", feature({"name": "g", "kind": "scattered", "disposition": "moved"}), "moved_to_grave_id"),
    ("graves", feature({"name": "g", "kind": "scattered", "condition_index": 140}), "condition_index"),
]


@pytest.mark.parametrize(("collection", "body", "reason"), _BAD_BODIES)
def test_bad_input_gets_a_4xx_with_a_reason(client, collection, body, reason):
    response = client.post(f"/api/v1/{collection}", json=body)
    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"]


def test_malformed_json_is_a_4xx(client):
    response = client.post(
        "/api/v1/stations", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_patch_is_validated_on_the_merged_record(client):
    grave = make_site(client, "graves")
    response = client.patch(
        f"/api/v1/graves/{grave['id']}",
        json={"properties": {"kind": "in_cemetery", "version": grave["properties"]["version"]}},
    )
    assert response.status_code == 422 and "needs cemetery_id" in response.json()["detail"]
    assert client.get(f"/api/v1/graves/{grave['id']}").json()["properties"]["kind"] == "scattered"
    remove_site(client, "graves", grave["id"])


def test_unknown_ids_are_404(client):
    for collection in COLLECTIONS:
        assert client.get(f"/api/v1/{collection}/987654321").status_code == 404
        assert client.patch(f"/api/v1/{collection}/987654321", json={"properties": {}}).status_code == 404
    assert client.get("/api/v1/stations/not-a-number").status_code == 422


def test_openapi_document_describes_the_api(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for collection in COLLECTIONS:
        assert f"/api/v1/{collection}" in doc["paths"]
        assert f"/api/v1/{collection}/{{site_id}}" in doc["paths"]
    assert "/api/v1/areas/{code}" in doc["paths"]


def test_health_reports_postgis_and_the_migrated_head(client, test_db_url):
    from alembic.script import ScriptDirectory

    from geo.database.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config(test_db_url)).get_current_head()
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["postgis"].startswith("3.") and body["schema_revision"] == head


def test_square_helper_is_closed():
    ring = square(110.0, 26.0)["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 5
