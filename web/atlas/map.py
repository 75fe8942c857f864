"""The atlas map: stations, memorials, cemeteries and graves as clustered marker layers (pure builder).

Data in (GeoJSON FeatureCollections of points, WGS-84 lon/lat), ``folium.Map`` out. Each layer's
points are one compact JSON table (``layer_payload``), embedded or fetched by the page from a URL, and turned into
markers in the browser inside a Leaflet.markercluster group, so a layer of tens of thousands of points costs one
table, not one Folium element per point. Popups are built on click from the data, every value put in as text (never HTML).
The basemap (web/basemaps.py) is none by default here; the ``/`` page passes the visitor's choice. On AMap
(GCJ-02) every overlay coordinate is shifted server-side before it is embedded; optional administrative outlines
give the map its context offline.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import folium
from branca.element import Element
from folium.elements import JSCSSMixin
from folium.plugins import MarkerCluster
from folium.template import Template

from web.assets import STATIC_DIR, OfflineFigure, asset_url, localize_assets
from web.basemaps import add_basemap, basemap, shift_bounds, shift_geojson, shift_points
from web.i18n import check_lang, enum_label, html_lang, t

COLLECTIONS: tuple[str, ...] = ("stations", "memorials", "cemeteries", "graves")

# A view of all of China for maps with no bounds and no points.
_CHINA_CENTER = (35.0, 105.0)
_CHINA_ZOOM = 4
_MIN_ZOOM = 3
_MAX_ZOOM = 19
_FIT_MAX_ZOOM = 14  # for bounds that are (nearly) a single point

# Awesome-markers colours. Red and orange are kept for upkeep problems, grey for inactive stations.
_PROBLEM_COLOURS: Mapping[str, str] = {"damaged": "red", "poor": "orange"}
_STATION_STATUS_COLOURS: Mapping[str, str] = {"planned": "lightgray", "closed": "gray"}

# Cluster bubble colour per collection (RGB), so overlapping layers' clusters stay distinguishable.
_CLUSTER_RGB: Mapping[str, str] = {
    "stations": "31, 95, 168",
    "memorials": "123, 63, 160",
    "cemeteries": "46, 125, 50",
    "graves": "55, 71, 79",
}


@dataclass(frozen=True)
class _Field:
    """One popup row: the label key and how to turn a feature's properties into display text."""

    label: str
    value: Callable[[Mapping[str, Any], str], str | None]


@dataclass(frozen=True)
class _Style:
    """How a collection's markers look: icon by kind/level, colour by kind/level then status."""

    kind_property: str
    icons: Mapping[str, str]
    default_icon: str
    colours: Mapping[str, str]
    default_colour: str
    status_property: str
    status_colours: Mapping[str, str]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _enum(prop: str, group: str) -> Callable[[Mapping[str, Any], str], str | None]:
    def value(props: Mapping[str, Any], lang: str) -> str | None:
        raw = _text(props.get(prop))
        return None if raw is None else enum_label(group, raw, lang)

    return value


def _area(props: Mapping[str, Any], lang: str) -> str | None:
    name, code = _text(props.get("area_name")), _text(props.get("area_code"))
    if name and code:
        return f"{name} ({code})"
    return name or code


def _stars(props: Mapping[str, Any], lang: str) -> str | None:
    raw = props.get("star_rating")
    if raw is None or isinstance(raw, bool):
        return None
    try:
        stars = int(raw)
    except (TypeError, ValueError):
        return _text(raw)
    if not 0 <= stars <= 5:
        return str(stars)
    return "★" * stars + "☆" * (5 - stars)


def _count(prop: str) -> Callable[[Mapping[str, Any], str], str | None]:
    def value(props: Mapping[str, Any], lang: str) -> str | None:
        raw = props.get(prop)
        if isinstance(raw, int) and not isinstance(raw, bool):
            return f"{raw:,}"
        return _text(raw)

    return value


def _flag(prop: str) -> Callable[[Mapping[str, Any], str], str | None]:
    def value(props: Mapping[str, Any], lang: str) -> str | None:
        return t("value.yes", lang) if props.get(prop) is True else None

    return value


def _condition(props: Mapping[str, Any], lang: str) -> str | None:
    raw = props.get("condition_index")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return f"{raw:g}/100"
    return _text(raw)


def _grave_position(props: Mapping[str, Any], lang: str) -> str | None:
    """Section / row / number of a grave in its cemetery; the row comes as ``row_no`` or ``row``."""
    raw = {
        "section": props.get("section"),
        "row": props.get("row_no", props.get("row")),
        "number": props.get("number"),
    }
    parts = [(text, key) for key, value in raw.items() if (text := _text(value)) is not None]
    if not parts:
        return None
    if lang == "zh":  # "甲区" already names its section: no second 区
        return " ".join(
            value if value.endswith(unit := t("field." + key, lang)) else value + unit for value, key in parts
        )
    return ", ".join(f"{t('field.' + key, lang)} {value}" for value, key in parts)


_AREA = _Field("field.area", _area)
_UPKEEP = _Field("field.upkeep_status", _enum("upkeep_status", "upkeep_status"))
_CONDITION = _Field("field.condition_index", _condition)
_PROTECTION = _Field("field.protection_level", _enum("protection_level", "protection_level"))

_FIELDS: Mapping[str, tuple[_Field, ...]] = {
    "stations": (
        _Field("field.level", _enum("level", "station_level")),
        _Field("field.status", _enum("status", "station_status")),
        _AREA,
        _Field("field.star_rating", _stars),
        _Field("field.national_model", _flag("national_model")),
        _Field("field.people_served", _count("people_served")),
    ),
    "memorials": (
        _Field("field.kind", _enum("kind", "memorial_kind")),
        _PROTECTION,
        _UPKEEP,
        _CONDITION,
        _AREA,
    ),
    "cemeteries": (
        _Field("field.kind", _enum("kind", "cemetery_kind")),
        _PROTECTION,
        _UPKEEP,
        _CONDITION,
        _Field("field.grave_capacity", _count("grave_capacity")),
        _AREA,
    ),
    "graves": (
        _Field("field.kind", _enum("kind", "grave_kind")),
        _Field("field.cemetery", lambda props, lang: _text(props.get("cemetery_name"))),
        _Field("field.position", _grave_position),
        _UPKEEP,
        _AREA,
    ),
}

_STYLES: Mapping[str, _Style] = {
    "stations": _Style(
        kind_property="level",
        icons={
            "province": "landmark-flag",
            "city": "building-flag",
            "county": "building",
            "township": "house-flag",
            "village": "house",
        },
        default_icon="house-flag",
        colours={
            "province": "darkblue",
            "city": "blue",
            "county": "cadetblue",
            "township": "lightblue",
            "village": "lightblue",
        },
        default_colour="blue",
        status_property="status",
        status_colours=_STATION_STATUS_COLOURS,
    ),
    "memorials": _Style(
        kind_property="kind",
        icons={
            "hall": "landmark",
            "monument": "monument",
            "tower": "tower-observation",
            "statue": "person-military-rifle",
            "square": "flag",
            "name_wall": "table-list",
        },
        default_icon="monument",
        colours={},
        default_colour="purple",
        status_property="upkeep_status",
        status_colours=_PROBLEM_COLOURS,
    ),
    "cemeteries": _Style(
        kind_property="kind",
        icons={
            "martyr_cemetery": "landmark-dome",
            "grave_area": "star",
            "columbarium": "building-columns",
            "veterans_section": "shield-halved",
        },
        default_icon="landmark-dome",
        colours={},
        default_colour="darkgreen",
        status_property="upkeep_status",
        status_colours=_PROBLEM_COLOURS,
    ),
    "graves": _Style(
        kind_property="kind",
        icons={"in_cemetery": "star", "scattered": "star-half-stroke"},
        default_icon="star",
        colours={},
        default_colour="black",
        status_property="upkeep_status",
        status_colours=_PROBLEM_COLOURS,
    ),
}


def _script_json(obj: Any) -> str:
    """Compact JSON that is safe inside an HTML <script> element."""
    return (
        json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _marker_style(style: _Style, props: Mapping[str, Any]) -> tuple[str, str]:
    kind = str(props.get(style.kind_property) or "")
    status = str(props.get(style.status_property) or "")
    icon = style.icons.get(kind, style.default_icon)
    colour = style.status_colours.get(status) or style.colours.get(kind, style.default_colour)
    return icon, colour


def _title(collection: str, props: Mapping[str, Any], lang: str) -> str:
    if collection == "graves":
        return _text(props.get("martyr_name")) or _text(props.get("name")) or t("grave.unnamed", lang)
    return _text(props.get("name")) or ""


def _point(collection: str, feature: Mapping[str, Any]) -> tuple[float, float] | None:
    """Return (lat, lon) of a Point feature, None for a feature without geometry."""
    geometry = feature.get("geometry")
    if geometry is None:
        return None
    if geometry.get("type") != "Point":
        raise ValueError(
            f"{collection}: feature {feature.get('id')!r} has {geometry.get('type')} geometry; expected Point"
        )
    lon, lat = (float(c) for c in geometry["coordinates"][:2])
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"{collection}: feature {feature.get('id')!r} has invalid lon/lat {lon}, {lat}")
    return lat, lon


def _layer_payload(collection: str, collection_data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Turn one FeatureCollection into the compact table the browser builds markers from.

    rows: [lat, lon, style index, id, title, field value index or null (one per label), area code or null];
    field values are indices into `values` (each distinct display string once), labels and styles are listed once.
    The area code lets the page decide which links a popup offers to whom (edit and upkeep within one's area).
    """
    fields = _FIELDS[collection]
    style = _STYLES[collection]
    styles: dict[tuple[str, str], int] = {}
    values: dict[str, int] = {}
    rows: list[list[Any]] = []
    for feature in collection_data.get("features") or ():
        point = _point(collection, feature)
        if point is None:
            continue
        props = feature.get("properties") or {}
        style_index = styles.setdefault(_marker_style(style, props), len(styles))
        feature_id = feature.get("id", props.get("id"))
        if not isinstance(feature_id, int | str) or isinstance(feature_id, bool):
            feature_id = None
        row: list[Any] = [round(point[0], 6), round(point[1], 6), style_index, feature_id]
        row.append(_title(collection, props, lang))
        for field in fields:
            text = field.value(props, lang)
            row.append(None if text is None else values.setdefault(text, len(values)))
        row.append(_text(props.get("area_code")))
        rows.append(row)
    return {
        "collection": collection,
        "labels": [t(field.label, lang) for field in fields],
        "styles": [list(key) for key in styles],
        "values": list(values),
        "rows": rows,
    }


def site_marker(collection: str, feature: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """How one site of a cluster tile is drawn: its id, title, marker icon and colour, its popup rows
    ([label, text], only those with a value) and its area code, exactly as the embedded layers draw it."""
    check_lang(lang)
    props = feature.get("properties") or {}
    icon, colour = _marker_style(_STYLES[collection], props)
    rows = [
        [t(f.label, lang), text] for f in _FIELDS[collection] if (text := f.value(props, lang)) is not None
    ]
    return {
        "id": feature.get("id"),
        "title": _title(collection, props, lang),
        "icon": icon,
        "colour": colour,
        "rows": rows,
        "area_code": _text(props.get("area_code")),
    }


class _AtlasPage(folium.MacroElement):
    """Page CSS and the shared JS that builds a clustered layer from a compact table (once per page).

    ``VetMapAtlas`` also keeps the page's map, its layers by collection (``register``) and the layer control, for
    the legend and the overview page's search; ``siteLinks`` (set by a page) gives a popup's links."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>
                .leaflet-container { background: #f3f1ec; }
                {%- for collection, rgb in this.cluster_rgb.items() %}
                .marker-cluster.vetmap-cluster-{{ collection }} { background-color: rgba({{ rgb }}, 0.35); }
                .marker-cluster.vetmap-cluster-{{ collection }} div {
                    background-color: rgba({{ rgb }}, 0.85); color: #fff; font-weight: bold;
                }
                {%- endfor %}
                .vetmap-popup-title { font-weight: bold; font-size: 1.05em; margin-bottom: 4px; }
                .vetmap-popup table { border-collapse: collapse; }
                .vetmap-popup th { font-weight: normal; color: #555; padding: 1px 8px 1px 0;
                                   vertical-align: top; white-space: nowrap; }
                .vetmap-popup td { padding: 1px 0; }
                .vetmap-popup .vetmap-popup-links { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 8px 0 0; }
                .vetmap-popup-links a { display: inline-block; padding: 4px 0; font-weight: bold; }
            </style>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var VetMapAtlas = (function () {
                // What the data say is put in as text (textContent), never parsed as HTML.
                function el(tag, className, text) {
                    var node = document.createElement(tag);
                    if (className) { node.className = className; }
                    if (text !== null && text !== undefined) { node.textContent = String(text); }
                    return node;
                }
                // a site's popup: its title, a row per [label, text], then the links the page offers for it
                // (site: {id, area_code}; api.siteLinks(collection, site) gives [[text, href], ...])
                function popup(collection, title, rows, site) {
                    var box = el("div", "vetmap-popup vetmap-popup-" + collection);
                    box.appendChild(el("div", "vetmap-popup-title", title));
                    var table = box.appendChild(el("table"));
                    rows.forEach(function (r) {
                        var tr = table.appendChild(el("tr"));
                        tr.appendChild(el("th", "", r[0]));
                        tr.appendChild(el("td", "", r[1]));
                    });
                    var links = site && api.siteLinks ? api.siteLinks(collection, site) : [];
                    if (links.length) {
                        var p = box.appendChild(el("p", "vetmap-popup-links"));
                        links.forEach(function (link) {
                            var a = p.appendChild(el("a", link[2] || "", link[0]));
                            a.href = link[1];
                        });
                    }
                    return box;
                }
                // rows: [lat, lon, style index, id, title, value index or null per label, area code]
                function popupOf(layer) {
                    var n = layer.labels.length;
                    return function (marker) {
                        var row = marker.vetmapRow;
                        var rows = [];
                        for (var j = 0; j < n; j++) {
                            var v = row[5 + j];
                            if (v === null || v === undefined) { continue; }
                            rows.push([layer.labels[j], layer.values[v]]);
                        }
                        return popup(layer.collection, row[4], rows, {id: row[3], area_code: row[5 + n]});
                    };
                }
                // Each layer's bubbles sit in their own corner of the point they count (stations up left,
                // memorials up right, cemeteries down left, graves down right), so bubbles of different layers
                // at one place stand side by side instead of hiding each other.
                var CORNERS = {stations: [-1, -1], memorials: [1, -1], cemeteries: [-1, 1], graves: [1, 1]};
                var SHIFT = 17;
                function clusterAnchor(collection, width, height) {
                    var c = CORNERS[collection] || [0, 0];
                    return new L.Point(width / 2 - c[0] * SHIFT, height / 2 - c[1] * SHIFT);
                }
                function clusterIcon(collection) {
                    return function (c) {
                        var n = Number(c.getChildCount());
                        var size = n < 10 ? "small" : (n < 100 ? "medium" : "large");
                        return L.divIcon({
                            html: "<div><span>" + n + "</span></div>",  // a number, nothing else
                            className: "marker-cluster marker-cluster-" + size
                                + " vetmap-cluster vetmap-cluster-" + collection,
                            iconSize: new L.Point(40, 40),
                            iconAnchor: clusterAnchor(collection, 40, 40)
                        });
                    };
                }
                // a layer's markers from its compact table (see _layer_payload)
                function markersOf(layer) {
                    var icons = layer.styles.map(function (s) {
                        return L.AwesomeMarkers.icon(
                            {icon: s[0], markerColor: s[1], prefix: "fa", iconColor: "white"});
                    });
                    var content = popupOf(layer);
                    var rows = layer.rows;
                    var markers = new Array(rows.length);
                    for (var i = 0; i < rows.length; i++) {
                        var row = rows[i];
                        var marker = L.marker([row[0], row[1]], {icon: icons[row[2]], title: row[4]});
                        marker.vetmapRow = row;
                        marker.vetmapId = row[3];
                        marker.bindPopup(content, {maxWidth: 320});
                        markers[i] = marker;
                    }
                    return markers;
                }
                // what runs once every fetched point layer is drawn (the outlines, the search's index)
                var waiting = [];
                function whenLoaded(fn) {
                    if (api.pending === 0) { fn(); } else { waiting.push(fn); }
                }
                function loaded() {
                    api.pending -= 1;
                    if (api.pending > 0) { return; }
                    var run = waiting.splice(0, waiting.length);
                    // after the markers' first paint
                    requestAnimationFrame(function () {
                        setTimeout(function () { run.forEach(function (fn) { fn(); }); }, 0);
                    });
                }
                function getJSON(url) {
                    return fetch(url, {credentials: "same-origin"}).then(function (response) {
                        if (!response.ok) { throw new Error(url + ": HTTP " + response.status); }
                        return response.json();
                    });
                }
                // a clustered layer of one collection, from its table or from the URL of its table (fetched at
                // once, drawn when it comes)
                function cluster(layer, options, collection) {
                    var group = L.markerClusterGroup(options);
                    group.options.iconCreateFunction = clusterIcon(collection || layer.collection);
                    if (typeof layer !== "string") {
                        group.addLayers(markersOf(layer));
                        return group;
                    }
                    api.pending += 1;
                    var asked = window.VetMapPrefetch && window.VetMapPrefetch[layer];  // see _prefetch
                    (asked || getJSON(layer)).then(function (data) {
                        group.addLayers(markersOf(data));
                    }).catch(function (error) {
                        if (window.console) { console.error(error); }
                    }).then(loaded);
                    return group;
                }
                // a GeoJSON layer drawn now, or (given a URL) fetched once the points are drawn
                function geoJSON(data, options) {
                    if (typeof data !== "string") { return L.geoJSON(data, options); }
                    var layer = L.geoJSON(null, options);
                    setTimeout(function () {  // once the page's script has started every point layer
                        whenLoaded(function () {
                            getJSON(data).then(function (geojson) {
                                layer.addData(geojson);
                                layer.fire("vetmap:data");
                            }).catch(function (error) {
                                if (window.console) { console.error(error); }
                            });
                        });
                    }, 0);
                    return layer;
                }
                // the page's layers by collection ("boundaries" for the outlines): {layer, kind}
                function register(collection, layer, kind) {
                    api.layers[collection] = {layer: layer, kind: kind};
                    return layer;
                }
                var api = {
                    popup: popup, cluster: cluster, clusterAnchor: clusterAnchor, register: register,
                    geoJSON: geoJSON, whenLoaded: whenLoaded, pending: 0,
                    layers: {}, map: null, control: null, siteLinks: null
                };
                return api;
            })();
            VetMapAtlas.map = {{ this._parent.get_name() }};
            L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "AtlasPage"
        self.cluster_rgb = dict(_CLUSTER_RGB)


class _PointCluster(MarkerCluster):
    """A MarkerCluster layer whose markers are created in the browser from one embedded JSON table."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = VetMapAtlas.cluster(
                {{ this.payload }},
                {{ this.options|tojavascript }},
                {{ this.collection }}
            );
            VetMapAtlas.register({{ this.collection }}, {{ this.get_name() }}, "embedded");
        {% endmacro %}
        """
    )

    default_js = [
        ("markerclusterjs", asset_url("markerclusterjs")),
        ("awesome_markers", asset_url("awesome_markers")),
    ]
    default_css = [
        ("markerclustercss", asset_url("markerclustercss")),
        ("markerclusterdefaultcss", asset_url("markerclusterdefaultcss")),
        ("awesome_markers_css", asset_url("awesome_markers_css")),
        ("awesome_markers_font_css", asset_url("awesome_markers_font_css")),
    ]

    def __init__(self, payload: dict[str, Any] | str, name: str, collection: str | None = None) -> None:
        """``payload``: the layer's table, or the URL the page fetches it from (then name its ``collection``)."""
        super().__init__(name=name, chunked_loading=True, show_coverage_on_hover=False)
        self._name = "PointCluster"
        self.payload = _script_json(payload)
        self.collection = _script_json(collection or payload["collection"])


_CLUSTER_SCRIPT = (STATIC_DIR / "atlas_clusters.js").read_text(encoding="utf-8")


class _ClusterScript(folium.MacroElement):
    """The script of the cluster-tile layers (web/static/atlas_clusters.js), inlined once per page."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.code }}
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ClusterScript"
        self.code = _CLUSTER_SCRIPT


class _ClusterTiles(JSCSSMixin, folium.map.Layer):
    """A layer drawn from the server's cluster tiles of one collection, fetched for the view (no points embedded);
    it brings the cluster bubbles' CSS and the marker icons' scripts itself (no embedded layer may be on the page)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = VetMapClusters.layer({{ this.options_json }});
            VetMapAtlas.register({{ this.collection }}, {{ this.get_name() }}, "tiled");
        {% endmacro %}
        """
    )

    default_js = _PointCluster.default_js
    default_css = _PointCluster.default_css

    def __init__(self, collection: str, url: str, name: str) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "ClusterTiles"
        self.options_json = _script_json({"collection": collection, "url": url})
        self.collection = _script_json(collection)


class _Outlines(folium.map.Layer):
    """Administrative outlines as a thin-lined, non-interactive GeoJSON overlay."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = {{ "VetMapAtlas.geoJSON" if this.fetched else "L.geoJSON" }}({{ this.data }}, {
                interactive: false,
                style: {color: "#6b6b6b", weight: 1, opacity: 0.9, fill: false},
                pointToLayer: function (feature, latlng) {
                    return L.circleMarker(latlng, {radius: 2, color: "#6b6b6b", weight: 1, fill: false});
                }
            });
            VetMapAtlas.register("boundaries", {{ this.get_name() }}, "outlines");
        {% endmacro %}
        """
    )

    def __init__(self, data: Mapping[str, Any] | str, name: str) -> None:
        """``data``: the GeoJSON, or the URL the page fetches it from once the points are drawn."""
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "Outlines"
        self.fetched = isinstance(data, str)
        if isinstance(data, str):
            self.data = _script_json(data)
            return
        if not isinstance(data, Mapping) or "type" not in data:
            raise ValueError("outlines must be a GeoJSON object (a FeatureCollection of boundaries)")
        self.data = _script_json(data)


class _PageLink(folium.MacroElement):
    """A link to another page (the coverage map) in a corner of the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function () {
                var control = L.control({position: "bottomleft"});
                control.onAdd = function () {
                    var a = L.DomUtil.create("a", "vetmap-page-link leaflet-bar");
                    a.href = {{ this.href }};
                    a.textContent = {{ this.label }};
                    a.style.cssText = "background:#fff;padding:4px 8px;display:block;width:auto;height:auto;";
                    return a;
                };
                control.addTo({{ this._parent.get_name() }});
            })();
        {% endmacro %}
        """
    )

    def __init__(self, href: str, label: str) -> None:
        super().__init__()
        self._name = "PageLink"
        self.href = _script_json(href)
        self.label = _script_json(label)


_LEGEND_SCRIPT = (STATIC_DIR / "atlas_legend.js").read_text(encoding="utf-8")
_LEGEND_CSS = (STATIC_DIR / "atlas_legend.css").read_text(encoding="utf-8")
_LEGEND_GROUPS: Mapping[str, str] = {
    "stations": "station_level",
    "memorials": "memorial_kind",
    "cemeteries": "cemetery_kind",
    "graves": "grave_kind",
}
_OUTLINE_COLOUR = "#6b6b6b"


def legend_items(collection: str, lang: str) -> list[list[str]]:
    """What a collection's legend lists, as [icon, colour, label]: its cluster bubble (icon "cluster", colour
    "r, g, b"), then each level or kind as its markers are drawn, then (stations) the colours of their status."""
    check_lang(lang)
    style = _STYLES[collection]
    items = [["cluster", _CLUSTER_RGB[collection], t("atlas.legend.cluster", lang)]]
    for kind, icon in style.icons.items():
        colour = style.colours.get(kind, style.default_colour)
        items.append([icon, colour, enum_label(_LEGEND_GROUPS[collection], kind, lang)])
    if collection == "stations":
        for status, colour in style.status_colours.items():
            items.append([style.default_icon, colour, enum_label("station_status", status, lang)])
    return items


def legend_spec(collections: tuple[str, ...], outlines: bool, lang: str) -> dict[str, Any]:
    """The legend of a map drawing ``collections`` (and the boundaries when ``outlines``), in ``lang``."""
    layers: dict[str, list[list[str]]] = {c: legend_items(c, lang) for c in collections}
    if outlines:
        layers["boundaries"] = [["line", _OUTLINE_COLOUR, t("atlas.legend.boundaries", lang)]]
    upkeep = [
        ["", colour, enum_label("upkeep_status", status, lang)] for status, colour in _PROBLEM_COLOURS.items()
    ]
    return {
        "toggle": t("atlas.legend.toggle", lang),
        "note": t("atlas.legend.note", lang),
        "upkeep": {"title": t("atlas.legend.upkeep", lang), "items": upkeep},
        "layers": layers,
    }


_DECLUTTER_SCRIPT = (STATIC_DIR / "atlas_declutter.js").read_text(encoding="utf-8")


class _Declutter(folium.MacroElement):
    """Keeps bubbles of different layers apart on screen (web/static/atlas_declutter.js, inlined once)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.code }}
            VetMapAtlas.declutter = VetMapDeclutter.attach({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Declutter"
        self.code = _DECLUTTER_SCRIPT


class _Legend(folium.MacroElement):
    """The legend, inside the layer control (web/static/atlas_legend.js and .css, inlined once)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        {{ this.code }}
            VetMapAtlas.control = {{ this.control.get_name() }};
            VetMapAtlas.legend = VetMapLegend.attach(
                {{ this._parent.get_name() }}, {{ this.control.get_name() }}, {{ this.spec }});
        {% endmacro %}
        """
    )

    def __init__(self, control: folium.LayerControl, spec: dict[str, Any]) -> None:
        super().__init__()
        self._name = "Legend"
        self.control = control
        self.spec = _script_json(spec)
        self.code = _LEGEND_SCRIPT
        self.css = _LEGEND_CSS


# Started first thing in <head>, so the fetched tables download while the vendor scripts load.
_PREFETCH = """<script>window.VetMapPrefetch = (function (urls) {
    var asked = {};
    if (!window.fetch) { return asked; }
    urls.forEach(function (url) {
        asked[url] = fetch(url, {credentials: "same-origin"}).then(function (response) {
            if (!response.ok) { throw new Error(url + ": HTTP " + response.status); }
            return response.json();
        });
        asked[url].catch(function () {});  // reported where it is used
    });
    return asked;
})(%s);</script>"""


def _prefetch(figure: OfflineFigure, urls: list[str]) -> None:
    """Ask for the fetched layers' tables at the top of the page's <head> (``VetMapAtlas.cluster`` takes them)."""
    if urls:
        figure.header.add_child(Element(_PREFETCH % _script_json(urls)), name="vetmap_prefetch", index=0)


def _light_assets(m: folium.Map) -> None:
    """The map without what Folium loads for Bootstrap components this page has none of: no jQuery, no
    Bootstrap script, and Bootstrap's base styles (reboot, 10 kB) instead of the whole framework (230 kB)."""
    m.default_js = [(name, url) for name, url in m.default_js if name not in ("jquery", "bootstrap")]
    m.default_css = [
        ("bootstrap_reboot_css", asset_url("bootstrap_reboot_css"))
        if name == "bootstrap_css"
        else (name, url)
        for name, url in m.default_css
    ]


def _check_bounds(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise ValueError(f"bounds must be finite numbers, got {bounds!r}")
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValueError(f"bounds must be (minx, miny, maxx, maxy) in WGS-84 lon/lat, got {bounds!r}")
    return minx, miny, maxx, maxy


def _data_bounds(payloads: list[dict[str, Any]]) -> tuple[float, float, float, float] | None:
    lats = [row[0] for payload in payloads for row in payload["rows"]]
    lons = [row[1] for payload in payloads for row in payload["rows"]]
    if not lats:
        return None
    return min(lons), min(lats), max(lons), max(lats)


def _shift_payload(payload: dict[str, Any], crs: str) -> dict[str, Any]:
    """The layer table with each row's lat/lon in the basemap's display CRS."""
    rows = payload["rows"]
    lons, lats = shift_points([r[1] for r in rows], [r[0] for r in rows], crs)
    shifted = [[round(lat, 6), round(lon, 6), *r[2:]] for r, lon, lat in zip(rows, lons, lats, strict=True)]
    return {**payload, "rows": shifted}


def layer_payload(
    collection: str, collection_data: Mapping[str, Any], lang: str, crs: str = "wgs84"
) -> dict[str, Any]:
    """The compact table a page draws one collection's clustered markers from (fetched by a page built with
    ``layer_urls``), its positions in the display CRS ``crs`` (web/basemaps.py)."""
    check_lang(lang)
    payload = _layer_payload(collection, collection_data, lang)
    return payload if crs == "wgs84" else _shift_payload(payload, crs)


def layer_json(collection: str, collection_data: Mapping[str, Any], lang: str, crs: str = "wgs84") -> str:
    """``layer_payload`` as compact JSON text."""
    return json.dumps(
        layer_payload(collection, collection_data, lang, crs), ensure_ascii=False, separators=(",", ":")
    )


def outlines_json(outlines: Mapping[str, Any], crs: str = "wgs84") -> str:
    """Administrative outlines (GeoJSON, WGS-84) as compact JSON text in the display CRS ``crs``."""
    shown = shift_geojson(outlines, crs) if crs != "wgs84" else outlines
    return json.dumps(shown, ensure_ascii=False, separators=(",", ":"))


def _with_crs(url: str, crs: str) -> str:
    """A cluster tile URL asking for positions in the display CRS (WGS-84 needs no parameter)."""
    if crs == "wgs84":
        return url
    return f"{url}{'&' if '?' in url else '?'}crs={crs}"


def build_atlas_map(
    layers: Mapping[str, dict],
    lang: str = "zh",
    bounds: tuple[float, float, float, float] | None = None,
    outlines: dict | None = None,
    coverage_url: str | None = None,
    basemap_name: str = "none",
    tianditu_key: str | None = None,
    page_url: tuple[str, Mapping[str, Any]] | None = None,
    cluster_urls: Mapping[str, str] | None = None,
    layer_urls: Mapping[str, str] | None = None,
    outlines_url: str | None = None,
) -> folium.Map:
    """Build the atlas map: one clustered layer per collection, optional outlines, in `lang`.

    ``cluster_urls`` maps collections drawn from the server's cluster tiles instead of embedded points (too many to
    embed) to their tile URL template (``{z}``, ``{x}``, ``{y}``); the layer asks for positions in the basemap's CRS.

    ``coverage_url``, when given, is linked from a corner of the map (the planners' coverage map).
    ``basemap_name`` (web/basemaps.py; default none: no internet needed) picks the tiles; on AMap the points,
    outlines and bounds (WGS-84 in) are drawn shifted to GCJ-02. ``page_url`` (path, query) makes the
    basemap switch link back to this page.

    ``layer_urls`` maps collections whose table (``layer_payload``) the page fetches instead of embedding it to
    its URL, and ``outlines_url`` is where the page fetches the outlines once the points are drawn (instead of
    ``outlines``); both are asked for in the basemap's CRS (``crs=`` added). With them the page stays small and
    the heavy data is cached by the browser apart from it.
    """
    check_lang(lang)
    crs = basemap(basemap_name, lang, tianditu_key).crs
    tiled = dict(cluster_urls or {})
    fetched = dict(layer_urls or {})
    unknown = (set(layers) | set(tiled) | set(fetched)) - set(COLLECTIONS)
    if unknown:
        raise ValueError(f"unknown collections {sorted(unknown)}; expected some of {', '.join(COLLECTIONS)}")
    both = (set(layers) & set(tiled)) | (set(layers) & set(fetched)) | (set(tiled) & set(fetched))
    if both:
        raise ValueError(f"collections drawn twice (embedded, fetched or tiled): {sorted(both)}")
    payloads = [
        _layer_payload(collection, layers[collection], lang)
        for collection in COLLECTIONS
        if collection in layers
    ]
    fit = _check_bounds(bounds) if bounds is not None else _data_bounds(payloads)
    if crs != "wgs84":
        payloads = [_shift_payload(p, crs) for p in payloads]
        fit = shift_bounds(fit, crs) if fit is not None else None
        outlines = shift_geojson(outlines, crs) if outlines is not None else None
    if fit is None:
        location, zoom = _CHINA_CENTER, _CHINA_ZOOM
    else:
        location, zoom = ((fit[1] + fit[3]) / 2, (fit[0] + fit[2]) / 2), 8

    # With no tile layer the map must state its zoom range itself (markercluster refuses an infinite one).
    m = folium.Map(
        location=location,
        zoom_start=zoom,
        tiles=None,
        control_scale=False,  # a metric-only scale is added by _AtlasPage
        minZoom=_MIN_ZOOM,
        maxZoom=_MAX_ZOOM,
    )
    _light_assets(m)
    figure = OfflineFigure(lang=html_lang(lang), title=t("app.title", lang))
    figure.add_child(m)
    _prefetch(figure, [_with_crs(fetched[c], crs) for c in COLLECTIONS if c in fetched])
    m.add_child(_AtlasPage())
    add_basemap(m, basemap_name, lang, tianditu_key, switch_url=page_url)

    if outlines_url is not None:
        m.add_child(_Outlines(_with_crs(outlines_url, crs), name=t("layer.boundaries", lang)))
    elif outlines is not None:
        m.add_child(_Outlines(outlines, name=t("layer.boundaries", lang)))
    if tiled:
        m.add_child(_ClusterScript())
    payload_of = {p["collection"]: p for p in payloads}
    for collection in COLLECTIONS:
        name = t(f"layer.{collection}", lang)
        if collection in payload_of:
            _PointCluster(payload_of[collection], name=name).add_to(m)
        elif collection in fetched:
            _PointCluster(_with_crs(fetched[collection], crs), name=name, collection=collection).add_to(m)
        elif collection in tiled:
            _ClusterTiles(collection, _with_crs(tiled[collection], crs), name=name).add_to(m)

    m.add_child(_Declutter())
    control = folium.LayerControl(collapsed=False)
    control.add_to(m)
    drawn = tuple(c for c in COLLECTIONS if c in payload_of or c in tiled or c in fetched)
    has_outlines = outlines is not None or outlines_url is not None
    m.add_child(_Legend(control, legend_spec(drawn, has_outlines, lang)))
    if coverage_url is not None:
        m.add_child(_PageLink(coverage_url, t("coverage.title", lang)))
    if fit is not None:
        minx, miny, maxx, maxy = fit
        m.fit_bounds([[miny, minx], [maxy, maxx]], padding=(12, 12), max_zoom=_FIT_MAX_ZOOM)
    return localize_assets(m)
