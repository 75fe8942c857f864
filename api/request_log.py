"""Request ids and structured logs: one id per request, on every log record made while serving it, and one
access-log line per request; an unhandled error is logged once and answered with a JSON 500 carrying the id.

- The id is the incoming ``X-Request-ID`` when it is sane (1-128 characters of ``A-Z a-z 0-9 . _ : -``), else a new
  random one. It is returned in the ``X-Request-ID`` response header and kept in ``request.state.request_id``, so
  the audit log (api/principal.py ``request_id``) records the same id.
- ``RequestIdFilter`` puts the id of the request being served (a context variable) on every record as
  ``request_id``; ``configure_logging`` installs it with a JSON (python-json-logger) or a text formatter.
- The access line (logger ``vetmap.access``) carries method, path (never the query string), route template, status,
  duration_ms, client and, when the request was signed in, user_id and username - never tokens or passwords.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar
from typing import TextIO

from fastapi import FastAPI
from pythonjsonlogger.json import JsonFormatter
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.route_template import RouteTemplates

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HEADER_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")
ACCESS_LOGGER = logging.getLogger("vetmap.access")
ERROR_LOGGER = logging.getLogger("vetmap.error")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

current_request_id: ContextVar[str | None] = ContextVar("vetmap_request_id", default=None)
"""The id of the request being served in this context (None outside requests)."""


def sane_request_id(value: str | None) -> str | None:
    """``value`` when it is a usable request id (bounded length, safe characters), else None."""
    return value if value and _SANE_REQUEST_ID.fullmatch(value) else None


def _incoming_request_id(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == _HEADER_KEY:
            return sane_request_id(value.decode("latin-1"))
    return None


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (the request being served, else ``missing``) to each record that has none."""

    def __init__(self, missing: str | None = None) -> None:
        super().__init__()
        self.missing = missing

    def filter(self, record: logging.LogRecord) -> bool:
        """Stamp the record; never drops one."""
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id.get() or self.missing
        return True


def json_formatter() -> JsonFormatter:
    """One JSON object per record: time (ISO 8601, UTC), level, logger, message, request_id and the extras."""
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        json_ensure_ascii=False,
    )


def configure_logging(log_format: str, level: str, stream: TextIO | None = None) -> logging.Handler:
    """Send every log record (ours, uvicorn's, SQLAlchemy's) to ``stream`` (stderr) as JSON or text, at ``level``
    and above, each with its request id; replaces the root logger's handlers. Returns the handler."""
    if log_format not in ("json", "text"):
        raise ValueError(f"log format must be 'json' or 'text', not {log_format!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format == "json":
        handler.setFormatter(json_formatter())
        handler.addFilter(RequestIdFilter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
        handler.addFilter(RequestIdFilter(missing="-"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # warnings too, as records of the same form
    return handler


def _printable(text: str | None) -> str:
    """``text`` with control characters escaped: a decoded path (``%0A``) cannot forge a line of a text log."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text or "")


def _principal_fields(scope: Scope) -> dict:
    principal = scope.get("state", {}).get("principal")  # set by api/principal.py when the request asked
    if principal is None or getattr(principal, "is_public", True):
        return {}
    return {"user_id": principal.user_id, "username": principal.username}


def internal_error_response(request_id: str) -> JSONResponse:
    """The JSON 500 of an unhandled error: no details, the id to quote when reporting it."""
    return JSONResponse(
        {
            "detail": f"internal server error; quote request id {request_id} when you report it",
            "request_id": request_id,
        },
        status_code=500,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


class RequestLogMiddleware:
    """Pure ASGI: gives each HTTP request its id, logs an access line, turns an unhandled error into a JSON 500."""

    def __init__(self, app: ASGIApp, templates: RouteTemplates) -> None:
        self.app = app
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_request_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        token = current_request_id.set(rid)
        started = time.perf_counter()
        status: int | None = None
        header = (_HEADER_KEY, rid.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            ERROR_LOGGER.exception(
                "unhandled error serving %s %s",
                scope.get("method"),
                _printable(scope.get("path")),
                extra={"request_id": rid, "route": self.templates.template(scope)},
            )
            # nothing sent yet: the client gets the JSON 500 (else the connection just ends)
            if status is None:
                await internal_error_response(rid)(scope, receive, send_with_id)
        finally:
            self._log_access(scope, rid, status, started)
            current_request_id.reset(token)

    def _log_access(self, scope: Scope, rid: str, status: int | None, started: float) -> None:
        level = logging.ERROR if status is None or status >= 500 else logging.INFO
        if not ACCESS_LOGGER.isEnabledFor(level):
            return
        method, path = scope.get("method"), scope.get("path")
        client = scope.get("client")
        fields = {
            "request_id": rid,
            "method": method,
            "path": path,
            "route": self.templates.template(scope),
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "client": client[0] if client else None,
            **_principal_fields(scope),
        }
        ACCESS_LOGGER.log(level, "%s %s %s", method, _printable(path), status, extra=fields)


def install_request_log(app: FastAPI, templates: RouteTemplates) -> None:
    """Add the request-id and access-log middleware; added last, it is the outermost of the app's own."""
    app.add_middleware(RequestLogMiddleware, templates=templates)
