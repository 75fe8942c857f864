"""Folium pieces the coverage and upkeep pages share (pure builders): the base map with its page header and its
basemap, the page's CSS and the JS helpers that build layers from embedded JSON (``VetMapCoverage``), point,
reach, legend and after-map elements, download links, fitting the view and the plain error page.

Basemaps (web/basemaps.py): ``base_map`` draws the chosen one (``BasemapChoice``; default none, no internet
needed) with its switch. Its ``crs`` says how the overlays are drawn: the point, reach and unit layers take it
(``crs=``) and shift their WGS-84 data to GCJ-02 on AMap, and ``display_fit`` the view. Nothing on these pages
sends a clicked position anywhere; a page that does turns it back with ``VetMapCRS.toWgs84``.

All data is embedded as script-safe JSON, and the browser shows it as text (tooltips, popups and legends are
built with text nodes, never parsed as HTML); the HTML written here escapes every value.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Element
from folium.template import Template

from geo.settings import Settings
from web.assets import OfflineFigure
from web.basemaps import add_basemap, basemap, choose_basemap, shift_bounds, shift_geojson, shift_points
from web.i18n import html_lang, t

MAP_HEIGHT = "68vh"
CHINA_CENTER = (35.0, 105.0)
CANVAS_ABOVE = 2000  # draw point layers larger than this on a canvas
NO_DATA_COLOUR = "#bdbdbd"
"""Grey for units and sites without figures, on every map."""
Fit = tuple[float, float, float, float]
"""A view to fit: (min lon, min lat, max lon, max lat)."""


def script_json(obj: Any) -> str:
    """Compact JSON that is safe inside an HTML <script> element."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


@dataclass(frozen=True)
class PointSet:
    """Points as the browser builds them: popup labels once, rows [lat, lon, style, title, value, ...]."""

    labels: list[str]
    rows: list[list[Any]]
    links: list[dict[str, str] | None] | None = None  # per row, a popup link {href, text} (or None)

    def payload(self, styles: list[dict]) -> dict:
        return {"labels": self.labels, "styles": styles, "rows": self.rows, "links": self.links}


@dataclass(frozen=True)
class BasemapChoice:
    """The basemap a page is drawn on (a name of web/basemaps.py), the Tianditu key, and the page's own URL
    (path, query parameters) that the basemap switch links to with another basemap."""

    name: str = "none"
    tianditu_key: str | None = None
    switch_url: tuple[str, Mapping[str, Any]] | None = None

    def crs(self, lang: str) -> str:
        """The CRS the overlays are drawn in on this basemap: wgs84, or gcj02 on AMap."""
        return basemap(self.name, lang, self.tianditu_key).crs


NO_BASEMAP = BasemapChoice()
"""No tiles: our own data only (the builders' default, and the suite's)."""


def page_basemap(
    settings: Settings,
    requested: str | None,
    page: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> BasemapChoice:
    """The basemap of a page: ``?basemap=`` (or the remembered cookie, which api/preferences.py puts in the
    query), else the settings' default; Tianditu only with the settings' key. ``page`` and ``params``: the page's
    own URL, for the basemap switch's links."""
    key = settings.tianditu_key.get_secret_value() if settings.tianditu_key is not None else None
    switch = (page, params or {}) if page is not None else None
    return BasemapChoice(choose_basemap(requested, None, settings.basemap, key), key, switch)


def display_points(points: PointSet, crs: str) -> PointSet:
    """Rows [lat, lon, ...] with their WGS-84 positions as the basemap draws them (GCJ-02 on AMap)."""
    if crs == "wgs84" or not points.rows:
        return points
    lons, lats = shift_points([r[1] for r in points.rows], [r[0] for r in points.rows], crs)
    rows = [[round(y, 6), round(x, 6), *r[2:]] for r, x, y in zip(points.rows, lons, lats, strict=True)]
    return PointSet(points.labels, rows, points.links)


DISPLAY_DECIMALS = 6
"""Decimals of a shifted coordinate (1e-6 degree: about 0.1 m), as the point rows are rounded."""


def display_fit(fit: Fit | None, crs: str) -> Fit | None:
    """A WGS-84 view (min lon, min lat, max lon, max lat) as the basemap draws it; None stays None."""
    return None if fit is None else shift_bounds(fit, crs)


class MapPage(folium.MacroElement):
    """Page CSS, the panes, and the JS helpers (``VetMapCoverage``) that build the layers from embedded JSON."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>
                html, body { height: auto; }
                body { background: #fafaf7; }
                .leaflet-container { background: #f3f1ec; }
                .vetmap-coverage-header { padding: 10px 16px 6px; }
                .vetmap-coverage-header h1 { font-size: 1.35rem; margin: 0 0 6px; }
                .vetmap-coverage-header form { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; }
                .vetmap-coverage-header input[type=number] { width: 7em; }
                .vetmap-coverage-header .vetmap-note { color: #8a4b00; margin: 4px 0 0; }
                .vetmap-coverage-header .vetmap-run { color: #666; font-size: 0.85rem; margin: 4px 0 0; }
                .vetmap-tables { padding: 12px 16px 24px; }
                .vetmap-tables h2 { font-size: 1.1rem; margin-top: 12px; }
                .vetmap-tables table { font-size: 0.85rem; }
                .vetmap-tables td { white-space: nowrap; }
                .vetmap-tables th { min-width: 5.5em; font-weight: 600; vertical-align: bottom; }
                .vetmap-rates tbody tr:last-child { font-weight: bold; }
                .vetmap-tables .vetmap-downloads a { margin-right: 12px; }
                .vetmap-table-scroll { overflow-x: auto; }
                .vetmap-popup-title { font-weight: bold; font-size: 1.05em; margin-bottom: 4px; }
                .vetmap-popup table { border-collapse: collapse; }
                .vetmap-popup th { font-weight: normal; color: #555; padding: 1px 8px 1px 0; vertical-align: top; }
                .vetmap-popup td { padding: 1px 0; white-space: nowrap; }
                .vetmap-legend { background: rgba(255, 255, 255, 0.92); padding: 6px 10px; border-radius: 4px;
                                 box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3); font-size: 0.8rem; line-height: 1.5; }
                .vetmap-legend-title { font-weight: bold; max-width: 240px; }
                .vetmap-legend i { display: inline-block; width: 14px; height: 12px; margin-right: 6px;
                                   vertical-align: middle; border: 1px solid #777; }
                .vetmap-legend i.vetmap-dot { border-radius: 50%; }
            </style>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var VetMapCoverage = (function (map) {
                map.createPane("vetmapReach").style.zIndex = 410;
                map.getPane("vetmapReach").style.pointerEvents = "none";
                map.createPane("vetmapPoints").style.zIndex = 420;
                // What the data say is put in as text (text nodes, textContent), never parsed as HTML.
                function el(tag, className, text) {
                    var node = document.createElement(tag);
                    if (className) { node.className = className; }
                    if (text !== null && text !== undefined) { node.textContent = String(text); }
                    return node;
                }
                function asText(value) {
                    var text = value === null || value === undefined ? "" : String(value);
                    return function () { return document.createTextNode(text); };
                }
                // a popup: the title, a row per [label, value] with a value, then a link {href, text} if any
                function popupNode(title, rows, link) {
                    var box = el("div", "vetmap-popup");
                    box.appendChild(el("div", "vetmap-popup-title", title));
                    var table = box.appendChild(el("table"));
                    rows.forEach(function (r) {
                        if (r[1] === null || r[1] === undefined) { return; }
                        var tr = table.appendChild(el("tr"));
                        tr.appendChild(el("th", "", r[0]));
                        tr.appendChild(el("td", "", r[1]));
                    });
                    if (link) {
                        var a = box.appendChild(el("a", "vetmap-drill", link.text));
                        a.href = link.href;
                    }
                    return box;
                }
                // data: GeoJSON units, properties {name, fill, popup: {title, rows, link}}
                function units(data) {
                    return L.geoJSON(data, {
                        style: function (f) {
                            return {color: "#555", weight: 1, opacity: 0.9, fillColor: f.properties.fill,
                                    fillOpacity: 0.6, className: "vetmap-unit"};
                        },
                        pointToLayer: function (f, latlng) {
                            return L.circleMarker(latlng, {radius: 7});
                        },
                        onEachFeature: function (f, layer) {
                            var p = f.properties.popup;
                            var content = function () { return popupNode(p.title, p.rows, p.link); };
                            layer.bindPopup(content, {maxWidth: 380});
                            layer.bindTooltip(asText(f.properties.name), {sticky: true});
                        }
                    });
                }
                // data: {labels, styles (Leaflet path options), rows: [lat, lon, style, title, value...]}
                function popup(labels, row, link) {
                    var rows = labels.map(function (label, j) { return [label, row[4 + j]]; });
                    return popupNode(row[3], rows, link || null);
                }
                function points(data, canvas) {
                    var renderer = canvas ? L.canvas({pane: "vetmapPoints"}) : undefined;
                    var markers = data.rows.map(function (row, i) {
                        var link = data.links ? data.links[i] : null;
                        var style = Object.assign({pane: "vetmapPoints"}, data.styles[row[2]]);
                        if (renderer) { style.renderer = renderer; }
                        var marker = L.circleMarker([row[0], row[1]], style);
                        marker.bindPopup(function () { return popup(data.labels, row, link); }, {maxWidth: 320});
                        marker.bindTooltip(asText(row[3]));
                        return marker;
                    });
                    return L.featureGroup(markers);
                }
                function reach(data, style) {
                    return L.geoJSON(data, {
                        interactive: false,
                        style: function () { return Object.assign({pane: "vetmapReach", interactive: false}, style); }
                    });
                }
                // spec: {title, items: [{text, fill, border, dot, className}]}: a swatch and text per item
                function legend(spec) {
                    var control = L.control({position: "bottomright"});
                    control.onAdd = function () {
                        var div = L.DomUtil.create("div", "vetmap-legend");
                        div.appendChild(el("div", "vetmap-legend-title", spec.title));
                        spec.items.forEach(function (item) {
                            var line = div.appendChild(el("div", item.className));
                            var swatch = line.appendChild(el("i", item.dot ? "vetmap-dot" : ""));
                            if (item.border) { swatch.style.border = item.border; }
                            swatch.style.background = item.fill;
                            line.appendChild(document.createTextNode(item.text));
                        });
                        L.DomEvent.disableClickPropagation(div);
                        return div;
                    };
                    return control;
                }
                return {units: units, points: points, reach: reach, legend: legend};
            })({{ this._parent.get_name() }});
            L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "CoveragePage"


class Points(folium.map.Layer):
    """Circle markers built in the browser from compact rows, one Leaflet path style per row kind."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = VetMapCoverage.points({{ this.data }}, {{ this.canvas }});
        {% endmacro %}
        """
    )

    def __init__(
        self, points: PointSet, styles: list[dict], name: str, show: bool = True, crs: str = "wgs84"
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "CoveragePoints"
        self.data = script_json(display_points(points, crs).payload(styles))
        self.canvas = "true" if len(points.rows) > CANVAS_ABOVE else "false"


class Reach(folium.map.Layer):
    """Polygons drawn under the points (station reach, service areas, outlines): styled as given, not clickable."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = VetMapCoverage.reach({{ this.data }}, {{ this.style }});
        {% endmacro %}
        """
    )

    def __init__(self, data: dict, style: dict, name: str, show: bool = False, crs: str = "wgs84") -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "CoverageReach"
        self.data = script_json(shift_geojson(data, crs, DISPLAY_DECIMALS))
        self.style = script_json(style)


@dataclass(frozen=True)
class LegendItem:
    """One line of a legend: a swatch filled ``fill`` (with CSS ``border`` when given; round when ``dot``),
    then ``text``; ``css_class`` names the line."""

    text: str
    fill: str
    border: str | None = None
    dot: bool = False
    css_class: str | None = None


class Legend(folium.MacroElement):
    """The legend: a title and its lines, built as text in a box at the bottom right of the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            VetMapCoverage.legend({{ this.spec }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, title: str, items: list[LegendItem]) -> None:
        super().__init__()
        self._name = "CoverageLegend"
        lines = [
            {"text": i.text, "fill": i.fill, "border": i.border, "dot": i.dot, "className": i.css_class}
            for i in items
        ]
        self.spec = script_json({"title": title, "items": lines})


class AfterMap(folium.MacroElement):
    """HTML placed after the map: the page's tables with their download links."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}
            {{ this.markup }}
        {% endmacro %}
        """
    )

    def __init__(self, markup: str) -> None:
        super().__init__()
        self._name = "CoverageTables"
        self.markup = markup


def downloads_html(lang: str, csv_url: str | None, xlsx_url: str | None) -> str:
    """Download links (CSV, Excel) for a table, in ``lang``; empty when there is neither."""
    items = [(csv_url, "CSV"), (xlsx_url, "Excel (.xlsx)")]
    links = "".join(
        f'<a href="{html.escape(url)}" download>{html.escape(t("coverage.download", lang))} {label}</a>'
        for url, label in items
        if url
    )
    return f'<p class="vetmap-downloads">{links}</p>' if links else ""


def base_map(
    fit: Fit | None, lang: str, title: str, header: str, header_name: str, choice: BasemapChoice = NO_BASEMAP
) -> folium.Map:
    """A page titled ``title``: ``header`` HTML, then a map with the shared parts on the basemap of ``choice``,
    centred on ``fit`` (already in the basemap's CRS: ``display_fit``)."""
    location = CHINA_CENTER if fit is None else ((fit[1] + fit[3]) / 2, (fit[0] + fit[2]) / 2)
    m = folium.Map(
        location=location,
        zoom_start=4 if fit is None else 9,
        tiles=None,
        control_scale=False,
        minZoom=3,
        maxZoom=19,
        height=MAP_HEIGHT,
    )
    figure = OfflineFigure(lang=html_lang(lang), title=title)
    figure.html.add_child(Element(header), name=header_name)
    figure.add_child(m)
    add_basemap(m, choice.name, lang, choice.tianditu_key, switch_url=choice.switch_url)
    m.add_child(MapPage())
    return m


def fit_view(m: folium.Map, fit: Fit | None) -> None:
    """Fit the map's view to ``fit`` (with a small margin, no closer than zoom 15); nothing when None."""
    if fit is not None:
        minx, miny, maxx, maxy = fit
        m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(12, 12), max_zoom=15)


def error_page(message: str, lang: str = "zh", back: str = "/", title: str | None = None) -> OfflineFigure:
    """A plain page in ``lang`` that says why a map (the coverage map unless ``title`` says) cannot be shown."""
    title = title or t("coverage.error", lang)
    figure = OfflineFigure(lang=html_lang(lang), title=title)
    back_link = f'<a href="{html.escape(back)}">{html.escape(t("coverage.back_to_atlas", lang))}</a>'
    figure.html.add_child(
        Element(
            f'<main class="vetmap-error" style="font-family: sans-serif; padding: 24px;"><h1>{html.escape(title)}'
            f"</h1><p>{html.escape(message)}</p><p>{back_link}</p></main>"
        )
    )
    return figure
