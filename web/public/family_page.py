"""The family-search form (寻亲, ``/family-search``): what a relative knows of a martyr and how to reach them.

Pure: the martyr record to fill it in with (optional) in, HTML text out. web/static/public.js sends the form as
JSON to ``POST /api/v1/family-requests`` and shows the reference number, or the server's reason for refusing; on
success it fills in the confirmation (web/templates/public/family_sent.html): the reference, the follow-up code
shown this once, the address to follow the request at (``/family-search/{reference}``) and what to bring.
"""

from __future__ import annotations

from html import escape

from geo.public.family_requests import LIMITS, MAX_YEAR, MIN_YEAR
from web.i18n import t
from web.jinja import render
from web.public.frame import PageContext, page

API_URL = "/api/v1/family-requests"


def _field(
    name: str, label: str, value: str = "", kind: str = "text", required: bool = False, extra: str = ""
) -> str:
    req = ' required aria-required="true"' if required else ""
    mark = ' <span class="required" aria-hidden="true">*</span>' if required else ""
    limit = f' maxlength="{LIMITS[name]}"' if name in LIMITS else ""
    return (
        f'<div class="field"><label for="{name}">{escape(label)}{mark}</label>'
        f'<input type="{kind}" id="{name}" name="{name}" value="{escape(value)}"{limit}{req}{extra}></div>'
    )


def family_page(ctx: PageContext, martyr: dict | None = None) -> str:
    """The family-search form, filled in with ``martyr`` (a public martyr record) when given."""
    lang = ctx.lang
    m = martyr or {}
    title = t("public.family.title", lang)
    name = "" if m.get("unnamed") else str(m.get("name") or "")
    linked = ""
    if martyr is not None:
        href = ctx.link(f"/martyrs/{int(m['id'])}")
        linked = (
            f'<input type="hidden" name="martyr_id" value="{int(m["id"])}">'
            f'<p class="linked">{escape(t("public.family.about_record", lang))} '
            f'<a href="{escape(href)}">{escape(name or t("grave.unnamed", lang))}</a></p>'
        )
    form = (
        f'<form id="family-form" class="family" novalidate data-api="{API_URL}">{linked}'
        f"<fieldset><legend>{escape(t('public.family.about_martyr', lang))}</legend>"
        + _field("martyr_name", t("public.family.martyr_name", lang), name, required=True)
        + _field("hometown", t("public.martyr.hometown", lang), str(m.get("hometown") or ""))
        + _field("unit", t("public.martyr.unit", lang), str(m.get("unit") or ""))
        + _field(
            "death_year",
            t("public.martyr.death_year", lang),
            str(m.get("death_year") or ""),
            kind="number",
            extra=f' min="{MIN_YEAR}" max="{MAX_YEAR}" inputmode="numeric"',
        )
        + f'<div class="field wide"><label for="details">{escape(t("public.family.details", lang))}</label>'
        f'<textarea id="details" name="details" rows="5" maxlength="{LIMITS["details"]}"></textarea></div>'
        "</fieldset>"
        f"<fieldset><legend>{escape(t('public.family.about_you', lang))}</legend>"
        + _field(
            "requester_name", t("public.family.your_name", lang), required=True, extra=' autocomplete="name"'
        )
        + _field("relation", t("public.family.relation", lang))
        + _field("contact_phone", t("public.family.phone", lang), kind="tel", extra=' autocomplete="tel"')
        + _field("contact_email", t("public.family.email", lang), kind="email", extra=' autocomplete="email"')
        + f'<p class="hint">{escape(t("public.family.contact_hint", lang))}</p></fieldset>'
        f'<button type="submit" class="primary" id="family-submit">{escape(t("public.family.submit", lang))}</button>'
        '<p id="family-status" class="message" role="status" aria-live="polite" hidden></p></form>'
    )
    done = render("public/family_sent.html", lang=lang, path=ctx.link("/family-search/{reference}"))
    body = (
        f"<h1>{escape(title)}</h1>"
        f'<p class="intro">{escape(t("public.family.intro", lang))}</p>'
        f'<p class="hint privacy">{escape(t("public.family.privacy", lang))}</p>' + form + done
    )
    head = render("public/family_head.html")
    return page(ctx, title, body, head=head, config={"page": "family"})
