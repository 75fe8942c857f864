"""The client's address behind reverse proxies: ``X-Forwarded-For`` is believed only from trusted proxies.

A request whose peer is in ``VETMAP_TRUSTED_PROXIES`` (geo/settings.py ``Settings.trusted_proxies``, addresses
or CIDR networks; empty by default) is taken to come from the right-most address of its ``X-Forwarded-For`` that
is not itself a trusted proxy, and its scheme from ``X-Forwarded-Proto``; from any other peer both headers are
ignored, so a client cannot choose its own address. uvicorn's ProxyHeadersMiddleware does the work; installed
as the app's outermost middleware, it gives the rate limits (api/security.py), the audit log and sign-ins
(api/principal.py ``client_address``), the request log and /metrics one and the same address, under ``serve``,
the TestClient or any ASGI server. ``serve`` turns uvicorn's own copy of it off (which trusts 127.0.0.1 unless
told otherwise), so this setting alone decides.

A forwarded request (one carrying ``X-Forwarded-For``) from a peer that is not trusted is marked in the request
state (``FORWARDED_UNTRUSTED``): its real client is unknown, so /metrics does not count it as coming from an
allowed network (api/metrics.py).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from fastapi import FastAPI
from pydantic import IPvAnyNetwork
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

FORWARDED_UNTRUSTED = "forwarded_by_untrusted_peer"
"""Request state key: True when X-Forwarded-For came from a peer that is not a trusted proxy."""


class TrustedProxyMiddleware:
    """The client address and scheme from X-Forwarded-For/-Proto, believed only from the trusted proxies."""

    def __init__(self, app: ASGIApp, trusted: Sequence[IPvAnyNetwork]) -> None:
        self.trusted = tuple(ipaddress.ip_network(str(net)) for net in trusted)
        self.app = ProxyHeadersMiddleware(app, trusted_hosts=[str(net) for net in self.trusted])

    def is_trusted(self, host: str | None) -> bool:
        """True when ``host`` is an address inside one of the trusted proxy networks."""
        try:
            address = ipaddress.ip_address(host or "")
        except ValueError:
            return False
        return any(address in net for net in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and any(k == b"x-forwarded-for" for k, _ in scope.get("headers", ())):
            client = scope.get("client")
            if not self.is_trusted(client[0] if client else None):
                scope.setdefault("state", {})[FORWARDED_UNTRUSTED] = True
        await self.app(scope, receive, send)


def install_trusted_proxies(app: FastAPI, trusted: Sequence[IPvAnyNetwork]) -> None:
    """Add the trusted-proxy middleware; call it last, so that it is the outermost and everything sees the
    forwarded address."""
    app.add_middleware(TrustedProxyMiddleware, trusted=trusted)
