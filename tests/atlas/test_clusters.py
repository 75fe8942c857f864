"""Cluster tiles (/api/v1/clusters) and the overview map's switch to them, over the demo atlas in real PostGIS.

The oracle is independent of the code under test: every site's tile is computed here in Python from its lon/lat with
the Web Mercator formulas, and the counts, means and filters are checked against the rows read straight from the
database.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.atlas.clusters import (
    CELLS_PER_TILE,
    PYRAMID_ZOOM,
    SINGLES_ZOOM,
    ClusterService,
    ClusterTile,
    live_cells,
)
from geo.atlas.overview import map_layers
from geo.settings import Settings
from tests.factories import ZIYUAN_POINT, station_body, tile_of
from web.atlas.map import site_marker

pytestmark = pytest.mark.usefixtures("atlas_restored")

URL = "/api/v1/clusters/{collection}/{z}/{x}/{y}.json"


def _sites(engine: Engine, table: str, where: str = "", **params) -> list[tuple[int, float, float]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(f"SELECT id, ST_X(geom), ST_Y(geom) FROM {table} {where} ORDER BY id"), params
        )
        return [tuple(r) for r in rows]


def _per_tile(sites: list[tuple[int, float, float]], z: int) -> Counter:
    return Counter(tile_of(lon, lat, z) for _, lon, lat in sites)


def _get(client: TestClient, collection: str, z: int, x: int, y: int, **params) -> dict:
    response = client.get(URL.format(collection=collection, z=z, x=x, y=y), params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("z", [3, 7, PYRAMID_ZOOM, PYRAMID_ZOOM + 1, 12])
@pytest.mark.parametrize("collection", ["stations", "graves"])
def test_cell_counts_of_each_tile_add_up_to_the_sites_in_it(client, engine, collection, z):
    sites = _sites(engine, collection)
    expected = _per_tile(sites, z)
    for (x, y), count in expected.items():
        body = _get(client, collection, z, x, y)
        assert body["count"] == count == sum(c["count"] for c in body["cells"]), (z, x, y)
        assert 0 < len(body["cells"]) <= CELLS_PER_TILE**2
    assert sum(expected.values()) == len(sites)


def test_a_tile_without_sites_has_no_cells(client):
    body = _get(client, "stations", 6, 0, 0)  # the Arctic off Alaska
    assert body == {**body, "count": 0, "cells": []}


def test_cells_sit_at_the_mean_position_of_their_sites(client, engine):
    sites = _sites(engine, "stations")
    z = 8
    (x, y), count = _per_tile(sites, z).most_common(1)[0]
    members = [(lon, lat) for _, lon, lat in sites if tile_of(lon, lat, z) == (x, y)]
    cells = _get(client, "stations", z, x, y)["cells"]
    assert len(cells) > 1, "the busiest tile should hold several cells"
    assert sum(c["count"] * c["lon"] for c in cells) == pytest.approx(
        sum(p[0] for p in members), abs=1e-5 * count
    )
    assert sum(c["count"] * c["lat"] for c in cells) == pytest.approx(
        sum(p[1] for p in members), abs=1e-5 * count
    )
    for cell in cells:  # each mean lies in its tile
        assert tile_of(cell["lon"], cell["lat"], z) == (x, y)


def test_a_lone_site_comes_with_its_marker_and_popup(client, engine):
    name = "茅箭区退役军人服务中心"
    with engine.connect() as conn:
        sid, lon, lat = conn.execute(
            text("SELECT id, ST_X(geom), ST_Y(geom) FROM stations WHERE name = :n"), {"n": name}
        ).one()
    x, y = tile_of(lon, lat, SINGLES_ZOOM)
    body = _get(client, "stations", SINGLES_ZOOM, x, y, lang="en")
    assert body["singles"] is True
    (cell,) = [c for c in body["cells"] if c.get("site", {}).get("id") == sid]
    assert cell["count"] == 1
    assert (cell["lon"], cell["lat"]) == (pytest.approx(lon, abs=1e-6), pytest.approx(lat, abs=1e-6))
    site = cell["site"]
    assert site["title"] == name
    assert ["Level", "County"] in site["rows"] and site["icon"] == "building"


def test_from_the_singles_zoom_every_site_is_its_own_entry(client, engine):
    sites = _sites(engine, "graves")
    (x, y), count = _per_tile(sites, SINGLES_ZOOM).most_common(1)[0]
    assert count > 1, "the demo's graves inside a cemetery share tiles"
    cells = _get(client, "graves", SINGLES_ZOOM, x, y)["cells"]
    assert len(cells) == count and all(c["count"] == 1 and "site" in c for c in cells)


@pytest.mark.parametrize("z", [5, 11])
def test_kind_and_status_filters_count_only_matching_sites(client, engine, z):
    sites = _sites(engine, "stations", "WHERE level = 'village' AND status = 'active'")
    for (x, y), count in _per_tile(sites, z).items():
        assert _get(client, "stations", z, x, y, kind="village", status="active")["count"] == count
    graves = _sites(engine, "graves", "WHERE kind = 'scattered'")
    for (x, y), count in _per_tile(graves, z).items():
        assert _get(client, "graves", z, x, y, kind="scattered")["count"] == count


@pytest.mark.parametrize("z", [4, 13])
def test_area_filter_counts_the_sites_of_the_area_and_its_sub_areas(client, engine, z):
    county = "450329"
    sites = _sites(engine, "stations", "WHERE area_code LIKE :p", p=f"{county}%")
    assert len(sites) > 10
    for (x, y), count in _per_tile(sites, z).items():
        assert _get(client, "stations", z, x, y, area=county)["count"] == count


@pytest.mark.parametrize("z", [2, 6, PYRAMID_ZOOM])
def test_the_pyramid_and_the_live_query_agree(engine, z):
    """Up to PYRAMID_ZOOM tiles are summed from the in-process pyramid; PostGIS groups the same cells."""
    service = ClusterService()
    sites = _sites(engine, "stations")
    with engine.connect() as conn:
        for x, y in _per_tile(sites, z):
            tile = ClusterTile("stations", z, x, y)
            summed = sorted((c.count, round(c.lon, 9), round(c.lat, 9)) for c in service.cells(conn, tile))
            grouped = sorted((n, round(lon, 9), round(lat, 9)) for n, lon, lat, _ in live_cells(conn, tile))
            assert summed == grouped, (z, x, y)


def test_lone_sites_show_what_the_callers_role_may_read_as_the_embedded_map_does(client, anon_client, engine):
    sites = _sites(engine, "graves")
    (x, y), _ = _per_tile(sites, SINGLES_ZOOM).most_common(1)[0]
    for http, role in ((anon_client, "public"), (client, "admin")):
        cells = _get(http, "graves", SINGLES_ZOOM, x, y, lang="zh")["cells"]
        with engine.connect() as conn:
            features = {
                f["id"]: f for f in map_layers(conn, role=role, collections=["graves"])["graves"]["features"]
            }
        for cell in cells:
            assert cell["site"] == site_marker("graves", features[cell["site"]["id"]], "zh")


def test_public_answers_are_shared_cacheable_staff_answers_private(client, anon_client):
    public = anon_client.get(URL.format(collection="stations", z=5, x=25, y=13))
    staff = client.get(URL.format(collection="stations", z=5, x=25, y=13))
    assert public.headers["cache-control"].startswith("public, max-age=")
    assert staff.headers["cache-control"].startswith("private, max-age=")
    assert public.headers["etag"] != staff.headers["etag"]
    assert "Authorization" in public.headers["vary"]


def test_etag_answers_304_until_a_write_changes_the_tile(client, anon_client):
    x, y = tile_of(*ZIYUAN_POINT, 5)
    url = URL.format(collection="stations", z=5, x=x, y=y)
    first = anon_client.get(url)
    etag = first.headers["etag"]
    assert re.fullmatch(r'W/"[0-9a-f]+-[0-9a-f]+-public-zh-wgs84-\w+"', etag)
    assert anon_client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert anon_client.get(url, headers={"If-None-Match": 'W/"0-0-x"'}).status_code == 200

    created = client.post("/api/v1/stations", json=station_body(name="聚类测试站"))
    assert created.status_code == 201, created.text
    after = anon_client.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag
    assert after.json()["count"] == first.json()["count"] + 1


@pytest.mark.parametrize(
    ("path", "status", "reason"),
    [
        ("stations/23/0/0.json", 422, "zoom z must be an integer from 0 to 22"),
        ("stations/a/0/0.json", 422, "zoom z"),
        ("stations/3/8/0.json", 422, "tile x must be an integer from 0 to 7 at zoom 3"),
        ("stations/3/0/8.json", 422, "tile y must be an integer from 0 to 7"),
        ("stations/3/0/-1.json", 422, "tile y"),
        ("stations/3/0/1.mvt", 422, "cluster tiles are JSON"),
        ("stations/3/0/1", 422, "cluster tiles are JSON"),
        ("areas/3/0/1.json", 404, "no clusters for collection 'areas'"),
        ("stations/3/0/1.json?kind=hall", 422, "kind of stations must be one of province"),
        ("memorials/3/0/1.json?status=closed", 422, "status of memorials must be one of"),
        ("stations/3/0/1.json?area=999999", 422, "unknown area code '999999'"),
        ("stations/3/0/1.json?area=45", 422, "area"),
        ("stations/3/0/1.json?crs=bd09", 422, "crs"),
    ],
)
def test_bad_tiles_and_filters_are_refused_with_a_reason(anon_client, path, status, reason):
    response = anon_client.get(f"/api/v1/clusters/{path}")
    assert response.status_code == status, response.text
    assert reason in response.json()["detail"]


def test_a_bad_filter_is_refused_even_with_a_current_etag(anon_client):
    url = URL.format(collection="stations", z=3, x=6, y=3)
    etag = anon_client.get(url).headers["etag"]
    assert anon_client.get(url + "?kind=nonsense", headers={"If-None-Match": etag}).status_code == 422


def test_gcj02_positions_are_shifted_for_an_amap_basemap(anon_client):
    wgs = _get(anon_client, "stations", 5, 25, 13)["cells"]
    gcj = _get(anon_client, "stations", 5, 25, 13, crs="gcj02")["cells"]
    assert [c["count"] for c in wgs] == [c["count"] for c in gcj]
    shifts = [(g["lon"] - w["lon"], g["lat"] - w["lat"]) for w, g in zip(wgs, gcj, strict=True)]
    assert all(0.0005 < abs(dx) + abs(dy) < 0.02 for dx, dy in shifts)  # a few hundred metres


# -- the overview map switches to cluster tiles above the threshold


@pytest.fixture(scope="module")
def small_threshold_client(settings: Settings, demo_counts: dict[str, int]) -> Iterator[TestClient]:
    """The app with VETMAP_MAP_EMBED_MAX = 500: the demo's stations and graves are tiled, the rest embedded."""
    assert demo_counts["stations"] > 500 and demo_counts["graves"] > 500 and demo_counts["memorials"] <= 500
    with TestClient(create_app(settings.model_copy(update={"map_embed_max": 500}))) as c:
        yield c


def _layer_calls(html: str) -> tuple[list[str], list[str]]:
    # a layer's table in the page, or the URL the page fetches it from
    embedded = re.findall(r'VetMapAtlas\.cluster\(\s*(?:\{"collection":"|"/atlas/data/)(\w+)', html)
    options = re.findall(r"VetMapClusters\.layer\((\{.*?\})\)", html)
    tiled = [(o["collection"], o["url"]) for o in map(json.loads, options)]  # script JSON escapes & as \u0026
    return embedded, tiled


def test_page_embeds_small_collections_and_tiles_large_ones(small_threshold_client, anon_client):
    html = small_threshold_client.get("/?lang=en").text
    embedded, tiled = _layer_calls(html)
    assert embedded == ["memorials", "cemeteries"]
    assert tiled == [
        ("stations", "/api/v1/clusters/stations/{z}/{x}/{y}.json?lang=en"),
        ("graves", "/api/v1/clusters/graves/{z}/{x}/{y}.json?lang=en"),
    ]
    assert "茅箭区退役军人服务中心" not in html  # no station is embedded
    for name in ("Service stations", "Martyr graves"):  # tiled layers are in the layer control
        assert f'"{name}" :' in html or f'"{name}":' in html
    default = anon_client.get("/?lang=en").text  # default threshold: everything embedded, as before
    assert _layer_calls(default) == (["stations", "memorials", "cemeteries", "graves"], [])
    assert "/atlas/data/stations.json" not in html and "/atlas/data/graves.json" not in html  # not fetched


def test_page_on_amap_asks_for_gcj02_positions(small_threshold_client):
    html = small_threshold_client.get("/?basemap=amap").text
    _, tiled = _layer_calls(html)
    assert tiled and all(url.endswith("?lang=zh&crs=gcj02") for _, url in tiled)
