"""Test factories: build valid request bodies and records with overridable fields, count the rows made, find
free places on the demo atlas, and make the files, images, tiles and scratch databases tests feed the app."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL

from geo.database.engine import drop_database, ensure_database
from geo.database.migrate import upgrade

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


_FREE_POINT = """
SELECT ST_X(p), ST_Y(p) FROM (
  SELECT ST_SetSRID(ST_MakePoint(:lon + dx * 0.02, :lat + dy * 0.02), 4326) AS p
  FROM generate_series(-10, 10) dx, generate_series(-10, 10) dy
) c
WHERE ST_Contains((SELECT geom FROM areas WHERE code = '450329'), p)
  AND NOT EXISTS (SELECT 1 FROM memorials WHERE ST_DWithin(geom::geography, p::geography, 3000))
  AND NOT EXISTS (SELECT 1 FROM cemeteries WHERE ST_DWithin(geom::geography, p::geography, 3000))
  AND NOT EXISTS (SELECT 1 FROM graves WHERE ST_DWithin(geom::geography, p::geography, 3000))
ORDER BY ST_Distance(p, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) LIMIT 1
"""


def free_point(conn: Connection, near: tuple[float, float] = ZIYUAN_POINT) -> tuple[float, float]:
    """A point of 资源县 (450329) with no memorial, cemetery or grave within 3 km: of a grid of 0.02° steps
    around ``near`` (lon, lat), the one nearest it."""
    found = conn.execute(text(_FREE_POINT), {"lon": near[0], "lat": near[1]}).first()
    assert found is not None, f"no free point in 资源县 near {near}"
    return found[0], found[1]


def offset(point: tuple[float, float], metres_east: float, metres_north: float = 0.0) -> tuple[float, float]:
    """A point some metres east and north of ``point`` (lon, lat) - close enough for a few hundred metres."""
    lon, lat = point
    return lon + metres_east / (111_320 * math.cos(math.radians(lat))), lat + metres_north / 110_574


def image(
    fmt: str = "PNG", size: tuple[int, int] = (40, 30), colour: Any = (120, 30, 30), mode: str = "RGB"
) -> bytes:
    """A plain image of one colour in a Pillow format (PNG, JPEG, WEBP, GIF, BMP, ...)."""
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt)
    return out.getvalue()


def tile_position(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Where a WGS-84 point lies at zoom ``z``, in tile units (x east, y south; spherical Mercator)."""
    n = 2**z
    return (lon + 180.0) / 360.0 * n, (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile (x, y) holding a WGS-84 point at zoom ``z``."""
    n = 2**z
    x, y = tile_position(lon, lat, z)
    return min(max(int(x), 0), n - 1), min(max(int(y), 0), n - 1)


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str = "utf-8") -> Path:
    """A CSV file of ``header`` and ``rows`` in ``encoding`` at ``path``; the path."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


@contextmanager
def scratch_database(test_db_url: URL, suffix: str, migrated: bool = True) -> Iterator[URL]:
    """A fresh database of its own beside the test database (``<test database>_<suffix>``), migrated unless
    ``migrated`` is false; dropped after."""
    url = test_db_url.set(database=f"{test_db_url.database}_{suffix}")
    drop_database(url)
    ensure_database(url)
    if migrated:
        upgrade(url)
    yield url
    drop_database(url)
