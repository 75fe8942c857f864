/* The staff site pages' map helpers (sites.js, zones.js): the basemap, our area's outline, and WGS-84 ⇄ display
 * coordinates. Stored data are WGS-84; on a GCJ-02 basemap (AMap) every overlay is shifted to GCJ-02 to be drawn
 * and every position read from the map (a drag, a click, a drawn polygon) is shifted back before it is sent
 * (the same formula as geo/kit/crs.py and web/basemaps.py's VetMapCRS). */
(function () {
  "use strict";
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

  function round7(v) { return Math.round(v * 1e7) / 1e7; }

  /* A Leaflet map in element ``id`` on the page's basemap, with my area's outline; returns the map. */
  function makeMap(id, config) {
    var map = L.map(id, {zoomControl: true});
    var basemap = config.basemap || {crs: "wgs84", layers: []};
    map.vetmapCrs = basemap.crs;
    if (map.pm && map.pm.setLang) { map.pm.setLang(config.lang === "zh" ? "zh" : "en"); }  // Geoman's own hints
    (basemap.layers || []).forEach(function (layer) {
      var options = {attribution: layer.attribution || "", maxZoom: layer.maxZoom || 18};
      if (layer.subdomains) { options.subdomains = layer.subdomains; }
      L.tileLayer(layer.url, options).addTo(map);
    });
    if (config.outline) {
      map.vetmapOutline = L.geoJSON(toDisplay(map, {type: "Feature", geometry: config.outline, properties: {}}), {
        style: {color: "#17324d", weight: 2, dashArray: "6 4", fill: false},
        interactive: false,
        pmIgnore: true
      }).addTo(map);
    }
    labelVertices(map, config.vertexLabel || "");
    window.VetSites.maps[id] = map;
    return map;
  }

  /* Geoman's vertex handles are buttons with no name: give each one the catalogue's word for a corner. */
  function labelVertices(map, label) {
    var pane = map.getPane("markerPane");
    function name(el) {
      if (el.nodeType === 1 && el.classList.contains("marker-icon") && !el.hasAttribute("aria-label")) {
        el.setAttribute("aria-label", label);
      }
    }
    new MutationObserver(function (records) {
      records.forEach(function (r) { r.addedNodes.forEach(name); });
    }).observe(pane, {childList: true});
  }

  /* WGS-84 [lon, lat] → the LatLng to draw it at on this map. */
  function toMap(map, lon, lat) {
    var p = map.vetmapCrs === "gcj02" ? wgs84ToGcj02(lon, lat) : [lon, lat];
    return L.latLng(p[1], p[0]);
  }
  /* A position on the map (as drawn) → WGS-84 [lon, lat], rounded to 1e-7 degree. */
  function toWgs84(map, latlng) {
    var ll = L.latLng(latlng);
    var p = map.vetmapCrs === "gcj02" ? gcj02ToWgs84(ll.lng, ll.lat) : [ll.lng, ll.lat];
    return [round7(p[0]), round7(p[1])];
  }

  function mapCoords(coords, fn) {
    if (typeof coords[0] === "number") { return fn(coords); }
    return coords.map(function (c) { return mapCoords(c, fn); });
  }
  function convertGeometry(geometry, fn) {
    if (!geometry) { return geometry; }
    return {type: geometry.type, coordinates: mapCoords(geometry.coordinates, fn)};
  }
  /* A WGS-84 GeoJSON Feature or geometry as this map draws it. */
  function toDisplay(map, obj) {
    if (map.vetmapCrs !== "gcj02") { return obj; }
    var fn = function (p) { return wgs84ToGcj02(p[0], p[1]); };
    if (obj.type === "Feature") { return {type: "Feature", properties: obj.properties, geometry: convertGeometry(obj.geometry, fn)}; }
    return convertGeometry(obj, fn);
  }
  /* A GeoJSON geometry read from this map (display coordinates) in WGS-84, rounded to 1e-7 degree. */
  function fromDisplay(map, geometry) {
    var fn = map.vetmapCrs === "gcj02"
      ? function (p) { var q = gcj02ToWgs84(p[0], p[1]); return [round7(q[0]), round7(q[1])]; }
      : function (p) { return [round7(p[0]), round7(p[1])]; };
    return convertGeometry(geometry, fn);
  }

  /* The polygons of a layer group as one WGS-84 MultiPolygon geometry, or null when it holds none. */
  function groupToMultiPolygon(map, group) {
    var polygons = [];
    group.eachLayer(function (layer) {
      if (!layer.toGeoJSON) { return; }
      var g = layer.toGeoJSON().geometry;
      if (!g) { return; }
      if (g.type === "Polygon") { polygons.push(g.coordinates); }
      if (g.type === "MultiPolygon") { polygons = polygons.concat(g.coordinates); }
    });
    if (!polygons.length) { return null; }
    return fromDisplay(map, {type: "MultiPolygon", coordinates: polygons});
  }

  /* A JSON answer's reason, in the page's language as the API writes it; never raw JSON. */
  function reasonOf(body, fallback) {
    if (body && typeof body.detail === "string") { return body.detail; }
    return fallback;
  }

  /* A number of square metres as the page writes it (thousands separated). */
  function squareMetres(n, lang) {
    return Math.round(n).toLocaleString(lang === "zh" ? "zh-CN" : "en");
  }

  function readConfig(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  window.VetSites = {
    makeMap: makeMap, toMap: toMap, toWgs84: toWgs84, toDisplay: toDisplay, fromDisplay: fromDisplay,
    groupToMultiPolygon: groupToMultiPolygon, reasonOf: reasonOf, squareMetres: squareMetres,
    readConfig: readConfig, wgs84ToGcj02: wgs84ToGcj02, gcj02ToWgs84: gcj02ToWgs84,
    maps: {}  // the page's maps by element id (for tests and the browser console)
  };
})();
