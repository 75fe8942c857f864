"""Administrative areas over HTTP."""

from __future__ import annotations

import pytest


def test_area_is_a_feature_with_geometry_level_parent_and_area(client):
    response = client.get("/api/v1/areas/420302")
    assert response.status_code == 200 and response.headers["content-type"] == "application/geo+json"
    area = response.json()
    assert area["type"] == "Feature" and area["id"] == "420302"
    assert area["geometry"]["type"] == "MultiPolygon"
    props = area["properties"]
    assert (props["name"], props["level"], props["parent_code"], props["parent_name"]) == (
        "茅箭区",
        "county",
        "420300",
        "十堰市",
    )
    assert 500e6 < props["area_m2"] < 580e6  # 茅箭区 is about 538 km²
    assert props["children"] == 7


def test_synthetic_village_carries_population_and_flag(client):
    villages = client.get("/api/v1/areas", params={"parent": "420302001", "geometry": "true"}).json()
    assert villages["numberMatched"] > 0
    village = villages["features"][0]
    assert village["properties"]["level"] == "village" and village["properties"]["synthetic"] is True
    assert village["properties"]["population"] > 0 and village["geometry"] is not None


def test_listing_by_level_counts_guangxi_counties(client):
    body = client.get("/api/v1/areas", params={"level": "county", "parent": "450300", "limit": 1}).json()
    assert body["numberMatched"] == 17  # 桂林市 has 17 county-level divisions
    assert body["features"][0]["geometry"] is None  # geometry only on request


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/areas/999999", 404),
        ("/api/v1/areas/12345", 422),
        ("/api/v1/areas/abcdef", 422),
        ("/api/v1/areas?level=hamlet", 422),
        ("/api/v1/areas?parent=999999", 422),
    ],
)
def test_bad_area_requests_get_a_reason(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.json()["detail"]
