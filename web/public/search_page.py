"""The public memorial search (``/search``): a name, pinyin or initials box offering names as one types, filters
(type, protection level, and the area grouped province → city → county, with a type-to-filter box), "near me",
results as a list and as points on a map, each linking to the site's page.

Pure: the search form's values and geo/public/search.py's results in, HTML text out
(web/templates/public/search.html in the public frame).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from geo.vocab import CEMETERY_KINDS, MEMORIAL_KINDS, PROTECTION_LEVELS
from web.basemaps import shift_bounds
from web.i18n import distance_text, enum_label, t
from web.jinja import render
from web.public.frame import MapData, PageContext, frame_vars, pager

SUGGEST_URL = "/api/v1/search/suggest"


@dataclass(frozen=True)
class OutlinesRef:
    """County outlines a page's script fetches (a cached URL, WGS-84) instead of carrying them, and the box
    (minx, miny, maxx, maxy) they fill, so the map is framed before they come."""

    url: str
    bounds: tuple[float, float, float, float] | None = None


def outlines_config(ctx: PageContext, outlines: OutlinesRef) -> dict[str, Any]:
    """The page script's ``outlines_url`` (asking for the basemap's CRS) and ``outlines_bounds`` ([[s, w], [n, e]])."""
    chosen = ctx.basemap if ctx.basemap is not None and ctx.basemap.layers else None
    crs = chosen.crs if chosen is not None else "wgs84"
    url = outlines.url if crs == "wgs84" else f"{outlines.url}{'&' if '?' in outlines.url else '?'}crs={crs}"
    config: dict[str, Any] = {"outlines_url": url}
    if outlines.bounds is not None:
        minx, miny, maxx, maxy = shift_bounds(outlines.bounds, crs) if crs != "wgs84" else outlines.bounds
        config["outlines_bounds"] = [[miny, minx], [maxy, maxx]]
    return config


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


def suggest_box(name: str, label: str, value: str, placeholder: str, of: str, lang: str) -> dict[str, Any]:
    """What web/templates/public/suggest_field.html needs for a search box suggesting ``of`` (sites, martyrs)."""
    return {
        "id": name,
        "name": name,
        "label": label,
        "value": value,
        "placeholder": placeholder,
        "maxlength": 50,
        "url": f"{SUGGEST_URL}?of={of}&lang={lang}",
    }


def _result(ctx: PageContext, item: dict) -> dict[str, Any]:
    lang = ctx.lang
    group = "memorial_kind" if item["collection"] == "memorials" else "cemetery_kind"
    facts = [enum_label(group, item.get("kind"), lang)]
    if item.get("protection_level"):
        facts.append(enum_label("protection_level", item["protection_level"], lang))
    if item.get("area_name"):
        facts.append(item["area_name"])
    return {
        "collection": item["collection"],
        "id": int(item["id"]),
        "name": item["name"],
        "href": ctx.link(f"/sites/{item['collection']}/{item['id']}"),
        "facts": " · ".join(x for x in facts if x),
        "distance": distance_text(item.get("distance_m"), lang),
    }


def search_page(
    ctx: PageContext,
    form: SiteSearchForm,
    area_groups: list[dict],
    found: tuple[int, list[dict]] | None,
    outlines: dict | OutlinesRef | None,
    error: str | None = None,
) -> str:
    """The search page: the form, and (after a search) the results as a list and on a map, or why none.

    ``area_groups`` are geo/public/search.py ``area_groups``: counties grouped by province and city. ``outlines``
    (the map's context with no basemap) are carried in the page, or fetched by its script (``OutlinesRef``)."""
    lang = ctx.lang
    title = t("public.search.title", lang)
    kinds = [(k, enum_label("memorial_kind", k, lang)) for k in MEMORIAL_KINDS] + [
        (k, enum_label("cemetery_kind", k, lang)) for k in CEMETERY_KINDS
    ]
    levels = [(v, enum_label("protection_level", v, lang)) for v in PROTECTION_LEVELS]
    selects = [
        {"name": "kind", "label": t("field.kind", lang), "options": kinds, "selected": form.kind},
        {
            "name": "protection_level",
            "label": t("field.protection_level", lang),
            "options": levels,
            "selected": form.protection_level,
        },
    ]
    results = None
    points: list[dict] = []
    page_links = ""
    if found is not None and error is None:
        total, items = found
        results = [_result(ctx, i) for i in items]
        page_links = pager(ctx, total, form.offset, form.limit, len(items))
        points = [
            {"lon": i["lon"], "lat": i["lat"], "label": i["name"], "url": r["href"]}
            for i, r in zip(items, results, strict=True)
            if i.get("lon") is not None and i.get("lat") is not None
        ]
    suggest = suggest_box(
        "q", t("public.search.q", lang), form.q, t("public.search.placeholder", lang), "sites,martyrs", lang
    )
    config: dict[str, Any] = {"page": "search"}
    if isinstance(outlines, OutlinesRef):
        config.update(outlines_config(ctx, outlines))
        outlines = None
    frame = frame_vars(ctx, title, MapData(points=points, outlines=outlines, zoom=12), config)
    return render(
        "public/search.html",
        frame=frame,
        lang=lang,
        explicit_lang=ctx.explicit_lang,
        form=form,
        suggest=suggest,
        selects=selects,
        area_groups=area_groups,
        results=results,
        pager=Markup(page_links),
        error=error,
    )
