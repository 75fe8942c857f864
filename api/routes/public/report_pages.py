"""The public problem-report pages: ``/report`` (the form), ``/reports/{id}`` (public status), following a report
(``POST /reports/{id}/follow``, ``/reports/follow/{token}``), their script and style, and what is near a pin
(``/reports/nearby.json``: where a report would go and the open reports within 50 m; the POST checks again).

``/report?site=memorials/12`` starts the pin at that site; ``?lat=&long=`` at a point; otherwise the page asks
the browser for its position. Chinese by default, ``?lang=en`` for English. SQL lives in geo/public/reports.py,
view models in web/public/report_page.py, markup in web/templates/public/report_*.html.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from api.deps import PublicConnDep, SettingsDep, report_settings
from api.errors import error_reason, error_status
from api.public_pages import public_context
from geo.errors import DomainError, InvalidInput, NotFound
from geo.public.reports import (
    check_pin,
    follow_report,
    map_frame,
    nearest_site,
    open_reports_near,
    public_history,
    public_request,
    report_photos,
    report_place,
    site_position,
    sites_near,
    visit_followed,
)
from web.basemaps import basemap as basemap_layers
from web.basemaps import shift_bounds, shift_geojson, shift_points
from web.i18n import error_text, t
from web.map_parts import page_basemap
from web.public.frame import PageContext
from web.public.report_page import (
    FOLLOW_PATH,
    SCRIPT_PATH,
    STYLE_PATH,
    follow_page,
    grave_label,
    nearby_report,
    report_form_page,
    report_message_page,
    report_status_page,
)

router = APIRouter(tags=["pages"], include_in_schema=False)

Lang = Annotated[Literal["zh", "en"] | None, Query()]
Crs = Annotated[Literal["wgs84", "gcj02"], Query(description="the CRS of the pin: gcj02 on an AMap basemap")]
NO_STORE = {"Cache-Control": "no-store"}
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _map_config(settings, lang: str, requested: str | None, start: dict | None, frame: dict) -> dict:
    """The basemap's tile layers and display CRS, with the start point, outlines and extent drawn in that CRS."""
    picked = page_basemap(settings, requested)
    chosen = basemap_layers(picked.name, lang, picked.tianditu_key)
    tiles = [
        {"url": x.url, "attribution": x.attribution, "subdomains": x.subdomains, "max_zoom": x.max_zoom}
        for x in chosen.layers
    ]
    config = {"basemap": chosen.name, "crs": chosen.crs, "tiles": tiles, "start": start, **frame}
    if chosen.crs != "wgs84":
        if start is not None:
            (lon,), (lat,) = shift_points([start["lon"]], [start["lat"]], chosen.crs)
            config["start"] = {**start, "lon": lon, "lat": lat}
        if frame["bbox"] is not None:
            config["bbox"] = list(shift_bounds(tuple(frame["bbox"]), chosen.crs))
        config["outlines"] = shift_geojson(frame["outlines"], chosen.crs)
    return config


def _start(conn, site: str | None, lat: float | None, lon: float | None) -> dict | None:
    if site:
        collection, _, raw = site.partition("/")
        if not raw.isdigit() or len(raw) > 18:
            raise InvalidInput(
                "site must look like memorials/12, cemeteries/3 or graves/40", key="report.bad_site"
            )
        return site_position(conn, collection, int(raw))
    if lat is not None and lon is not None:
        lon_w, lat_w = check_pin(lat, lon)
        return {"lon": lon_w, "lat": lat_w}
    return None


def _refused(ctx: PageContext, title_key: str, exc: DomainError, headers: dict | None = None) -> HTMLResponse:
    html = report_message_page(ctx, t(title_key, ctx.lang), error_text(exc, ctx.lang))
    return HTMLResponse(html, status_code=error_status(exc), headers=headers or NO_STORE)


@router.get("/report", response_class=HTMLResponse)
def report_form(
    request: Request,
    conn: PublicConnDep,
    settings: SettingsDep,
    lang: Lang = None,
    site: Annotated[str | None, Query(max_length=40)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    long: Annotated[float | None, Query(ge=-180, le=180)] = None,
    basemap: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The problem-report form."""
    ctx = public_context(request, settings, lang, site=site, lat=lat, long=long, basemap=basemap)
    try:
        start = _start(conn, site, lat, long)
    except DomainError as exc:
        return _refused(ctx, "reports.title", exc)
    reports = report_settings(request)
    config = {
        **_map_config(settings, ctx.lang, basemap, start, map_frame(conn)),
        "ask_position": start is None,
        "radius_m": reports.radius_m,
    }
    return HTMLResponse(report_form_page(ctx, config, reports.max_photos), headers=NO_STORE)


def _target(site) -> dict | None:
    if site is None:
        return None
    return {
        "collection": site.collection,
        "id": site.id,
        "name": site.name,
        "distance_m": round(site.distance_m, 1),
        "inside": site.inside,
        "grave": site.grave,
    }


@router.get("/reports/nearby.json")
def nearby(
    request: Request,
    conn: PublicConnDep,
    settings: SettingsDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    long: Annotated[float, Query(ge=-180, le=180)],
    crs: Crs = "wgs84",
    lang: Lang = None,
) -> JSONResponse:
    """What is near a pin: the site a report there would go to (``target``: the cemetery whose boundary holds the
    pin, naming the grave nearest it, else the nearest site within the radius), the sites within three times the
    radius (``sites``, nearest first) and the open reports within 50 m (``reports``: "is it one of these?"), in
    the page's language. The pin and the sites' positions are in ``crs`` (GCJ-02 on an AMap basemap)."""
    radius = report_settings(request).radius_m
    lon_w, lat_w = check_pin(lat, long, crs)
    sites = sites_near(conn, lon_w, lat_w, radius * 3)
    if crs != "wgs84" and sites:
        lons, lats = shift_points([s["lon"] for s in sites], [s["lat"] for s in sites], crs)
        sites = [{**s, "lon": x, "lat": y} for s, x, y in zip(sites, lons, lats, strict=True)]
    ctx = public_context(request, settings, lang)
    target = _target(nearest_site(conn, lon_w, lat_w, radius))
    if target is not None and target["grave"]:
        target["grave"] = {**target["grave"], "label": grave_label(target["grave"], ctx.lang)}
    reports = [nearby_report(ctx, r) for r in open_reports_near(conn, lon_w, lat_w)]
    if crs != "wgs84" and reports:  # drawn on the same basemap as the pin
        lons, lats = shift_points([r["lon"] for r in reports], [r["lat"] for r in reports], crs)
        reports = [{**r, "lon": x, "lat": y} for r, x, y in zip(reports, lons, lats, strict=True)]
    return JSONResponse(
        {"radius_m": radius, "crs": crs, "target": target, "sites": sites, "reports": reports},
        headers=NO_STORE,
    )


@router.get("/reports/follow/{token}", response_class=HTMLResponse)
def follow_visit(request: Request, token: str, settings: SettingsDep, lang: Lang = None) -> Response:
    """A follower's private page: the updates since the last visit (which this visit becomes)."""
    ctx = public_context(request, settings, lang)
    try:
        with request.app.state.engine.begin() as conn:
            visit = visit_followed(conn, token[:100])
            place = report_place(conn, visit["report"])
    except DomainError as exc:
        return _refused(ctx, "reports.follow.not_found_title", exc, PRIVATE)
    own_url = ctx.base_url + ctx.link(FOLLOW_PATH + token)
    return HTMLResponse(follow_page(ctx, visit, place, own_url), headers=PRIVATE)


def _report_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound(f"no public report with id {raw[:20]!r}", key="report.bad_id", params={"id": raw[:20]})
    return int(raw)


@router.post("/reports/{report_id}/follow")
def follow(request: Request, report_id: str, settings: SettingsDep, lang: Lang = None) -> Response:
    """Follow a public report instead of filing it again (a "+1" for staff): a new private link, shown once.

    A script asking for JSON gets ``{"id", "follow_url"}``; a plain form post is sent on to the link's page."""
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        ident = _report_id(report_id)
        with request.app.state.engine.begin() as conn:
            token = follow_report(conn, ident)
    except DomainError as exc:
        if wants_json:
            return JSONResponse({"detail": error_reason(request, exc)}, status_code=error_status(exc))
        return _refused(public_context(request, settings, lang), "report.not_found", exc)
    path = FOLLOW_PATH + token + (f"?lang={lang}" if lang else "")
    if wants_json:
        return JSONResponse({"id": ident, "follow_url": path}, status_code=201, headers=PRIVATE)
    return RedirectResponse(path, status_code=303, headers=PRIVATE)


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_status(
    request: Request, report_id: str, conn: PublicConnDep, settings: SettingsDep, lang: Lang = None
) -> Response:
    """A report's public status: map, place, published photos, the bureau's notes over time, follow."""
    ctx = public_context(request, settings, lang)
    try:
        view = public_request(conn, _report_id(report_id))
    except DomainError as exc:
        return _refused(ctx, "report.not_found", exc)
    place = report_place(conn, view)
    html = report_status_page(
        ctx, view, place, report_photos(conn, view["id"]), public_history(conn, view["id"])
    )
    return HTMLResponse(html, headers=NO_STORE)


@router.get("/static/report/report.js")
def report_script() -> FileResponse:
    """The report pages' script."""
    return FileResponse(
        SCRIPT_PATH,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/static/report/report.css")
def report_style() -> FileResponse:
    """The report pages' style (on top of the public frame's)."""
    return FileResponse(
        STYLE_PATH, media_type="text/css; charset=utf-8", headers={"Cache-Control": "public, max-age=86400"}
    )
