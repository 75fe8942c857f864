"""Martyr name search benchmark (issue 7): 2,000,000 synthetic martyr records, searched through geo/public/search.py by
Chinese name, pinyin (and a typo in it: the fuzzy retry), initials, hometown and year of death; p50/p95 per query kind against the target (well
under a second: p95 < 500 ms), and in the same run the peer: the same searches with the trigram indexes
dropped (a plain sequential ILIKE scan, the way a table without pg_trgm answers), with the ratio.

Run by hand from the project root (``make bench-search``):

    .venv/bin/python bench/search_martyrs.py [--rows 2000000] [--queries 30] [--peer-queries 5] [--reload]

It uses a database of its own (``vetmap_bench_martyrs``), loaded once with COPY (indexes built after the load,
as a bulk load should); ``--reload`` loads it again. Names are drawn from common surnames and given-name
characters; their pinyin is the concatenation of per-character readings from geo/kit/pinyin.py (the surname read
as a surname), computed once per character, so two million names cost no two million pypinyin calls.
The peer runs inside a transaction that drops the trigram indexes and is rolled back.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from sqlalchemy import text  # noqa: E402

from geo.database.engine import (  # noqa: E402
    database_url,
    drop_database,
    ensure_database,
    ensure_embedded_running,
    make_engine,
)
from geo.database.migrate import upgrade  # noqa: E402
from geo.kit.pinyin import name_pinyin  # noqa: E402
from geo.public.search import MartyrSearch, search_martyrs  # noqa: E402
from geo.settings import Settings  # noqa: E402

DATABASE = "vetmap_bench_martyrs"
TARGET_MS = 500.0
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文韦覃蒙莫农单"
)
GIVEN = list(
    "国华建明志勇军强英文永春德海清新光荣忠诚振兴学立民生福成树林山峰红卫东平安家宝秀兰桂芳玉珍凤云"
    "金银铁石松柏竹梅长庆贵富有才德仁义礼智信良善孝廉俊杰豪雄威武刚毅坚贞昌盛利发祥瑞吉庆喜乐和顺"
)
PROVINCES = ["广西", "湖南", "湖北", "广东", "四川", "河南", "山东", "江西", "福建", "贵州", "云南", "河北"]
COUNTY_CHARS = list(
    "东西南北中新安平和福兴龙凤石山河江桥坪岭塘田林湾口沙水云花竹桃李青金银红白黄长高大小上下"
)
UNITS = [
    "中国人民志愿军第{}军",
    "中国人民解放军第{}军",
    "八路军第{}团",
    "新四军第{}支队",
    "红{}军团",
    "广西边防第{}团",
]
SECONDARY = (
    "ix_martyrs_name_trgm",
    "ix_martyrs_name_pinyin_trgm",
    "ix_martyrs_hometown_trgm",
    "ix_martyrs_unit_trgm",
)
INDEXES = {
    "ix_martyrs_name_trgm": "USING gin (name gin_trgm_ops)",
    "ix_martyrs_name_pinyin_trgm": "USING gin (name_pinyin gin_trgm_ops)",
    "ix_martyrs_hometown_trgm": "USING gin (hometown gin_trgm_ops)",
    "ix_martyrs_unit_trgm": "USING gin (unit gin_trgm_ops)",
    "ix_martyrs_name_initials": "(name_initials text_pattern_ops)",
    "ix_martyrs_death_year": "(death_year)",
    "ix_martyrs_area_code": "(area_code text_pattern_ops)",
}


def _readings(chars: list[str], person: bool) -> tuple[np.ndarray, np.ndarray]:
    full = [name_pinyin(c, person=person)[0] for c in chars]
    return np.array(full, dtype=object), np.array([f[0] for f in full], dtype=object)


def _columns(n: int, seed: int) -> dict[str, np.ndarray]:
    """The synthetic columns of n records (object arrays of str, int arrays of years)."""
    rng = np.random.default_rng(seed)
    s_full, s_init = _readings(SURNAMES, True)
    g_full, g_init = _readings(GIVEN, False)
    s = rng.integers(0, len(SURNAMES), n)
    g1 = rng.integers(0, len(GIVEN), n)
    g2 = rng.integers(-len(GIVEN) // 2, len(GIVEN), n)  # negative: a one-character given name (a third)
    two = g2 >= 0
    g2 = np.where(two, g2, 0)
    surnames, given1, given2 = (
        np.array(SURNAMES, dtype=object),
        np.array(GIVEN, dtype=object),
        np.array(GIVEN, dtype=object),
    )
    empty = np.array([""] * n, dtype=object)
    name = surnames[s] + given1[g1] + np.where(two, given2[g2], empty)
    pinyin = s_full[s] + g_full[g1] + np.where(two, g_full[g2], empty)
    initials = s_init[s] + g_init[g1] + np.where(two, g_init[g2], empty)
    counties = np.array([a + b + "县" for a in COUNTY_CHARS for b in COUNTY_CHARS[:30]], dtype=object)
    provinces = np.array(PROVINCES, dtype=object)
    hometown = provinces[rng.integers(0, len(PROVINCES), n)] + counties[rng.integers(0, len(counties), n)]
    unit_kind = rng.integers(0, len(UNITS), n)
    unit_no = rng.integers(1, 70, n)
    unit = np.array(
        [UNITS[k].format(u) for k, u in zip(unit_kind.tolist(), unit_no.tolist(), strict=True)], dtype=object
    )
    death_year = rng.integers(1927, 1990, n)
    return {
        "name": name,
        "name_pinyin": pinyin,
        "name_initials": initials,
        "hometown": hometown,
        "unit": unit,
        "death_year": death_year,
    }


def load(engine, n: int, seed: int) -> float:
    """COPY n synthetic records into an empty martyrs table, then build its indexes; returns seconds."""
    t0 = time.perf_counter()
    cols = _columns(n, seed)
    print(f"generated {n:,} records in {time.perf_counter() - t0:.1f} s", flush=True)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE martyrs RESTART IDENTITY CASCADE"))
        for index in INDEXES:
            conn.execute(text(f"DROP INDEX IF EXISTS {index}"))
        names = list(cols)
        chunk = 200_000
        with conn.connection.dbapi_connection.cursor() as cur:
            for start in range(0, n, chunk):
                part = [cols[c][start : start + chunk].tolist() for c in names]
                buf = io.StringIO()
                buf.writelines("\t".join(map(str, row)) + "\tt\n" for row in zip(*part, strict=True))
                buf.seek(0)
                cur.copy_expert(f"COPY martyrs ({', '.join(names)}, synthetic) FROM STDIN", buf)
        print(f"copied in {time.perf_counter() - t0:.1f} s", flush=True)
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        for index, definition in INDEXES.items():
            t = time.perf_counter()
            conn.execute(text(f"CREATE INDEX {index} ON martyrs {definition}"))
            print(f"  {index} built in {time.perf_counter() - t:.1f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE martyrs"))
    return time.perf_counter() - t0


def _typo(pinyin: str) -> str:
    """The pinyin with one letter in the middle changed (to one no pinyin syllable holds there: 'v')."""
    middle = len(pinyin) // 2
    return pinyin[:middle] + "v" + pinyin[middle + 1 :]


def queries(engine, k: int, seed: int) -> dict[str, list[MartyrSearch]]:
    """k searches of each kind, drawn from the stored records (so each finds something)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT name, name_pinyin, name_initials, hometown, death_year FROM martyrs"
                " WHERE id IN (SELECT (random() * (SELECT max(id) - 1 FROM martyrs))::int + 1"
                " FROM generate_series(1, :k))"
            ),
            {"k": k * 2},
        ).all()[:k]
    rng = np.random.default_rng(seed)
    years = rng.integers(1930, 1985, k).tolist()
    return {
        "name (Chinese)": [MartyrSearch(text=r[0]) for r in rows],
        "pinyin": [MartyrSearch(text=r[1]) for r in rows],
        "initials": [MartyrSearch(text=r[2]) for r in rows],
        "pinyin typo": [MartyrSearch(text=_typo(r[1])) for r in rows],  # no match as written: the fuzzy retry
        "hometown": [MartyrSearch(hometown=r[3][2:]) for r in rows],
        "year + surname": [
            MartyrSearch(text=r[0][0], death_year=y) for r, y in zip(rows, years, strict=True)
        ],
    }


def _time(conn, searches: list[MartyrSearch]) -> tuple[float, float, int]:
    times, matched = [], 0
    for q in searches:
        t = time.perf_counter()
        total, _ = search_martyrs(conn, q)
        times.append((time.perf_counter() - t) * 1000)
        matched += total
    return float(np.percentile(times, 50)), float(np.percentile(times, 95)), matched // max(1, len(searches))


def run(engine, k: int, peer_k: int, seed: int) -> None:
    """Time each kind of search with the indexes and, in a rolled-back transaction, without them."""
    kinds = queries(engine, k, seed)
    ours = {}
    with engine.connect() as conn:
        search_martyrs(conn, kinds["pinyin"][0])  # warm the connection and the cache
        for kind, searches in kinds.items():
            ours[kind] = _time(conn, searches)
    peer = {}
    with engine.connect() as conn:
        tx = conn.begin()
        conn.execute(text(f"DROP INDEX {', '.join(SECONDARY)}"))
        for kind, searches in kinds.items():
            peer[kind] = _time(conn, searches[:peer_k])
        tx.rollback()
    print(
        f"\n{'query kind':<16} {'matched':>8} {'p50 ms':>8} {'p95 ms':>8} {'target':>8}   "
        f"{'peer p50':>9} {'peer p95':>9} {'ratio p50':>9}"
    )
    for kind in kinds:
        p50, p95, matched = ours[kind]
        q50, q95, _ = peer[kind]
        verdict = "ok" if p95 < TARGET_MS else "SLOW"
        print(
            f"{kind:<16} {matched:>8,} {p50:>8.1f} {p95:>8.1f} {verdict:>8}   {q50:>9.1f} {q95:>9.1f} "
            f"{q50 / max(p50, 0.001):>8.0f}x"
        )
    print(
        f"\ntarget: p95 < {TARGET_MS:.0f} ms per search (well under a second); peer: the same SQL with the "
        "trigram indexes dropped (sequential scan with ILIKE)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--peer-queries", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reload", action="store_true", help="load the records again")
    args = parser.parse_args()
    settings = Settings()
    ensure_embedded_running(settings)
    url = database_url(settings, DATABASE)
    if args.reload:
        drop_database(url)
    ensure_database(url)
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            have = conn.execute(text("SELECT count(*) FROM martyrs")).scalar_one()
        if have != args.rows:
            print(f"loading {args.rows:,} records (found {have:,}) ...", flush=True)
            print(f"loaded in {load(engine, args.rows, args.seed):.1f} s")
        else:
            print(f"{have:,} records already loaded (--reload to load again)")
        run(engine, args.queries, args.peer_queries, args.seed)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
