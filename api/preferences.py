"""Remembered choices of the pages: the language and the basemap, as cookies, in one ASGI middleware.

- Picking a language (or a basemap) with a switch link goes through ``GET /choose?lang=en&next=<page>``, which sets
  the ``lang`` (``basemap``) cookie for a year and redirects (303) to the page. A plain ``?lang=en`` shows that one
  page in English without changing what is remembered: a shared link must not flip the reader's choice.
- A page opened without ``?lang=`` gets the remembered value added to its query string before the route runs, so
  every page route keeps reading ``?lang=`` the way it does (``lang or settings.default_lang``): the choice is made
  by one function (web/i18n.py ``choose_lang``; web/basemaps.py ``choose_basemap`` for the basemap).
- Every HTML page gets a link to the other language at the top, unless it has a language switch of its own (an
  ``<a lang="...">``, as the crew pages).

Pages are every GET or HEAD outside the API, OGC, tile, Open311 and static paths; nothing else is touched.
"""

from __future__ import annotations

import re
from html import escape
from typing import Annotated, Literal
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.headers import request_cookies
from api.routes.accounts.login import safe_next
from geo.errors import InvalidInput
from web.basemaps import BASEMAPS
from web.i18n import CHOOSE_PATH, LANG_COOKIE, LANGS, choose_lang, choose_url, html_lang, t

BASEMAP_COOKIE = "basemap"
PREFERENCES: dict[str, tuple[str, ...]] = {LANG_COOKIE: LANGS, BASEMAP_COOKIE: BASEMAPS}
"""Each remembered query parameter (also the cookie's name) and the values it may take."""
MAX_AGE_S = 365 * 24 * 3600
NOT_PAGES = ("/api/", "/ogc", "/tiles/", "/open311", "/static/", "/healthz", "/favicon.ico", CHOOSE_PATH)
_OWN_SWITCH = re.compile(rb"<a\b[^>]*\slang=", re.IGNORECASE)
_BODY_TAG = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)
_SWITCH_STYLE = (
    "position:fixed;top:6px;left:50%;transform:translateX(-50%);z-index:1100;background:#fff;"
    "padding:2px 10px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);font:13px/1.6 sans-serif"
)


def is_page(scope: Scope) -> bool:
    """True for a GET or HEAD of an HTML page (not the API, OGC, tiles, Open311 or static files)."""
    path: str = scope.get("path", "")
    return scope.get("method") in ("GET", "HEAD") and not path.startswith(NOT_PAGES)


def language_switch(path: str, query: list[tuple[str, str]], lang: str) -> str:
    """The link to the page in the other language (HTML)."""
    other = "en" if lang == "zh" else "zh"
    kept = [(k, v) for k, v in query if k != LANG_COOKIE]
    href = choose_url(path + (f"?{urlencode(kept)}" if kept else ""), lang=other)
    return (
        f'<nav class="vetmap-lang-switch" style="{_SWITCH_STYLE}"><a href="{escape(href)}" '
        f'hreflang="{html_lang(other)}" lang="{html_lang(other)}">{escape(t("lang.other", lang))}</a></nav>'
    )


class PreferencesMiddleware:
    """Remembers ``lang`` and ``basemap`` in cookies, adds them to page requests, adds the language switch."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_page(scope):
            await self.app(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = {k: v for k, v in query if k in PREFERENCES}
        cookies = {k: v for k, v in request_cookies(Headers(scope=scope)).items() if k in PREFERENCES}
        remembered = [(k, v) for k, v in cookies.items() if k not in given and v in PREFERENCES[k]]
        if remembered:
            scope = {**scope, "query_string": urlencode(query + remembered).encode("latin-1")}
        settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
        lang = choose_lang(
            given.get(LANG_COOKIE), cookies.get(LANG_COOKIE), getattr(settings, "default_lang", "zh")
        )
        switch = language_switch(scope.get("path", "/"), query, lang).encode()
        head_only = scope.get("method") == "HEAD"
        start: Message | None = None
        chunks: list[bytes] = []

        async def wrapped(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                encoded = any(k.lower() == b"content-encoding" for k, _ in headers)
                if content_type.startswith(b"text/html") and not head_only and not encoded:
                    start = message  # held back: the body gets the switch
                    return
                await send(message)
                return
            if message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = _with_switch(b"".join(chunks), switch)
                headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
            await send(message)

        await self.app(scope, receive, wrapped)


def _with_switch(body: bytes, switch: bytes) -> bytes:
    if _OWN_SWITCH.search(body):
        return body
    match = _BODY_TAG.search(body)
    if match is None:
        return body
    return body[: match.end()] + switch + body[match.end() :]


router = APIRouter(include_in_schema=False)


@router.get(CHOOSE_PATH)
def choose(
    request: Request,
    lang: Annotated[Literal["zh", "en"] | None, Query()] = None,
    basemap: Annotated[Literal["osm", "tianditu", "amap", "none"] | None, Query()] = None,
    next: Annotated[str | None, Query(max_length=2000)] = None,  # noqa: A002 - the name in the URL
) -> RedirectResponse:
    """Remember a language and/or a basemap (cookies, a year) and go on to ``next`` (a local path)."""
    if lang is None and basemap is None:
        raise InvalidInput("choose a language (lang=zh|en) or a basemap (basemap=osm|tianditu|amap|none)")
    response = RedirectResponse(safe_next(next), status_code=303)
    for name, value in ((LANG_COOKIE, lang), (BASEMAP_COOKIE, basemap)):
        if value is not None:
            response.set_cookie(
                name,
                value,
                max_age=MAX_AGE_S,
                path="/",
                samesite="lax",
                httponly=True,
                secure=request.url.scheme == "https",
            )
    return response
