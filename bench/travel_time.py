"""Travel time to the nearest station for every node of a 1-million-node road graph, side by side with networkx.

Run from the project root:  .venv/bin/python bench/travel_time.py [--side 1000] [--stations 20000] [--seed 7]

The graph (synthetic, seed-stable, made here): a side × side grid of nodes (1,000,000 by default) about 300 m
apart near Guilin (WGS-84), each node jittered; links to the east and north neighbours with 8 % dropped, 3 %
diagonals added, classes with 30/40/60 km/h, 5 % oneway; weights are geodesic seconds (pyproj lengths /
speed). Stations are random points off the network (within about 150 m of a node), snapped by the k-d tree and
attached as virtual nodes with their walking time, exactly as ``geo.coverage.travel_time.TravelTimer`` does in the app.

Timed (best of --rounds):
1. ours, whole graph: build the station-attached reversed graph and snap the stations (``TravelTimer``),
   then ONE multi-source ``scipy.sparse.csgraph.dijkstra`` (``min_only=True``, predecessors and sources) that
   gives every node its seconds to the nearest station and which station that is;
2. the peer, on a slice of the same graph (--slice nodes, default 100,000: the top-left square):
   ``networkx.multi_source_dijkstra`` from the same station virtual nodes on the same weights (a networkx
   DiGraph, built outside the timing) — the same algorithm, one multi-source pass, which is the fair peer
   (one Dijkstra per station would be far slower and not what anyone would do); ours is timed on the same
   slice too and both answers are checked equal. The ratio printed is networkx ÷ ours on that slice.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.coverage.nearest import GEOD  # noqa: E402
from geo.coverage.roads import RoadGraph, graph_matrix  # noqa: E402
from geo.coverage.travel_time import TravelTimer  # noqa: E402

LON0, LAT0 = 110.0, 25.0
STEP = 0.003  # degrees, about 300 m


def make_graph(side: int, rng: np.random.Generator) -> tuple[RoadGraph, dict[str, np.ndarray]]:
    """A jittered side × side grid road graph (WGS-84 nodes, seconds on edges)."""
    n = side * side
    ix, iy = np.meshgrid(np.arange(side), np.arange(side), indexing="xy")
    lon = LON0 + (ix.ravel() + rng.uniform(-0.3, 0.3, n)) * STEP
    lat = LAT0 + (iy.ravel() + rng.uniform(-0.3, 0.3, n)) * STEP
    node = np.arange(n).reshape(side, side)
    pairs = [
        np.column_stack((node[:, :-1].ravel(), node[:, 1:].ravel())),  # east
        np.column_stack((node[:-1, :].ravel(), node[1:, :].ravel())),  # north
    ]
    diag = np.column_stack((node[:-1, :-1].ravel(), node[1:, 1:].ravel()))
    pairs.append(diag[rng.random(len(diag)) < 0.03])
    edges = np.vstack(pairs)
    edges = edges[rng.random(len(edges)) >= 0.08]
    src, dst = edges[:, 0], edges[:, 1]
    _, _, metres = GEOD.inv(lon[src], lat[src], lon[dst], lat[dst])
    speed = rng.choice([30.0, 40.0, 60.0], size=len(src), p=[0.6, 0.3, 0.1])
    seconds = metres / (speed / 3.6)
    oneway = rng.random(len(src)) < 0.05
    flip = rng.random(len(src)) < 0.5  # oneway roads run either way
    src, dst = np.where(flip, dst, src), np.where(flip, src, dst)
    matrix = graph_matrix(n, src, dst, seconds, oneway)
    graph = RoadGraph(0, "bench", matrix, lon, lat)
    return graph, {"source": src, "target": dst, "seconds": seconds, "oneway": oneway}


def stations_near(graph: RoadGraph, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random station points within about 150 m of random nodes."""
    at = rng.choice(graph.nodes, size=count, replace=False)
    return (
        graph.node_lon[at] + rng.uniform(-0.0015, 0.0015, count),
        graph.node_lat[at] + rng.uniform(-0.0015, 0.0015, count),
    )


def subgraph(graph: RoadGraph, keep: np.ndarray) -> RoadGraph:
    """The graph induced by the nodes in ``keep`` (renumbered)."""
    sub = graph.matrix[keep][:, keep].tocsr()
    return RoadGraph(0, "slice", sub, graph.node_lon[keep], graph.node_lat[keep])


def ours(
    graph: RoadGraph, s_lon: np.ndarray, s_lat: np.ndarray
) -> tuple[float, float, np.ndarray, TravelTimer]:
    """Seconds for (build + snap, one multi-source pass), and the node times."""
    t0 = time.perf_counter()
    timer = TravelTimer(graph, np.arange(len(s_lon)), s_lon, s_lat)
    t1 = time.perf_counter()
    dist, sources = timer.node_times(np.arange(len(s_lon)))
    t2 = time.perf_counter()
    assert np.all(sources[: graph.nodes][np.isfinite(dist[: graph.nodes])] >= graph.nodes)
    return t1 - t0, t2 - t1, dist[: graph.nodes], timer


def networkx_times(timer: TravelTimer) -> tuple[float, np.ndarray]:
    """networkx.multi_source_dijkstra over the same station-attached reversed graph; seconds and node times."""
    import networkx as nx

    coo = timer.reverse.tocoo()
    g = nx.DiGraph()
    g.add_nodes_from(range(timer.reverse.shape[0]))
    g.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True))
    sources = set(range(timer.graph.nodes, timer.reverse.shape[0]))
    t0 = time.perf_counter()
    dist, _ = nx.multi_source_dijkstra(g, sources)
    elapsed = time.perf_counter() - t0
    out = np.full(timer.graph.nodes, np.inf)
    for node, d in dist.items():
        if node < timer.graph.nodes:
            out[node] = d
    return elapsed, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=1000, help="grid side: side² nodes (default 1000)")
    parser.add_argument("--stations", type=int, default=20000, help="stations (default 20,000)")
    parser.add_argument("--slice", type=int, default=100_000, help="nodes of the slice networkx runs on")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    t = time.perf_counter()
    graph, _ = make_graph(args.side, rng)
    print(
        f"graph: {graph.nodes:,} nodes, {graph.matrix.nnz:,} directed links "
        f"(generated and built in {time.perf_counter() - t:.1f} s)"
    )
    s_lon, s_lat = stations_near(graph, args.stations, rng)

    best_build, best_pass = np.inf, np.inf
    for _ in range(args.rounds):
        build, one_pass, times, _ = ours(graph, s_lon, s_lat)
        best_build, best_pass = min(best_build, build), min(best_pass, one_pass)
    reached = np.isfinite(times)
    print(
        f"ours, whole graph: attach + snap {best_build:.2f} s, one multi-source Dijkstra {best_pass:.2f} s, "
        f"total {best_build + best_pass:.2f} s (target < 5 s); {reached.mean():.1%} of nodes reach a station, "
        f"median {np.median(times[reached]) / 60:.1f} min"
    )

    side = int(round(args.slice**0.5))
    keep = (np.arange(graph.nodes).reshape(args.side, args.side)[:side, :side]).ravel()
    part = subgraph(graph, keep)
    inside = (s_lon <= part.node_lon.max()) & (s_lat <= part.node_lat.max())
    p_lon, p_lat = s_lon[inside], s_lat[inside]
    best_ours = np.inf
    for _ in range(args.rounds):
        build, one_pass, mine, timer = ours(part, p_lon, p_lat)
        best_ours = min(best_ours, build + one_pass)
    best_nx = np.inf
    for _ in range(max(1, args.rounds - 1)):
        elapsed, theirs = networkx_times(timer)
        best_nx = min(best_nx, elapsed)
    same = np.allclose(mine, theirs, rtol=1e-9, atol=1e-6) and np.array_equal(
        np.isinf(mine), np.isinf(theirs)
    )
    print(
        f"slice of {part.nodes:,} nodes, {len(p_lon):,} stations: ours {best_ours:.3f} s (attach + snap + pass), "
        f"networkx.multi_source_dijkstra {best_nx:.3f} s (pass only) -> ours is {best_nx / best_ours:.1f}x faster; "
        f"answers equal: {same}"
    )


if __name__ == "__main__":
    main()
