"""The planner's coverage map page (pure builder): ``CoverageMapData`` in, ``folium.Map`` out.

Layers: a choropleth of the coverage rate of each unit (townships of a county, villages of a township;
units without a polygon are drawn as circles), every village as a dot coloured by whether a village
station lies within the village threshold, the uncovered villages highlighted, the active stations, the
reach of each village and township station (geodesic circles, off at first), and proposed sites when
given, on the chosen basemap (web/basemaps.py; none by default; on AMap every overlay and the view are shifted
to GCJ-02). A legend, the threshold form, the two measures of "not covered" defined in words, the figures as
tables (villages and townships beyond reach, rates, units without a station) and download links complete the page;
a signed-in staff member gets the staff frame and the recompute button (``StaffTools``). That markup comes from the
templates web/templates/staff/coverage_header.html and coverage_tables.html (autoescaped); the page's own script
and styles are web/static/staff/coverage.js and .css. Every script and stylesheet is served by the app
(``web.assets``); all data, popups and legend included, is embedded as script-safe JSON and shown by the browser as
text (web/map_parts.py). The parts it shares with the upkeep page (page scripts and styles, point, reach and legend
layers, the base map) are in web/map_parts.py.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

import folium
from branca.element import Element
from folium.template import Template
from markupsafe import Markup

from geo.coverage.map_data import CoverageMapData, ProposedSite
from geo.coverage.rates import AreaCoverage, CoverageShare
from web.assets import localize_assets
from web.basemaps import shift_geojson
from web.coverage.tables import beyond_table, gaps_table, rates_table
from web.i18n import check_lang, distance_text, enum_label, t
from web.jinja import render
from web.map_parts import (
    DISPLAY_DECIMALS,
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
    fit_view,
    script_json,
)
from web.staff import FRAME_CSS_LINK, StaffFrame
from web.tables import table_html
from web.times import local_time

By = Literal["village", "township", "any"]
Weight = Literal["population", "villages"]
BY_LEVELS: tuple[str, ...] = ("village", "township", "any")
WEIGHTS: tuple[str, ...] = ("population", "villages")

# Colour classes of the choropleth (ColorBrewer RdYlGn, 5 classes): share < upper bound -> colour.
RATE_CLASSES: tuple[tuple[float, str], ...] = (
    (0.2, "#d7191c"),
    (0.4, "#fdae61"),
    (0.6, "#ffffbf"),
    (0.8, "#a6d96a"),
    (math.inf, "#1a9641"),
)
COVERED_COLOUR = "#1a9641"
UNCOVERED_COLOUR = "#d7191c"
STATION_COLOUR = "#1f5fa8"
PROPOSED_COLOUR = "#7b3fa0"
# Leaflet path options of the point layers; the class names let a browser (and a test) find them.
_VILLAGE_STYLES: tuple[dict[str, Any], ...] = (
    {"radius": 3, "color": UNCOVERED_COLOUR, "weight": 1, "fillColor": UNCOVERED_COLOUR, "fillOpacity": 0.9,
     "className": "vetmap-village vetmap-village-uncovered"},
    {"radius": 3, "color": COVERED_COLOUR, "weight": 1, "fillColor": COVERED_COLOUR, "fillOpacity": 0.9,
     "className": "vetmap-village vetmap-village-covered"},
)  # fmt: skip
_UNCOVERED_STYLE: dict[str, Any] = {
    "radius": 8, "color": UNCOVERED_COLOUR, "weight": 3, "fillColor": "#ffffff", "fillOpacity": 0.5,
    "className": "vetmap-uncovered",
}  # fmt: skip
_STATION_STYLE: dict[str, Any] = {
    "radius": 5, "color": "#ffffff", "weight": 1.5, "fillColor": STATION_COLOUR, "fillOpacity": 1,
    "className": "vetmap-station",
}  # fmt: skip
_PROPOSED_STYLE: dict[str, Any] = {
    "radius": 9, "color": "#ffffff", "weight": 2, "fillColor": PROPOSED_COLOUR, "fillOpacity": 1,
    "className": "vetmap-proposed",
}  # fmt: skip
GAPS_SHOWN = 200


@dataclass(frozen=True)
class PageLinks:
    """URLs the page links to: downloads, the atlas map, and the page itself (for the form and drill-down)."""

    page: str = "/coverage"
    atlas: str = "/"
    rates_csv: str | None = None
    rates_xlsx: str | None = None
    gaps_csv: str | None = None
    gaps_xlsx: str | None = None
    beyond_csv: str | None = None
    beyond_xlsx: str | None = None
    sign_in: str = "/login?next=/coverage"
    runs_api: str = "/api/v1/coverage/runs"


@dataclass(frozen=True)
class StaffTools:
    """What a signed-in staff member has on the page: the staff frame (web/staff.py), the token for the page's
    writes, whether they may recompute the area (``area_code``: None for the whole atlas), and the sentence about
    a recomputation that has just finished."""

    frame: StaffFrame
    csrf_token: str
    may_recompute: bool
    area_code: str | None
    finished: str | None = None


PAGE_ASSETS_HTML = (
    '<link rel="stylesheet" href="/static/staff/coverage.css">'
    '<script src="/static/staff/coverage.js" defer></script>'
)
"""The page's own stylesheet and script (web/static/staff/), linked in the page's head."""


def rate_colour(share: float | None) -> str:
    """Fill colour of a coverage share (0–1) in the choropleth; grey when there is no figure."""
    if share is None:
        return NO_DATA_COLOUR
    return next(colour for upper, colour in RATE_CLASSES if share < upper)


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{round(value):,}"


def _distance(metres: float | None, lang: str) -> str:
    return (
        t("coverage.none_found", lang) if metres is None else distance_text(round(metres), lang, exact=True)
    )


def _popup(title: str, rows: Sequence[tuple[str, str]], link: dict[str, str] | None = None) -> dict[str, Any]:
    """A unit's popup as the browser builds it, as text: its title, [label, value] rows, a link {href, text}."""
    return {"title": title, "rows": [list(row) for row in rows], "link": link}


def _share_of(unit: AreaCoverage, by: str) -> CoverageShare:
    return next(s for s in unit.shares if s.station_level == by)


def unit_value(unit: AreaCoverage, by: str, weight: str) -> float | None:
    """The share a unit is coloured by: its population share (village share when no population is known)."""
    share = _share_of(unit, by)
    if weight == "population" and share.population_share is not None:
        return share.population_share
    return share.village_share


def _unit_rows(unit: AreaCoverage, lang: str) -> list[tuple[str, str]]:
    rows = [
        (t("col.level", lang), enum_label("area_level", unit.level, lang) if unit.level else ""),
        (t("col.villages", lang), _num(unit.villages)),
        (t("col.population", lang), _num(unit.population)),
    ]
    for share in unit.shares:
        fill = {
            "reach": distance_text(share.threshold_m, lang, exact=True),
            "by": t(f"coverage.by.{share.station_level}", lang),
        }
        rows.append(
            (
                t("col.villages_covered", lang).format(**fill),
                f"{share.villages_covered:,} / {unit.villages:,} ({_pct(share.village_share)})",
            )
        )
        rows.append(
            (
                t("col.population_covered", lang).format(**fill),
                f"{share.population_covered:,} / {unit.population:,} ({_pct(share.population_share)})",
            )
        )
    if unit.townships is not None:
        reach = {"reach": distance_text(_share_of(unit, "township").threshold_m, lang, exact=True)}
        rows.append(
            (
                t("col.townships_covered", lang).format(**reach),
                f"{unit.townships_covered:,} / {unit.townships:,} ({_pct(unit.township_share)})",
            )
        )
    return rows


def _page_url(links: PageLinks, query: Mapping[str, Any]) -> str:
    return links.page + "?" + urlencode({k: v for k, v in query.items() if v is not None})


def _units_payload(
    data: CoverageMapData, by: str, weight: str, lang: str, links: PageLinks, query: Mapping[str, Any]
) -> dict:
    rates = {row.code: row for row in data.rates.rows}
    features = []
    for feature in data.units.get("features") or ():
        props = feature.get("properties") or {}
        unit = rates.get(props.get("code"))
        if unit is None or feature.get("geometry") is None:
            continue
        value = unit_value(unit, by, weight)
        drill = None
        if unit.level != "village":
            url = _page_url(links, {**query, "area": unit.code, "level": None})
            drill = {"href": url, "text": t("coverage.open_area", lang)}
        features.append(
            {
                "type": "Feature",
                "geometry": feature["geometry"],
                "properties": {
                    "code": unit.code,
                    "name": unit.name,
                    "value": value,
                    "fill": rate_colour(value),
                    "popup": _popup(f"{unit.name} ({unit.code})", _unit_rows(unit, lang), drill),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _lat_lon(feature: Mapping[str, Any]) -> tuple[float, float]:
    lon, lat = (float(c) for c in feature["geometry"]["coordinates"][:2])
    return round(lat, 6), round(lon, 6)


def _village_points(villages: Mapping[str, Any], lang: str, only_uncovered: bool) -> PointSet:
    labels = [
        t("field.area_code", lang),
        t("col.population", lang),
        t("coverage.nearest_village_station", lang),
        t("coverage.nearest_township_station", lang),
        "",
    ]
    status = {True: t("coverage.covered", lang), False: t("coverage.not_covered", lang)}
    rows = []
    for feature in villages.get("features") or ():
        props = feature.get("properties") or {}
        covered = bool(props.get("covered"))
        if only_uncovered and covered:
            continue
        rows.append(
            [
                *_lat_lon(feature),
                0 if only_uncovered else int(covered),
                str(props.get("name") or props.get("code") or ""),
                props.get("code"),
                _num(props.get("population")),
                _distance(props.get("distance_m"), lang),
                _distance(props.get("township_distance_m"), lang),
                status[covered],
            ]
        )
    return PointSet(labels, rows)


def _station_points(stations: Mapping[str, Any], lang: str) -> PointSet:
    labels = [t("field.level", lang), t("coverage.reach", lang)]
    rows = []
    for feature in stations.get("features") or ():
        props = feature.get("properties") or {}
        rows.append(
            [
                *_lat_lon(feature),
                0,
                str(props.get("name") or ""),
                enum_label("station_level", props.get("level"), lang),
                distance_text(float(props.get("reach_m") or 0), lang, exact=True),
            ]
        )
    return PointSet(labels, rows)


def _proposed_points(proposed: Sequence[ProposedSite], lang: str) -> PointSet:
    rows = [
        [round(float(p.lat), 6), round(float(p.lon), 6), 0, p.label, _num(p.people_newly_covered)]
        for p in proposed
    ]
    return PointSet([t("coverage.people_newly_covered", lang)], rows)


class _Units(folium.map.Layer):
    """The choropleth: unit shapes filled by their coverage share, with popups."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = VetMapCoverage.units({{ this.data }});
        {% endmacro %}
        """
    )

    def __init__(self, data: dict, name: str, crs: str = "wgs84") -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "CoverageUnits"
        self.data = script_json(shift_geojson(data, crs, DISPLAY_DECIMALS))


def _legend(data: CoverageMapData, by: str, weight: str, lang: str, proposed: bool) -> Legend:
    threshold = data.rates.params.township_m if by == "township" else data.rates.params.village_m
    title = t("coverage.legend", lang).format(
        weight=t(f"coverage.weight.{weight}", lang),
        reach=distance_text(threshold, lang, exact=True),
        by=t(f"coverage.by.{by}", lang),
    )
    items = []
    lower = 0
    for upper, colour in RATE_CLASSES:
        items.append(LegendItem(f"{lower}–{100 if math.isinf(upper) else round(upper * 100)}%", colour))
        lower = round(upper * 100) if not math.isinf(upper) else lower
    items.append(LegendItem(t("coverage.no_data", lang), NO_DATA_COLOUR))
    symbols = [
        (UNCOVERED_COLOUR, "#fff", t("coverage.layer.uncovered", lang)),
        (COVERED_COLOUR, COVERED_COLOUR, t("coverage.covered", lang)),
        (STATION_COLOUR, STATION_COLOUR, t("coverage.layer.stations", lang)),
    ]
    if proposed:
        symbols.append((PROPOSED_COLOUR, PROPOSED_COLOUR, t("coverage.layer.proposed", lang)))
    for stroke, fill, label in symbols:
        items.append(
            LegendItem(label, fill, f"2px solid {stroke}", dot=True, css_class="vetmap-legend-symbol")
        )
    return Legend(title, items)


def _defs(data: CoverageMapData, lang: str) -> dict[str, str]:
    """The two measures of "not covered" in words, with this area's counts."""
    params = data.rates.params
    reach = {
        "village_reach": distance_text(params.village_m, lang, exact=True),
        "township_reach": distance_text(params.township_m, lang, exact=True),
    }
    beyond_count = ""
    if data.beyond is not None:
        beyond_count = t("coverage.defs.beyond_count", lang).format(
            villages=f"{data.beyond.villages:,}", townships=f"{data.beyond.townships:,}"
        )
    return {
        "beyond": t("coverage.defs.beyond", lang).format(**reach),
        "beyond_count": beyond_count,
        "own_count": t("coverage.defs.own_count", lang).format(n=f"{data.gaps.number_matched:,}"),
    }


def _recompute_text(lang: str) -> dict[str, Any]:
    """The sentences the recompute button's script shows, in ``lang`` (phases by their stored names)."""
    keys = ("started", "progress", "done", "failed", "network", "session")
    text = {key: t(f"coverage.recompute.{key}", lang) for key in keys}
    phases = ("queued", "reading", "indexing stations", "nearest stations of villages")
    phases += ("nearest stations of townships", "writing", "done")
    text["phases"] = {phase: t(f"coverage.recompute.phase.{phase}", lang) for phase in phases}
    return text


def _header_html(
    data: CoverageMapData,
    lang: str,
    links: PageLinks,
    query: Mapping[str, Any],
    title: str,
    tools: StaffTools | None = None,
) -> str:
    params = data.rates.params
    hidden = [(k, str(v)) for k, v in query.items() if v is not None and k not in ("village_m", "township_m")]
    state = data.rates.state
    run_note = ""
    if state.get("run_id") is not None:
        run_note = t("coverage.run", lang).format(
            run=state["run_id"], time=local_time(state.get("computed_at"))
        )
    left_out = ""
    if data.villages_left_out:
        left_out = t("coverage.villages_left_out", lang).format(n=f"{data.villages_left_out:,}")
    area_label = f"{data.area.name} ({data.area.code})" if data.area else t("coverage.all_areas", lang)
    recompute = None
    if tools is not None:
        recompute = {
            **_recompute_text(lang),
            "refused": t("coverage.recompute.refused", lang).format(area=area_label),
        }
    return render(
        "staff/coverage_header.html",
        lang=lang,
        title=title,
        links=links,
        hidden=hidden,
        village_m=f"{params.village_m:g}",
        township_m=f"{params.township_m:g}",
        run_note=run_note,
        left_out=left_out,
        defs=_defs(data, lang),
        tools=tools,
        area_label=area_label,
        recompute_text=recompute,
    )


def _tables_html(data: CoverageMapData, lang: str, links: PageLinks) -> str:
    rates = rates_table(data.rates, lang)
    gaps = gaps_table(data.gaps, lang, data.rates.state)
    beyond = beyond_table(data.beyond, lang) if data.beyond is not None else None
    params = data.rates.params
    beyond_def = t("coverage.beyond.intro", lang).format(
        village_reach=distance_text(params.village_m, lang, exact=True),
        township_reach=distance_text(params.township_m, lang, exact=True),
    )
    return render(
        "staff/coverage_tables.html",
        lang=lang,
        links=links,
        shown=GAPS_SHOWN,
        beyond=beyond,
        beyond_html=Markup(table_html(beyond, GAPS_SHOWN, css_class="vetmap-beyond")) if beyond else "",
        beyond_blank=beyond is not None and any(row[5] is None for row in beyond.rows),
        beyond_def=beyond_def,
        rates=rates,
        rates_html=Markup(table_html(rates, css_class="vetmap-rates")),
        gaps=gaps,
        gaps_def=t("coverage.gaps.intro", lang),
        gaps_html=Markup(table_html(gaps, GAPS_SHOWN, css_class="vetmap-gaps")),
    )


def _fit(data: CoverageMapData) -> Fit | None:
    if data.bounds is not None:
        return data.bounds.as_tuple()
    points = [_lat_lon(f) for f in data.villages.get("features") or ()]
    if not points:
        return None
    lats, lons = zip(*points, strict=True)
    return min(lons), min(lats), max(lons), max(lats)


# Folium's own viewport forbids zooming the page, which people with low vision need (WCAG 1.4.4).
_FOLIUM_VIEWPORT = re.compile(r'<meta name="viewport" content="[^"]*user-scalable=no[^"]*" />')
_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1" />'


def render_page(m: folium.Map) -> str:
    """The whole coverage page's HTML, with a viewport that lets people zoom the page."""
    return _FOLIUM_VIEWPORT.sub(_VIEWPORT, m.get_root().render(), count=1)


def build_coverage_map(
    data: CoverageMapData,
    lang: str = "zh",
    proposed: list[ProposedSite] | None = None,
    by: By = "village",
    weight: Weight = "population",
    links: PageLinks | None = None,
    query: Mapping[str, Any] | None = None,
    basemap: BasemapChoice = NO_BASEMAP,
    tools: StaffTools | None = None,
) -> folium.Map:
    """Build the offline coverage page for planners: choropleth, villages, stations, reach, proposed sites, tables.

    With ``tools`` (a signed-in staff member) the page opens with the staff frame and offers the recomputation of
    its area; without, with its own header and a link to sign in.

    ``by`` picks the station level whose coverage colours the units, ``weight`` whether by people or by
    villages; ``query`` holds the page's own query parameters (kept by the form and the drill-down links).
    ``basemap`` (default none) picks the tiles; on AMap every overlay is drawn shifted to GCJ-02.
    """
    check_lang(lang)
    if by not in BY_LEVELS:
        raise ValueError(f"unknown station level {by!r}; expected one of {', '.join(BY_LEVELS)}")
    if weight not in WEIGHTS:
        raise ValueError(f"unknown weight {weight!r}; expected one of {', '.join(WEIGHTS)}")
    links = links or PageLinks()
    query = dict(query or {})
    params = data.rates.params
    area_name = data.area.name if data.area else t("coverage.all_areas", lang)
    title = f"{t('coverage.title', lang)} · {area_name}"

    crs = basemap.crs(lang)
    fit = display_fit(_fit(data), crs)
    header = _header_html(data, lang, links, query, title, tools)
    m = base_map(fit, lang, title, header, "coverage_header", basemap)
    assets = PAGE_ASSETS_HTML + (FRAME_CSS_LINK if tools is not None else "")
    m.get_root().header.add_child(Element(assets), name="coverage_assets")

    level_label = enum_label("area_level", data.rates.level, lang)
    units = _units_payload(data, by, weight, lang, links, query)
    _Units(units, t("coverage.layer.units", lang).format(level=level_label.lower()), crs).add_to(m)

    reach_by_level = {"village": [], "township": []}
    for feature in data.reach.get("features") or ():
        reach_by_level.setdefault(feature["properties"]["level"], []).append(feature)
    for level, threshold, colour in (
        ("township", params.township_m, "#1f5fa8"),
        ("village", params.village_m, "#2b8cbe"),
    ):
        name = t(f"coverage.layer.reach_{level}", lang).format(
            reach=distance_text(threshold, lang, exact=True)
        )
        style = {"color": colour, "weight": 1.5, "dashArray": "4 3", "fillColor": colour, "fillOpacity": 0.08}
        collection = {"type": "FeatureCollection", "features": reach_by_level[level]}
        Reach(collection, {**style, "className": f"vetmap-reach vetmap-reach-{level}"}, name, crs=crs).add_to(
            m
        )

    by_minutes: dict[float, list[dict]] = {}
    for feature in data.service_areas.get("features") or ():
        by_minutes.setdefault(feature["properties"]["minutes"], []).append(feature)
    for minutes in sorted(by_minutes):
        name = t("coverage.layer.service_area", lang).format(minutes=f"{minutes:g}")
        style = {"color": "#8c510a", "weight": 1.2, "fillColor": "#d8b365", "fillOpacity": 0.12}
        collection = {"type": "FeatureCollection", "features": by_minutes[minutes]}
        Reach(collection, {**style, "className": "vetmap-service-area"}, name, crs=crs).add_to(m)

    villages = _village_points(data.villages, lang, False)
    Points(villages, list(_VILLAGE_STYLES), t("coverage.layer.villages", lang), crs=crs).add_to(m)
    uncovered = _village_points(data.villages, lang, True)
    Points(uncovered, [_UNCOVERED_STYLE], t("coverage.layer.uncovered", lang), crs=crs).add_to(m)
    stations = _station_points(data.stations, lang)
    Points(stations, [_STATION_STYLE], t("coverage.layer.stations", lang), crs=crs).add_to(m)
    if proposed is not None:
        sites = _proposed_points(proposed, lang)
        Points(sites, [_PROPOSED_STYLE], t("coverage.layer.proposed", lang), crs=crs).add_to(m)

    m.add_child(_legend(data, by, weight, lang, proposed is not None))
    folium.LayerControl(collapsed=False).add_to(m)
    m.add_child(AfterMap(_tables_html(data, lang, links)))
    fit_view(m, fit)
    return localize_assets(m)
