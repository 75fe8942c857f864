"""The family-search form (寻亲, ``/family-search``): what a relative knows of a martyr and how to reach them.

Pure: the martyr record to fill it in with (optional) in, HTML text out. web/static/public.js sends the form as
JSON to ``POST /api/v1/family-requests`` and shows the reference number, or the server's reason for refusing; on
success it fills in the confirmation (web/templates/public/family_sent.html): the reference, the follow-up code
shown this once, the address to follow the request at (``/family-search/{reference}``) and what to bring.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from geo.public.family_requests import LIMITS, MAX_YEAR, MIN_YEAR
from web.i18n import t
from web.jinja import render
from web.public.frame import PageContext, frame_vars

API_URL = "/api/v1/family-requests"


def _field(
    name: str,
    label: str,
    value: str = "",
    kind: str = "text",
    required: bool = False,
    autocomplete: str = "",
    wide: bool = False,
) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "value": value,
        "type": kind,
        "required": required,
        "autocomplete": autocomplete,
        "maxlength": LIMITS.get(name),
        "wide": wide,
    }


def family_page(ctx: PageContext, martyr: dict | None = None) -> str:
    """The family-search form (web/templates/public/family.html), filled in with ``martyr`` (a public martyr
    record) when given."""
    lang = ctx.lang
    m = martyr or {}
    title = t("public.family.title", lang)
    name = "" if m.get("unnamed") else str(m.get("name") or "")
    linked = None
    if martyr is not None:
        linked = {
            "id": int(m["id"]),
            "href": ctx.link(f"/martyrs/{int(m['id'])}"),
            "name": name or t("grave.unnamed", lang),
        }
    about_martyr = [
        _field("martyr_name", t("public.family.martyr_name", lang), name, required=True),
        _field("hometown", t("public.martyr.hometown", lang), str(m.get("hometown") or "")),
        _field("unit", t("public.martyr.unit", lang), str(m.get("unit") or "")),
        _field(
            "death_year", t("public.martyr.death_year", lang), str(m.get("death_year") or ""), kind="number"
        ),
        _field("details", t("public.family.details", lang), kind="textarea", wide=True),
    ]
    about_you = [
        _field("requester_name", t("public.family.your_name", lang), required=True, autocomplete="name"),
        _field("relation", t("public.family.relation", lang)),
        _field("contact_phone", t("public.family.phone", lang), kind="tel", autocomplete="tel"),
        _field("contact_email", t("public.family.email", lang), kind="email", autocomplete="email"),
    ]
    done = render("public/family_sent.html", lang=lang, path=ctx.link("/family-search/{reference}"))
    return render(
        "public/family.html",
        frame=frame_vars(ctx, title, config={"page": "family"}),
        lang=lang,
        api=API_URL,
        martyr=linked,
        about_martyr=about_martyr,
        about_you=about_you,
        min_year=MIN_YEAR,
        max_year=MAX_YEAR,
        done=Markup(done),
    )
