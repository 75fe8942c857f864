"""Server memory (issue 25): resident set size of ``uvicorn main:app`` after start, on the county demo and at national
scale, against a bare FastAPI app on the same database.

Run from the project root:  .venv/bin/python bench/memory.py [--sets demo,national] [--launch uvicorn,serve]
[--rounds 3] [--no-pages] [--before REV] [--env NAME=VALUE] (or ``make bench-memory``). Targets: demo < 300 MB,
national < 600 MB. ``--launch``: ``uvicorn main:app`` and/or ``python main.py serve`` (as ./setup.sh serves; it
migrates first and carries the command line's modules), both by default.

The data sets, each a database on the configured server (embedded cluster by default):

- ``demo``: ``vetmap_bench_memory``, the county demo atlas of 资源县 (450329) as ``./setup.sh`` loads it
  (``main.py demo load``: about 8,900 sites, every collection under ``map_embed_max``, so no pyramid is built).
- ``national``: ``vetmap_bench_coverage``, the synthetic national set of bench/coverage_national.py (640,000
  stations), loaded by it unless already there; the overview map's cluster pyramid of the stations is built at
  start (api/app.py's lifespan, geo/atlas/clusters.py ``ClusterService.warm``).

For each round (--rounds, interleaved: every set, then the peer):

1. ours: ``uvicorn main:app`` (one worker) in a subprocess on 127.0.0.1, against that database, basemap none. Once
   /healthz answers, the start-up warming is waited for: a zoom-0 cluster tile of every collection over
   ``map_embed_max`` (the tile waits on the pyramid's lock while the lifespan's thread builds it, then reads it),
   then 1 s of rest. *after start*: VmRSS of the process (/proc/<pid>/status), and its high-water mark VmHWM.
2. unless --no-pages, a few pages a visitor opens first: the overview map ``/`` (zh and en), its cluster tiles at
   zoom 5 over China (national), a site list, the OGC items of stations, the public search (empty and 烈士; its
   county choice reads the pinyin of every county, so pypinyin's 55 MiB dictionary is loaded from then on);
   *after pages*: VmRSS and VmHWM again.
3. the peer: a bare FastAPI app (``create_bare_app`` below) under the same uvicorn, one /healthz route running
   ``SELECT 1`` through a SQLAlchemy engine (psycopg 2) on the demo database: the floor any FastAPI + PostGIS
   service pays (interpreter, uvicorn, FastAPI, pydantic, SQLAlchemy, the driver). It does not depend on the data,
   so it is measured once a round.

Prints the median of the rounds (MB = MiB) per set: after start, after pages, VmHWM, ours - bare, and whether the
target is met. ``--before REV`` also serves the code of a git revision (``git archive`` to a temporary folder, this
checkout's interpreter; as bench/hostile_uploads.py) in each round, for before/after figures from one run.
``--env NAME=VALUE`` (repeatable) adds to our server's environment, e.g. ``--env MALLOC_ARENA_MAX=2``.
Absolute figures are this machine's (Python 3.11, glibc malloc); not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import urllib.error
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.features_vs_tipg import fetch, log, serve  # noqa: E402
from bench.hostile_uploads import code_of, status_mib  # noqa: E402

DEMO_DB = "vetmap_bench_memory"
NATIONAL_DB = "vetmap_bench_coverage"  # bench/coverage_national.py's
SETS = ("demo", "national")
TARGET_MIB = {"demo": 300, "national": 600}
REST_S = 1.0
UVICORN = ["-m", "uvicorn", "--workers", "1", "--no-access-log", "--log-level", "warning"]
LAUNCHES = {
    "uvicorn": [*UVICORN, "main:app"],
    "serve": ["main.py", "serve", "--log-level", "warning"],  # as ./setup.sh serves (migrates first)
}


# -- the databases --------------------------------------------------------------------------------------------------


def prepare(name: str):
    """The set's database URL, created, migrated and loaded when it is not yet."""
    from geo.database.engine import database_url, ensure_database, ensure_embedded_running, make_engine
    from geo.database.migrate import upgrade
    from geo.settings import Settings

    settings = Settings()
    ensure_embedded_running(settings)
    url = database_url(settings, DEMO_DB if name == "demo" else NATIONAL_DB)
    ensure_database(url)
    upgrade(url)
    engine = make_engine(url)
    try:
        if name == "demo":
            from geo.demo.atlas import atlas_is_empty, load_demo

            if atlas_is_empty(engine):
                log(f"loading the county demo atlas into {DEMO_DB} (once)")
                load_demo(engine, scale="county")
        else:
            from bench.coverage_national import prepare as prepare_national

            prepare_national(engine, 7)
    finally:
        engine.dispose()
    return url


def warmed_collections(url) -> list[str]:
    """The collections whose pyramid the app builds at start: more sites than ``map_embed_max``."""
    from geo.atlas.overview import site_counts
    from geo.database.engine import make_engine
    from geo.settings import Settings

    embed_max = Settings().map_embed_max
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [c for c, n in site_counts(conn, embed_max + 1).items() if n > embed_max]
    finally:
        engine.dispose()


# -- the peer ------------------------------------------------------------------------------------------------------


def create_bare_app():
    """The peer: FastAPI with one /healthz route that runs ``SELECT 1`` on BENCH_MEMORY_URL through SQLAlchemy."""
    from fastapi import FastAPI
    from sqlalchemy import create_engine, text

    engine = create_engine(os.environ["BENCH_MEMORY_URL"], pool_size=4)
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    return app


# -- one server ----------------------------------------------------------------------------------------------------


@dataclass
class Reading:
    """One server's memory in MiB: at rest after start (and warming), after the first pages."""

    start: float
    start_hwm: float
    pages: float | None = None
    pages_hwm: float | None = None


def _get(port: int, path: str) -> None:
    status = fetch(port, path, timeout=300)[0]
    if status != 200:
        raise SystemExit(f"GET {path} answered {status}")


def page_paths(name: str, warmed: list[str]) -> list[str]:
    """The first pages of a visitor: the overview map in both languages, a list, OGC items, cluster tiles."""
    paths = ["/", "/?lang=en", "/ogc/collections/stations/items?limit=100", "/api/v1/stations?limit=50"]
    paths += ["/search", "/search?q=%E7%83%88%E5%A3%AB"]  # the public search, its county choice and 烈士
    if name == "national":  # a first view over China at zoom 5 (x 23-27, y 11-14)
        paths += [
            f"/api/v1/clusters/{c}/5/{x}/{y}.json"
            for c in warmed
            for x in range(23, 28)
            for y in range(11, 15)
        ]
    return paths


def measure(
    label: str, launch: str, cwd: Path, url, name: str, warmed: list[str], pages: bool, extra: dict[str, str]
) -> Reading:
    """Start our app from ``cwd`` on the set's database, wait for its warming, read its memory (then pages')."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VETMAP_")}
    env |= {
        "VETMAP_DATABASE_URL": url.render_as_string(hide_password=False),
        "VETMAP_BASEMAP": "none",
        **extra,
    }
    argv = [sys.executable, *LAUNCHES[launch]]
    with serve(f"memory-{label}-{launch}-{name}", argv, env, cwd, "/healthz") as server:
        pid = server.process.pid
        for collection in warmed:  # waits on the pyramid's lock while the start-up thread builds it
            _get(server.port, f"/api/v1/clusters/{collection}/0/0/0.json")
        time.sleep(REST_S)
        reading = Reading(status_mib(pid, "VmRSS"), status_mib(pid, "VmHWM"))
        if pages:
            for path in page_paths(name, warmed):
                _get(server.port, path)
            time.sleep(REST_S)
            reading.pages, reading.pages_hwm = status_mib(pid, "VmRSS"), status_mib(pid, "VmHWM")
    return reading


def measure_bare(url) -> float:
    """VmRSS of the peer after it answered /healthz (which has run its SELECT)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VETMAP_")}
    env["BENCH_MEMORY_URL"] = url.render_as_string(hide_password=False)
    argv = [sys.executable, *UVICORN, "--factory", "bench.memory:create_bare_app"]
    with serve("memory-bare", argv, env, ROOT, "/healthz") as server:
        time.sleep(REST_S)
        return status_mib(server.process.pid, "VmRSS")


# -- the table -----------------------------------------------------------------------------------------------------


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def _mib(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def print_results(results: dict[tuple[str, str, str], list[Reading]], bare: list[float], rounds: int) -> None:
    """Medians per (code, launch, set) and the peer."""
    floor = statistics.median(bare)
    print(
        f"\nserver memory, MiB, median of {rounds} round(s); peer: bare FastAPI + SQLAlchemy app {floor:.0f} MiB"
    )
    head = f"{'code':<7} {'launch':<8} {'set':<9} {'after start':>11} {'VmHWM':>6} {'after pages':>11} {'VmHWM':>6}"
    print(head + f" {'- bare':>7} {'x bare':>7}  target")
    for (code, launch, name), readings in results.items():
        start = statistics.median(r.start for r in readings)
        pages_hwm = _median([r.pages_hwm for r in readings])
        met = "met" if start < TARGET_MIB[name] else "NOT met"
        print(
            f"{code:<7} {launch:<8} {name:<9} {start:>11.0f} {statistics.median(r.start_hwm for r in readings):>6.0f}"
            f" {_mib(_median([r.pages for r in readings])):>11} {_mib(pages_hwm):>6}"
            f" {start - floor:>7.0f} {start / floor:>7.2f}  < {TARGET_MIB[name]}: {met}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated: demo, national")
    parser.add_argument(
        "--launch",
        default=",".join(LAUNCHES),
        help="comma-separated: uvicorn (main:app), serve (main.py serve)",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-pages", action="store_true", help="only the memory after start")
    parser.add_argument("--before", help="also serve the code of this git revision, e.g. HEAD~3")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for our server, repeatable")
    args = parser.parse_args()
    names = [s for s in args.sets.split(",") if s]
    launches = [s for s in args.launch.split(",") if s]
    if unknown := (set(names) - set(SETS)) | (set(launches) - set(LAUNCHES)):
        raise SystemExit(f"unknown set(s) or launch(es) {', '.join(sorted(unknown))}")
    extra = dict(item.split("=", 1) for item in args.env)

    urls = {name: prepare(name) for name in {*names, "demo"}}
    warmed = {name: warmed_collections(urls[name]) for name in names}
    results: dict[tuple[str, str, str], list[Reading]] = {}
    bare: list[float] = []
    codes = [("before", args.before)] if args.before else []
    codes.append(("now", None))
    for round_no in range(1, args.rounds + 1):
        for code, revision in codes:
            with code_of(revision) as cwd:
                for launch in launches:
                    for name in names:
                        log(f"round {round_no}: {code} {launch} {name}")
                        try:
                            reading = measure(
                                code, launch, cwd, urls[name], name, warmed[name], not args.no_pages, extra
                            )
                        except urllib.error.URLError as exc:
                            raise SystemExit(f"{code} {launch} {name}: {exc}") from exc
                        results.setdefault((code, launch, name), []).append(reading)
        bare.append(measure_bare(urls["demo"]))
    print_results(results, bare, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
