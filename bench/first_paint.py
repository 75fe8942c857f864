"""Time to first markers in Chromium: our overview map ``/`` against a plain Folium ``MarkerCluster`` map of the
same points, for 1k, 17k and 600k sites (issue 9, item 3; target: 17k sites show their first markers within 2 s).

Run from the project root:  .venv/bin/python bench/first_paint.py [--sets 1k,17k,600k] [--repeat 3] [--cap 120]
(or ``make bench-paint``). Needs Debian's Chromium at /usr/bin/chromium and Playwright, as the browser tests do.

The data sets, each a database on the configured server (embedded cluster by default):

- ``1k``: ``vetmap_bench_paint_1k``, the first 1,000 stations (by id) of the Guangxi-scale demo and no other sites,
  with all of its areas (so the page carries the same county outlines as 17k). Copied from the Guangxi database
  rather than the county-scale demo because that demo holds about 8,900 sites (graves mostly), not 1k.
- ``17k``: ``vetmap_bench_coverage_gx``, the Guangxi-scale demo (17,624 Guangxi stations, 17,773 in all, with
  memorials, cemeteries and graves: about 24,000 sites), prepared by bench/coverage_province.py.
- ``600k``: ``vetmap_bench_coverage``, the synthetic national set (640,000 stations, no other sites) of
  bench/coverage_national.py; its first build takes a few minutes. Ours draws it from server cluster tiles (more
  than ``map_embed_max`` sites), so its page embeds no point.

For each set and each of --repeat rounds:

1. ours: ``uvicorn main:app`` in a subprocess on 127.0.0.1 and a free port, against that database, basemap none.
   A fresh server per round: the first page request after /healthz answers is the *cold* load; then three plain
   HTTP requests of the page (their server times printed: the second request after start is reproducibly slower),
   then the *warm* load (new browser context). The app waits up to 5 s at start-up for its pyramid warming
   (api/app.py ``WARM_READY_S``) before it answers; a longer warming may run during the cold load, and it counts.
2. the peer: what a GIS user writes: ``folium.Map`` + one ``folium.plugins.MarkerCluster`` per collection, one
   ``folium.Marker`` with a short popup per site (the same points, read with ``geo.atlas.overview.map_layers`` as the page
   reads them), saved with ``Map.save``; its asset URLs pointed at our local copies by ``web.assets``
   (``localize_assets``) and served with the vendor files by ``http.server`` on 127.0.0.1 (no gzip). The HTML is
   built in a child process and cached in var/bench-paint/ (keyed by the data; ``--rebuild-peer``): for 600k it
   is about 480 MiB and takes about 9 minutes and 8 GB of memory to build, the first time.
3. each load in a fresh browser context (1280 × 800), every request off 127.0.0.1 aborted and listed. An init
   script watches ``.leaflet-marker-pane``: *first markers* is the first animation frame (from navigation start,
   ``performance.now()``) in which a marker or cluster icon there is visible in the viewport; *settled* is when
   the pane, long tasks and fetches have been quiet for 0.5 s. Also TTFB, HTML end, DOMContentLoaded (the inline
   scripts have run), HTML bytes (decoded and transferred), all bytes, the JS heap. No paint within --cap seconds
   (or a crashed tab) is reported as such.
4. after settling (warm ours and the peer): zoom in --pan-zoom levels (default 2; at 17k from the whole province
   to a few prefectures), wait until quiet, then 10 pans of 250-300 px walking around that
   view (``map.panBy``, no animation), each waited for until quiet (0.3 s); long tasks (PerformanceObserver
   "longtask") during the pans: count, total and max ms; and how many pans ended with a marker in view.

``--embed-max N`` starts our server with VETMAP_MAP_EMBED_MAX=N, to try the threshold without editing anything
(``--embed-max 25000``: the old default, under which Guangxi's 17,773 stations are embedded in the page).

Prints medians per set (ours cold/warm, peer, ratio peer/ours-warm, sizes, long tasks), a time breakdown, and
whether the 17k target (< 2 s) is met. With 600k, a screenshot of our page goes to /tmp/paint_600k.png.
Absolute times are this machine's (2 cores, shared); not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import io
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import text  # noqa: E402

from tests.browser_pages import CHROMIUM  # noqa: E402
from tests.browser_pages import CHROMIUM_ARGS as TEST_CHROMIUM_ARGS  # noqa: E402

DB_1K = "vetmap_bench_paint_1k"
SITES_1K = 1_000
SETS = ("1k", "17k", "600k")
CACHE_DIR = ROOT / "var" / "bench-paint"
CHROMIUM_ARGS = [
    *TEST_CHROMIUM_ARGS,
    "--enable-precise-memory-info",
]  # as the browser tests, plus exact heap figures
VIEWPORT = {"width": 1280, "height": 800}
# a walk around the first view (never more than two steps from it), so that the data stays in view
PANS = (
    (300, 0),
    (0, 250),
    (-300, 0),
    (-300, 0),
    (0, -250),
    (0, -250),
    (300, 0),
    (300, 0),
    (0, 250),
    (-300, 0),
)
QUIET_MS = 500
PAN_QUIET_MS = 300
PAN_TIMEOUT_S = 30.0
SERVER_START_S = 60.0
TARGET_17K_S = 2.0
TARGET_FIRST_S = 1.0  # issue 25: first markers within 1 s at 17k and at 600k sites
WARM_UP_REQUESTS = 3  # plain page requests between the cold and the warm load (the 2nd after start is slow)

# Installed before any page script: the first visible marker, marker-pane mutations, long tasks, fetches in flight.
INIT_JS = """
(() => {
  const S = window.__paint = {first: null, dom: null, lastMutation: 0, lastLong: 0, inflight: 0,
                              longtasks: [], panStart: null};
  try { performance.setResourceTimingBufferSize(100000); } catch (e) {}
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        S.longtasks.push([e.startTime, e.duration]);
        S.lastLong = Math.max(S.lastLong, e.startTime + e.duration);
      }
    }).observe({entryTypes: ["longtask"]});
  } catch (e) {}
  const realFetch = window.fetch;
  window.fetch = function () {
    S.inflight++;
    return realFetch.apply(this, arguments).finally(() => { S.inflight--; });
  };
  function visibleMarker() {
    const pane = document.querySelector(".leaflet-marker-pane");
    if (!pane) { return false; }
    const w = window.innerWidth, h = window.innerHeight;
    for (const el of pane.children) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < w && r.top < h
          && getComputedStyle(el).opacity !== "0") { return true; }
    }
    return false;
  }
  S.visibleMarker = visibleMarker;
  function check() {
    if (S.first !== null) { return; }
    if (visibleMarker()) { S.first = performance.now(); } else { requestAnimationFrame(check); }
  }
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.classList && r.target.classList.contains("leaflet-marker-pane")) {
        S.lastMutation = performance.now();
        if (S.dom === null) { S.dom = S.lastMutation; requestAnimationFrame(check); }
        return;
      }
    }
  }).observe(document, {childList: true, subtree: true});
  S.map = () => {
    for (const k of Object.keys(window)) {
      if (k.startsWith("map_") && window.L && window[k] instanceof window.L.Map) { return window[k]; }
    }
    return null;
  };
  S.quiet = (since, ms) => performance.now() - Math.max(since, S.lastMutation, S.lastLong) > ms
      && S.inflight === 0;
})();
"""

METRICS_JS = """
() => {
  const nav = performance.getEntriesByType("navigation")[0] || {};
  const resources = performance.getEntriesByType("resource");
  const mem = performance.memory || {};
  const pane = document.querySelector(".leaflet-marker-pane");
  return {
    ttfb: nav.responseStart, html_end: nav.responseEnd, dcl: nav.domContentLoadedEventEnd,
    html_transfer: nav.transferSize, html_decoded: nav.decodedBodySize,
    all_transfer: (nav.transferSize || 0) + resources.reduce((a, r) => a + (r.transferSize || 0), 0),
    requests: resources.length + 1, heap: mem.usedJSHeapSize || null,
    icons: pane ? pane.children.length : 0,
    bubbles: pane ? pane.querySelectorAll(".marker-cluster").length : 0,
  };
}
"""


@dataclass
class Load:
    """One page load: times in s from navigation start (None: did not happen), sizes in bytes, pan long tasks."""

    first: float | None = None
    note: str = ""
    settled: float | None = None
    ttfb: float | None = None
    html_end: float | None = None
    dcl: float | None = None
    html_decoded: int | None = None
    html_transfer: int | None = None
    all_transfer: int | None = None
    heap: int | None = None
    bubbles: int = 0
    load_long: list[float] = field(default_factory=list)
    pan_long: list[float] | None = None
    pan_settle: list[float] = field(default_factory=list)
    pans_with_markers: int = 0


# -- data sets


def prepare_1k(settings, gx_engine):
    """Create ``vetmap_bench_paint_1k`` (the Guangxi DB's areas and first 1,000 stations) unless it holds them;
    return (url, engine)."""
    from geo.database.engine import database_url, ensure_database, make_engine
    from geo.database.migrate import upgrade

    url = database_url(settings, DB_1K)
    ensure_database(url)
    upgrade(url)
    engine = make_engine(url)
    counts_sql = text(
        "SELECT (SELECT count(*) FROM stations), (SELECT count(*) FROM memorials) + "
        "(SELECT count(*) FROM cemeteries) + (SELECT count(*) FROM graves), (SELECT count(*) FROM areas)"
    )
    with engine.connect() as conn:
        counts = tuple(conn.execute(counts_sql).one())
    with gx_engine.connect() as conn:
        areas = conn.execute(text("SELECT count(*) FROM areas")).scalar_one()
    if counts == (SITES_1K, 0, areas):
        return url, engine
    print(f"copying {SITES_1K:,} stations and {areas:,} areas into {DB_1K} ...", flush=True)
    with gx_engine.connect() as src, engine.begin() as dst:
        dst.execute(text("TRUNCATE graves, cemeteries, memorials, stations, areas RESTART IDENTITY CASCADE"))
        raw_src = src.connection.dbapi_connection
        raw_dst = dst.connection.dbapi_connection
        for source, target in (
            ("areas", "areas"),
            (f"(SELECT * FROM stations ORDER BY id LIMIT {SITES_1K})", "stations"),
        ):
            buffer = io.StringIO()
            with raw_src.cursor() as cur:
                cur.copy_expert(f"COPY {source} TO STDOUT", buffer)
            buffer.seek(0)
            with raw_dst.cursor() as cur:
                cur.copy_expert(f"COPY {target} FROM STDIN", buffer)
        dst.execute(
            text("SELECT setval(pg_get_serial_sequence('stations', 'id'), (SELECT max(id) FROM stations))")
        )
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE areas, stations"))
    return url, engine


def prepare_sets(settings, names: list[str]) -> dict[str, object]:
    """Prepare the databases of the sets asked for; their URLs by set name."""
    from coverage_province import prepare_guangxi

    urls: dict[str, object] = {}
    if "1k" in names or "17k" in names:
        gx_url, gx_engine = prepare_guangxi(settings)
        urls["17k"] = gx_url
        if "1k" in names:
            urls["1k"], engine = prepare_1k(settings, gx_engine)
            engine.dispose()
        gx_engine.dispose()
    if "600k" in names:
        from coverage_national import BENCH_DB, prepare

        from geo.database.engine import database_url, ensure_database, make_engine
        from geo.database.migrate import upgrade

        url = database_url(settings, BENCH_DB)
        ensure_database(url)
        upgrade(url)
        engine = make_engine(url)
        prepare(engine, 7)  # the seed coverage_national.py uses by default
        engine.dispose()
        urls["600k"] = url
    return {name: urls[name] for name in names}


def site_total(url) -> int:
    """How many sites the overview map shows from this database (all map collections)."""
    from geo.atlas.overview import site_counts
    from geo.database.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return sum(site_counts(conn, 10**9).values())
    finally:
        engine.dispose()


# -- the peer: a plain Folium map


def _fingerprint(url) -> dict:
    from geo.atlas.overview import MAP_COLLECTIONS
    from geo.database.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            parts = {
                name: list(conn.execute(text(f"SELECT count(*), coalesce(max(id), 0) FROM {name}")).one())
                for name in MAP_COLLECTIONS
            }
    finally:
        engine.dispose()
    import folium

    return {"sites": parts, "folium": folium.__version__, "peer": 1}


def _build_peer(url_text: str, path: str) -> None:
    """Child process: write the plain Folium MarkerCluster map of the database's sites to ``path``."""
    sys.path.insert(0, str(ROOT))
    import folium
    from folium.plugins import MarkerCluster
    from sqlalchemy import create_engine

    from geo.atlas.overview import map_layers
    from web.assets import localize_assets

    engine = create_engine(url_text)
    with engine.connect() as conn:
        layers = map_layers(conn)
    engine.dispose()
    points = [
        (name, f["geometry"]["coordinates"], f["properties"])
        for name, layer in layers.items()
        for f in layer["features"]
    ]
    del layers
    lats = [c[1] for _, c, _ in points]
    lons = [c[0] for _, c, _ in points]
    m = folium.Map(
        location=[(min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2],
        zoom_start=6,
        tiles=None,
        minZoom=3,
        maxZoom=19,  # markercluster needs a finite zoom range; with no tile layer the map must state it
    )
    clusters = {}
    for name, (lon, lat), props in points:
        if name not in clusters:
            clusters[name] = MarkerCluster(name=name).add_to(m)
        title = props.get("martyr_name") or props.get("name") or ""
        popup = f"<b>{html.escape(str(title))}</b><br>{html.escape(str(props.get('area_name') or ''))}"
        folium.Marker([lat, lon], popup=popup).add_to(clusters[name])
    folium.LayerControl().add_to(m)
    m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]])
    localize_assets(m)
    m.save(path)


def peer_html(set_name: str, url, rebuild: bool) -> tuple[Path, float | None]:
    """The peer's HTML file for a set, built (in a child process) unless cached; (path, build seconds or None)."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"peer_{set_name}.html"
    stamp = CACHE_DIR / f"peer_{set_name}.json"
    fingerprint = _fingerprint(url)
    if not rebuild and path.is_file() and stamp.is_file() and json.loads(stamp.read_text()) == fingerprint:
        return path, None
    print(
        f"building the Folium peer of {set_name} (plain MarkerCluster, one Marker per site) ...", flush=True
    )
    start = time.perf_counter()
    stamp.unlink(missing_ok=True)
    child = multiprocessing.get_context("spawn").Process(
        target=_build_peer, args=(url.render_as_string(hide_password=False), str(path))
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"building the peer of {set_name} failed (exit code {child.exitcode})")
    stamp.write_text(json.dumps(fingerprint))
    return path, time.perf_counter() - start


class PeerServer:
    """The peer's HTML and our vendor files (web.assets.vendor_files) over plain http.server on 127.0.0.1."""

    def __init__(self, page: Path) -> None:
        from web.assets import VENDOR_URL_PREFIX, default_node_modules, vendor_files

        files = {f"{VENDOR_URL_PREFIX}/{k}": v for k, v in vendor_files(default_node_modules()).items()}
        files["/peer.html"] = page
        types = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css"}
        types |= {".png": "image/png", ".svg": "image/svg+xml", ".woff2": "font/woff2", ".woff": "font/woff"}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = files.get(urlsplit(self.path).path)
                if path is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", types.get(path.suffix, "application/octet-stream"))
                self.send_header("Content-Length", str(path.stat().st_size))
                self.end_headers()
                with path.open("rb") as f, contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    shutil.copyfileobj(f, self.wfile, 1 << 20)

            def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/peer.html"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="peer-server", daemon=True)

    def __enter__(self) -> PeerServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(10)


# -- ours: the app under uvicorn


class OurServer:
    """``uvicorn main:app`` in a subprocess on 127.0.0.1 and a free port, against one database, basemap none."""

    def __init__(self, url, embed_max: int | None = None) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = os.environ | {
            "VETMAP_DATABASE_URL": url.render_as_string(hide_password=False),
            "VETMAP_BASEMAP": "none",
        }
        if embed_max is not None:
            self.env["VETMAP_MAP_EMBED_MAX"] = str(embed_max)
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> OurServer:
        cmd = [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(self.port)]
        cmd += ["--log-level", "warning", "--no-access-log"]
        self._proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self._proc.returncode} while starting")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"our server did not answer /healthz within {SERVER_START_S} s")

    def warm_up(self, n: int, timeout: float) -> list[float]:
        """Request the page ``n`` times over plain HTTP (gzip); seconds to the first byte of each."""
        times = []
        for _ in range(n):
            request = urllib.request.Request(self.base + "/", headers={"Accept-Encoding": "gzip"})
            start = time.perf_counter()
            with urllib.request.urlopen(request, timeout=timeout) as response:
                times.append(time.perf_counter() - start)
                response.read()
        return times

    def __exit__(self, *exc) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)


# -- the browser side


class Browser:
    """Debian's Chromium under Playwright; every request off 127.0.0.1 is aborted and remembered."""

    def __init__(self, cap: float, pan_zoom: int) -> None:
        from playwright.sync_api import sync_playwright

        self.cap = cap
        self.pan_zoom = pan_zoom
        self.blocked: list[str] = []
        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )

    def close(self) -> None:
        """Close Chromium and the Playwright driver."""
        self._browser.close()
        self._pw.stop()

    def _route(self, route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def load(self, url: str, pan: bool, screenshot: str | None = None) -> Load:
        """Load ``url`` in a fresh context and measure it (then pan, if asked); never waits past the cap."""
        from playwright.sync_api import Error as PlaywrightError

        result = Load()
        context = self._browser.new_context(viewport=VIEWPORT)
        try:
            context.route("**/*", self._route)
            context.add_init_script(INIT_JS)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)[:200]))
            page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text[:200]))
            start = time.monotonic()
            try:
                page.goto(url, wait_until="commit", timeout=self.cap * 1000)
                left = max(1.0, self.cap - (time.monotonic() - start))
                page.wait_for_function(
                    "() => window.__paint.first !== null", timeout=left * 1000, polling=100
                )
            except PlaywrightError as exc:
                message = str(exc).lower()
                if "crash" in message:
                    result.note = "tab crashed"
                elif "timeout" in message:
                    result.note = f"no paint within {self.cap:.0f} s"
                else:
                    result.note = f"failed: {str(exc).splitlines()[0][:200]}"
                return result
            result.first = page.evaluate("window.__paint.first") / 1000
            try:
                left = max(5.0, self.cap - (time.monotonic() - start))
                page.wait_for_function(
                    "ms => window.__paint.quiet(0, ms)", arg=QUIET_MS, timeout=left * 1000, polling=100
                )
                settled = page.evaluate("Math.max(window.__paint.lastMutation, window.__paint.lastLong)")
                result.settled = max(settled / 1000, result.first)
            except PlaywrightError:
                result.note = f"not settled within {self.cap:.0f} s"
            metrics = page.evaluate(METRICS_JS)
            for key in ("ttfb", "html_end", "dcl"):
                setattr(result, key, metrics[key] / 1000 if metrics[key] else None)
            for key in ("html_decoded", "html_transfer", "all_transfer", "heap", "bubbles"):
                setattr(result, key, metrics[key])
            result.load_long = [d for _, d in page.evaluate("window.__paint.longtasks")]
            if screenshot:
                page.screenshot(path=screenshot)
                print(
                    f"  screenshot {screenshot}: {metrics['icons']} icons, {metrics['bubbles']} cluster bubbles"
                )
            if pan and result.settled is not None:
                self._pan(page, result)
            if errors:
                result.note = (result.note + " " if result.note else "") + f"page errors: {errors[:3]}"
            return result
        finally:
            with contextlib.suppress(PlaywrightError):
                context.close()

    def _pan(self, page, result: Load) -> None:
        from playwright.sync_api import Error as PlaywrightError

        if self.pan_zoom:
            t0 = page.evaluate(
                "dz => { const t = performance.now(), m = window.__paint.map();"
                " m.setZoom(m.getZoom() + dz, {animate: false}); return t; }",
                self.pan_zoom,
            )
            try:
                page.wait_for_function(
                    "a => window.__paint.quiet(a[0], a[1])", arg=[t0, QUIET_MS], timeout=PAN_TIMEOUT_S * 1000
                )
            except PlaywrightError:
                result.note = (result.note + " " if result.note else "") + "the zoom-in did not settle"
                return
        pan_start = page.evaluate("performance.now()")
        for dx, dy in PANS:
            t0 = page.evaluate(
                f"(() => {{ const t = performance.now(); window.__paint.map().panBy([{dx}, {dy}], "
                "{animate: false}); return t; })()"
            )
            try:
                page.wait_for_function(
                    "a => window.__paint.quiet(a[0], a[1])",
                    arg=[t0, PAN_QUIET_MS],
                    timeout=PAN_TIMEOUT_S * 1000,
                    polling=50,
                )
            except PlaywrightError:
                result.note = (result.note + " " if result.note else "") + "a pan did not settle"
                return
            last, visible = page.evaluate("[window.__paint.lastMutation, window.__paint.visibleMarker()]")
            result.pan_settle.append(max(0.0, (last - t0) / 1000))
            result.pans_with_markers += bool(visible)
        entries = page.evaluate("window.__paint.longtasks")
        result.pan_long = [d for s, d in entries if s >= pan_start]


# -- the run


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _s(value: float | None, width: int = 7) -> str:
    return f"{value:>{width}.2f}" if value is not None else f"{'—':>{width}}"


def _paint(loads: list[Load], cap: float) -> str:
    value = _median([x.first for x in loads])
    if value is None:
        notes = {x.note.split(" page errors")[0] for x in loads if x.note}
        return ", ".join(sorted(notes)) or f"no paint within {cap:.0f} s"
    missing = sum(x.first is None for x in loads)
    return f"{value:.2f}" + (f" ({missing} of {len(loads)} no paint)" if missing else "")


def _long(loads: list[Load]) -> str:
    runs = [x.pan_long for x in loads if x.pan_long is not None]
    if not runs:
        return "—"
    count = statistics.median(len(r) for r in runs)
    total = statistics.median(sum(r) for r in runs)
    peak = statistics.median(max(r, default=0.0) for r in runs)
    return f"{count:g}/{total:.0f}/{peak:.0f}"


def _kb(value: float | None) -> str:
    return "—" if value is None else f"{value / 1024:,.0f}"


def run_set(name: str, url, browser: Browser, args) -> dict:
    """Measure one data set: ``repeat`` rounds of ours cold, ours warm (panned) and the peer (panned)."""
    from geo.settings import Settings

    sites = site_total(url)
    if args.no_peer:
        page, built, peer_size = None, None, 0
        peer_text = "peer not measured (--no-peer)"
    else:
        page, built = peer_html(name, url, args.rebuild_peer)
        peer_size = page.stat().st_size
        peer_text = f"peer HTML {peer_size / 2**20:,.1f} MiB" + (
            f" (built in {built:.0f} s)" if built is not None else " (cached)"
        )
    print(
        f"[{name}] {sites:,} sites; ours: map_embed_max {args.embed_max or Settings().map_embed_max:,}; {peer_text}",
        flush=True,
    )
    cold: list[Load] = []
    warm: list[Load] = []
    peer: list[Load] = []
    peer_gave_up = args.no_peer
    warmups: list[list[float]] = []
    with PeerServer(page) if page is not None else contextlib.nullcontext() as peer_server:
        for round_no in range(args.repeat):
            with OurServer(url, args.embed_max) as ours:
                cold.append(browser.load(ours.base + "/", pan=False))
                warmups.append(ours.warm_up(WARM_UP_REQUESTS, args.cap))
                shot = args.screenshot if name == "600k" and round_no == 0 else None
                warm.append(browser.load(ours.base + "/", pan=True, screenshot=shot))
            if not peer_gave_up:
                peer.append(browser.load(peer_server.url, pan=True))
                # a peer that cannot paint within the cap will not the next time either: spare the minutes
                peer_gave_up = peer[-1].first is None
            peer_note = (
                "—" if not peer else _s(peer[-1].first, 0) if peer[-1].first is not None else peer[-1].note
            )
            print(
                f"  round {round_no + 1}: ours cold {_s(cold[-1].first, 0)} s, warm {_s(warm[-1].first, 0)} s, "
                f"peer {peer_note} s "
                + f"(page requests 2-{WARM_UP_REQUESTS + 1} after start, server s: "
                + ", ".join(f"{t:.2f}" for t in warmups[-1])
                + ") "
                + " ".join(
                    f"[{who}: {x.note}]" for who, x in (("cold", cold[-1]), ("warm", warm[-1])) if x.note
                ),
                flush=True,
            )
    return {"name": name, "sites": sites, "cold": cold, "warm": warm, "peer": peer, "peer_bytes": peer_size}


def report(results: list[dict], args, blocked: list[str]) -> None:
    """Print the summary table, the time breakdown and the 17k verdict."""
    print()
    head = (
        f"{'set':<5} {'sites':>8} {'ours cold s':>11} {'ours warm s':>11} {'peer s':>22} {'peer/ours':>9} "
        f"{'HTML kB ours/peer':>19} {'HTML kB on wire':>16} {'pan long tasks ours|peer n/total/max ms':>40} "
        f"{'heap MB ours/peer':>18}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        ours_warm = _median([x.first for x in r["warm"]])
        peer_first = _median([x.first for x in r["peer"]])
        ratio = f"{peer_first / ours_warm:.1f}×" if ours_warm and peer_first else "—"
        if ours_warm and peer_first is None and r["peer"]:
            ratio = f"> {args.cap / ours_warm:.0f}×"
        html_ours = _median([x.html_decoded for x in r["warm"]])
        wire_ours = _median([x.html_transfer for x in r["warm"]])
        heap_ours = _median([x.heap for x in r["warm"]])
        heap_peer = _median([x.heap for x in r["peer"]])
        heap = f"{_kb((heap_ours or 0) / 1024) if heap_ours else '—'}/{_kb(heap_peer / 1024) if heap_peer else '—'}"
        print(
            f"{r['name']:<5} {r['sites']:>8,} {_paint(r['cold'], args.cap):>11} {_paint(r['warm'], args.cap):>11} "
            f"{_paint(r['peer'], args.cap) if r['peer'] else '—':>22} {ratio:>9} "
            f"{_kb(html_ours) + '/' + _kb(r['peer_bytes']):>19} {_kb(wire_ours) + '/' + _kb(r['peer_bytes']):>16} "
            f"{_long(r['warm']) + ' | ' + _long(r['peer']):>40} {heap:>18}"
        )
    print()
    print("time breakdown, medians in s from navigation start (TTFB: server; HTML end: transfer; DCL: inline")
    print(
        "scripts run; first: first visible marker; settled: all layers drawn and quiet; pan: median per pan)"
    )
    print(
        f"{'set':<5} {'page':<10} {'TTFB':>7} {'HTML end':>8} {'DCL':>7} {'first':>7} {'settled':>7} "
        f"{'load long n/max ms':>18} {'pan s':>6} {'pans w/ markers':>15} {'all kB':>9}"
    )
    for r in results:
        for label, loads in (("ours cold", r["cold"]), ("ours warm", r["warm"]), ("peer", r["peer"])):
            longs = [x.load_long for x in loads if x.first is not None]
            long_text = (
                f"{statistics.median(len(x) for x in longs):g}/{statistics.median(max(x, default=0) for x in longs):.0f}"
                if longs
                else "—"
            )
            pans = [p for x in loads for p in x.pan_settle]
            print(
                f"{r['name']:<5} {label:<10} {_s(_median([x.ttfb for x in loads]))} "
                f"{_s(_median([x.html_end for x in loads]), 8)} {_s(_median([x.dcl for x in loads]))} "
                f"{_s(_median([x.first for x in loads]))} {_s(_median([x.settled for x in loads]))} "
                f"{long_text:>18} {_s(_median(pans), 6)} "
                f"{_s(_median([x.pans_with_markers for x in loads if x.pan_long is not None]), 15)} "
                f"{_kb(_median([x.all_transfer for x in loads])):>9}"
            )
    print()
    for r in results:
        if r["name"] == "17k":
            cold, warm = _median([x.first for x in r["cold"]]), _median([x.first for x in r["warm"]])
            met = cold is not None and warm is not None and max(cold, warm) < TARGET_17K_S
            print(
                f"issue 9 target, 17k sites: first markers < {TARGET_17K_S:g} s: {'MET' if met else 'NOT MET'} "
                f"(cold {_s(cold, 0)} s, warm {_s(warm, 0)} s)"
            )
    for r in results:
        if r["name"] in ("17k", "600k"):
            cold, warm = _median([x.first for x in r["cold"]]), _median([x.first for x in r["warm"]])
            met = cold is not None and warm is not None and max(cold, warm) < TARGET_FIRST_S
            print(
                f"issue 25 target, {r['name']} sites: first markers < {TARGET_FIRST_S:g} s: "
                f"{'MET' if met else 'NOT MET'} (cold {_s(cold, 0)} s, warm {_s(warm, 0)} s)"
            )
    print(
        f"requests aborted (off 127.0.0.1): {len(blocked)}"
        + (f": {sorted(set(blocked))[:10]}" if blocked else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated, of 1k,17k,600k")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per set (median reported)")
    parser.add_argument("--cap", type=float, default=120.0, help="seconds a page may take to paint")
    parser.add_argument("--pan-zoom", type=int, default=2, help="zoom in this much before the pans")
    parser.add_argument(
        "--embed-max", type=int, default=None, help="VETMAP_MAP_EMBED_MAX for our server (default: the app's)"
    )
    parser.add_argument("--rebuild-peer", action="store_true", help="rebuild the cached peer HTML")
    parser.add_argument(
        "--no-peer",
        action="store_true",
        help="measure ours only (the 600k peer takes ~9 min and 8 GB to build)",
    )
    parser.add_argument("--screenshot", default="/tmp/paint_600k.png", help="our 600k page, once")
    args = parser.parse_args()
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = set(names) - set(SETS)
    if unknown or not names:
        parser.error(f"--sets takes some of {','.join(SETS)}")
    if not CHROMIUM.is_file():
        sys.exit(f"Debian's Chromium is missing at {CHROMIUM} (apt-get install chromium)")

    from geo.database.engine import ensure_embedded_running
    from geo.settings import Settings

    settings = Settings()
    ensure_embedded_running(settings)
    urls = prepare_sets(settings, names)
    browser = Browser(args.cap, args.pan_zoom)
    started = time.perf_counter()
    try:
        results = [run_set(name, urls[name], browser, args) for name in names]
    finally:
        browser.close()
    report(results, args, browser.blocked)
    print(f"measured in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
