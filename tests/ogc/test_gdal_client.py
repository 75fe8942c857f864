"""GDAL's OAPIF driver (Debian's ogrinfo/ogr2ogr) against the live service: collections, every page, bbox and filters."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from sqlalchemy import Engine, text

from api.app import create_app
from geo.ogc.features import ZONE_COLLECTIONS
from geo.settings import Settings
from tests.live_server import LiveServer

COLLECTIONS = ["stations", "memorials", "cemeteries", "graves", "areas", *ZONE_COLLECTIONS]
GDAL_TIMEOUT_S = 180
# No internet here: never go through a proxy, fail fast instead of retrying.
GDAL_ENV = {
    "NO_PROXY": "*",
    "no_proxy": "*",
    "GDAL_HTTP_TIMEOUT": "20",
    "GDAL_HTTP_CONNECTTIMEOUT": "5",
    "GDAL_HTTP_MAX_RETRY": "0",
    "CPL_DEBUG": "OFF",
}
PROXY_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "GDAL_HTTP_PROXY",
)


@dataclass
class RequestLog:
    """ASGI middleware that records the path and query parameters of every HTTP request the app receives."""

    app: object
    requests: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            query = parse_qs(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            self.requests.append((scope["path"], query))
        await self.app(scope, receive, send)  # type: ignore[operator]

    def since(self, mark: int, path: str) -> list[dict[str, list[str]]]:
        """Query parameters of the requests to ``path`` recorded after position ``mark``."""
        return [query for p, query in self.requests[mark:] if p == path]


@dataclass(frozen=True)
class OgcServer:
    """The live service and its request log."""

    url: str
    log: RequestLog

    @property
    def oapif(self) -> str:
        """GDAL's connection string for the landing page."""
        return f"OAPIF:{self.url}/ogc"


@pytest.fixture(scope="module")
def ogc_server(settings: Settings, demo_counts: dict[str, int]) -> Iterator[OgcServer]:
    """The real app under uvicorn on 127.0.0.1, with every request recorded."""
    if shutil.which("ogrinfo") is None or shutil.which("ogr2ogr") is None:
        pytest.fail("ogrinfo/ogr2ogr not found: install Debian's gdal-bin (./setup.sh test does)")
    log = RequestLog(create_app(settings))
    server = LiveServer(log)  # type: ignore[arg-type]
    server.start()
    yield OgcServer(server.url, log)
    server.stop()


def _gdal(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES} | GDAL_ENV
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=GDAL_TIMEOUT_S, check=False)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    assert "ERROR" not in done.stderr, done.stderr
    return done.stdout


def _read_ids(server: OgcServer, layer: str, out: Path, *options: str) -> list[int]:
    _gdal("ogr2ogr", "-f", "GeoJSON", "-preserve_fid", str(out), server.oapif, layer, *options)
    features = json.loads(out.read_text())["features"]
    return sorted(feature["id"] for feature in features)


def _db_ids(engine: Engine, where: str = "TRUE") -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text(f"SELECT id FROM stations WHERE {where} ORDER BY id")).scalars())


def test_ogrinfo_lists_every_collection(ogc_server):
    mark = len(ogc_server.log.requests)
    listing = _gdal("ogrinfo", "-ro", ogc_server.oapif)
    layers = re.findall(r"^\d+: (\S+) \(title: .+\) \((Point|Multi Polygon)\)$", listing, flags=re.MULTILINE)
    assert [name for name, _ in layers] == COLLECTIONS, listing
    assert dict(layers)["areas"] == dict(layers)["cemetery_boundaries"] == "Multi Polygon"
    assert ogc_server.log.since(mark, "/ogc/collections")


def test_ogr2ogr_reads_every_station_across_pages(ogc_server, engine, tmp_path):
    mark = len(ogc_server.log.requests)
    ids = _read_ids(ogc_server, "stations", tmp_path / "stations.geojson")
    expected = _db_ids(engine)
    assert ids == expected
    pages = ogc_server.log.since(mark, "/ogc/collections/stations/items")
    page_size = int(pages[-1]["limit"][0])
    assert len(expected) > page_size  # more than one page, so GDAL had to follow the next links
    offsets = sorted({int(p.get("offset", ["0"])[0]) for p in pages})
    assert offsets == list(range(0, len(expected), page_size))


def test_ogr2ogr_bbox_read_is_filtered_by_the_server(ogc_server, engine, tmp_path):
    mark = len(ogc_server.log.requests)
    ids = _read_ids(ogc_server, "stations", tmp_path / "bbox.geojson", "-spat", "110", "25", "111.5", "27")
    expected = _db_ids(engine, "ST_Intersects(geom, ST_MakeEnvelope(110, 25, 111.5, 27, 4326))")
    assert 0 < len(expected) < len(_db_ids(engine)) and ids == expected
    reads = [p for p in ogc_server.log.since(mark, "/ogc/collections/stations/items") if "offset" in p]
    assert reads and all([float(v) for v in p["bbox"][0].split(",")] == [110, 25, 111.5, 27] for p in reads)


def test_ogr2ogr_where_is_sent_to_the_server_as_cql2(ogc_server, engine, tmp_path):
    mark = len(ogc_server.log.requests)
    where = "level = 'village' AND star_rating >= 3"
    ids = _read_ids(ogc_server, "stations", tmp_path / "where.geojson", "-where", where)
    expected = _db_ids(engine, where)
    assert len(expected) > 0 and ids == expected
    assert ogc_server.log.since(mark, "/ogc/api"), (
        "GDAL reads the API definition to learn the filter language"
    )
    filtered = [p for p in ogc_server.log.since(mark, "/ogc/collections/stations/items") if "filter" in p]
    assert filtered, "the filter never reached the server"
    assert {p["filter"][0] for p in filtered} == {"(level = 'village') AND (star_rating >= 3)"}
    assert {p["filter-lang"][0] for p in filtered} == {"cql-text"}
    assert sum(int(p["limit"][0]) for p in filtered) >= len(expected)  # every page was filtered server-side


def test_ogrinfo_fetches_one_feature_by_its_integer_id(ogc_server, engine):
    (station_id,) = _db_ids(engine, "level = 'county' AND area_code LIKE '450329%'")
    mark = len(ogc_server.log.requests)
    dump = _gdal("ogrinfo", "-ro", "-q", ogc_server.oapif, "stations", "-fid", str(station_id))
    assert f"OGRFeature(stations):{station_id}" in dump and "资源县退役军人服务中心" in dump
    assert ogc_server.log.since(mark, f"/ogc/collections/stations/items/{station_id}")


def test_ogr2ogr_with_a_page_size_over_the_maximum_reads_everything(ogc_server, engine, tmp_path):
    """``-oo PAGE_SIZE=5000`` asks limit=5000; the server answers pages of its maximum (not a 400)."""
    mark = len(ogc_server.log.requests)
    ids = _read_ids(ogc_server, "stations", tmp_path / "big.geojson", "-oo", "PAGE_SIZE=5000")
    assert ids == _db_ids(engine)
    pages = ogc_server.log.since(mark, "/ogc/collections/stations/items")
    assert any(p.get("limit") == ["5000"] for p in pages)


def test_ogr2ogr_filters_a_boolean_with_gdal_integers(ogc_server, engine, tmp_path):
    """GDAL exposes booleans as integers and sends ``= 1``: the server reads it against the boolean."""
    out = tmp_path / "signed.geojson"
    mark = len(ogc_server.log.requests)
    where = "has_protection_sign = 1"
    _gdal(
        "ogr2ogr", "-f", "GeoJSON", "-preserve_fid", str(out), ogc_server.oapif, "memorials", "-where", where
    )
    ids = sorted(feature["id"] for feature in json.loads(out.read_text())["features"])
    with engine.connect() as conn:
        expected = list(
            conn.execute(text("SELECT id FROM memorials WHERE has_protection_sign ORDER BY id")).scalars()
        )
    assert expected and ids == expected
    filtered = [p for p in ogc_server.log.since(mark, "/ogc/collections/memorials/items") if "filter" in p]
    assert filtered, "the boolean filter never reached the server"
