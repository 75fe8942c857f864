/* The protection-zone check (/staff/zones/check): draw a construction polygon with Leaflet-Geoman, or read one
 * from a file (POST /api/v1/protection-zones/polygon-file), then list and draw every zone it overlaps
 * (POST /api/v1/protection-zones/overlaps) with the overlap in m². Names are written as text, never HTML. */
(function () {
  "use strict";
  var V = window.VetSites;
  var cfg = V.readConfig("zones-config");
  var M = cfg.messages;
  var map = V.makeMap("zones-map", cfg);
  var drawn = L.featureGroup().addTo(map);
  var results = L.featureGroup().addTo(map);
  var status = document.getElementById("zones-status");
  var mapStatus = document.getElementById("zones-map-status");
  var table = document.getElementById("zones-table");
  var finish = document.getElementById("zones-finish");
  var DRAWN = {color: "#1f5fa8", weight: 3, fillColor: "#1f5fa8", fillOpacity: 0.12};

  function say(template, params) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return params && k in params ? params[k] : ""; });
  }
  function setStatus(el, text, kind) {
    el.textContent = text;
    el.className = el.className.replace(/\s*is-\w+/g, "") + (kind ? " is-" + kind : "");
  }
  if (map.vetmapOutline) { map.fitBounds(map.vetmapOutline.getBounds()); } else { map.setView([35, 105], 4); }

  /* The zones in view, drawn faintly before anything is checked, so a person sees where they lie (zoom 13+). */
  var context = L.featureGroup().addTo(map);
  context.bringToBack && context.bringToBack();
  var contextAsked = 0;
  function loadContext() {
    if (map.getZoom() < 13) { context.clearLayers(); return; }
    var b = map.getBounds();
    var sw = V.toWgs84(map, b.getSouthWest()), ne = V.toWgs84(map, b.getNorthEast());
    var bbox = [sw[0], sw[1], ne[0], ne[1]].map(function (v) { return v.toFixed(6); }).join(",");
    var asked = ++contextAsked;
    Promise.all(["memorials", "cemeteries"].map(function (collection) {
      return fetch("/api/v1/" + collection + "/within?limit=500&bbox=" + bbox, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {features: []}; })
        .then(function (body) { return {collection: collection, features: body.features || []}; });
    })).then(function (answers) {
      if (asked !== contextAsked) { return; }
      context.clearLayers();
      answers.forEach(function (a) {
        a.features.forEach(function (f) {
          ["control_zone", "protection_zone"].forEach(function (zone) {
            var g = f.properties[zone];
            if (!g) { return; }
            var color = cfg.colors[zone];
            var layer = L.geoJSON(V.toDisplay(map, g), {
              style: {color: color, weight: 1, dashArray: "4 3", fillColor: color, fillOpacity: 0.05},
              pmIgnore: true, interactive: false
            });
            context.addLayer(layer);
          });
        });
      });
    }, function () { /* context only: the check itself reports its own failures */ });
  }
  map.on("moveend", loadContext);
  loadContext();

  function setDrawn(geometry) {
    drawn.clearLayers();
    L.geoJSON(V.toDisplay(map, geometry), {style: DRAWN}).eachLayer(function (l) { drawn.addLayer(l); });
  }
  function headers(json) {
    var h = {"X-CSRF-Token": cfg.csrf, "Accept-Language": cfg.lang};
    if (json) { h["Content-Type"] = "application/json"; }
    return h;
  }
  function answer(response) {
    return response.json().catch(function () { return null; }).then(function (body) {
      return {response: response, body: body};
    });
  }

  function showResult(body) {
    results.clearLayers();
    var tbody = table.querySelector("tbody");
    tbody.textContent = "";
    var area = say(M.polygon_m2, {n: V.squareMetres(body.polygon_m2, cfg.lang)});
    body.overlaps.forEach(function (o) {
      var color = cfg.colors[o.zone] || "#333";
      var zoneLayer = L.geoJSON(V.toDisplay(map, o.zone_geometry),
                                {style: {color: color, weight: 2, fillColor: color, fillOpacity: 0.12}});
      var tip = document.createElement("span");
      tip.textContent = o.name + " · " + (cfg.zones[o.zone] || o.zone);
      zoneLayer.bindTooltip(tip, {sticky: true});
      results.addLayer(zoneLayer);
      if (o.overlap_geometry) {
        results.addLayer(L.geoJSON(V.toDisplay(map, o.overlap_geometry),
                                   {style: {color: "#6c1b9e", weight: 2, fillColor: "#6c1b9e", fillOpacity: 0.45},
                                    interactive: false}));
      }
      var tr = document.createElement("tr");
      tr.setAttribute("data-site", o.collection + "/" + o.id);
      tr.setAttribute("data-zone", o.zone);
      var site = document.createElement("td");
      var a = document.createElement("a");
      a.href = "/staff/sites/" + o.collection + "/" + o.id;
      a.textContent = o.name;
      site.appendChild(a);
      var kind = document.createElement("span");
      kind.className = "hint";
      kind.textContent = " " + (cfg.collections[o.collection] || o.collection) + " · "
        + ((cfg.kinds[o.collection] || {})[o.kind] || o.kind);
      site.appendChild(document.createElement("br"));
      site.appendChild(kind);
      var cells = [
        site,
        cfg.zones[o.zone] || o.zone,
        cfg.levels[o.protection_level] || o.protection_level,
        V.squareMetres(o.overlap_m2, cfg.lang),
        o.zone_m2 > 0 ? (100 * o.overlap_m2 / o.zone_m2).toFixed(1) + "%" : "—"
      ];
      cells.forEach(function (c, i) {
        var td = c instanceof Node ? c : document.createElement("td");
        if (!(c instanceof Node)) { td.textContent = c; }
        if (i >= 3) { td.className = "num"; }
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    table.hidden = body.overlaps.length === 0;
    if (body.overlaps.length) {
      setStatus(status, say(M.found, {area: area, n: body.overlaps.length}), "error");
    } else {
      setStatus(status, say(M.none, {area: area}), "ok");
    }
    var bounds = drawn.getBounds();
    if (results.getLayers().length) { bounds = bounds.extend(results.getBounds()); }
    if (bounds.isValid()) { map.fitBounds(bounds.pad(0.2), {maxZoom: 17}); }
  }

  function check() {
    var geometry = V.groupToMultiPolygon(map, drawn);
    if (!geometry) { setStatus(status, M.draw_first, "error"); return; }
    setStatus(status, M.checking);
    fetch("/api/v1/protection-zones/overlaps?lang=" + cfg.lang, {
      method: "POST", credentials: "same-origin", headers: headers(true), body: JSON.stringify(geometry)
    }).then(answer).then(function (a) {
      if (a.response.ok && a.body) { showResult(a.body); return; }
      setStatus(status, say(M.failed, {reason: V.reasonOf(a.body, String(a.response.status))}), "error");
    }, function () { setStatus(status, M.offline, "error"); });
  }

  document.getElementById("zones-draw").addEventListener("click", function () {
    map.pm.enableDraw("Polygon", {snappable: false, allowSelfIntersection: false, pathOptions: DRAWN,
                                  templineStyle: {color: DRAWN.color}, hintlineStyle: {color: DRAWN.color, dashArray: "5,5"}});
    finish.hidden = false;
    setStatus(mapStatus, M.draw_hint);
  });
  finish.addEventListener("click", function () {
    var draw = map.pm.Draw && map.pm.Draw.Polygon;
    if (draw && draw._enabled && draw._layer && draw._layer.getLatLngs().length >= 3) { draw._finishShape(); }
  });
  map.on("pm:create", function (e) {
    map.removeLayer(e.layer);
    drawn.clearLayers();
    L.geoJSON(e.layer.toGeoJSON(), {style: DRAWN}).eachLayer(function (l) {
      drawn.addLayer(l);
      l.pm.enable({allowSelfIntersection: false, snappable: false});
      l.on("pm:edit", check);
    });
    finish.hidden = true;
    setStatus(mapStatus, "");
    check();
  });
  document.getElementById("zones-clear").addEventListener("click", function () {
    map.pm.disableDraw();
    finish.hidden = true;
    drawn.clearLayers();
    results.clearLayers();
    table.hidden = true;
    table.querySelector("tbody").textContent = "";
    setStatus(status, M.cleared);
    setStatus(mapStatus, "");
  });

  var fileError = document.getElementById("error-file");
  document.getElementById("zones-upload").addEventListener("submit", function (e) {
    e.preventDefault();
    fileError.hidden = true;
    var fileInput = document.getElementById("zones-file");
    if (!fileInput.files.length) {
      fileError.textContent = M.no_file;
      fileError.hidden = false;
      fileInput.setAttribute("aria-invalid", "true");
      return;
    }
    fileInput.removeAttribute("aria-invalid");
    var data = new FormData();
    data.append("file", fileInput.files[0]);
    var crs = document.getElementById("zones-crs").value;
    if (crs) { data.append("crs", crs); }
    setStatus(status, M.reading);
    fetch("/api/v1/protection-zones/polygon-file?lang=" + cfg.lang, {
      method: "POST", credentials: "same-origin", headers: headers(false), body: data
    }).then(answer).then(function (a) {
      if (a.response.ok && a.body) {
        setDrawn(a.body.geometry);
        setStatus(mapStatus, say(M.read, {name: a.body.properties.name}));
        check();
        return;
      }
      var reason = V.reasonOf(a.body, String(a.response.status));
      fileError.textContent = reason;
      fileError.hidden = false;
      fileInput.setAttribute("aria-invalid", "true");
      setStatus(status, say(M.failed, {reason: reason}), "error");
    }, function () { setStatus(status, M.offline, "error"); });
  });
})();
