"""The public martyr pages (英名录): the search (``/martyrs``) and one record (``/martyrs/{id}``) with the burial
place (cemetery and section/row/number on a map) or "burial place unknown" said plainly, the tribute section and a
link to the family-search form filled in with the record.

Pure: geo/public/search.py results and geo/public/martyrs.py records in, HTML text out (web/public/frame.py frame).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from web.i18n import t
from web.public.frame import MapData, PageContext, fact_list, map_block, page, pager
from web.public.site_page import TRIBUTE_SLOT, grave_position, martyr_name


@dataclass(frozen=True)
class MartyrSearchForm:
    """What the visitor asked for, as typed (shown back in the form)."""

    q: str = ""
    hometown: str = ""
    unit: str = ""
    death_year: str = ""
    offset: int = 0
    limit: int = 20


def _input(name: str, label: str, value: str, lang: str, kind: str = "search", extra: str = "") -> str:
    return (
        f'<div class="field"><label for="{name}">{escape(label)}</label>'
        f'<input type="{kind}" id="{name}" name="{name}" value="{escape(value)}" autocomplete="off"{extra}></div>'
    )


def _form(ctx: PageContext, form: MartyrSearchForm) -> str:
    lang = ctx.lang
    keep_lang = (
        f'<input type="hidden" name="lang" value="{escape(ctx.explicit_lang)}">' if ctx.explicit_lang else ""
    )
    return (
        '<form class="search" id="martyr-search" method="get" action="/martyrs" role="search">'
        + _input("q", t("public.martyrs.q", lang), form.q, lang, extra=' maxlength="50"')
        + _input("hometown", t("public.martyr.hometown", lang), form.hometown, lang, extra=' maxlength="50"')
        + _input("unit", t("public.martyr.unit", lang), form.unit, lang, extra=' maxlength="50"')
        + _input(
            "death_year",
            t("public.martyr.death_year", lang),
            form.death_year,
            lang,
            kind="number",
            extra=' min="1840" max="2100" inputmode="numeric"',
        )
        + keep_lang
        + f'<div class="buttons"><button type="submit" class="primary">{escape(t("public.search", lang))}</button>'
        "</div></form>"
    )


def _years(m: dict) -> str:
    birth, death = m.get("birth_year"), m.get("death_year")
    if birth is None and death is None:
        return ""
    return f"{birth or '?'}–{death or '?'}"


def _place_name(m: dict) -> str:
    burial = m.get("burial") or {}
    return str(burial.get("place") or "")


def _result(ctx: PageContext, m: dict) -> str:
    lang = ctx.lang
    place = _place_name(m) or t("public.burial.unknown_short", lang)
    facts = [_years(m), m.get("hometown") or "", m.get("unit") or "", place]
    href = ctx.link(f"/martyrs/{int(m['id'])}")
    return (
        f'<li class="result martyr" data-id="{int(m["id"])}"><a href="{escape(href)}">'
        f"{escape(martyr_name(m, lang))}</a>"
        f'<span class="facts">{escape(" · ".join(str(x) for x in facts if x))}</span></li>'
    )


def martyr_search_page(
    ctx: PageContext, form: MartyrSearchForm, found: tuple[int, list[dict]] | None, error: str | None = None
) -> str:
    """The martyr search: the form, and (after a search) the matching records, or why none."""
    lang = ctx.lang
    title = t("public.martyrs.title", lang)
    if error is not None:
        results = f'<p class="message error" role="alert">{escape(error)}</p>'
    elif found is None:
        results = f'<p class="hint">{escape(t("public.martyrs.hint", lang))}</p>'
    elif not found[1]:
        results = f'<p class="empty" id="results-empty">{escape(t("public.no_results", lang))}</p>'
    else:
        total, items = found
        results = f'<ol class="results" id="results">{"".join(_result(ctx, m) for m in items)}</ol>' + pager(
            ctx, total, form.offset, form.limit, len(items)
        )
    family = ctx.link("/family-search")
    body = (
        f"<h1>{escape(title)}</h1>"
        + _form(ctx, form)
        + f'<section class="list" aria-live="polite">{results}</section>'
        + f'<p class="hint"><a href="{escape(family)}">{escape(t("public.martyrs.not_found_family", lang))}</a></p>'
    )
    return page(ctx, title, body, config={"page": "martyrs"})


def _burial(ctx: PageContext, burial: dict, note: str | None) -> tuple[str, list[dict]]:
    """The burial section's HTML and the map point(s) of the burial place."""
    lang = ctx.lang
    kind = burial.get("kind", "unknown")
    point = []
    if burial.get("lon") is not None and burial.get("lat") is not None:
        point = [{"lon": burial["lon"], "lat": burial["lat"], "label": t("public.burial.here", lang)}]
    rows: list[tuple[str, str, str]] = []
    link = ""
    if kind == "grave":
        if burial.get("cemetery_id"):
            rows.append((t("field.cemetery", lang), str(burial.get("cemetery") or ""), "cemetery"))
            link = ctx.link(f"/sites/cemeteries/{int(burial['cemetery_id'])}")
        else:
            rows.append((t("public.burial.kind", lang), t("grave_kind.scattered", lang), "grave_kind"))
        position = grave_position(burial.get("section"), burial.get("row"), burial.get("number"), lang)
        rows.append(
            (t("field.position", lang), position or t("public.burial.position_unknown", lang), "position")
        )
        lead = t("public.burial.grave", lang)
    elif kind == "cemetery":
        rows.append((t("field.cemetery", lang), str(burial.get("name") or ""), "cemetery"))
        rows.append((t("field.position", lang), t("public.burial.position_unknown", lang), "position"))
        link = (
            ctx.link(f"/sites/cemeteries/{int(burial['cemetery_id'])}") if burial.get("cemetery_id") else ""
        )
        lead = t("public.burial.cemetery", lang)
    elif kind == "memorial":
        rows.append((t("public.burial.memorial", lang), str(burial.get("name") or ""), "memorial"))
        link = ctx.link(f"/sites/memorials/{int(burial['memorial_id'])}") if burial.get("memorial_id") else ""
        lead = t("public.burial.named_on_wall", lang)
    else:
        lead = t("public.burial.unknown", lang)
    note_text = note or burial.get("note")
    if note_text:
        rows.append((t("public.burial.note", lang), str(note_text), "burial_note"))
    unknown = kind in ("unknown", "memorial")
    html = (
        f'<section class="burial burial-{escape(kind)}" id="burial"><h2>{escape(t("public.burial.title", lang))}</h2>'
        f'<p class="lead{" unknown" if unknown else ""}" data-burial="{escape(kind)}">{escape(lead)}</p>'
        + fact_list(rows)
        + (
            f'<p><a class="site-link" href="{escape(link)}">{escape(t("public.burial.site_page", lang))}</a></p>'
            if link
            else ""
        )
        + (map_block(t("public.map", lang)) if point else "")
        + "</section>"
    )
    return html, point


def _named_on(ctx: PageContext, memorial: dict | None, burial_kind: str | None) -> str:
    """A line naming the memorial (a name wall) that carries the martyr's name, when buried elsewhere."""
    if not memorial or burial_kind == "memorial" or not memorial.get("memorial_id"):
        return ""
    href = ctx.link(f"/sites/memorials/{int(memorial['memorial_id'])}")
    return (
        f'<p class="named-on">{escape(t("public.martyr.named_on", ctx.lang))} '
        f'<a href="{escape(href)}">{escape(str(memorial.get("name") or ""))}</a></p>'
    )


def martyr_page(
    ctx: PageContext,
    m: dict,
    tribute_html: str | None = None,
    outline: dict | None = None,
    boundary: dict | None = None,
) -> str:
    """The public page of one martyr record; ``outline`` (the county's area feature) and ``boundary`` (the
    cemetery's, GeoJSON) give the burial point's map its context."""
    lang = ctx.lang
    name = martyr_name(m, lang)
    gender = t(f"public.gender.{m['gender']}", lang) if m.get("gender") in ("male", "female") else ""
    death = m.get("death_date") or (str(m["death_year"]) if m.get("death_year") else "")
    facts = fact_list(
        [
            (t("public.martyr.gender", lang), gender, "gender"),
            (t("public.martyr.birth_year", lang), str(m.get("birth_year") or ""), "birth_year"),
            (t("public.martyr.death", lang), str(death), "death"),
            (t("public.martyr.place_of_death", lang), m.get("place_of_death") or "", "place_of_death"),
            (t("public.martyr.hometown", lang), m.get("hometown") or "", "hometown"),
            (t("public.martyr.unit", lang), m.get("unit") or "", "unit"),
            (
                t("public.martyr.relatives_found", lang),
                t("value.yes", lang) if m.get("relatives_found") else "",
                "relatives_found",
            ),
        ]
    )
    burial_html, points = _burial(ctx, m.get("burial") or {"kind": "unknown"}, m.get("burial_note"))
    named_on = _named_on(ctx, m.get("memorial"), (m.get("burial") or {}).get("kind"))
    family = ctx.link("/family-search", martyr_id=int(m["id"]))
    biography = (m.get("biography") or "").strip()
    synthetic = (
        f'<p class="note synthetic">{escape(t("public.synthetic", lang))}</p>' if m.get("synthetic") else ""
    )
    body = (
        f'<article class="martyr-record" data-id="{int(m["id"])}"><h1>{escape(name)}</h1>{synthetic}'
        f'<section class="facts-section"><h2>{escape(t("public.martyr.record", lang))}</h2>{facts}</section>'
        + (
            f'<section class="biography"><h2>{escape(t("public.martyr.biography", lang))}</h2><p>{escape(biography)}</p></section>'
            if biography
            else ""
        )
        + burial_html
        + named_on
        + f'<p class="family-link"><a href="{escape(family)}">{escape(t("public.martyr.family_search", lang))}</a></p>'
        + (tribute_html if tribute_html is not None else TRIBUTE_SLOT)
        + "</article>"
    )
    map_data = None
    if points:
        shapes = None
        if boundary:
            label = t("public.site.boundary", lang)
            feature = {
                "type": "Feature",
                "geometry": boundary,
                "properties": {"kind": "boundary", "label": label},
            }
            shapes = {"type": "FeatureCollection", "features": [feature]}
        outlines = None
        if outline is not None and outline.get("geometry"):
            outlines = {"type": "FeatureCollection", "features": [outline]}
        map_data = MapData(points=points, shapes=shapes, outlines=outlines, zoom=16)
    return page(ctx, name, body, map_data, config={"page": "martyr"})
