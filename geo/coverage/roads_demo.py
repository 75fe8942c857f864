"""A generated (synthetic) road network for the demo atlas, so travel time runs on the demo.

Per county, every village point, township point and station of the atlas becomes a road end; the roads are a
minimum spanning tree of their Delaunay triangulation (in metres, local frame) plus the shorter half of the
remaining Delaunay links chosen at random with a fixed seed, each drawn with one slightly offset midpoint.
Classes: a road between two township seats is ``secondary`` (50 km/h), one touching a township seat
``tertiary`` (40 km/h), the rest ``unclassified`` (30 km/h); none is oneway. Counties are not linked to each
other. The network is stored as ``DEMO_NETWORK`` with ``synthetic = true``; the same atlas and seed always
give the same roads. Coordinates are WGS-84 degrees.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from pathlib import Path

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay
from sqlalchemy import Connection, Engine, text

from geo.coverage.roads import NetworkInfo, RoadLines, build_edges, store_network

DEMO_NETWORK = "demo roads (synthetic)"
"""Name of the generated demo network."""
DEMO_SEED = 20260930
_CLASSES = {2: ("secondary", 50.0), 1: ("tertiary", 40.0), 0: ("unclassified", 30.0)}


def _county_points(conn: Connection) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per county code: lon, lat (WGS-84) and a township-seat flag of every road end."""
    rows = conn.execute(
        text(
            "SELECT left(code, 6) AS county, ST_X(p) AS lon, ST_Y(p) AS lat, level = 'township' AS seat FROM ("
            " SELECT code, level, COALESCE(point, ST_PointOnSurface(geom)) AS p FROM areas"
            " WHERE level IN ('township', 'village')) a WHERE p IS NOT NULL"
            " UNION ALL SELECT left(area_code, 6), ST_X(geom), ST_Y(geom), false FROM stations"
            " ORDER BY 1, 2, 3"
        )
    ).all()
    out: dict[str, list] = {}
    for r in rows:
        out.setdefault(r.county, []).append((r.lon, r.lat, r.seat))
    return {
        c: (
            np.array([p[0] for p in pts]),
            np.array([p[1] for p in pts]),
            np.array([p[2] for p in pts], dtype=bool),
        )
        for c, pts in out.items()
    }


def _links(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pairs of point indices to join: spanning tree of the Delaunay triangulation plus some short extras."""
    n = len(x)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    xy = np.column_stack((x, y))
    if n < 4:
        pairs = np.array([(i, j) for i in range(n) for j in range(i + 1, n)], dtype=np.int64)
    else:
        tri = Delaunay(xy, qhull_options="QJ")
        s = tri.simplices
        pairs = np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
        pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    length = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    graph = coo_matrix((length + 1e-9, (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    tree = minimum_spanning_tree(graph).tocoo()
    in_tree = {(min(i, j), max(i, j)) for i, j in zip(tree.row, tree.col, strict=True)}
    tree_pairs = np.array(sorted(in_tree), dtype=np.int64).reshape(-1, 2)
    rest = np.array([k for k, (i, j) in enumerate(pairs) if (i, j) not in in_tree], dtype=np.int64)
    if rest.size == 0:
        return tree_pairs
    short = rest[length[rest] <= np.median(length[rest])]
    extra = short[rng.random(short.size) < 0.5]
    return np.vstack([tree_pairs, pairs[extra]])


def demo_road_lines(
    conn: Connection, seed: int = DEMO_SEED, counties: Collection[str] | None = None
) -> RoadLines:
    """Generate the demo roads (WGS-84 LineStrings, class, speed km/h) from the atlas's areas and stations.

    ``counties`` (six-digit codes) keeps the roads of those counties only; each county's roads are the same
    whether it is generated alone or with others."""
    geoms, classes, speeds = [], [], []
    for county, (lon, lat, seat) in sorted(_county_points(conn).items()):
        # one generator per county, seeded by the seed and the county, so a county's roads never depend on
        # which other counties are generated
        rng = np.random.default_rng([seed, int(county)])
        if counties is not None and county not in counties:
            continue
        lat0 = float(lat.mean())
        kx, ky = 111_320 * math.cos(math.radians(lat0)), 110_574.0
        # one road end per distinct point (a station may stand on a village's point)
        key = np.round(np.column_stack((lon, lat)) / 1e-7).astype(np.int64)
        _, first = np.unique(key, axis=0, return_index=True)
        first = np.sort(first)
        lon, lat, seat = lon[first], lat[first], seat[first]
        for i, j in _links(lon * kx, lat * ky, rng):
            dx, dy = (lon[j] - lon[i]) * kx, (lat[j] - lat[i]) * ky
            bend = rng.uniform(-0.06, 0.06)
            mid = ((lon[i] + lon[j]) / 2 - bend * dy / kx, (lat[i] + lat[j]) / 2 + bend * dx / ky)
            geoms.append(shapely.LineString([(lon[i], lat[i]), mid, (lon[j], lat[j])]))
            name, speed = _CLASSES[int(seat[i]) + int(seat[j])]
            classes.append(name)
            speeds.append(speed)
    return RoadLines(
        np.array(geoms, dtype=object),
        np.array(classes, dtype=object),
        np.array(speeds, dtype=np.float64),
        np.zeros(len(geoms), dtype=np.int8),
    )


def load_demo_roads(
    engine: Engine, seed: int = DEMO_SEED, counties: Collection[str] | None = None
) -> NetworkInfo:
    """Generate the demo road network from the atlas (of ``counties`` only, when given) and store it (replacing
    an earlier one), marked synthetic."""
    with engine.begin() as conn:
        edges = build_edges(demo_road_lines(conn, seed, counties))
        return store_network(
            conn,
            DEMO_NETWORK,
            edges,
            f"generated by geo.coverage.roads_demo (seed {seed}); synthetic",
            "WGS84",
            synthetic=True,
            replace=True,
        )


def write_demo_roads(engine: Engine, path: Path, seed: int = DEMO_SEED) -> int:
    """Write the generated demo roads to a GeoPackage (WGS-84, layer ``roads``); returns the number of lines."""
    import geopandas as gpd

    with engine.connect() as conn:
        lines = demo_road_lines(conn, seed)
    frame = gpd.GeoDataFrame(
        {"highway": lines.highway, "maxspeed": lines.speed_kmh, "synthetic": True},
        geometry=list(lines.geoms),
        crs="EPSG:4326",
    )
    frame.to_file(path, layer="roads", driver="GPKG")
    return len(frame)
