"""Load and fault benchmark: a mixed public/crew workload on the national-scale set, PostgreSQL restarted mid-run.

Run from the project root:  .venv/bin/python bench/load_faults.py [--duration 60] [--concurrency 16]  (make bench-load)

One run
1. prepares the bench's OWN cluster (var/bench-load, port 54339 or the next free one; never the shared one) with
   the national synthetic set of bench/coverage_national.py, two memorials and a cemetery per county, 16 crew
   accounts in 16 counties and one coverage run; loaded once, kept between runs (bench/load_cluster.py);
2. starts the app (uvicorn, --workers 1 by default, ``bench.serve_ours:create_bench_app``) on 127.0.0.1;
3. drives --concurrency closed-loop clients (httpx, asyncio, one process) for --duration seconds with the mix of
   bench/load_workload.py ``MIX``: 85 % public reads (OGC items by bbox, tiles, nearest stations, site search,
   site pages, coverage API), 15 % crew writes (inspections, work orders, each with a client_key);
4. at --fault-at of the run restarts PostgreSQL (``pg_ctl restart -m fast``) without touching the app;
5. reports requests/s and p50/p95/p99 per kind, errors by status or exception, the error window around the
   restart, the recovery, and checks in the database that every write answered 2xx is there;
6. the peer, in the same run: OGC items only, against our app and against a bare Starlette + psycopg app running
   the same page SQL (bench/load_baseline.py) as the ceiling; prints our share of it.

Exit status 1 when an acknowledged write is missing, an error was not a clean 503 with a reason, or the app did not
answer again after the restart. The machine has 2 cores shared by app, PostgreSQL and the load generator: the
client's CPU share is printed; absolute numbers are this machine's.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, text  # noqa: E402

from bench.features_vs_tipg import serve  # noqa: E402
from bench.load_cluster import cluster, crew_tokens, log, prepare, restart  # noqa: E402
from bench.load_workload import MIX, WRITE_KINDS, Outcome, drawer, drive, percentile, read_material  # noqa: E402

TABLE_OF = {"inspection": "inspections", "work_order": "work_orders"}


def tree_cpu_seconds(root_pid: int) -> float:
    """User + system CPU seconds of a process and all its live descendants, with those of the children they have
    reaped (a backend that exits during a phase still counts: its time moves to the postmaster's)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / tick)  # utime..cstime
    wanted, total, grew = {root_pid}, 0.0, True
    while grew:
        grew = False
        for pid, (ppid, _) in stats.items():
            if ppid in wanted and pid not in wanted:
                wanted.add(pid)
                grew = True
    for pid in wanted:
        total += stats.get(pid, (0, 0.0))[1]
    return total


def postmaster_pid() -> int:
    """The pid of the bench cluster's postmaster (first line of postmaster.pid)."""
    return int((cluster().data_dir / "postmaster.pid").read_text().split()[0])


class CpuMeter:
    """CPU seconds of the load generator, the app and PostgreSQL over one phase (PostgreSQL across a restart too)."""

    def __init__(self, app_pid: int) -> None:
        self.app_pid = app_pid
        self.client0 = time.process_time()
        self.app0 = tree_cpu_seconds(app_pid)
        self.pg_done = 0.0
        self.pg0 = tree_cpu_seconds(postmaster_pid())

    def before_restart(self) -> None:
        """Bank PostgreSQL's CPU so far (its processes are about to go)."""
        self.pg_done += tree_cpu_seconds(postmaster_pid()) - self.pg0

    def after_restart(self) -> None:
        """Start counting the new postmaster's processes."""
        self.pg0 = tree_cpu_seconds(postmaster_pid())

    def shares(self, wall: float) -> dict[str, float]:
        """Each party's share of the machine's CPU capacity (cores x wall seconds)."""
        capacity = wall * (os.cpu_count() or 1)
        pg = self.pg_done + tree_cpu_seconds(postmaster_pid()) - self.pg0
        return {
            "client": (time.process_time() - self.client0) / capacity,
            "app": (tree_cpu_seconds(self.app_pid) - self.app0) / capacity,
            "postgres": pg / capacity,
        }


def metered_restart(meter: CpuMeter) -> float:
    """Restart the bench cluster, banking PostgreSQL's CPU before (runs in a thread: /proc scans block)."""
    meter.before_restart()
    seconds = restart(cluster())
    meter.after_restart()
    return seconds


def run_phase(base_url: str, draw, args, app_pid: int, fault_at: float | None) -> dict:
    """Drive one phase; with ``fault_at`` restart the bench cluster that many seconds in."""
    meter = CpuMeter(app_pid)
    fault: dict[str, float] = {}

    async def restart_later(t0: float) -> None:
        await asyncio.sleep(max(0.0, t0 + fault_at - time.monotonic()))
        fault["begin"] = time.monotonic() - t0
        log(f"restarting PostgreSQL (pg_ctl restart -m fast) at {fault['begin']:.1f} s")
        fault["pg_seconds"] = await asyncio.to_thread(metered_restart, meter)
        fault["end"] = time.monotonic() - t0
        log(f"PostgreSQL back after {fault['pg_seconds']:.1f} s")

    def during(t0: float):
        return asyncio.ensure_future(restart_later(t0)) if fault_at is not None else None

    outcomes, wall = asyncio.run(drive(base_url, draw, args.concurrency, args.duration, during, args.timeout))
    return {"outcomes": outcomes, "wall": wall, "fault": fault, "cpu": meter.shares(wall)}


def _row(name: str, items: list[Outcome], wall: float) -> tuple:
    ok = [o.end - o.start for o in items if o.ok]
    ms = [1000 * percentile(ok, q) for q in (50, 95, 99)]
    return (name, len(items), len(ok) / wall, *ms, len(items) - len(ok))


def print_kinds(title: str, phase: dict) -> None:
    """Requests/s (answered 2xx), latency percentiles of the 2xx answers and the error count per kind."""
    outcomes, wall = phase["outcomes"], phase["wall"]
    print(f"\n{title}  ({wall:.1f} s wall)")
    print(f"{'kind':<16}{'requests':>9}{'ok req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    rows = [_row(k, [o for o in outcomes if o.kind == k], wall) for k in sorted({o.kind for o in outcomes})]
    reads = [o for o in outcomes if o.kind not in WRITE_KINDS]
    writes = [o for o in outcomes if o.kind in WRITE_KINDS]
    rows += [
        _row("public reads", reads, wall),
        _row("crew writes", writes, wall),
        _row("ALL", outcomes, wall),
    ]
    for name, n, rps, p50, p95, p99, errors in rows:
        if name == "public reads":
            print("-" * 70)
        print(f"{name:<16}{n:>9}{rps:>10.1f}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{errors:>8}")
    cpu = phase["cpu"]
    print("CPU share of the 2 cores: " + ", ".join(f"{k} {v:.0%}" for k, v in cpu.items()))


def error_report(phase: dict) -> tuple[list[str], bool]:
    """Errors by kind and status/exception, the error window around the restart and the recovery; and whether
    every error was a clean 503 with a reason and the app answered 2xx again after the restart."""
    outcomes, fault = phase["outcomes"], phase["fault"]
    failed = sorted((o for o in outcomes if not o.ok), key=lambda o: o.start)
    lines = []
    counts = Counter((o.kind, o.error) for o in failed)
    for (kind, error), n in sorted(counts.items()):
        sample = next(o.detail for o in failed if o.kind == kind and o.error == error)
        lines.append(f"  {n:>5} x {kind:<12} {error:<22} e.g. {sample!r:.110}")
    clean = all(o.status == 503 and '"detail"' in (o.detail or "") for o in failed)
    recovered = True
    if fault:
        begin, end = fault["begin"], fault["end"]
        lines.append(
            f"restart: PostgreSQL down/up from {begin:.2f} s to {end:.2f} s ({fault['pg_seconds']:.2f} s, pg_ctl -w)"
        )
        outage = [o for o in failed if o.status == 0 or o.status >= 500]
        if outage:
            first = min(o.end for o in outage)
            last = max(o.end for o in outage)
            in_flight = sum(1 for o in outage if o.start < begin)
            lines.append(
                f"error window: {len(outage)} failed answers from {first:.2f} s to {last:.2f} s ({last - first:.2f} s;"
                f" {first - begin:+.2f} s after the restart began .. {last - end:+.2f} s after pg_ctl returned);"
                f" {in_flight} of them were already in flight when it began"
            )
        after = [o for o in outcomes if o.start >= end]
        ok_after = [o for o in after if o.ok]
        first_ok = min((o.end for o in ok_after), default=None)
        recovered = bool(ok_after) and ok_after[-1].end >= max((o.end for o in outage), default=0)
        lines.append(
            f"after the restart: {len(ok_after)}/{len(after)} requests 2xx"
            + (
                f", first 2xx answer {first_ok - end:.2f} s after pg_ctl returned"
                if first_ok is not None
                else ""
            )
        )
    lines.append("every error a 503 with a reason: " + ("yes" if clean else "NO"))
    return lines, clean and recovered


def check_writes(engine: Engine, outcomes: list[Outcome]) -> tuple[list[str], int]:
    """Every write answered 2xx must be in the database with the id it was answered with; returns lines, lost."""
    lines, lost_total = [], 0
    with engine.connect() as conn:
        for kind, table in TABLE_OF.items():
            acked = [o for o in outcomes if o.kind == kind and o.ok]
            unsure = [o for o in outcomes if o.kind == kind and not o.ok]
            keys = [o.client_key for o in acked + unsure]
            stored = dict(
                conn.execute(
                    text(
                        f"SELECT client_key::text, id FROM {table} WHERE client_key = ANY(CAST(:k AS uuid[]))"
                    ),
                    {"k": keys},
                ).all()
            )
            lost = [o for o in acked if stored.get(o.client_key) != o.record_id]
            landed = sum(1 for o in unsure if o.client_key in stored)
            lost_total += len(lost)
            lines.append(
                f"  {table:<12} acknowledged {len(acked):>5}, in the database with that id {len(acked) - len(lost):>5},"
                f" LOST {len(lost)}; failed {len(unsure)} (of which {landed} committed anyway: a resend replays it)"
            )
    return lines, lost_total


def app_env(url) -> dict[str, str]:
    """The environment of our app: the bench database, no basemap tiles from the internet."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VETMAP_", "BENCH_"))}
    env["VETMAP_DATABASE_URL"] = url.render_as_string(hide_password=False)
    env["VETMAP_BASEMAP"] = "none"
    return env


def uvicorn_argv(factory: str, workers: int) -> list[str]:
    """uvicorn serving an app factory with the bench's settings."""
    return [sys.executable, "-m", "uvicorn", "--factory", factory, "--workers", str(workers)] + [
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the mixed run (default 60)")
    parser.add_argument("--concurrency", type=int, default=16, help="closed-loop clients (default 16)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of both servers (default 1)")
    parser.add_argument("--fault-at", type=float, default=0.5, help="restart at this share of the run (0.5)")
    parser.add_argument("--no-fault", action="store_true", help="do not restart PostgreSQL")
    parser.add_argument(
        "--peer-duration", type=float, default=15.0, help="seconds of each items-only run (15)"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="client timeout per request, s (10)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args()
    if args.duration <= 0 or args.concurrency < 1 or not 0 < args.fault_at < 1 or args.peer_duration < 0:
        parser.error("--duration > 0, --concurrency >= 1, 0 < --fault-at < 1, --peer-duration >= 0")

    from geo.database.engine import make_engine

    url = prepare(args.seed)
    engine = make_engine(url)
    material = read_material(engine, crew_tokens(engine), args.seed)
    argv = uvicorn_argv("bench.serve_ours:create_bench_app", args.workers)
    fault_at = None if args.no_fault else args.duration * args.fault_at
    items_only = {"ogc_items": 1}
    with serve("load-ours", argv, app_env(url), ROOT, "/healthz") as ours:
        base = f"http://127.0.0.1:{ours.port}"
        log("warming up (3 s, not counted)")
        asyncio.run(drive(base, drawer(material, args.seed + 1), args.concurrency, 3.0))
        log(
            f"mixed run: {args.duration:.0f} s, {args.concurrency} clients"
            + ("" if args.no_fault else ", restart")
        )
        mixed = run_phase(base, drawer(material, args.seed), args, ours.process.pid, fault_at)
        peer_ours = None
        if args.peer_duration:
            log(f"items only against ours ({args.peer_duration:.0f} s)")
            peer_args = argparse.Namespace(**{**vars(args), "duration": args.peer_duration})
            peer_ours = run_phase(
                base, drawer(material, args.seed, items_only), peer_args, ours.process.pid, None
            )
    peer_base = None
    if args.peer_duration:
        env = app_env(url)
        env["BENCH_BASELINE_DSN"] = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with serve("load-baseline", uvicorn_argv("bench.load_baseline:create_baseline_app", args.workers), env,
                   ROOT, "/healthz") as bare:  # fmt: skip
            log(f"items only against the bare baseline ({args.peer_duration:.0f} s)")
            base = f"http://127.0.0.1:{bare.port}"
            asyncio.run(drive(base, drawer(material, args.seed + 1, items_only), args.concurrency, 2.0))
            peer_base = run_phase(
                base, drawer(material, args.seed, items_only), peer_args, bare.process.pid, None
            )

    write_lines, lost = check_writes(engine, mixed["outcomes"] + (peer_ours or {"outcomes": []})["outcomes"])
    engine.dispose()
    error_lines, clean = error_report(mixed)

    print(
        f"\nVetMap load and fault benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, national synthetic set"
    )
    print(f"{args.concurrency} clients, {args.workers} uvicorn worker(s), 2 shared cores; mix: "
          + ", ".join(f"{k} {v}" for k, v in MIX.items()))  # fmt: skip
    print_kinds(
        "mixed run" + ("" if args.no_fault else f" with a PostgreSQL restart at {fault_at:.0f} s"), mixed
    )
    print("\nerrors (kind, status or exception):")
    print("\n".join(error_lines))
    print("\nacknowledged writes:")
    print("\n".join(write_lines))
    summary = {"mixed": _summary(mixed), "lost_writes": lost, "clean_errors_and_recovered": clean}
    if peer_ours and peer_base:
        print_kinds("peer: OGC items only, ours", peer_ours)
        print_kinds("peer: OGC items only, bare Starlette + psycopg, same SQL (the ceiling)", peer_base)
        ours_rps = sum(o.ok for o in peer_ours["outcomes"]) / peer_ours["wall"]
        base_rps = sum(o.ok for o in peer_base["outcomes"]) / peer_base["wall"]
        print(
            f"\nours / bare baseline, OGC items req/s: {ours_rps:.1f} / {base_rps:.1f} = {ours_rps / base_rps:.2f}"
        )
        summary["peer"] = {"ours_rps": ours_rps, "baseline_rps": base_rps, "ratio": ours_rps / base_rps}
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    verdict = lost == 0 and clean
    print("VERDICT: " + ("ok" if verdict else "FAILED") + f" (lost acknowledged writes: {lost})")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0 if verdict else 1


def _summary(phase: dict) -> dict:
    """Numbers of one phase for --json."""
    outcomes, wall = phase["outcomes"], phase["wall"]
    ok = [o.end - o.start for o in outcomes if o.ok]
    return {
        "requests": len(outcomes),
        "ok_rps": len(ok) / wall,
        "p50_ms": 1000 * percentile(ok, 50),
        "p95_ms": 1000 * percentile(ok, 95),
        "p99_ms": 1000 * percentile(ok, 99),
        "errors": len(outcomes) - len(ok),
        "fault": phase["fault"],
        "cpu": phase["cpu"],
    }


if __name__ == "__main__":
    sys.exit(main())
