/* The site edit page (/staff/sites/{collection}/{id} and …/new): the form, the point dragged on the map, the zones
 * drawn with Leaflet-Geoman, and saving through the API with the version read (If-Match). A stale save (someone
 * saved in between) shows the differences field by field and reapplies mine on the new version. Every sentence
 * comes from the page's catalogue (config.messages) or the API's answer in the page's language. */
(function () {
  "use strict";
  var V = window.VetSites;
  var cfg = V.readConfig("site-config");
  var M = cfg.messages;
  var form = document.getElementById("site-form");
  var statusLine = document.getElementById("save-status");
  var mapStatus = document.getElementById("map-status");
  var summary = document.getElementById("error-summary");
  var staleBox = document.getElementById("stale");
  var lonInput = document.getElementById("f-lon");
  var latInput = document.getElementById("f-lat");

  function say(template, params) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return params && k in params ? params[k] : ""; });
  }
  function setStatus(el, text, kind) {
    el.textContent = text;
    el.className = el.className.replace(/\s*is-\w+/g, "") + (kind ? " is-" + kind : "");
  }

  // ------------------------------------------------------------------ values: form ⇄ properties
  // the fields in the order the form shows them (the config's keys come sorted)
  var names = Array.prototype.map.call(form.querySelectorAll(".edit-fields [data-field]"), function (el) {
    return el.getAttribute("data-field");
  }).filter(function (n) { return n in cfg.fields; });

  function normal(name, value) {
    var widget = cfg.fields[name].widget;
    if (widget === "checkbox") { return !!value; }
    if (value === undefined || value === null || value === "") { return null; }
    if (widget === "number") { return typeof value === "number" ? value : Number(value); }
    return typeof value === "string" ? value : String(value);
  }
  function input(name) { return document.getElementById("f-" + name); }
  function readField(name) {
    var el = input(name), widget = cfg.fields[name].widget;
    if (widget === "checkbox") { return el.checked; }
    var raw = el.value.trim();
    if (raw === "") { return null; }
    if (widget === "number" && /^-?\d+$/.test(raw)) { return Number(raw); }
    return raw;
  }
  function writeField(name, value) {
    var el = input(name), widget = cfg.fields[name].widget;
    if (widget === "checkbox") { el.checked = !!value; return; }
    el.value = value === null || value === undefined ? "" : String(value);
  }
  function shown(name, value) {
    if (name === "geometry") {
      return value ? value[0].toFixed(6) + ", " + value[1].toFixed(6) : M.empty;
    }
    if (zoneNames.indexOf(name) >= 0) {
      if (!value) { return M.none; }
      var n = 0;
      value.coordinates.forEach(function (poly) { poly.forEach(function (ring) { n += ring.length - 1; }); });
      return say(M.polygon, {n: n});
    }
    var widget = cfg.fields[name].widget;
    if (widget === "checkbox") { return value ? M.yes : M.no; }
    if (value === null || value === undefined || value === "") { return M.empty; }
    if (widget === "select") {
      var option = input(name).querySelector('option[value="' + CSS.escape(String(value)) + '"]');
      return option ? option.textContent : String(value);
    }
    return String(value);
  }
  function labelOf(name) {
    if (name === "geometry") { return document.querySelector(".edit-map legend").textContent; }
    var zone = cfg.zones.filter(function (z) { return z.name === name; })[0];
    return zone ? zone.label : cfg.fields[name].label;
  }

  // ------------------------------------------------------------------------------------- the map
  var map = V.makeMap("site-map", cfg);
  if (cfg.siteArea) {  // the site's own area (its village), named, under everything else
    var areaLayer = L.geoJSON(V.toDisplay(map, cfg.siteArea.geometry), {
      style: {color: "#5f6b77", weight: 1.5, dashArray: "2 4", fillColor: "#5f6b77", fillOpacity: 0.04},
      pmIgnore: true
    }).addTo(map);
    var areaName = document.createElement("span");
    areaName.textContent = cfg.siteArea.name;
    areaLayer.bindTooltip(areaName, {sticky: true});
  }
  var marker = null;
  var zoneNames = cfg.zones.map(function (z) { return z.name; });
  var groups = {}, dirtyZones = {}, editing = {};
  var drawingZone = null, placing = false;

  function zoneStyle(name) {
    var zone = cfg.zones.filter(function (z) { return z.name === name; })[0];
    return {color: zone.color, weight: 2, fillColor: zone.color, fillOpacity: 0.15};
  }
  function markerPosition() { return marker ? V.toWgs84(map, marker.getLatLng()) : null; }
  function showCoords(p) {
    lonInput.value = p ? p[0].toFixed(7).replace(/0+$/, "").replace(/\.$/, "") : "";
    latInput.value = p ? p[1].toFixed(7).replace(/0+$/, "").replace(/\.$/, "") : "";
  }
  function setPoint(p, quiet) {
    var ll = V.toMap(map, p[0], p[1]);
    if (!marker) {
      marker = L.marker(ll, {draggable: true, autoPan: true, pmIgnore: true, keyboard: true,
                             title: input("name") ? input("name").value : "", alt: labelOf("geometry")});
      marker.on("dragend", function () {
        var q = markerPosition();
        showCoords(q);
        clearError("geometry");
        setStatus(mapStatus, say(M.point_moved, {lon: q[0].toFixed(6), lat: q[1].toFixed(6)}));
      });
      marker.addTo(map);
    } else {
      marker.setLatLng(ll);
    }
    showCoords(p);
    if (!quiet) {
      setStatus(mapStatus, say(M.point_moved, {lon: p[0].toFixed(6), lat: p[1].toFixed(6)}));
    }
  }
  function setZone(name, geometry) {
    groups[name].clearLayers();
    if (geometry) {
      L.geoJSON(V.toDisplay(map, geometry), {style: zoneStyle(name)}).eachLayer(function (layer) {
        groups[name].addLayer(layer);
      });
    }
    dirtyZones[name] = false;
    stopEditing(name);
    zoneState(name);
  }
  function zoneGeometry(name) { return V.groupToMultiPolygon(map, groups[name]); }
  function zoneState(name) {
    document.getElementById("zone-state-" + name).textContent = shown(name, zoneGeometry(name));
  }
  zoneNames.forEach(function (name) { groups[name] = L.featureGroup().addTo(map); });

  function stopEditing(name) {
    if (!editing[name]) { return; }
    groups[name].eachLayer(function (layer) { if (layer.pm) { layer.pm.disable(); } });
    editing[name] = false;
    var button = form.querySelector('[data-action="edit"][data-zone="' + name + '"]');
    button.textContent = button.getAttribute("data-label-on");
    button.setAttribute("aria-pressed", "false");
  }

  map.on("click", function (e) {
    if (!placing) { return; }
    placing = false;
    map.getContainer().classList.remove("is-placing");
    setPoint(V.toWgs84(map, e.latlng));
    clearError("geometry");
  });
  document.getElementById("place-point").addEventListener("click", function () {
    placing = true;
    map.getContainer().classList.add("is-placing");
    setStatus(mapStatus, M.no_point);
  });
  [lonInput, latInput].forEach(function (el) {
    el.addEventListener("change", function () {
      var lon = Number(lonInput.value), lat = Number(latInput.value);
      if (lonInput.value.trim() === "" || latInput.value.trim() === "" || !isFinite(lon) || !isFinite(lat)
          || lon < -180 || lon > 180 || lat < -90 || lat > 90) { return; }
      setPoint([lon, lat]);
      map.panTo(marker.getLatLng());
      clearError("geometry");
    });
  });

  var drawTools = document.getElementById("draw-tools");
  function endDrawing() {
    drawingZone = null;
    drawTools.hidden = true;
  }
  map.on("pm:create", function (e) {
    if (!drawingZone) { map.removeLayer(e.layer); return; }
    var name = drawingZone;
    map.removeLayer(e.layer);
    groups[name].clearLayers();
    L.geoJSON(e.layer.toGeoJSON(), {style: zoneStyle(name)}).eachLayer(function (l) { groups[name].addLayer(l); });
    dirtyZones[name] = true;
    zoneState(name);
    clearError(name);
    setStatus(mapStatus, say(M.zone_set, {zone: labelOf(name)}));
    endDrawing();
  });
  form.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      var name = button.getAttribute("data-zone"), action = button.getAttribute("data-action");
      if (action === "draw") {
        zoneNames.forEach(stopEditing);
        drawingZone = name;
        map.pm.enableDraw("Polygon", {snappable: false, allowSelfIntersection: false,
                                      pathOptions: zoneStyle(name), templineStyle: {color: zoneStyle(name).color},
                                      hintlineStyle: {color: zoneStyle(name).color, dashArray: "5,5"}});
        drawTools.hidden = false;
        setStatus(mapStatus, M.draw_hint);
      } else if (action === "edit") {
        if (editing[name]) { stopEditing(name); zoneState(name); return; }
        if (!groups[name].getLayers().length) { setStatus(mapStatus, say(M.none)); return; }
        editing[name] = true;
        groups[name].eachLayer(function (layer) {
          layer.pm.enable({allowSelfIntersection: false, snappable: false});
          layer.on("pm:edit", function () { dirtyZones[name] = true; zoneState(name); });
        });
        button.textContent = button.getAttribute("data-label-off");
        button.setAttribute("aria-pressed", "true");
        setStatus(mapStatus, M.edit_hint);
      } else if (action === "remove") {
        stopEditing(name);
        groups[name].clearLayers();
        dirtyZones[name] = true;
        zoneState(name);
        setStatus(mapStatus, say(M.zone_removed, {zone: labelOf(name)}));
      }
    });
  });
  document.getElementById("draw-finish").addEventListener("click", function () {
    var draw = map.pm.Draw && map.pm.Draw.Polygon;
    if (draw && draw._enabled && draw._layer && draw._layer.getLatLngs().length >= 3) { draw._finishShape(); }
  });
  document.getElementById("draw-cancel").addEventListener("click", function () {
    map.pm.disableDraw();
    endDrawing();
    setStatus(mapStatus, "");
  });

  // ------------------------------------------------------------------- the state the page is based on
  var base = null;  // {props, point, zones, version}

  function baseOf(feature) {
    var props = {};
    names.forEach(function (n) { props[n] = normal(n, feature ? feature.properties[n] : null); });
    var zones = {};
    zoneNames.forEach(function (z) {
      zones[z] = feature ? normalZone(feature.properties[z]) : null;
    });
    return {
      props: props, zones: zones,
      point: feature && feature.geometry ? feature.geometry.coordinates.slice(0, 2) : null,
      version: feature ? feature.properties.version : null
    };
  }
  function normalZone(g) {
    if (!g) { return null; }
    return g.type === "Polygon" ? {type: "MultiPolygon", coordinates: [g.coordinates]} : g;
  }
  function loadBase(feature) {
    base = baseOf(feature);
    names.forEach(function (n) { if (feature) { writeField(n, base.props[n]); } });
    if (base.point) { setPoint(base.point, true); } else if (marker) { map.removeLayer(marker); marker = null; }
    zoneNames.forEach(function (z) { setZone(z, base.zones[z]); });
    var version = document.getElementById("site-version");
    if (version && base.version) { version.textContent = say(M.version, {version: base.version}); }
  }
  loadBase(cfg.feature);

  (function initialView() {
    var bounds = null;
    zoneNames.forEach(function (z) {
      if (groups[z].getLayers().length) {
        bounds = bounds ? bounds.extend(groups[z].getBounds()) : L.latLngBounds(groups[z].getBounds());
      }
    });
    if (marker) {
      bounds = bounds ? bounds.extend(marker.getLatLng()) : null;
      if (bounds) { map.fitBounds(bounds.pad(0.3), {maxZoom: 17}); } else { map.setView(marker.getLatLng(), 16); }
    } else if (map.vetmapOutline) {
      map.fitBounds(map.vetmapOutline.getBounds());
    } else {
      map.setView([35, 105], 4);
    }
  })();

  function samePoint(a, b) {
    if (!a || !b) { return a === b; }
    return Math.abs(a[0] - b[0]) < 5e-8 && Math.abs(a[1] - b[1]) < 5e-8;
  }
  /* What I changed since ``base``: fields, the point, the zones. */
  function myChanges() {
    var props = {};
    names.forEach(function (n) {
      var v = readField(n);
      if (JSON.stringify(normal(n, v)) !== JSON.stringify(base.props[n])) { props[n] = v; }
    });
    zoneNames.forEach(function (z) { if (dirtyZones[z]) { props[z] = zoneGeometry(z); } });
    var point = markerPosition();
    return {props: props, point: samePoint(point, base.point) ? null : point};
  }

  // -------------------------------------------------------------------------------------- checks
  function clearError(name) {
    var el = document.getElementById("error-" + name);
    if (el) { el.hidden = true; el.textContent = ""; }
    var field = input(name);
    if (field) { field.removeAttribute("aria-invalid"); }
  }
  function clearErrors() {
    form.querySelectorAll(".field-error").forEach(function (el) { el.hidden = true; el.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    summary.hidden = true;
    summary.querySelector("ul").textContent = "";
  }
  function showErrors(errors) {
    var list = summary.querySelector("ul");
    list.textContent = "";
    Object.keys(errors).forEach(function (name) {
      var el = name === "_summary" ? null : document.getElementById("error-" + name) || document.getElementById("error-geometry");
      if (el) {
        el.textContent = errors[name];
        el.hidden = false;
      }
      var field = input(name);
      if (field) { field.setAttribute("aria-invalid", "true"); }
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = field ? "#f-" + name : name === "_summary" ? "#site-form" : "#site-map";
      a.textContent = errors[name];
      li.appendChild(a);
      list.appendChild(li);
    });
    summary.hidden = false;
    summary.focus();
  }
  function check(name) {
    var el = input(name), f = cfg.fields[name], label = f.label, raw = el.value.trim();
    if (f.widget === "checkbox") { return null; }
    if (raw === "") { return el.required ? say(f.widget === "select" ? M.choice : M.required, {field: label}) : null; }
    var max = el.getAttribute("data-maxlength");
    if (max && raw.length > Number(max)) { return say(M.too_long, {field: label, n: max}); }
    if (f.widget === "number") {
      if (!/^-?\d+$/.test(raw)) { return say(M.whole, {field: label}); }
      var n = Number(raw), lo = el.getAttribute("data-min"), hi = el.getAttribute("data-max");
      if (lo !== null && n < Number(lo)) { return say(M.min, {field: label, n: lo}); }
      if (hi !== null && n > Number(hi)) { return say(M.max, {field: label, n: hi}); }
    }
    if (f.widget === "date" && !/^\d{4}-\d{2}-\d{2}$/.test(raw)) { return say(M.date, {field: label}); }
    var pattern = el.getAttribute("data-pattern");
    if (pattern && !new RegExp("^(?:" + pattern + ")$").test(raw)) { return say(M.pattern, {field: label}); }
    return null;
  }
  function checkAll() {
    var errors = {};
    names.forEach(function (n) { var e = check(n); if (e) { errors[n] = e; } });
    if (cfg.collection === "graves") {  // the grave's rules (geo/atlas/site_fields.py), said before the server does
      var kind = readField("kind"), cemetery = readField("cemetery_id");
      if (kind === "in_cemetery" && cemetery === null && !errors.cemetery_id) { errors.cemetery_id = M.grave_cemetery; }
      if (kind === "scattered" && cemetery !== null && !errors.cemetery_id) { errors.cemetery_id = M.grave_scattered; }
      if ((readField("disposition") === "moved") !== (readField("moved_to_grave_id") !== null)
          && !errors.moved_to_grave_id) { errors.moved_to_grave_id = M.grave_moved; }
    }
    var prefix = cfg.myAreaPrefix || "";
    ["area_code", "served_area_code"].forEach(function (n) {
      var code = cfg.fields[n] ? readField(n) : null;
      if (code && prefix && !errors[n] && String(code).indexOf(prefix) !== 0) {
        errors[n] = say(M.area_not_mine, {field: cfg.fields[n].label});
      }
    });
    var ordered = {};
    if (!marker) { ordered.geometry = M.no_point; }
    names.forEach(function (n) { if (errors[n]) { ordered[n] = errors[n]; } });
    return ordered;
  }
  /* The point must lie in an area of the atlas, inside mine: asked before saving, answered in my language. */
  function checkPosition(point) {
    if (!point) { return Promise.resolve(null); }
    setStatus(statusLine, M.checking);
    var url = "/api/v1/areas/containing?lon=" + point[0] + "&lat=" + point[1];
    return fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (body) {
      var areas = body.areas || [];
      if (!areas.length) { return M.outside_atlas; }
      var prefix = cfg.myAreaPrefix || "";
      if (prefix && !areas.some(function (a) { return a.code.indexOf(prefix) === 0; })) { return M.outside_mine; }
      return null;
    }, function () { return null; });
  }

  // ------------------------------------------------------------------------------------ saving
  function headers() {
    var h = {"Content-Type": "application/json", "X-CSRF-Token": cfg.csrf, "Accept-Language": cfg.lang};
    if (base.version) { h["If-Match"] = 'W/"' + base.version + '"'; }
    return h;
  }
  var TYPE_MESSAGES = {
    missing: "required", string_too_long: "too_long", greater_than_equal: "min", less_than_equal: "max",
    int_parsing: "whole", int_type: "whole", int_from_float: "whole", date_parsing: "date",
    date_from_datetime_parsing: "date", string_pattern_mismatch: "pattern", literal_error: "choice"
  };
  function apiErrors(body) {
    var errors = {};
    (body.errors || []).forEach(function (e) {
      var loc = (e.loc || []).filter(function (p) { return p !== "body"; });
      var name = loc[0] === "properties" ? loc[1] : "geometry";
      if (!cfg.fields[name] && zoneNames.indexOf(name) < 0) { name = "geometry"; }
      var key = TYPE_MESSAGES[e.type];
      var el = input(name);
      var n = el ? (el.getAttribute(key === "too_long" ? "data-maxlength" : key === "min" ? "data-min" : "data-max") || "") : "";
      errors[name] = key ? say(M[key], {field: labelOf(name), n: n}) : say(M.failed, {reason: labelOf(name)});
    });
    return errors;
  }
  /* A refusal in words (a domain error): next to the field it names, else next to the map when it is about the
   * position or the area, else in the summary only. */
  function placed(reason) {
    var errors = {};
    var named = names.concat(zoneNames).sort(function (a, b) { return b.length - a.length; }).filter(function (n) {
      return new RegExp("(^|[^a-z_])" + n + "([^a-z_]|$)").test(reason) || reason.indexOf(labelOf(n)) >= 0;
    })[0];
    if (named) { errors[named] = reason; } else if (/point|position|area|坐标|位置|区划/i.test(reason)) {
      errors.geometry = reason;
    } else {
      errors._summary = reason;
    }
    return errors;
  }
  function failure(response, body) {
    if (response.status === 412 || response.status === 409 && body && body.current) {
      showStale(body.current);
      setStatus(statusLine, M.stale, "error");
      return;
    }
    if (response.status === 422 && body && body.errors) {
      showErrors(apiErrors(body));
      setStatus(statusLine, M.fix_fields, "error");
      return;
    }
    var reason = V.reasonOf(body, String(response.status));
    if (response.status === 401) { setStatus(statusLine, M.not_yours, "error"); return; }
    if (response.status === 403) { setStatus(statusLine, say(M.refused, {reason: reason}), "error"); return; }
    if (response.status === 404) { setStatus(statusLine, M.gone, "error"); return; }
    showErrors(placed(reason));
    setStatus(statusLine, say(M.failed, {reason: reason}), "error");
  }
  function send(method, url, payload) {
    return fetch(url, {method: method, credentials: "same-origin", headers: headers(), body: JSON.stringify(payload)})
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          return {response: response, body: body};
        });
      });
  }
  function save() {
    clearErrors();
    zoneNames.forEach(stopEditing);
    var errors = checkAll();
    if (Object.keys(errors).length) {
      showErrors(errors);
      setStatus(statusLine, M.fix_fields, "error");
      return;
    }
    var changes = myChanges();
    if (cfg.id && !Object.keys(changes.props).length && !changes.point) {
      setStatus(statusLine, M.nothing);
      return;
    }
    checkPosition(changes.point).then(function (problem) {
      if (problem) {
        showErrors({geometry: problem});
        setStatus(statusLine, problem, "error");
        return;
      }
      setStatus(statusLine, M.saving);
      var url = cfg.api + (cfg.id ? "/" + cfg.id : "") + "?lang=" + cfg.lang;
      var payload = {type: "Feature", properties: changes.props};
      if (changes.point) { payload.geometry = {type: "Point", coordinates: changes.point}; }
      if (!cfg.id) {  // a new site: every value filled in
        names.forEach(function (n) { var v = readField(n); if (v !== null) { payload.properties[n] = v; } });
        zoneNames.forEach(function (z) { var g = zoneGeometry(z); if (g) { payload.properties[z] = g; } });
        payload.geometry = {type: "Point", coordinates: markerPosition()};
      }
      send(cfg.id ? "PATCH" : "POST", url, payload).then(function (answer) {
        if (answer.response.ok && answer.body) {
          if (!cfg.id) {
            setStatus(statusLine, M.created, "ok");
            window.location.assign(cfg.editUrl + answer.body.id + "?lang=" + cfg.lang);
            return;
          }
          loadBase(answer.body);
          staleBox.hidden = true;
          setStatus(statusLine, say(M.saved, {version: base.version}), "ok");
          setStatus(mapStatus, "");
          return;
        }
        failure(answer.response, answer.body);
      }, function () {
        setStatus(statusLine, M.offline, "error");
      });
    });
  }
  form.addEventListener("submit", function (e) { e.preventDefault(); save(); });
  names.forEach(function (n) {
    input(n).addEventListener("change", function () { clearError(n); });
  });

  // ------------------------------------------------------------------------------ a stale edit
  var pending = null;  // {changes, theirs}

  function showStale(current) {
    var changes = myChanges();
    var theirs = baseOf(current);
    pending = {changes: changes, current: current};
    var rows = [];
    names.concat(["geometry"], zoneNames).forEach(function (n) {
      var mineChanged, mine, their, before;
      if (n === "geometry") {
        mine = markerPosition(); their = theirs.point; before = base.point;
        mineChanged = !samePoint(mine, before);
        if (!mineChanged && samePoint(their, before)) { return; }
      } else if (zoneNames.indexOf(n) >= 0) {
        mineChanged = !!dirtyZones[n];
        mine = mineChanged ? zoneGeometry(n) : base.zones[n];
        their = theirs.zones[n]; before = base.zones[n];
        if (!mineChanged && JSON.stringify(their) === JSON.stringify(before)) { return; }
      } else {
        mineChanged = n in changes.props;
        mine = mineChanged ? normal(n, changes.props[n]) : base.props[n];
        their = theirs.props[n]; before = base.props[n];
        if (!mineChanged && JSON.stringify(their) === JSON.stringify(before)) { return; }
      }
      rows.push([n, mine, their, mineChanged]);
    });
    var body = staleBox.querySelector("tbody");
    body.textContent = "";
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-field", r[0]);
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = labelOf(r[0]);
      var mine = document.createElement("td"), their = document.createElement("td");
      mine.textContent = shown(r[0], r[1]);
      their.textContent = shown(r[0], r[2]);
      if (r[3]) { mine.className = "changed"; } else { their.className = "changed"; }
      tr.appendChild(th); tr.appendChild(mine); tr.appendChild(their);
      body.appendChild(tr);
    });
    document.getElementById("stale-intro").textContent = say(document.getElementById("stale-intro").getAttribute("data-template"), {version: theirs.version});
    staleBox.hidden = false;
    staleBox.focus();
  }

  document.getElementById("stale-reapply").addEventListener("click", function () {
    if (!pending) { return; }
    var changes = pending.changes, mineZones = {};
    zoneNames.forEach(function (z) { if (z in changes.props) { mineZones[z] = changes.props[z]; } });
    loadBase(pending.current);
    Object.keys(changes.props).forEach(function (n) { if (cfg.fields[n]) { writeField(n, changes.props[n]); } });
    Object.keys(mineZones).forEach(function (z) {
      setZone(z, mineZones[z]);
      dirtyZones[z] = true;
      zoneState(z);
    });
    if (changes.point) { setPoint(changes.point, true); }
    pending = null;
    staleBox.hidden = true;
    setStatus(statusLine, say(M.reapplied, {version: base.version}), "ok");
    document.getElementById("save").focus();
  });
  document.getElementById("stale-discard").addEventListener("click", function () {
    if (!pending) { return; }
    loadBase(pending.current);
    pending = null;
    staleBox.hidden = true;
    setStatus(statusLine, say(M.discarded, {version: base.version}), "ok");
  });
})();
