/* VetMap public pages (web/public_*.py): the map of a page, "near me" on the search and the family-search form.
 *
 * The page data is JSON in <script id="public-config">. The map draws our own boundaries (outlines), the site's
 * shapes and the points, so it works with no internet at all; tiles only when the visitor chose a basemap. Points are
 * circle markers (no marker images to load); a point with a url opens that page when clicked.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("public-config").textContent);
  const S = config.strings || {};
  const $ = (id) => document.getElementById(id);

  // Tooltip content as a text node (never HTML): names are data, shown as they are written.
  const asText = (value) => () => document.createTextNode(value == null ? "" : String(value));

  function fmt(key, values) {
    return (S[key] || key).replace(/\{(\w+)\}/g, (_, k) => (values && values[k] != null ? String(values[k]) : ""));
  }

  // -- the map ----------------------------------------------------------------------------------------------

  function drawMap() {
    const el = $("map");
    if (!el || !config.map || typeof L === "undefined") { return; }
    const data = config.map;
    const tiles = (data.basemap && data.basemap.layers) || [];
    const map = L.map(el, { attributionControl: tiles.length > 0, zoomSnap: 0.5 }).setView([35, 105], 4);
    el.vetmapMap = map;
    // tiles only when the visitor chose a basemap; when they cannot load, the overlays below still show
    tiles.forEach((layer) => {
      L.tileLayer(layer.url, { subdomains: layer.subdomains || "abc", maxZoom: layer.maxZoom, attribution: layer.attribution })
        .on("tileerror", () => el.classList.add("vetmap-basemap-offline"))
        .addTo(map);
    });
    let bounds = null;
    const extend = (b) => {
      if (b && b.isValid()) { bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast()); }
    };

    let outlineBounds = null;
    const outlineStyle = {
      style: { color: "#5b6770", weight: 1.2, fill: true, fillColor: "#e9ecef", fillOpacity: 0.35 },
      interactive: false,
      className: "vetmap-outline",
    };
    if (data.outlines && data.outlines.features && data.outlines.features.length) {
      const outlines = L.geoJSON(data.outlines, outlineStyle).addTo(map);
      outlineBounds = outlines.getBounds();
    }
    // outlines the page does not carry: fetched from their cached URL, framed by their box meanwhile
    let fetching = null;
    if (config.outlines_url) {
      const outlines = L.geoJSON(null, outlineStyle).addTo(map);
      if (config.outlines_bounds) { outlineBounds = L.latLngBounds(config.outlines_bounds); }
      fetching = fetch(config.outlines_url, { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : null))
        .then((geojson) => { if (geojson) { outlines.addData(geojson); } })
        .catch(() => {});
    }
    if (data.shapes && data.shapes.features && data.shapes.features.length) {
      const shapes = L.geoJSON(data.shapes, {
        style: (f) => (f.properties.kind === "boundary"
          ? { color: "#2f6b3b", weight: 2, fillOpacity: 0.08 }
          : { color: "#c77700", weight: 1.5, dashArray: "5 4", fillOpacity: 0.05 }),
        onEachFeature: (f, layer) => layer.bindTooltip(asText(f.properties.label)),
      }).addTo(map);
      extend(shapes.getBounds());
    }
    const markers = [];
    (data.points || []).forEach((p) => {
      const marker = L.circleMarker([p.lat, p.lon], {
        radius: 8, color: "#7a0000", weight: 2, fillColor: "#c00000", fillOpacity: 0.85, className: "vetmap-point",
      }).addTo(map);
      marker.bindTooltip(asText(p.label));
      if (p.url) { marker.on("click", () => { window.location.href = p.url; }); }
      markers.push(marker);
    });
    if (markers.length) { extend(L.latLngBounds(markers.map((m) => m.getLatLng()))); }

    if (bounds && markers.length === 1 && !(data.shapes && data.shapes.features && data.shapes.features.length)) {
      map.setView(markers[0].getLatLng(), data.zoom || 14);
    } else if (bounds) {
      map.fitBounds(bounds.pad(0.15), { maxZoom: markers.length > 1 ? 16 : 18 });
    } else if (outlineBounds && outlineBounds.isValid()) {
      map.fitBounds(outlineBounds);
    }
    el.dataset.points = String(markers.length);
    if (fetching) {
      fetching.then(() => { el.dataset.ready = "true"; });
    } else {
      el.dataset.ready = "true";
    }
  }

  // -- near me (the search) ---------------------------------------------------------------------------------

  function nearMe() {
    const button = $("near-me");
    const form = $("site-search");
    if (!button || !form) { return; }
    const status = $("near-status");
    button.addEventListener("click", () => {
      if (!navigator.geolocation) { status.textContent = S.no_position; return; }
      status.textContent = S.locating;
      navigator.geolocation.getCurrentPosition(
        (pos) => {
          $("near").value = `${pos.coords.longitude.toFixed(5)},${pos.coords.latitude.toFixed(5)}`;
          form.submit();
        },
        () => { status.textContent = S.no_position; },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 },
      );
    });
  }

  // -- names offered as one types (an ARIA 1.2 combobox: the input owns a listbox popup) ----------------------

  const DEBOUNCE_MS = 220;

  function suggestBox(input) {
    const list = $(input.getAttribute("aria-controls"));
    const status = $(`${input.id}-suggest-status`);
    const form = input.form;
    let items = [];
    let active = -1;
    let timer = null;
    let pending = null;
    let lastQuery = null;

    const withLang = (url) => (config.explicitLang ? `${url}${url.includes("?") ? "&" : "?"}lang=${config.explicitLang}` : url);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function mark(index) {
      active = index;
      items.forEach((item, i) => {
        const el = $(`${list.id}-${i}`);
        el.setAttribute("aria-selected", i === index ? "true" : "false");
        if (i === index) { el.scrollIntoView({ block: "nearest" }); }
      });
      if (index >= 0) { input.setAttribute("aria-activedescendant", `${list.id}-${index}`); }
      else { input.removeAttribute("aria-activedescendant"); }
    }

    function go(index) {
      const item = items[index];
      if (item) { window.location.href = withLang(item.url); }
    }

    function show(found) {
      items = found;
      list.textContent = "";
      let group = null;
      found.forEach((item, i) => {
        if (item.kind !== group) {
          group = item.kind;
          const head = document.createElement("li");
          head.className = "suggest-group";
          head.setAttribute("role", "presentation");
          head.textContent = group === "martyrs" ? S["suggest.martyrs"] : S["suggest.sites"];
          list.appendChild(head);
        }
        const li = document.createElement("li");
        li.id = `${list.id}-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.url = item.url;
        const name = document.createElement("span");
        name.className = "suggest-name";
        name.textContent = item.unnamed ? S.unnamed : item.name;
        li.appendChild(name);
        if (item.detail) {
          const detail = document.createElement("span");
          detail.className = "suggest-detail";
          detail.textContent = item.detail;
          li.appendChild(detail);
        }
        li.addEventListener("mousedown", (event) => { event.preventDefault(); });  // keep the focus in the box
        li.addEventListener("click", () => go(i));
        list.appendChild(li);
      });
      active = -1;
      if (found.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        status.textContent = fmt("suggest.count", { n: found.length });
      } else {
        close();
        status.textContent = S["suggest.none"];
      }
    }

    function fetchSuggestions() {
      const q = input.value.trim();
      if (q === lastQuery) { return; }
      lastQuery = q;
      if (pending) { pending.abort(); pending = null; }
      if (!q) { show([]); status.textContent = ""; return; }
      pending = new AbortController();
      fetch(`${input.dataset.suggest}&q=${encodeURIComponent(q)}`, {
        headers: { Accept: "application/json" }, credentials: "omit", signal: pending.signal,
      }).then((r) => (r.ok ? r.json() : { suggestions: [] }))
        .then((answer) => { if (input.value.trim() === q) { show(answer.suggestions || []); } })
        .catch(() => { /* offline or aborted: the form still searches */ });
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", (event) => {
      const open = !list.hidden && items.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) { lastQuery = null; fetchSuggestions(); return; }
        mark(active + 1 >= items.length ? 0 : active + 1);
      } else if (event.key === "ArrowUp") {
        if (!open) { return; }
        event.preventDefault();
        mark(active <= 0 ? items.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) { event.preventDefault(); go(active); }
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", () => { setTimeout(close, 150); });
    if (form) { form.addEventListener("submit", close); }
  }

  // -- the area choice: counties grouped by province and city, a box to filter them by name, pinyin or initials --

  function areaFilter() {
    const box = $("area-filter");
    const select = $("area");
    if (!box || !select) { return; }
    const count = $("area-count");
    box.hidden = false;
    const options = Array.from(select.querySelectorAll("optgroup option"));
    box.addEventListener("input", () => {
      const q = box.value.trim().toLowerCase().replace(/[\s']+/g, "");
      let shown = 0;
      let first = null;
      options.forEach((option) => {
        const group = option.parentElement.label.toLowerCase();
        const hit = !q || option.text.toLowerCase().includes(q) || group.includes(q)
          || (option.dataset.pinyin || "").includes(q) || (option.dataset.initials || "").startsWith(q);
        option.hidden = !hit;
        if (hit) { shown += 1; first = first || option; }
      });
      select.querySelectorAll("optgroup").forEach((group) => {
        group.hidden = !Array.from(group.children).some((o) => !o.hidden);
      });
      count.textContent = q ? fmt("area.matches", { n: shown }) : "";
      if (q && shown === 1 && first) { select.value = first.value; }
    });
  }

  // -- the family-search form -------------------------------------------------------------------------------

  const INT_FIELDS = new Set(["death_year", "martyr_id"]);

  function familyForm() {
    const form = $("family-form");
    if (!form) { return; }
    const status = $("family-status");
    const submit = $("family-submit");
    const show = (text, kind) => {
      status.textContent = text;
      status.className = `message ${kind || ""}`;
      status.hidden = !text;
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = {};
      for (const [name, raw] of new FormData(form).entries()) {
        const value = String(raw).trim();
        if (!value) { continue; }
        body[name] = INT_FIELDS.has(name) && /^\d+$/.test(value) ? Number(value) : value;
      }
      const missing = ["martyr_name", "requester_name"].filter((n) => !body[n])
        .map((n) => form.querySelector(`label[for="${n}"]`).textContent.replace("*", "").trim());
      if (missing.length) { show(`${S.required} ${missing.join(", ")}`, "error"); return; }
      if (!body.contact_phone && !body.contact_email) { show(S.need_contact, "error"); return; }
      submit.disabled = true;
      show(S.sending, "");
      fetch(`${form.dataset.api}?lang=${encodeURIComponent(config.lang)}`, {  // reasons in the page's language
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
        credentials: "omit",
      }).then((response) => response.json().catch(() => ({})).then((answer) => {
        if (response.status === 201) {
          show(fmt("sent", { reference: answer.reference }), "ok");
          status.dataset.reference = answer.reference;
          followUp(answer);
          form.querySelectorAll("input, textarea, button").forEach((el) => { el.disabled = true; });
          return;
        }
        submit.disabled = false;
        if (response.status === 429) { show(S.too_many, "error"); return; }
        show(`${S.refused} ${answer.detail || response.status}`, "error");
      })).catch(() => {
        submit.disabled = false;
        show(S.offline, "error");
      });
    });
  }

  // the confirmation (web/templates/public/family_sent.html): reference, follow-up code and address, as text
  function followUp(answer) {
    const done = $("family-done");
    if (!done || !answer.follow_up_code) { return; }
    const path = done.dataset.path.replace("{reference}", encodeURIComponent(answer.reference));
    const slots = { reference: answer.reference, code: answer.follow_up_code, url: window.location.origin + path };
    done.querySelectorAll("[data-slot]").forEach((el) => { el.textContent = slots[el.dataset.slot] || ""; });
    done.querySelector("a[data-slot=url]").href = path;
    done.hidden = false;
    done.focus();
  }

  function start() {
    drawMap();
    nearMe();
    document.querySelectorAll("input[role=combobox][data-suggest]").forEach(suggestBox);
    areaFilter();
    familyForm();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
