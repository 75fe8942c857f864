"""National-scale coverage: 640,000 stations and 590,000 villages spread over China, side by side with
geopandas.sjoin_nearest.

Run from the project root:  .venv/bin/python bench/coverage_national.py [--seed 7] [--skip-sjoin] [--repeat 3]

One run
1. prepares the database ``vetmap_bench_coverage`` on the configured server (embedded cluster by default):
   creates and migrates it and loads the synthetic national set (below) unless it is already there;
2. times the whole coverage run as the app does it (``geo.coverage.runs.run_full``): read stations,
   villages and townships with binary COPY, nearest station per level (k-d tree on the unit sphere,
   geodesic metres on WGS-84 by pyproj), write both coverage tables back (binary COPY FREEZE into fresh
   tables, their keys and indexes built after, analysed, swapped in); then refreshes the per-area rates
   (``geo.coverage.rates.coverage_by_area``: every county of the country, one SQL pass); --repeat times,
   the median of each step printed (and every whole-run figure);
3. times the nearest computation alone on the same arrays, interleaved with the competitor and best of
   --rounds each: any-level nearest station of every village (the task ``sjoin_nearest`` does; tree
   built inside the timing) and the village-level one; and ``geopandas.sjoin_nearest`` on the
   same points (lon/lat as planar coordinates, as it is usually called on EPSG:4326 data; its own answer
   is planar-degree nearest, so the share of villages where it agrees with the geodesic nearest is printed);
4. times an incremental refresh after one station is added;
5. prints the table with the ratio against sjoin_nearest.

The synthetic set (seed-stable, marked synthetic): 31 provinces (real two-digit codes), ~330 cities,
2,850 counties placed with more density in the east, ~40,000 townships around them, 590,000 villages
(points, population log-normal, 5 % unknown) around those, and 640,000 stations: one per village for about
97 % of villages plus a second for some, about 38,000 township stations, one per county, city and
province; 98 % active. Absolute times are this 2-core machine's, shared with other work; the ratio is the
point.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

BENCH_DB = "vetmap_bench_coverage"
N_COUNTIES = 2850
N_TOWNSHIPS = 40_000
N_VILLAGES = 590_000
N_STATIONS = 640_000
PROVINCES = tuple(
    str(p)
    for p in (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46)
    + (50, 51, 52, 53, 54, 61, 62, 63, 64, 65)
)
# lon/lat rectangles and their share of counties: east and centre dense, west sparse
REGIONS = (
    (105.0, 122.0, 22.0, 41.0, 0.62),
    (120.0, 134.0, 40.0, 53.0, 0.08),
    (97.0, 106.0, 21.0, 33.0, 0.14),
    (75.0, 105.0, 30.0, 48.0, 0.08),
    (106.0, 122.0, 18.5, 23.0, 0.08),
)


def _morton(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Z-order of lon/lat, so that consecutive chunks are compact regions."""
    x = ((lon - 70) / 70 * 65535).astype(np.uint64)
    y = ((lat - 15) / 40 * 65535).astype(np.uint64)
    code = np.zeros_like(x)
    for bit in range(16):
        code |= ((x >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit)
        code |= ((y >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit + 1)
    return code


def _split(n: int, parts: int) -> np.ndarray:
    """Part number of each of n ordered items split into `parts` nearly equal runs."""
    return (np.arange(n) * parts) // n


def generate(seed: int) -> tuple[list[tuple], dict[str, np.ndarray]]:
    """The synthetic national atlas: area rows and station columns (WGS-84 degrees)."""
    rng = np.random.default_rng(seed)
    weights = np.array([r[4] for r in REGIONS])
    region = rng.choice(len(REGIONS), N_COUNTIES, p=weights / weights.sum())
    box = np.array([r[:4] for r in REGIONS])[region]
    clon = rng.uniform(box[:, 0], box[:, 1])
    clat = rng.uniform(box[:, 2], box[:, 3])
    order = np.argsort(_morton(clon, clat), kind="stable")
    clon, clat = clon[order], clat[order]
    province = _split(N_COUNTIES, len(PROVINCES))
    areas: list[tuple] = []
    county_codes = []
    city_rows = []
    for p, prefix in enumerate(PROVINCES):
        members = np.flatnonzero(province == p)
        areas.append(
            (f"{prefix}0000", f"省{prefix}", "province", None, clon[members[0]], clat[members[0]], None)
        )
        cities = _split(len(members), max(1, len(members) // 9))
        for c in range(cities.max() + 1):
            city_code = f"{prefix}{c + 1:02d}00"
            in_city = members[cities == c]
            areas.append(
                (
                    city_code,
                    f"市{city_code}",
                    "city",
                    f"{prefix}0000",
                    clon[in_city[0]],
                    clat[in_city[0]],
                    None,
                )
            )
            city_rows.append((city_code, in_city[0]))
            for k, i in enumerate(in_city):
                code = f"{prefix}{c + 1:02d}{k + 1:02d}"
                county_codes.append(code)
                areas.append((code, f"县{code}", "county", city_code, clon[i], clat[i], None))
    county_codes = np.array(county_codes)
    # townships around counties (~13 km), villages around townships (~3 km)
    per_county = rng.multinomial(N_TOWNSHIPS - 3 * N_COUNTIES, np.full(N_COUNTIES, 1 / N_COUNTIES)) + 3
    t_county = np.repeat(np.arange(N_COUNTIES), per_county)
    t_seq = np.concatenate([np.arange(1, n + 1) for n in per_county])
    t_code = np.char.add(county_codes[t_county], np.char.zfill(t_seq.astype(str), 3))
    tlon = clon[t_county] + rng.normal(0, 0.12, len(t_county))
    tlat = clat[t_county] + rng.normal(0, 0.10, len(t_county))
    n_t = len(t_code)
    per_town = rng.multinomial(N_VILLAGES - n_t, np.full(n_t, 1 / n_t)) + 1
    v_town = np.repeat(np.arange(n_t), per_town)
    v_seq = np.concatenate([np.arange(1, n + 1) for n in per_town])
    v_code = np.char.add(t_code[v_town], np.char.zfill(v_seq.astype(str), 3))
    vlon = tlon[v_town] + rng.normal(0, 0.03, N_VILLAGES)
    vlat = tlat[v_town] + rng.normal(0, 0.025, N_VILLAGES)
    population = rng.lognormal(7.4, 0.5, N_VILLAGES).astype(int)
    known = rng.random(N_VILLAGES) > 0.05
    for i in range(n_t):
        areas.append((t_code[i], f"镇{t_code[i]}", "township", t_code[i][:6], tlon[i], tlat[i], None))
    village_rows = [
        (
            v_code[i],
            f"村{v_code[i]}",
            "village",
            v_code[i][:9],
            vlon[i],
            vlat[i],
            int(population[i]) if known[i] else None,
        )
        for i in range(N_VILLAGES)
    ]
    areas.extend(village_rows)

    # stations
    n_upper = N_COUNTIES + len(city_rows) + len(PROVINCES)
    n_town_st = 38_000
    n_village_st = N_STATIONS - n_upper - n_town_st
    first = rng.permutation(N_VILLAGES)[: int(N_VILLAGES * 0.97)]
    second = rng.choice(N_VILLAGES, n_village_st - len(first), replace=True)
    sv = np.concatenate([first, second])
    st = rng.permutation(n_t)[:n_town_st]
    levels = np.concatenate(
        [np.full(len(sv), "village"), np.full(len(st), "township"), np.full(N_COUNTIES, "county")]
        + [np.full(len(city_rows), "city"), np.full(len(PROVINCES), "province")]
    )
    lon = np.concatenate(
        [vlon[sv] + rng.normal(0, 0.005, len(sv)), tlon[st] + rng.normal(0, 0.01, len(st)), clon]
        + [clon[[i for _, i in city_rows]], clon[province.searchsorted(np.arange(len(PROVINCES)))]]
    )
    lat = np.concatenate(
        [vlat[sv] + rng.normal(0, 0.004, len(sv)), tlat[st] + rng.normal(0, 0.008, len(st)), clat]
        + [clat[[i for _, i in city_rows]], clat[province.searchsorted(np.arange(len(PROVINCES)))]]
    )
    served = np.concatenate(
        [v_code[sv], t_code[st], county_codes]
        + [np.array([c for c, _ in city_rows]), np.array([f"{p}0000" for p in PROVINCES])]
    )
    status = rng.choice(["active", "planned", "closed"], len(levels), p=[0.98, 0.015, 0.005])
    return areas, {"level": levels, "lon": lon, "lat": lat, "served": served, "status": status}


def _copy(conn, table: str, columns: str, lines: list[str]) -> None:
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur:
        cur.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO("".join(lines)))


def prepare(engine, seed: int) -> None:
    """Load the synthetic national set unless the database already holds it."""
    with engine.connect() as conn:
        counts = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM areas WHERE level = 'village'), (SELECT count(*) FROM stations)"
            )
        ).one()
    if tuple(counts) == (N_VILLAGES, N_STATIONS):
        print(f"national set already loaded in {BENCH_DB}")
        return
    print("generating and loading the synthetic national set (once) ...", flush=True)
    t = time.perf_counter()
    areas, st = generate(seed)
    null = "\\N"
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE graves, cemeteries, memorials, stations, areas RESTART IDENTITY CASCADE"))
        for level in ("province", "city", "county", "township", "village"):
            lines = [
                f"{c}\t{n}\t{lv}\t{p or null}\tSRID=4326;POINT({float(x)!r} {float(y)!r})\t{null if pop is None else pop}\tt\n"
                for c, n, lv, p, x, y, pop in areas
                if lv == level
            ]
            _copy(conn, "areas", "code, name, level, parent_code, point, population, synthetic", lines)
        lines = [
            f"站{s}\t{lv}\t{status}\t{s}\t{s}\tSRID=4326;POINT({x!r} {y!r})\tt\n"
            for lv, x, y, s, status in zip(
                st["level"], st["lon"].tolist(), st["lat"].tolist(), st["served"], st["status"], strict=True
            )
        ]
        _copy(conn, "stations", "name, level, status, area_code, served_area_code, geom, synthetic", lines)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE areas, stations"))
    print(f"loaded in {time.perf_counter() - t:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-sjoin", action="store_true", help="leave out geopandas.sjoin_nearest")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds of ours vs sjoin_nearest")
    parser.add_argument("--repeat", type=int, default=1, help="whole runs (run + rates); medians are printed")
    args = parser.parse_args()

    from geo.coverage.nearest import SiteIndex, nearest_sites_geodesic
    from geo.coverage.rates import coverage_by_area
    from geo.coverage.runs import (
        LEVEL_NUMBER,
        TOWNSHIPS,
        VILLAGES,
        CoverageParams,
        read_active_stations,
        read_units,
        refresh_coverage,
        run_full,
    )
    from geo.database.engine import database_url, ensure_database, ensure_embedded_running, make_engine
    from geo.database.migrate import upgrade
    from geo.settings import Settings

    settings = Settings()
    ensure_embedded_running(settings)
    url = database_url(settings, BENCH_DB)
    ensure_database(url)
    upgrade(url)
    engine = make_engine(url)
    prepare(engine, args.seed)

    results: list[tuple[str, float, str]] = []
    # 1. the whole run, as the app does it
    rounds = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        run = run_full(engine, CoverageParams())
        run_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        with engine.begin() as conn:
            rates = coverage_by_area(conn, None, "county")
        rates_s = time.perf_counter() - t1
        rounds.append(
            {**run.counts["timings"], "run_s": run_s, "rates_s": rates_s, "whole_s": run_s + rates_s}
        )

    def median(key: str) -> float:
        return statistics.median(r.get(key, 0.0) for r in rounds)

    results += [
        ("run: read stations+villages+townships (COPY)", median("read_s"), ""),
        ("run: nearest per level, villages and townships", median("nearest_s"), "village, township, any"),
        (
            "run: write both coverage tables",
            median("write_s"),
            f"{run.counts['villages']['units']:,} + {run.counts['townships']['units']:,} rows",
        ),
        ("  write: COPY FREEZE into fresh tables", median("write_copy_s"), "encode + COPY, no keys"),
        ("  write: keys and indexes", median("write_keys_s"), "primary key, prefix index, foreign keys"),
        ("  write: analyze", median("write_analyze_s"), ""),
        ("  write: swap in (drop old, rename)", median("write_swap_s"), ""),
        ("run: total (run_full, wall)", median("run_s"), f"run {run.id}"),
        ("rates of every county (one SQL pass)", median("rates_s"), f"{len(rates.rows):,} counties"),
        (
            "whole run: run + rates",
            median("whole_s"),
            f"target < 5 s; median of {len(rounds)}: " + ", ".join(f"{r['whole_s']:.2f}" for r in rounds),
        ),
    ]

    # 2. nearest alone, on the same arrays
    with engine.begin() as conn:
        stations = read_active_stations(conn)
        villages = read_units(conn, VILLAGES)
        read_units(conn, TOWNSHIPS)

    def ours() -> tuple[np.ndarray, float]:
        start = time.perf_counter()
        index = SiteIndex.build(stations["id"], stations["lon"], stations["lat"])
        ids, _ = nearest_sites_geodesic(index, villages["lon"], villages["lat"])
        return ids, time.perf_counter() - start

    def sjoin() -> tuple[np.ndarray, float]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "geographic CRS": planar degrees, as noted above
            start = time.perf_counter()
            joined = gpd.sjoin_nearest(vg, sg, how="left")
            seconds = time.perf_counter() - start
        return joined[~joined.index.duplicated(keep="first")].sort_index()["station_id"].to_numpy(), seconds

    if not args.skip_sjoin:
        import geopandas as gpd

        vg = gpd.GeoDataFrame(geometry=gpd.points_from_xy(villages["lon"], villages["lat"]), crs=4326)
        sg = gpd.GeoDataFrame(
            {"station_id": stations["id"]},
            geometry=gpd.points_from_xy(stations["lon"], stations["lat"]),
            crs=4326,
        )
    # interleaved, best of `--rounds` each: the machine is shared, so single timings are noisy
    ours_times, sjoin_times = [], []
    for _ in range(args.rounds):
        ours_ids, seconds = ours()
        ours_times.append(seconds)
        if not args.skip_sjoin:
            sjoin_ids, seconds = sjoin()
            sjoin_times.append(seconds)
    ours_s = min(ours_times)
    mask = stations["level"] == LEVEL_NUMBER["village"]
    t3 = time.perf_counter()
    village_index = SiteIndex.build(stations["id"][mask], stations["lon"][mask], stations["lat"][mask])
    nearest_sites_geodesic(village_index, villages["lon"], villages["lat"])
    ours_village_s = time.perf_counter() - t3
    results += [
        (
            "nearest any-level station, every village (ours)",
            ours_s,
            f"{len(villages['lon']):,} villages × {len(stations['id']):,} stations, target < 5 s; "
            f"all rounds {', '.join(f'{t:.2f}' for t in ours_times)}",
        ),
        (
            "nearest village-level station, every village (ours)",
            ours_village_s,
            f"{int(mask.sum()):,} stations",
        ),
    ]
    if not args.skip_sjoin:
        sjoin_s = min(sjoin_times)
        agree = float(np.mean(sjoin_ids == ours_ids))
        results.append(
            (
                "geopandas.sjoin_nearest, same task",
                sjoin_s,
                f"ratio {sjoin_s / ours_s:.1f}× ours; same station for {agree:.1%}; "
                f"all rounds {', '.join(f'{t:.2f}' for t in sjoin_times)}",
            )
        )

    # 3. one station added: incremental refresh
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO stations (name, level, area_code, served_area_code, geom) "
                "SELECT '新站', 'village', code, code, point FROM areas WHERE level = 'village' ORDER BY code LIMIT 1"
            )
        )
    t5 = time.perf_counter()
    with engine.begin() as conn:
        state = refresh_coverage(conn)
    refresh_s = time.perf_counter() - t5
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM stations WHERE name = '新站'"))
        refresh_coverage(conn)
    results.append(("incremental refresh after adding one station", refresh_s, f"current: {state.current}"))

    print()
    print(f"load average during the run (2 cores, shared): {os.getloadavg()[0]:.1f}")
    print(f"{'step':<52} {'seconds':>8}  note")
    print("-" * 110)
    for name, seconds, note in results:
        print(f"{name:<52} {seconds:>8.2f}  {note}")
    engine.dispose()


if __name__ == "__main__":
    main()
