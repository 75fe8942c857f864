// The public damage-report form (/report): drop the pin on a Leaflet map (no online basemap: our county
// outlines and the sites near the pin), or type latitude/longitude, or take the browser's position; post the
// form to Open311 (/open311/v2/requests.json, multipart when photos are attached) and show the reference.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("report-config").textContent);
  var S = config.strings;
  var form = document.getElementById("report-form");
  var latInput = document.getElementById("lat");
  var lonInput = document.getElementById("long");
  var near = document.getElementById("near");
  var message = document.getElementById("message");
  var map = null;
  var pin = null;
  var siteLayer = null;

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  // A distance as the server's pages write it (web/i18n.py distance_text): whole metres below 1 km, else
  // kilometres to a tenth, in the page's language.
  function distanceText(metres) {
    var m = Math.round(metres);
    if (m < 1000) { return fmt(S.distance_m, { n: m }); }
    return fmt(S.distance_km, { n: String(Math.round(metres / 100) / 10) });
  }

  function say(text, error, link) {
    message.hidden = false;
    message.className = error ? "message error" : "message";
    message.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.id = "follow-link";
      a.textContent = link.text;
      message.appendChild(document.createTextNode(" "));
      message.appendChild(a);
    }
  }

  function readPin() {
    var lat = parseFloat(latInput.value);
    var lon = parseFloat(lonInput.value);
    if (!isFinite(lat) || !isFinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180) {
      return null;
    }
    return [lat, lon];
  }

  function showNearby(lat, lon) {
    var url = config.nearby_url + "?lat=" + encodeURIComponent(lat) + "&long=" + encodeURIComponent(lon) +
      "&crs=" + encodeURIComponent(config.crs || "wgs84");
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (found) {
        if (!found) { return; }
        if (map && siteLayer) {
          siteLayer.clearLayers();
          found.sites.forEach(function (s) {
            var name = String(s.name);
            L.circleMarker([s.lat, s.lon], { radius: 6, color: "#8b1a1a", weight: 2 })
              .bindTooltip(function () { return document.createTextNode(name); }) // a name is text, never HTML
              .addTo(siteLayer);
          });
        }
        var first = found.sites.length ? found.sites[0] : null;
        if (first && first.distance_m <= found.radius_m) {
          near.textContent = fmt(S.near_site, { name: first.name, distance: distanceText(first.distance_m) });
        } else {
          near.textContent = fmt(S.no_site_near, { distance: distanceText(found.radius_m) });
        }
      })
      .catch(function () { /* the hint is only a help; the server checks again */ });
  }

  function setPin(lat, lon, fromMap) {
    lat = Math.round(lat * 1e6) / 1e6;
    lon = Math.round(lon * 1e6) / 1e6;
    if (fromMap !== "inputs") {
      latInput.value = String(lat);
      lonInput.value = String(lon);
    }
    if (map) {
      if (pin) { pin.setLatLng([lat, lon]); } else { pin = L.marker([lat, lon], { draggable: true }).addTo(map); }
      pin.off("dragend").on("dragend", function () {
        var p = pin.getLatLng();
        setPin(p.lat, p.lng, "drag");
      });
      if (fromMap === "locate" || fromMap === "start") { map.setView([lat, lon], 16); }
    }
    showNearby(lat, lon);
  }

  function initMap() {
    if (typeof L === "undefined") { return; }
    var tiles = config.tiles || [];
    map = L.map("map", { zoomControl: true, attributionControl: tiles.length > 0 });
    // online tiles when the basemap has them (AMap: GCJ-02, so the pin is GCJ-02 and the form says so in crs);
    // with no internet they fail quietly and the outlines and sites below still make the map
    tiles.forEach(function (spec) {
      L.tileLayer(spec.url, {
        attribution: spec.attribution,
        subdomains: spec.subdomains || "abc",
        maxZoom: spec.max_zoom || 18
      }).addTo(map);
    });
    var outlines = config.outlines;
    if (outlines && outlines.features && outlines.features.length) {
      L.geoJSON(outlines, { style: { color: "#555", weight: 1, fill: false }, interactive: false }).addTo(map);
    }
    siteLayer = L.layerGroup().addTo(map);
    if (config.bbox) {
      map.fitBounds([[config.bbox[1], config.bbox[0]], [config.bbox[3], config.bbox[2]]], { maxZoom: 14 });
    } else {
      map.setView([35, 105], 4);
    }
    map.on("click", function (e) { setPin(e.latlng.lat, e.latlng.lng, "map"); });
  }

  function locate() {
    if (!navigator.geolocation) { say(S.no_position, true); return; }
    near.textContent = S.locating;
    navigator.geolocation.getCurrentPosition(
      function (p) { setPin(p.coords.latitude, p.coords.longitude, "locate"); },
      function () { near.textContent = S.no_position; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  function reason(body, status) {
    if (Array.isArray(body) && body.length && body[0].description) { return body[0].description; }
    if (body && body.detail) { return String(body.detail); }
    return "HTTP " + status;
  }

  function submit(event) {
    event.preventDefault();
    if (!readPin()) { say(S.no_pin, true); return; }
    var data = new FormData(form);
    var files = document.getElementById("media").files;
    var hasFiles = files && files.length > 0;
    if (!hasFiles) { data.delete("media"); }
    var body = hasFiles ? data : new URLSearchParams(data);
    var button = document.getElementById("submit");
    button.disabled = true;
    say(S.sending, false);
    var url = config.post_url + "?lang=" + encodeURIComponent(config.lang);
    fetch(url, { method: "POST", body: body, headers: { Accept: "application/json" }, credentials: "omit" })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (json) { return [r, json]; });
      })
      .then(function (pair) {
        var r = pair[0], json = pair[1];
        button.disabled = false;
        if (r.ok && Array.isArray(json) && json.length) {
          var id = json[0].service_request_id;
          var href = config.status_url + encodeURIComponent(id) + (config.explicit_lang ? "?lang=" + config.explicit_lang : "");
          say(fmt(S.sent, { id: id }) + " " + (json[0].service_notice || ""), false, { href: href, text: S.follow });
          form.reset();
          return;
        }
        if (r.status === 429) { say(S.too_many, true); return; }
        say(fmt(S.refused, { reason: reason(json, r.status) }), true);
      })
      .catch(function () {
        button.disabled = false;
        say(S.offline, true);
      });
  }

  function typed() {
    var p = readPin();
    if (p) { setPin(p[0], p[1], "inputs"); if (map) { map.setView(p, Math.max(map.getZoom(), 14)); } }
  }

  function start() {
    initMap();
    latInput.addEventListener("change", typed);
    lonInput.addEventListener("change", typed);
    document.getElementById("locate").addEventListener("click", locate);
    form.addEventListener("submit", submit);
    if (config.start) {
      setPin(config.start.lat, config.start.lon, "start");
    } else if (navigator.geolocation && config.ask_position) {
      locate();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
