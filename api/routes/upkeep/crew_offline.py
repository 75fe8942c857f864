"""The crews' phone app offline (issue 21): ``/crew/sw.js`` (the service worker), ``/api/v1/me/offline`` (the data
of my area and the URLs the phone keeps) and ``/crew/offline`` (the page a navigation gets when neither the network
nor the phone has it).

The router has no prefix (it serves a page path and an API path), so each path is written whole. It is included
before the crew pages so that ``/crew/sw.js`` and ``/crew/offline`` are not taken for a site page. SQL lives in
geo/upkeep/crew_area.py; the worker's script in web/static/crew_sw.js, the page side in web/static/crew_offline.js.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from functools import cache
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.deps import ConnDep, SettingsDep
from api.principal import PrincipalDep, require
from api.routes.accounts.login import sign_in_first
from geo.upkeep.crew_area import AreaData, area_data, fingerprint
from web.assets import PAGE_ASSETS, STATIC_DIR, vendor_url
from web.i18n import t
from web.upkeep.crew_pages import CREW_ASSETS, asset_url, message_page

router = APIRouter(include_in_schema=False)

Lang = Literal["zh", "en"]
WORKER = "crew_sw.js"
WORKER_SCOPE = "/crew"
"""The worker controls /crew and every page below it (its script lives below /crew/, so the scope is allowed by
the ``Service-Worker-Allowed`` header)."""
WORKBOX = ("workbox_core", "workbox_cacheable_response", "workbox_routing", "workbox_strategies")
"""Workbox's modules (PAGE_ASSETS names, served from node_modules), in the order the worker imports them."""
VENDOR_KEPT = ("leaflet_js", "leaflet_css")
"""Vendor files the crew pages load (the task map), kept for offline use."""
STRING_KEYS = (
    "crew_offline.as_of",
    "crew_offline.offline_page",
    "crew_offline.offline",
    "crew_offline.saving",
    "crew_offline.saved_partly",
    "crew_offline.reload",
    "crew_offline.no_storage",
    "crew_offline.today",
    "crew_offline.truncated",
)


@cache
def _worker_source() -> str:
    imports = [vendor_url(name) for name in WORKBOX]
    config = {"workbox": imports, "scope": WORKER_SCOPE}
    head = f"self.CREW_SW = {json.dumps(config)};\n"
    return head + (STATIC_DIR / WORKER).read_text(encoding="utf-8")


@cache
def build() -> str:
    """A fingerprint of the crew app's code as the phone sees it: the asset URLs (with their content hashes) and
    the worker; a new build makes the phone fetch every page again. Fixed for the life of the process (the assets are
    read once), so it is worked out once."""
    return fingerprint([asset_url(name) for name in sorted(CREW_ASSETS)], _worker_source())


@router.get("/crew/sw.js")
def crew_service_worker() -> Response:
    """The service worker of the crews' app (scope ``/crew``), with Workbox's modules from our own server."""
    headers = {
        "Cache-Control": "no-cache",
        "Service-Worker-Allowed": WORKER_SCOPE,
        "X-Content-Type-Options": "nosniff",
    }
    return Response(_worker_source(), media_type="text/javascript; charset=utf-8", headers=headers)


@router.get("/crew/offline", response_class=HTMLResponse)
def crew_offline_page(
    request: Request,
    settings: SettingsDep,
    principal: PrincipalDep,
    lang: Annotated[Lang | None, Query()] = None,
) -> Response:
    """What a page of the crews' app says when there is no signal and the phone has not kept it."""
    page_lang = lang or settings.default_lang
    if principal.is_public:
        return sign_in_first(request, lang)
    html = message_page(
        page_lang, lang, t("crew_offline.not_kept_title", page_lang), t("crew_offline.not_kept", page_lang)
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


def _precache(data: AreaData, rev: str) -> list[dict[str, str]]:
    """Every URL the phone keeps, each with the fingerprint of what it shows."""
    kept = build()
    entries = [
        {"url": url, "rev": fingerprint(rev, kept)}
        for url in ("/crew", "/crew/map", "/api/v1/me/tasks", "/api/v1/me/map")
    ]
    entries.append({"url": "/crew/offline", "rev": fingerprint(kept)})
    sites = {(s.collection, s.id): s.rev for s in data.sites}
    for (collection, site_id), site_rev in sites.items():
        entries.append({"url": f"/crew/{collection}/{site_id}", "rev": fingerprint(site_rev, kept)})
        entries.append({"url": f"/api/v1/me/sites/{collection}/{site_id}", "rev": site_rev})
    for order in data.work_orders:
        order_rev = fingerprint(order.version, sites.get((order.collection, order.site_id), ""))
        entries.append({"url": f"/crew/work-orders/{order.id}", "rev": fingerprint(order_rev, kept)})
        entries.append({"url": f"/api/v1/me/work-orders/{order.id}", "rev": order_rev})
    for name in sorted(CREW_ASSETS):
        entries.append({"url": asset_url(name), "rev": "immutable"})
    for name in VENDOR_KEPT:
        if name in PAGE_ASSETS:
            entries.append({"url": vendor_url(name), "rev": vendor_url(name)})
    return entries


@router.get("/api/v1/me/offline", dependencies=[Depends(require("inspections.read"))])
def my_offline_data(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    lang: Annotated[Lang | None, Query()] = None,
) -> Response:
    """The data of my area that the phone keeps (sites, my open tasks, open work orders, recent inspections), the
    URLs it keeps (``precache``, each with a fingerprint ``rev``), the phone's labels and ``as_of``; 304 when the
    caller's ``If-None-Match`` names the same data."""
    page_lang = lang or settings.default_lang
    data = area_data(conn, principal, request.app.state.upkeep)
    etag = f'"{fingerprint(data.rev, build(), page_lang)}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    body = {
        **asdict(data),
        "lang": page_lang,
        "build": build(),
        "worker": {"url": "/crew/sw.js", "scope": WORKER_SCOPE},
        "precache": _precache(data, data.rev),
        "strings": {key: t(key, page_lang) for key in STRING_KEYS},
    }
    return JSONResponse(body, headers=headers)
