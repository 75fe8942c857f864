"""Tiles read on the event loop (asyncio psycopg, geo/ogc/tiles.AsyncReads) answer as the worker-thread path does."""

from __future__ import annotations

import mapbox_vector_tile
from fastapi.testclient import TestClient

from api.app import create_app
from geo.ogc.tiles import LAYERS, TileAddress, TileService
from geo.settings import TileSettings
from tests.factories import tile_of

MAOJIAN = (110.78, 32.6)  # 十堰市茅箭区


def test_tiles_read_on_the_event_loop_are_the_tiles_built_in_a_thread(settings, engine, demo_counts):
    app = create_app(settings, tiles=TileSettings(cache_max_bytes=0))
    service: TileService = app.state.tile_service
    with TestClient(app) as client:
        reads = service.async_reads
        assert reads is not None, "the app's lifespan opens the event-loop reads"
        compared = 0
        for z in (4, 8, 11, 14):
            x, y = tile_of(*MAOJIAN, z)
            for name in LAYERS:
                answer = client.get(f"/tiles/{name}/{z}/{x}/{y}.mvt")
                with engine.connect() as conn:
                    expected = service.tile(conn, TileAddress(name, z, x, y))
                assert answer.headers["etag"] == expected.etag
                if expected.data:
                    assert answer.status_code == 200 and answer.content == expected.data
                    assert mapbox_vector_tile.decode(answer.content)[name]["features"]
                    compared += 1
                else:
                    assert answer.status_code == 204 and answer.content == b""
        assert compared >= 10
        assert not reads.closed and reads.idle == 1, "one connection served every tile, one after another"
    assert service.async_reads is None and reads.closed and reads.idle == 0


def test_a_database_out_of_reach_answers_503_with_a_reason(settings):
    app = create_app(settings.model_copy(update={"database_url": "postgresql://vetmap@127.0.0.1:9/nowhere"}))
    with TestClient(app) as client:
        assert app.state.tile_service.async_reads is not None
        answer = client.get("/tiles/stations/10/830/416.mvt")
    assert answer.status_code == 503
    assert answer.json()["detail"] == "the database is unavailable, try again shortly"
