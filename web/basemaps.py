"""Basemaps of the Folium pages: OpenStreetMap (default), Tianditu (天地图, with a key), AMap (高德, GCJ-02) and none.

- ``osm``: OpenStreetMap's standard tiles (WGS-84 / Web Mercator, like our data).
- ``tianditu``: Tianditu's vector map plus its annotation layer (Chinese labels, English ones on English pages),
  offered only when settings carry a key (``VETMAP_TIANDITU_KEY``).
- ``amap``: AMap's road map, drawn in GCJ-02. The choice made here: the *server* shifts every overlay coordinate
  WGS-84 → GCJ-02 (geo/kit/crs.py ``wgs84_to_gcj02``) before the page is built (``shift_points``, ``shift_geojson``),
  and the page carries ``VetMapCRS`` (a port of the small forward formula, inverse by fixed-point iteration) so
  a click handler turns the clicked GCJ-02 position back into WGS-84 *before* it sends anything:
  ``VetMapCRS.toWgs84(map, latlng)`` → ``[lon, lat]`` in WGS-84 on every basemap. Stored data stay WGS-84.
- ``none``: no tiles at all (an intranet with no internet): our own boundaries only.

Every page must work without the internet: tiles that fail to load leave the overlays in place, and the map marks
itself ``vetmap-basemap-offline`` with a short note. The choice comes from ``?basemap=``, else the ``basemap``
cookie (remembered like the language, api/preferences.py), else ``settings.basemap``.

To adopt on a page (one call after ``folium.Map(tiles=None, ...)``): ``add_basemap(m, choice, lang, key,
switch_url=...)``; for ``choice.crs == "gcj02"`` shift the overlay data first with ``shift_points`` /
``shift_geojson``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import folium
import numpy as np
from folium.template import Template

from geo.kit.crs import wgs84_to_gcj02
from web.i18n import check_lang, choose_url, t

BASEMAPS: tuple[str, ...] = ("osm", "tianditu", "amap", "none")
"""Every basemap name, in the order the switch lists them."""

TILE_HOSTS: tuple[str, ...] = (
    "https://tile.openstreetmap.org",
    "https://*.tianditu.gov.cn",
    "https://*.is.autonavi.com",
)
"""Origins the tiles come from (the pages' Content-Security-Policy allows images from them)."""

_OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_TIANDITU_URL = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)
_AMAP_URL = (
    "https://webrd0{s}.is.autonavi.com/appmaptile?lang={lang}&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
)


@dataclass(frozen=True)
class TileSpec:
    """One tile layer: URL template, attribution, subdomains, whether it lies over the base layer."""

    url: str
    attribution: str
    subdomains: str = "abc"
    overlay: bool = False
    max_zoom: int = 18


@dataclass(frozen=True)
class Basemap:
    """A chosen basemap: its name, the CRS overlays must be drawn in (wgs84 or gcj02) and its tile layers."""

    name: str
    crs: str
    layers: tuple[TileSpec, ...]


def available_basemaps(tianditu_key: str | None) -> tuple[str, ...]:
    """The basemaps a page may offer: Tianditu only with a key."""
    return tuple(b for b in BASEMAPS if b != "tianditu" or tianditu_key)


def choose_basemap(
    requested: str | None, remembered: str | None, default: str, tianditu_key: str | None
) -> str:
    """The basemap to draw: the requested one, else the remembered one (cookie), else the default, each if
    available; else ``osm``. Unknown or unavailable names are skipped, never an error."""
    offered = available_basemaps(tianditu_key)
    for name in (requested, remembered, default):
        if name in offered:
            return name
    return "osm"


def basemap(name: str, lang: str, tianditu_key: str | None = None) -> Basemap:
    """The layers of basemap ``name`` with labels in ``lang``; ValueError if unknown or (Tianditu) unkeyed."""
    check_lang(lang)
    if name == "osm":
        attribution = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
        return Basemap("osm", "wgs84", (TileSpec(_OSM_URL, attribution, subdomains="", max_zoom=19),))
    if name == "tianditu":
        if not tianditu_key:
            raise ValueError("the Tianditu basemap needs a key (VETMAP_TIANDITU_KEY)")
        attribution = '&copy; <a href="https://www.tianditu.gov.cn/">天地图 Tianditu</a> GS(2024)0568号'
        key = tianditu_key.replace("&", "%26")
        labels = "cva" if lang == "zh" else "eva"
        vec = _TIANDITU_URL.replace("{layer}", "vec").replace("{key}", key)
        cva = _TIANDITU_URL.replace("{layer}", labels).replace("{key}", key)
        return Basemap(
            "tianditu",
            "wgs84",
            (TileSpec(vec, attribution, "01234567"), TileSpec(cva, "", "01234567", overlay=True)),
        )
    if name == "amap":
        attribution = '&copy; <a href="https://www.amap.com/">高德地图 AMap</a>'
        url = _AMAP_URL.replace("{lang}", "zh_cn" if lang == "zh" else "en")
        return Basemap("amap", "gcj02", (TileSpec(url, attribution, "1234"),))
    if name == "none":
        return Basemap("none", "wgs84", ())
    raise ValueError(f"unknown basemap {name!r}; expected one of {', '.join(BASEMAPS)}")


def shift_points(lons: Sequence[float], lats: Sequence[float], crs: str) -> tuple[list[float], list[float]]:
    """WGS-84 lon/lat (degrees) as the basemap draws them: unchanged for wgs84, shifted for gcj02."""
    if crs == "wgs84" or len(lons) == 0:
        return list(lons), list(lats)
    if crs != "gcj02":
        raise ValueError(f"unknown display CRS {crs!r}")
    out_lon, out_lat = wgs84_to_gcj02(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    return out_lon.tolist(), out_lat.tolist()


def _collect(coords: Any, runs: list[list]) -> Any:
    """``coords`` with each run of positions (or a lone position) replaced by its index in ``runs``."""
    if coords and isinstance(coords[0], int | float):
        runs.append([coords])
        return ("one", len(runs) - 1)
    if coords and isinstance(coords[0], list | tuple) and coords[0] and isinstance(coords[0][0], int | float):
        runs.append(coords)
        return ("run", len(runs) - 1)
    return [_collect(c, runs) for c in coords]


def _rebuild(template: Any, shifted: list[list]) -> Any:
    if isinstance(template, tuple):
        run = shifted[template[1]]
        return run[0] if template[0] == "one" else run
    return [_rebuild(t, shifted) for t in template]


def shift_geojson(obj: Mapping[str, Any], crs: str, decimals: int | None = None) -> dict[str, Any]:
    """A copy of a WGS-84 GeoJSON object (FeatureCollection, Feature or geometry) as the basemap draws it: on AMap
    every vertex shifted to GCJ-02 in one vectorised call, rounded to ``decimals`` when given; properties and
    anything past x, y kept."""
    if crs == "wgs84":
        return dict(obj)
    if crs != "gcj02":
        raise ValueError(f"unknown display CRS {crs!r}")
    runs: list[list] = []

    def geometry(g: Mapping[str, Any] | None) -> Any:
        if g is None:
            return None
        if g.get("type") == "GeometryCollection":
            return {**g, "geometries": [geometry(x) for x in g.get("geometries", [])]}
        return {**g, "coordinates": _collect(g["coordinates"], runs)}

    def walk(item: Mapping[str, Any]) -> Any:
        kind = item.get("type")
        if kind == "FeatureCollection":
            return {**item, "features": [walk(f) for f in item.get("features", [])]}
        if kind == "Feature":
            return {**item, "geometry": geometry(item.get("geometry"))}
        return geometry(item)

    template = walk(obj)
    if not runs:
        return template
    flat = [p for run in runs for p in run]
    lons, lats = shift_points([p[0] for p in flat], [p[1] for p in flat], crs)
    if decimals is not None:
        lons, lats = [round(x, decimals) for x in lons], [round(y, decimals) for y in lats]
    moved = [[x, y, *p[2:]] for p, x, y in zip(flat, lons, lats, strict=True)]
    shifted, start = [], 0
    for run in runs:
        shifted.append(moved[start : start + len(run)])
        start += len(run)

    def fill(item: Any) -> Any:
        if isinstance(item, dict):
            if "coordinates" in item and item.get("type") != "GeometryCollection":
                return {**item, "coordinates": _rebuild(item["coordinates"], shifted)}
            return {k: fill(v) if k in ("features", "geometry", "geometries") else v for k, v in item.items()}
        if isinstance(item, list):
            return [fill(x) for x in item]
        return item

    return fill(template)


def shift_bounds(bounds: tuple[float, float, float, float], crs: str) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) in WGS-84 as the basemap draws them (the box of the shifted corners)."""
    lons, lats = shift_points(
        [bounds[0], bounds[2], bounds[0], bounds[2]], [bounds[1], bounds[1], bounds[3], bounds[3]], crs
    )
    return min(lons), min(lats), max(lons), max(lats)


def switch_links(
    page: str, params: Mapping[str, Any], current: str, tianditu_key: str | None, lang: str
) -> list[tuple[str, str, bool]]:
    """(label, href, is current) of each offered basemap: a link that remembers it and reopens the page."""
    links = []
    for name in available_basemaps(tianditu_key):
        kept = {k: v for k, v in params.items() if v is not None and k != "basemap"}
        here = page + (f"?{urlencode(kept)}" if kept else "")
        links.append((t(f"basemap.{name}", lang), choose_url(here, basemap=name), name == current))
    return links


def _script_json(obj: Any) -> str:
    return (
        json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


class _BasemapControl(folium.MacroElement):
    """VetMapCRS (WGS-84 ⇄ GCJ-02 in the browser), the offline note and the basemap switch of one map."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>
                .vetmap-basemap-switch { background: #fff; padding: 4px 6px; font-size: 12px; line-height: 1.5; }
                .vetmap-basemap-switch a, .leaflet-bar.vetmap-basemap-switch a {
                    display: block; width: auto; height: auto; line-height: 1.6; padding: 0 4px;
                    text-align: left; white-space: nowrap; color: #1f5fa8; text-decoration: none;
                }
                .vetmap-basemap-switch a[aria-current] { font-weight: bold; color: #222; }
                .vetmap-basemap-note { display: none; background: #fff8e1; padding: 2px 6px; font-size: 12px; }
                .vetmap-basemap-offline .vetmap-basemap-note { display: block; }
            </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var VetMapCRS = window.VetMapCRS || (function () {
                var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;
                function outOfChina(lon, lat) {
                    return !(lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
                }
                function offset(lon, lat) {
                    var x = lon - 105.0, y = lat - 35.0, s = Math.sqrt(Math.abs(x));
                    var common = (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
                    var dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * s + common
                        + (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0
                        + (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
                    var dLon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * s + common
                        + (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0
                        + (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
                    var radLat = lat / 180.0 * PI;
                    var magic = 1.0 - EE * Math.sin(radLat) * Math.sin(radLat), sm = Math.sqrt(magic);
                    return [(dLon * 180.0) / (A / sm * Math.cos(radLat) * PI),
                            (dLat * 180.0) / ((A * (1.0 - EE)) / (magic * sm) * PI)];
                }
                function wgs84ToGcj02(lon, lat) {
                    if (outOfChina(lon, lat)) { return [lon, lat]; }
                    var d = offset(lon, lat);
                    return [lon + d[0], lat + d[1]];
                }
                function gcj02ToWgs84(lon, lat) {
                    if (outOfChina(lon, lat)) { return [lon, lat]; }
                    var d = offset(lon, lat), x = lon - d[0], y = lat - d[1];
                    for (var i = 0; i < 50; i++) {
                        var f = wgs84ToGcj02(x, y), rx = f[0] - lon, ry = f[1] - lat;
                        if (Math.abs(rx) < 1e-9 && Math.abs(ry) < 1e-9) { break; }
                        x -= rx; y -= ry;
                    }
                    return [x, y];
                }
                // a position on the map (as drawn) to WGS-84 [lon, lat], whatever the basemap
                function toWgs84(map, latlng) {
                    var ll = L.latLng(latlng);
                    return map.vetmapCrs === "gcj02" ? gcj02ToWgs84(ll.lng, ll.lat) : [ll.lng, ll.lat];
                }
                // a WGS-84 [lon, lat] to the position to draw it at on the map
                function toMap(map, lon, lat) {
                    var p = map.vetmapCrs === "gcj02" ? wgs84ToGcj02(lon, lat) : [lon, lat];
                    return L.latLng(p[1], p[0]);
                }
                return {wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84, toWgs84: toWgs84, toMap: toMap};
            })();
            window.VetMapCRS = VetMapCRS;
            (function (map) {
                map.vetmapCrs = {{ this.crs }};
                map.vetmapBasemap = {{ this.name }};
                var tiles = [{% for layer in this.tile_layers %}{{ layer.get_name() }}{{ "," if not loop.last }}{% endfor %}];
                var control = L.control({position: "bottomleft"});
                control.onAdd = function () {
                    var box = L.DomUtil.create("div", "vetmap-basemap-switch leaflet-bar");
                    var note = L.DomUtil.create("div", "vetmap-basemap-note", box);
                    note.textContent = {{ this.offline_note }};
                    {{ this.links }}.forEach(function (link) {
                        var a = L.DomUtil.create("a", "", box);
                        a.href = link[1];
                        a.textContent = link[0];
                        if (link[2]) { a.setAttribute("aria-current", "true"); }
                    });
                    L.DomEvent.disableClickPropagation(box);
                    return box;
                };
                control.addTo(map);
                var failed = 0;
                tiles.forEach(function (layer) {
                    layer.on("tileerror", function () {
                        failed += 1;
                        L.DomUtil.addClass(map.getContainer(), "vetmap-basemap-offline");
                    });
                    layer.on("tileload", function () {
                        L.DomUtil.removeClass(map.getContainer(), "vetmap-basemap-offline");
                    });
                });
            })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, chosen: Basemap, tile_layers: list[folium.TileLayer], links: list, lang: str) -> None:
        super().__init__()
        self._name = "BasemapControl"
        self.crs = _script_json(chosen.crs)
        self.name = _script_json(chosen.name)
        self.tile_layers = tile_layers
        self.links = _script_json(links)
        self.offline_note = _script_json(t("basemap.offline", lang))


def add_basemap(
    m: folium.Map,
    name: str,
    lang: str,
    tianditu_key: str | None = None,
    switch_url: tuple[str, Mapping[str, Any]] | None = None,
) -> Basemap:
    """Add basemap ``name``'s tile layers, ``VetMapCRS`` and the basemap switch to a map built with
    ``tiles=None``; returns the basemap (its ``crs`` says whether overlays must be shifted to GCJ-02).

    ``switch_url`` is (page path, its query parameters): each offered basemap is linked as that URL with
    ``basemap`` set. The overlays are the caller's, already in the returned CRS.
    """
    chosen = basemap(name, lang, tianditu_key)
    layers = []
    for spec in chosen.layers:
        options: dict[str, Any] = {"subdomains": spec.subdomains} if spec.subdomains else {}
        layer = folium.TileLayer(
            tiles=spec.url,
            attr=spec.attribution or " ",
            name=t(f"basemap.{chosen.name}", lang)
            + (f" · {t('basemap.labels', lang)}" if spec.overlay else ""),
            overlay=spec.overlay,
            control=False,
            max_zoom=spec.max_zoom,
            max_native_zoom=spec.max_zoom,
            **options,
        )
        layer.add_to(m)
        layers.append(layer)
    links = [] if switch_url is None else switch_links(switch_url[0], switch_url[1], name, tianditu_key, lang)
    m.add_child(_BasemapControl(chosen, layers, links, lang))
    return chosen
