"""Province-scale coverage (Guangxi demo: 17,624 stations, 16,248 villages and communities, 1,250 townships):
the whole coverage run, and one county's rates through the API.

Run from the project root:  .venv/bin/python bench/coverage_province.py [--repeat 3] [--requests 30]

One run
1. prepares the database ``vetmap_bench_coverage_gx`` on the configured server (embedded cluster by
   default): creates and migrates it and loads the Guangxi-scale demo unless it is already there;
2. times the whole coverage run (``run_full``: COPY in, nearest per level, COPY out), --repeat times;
3. starts the app in-process (FastAPI TestClient, the full ASGI stack, no network) and times
   ``GET /api/v1/coverage/rates?area=<county>`` for the county with the most villages and for 资源县
   (450329), then the province by county, each --requests times (median and 95th percentile);
4. adds a station through the API and times the next rates request, which applies it incrementally;
5. prints the table against the targets (run < 5 s, one county's rates < 100 ms).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

BENCH_DB = "vetmap_bench_coverage_gx"
GUANGXI_STATIONS = 17_624


def _admin_headers(engine) -> dict[str, str]:
    """Bearer headers of the bench's national admin (made once), who may add and delete the timed station."""
    from geo.accounts.audit import CLI_ACTOR
    from geo.accounts.credentials import create_api_token
    from geo.accounts.users import create_account, find_account

    with engine.begin() as conn:
        account = find_account(conn, "bench-admin") or create_account(
            conn, CLI_ACTOR, "bench-admin", "bench-admin-password-1", "admin", None
        )
        token, _ = create_api_token(conn, CLI_ACTOR, account.id, "coverage province bench")
    return {"Authorization": f"Bearer {token}"}


def _timed(call, n: int) -> tuple[float, float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]


def prepare_guangxi(settings):
    """Create and migrate ``vetmap_bench_coverage_gx`` and load the Guangxi-scale demo unless it is there;
    return (url, engine)."""
    from geo.database.engine import database_url, ensure_database, ensure_embedded_running, make_engine
    from geo.database.migrate import upgrade
    from geo.demo.atlas import load_demo

    ensure_embedded_running(settings)
    url = database_url(settings, BENCH_DB)
    ensure_database(url)
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        loaded = conn.execute(text("SELECT count(*) FROM stations WHERE area_code LIKE '45%'")).scalar_one()
    if loaded != GUANGXI_STATIONS:
        print("loading the Guangxi-scale demo (once) ...", flush=True)
        load_demo(engine, scale="guangxi", force=True)
    return url, engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="full runs to time")
    parser.add_argument("--requests", type=int, default=30, help="requests per API timing")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from api.app import create_app
    from geo.coverage.runs import CoverageParams, run_full
    from geo.settings import Settings

    settings = Settings()
    url, engine = prepare_guangxi(settings)

    rows: list[tuple[str, float, float | None, str]] = []
    runs = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        run = run_full(engine, CoverageParams())
        runs.append(time.perf_counter() - start)
    counts = run.counts
    rows.append(
        (
            "whole coverage run (run_full)",
            statistics.median(runs),
            max(runs),
            f"{counts['villages']['units']:,} villages, {counts['townships']['units']:,} townships, "
            f"{counts['stations']:,} active stations; read {counts['timings']['read_s']} s, nearest "
            f"{counts['timings']['nearest_s']} s, write {counts['timings']['write_s']} s; target < 5 s",
        )
    )
    with engine.connect() as conn:
        biggest = conn.execute(
            text(
                "SELECT left(area_code, 6) FROM coverage_villages WHERE area_code LIKE '45%' "
                "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar_one()
        villages_in = dict(
            conn.execute(
                text(
                    "SELECT left(area_code, 6), count(*) FROM coverage_villages "
                    "WHERE left(area_code, 6) IN (:a, '450329') GROUP BY 1"
                ),
                {"a": biggest},
            ).all()
        )

    app_settings = settings.model_copy(update={"database_url": url.render_as_string(hide_password=False)})
    with TestClient(create_app(app_settings)) as client:

        def rates(**params):
            response = client.get("/api/v1/coverage/rates", params=params)
            assert response.status_code == 200, response.text
            return response.json()

        rates(area="450329")  # warm: connection pool, plans
        for county in (biggest, "450329"):
            median, p95 = _timed(lambda c=county: rates(area=c), args.requests)
            rows.append(
                (
                    f"GET rates?area={county} (by township)",
                    median,
                    p95,
                    f"{villages_in[county]} villages; target < 0.1 s",
                )
            )
        median, p95 = _timed(lambda: rates(area="450000", level="county"), max(3, args.requests // 5))
        rows.append(("GET rates?area=450000&level=county", median, p95, "the province, every county"))
        median, p95 = _timed(
            lambda: client.get("/api/v1/coverage/villages", params={"area": biggest, "limit": 1000}),
            max(3, args.requests // 5),
        )
        rows.append((f"GET villages?area={biggest}&limit=1000", median, p95, "GeoJSON points"))

        feature = client.get(
            "/api/v1/coverage/villages", params={"area": "450329", "covered": "false"}
        ).json()
        point = feature["features"][0]["geometry"]
        body = {
            "type": "Feature",
            "geometry": point,
            "properties": {"name": "基准测试站", "level": "village"},
        }
        created = client.post("/api/v1/stations", json=body, headers=_admin_headers(engine))
        assert created.status_code == 201, created.text
        start = time.perf_counter()
        state = rates(area="450329")["coverage"]
        refresh = time.perf_counter() - start
        rows.append(
            ("GET rates after adding a station (incremental)", refresh, None, f"current: {state['current']}")
        )
        site = created.json()
        removed = client.delete(
            f"/api/v1/stations/{site['id']}",
            params={"version": site["properties"]["version"]},
            headers=_admin_headers(engine),
        )
        assert removed.status_code == 204, removed.text
        rates(area="450329")
    engine.dispose()

    print()
    print(f"{'step':<48} {'median s':>9} {'p95/max s':>10}  note")
    print("-" * 130)
    for name, median, p95, note in rows:
        print(f"{name:<48} {median:>9.3f} {'' if p95 is None else f'{p95:.3f}':>10}  {note}")


if __name__ == "__main__":
    main()
