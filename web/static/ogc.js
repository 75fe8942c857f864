// The OGC API's HTML pages: a small Leaflet map of the page's features (no basemap: our own points and shapes).
// The features come from <script type="application/json" id="ogc-map-data">; titles are set as text, never HTML.
(function () {
  "use strict";
  var holder = document.getElementById("ogc-map");
  var source = document.getElementById("ogc-map-data");
  if (!holder || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var map = L.map(holder, {attributionControl: false, zoomSnap: 0.5});
  var layer = L.geoJSON({type: "FeatureCollection", features: data.features}, {
    style: function () { return {color: "#8b1a1a", weight: 2, fillOpacity: 0.15}; },
    pointToLayer: function (feature, latlng) {
      return L.circleMarker(latlng, {radius: 6, color: "#fff", weight: 1.5, fillColor: "#8b1a1a",
                                     fillOpacity: 0.9, className: "ogc-point"});
    },
    onEachFeature: function (feature, drawn) {
      var tip = document.createElement("span");
      tip.textContent = feature.properties.title;
      drawn.bindTooltip(tip);
    }
  }).addTo(map);
  var bounds = layer.getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds, {padding: [24, 24], maxZoom: 14});
  } else {
    map.setView([30, 110], 4);
  }
  holder.setAttribute("data-features", String(data.features.length));
  holder.setAttribute("data-ready", "true");
}());
