"""VetMap vs tipg on the same PostGIS database: OGC API Features items and MVT tiles, side by side.

Run from the project root:  .venv/bin/python bench/features_vs_tipg.py [--duration 10]

One run
1. prepares the database ``vetmap_bench`` on the configured server (embedded cluster by default):
   creates it, migrates it and loads the Guangxi-scale demo (17,624 stations) unless already loaded;
2. starts VetMap (uvicorn, 1 worker, ``api.app:create_app`` via bench/serve_ours.py) and tipg (PyPI,
   installed by this script into var/bench/tipg-venv, 1 worker, schema ``public`` only) on free
   ports of 127.0.0.1;
3. draws the same requests for both: bboxes around random stations, sized so every page of
   limit=100 and limit=1000 is full, and tiles inside Guangxi at z6, z10 and z14 (z14: tiles of
   random stations);
4. loads each server with wrk (8 connections, 2 threads, fixed duration, bench/cycle.lua cycles
   through the list) and reads requests/s, p50, p99 and non-2xx answers;
5. runs pgbench (-c 8 -j 2, same duration) on SQL that builds the same GeoJSON page (count
   included) and the same uncached tiles, as the database-only limit;
6. prints the table, ours against tipg and against the database; tiles twice, with our tile cache
   on (default) and off (VETMAP_TILES_CACHE_MAX_BYTES=0).

Servers and load generator share the machine (2 cores here): absolute numbers are this machine's,
the ratios are the point.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import URL  # noqa: E402

BENCH_DB = "vetmap_bench"
GUANGXI_STATIONS = 17_624
GUANGXI_BOX = (104.5, 21.4, 112.0, 26.4)  # lon/lat rectangle the requests stay in
GUANGXI_CODE = "450000"
VAR = ROOT / "var" / "bench"
TIPG_VENV = VAR / "tipg-venv"
TIPG_VERSION = "1.6.1"
TIPG_COLLECTION = "public.stations"
PGBENCH = Path("/usr/lib/postgresql/15/bin/pgbench")
LUA = Path(__file__).resolve().parent / "cycle.lua"
CONNECTIONS, THREADS = 8, 2
ITEM_LIMITS = (100, 1000)
TILE_ZOOMS = (6, 10, 14)
MUST_ITEMS, MUST_TILES = 3.0, 2.0
# The attributes our station tiles carry; tipg is asked for the same ones (?properties=).
TILE_PROPERTIES = ("name", "area_code", "level", "status", "star_rating", "national_model")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- tools ------------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    """The wrk binary; installed from Debian when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk not found: apt-get install -y wrk")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], env=env, check=True, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed")
    return found


def ensure_tipg(version: str) -> Path:
    """tipg in its own venv under var/bench (its pins never touch our .venv); returns its python."""
    python = TIPG_VENV / "bin" / "python"
    if python.exists():
        probe = subprocess.run(
            [str(python), "-c", "import tipg, uvicorn; print(tipg.__version__)"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return python
    log(f"installing tipg=={version} into {TIPG_VENV.relative_to(ROOT)}")
    VAR.mkdir(parents=True, exist_ok=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TIPG_VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"tipg=={version}", "uvicorn[standard]"], check=True
    )
    return python


# -- the database -----------------------------------------------------------------------------------


def prepare_database() -> URL:
    """vetmap_bench on the configured server: created, migrated, Guangxi demo loaded once."""
    from geo.database.engine import database_url, ensure_database, ensure_embedded_running, make_engine
    from geo.database.migrate import upgrade
    from geo.demo.atlas import load_demo
    from geo.settings import Settings

    settings = Settings()
    ensure_embedded_running(settings)
    url = database_url(settings, BENCH_DB)
    ensure_database(url)
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            stations = conn.execute(
                text("SELECT count(*) FROM stations WHERE area_code LIKE :p"), {"p": GUANGXI_CODE[:2] + "%"}
            ).scalar_one()
            province = conn.execute(
                text("SELECT count(*) FROM areas WHERE code = :c"), {"c": GUANGXI_CODE}
            ).scalar_one()
        if stations != GUANGXI_STATIONS or not province:
            log(f"loading the Guangxi-scale demo into {BENCH_DB} (found {stations} stations in Guangxi)")
            counts = load_demo(engine, scale="guangxi")
            log("loaded: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            log(f"{BENCH_DB} already holds the Guangxi demo ({stations} stations in Guangxi)")
    finally:
        engine.dispose()
    return url


# -- the requests -----------------------------------------------------------------------------------


@dataclass
class Workload:
    """The same requests for both servers, and what the database says they should return."""

    bboxes: dict[int, list[tuple[float, float, float, float]]]
    matched: dict[int, list[int]]
    tiles: dict[int, list[tuple[int, int, int]]]


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The web-mercator tile (x, y) at zoom ``z`` holding a WGS-84 point (degrees), clamped to the grid."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def _tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    n = 2**z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def make_workload(url: URL, per_list: int, seed: int) -> Workload:
    """Bboxes whose pages are full at each limit, and tiles inside Guangxi, drawn reproducibly."""
    import numpy as np
    import shapely
    from sqlalchemy import create_engine

    rng = random.Random(seed)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT ST_X(geom), ST_Y(geom), area_code LIKE :p FROM stations ORDER BY id"),
                {"p": GUANGXI_CODE[:2] + "%"},
            ).all()
            wkb = conn.execute(
                text("SELECT ST_AsBinary(geom) FROM areas WHERE code = :c"), {"c": GUANGXI_CODE}
            ).scalar_one()
    finally:
        engine.dispose()
    points = np.array([(r[0], r[1]) for r in rows], float)  # every station: what a bbox matches
    centres = points[np.array([r[2] for r in rows], bool)]  # Guangxi's: where requests are drawn
    guangxi = shapely.from_wkb(bytes(wkb))
    shapely.prepare(guangxi)
    west, south, east, north = GUANGXI_BOX
    lon, lat = points[:, 0], points[:, 1]

    def count(b: tuple[float, float, float, float]) -> int:
        return int(np.count_nonzero((lon >= b[0]) & (lon <= b[2]) & (lat >= b[1]) & (lat <= b[3])))

    bboxes: dict[int, list] = {}
    matched: dict[int, list[int]] = {}
    for limit in ITEM_LIMITS:
        # a square of about `limit` stations at Guangxi's mean density, then grown until the page is full
        half = 0.5 * math.sqrt(limit / 880.0)
        boxes, counts = [], []
        while len(boxes) < per_list:
            cx, cy = (float(v) for v in centres[rng.randrange(len(centres))])
            h = half * rng.uniform(0.8, 1.25)
            for _ in range(40):
                b = (
                    round(max(west, cx - h), 5),
                    round(max(south, cy - h * 0.9), 5),
                    round(min(east, cx + h), 5),
                    round(min(north, cy + h * 0.9), 5),
                )
                n = count(b)
                if n >= limit:
                    break
                h *= 1.25
            if n >= limit:
                boxes.append(b)
                counts.append(n)
        bboxes[limit], matched[limit] = boxes, counts

    tiles: dict[int, list[tuple[int, int, int]]] = {}
    for z in TILE_ZOOMS:
        if z >= 14:  # deep zoom: the tiles of random stations, so few are empty
            chosen: list[tuple[int, int, int]] = []
            seen: set[tuple[int, int, int]] = set()
            while len(chosen) < per_list:
                x, y = lonlat_to_tile(*(float(v) for v in centres[rng.randrange(len(centres))]), z)
                if (z, x, y) not in seen:
                    seen.add((z, x, y))
                    chosen.append((z, x, y))
        else:  # every tile of the zoom that touches Guangxi, in random order, repeated to fill the list
            x0, y0 = lonlat_to_tile(west, north, z)
            x1, y1 = lonlat_to_tile(east, south, z)
            inside = [
                (z, x, y)
                for x in range(x0, x1 + 1)
                for y in range(y0, y1 + 1)
                if guangxi.intersects(shapely.box(*_tile_bounds(z, x, y)))
            ]
            rng.shuffle(inside)
            chosen = (inside * (per_list // len(inside) + 1))[: max(per_list, len(inside))]
            if len(inside) < per_list:
                chosen = inside  # z6: a handful of tiles, cycled by wrk
        tiles[z] = chosen
    return Workload(bboxes, matched, tiles)


def store_workload(url: URL, work: Workload) -> None:
    """The same bboxes and tiles as tables in schema ``bench`` (outside tipg's ``public``) for pgbench."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE SCHEMA IF NOT EXISTS bench"))
            for limit, boxes in work.bboxes.items():
                conn.execute(text(f"DROP TABLE IF EXISTS bench.bboxes_{limit}"))
                conn.execute(
                    text(
                        f"CREATE TABLE bench.bboxes_{limit} (id int PRIMARY KEY, minx float8, miny float8,"
                        " maxx float8, maxy float8)"
                    )
                )
                conn.execute(
                    text(f"INSERT INTO bench.bboxes_{limit} VALUES (:i, :a, :b, :c, :d)"),
                    [{"i": i, "a": b[0], "b": b[1], "c": b[2], "d": b[3]} for i, b in enumerate(boxes)],
                )
            for z, tiles in work.tiles.items():
                conn.execute(text(f"DROP TABLE IF EXISTS bench.tiles_{z}"))
                conn.execute(text(f"CREATE TABLE bench.tiles_{z} (id int PRIMARY KEY, z int, x int, y int)"))
                conn.execute(
                    text(f"INSERT INTO bench.tiles_{z} VALUES (:i, :z, :x, :y)"),
                    [{"i": i, "z": t[0], "x": t[1], "y": t[2]} for i, t in enumerate(tiles)],
                )
            conn.execute(text("ANALYZE bench.bboxes_100, bench.bboxes_1000"))
    finally:
        engine.dispose()


def ours_item_path(b, limit: int) -> str:
    return f"/ogc/collections/stations/items?bbox={b[0]},{b[1]},{b[2]},{b[3]}&limit={limit}"


def tipg_item_path(b, limit: int) -> str:
    return f"/collections/{TIPG_COLLECTION}/items?bbox={b[0]},{b[1]},{b[2]},{b[3]}&limit={limit}"


def ours_tile_path(t) -> str:
    return f"/tiles/stations/{t[0]}/{t[1]}/{t[2]}.mvt"


def tipg_tile_path(t) -> str:
    props = ",".join(TILE_PROPERTIES)
    return f"/collections/{TIPG_COLLECTION}/tiles/WebMercatorQuad/{t[0]}/{t[1]}/{t[2]}?properties={props}"


# -- servers ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port: int, path: str, timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def cpu_seconds(self) -> float:
        """User + system CPU seconds the server process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def serve(name: str, argv: list[str], env: dict[str, str], cwd: Path, health: str) -> Iterator[Server]:
    """Run one server in its own process group, wait until ``health`` answers 200, stop it afterwards."""
    port = free_port()
    VAR.mkdir(parents=True, exist_ok=True)
    log_path = VAR / f"{name.replace(' ', '-')}.log"
    with open(log_path, "wb") as out:
        process = subprocess.Popen(
            [*argv, "--host", "127.0.0.1", "--port", str(port)],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, port, process, log_path)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise SystemExit(f"{name} exited with {process.returncode}; see {log_path}")
            try:
                if fetch(port, health, timeout=5)[0] == 200:
                    break
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{name} did not answer {health} within 90 s; see {log_path}")
            time.sleep(0.3)
        log(f"{name} up on 127.0.0.1:{port} (pid {process.pid})")
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def ours_server(url: URL, cache_bytes: int | None, whatif: str | None = None):
    """Our app (1 uvicorn worker) on the bench database; ``cache_bytes`` 0 turns the tile cache off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VETMAP_TILES_", "VETMAP_BENCH_"))}
    env["VETMAP_DATABASE_URL"] = url.render_as_string(hide_password=False)
    if cache_bytes is not None:
        env["VETMAP_TILES_CACHE_MAX_BYTES"] = str(cache_bytes)
    if whatif:
        env["VETMAP_BENCH_WHATIF"] = whatif
    argv = [sys.executable, "-m", "uvicorn", "--factory", "bench.serve_ours:create_bench_app"]
    argv += ["--workers", "1", "--no-access-log", "--log-level", "warning"]
    label = "ours" + (" what-if" if whatif else "") + (" tile-cache-off" if cache_bytes == 0 else "")
    return serve(label, argv, env, ROOT, "/healthz")


def tipg_server(python: Path, url: URL):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TIPG_", "VETMAP_", "DATABASE_URL"))}
    env["DATABASE_URL"] = url.set(drivername="postgresql").render_as_string(hide_password=False)
    env["TIPG_DB_SCHEMAS"] = '["public"]'
    argv = [str(python), "-m", "uvicorn", "tipg.main:app"]
    argv += ["--workers", "1", "--no-access-log", "--log-level", "warning"]
    return serve("tipg", argv, env, VAR, "/healthz")  # cwd var/bench: no stray .env is read


# -- load -------------------------------------------------------------------------------------------


@dataclass
class Load:
    """One wrk run."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    detail: str
    server_cpu: float | None = None  # fraction of one core the server process used


def run_wrk(wrk: str, server: Server, paths: list[str], duration: int, warmup: int) -> Load:
    """wrk against ``server`` cycling through ``paths``; a short warm-up run first (not counted)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", dir=VAR, delete=False) as f:
        f.write("\n".join(paths) + "\n")
        list_path = f.name
    try:
        base = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", "--latency", "--timeout", "30s", "-s", str(LUA)]
        target = f"http://127.0.0.1:{server.port}"
        if warmup:
            subprocess.run(
                [*base, f"-d{warmup}s", target, "--", list_path, str(THREADS)],
                capture_output=True,
                text=True,
                timeout=warmup + 60,
            )
        cpu0, t0 = server.cpu_seconds(), time.monotonic()
        done = subprocess.run(
            [*base, f"-d{duration}s", target, "--", list_path, str(THREADS)],
            capture_output=True,
            text=True,
            timeout=duration + 90,
        )
        cpu = (server.cpu_seconds() - cpu0) / (time.monotonic() - t0)
    finally:
        os.unlink(list_path)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")
    r = json.loads(line.removeprefix("WRKJSON "))
    socket_errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
    errors = socket_errors + r["non2xx"]
    detail = ""
    if errors:
        detail = (
            f"non-2xx {r['non2xx']} (last {r['bad_status']}), connect {r['connect']}, read {r['read']}, "
            f"write {r['write']}, timeout {r['timeout']}"
        )
    return Load(
        r["requests"] / (r["duration_us"] / 1e6),
        r["p50_us"] / 1000,
        r["p99_us"] / 1000,
        r["requests"],
        errors,
        detail,
        cpu,
    )


def pgbench(url: URL, script: str, duration: int, warmup: int) -> float:
    """Transactions per second of ``script`` under pgbench -c 8 -j 2 (prepared statements), after a warm-up."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", dir=VAR, delete=False) as f:
        f.write(script)
        path = f.name
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    argv = [str(PGBENCH), "-n", "-M", "prepared", f"-c{CONNECTIONS}", f"-j{THREADS}"]
    target = [
        "-f",
        path,
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "",
    ]
    target.append(url.database or "")
    try:
        if warmup:  # new backends plan and cache their catalogs first
            subprocess.run(
                [*argv, f"-T{warmup}", *target], env=env, capture_output=True, timeout=warmup + 120
            )
        done = subprocess.run(
            [*argv, f"-T{duration}", *target], env=env, capture_output=True, text=True, timeout=duration + 120
        )
    finally:
        os.unlink(path)
    tps = next(
        (
            float(ln.split("=")[1].split()[0])
            for ln in done.stdout.splitlines()
            if ln.startswith("tps =") and "without initial connection" in ln
        ),
        None,
    )
    if done.returncode != 0 or tps is None or "error" in done.stderr:
        raise SystemExit(f"pgbench failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return tps


def items_sql(limit: int) -> str:
    """One statement building the whole GeoJSON page PostGIS-side: the same properties as our features, count included."""
    from geo.ogc.features import feature_sources

    source = feature_sources()["stations"]
    pairs = []
    for prop in source.properties:
        if prop.name == "area_name":
            pairs.append("'area_name', (SELECT a.name FROM areas a WHERE a.code = s.area_code)")
        else:
            pairs.append(f"'{prop.name}', s.{prop.name}")
    envelope = "ST_MakeEnvelope(b.minx, b.miny, b.maxx, b.maxy, 4326)"
    return (
        f"\\set i random(0, :rows - 1)\n"
        "SELECT json_build_object('type', 'FeatureCollection', 'numberMatched', m.n,"
        " 'numberReturned', p.k, 'features', coalesce(p.f, '[]'::json))::text"
        f" FROM bench.bboxes_{limit} b,"
        f" LATERAL (SELECT count(*) AS n FROM stations s WHERE ST_Intersects(s.geom, {envelope})) m,"
        " LATERAL (SELECT count(*) AS k, json_agg(json_build_object('type', 'Feature', 'id', s.id,"
        " 'geometry', ST_AsGeoJSON(s.geom, 7)::json,"
        f" 'properties', json_build_object({', '.join(pairs)})) ORDER BY s.id) AS f"
        f" FROM (SELECT * FROM stations s WHERE ST_Intersects(s.geom, {envelope})"
        f" ORDER BY s.id LIMIT {limit}) s) p"
        " WHERE b.id = :i;\n"
    )


def tile_sql(z: int) -> str:
    """Our uncached station tile: the layer's own SQL, with the tile drawn from bench.tiles_z."""
    from geo.ogc.tiles import BUFFER, EXTENT, LAYERS

    layer = LAYERS["stations"]
    shown = ", ".join(f"'{v}'" for v in layer.shown_at(z))
    sql = layer.tile_sql.text.replace(":margin", repr(BUFFER / EXTENT))
    sql = sql.replace(":shown", f"ARRAY[{shown}]::varchar[]")
    return f"\\set i random(0, :rows - 1)\nSELECT z, x, y FROM bench.tiles_{z} WHERE id = :i \\gset\n{sql};\n"


# -- checks -----------------------------------------------------------------------------------------


def check_items(ours: Server, tipg_port: int | None, work: Workload, sample: int) -> dict[int, float]:
    """Fetch a sample of pages from both; pages must be full and agree; returns mean numberReturned."""
    means = {}
    for limit in ITEM_LIMITS:
        returned = []
        for b, n in list(zip(work.bboxes[limit], work.matched[limit], strict=True))[:sample]:
            for name, port, path in (
                ("ours", ours.port, ours_item_path(b, limit)),
                ("tipg", tipg_port, tipg_item_path(b, limit) if tipg_port else None),
            ):
                if port is None or path is None:
                    continue
                status, headers, body = fetch(port, path)
                if status != 200:
                    raise SystemExit(f"{name} {path}: HTTP {status}: {body[:300]!r}")
                page = json.loads(body)
                if page["numberMatched"] != n or page["numberReturned"] != min(n, limit):
                    raise SystemExit(
                        f"{name} {path}: numberMatched {page['numberMatched']} / numberReturned "
                        f"{page['numberReturned']}, the database says {n} / {min(n, limit)}"
                    )
                if name == "ours":
                    returned.append(page["numberReturned"])
        means[limit] = sum(returned) / len(returned)
    return means


def tile_features(body: bytes) -> int:
    import mapbox_vector_tile

    if not body:
        return 0
    return sum(len(layer["features"]) for layer in mapbox_vector_tile.decode(body).values())


def count_tile_features(port: int, paths: list[str]) -> tuple[float, int]:
    """Mean features per tile and how many of the tiles are empty."""
    counts = []
    for path in paths:
        status, _, body = fetch(port, path)
        if status not in (200, 204):
            raise SystemExit(f"{path}: HTTP {status}: {body[:300]!r}")
        counts.append(tile_features(body))
    return sum(counts) / len(counts), sum(1 for c in counts if c == 0)


# -- report -----------------------------------------------------------------------------------------


def median_load(loads: list[Load]) -> Load:
    """The run with the median rate (the lower middle one of an even count); errors of all runs added up."""
    if not loads:
        return Load(0.0, 0.0, 0.0, 0, 0, "not measured")
    ordered = sorted(loads, key=lambda load: load.rps)
    middle = ordered[(len(ordered) - 1) // 2]
    errors = sum(load.errors for load in loads)
    detail = "; ".join(load.detail for load in loads if load.detail)
    return Load(
        middle.rps,
        middle.p50_ms,
        middle.p99_ms,
        sum(x.requests for x in loads),
        errors,
        detail,
        middle.server_cpu,
    )


@dataclass
class Row:
    label: str
    kind: str  # items | tiles
    ours: Load
    tipg: Load
    db_qps: float

    @property
    def ratio(self) -> float:
        return self.ours.rps / self.tipg.rps if self.tipg.rps else float("inf")

    @property
    def must(self) -> float:
        return MUST_ITEMS if self.kind == "items" else MUST_TILES

    @property
    def passed(self) -> bool:
        return self.ratio >= self.must and self.ours.errors == 0 and self.tipg.errors == 0


def print_table(rows: list[Row]) -> None:
    head = (
        f"{'request':<30}| {'ours req/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'err':>4} "
        f"| {'tipg req/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'err':>4} "
        f"| {'ours/tipg':>9} {'must':>8} | {'db q/s':>8} {'ours/db':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        verdict = f"{'ok' if r.passed else 'FAIL'} {r.must:g}x"
        db_share = f"{100 * r.ours.rps / r.db_qps:>7.1f}%" if r.db_qps else f"{'-':>8}"
        print(
            f"{r.label:<30}| {r.ours.rps:>10.1f} {r.ours.p50_ms:>7.1f} {r.ours.p99_ms:>7.1f} {r.ours.errors:>4} "
            f"| {r.tipg.rps:>10.1f} {r.tipg.p50_ms:>7.1f} {r.tipg.p99_ms:>7.1f} {r.tipg.errors:>4} "
            f"| {r.ratio:>8.2f}x {verdict:>8} | {r.db_qps:>8.1f} {db_share}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration", type=int, default=10, help="seconds of load per measurement (default 10)"
    )
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load before each")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure every cell this many times, interleaved; report the median",
    )
    parser.add_argument("--requests", type=int, default=400, help="bboxes / tiles per list (default 400)")
    parser.add_argument("--seed", type=int, default=20260930)
    parser.add_argument("--tipg-version", default=TIPG_VERSION)
    parser.add_argument(
        "--only", choices=("items", "tiles"), help="measure only one kind of request (for quick iterations)"
    )
    parser.add_argument("--skip-tipg", action="store_true", help="measure only ours and the database")
    parser.add_argument(
        "--whatif",
        help="also measure ours with changes outside bench/ simulated (see bench/serve_ours.py), "
        "e.g. no-pre-ping,autocommit; shown as extra rows",
    )
    args = parser.parse_args()
    started = time.monotonic()
    duration, warmup = args.duration, args.warmup

    wrk = ensure_wrk()
    if not PGBENCH.exists():
        raise SystemExit(f"{PGBENCH} not found (apt-get install postgresql-15)")
    tipg_python = None if args.skip_tipg else ensure_tipg(args.tipg_version)
    url = prepare_database()
    work = make_workload(url, args.requests, args.seed)
    store_workload(url, work)
    kinds = ("items", "tiles") if args.only is None else (args.only,)

    # row key -> (label, kind, our paths, tipg paths, pgbench script)
    cases: dict[str, tuple[str, str, list[str], list[str], str]] = {}
    if "items" in kinds:
        for limit, boxes in work.bboxes.items():
            cases[f"items{limit}"] = (
                f"items limit {limit}",
                "items",
                [ours_item_path(b, limit) for b in boxes],
                [tipg_item_path(b, limit) for b in boxes],
                items_sql(limit).replace(":rows", str(len(boxes))),
            )
    if "tiles" in kinds:
        for z, tiles in work.tiles.items():
            cases[f"z{z}"] = (
                f"tiles z{z}",
                "tiles",
                [ours_tile_path(t) for t in tiles],
                [tipg_tile_path(t) for t in tiles],
                tile_sql(z).replace(":rows", str(len(tiles))),
            )

    # every server up at once (idle ones cost nothing), each row then measured on all of them back
    # to back, so a slow spell of the machine hits both sides of a ratio alike
    variants: list[tuple[str, str | None, int | None]] = [("ours", None, None)]  # name, what-if, cache bytes
    if "tiles" in kinds:
        variants.append(("ours-nocache", None, 0))
    if args.whatif:
        variants.append(("whatif", args.whatif, None))
        if "tiles" in kinds:
            variants.append(("whatif-nocache", args.whatif, 0))
    facts: list[str] = []
    loads: dict[tuple[str, str], list[Load]] = {}
    db: dict[str, list[float]] = {}
    with ExitStack() as stack:
        servers: dict[str, Server] = {}
        if tipg_python is not None:
            servers["tipg"] = stack.enter_context(tipg_server(tipg_python, url))
        for name, whatif, cache_bytes in variants:
            servers[name] = stack.enter_context(ours_server(url, cache_bytes, whatif))
        ours, tipg = servers["ours"], servers.get("tipg")

        if tipg is not None:
            listing = json.loads(fetch(tipg.port, "/collections?limit=100")[2])
            ids = sorted(c["id"] for c in listing["collections"])
            facts.append(f"tipg {args.tipg_version} collections: {', '.join(ids)}")
            if TIPG_COLLECTION not in ids:
                raise SystemExit(f"tipg exposes no {TIPG_COLLECTION}: {ids}")
        if "items" in kinds:
            means = check_items(ours, tipg.port if tipg else None, work, 8)
            agreed = "; tipg agreed on numberMatched and numberReturned" if tipg else ""
            facts.append(
                f"numberReturned, mean of a sample (every page full{agreed}): "
                + ", ".join(f"limit {k}: {v:.0f}" for k, v in means.items())
            )
        if "tiles" in kinds:
            for z in TILE_ZOOMS:
                ours_paths, tipg_paths = cases[f"z{z}"][2], cases[f"z{z}"][3]
                counts = [f"z{z} features per tile (mean of {min(20, len(ours_paths))}, empty ones):"]
                for name, server, paths in (("ours", ours, ours_paths), ("tipg", tipg, tipg_paths)):
                    if server is not None:
                        mean, zero = count_tile_features(server.port, paths[:20])
                        counts.append(f"{name} {mean:.0f} ({zero} empty)")
                facts.append(" ".join(counts))

        for round_no in range(1, args.rounds + 1):
            for key, (label, kind, ours_paths, tipg_paths, script) in cases.items():
                targets = [("tipg", tipg_paths)] if tipg is not None else []
                targets += [
                    (name, ours_paths)
                    for name, _, cache_bytes in variants
                    if kind == "tiles" or cache_bytes is None
                ]
                for name, paths in targets:
                    log(f"round {round_no}/{args.rounds}: {label} on {name}")
                    if kind == "tiles" and round_no == 1 and name in ("ours", "whatif"):
                        for path in paths:  # the cache-on rows measure a warm cache: one pass fills it
                            fetch(servers[name].port, path)
                    load = run_wrk(wrk, servers[name], paths, duration, warmup)
                    loads.setdefault((key, name), []).append(load)
                log(f"round {round_no}/{args.rounds}: {label} on pgbench")
                db.setdefault(key, []).append(pgbench(url, script, duration, warmup))

    def load_of(key: str, name: str) -> Load:
        return median_load(loads.get((key, name), []))

    rows: list[Row] = []
    for key, (label, kind, *_) in cases.items():
        db_qps = sorted(db[key])[(len(db[key]) - 1) // 2]
        for name, whatif, cache_bytes in variants:
            if kind == "items" and cache_bytes is not None:
                continue
            suffix = ""
            if kind == "tiles":
                suffix = " (cache off)" if cache_bytes == 0 else " (cache on)"
            if whatif:
                suffix += " what-if"
            rows.append(Row(label + suffix, kind, load_of(key, name), load_of(key, "tipg"), db_qps))
    rows = _ordered(rows)

    print()
    print(
        f"VetMap vs tipg {args.tipg_version} on {BENCH_DB} ({GUANGXI_STATIONS:,} stations in Guangxi); "
        f"wrk -t{THREADS} -c{CONNECTIONS} -d{duration}s (+{warmup}s warm-up), pgbench -c{CONNECTIONS} "
        f"-j{THREADS} -T{duration} -M prepared; {args.rounds} round(s), median; {os.cpu_count()} CPU cores "
        "shared by the servers, PostgreSQL and the load generators"
    )
    print(
        f"lists: {len(work.bboxes[ITEM_LIMITS[0]])} bboxes per limit, tiles "
        + ", ".join(f"z{z} {len(t)}" for z, t in work.tiles.items())
    )
    if args.whatif:
        print(f"what-if rows: ours with VETMAP_BENCH_WHATIF={args.whatif} (bench/serve_ours.py)")
    for fact in facts:
        print(f"  {fact}")
    print()
    print_table(rows)
    print()
    print("db q/s: PostgreSQL alone (pgbench) building the same GeoJSON page, count included, or the same")
    print("uncached tile with our layer SQL; ours/db is our rate as a share of it. 'cache on' cycles through")
    print("the tile list, so after the first pass nearly every tile is a hit; 'cache off' builds every tile.")
    if "tiles" in kinds:
        from geo.ogc.tiles import LAYERS

        layer = LAYERS["stations"]
        hidden = sorted(set(layer.zooms) - set(layer.shown_at(6)))
        if hidden:
            print(
                f"Our z6 station tile omits {', '.join(hidden)} stations by design (zoom rules: they show from "
                f"z{min(layer.zooms[h][0] for h in hidden)}); tipg sends every point (up to its 10,000 per "
                "tile), so the z6 rows compare different amounts of work."
            )
        print(f"tipg tiles are asked for our tile attributes only: ?properties={','.join(TILE_PROPERTIES)}.")
    for r in rows:
        for side, load in (("ours", r.ours), ("tipg", r.tipg)):
            if load.errors:
                print(f"ERRORS {side} {r.label}: {load.detail}")
    cpu = ", ".join(
        f"{r.label}: ours {r.ours.server_cpu:.0%}"
        + (f" tipg {r.tipg.server_cpu:.0%}" if r.tipg.server_cpu is not None else "")
        for r in rows
        if r.ours.server_cpu is not None
    )
    print(f"server process CPU (share of one core): {cpu}")
    measured = [r for r in rows if "what-if" not in r.label]
    ok = tipg_python is not None and all(r.passed for r in measured)
    print(f"verdict: {'MUST met' if ok else 'MUST not met'}; run took {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


def _ordered(rows: list[Row]) -> list[Row]:
    """Items first, then tiles with the cache on, then off; each what-if row after the row it varies."""

    def rank(r: Row) -> tuple[int, int]:
        return (0 if r.kind == "items" else (2 if "cache off" in r.label else 1), 0)

    return sorted(rows, key=rank)  # stable: keeps the case order, what-if rows after their row


if __name__ == "__main__":
    sys.exit(main())
