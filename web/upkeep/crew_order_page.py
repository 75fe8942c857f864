"""The crews' page of one work order (``/crew/work-orders/{id}``): what, where (a link to the site's page),
priority, due date, costs, photos and history; the start or finish form for those who may make that move.

Pure: the sheet of geo/upkeep/crew_work.py ``order_sheet`` in, HTML text out; every value is escaped. The forms
are sent by web/static/crew.js through its offline outbox to ``POST /api/v1/me/work-orders/{id}/transitions``
(and the after photos to ``POST /api/v1/work-orders/{id}/photos``); the status line right after the button says
what became of the submission (sent, saved on this phone, refused and why).
"""

from __future__ import annotations

from html import escape

from geo.models import WORK_ORDER_STATUSES
from web.i18n import enum_label, t
from web.times import local_time
from web.upkeep.crew_pages import header, lang_query, outbox_block, page, photo_input

HISTORY_FIELDS = ("title", "description", "priority", "due_on", "cost_estimate", "cost_actual", "public_note")
"""The fields of an order whose changes its history names (the others are status moves)."""


def _fact(label: str, value: str, field: str, link: str | None = None, wide: bool = False) -> str:
    inner = f'<a href="{escape(link)}">{escape(value)}</a>' if link else escape(value)
    cls = ' class="wide"' if wide else ""
    return f'<div{cls}><dt>{escape(label)}</dt><dd data-field="{field}">{inner}</dd></div>'


def _yuan(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    return t("cw.yuan", lang).format(n=f"{value:,.2f}")


def _facts(sheet: dict, lang: str, explicit_lang: str | None) -> str:
    o = sheet["order"]
    where = sheet["site_name"] or f"{o['collection']} {o['site_id']}"
    if sheet["martyr_name"]:
        where = t("crew.grave_of", lang).format(name=where, martyr=sheet["martyr_name"])
    site_link = f"/crew/{o['collection']}/{o['site_id']}{lang_query(explicit_lang)}"
    rows = [
        _fact(t("cw.where", lang), where, "site", site_link, wide=True),
        _fact(t("cw.kind", lang), enum_label("work_order_kind", o["kind"], lang), "kind"),
        _fact(t("cw.status", lang), enum_label("work_order_status", o["status"], lang), "status"),
        _fact(t("cw.priority", lang), enum_label("priority", o["priority"], lang), "priority"),
        _fact(t("cw.due", lang), o["due_on"] or t("cw.no_due", lang), "due_on"),
        _fact(t("cw.cost_estimate", lang), _yuan(o["cost_estimate"], lang), "cost_estimate"),
        _fact(t("cw.cost_actual", lang), _yuan(o["cost_actual"], lang), "cost_actual"),
    ]
    if o["description"]:
        rows.insert(1, _fact(t("cw.description", lang), o["description"], "description", wide=True))
    return f'<dl class="facts">{"".join(rows)}</dl>'


def _photos(sheet: dict, lang: str) -> str:
    title = f"<h2>{escape(t('cw.photos', lang))}</h2>"
    if not sheet["photos"]:
        return f'<section class="photos" id="order-photos">{title}<p>{escape(t("cw.no_photos", lang))}</p></section>'
    items = "".join(
        f'<li><a href="{escape(p["url"])}"><img src="{escape(p["thumbnail_url"])}" alt="'
        f"{escape(t('cw.photo_alt', lang).format(stage=t('cw.stage.' + p['stage'], lang, p['stage']), n=i))}"
        f'" width="96" height="96" loading="lazy"></a></li>'
        for i, p in enumerate(sheet["photos"], start=1)
    )
    return f'<section class="photos" id="order-photos">{title}<ul class="thumbs">{items}</ul></section>'


def _history_row(row: dict, lang: str) -> str:
    if row["from_status"] is None and row["to_status"] is not None:
        what = t("cw.history_created", lang)
    elif row["to_status"] is not None:
        what = (
            f"{enum_label('work_order_status', row['from_status'], lang)} → "
            f"{enum_label('work_order_status', row['to_status'], lang)}"
        )
    else:
        names = [t(f"cw.hfield.{f}", lang) if f in HISTORY_FIELDS else f for f in row["changes"] or {}]
        what = t("cw.history_changed", lang).format(fields=", ".join(names))
    note = f'<span class="note">{escape(row["note"])}</span>' if row["note"] else ""
    return (
        f'<li><span class="when">{escape(local_time(row["at"]))} · {escape(row["actor"])}</span>'
        f'<span class="move">{escape(what)}</span>{note}</li>'
    )


def _history(sheet: dict, lang: str) -> str:
    rows = "".join(_history_row(r, lang) for r in reversed(sheet["history"]))  # newest first
    return f'<section class="history"><h2>{escape(t("cw.history", lang))}</h2><ol id="history">{rows}</ol></section>'


def _move_form(sheet: dict, lang: str) -> str:
    o = sheet["order"]
    status_line = '<p id="move-status" class="status-line" role="status" aria-live="polite" hidden></p>'
    finish = (
        f'<form id="finish-form" class="move-form" data-to="done" novalidate>'
        f"<h2>{escape(t('cw.finish_title', lang))}</h2>"
        f'<label for="finish-photos" class="block">{escape(t("cw.after_photos", lang))}</label>'
        + photo_input("finish-photos", lang)
        + f'<label for="cost-actual" class="block">{escape(t("cw.cost_actual", lang))}</label>'
        '<input type="text" id="cost-actual" name="cost_actual" inputmode="decimal" autocomplete="off" '
        'aria-describedby="cost-error">'
        '<p id="cost-error" class="field-error" hidden></p>'
        f'<label for="finish-note" class="block">{escape(t("cw.note", lang))}</label>'
        '<textarea id="finish-note" name="note" rows="3" maxlength="4000"></textarea>'
        f'<button type="submit" id="finish" class="primary">{escape(t("cw.finish", lang))}</button></form>'
    )
    start = (
        f'<form id="start-form" class="move-form" data-to="in_progress" novalidate>'
        f"<h2>{escape(t('cw.start_title', lang))}</h2>"
        f'<label for="start-note" class="block">{escape(t("cw.note", lang))}</label>'
        '<textarea id="start-note" name="note" rows="2" maxlength="4000"></textarea>'
        f'<button type="submit" id="start" class="primary">{escape(t("cw.start", lang))}</button></form>'
    )
    move = sheet["next_move"]
    if move == "in_progress":  # the finish form waits, hidden, for a start made offline
        return f'<section class="move" id="move">{start}{finish.replace("<form ", "<form hidden ", 1)}{status_line}</section>'
    if move == "done":
        return f'<section class="move" id="move">{finish}{status_line}</section>'
    status = enum_label("work_order_status", o["status"], lang)
    return (
        f'<section class="move" id="move"><p class="hint">{escape(t("cw.no_move_status", lang).format(status=status))}'
        f"</p>{status_line}</section>"
    )


def order_page(lang: str, explicit_lang: str | None, who: str, sheet: dict, csrf_token: str = "") -> str:
    """The page of one work order, with the start or finish form when the caller may make that move."""
    o = sheet["order"]
    title = o["title"]
    path = f"/crew/work-orders/{o['id']}"
    body = (
        header(lang, title, who, path, "/crew" + lang_query(explicit_lang), csrf_token)
        + "<main>"
        + f'<p class="order-ref">{escape(t("cw.order_title", lang).format(id=o["id"]))}</p>'
        + outbox_block(lang)
        + _facts(sheet, lang, explicit_lang)
        + _move_form(sheet, lang)
        + _photos(sheet, lang)
        + _history(sheet, lang)
        + "</main>"
    )
    config = {
        "page": "order",
        "orderId": o["id"],
        "version": o["version"],
        "status": o["status"],
        "costActual": o["cost_actual"],
        "nextMove": sheet["next_move"],
        "siteName": title,
        "statusLabels": {s: enum_label("work_order_status", s, lang) for s in WORK_ORDER_STATUSES},
        "stageLabels": {s: t(f"cw.stage.{s}", lang) for s in ("before", "after")},
        "yuan": t("cw.yuan", lang),
        "fieldLabels": {f: t(f"cw.hfield.{f}", lang) for f in HISTORY_FIELDS},
        "changedLabel": t("cw.history_changed", lang),
        "createdLabel": t("cw.history_created", lang),
    }
    return page(lang, title, body, config)
