"""The mixed public/crew workload of the load benchmark: what is requested, how often, and what each answer records.

Public reads (anonymous): OGC items by bbox, vector tiles, nearest stations, site name search, public site pages,
the coverage API. Crew writes (bearer API tokens of crew accounts, each on sites of its own county): inspections
and work orders, both with a fresh ``client_key``. Every request is drawn from lists made once from the database.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine, text

from bench.features_vs_tipg import lonlat_to_tile
from bench.load_cluster import SEARCH_TERMS

# kind -> weight (per 100 requests); writes are 15 % of the mix
MIX: dict[str, int] = {
    "ogc_items": 25,
    "tile": 20,
    "nearest": 12,
    "search": 10,
    "site_page": 6,
    "coverage": 12,
    "inspection": 10,
    "work_order": 5,
}
WRITE_KINDS = ("inspection", "work_order")
ITEMS_HALF_DEG = 0.04  # bbox half-size around a station: about 100 stations in the dense east
TILE_ZOOMS = (8, 10, 12, 14)


@dataclass
class Request:
    """One request to make: method, path, optional JSON body and bearer token, and what a write will be checked by."""

    kind: str
    method: str
    path: str
    body: dict | None = None
    token: str | None = None
    client_key: str | None = None


@dataclass
class Outcome:
    """What came back: times are seconds since the run's start; ``status`` 0 when an exception ended the request."""

    kind: str
    start: float
    end: float
    status: int
    error: str | None = None
    detail: str | None = None
    record_id: int | None = None
    client_key: str | None = None

    @property
    def ok(self) -> bool:
        """2xx."""
        return 200 <= self.status < 300


@dataclass
class Material:
    """Everything the requests are drawn from (read once from the database)."""

    points: list[tuple[float, float]]
    memorials: list[int]
    cemeteries: list[int]
    counties: list[str]
    townships: list[str]
    crews: list[tuple[str, list[tuple[str, int]]]]  # token, [(collection, site id) in the crew's county]
    stats: dict = field(default_factory=dict)


def read_material(engine: Engine, tokens: list[tuple[str, str]], seed: int, n: int = 4000) -> Material:
    """Random station points, site ids, county and township codes, and each crew's sites."""
    with engine.connect() as conn:
        conn.execute(text("SELECT setseed(:s)"), {"s": (seed % 1000) / 1000})
        points = [tuple(r) for r in conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM stations TABLESAMPLE SYSTEM (2) ORDER BY random() LIMIT :n"),
            {"n": n},
        )]  # fmt: skip
        memorials = conn.execute(text("SELECT id FROM memorials ORDER BY id")).scalars().all()
        cemeteries = conn.execute(text("SELECT id FROM cemeteries ORDER BY id")).scalars().all()
        counties = (
            conn.execute(text("SELECT code FROM areas WHERE level = 'county' ORDER BY code")).scalars().all()
        )
        townships = (
            conn.execute(
                text("SELECT code FROM areas WHERE level = 'township' ORDER BY random() LIMIT :n"), {"n": n}
            )
            .scalars()
            .all()
        )
        crews = []
        for token, county in tokens:
            sites = conn.execute(
                text(
                    "SELECT 'memorials', id FROM memorials WHERE area_code = :c"
                    " UNION ALL SELECT 'cemeteries', id FROM cemeteries WHERE area_code = :c"
                ),
                {"c": county},
            ).all()
            if not sites:
                raise SystemExit(f"no sites in the crew county {county}: the bench data is incomplete")
            crews.append((token, [tuple(s) for s in sites]))
    return Material(points, list(memorials), list(cemeteries), list(counties), list(townships), crews)


def _read(kind: str, m: Material, rng: random.Random) -> Request:
    lon, lat = m.points[rng.randrange(len(m.points))]
    if kind == "ogc_items":
        h = ITEMS_HALF_DEG
        bbox = f"{lon - h:.5f},{lat - h:.5f},{lon + h:.5f},{lat + h:.5f}"
        return Request(kind, "GET", f"/ogc/collections/stations/items?bbox={bbox}&limit=100")
    if kind == "tile":
        z = rng.choice(TILE_ZOOMS)
        x, y = lonlat_to_tile(lon, lat, z)
        return Request(kind, "GET", f"/tiles/stations/{z}/{x}/{y}.mvt")
    if kind == "nearest":
        dx, dy = rng.gauss(0, 0.05), rng.gauss(0, 0.05)
        return Request(kind, "GET", f"/api/v1/stations/nearest?lon={lon + dx:.5f}&lat={lat + dy:.5f}&k=5")
    if kind == "search":
        return Request(kind, "GET", f"/api/v1/search/sites?q={rng.choice(SEARCH_TERMS)}&limit=20")
    if kind == "site_page":
        collection = rng.choice(("memorials", "cemeteries"))
        ids = m.memorials if collection == "memorials" else m.cemeteries
        return Request(kind, "GET", f"/sites/{collection}/{ids[rng.randrange(len(ids))]}?lang=en")
    if kind == "coverage":
        if rng.random() < 0.5:
            return Request(kind, "GET", f"/api/v1/coverage/rates?area={rng.choice(m.counties)}")
        return Request(kind, "GET", f"/api/v1/coverage/villages?area={rng.choice(m.townships)}&limit=50")
    raise ValueError(kind)


def _write(kind: str, m: Material, rng: random.Random) -> Request:
    token, sites = m.crews[rng.randrange(len(m.crews))]
    collection, site_id = sites[rng.randrange(len(sites))]
    key = str(uuid.uuid4())  # never the seed's: a key of an earlier run would be a replay (or a 409)
    if kind == "inspection":
        scores = {c: rng.randint(1, 4) for c in ("monument", "structure", "paths", "greenery", "cleanliness")}
        body = {"scores": scores, "notes": "bench-load", "client_key": key}
        return Request(kind, "POST", f"/api/v1/{collection}/{site_id}/inspections", body, token, key)
    body = {"collection": collection, "site_id": site_id, "title": "bench-load: 清理杂草", "client_key": key}
    return Request(kind, "POST", "/api/v1/work-orders", body, token, key)


def drawer(m: Material, seed: int, mix: dict[str, int] = MIX) -> Callable[[], Request]:
    """A function that draws the next request of the mix (reproducible for a seed)."""
    rng = random.Random(seed)
    kinds, weights = list(mix), list(mix.values())

    def draw() -> Request:
        kind = rng.choices(kinds, weights)[0]
        return _write(kind, m, rng) if kind in WRITE_KINDS else _read(kind, m, rng)

    return draw


async def send(client: httpx.AsyncClient, req: Request, t0: float) -> Outcome:
    """Make one request and record its outcome (never raises for HTTP or network errors)."""
    headers = {"Authorization": f"Bearer {req.token}"} if req.token else None
    start = time.monotonic() - t0
    try:
        resp = await client.request(req.method, req.path, json=req.body, headers=headers)
        body = resp.content
    except httpx.HTTPError as exc:
        return Outcome(req.kind, start, time.monotonic() - t0, 0, type(exc).__name__, str(exc)[:200], None,
                       req.client_key)  # fmt: skip
    end = time.monotonic() - t0
    out = Outcome(req.kind, start, end, resp.status_code, client_key=req.client_key)
    if not out.ok:
        out.error = f"HTTP {resp.status_code}"
        out.detail = body[:200].decode("utf-8", "replace")
    elif req.client_key:
        out.record_id = resp.json().get("id")
    return out


async def drive(
    base_url: str,
    draw: Callable[[], Request],
    concurrency: int,
    duration: float,
    during: Callable[[float], asyncio.Future | None] | None = None,
    timeout: float = 10.0,
) -> tuple[list[Outcome], float]:
    """``concurrency`` closed-loop clients for ``duration`` seconds; ``during(t0)`` may start a side task.

    Returns the outcomes and the wall seconds from start to the last answer.
    """
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    outcomes: list[Outcome] = []
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
        t0 = time.monotonic()
        side = during(t0) if during else None

        async def worker() -> None:
            while time.monotonic() - t0 < duration:
                outcomes.append(await send(client, draw(), t0))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        if side is not None:
            await side
        wall = time.monotonic() - t0
    return outcomes, wall


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]
