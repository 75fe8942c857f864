"""Travel-time coverage against the hand-computed road network of tests/coverage/travel_fixture.py, bad road files,
coordinate systems, OSM input, the graph cache, and the generated demo network."""

from __future__ import annotations

import math
import zipfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon
from sqlalchemy import Engine, text

from geo.coverage.nearest import NO_SITE
from geo.coverage.roads import (
    RoadGraph,
    get_network,
    graph_matrix,
    import_road_file,
    load_graph,
    parse_speed_kmh,
    read_road_file,
)
from geo.coverage.roads_demo import DEMO_NETWORK, load_demo_roads
from geo.coverage.runs import refresh_coverage
from geo.coverage.travel_time import (
    TravelTimer,
    reached_points,
    run_travel,
    service_area_features,
    service_polygon,
    travel_params,
    travel_time_rows,
)
from geo.database.engine import make_engine
from geo.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from geo.kit.crs import gcj02_to_wgs84, wgs84_to_gcj02
from tests.coverage.travel_fixture import (
    AB,
    BC,
    BF,
    CD,
    DEG,
    EXPECTED_TOWNSHIPS,
    EXPECTED_VILLAGES,
    GEOD,
    ROADS,
    TRACK,
    load_atlas,
    write_roads,
)
from tests.factories import scratch_database
from tests.hostile_files import MIB, zero_zip


@pytest.fixture(scope="module")
def travel_engine(test_db_url) -> Iterator[Engine]:
    """A database of its own for the hand-computed network."""
    with scratch_database(test_db_url, "travel") as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture(scope="module")
def roads_file(tmp_path_factory) -> Path:
    return write_roads(tmp_path_factory.mktemp("roads") / "roads.gpkg")


@pytest.fixture(scope="module")
def travel_run(travel_engine, roads_file, tmp_path_factory):
    """The fixture atlas, its road network imported, and one travel run with 6- and 12-minute service areas."""
    ids = load_atlas(travel_engine)
    with travel_engine.begin() as conn:
        network = import_road_file(conn, roads_file, name="fixture roads", replace=True)
    cache = tmp_path_factory.mktemp("cache")
    run = run_travel(travel_engine, travel_params(network.id, limits_min=[6, 12]), cache)
    return ids, network, run, cache


def _rows(engine: Engine, table: str, groups: tuple[str, ...]) -> dict[str, tuple]:
    cols = ", ".join(f"{g}_time_station_id, {g}_station_s" for g in groups)
    with engine.connect() as conn:
        return {r[0]: tuple(r[1:]) for r in conn.execute(text(f"SELECT area_code, {cols} FROM {table}"))}


def _expected(expect, ids) -> tuple:
    out = []
    for name, seconds in expect:
        out += [ids[name], pytest.approx(seconds, abs=1e-6)]
    return tuple(out)


# ------------------------------------------------------------------------------------------ import


def test_lines_are_split_at_shared_vertices_with_geodesic_lengths_speeds_and_directions(
    travel_run, travel_engine
):
    _, network, _, _ = travel_run
    assert (network.nodes, network.edges) == (6, 6)  # A B C D E F; the track's bend is no node
    with travel_engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT highway, speed_kmh, oneway, length_m, travel_s, ST_AsText(geom) AS wkt FROM road_edges "
                "WHERE network_id = :n ORDER BY highway, length_m"
            ),
            {"n": network.id},
        ).all()
    by_class = {}
    for r in rows:
        by_class.setdefault(r.highway, []).append(r)
    assert [r.length_m for r in by_class["primary"]] == [pytest.approx(0.01 * DEG, abs=1e-6)] * 2
    assert [r.travel_s for r in by_class["primary"]] == [pytest.approx(AB, abs=1e-9)] * 2
    assert by_class["residential"][0].speed_kmh == 25  # no speed given: the class's default
    assert by_class["residential"][0].travel_s == pytest.approx(BF, abs=1e-6)
    assert by_class["secondary"][0].speed_kmh == 36 and not by_class["secondary"][0].oneway
    assert by_class["tertiary"][0].oneway and by_class["tertiary"][0].wkt == "LINESTRING(100.05 0,100.08 0)"
    assert by_class["track"][0].travel_s == pytest.approx(TRACK, abs=1e-6)
    assert network.length_m == pytest.approx(sum(r.length_m for r in rows))


def test_villages_get_hand_computed_travel_times_and_stations_per_level(travel_run, travel_engine):
    ids, _, run, _ = travel_run
    assert run.status == "done", run.error
    rows = _rows(travel_engine, "coverage_villages", ("village", "township", "any"))
    assert set(rows) == set(EXPECTED_VILLAGES)
    for code, expect in EXPECTED_VILLAGES.items():
        assert rows[code] == _expected(expect, ids), code


def test_townships_get_hand_computed_travel_times(travel_run, travel_engine):
    ids, _, _, _ = travel_run
    rows = _rows(travel_engine, "coverage_townships", ("township", "any"))
    for code, expect in EXPECTED_TOWNSHIPS.items():
        assert rows[code] == _expected(expect, ids), code


def test_oneway_road_is_not_driven_against_its_direction(travel_run, travel_engine):
    # from E the township station at D is 334 s away along the oneway road, but only the track may be used
    rows = _rows(travel_engine, "coverage_villages", ("township",))
    assert rows["900101002201"][1] == pytest.approx(TRACK) and TRACK > 2 * CD


def test_access_distance_and_legacy_travel_time_column(travel_run, travel_engine):
    with travel_engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT access_m, travel_time_s, any_station_s FROM coverage_villages WHERE area_code = '900101002202'"
            )
        ).one()
    assert row.access_m == pytest.approx(GEOD.inv(100.01, 0.012, 100.01, 0.01)[2], abs=1e-6)
    assert row.travel_time_s == row.any_station_s


def test_travel_time_rows_as_geojson_with_filter(travel_run, travel_engine):
    ids, _, run, _ = travel_run
    with travel_engine.begin() as conn:
        page = travel_time_rows(conn, "village", "900101", 100, 0)
        quick = travel_time_rows(conn, "village", "900101", 100, 0, within_s=AB + BC + 1)
    assert page.number_matched == 4 and page.missing == 0 and page.last_run.id == run.id
    v2 = next(f for f in page.features if f["id"] == "900101001202")
    assert v2["properties"]["travel_time_s"] == pytest.approx(AB + BC)
    assert v2["properties"]["station_by_time"] == ids["sv1"]
    assert v2["properties"]["township_station_by_time"] == ids["st"]
    assert {f["id"] for f in quick.features} == {"900101001201", "900101001202", "900101002201"}


def test_service_area_holds_what_is_reached_within_the_limit(travel_run, travel_engine):
    ids, network, _, _ = travel_run
    with travel_engine.connect() as conn:
        features = service_area_features(conn, "900101", 6, network.id)
    area = next(f for f in features if f["properties"]["station_id"] == ids["st"])
    shape = shapely.geometry.shape(area["geometry"])
    # 6 min = 360 s to D: C (334 s) is in; on B-C the time runs out at 100.02 - 0.01·(360-CD)/BC
    cut = 100.02 - 0.01 * (360 - CD) / BC
    assert shape.contains(Point(100.02, 0)) and shape.contains(Point(cut + 0.0005, 0))
    assert not shape.contains(Point(cut - 0.002, 0))  # 220 m past the cut, beyond the 100 m margin
    assert not shape.contains(Point(100.06, 0))  # on the oneway road, which cannot be driven back to D
    expected_m2 = abs(GEOD.geometry_area_perimeter(shape)[0])
    assert area["properties"]["area_m2"] == pytest.approx(expected_m2, rel=1e-3)
    with travel_engine.connect() as conn:
        both = service_area_features(conn, "900101", None, network.id, "township")
    assert sorted(f["properties"]["minutes"] for f in both) == [6, 12]
    assert shapely.geometry.shape(both[0]["geometry"]).area > shape.area  # 12 min reaches farther


def test_reached_points_cut_edges_where_time_runs_out():
    edges = {
        "source": np.array([0]),
        "target": np.array([1]),
        "travel_s": np.array([100.0]),
        "oneway": np.array([False]),
        "geoms": np.array([LineString([(0, 0), (1, 0)])], dtype=object),
    }
    node_s = np.array([np.inf, 20.0])  # the station is 20 s beyond node 1
    pts = reached_points(edges, node_s, 50.0)  # 30 s of the 100 s edge: from x = 0.7 to 1
    assert sorted(pts[:, 0].round(9)) == [0.7, 0.85, 1.0]
    assert len(reached_points(edges, np.array([10.0, 20.0]), 200.0)) == 2  # whole edge: its two vertices
    polygon = service_polygon(0.5, 0.0, pts, trim_m=50)
    assert polygon.geom_type == "MultiPolygon" and polygon.contains(Point(0.85, 0))


def test_graph_cache_is_reused_and_rebuilt_when_the_network_changes(
    travel_run, travel_engine, roads_file, tmp_path
):
    _, network, _, cache = travel_run
    files = list((cache / "roads").glob(f"network-{network.id}-*.npz"))
    assert [f.name for f in files] == [f"network-{network.id}-{network.content_hash[:16]}.npz"]
    with travel_engine.connect() as conn:
        graph = load_graph(conn, network.id, cache)
    # every edge both ways but the oneway; D -> E is both the oneway road and the track: the faster is kept
    assert graph.nodes == 6 and graph.matrix.nnz == 2 * 6 - 1 - 1
    d, e = 4, 5
    assert graph.matrix[d, e] == pytest.approx(CD) and graph.matrix[e, d] == pytest.approx(TRACK)
    slower = [(g, h, "30" if h == "primary" else s, o) for g, h, s, o in ROADS]
    path = write_roads(tmp_path / "slower.gpkg", slower)
    with travel_engine.begin() as conn:
        other = import_road_file(conn, path, name="cache check")
        graph = load_graph(conn, other.id, cache)
        assert graph.matrix.max() == pytest.approx(TRACK)
        conn.execute(
            text("UPDATE road_networks SET content_hash = :h WHERE id = :id"), {"h": "0" * 64, "id": other.id}
        )
        load_graph(conn, other.id, cache)
        names = sorted(f.name for f in (cache / "roads").glob(f"network-{other.id}-*.npz"))
        assert names == [f"network-{other.id}-{'0' * 16}.npz"]  # the stale file is gone
        conn.execute(text("DELETE FROM road_networks WHERE id = :id"), {"id": other.id})


# ------------------------------------------------------------------------------------ bad road files


def _raw(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _frame(geoms, path: Path) -> Path:
    gpd.GeoDataFrame({"name": ["x"] * len(geoms)}, geometry=geoms, crs="EPSG:4326").to_file(path)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: _frame([Point(100, 0), Point(100.1, 0)], p / "points.gpkg"), "no lines (found 2 Point)"),
        (
            lambda p: _frame([Polygon([(0, 0), (1, 0), (1, 1)])], p / "zones.geojson"),
            "no lines (found 1 Polygon)",
        ),
        (lambda p: _raw(p / "empty.gpkg", b""), "is empty"),
        (lambda p: _raw(p / "junk.gpkg", b"not a geopackage at all"), "cannot be read"),
        (
            lambda p: _raw(p / "none.geojson", b'{"type": "FeatureCollection", "features": []}'),
            "not a road network",
        ),
        (lambda p: p / "missing.gpkg", "no such road file"),
        (
            lambda p: _frame([LineString([(100, 0), (100, 0)])], p / "dot.gpkg"),
            "no line with two distinct points",
        ),
    ],
)
def test_a_file_that_is_not_a_road_network_is_refused_with_the_reason(tmp_path, make, message):
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        lines, _ = read_road_file(make(tmp_path))
        from geo.coverage.roads import build_edges

        build_edges(lines)


def test_unknown_or_wrong_coordinate_system_is_refused(tmp_path, roads_file):
    with pytest.raises(InvalidInput, match="unknown coordinate system"):
        read_road_file(roads_file, crs="MARS")
    projected = [(shapely.affinity.translate(g, 500000, 2500000), h, s, o) for g, h, s, o in ROADS]
    path = write_roads(tmp_path / "projected.gpkg", projected, crs=None)
    with pytest.raises(InvalidInput, match="not longitude/latitude degrees"):
        read_road_file(path)


def test_same_name_conflicts_unless_replaced(travel_engine, roads_file):
    with travel_engine.begin() as conn, pytest.raises(Conflict, match="exists"):
        import_road_file(conn, roads_file, name="fixture roads")
    with travel_engine.connect() as conn, pytest.raises(NotFound):
        get_network(conn, 999999)


# --------------------------------------------------------------------------------- coordinate systems


def test_gcj02_roads_are_converted_to_wgs84(tmp_path):
    wgs = [(110.60, 26.00), (110.62, 26.01), (110.65, 26.03)]
    gx, gy = wgs84_to_gcj02(np.array([p[0] for p in wgs]), np.array([p[1] for p in wgs]))
    path = write_roads(tmp_path / "gcj.gpkg", [(LineString(zip(gx, gy, strict=True)), "primary", None, None)])
    lines, used = read_road_file(path, crs="GCJ-02")
    assert used == "GCJ02"
    got = shapely.get_coordinates(lines.geoms)
    back = np.column_stack(gcj02_to_wgs84(gx, gy))
    assert np.allclose(got, back, atol=1e-9) and np.allclose(got, wgs, atol=1e-7)
    assert not np.allclose(np.column_stack((gx, gy)), wgs, atol=1e-4)  # the offset is real (hundreds of m)


def test_projected_file_is_reprojected_from_its_own_crs(tmp_path):
    from pyproj import Transformer

    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32649", always_xy=True)
    x, y = to_utm.transform([110.60, 110.62], [26.00, 26.01])
    path = write_roads(
        tmp_path / "utm.gpkg", [(LineString(zip(x, y, strict=True)), None, None, None)], crs="EPSG:32649"
    )
    lines, used = read_road_file(path)
    assert used == "EPSG:32649"
    assert np.allclose(shapely.get_coordinates(lines.geoms), [(110.60, 26.00), (110.62, 26.01)], atol=1e-8)


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("60", 60.0),
        ("36 km/h", 36.0),
        ("30 mph", 30 * 1.609344),
        (0, math.nan),
        ("fast", math.nan),
        (None, math.nan),
    ],
)
def test_speeds_are_parsed_in_kmh(value, kmh):
    got = parse_speed_kmh(value)
    assert (math.isnan(got) and math.isnan(kmh)) or got == pytest.approx(kmh)


# -------------------------------------------------------------------------------------------- OSM


def test_osm_pbf_ways_become_edges_with_oneway_and_speed(tmp_path, travel_engine):
    path = tmp_path / "tiny.osm.pbf"
    with osmium.SimpleWriter(str(path)) as writer:
        for i, (lon, lat) in enumerate([(100.0, 0.0), (100.01, 0.0), (100.02, 0.0), (100.01, 0.01)], start=1):
            writer.add_node(osmium.osm.mutable.Node(id=i, location=(lon, lat)))
        writer.add_way(
            osmium.osm.mutable.Way(id=1, nodes=[1, 2, 3], tags={"highway": "primary", "maxspeed": "60"})
        )
        writer.add_way(
            osmium.osm.mutable.Way(id=2, nodes=[4, 2], tags={"highway": "residential", "oneway": "-1"})
        )
        writer.add_way(osmium.osm.mutable.Way(id=3, nodes=[1, 4], tags={"building": "yes"}))  # not a road
    with travel_engine.begin() as conn:
        network = import_road_file(conn, path, name="osm tiny")
        rows = conn.execute(
            text(
                "SELECT highway, oneway, source, target, ST_AsText(geom) AS wkt, travel_s FROM road_edges "
                "WHERE network_id = :n ORDER BY highway, ST_XMin(geom)"
            ),
            {"n": network.id},
        ).all()
        conn.execute(text("DELETE FROM road_networks WHERE id = :id"), {"id": network.id})
    assert (network.nodes, network.edges) == (4, 3)
    assert [r.highway for r in rows] == ["primary", "primary", "residential"]
    assert rows[0].travel_s == pytest.approx(AB)
    assert rows[2].oneway and rows[2].wkt == "LINESTRING(100.01 0,100.01 0.01)"  # drawn against its direction


def test_osm_file_that_is_garbage_is_refused(tmp_path):
    path = tmp_path / "junk.osm.pbf"
    path.write_bytes(b"\x00\x00\x00\x0dnot really osm")
    with pytest.raises(InvalidInput, match="cannot be read as an OSM file"):
        read_road_file(path)


# ---------------------------------------------------------------------------------------- params


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"network_id": 0}, "positive integer"),
        ({"network_id": 1, "access_kmh": 0}, "between 0.5 and 50"),
        ({"network_id": 1, "limits_min": []}, "between 1 and 5"),
        ({"network_id": 1, "limits_min": [-5]}, "greater than 0"),
        ({"network_id": 1, "limits_min": [601]}, "over the maximum"),
    ],
)
def test_bad_travel_parameters_are_refused(kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        travel_params(**kwargs)


def test_travel_run_on_unknown_network_is_not_found(travel_engine, tmp_path):
    with pytest.raises(NotFound, match="no road network"):
        run_travel(travel_engine, travel_params(999999), tmp_path)


# ------------------------------------------------------------------------------------ staying current


def test_a_moved_station_clears_the_travel_times_it_may_change_until_the_next_run(
    travel_run, travel_engine, tmp_path
):
    ids, network, _, _ = travel_run
    with travel_engine.begin() as conn:
        conn.execute(
            text("UPDATE stations SET geom = ST_SetSRID(ST_MakePoint(100.081, 0.001), 4326) WHERE id = :id"),
            {"id": ids["sv2"]},
        )
        refresh_coverage(conn)
        row = conn.execute(
            text(
                "SELECT village_station_s, village_time_station_id, travel_run_id, access_m FROM coverage_villages "
                "WHERE area_code = '900101002201'"
            )
        ).one()
        page = travel_time_rows(conn, "village", "900101", 100, 0)
    assert (row.village_station_s, row.village_time_station_id, row.travel_run_id) == (None, None, None)
    assert row.access_m == 0  # where the village meets the road does not depend on stations
    assert page.missing >= 1
    with travel_engine.begin() as conn:
        conn.execute(
            text("UPDATE stations SET geom = ST_SetSRID(ST_MakePoint(100.08, 0.001), 4326) WHERE id = :id"),
            {"id": ids["sv2"]},
        )
    run = run_travel(travel_engine, travel_params(network.id, limits_min=[6, 12]), tmp_path)
    assert run.status == "done"
    rows = _rows(travel_engine, "coverage_villages", ("village", "township", "any"))
    for code, expect in EXPECTED_VILLAGES.items():
        assert rows[code] == _expected(expect, ids), code


def test_points_and_stations_off_the_network_get_no_travel_time():
    matrix = graph_matrix(2, np.array([0]), np.array([1]), np.array([60.0]), np.array([False]))
    graph = RoadGraph(0, "tiny", matrix, np.array([100.0, 100.01]), np.array([0.0, 0.0]))
    # station 1 stands 0.1° (11 km) north of node 0: off the network with a 5 km limit
    timer = TravelTimer(graph, np.array([1, 2]), np.array([100.0, 100.01]), np.array([0.1, 0.0]), 5, 5000)
    assert timer.station_on.tolist() == [False, True]
    ids, seconds, access = timer.nearest(
        np.array([True, True]), np.array([100.0, 100.0]), np.array([0.0, -0.2])
    )
    assert ids.tolist() == [2, NO_SITE] and seconds[0] == pytest.approx(60.0) and math.isinf(seconds[1])
    assert access[1] == pytest.approx(GEOD.inv(100.0, -0.2, 100.0, 0.0)[2])


def test_zipped_shapefile_roads_are_read(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    write_roads(folder / "roads.shp", layer="roads")
    archive = tmp_path / "roads.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f.name)
    lines, used = read_road_file(archive)
    assert used == "WGS84" and len(lines.geoms) == len(ROADS)
    assert list(lines.highway) == [r[1] for r in ROADS] and lines.oneway.tolist() == [0, 0, 0, 1, 0]


def test_a_zipped_road_file_bomb_is_refused_from_its_directory(tmp_path):
    """Issue 18: a zip of about 64 KB whose roads.dbf inflates to 64 MiB of zeros is refused before it is read."""
    folder = tmp_path / "shp"
    folder.mkdir()
    write_roads(folder / "roads.shp", layer="roads")
    others = {f.name: f.read_bytes() for f in folder.iterdir() if f.suffix != ".dbf"}
    bomb = zero_zip(tmp_path / "roads.zip", "roads.dbf", 64 * MIB, others)
    with pytest.raises(PayloadTooLarge) as refused:
        read_road_file(bomb)
    assert refused.value.key == "archive.ratio" and "roads.dbf" in refused.value.message


# ------------------------------------------------------------------------------------------- demo


def test_demo_network_is_generated_deterministically_and_travel_time_runs_on_it(
    engine, demo_counts, tmp_path
):
    first = load_demo_roads(engine)
    again = load_demo_roads(engine)
    assert again.content_hash == first.content_hash and again.name == DEMO_NETWORK and again.synthetic
    run = run_travel(engine, travel_params(again.id, area="450329"), tmp_path)
    assert run.status == "done", run.error
    villages = run.counts["villages"]
    assert (
        villages["units"] > 0 and villages["reached_any"] == villages["units"]
    )  # every village is on a road
    with engine.connect() as conn:
        features = service_area_features(conn, "450329", 15)
        written = dict(
            conn.execute(
                text(
                    "SELECT left(area_code, 6) = '450329', count(*) FILTER (WHERE travel_run_id = :run) "
                    "FROM coverage_villages GROUP BY 1"
                ),
                {"run": run.id},
            ).all()
        )
        missing = conn.execute(
            text(
                "SELECT count(*) FROM coverage_villages WHERE area_code LIKE '450329%' AND any_station_s IS NULL"
            )
        ).scalar()
    assert features and all(f["properties"]["area_code"].startswith("450329") for f in features)
    assert all(f["properties"]["area_m2"] > 0 for f in features)
    assert missing == 0
    # a run of an area writes that area's villages only
    assert written[True] == villages["units"] and written.get(False, 0) == 0
