"""The public problem-report pages: the form (``/report``), a report's status (``/reports/{id}``) and a follower's
private page (``/reports/follow/{token}``), inside the public frame (web/public/frame.py: the one public header).

View models here, markup in web/templates/public/report_*.html (autoescaped), rendered with web.jinja.render and
handed to the frame as Markup. The form's map is Leaflet from node_modules (web/assets.py) with no online basemap
unless the visitor chose one: our county outlines and the sites near the pin are the map, and the pin can also be
typed as latitude and longitude, so the page works with no internet. web/static/report.js (served at
``/static/report/report.js?v=<hash>``) drives the map, offers the open reports within 50 m of the pin ("is it one of
these?") and follows one instead of filing again, posts the form to ``/open311/v2/requests.json`` and shows the
result next to the button; page data reaches it as JSON in a ``<script type="application/json">`` element.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache
from typing import Any

from markupsafe import Markup

from geo.public.reports import SERVICES
from geo.upkeep.photos import photo_url
from web.assets import STATIC_DIR
from web.assets import asset_url as vendor_url
from web.basemaps import shift_geojson, shift_points
from web.i18n import enum_label, t
from web.jinja import render
from web.public.frame import PageContext, page
from web.public.site_page import grave_position, page_title
from web.times import local_time
from web.upkeep.crew_pages import script_json

SCRIPT_PATH = STATIC_DIR / "report.js"
STYLE_PATH = STATIC_DIR / "report.css"
SCRIPT_URL = "/static/report/report.js"
STYLE_URL = "/static/report/report.css"
POST_URL = "/open311/v2/requests.json"
FOLLOW_PATH = "/reports/follow/"

_JS_STRINGS = (
    "report.locating",
    "report.no_position",
    "report.no_pin",
    "report.near_site",
    "report.no_site_near",
    "report.sending",
    "report.refused",
    "report.too_many",
    "report.offline",
    "reports.inside_cemetery",
    "reports.inside_cemetery_grave",
    "reports.sent",
    "reports.keep_link",
    "reports.status_link",
    "reports.new",
    "reports.follow_this",
    "reports.following",
    "reports.followed",
    "reports.follow_failed",
    "reports.distance",
    "reports.reported_on",
    "reports.photo_of",
    "reports.no_photo",
    "reports.no_photos_chosen",
    "reports.photos_chosen",
    "reports.followers",
)


@cache
def _digest(path: str) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]


def script_url() -> str:
    """The URL of report.js with its content hash (a changed file gets a new URL)."""
    return f"{SCRIPT_URL}?v={_digest('report.js')}"


def style_url() -> str:
    """The URL of report.css with its content hash."""
    return f"{STYLE_URL}?v={_digest('report.css')}"


def _when(value: dt.datetime | None, lang: str) -> str:
    if value is None:
        return ""
    return local_time(value) + (" (UTC+8)" if lang == "en" else "")


def _head(leaflet: bool) -> str:
    css = f'<link rel="stylesheet" href="{style_url()}">'
    if leaflet:
        css = f'<link rel="stylesheet" href="{vendor_url("leaflet_css")}">' + css
    return css


def _scripts(data: dict, leaflet: bool) -> dict[str, Any]:
    return {
        "data_json": Markup(script_json(data)),
        "leaflet_js": vendor_url("leaflet") if leaflet else "",
        "script_url": script_url(),
    }


def js_strings(lang: str) -> dict[str, str]:
    """The labels report.js writes, in ``lang``."""
    strings = {key.split(".", 1)[1]: t(key, lang) for key in _JS_STRINGS}
    # the units of the script's distanceText, which writes distances as web/i18n.py distance_text does
    return strings | {"distance_m": t("distance.m", lang), "distance_km": t("distance.km", lang)}


def report_form_page(ctx: PageContext, config: dict[str, Any], max_photos: int) -> str:
    """The report form: the map, "is it one of these?", category, description, photos, optional contact."""
    lang = ctx.lang
    crs = config.get("crs", "wgs84")
    data = {
        "lang": lang,
        "explicit_lang": ctx.explicit_lang,
        "strings": js_strings(lang),
        "post_url": POST_URL,
        "nearby_url": "/reports/nearby.json",
        "status_url": "/reports/",
        **config,
    }
    services = [{"code": s.code, "name": s.name(lang), "description": s.description(lang)} for s in SERVICES]
    body = render(
        "public/report_form.html",
        lang=lang,
        crs=crs,
        crs_label="GCJ-02" if crs == "gcj02" else "WGS-84",
        services=services,
        max_photos=max_photos,
        **_scripts(data, leaflet=True),
    )
    return page(ctx, t("reports.title", lang), Markup(body), head=_head(leaflet=True))


def place_link(ctx: PageContext, place: dict) -> str | None:
    """The public page of a report's place: ``/sites/{collection}/{id}`` (memorials, cemeteries and graves)."""
    if place.get("collection") in ("memorials", "cemeteries", "graves") and place.get("id") is not None:
        return ctx.link(f"/sites/{place['collection']}/{place['id']}")
    return None


def _history(history: list[dict], lang: str) -> list[dict]:
    items = []
    for h in history:
        items.append(
            {
                "when": _when(h["at"], lang),
                "iso": h["at"].isoformat() if h["at"] else "",
                "stage": enum_label("work_order_status", h["stage"], lang) if h["stage"] else "",
                "received": h["stage"] == "reported",
                "note": h["note"],
                "cleared": h["cleared"],
            }
        )
    return items


_KIND_GROUPS = {"memorials": "memorial_kind", "cemeteries": "cemetery_kind", "graves": "grave_kind"}


def _kind(place: dict, lang: str) -> str:
    group = _KIND_GROUPS.get(place.get("collection") or "")
    return enum_label(group, place["kind"], lang) if group and place.get("kind") else ""


def grave_label(grave: dict, lang: str) -> str:
    """A grave near a report as its own page names it (罗林立烈士墓) with its place in the cemetery (甲区 1排 1号)."""
    name = page_title("graves", grave, lang)
    place = grave_position(grave.get("section"), grave.get("row"), grave.get("number"), lang)
    if not place:
        return name
    return f"{name}（{place}）" if lang == "zh" else f"{name} ({place})"


def _report_vm(ctx: PageContext, view: dict, place: dict) -> dict:
    lang = ctx.lang
    svc = view["service"]
    grave = place.get("grave")
    return {
        "id": view["id"],
        "status": view["status"],
        "status_label": t(f"report.status.{view['status']}", lang),
        "stage_label": enum_label("work_order_status", view["stage"], lang),
        "category": svc.name(lang) if svc else str(view["service_code"] or ""),
        "place_name": place.get("name") or view["site"]["name"] or "",
        "place_kind": _kind(place, lang),
        "place_url": place_link(ctx, place),
        "grave": grave_label(grave, lang) if grave else "",
        "grave_url": ctx.link(f"/sites/graves/{grave['id']}") if grave else None,
        "area": view.get("area_name") or "",
        "requested": _when(view["requested_datetime"], lang),
        "updated": _when(view["updated_datetime"], lang),
        "description": view["description"] or "",
        "url": ctx.link(f"/reports/{view['id']}"),
    }


def status_map(ctx: PageContext, view: dict, place: dict) -> dict[str, Any]:
    """The status page's map for report.js: the report's pin, the site's point and name, a cemetery's boundary,
    and the visitor's basemap tiles if one was chosen (the data then drawn in its CRS: GCJ-02 on AMap)."""
    chosen = ctx.basemap if ctx.basemap is not None and ctx.basemap.layers else None
    crs = chosen.crs if chosen is not None else "wgs84"

    def point(lon: float | None, lat: float | None) -> dict | None:
        if lon is None or lat is None:
            return None
        (x,), (y,) = shift_points([lon], [lat], crs)
        return {"lon": x, "lat": y}

    site = point(place.get("lon"), place.get("lat"))
    boundary = place.get("boundary")
    tiles = [
        {"url": x.url, "attribution": x.attribution, "subdomains": x.subdomains, "max_zoom": x.max_zoom}
        for x in (chosen.layers if chosen is not None else ())
    ]
    return {
        "pin": point(view.get("lon"), view.get("lat")),
        "site": {**site, "name": place.get("name") or ""} if site else None,
        "boundary": shift_geojson(boundary, crs) if boundary and crs != "wgs84" else boundary,
        "tiles": tiles,
        "label": t("reports.pin", ctx.lang),
    }


def report_status_page(
    ctx: PageContext, view: dict, place: dict, photos: list[dict], history: list[dict]
) -> str:
    """A report's public status: open or closed and its stage, a map of the pin and the site, the place with a
    link, the published photos, the bureau's public notes over time and the way to follow it."""
    lang = ctx.lang
    report = _report_vm(ctx, view, place)
    shown = [
        {
            "url": photo_url(p["id"]),
            "thumb": photo_url(p["id"]) + "/thumbnail",
            "caption": p.get("caption") or "",
        }
        for p in photos
    ]
    data = {"lang": lang, "strings": js_strings(lang), "status_map": status_map(ctx, view, place)}
    body = render(
        "public/report_status.html",
        lang=lang,
        report=report,
        photos=shown,
        history=_history(history, lang),
        follow_action=ctx.link(f"/reports/{view['id']}/follow"),
        new_report=ctx.link("/report"),
        **_scripts(data, leaflet=True),
    )
    title = t("reports.status_title", lang).format(id=view["id"])
    return page(ctx, title, Markup(body), head=_head(leaflet=True))


def follow_page(ctx: PageContext, visit: dict, place: dict, own_url: str) -> str:
    """A follower's private page: what changed publicly since the last visit, the report's state, and (on the
    first visit) the reminder to keep this link, which is all there is to find the report again this way."""
    lang = ctx.lang
    view = visit["report"]
    body = render(
        "public/report_follow.html",
        lang=lang,
        report=_report_vm(ctx, view, place),
        first_visit=visit["first_visit"],
        role=visit["role"],
        since=_when(visit["since"], lang),
        updates=_history(visit["updates"], lang),
        own_url=own_url,
    )
    title = t("reports.follow.title", lang).format(id=view["id"])
    return page(
        ctx, title, Markup(body), head=_head(leaflet=False) + '<meta name="robots" content="noindex">'
    )


def report_message_page(ctx: PageContext, title: str, message: str) -> str:
    """A page that says why there is nothing to show (unknown report, bad link), with the ways on."""
    body = render(
        "public/report_message.html",
        lang=ctx.lang,
        title=title,
        message=message,
        new_report=ctx.link("/report"),
        search=ctx.link("/search"),
    )
    return page(ctx, title, Markup(body), head=_head(leaflet=False))


def nearby_report(ctx: PageContext, report: dict) -> dict[str, Any]:
    """An open report near a pin as the form lists it ("is it one of these?"): text in the page's language."""
    lang = ctx.lang
    svc = report["service"]
    category = svc.name(lang) if svc else str(report["service_code"] or "")
    return {
        "id": report["id"],
        "title": f"{category} · {report['site']['name'] or ''}",
        "status": report["status"],
        "status_label": enum_label("work_order_status", report["stage"], lang),
        "date": local_time(report["requested_datetime"])[:10],
        "description": (report["description"] or "")[:140],
        "distance_m": report["distance_m"],
        "followers": report["followers"],
        "lon": report["lon"],
        "lat": report["lat"],
        "thumb": photo_url(report["photo_id"]) + "/thumbnail" if report.get("photo_id") else None,
        "url": ctx.link(f"/reports/{report['id']}"),
        "follow": ctx.link(f"/reports/{report['id']}/follow"),
    }
