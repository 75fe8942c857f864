"""The stable, shareable public page of a memorial, cemetery or grave (``/sites/{collection}/{id}``), after CWGC's
cemetery pages and the VA's gravesite locator (record → grave → directions): what and where it is (the address and
the area path, each level a search of that area), its public photos, directions in the visitor's map app, the
martyrs at it, the memorials and cemeteries nearby, "report a problem here", the tribute block and the map; a
canonical link and Open Graph tags for sharing.

Pure: the site's public feature (geo/atlas/sites.py get_site, public role) and its details
(geo/public/site_details.py) in, HTML text out; the body is web/templates/public/site.html inside the public frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from markupsafe import Markup

from geo.public.site_details import NEARBY_RADIUS_M, AreaStep, MartyrsAt, SiteDetails
from web.directions import map_app_links
from web.i18n import distance_text, enum_label, t
from web.jinja import render
from web.public.frame import MapData, PageContext, asset_url, map_block, page
from web.times import local_date

DESCRIPTION_CHARS = 160
STYLESHEET = "public_site.css"
"""The site page's and the tribute block's own stylesheet in web/static (served by the public frame's route)."""
TRIBUTE_SLOT = '<section id="tribute" class="tribute-slot"></section>'
"""Where the tribute widget (web/public/tribute_widget.py) goes when it is not given."""


@dataclass(frozen=True)
class SitePageData:
    """Everything the site page shows: the public feature, its details, area outline and tribute block."""

    collection: str
    feature: dict
    details: SiteDetails
    outline: dict | None = None
    tribute_html: str | None = None


@dataclass(frozen=True)
class Fact:
    """One labelled fact of the page (label, value, the field it shows; a link when it opens a page)."""

    label: str
    value: str
    name: str
    href: str | None = None


@dataclass(frozen=True)
class Link:
    """A link as the template writes it: text, address, and an optional detail (a distance, a position...)."""

    text: str
    href: str
    detail: str = ""
    key: str = ""


@dataclass(frozen=True)
class Photo:
    """A public photo in the gallery: thumbnail, full-size link, alt text, caption and date."""

    thumbnail: str
    url: str
    alt: str
    caption: str
    taken: str


@dataclass(frozen=True)
class Pager:
    """The martyr list's place in the whole: "1–50 of 320" and the previous/next pages."""

    text: str
    previous: str | None
    next: str | None


@dataclass(frozen=True)
class SiteView:
    """The template's whole context of the page body (web/templates/public/site.html)."""

    collection: str
    id: int
    title: str
    lead: str
    synthetic: bool
    description: str
    area_path: list[Link]
    visiting: list[Fact]
    about: list[Fact]
    directions: list[Link]
    coordinates: str
    report_href: str
    photos: list[Photo]
    martyrs: list[Link]
    martyrs_pager: Pager | None
    martyrs_total: int
    martyrs_start: int
    nearby: list[Link]
    nearby_empty: str
    map_html: Markup
    tribute_html: Markup
    lang: str


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


def _kind_group(collection: str) -> str:
    return {"memorials": "memorial_kind", "cemeteries": "cemetery_kind"}.get(collection, "grave_kind")


def page_title(collection: str, properties: dict, lang: str) -> str:
    """The page's heading: the site's name; a grave's is the martyr's grave ("罗林立烈士墓")."""
    if collection == "graves" and properties.get("martyr_name"):
        return t("public_sites.grave_title", lang).format(name=properties["martyr_name"])
    return str(properties.get("name") or "")


def report_link(ctx: PageContext, collection: str, site_id: int) -> str:
    """The report form about this site: ``/report?site=<collection>/<id>`` (keeping a chosen language)."""
    query = {"site": f"{collection}/{int(site_id)}"}
    if ctx.explicit_lang:
        query["lang"] = ctx.explicit_lang
    return "/report?" + urlencode(query, safe="/")


def _area_path(ctx: PageContext, steps: list[AreaStep]) -> list[Link]:
    return [
        Link(
            s.name,
            ctx.link("/search", area=s.code),
            t("public_sites.area_link", ctx.lang).format(name=s.name),
            s.level,
        )
        for s in steps
    ]


def _martyr_links(ctx: PageContext, martyrs: MartyrsAt) -> list[Link]:
    links = []
    for m in martyrs.items:
        burial = m.get("burial") or {}
        facts = [
            _years(m),
            m.get("hometown") or "",
            grave_position(burial.get("section"), burial.get("row"), burial.get("number"), ctx.lang),
        ]
        links.append(
            Link(
                martyr_name(m, ctx.lang),
                ctx.link(f"/martyrs/{int(m['id'])}"),
                " · ".join(x for x in facts if x),
            )
        )
    return links


def _pager(ctx: PageContext, martyrs: MartyrsAt) -> Pager | None:
    if martyrs.total <= martyrs.limit and martyrs.offset == 0:
        return None
    shown = len(martyrs.items)
    start = min(martyrs.offset + 1, martyrs.total)
    text = t("public_sites.martyrs_range", ctx.lang).format(
        start=start, end=martyrs.offset + shown, total=martyrs.total
    )
    previous = next_ = None
    if martyrs.offset > 0:
        back = max(0, min(martyrs.offset, martyrs.total) - martyrs.limit)
        previous = ctx.link(ctx.path, offset=back or None) + "#martyrs"
    if martyrs.offset + shown < martyrs.total:
        next_ = ctx.link(ctx.path, offset=martyrs.offset + martyrs.limit) + "#martyrs"
    return Pager(text, previous, next_)


def _nearby(ctx: PageContext, details: SiteDetails) -> list[Link]:
    return [
        Link(
            n.name,
            ctx.link(f"/sites/{n.collection}/{n.id}"),
            t("public_sites.distance", ctx.lang).format(distance=distance_text(n.distance_m, ctx.lang)),
            enum_label(_kind_group(n.collection), n.kind, ctx.lang) if n.kind else "",
        )
        for n in details.nearby
    ]


def _photos(photos: list[dict], title: str, lang: str) -> list[Photo]:
    shown = []
    for p in photos:
        caption = (p.get("caption") or "").strip()
        alt = caption or t("public_sites.photo_alt", lang).format(name=title)
        taken = local_date(p.get("taken_at") or p.get("uploaded_at"))
        shown.append(Photo(p["thumbnail_url"], p["url"], alt, caption, taken))
    return shown


def _facts(rows: list[Fact]) -> list[Fact]:
    return [f for f in rows if f.value not in ("", None)]


def _about(collection: str, p: dict, lang: str) -> list[Fact]:
    if collection == "graves":
        return _facts(
            [
                Fact(
                    t("public_sites.grave_kind", lang), enum_label("grave_kind", p.get("kind"), lang), "kind"
                ),
                Fact(t("public_sites.care_party", lang), str(p.get("care_party") or ""), "care_party"),
            ]
        )
    level = enum_label("protection_level", p["protection_level"], lang) if p.get("protection_level") else ""
    approval = " ".join(
        str(x) for x in (p.get("approved_by"), p.get("approval_doc_no"), p.get("approval_date")) if x
    )
    return _facts(
        [
            Fact(t("field.kind", lang), enum_label(_kind_group(collection), p.get("kind"), lang), "kind"),
            Fact(t("field.protection_level", lang), level, "protection_level"),
            Fact(t("public.site.approval", lang), approval, "approval"),
            Fact(t("public.site.protection_unit", lang), p.get("protection_unit") or "", "protection_unit"),
            Fact(
                t("public.site.protection_zone_desc", lang),
                p.get("protection_zone_desc") or "",
                "protection_zone_desc",
            ),
        ]
    )


def _visiting(ctx: PageContext, data: SitePageData) -> list[Fact]:
    lang, p, details = ctx.lang, data.feature["properties"], data.details
    rows = [
        Fact(
            t("public.site.address", lang), p.get("address") or t("public.site.no_address", lang), "address"
        ),
    ]
    if details.cemetery is not None:
        rows.append(
            Fact(
                t("public_sites.lies_in", lang),
                details.cemetery.name,
                "cemetery",
                ctx.link(f"/sites/cemeteries/{details.cemetery.id}"),
            )
        )
    if data.collection == "graves":
        position = grave_position(p.get("section"), p.get("row_no"), p.get("number"), lang)
        rows.append(Fact(t("public_sites.position", lang), position, "position"))
    rows += [
        Fact(t("public.site.management_unit", lang), p.get("management_unit") or "", "management_unit"),
        Fact(t("public.site.phone", lang), p.get("phone") or "", "phone"),
    ]
    return _facts(rows)


def _lead(collection: str, p: dict, lang: str) -> str:
    kind = enum_label(_kind_group(collection), p.get("kind"), lang) if p.get("kind") else ""
    level = enum_label("protection_level", p["protection_level"], lang) if p.get("protection_level") else ""
    return " · ".join(x for x in (kind, level, p.get("area_name") or "") if x)


def _summary(data: SitePageData, title: str, lang: str) -> str:
    p = data.feature["properties"]
    text = (p.get("description") or "").strip()
    if not text:
        text = f"{title} · {_lead(data.collection, p, lang)}".strip(" ·")
    return text if len(text) <= DESCRIPTION_CHARS else text[: DESCRIPTION_CHARS - 1] + "…"


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
    if data.details.photos:
        thumbnail = data.details.photos[0]["thumbnail_url"]
        tags.append(f'<meta property="og:image" content="{escape(ctx.base_url + thumbnail)}">')
    for code, query in (("zh-CN", "zh"), ("en", "en")):
        tags.append(f'<link rel="alternate" hreflang="{code}" href="{escape(canonical)}?lang={query}">')
    if p.get("synthetic"):
        tags.append('<meta name="robots" content="noindex">')
    tags.append(f'<link rel="stylesheet" href="{escape(asset_url(STYLESHEET))}">')
    return "".join(tags)


def _map(data: SitePageData, title: str, lang: str) -> MapData:
    feature = data.feature
    p = feature["properties"]
    coords = (feature.get("geometry") or {}).get("coordinates")
    points = [{"lon": coords[0], "lat": coords[1], "label": title}] if coords else []
    shapes = [
        {
            "type": "Feature",
            "geometry": p[name],
            "properties": {"kind": name, "label": t(f"public.site.{name}", lang)},
        }
        for name in ("boundary", "protection_zone")
        if p.get(name)
    ]
    cemetery = data.details.cemetery
    if cemetery is not None and cemetery.boundary:  # a grave: drawn inside its cemetery
        label = f"{cemetery.name} · {t('public.site.boundary', lang)}"
        shapes.append(
            {
                "type": "Feature",
                "geometry": cemetery.boundary,
                "properties": {"kind": "boundary", "label": label},
            }
        )
    outlines = None
    if data.outline is not None and data.outline.get("geometry"):
        outlines = {"type": "FeatureCollection", "features": [data.outline]}
    return MapData(
        points=points,
        shapes={"type": "FeatureCollection", "features": shapes} if shapes else None,
        outlines=outlines,
        zoom=15 if data.collection != "graves" else 17,
    )


def site_view(ctx: PageContext, data: SitePageData) -> SiteView:
    """The view model of one site's page: every text already in the page's language."""
    lang, p, details = ctx.lang, data.feature["properties"], data.details
    site_id = int(data.feature["id"])
    title = page_title(data.collection, p, lang)
    coords = (data.feature.get("geometry") or {}).get("coordinates")
    directions = (
        [
            Link(t(f"directions.{a.app}", lang), a.url, key=a.app)
            for a in map_app_links(coords[0], coords[1], title)
        ]
        if coords
        else []
    )
    return SiteView(
        collection=data.collection,
        id=site_id,
        title=title,
        lead=_lead(data.collection, p, lang),
        synthetic=bool(p.get("synthetic")),
        description=(p.get("description") or "").strip(),
        area_path=_area_path(ctx, details.area_path),
        visiting=_visiting(ctx, data),
        about=_about(data.collection, p, lang),
        directions=directions,
        coordinates=f"{coords[1]:.6f}, {coords[0]:.6f}" if coords else "",
        report_href=report_link(ctx, data.collection, site_id),
        photos=_photos(details.photos, title, lang),
        martyrs=_martyr_links(ctx, details.martyrs),
        martyrs_pager=_pager(ctx, details.martyrs),
        martyrs_total=details.martyrs.total,
        martyrs_start=details.martyrs.offset + 1,
        nearby=_nearby(ctx, details),
        nearby_empty=t("public_sites.nearby_none", lang).format(
            distance=distance_text(NEARBY_RADIUS_M, lang)
        ),
        map_html=Markup(map_block(t("public.map", lang))),
        tribute_html=Markup(data.tribute_html if data.tribute_html is not None else TRIBUTE_SLOT),
        lang=lang,
    )


def site_page(ctx: PageContext, data: SitePageData) -> str:
    """The public page of one memorial, cemetery or grave."""
    view = site_view(ctx, data)
    body = render("public/site.html", site=view, lang=ctx.lang)
    return page(
        ctx,
        view.title,
        Markup(body),
        _map(data, view.title, ctx.lang),
        head=_head(ctx, data, view.title, _summary(data, view.title, ctx.lang)),
        config={"page": "site"},
    )
