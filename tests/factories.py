"""Test factories: build valid request bodies and records with overridable fields, and count the rows made."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

# A point inside 资源县 (450329) of the demo atlas, and a small square around it.
ZIYUAN_POINT = (110.64, 26.04)


def square(lon: float, lat: float, half: float = 0.0005) -> dict:
    """A closed GeoJSON Polygon centred on (lon, lat)."""
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def feature(properties: dict[str, Any], point: tuple[float, float] = ZIYUAN_POINT) -> dict:
    """A GeoJSON Feature with a point geometry."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(point)},
        "properties": properties,
    }


def station_body(**overrides: Any) -> dict:
    """A valid station create body."""
    props = {"name": "测试服务站", "level": "village", "star_rating": 3, "has_staff": True, **overrides}
    return feature(props)


def memorial_body(**overrides: Any) -> dict:
    """A valid memorial create body with a protection zone."""
    props = {
        "name": "测试烈士纪念碑",
        "kind": "monument",
        "protection_level": "county",
        "protection_zone": square(*ZIYUAN_POINT),
        **overrides,
    }
    return feature(props)


def cemetery_body(**overrides: Any) -> dict:
    """A valid cemetery create body with a boundary."""
    props = {
        "name": "测试烈士陵园",
        "kind": "martyr_cemetery",
        "protection_level": "county",
        "boundary": square(*ZIYUAN_POINT, 0.001),
        **overrides,
    }
    return feature(props)


def grave_body(**overrides: Any) -> dict:
    """A valid scattered-grave create body."""
    props = {
        "name": "散葬烈士墓",
        "kind": "scattered",
        "martyr_name": "测试",
        "custodian_name": "村委会",
        **overrides,
    }
    return feature(props)


BODIES = {
    "stations": station_body,
    "memorials": memorial_body,
    "cemeteries": cemetery_body,
    "graves": grave_body,
}


def make_site(client: TestClient, collection: str, **overrides: Any) -> dict:
    """Create a site through the API and return the created Feature."""
    response = client.post(f"/api/v1/{collection}", json=BODIES[collection](**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def make_site_at(client: TestClient, collection: str, point: tuple[float, float], **overrides: Any) -> dict:
    """Create a site at (lon, lat) through the API and return the created Feature."""
    body = BODIES[collection](**overrides)
    body["geometry"] = {"type": "Point", "coordinates": list(point)}
    response = client.post(f"/api/v1/{collection}", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def if_match(client: TestClient, collection: str, site_id: int) -> dict[str, str]:
    """``If-Match`` with the ETag a GET of the site answers now (empty when there is no such site)."""
    response = client.get(f"/api/v1/{collection}/{site_id}")
    return {"If-Match": response.headers["etag"]} if response.status_code == 200 else {}


def remove_site(client: TestClient, collection: str, site_id: int, headers: dict[str, str] | None = None):
    """DELETE a site at the version a GET answers just before; returns the response."""
    headers = {**(headers or {}), **if_match(client, collection, site_id)}
    return client.delete(f"/api/v1/{collection}/{site_id}", headers=headers)


def row_count(engine: Engine, table: str) -> int:
    """How many rows ``table`` holds now."""
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
