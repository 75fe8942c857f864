/* One inspection (/staff/inspections/{collection}/{site}/{id}): a small map of the site and where the inspector
 * stood (with the phone's accuracy as a circle), on the page's basemap (sites.map.js shifts to GCJ-02 on AMap). */
(function () {
  "use strict";
  var el = document.getElementById("insp-map");
  if (!el || !window.L || !window.VetSites) { return; }
  var S = window.VetSites, config = S.readConfig("insp-config");
  var map = S.makeMap("insp-map", config);
  if (map.zoomControl && config.zoom) {  // the zoom buttons named in the page's language
    map.zoomControl.remove();
    map.zoomControl = L.control.zoom({zoomInTitle: config.zoom["in"], zoomOutTitle: config.zoom.out}).addTo(map);
  }
  var bounds = [];
  function add(p, style) {
    if (!p || p.lon === null || p.lon === undefined) { return null; }
    var at = S.toMap(map, p.lon, p.lat);
    var marker = L.circleMarker(at, style).addTo(map);
    marker.bindTooltip(p.label, {permanent: false});
    bounds.push(at);
    return at;
  }
  add(config.site, {radius: 8, color: "#17324d", weight: 2, fillColor: "#2b8cbe", fillOpacity: 0.9,
                    className: "insp-site"});
  var me = add(config.inspector, {radius: 6, color: "#7a1f00", weight: 2, fillColor: "#f07c2a", fillOpacity: 0.95,
                                  className: "insp-inspector"});
  if (me && config.inspector.accuracy) {
    L.circle(me, {radius: config.inspector.accuracy, color: "#f07c2a", weight: 1, fillOpacity: 0.1,
                  interactive: false}).addTo(map);
  }
  if (bounds.length > 1) {
    map.fitBounds(L.latLngBounds(bounds), {padding: [30, 30], maxZoom: 17});
  } else if (bounds.length === 1) {
    map.setView(bounds[0], 15);
  } else {
    map.setView([35, 105], 4);
  }
  S.maps["insp-map"] = map;
})();
