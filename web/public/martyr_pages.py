"""The public martyr pages (英名录): the search (``/martyrs``) and one record (``/martyrs/{id}``) with the burial
place (cemetery and section/row/number on a map) or "burial place unknown" said plainly, the tribute section and a
link to the family-search form filled in with the record.

Pure: geo/public/search.py results and geo/public/martyrs.py records in, HTML text out (web/public/frame.py frame).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from web.i18n import t
from web.jinja import render
from web.public.frame import MapData, PageContext, frame_vars, pager
from web.public.search_page import suggest_box
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


def _years(m: dict) -> str:
    birth, death = m.get("birth_year"), m.get("death_year")
    if birth is None and death is None:
        return ""
    return f"{birth or '?'}–{death or '?'}"


def _place_name(m: dict) -> str:
    burial = m.get("burial") or {}
    return str(burial.get("place") or "")


def _result(ctx: PageContext, m: dict) -> dict[str, Any]:
    lang = ctx.lang
    place = _place_name(m) or t("public.burial.unknown_short", lang)
    facts = [_years(m), m.get("hometown") or "", m.get("unit") or "", place]
    return {
        "id": int(m["id"]),
        "href": ctx.link(f"/martyrs/{int(m['id'])}"),
        "name": martyr_name(m, lang),
        "facts": " · ".join(str(x) for x in facts if x),
    }


def martyr_search_page(
    ctx: PageContext, form: MartyrSearchForm, found: tuple[int, list[dict]] | None, error: str | None = None
) -> str:
    """The martyr search (web/templates/public/martyrs.html): the form, and (after a search) the matching
    records, or why none."""
    lang = ctx.lang
    title = t("public.martyrs.title", lang)
    results = None
    page_links = ""
    if found is not None and error is None:
        total, items = found
        results = [_result(ctx, m) for m in items]
        page_links = pager(ctx, total, form.offset, form.limit, len(items))
    fields = [
        {
            "name": "hometown",
            "label": t("public.martyr.hometown", lang),
            "value": form.hometown,
            "type": "search",
        },
        {"name": "unit", "label": t("public.martyr.unit", lang), "value": form.unit, "type": "search"},
        {
            "name": "death_year",
            "label": t("public.martyr.death_year", lang),
            "value": form.death_year,
            "type": "number",
        },
    ]
    suggest = suggest_box(
        "q", t("public.martyrs.q", lang), form.q, t("public.martyrs.placeholder", lang), "martyrs", lang
    )
    return render(
        "public/martyrs.html",
        frame=frame_vars(ctx, title, config={"page": "martyrs"}),
        lang=lang,
        explicit_lang=ctx.explicit_lang,
        suggest=suggest,
        fields=fields,
        results=results,
        pager=Markup(page_links),
        error=error,
        family_href=ctx.link("/family-search"),
    )


def _burial(ctx: PageContext, burial: dict, note: str | None) -> tuple[dict[str, Any], list[dict]]:
    """The burial section's view (lead, facts, link to the place's page) and the map point(s) of the place."""
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
    view = {
        "kind": kind,
        "lead": lead,
        "unknown": kind in ("unknown", "memorial"),
        "rows": rows,
        "link": link,
        "has_point": bool(point),
    }
    return view, point


def _named_on(ctx: PageContext, memorial: dict | None, burial_kind: str | None) -> dict[str, str] | None:
    """The memorial (a name wall) that carries the martyr's name, when buried elsewhere: its name and link."""
    if not memorial or burial_kind == "memorial" or not memorial.get("memorial_id"):
        return None
    href = ctx.link(f"/sites/memorials/{int(memorial['memorial_id'])}")
    return {"href": href, "name": str(memorial.get("name") or "")}


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
    record_rows = [
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
    burial, points = _burial(ctx, m.get("burial") or {"kind": "unknown"}, m.get("burial_note"))
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
    return render(
        "public/martyr.html",
        frame=frame_vars(ctx, name, map_data, {"page": "martyr"}),
        lang=lang,
        martyr_id=int(m["id"]),
        person=name,
        synthetic=bool(m.get("synthetic")),
        record_rows=record_rows,
        biography=(m.get("biography") or "").strip(),
        burial=burial,
        named_on=_named_on(ctx, m.get("memorial"), (m.get("burial") or {}).get("kind")),
        family_href=ctx.link("/family-search", martyr_id=int(m["id"])),
        tribute=Markup(tribute_html if tribute_html is not None else TRIBUTE_SLOT),
    )
