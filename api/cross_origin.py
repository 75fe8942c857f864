"""Cross-origin reading of the public data services, and HEAD and OPTIONS on them.

A map page on another origin (MapLibre, OpenLayers, Leaflet) reads ``/ogc``, ``/tiles`` and ``/open311`` with
``fetch``: those answers carry ``Access-Control-Allow-Origin: *`` and a preflight for a read is answered. Nothing
else is shared across origins: a preflight for a write, or for credentials (``Authorization``), gets no CORS
headers, so the browser refuses it, and every staff address, page and the JSON API stay same-origin only. A
cross-origin read never carries the visitor's cookie (``*`` forbids credentials), so it sees the public view.

HEAD is answered as GET without the body, and a plain ``OPTIONS`` (no preflight; QGIS asks it) names the methods
in ``Allow``: FastAPI's routes answer both with 405 otherwise.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from geo.ogc.editing import EDITABLE_COLLECTIONS

PUBLIC_READ_PREFIXES = ("/ogc", "/tiles/", "/tiles.json", "/open311/")
"""Paths whose GET answers any origin may read."""
READ_METHODS = ("GET", "HEAD", "OPTIONS")
SAFE_REQUEST_HEADERS = frozenset(
    {
        "accept",
        "accept-language",
        "content-language",
        "content-type",
        "if-none-match",
        "if-modified-since",
        "range",
    }
)
"""Request headers a cross-origin read may send (no Authorization, no Cookie: the public view only)."""
EXPOSED_HEADERS = "Content-Crs, OGC-NumberMatched, ETag, Link, Location, Content-Length, Last-Modified"
"""Response headers a cross-origin reader's script may see (CRS, counts, versions, paging links)."""
PREFLIGHT_MAX_AGE = "86400"
EDITABLE_ITEMS = re.compile(rf"^/ogc/collections/({'|'.join(EDITABLE_COLLECTIONS)})/items(/[^/]+)?/?$")
"""Items whose plain OPTIONS the app answers itself, naming the writes the caller may make (api/routes/ogc/editing.py)."""


def is_public_read_path(path: str) -> bool:
    """True for the paths any origin may read (OGC API Features and Tiles, vector tiles, Open311)."""
    return path.startswith(PUBLIC_READ_PREFIXES)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


class PublicReadAccess:
    """ASGI middleware: CORS for public reads, HEAD as a body-less GET and OPTIONS with ``Allow``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer preflights and OPTIONS, turn HEAD into GET, and mark public reads readable by any origin."""
        if scope["type"] != "http" or not is_public_read_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        origin = _header(scope, b"origin")
        if method == "OPTIONS":
            preflight = origin is not None and _header(scope, b"access-control-request-method") is not None
            if not preflight and EDITABLE_ITEMS.match(scope["path"]):
                await self.app(scope, receive, send)
                return
            await self._options(scope, send, origin)
            return
        if method not in ("GET", "HEAD"):
            await self.app(scope, receive, send)  # writes: same-origin rules, the route decides
            return
        head = method == "HEAD"
        inner = dict(scope, method="GET") if head else scope

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start" and origin is not None:
                headers = [
                    (k, v) for k, v in message.get("headers", []) if not k.startswith(b"access-control-")
                ]
                headers.append((b"access-control-allow-origin", b"*"))
                headers.append((b"access-control-expose-headers", EXPOSED_HEADERS.encode()))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and head:
                message = {**message, "body": b""}
            await send(message)

        await self.app(inner, receive, send_marked)

    async def _options(self, scope: Scope, send: Send, origin: str | None) -> None:
        wanted = _header(scope, b"access-control-request-method")
        headers: list[tuple[bytes, bytes]] = [
            (b"allow", ", ".join(READ_METHODS).encode()),
            (b"content-length", b"0"),
        ]
        if origin is not None and wanted is not None:
            asked = [
                h.strip().lower()
                for h in (_header(scope, b"access-control-request-headers") or "").split(",")
            ]
            asked = [h for h in asked if h]
            if wanted.upper() in ("GET", "HEAD") and all(h in SAFE_REQUEST_HEADERS for h in asked):
                headers += [
                    (b"access-control-allow-origin", b"*"),
                    (b"access-control-allow-methods", b"GET, HEAD, OPTIONS"),
                    (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
                ]
                if asked:
                    headers.append((b"access-control-allow-headers", ", ".join(asked).encode()))
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
