"""Messy-register benchmark (issue 23): a 100,000-row Excel register as a county bureau keeps it against the clean
file of the same rows, both imported for real by the same code.

The messy workbook has a sheet of instructions before the register, two title rows (a title, 填报单位 and
填报时间), a header of two rows (坐标 over 经度 and 纬度, as merged cells read: the value in the first cell, the
others blank; the workbooks are written by openpyxl's write-only mode, which merges nothing), a 序号 column, a blank row every 5,000 rows and a 合计 row
at the bottom; no code column; each station's area as its township and village names (resolved in 资源县, the
``--area`` of the import); levels, star ratings and yes/no written as people write them (村级, 四星级, 是/否); points
in GCJ-02. The clean workbook holds the same stations with its header in the first row, the village's area code,
the stored values (village, 4, true) and WGS-84 points. Both go through natural keys, generated codes and the
likely-duplicate check (no code in either file).

Three rounds, interleaved (messy then clean, clean then messy, messy then clean); before each import the bench's
stations are deleted, so every import inserts 100,000 stations. The median of each is printed with their ratio;
the target is well under a minute for the messy file.

Run by hand from the project root (``make bench-import``, after the CSV/GPKG benchmark; alone:
``.venv/bin/python bench/import_registers.py [--rows 100000] [--seed 23]``). It uses the database of the
import benchmark (``vetmap_bench_import``; the demo atlas is loaded into it once).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import openpyxl  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.import_database import open_bench_database  # noqa: E402
from geo.accounts.audit import CLI_ACTOR  # noqa: E402
from geo.importing.run import ImportOptions, run_import  # noqa: E402
from geo.kit.crs import wgs84_to_gcj02  # noqa: E402

COUNTY = "450329"  # 资源县
TARGET_S = 60.0
NAME = "登记基准站"
STARS = ("一星级", "二星级", "三星级", "四星级", "五星级")


def _villages(engine):
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT v.code, t.name, v.name, ST_AsBinary(v.geom) FROM areas v JOIN areas t ON t.code = v.parent_code "
                "WHERE v.level = 'village' AND v.geom IS NOT NULL AND v.code LIKE :c ORDER BY v.code"
            ),
            {"c": COUNTY + "%"},
        ).all()
    return rows, shapely.from_wkb([bytes(r[3]) for r in rows])


def _points(polys, pick, rng) -> tuple[np.ndarray, np.ndarray]:
    n = len(pick)
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
    return lon, lat


def write_books(engine, folder: Path, n: int, seed: int) -> tuple[Path, Path]:
    """The messy and the clean workbook of the same n stations at random points inside 资源县's villages."""
    rng = np.random.default_rng(seed)
    villages, polys = _villages(engine)
    pick = rng.integers(0, len(villages), n)
    lon, lat = _points(polys, pick, rng)
    stars = rng.integers(1, 6, n)
    # merged cells read as their first cell's value, the rest blank
    messy_book = openpyxl.Workbook(write_only=True)
    notes = messy_book.create_sheet("填表说明")
    notes.append(["填表说明：坐标请从高德地图拾取；星级填“X星级”；不要改动表头。"])
    ws = messy_book.create_sheet("服务站")
    ws.append(["资源县退役军人服务站（点）建设情况统计表"])  # merged over the columns in the bureau's file
    ws.append(
        ["填报单位：资源县退役军人事务局", None, None, None, None, None, None, "填报时间：2024年5月20日"]
    )
    ws.append(
        [
            "序号",
            "站点名称",
            "乡镇（街道）",
            "村（社区）",
            "站点级别",
            "坐标",
            None,
            "星级评定",
            "是否有人员",
            "联系电话",
        ]
    )
    ws.append([None, None, None, None, None, "经度", "纬度", None, None, None])
    clean_book = openpyxl.Workbook(write_only=True)
    cs = clean_book.create_sheet("stations")
    cs.append(["name", "area_code", "level", "lon", "lat", "star_rating", "has_staff", "phone"])
    for i in range(n):
        code, township, village, _wkb = villages[pick[i]]
        g_lon, g_lat = wgs84_to_gcj02(lon[i], lat[i])
        name = f"{NAME}{i}"
        staff = i % 3 != 0
        ws.append(
            [
                i + 1,
                name,
                township,
                village,
                "村级",
                round(g_lon, 7),
                round(g_lat, 7),
                STARS[stars[i] - 1],
                "是" if staff else "否",
                f"0773-{i:07d}",
            ]
        )
        cs.append(
            [name, code, "village", round(lon[i], 7), round(lat[i], 7), int(stars[i]), staff, f"0773-{i:07d}"]
        )
        if i % 5000 == 4999:
            ws.append([])
    ws.append(["合计", f"{n}个"])
    messy, clean = folder / "messy.xlsx", folder / "clean.xlsx"
    messy_book.save(messy)
    clean_book.save(clean)
    return messy, clean


def _clear(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM stations WHERE name LIKE :p"), {"p": NAME + "%"})


def _run(engine, path: Path, messy: bool, rows: int) -> float:
    _clear(engine)
    options = ImportOptions("stations", "GCJ02" if messy else None, area=COUNTY if messy else None)
    t0 = time.perf_counter()
    report = run_import(engine, path, options, CLI_ACTOR)
    took = time.perf_counter() - t0
    c = report.counts
    assert c["inserted"] == rows, (path.name, c, [r.reason for r in report.rows if r.reason][:5])
    print(f"  {'messy' if messy else 'clean'}: {took:.1f} s ({c['inserted']} inserted)", flush=True)
    return took


def main() -> None:
    """Build both workbooks, import them in three interleaved rounds, print the medians and their ratio."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=23)
    args = ap.parse_args()
    engine, _url = open_bench_database()
    times: dict[bool, list[float]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="vetmap-bench-registers-") as tmp:
        t0 = time.perf_counter()
        messy, clean = write_books(engine, Path(tmp), args.rows, args.seed)
        print(
            f"{args.rows} rows: messy.xlsx {messy.stat().st_size / 2**20:.1f} MiB, clean.xlsx "
            f"{clean.stat().st_size / 2**20:.1f} MiB (written in {time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
        for round_no, order in enumerate(((True, False), (False, True), (True, False)), start=1):
            print(f"round {round_no}", flush=True)
            for is_messy in order:
                times[is_messy].append(_run(engine, messy if is_messy else clean, is_messy, args.rows))
    _clear(engine)
    engine.dispose()
    m, c = statistics.median(times[True]), statistics.median(times[False])
    print()
    print(f"{'file':<10}{'median s':>10}{'rounds s':>26}{'target s':>10}")
    print(f"{'messy':<10}{m:>10.1f}{', '.join(f'{x:.1f}' for x in times[True]):>26}{TARGET_S:>10.0f}")
    print(f"{'clean':<10}{c:>10.1f}{', '.join(f'{x:.1f}' for x in times[False]):>26}{'':>10}")
    print(f"messy / clean: {m / c:.2f}; messy / target: {m / TARGET_S:.2f}")
    if m >= TARGET_S:
        sys.exit(f"the messy register took {m:.1f} s, over the {TARGET_S:.0f} s target")


if __name__ == "__main__":
    main()
