"""Import/export benchmark (issue 8): a 100,000-row CSV import (target < 60 s) and a 100,000-feature GeoPackage
export (target < 30 s), with ogr2ogr (GDAL) measured in the same run as the peer: it loads the same CSV into
the same PostGIS (no checks, no upsert: a plain load) and exports the same rows to a GeoPackage.

Run by hand from the project root (``make bench-import``):

    .venv/bin/python bench/import_export.py [--rows 100000] [--seed 8]

It uses a database of its own (``vetmap_bench_import``; the demo atlas is loaded into it once). The rows are
synthetic stations at random points inside the demo's villages; half declare their village's area code,
half leave the area to be found from the point (both checks are measured). A second import of the same
file (every row unchanged, nothing written) is timed too.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from sqlalchemy import text  # noqa: E402

from bench.import_database import open_bench_database  # noqa: E402
from geo.accounts.audit import CLI_ACTOR  # noqa: E402
from geo.importing.export import export_collection  # noqa: E402
from geo.importing.run import ImportOptions, run_import  # noqa: E402

IMPORT_TARGET_S = 60.0
EXPORT_TARGET_S = 30.0
PREFIX = "BENCH-"


def _villages(engine):
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT code, ST_AsBinary(geom) FROM areas WHERE level = 'village' AND geom IS NOT NULL ORDER BY code"
            )
        ).all()
    return [r[0] for r in rows], shapely.from_wkb([bytes(r[1]) for r in rows])


def write_csv(engine, path: Path, n: int, seed: int) -> None:
    """n synthetic stations at random points inside random villages (half with their area code)."""
    rng = np.random.default_rng(seed)
    codes, polys = _villages(engine)
    pick = rng.integers(0, len(codes), n)
    lon, lat = np.empty(n), np.empty(n)
    todo = np.arange(n)
    bounds = shapely.bounds(polys)
    while len(todo):
        b = bounds[pick[todo]]
        x = rng.uniform(b[:, 0], b[:, 2])
        y = rng.uniform(b[:, 1], b[:, 3])
        inside = shapely.contains_xy(polys[pick[todo]], x, y)
        lon[todo[inside]], lat[todo[inside]] = x[inside], y[inside]
        todo = todo[~inside]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "level", "area_code", "star_rating", "has_staff", "phone", "lon", "lat"])
        for i in range(n):
            w.writerow(
                [
                    f"{PREFIX}{i:06d}",
                    f"基准服务站{i}",
                    "village",
                    codes[pick[i]] if i % 2 == 0 else "",
                    int(rng.integers(1, 6)),
                    "是" if i % 3 else "否",
                    f"0773-{i:07d}",
                    f"{lon[i]:.7f}",
                    f"{lat[i]:.7f}",
                ]
            )


def _pg_dsn(url) -> str:
    parts = [f"dbname={url.database}", f"host={url.host or 'localhost'}", f"port={url.port or 5432}"]
    if url.username:
        parts.append(f"user={url.username}")
    if url.password:
        parts.append(f"password={url.password}")
    return "PG:" + " ".join(parts)


def _timed(label: str, fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    print(f"  {label}: {dt:.2f} s", flush=True)
    return dt, out


def _ogr2ogr(args: list[str]) -> None:
    subprocess.run(["ogr2ogr", *args], check=True, capture_output=True, text=True)


def main() -> None:
    """Run the benchmark and print the times, their ratio to the targets and to ogr2ogr."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=8)
    args = ap.parse_args()

    engine, url = open_bench_database()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM stations WHERE code LIKE :p"), {"p": PREFIX + "%"})
        conn.execute(text("DROP TABLE IF EXISTS bench_ogr_stations"))
    have_ogr = shutil.which("ogr2ogr") is not None
    with tempfile.TemporaryDirectory(prefix="vetmap-bench-") as tmp:
        folder = Path(tmp)
        csv_path = folder / "stations.csv"
        print(f"{args.rows} rows: generating {csv_path.name}", flush=True)
        write_csv(engine, csv_path, args.rows, args.seed)
        print(f"CSV size {csv_path.stat().st_size / 2**20:.1f} MiB", flush=True)

        print("import (ours: read, check every row, COPY, area checks, upsert in one transaction)")
        t_import, report = _timed(
            "import", lambda: run_import(engine, csv_path, ImportOptions("stations"), CLI_ACTOR)
        )
        print("  " + report.summary())
        t_again, again = _timed(
            "re-import of the same file",
            lambda: run_import(engine, csv_path, ImportOptions("stations"), CLI_ACTOR),
        )
        print("  " + again.summary())

        print("export to GeoPackage (ours)")
        gpkg = folder / "stations.gpkg"
        with engine.connect() as conn:
            t_export, n = _timed("export", lambda: export_collection(conn, "stations", "gpkg", gpkg))
        print(f"  {n} features, {gpkg.stat().st_size / 2**20:.1f} MiB")

        t_ogr_in = t_ogr_out = None
        if have_ogr:
            dsn = _pg_dsn(url)
            print("ogr2ogr (the peer: a plain load, no checks)")
            t_ogr_in, _ = _timed(
                "ogr2ogr CSV → PostGIS",
                lambda: _ogr2ogr(
                    [
                        "-f",
                        "PostgreSQL",
                        dsn,
                        str(csv_path),
                        "-nln",
                        "bench_ogr_stations",
                        "-overwrite",
                        "-oo",
                        "X_POSSIBLE_NAMES=lon",
                        "-oo",
                        "Y_POSSIBLE_NAMES=lat",
                        "-oo",
                        "KEEP_GEOM_COLUMNS=NO",
                        "-a_srs",
                        "EPSG:4326",
                        "-lco",
                        "GEOMETRY_NAME=geom",
                        "--config",
                        "PG_USE_COPY",
                        "YES",
                    ]
                ),
            )
            t_ogr_out, _ = _timed(
                "ogr2ogr PostGIS → GeoPackage",
                lambda: _ogr2ogr(
                    ["-f", "GPKG", str(folder / "ogr.gpkg"), dsn, "stations", "-nln", "stations"]
                ),
            )
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_ogr_stations"))
    engine.dispose()

    print()
    print(
        f"{'measure':<28}{'ours s':>9}{'target s':>10}{'ours/target':>13}{'ogr2ogr s':>11}{'ours/ogr2ogr':>14}"
    )
    for label, ours, target, peer in (
        (f"import {args.rows} rows CSV", t_import, IMPORT_TARGET_S, t_ogr_in),
        (f"export {n} features GPKG", t_export, EXPORT_TARGET_S, t_ogr_out),
    ):
        peer_s = f"{peer:.2f}" if peer is not None else "–"
        ratio = f"{ours / peer:.2f}" if peer else "–"
        print(f"{label:<28}{ours:>9.2f}{target:>10.0f}{ours / target:>13.2f}{peer_s:>11}{ratio:>14}")
    print(f"re-import (all unchanged): {t_again:.2f} s")


if __name__ == "__main__":
    main()
