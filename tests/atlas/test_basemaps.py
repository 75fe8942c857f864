"""Basemaps of the `/` map: layers per setting, the GCJ-02 shift on AMap (data out, clicks back), the remembered
choice, and the map in a real browser with every request off 127.0.0.1 blocked (tiles fail, overlays stay)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect
from pydantic import SecretStr
from sqlalchemy import Engine, text

from api.app import create_app
from geo.kit.crs import gcj02_to_wgs84, wgs84_to_gcj02
from geo.settings import Settings
from tests.browser_pages import WatchedPage, watched_page
from tests.live_server import LiveServer
from web.basemaps import (
    available_basemaps,
    basemap,
    choose_basemap,
    shift_geojson,
    shift_points,
)

KEY = "tdt-test-key-0123456789"
OSM_TILES = "https://tile.openstreetmap.org/"
AMAP_TILES = "https://webrd0"  # https://webrd0{1-4}.is.autonavi.com/appmaptile...


def _app_client(settings: Settings, **update) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=update)))


@pytest.fixture(scope="module")
def station(engine: Engine, demo_counts: dict[str, int]) -> tuple[int, float, float]:
    """A demo station's id and WGS-84 lon/lat as stored."""
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM stations ORDER BY id LIMIT 1")
        ).one()
    return row.id, row.lon, row.lat


def _station_rows(html: str, client: TestClient) -> dict[int, list]:
    """Rows of the stations layer the page draws (embedded, or fetched from its URL): {id: [lat, lon, ...]}."""
    decoder = json.JSONDecoder()
    for match in re.finditer(r"VetMapAtlas\.cluster\(\s*", html):
        payload, _ = decoder.raw_decode(html, match.end())
        if isinstance(payload, str):
            payload = client.get(payload).json()
        if payload["collection"] == "stations":
            return {row[3]: row for row in payload["rows"]}
    raise AssertionError("no stations layer in the page")


def test_tianditu_is_offered_only_with_a_key_and_the_choice_falls_back() -> None:
    assert available_basemaps(None) == ("osm", "amap", "none")
    assert available_basemaps(KEY) == ("osm", "tianditu", "amap", "none")
    assert choose_basemap("amap", "none", "osm", None) == "amap"
    assert choose_basemap(None, "none", "osm", None) == "none"
    assert choose_basemap("tianditu", None, "osm", None) == "osm"  # no key: not offered
    assert choose_basemap("bogus", "alsobogus", "tianditu", None) == "osm"
    with pytest.raises(ValueError, match="needs a key"):
        basemap("tianditu", "zh", None)
    with pytest.raises(ValueError, match="unknown basemap"):
        basemap("google", "zh")
    assert basemap("amap", "en").crs == "gcj02" and basemap("osm", "en").crs == "wgs84"
    assert basemap("none", "zh").layers == ()


def test_the_map_page_draws_the_basemap_of_the_setting(
    settings: Settings, demo_counts: dict[str, int]
) -> None:
    with _app_client(settings, basemap="osm") as c:
        page = c.get("/")
        assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in page.text
        assert "https://tile.openstreetmap.org" in page.headers["content-security-policy"]
        assert "tianditu" not in page.text  # no key: not even offered in the switch
        assert "autonavi" not in page.text
    with _app_client(settings, basemap="none") as c:
        page = c.get("/").text
        assert "L.tileLayer" not in page and "openstreetmap.org/{z}" not in page
        assert '"none"' in page  # the map knows it is in no-internet mode
    with _app_client(settings, basemap="tianditu", tianditu_key=SecretStr(KEY)) as c:
        zh, en = c.get("/").text, c.get("/", params={"lang": "en"}).text
        assert "tianditu.gov.cn/vec_w/wmts" in zh and "LAYER=cva" in zh and f"tk={KEY}" in zh
        assert "LAYER=eva" in en  # English annotation on English pages
        assert "/choose?basemap=amap\\u0026next=%2F" in zh  # the switch offers the others (JSON in a script)
    with _app_client(settings, basemap="osm") as c:
        amap = c.get("/", params={"basemap": "amap"}).text
        assert "webrd0{s}.is.autonavi.com" in amap
        assert c.get("/", params={"basemap": "tianditu"}).status_code == 200  # unkeyed: falls back to osm
        assert c.get("/", params={"basemap": "bing"}).status_code == 422


def test_the_basemap_choice_is_remembered_in_a_cookie(
    settings: Settings, demo_counts: dict[str, int]
) -> None:
    with _app_client(settings, basemap="osm") as c:
        r = c.get("/choose", params={"basemap": "amap", "next": "/?lang=en"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/?lang=en"
        assert "basemap=amap" in r.headers["set-cookie"] and "Max-Age" in r.headers["set-cookie"]
        assert "autonavi" in c.get("/").text  # remembered
        assert "autonavi" not in c.get("/", params={"basemap": "none"}).text  # this page only
        assert "autonavi" in c.get("/").text
        c.get("/choose", params={"basemap": "none", "next": "/"})
        assert "autonavi" not in c.get("/").text and "L.tileLayer" not in c.get("/").text


def test_amap_page_data_are_shifted_to_gcj02(
    settings: Settings, station: tuple[int, float, float], demo_counts: dict[str, int]
) -> None:
    station_id, lon, lat = station
    with _app_client(settings, basemap="osm") as c:
        plain = _station_rows(c.get("/").text, c)[station_id]
        shifted = _station_rows(c.get("/", params={"basemap": "amap"}).text, c)[station_id]
    assert plain[:2] == pytest.approx([lat, lon], abs=1e-6)
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert shifted[:2] == pytest.approx([g_lat, g_lon], abs=1e-6)
    assert abs(shifted[1] - lon) > 1e-4  # really moved (some hundred metres)


def test_shifting_geojson_moves_every_vertex_and_keeps_the_shape() -> None:
    ring = [[110.0, 32.0], [110.1, 32.0], [110.1, 32.1], [110.0, 32.0]]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"a": 1},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            },
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Point", "coordinates": [110.0, 32.0]},
            },
            {"type": "Feature", "properties": {}, "geometry": None},
        ],
    }
    out = shift_geojson(fc, "gcj02")
    lons, lats = shift_points([p[0] for p in ring], [p[1] for p in ring], "gcj02")
    assert out["features"][0]["geometry"]["coordinates"][0] == [list(p) for p in zip(lons, lats, strict=True)]
    assert out["features"][1]["geometry"]["coordinates"] == [lons[0], lats[0]]
    assert out["features"][0]["properties"] == {"a": 1} and out["features"][2]["geometry"] is None
    assert fc["features"][0]["geometry"]["coordinates"][0] == ring  # the input is left alone
    assert shift_geojson(fc, "wgs84") == fc


# -- in a real browser, offline


@pytest.fixture(scope="module")
def osm_server(settings: Settings, demo_counts: dict[str, int]) -> Iterator[str]:
    """The app with OpenStreetMap as the default basemap (as shipped)."""
    server = LiveServer(create_app(settings.model_copy(update={"basemap": "osm"})))
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def offline_page(browser: Browser, osm_server: str, request: pytest.FixtureRequest) -> Iterator[WatchedPage]:
    """A page of ``osm_server`` that may reach 127.0.0.1 only (tests/browser_pages.py): any other request is
    refused, and fails the test unless it expected it (the tiles); a screenshot when the test fails."""
    with watched_page(browser, osm_server, request) as watched:
        yield watched


_MAP = "Object.keys(window).filter((k) => k.startsWith('map_') && window[k] instanceof L.Map)[0]"


@pytest.mark.browser
def test_with_no_internet_the_osm_map_still_shows_its_overlays(offline_page: WatchedPage) -> None:
    page = offline_page.page
    offline_page.allow_outside(OSM_TILES)
    page.goto(offline_page.base_url + "/", wait_until="networkidle")
    page.wait_for_selector(".marker-cluster, .leaflet-marker-icon")
    page.wait_for_selector(".vetmap-basemap-offline")  # the tiles failed and the map says so
    assert offline_page.blocked and all(
        urlsplit(u).hostname == "tile.openstreetmap.org" for u in offline_page.blocked
    )
    assert page.locator(".leaflet-overlay-pane path").count() > 0  # the county outlines are drawn
    assert page.locator(".vetmap-basemap-note").is_visible()
    offline_page.assert_clean()


@pytest.mark.browser
def test_in_no_internet_mode_nothing_leaves_the_server(offline_page: WatchedPage) -> None:
    page = offline_page.page
    page.goto(offline_page.base_url + "/?basemap=none&lang=en", wait_until="networkidle")
    page.wait_for_selector(".marker-cluster, .leaflet-marker-icon")
    assert page.locator(".leaflet-overlay-pane path").count() > 0
    assert page.locator(".leaflet-tile").count() == 0
    assert offline_page.blocked == []
    offline_page.assert_clean()
    assert (
        page.locator(".vetmap-basemap-switch a[aria-current]").inner_text() == "No basemap (boundaries only)"
    )


@pytest.mark.browser
def test_on_amap_a_click_converts_back_to_wgs84(
    offline_page: WatchedPage, station: tuple[int, float, float]
) -> None:
    page = offline_page.page
    offline_page.allow_outside(AMAP_TILES)
    station_id, lon, lat = station
    page.goto(offline_page.base_url + "/?basemap=amap", wait_until="networkidle")
    page.wait_for_selector(".marker-cluster, .leaflet-marker-icon")
    name = page.evaluate(f"() => {_MAP}")
    # the station's marker is drawn at its GCJ-02 position, and converts back to the stored WGS-84 point
    back = page.evaluate(
        """([name, id]) => {
            const map = window[name];
            let found = null;
            map.eachLayer((layer) => {
                if (found || !(layer instanceof L.MarkerClusterGroup)) { return; }
                const m = layer.getLayers().find((x) => x.vetmapId === id);
                if (m) { found = m.getLatLng(); }
            });
            return [found.lng, found.lat, VetMapCRS.toWgs84(map, found)];
        }""",
        [name, station_id],
    )
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert back[:2] == pytest.approx([g_lon, g_lat], abs=1e-6)
    assert back[2] == pytest.approx([lon, lat], abs=1e-6)

    # a real click on the map: its position converts back as geo/kit/crs.py does, and forward again onto itself
    page.evaluate(
        """(name) => { const map = window[name]; window.__clicked = null;
            map.on('click', (e) => { window.__clicked = [e.latlng.lng, e.latlng.lat, VetMapCRS.toWgs84(map, e.latlng)]; });
        }""",
        name,
    )
    box = page.locator(".leaflet-container").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.8)
    page.wait_for_function("() => window.__clicked !== null")
    c_lon, c_lat, (w_lon, w_lat) = page.evaluate("() => window.__clicked")
    expected = gcj02_to_wgs84(c_lon, c_lat)
    assert (w_lon, w_lat) == pytest.approx(expected, abs=1e-6)
    assert wgs84_to_gcj02(w_lon, w_lat) == pytest.approx((c_lon, c_lat), abs=1e-6)
    assert abs(w_lon - c_lon) > 1e-4  # the shift is undone, not ignored
    offline_page.assert_clean()


# -- the coverage and upkeep maps on a basemap, offline (the suite's own server: basemap none unless asked)

COUNTY = "450329"  # 资源县


def _offline_map_keeps_its_overlays(watched: WatchedPage, path: str, overlays: str) -> None:
    page = watched.page
    watched.allow_outside(OSM_TILES)  # tried, refused: the page must not need them
    watched.open(path)
    expect(
        page.locator(".folium-map.vetmap-basemap-offline")
    ).to_be_attached()  # the tiles failed, it says so
    expect(page.locator(".vetmap-basemap-note")).to_be_visible()
    drawn = page.locator(overlays)
    expect(drawn.first).to_be_visible()
    assert all(d and d != "M0 0" for d in drawn.evaluate_all("(ps) => ps.map((p) => p.getAttribute('d'))"))
    expect(page.locator(".vetmap-basemap-switch a[aria-current]")).to_have_text("OpenStreetMap")
    assert watched.blocked and all(u.startswith(OSM_TILES) for u in watched.blocked)
    watched.assert_clean()


@pytest.mark.browser
def test_with_no_internet_the_coverage_map_on_osm_still_shows_its_overlays(watched: WatchedPage) -> None:
    _offline_map_keeps_its_overlays(
        watched, f"/coverage?area={COUNTY}&lang=en&basemap=osm", "path.vetmap-unit, path.vetmap-station"
    )
    expect(watched.page.locator("path.vetmap-uncovered").first).to_be_visible()


@pytest.mark.browser
def test_with_no_internet_the_upkeep_map_on_osm_still_shows_its_sites(
    watched: WatchedPage, admin_api_token: str
) -> None:
    page = watched.page
    page.goto(watched.base_url + "/login?lang=en", wait_until="load")
    page.fill("#username", "test-admin")  # the suite's national admin (tests/auth_helpers.py)
    page.fill("#password", "test-admin-password")
    with page.expect_navigation():
        page.click("button[type=submit]")
    _offline_map_keeps_its_overlays(
        watched, f"/upkeep?area={COUNTY}&lang=en&basemap=osm", "path.vetmap-upkeep"
    )


@pytest.mark.browser
def test_on_amap_the_coverage_map_draws_a_station_at_its_gcj02_position(
    watched: WatchedPage, engine: Engine
) -> None:
    with engine.connect() as conn:
        name, lon, lat = conn.execute(
            text(
                "SELECT name, ST_X(geom), ST_Y(geom) FROM stations WHERE area_code LIKE :c AND level = 'township' "
                "AND status = 'active' ORDER BY id LIMIT 1"
            ),
            {"c": f"{COUNTY}%"},
        ).one()
    page = watched.page
    watched.allow_outside(AMAP_TILES)
    watched.open(f"/coverage?area={COUNTY}&basemap=amap")
    expect(page.locator("path.vetmap-station").first).to_be_visible()
    at = watched.centre_on_marker(name)
    back = page.evaluate(
        "([name, lng, lat]) => VetMapCRS.toWgs84(window[name], L.latLng(lat, lng))",
        [watched.map_name(), at["lng"], at["lat"]],
    )
    drawn = [at["lng"], at["lat"], back]
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert drawn[:2] == pytest.approx([g_lon, g_lat], abs=1e-6)  # drawn where AMap draws the place
    assert drawn[2] == pytest.approx([lon, lat], abs=1e-6)  # and a click there means the stored WGS-84 point
    assert all(u.startswith(AMAP_TILES) for u in watched.blocked)
    watched.assert_clean()


def test_shift_geojson_moves_every_vertex_of_every_geometry_as_a_lone_point_moves() -> None:
    from web.map_parts import DISPLAY_DECIMALS

    ring = [[110.0, 32.0], [110.1, 32.0], [110.1, 32.1], [110.0, 32.0]]
    hole = [[110.02, 32.02], [110.03, 32.02], [110.03, 32.03], [110.02, 32.02]]
    geometries = [
        {"type": "Polygon", "coordinates": [ring, hole]},
        {"type": "MultiPolygon", "coordinates": [[ring], [hole]]},
        {"type": "Point", "coordinates": [110.5, 32.5, 120.0]},  # a height is kept as it is
        {
            "type": "LineString",
            "coordinates": [(110.0, 32.0), (110.2, 32.2)],
        },  # tuples, as shapely gives them
        {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [111.0, 31.0]}]},
        None,
    ]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"i": i}, "geometry": g} for i, g in enumerate(geometries)
        ],
    }
    fast = json.loads(json.dumps(shift_geojson(fc, "gcj02", DISPLAY_DECIMALS)))

    def positions(obj: object) -> list[list[float]]:
        if isinstance(obj, list) and obj and isinstance(obj[0], int | float):
            return [obj]
        if isinstance(obj, list):
            return [p for x in obj for p in positions(x)]
        if isinstance(obj, dict):
            return [
                p
                for k in ("features", "geometry", "geometries", "coordinates")
                for p in positions(obj.get(k))
            ]
        return []

    assert [f["properties"] for f in fast["features"]] == [{"i": i} for i in range(len(geometries))]
    assert fast["features"][-1]["geometry"] is None
    original, got = positions(json.loads(json.dumps(fc))), positions(fast)
    assert len(got) == len(original) == 20
    for w, g in zip(original, got, strict=True):  # each vertex moved as wgs84_to_gcj02 moves one point
        lon, lat = wgs84_to_gcj02(w[0], w[1])
        assert g[:2] == pytest.approx([float(lon), float(lat)], abs=10**-DISPLAY_DECIMALS)
        assert g[:2] == [round(v, DISPLAY_DECIMALS) for v in g[:2]]
    assert fast["features"][2]["geometry"]["coordinates"][2] == 120.0
    assert fc["features"][0]["geometry"]["coordinates"][0] == ring  # the input is left alone
    assert shift_geojson(fc, "wgs84") == fc
    with pytest.raises(ValueError, match="display CRS"):
        shift_geojson(fc, "bd09")
