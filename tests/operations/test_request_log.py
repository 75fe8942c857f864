"""Request ids and structured logs: the id echoed or made, hostile ids replaced, on every record of the request,
one JSON access line per request, an unhandled error logged once and answered with a JSON 500, and the JSON logs of
a real ``main.py serve``."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.request_log import (
    ACCESS_LOGGER,
    REQUEST_ID_HEADER,
    TEXT_FORMAT,
    RequestIdFilter,
    json_formatter,
    sane_request_id,
)
from geo.settings import PROJECT_ROOT, Settings
from tests.serve_process import start_serve, stop_serve

NEW_ID = re.compile(r"^[0-9a-f]{32}$")
ACCESS_FIELDS = {"time", "level", "request_id", "method", "path", "route", "status", "duration_ms", "client"}


class JsonLines:
    """A handler on the root logger formatting records as ``serve`` does (JSON, request id), kept in memory."""

    def __init__(self) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(json_formatter())
        self.handler.addFilter(RequestIdFilter())

    def records(self) -> list[dict]:
        """Every line written so far, parsed (a line that is not JSON fails the test here)."""
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line.strip()]

    def of(self, request_id: str) -> list[dict]:
        """The records made while serving the request ``request_id``."""
        return [r for r in self.records() if r.get("request_id") == request_id]


@pytest.fixture
def logs() -> Iterator[JsonLines]:
    captured = JsonLines()
    root = logging.getLogger()
    level = root.level
    root.addHandler(captured.handler)
    root.setLevel(logging.INFO)
    try:
        yield captured
    finally:
        root.removeHandler(captured.handler)
        root.setLevel(level)


@pytest.fixture(scope="module")
def app_client(settings: Settings, demo_counts: dict[str, int], admin_api_token: str) -> Iterator[TestClient]:
    """A fresh app with two extra routes (one logs, one fails), signed in as the national admin."""
    app = create_app(settings)
    log = logging.getLogger("vetmap.test")

    @app.get("/_test/logs")
    def logs_something() -> dict:  # a sync endpoint: it runs in a worker thread
        log.warning("working on it")
        return {"ok": True}

    @app.get("/_test/fails")
    def fails() -> dict:
        raise RuntimeError("kaboom in the endpoint")

    with TestClient(app, headers={"Authorization": f"Bearer {admin_api_token}"}) as c:
        yield c


def test_a_sane_request_id_is_echoed(app_client: TestClient) -> None:
    response = app_client.get("/healthz", headers={REQUEST_ID_HEADER: "trace-42.a:b_c"})
    assert response.headers[REQUEST_ID_HEADER] == "trace-42.a:b_c"


def test_a_request_without_an_id_gets_a_new_one(app_client: TestClient) -> None:
    first = app_client.get("/healthz").headers[REQUEST_ID_HEADER]
    second = app_client.get("/healthz").headers[REQUEST_ID_HEADER]
    assert NEW_ID.match(first) and NEW_ID.match(second) and first != second


@pytest.mark.parametrize(
    "hostile",
    ["x" * 129, "abc\ndef", "abc\r\nX-Injected: 1", 'a "quoted" id', "id;drop", "ré\xe9", ""],
    ids=["too-long", "newline", "crlf", "quotes-spaces", "semicolon", "non-ascii", "empty"],
)
def test_a_hostile_request_id_is_replaced(app_client: TestClient, hostile: str) -> None:
    response = app_client.get("/healthz", headers={REQUEST_ID_HEADER: hostile.encode("latin-1")})
    assert response.status_code == 200
    assert NEW_ID.match(response.headers[REQUEST_ID_HEADER])


def test_sane_request_id_bounds() -> None:
    assert sane_request_id("x" * 128) == "x" * 128
    assert sane_request_id("x" * 129) is None
    assert sane_request_id("a\n") is None  # fullmatch: a trailing newline does not slip past "$"
    assert sane_request_id(None) is None


def test_one_json_access_line_per_request(
    app_client: TestClient, logs: JsonLines, admin_api_token: str
) -> None:
    response = app_client.get("/api/v1/auth/me?secret=no", headers={REQUEST_ID_HEADER: "access-1"})
    assert response.status_code == 200
    lines = [r for r in logs.of("access-1") if r["logger"] == ACCESS_LOGGER.name]
    assert len(lines) == 1
    line = lines[0]
    assert set(line) >= ACCESS_FIELDS, line
    assert line["level"] == "INFO" and line["method"] == "GET" and line["status"] == 200
    assert line["path"] == "/api/v1/auth/me" and line["route"] == "/api/v1/auth/me"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["client"] == "testclient"
    assert line["username"] == "test-admin" and isinstance(line["user_id"], int)
    served = json.dumps(logs.of("access-1"))  # the server's records (the test's HTTP client logs its own URL)
    assert admin_api_token not in served and "secret=no" not in served


def test_an_anonymous_request_logs_no_user(
    settings: Settings, anon_client: TestClient, logs: JsonLines
) -> None:
    anon_client.get("/api/v1/stations/987654321", headers={REQUEST_ID_HEADER: "anon-1"})
    (line,) = [r for r in logs.of("anon-1") if r["logger"] == ACCESS_LOGGER.name]
    assert line["status"] == 404 and line["route"] == "/api/v1/stations/{site_id}"
    assert "user_id" not in line and "username" not in line


def test_records_made_while_serving_carry_the_request_id(app_client: TestClient, logs: JsonLines) -> None:
    assert app_client.get("/_test/logs", headers={REQUEST_ID_HEADER: "inside-1"}).status_code == 200
    inside = [r for r in logs.of("inside-1") if r["logger"] == "vetmap.test"]
    assert [r["message"] for r in inside] == ["working on it"]
    logging.getLogger("vetmap.test").warning("outside any request")
    (outside,) = [r for r in logs.records() if r["message"] == "outside any request"]
    assert outside["request_id"] is None


def test_an_unhandled_error_is_logged_once_and_answered_with_json(
    app_client: TestClient, logs: JsonLines
) -> None:
    response = app_client.get("/_test/fails", headers={REQUEST_ID_HEADER: "boom-1"})
    assert response.status_code == 500
    assert response.headers[REQUEST_ID_HEADER] == "boom-1"
    body = response.json()
    assert body["request_id"] == "boom-1" and "boom-1" in body["detail"]
    assert "kaboom" not in response.text  # no internals to the client
    records = logs.of("boom-1")
    with_traceback = [r for r in records if "exc_info" in r]
    assert len(with_traceback) == 1
    assert "RuntimeError: kaboom in the endpoint" in with_traceback[0]["exc_info"]
    assert with_traceback[0]["level"] == "ERROR" and with_traceback[0]["route"] == "/_test/fails"
    (access,) = [r for r in records if r["logger"] == ACCESS_LOGGER.name]
    assert access["status"] == 500 and access["level"] == "ERROR"


def test_domain_errors_keep_their_answers(app_client: TestClient, logs: JsonLines) -> None:
    response = app_client.get("/api/v1/stations/not-a-number", headers={REQUEST_ID_HEADER: "bad-1"})
    assert response.status_code == 422 and "detail" in response.json()
    assert not [r for r in logs.of("bad-1") if "exc_info" in r]


# -- the serve command, in a real process ---------------------------------------------------------------------


def _get(url: str, request_id: str) -> int:
    request = urllib.request.Request(url, headers={REQUEST_ID_HEADER: request_id})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_serve_logs_json_lines(settings: Settings, demo_counts: dict[str, int], tmp_path: Path) -> None:
    log_file = tmp_path / "serve.log"
    process, base = start_serve(settings, log_file)
    try:
        assert _get(f"{base}/api/v1/areas", "serve-json-1") == 200
    finally:
        stop_serve(process)
    lines = [line for line in log_file.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON: ours, uvicorn's, alembic's
    (access,) = [
        r for r in records if r.get("request_id") == "serve-json-1" and r["logger"] == ACCESS_LOGGER.name
    ]
    assert set(access) >= ACCESS_FIELDS
    assert access["route"] == "/api/v1/areas" and access["status"] == 200 and access["client"] == "127.0.0.1"
    assert any(
        r["logger"].startswith("uvicorn") for r in records
    )  # uvicorn's own records, through our handler
    assert not any(
        r["logger"] == "uvicorn.access" for r in records
    )  # its access log is off in favour of ours


def test_serve_logs_text_when_asked(settings: Settings, demo_counts: dict[str, int], tmp_path: Path) -> None:
    log_file = tmp_path / "serve.log"
    process, base = start_serve(settings, log_file, "--log-format", "text", "--log-level", "info")
    try:
        assert _get(f"{base}/api/v1/areas", "serve-text-1") == 200
    finally:
        stop_serve(process)
    lines = log_file.read_text().splitlines()
    assert not any(line.startswith("{") for line in lines)
    (access,) = [line for line in lines if "[serve-text-1]" in line]
    assert " INFO vetmap.access [serve-text-1] GET /api/v1/areas 200" in access


def test_serve_refuses_a_bad_log_option() -> None:
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py"), "serve", "--log-format", "xml"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "--log-format must be json or text, not 'xml'" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_bad_metrics_networks() -> None:
    env = {**os.environ, "VETMAP_METRICS_ALLOWED_NETWORKS": '["10.0.0.1/8"]'}
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py"), "serve"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "invalid settings: VETMAP_METRICS_ALLOWED_NETWORKS: value is not a valid IPv4 or IPv6 network" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_a_decoded_newline_in_the_path_cannot_forge_a_text_log_line(anon_client: TestClient) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter(missing="-"))
    ACCESS_LOGGER.addHandler(handler)
    level = ACCESS_LOGGER.level
    ACCESS_LOGGER.setLevel(logging.INFO)
    try:
        response = anon_client.get("/x%0A2026-01-01 INFO forged", headers={REQUEST_ID_HEADER: "forge-1"})
    finally:
        ACCESS_LOGGER.removeHandler(handler)
        ACCESS_LOGGER.setLevel(level)
    assert response.status_code == 404
    (line,) = stream.getvalue().splitlines()
    assert "[forge-1] GET /x\\x0a2026-01-01 INFO forged 404" in line
