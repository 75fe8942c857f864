"""Vector tiles over HTTP: content checked with a real MVT decoder, ETag/304, cache bound, TileJSON, bad input."""

from __future__ import annotations

import os
import random
import tracemalloc

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from geo import vocab
from geo.ogc.features import ZONE_COLLECTIONS
from geo.ogc.tiles import (
    BUFFER,
    DATA_MAXZOOM,
    EXTENT,
    LAYERS,
    MAX_ZOOM,
    TileCache,
    TileService,
    etag_matches,
)
from geo.settings import TileSettings
from tests.factories import remove_site, station_body, tile_of, tile_position

MVT = "application/vnd.mapbox-vector-tile"
MAOJIAN = (110.78, 32.6)  # 十堰市茅箭区
EDGE = 1e-6  # tile fraction within which a point is too close to an edge to call in or out
_GEOMETRY = {name: column for name, (_, column, _, _) in ZONE_COLLECTIONS.items()}
"""The polygon column each zone layer draws from its site table."""


def _decode(data: bytes) -> dict:
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})


def _features(response, layer: str) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MVT
    decoded = _decode(response.content)
    assert set(decoded) == {layer}
    assert decoded[layer]["extent"] == EXTENT
    return decoded[layer]["features"]


def _stations(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat, name, level, status, area_code FROM stations"
            )
        ).all()


def test_tile_over_maojian_holds_exactly_the_stations_in_its_envelope(client, engine):
    z = 10
    x, y = tile_of(*MAOJIAN, z)
    features = _features(client.get(f"/tiles/stations/{z}/{x}/{y}.mvt"), "stations")
    by_id = {f["id"]: f for f in features}
    assert len(by_id) == len(features)

    margin = BUFFER / EXTENT
    inside, in_buffer, positions, rows = set(), set(), {}, {}
    for row in _stations(engine):
        fx, fy = tile_position(row.lon, row.lat, z)
        dx, dy = fx - x, fy - y
        near_edge = any(abs(d - e) < EDGE for d in (dx, dy) for e in (0, 1, -margin, 1 + margin))
        assert not near_edge, f"station {row.id} lies on a tile edge; pick another tile"
        if -margin <= dx <= 1 + margin and -margin <= dy <= 1 + margin:
            in_buffer.add(row.id)
            positions[row.id] = (dx * EXTENT, dy * EXTENT)
            rows[row.id] = row
            if 0 <= dx <= 1 and 0 <= dy <= 1:
                inside.add(row.id)

    assert len(inside) >= 20, "the showcase district should fill this tile"
    assert set(by_id) == in_buffer
    in_tile = {i for i, f in by_id.items() if all(0 <= c <= EXTENT for c in f["geometry"]["coordinates"])}
    assert in_tile == inside
    for fid, feature in by_id.items():
        assert feature["geometry"]["type"] == "Point"
        px, py = feature["geometry"]["coordinates"]
        ex, ey = positions[fid]
        assert abs(px - ex) <= 1 and abs(py - ey) <= 1
        row = rows[fid]
        props = feature["properties"]
        assert (props["name"], props["level"], props["status"], props["area_code"]) == (
            row.name,
            row.level,
            row.status,
            row.area_code,
        )
    assert {f["properties"]["level"] for f in features} >= {"township", "village"}


def test_empty_ocean_tile_is_204(client):
    x, y = tile_of(-150.0, -30.0, 10)  # South Pacific
    response = client.get(f"/tiles/stations/10/{x}/{y}.mvt")
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["etag"] and "max-age" in response.headers["cache-control"]


def test_zoom_below_a_layers_rules_gives_an_empty_tile(client):
    x, y = tile_of(*MAOJIAN, 5)
    assert client.get(f"/tiles/graves/5/{x}/{y}.mvt").status_code == 204


@pytest.mark.parametrize(("z", "x", "y"), [(0, 0, 0), (1, 1, 0), (2, 3, 1)])
def test_tiles_on_the_world_edge_hold_china(client, z, x, y):
    """The buffer of an edge tile crosses the antimeridian; the selection must not wrap round."""
    features = _features(client.get(f"/tiles/stations/{z}/{x}/{y}.mvt"), "stations")
    levels = {f["properties"]["level"] for f in features}
    assert "province" in levels and "village" not in levels


def test_village_stations_show_from_zoom_8(client, engine):
    villages = [r for r in _stations(engine) if r.level == "village"]
    lon, lat = villages[0].lon, villages[0].lat
    levels = {}
    for z in (7, 8):
        x, y = tile_of(lon, lat, z)
        levels[z] = {
            f["properties"]["level"]
            for f in _features(client.get(f"/tiles/stations/{z}/{x}/{y}.mvt"), "stations")
        }
    assert "village" not in levels[7] and "village" in levels[8]


@pytest.mark.parametrize("collection", ["stations", "memorials", "cemeteries", "graves"])
def test_each_site_layer_carries_its_declared_fields(client, engine, collection):
    with engine.connect() as conn:
        site_id, lon, lat = conn.execute(
            text(f"SELECT id, ST_X(geom), ST_Y(geom) FROM {collection} ORDER BY id LIMIT 1")
        ).one()
    x, y = tile_of(lon, lat, 14)
    features = _features(client.get(f"/tiles/{collection}/14/{x}/{y}.mvt"), collection)
    found = [f for f in features if f["id"] == site_id]
    assert len(found) == 1
    props = found[0]["properties"]
    assert set(props) <= set(LAYERS[collection].fields)
    assert {"name", "area_code"} <= set(props)


@pytest.mark.parametrize(
    ("z", "level"), [(4, "province"), (7, "city"), (9, "county"), (12, "township"), (14, "village")]
)
def test_areas_show_one_level_per_zoom_band(client, engine, z, level):
    x, y = tile_of(*MAOJIAN, z)
    features = _features(client.get(f"/tiles/areas/{z}/{x}/{y}.mvt"), "areas")
    assert {f["properties"]["level"] for f in features} == {level}
    with engine.connect() as conn:
        code = conn.execute(
            text(
                "SELECT code FROM areas WHERE level = :level"
                " AND ST_Contains(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
            ),
            {"level": level, "lon": MAOJIAN[0], "lat": MAOJIAN[1]},
        ).scalar_one()
    containing = [f for f in features if f["properties"]["code"] == code]
    assert len(containing) == 1 and containing[0]["id"] == int(code)
    assert containing[0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_etag_round_trip_answers_304_without_building_the_tile(client, statements):
    x, y = tile_of(*MAOJIAN, 11)
    url = f"/tiles/stations/11/{x}/{y}.mvt"
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and "max-age=" in first.headers["cache-control"]

    service: TileService = client.app.state.tile_service
    before = service.cache.stats()
    statements.clear()
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    after = service.cache.stats()
    assert (after.hits, after.misses) == (before.hits, before.misses)
    assert not any("ST_AsMVT" in s for s in statements)
    assert sum("data_versions" in s for s in statements) == 1

    cached = client.get(url)
    assert cached.status_code == 200 and cached.content == first.content
    assert service.cache.stats().hits == after.hits + 1


def test_etag_changes_after_a_write_through_the_api(client):
    z = 12
    x, y = tile_of(*MAOJIAN, z)
    url = f"/tiles/stations/{z}/{x}/{y}.mvt"
    before = client.get(url)
    etag = before.headers["etag"]

    body = station_body(name="瓦片测试站")
    body["geometry"]["coordinates"] = list(MAOJIAN)  # the factory's point is in 资源县; put it in this tile
    created = client.post("/api/v1/stations", json=body)
    assert created.status_code == 201, created.text
    site_id = created.json()["id"]
    try:
        after = client.get(url, headers={"If-None-Match": etag})
        assert after.status_code == 200
        assert after.headers["etag"] != etag
        assert site_id in {f["id"] for f in _features(after, "stations")}
    finally:
        assert remove_site(client, "stations", site_id).status_code == 204
    gone = client.get(url, headers={"If-None-Match": after.headers["etag"]})
    assert gone.status_code == 200 and gone.headers["etag"] not in (etag, after.headers["etag"])
    assert site_id not in {f["id"] for f in _features(gone, "stations")}


def test_versions_are_shared_by_processes_and_follow_direct_sql(client, engine, settings):
    """Two apps with their own caches (as two processes) agree on the ETag, and a write in SQL moves both."""
    x, y = tile_of(*MAOJIAN, 10)
    url = f"/tiles/memorials/10/{x}/{y}.mvt"
    with TestClient(create_app(settings)) as other:
        assert client.get(url).headers["etag"] == other.get(url).headers["etag"]
        etag = client.get(url).headers["etag"]
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE memorials SET notes = notes WHERE id = (SELECT min(id) FROM memorials)")
            )
        assert client.get(url).headers["etag"] == other.get(url).headers["etag"] != etag
        # another collection's tiles keep their tag
        stations = f"/tiles/stations/10/{x}/{y}.mvt"
        assert client.get(stations).headers["etag"] == other.get(stations).headers["etag"]


def test_cache_stays_within_its_memory_bound(settings, demo_counts):
    bound = 48 * 1024
    app = create_app(settings, tiles=TileSettings(cache_max_bytes=bound))
    cache = app.state.tile_service.cache
    x0, y0 = tile_of(104.5, 26.3, 9)  # north-west of 广西
    x1, y1 = tile_of(112.0, 21.0, 9)  # south-east
    served = 0
    with TestClient(app) as c:
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                response = c.get(f"/tiles/stations/9/{x}/{y}.mvt")
                assert response.status_code in (200, 204)
                served += len(response.content)
                assert cache.stats().bytes_used <= bound
        stats = cache.stats()
        assert served > 2 * bound, "the test must overfill the cache"
        assert stats.misses == (x1 - x0 + 1) * (y1 - y0 + 1) and stats.hits == 0
        assert stats.evictions > 0 and 0 < stats.entries < stats.misses
        # the most recent tile is still cached; the first has been evicted
        assert c.get(f"/tiles/stations/9/{x1}/{y1}.mvt").status_code in (200, 204)
        assert cache.stats().hits == 1
        c.get(f"/tiles/stations/9/{x0}/{y0}.mvt")
        assert cache.stats().misses == stats.misses + 1


def test_cache_accounting_covers_the_memory_it_really_uses():
    cache = TileCache(max_bytes=2_000_000)
    rng = random.Random(7)
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        for i in range(6000):
            cache.put(("stations", 1, 14, i, i), os.urandom(rng.randint(50, 4000)))
        used = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    stats = cache.stats()
    assert stats.evictions > 0 and stats.bytes_used <= cache.max_bytes
    assert used <= cache.max_bytes
    assert used >= 0.8 * stats.bytes_used  # the accounting is honest, not padded


def test_cache_evicts_least_recently_used_first():
    tile = b"x" * 1000
    cache = TileCache(max_bytes=3 * TileCache.cost(tile))
    keys = [("graves", 1, 15, i, 0) for i in range(4)]
    for key in keys[:3]:
        cache.put(key, tile)
    assert cache.get(keys[0]) == tile  # now the most recently used
    cache.put(keys[3], tile)
    assert cache.get(keys[1]) is None
    assert cache.get(keys[0]) == tile and cache.get(keys[2]) == tile and cache.get(keys[3]) == tile
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.evictions, stats.entries) == (4, 1, 1, 3)


def test_cache_drops_a_collections_older_versions_and_refuses_stale_puts():
    cache = TileCache(max_bytes=1_000_000)
    cache.put(("areas", 5, 8, 1, 1), b"old")
    cache.put(("stations", 5, 8, 1, 1), b"other collection")
    cache.put(("areas", 6, 8, 1, 1), b"new")
    assert cache.get(("areas", 5, 8, 1, 1)) is None
    assert cache.get(("stations", 5, 8, 1, 1)) == b"other collection"
    cache.put(("areas", 5, 8, 2, 2), b"built before the write")
    assert cache.get(("areas", 5, 8, 2, 2)) is None
    assert cache.stats().entries == 2


def test_tiles_larger_than_the_bound_are_served_but_not_cached():
    cache = TileCache(max_bytes=100)
    cache.put(("stations", 1, 0, 0, 0), b"x" * 200)
    assert cache.stats().entries == 0 and cache.stats().bytes_used == 0


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('W/"a1-b2"', True),
        ('"a1-b2"', True),
        ('"zz", W/"a1-b2"', True),
        ("*", True),
        ('W/"a2-b2"', False),
        ("", False),
    ],
)
def test_if_none_match_uses_weak_comparison(header, matches):
    assert etag_matches(header, 'W/"a1-b2"') is matches


@pytest.mark.parametrize("collection", sorted(LAYERS))
def test_tilejson_describes_the_layer(client, engine, collection):
    response = client.get(f"/tiles/{collection}/tilejson.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    doc = response.json()
    assert doc["tilejson"] == "3.0.0" and doc["scheme"] == "xyz"
    assert doc["tiles"] == [f"http://testserver/tiles/{collection}/{{z}}/{{x}}/{{y}}.mvt"]
    assert doc["minzoom"] == LAYERS[collection].minzoom and doc["maxzoom"] == DATA_MAXZOOM
    [layer] = doc["vector_layers"]
    assert layer["id"] == collection and layer["fields"] == LAYERS[collection].fields
    assert all(t in ("String", "Number", "Boolean") for t in layer["fields"].values())
    geom = "COALESCE(geom, point)" if collection == "areas" else _GEOMETRY.get(collection, "geom")
    table = LAYERS[collection].version_collection  # a zone layer reads (and is versioned by) its site table
    with engine.connect() as conn:
        expected = conn.execute(
            text(
                f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent({geom}) e FROM {table}) s"
            )
        ).one()
    assert doc["bounds"] == pytest.approx(list(expected))
    west, south, east, north = doc["bounds"]
    lon, lat, zoom = doc["center"]
    assert west < lon < east and south < lat < north and doc["minzoom"] <= zoom <= doc["maxzoom"]
    # the template gives a working tile URL
    x, y = tile_of(lon, lat, zoom)
    tile_url = doc["tiles"][0].format(z=zoom, x=x, y=y).removeprefix("http://testserver")
    assert client.get(tile_url).status_code in (200, 204)


def test_level_rules_cover_every_value_of_the_vocabulary():
    assert set(LAYERS["stations"].zooms) == set(vocab.STATION_LEVELS)
    assert set(LAYERS["memorials"].zooms) == set(vocab.PROTECTION_LEVELS)
    assert set(LAYERS["cemeteries"].zooms) == set(vocab.PROTECTION_LEVELS)
    assert set(LAYERS["graves"].zooms) == set(vocab.GRAVE_KINDS)
    assert set(LAYERS["areas"].zooms) == set(vocab.AREA_LEVELS)
    # the area bands leave no zoom without boundaries and never overlap
    for z in range(MAX_ZOOM + 1):
        assert len(LAYERS["areas"].shown_at(z)) == 1
    # every station shows from zoom 8 on
    assert LAYERS["stations"].shown_at(8) == list(vocab.STATION_LEVELS)


@pytest.mark.parametrize("collection", sorted(LAYERS))
def test_tile_query_selects_rows_through_the_gist_index(engine, demo_counts, collection):
    layer = LAYERS[collection]
    params = {"z": 10, "x": 827, "y": 418, "margin": BUFFER / EXTENT, "shown": list(layer.zooms)}
    with engine.connect() as conn, conn.begin():
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(conn.execute(text(f"EXPLAIN {layer.tile_sql.text}"), params).scalars())
    table, column = layer.version_collection, _GEOMETRY.get(collection, "geom")
    assert f"idx_{table}_{column}" in plan and "Seq Scan" not in plan
    if collection == "areas":
        assert "idx_areas_point" in plan


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/tiles/veterans/10/827/418.mvt", 404, "no tiles for collection 'veterans'"),
        ("/tiles/veterans/tilejson.json", 404, "collections with tiles: stations"),
        ("/tiles/stations/23/0/0.mvt", 422, "zoom z must be an integer from 0 to 22, got '23'"),
        ("/tiles/stations/-1/0/0.mvt", 422, "zoom z must be an integer from 0 to 22, got '-1'"),
        ("/tiles/stations/ten/0/0.mvt", 422, "got 'ten'"),
        (
            "/tiles/stations/10/1024/418.mvt",
            422,
            "tile x must be an integer from 0 to 1023 at zoom 10, got '1024'",
        ),
        ("/tiles/stations/10/827/1024.mvt", 422, "tile y must be an integer from 0 to 1023 at zoom 10"),
        ("/tiles/stations/0/0/1.mvt", 422, "tile y must be an integer from 0 to 0 at zoom 0"),
        ("/tiles/stations/10/827.5/418.mvt", 422, "tile x must be an integer"),
        ("/tiles/stations/10/827/4.18.mvt", 422, "got '4.18'"),
        ("/tiles/stations/10/827/418.png", 422, "unsupported tile format (extension .png)"),
        ("/tiles/stations/10/827/418", 422, "unsupported tile format (no extension)"),
        ("/tiles/stations/99999999999999999999/0/0.mvt", 422, "zoom z must be an integer"),
    ],
)
def test_bad_tile_requests_say_what_is_wrong(client, path, status, words):
    response = client.get(path)
    assert response.status_code == status
    assert words in response.json()["detail"]


def test_pbf_extension_is_an_alias(client):
    x, y = tile_of(*MAOJIAN, 10)
    mvt = client.get(f"/tiles/stations/10/{x}/{y}.mvt")
    pbf = client.get(f"/tiles/stations/10/{x}/{y}.pbf")
    assert (
        pbf.status_code == 200 and pbf.content == mvt.content and pbf.headers["etag"] == mvt.headers["etag"]
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE graves SET notes = notes WHERE id = (SELECT min(id) FROM graves)",
        # a grave nothing refers to (martyr records and moved graves point at graves)
        "DELETE FROM graves WHERE id = (SELECT max(id) FROM graves g WHERE NOT EXISTS "
        "(SELECT 1 FROM martyrs m WHERE m.grave_id = g.id) AND NOT EXISTS "
        "(SELECT 1 FROM graves o WHERE o.moved_to_grave_id = g.id))",
        "INSERT INTO graves (name, kind, area_code, geom) SELECT name, 'scattered', area_code, geom FROM graves LIMIT 1",
        "TRUNCATE graves CASCADE",  # rolled back below
    ],
)
def test_every_kind_of_write_raises_the_data_version(engine, demo_counts, statement):
    with engine.connect() as conn, conn.begin() as transaction:
        read = text("SELECT version FROM data_versions WHERE collection = 'graves'")
        before = conn.execute(read).scalar_one()
        conn.execute(text(statement))
        assert conn.execute(read).scalar_one() > before
        transaction.rollback()


def test_cache_bound_is_read_from_the_environment_when_the_app_is_built(settings, demo_counts, monkeypatch):
    monkeypatch.setenv("VETMAP_TILES_CACHE_MAX_BYTES", "123456")
    monkeypatch.setenv("VETMAP_TILES_MAX_AGE", "5")
    app = create_app(settings)
    monkeypatch.delenv("VETMAP_TILES_CACHE_MAX_BYTES")
    with TestClient(app) as c:
        response = c.get("/tiles/stations/0/0/0.mvt")
        assert response.headers["cache-control"] == "public, max-age=5"
        assert app.state.tile_service.cache.max_bytes == 123456
