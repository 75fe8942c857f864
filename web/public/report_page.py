"""The public damage-report pages: the form (``/report``) and a report's public status (``/reports/{id}``).

Pure: data in, HTML text out; every value is escaped. Chinese by default, English on request. Phone-sized. The
form's map is Leaflet from node_modules (web/assets.py) with no online basemap: our county outlines and the
sites near the pin are the map, and the pin can also be typed as latitude and longitude, so the page works
with no internet. web/static/report.js (served at ``/static/report/report.js?v=<hash>``) drives the map and
posts the form to ``/open311/v2/requests.json``; page data reaches it as JSON in a ``<script
type="application/json">`` element. Each script tag the page writes carries the CSP nonce mark (web/csp.py),
made the response's nonce by the security middleware.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache
from html import escape
from typing import Any

from geo.public.reports import SERVICES
from geo.upkeep.photos import photo_url
from web.assets import STATIC_DIR
from web.assets import asset_url as vendor_url
from web.csp import SCRIPT_NONCE
from web.i18n import enum_label, html_lang, t
from web.times import local_time
from web.upkeep.crew_pages import lang_query, script_json

SCRIPT_PATH = STATIC_DIR / "report.js"
SCRIPT_URL = "/static/report/report.js"
POST_URL = "/open311/v2/requests.json"

_JS_STRINGS = (
    "report.locating",
    "report.no_position",
    "report.no_pin",
    "report.near_site",
    "report.no_site_near",
    "report.sending",
    "report.sent",
    "report.follow",
    "report.refused",
    "report.too_many",
    "report.offline",
)

_STYLE = """
.leaflet-tooltip { white-space: normal; width: max-content; max-width: min(18rem, 42vw); overflow-wrap: anywhere; }
body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 0; background: #f4f5f7; color: #222; }
header { background: #8b1a1a; color: #fff; padding: .6rem 1rem; display: flex; justify-content: space-between;
         align-items: center; }
header h1 { font-size: 1.15rem; margin: 0; }
header a { color: #fff; }
main { max-width: 40rem; margin: 0 auto; padding: .8rem 1rem 2rem; background: #fff; }
#map { height: 45vh; min-height: 16rem; border: 1px solid #bbb; background: #e8eef2; }
label { display: block; margin: .7rem 0 .2rem; font-weight: 600; }
input, select, textarea, button { font-size: 1rem; }
input[type=file] { max-width: 100%; }
input[type=text], input[type=email], input[type=tel], select, textarea { width: 100%; box-sizing: border-box;
  padding: .45rem; }
textarea { min-height: 6rem; }
.row { display: flex; gap: .5rem; } .row > div { flex: 1; }
fieldset { border: 1px solid #ccc; margin-top: 1rem; }
button { margin-top: 1rem; padding: .6rem 1.2rem; }
.message { padding: .6rem; border-radius: 4px; background: #eef6ee; }
.message.error { background: #fdecea; color: #a40000; }
.hint { color: #555; font-size: .9rem; }
dl.facts div { display: flex; gap: .8rem; padding: .3rem 0; border-bottom: 1px solid #eee; }
dl.facts dt { min-width: 7rem; color: #555; } dl.facts dd { margin: 0; }
.status-open { color: #a15c00; } .status-closed { color: #206020; }
"""


@cache
def _digest() -> str:
    return hashlib.sha256(SCRIPT_PATH.read_bytes()).hexdigest()[:12]


def script_url() -> str:
    """The URL of report.js with its content hash (a changed file gets a new URL)."""
    return f"{SCRIPT_URL}?v={_digest()}"


def _shell(lang: str, title: str, body: str, switch: str, head: str = "", tail: str = "") -> str:
    other = "en" if lang == "zh" else "zh"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · VetMap</title>{head}<style>{_STYLE}</style></head>"
        f"<body><header><h1>{escape(title)}</h1>"
        f'<a href="{escape(switch)}" lang="{html_lang(other)}" hreflang="{html_lang(other)}">'
        f"{escape(t('report.other_lang', lang))}</a></header><main>{body}</main>{tail}</body></html>"
    )


def report_form_page(
    lang: str,
    explicit_lang: str | None,
    config: dict[str, Any],
    max_photos: int,
    start_query: dict | None = None,
) -> str:
    """The report form: map and lat/long entry, category, description, photos, optional contact."""
    other = "en" if lang == "zh" else "zh"
    switch = "/report" + lang_query(other, **(start_query or {}))
    crs = config.get("crs", "wgs84")
    crs_label = "GCJ-02" if crs == "gcj02" else "WGS-84"
    options = f'<option value="">{escape(t("report.choose", lang))}</option>' + "".join(
        f'<option value="{escape(s.code)}" title="{escape(s.description(lang))}">{escape(s.name(lang))}</option>'
        for s in SERVICES
    )
    field = "".join(
        f'<div><label for="{name}">{escape(t(f"report.{name}", lang))}</label>'
        f'<input type="{kind}" id="{name}" name="{name}" autocomplete="{auto}" maxlength="{size}"></div>'
        for name, kind, auto, size in (
            ("last_name", "text", "family-name", 50),
            ("first_name", "text", "given-name", 50),
        )
    )
    body = (
        f'<p class="hint">{escape(t("report.intro", lang))}</p>'
        f'<form id="report-form" novalidate>'
        '<input type="hidden" name="vetmap_form" value="1">'
        f'<input type="hidden" name="crs" value="{escape(crs)}">'
        f'<div id="map" role="region" aria-label="{escape(t("report.map", lang))}"></div>'
        f'<p class="hint" id="near" role="status"></p>'
        f"<label>{escape(t('report.position', lang).format(crs=crs_label))}</label>"
        f'<div class="row"><div><label for="lat">{escape(t("report.lat", lang))}</label>'
        '<input type="text" id="lat" name="lat" inputmode="decimal" autocomplete="off"></div>'
        f'<div><label for="long">{escape(t("report.long", lang))}</label>'
        '<input type="text" id="long" name="long" inputmode="decimal" autocomplete="off"></div></div>'
        f'<button type="button" id="locate">{escape(t("report.locate", lang))}</button>'
        f'<label for="service_code">{escape(t("report.category", lang))}</label>'
        f'<select id="service_code" name="service_code" required>{options}</select>'
        f'<label for="description">{escape(t("report.description", lang))}</label>'
        '<textarea id="description" name="description" maxlength="4000" required></textarea>'
        f'<label for="media">{escape(t("report.photos", lang).format(n=max_photos))}</label>'
        '<input type="file" id="media" name="media" accept="image/jpeg,image/png,image/webp" multiple>'
        f"<fieldset><legend>{escape(t('report.contact', lang))}</legend>"
        f'<div class="row">{field}</div>'
        f'<label for="email">{escape(t("report.email", lang))}</label>'
        '<input type="email" id="email" name="email" autocomplete="email" maxlength="254">'
        f'<label for="phone">{escape(t("report.phone", lang))}</label>'
        '<input type="tel" id="phone" name="phone" autocomplete="tel" maxlength="32"></fieldset>'
        f'<button type="submit" id="submit">{escape(t("report.submit", lang))}</button></form>'
        '<p id="message" class="message" role="alert" hidden></p>'
    )
    strings = {key.removeprefix("report."): t(key, lang) for key in _JS_STRINGS}
    # the units of the script's distanceText, which writes distances as web/i18n.py distance_text does
    strings |= {"distance_m": t("distance.m", lang), "distance_km": t("distance.km", lang)}
    data = {
        "lang": lang,
        "explicit_lang": explicit_lang,
        "strings": strings,
        "post_url": POST_URL,
        "nearby_url": "/reports/nearby.json",
        "status_url": "/reports/",
        **config,
    }
    head = f'<link rel="stylesheet" href="{escape(vendor_url("leaflet_css"))}">'
    tail = (
        f'<script{SCRIPT_NONCE} type="application/json" id="report-config">{script_json(data)}</script>'
        f'<script{SCRIPT_NONCE} src="{escape(vendor_url("leaflet"))}" defer></script>'
        f'<script{SCRIPT_NONCE} src="{escape(script_url())}" defer></script>'
    )
    return _shell(lang, t("report.title", lang), body, switch, head, tail)


def _when(value: dt.datetime | None, lang: str) -> str:
    if value is None:
        return ""
    return local_time(value) + (" (UTC+8)" if lang == "en" else "")


def _css(name: str, status: str) -> str:
    return f"status-{status}" if name == "status" else ""


def report_status_page(lang: str, explicit_lang: str | None, view: dict) -> str:
    """A report's public status: open or closed, the stage, the bureau's note, category, site and times."""
    other = "en" if lang == "zh" else "zh"
    switch = f"/reports/{view['id']}" + lang_query(other)
    svc = view["service"]
    status = view["status"]
    rows = [
        (t("report.reference", lang), str(view["id"]), "id"),
        (t("report.status", lang), t(f"report.status.{status}", lang), "status"),
        (t("report.stage", lang), enum_label("work_order_status", view["stage"], lang), "stage"),
        (t("report.category", lang), svc.name(lang) if svc else str(view["service_code"]), "service"),
        (t("report.site", lang), view["site"]["name"] or "", "site"),
        (t("report.requested", lang), _when(view["requested_datetime"], lang), "requested"),
        (t("report.updated", lang), _when(view["updated_datetime"], lang), "updated"),
        (t("report.description", lang), view["description"] or "", "description"),
    ]
    facts = "".join(
        f'<div><dt>{escape(label)}</dt><dd data-field="{name}" class="{_css(name, status)}">{escape(value)}</dd></div>'
        for label, value, name in rows
        if value
    )
    note = view["status_notes"]
    notes = escape(note) if note else f'<span class="hint">{escape(t("report.no_notes", lang))}</span>'
    photo = ""
    if view.get("photo_id"):  # only a photo staff published (POST /api/v1/photos/{id}/publish)
        url = photo_url(int(view["photo_id"]))
        photo = (
            f'<figure class="report-photo" id="report-photo"><a href="{escape(url)}"><img src="{escape(url)}/thumbnail" '
            f'alt="{escape(t("public.site.photo", lang))}"></a></figure>'
        )
    body = (
        f'<dl class="facts">{facts}</dl>{photo}<h2>{escape(t("report.notes", lang))}</h2>'
        f'<p id="status-notes">{notes}</p>'
        f'<p><a href="{escape("/report" + lang_query(explicit_lang))}">{escape(t("report.new", lang))}</a></p>'
    )
    return _shell(lang, t("report.status_title", lang).format(id=view["id"]), body, switch)


def report_message_page(lang: str, title: str, message: str) -> str:
    """A page that says why there is nothing to show (unknown report, bad link)."""
    body = f'<p class="message error" role="alert">{escape(message)}</p><p><a href="/report">{escape(t("report.new", lang))}</a></p>'
    return _shell(lang, title, body, "/report" + lang_query("en" if lang == "zh" else "zh"))
