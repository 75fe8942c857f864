"""The load benchmark's own PostgreSQL cluster (var/bench-load) with the national-scale synthetic set.

Never the shared embedded cluster: the fault run restarts this one. Created and loaded once; later runs reuse it.
``python bench/load_cluster.py`` prepares it alone (the load takes minutes).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, text  # noqa: E402
from sqlalchemy.engine import URL  # noqa: E402

from geo.database.embedded import EmbeddedCluster, postgres_bindir  # noqa: E402

VAR_DIR = ROOT / "var" / "bench-load"
PREFERRED_PORT = 54339
DATABASE = "vetmap_bench_load"
CREW_PASSWORD = "bench-load-crew"  # local throwaway accounts of the bench cluster only
N_CREWS = 16
SITE_NAMES = (
    "革命烈士纪念碑",
    "红军长征纪念亭",
    "抗日烈士陵园",
    "东沟烈士纪念馆",
    "英雄纪念塔",
    "解放战争烈士墓区",
)
SEARCH_TERMS = ("纪念碑", "烈士陵园", "jinianbei", "hongjun", "lieshi", "dgls", "纪念塔", "yingxiong")


def cluster(os_user: str = "postgres") -> EmbeddedCluster:
    """The bench's cluster object (not started)."""
    return EmbeddedCluster(VAR_DIR, PREFERRED_PORT, os_user)


def restart(bench: EmbeddedCluster) -> float:
    """``pg_ctl restart -m fast`` on the bench cluster, waiting until it accepts connections; returns seconds."""
    started = time.monotonic()
    bench._run(
        [str(postgres_bindir() / "pg_ctl"), "-D", str(bench.data_dir), "-l", str(bench.log_file)]
        + ["-m", "fast", "-w", "-t", "60", "restart"]
    )
    bench._wait_ready()
    return time.monotonic() - started


def log(message: str) -> None:
    """A progress line on stderr."""
    print(f"[bench-load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def prepare(seed: int = 7) -> URL:
    """Start the bench cluster, create and migrate its database, load the national set once; returns its URL."""
    from bench.coverage_national import prepare as load_national
    from geo.database.engine import ensure_database, make_engine
    from geo.database.migrate import upgrade

    bench = cluster()
    bench.start()
    url = bench.url(DATABASE)
    ensure_database(url)
    upgrade(url)
    engine = make_engine(url)
    try:
        load_national(engine, seed)
        add_sites(engine)
        add_crews(engine)
        ensure_coverage(engine)
    finally:
        engine.dispose()
    return url


def add_sites(engine: Engine) -> None:
    """Two memorials and one cemetery at every county of the national set (marked synthetic), once."""
    from geo.kit.pinyin import name_pinyin

    if scalar(engine, "SELECT count(*) FROM memorials WHERE synthetic"):
        return
    log("adding memorials and cemeteries to every county")
    with engine.begin() as conn:
        counties = conn.execute(
            text("SELECT code, ST_X(point), ST_Y(point) FROM areas WHERE level = 'county' ORDER BY code")
        ).all()
        rows = {"memorials": [], "cemeteries": []}
        for i, (code, lon, lat) in enumerate(counties):
            for j, table in enumerate(("memorials", "memorials", "cemeteries")):
                name = f"{SITE_NAMES[(i + j) % len(SITE_NAMES)]}{code[-4:]}-{j}"
                pinyin, initials = name_pinyin(name)
                rows[table].append(
                    {
                        "n": name,
                        "p": pinyin,
                        "i": initials,
                        "a": code,
                        "x": lon + 0.01 * (j - 1),
                        "y": lat + 0.005 * j,
                    }
                )
        for table, kind in (("memorials", "monument"), ("cemeteries", "martyr_cemetery")):
            conn.execute(
                text(
                    f"INSERT INTO {table} (name, name_pinyin, name_initials, kind, protection_level, area_code, geom,"
                    " synthetic) VALUES (:n, :p, :i, '" + kind + "', 'county', :a,"
                    " ST_SetSRID(ST_MakePoint(:x, :y), 4326), true)"
                ),
                rows[table],
            )
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE memorials, cemeteries")
        )


def crew_counties(engine: Engine) -> list[str]:
    """The counties of the bench's crews: spread evenly over the country's county list."""
    with engine.connect() as conn:
        codes = (
            conn.execute(text("SELECT code FROM areas WHERE level = 'county' ORDER BY code")).scalars().all()
        )
    return [codes[(k * len(codes)) // N_CREWS] for k in range(N_CREWS)]


def add_crews(engine: Engine) -> None:
    """Crew accounts ``bench-crew-NN``, one per county of crew_counties(), once."""
    from geo.accounts.audit import CLI_ACTOR
    from geo.accounts.users import create_account, find_account

    with engine.begin() as conn:
        for k, county in enumerate(crew_counties(engine)):
            name = f"bench-crew-{k:02d}"
            if find_account(conn, name) is None:
                create_account(conn, CLI_ACTOR, name, CREW_PASSWORD, "crew", county)


def crew_tokens(engine: Engine) -> list[tuple[str, str]]:
    """A fresh API token per bench crew, with the crew's county: [(token, county), ...]."""
    from geo.accounts.audit import CLI_ACTOR
    from geo.accounts.credentials import create_api_token
    from geo.accounts.users import find_account

    tokens = []
    with engine.begin() as conn:
        for k, county in enumerate(crew_counties(engine)):
            account = find_account(conn, f"bench-crew-{k:02d}")
            token, _ = create_api_token(
                conn, CLI_ACTOR, account.id, f"bench-load {time.strftime('%H:%M:%S')}"
            )
            tokens.append((token, county))
    return tokens


def ensure_coverage(engine: Engine) -> None:
    """One full coverage run (the coverage API reads its tables), unless one is there."""
    from geo.coverage.runs import CoverageParams, run_full

    if scalar(engine, "SELECT count(*) FROM coverage_runs WHERE status = 'done'"):
        return
    log("computing coverage once (run_full)")
    run_full(engine, CoverageParams())


def scalar(engine: Engine, sql: str, **params) -> object:
    """One value from one query."""
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


if __name__ == "__main__":
    log(f"prepared {prepare().render_as_string(hide_password=True)}")
