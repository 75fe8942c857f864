"""The crews' page of one site (``/crew/{collection}/{site_id}``): its condition and open work orders, and the
inspection form (scores 0-4 per category or not applicable, the five conditions, notes, position, photos).

Pure: a geo/upkeep/crew_tasks.py ``SiteSheet`` in, HTML text out; every value is escaped. The form is sent by
web/static/crew.js, through its offline outbox, to ``POST /api/v1/{collection}/{site_id}/inspections``.
"""

from __future__ import annotations

from html import escape

from geo.upkeep.crew_tasks import OpenOrder, SiteSheet
from geo.upkeep.inspections import CATEGORIES, CHECKLIST, MAX_SCORE
from web.i18n import enum_label, t
from web.upkeep.crew_directions import directions_block
from web.upkeep.crew_pages import header, lang_query, outbox_block, page, photo_input
from web.upkeep.crew_site_edit import edit_form


def _fact(label: str, value: str, field: str) -> str:
    return f'<div><dt>{escape(label)}</dt><dd data-field="{field}">{escape(value)}</dd></div>'


def _facts(sheet: SiteSheet, lang: str) -> str:
    index = "" if sheet.condition_index is None else str(sheet.condition_index)
    kind = enum_label(
        {"memorials": "memorial_kind", "cemeteries": "cemetery_kind", "graves": "grave_kind"}[
            sheet.collection
        ],
        sheet.kind,
        lang,
    )
    rows = [
        _fact(t("field.kind", lang), kind, "kind"),
        _fact(t("field.condition_index", lang), index or "—", "condition_index"),
        _fact(
            t("field.upkeep_status", lang),
            enum_label("upkeep_status", sheet.upkeep_status, lang),
            "upkeep_status",
        ),
        _fact(
            t("crew.last_inspected", lang),
            sheet.last_inspected_on or t("crew.never", lang),
            "last_inspected_on",
        ),
        _fact(t("crew.next_due", lang), sheet.next_due_on or t("crew.due_now", lang), "next_due_on"),
        _fact(t("field.area", lang), f"{sheet.area_name or ''} ({sheet.area_code})", "area"),
    ]
    if sheet.protection_level:
        level = enum_label("protection_level", sheet.protection_level, lang)
        rows.insert(1, _fact(t("field.protection_level", lang), level, "protection_level"))
    return f'<dl class="facts">{"".join(rows)}</dl>'


def _order(order: OpenOrder, lang: str, explicit_lang: str | None = None) -> str:
    facts = " · ".join(
        x
        for x in (
            enum_label("work_order_kind", order.kind, lang),
            enum_label("work_order_status", order.status, lang),
            enum_label("priority", order.priority, lang),
            t("crew.due_on", lang).format(date=order.due_on) if order.due_on else "",
        )
        if x
    )
    href = f"/crew/work-orders/{order.id}{lang_query(explicit_lang)}"
    return (
        f'<li class="order prio-{escape(order.priority)}" data-id="{order.id}"><a href="{escape(href)}">'
        f'<span class="name">{escape(order.title)}</span><span class="facts">{escape(facts)}</span></a></li>'
    )


def _orders(sheet: SiteSheet, lang: str, explicit_lang: str | None = None) -> str:
    title = f"<h2>{escape(t('crew.open_orders', lang))}</h2>"
    if not sheet.open_orders:
        return f'<section class="orders">{title}<p>{escape(t("crew.no_open_orders", lang))}</p></section>'
    items = "".join(_order(o, lang, explicit_lang) for o in sheet.open_orders)
    return f'<section class="orders">{title}<ul>{items}</ul></section>'


def _score(category: str, lang: str) -> str:
    name = f"score-{category}"
    choices = [("na", t("crew.not_applicable", lang))] + [(str(s), str(s)) for s in range(MAX_SCORE + 1)]
    radios = "".join(
        f'<label class="choice"><input type="radio" name="{name}" value="{value}">'
        f"<span>{escape(label)}</span></label>"
        for value, label in choices
    )
    return (
        f'<fieldset class="score" data-category="{category}"><legend>'
        f'{escape(t(f"category.{category}", lang))}</legend><div class="choices">{radios}</div></fieldset>'
    )


def _form(sheet: SiteSheet, lang: str) -> str:
    scores = "".join(_score(c, lang) for c in CATEGORIES)
    checks = "".join(
        f'<label class="check"><input type="checkbox" name="{c}"><span>{escape(t(f"checklist.{c}", lang))}'
        "</span></label>"
        for c in CHECKLIST
    )
    return (
        f'<form id="inspection-form" novalidate><h2>{escape(t("crew.form_title", lang))}</h2>'
        f'<p class="hint">{escape(t("crew.scores", lang))}</p>{scores}'
        f'<fieldset class="checklist"><legend>{escape(t("crew.checklist", lang))}</legend>{checks}</fieldset>'
        f'<label for="notes" class="block">{escape(t("crew.notes", lang))}</label>'
        '<textarea id="notes" name="notes" rows="3" maxlength="4000"></textarea>'
        f'<fieldset class="position"><legend>{escape(t("crew.position", lang))}</legend>'
        f'<p id="position">{escape(t("crew.position_none", lang))}</p>'
        f'<button type="button" id="relocate" class="small">{escape(t("crew.relocate", lang))}</button>'
        "</fieldset>"
        f'<label for="photos" class="block">{escape(t("crew.photos", lang))}</label>'
        + photo_input("photos", lang)
        + f'<button type="submit" id="submit" class="primary">{escape(t("crew.submit", lang))}</button>'
        '<p id="submit-status" class="status-line" role="status" aria-live="polite" hidden></p></form>'
    )


def site_page(
    lang: str,
    explicit_lang: str | None,
    who: str,
    sheet: SiteSheet,
    can_inspect: bool,
    csrf_token: str = "",
    can_edit: bool = False,
) -> str:
    """The page of one site: facts, open work orders and (for those who may inspect) the inspection form."""
    title = sheet.name
    if sheet.martyr_name:
        title = t("crew.grave_of", lang).format(name=sheet.name, martyr=sheet.martyr_name)
    path = f"/crew/{sheet.collection}/{sheet.site_id}"
    form = (
        _form(sheet, lang) if can_inspect else f'<p class="hint">{escape(t("crew.cannot_inspect", lang))}</p>'
    )
    body = (
        header(lang, title, who, path, "/crew" + lang_query(explicit_lang), csrf_token)
        + "<main>"
        + outbox_block(lang)
        + _facts(sheet, lang)
        + directions_block(sheet.lon, sheet.lat, title, lang)
        + _orders(sheet, lang, explicit_lang)
        + form
        + (edit_form(sheet, lang) if can_edit else "")
        + "</main>"
    )
    config = {
        "page": "site",
        "collection": sheet.collection,
        "siteId": sheet.site_id,
        "siteName": title,
        "categories": list(CATEGORIES),
        "checklist": list(CHECKLIST),
        "version": sheet.version,
        "fields": sheet.fields,
    }
    return page(lang, title, body, config)
