/* The siting page (/staff/siting): the form's choices, candidate points clicked or uploaded, the run started
   through POST /api/v1/coverage/siting, the answer part reloaded while the run runs, and the answer's map
   (GET /api/v1/coverage/siting/{id}/map). Every text shown comes from the page (config.texts); names from the
   data are inserted as text, never as HTML. Coordinates are WGS-84 [lon, lat]. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("siting-config").textContent);
  const texts = config.texts;
  const form = document.getElementById("siting-form");
  const status = document.getElementById("siting-status");
  const submit = document.getElementById("siting-submit");
  const given = [];
  let radiusEdited = false;

  function say(key, values) {
    let s = texts[key] || key;
    Object.keys(values || {}).forEach((k) => { s = s.split("{" + k + "}").join(String(values[k])); });
    return s;
  }
  function checked(name) {
    const el = form.querySelector('input[name="' + name + '"]:checked');
    return el ? el.value : null;
  }
  function textTip(s) {
    const span = document.createElement("span");
    span.className = "siting-tip";
    span.textContent = s;
    return span;
  }

  /* ---- form: show the inputs of the chosen problem and candidates ---- */
  function showParts() {
    const problem = checked("problem");
    const candidates = checked("candidates");
    form.querySelectorAll("[data-for-problem]").forEach((el) => { el.hidden = el.dataset.forProblem !== problem; });
    form.querySelectorAll("[data-for-candidates]").forEach((el) => { el.hidden = el.dataset.forCandidates !== candidates; });
  }
  form.addEventListener("change", (e) => {
    if (e.target.id === "siting-level" && !radiusEdited) {
      document.getElementById("siting-radius").value = e.target.value === "township" ? "10" : "3";
    }
    if (e.target.id === "siting-radius") { radiusEdited = true; }
    showParts();
  });
  showParts();
  document.getElementById("siting-area").addEventListener("change", () => loadOutline());

  /* ---- the map ---- */
  const map = L.map("siting-map", { zoomControl: true, attributionControl: true, zoomSnap: 0.25 }).setView([25.9, 110.6], 9);
  config.tiles.forEach((tile) => {
    L.tileLayer(tile.url, { attribution: tile.attribution, subdomains: tile.subdomains || "abc", maxZoom: tile.maxZoom }).addTo(map);
  });
  const answer = L.featureGroup().addTo(map);
  const outline = L.featureGroup().addTo(map);
  const givenLayer = L.featureGroup().addTo(map);
  const STYLE = {
    new: { color: "#9a5d00", fillColor: "#f39c12", fillOpacity: 0.9, radius: 6, weight: 2 },
    before: { color: "#17693a", fillColor: "#27ae60", fillOpacity: 0.8, radius: 5, weight: 1.5 },
    open: { color: "#6c7a89", fillColor: "#ffffff", fillOpacity: 0.9, radius: 5, weight: 2 },
    unreachable: { color: "#3d4547", fillColor: "#7f8c8d", fillOpacity: 0.9, radius: 5, weight: 1.5 },
  };

  function drawOutline(geometry) {
    outline.clearLayers();
    if (!geometry) { return; }
    L.geoJSON(geometry, { style: { color: "#17324d", weight: 2, fill: false, dashArray: "4 3" }, interactive: false }).addTo(outline);
  }

  function drawAnswer(collection) {
    answer.clearLayers();
    const sites = [];
    collection.features.forEach((f) => {
      const p = f.properties;
      const c = f.geometry && f.geometry.coordinates;
      if (p.layer === "area") { drawOutline(f.geometry); return; }
      if (!c) { return; }
      const at = [c[1], c[0]];
      if (p.layer === "village") {
        const m = L.circleMarker(at, STYLE[p.state] || STYLE.open).addTo(answer);
        m.bindTooltip(textTip(p.name + " · " + say("siting.legend." + p.state)));
        m.options.vetmapState = p.state;
      } else if (p.layer === "station") {
        L.circleMarker(at, { color: "#0d2a52", fillColor: "#1f4e8c", fillOpacity: 1, radius: 4, weight: 1 })
          .bindTooltip(textTip(say("siting.tip.station"))).addTo(answer);
      } else if (p.layer === "candidate") {
        L.circleMarker(at, { color: "#6c3483", fill: false, radius: 9, weight: 3, dashArray: "4 3" })
          .bindTooltip(textTip((p.label || "") + " · " + say("siting.legend.candidate"))).addTo(answer);
      } else if (p.layer === "site") {
        sites.push([at, p]);
      }
    });
    sites.forEach(([at, p]) => {  // drawn last, on top
      const m = L.circleMarker(at, { color: "#7b1d14", fillColor: "#c0392b", fillOpacity: 1, radius: 10, weight: 3, className: "siting-site" })
        .addTo(answer);
      m.bindTooltip(textTip(say("siting.tip.site", { rank: p.rank, label: p.label || "", people: Math.round(p.newly_covered_people || 0).toLocaleString() })));
    });
    document.getElementById("siting-map").dataset.sites = String(sites.length);
    const bounds = outline.getLayers().length ? outline.getBounds() : answer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [16, 16] }); }
  }

  function loadAnswer(runId) {
    fetch(config.api + "/" + runId + "/map", { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((collection) => { if (collection) { drawAnswer(collection); } })
      .catch(() => {});
  }

  function loadOutline() {
    const area = document.getElementById("siting-area").value.trim();
    if (!/^\d{2,12}$/.test(area)) { return; }
    fetch("/api/v1/areas/" + area, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((f) => {
        if (!f || !f.geometry) { return; }
        drawOutline(f.geometry);
        const b = outline.getBounds();
        if (b.isValid()) { map.fitBounds(b, { padding: [16, 16] }); }
      })
      .catch(() => {});
  }

  /* ---- candidate points: clicked on the map or read from a file ---- */
  const countEl = document.getElementById("siting-given-count");
  function drawGiven() {
    givenLayer.clearLayers();
    given.forEach((site, i) => {
      const m = L.circleMarker([site.lat, site.lon], { color: "#4a1f5c", fillColor: "#8e44ad", fillOpacity: 0.9, radius: 7, weight: 2 });
      m.bindTooltip(textTip((site.label || "#" + (i + 1)) + " · " + say("siting.legend.given")));
      m.on("click", (e) => {
        L.DomEvent.stopPropagation(e);
        if (checked("candidates") === "given") { given.splice(i, 1); drawGiven(); }
      });
      m.addTo(givenLayer);
    });
    countEl.textContent = say("siting.form.given_count", { n: given.length });
  }
  map.on("click", (e) => {
    if (checked("candidates") !== "given") { return; }
    const ll = e.latlng.wrap();
    given.push({ lon: Math.round(ll.lng * 1e7) / 1e7, lat: Math.round(ll.lat * 1e7) / 1e7, label: pointLabel() });
    clearError("siting-given-error");
    drawGiven();
  });
  document.getElementById("siting-given-clear").addEventListener("click", () => { given.length = 0; drawGiven(); });

  function pointLabel(extra) {  // an unnamed point is named by its number among the points
    return say("siting.form.point_label", { n: given.length + (extra || 0) + 1 });
  }
  function validPoint(lon, lat) {
    return Number.isFinite(lon) && Number.isFinite(lat) && Math.abs(lon) <= 180 && Math.abs(lat) <= 90;
  }
  function splitCsvLine(line) {
    const out = [];
    let cur = "", quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') { quoted = false; } else { cur += ch; }
      } else if (ch === '"') { quoted = true; } else if (ch === "," || ch === "\t" || ch === ";") { out.push(cur.trim()); cur = ""; } else { cur += ch; }
    }
    out.push(cur.trim());
    return out;
  }
  function pointsFromCsv(textContent) {
    const lines = textContent.replace(/^\ufeff/, "").split(/\r?\n/).filter((l) => l.trim() !== "");
    if (!lines.length) { throw new Error(say("siting.invalid.file_empty")); }
    const head = splitCsvLine(lines[0]).map((h) => h.toLowerCase());
    const find = (names) => head.findIndex((h) => names.indexOf(h) >= 0);
    const lonAt = find(["lon", "lng", "long", "longitude", "x", "经度"]);
    const latAt = find(["lat", "latitude", "y", "纬度"]);
    const labelAt = find(["label", "name", "名称", "站点", "地点"]);
    if (lonAt < 0 || latAt < 0) { throw new Error(say("siting.invalid.file_columns")); }
    const points = [];
    for (let i = 1; i < lines.length; i++) {
      const cells = splitCsvLine(lines[i]);
      const lon = parseFloat(cells[lonAt]), lat = parseFloat(cells[latAt]);
      if (!validPoint(lon, lat)) { throw new Error(say("siting.invalid.file_row", { row: i + 1 })); }
      points.push({ lon: lon, lat: lat, label: (labelAt >= 0 ? (cells[labelAt] || "").slice(0, 200) : "") || pointLabel(points.length) });
    }
    return points;
  }
  function pointsFromGeoJson(textContent) {
    let data;
    try { data = JSON.parse(textContent); } catch (e) { throw new Error(say("siting.invalid.file_json")); }
    const points = [];
    const visit = (geometry, props) => {
      if (!geometry) { return; }
      const label = props ? String(props.label || props.name || props["名称"] || "").slice(0, 200) : "";
      const add = (c) => { if (validPoint(c[0], c[1])) { points.push({ lon: c[0], lat: c[1], label: label || pointLabel(points.length) }); } };
      if (geometry.type === "Point") { add(geometry.coordinates); }
      if (geometry.type === "MultiPoint") { geometry.coordinates.forEach(add); }
      if (geometry.type === "GeometryCollection") { geometry.geometries.forEach((g) => visit(g, props)); }
    };
    if (data && data.type === "FeatureCollection" && Array.isArray(data.features)) {
      data.features.forEach((f) => visit(f && f.geometry, f && f.properties));
    } else if (data && data.type === "Feature") { visit(data.geometry, data.properties); } else { visit(data, null); }
    if (!points.length) { throw new Error(say("siting.invalid.file_empty")); }
    return points;
  }
  document.getElementById("siting-file").addEventListener("change", (e) => {
    const file = e.target.files && e.target.files[0];
    if (!file) { return; }
    e.target.value = "";  // the same file may be read again after the points are cleared
    file.text().then((content) => {
      try {
        const trimmed = content.replace(/^\ufeff/, "").trim();
        const points = trimmed.startsWith("{") ? pointsFromGeoJson(trimmed) : pointsFromCsv(trimmed);
        points.forEach((p) => given.push(p));
        drawGiven();
        clearError("siting-given-error");
        document.getElementById("siting-file-note").textContent = file.name + " · " + say("siting.invalid.file_loaded", { n: points.length });
        const b = givenLayer.getBounds();
        if (b.isValid()) { map.fitBounds(b.extend(outline.getLayers().length ? outline.getBounds() : b), { padding: [16, 16] }); }
      } catch (err) {
        document.getElementById("siting-file-note").textContent = "";
        showError("siting-given-error", say("siting.invalid.file", { reason: err.message }), e.target);
      }
    });
  });

  /* ---- checking and sending the question ---- */
  function setStatus(message, isError) {
    status.textContent = message;
    status.classList.toggle("error", !!isError);
  }
  function showError(id, message, field) {
    const el = document.getElementById(id);
    el.textContent = message;
    el.hidden = false;
    if (field) { field.setAttribute("aria-invalid", "true"); }
  }
  function clearError(id) {
    const el = document.getElementById(id);
    el.hidden = true;
    el.textContent = "";
  }
  function clearErrors() {
    form.querySelectorAll(".field-error").forEach((el) => { el.hidden = true; el.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  }
  const FIELD_OF = { p: "p", share: "share", distance_m: "radius", area: "area", sites: "given" };
  function fieldError(name, message) {
    const input = { p: "siting-p", share: "siting-share", radius: "siting-radius", area: "siting-area", given: "siting-file" }[name];
    showError("siting-" + name + "-error", message, document.getElementById(input));
    return document.getElementById(input);
  }

  function question() {
    const errors = [];
    const problem = checked("problem");
    const candidates = checked("candidates");
    const areaValue = document.getElementById("siting-area").value.trim();
    const body = {
      problem: problem,
      area: areaValue === "" ? null : areaValue,
      station_level: document.getElementById("siting-level").value,
      candidates: candidates,
      keep_existing: checked("keep_existing") !== "no",
      exact: true,
      time_limit_s: 60,
    };
    if (areaValue !== "" && !/^\d{2,12}$/.test(areaValue)) {
      errors.push(["area", say("siting.invalid.area")]);
    } else if (config.ownPrefix && !areaValue.startsWith(config.ownPrefix)) {
      errors.push(["area", say("siting.invalid.area_outside")]);
    }
    if (problem === "mclp") {
      const raw = document.getElementById("siting-p").value.trim();
      const p = Number(raw);
      if (!/^\d+$/.test(raw) || !Number.isInteger(p) || p < 1) { errors.push(["p", say("siting.invalid.p")]); } else { body.p = p; }
    }
    if (problem === "target_share") {
      const share = Number(document.getElementById("siting-share").value);
      if (!Number.isFinite(share) || share <= 0 || share > 100) { errors.push(["share", say("siting.invalid.share")]); } else { body.share = share / 100; }
    }
    const radius = Number(document.getElementById("siting-radius").value);
    if (!Number.isFinite(radius) || radius <= 0 || radius > config.maxRadiusKm) {
      errors.push(["radius", say("siting.invalid.radius", { max: config.maxRadiusKm })]);
    } else { body.distance_m = Math.round(radius * 1000 * 10) / 10; }
    if (candidates === "given") {
      if (!given.length) { errors.push(["given", say("siting.invalid.given")]); } else { body.sites = given.slice(); }
    }
    return { body: body, errors: errors };
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clearErrors();
    const q = question();
    if (q.errors.length) {
      let first = null;
      q.errors.forEach(([name, message]) => { const f = fieldError(name, message); first = first || f; });
      setStatus("", false);
      if (first) { first.focus(); }
      return;
    }
    submit.disabled = true;
    setStatus(say("siting.form.sending"), false);
    fetch(config.api + "?lang=" + config.lang, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": config.csrf },
      body: JSON.stringify(q.body),
    }).then((r) => r.json().catch(() => ({})).then((data) => ({ ok: r.ok, status: r.status, data: data })))
      .then((answerOf) => {
        if (answerOf.ok && answerOf.data.id) {
          window.location.assign(config.runs + "/" + answerOf.data.id + "#answer");
          return;
        }
        submit.disabled = false;
        const data = answerOf.data || {};
        if (Array.isArray(data.errors) && data.errors.length) {  // the API's own field check (422)
          let shown = false;
          data.errors.forEach((err) => {
            const name = FIELD_OF[(err.loc || [])[1]];
            if (name) { fieldError(name, say("siting.invalid." + name, { max: config.maxRadiusKm })); shown = true; }
          });
          setStatus(shown ? "" : say("siting.form.failed", { reason: say("siting.form.network") }), !shown);
          return;
        }
        setStatus(say("siting.form.failed", { reason: typeof data.detail === "string" ? data.detail : say("siting.form.network") }), true);
      })
      .catch(() => { submit.disabled = false; setStatus(say("siting.form.failed", { reason: say("siting.form.network") }), true); });
  });

  /* ---- the run's answer: reloaded while it runs, then drawn ---- */
  function poll(runId) {
    window.setTimeout(() => {
      fetch(config.runs + "/" + runId + "/result?lang=" + config.lang, { credentials: "same-origin" })
        .then((r) => r.text())
        .then((html) => {
          const doc = new DOMParser().parseFromString(html, "text/html");
          const fresh = doc.getElementById("siting-result");
          const old = document.getElementById("siting-result");
          if (!fresh || !old) { window.location.reload(); return; }  // signed out meanwhile: sign in, come back
          old.replaceWith(document.adoptNode(fresh));
          if (fresh.dataset.running === "true") { poll(runId); } else { loadAnswer(runId); }
        })
        .catch(() => poll(runId));
    }, 1000);
  }

  try {
    JSON.parse(document.getElementById("siting-sites").textContent).forEach((s) => given.push(s));
  } catch (e) { /* no points */ }
  drawGiven();
  if (config.run) {
    if (window.location.hash === "#answer" && window.matchMedia("(max-width: 60rem)").matches) {
      document.getElementById("siting-map").scrollIntoView();  // one column: the answer is below the form
    }
    loadAnswer(config.run);
    if (config.running) { poll(config.run); }
  } else {
    loadOutline();
  }
})();
