"""What every public page's route does first: the page's context (web/public/frame.py ``PageContext``).

The language is ``?lang=`` (None: the settings' default, and links carry no ``lang``); the basemap the visitor
chose (``?basemap=``, or its cookie, which api/preferences.py adds to the query), else the configured one
(VETMAP_BASEMAP; "none" draws our own boundaries with nothing loaded from outside).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from geo.settings import Settings
from web.basemaps import basemap
from web.map_parts import page_basemap
from web.public.frame import PageContext


def public_context(request: Request, settings: Settings, lang: str | None, **params: Any) -> PageContext:
    """The context of a public page: its language, path, query ``params`` (kept by its links), base URL, basemap."""
    page_lang = lang or settings.default_lang
    chosen = page_basemap(settings, request.query_params.get("basemap"))
    return PageContext(
        lang=page_lang,
        explicit_lang=lang,
        path=request.url.path,
        params=params,
        base_url=str(request.base_url).rstrip("/"),
        basemap=basemap(chosen.name, page_lang, chosen.tianditu_key),
    )
