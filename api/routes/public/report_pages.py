"""The public damage-report pages: ``/report`` (the form), ``/reports/{id}`` (public status), their script and the
sites near a pin (``/reports/nearby.json``, a hint for the form; the POST checks again).

``/report?site=memorials/12`` starts the pin at that site; ``?lat=&long=`` at a point; otherwise the page asks
the browser for its position. Chinese by default, ``?lang=en`` for English. SQL lives in geo/public/reports.py,
HTML in web/public/report_page.py.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from api.deps import PublicConnDep, SettingsDep, report_settings
from api.errors import error_status
from geo.errors import DomainError, InvalidInput, NotFound
from geo.public.reports import check_pin, map_frame, public_request, site_position, sites_near
from web.basemaps import basemap as basemap_layers
from web.basemaps import shift_bounds, shift_geojson, shift_points
from web.i18n import error_text, t
from web.map_parts import page_basemap
from web.public.report_page import SCRIPT_PATH, report_form_page, report_message_page, report_status_page

router = APIRouter(tags=["pages"], include_in_schema=False)

Lang = Annotated[Literal["zh", "en"] | None, Query()]
Crs = Annotated[Literal["wgs84", "gcj02"], Query(description="the CRS of the pin: gcj02 on an AMap basemap")]
NO_STORE = {"Cache-Control": "no-store"}


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
    """The damage-report form."""
    page_lang = lang or settings.default_lang
    try:
        start = _start(conn, site, lat, long)
    except DomainError as exc:
        html = report_message_page(page_lang, t("report.title", page_lang), error_text(exc, page_lang))
        return HTMLResponse(html, status_code=error_status(exc), headers=NO_STORE)
    reports = report_settings(request)
    config = {
        **_map_config(settings, page_lang, basemap, start, map_frame(conn)),
        "ask_position": start is None,
        "radius_m": reports.radius_m,
    }
    query = {"site": site, "lat": lat, "long": long, "basemap": basemap}
    html = report_form_page(page_lang, lang, config, reports.max_photos, query)
    return HTMLResponse(html, headers=NO_STORE)


@router.get("/reports/nearby.json")
def nearby(
    request: Request,
    conn: PublicConnDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    long: Annotated[float, Query(ge=-180, le=180)],
    crs: Crs = "wgs84",
) -> JSONResponse:
    """Sites within three times the report radius of a pin, nearest first: where a report would go. The pin and
    the sites' positions are in ``crs`` (GCJ-02 on an AMap basemap); distances are geodesic metres."""
    radius = report_settings(request).radius_m
    lon_w, lat_w = check_pin(lat, long, crs)
    sites = sites_near(conn, lon_w, lat_w, radius * 3)
    if crs != "wgs84" and sites:
        lons, lats = shift_points([s["lon"] for s in sites], [s["lat"] for s in sites], crs)
        sites = [{**s, "lon": x, "lat": y} for s, x, y in zip(sites, lons, lats, strict=True)]
    return JSONResponse({"radius_m": radius, "crs": crs, "sites": sites})


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_status(report_id: str, conn: PublicConnDep, settings: SettingsDep, lang: Lang = None) -> Response:
    """A report's public status and the bureau's note."""
    page_lang = lang or settings.default_lang
    try:
        if not report_id.isdigit() or len(report_id) > 18:
            raise NotFound(
                f"no public report with id {report_id[:20]!r}",
                key="report.bad_id",
                params={"id": report_id[:20]},
            )
        view = public_request(conn, int(report_id))
    except DomainError as exc:
        html = report_message_page(page_lang, t("report.not_found", page_lang), error_text(exc, page_lang))
        return HTMLResponse(html, status_code=error_status(exc), headers=NO_STORE)
    return HTMLResponse(report_status_page(page_lang, lang, view), headers=NO_STORE)


@router.get("/static/report/report.js")
def report_script() -> FileResponse:
    """The form's script."""
    return FileResponse(
        SCRIPT_PATH,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )
