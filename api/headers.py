"""Credentials, cookies and the language read from raw request headers, for the middlewares, the principal and
the error answers alike."""

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


def preferred_lang(query_lang: str | None, headers: Headers, default: str = "zh") -> str:
    """The language of an answer: ``?lang=`` if zh or en, else the remembered ``lang`` cookie, else the first of
    zh/en in Accept-Language, else ``default``."""
    if query_lang in ("zh", "en"):
        return query_lang
    remembered = request_cookies(headers).get("lang")
    if remembered in ("zh", "en"):
        return remembered
    for part in headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh"):
            return "zh"
    return default if default in ("zh", "en") else "zh"
