"""The crews' phone pages: my task list (``/crew``) and the page of one site (web/upkeep/crew_site_page.py).

Pure: data in (geo/upkeep/crew_tasks.py dataclasses), HTML text out; every value is escaped. Chinese by
default, English on request. Scripts and styles are the app's own files (web/static, served at
``/static/crew/<name>?v=<hash>``), never a CDN; page data goes to the script as JSON in a ``<script
type="application/json">`` element (each script tag the page writes carries the CSP nonce mark of web/csp.py,
made the response's nonce by the security middleware). The script keeps an offline outbox of submissions
(web/static/crew.js).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from html import escape
from typing import Any
from urllib.parse import urlencode

from geo.principal import Principal
from geo.upkeep.crew_tasks import CrewTask, TaskList
from web.assets import STATIC_DIR
from web.csp import SCRIPT_NONCE
from web.i18n import choose_url, distance_text, enum_label, html_lang, t

CREW_ASSETS: dict[str, str] = {
    "crew.js": "text/javascript; charset=utf-8",
    "crew.css": "text/css; charset=utf-8",
    "crew_offline.js": "text/javascript; charset=utf-8",
    "crew_map.js": "text/javascript; charset=utf-8",
    "crew_work.css": "text/css; charset=utf-8",
}
"""The crew pages' own files in web/static and their content types (the only files served from there)."""
STATIC_URL = "/static/crew"

_JS_STRINGS = (
    "crew.outbox",
    "crew.saved",
    "crew.saved_offline",
    "crew.sent",
    "crew.refused",
    "crew.photo_refused",
    "crew.sign_in_again",
    "crew.retry_later",
    "crew.need_score",
    "crew.locating",
    "crew.no_position",
    "crew.position_value",
    "crew.discard",
    "crew.no_storage",
    "crew.never",
    "crew.submit",
    "cw.saved_here",
    "cw.sending",
    "cw.sent_start",
    "cw.sent_finish",
    "cw.sent_edit",
    "cw.sent_edit_merged",
    "cw.item_refused",
    "cw.item_conflict",
    "cw.state.waiting",
    "cw.state.sending",
    "cw.state.refused",
    "cw.state.conflict",
    "cw.retry",
    "cw.other_owner",
    "cw.signout_waiting",
    "cw.kind.inspection",
    "cw.kind.start",
    "cw.kind.finish",
    "cw.kind.edit",
    "cw.offline_start_shown",
    "cw.bad_cost",
    "cw.photos_none",
    "cw.photos_chosen",
    "cw.edit_nothing",
    "cw.conflict_mine",
    "cw.conflict_theirs",
    "cw.conflict_by",
    "cw.keep_mine",
    "cw.open_to_choose",
    "cw.take_theirs",
    "cw.conflict_resolved",
    "cw.yes",
    "cw.no",
    "cw.empty",
    "cw.field.upkeep_status",
    "cw.field.notes",
    "cw.field.has_protection_sign",
    "cw.field.custodian_name",
    "cw.field.custodian_phone",
    "cw.field.responsible_cadre",
)


@cache
def _digest(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


def asset_url(name: str) -> str:
    """The URL of a crew page asset, with its content hash (a changed file gets a new URL)."""
    return f"{STATIC_URL}/{name}?v={_digest(name)}"


def script_json(obj: Any) -> str:
    """Compact JSON that is safe inside an HTML <script> element."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, code)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def lang_query(lang: str | None, **params: Any) -> str:
    """A query string (with ``?``) keeping an explicitly chosen language; empty when there is nothing."""
    kept = {k: v for k, v in {**params, "lang": lang}.items() if v is not None}
    return "?" + urlencode(kept) if kept else ""


def page(lang: str, title: str, body: str, config: dict[str, Any]) -> str:
    """A phone-sized page with the crew stylesheet, the page data as JSON and the crew script."""
    strings = {key: t(key, lang) for key in _JS_STRINGS}
    upkeep = {s: enum_label("upkeep_status", s, lang) for s in ("good", "fair", "poor", "damaged", "unknown")}
    data = {"lang": lang, "strings": strings, "upkeep": upkeep, **config}
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · VetMap</title>"
        f'<link rel="stylesheet" href="{escape(asset_url("crew.css"))}">'
        f'<link rel="stylesheet" href="{escape(asset_url("crew_work.css"))}"></head>'
        f"<body>{body}"
        f'<script{SCRIPT_NONCE} type="application/json" id="crew-config">{script_json(data)}</script>'
        f'<script{SCRIPT_NONCE} src="{escape(asset_url("crew.js"))}" defer></script>'
        f'<script{SCRIPT_NONCE} src="{escape(asset_url("crew_offline.js"))}" defer></script></body></html>'
    )


def photo_input(ident: str, lang: str) -> str:
    """A photo picker in the page's language: the file input hidden behind a button-like label and a line saying
    how many photos are chosen (the browser's own "Choose Files" speaks the phone's language, not the page's)."""
    return (
        f'<input type="file" id="{ident}" name="photos" class="file-input" accept="image/*" capture="environment" '
        f'multiple aria-describedby="{ident}-chosen">'
        f'<label for="{ident}" class="file-button">{escape(t("cw.choose_photos", lang))}</label>'
        f'<span id="{ident}-chosen" class="file-chosen">{escape(t("cw.photos_none", lang))}</span>'
    )


def outbox_block(lang: str) -> str:
    """The outbox, shown by crew.js only while something waits: "N waiting to send", each queued submission with its state (waiting, sending) and a retry
    button, a "retry all" button, the refused ones with the server's reason (retry, discard), and a message line."""
    return (
        f'<section class="outbox" id="outbox" hidden aria-label="{escape(t("cw.outbox_title", lang))}">'
        f'<p class="outbox-head"><span id="outbox-count" role="status">'
        f"{escape(t('crew.outbox', lang).format(n=0))}</span> "
        f'<button type="button" id="retry-all" class="small" hidden>{escape(t("cw.retry_all", lang))}</button></p>'
        '<ul id="outbox-list" class="outbox-list"></ul></section>'
        f'<section class="refused" id="refused" hidden><h2>{escape(t("crew.refused_title", lang))}</h2>'
        '<ul id="refused-list" class="outbox-list"></ul></section>'
        '<p id="message" class="message" role="alert" hidden></p>'
    )


def who_line(principal: Principal, lang: str) -> str:
    """Who is signed in, as the header says it: the username and the area code (or "whole atlas")."""
    return f"{principal.username} · {principal.area_code or t('login.whole_atlas', lang)}"


def header(lang: str, title: str, who: str, path: str, back: str | None, csrf_token: str = "") -> str:
    """The page header: back link, title, who is signed in, the crew's pages, the language switch and sign out."""
    other = "en" if lang == "zh" else "zh"
    back_link = f'<a class="back" href="{escape(back)}">{escape(t("crew.back", lang))}</a>' if back else ""
    who_text = f"{escape(who)} · " if who else ""
    kept = "" if lang == "zh" else f"?lang={lang}"
    current = ' aria-current="page"'
    links = "".join(
        f'<a href="{escape(href + kept)}"{current if href == path else ""}>{escape(t(key, lang))}</a>'
        for href, key in (("/crew", "crew.nav.tasks"), ("/crew/map", "crew.nav.map"))
    )
    sign_out = (
        '<form class="signout" method="post" action="/logout">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf_token)}">'
        f'<input type="hidden" name="lang" value="{escape(lang)}">'
        f'<button type="submit">{escape(t("login.logout", lang))}</button></form>'
        if csrf_token
        else ""
    )
    return (
        f'<header>{back_link}<h1>{escape(title)}</h1><p class="who">{who_text}'
        f'<a href="{escape(choose_url(path, lang=other))}" lang="{html_lang(other)}">'
        f"{escape(t('crew.other_lang', lang))}</a></p>"
        f'<nav class="crew-nav" aria-label="{escape(t("crew.nav.label", lang))}">{links}{sign_out}</nav>'
        '<p id="data-as-of" class="data-as-of" role="status" hidden></p></header>'
    )


def _task_item(task: CrewTask, lang: str, explicit_lang: str | None) -> str:
    href = f"/crew/{task.collection}/{task.site_id}{lang_query(explicit_lang)}"
    if task.type == "work_order":  # a work order opens its own page, with start and finish
        href = f"/crew/work-orders/{task.work_order_id}{lang_query(explicit_lang)}"
    name = (
        t("crew.grave_of", lang).format(name=task.name, martyr=task.martyr_name)
        if task.martyr_name
        else task.name
    )
    if task.type == "work_order":
        status = enum_label("work_order_status", task.status, lang)
        what = f"{t('crew.type.work_order', lang)} · {task.title}"
    else:
        status = t(f"crew.status.{task.status}", lang)
        what = t("crew.type.inspection", lang)
    due = t("crew.due_on", lang).format(date=task.due_on) if task.due_on else ""
    distance = distance_text(task.distance_m, lang)
    facts = " · ".join(escape(x) for x in (status, enum_label("priority", task.priority, lang), due) if x)
    return (
        f'<li class="task task-{escape(task.type)} prio-{escape(task.priority)}" '
        f'data-collection="{escape(task.collection)}" data-site-id="{task.site_id}">'
        f'<a href="{escape(href)}"><span class="what">{escape(what)}</span>'
        f'<span class="name">{escape(name)}</span>'
        f'<span class="facts">{facts}</span>'
        + (f'<span class="distance">{escape(distance)}</span>' if distance else "")
        + "</a></li>"
    )


def tasks_page(lang: str, explicit_lang: str | None, who: str, tasks: TaskList, csrf_token: str = "") -> str:
    """The signed-in caller's task list, nearest first when a position was given."""
    order = "crew.nearest_first" if tasks.position is not None else "crew.urgent_first"
    items = "".join(_task_item(task, lang, explicit_lang) for task in tasks.tasks)
    more = ""
    if tasks.total > len(tasks.tasks):
        more = f'<p class="more">{escape(t("crew.more_tasks", lang).format(total=tasks.total, n=len(tasks.tasks)))}</p>'
    listing = (
        f'<ol class="tasks">{items}</ol>'
        if items
        else f'<p class="empty">{escape(t("crew.no_tasks", lang))}</p>'
    )
    body = (
        header(lang, t("crew.title", lang), who, "/crew", None, csrf_token)
        + "<main>"
        + outbox_block(lang)
        + f'<p class="order"><span id="order-note">{escape(t(order, lang))}</span> '
        f'<button type="button" id="locate" class="small">{escape(t("crew.locate", lang))}</button></p>'
        + listing
        + more
        + "</main>"
    )
    config = {"page": "tasks", "hasPosition": tasks.position is not None}
    return page(lang, t("crew.title", lang), body, config)


def message_page(lang: str, explicit_lang: str | None, title: str, message: str) -> str:
    """A page that only says why something cannot be shown, with a way back to the task list."""
    body = (
        header(lang, title, "", "/crew", "/crew" + lang_query(explicit_lang))
        + f'<main><p class="message" role="alert">{escape(message)}</p></main>'
    )
    return page(lang, title, body, {"page": "message"})
