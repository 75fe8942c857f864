/* The travel-time page (/staff/travel): the map of villages coloured by minutes, service areas of a chosen
   number of minutes, a travel run for the area with its progress, and the upload of a road file with its
   progress. Data from the page (#tt-data) and the API (/api/v1/roads/...); every text from the catalogue
   (data.texts); data written as text, never as HTML. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("tt-data").textContent);
  var T = data.texts;
  var BOUNDS = [10, 20, 30, 45, 60];
  var COLOURS = ["#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027"];
  var UNREACHED = "#8a8f94";

  function text(key, params) {
    var s = T[key] || key;
    Object.keys(params || {}).forEach(function (k) {
      s = s.split("{" + k + "}").join(String(params[k]));
    });
    return s;
  }

  function api(path, params) {
    var q = new URLSearchParams(params || {});
    q.set("lang", data.lang);
    return path + "?" + q.toString();
  }

  function detailOf(body, fallback) {
    if (body && typeof body.detail === "string" && body.detail) return body.detail;
    return fallback;
  }

  function colourOf(minutes) {
    if (minutes === null || minutes === undefined) return UNREACHED;
    for (var i = 0; i < BOUNDS.length; i++) if (minutes <= BOUNDS[i]) return COLOURS[i];
    return COLOURS[COLOURS.length - 1];
  }

  /* ---------------------------------------------------------------------------------------- the map */

  var map = null;
  var villageLayer = null;
  var serviceLayer = null;
  var mapEl = document.getElementById("tt-map");
  var colourBy = document.getElementById("tt-colour-by");
  var minutesSel = document.getElementById("tt-minutes");
  var levelSel = document.getElementById("tt-level");
  var note = document.getElementById("tt-service-note");

  function tooltipFor(v) {
    var box = document.createElement("div");
    box.className = "tt-tip";
    var name = document.createElement("strong");
    name.textContent = v.name;
    box.appendChild(name);
    [["village", "travel.map.to.village"], ["township", "travel.map.to.township"], ["any", "travel.map.to.any"]]
      .forEach(function (pair) {
        var line = document.createElement("div");
        var m = v[pair[0]];
        line.textContent = text(pair[1]) + ": " +
          (m === null ? text("travel.table.unreached") : text("travel.map.minutes.value", {m: m}));
        box.appendChild(line);
      });
    if (v.station) {
      var st = document.createElement("div");
      st.textContent = text("travel.table.station") + ": " + v.station;
      box.appendChild(st);
    }
    return box;
  }

  function drawVillages() {
    if (!villageLayer) return;
    villageLayer.clearLayers();
    var by = colourBy ? colourBy.value : "village";
    data.villages.forEach(function (v) {
      var marker = L.circleMarker([v.lat, v.lon], {
        radius: 7, weight: 1, color: "#1d2733", fillColor: colourOf(v[by]), fillOpacity: 0.95,
        pane: "villages"
      });
      marker.bindTooltip(tooltipFor(v));
      marker.feature = {properties: {code: v.code, minutes: v[by]}};
      villageLayer.addLayer(marker);
    });
    if (mapEl) mapEl.setAttribute("data-villages", String(data.villages.length));
  }

  function showServiceAreas() {
    if (!serviceLayer) return;
    serviceLayer.clearLayers();
    mapEl.removeAttribute("data-service-areas");
    var minutes = minutesSel ? minutesSel.value : "";
    var run = data.lastRun;
    note.textContent = "";
    if (!minutes || !run || !run.network_id || !data.area) return;
    var params = {area: data.area, minutes: minutes, network_id: run.network_id};
    if (levelSel && levelSel.value) params.level = levelSel.value;
    fetch(api("/api/v1/roads/service-areas", params), {credentials: "same-origin"})
      .then(function (r) {
        return r.json().then(function (body) { return {ok: r.ok, body: body}; });
      })
      .then(function (res) {
        if (minutesSel.value !== minutes) return;  // another choice came since
        if (!res.ok) {
          note.textContent = text("travel.map.service_failed", {reason: detailOf(res.body, "")});
          return;
        }
        var features = res.body.features || [];
        serviceLayer.addData(res.body);
        var stations = {};
        features.forEach(function (f) { stations[f.properties.station_id] = true; });
        var n = Object.keys(stations).length;
        mapEl.setAttribute("data-service-areas", String(features.length));
        mapEl.setAttribute("data-service-minutes", minutes);
        note.textContent = n ? text("travel.map.service_count", {n: n, m: minutes})
                             : text("travel.map.service_none", {m: minutes});
      })
      .catch(function () {
        note.textContent = text("travel.map.service_failed", {reason: text("travel.run.lost")});
      });
  }

  function fitTo(layer) {
    var b = layer.getBounds();
    if (b.isValid()) map.fitBounds(b, {padding: [20, 20]});
  }

  function setUpMap() {
    if (!mapEl || typeof L === "undefined") return;
    map = L.map(mapEl, {zoomSnap: 0.25});
    map.createPane("service");
    map.getPane("service").style.zIndex = 390;
    map.createPane("villages");
    map.getPane("villages").style.zIndex = 450;
    data.tiles.forEach(function (tile) {
      var opts = {attribution: tile.attribution, maxZoom: tile.maxZoom};
      if (tile.subdomains) opts.subdomains = tile.subdomains;
      L.tileLayer(tile.url, opts).addTo(map);
    });
    var outline = L.geoJSON(null, {
      style: {color: "#17324d", weight: 2, fill: false, dashArray: "6 4"}, interactive: false
    }).addTo(map);
    serviceLayer = L.geoJSON(null, {
      pane: "service",
      style: {color: "#0b5cad", weight: 1, opacity: 0.7, fillColor: "#0b5cad", fillOpacity: 0.12},
      onEachFeature: function (f, layer) {
        var label = document.createElement("span");
        label.textContent = (f.properties.station_name || "") + " · " +
          text("travel.map.minutes.value", {m: f.properties.minutes});
        layer.bindTooltip(label, {sticky: true});
      }
    }).addTo(map);
    villageLayer = L.featureGroup().addTo(map);
    drawVillages();
    if (data.villages.length) fitTo(villageLayer);
    else map.setView([30, 110], 4);
    if (data.area) {
      fetch(api("/api/v1/areas/" + encodeURIComponent(data.area)), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (feature) {
          if (!feature || !feature.geometry) return;
          outline.addData(feature);
          fitTo(outline);  // the whole area, its villages inside
        })
        .catch(function () { /* the outline is only context */ });
    }
    if (colourBy) colourBy.addEventListener("change", drawVillages);
    if (minutesSel) minutesSel.addEventListener("change", showServiceAreas);
    if (levelSel) levelSel.addEventListener("change", showServiceAreas);
    showServiceAreas();
  }

  /* ----------------------------------------------------------------------------------------- the run */

  var runForm = document.getElementById("tt-run-form");
  var runButton = document.getElementById("tt-run-button");
  var runBar = document.getElementById("tt-run-progress");
  var runText = document.getElementById("tt-run-text");

  function failureText(message) {
    var m = message || "";
    var known = [
      ["a coverage run is in progress", "travel.fail.coverage_busy"],
      ["the coverage tables need a full run", "travel.fail.coverage_full"],
      ["abandoned", "travel.fail.abandoned"],
      ["timed out", "travel.fail.timeout"],
      ["failed: an unexpected error", "travel.fail.unexpected"]
    ];
    for (var i = 0; i < known.length; i++) if (m.indexOf(known[i][0]) === 0) return text(known[i][1]);
    return data.lang === "en" && m ? m : text("travel.fail.other");
  }

  function runStatus(message, kind) {
    runText.textContent = message;
    runText.className = kind ? "tt-" + kind : "";
  }

  function phaseText(phase) {
    var key = "travel.phase." + (phase || "queued");
    return T[key] || phase || "";
  }

  function poll(runId) {
    fetch(api("/api/v1/roads/travel-runs/" + runId), {credentials: "same-origin"})
      .then(function (r) {
        return r.json().then(function (body) { return {ok: r.ok, body: body}; });
      })
      .then(function (res) {
        if (!res.ok) throw new Error("poll");
        var run = res.body;
        runBar.hidden = false;
        runBar.value = run.progress || 0;
        if (run.status === "running") {
          runStatus(text("travel.run.progress", {
            phase: phaseText(run.phase), pct: Math.round((run.progress || 0) * 100)
          }));
          window.setTimeout(function () { poll(runId); }, 700);
        } else if (run.status === "done") {
          runBar.value = 1;
          runStatus(text("travel.run.done"), "ok");
          window.setTimeout(function () { window.location.reload(); }, 400);
        } else {
          runBar.hidden = true;
          runStatus(text("travel.run.failed", {reason: failureText(run.error)}), "failed");
          if (runButton) runButton.disabled = false;
        }
      })
      .catch(function () {
        runStatus(text("travel.run.lost"), "failed");
        if (runButton) runButton.disabled = false;
      });
  }

  function startRun(event) {
    event.preventDefault();
    var limits = Array.prototype.slice.call(runForm.querySelectorAll("input[name=limits_min]:checked"))
      .map(function (box) { return Number(box.value); });
    if (!limits.length) {
      runStatus(text("travel.run.no_limits"), "failed");
      return;
    }
    runButton.disabled = true;
    runBar.hidden = false;
    runBar.value = 0;
    runStatus(text("travel.run.starting"));
    var body = {network_id: Number(document.getElementById("tt-network").value), limits_min: limits};
    if (data.area) body.area = data.area;
    fetch(api("/api/v1/roads/travel-runs"), {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": data.csrf},
      body: JSON.stringify(body)
    })
      .then(function (r) {
        return r.json().then(function (b) { return {status: r.status, body: b}; });
      })
      .then(function (res) {
        if (res.status === 202 || res.status === 201) {
          poll(res.body.id);
          return;
        }
        runBar.hidden = true;
        runButton.disabled = false;
        var reason = res.status === 409 ? text("travel.run.busy") : detailOf(res.body, text("travel.fail.other"));
        runStatus(res.status === 409 ? reason : text("travel.run.failed", {reason: reason}), "failed");
      })
      .catch(function () {
        runBar.hidden = true;
        runButton.disabled = false;
        runStatus(text("travel.run.lost"), "failed");
      });
  }

  if (runForm) {
    runForm.addEventListener("submit", startRun);
    if (data.running) {
      runButton.disabled = true;
      poll(data.running.id);
    }
  }

  /* -------------------------------------------------------------------------------------- the import */

  var importForm = document.getElementById("tt-import-form");

  function setUpImport() {
    var file = document.getElementById("tt-file");
    var name = document.getElementById("tt-name");
    var crs = document.getElementById("tt-crs");
    var epsgField = document.getElementById("tt-epsg-field");
    var epsg = document.getElementById("tt-epsg");
    var button = document.getElementById("tt-import-button");
    var bar = document.getElementById("tt-import-progress");
    var status = document.getElementById("tt-import-text");
    var errors = {
      file: document.getElementById("tt-file-error"),
      name: document.getElementById("tt-name-error"),
      crs: document.getElementById("tt-crs-error")
    };
    var inputs = {file: file, name: name, crs: crs};

    function clearErrors() {
      Object.keys(errors).forEach(function (k) {
        errors[k].textContent = "";
        inputs[k].removeAttribute("aria-invalid");
      });
      status.textContent = "";
      status.className = "";
    }

    function refuse(field, message) {
      errors[field].textContent = message;
      inputs[field].setAttribute("aria-invalid", "true");
      var target = field === "crs" && !epsgField.hidden ? epsg : inputs[field];
      target.focus();
    }

    var chosenName = document.getElementById("tt-file-chosen");
    var noneChosen = chosenName.textContent;
    file.addEventListener("change", function () {
      chosenName.textContent = file.files && file.files[0] ? file.files[0].name : noneChosen;
    });

    crs.addEventListener("change", function () {
      epsgField.hidden = crs.value !== "EPSG";
    });

    importForm.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors();
      var chosen = file.files && file.files[0];
      if (!chosen) {
        refuse("file", text("travel.import.no_file"));
        return;
      }
      if (chosen.size > data.maxUploadBytes) {
        refuse("file", text("travel.import.too_big", {
          size: (chosen.size / 1048576).toFixed(1), mib: Math.round(data.maxUploadBytes / 1048576)
        }));
        return;
      }
      var system = crs.value;
      if (system === "EPSG") {
        var code = epsg.value.trim().replace(/^EPSG:/i, "");
        if (!/^[0-9]{4,6}$/.test(code)) {
          refuse("crs", text("travel.import.bad_epsg"));
          return;
        }
        system = "EPSG:" + code;
      }
      var params = {filename: chosen.name};
      if (name.value.trim()) params.name = name.value.trim();
      if (system) params.crs = system;

      var xhr = new XMLHttpRequest();
      xhr.open("POST", api("/api/v1/roads/networks", params));
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.setRequestHeader("X-CSRF-Token", data.csrf);
      bar.hidden = false;
      bar.value = 0;
      button.disabled = true;
      status.textContent = text("travel.import.uploading", {pct: 0});
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        bar.value = e.loaded / e.total;
        status.textContent = text("travel.import.uploading", {pct: Math.round((e.loaded / e.total) * 100)});
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value");  // indeterminate while the server reads the roads
        status.textContent = text("travel.import.processing");
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
        button.disabled = false;
        bar.hidden = true;
        if (xhr.status === 201 && body) {
          status.textContent = text("travel.import.done", {
            name: body.name, edges: body.edges, km: (body.length_m / 1000).toFixed(1)
          });
          status.className = "tt-ok";
          var next = new URLSearchParams(window.location.search);
          next.set("imported", String(body.id));
          window.setTimeout(function () {
            window.location.assign(window.location.pathname + "?" + next.toString() + "#tt-networks");
          }, 800);
          return;
        }
        var detail = detailOf(body, text("travel.import.failed"));
        var field = "file";
        if (/坐标|coordinate/i.test(detail)) field = "crs";
        if (xhr.status === 409 || detail === text("error.roads.bad_name")) field = "name";
        refuse(field, detail);
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        bar.hidden = true;
        refuse("file", text("travel.import.failed"));
      });
      xhr.send(chosen);
    });
  }

  if (importForm) setUpImport();
  setUpMap();
}());
