"""/metrics: Prometheus text that prometheus_client parses, requests counted under their route template, the latency
histogram, in-flight requests, database pool and replica gauges, one registry per app, and who may read it."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import ip_network

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from api.app import create_app
from api.metrics import LATENCY_BUCKETS, METRICS_PATH, metrics_refusal
from api.route_template import UNMATCHED
from geo.database.replicas import make_replica
from geo.settings import Settings

LOOPBACK = ("127.0.0.1", 50000)
OUTSIDER = ("203.0.113.7", 50000)


def scrape(client: TestClient, **headers: str) -> dict[str, list]:
    """GET /metrics, parsed by prometheus_client: samples by metric family name (the family's type kept too)."""
    response = client.get(METRICS_PATH, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {}
    for family in text_string_to_metric_families(response.text):
        families[family.name] = family
    return families


def sample_value(family, name: str, **labels: str) -> float | None:
    """The value of the sample ``name`` whose labels include ``labels``; None when there is none."""
    for sample in family.samples:
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.value
    return None


@pytest.fixture(scope="module")
def station_id(engine: Engine, demo_counts: dict[str, int]) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT min(id) FROM stations")).scalar_one()


@pytest.fixture(scope="module")
def local(settings: Settings, demo_counts: dict[str, int]) -> Iterator[TestClient]:
    """A client of a fresh app (its own registry), calling from loopback."""
    with TestClient(create_app(settings), client=LOOPBACK) as c:
        yield c


def test_requests_are_counted_under_their_route_template(local: TestClient, station_id: int) -> None:
    assert local.get(f"/api/v1/stations/{station_id}").status_code == 200
    assert local.get(f"/api/v1/stations/{station_id}").status_code == 200
    assert local.get("/api/v1/stations/987654321").status_code == 404
    assert local.get("/no/such/page/4711").status_code == 404
    assert local.put("/api/v1/stations").status_code == 405  # a known path, a method it does not take
    families = scrape(local)
    requests = families["vetmap_http_requests"]
    assert requests.type == "counter"
    route = "/api/v1/stations/{site_id}"
    total = "vetmap_http_requests_total"
    assert sample_value(requests, total, method="GET", route=route, status="200") == 2.0
    assert sample_value(requests, total, method="GET", route=route, status="404") == 1.0
    assert sample_value(requests, total, method="GET", route=UNMATCHED, status="404") == 1.0
    assert sample_value(requests, total, method="PUT", route="/api/v1/stations", status="405") == 1.0
    routes = {s.labels["route"] for s in requests.samples}
    segments = {segment for r in routes for segment in r.split("/")}
    assert not {str(station_id), "987654321", "4711"} & segments, routes  # templates, never the ids


def test_latency_histogram_has_every_bucket(local: TestClient) -> None:
    assert local.get("/healthz").status_code == 200
    histogram = scrape(local)["vetmap_http_request_duration_seconds"]
    assert histogram.type == "histogram"
    buckets = {
        float(s.labels["le"]): s.value
        for s in histogram.samples
        if s.name.endswith("_bucket") and s.labels["route"] == "/healthz" and s.labels["method"] == "GET"
    }
    assert set(buckets) == {*LATENCY_BUCKETS, float("inf")}
    assert buckets[float("inf")] >= 1.0
    counts = [buckets[le] for le in sorted(buckets)]
    assert counts == sorted(counts)  # cumulative
    assert (
        sample_value(histogram, "vetmap_http_request_duration_seconds_count", route="/healthz")
        == buckets[float("inf")]
    )


def test_static_assets_and_metrics_themselves_are_named(local: TestClient) -> None:
    assert local.get("/static/vendor/no-such-asset.js").status_code == 404
    scrape(local)
    requests = scrape(local)["vetmap_http_requests"]
    total = "vetmap_http_requests_total"
    assert sample_value(requests, total, route="/static/vendor/{path}", status="404") == 1.0
    assert sample_value(requests, total, route=METRICS_PATH, status="200") >= 1.0


def test_in_flight_and_process_metrics(local: TestClient) -> None:
    families = scrape(local)
    assert sample_value(families["vetmap_http_requests_in_flight"], "vetmap_http_requests_in_flight") == 1.0
    assert sample_value(families["process_resident_memory_bytes"], "process_resident_memory_bytes") > 0
    assert "python_info" in families


def test_pool_gauges_of_the_primary(local: TestClient) -> None:
    assert local.get("/healthz").status_code == 200  # checks the database on the main pool
    families = scrape(local)
    engine = local.app.state.engine
    for pool in ("main", "read"):
        size = sample_value(
            families["vetmap_db_pool_size"], "vetmap_db_pool_size", server="primary", pool=pool
        )
        assert size == 10.0  # geo/database/engine.py: pool_size=10
        for name in ("checked_out", "checked_in", "overflow"):
            family = families[f"vetmap_db_pool_{name}"]
            value = sample_value(family, f"vetmap_db_pool_{name}", server="primary", pool=pool)
            assert value is not None and value >= 0
    # the requests before opened a connection on the main pool, and gave it back
    in_pool = sample_value(families["vetmap_db_pool_checked_in"], "vetmap_db_pool_checked_in", pool="main")
    assert in_pool == engine.pool.checkedin() >= 1


def test_replica_pools_and_health(settings: Settings, test_db_url: URL, demo_counts: dict[str, int]) -> None:
    """A replica (pools on the test database: only its gauges are read here) shows its pools and health."""
    replica = make_replica(test_db_url, connect_timeout_s=2)
    try:
        with replica.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        app = create_app(settings)
        app.state.replicas = [replica]
        with TestClient(app, client=LOOPBACK) as c:
            families = scrape(c)
            healthy = families["vetmap_db_replica_healthy"]
            assert (
                sample_value(healthy, "vetmap_db_replica_healthy", replica=replica.name) == 0.0
            )  # never probed
            size = families["vetmap_db_pool_size"]
            assert sample_value(size, "vetmap_db_pool_size", server=replica.name, pool="main") == 10.0
            assert sample_value(size, "vetmap_db_pool_size", server=replica.name, pool="read") == 10.0
            checked_in = families["vetmap_db_pool_checked_in"]
            assert (
                sample_value(checked_in, "vetmap_db_pool_checked_in", server=replica.name, pool="main") == 1.0
            )
            replica.state = "ok"  # what a probe that found it a standby within the lag sets
            healthy = scrape(c)["vetmap_db_replica_healthy"]
            assert sample_value(healthy, "vetmap_db_replica_healthy", replica=replica.name) == 1.0
    finally:
        replica.engine.dispose()
        replica.read_engine.dispose()


def test_each_app_counts_apart(settings: Settings, demo_counts: dict[str, int]) -> None:
    with (
        TestClient(create_app(settings), client=LOOPBACK) as a,
        TestClient(create_app(settings), client=LOOPBACK) as b,
    ):
        assert a.get("/healthz").status_code == 200
        requests = scrape(b)["vetmap_http_requests"]
        assert sample_value(requests, "vetmap_http_requests_total", route="/healthz") is None
        requests = scrape(a)["vetmap_http_requests"]
        assert sample_value(requests, "vetmap_http_requests_total", route="/healthz") == 1.0


def test_a_client_outside_the_allowed_networks_is_refused(local: TestClient, settings: Settings) -> None:
    with TestClient(local.app, client=OUTSIDER) as outsider:
        refused = outsider.get(METRICS_PATH)
        assert refused.status_code == 403
        assert "203.0.113.7 is not in the networks allowed" in refused.json()["detail"]
        assert "vetmap_http_requests" not in refused.text
        wrong = outsider.get(METRICS_PATH, headers={"Authorization": "Bearer guess"})
        assert wrong.status_code == 403 and "no metrics token is configured" in wrong.json()["detail"]
    assert local.post(METRICS_PATH).status_code == 405


def test_the_metrics_token_and_configured_networks_let_clients_in(
    settings: Settings, demo_counts: dict[str, int]
) -> None:
    opened = settings.model_copy(
        update={
            "metrics_token": SecretStr("metrics-s3cret"),
            "metrics_allowed_networks": [ip_network("198.51.100.0/24")],
        }
    )
    app = create_app(opened)
    with TestClient(app, client=OUTSIDER) as outsider:
        assert "vetmap_http_requests" in scrape(outsider, Authorization="Bearer metrics-s3cret")
        wrong = outsider.get(METRICS_PATH, headers={"Authorization": "Bearer metrics-s3cre"})
        assert (
            wrong.status_code == 403 and wrong.json()["detail"] == "the bearer token is not the metrics token"
        )
    with TestClient(app, client=("198.51.100.20", 1)) as listed:
        scrape(listed)
    with TestClient(app, client=LOOPBACK) as loopback:  # the configured list replaced the default
        assert loopback.get(METRICS_PATH).status_code == 403
    with TestClient(app) as unnamed:  # starlette's test client calls itself "testclient": not an address
        assert "is not an IP address" in unnamed.get(METRICS_PATH).json()["detail"]


def test_refusal_rules(settings: Settings) -> None:
    assert metrics_refusal("127.0.0.1", None, settings) is None
    assert metrics_refusal("::1", None, settings) is None
    assert metrics_refusal("::ffff:127.0.0.1", None, settings) is None  # loopback on a dual-stack socket
    assert metrics_refusal("10.1.2.3", None, settings) is not None
    assert metrics_refusal(None, None, settings) is not None


def test_answers_of_the_hardening_middleware_are_counted_too(local: TestClient) -> None:
    too_big = b"x" * (3 * 1024 * 1024)  # over the 2 MiB body limit: refused before any route runs
    refused = local.post("/api/v1/stations", content=too_big, headers={"Content-Type": "application/json"})
    assert refused.status_code == 413
    requests = scrape(local)["vetmap_http_requests"]
    counted = sample_value(
        requests, "vetmap_http_requests_total", method="POST", route="/api/v1/stations", status="413"
    )
    assert counted == 1.0
