/* The work-order board's map (/staff/work-orders?view=map): the filtered orders as dots coloured by state on the
 * outline of the area (no basemap: nothing is loaded from outside), a popup with the order's title and site as
 * text and a link to its page, and a legend of the states. Positions are WGS-84.
 */
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("wo-map-data").textContent);
  const box = document.getElementById("wo-map");
  const map = L.map(box, { zoomSnap: 0.25, attributionControl: false });
  window.workOrderMap = map;
  L.control.scale({ imperial: false }).addTo(map);
  const layers = [];

  if (data.outline) {
    layers.push(L.geoJSON(data.outline, {
      interactive: false,
      style: { color: "#4a5663", weight: 1.5, fillColor: "#e8eef4", fillOpacity: 0.5 },
    }).addTo(map));
  }

  function popup(point) {
    const div = document.createElement("div");
    div.className = "wo-popup";
    const title = document.createElement("strong");
    title.textContent = `#${point.id} ${point.title}`;
    const site = document.createElement("p");
    site.textContent = point.site;
    const state = document.createElement("p");
    state.textContent = (data.legend.find((l) => l.state === point.state) || {}).label || point.state;
    const link = document.createElement("a");
    link.href = point.href;
    link.textContent = data.strings.open;
    div.append(title, site, state, link);
    return div;
  }

  const dots = data.points.map((p) => L.circleMarker([p.lat, p.lon], {
    radius: 8, color: "#1d2733", weight: 1, fillColor: data.colours[p.state], fillOpacity: 0.95,
    className: `wo-dot wo-dot-${p.state}`,
  }).bindPopup(() => popup(p)).bindTooltip(`#${p.id} ${p.title}`));
  if (dots.length) { layers.push(L.featureGroup(dots).addTo(map)); }
  document.getElementById("map-empty").hidden = dots.length > 0;

  const all = L.featureGroup(layers);
  function fit() {
    if (layers.length && all.getBounds().isValid()) {
      map.fitBounds(all.getBounds(), { padding: [20, 20], maxZoom: 15, animate: false });
    } else {
      map.setView([35, 105], 4, { animate: false });
    }
  }
  fit();
  let resized = null;
  window.addEventListener("resize", () => {  // a phone turned, a window narrowed: the whole area in view again
    window.clearTimeout(resized);
    resized = window.setTimeout(() => { map.invalidateSize(); fit(); }, 150);
  });

  const legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    const div = L.DomUtil.create("div", "wo-legend");
    const head = document.createElement("strong");
    head.textContent = data.strings.legend;
    div.append(head);
    for (const item of data.legend) {
      const line = document.createElement("div");
      const dot = document.createElement("i");
      dot.style.background = item.colour;
      line.append(dot, document.createTextNode(item.label));
      div.append(line);
    }
    return div;
  };
  legend.addTo(map);
})();
