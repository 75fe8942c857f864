"""Credentials and cookies read from raw request headers, for the middlewares and the principal alike."""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.datastructures import Headers


def bearer_token(headers: Headers) -> str | None:
    """The token of an ``Authorization: Bearer`` header ("" when it is empty); None for no header or another
    scheme (not ours)."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def request_cookies(headers: Headers) -> dict[str, str]:
    """The request's cookies by name; a malformed Cookie header is ignored, as browsers do."""
    jar: SimpleCookie = SimpleCookie()
    for value in headers.getlist("cookie"):
        try:
            jar.load(value)
        except Exception:  # noqa: BLE001 - http.cookies raises CookieError and others on bad input
            continue
    return {name: morsel.value for name, morsel in jar.items()}
