"""Uploads are refused before their body is read (issue 18, item 4): against a real uvicorn server, a client sends
the headers of a large upload and its first chunk, then waits for the answer. A 401 (anonymous) or 403 (a role
without the right) must come back while almost all of the body is still unsent; a server that reads the body
first never answers, and the wait ends in a failure. Open311 takes anonymous photos, so there the rate and size
limits are what must come before the body."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.params import Form
from fastapi.routing import iter_route_contexts
from sqlalchemy import Engine

from api.app import create_app
from geo.settings import SecuritySettings, Settings
from tests.auth_helpers import headers_of, staff_accounts
from tests.live_server import LiveServer

MIB = 1024 * 1024
DECLARED_UPLOAD = 200 * MIB
"""The body an import or a road file claims to have (under the 512 MiB upload limit)."""
DECLARED_PHOTO = 10 * MIB
"""The body a photo upload claims to have (under the photo limit)."""
FIRST_CHUNK = 64 * 1024
ANSWER_WAIT_S = 60.0
"""How long the client waits for an answer with the body unsent: a guard against waiting forever, not a timing
measure (a server that reads first never answers at all)."""
BOUNDARY = "vetmapboundary18"


def _multipart_start(fields: dict[str, str], file_field: str, filename: str) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    head = "".join(parts).encode()
    return head + b"\0" * (FIRST_CHUNK - len(head))


def _answer_before_body(
    base_url: str, path: str, first_chunk: bytes, declared: int, headers: dict[str, str], content_type: str
) -> tuple[int, bytes]:
    """Send the request line, the headers and ``first_chunk`` of a body of ``declared`` bytes, and read the
    answer with the rest of the body unsent: (status, answer bytes read)."""
    url = urlsplit(base_url)
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {url.netloc}",
        f"Content-Type: {content_type}",
        f"Content-Length: {declared}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    with socket.create_connection((url.hostname, url.port), timeout=ANSWER_WAIT_S) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + first_chunk)
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except TimeoutError:
            pytest.fail(
                f"POST {path}: no answer while {declared - len(first_chunk)} bytes of the body were still unsent "
                "(the server waits for the whole body before it checks who is asking)"
            )
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer.split(b" ", 2)[1]), answer


def _upload_answer(base_url: str, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    start = _multipart_start({"collection": "stations"}, "file", "register.csv")
    ctype = f"multipart/form-data; boundary={BOUNDARY}"
    return _answer_before_body(base_url, path, start, DECLARED_UPLOAD, headers, ctype)


def _photo_answer(base_url: str, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    start = _multipart_start({"stage": "before"}, "file", "photo.jpg")
    ctype = f"multipart/form-data; boundary={BOUNDARY}"
    return _answer_before_body(base_url, path, start, DECLARED_PHOTO, headers, ctype)


@pytest.fixture(scope="module")
def accounts(engine: Engine, demo_counts: dict[str, int]) -> dict:
    """A crew and a planner of 资源县 (450329), each with an API token."""
    return staff_accounts(
        engine, [("crew", "crew", "450329"), ("planner", "planner", "450329")], prefix="early-refusal"
    )


@pytest.mark.parametrize("who, status", [("anonymous", 401), ("crew", 403)])
def test_an_import_is_refused_before_its_body_is_read(live_server, accounts, who, status):
    headers = {} if who == "anonymous" else headers_of(accounts, who)
    answer, raw = _upload_answer(live_server, "/api/v1/imports", headers)
    assert answer == status, raw[:300]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/graves/1/photos",
        "/api/v1/memorials/1/inspections/1/photos",
        "/api/v1/work-orders/1/photos",
    ],
)
def test_an_anonymous_photo_upload_is_refused_before_its_body_is_read(live_server, path):
    answer, raw = _photo_answer(live_server, path, {})
    assert answer == 401, raw[:300]


def test_a_photo_of_a_site_from_a_role_that_cannot_inspect_is_refused_before_its_body(live_server, accounts):
    answer, raw = _photo_answer(live_server, "/api/v1/graves/1/photos", headers_of(accounts, "planner"))
    assert answer == 403, raw[:300]


@pytest.mark.parametrize("who, status", [("anonymous", 401), ("crew", 403)])
def test_a_road_file_is_refused_before_its_body_is_read(live_server, accounts, who, status):
    headers = {} if who == "anonymous" else headers_of(accounts, who)
    chunk = b"\0" * FIRST_CHUNK
    answer, raw = _answer_before_body(
        live_server, "/api/v1/roads/networks", chunk, DECLARED_UPLOAD, headers, "application/octet-stream"
    )
    assert answer == status, raw[:300]


@pytest.fixture(scope="module")
def strict_server(settings: Settings, demo_counts: dict[str, int]) -> Iterator[str]:
    """A second live server whose public POSTs are limited to one a minute per client."""
    server = LiveServer(create_app(settings, SecuritySettings(rate_limit_requests=1)))
    server.start()
    yield server.url
    server.stop()


def test_open311_checks_its_size_and_rate_limits_before_the_body(strict_server):
    ctype = f"multipart/form-data; boundary={BOUNDARY}"
    path = "/open311/v2/requests.json"
    start = _multipart_start({"service_code": "damage"}, "media", "photo.png")
    status, raw = _answer_before_body(strict_server, path, start, 200 * MIB, {}, ctype)
    assert status == 413, raw[:300]  # over the photo limit: the one POST of the minute, refused unread
    status, raw = _answer_before_body(strict_server, path, start, DECLARED_PHOTO, {}, ctype)
    assert status == 429, raw[:300]


def _dependency_names(dependant) -> set[str]:
    names = set()
    for sub in dependant.dependencies:
        names.add(getattr(sub.call, "__name__", ""))
        names |= _dependency_names(sub)
    return names


def test_no_route_that_needs_a_right_declares_a_form_fastapi_would_read_first(settings):
    """FastAPI reads File/Form parameters before any dependency: a route with a ``require`` check must read its
    form itself, after the check (api/uploads.py)."""
    offenders = []
    for route in iter_route_contexts(create_app(settings).routes):
        body, dependant = getattr(route, "body_field", None), getattr(route, "dependant", None)
        if body is None or dependant is None or not isinstance(body.field_info, Form):
            continue
        if any(name.startswith("require_") for name in _dependency_names(dependant)):
            offenders.append(route.path)
    assert offenders == []
