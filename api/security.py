"""HTTP hardening as one ASGI middleware: security headers and CSP, body size limits, rate limits.

- Every response carries a Content-Security-Policy, X-Content-Type-Options, Referrer-Policy,
  X-Frame-Options, Permissions-Policy and Cross-Origin-Opener-Policy; HSTS only over https.
- Scripts are allowed from the app itself and inline only with this response's nonce: each HTML
  response gets a fresh nonce, which replaces the nonce mark the page builders wrote into their own
  <script> tags (web/csp.py); no other tag gets it, so a script that data brought into a page does not
  run, and the Folium pages keep their inline scripts without 'unsafe-inline'. Styles keep 'unsafe-inline'
  (Leaflet and Folium write style attributes and <style> elements).
- Request bodies are limited (2 MiB by default; the road-file upload has its own, larger limit, and photo
  uploads the upkeep ``photo_max_bytes`` plus some multipart overhead, so geo/upkeep/photos.py names the limit):
  a declared Content-Length over the limit is refused with 413 before the app runs, and a body that
  streams past it is cut off with 413.
- URLs with a NUL character are refused with 400 (no text column can hold one).
- Public POST endpoints (spatial queries, protection-zone checks, login/token, public reports) are
  rate limited per client address with an in-process sliding window: 429 with Retry-After. The address is
  ``scope['client']``, which api/proxies.py (outermost) resolves from X-Forwarded-For for trusted proxies only.

Settings: ``SecuritySettings`` in geo/settings.py (prefix ``VETMAP_SECURITY_``), built by create_app, never at
import.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geo.settings import MIB, SecuritySettings
from web.basemaps import TILE_HOSTS
from web.csp import stamp_nonce


class SlidingWindowLimiter:
    """At most ``limit`` hits per key within any ``window_s`` seconds (the exact sliding-window log)."""

    def __init__(
        self, limit: int, window_s: float, max_keys: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.max_keys = max_keys
        self.clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Record a hit for ``key``; None when allowed, else the whole seconds until one is allowed again."""
        now = self.clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                hits = self._hits[key] = deque()
                while len(self._hits) > self.max_keys:
                    self._hits.popitem(last=False)
            else:
                self._hits.move_to_end(key)
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window_s - now))
            hits.append(now)
            return None


@dataclass(frozen=True)
class _Rule:
    """A rate limit and the paths it applies to."""

    name: str
    patterns: tuple[re.Pattern[str], ...]
    limiter: SlidingWindowLimiter


def content_security_policy(nonce: str) -> str:
    """The CSP of a response: own origin only, inline scripts only with ``nonce``, no framing."""
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob: " + " ".join(TILE_HOSTS),  # basemap tiles (web/basemaps.py)
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


_STATIC_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (
        b"permissions-policy",
        b"geolocation=(self), camera=(), microphone=(), payment=(), usb=(), interest-cohort=()",
    ),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class _BodyTooLarge(Exception):
    """The request body streamed past its limit."""


class SecurityMiddleware:
    """Security headers (and a CSP nonce in HTML), request body limits and POST rate limits."""

    def __init__(self, app: ASGIApp, settings: SecuritySettings, photo_max_bytes: int | None = None) -> None:
        self.app = app
        self.settings = settings
        self.upload_paths = tuple(re.compile(p) for p in settings.upload_paths)
        self.photo_paths = tuple(re.compile(p) for p in settings.photo_paths)
        self.photo_limit = (
            None if photo_max_bytes is None else photo_max_bytes + settings.multipart_overhead_bytes
        )
        self.rules: list[_Rule] = []
        for name, limit, patterns in (
            ("login", settings.login_rate_limit_requests, settings.login_paths),
            ("public-post", settings.rate_limit_requests, settings.rate_limited_paths),
        ):
            if limit > 0:
                limiter = SlidingWindowLimiter(
                    limit, settings.rate_limit_window_s, settings.max_tracked_clients
                )
                self.rules.append(_Rule(name, tuple(re.compile(p) for p in patterns), limiter))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        headers = self._headers(scope, nonce)
        path: str = scope.get("path", "")

        if b"%00" in scope.get("query_string", b"") or "\x00" in path:
            await _send_json(send, 400, "NUL characters are not accepted in a URL", headers)
            return

        if scope.get("method") == "POST":
            retry_after = self._rate_limited(scope, path)
            if retry_after is not None:
                await _send_json(
                    send,
                    429,
                    f"too many requests: try again in {retry_after} s",
                    [*headers, (b"retry-after", str(retry_after).encode())],
                )
                return

        limit = self._body_limit(path)
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _send_json(send, 400, "Content-Length must be a whole number of bytes", headers)
                return
            if int(declared) > limit:
                await _send_json(send, 413, _too_large(limit), headers)
                return

        received = 0
        too_large = False  # the body streamed past the limit: whatever the app answers becomes a 413
        replaced = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise _BodyTooLarge
            return message

        started = False
        html_start: Message | None = None
        html_body: list[bytes] = []

        async def secured_send(message: Message) -> None:
            nonlocal started, html_start, replaced
            if too_large:  # the app may have caught _BodyTooLarge and answered 400 of its own
                if message["type"] == "http.response.start" and not started:
                    started = replaced = True
                    await _send_json(send, 413, _too_large(limit), headers)
                return
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": _merge(message.get("headers", []), headers)}
                if _is_html(message) and scope.get("method") != "HEAD":
                    html_start = message  # held back until the body is complete, to stamp the nonce
                    return
                await send(message)
                return
            if message["type"] == "http.response.body" and html_start is not None:
                html_body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                page = b"".join(html_body).decode("utf-8", "surrogateescape")
                body = stamp_nonce(page, nonce).encode("utf-8", "surrogateescape")
                start_headers = [(k, v) for k, v in html_start["headers"] if k.lower() != b"content-length"]
                start_headers.append((b"content-length", str(len(body)).encode()))
                await send({**html_start, "headers": start_headers})
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
            await send(message)

        try:
            await self.app(scope, limited_receive, secured_send)
        except _BodyTooLarge:
            if replaced:
                return
            if started:
                raise
            await _send_json(send, 413, _too_large(limit), headers)

    def _headers(self, scope: Scope, nonce: str) -> list[tuple[bytes, bytes]]:
        headers = [(b"content-security-policy", content_security_policy(nonce).encode()), *_STATIC_HEADERS]
        if scope.get("scheme") == "https" and self.settings.hsts_max_age > 0:
            hsts = f"max-age={self.settings.hsts_max_age}; includeSubDomains"
            headers.append((b"strict-transport-security", hsts.encode()))
        return headers

    def _body_limit(self, path: str) -> int:
        if self.photo_limit is not None and any(p.search(path) for p in self.photo_paths):
            return self.photo_limit
        if any(p.search(path) for p in self.upload_paths):
            return self.settings.upload_max_bytes
        return self.settings.max_body_bytes

    def _rate_limited(self, scope: Scope, path: str) -> int | None:
        client = scope.get("client")
        address = client[0] if client else "unknown"
        for rule in self.rules:
            for index, pattern in enumerate(rule.patterns):
                if pattern.search(path):  # each endpoint pattern counts apart
                    return rule.limiter.hit(f"{index} {address}")
        return None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


def _merge(
    existing: list[tuple[bytes, bytes]], added: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """The response's headers plus ours, keeping any the handler set itself."""
    present = {k.lower() for k, _ in existing}
    return [*existing, *((k, v) for k, v in added if k not in present)]


def _is_html(start: Message) -> bool:
    headers = {k.lower(): v for k, v in start.get("headers", [])}
    return headers.get(b"content-type", b"").startswith(b"text/html") and b"content-encoding" not in headers


def _too_large(limit: int) -> str:
    size = f"{limit // MIB} MiB" if limit >= MIB and limit % MIB == 0 else f"{limit} bytes"
    return f"the request body is over the limit of {size} for this path"


async def _send_json(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                *headers,
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


def install_security(app: FastAPI, settings: SecuritySettings) -> None:
    """Add the hardening middleware; call it before outer middleware such as GZip (it must see plain bodies)."""
    app.state.security_settings = settings
    upkeep = getattr(app.state, "upkeep", None)  # photo uploads: photo_max_bytes plus the multipart overhead
    photo_max = getattr(upkeep, "photo_max_bytes", None)
    app.add_middleware(SecurityMiddleware, settings=settings, photo_max_bytes=photo_max)
