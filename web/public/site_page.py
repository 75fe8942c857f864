"""The stable, shareable public page of a memorial or cemetery (``/sites/{collection}/{id}``): what it is, its
protection level, visiting information, public photos, the martyrs buried or named there, a map, the tribute
section; a canonical link and Open Graph tags for sharing.

Pure: the site's public feature (geo/atlas/sites.py get_site, public role) and its lists in, HTML text out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from web.i18n import enum_label, t
from web.public.frame import MapData, PageContext, fact_list, map_block, page

DESCRIPTION_CHARS = 160
TRIBUTE_SLOT = '<section id="tribute" class="tribute-slot"></section>'
"""Where the tribute widget (web/public/tribute_widget.py) goes when it is not given."""


@dataclass(frozen=True)
class SitePageData:
    """Everything the site page shows: the public feature, its public photos, martyrs and area outline."""

    collection: str
    feature: dict
    photos: list[dict] = field(default_factory=list)
    martyrs: list[dict] = field(default_factory=list)
    martyrs_total: int | None = None
    outline: dict | None = None
    tribute_html: str | None = None


def _years(m: dict) -> str:
    birth, death = m.get("birth_year"), m.get("death_year")
    if birth is None and death is None:
        return ""
    return f"{birth or '?'}–{death or '?'}"


def martyr_name(m: dict, lang: str) -> str:
    """A martyr's name as shown: the name, or "unnamed martyr"."""
    return t("grave.unnamed", lang) if m.get("unnamed") else str(m.get("name") or "")


def grave_position(section: object, row: object, number: object, lang: str) -> str:
    """A grave's position in a cemetery as text: section, row, number (whichever are known)."""
    parts = []
    for key, value in (("section", section), ("row", row), ("number", number)):
        if not value:
            continue
        label = t(f"public.pos.{key}", lang)
        suffix = label.replace("{v}", "")
        # "甲区" is already a section's name: no second 区 (in English "Section 甲区" reads well)
        parts.append(str(value) if lang == "zh" and str(value).endswith(suffix) else label.format(v=value))
    return " ".join(parts)


def _martyr_item(ctx: PageContext, m: dict) -> str:
    lang = ctx.lang
    burial = m.get("burial") or {}
    facts = [
        _years(m),
        m.get("hometown") or "",
        grave_position(burial.get("section"), burial.get("row"), burial.get("number"), lang),
    ]
    href = ctx.link(f"/martyrs/{int(m['id'])}")
    return (
        f'<li class="martyr" data-id="{int(m["id"])}"><a href="{escape(href)}">{escape(martyr_name(m, lang))}</a>'
        f'<span class="facts">{escape(" · ".join(x for x in facts if x))}</span></li>'
    )


def _martyrs(ctx: PageContext, data: SitePageData) -> str:
    lang = ctx.lang
    title = f"<h2>{escape(t('public.site.martyrs', lang))}</h2>"
    if not data.martyrs:
        return f'<section class="martyrs" id="martyrs">{title}<p class="empty">{escape(t("public.site.no_martyrs", lang))}</p></section>'
    items = "".join(_martyr_item(ctx, m) for m in data.martyrs)
    more = ""
    if data.martyrs_total is not None and data.martyrs_total > len(data.martyrs):
        more = f'<p class="more">{escape(t("public.site.more_martyrs", lang).format(n=len(data.martyrs), total=data.martyrs_total))}</p>'
    return (
        f'<section class="martyrs" id="martyrs">{title}<ol class="martyr-list">{items}</ol>{more}</section>'
    )


def _photos(ctx: PageContext, photos: list[dict]) -> str:
    if not photos:
        return ""
    items = "".join(
        f'<li><a href="{escape(p["url"])}"><img src="{escape(p["thumbnail_url"])}" loading="lazy" '
        f'alt="{escape(p.get("caption") or t("public.site.photo", ctx.lang))}"></a>'
        + (f"<p>{escape(p['caption'])}</p>" if p.get("caption") else "")
        + "</li>"
        for p in photos
    )
    return (
        f'<section class="photos" id="photos"><h2>{escape(t("public.site.photos", ctx.lang))}</h2>'
        f'<ul class="photo-list">{items}</ul></section>'
    )


def _head(ctx: PageContext, data: SitePageData, title: str, summary: str) -> str:
    p = data.feature["properties"]
    canonical = f"{ctx.base_url}/sites/{data.collection}/{int(data.feature['id'])}"
    tags = [
        f'<link rel="canonical" href="{escape(canonical)}">',
        f'<meta name="description" content="{escape(summary)}">',
        '<meta property="og:type" content="place">',
        f'<meta property="og:title" content="{escape(title)}">',
        f'<meta property="og:description" content="{escape(summary)}">',
        f'<meta property="og:url" content="{escape(canonical)}">',
        f'<meta property="og:site_name" content="{escape(t("public.brand", ctx.lang))}">',
        f'<meta property="og:locale" content="{"zh_CN" if ctx.lang == "zh" else "en_US"}">',
    ]
    coords = (data.feature.get("geometry") or {}).get("coordinates")
    if coords:
        tags.append(f'<meta property="place:location:longitude" content="{coords[0]}">')
        tags.append(f'<meta property="place:location:latitude" content="{coords[1]}">')
    if data.photos:
        tags.append(
            f'<meta property="og:image" content="{escape(ctx.base_url + data.photos[0]["thumbnail_url"])}">'
        )
    for code, query in (("zh-CN", "zh"), ("en", "en")):
        tags.append(f'<link rel="alternate" hreflang="{code}" href="{escape(canonical)}?lang={query}">')
    if p.get("synthetic"):
        tags.append('<meta name="robots" content="noindex">')
    return "".join(tags)


def _summary(data: SitePageData, lang: str) -> str:
    p = data.feature["properties"]
    text = (p.get("description") or "").strip()
    if not text:
        kind = enum_label(_kind_group(data.collection), p.get("kind"), lang)
        text = f"{p['name']} · {kind} · {p.get('area_name') or ''}".strip(" ·")
    return text if len(text) <= DESCRIPTION_CHARS else text[: DESCRIPTION_CHARS - 1] + "…"


def _kind_group(collection: str) -> str:
    return "memorial_kind" if collection == "memorials" else "cemetery_kind"


def _map(data: SitePageData, lang: str) -> MapData:
    feature = data.feature
    p = feature["properties"]
    coords = (feature.get("geometry") or {}).get("coordinates")
    points = [{"lon": coords[0], "lat": coords[1], "label": p["name"]}] if coords else []
    shapes = [
        {
            "type": "Feature",
            "geometry": p[name],
            "properties": {"kind": name, "label": t(f"public.site.{name}", lang)},
        }
        for name in ("boundary", "protection_zone")
        if p.get(name)
    ]
    outlines = None
    if data.outline is not None and data.outline.get("geometry"):
        outlines = {"type": "FeatureCollection", "features": [data.outline]}
    return MapData(
        points=points,
        shapes={"type": "FeatureCollection", "features": shapes} if shapes else None,
        outlines=outlines,
        zoom=15,
    )


def site_page(ctx: PageContext, data: SitePageData) -> str:
    """The public page of one memorial or cemetery."""
    lang = ctx.lang
    p = data.feature["properties"]
    title = str(p["name"])
    kind = enum_label(_kind_group(data.collection), p.get("kind"), lang)
    level = enum_label("protection_level", p["protection_level"], lang) if p.get("protection_level") else ""
    approval = " ".join(
        str(x) for x in (p.get("approved_by"), p.get("approval_doc_no"), p.get("approval_date")) if x
    )
    about = fact_list(
        [
            (t("field.kind", lang), kind, "kind"),
            (t("field.protection_level", lang), level, "protection_level"),
            (t("public.site.approval", lang), approval, "approval"),
            (t("public.site.protection_unit", lang), p.get("protection_unit") or "", "protection_unit"),
            (
                t("public.site.protection_zone_desc", lang),
                p.get("protection_zone_desc") or "",
                "protection_zone_desc",
            ),
        ]
    )
    visiting = fact_list(
        [
            (
                t("public.site.address", lang),
                p.get("address") or t("public.site.no_address", lang),
                "address",
            ),
            (t("field.area", lang), p.get("area_name") or "", "area_name"),
            (t("public.site.management_unit", lang), p.get("management_unit") or "", "management_unit"),
            (t("public.site.phone", lang), p.get("phone") or "", "phone"),
        ]
    )
    description = (p.get("description") or "").strip()
    synthetic = (
        f'<p class="note synthetic">{escape(t("public.synthetic", lang))}</p>' if p.get("synthetic") else ""
    )
    body = (
        f'<article class="site" data-collection="{escape(data.collection)}" data-id="{int(data.feature["id"])}">'
        f"<h1>{escape(title)}</h1>{synthetic}"
        f'<p class="lead">{escape(" · ".join(x for x in (kind, level, p.get("area_name") or "") if x))}</p>'
        + (f'<section class="description"><p>{escape(description)}</p></section>' if description else "")
        + f'<section class="about"><h2>{escape(t("public.site.about", lang))}</h2>{about}</section>'
        + f'<section class="visiting" id="visiting"><h2>{escape(t("public.site.visiting", lang))}</h2>{visiting}</section>'
        + f'<section class="where"><h2>{escape(t("public.map", lang))}</h2>{map_block(t("public.map", lang))}</section>'
        + _photos(ctx, data.photos)
        + _martyrs(ctx, data)
        + (data.tribute_html if data.tribute_html is not None else TRIBUTE_SLOT)
        + "</article>"
    )
    return page(
        ctx,
        title,
        body,
        _map(data, lang),
        head=_head(ctx, data, title, _summary(data, lang)),
        config={"page": "site"},
    )
