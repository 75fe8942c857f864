"""The upkeep map page for staff (pure builder): upkeep sites and the area's report in, ``folium.Map`` out.

Memorials, cemeteries and graves are circle markers (one layer each) filled by their condition index in the
bands of the upkeep status (good, fair, poor, damaged; grey when never assessed); sites overdue for inspection
get a red ring in a layer of their own. Popups give the name, index, last inspection, next due date and open work
orders. The report table (``upkeep_table``, also the CSV and Excel downloads) follows the map. The basemap is the
visitor's choice (web/basemaps.py; on AMap the sites and outlines are drawn shifted to GCJ-02). The page uses the
map parts and table writers it shares with the coverage page (web/map_parts.py, web/coverage/tables.py): every
asset is served by the app, the data (popups and legend too) is embedded as script-safe JSON and shown by the
browser as text, and the HTML written here escapes every value.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

import folium

from geo.settings import UpkeepSettings
from geo.upkeep.inspections import upkeep_status
from geo.upkeep.report import UpkeepFigures, UpkeepMapData, UpkeepReport, UpkeepSite
from web.assets import localize_assets
from web.i18n import check_lang, enum_label, t
from web.map_parts import (
    NO_BASEMAP,
    NO_DATA_COLOUR,
    AfterMap,
    BasemapChoice,
    Fit,
    Legend,
    LegendItem,
    Points,
    PointSet,
    Reach,
    base_map,
    display_fit,
    downloads_html,
    fit_view,
)
from web.tables import Cell, Column, Table, table_html

CONDITION_COLOURS: dict[str, str] = {
    "good": "#1a9641",
    "fair": "#a6d96a",
    "poor": "#fdae61",
    "damaged": "#d7191c",
    "unknown": NO_DATA_COLOUR,
}
"""Fill of a site by the band of its condition index (ColorBrewer RdYlGn); grey when never assessed."""
CONDITIONS = tuple(CONDITION_COLOURS)
OVERDUE_COLOUR = "#c00000"
_SITE_STYLES = [
    {"radius": 6, "color": "#444444", "weight": 1, "fillColor": colour, "fillOpacity": 0.95,
     "className": f"vetmap-upkeep vetmap-upkeep-{status}"}
    for status, colour in CONDITION_COLOURS.items()
]  # fmt: skip
_OUTLINE_STYLE = {"color": "#777777", "weight": 1, "fillOpacity": 0, "className": "vetmap-outline"}
_OVERDUE_STYLE = {
    "radius": 10, "color": OVERDUE_COLOUR, "weight": 2.5, "fill": False, "className": "vetmap-overdue",
}  # fmt: skip


@dataclass(frozen=True)
class UpkeepLinks:
    """URLs the page links to: itself (the year form), the atlas map and the report downloads."""

    page: str = "/upkeep"
    atlas: str = "/"
    report_csv: str | None = None
    report_xlsx: str | None = None


def condition_class(index: int | None, settings: UpkeepSettings) -> str:
    """The colour band of a condition index: good, fair, poor, damaged, or unknown when there is none."""
    return "unknown" if index is None else upkeep_status(index, settings)


def _row_name(row: UpkeepFigures, lang: str) -> str:
    if row.row == "total":
        name = t("coverage.total", lang)
        return f"{name} ({row.name})" if row.name else name
    if row.row == "own":
        return f"{row.name} {t('upkeep.own_row', lang)}"
    return row.name


def upkeep_table(report: UpkeepReport, lang: str) -> Table:
    """The report as a table: one row per child area (and the area's own sites), then the total, in ``lang``."""
    check_lang(lang)
    columns = [
        Column("code", t("col.code", lang), "text"),
        Column("name", t("col.name", lang), "text"),
        Column("level", t("col.level", lang), "text"),
        *(Column(c, t(f"upkeep.col.{c}", lang), "count") for c in ("memorials", "cemeteries", "graves")),
        Column("sites", t("upkeep.col.sites", lang), "count"),
        Column("inspected", t("upkeep.col.inspected", lang).format(year=report.year), "count"),
        Column("share_inspected", t("upkeep.col.share_inspected", lang).format(year=report.year), "share"),
        *(Column(s, enum_label("upkeep_status", s, lang), "count") for s in CONDITIONS),
        Column("mean_condition_index", t("upkeep.col.mean_index", lang), "count"),
        Column("overdue", t("upkeep.col.overdue", lang), "count"),
        Column("open_work_orders", t("upkeep.col.open_orders", lang), "count"),
        Column("spend_yuan", t("upkeep.col.spend", lang).format(year=report.year), "count"),
    ]
    rows: list[list[Cell]] = []
    for row in [*report.rows, report.total]:
        rows.append(
            [
                row.code,
                _row_name(row, lang),
                enum_label("area_level", row.level, lang) if row.level else None,
                *(row.sites[c] for c in ("memorials", "cemeteries", "graves")),
                row.total_sites,
                row.inspected,
                row.share_inspected,
                *(row.conditions[s] for s in CONDITIONS),
                row.mean_index,
                row.overdue,
                row.open_orders,
                row.spend,
            ]
        )
    area = report.area
    about = [
        (t("field.area", lang), f"{area.name} ({area.code})" if area else t("coverage.all_areas", lang)),
        (t("upkeep.year", lang), str(report.year)),
        (t("upkeep.as_of", lang), report.today.isoformat()),
        (t("upkeep.about_overdue", lang), t("upkeep.about_overdue_text", lang)),
    ]
    return Table(t("upkeep.report_table", lang), columns, rows, about, lang)


def _day(value: dt.date | None, lang: str) -> str:
    return value.isoformat() if value else t("upkeep.never", lang)


def _site_title(site: UpkeepSite, lang: str) -> str:
    if site.collection == "graves":
        return f"{site.name} ({site.martyr_name or t('grave.unnamed', lang)})"
    return site.name


def _orders_link(site: UpkeepSite, lang: str) -> dict[str, str]:
    """The popup's link to the work-order board filtered to the site (its open orders counted in the text)."""
    query = f"collection={site.collection}&site={site.id}" + ("" if lang == "zh" else f"&lang={lang}")
    return {
        "href": f"/staff/work-orders?{query}",
        "text": t("wo.popup.link", lang).format(n=site.open_orders),
    }


def _site_points(sites: list[UpkeepSite], lang: str, settings: UpkeepSettings, ring: bool) -> PointSet:
    labels = [
        t("field.kind", lang),
        t("field.condition_index", lang),
        t("field.upkeep_status", lang),
        t("upkeep.last_inspected", lang),
        t("upkeep.next_due", lang),
        t("upkeep.open_orders", lang),
        t("field.area_code", lang),
        "",
    ]
    rows = []
    for s in sites:
        band = condition_class(s.condition_index, settings)
        due = t("upkeep.due_now", lang) if s.next_due is None else s.next_due.isoformat()
        rows.append(
            [
                round(s.lat, 6),
                round(s.lon, 6),
                0 if ring else CONDITIONS.index(band),
                _site_title(s, lang),
                t(f"layer.{s.collection}", lang),
                "—" if s.condition_index is None else str(s.condition_index),
                enum_label("upkeep_status", s.upkeep_status, lang),
                _day(s.last_inspected_on, lang),
                due,
                str(s.open_orders),
                s.area_code,
                t("upkeep.overdue", lang) if s.overdue else None,
            ]
        )
    return PointSet(labels, rows, [_orders_link(s, lang) for s in sites])


def _bands(settings: UpkeepSettings) -> dict[str, str]:
    return {
        "good": f"{settings.good_from}–100",
        "fair": f"{settings.fair_from}–{settings.good_from - 1}",
        "poor": f"{settings.poor_from}–{settings.fair_from - 1}",
        "damaged": f"0–{settings.poor_from - 1}",
    }


def _legend(lang: str, settings: UpkeepSettings) -> Legend:
    items = []
    bands = _bands(settings)
    for status, colour in CONDITION_COLOURS.items():
        label = enum_label("upkeep_status", status, lang)
        if status in bands:
            label = f"{bands[status]} {label}"
        items.append(LegendItem(label, colour, dot=True, css_class=f"vetmap-legend-{status}"))
    overdue = t("upkeep.layer.overdue", lang)
    items.append(
        LegendItem(
            overdue, "#fff", f"2px solid {OVERDUE_COLOUR}", dot=True, css_class="vetmap-legend-overdue"
        )
    )
    return Legend(t("upkeep.legend", lang), items)


def _header_html(data: UpkeepMapData, year: int, lang: str, links: UpkeepLinks, title: str) -> str:
    hidden = ""
    if data.area is not None:
        hidden += f'<input type="hidden" name="area" value="{html.escape(data.area.code)}">'
    hidden += f'<input type="hidden" name="lang" value="{html.escape(lang)}">'
    form = (
        f'<form method="get" action="{html.escape(links.page)}" class="vetmap-year">{hidden}'
        f'<label>{html.escape(t("upkeep.year", lang))} <input type="number" name="year" min="2000" max="2100" '
        f'required value="{year}"></label>'
        f'<button type="submit" class="btn btn-sm btn-primary">{html.escape(t("coverage.apply", lang))}</button>'
        f'<a href="{html.escape(links.atlas)}">{html.escape(t("coverage.back_to_atlas", lang))}</a></form>'
    )
    overdue = sum(1 for s in data.sites if s.overdue)
    note = t("upkeep.summary", lang).format(
        sites=f"{len(data.sites):,}", overdue=f"{overdue:,}", today=data.today
    )
    notes = f'<p class="vetmap-run">{html.escape(note)}</p>'
    if data.sites_left_out:
        left = t("upkeep.sites_left_out", lang).format(n=f"{data.sites_left_out:,}")
        notes += f'<p class="vetmap-note">{html.escape(left)}</p>'
    return f'<header class="vetmap-coverage-header"><h1>{html.escape(title)}</h1>{form}{notes}</header>'


def _tables_html(report: UpkeepReport, lang: str, links: UpkeepLinks) -> str:
    table = upkeep_table(report, lang)
    return (
        f'<section class="vetmap-tables"><h2>{html.escape(table.title)} · {report.year}</h2>'
        f"{downloads_html(lang, links.report_csv, links.report_xlsx)}"
        f'<div class="vetmap-table-scroll">{table_html(table, css_class="vetmap-rates vetmap-upkeep-report")}'
        "</div></section>"
    )


def _fit(data: UpkeepMapData) -> Fit | None:
    if data.bounds is not None:
        return data.bounds.as_tuple()
    if data.sites:
        lons, lats = [s.lon for s in data.sites], [s.lat for s in data.sites]
        return min(lons), min(lats), max(lons), max(lats)
    return None


def build_upkeep_map(
    data: UpkeepMapData,
    report: UpkeepReport,
    settings: UpkeepSettings,
    lang: str = "zh",
    links: UpkeepLinks | None = None,
    basemap: BasemapChoice = NO_BASEMAP,
) -> folium.Map:
    """Build the offline upkeep page: sites coloured by condition, overdue rings, legend, the report table; on
    ``basemap`` (default none; on AMap the sites, outlines and view are drawn shifted to GCJ-02)."""
    check_lang(lang)
    links = links or UpkeepLinks()
    area_name = data.area.name if data.area else t("coverage.all_areas", lang)
    title = f"{t('upkeep.title', lang)} · {area_name}"
    crs = basemap.crs(lang)
    fit = display_fit(_fit(data), crs)
    header = _header_html(data, report.year, lang, links, title)
    m = base_map(fit, lang, title, header, "upkeep_header", basemap)
    Reach(data.outlines, _OUTLINE_STYLE, t("layer.boundaries", lang), show=True, crs=crs).add_to(m)
    for collection in ("memorials", "cemeteries", "graves"):
        sites = [s for s in data.sites if s.collection == collection]
        Points(
            _site_points(sites, lang, settings, False), _SITE_STYLES, t(f"layer.{collection}", lang), crs=crs
        ).add_to(m)
    overdue = [s for s in data.sites if s.overdue]
    Points(
        _site_points(overdue, lang, settings, True),
        [_OVERDUE_STYLE],
        t("upkeep.layer.overdue", lang),
        crs=crs,
    ).add_to(m)
    m.add_child(_legend(lang, settings))
    folium.LayerControl(collapsed=False).add_to(m)
    m.add_child(AfterMap(_tables_html(report, lang, links)))
    fit_view(m, fit)
    return localize_assets(m)
