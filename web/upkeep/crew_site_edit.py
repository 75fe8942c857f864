"""The form on a crew's site page that edits a few fields of the site (geo/upkeep/site_merge.py CREW_SITE_FIELDS):
upkeep status, condition note, protection sign (memorials, cemeteries), custodian and responsible cadre (graves).

Pure: the site sheet in, HTML text out. web/static/crew.js sends only the fields the crew changed, each with the
value the page had (its base), through the offline outbox to ``POST /api/v1/me/sites/{collection}/{id}/edits``;
a conflict comes back as a choice per field (keep mine / take theirs) shown in ``#edit-conflicts``, next to the
status line under the button.
"""

from __future__ import annotations

from html import escape

from geo.upkeep.crew_tasks import SiteSheet
from geo.upkeep.site_merge import UPKEEP_STATUSES
from web.i18n import enum_label, t

_TEXT_LIMITS = {"custodian_name": 100, "custodian_phone": 32, "responsible_cadre": 100, "notes": 4000}


def _control(name: str, value: object, lang: str) -> str:
    label = escape(t(f"cw.field.{name}", lang))
    ident = f"edit-{name.replace('_', '-')}"
    if name == "upkeep_status":
        options = "".join(
            f'<option value="{s}"{" selected" if s == value else ""}>{escape(enum_label("upkeep_status", s, lang))}'
            "</option>"
            for s in UPKEEP_STATUSES
        )
        return f'<label for="{ident}" class="block">{label}</label><select id="{ident}" name="{name}">{options}</select>'
    if name == "has_protection_sign":
        checked = " checked" if value else ""
        return f'<label class="check"><input type="checkbox" id="{ident}" name="{name}"{checked}><span>{label}</span></label>'
    text_value = escape("" if value is None else str(value))
    if name == "notes":
        return (
            f'<label for="{ident}" class="block">{label}</label>'
            f'<textarea id="{ident}" name="{name}" rows="3" maxlength="{_TEXT_LIMITS[name]}">{text_value}</textarea>'
        )
    kind = ' inputmode="tel" autocomplete="off"' if name == "custodian_phone" else ' autocomplete="off"'
    return (
        f'<label for="{ident}" class="block">{label}</label>'
        f'<input type="text" id="{ident}" name="{name}" value="{text_value}" maxlength="{_TEXT_LIMITS[name]}"{kind}>'
    )


def edit_form(sheet: SiteSheet, lang: str) -> str:
    """The site-edit form over the crew fields the reader may read, with its status line and conflict panel."""
    controls = "".join(_control(name, value, lang) for name, value in sheet.fields.items())
    return (
        f'<form id="edit-form" class="edit-form" novalidate><h2>{escape(t("cw.edit_title", lang))}</h2>'
        f'<p class="hint">{escape(t("cw.edit_hint", lang))}</p>{controls}'
        f'<button type="submit" id="edit-save" class="primary">{escape(t("cw.edit_save", lang))}</button>'
        '<p id="edit-status" class="status-line" role="status" aria-live="polite" hidden></p>'
        f'<section id="edit-conflicts" class="conflicts" hidden aria-labelledby="conflicts-title">'
        f'<h3 id="conflicts-title">{escape(t("cw.conflict_title", lang))}</h3><ul id="conflict-list"></ul></section>'
        "</form>"
    )
