/* The schedule (/staff/schedule): the sites of the chosen state on a map, coloured by state, each with a popup
 * (last inspection, next due, days overdue) and a link to its inspection history; my area's outline for context. */
(function () {
  "use strict";
  var el = document.getElementById("sched-map");
  if (!el || !window.L || !window.VetSites) { return; }
  var S = window.VetSites, config = S.readConfig("sched-config"), text = S.readConfig("sched-text");
  var COLOURS = {overdue: "#c00000", due_soon: "#e08a00", never_inspected: "#6b4fa0", ok: "#1a9641"};
  var map = S.makeMap("sched-map", config);
  if (map.zoomControl && config.zoom) {  // the zoom buttons named in the page's language
    map.zoomControl.remove();
    map.zoomControl = L.control.zoom({zoomInTitle: config.zoom["in"], zoomOutTitle: config.zoom.out}).addTo(map);
  }
  var points = config.points || [];
  /* The view first (Leaflet draws nothing on a map without one): the sites, else my area, else China; again once
   * the page has its final layout (the map's size may change as the stylesheets apply). */
  function fit() {
    map.invalidateSize();
    if (points.length) {
      map.fitBounds(L.latLngBounds(points.map(function (p) { return S.toMap(map, p.lon, p.lat); })),
                    {padding: [20, 20], maxZoom: 15});
    } else if (map.vetmapOutline) {
      map.fitBounds(map.vetmapOutline.getBounds());
    } else {
      map.setView([35, 105], 4);
    }
  }
  fit();
  if (document.readyState !== "complete") { window.addEventListener("load", fit); }
  function cell(label, value) {
    var p = document.createElement("p");
    var b = document.createElement("strong");
    b.textContent = label + ": ";
    p.appendChild(b);
    p.appendChild(document.createTextNode(value));
    return p;
  }
  function siteBox(p) {
    var box = document.createElement("div");
    box.className = "sched-popup-site";
    var h = document.createElement("h3");
    h.textContent = p.name;
    box.appendChild(h);
    box.appendChild(document.createTextNode(p.label));
    box.appendChild(cell(text.last, p.last));
    box.appendChild(cell(text.next, p.next));
    if (p.overdue !== null && p.overdue !== undefined) { box.appendChild(cell(text.overdue, String(p.overdue))); }
    var a = document.createElement("a");
    a.href = p.href;
    a.textContent = text.history;
    box.appendChild(a);
    return box;
  }
  /* Sites at one place (the graves of a cemetery) share one marker, a little larger, listing them all. */
  var groups = {}, order = [];
  points.forEach(function (p) {
    var key = p.lon.toFixed(6) + "," + p.lat.toFixed(6);
    if (!groups[key]) { groups[key] = []; order.push(key); }
    groups[key].push(p);
  });
  order.forEach(function (key) {
    var group = groups[key], p = group[0];
    var at = S.toMap(map, p.lon, p.lat);
    var marker = L.circleMarker(at, {
      radius: Math.min(12, 6 + (group.length - 1)), color: "#333", weight: group.length > 1 ? 2 : 1,
      fillColor: COLOURS[p.state] || "#777", fillOpacity: 0.9, className: "sched-point sched-" + p.state
    }).addTo(map);
    marker.bindPopup(function () {
      var box = document.createElement("div");
      if (group.length > 1) {
        var many = document.createElement("p");
        many.className = "sched-popup-many";
        many.textContent = text.many.replace("{n}", String(group.length));
        box.appendChild(many);
      }
      group.forEach(function (q) { box.appendChild(siteBox(q)); });
      return box;
    }, {maxHeight: 280});
  });
  S.maps["sched-map"] = map;
})();
