"""The public memorial search (``/search``): a name, pinyin or initials box, filters, "near me", results as a list
and as points on a map, each linking to the site's page.

Pure: the search form's values and geo/public/search.py's results in, HTML text out (web/public/frame.py frame).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from geo.vocab import CEMETERY_KINDS, MEMORIAL_KINDS, PROTECTION_LEVELS
from web.i18n import distance_text, enum_label, t
from web.public.frame import MapData, PageContext, map_block, page, pager


@dataclass(frozen=True)
class SiteSearchForm:
    """What the visitor asked for, as typed (shown back in the form)."""

    q: str = ""
    kind: str = ""
    protection_level: str = ""
    area: str = ""
    near: str = ""
    offset: int = 0
    limit: int = 20


def _option(value: str, label: str, selected: str) -> str:
    sel = " selected" if value == selected else ""
    return f'<option value="{escape(value)}"{sel}>{escape(label)}</option>'


def _select(name: str, label: str, options: list[tuple[str, str]], selected: str, lang: str) -> str:
    opts = _option("", t("public.any", lang), selected) + "".join(
        _option(v, lb, selected) for v, lb in options
    )
    return (
        f'<div class="field"><label for="{name}">{escape(label)}</label>'
        f'<select id="{name}" name="{name}">{opts}</select></div>'
    )


def _form(ctx: PageContext, form: SiteSearchForm, areas: list[tuple[str, str]]) -> str:
    lang = ctx.lang
    kinds = [(k, enum_label("memorial_kind", k, lang)) for k in MEMORIAL_KINDS] + [
        (k, enum_label("cemetery_kind", k, lang)) for k in CEMETERY_KINDS
    ]
    levels = [(v, enum_label("protection_level", v, lang)) for v in PROTECTION_LEVELS]
    keep_lang = (
        f'<input type="hidden" name="lang" value="{escape(ctx.explicit_lang)}">' if ctx.explicit_lang else ""
    )
    return (
        f'<form class="search" id="site-search" method="get" action="/search" role="search">'
        f'<div class="field wide"><label for="q">{escape(t("public.search.q", lang))}</label>'
        f'<input type="search" id="q" name="q" value="{escape(form.q)}" maxlength="50" autocomplete="off" '
        f'placeholder="{escape(t("public.search.placeholder", lang))}"></div>'
        + _select("kind", t("field.kind", lang), kinds, form.kind, lang)
        + _select("protection_level", t("field.protection_level", lang), levels, form.protection_level, lang)
        + _select("area", t("field.area", lang), areas, form.area, lang)
        + f'<input type="hidden" id="near" name="near" value="{escape(form.near)}">{keep_lang}'
        f'<div class="buttons"><button type="submit" class="primary">{escape(t("public.search", lang))}</button>'
        f'<button type="button" id="near-me">{escape(t("public.near_me", lang))}</button></div>'
        f'<p id="near-status" class="hint" role="status">'
        + (escape(t("public.near_active", lang)) if form.near else "")
        + "</p></form>"
    )


def _result(ctx: PageContext, item: dict) -> str:
    lang = ctx.lang
    group = "memorial_kind" if item["collection"] == "memorials" else "cemetery_kind"
    facts = [enum_label(group, item.get("kind"), lang)]
    if item.get("protection_level"):
        facts.append(enum_label("protection_level", item["protection_level"], lang))
    if item.get("area_name"):
        facts.append(item["area_name"])
    distance = distance_text(item.get("distance_m"), lang)
    href = ctx.link(f"/sites/{item['collection']}/{item['id']}")
    return (
        f'<li class="result" data-collection="{escape(item["collection"])}" data-id="{int(item["id"])}">'
        f'<a href="{escape(href)}">{escape(item["name"])}</a>'
        f'<span class="facts">{escape(" · ".join(x for x in facts if x))}</span>'
        + (f'<span class="distance">{escape(distance)}</span>' if distance else "")
        + "</li>"
    )


def search_page(
    ctx: PageContext,
    form: SiteSearchForm,
    areas: list[tuple[str, str]],
    found: tuple[int, list[dict]] | None,
    outlines: dict | None,
    error: str | None = None,
) -> str:
    """The search page: the form, and (after a search) the results as a list and on a map, or why none."""
    lang = ctx.lang
    title = t("public.search.title", lang)
    results = ""
    points: list[dict] = []
    if error is not None:
        results = f'<p class="message error" role="alert">{escape(error)}</p>'
    elif found is not None:
        total, items = found
        if items:
            results = (
                f'<ol class="results" id="results">{"".join(_result(ctx, i) for i in items)}</ol>'
                + pager(ctx, total, form.offset, form.limit, len(items))
            )
        else:
            results = f'<p class="empty" id="results-empty">{escape(t("public.no_results", lang))}</p>'
        points = [
            {
                "lon": i["lon"],
                "lat": i["lat"],
                "label": i["name"],
                "url": ctx.link(f"/sites/{i['collection']}/{i['id']}"),
            }
            for i in items
            if i.get("lon") is not None and i.get("lat") is not None
        ]
    else:
        results = f'<p class="hint">{escape(t("public.search.hint", lang))}</p>'
    body = (
        f"<h1>{escape(title)}</h1>"
        + _form(ctx, form, areas)
        + f'<div class="with-map"><section class="list" aria-live="polite">{results}</section>'
        + map_block(t("public.map", lang))
        + "</div>"
    )
    return page(
        ctx, title, body, MapData(points=points, outlines=outlines, zoom=12), config={"page": "search"}
    )
