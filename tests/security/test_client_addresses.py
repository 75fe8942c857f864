"""Client addresses behind reverse proxies (issue 18, item 8): X-Forwarded-For is believed only from the proxies in
VETMAP_TRUSTED_PROXIES, and then its right-most address that is not a trusted proxy is the client, for the rate
limits, the audit log and /metrics alike; under the TestClient and under a real ``main.py serve``."""

from __future__ import annotations

import json
import urllib.request
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.settings import SecuritySettings, Settings
from tests.auth_helpers import national_admin_token, sites_kept
from tests.factories import station_body
from tests.serve_process import start_serve, stop_serve

PEER = "203.0.113.7"  # the address the connection comes from: a client, or a reverse proxy
CLIENT = "198.51.100.9"
ZONE = {"type": "Polygon", "coordinates": [[[110.6, 26.0], [110.7, 26.0], [110.7, 26.1], [110.6, 26.0]]]}


def _app(settings: Settings, trusted: list[str], posts_per_window: int = 1000):
    """The app with these trusted proxies and a public-POST limit (per client, per hour)."""
    security = SecuritySettings(rate_limit_requests=posts_per_window, rate_limit_window_s=3600)
    return create_app(settings.model_copy(update={"trusted_proxies": trusted}), security)


def _audited_client(engine: Engine, settings: Settings, trusted: list[str], forwarded_for: str | None) -> str:
    """The client address the audit log records for a station created from PEER with this X-Forwarded-For."""
    request_id = uuid.uuid4().hex
    headers = {"Authorization": f"Bearer {national_admin_token(engine)}", "X-Request-ID": request_id}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    with sites_kept(engine), TestClient(_app(settings, trusted), client=(PEER, 50000)) as client:
        created = client.post("/api/v1/stations", json=station_body(name="代理地址测试站"), headers=headers)
        assert created.status_code == 201, created.text
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT client_addr FROM audit_log WHERE request_id = :r AND action = 'create'"),
            {"r": request_id},
        ).scalar_one()


def _zone_checks(app, forwarded_for: list[str | None]) -> list[int]:
    """The statuses of public POSTs from PEER, one per X-Forwarded-For value (None: no header)."""
    with TestClient(app, client=(PEER, 50000)) as client:
        return [
            client.post(
                "/api/v1/protection-zones/check", json=ZONE, headers={"X-Forwarded-For": xff} if xff else {}
            ).status_code
            for xff in forwarded_for
        ]


def test_x_forwarded_for_from_a_peer_that_is_not_a_trusted_proxy_is_ignored(engine, settings, demo_counts):
    assert Settings().trusted_proxies == []  # trusting none is the default
    assert _audited_client(engine, settings, [], CLIENT) == PEER
    # each request names another client, yet all of them share the peer's one bucket
    assert _zone_checks(_app(settings, [], posts_per_window=1), [CLIENT, "198.51.100.10"]) == [200, 429]


def test_a_trusted_proxys_x_forwarded_for_names_the_client(engine, settings, demo_counts):
    assert _audited_client(engine, settings, ["203.0.113.0/24"], CLIENT) == CLIENT
    assert _audited_client(engine, settings, ["203.0.113.0/24"], None) == PEER  # the proxy's own request
    app = _app(settings, [PEER], posts_per_window=1)
    assert _zone_checks(app, [CLIENT, "198.51.100.10", CLIENT]) == [200, 200, 429]  # one bucket per client


def test_a_spoofed_chain_gives_the_right_most_address_no_trusted_proxy_added(engine, settings, demo_counts):
    # the client wrote "10.9.9.9, 1.2.3.4" itself; the outer proxy (10.0.0.5) appended the client's real address,
    # the inner one (PEER) the outer proxy's: everything left of the real address is the client's own word
    chain = f"10.9.9.9, 1.2.3.4, {CLIENT}, 10.0.0.5"
    assert _audited_client(engine, settings, [PEER, "10.0.0.0/8"], chain) == CLIENT
    assert _audited_client(engine, settings, [PEER], chain) == "10.0.0.5"  # the outer proxy is not trusted
    assert _zone_checks(_app(settings, [PEER, "10.0.0.0/8"], posts_per_window=1), [chain, chain]) == [
        200,
        429,
    ]


def test_metrics_refuse_a_request_forwarded_by_an_untrusted_proxy(settings, demo_counts):
    with TestClient(_app(settings, []), client=("127.0.0.1", 50000)) as local:
        assert local.get("/metrics").status_code == 200
        forwarded = local.get("/metrics", headers={"X-Forwarded-For": CLIENT})
        assert forwarded.status_code == 403 and "VETMAP_TRUSTED_PROXIES" in forwarded.json()["detail"]
    with TestClient(_app(settings, ["127.0.0.1"]), client=("127.0.0.1", 50000)) as proxied:
        assert proxied.get("/metrics", headers={"X-Forwarded-For": CLIENT}).status_code == 403
        assert proxied.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_the_trusted_proxies_setting_reads_a_list_from_the_environment(monkeypatch):
    monkeypatch.setenv("VETMAP_TRUSTED_PROXIES", "172.18.0.1, 10.0.0.0/8")
    assert [str(n) for n in Settings().trusted_proxies] == ["172.18.0.1/32", "10.0.0.0/8"]
    monkeypatch.setenv("VETMAP_TRUSTED_PROXIES", '["::1"]')
    assert [str(n) for n in Settings().trusted_proxies] == ["::1/128"]


def _served_client(settings: Settings, tmp_path: Path, env: dict[str, str]) -> str:
    """The client address ``main.py serve`` logs for a request from 127.0.0.1 that says X-Forwarded-For: CLIENT."""
    log_file = tmp_path / "serve.log"
    process, base = start_serve(settings, log_file, env=env)
    request_id = uuid.uuid4().hex
    try:
        request = urllib.request.Request(
            f"{base}/healthz", headers={"X-Forwarded-For": CLIENT, "X-Request-ID": request_id}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
    finally:
        stop_serve(process)
    records = [json.loads(line) for line in log_file.read_text().splitlines() if line.startswith("{")]
    (access,) = [r for r in records if r.get("request_id") == request_id and r["logger"] == "vetmap.access"]
    return access["client"]


@pytest.mark.parametrize("trusted, expected", [("", "127.0.0.1"), ("127.0.0.1", CLIENT)])
def test_serve_believes_x_forwarded_for_from_the_trusted_proxies_only(
    settings, demo_counts, tmp_path, trusted, expected
):
    """uvicorn alone would believe X-Forwarded-For from 127.0.0.1 whatever the setting says."""
    assert _served_client(settings, tmp_path, {"VETMAP_TRUSTED_PROXIES": trusted}) == expected
