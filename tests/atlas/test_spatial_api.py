"""The spatial query API against the demo atlas, checked with expectations computed independently:
pyproj.Geod distances and areas, shapely containment, over every row read straight from the database."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, Polygon, box, mapping
from sqlalchemy import text

from geo.atlas.collections import COLLECTIONS
from geo.atlas.sites import SiteFilter
from geo.atlas.spatial import (
    MAX_NEAREST,
    MAX_RADIUS_M,
    circle,
    degree_reach,
    geodesic_envelopes,
    nearest_query_plan,
    within_query_plan,
)
from tests.factories import ZIYUAN_POINT, make_site_at, remove_site, square

GEOD = Geod(ellps="WGS84")
SITE_COLLECTIONS = tuple(COLLECTIONS)
ZIYUAN = ZIYUAN_POINT  # 资源县, Guangxi (~26°N)
MAOJIAN = (110.73, 32.43)  # 十堰市茅箭区, Hubei
# A spot inside 资源县 (桥田镇) for the sites the tests create
P = (110.6400000, 26.0400000)


# ------------------------------------------------------------------------------------------ helpers


def _rows(engine, collection: str) -> list[dict]:
    """Every site of a collection with its exact stored coordinates and filter columns."""
    spec = COLLECTIONS[collection]
    sql = (
        f"SELECT id, ST_X(geom) AS x, ST_Y(geom) AS y, area_code, {spec.kind_column} AS kind, "
        f"{spec.status_column} AS status FROM {collection}"
    )
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql))]


def _distances(rows: list[dict], lon: float, lat: float) -> np.ndarray:
    xs = np.array([r["x"] for r in rows])
    ys = np.array([r["y"] for r in rows])
    _, _, dist = GEOD.inv(np.full(len(rows), lon), np.full(len(rows), lat), xs, ys)
    return np.asarray(dist)


def _ranked(rows: list[dict], lon: float, lat: float) -> list[tuple[float, int]]:
    """(geodesic metres, id) of every row, nearest first, ties by id."""
    return sorted(zip(_distances(rows, lon, lat).tolist(), (r["id"] for r in rows), strict=True))


def _read_pages(client, method: str, url: str, params: dict, body: dict | None = None) -> tuple[int, list]:
    """Follow rel=next links to the end; numberMatched must hold still on every page."""
    response = client.request(method, url, params=params, json=body)
    assert response.status_code == 200, response.text
    page = response.json()
    matched, features = page["numberMatched"], list(page["features"])
    while nxt := next((link["href"] for link in page["links"] if link["rel"] == "next"), None):
        response = client.request(method, nxt, json=body)
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["numberMatched"] == matched
        features += page["features"]
    assert len(features) == matched
    return matched, features


def _geodesic_area(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def _square(lon: float, lat: float, half: float) -> Polygon:
    return box(lon - half, lat - half, lon + half, lat + half)


def _at(dlon: float, dlat: float) -> tuple[float, float]:
    """P shifted by (dlon, dlat) degrees, rounded to the 7 decimals the API writes, so a round trip is exact."""
    return round(P[0] + dlon, 7), round(P[1] + dlat, 7)


@pytest.fixture(scope="module")
def demo_rows(engine, demo_counts) -> dict[str, list[dict]]:
    """Every demo site, read before this module creates anything."""
    return {c: _rows(engine, c) for c in SITE_COLLECTIONS}


@pytest.fixture
def closed_stations(client) -> Iterator[dict]:
    """Stations (status closed, which the demo never uses) where degree order and geodesic order disagree.

    ``east`` lies 0.0095° east of P (≈ 950 m at 26°N); twelve decoys lie about 0.009° north of P, nearer
    in degrees (< 0.0092°) but farther on the ground (≥ 997 m)."""
    east = make_site_at(client, "stations", _at(0.0095, 0), name="东侧测试站", status="closed")
    decoys = [
        make_site_at(
            client,
            "stations",
            _at(0.00025 * (i - 6), 0.0090),
            name=f"北侧测试站{i}",
            status="closed",
        )
        for i in range(12)
    ]
    yield {"east": east, "decoys": decoys, "all": [east, *decoys]}
    for site in (east, *decoys):
        assert remove_site(client, "stations", site["id"]).status_code == 204


# ---------------------------------------------------------------------------------------- nearest

NEAREST_POINTS = [
    ZIYUAN,
    MAOJIAN,
    (107.26, 30.67),  # 达州市大竹县
    (108.32, 22.82),  # 南宁
    (116.40, 39.90),  # 北京: hundreds of km from any site
    (100.0, 70.0),  # far north: a degree of longitude is a third of one of latitude
    (0.0, 90.0),  # the north pole
    (-179.9, -45.0),  # beside the antimeridian, other hemisphere
]


@pytest.mark.parametrize("collection", SITE_COLLECTIONS)
@pytest.mark.parametrize("point", NEAREST_POINTS, ids=lambda p: f"{p[0]},{p[1]}")
def test_nearest_is_the_geodesic_top_k_over_all_rows(client, demo_rows, collection, point):
    k = 25
    response = client.get(f"/api/v1/{collection}/nearest", params={"lon": point[0], "lat": point[1], "k": k})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    expected = _ranked(demo_rows[collection], *point)[:k]
    assert body["numberReturned"] == len(body["features"]) == k
    assert [f["id"] for f in body["features"]] == [i for _, i in expected]
    got = [f["properties"]["distance_m"] for f in body["features"]]
    assert got == pytest.approx([d for d, _ in expected], abs=1e-3)
    assert got == sorted(got)


@pytest.mark.parametrize(
    ("collection", "params", "keep"),
    [
        ("memorials", {"kind": "hall"}, lambda r: r["kind"] == "hall"),
        ("stations", {"status": "planned"}, lambda r: r["status"] == "planned"),
        (
            "stations",
            {"kind": "township", "area": "420302"},
            lambda r: r["kind"] == "township" and r["area_code"].startswith("420302"),
        ),
        (
            "graves",
            {"kind": "scattered", "status": "poor"},
            lambda r: r["kind"] == "scattered" and r["status"] == "poor",
        ),
    ],
)
def test_nearest_applies_the_listing_filters(client, demo_rows, collection, params, keep):
    rows = [r for r in demo_rows[collection] if keep(r)]
    assert rows, "the demo should have rows matching this filter"
    response = client.get(
        f"/api/v1/{collection}/nearest", params={"lon": ZIYUAN[0], "lat": ZIYUAN[1], "k": 5, **params}
    )
    assert response.status_code == 200, response.text
    assert [f["id"] for f in response.json()["features"]] == [i for _, i in _ranked(rows, *ZIYUAN)[:5]]


def test_nearest_reranks_where_degree_order_misleads(client, closed_stations):
    east, decoys = closed_stations["east"], closed_stations["decoys"]
    rows = [
        {"id": s["id"], "x": s["geometry"]["coordinates"][0], "y": s["geometry"]["coordinates"][1]}
        for s in closed_stations["all"]
    ]
    by_degrees = min(rows, key=lambda r: math.hypot(r["x"] - P[0], r["y"] - P[1]))
    assert by_degrees["id"] != east["id"]  # a plain `<->` LIMIT 1 would answer a decoy
    params = {"lon": P[0], "lat": P[1], "status": "closed"}

    one = client.get("/api/v1/stations/nearest", params={**params, "k": 1}).json()["features"]
    assert [f["id"] for f in one] == [east["id"]]
    assert one[0]["properties"]["distance_m"] == pytest.approx(_ranked(rows, *P)[0][0], abs=1e-3)
    assert 940 < one[0]["properties"]["distance_m"] < 960

    four = client.get("/api/v1/stations/nearest", params={**params, "k": 4}).json()["features"]
    assert [f["id"] for f in four] == [i for _, i in _ranked(rows, *P)[:4]]
    assert len(decoys) == 12


def test_nearest_returns_what_there_is_when_fewer_than_k_match(client, demo_rows):
    planned = [r for r in demo_rows["stations"] if r["status"] == "planned"]
    body = client.get(
        "/api/v1/stations/nearest",
        params={"lon": ZIYUAN[0], "lat": ZIYUAN[1], "k": MAX_NEAREST, "status": "planned"},
    ).json()
    assert [f["id"] for f in body["features"]] == [i for _, i in _ranked(planned, *ZIYUAN)]
    none = client.get("/api/v1/stations/nearest", params={"lon": 0, "lat": 0, "status": "closed"})
    assert none.status_code == 200 and none.json()["features"] == []


@pytest.mark.parametrize("collection", SITE_COLLECTIONS)
def test_nearest_candidates_come_from_the_gist_index(engine, demo_counts, collection):
    with engine.connect() as conn:
        plan = nearest_query_plan(conn, COLLECTIONS[collection], Point(ZIYUAN), 10)
    assert f"Index Scan using idx_{collection}_geom" in plan
    assert "Order By: (geom <->" in plan
    assert "Seq Scan" not in plan


@pytest.mark.parametrize("collection", SITE_COLLECTIONS)
def test_radius_query_is_prefiltered_by_the_gist_index(engine, demo_counts, collection):
    with engine.connect() as conn:
        plan = within_query_plan(conn, COLLECTIONS[collection], circle(*ZIYUAN, 20_000), SiteFilter())
    assert f"idx_{collection}_geom" in plan and "st_dwithin" in plan.lower()
    assert "Seq Scan" not in plan


# --------------------------------------------------------------------- degree-space bounds (pure)

ENVELOPE_CENTRES = [(110.64, 26.04), (0.0, 0.0), (179.9, 10.0), (-179.95, -30.0), (45.0, 89.5), (30.0, -80.0)]


@pytest.mark.parametrize("centre", ENVELOPE_CENTRES, ids=str)
@pytest.mark.parametrize("radius_m", [1.0, 950.0, 120_000.0, MAX_RADIUS_M, 3_000_000.0])
def test_geodesic_envelopes_and_degree_reach_cover_the_whole_disc(centre, radius_m):
    azimuths = np.arange(0.0, 360.0, 1.0)
    lons, lats, _ = GEOD.fwd(
        np.full(azimuths.size, centre[0]),
        np.full(azimuths.size, centre[1]),
        azimuths,
        np.full(azimuths.size, radius_m),
    )
    boxes = geodesic_envelopes(Point(centre), radius_m)
    reach = degree_reach(Point(centre), radius_m)
    for lon, lat in zip(lons, lats, strict=True):
        assert any(b[0] <= lon <= b[2] and b[1] <= lat <= b[3] for b in boxes), (lon, lat)
        assert math.hypot(lon - centre[0], lat - centre[1]) <= reach
    if abs(centre[0]) < 170 and abs(centre[1]) < 80 and radius_m <= MAX_RADIUS_M:
        assert len(boxes) == 1 and math.isfinite(reach)
        # conservative, but not wastefully so: the box is at most 10 % wider than the disc
        east, _, _ = GEOD.fwd(centre[0], centre[1], 90, radius_m)
        assert boxes[0][2] - centre[0] < 1.1 * (east - centre[0]) + 1e-6


# ------------------------------------------------------------------------------------- within radius


@pytest.mark.parametrize(
    ("collection", "point", "radius_m"),
    [
        ("stations", ZIYUAN, 20_000),
        ("graves", ZIYUAN, 80_000),
        ("memorials", MAOJIAN, 300_000),
        ("cemeteries", (108.32, 22.82), MAX_RADIUS_M),
        ("stations", (45.0, 89.9), MAX_RADIUS_M),  # around the pole: nothing
        ("stations", (-179.99, 0.0), 250_000),  # across the antimeridian: nothing
    ],
)
def test_radius_query_matches_geodesic_distance_over_all_rows(client, demo_rows, collection, point, radius_m):
    ranked = _ranked(demo_rows[collection], *point)
    assert not any(abs(d - radius_m) < 1e-3 for d, _ in ranked), "no row on the edge, to keep this exact"
    expected = [(d, i) for d, i in ranked if d <= radius_m]
    matched, features = _read_pages(
        client,
        "GET",
        f"/api/v1/{collection}/within",
        {"lon": point[0], "lat": point[1], "radius_m": radius_m, "limit": 400},
    )
    assert matched == len(expected)
    assert [f["id"] for f in features] == [i for _, i in expected]
    assert [f["properties"]["distance_m"] for f in features] == pytest.approx(
        [d for d, _ in expected], abs=1e-3
    )


def test_radius_edge_is_geodesic_and_inclusive_to_the_centimetre(client, closed_stations):
    east = closed_stations["east"]
    _, _, d = GEOD.inv(P[0], P[1], *east["geometry"]["coordinates"])
    params = {"lon": P[0], "lat": P[1], "status": "closed"}
    inside = client.get("/api/v1/stations/within", params={**params, "radius_m": d + 0.01}).json()
    outside = client.get("/api/v1/stations/within", params={**params, "radius_m": d - 0.01}).json()
    assert [f["id"] for f in inside["features"]] == [east["id"]]
    assert inside["features"][0]["properties"]["distance_m"] == pytest.approx(d, abs=1e-3)
    assert outside["numberMatched"] == 0 and outside["features"] == []


def test_radius_pages_walk_every_match_in_distance_order(client, demo_rows):
    params = {"lon": ZIYUAN[0], "lat": ZIYUAN[1], "radius_m": 60_000, "limit": 7}
    first = client.get("/api/v1/stations/within", params=params).json()
    assert first["numberReturned"] == 7 and first["numberMatched"] > 14
    rels = {link["rel"]: link for link in first["links"]}
    assert set(rels) == {"self", "next"} and rels["next"]["type"] == "application/geo+json"
    second = client.get(rels["next"]["href"]).json()
    assert {link["rel"] for link in second["links"]} == {"self", "next", "prev"}
    matched, features = _read_pages(client, "GET", "/api/v1/stations/within", params)
    expected = [i for d, i in _ranked(demo_rows["stations"], *ZIYUAN) if d <= 60_000]
    assert [f["id"] for f in features] == expected
    assert [f["id"] for f in first["features"] + second["features"]] == expected[:14]


# --------------------------------------------------------------------------------------- within bbox


@pytest.mark.parametrize(
    ("collection", "bbox"),
    [
        ("stations", (110.3, 25.8, 110.9, 26.3)),
        ("graves", (110.5, 32.2, 111.0, 32.7)),
        ("memorials", (104.0, 20.0, 112.0, 27.0)),
        ("cemeteries", (-180.0, -90.0, 180.0, 90.0)),
        ("stations", (120.0, 10.0, 121.0, 11.0)),  # open sea
    ],
)
def test_bbox_query_matches_shapely_over_all_rows(client, demo_rows, collection, bbox):
    area = box(*bbox)
    expected = sorted(r["id"] for r in demo_rows[collection] if area.covers(Point(r["x"], r["y"])))
    matched, features = _read_pages(
        client, "GET", f"/api/v1/{collection}/within", {"bbox": ",".join(map(str, bbox)), "limit": 500}
    )
    assert matched == len(expected)
    assert [f["id"] for f in features] == expected
    if bbox == (-180.0, -90.0, 180.0, 90.0):
        assert matched == len(demo_rows[collection])


def test_bbox_edges_are_included(client, closed_stations):
    east = closed_stations["east"]
    lon, lat = east["geometry"]["coordinates"]
    for bbox in (f"{lon},{lat},{lon},{lat}", f"{lon - 0.01},{lat - 0.01},{lon},{lat}"):
        body = client.get("/api/v1/stations/within", params={"bbox": bbox, "status": "closed"}).json()
        assert [f["id"] for f in body["features"]] == [east["id"]], bbox


# ------------------------------------------------------------------------------------ within polygon

TRIANGLE = Polygon([(110.3, 25.8), (110.9, 25.9), (110.5, 26.3), (110.3, 25.8)])
HOLED = Polygon(
    [(110.3, 25.8), (110.9, 25.8), (110.9, 26.3), (110.3, 26.3), (110.3, 25.8)],
    [[(110.5, 25.9), (110.7, 25.9), (110.7, 26.1), (110.5, 26.1), (110.5, 25.9)]],
)
TWO_COUNTIES = MultiPolygon([_square(*ZIYUAN, 0.2), _square(*MAOJIAN, 0.15)])


@pytest.mark.parametrize("collection", ["stations", "graves"])
@pytest.mark.parametrize(
    ("polygon", "as_feature"),
    [(TRIANGLE, False), (HOLED, False), (TWO_COUNTIES, False), (TWO_COUNTIES, True)],
    ids=["triangle", "with-hole", "multipolygon", "feature"],
)
def test_polygon_query_matches_shapely_over_all_rows(client, demo_rows, collection, polygon, as_feature):
    expected = sorted(r["id"] for r in demo_rows[collection] if polygon.intersects(Point(r["x"], r["y"])))
    assert expected, "the polygon should hold some sites"
    geometry = mapping(polygon)
    body = {"type": "Feature", "properties": {}, "geometry": geometry} if as_feature else geometry
    matched, features = _read_pages(client, "POST", f"/api/v1/{collection}/within", {"limit": 50}, body)
    assert [f["id"] for f in features] == expected


def test_polygon_query_combines_with_filters(client, demo_rows):
    keep = [r for r in demo_rows["graves"] if r["kind"] == "in_cemetery"]
    expected = sorted(r["id"] for r in keep if TWO_COUNTIES.intersects(Point(r["x"], r["y"])))
    matched, features = _read_pages(
        client, "POST", "/api/v1/graves/within", {"kind": "in_cemetery", "limit": 1000}, mapping(TWO_COUNTIES)
    )
    assert [f["id"] for f in features] == expected


# --------------------------------------------------------------------------------------- within area


@pytest.mark.parametrize(
    ("area", "prefix"),
    [
        ("450329", "450329"),
        ("450300", "4503"),
        ("450000", "45"),
        ("450329004", "450329004"),
        ("420302001001", "420302001001"),
    ],
)
def test_area_query_includes_every_descendant(client, demo_rows, area, prefix):
    expected = sorted(r["id"] for r in demo_rows["stations"] if r["area_code"].startswith(prefix))
    assert expected
    matched, features = _read_pages(client, "GET", "/api/v1/stations/within", {"area": area, "limit": 1000})
    assert [f["id"] for f in features] == expected
    listed = client.get("/api/v1/stations", params={"area": area, "limit": 1}).json()
    assert listed["numberMatched"] == matched


def test_area_narrows_a_bbox(client, demo_rows):
    bbox = (110.0, 25.5, 111.5, 26.5)  # 资源县 and its neighbours
    expected = sorted(
        r["id"]
        for r in demo_rows["stations"]
        if r["area_code"].startswith("450329") and box(*bbox).covers(Point(r["x"], r["y"]))
    )
    all_in_box = client.get("/api/v1/stations/within", params={"bbox": ",".join(map(str, bbox))}).json()
    body = client.get(
        "/api/v1/stations/within", params={"bbox": ",".join(map(str, bbox)), "area": "450329", "limit": 1000}
    ).json()
    assert [f["id"] for f in body["features"]] == expected
    assert all_in_box["numberMatched"] > len(expected)


# ------------------------------------------------------------------------------- areas containing


def test_areas_containing_a_point_run_from_province_to_village(client):
    response = client.get("/api/v1/areas/containing", params={"lon": ZIYUAN[0], "lat": ZIYUAN[1]})
    assert response.status_code == 200, response.text
    areas = response.json()["areas"]
    assert [(a["code"], a["level"]) for a in areas] == [
        ("450000", "province"),
        ("450300", "city"),
        ("450329", "county"),
        ("450329004", "township"),
        ("450329004202", "village"),
    ]
    assert [a["name"] for a in areas[:3]] == ["广西壮族自治区", "桂林市", "资源县"]


@pytest.mark.parametrize("point", [MAOJIAN, (107.26, 30.67), (108.32, 22.82), (120.0, 10.0)], ids=str)
def test_areas_containing_match_shapely_over_all_areas(client, engine, demo_counts, point):
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT code, level, ST_AsBinary(geom) AS wkb FROM areas WHERE geom IS NOT NULL")
        ).all()
    order = ["province", "city", "county", "township", "village"]
    expected = sorted(
        ((order.index(r.level), r.code) for r in rows if shapely.from_wkb(bytes(r.wkb)).covers(Point(point))),
    )
    body = client.get("/api/v1/areas/containing", params={"lon": point[0], "lat": point[1]}).json()
    assert [a["code"] for a in body["areas"]] == [code for _, code in expected]
    if point == (120.0, 10.0):
        assert body["areas"] == []
    else:
        assert [a["level"] for a in body["areas"]] == order


# ------------------------------------------------------------------------------ protection zones


def _zones(engine) -> list[tuple[str, int, str, shapely.Geometry]]:
    out = []
    with engine.connect() as conn:
        for table in ("memorials", "cemeteries"):
            for zone in ("protection_zone", "control_zone"):
                for site_id, wkb in conn.execute(
                    text(f"SELECT id, ST_AsBinary({zone}) FROM {table} WHERE {zone} IS NOT NULL")
                ):
                    out.append((table, site_id, zone, shapely.from_wkb(bytes(wkb))))
    return out


def _expected_hits(engine, polygon) -> dict[tuple[str, int, str], float]:
    return {
        (table, site_id, zone): _geodesic_area(geom.intersection(polygon))
        for table, site_id, zone, geom in _zones(engine)
        if geom.intersects(polygon)
    }


def _check(client, polygon) -> dict:
    response = client.post("/api/v1/protection-zones/check", json=mapping(polygon))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def zoned_memorial(client) -> Iterator[dict]:
    """A memorial at P with a 0.001° square protection zone and a 0.003° square control zone."""
    memorial = make_site_at(
        client,
        "memorials",
        P,
        name="测试保护范围纪念碑",
        protection_zone=square(*P, 0.0005),
        control_zone=square(*P, 0.0015),
    )
    yield memorial
    assert remove_site(client, "memorials", memorial["id"]).status_code == 204


def test_protection_check_reports_both_zones_of_a_memorial_with_their_overlap(client, engine, zoned_memorial):
    # a 40 m wide strip from the memorial eastwards, across half its protection zone and into the control zone
    strip = box(P[0], P[1] - 0.0002, P[0] + 0.003, P[1] + 0.0002)
    body = _check(client, strip)
    ours = {
        h["zone"]: h
        for h in body["hits"]
        if h["collection"] == "memorials" and h["id"] == zoned_memorial["id"]
    }
    assert set(ours) == {"protection_zone", "control_zone"}
    expect_protection = _geodesic_area(box(P[0], P[1] - 0.0002, P[0] + 0.0005, P[1] + 0.0002))
    expect_control = _geodesic_area(box(P[0], P[1] - 0.0002, P[0] + 0.0015, P[1] + 0.0002))
    assert ours["protection_zone"]["overlap_m2"] == pytest.approx(expect_protection, rel=0.01)
    assert ours["control_zone"]["overlap_m2"] == pytest.approx(expect_control, rel=0.01)
    assert 2_000 < ours["protection_zone"]["overlap_m2"] < 2_500  # ≈ 50 m × 44 m
    hit = ours["protection_zone"]
    assert (hit["name"], hit["kind"], hit["protection_level"]) == ("测试保护范围纪念碑", "monument", "county")
    assert hit["zone_m2"] == pytest.approx(zoned_memorial["properties"]["protection_zone_m2"], rel=1e-9)
    assert body["polygon_m2"] == pytest.approx(_geodesic_area(strip), rel=1e-6)
    overlaps = [h["overlap_m2"] for h in body["hits"]]
    assert overlaps == sorted(overlaps, reverse=True) and body["numberHit"] == len(body["hits"])
    expected = _expected_hits(engine, strip)
    assert {(h["collection"], h["id"], h["zone"]): h["overlap_m2"] for h in body["hits"]} == pytest.approx(
        expected, rel=1e-4, abs=1e-3
    )


def test_protection_check_matches_independent_overlaps_across_demo_zones(client, engine, demo_counts):
    polygon = Polygon([(110.2, 25.7), (111.0, 25.8), (110.9, 26.4), (110.4, 26.3), (110.2, 25.7)])
    expected = _expected_hits(engine, polygon)
    assert len({(c, i) for c, i, _ in expected}) >= 2, "the polygon should cover several demo sites"
    body = _check(client, polygon)
    got = {(h["collection"], h["id"], h["zone"]): h["overlap_m2"] for h in body["hits"]}
    assert got == pytest.approx(expected, rel=1e-4, abs=1e-3)


def test_protection_check_is_an_empty_list_when_nothing_is_hit(client, demo_counts):
    body = _check(client, _square(120.0, 10.0, 0.01))  # open sea
    assert body["hits"] == [] and body["numberHit"] == 0
    assert body["polygon_m2"] == pytest.approx(_geodesic_area(_square(120.0, 10.0, 0.01)), rel=1e-6)


def test_protection_check_accepts_a_feature(client, zoned_memorial):
    feature = {
        "type": "Feature",
        "properties": {"name": "拟建项目"},
        "geometry": mapping(_square(*P, 0.0001)),
    }
    response = client.post("/api/v1/protection-zones/check", json=feature)
    assert response.status_code == 200, response.text
    assert {h["zone"] for h in response.json()["hits"] if h["id"] == zoned_memorial["id"]} == {
        "protection_zone",
        "control_zone",
    }


# ------------------------------------------------------------------------------------- bad input


def _bad(response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    for word in words:
        assert word in detail, (word, detail)


@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("/api/v1/stations/nearest", {}, 422, ("lon", "lat")),
        ("/api/v1/stations/nearest", {"lon": "east", "lat": 26}, 422, ("lon",)),
        ("/api/v1/stations/nearest", {"lon": 181, "lat": 26}, 422, ("lon", "180")),
        ("/api/v1/stations/nearest", {"lon": 110, "lat": -90.5}, 422, ("lat", "-90")),
        ("/api/v1/stations/nearest", {"lon": "nan", "lat": 26}, 422, ("lon",)),
        ("/api/v1/stations/nearest", {"lon": 110, "lat": "inf"}, 422, ("lat",)),
        ("/api/v1/stations/nearest", {"lon": 110, "lat": 26, "k": 0}, 422, ("k",)),
        ("/api/v1/stations/nearest", {"lon": 110, "lat": 26, "k": -3}, 422, ("k",)),
        (
            "/api/v1/stations/nearest",
            {"lon": 110, "lat": 26, "k": MAX_NEAREST + 1},
            422,
            ("k", str(MAX_NEAREST)),
        ),
        ("/api/v1/stations/nearest", {"lon": 110, "lat": 26, "k": "ten"}, 422, ("k",)),
        ("/api/v1/stations/nearest", {"lon": 110, "lat": 26, "kind": "hamlet"}, 422, ("hamlet", "village")),
        ("/api/v1/memorials/nearest", {"lon": 110, "lat": 26, "status": "shiny"}, 422, ("upkeep_status",)),
        ("/api/v1/stations/nearest", {"lon": 110, "lat": 26, "area": "4503"}, 422, ("area",)),
        ("/api/v1/stations/nearest", {"lon": 110, "lat": 26, "area": "999999"}, 422, ("999999",)),
        ("/api/v1/parks/nearest", {"lon": 110, "lat": 26}, 404, ("parks", "stations")),
        ("/api/v1/areas/nearest", {"lon": 110, "lat": 26}, 404, ("areas",)),
        ("/api/v1/stations/within", {}, 422, ("radius_m", "bbox", "area")),
        ("/api/v1/stations/within", {"lon": 110, "lat": 26}, 422, ("radius_m",)),
        ("/api/v1/stations/within", {"radius_m": 100}, 422, ("lon", "lat")),
        ("/api/v1/stations/within", {"lon": 110, "lat": 26, "radius_m": 0}, 422, ("radius_m",)),
        ("/api/v1/stations/within", {"lon": 110, "lat": 26, "radius_m": -5}, 422, ("radius_m",)),
        (
            "/api/v1/stations/within",
            {"lon": 110, "lat": 26, "radius_m": MAX_RADIUS_M + 1},
            422,
            ("radius_m",),
        ),
        ("/api/v1/stations/within", {"lon": 110, "lat": 26, "radius_m": "far"}, 422, ("radius_m",)),
        ("/api/v1/stations/within", {"lon": 200, "lat": 26, "radius_m": 10}, 422, ("lon",)),
        ("/api/v1/stations/within", {"bbox": "111,25,110,26"}, 422, ("inverted", "minx")),
        ("/api/v1/stations/within", {"bbox": "110,26,111,25"}, 422, ("inverted", "miny")),
        ("/api/v1/stations/within", {"bbox": "110,25,111"}, 422, ("4", "3 values")),
        ("/api/v1/stations/within", {"bbox": "110,25,111,26,5"}, 422, ("4", "5 values")),
        ("/api/v1/stations/within", {"bbox": "a,b,c,d"}, 422, ("numbers",)),
        ("/api/v1/stations/within", {"bbox": ""}, 422, ("4",)),
        ("/api/v1/stations/within", {"bbox": "-181,0,0,1"}, 422, ("minx", "-180")),
        ("/api/v1/stations/within", {"bbox": "0,-91,1,1"}, 422, ("miny",)),
        ("/api/v1/stations/within", {"bbox": "0,0,nan,1"}, 422, ("maxx",)),
        (
            "/api/v1/stations/within",
            {"bbox": "110,25,111,26", "lon": 110, "lat": 25, "radius_m": 9},
            422,
            ("either",),
        ),
        ("/api/v1/stations/within", {"area": "12345"}, 422, ("area",)),
        ("/api/v1/stations/within", {"area": "999999"}, 422, ("unknown area",)),
        ("/api/v1/stations/within", {"area": "450329", "limit": 1001}, 422, ("limit", "1000")),
        ("/api/v1/stations/within", {"area": "450329", "limit": 0}, 422, ("limit",)),
        ("/api/v1/stations/within", {"area": "450329", "offset": -1}, 422, ("offset",)),
        ("/api/v1/graves/within", {"area": "450329", "kind": "mausoleum"}, 422, ("mausoleum",)),
        ("/api/v1/tombs/within", {"area": "450329"}, 404, ("tombs",)),
        ("/api/v1/areas/containing", {"lon": 110}, 422, ("lat",)),
        ("/api/v1/areas/containing", {"lon": 110, "lat": 95}, 422, ("lat",)),
        ("/api/v1/areas/containing", {"lon": "x", "lat": 26}, 422, ("lon",)),
    ],
)
def test_bad_queries_get_a_4xx_with_a_reason(client, demo_counts, path, params, status, words):
    _bad(client.get(path, params=params), status, *words)


RING = [[110.6, 26.0], [110.7, 26.0], [110.7, 26.1], [110.6, 26.1]]
BAD_BODIES = [
    ({"type": "Polygon", "coordinates": [RING]}, ("does not close",)),
    (
        {
            "type": "Polygon",
            "coordinates": [[[110.6, 26.0], [110.7, 26.1], [110.7, 26.0], [110.6, 26.1], [110.6, 26.0]]],
        },
        ("invalid polygon", "Self-intersection"),
    ),
    ({"type": "Polygon", "coordinates": [[[110.6, 26.0], [110.7, 26.0], [110.6, 26.0]]]}, ("at least 4",)),
    ({"type": "Polygon", "coordinates": []}, ("non-empty",)),
    (
        {"type": "Polygon", "coordinates": [[[110.6, 26.0], [190, 26.0], [110.7, 26.1], [110.6, 26.0]]]},
        ("longitude",),
    ),
    ({"type": "Point", "coordinates": [110.6, 26.0]}, ("Polygon", "Point")),
    ({"type": "LineString", "coordinates": [[110.6, 26.0], [110.7, 26.0]]}, ("Polygon", "LineString")),
    ({"type": "Feature", "properties": {}, "geometry": None}, ("no geometry",)),
    ({"type": "FeatureCollection", "features": []}, ("FeatureCollection",)),
    ({"coordinates": [RING]}, ("type",)),
    ([1, 2, 3], ("应为对象",)),  # the validator's refusal, in the default language
]


@pytest.mark.parametrize("url", ["/api/v1/stations/within", "/api/v1/protection-zones/check"])
@pytest.mark.parametrize(("body", "words"), BAD_BODIES, ids=range(len(BAD_BODIES)))
def test_bad_polygons_get_a_4xx_with_a_reason(client, demo_counts, url, body, words):
    _bad(client.post(url, json=body), 422, *words)


@pytest.mark.parametrize("url", ["/api/v1/graves/within", "/api/v1/protection-zones/check"])
def test_a_body_that_is_not_json_gets_a_reason(client, demo_counts, url):
    response = client.post(url, content=b"{not json", headers={"content-type": "application/json"})
    _bad(response, 422, "不是有效的 JSON")
    _bad(client.post(url), 422, "必须填写")


def test_polygon_query_on_an_unknown_collection_is_404(client, demo_counts):
    _bad(client.post("/api/v1/martyrs/within", json=mapping(TRIANGLE)), 404, "martyrs")


# --------------------------------------------------------------------------- routing and contract


def test_crud_routes_still_resolve_beside_the_spatial_ones(client, closed_stations):
    east = closed_stations["east"]
    read = client.get(f"/api/v1/stations/{east['id']}")
    assert read.status_code == 200 and read.json()["id"] == east["id"]
    assert client.get("/api/v1/stations/123456789").status_code == 404
    assert client.get("/api/v1/stations", params={"limit": 1}).json()["numberReturned"] == 1
    assert client.get("/api/v1/areas/450329").json()["id"] == "450329"


def test_openapi_documents_the_spatial_endpoints_and_their_limits(client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    assert {"get"} <= set(paths["/api/v1/{collection}/nearest"])
    assert {"get", "post"} <= set(paths["/api/v1/{collection}/within"])
    assert "get" in paths["/api/v1/areas/containing"]
    assert "post" in paths["/api/v1/protection-zones/check"]

    def param(path: str, name: str) -> dict:
        return next(p for p in paths[path]["get"]["parameters"] if p["name"] == name)

    k = param("/api/v1/{collection}/nearest", "k")["schema"]
    assert (k["minimum"], k["maximum"], k["default"]) == (1, MAX_NEAREST, 10)
    collection = param("/api/v1/{collection}/nearest", "collection")["schema"]
    assert collection["enum"] == list(SITE_COLLECTIONS)
    radius = param("/api/v1/{collection}/within", "radius_m")["schema"]
    radius = next(s for s in radius.get("anyOf", [radius]) if s.get("type") == "number")
    assert radius["exclusiveMinimum"] == 0 and radius["maximum"] == MAX_RADIUS_M
    assert param("/api/v1/{collection}/nearest", "lon")["required"] is True
