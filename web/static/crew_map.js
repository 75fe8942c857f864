/* The crews' map of my tasks (/crew/map, web/upkeep/crew_map_page.py; issue 21).
 *
 * Draws with Leaflet (served from node_modules) and no basemap: my area's boundary and the divisions inside it,
 * their names, the sites of the area (my work orders and due inspections marked and named), a scale and my
 * position (a dot and its accuracy circle). Everything comes from GET /api/v1/me/map, one URL whatever the page's
 * language, which the crews' service worker keeps: with no signal the map draws from that copy. A tap on a site
 * opens its name, its tasks, its page and the links to navigate there (each in its map app's coordinates, made by
 * the server: web/directions.py). Data is inserted as text, never as HTML.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("crew-config").textContent);
  const M = config.map;
  const S = M.strings;
  const $ = (id) => document.getElementById(id);
  const HIT_RADIUS = 22; // a 44 px target around each site
  const VILLAGE_ZOOM = 13; // village names from this zoom on
  const ALL_NAMES_ZOOM = 15; // names of the sites with no task from this zoom on

  function fmt(key, values) {
    return S[key].replace(/\{(\w+)\}/g, (_, k) => (values && values[k] != null ? String(values[k]) : ""));
  }

  function say(el, text, isError) {
    el.textContent = text;
    el.classList.toggle("error", Boolean(isError));
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text != null) { node.textContent = text; }
    return node;
  }

  function distanceText(metres) {
    if (metres < 1000) { return fmt("distance.m", { n: Math.round(metres) }); }
    return fmt("distance.km", { n: String(Math.round(metres / 100) / 10) });
  }

  const mapStatus = $("map-status");
  const locateStatus = $("locate-status");
  const container = $("crew-map");
  const map = L.map(container, { zoomSnap: 0.25, attributionControl: false, minZoom: 3, maxZoom: 19 });
  window.crewMap = map; // for the tests
  map.setView([35, 105], 4);
  // the area's paper-white fill lies under the sites; my position over them
  map.createPane("areas").style.zIndex = 300;
  map.createPane("mine").style.zIndex = 450;
  L.control.scale({ imperial: false, maxWidth: 140 }).addTo(map);

  // -- my position ------------------------------------------------------------------------------------------

  let me = null; // L.LatLng of the last position found
  const ring = L.circle([0, 0], {
    radius: 1, color: "#1a73e8", weight: 1, fillOpacity: 0.12, interactive: false, pane: "mine",
  });
  const dot = L.circleMarker([0, 0], {
    radius: 8, color: "#fff", weight: 3, fillColor: "#1a73e8", fillOpacity: 1, interactive: false,
    className: "my-position", pane: "mine",
  });

  function located(position, centre) {
    const c = position.coords;
    me = L.latLng(c.latitude, c.longitude);
    ring.setLatLng(me).setRadius(c.accuracy || 1);
    dot.setLatLng(me);
    if (!map.hasLayer(ring)) { ring.addTo(map); dot.addTo(map); }
    say(locateStatus, fmt("crew_map.located", { acc: Math.round(c.accuracy) }), false);
    if (centre) { map.setView(me, Math.max(map.getZoom(), 15)); }
  }

  function notLocated(error) {
    const key = { 1: "crew_map.denied", 2: "crew_map.unavailable", 3: "crew_map.timeout" }[error.code];
    say(locateStatus, S[key || "crew_map.unavailable"], true);
  }

  function locate(centre) {
    if (!navigator.geolocation) { say(locateStatus, S["crew_map.no_geolocation"], true); return; }
    say(locateStatus, S["crew.locating"], false);
    navigator.geolocation.getCurrentPosition((p) => located(p, centre), notLocated, {
      enableHighAccuracy: true, timeout: 20000, maximumAge: 30000,
    });
  }

  $("locate-me").addEventListener("click", () => locate(true));

  // -- the area and its divisions ---------------------------------------------------------------------------

  function drawArea(feature) {
    return L.geoJSON(feature, {
      interactive: false,
      pane: "areas",
      style: { color: "#8b1a1a", weight: 3, fillColor: "#fffdf7", fillOpacity: 1 },
    }).addTo(map);
  }

  function drawDivision(feature) {
    const level = feature.properties.level;
    const village = level === "village";
    const layer = L.geoJSON(feature, {
      interactive: false,
      pane: "areas",
      style: village
        ? { color: "#9a9a9a", weight: 1, dashArray: "3 4", fill: false }
        : { color: "#5f5f5f", weight: 1.6, fill: false },
      pointToLayer: (_, at) => L.circleMarker(at, {
        radius: 3, color: "#7a7a7a", weight: 1, fillOpacity: 0.6, interactive: false, pane: "areas",
      }),
    }).addTo(map);
    layer.bindTooltip(feature.properties.name, {
      permanent: true, direction: "center", className: `area-label area-${level}`,
    });
    return layer;
  }

  // -- the sites --------------------------------------------------------------------------------------------

  function siteName(p) {
    return p.martyr_name ? fmt("crew.grave_of", { name: p.name, martyr: p.martyr_name }) : p.name;
  }

  function siteClass(p) {
    if (p.orders.length) { return "order"; }
    return p.inspection !== "ok" ? "inspection" : "other";
  }

  const STYLE = {
    order: { radius: 10, fillColor: "#b3001b", color: "#fff", weight: 3 },
    inspection: { radius: 9, fillColor: "#e67e00", color: "#fff", weight: 3 },
    other: { radius: 6, fillColor: "#6b7785", color: "#fff", weight: 2 },
  };

  function popupFor(p, at) {
    const box = el("div", "site-popup");
    box.appendChild(el("h2", "popup-title", siteName(p)));
    const tasks = el("ul", "popup-tasks");
    if (p.inspection !== "ok") {
      const state = S[`crew.status.${p.inspection}`];
      let line = fmt("crew_map.inspection", { state: state });
      if (p.due_on) { line += " · " + fmt("crew.due_on", { date: p.due_on }); }
      tasks.appendChild(el("li", "task-inspection", line));
    }
    for (const o of p.orders) { // each of my work orders opens its own page (start, finish)
      const status = M.orderStatus[o.status] || o.status;
      const item = el("li", "task-order");
      const link = el("a", "order-link", fmt("crew_map.order", { title: o.title, status: status }));
      link.href = o.page + M.siteQuery;
      item.appendChild(link);
      tasks.appendChild(item);
    }
    if (!tasks.childElementCount) { tasks.appendChild(el("li", "task-none", S["crew_map.no_task"])); }
    box.appendChild(tasks);
    if (me) { box.appendChild(el("p", "popup-distance", fmt("crew_map.distance", { d: distanceText(me.distanceTo(at)) }))); }
    const open = el("a", "open-site", S["crew_map.open_site"]);
    open.href = p.page + M.siteQuery;
    box.appendChild(open);
    box.appendChild(el("h3", "popup-nav-title", S["directions.title"]));
    const links = el("ul", "nav-links");
    for (const d of p.directions) {
      const a = el("a", `nav-app nav-${d.app}`, M.apps[d.app] || d.app);
      a.href = d.url;
      a.rel = "noopener";
      const li = el("li");
      li.appendChild(a);
      links.appendChild(li);
    }
    box.appendChild(links);
    return box;
  }

  function drawSite(feature) {
    const p = feature.properties;
    const [lon, lat] = feature.geometry.coordinates;
    const at = L.latLng(lat, lon);
    const kind = siteClass(p);
    const shown = L.circleMarker(at, { ...STYLE[kind], fillOpacity: 1, interactive: false, className: `site site-${kind}` });
    const hit = L.circleMarker(at, {
      radius: HIT_RADIUS, opacity: 0, fillOpacity: 0, className: "site-hit", bubblingMouseEvents: false,
    });
    hit.feature = feature;
    hit.bindTooltip(siteName(p), {
      permanent: true, direction: "right", offset: [STYLE[kind].radius, 0], className: `site-label label-${kind}`,
    });
    // the popup's frame adds 44 px to its content: the whole stays inside a 320 px phone's map
    const width = Math.max(180, Math.min(280, container.clientWidth - 64));
    hit.bindPopup(() => popupFor(p, at), { maxWidth: width, minWidth: Math.min(200, width), autoPanPadding: [8, 8] });
    return [shown, hit];
  }

  // -- load -------------------------------------------------------------------------------------------------

  // Names never cover each other: the townships' first, then my work orders', the due inspections', the villages'
  // (from VILLAGE_ZOOM on) and the other sites' (from ALL_NAMES_ZOOM on); a name that would overlap one already
  // placed is hidden until a zoom makes room for it. A tap on the site still gives its name.
  const LABEL_ORDER = [".area-township", ".label-order", ".label-inspection", ".area-village", ".label-other"];

  function declutter() {
    const z = map.getZoom();
    container.classList.toggle("show-villages", z >= VILLAGE_ZOOM);
    container.classList.toggle("show-all-names", z >= ALL_NAMES_ZOOM);
    const pane = map.getPane("tooltipPane");
    const labels = LABEL_ORDER.flatMap((sel) => Array.from(pane.querySelectorAll(`.leaflet-tooltip${sel}`)));
    labels.forEach((label) => label.classList.remove("crowded"));
    const view = container.getBoundingClientRect();
    const boxes = labels.map((label) => label.getBoundingClientRect());
    const placed = [];
    labels.forEach((label, i) => {
      const b = boxes[i];
      if (!b.width || b.right < view.left || b.left > view.right || b.bottom < view.top || b.top > view.bottom) {
        return;
      }
      const hit = placed.some((p) => b.left < p.right && b.right > p.left && b.top < p.bottom && b.bottom > p.top);
      if (hit) { label.classList.add("crowded"); } else { placed.push(b); }
    });
  }
  map.on("zoomend moveend", declutter);
  map.on("popupopen", () => container.classList.add("popup-open"));
  map.on("popupclose", () => container.classList.remove("popup-open"));

  function draw(data) {
    const feats = data.features || [];
    const bounds = L.latLngBounds([]);
    for (const f of feats.filter((x) => x.properties.role === "area")) { bounds.extend(drawArea(f).getBounds()); }
    const towns = feats.filter((x) => x.properties.role === "division");
    // villages first, so the township lines and names lie over them
    towns.sort((a, b) => (a.properties.level === "village" ? 0 : 1) - (b.properties.level === "village" ? 0 : 1));
    for (const f of towns) { drawDivision(f); }
    const sites = feats.filter((x) => x.properties.role === "site");
    const order = { other: 0, inspection: 1, order: 2 }; // tasks on top
    sites.sort((a, b) => order[siteClass(a.properties)] - order[siteClass(b.properties)]);
    const hits = [];
    for (const f of sites) {
      const [shown, hit] = drawSite(f);
      shown.addTo(map);
      hits.push(hit);
      bounds.extend(shown.getLatLng());
    }
    for (const hit of hits) { hit.addTo(map); }
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [16, 16] }); }
    declutter();
    let text = fmt("crew_map.loaded", { n: data.numberMatched, tasks: data.tasks });
    if (data.numberReturned < data.numberMatched) {
      text += " " + fmt("crew_map.truncated", { n: data.numberReturned, total: data.numberMatched });
    }
    say(mapStatus, text, false);
    mapStatus.dataset.state = "loaded";
  }

  async function load() {
    let response;
    try {
      response = await fetch(M.dataUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json" } });
    } catch (e) {
      say(mapStatus, S["crew_map.load_failed"], true);
      mapStatus.dataset.state = "failed";
      return;
    }
    if (!response.ok) {
      let reason = S["crew_map.load_failed"];
      if (response.status === 401) { reason = S["crew_map.sign_in_again"]; } else {
        try { reason = (await response.json()).detail || reason; } catch (e) { /* not JSON: keep ours */ }
      }
      say(mapStatus, reason, true);
      mapStatus.dataset.state = "failed";
      return;
    }
    draw(await response.json());
  }

  locate(false);
  load();
})();
