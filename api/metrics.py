"""``/metrics`` in the Prometheus text format (prometheus_client), one registry per app.

- ``vetmap_http_requests_total{method,route,status}``: requests by route template (``unmatched`` when no route
  matched); ``vetmap_http_request_duration_seconds{method,route}``: a latency histogram;
  ``vetmap_http_requests_in_flight``: requests being served.
- ``vetmap_db_pool_{size,checked_out,checked_in,overflow}{server,pool}``: the connection pools of the primary
  (``server="primary"``; ``pool="main"`` is ``app.state.engine``, ``pool="read"`` ``app.state.read_engine``) and of
  each read replica in ``app.state.replicas`` (``server`` is its name); ``vetmap_db_replica_healthy{replica}``.
- ``process_*``, ``python_*``: the process (CPU, memory, open files) and the interpreter, from prometheus_client.

Who may read it: clients in ``metrics_allowed_networks`` (loopback by default), or any client that sends
``Authorization: Bearer <metrics_token>``; everyone else gets 403 with the reason. The endpoint is served by the
middleware itself, outside the routers, and is not part of the OpenAPI document.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Iterable, Iterator, Mapping

from fastapi import FastAPI
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.headers import bearer_token
from api.proxies import FORWARDED_UNTRUSTED
from api.route_template import STATE_KEY, RouteTemplates
from geo.settings import Settings

METRICS_PATH = "/metrics"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
"""Seconds; the slowest answers (exports, road imports) take tens of seconds."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Methods counted by name; any other is counted as OTHER (a client cannot grow the label set)."""
_POOL_GAUGES = (
    ("size", "size", "connections the pool keeps open"),
    ("checked_out", "checkedout", "connections in use"),
    ("checked_in", "checkedin", "idle connections in the pool"),
    ("overflow", "overflow", "connections open beyond the pool size"),
)


def _replicas(state: object) -> Iterable[object]:
    found = getattr(state, "replicas", None)
    found = getattr(found, "replicas", found)  # a replica set that holds a list, or the list itself
    if found is None:
        return ()
    return found.values() if isinstance(found, Mapping) else found


def _pools(state: object) -> Iterator[tuple[str, str, object]]:
    """(server, pool, engine) for every engine the app holds."""
    seen: set[int] = set()
    candidates = [("primary", "main", getattr(state, "engine", None))]
    candidates.append(("primary", "read", getattr(state, "read_engine", None)))
    for replica in _replicas(state):
        name = str(getattr(replica, "name", "?"))
        candidates.append((name, "main", getattr(replica, "engine", None)))
        candidates.append((name, "read", getattr(replica, "read_engine", None)))
    for server, pool, engine in candidates:
        if engine is not None and id(engine) not in seen:
            seen.add(id(engine))
            yield server, pool, engine


class DatabasePoolCollector:
    """Reads the pools' gauges at each scrape, so engines and replicas added after the app was built count too."""

    def __init__(self, state: object) -> None:
        self._state = state

    def _families(self) -> dict[str, GaugeMetricFamily]:
        families = {
            attr: GaugeMetricFamily(
                f"vetmap_db_pool_{name}", f"Database pool: {doc}", labels=["server", "pool"]
            )
            for name, attr, doc in _POOL_GAUGES
        }
        families["healthy"] = GaugeMetricFamily(
            "vetmap_db_replica_healthy",
            "1 when the read replica is used for reads, else 0",
            labels=["replica"],
        )
        return families

    def describe(self) -> list[Metric]:
        """The metric names, without reading any pool (called when the collector is registered)."""
        return list(self._families().values())

    def collect(self) -> list[Metric]:
        """The current pool figures and replica health."""
        families = self._families()
        for server, pool, engine in _pools(self._state):
            for _name, attr, _doc in _POOL_GAUGES:
                read = getattr(engine.pool, attr, None)
                if callable(read):
                    value = read()
                    families[attr].add_metric([server, pool], max(0, value) if attr == "overflow" else value)
        for replica in _replicas(self._state):
            healthy = getattr(replica, "healthy", False)
            families["healthy"].add_metric([str(getattr(replica, "name", "?"))], 1.0 if healthy else 0.0)
        return list(families.values())


class AppMetrics:
    """The metrics of one app, in a registry of its own (several apps in one process count apart)."""

    def __init__(self, state: object) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "vetmap_http_requests",
            "HTTP requests by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "vetmap_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "vetmap_http_requests_in_flight", "HTTP requests being served", registry=self.registry
        )
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.registry.register(DatabasePoolCollector(state))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its duration."""
        label = method if method in METHODS else "OTHER"
        self.requests.labels(label, route, str(status)).inc()
        self.latency.labels(label, route).observe(seconds)


def metrics_refusal(
    client_host: str | None, bearer: str | None, settings: Settings, forwarded_untrusted: bool = False
) -> str | None:
    """Why this client may not read /metrics, or None when it may (allowed network, or the metrics token).
    ``forwarded_untrusted``: the request came through a proxy that is not trusted, so its client is unknown."""
    if bearer is not None:
        secret = settings.metrics_token.get_secret_value() if settings.metrics_token else None
        if secret and hmac.compare_digest(bearer.encode(), secret.encode()):
            return None
        if not secret:
            return (
                "no metrics token is configured (VETMAP_METRICS_TOKEN); read /metrics from an allowed network"
            )
        return "the bearer token is not the metrics token"
    if forwarded_untrusted:
        return (
            f"the request was forwarded by {client_host}, which is not a trusted proxy (VETMAP_TRUSTED_PROXIES), "
            "so its client is unknown; send the metrics token (VETMAP_METRICS_TOKEN) as a bearer token"
        )
    try:
        address = ipaddress.ip_address(client_host or "")
    except ValueError:
        return f"the client address {client_host!r} is not an IP address; send the metrics token"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in settings.metrics_allowed_networks):
        return None
    return (
        f"{address} is not in the networks allowed to read metrics (VETMAP_METRICS_ALLOWED_NETWORKS); "
        "send the metrics token (VETMAP_METRICS_TOKEN) as a bearer token"
    )


class MetricsMiddleware:
    """Pure ASGI: counts and times every HTTP request by route template, and answers ``GET /metrics`` itself."""

    def __init__(
        self, app: ASGIApp, metrics: AppMetrics, templates: RouteTemplates, settings: Settings
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.templates = templates
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        serve = self.app
        if scope.get("path") == METRICS_PATH:
            scope.setdefault("state", {})[STATE_KEY] = METRICS_PATH
            serve = self._metrics
        status = 500  # unless a response starts: an error that escapes is answered 500 outside
        started = time.perf_counter()

        async def send_counting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await serve(scope, receive, send_counting)
        finally:
            self.metrics.in_flight.dec()
            self.metrics.observe(
                scope.get("method", ""), self.templates.template(scope), status, time.perf_counter() - started
            )

    async def _metrics(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") not in ("GET", "HEAD"):
            response: Response = JSONResponse(
                {"detail": "/metrics answers GET only"}, status_code=405, headers={"Allow": "GET, HEAD"}
            )
        else:
            client = scope.get("client")
            reason = metrics_refusal(
                client[0] if client else None,
                bearer_token(Headers(scope=scope)) or None,
                self.settings,
                bool(scope.get("state", {}).get(FORWARDED_UNTRUSTED)),
            )
            if reason is not None:
                response = JSONResponse({"detail": reason}, status_code=403)
            else:
                accept = next(
                    (v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"accept"), None
                )
                encoder, content_type = choose_encoder(accept)
                response = Response(
                    encoder(self.metrics.registry),
                    media_type=content_type,
                    headers={"Cache-Control": "no-store"},
                )
        await response(scope, receive, send)


def install_metrics(app: FastAPI, templates: RouteTemplates) -> AppMetrics:
    """Add the metrics middleware (outside the app's other middleware) and keep the metrics in app.state."""
    metrics = AppMetrics(app.state)
    app.state.metrics = metrics
    app.add_middleware(MetricsMiddleware, metrics=metrics, templates=templates, settings=app.state.settings)
    return metrics
