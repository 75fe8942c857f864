"""What the metrics and request-log middleware (api/metrics.py, api/request_log.py) cost a request.

Run from the project root:  .venv/bin/python bench/metrics_overhead.py [--requests 400] [--rounds 5]

The same app is built three times and called in process (httpx over ASGI, one request at a time, no network):
- ``bare``: without the two middleware (the peer: the app as it was);
- ``ours``: with them, the access log formatted as JSON (python-json-logger) into /dev/null, as ``serve`` does;
- ``basehttp``: the same counting and logging done the common way, in a Starlette ``BaseHTTPMiddleware``
  (what the pure ASGI middleware avoids).
Three requests: a route with no database work (``/favicon.ico``), a station from the database
(``/api/v1/stations/{id}``) and a path no route matches (the slowest naming: a scan of the routes); and the
middleware alone, around an ASGI app that answers at once (``middleware only``: its own cost per request, in
microseconds; ``ours-bare`` against ``basehttp-bare`` is the comparison with the peer).
Rounds are interleaved and the best round of each is kept; the ratios against ``bare`` are the point (absolute
times are this shared 2-core machine's). Needs the database the app is configured with (the demo atlas).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import time
import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from starlette.middleware.base import BaseHTTPMiddleware

from api.app import create_app
from api.metrics import AppMetrics, MetricsMiddleware
from api.request_log import (
    ACCESS_LOGGER,
    RequestIdFilter,
    RequestLogMiddleware,
    current_request_id,
    json_formatter,
)
from api.route_template import RouteTemplates
from geo.settings import Settings

OURS = (MetricsMiddleware, RequestLogMiddleware)
ALONE = "middleware only"


def _bare(settings: Settings):
    app = create_app(settings)
    app.user_middleware = [m for m in app.user_middleware if m.cls not in OURS]
    return app


def _peer_dispatch(metrics: AppMetrics, templates: RouteTemplates):
    """The same work done the common way, as a BaseHTTPMiddleware dispatch: id, header, count, time, log."""

    async def count_and_log(request, call_next):
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex
        token = current_request_id.set(rid)
        started = time.perf_counter()
        try:
            response = await call_next(request)
            response.headers["X-Request-ID"] = rid
            route = templates.template(request.scope)
            seconds = time.perf_counter() - started
            metrics.observe(request.method, route, response.status_code, seconds)
            ACCESS_LOGGER.info(
                "%s %s %s",
                request.method,
                request.url.path,
                response.status_code,
                extra={
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
            return response
        finally:
            current_request_id.reset(token)

    return count_and_log


def _basehttp(settings: Settings):
    """The app with the peer middleware in place of ours."""
    app = _bare(settings)
    app.add_middleware(
        BaseHTTPMiddleware, dispatch=_peer_dispatch(AppMetrics(app.state), RouteTemplates(app))
    )
    return app


async def _answer_at_once(scope, receive, send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


def _alone() -> dict:
    """Each middleware around an ASGI app that answers at once: the middleware's own cost per request."""
    owner = FastAPI()
    owner.add_api_route("/x/{item}", lambda item: None)
    templates = RouteTemplates(owner)
    ours = MetricsMiddleware(_answer_at_once, AppMetrics(owner.state), templates, Settings())
    return {
        "bare": _answer_at_once,
        "ours": RequestLogMiddleware(ours, templates),
        "basehttp": BaseHTTPMiddleware(
            _answer_at_once, dispatch=_peer_dispatch(AppMetrics(owner.state), RouteTemplates(owner))
        ),
    }


async def _round(app, path: str, n: int) -> float:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        await client.get(path)  # warm
        started = time.perf_counter()
        for _ in range(n):
            await client.get(path)
        return (time.perf_counter() - started) / n


async def _direct_round(app, path: str, n: int) -> float:
    """``n`` calls of the ASGI app itself (no HTTP client): for the middleware alone."""

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        return None

    def scope() -> dict:
        return {
            "type": "http",
            "http_version": "1.1",
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"bench")],
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 80),
            "scheme": "http",
            "state": {},
        }

    await app(scope(), receive, send)  # warm
    started = time.perf_counter()
    for _ in range(n):
        await app(scope(), receive, send)
    return (time.perf_counter() - started) / n


def main() -> None:
    """Time the three apps on the three requests and print microseconds per request and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; the best is kept")
    args = parser.parse_args()

    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - open for the whole run
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)

    settings = Settings()
    apps = {"bare": _bare(settings), "ours": create_app(settings), "basehttp": _basehttp(settings)}
    with apps["ours"].state.engine.connect() as conn:
        station = conn.execute(text("SELECT min(id) FROM stations")).scalar_one_or_none()
    if station is None:
        raise SystemExit("no stations: load the demo first (python main.py demo load)")
    paths = {
        "no database": "/favicon.ico",
        "one station": f"/api/v1/stations/{station}",
        "no route": "/no/such/7",
    }

    cases = {label: (apps, path) for label, path in paths.items()}
    cases[ALONE] = (_alone(), "/x/5")
    best: dict[tuple[str, str], float] = {}
    for _ in range(args.rounds):
        for label, (variants, path) in cases.items():
            for name, app in variants.items():
                timed = _direct_round if label == ALONE else _round
                seconds = asyncio.run(timed(app, path, args.requests))
                key = (label, name)
                best[key] = min(best.get(key, seconds), seconds)

    print(
        f"{'request':<16}{'bare µs':>9}{'ours µs':>9}{'basehttp µs':>13}{'ours-bare':>11}{'basehttp-bare':>15}"
        f"{'ours/bare':>11}"
    )
    for label in cases:
        bare, ours, base = (best[(label, n)] * 1e6 for n in ("bare", "ours", "basehttp"))
        print(
            f"{label:<16}{bare:>9.0f}{ours:>9.0f}{base:>13.0f}{ours - bare:>11.0f}{base - bare:>15.0f}"
            f"{ours / bare:>11.3f}"
        )


if __name__ == "__main__":
    main()
