// The public problem-report pages (web/public/report_page.py).
// /report: drop the pin on a Leaflet map (no online basemap unless chosen: our county outlines and the sites near
// the pin), or type latitude/longitude, or take the browser's position; say where the report would go and list the
// open reports within 50 m ("is it one of these?"), each of which can be followed instead of filed again; post the
// form to Open311 (/open311/v2/requests.json, multipart when photos are attached) and show the reference and the
// private follow link next to the button. /reports/{id}: follow without leaving the page. Every text from the
// server is inserted as text, never as HTML.
(function () {
  "use strict";
  var configEl = document.getElementById("report-config");
  if (!configEl) { return; }
  var config = JSON.parse(configEl.textContent);
  var S = config.strings;

  function $(id) { return document.getElementById(id); }

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  // A distance as the server's pages write it (web/i18n.py distance_text): whole metres below 1 km, else
  // kilometres to a tenth, in the page's language.
  function distanceText(metres) {
    var m = Math.round(metres);
    if (m < 1000) { return fmt(S.distance_m, { n: m }); }
    return fmt(S.distance_km, { n: String(Math.round(metres / 100) / 10) });
  }

  function withLang(path) {
    if (!config.explicit_lang || path.indexOf("lang=") >= 0) { return path; }
    return path + (path.indexOf("?") >= 0 ? "&" : "?") + "lang=" + encodeURIComponent(config.explicit_lang);
  }

  // the private follow link as an absolute address the visitor can bookmark or copy
  function followBlock(intro, path) {
    var box = document.createDocumentFragment();
    box.appendChild(el("span", "", intro));
    var a = el("a", "follow-url", window.location.origin + path);
    a.href = path;
    a.id = "follow-link";
    box.appendChild(a);
    return box;
  }

  // keep the result where the person tapped: in view and announced
  function show(region, error) {
    region.hidden = false;
    region.classList.remove("error", "ok");
    region.classList.add("message", error ? "error" : "ok");
    region.setAttribute("role", error ? "alert" : "status");
    region.scrollIntoView({ block: "nearest", behavior: "auto" });
    if (typeof region.focus === "function") { region.focus({ preventScroll: true }); }
  }

  function reason(body, status) {
    if (Array.isArray(body) && body.length && body[0].description) { return body[0].description; }
    if (body && body.detail) { return String(body.detail); }
    return "HTTP " + status;
  }

  function postFollow(url) {
    return fetch(url, { method: "POST", headers: { Accept: "application/json" }, credentials: "omit" })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (json) { return [r, json]; });
      });
  }

  // -- following (the duplicate list of the form, and the status page's button) ------------------------------

  function follow(url, button, region) {
    button.disabled = true;
    region.hidden = false;
    region.classList.remove("error", "ok");
    region.textContent = S.following;
    postFollow(url).then(function (pair) {
      var r = pair[0], json = pair[1];
      region.textContent = "";
      if (r.status === 201 && json && json.follow_url) {
        region.appendChild(followBlock(S.followed, json.follow_url));
        show(region, false);
        button.hidden = true;
        return;
      }
      button.disabled = false;
      region.textContent = r.status === 429 ? S.too_many : fmt(S.follow_failed, { reason: reason(json, r.status) });
      show(region, true);
    }).catch(function () {
      button.disabled = false;
      region.textContent = S.offline;
      show(region, true);
    });
  }

  // the status page's map: the report's pin (a marker, as on the form), the site (a named circle) and a cemetery's
  // boundary; our own data only, tiles when the visitor chose a basemap
  function statusMap() {
    var data = config.status_map;
    if (!data || !$("map") || typeof L === "undefined") { return; }
    var tiles = data.tiles || [];
    // a view before any shape is added: a polygon is clipped to the renderer's bounds, which need one
    var map = L.map("map", { attributionControl: tiles.length > 0, zoomSnap: 0.5 }).setView([35, 105], 4);
    tiles.forEach(function (spec) {
      L.tileLayer(spec.url, { attribution: spec.attribution, subdomains: spec.subdomains || "abc",
        maxZoom: spec.max_zoom || 18 }).addTo(map);
    });
    var bounds = L.latLngBounds([]);
    if (data.boundary) {
      var shape = L.geoJSON(data.boundary, { style: { color: "#2f6b3b", weight: 2, fillOpacity: 0.08 },
        interactive: false }).addTo(map);
      bounds.extend(shape.getBounds());
    }
    if (data.site) {
      var name = String(data.site.name);
      L.circleMarker([data.site.lat, data.site.lon], { radius: 8, color: "#7a0000", weight: 2,
        fillColor: "#c00000", fillOpacity: 0.85, className: "vetmap-point" })
        .bindTooltip(function () { return document.createTextNode(name); }).addTo(map);
      bounds.extend([data.site.lat, data.site.lon]);
    }
    if (data.pin) {
      L.marker([data.pin.lat, data.pin.lon], { title: data.label, alt: data.label, keyboard: false }).addTo(map);
      bounds.extend([data.pin.lat, data.pin.lon]);
    }
    if (bounds.isValid()) { map.fitBounds(bounds.pad(0.3), { maxZoom: 18, animate: false }); }
  }

  function statusPage() {
    var form = $("follow-form");
    if (!form) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      follow(form.action, $("follow-button"), $("follow-result"));
    });
  }

  // -- the form ---------------------------------------------------------------------------------------------

  function formPage() {
    var form = $("report-form");
    if (!form) { return; }
    var latInput = $("lat");
    var lonInput = $("long");
    var near = $("near");
    var message = $("message");
    var duplicates = $("duplicates");
    var list = $("duplicate-list");
    var map = null;
    var pin = null;
    var siteLayer = null;
    var reportLayer = null;
    var asked = 0;

    function readPin() {
      var lat = parseFloat(latInput.value);
      var lon = parseFloat(lonInput.value);
      if (!isFinite(lat) || !isFinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180) {
        return null;
      }
      return [lat, lon];
    }

    function say(text, error) {
      message.textContent = text;
      show(message, error);
    }

    function targetText(found) {
      var target = found.target;
      if (!target) { return fmt(S.no_site_near, { distance: distanceText(found.radius_m) }); }
      if (target.inside && target.grave) {
        return fmt(S.inside_cemetery_grave, {
          name: target.name, grave: target.grave.label, distance: distanceText(target.grave.distance_m)
        });
      }
      if (target.inside) { return fmt(S.inside_cemetery, { name: target.name }); }
      return fmt(S.near_site, { name: target.name, distance: distanceText(target.distance_m) });
    }

    function duplicateItem(report) {
      var li = el("li");
      li.dataset.report = String(report.id);
      if (report.thumb) {
        var img = el("img", "thumb");
        img.src = report.thumb;
        img.alt = fmt(S.photo_of, { id: report.id });
        img.loading = "lazy";
        li.appendChild(img);
      } else {
        li.appendChild(el("span", "thumb no-thumb", S.no_photo));
      }
      var title = el("a", "title", report.title);
      title.href = report.url;
      title.target = "_blank";
      title.rel = "noopener";
      var head = el("div");
      head.appendChild(title);
      li.appendChild(head);
      var meta = [report.status_label, fmt(S.reported_on, { date: report.date }),
        fmt(S.distance, { distance: distanceText(report.distance_m) })];
      if (report.followers) { meta.push(fmt(S.followers, { n: report.followers })); }
      var info = el("div", "meta", meta.join(" · "));
      if (report.description) { info.appendChild(el("div", "", report.description)); }
      li.appendChild(info);
      var actions = el("div", "actions");
      var button = el("button", "primary", S.follow_this);
      button.type = "button";
      var result = el("div", "result message", "");
      result.hidden = true;
      result.setAttribute("role", "status");
      result.tabIndex = -1;
      button.addEventListener("click", function () { follow(withLang(report.follow), button, result); });
      actions.appendChild(button);
      li.appendChild(actions);
      li.appendChild(result);
      return li;
    }

    function showNearby(lat, lon) {
      var ask = ++asked;
      var url = config.nearby_url + "?lat=" + encodeURIComponent(lat) + "&long=" + encodeURIComponent(lon) +
        "&crs=" + encodeURIComponent(config.crs || "wgs84") + "&lang=" + encodeURIComponent(config.lang);
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (found) {
          if (!found || ask !== asked) { return; }  // an answer for an older pin: a newer one is on its way
          if (map && siteLayer) {
            siteLayer.clearLayers();
            found.sites.forEach(function (s) {
              var name = String(s.name);
              L.circleMarker([s.lat, s.lon], { radius: 6, color: "#8b1a1a", weight: 2 })
                .bindTooltip(function () { return document.createTextNode(name); }) // a name is text, never HTML
                .addTo(siteLayer);
            });
          }
          if (map && reportLayer) {
            reportLayer.clearLayers();
            (found.reports || []).forEach(function (report) {
              if (report.lat === undefined || report.lat === null) { return; }
              var title = String(report.title);
              L.circleMarker([report.lat, report.lon], {
                radius: 8, color: "#8a4b00", weight: 2, fillColor: "#f0a030", fillOpacity: 0.9
              }).bindTooltip(function () { return document.createTextNode(title); }).addTo(reportLayer);
            });
          }
          near.textContent = targetText(found);
          list.textContent = "";
          (found.reports || []).forEach(function (report) { list.appendChild(duplicateItem(report)); });
          duplicates.hidden = !(found.reports && found.reports.length);
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
      // the view first (a polygon is clipped to the renderer's bounds, which need one), and at once: an animated
      // start would end after the pin's own view and undo it
      if (config.bbox) {
        map.fitBounds([[config.bbox[1], config.bbox[0]], [config.bbox[3], config.bbox[2]]],
          { maxZoom: 14, animate: false });
      } else {
        map.setView([35, 105], 4, { animate: false });
      }
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
      reportLayer = L.layerGroup().addTo(map);
      map.on("click", function (e) { setPin(e.latlng.lat, e.latlng.lng, "map"); });
    }

    function locate() {
      if (!navigator.geolocation) { near.textContent = S.no_position; return; }
      near.textContent = S.locating;
      navigator.geolocation.getCurrentPosition(
        function (p) { setPin(p.coords.latitude, p.coords.longitude, "locate"); },
        function () { near.textContent = S.no_position; },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    }

    function sent(json) {
      var row = json[0];
      message.textContent = "";
      message.appendChild(el("p", "", fmt(S.sent, { id: row.service_request_id, site: row.site_name || "" })));
      if (row.follow_url) {
        message.appendChild(followBlock(S.keep_link, withLang(row.follow_url)));
      }
      var links = el("p", "links");
      var status = el("a", "", S.status_link);
      status.href = withLang(config.status_url + encodeURIComponent(row.service_request_id));
      status.id = "status-link";
      var again = el("a", "", S.new);
      again.href = withLang("/report");
      links.appendChild(status);
      links.appendChild(again);
      message.appendChild(links);
      message.dataset.reference = String(row.service_request_id);
      show(message, false);
    }

    function submit(event) {
      event.preventDefault();
      if (!readPin()) { say(S.no_pin, true); return; }
      var data = new FormData(form);
      var files = $("media").files;
      var hasFiles = files && files.length > 0;
      if (!hasFiles) { data.delete("media"); }
      var body = hasFiles ? data : new URLSearchParams(data);
      var button = $("submit");
      button.disabled = true;
      say(S.sending, false);
      var url = config.post_url + "?lang=" + encodeURIComponent(config.lang);
      fetch(url, { method: "POST", body: body, headers: { Accept: "application/json" }, credentials: "omit" })
        .then(function (r) {
          return r.json().catch(function () { return null; }).then(function (json) { return [r, json]; });
        })
        .then(function (pair) {
          var r = pair[0], json = pair[1];
          if (r.ok && Array.isArray(json) && json.length) {
            sent(json);
            form.querySelectorAll("input, select, textarea, button").forEach(function (c) { c.disabled = true; });
            return;
          }
          button.disabled = false;
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

    // the photo picker's own words (a browser writes its file button in its own language, not the page's)
    var media = $("media");
    media.addEventListener("change", function () {
      var names = Array.prototype.map.call(media.files || [], function (f) { return f.name; });
      $("media-chosen").textContent = names.length
        ? fmt(S.photos_chosen, { n: names.length, names: names.join(", ") }) : S.no_photos_chosen;
    });

    initMap();
    latInput.addEventListener("change", typed);
    lonInput.addEventListener("change", typed);
    $("locate").addEventListener("click", locate);
    form.addEventListener("submit", submit);
    if (config.start) {
      setPin(config.start.lat, config.start.lon, "start");
    } else if (navigator.geolocation && config.ask_position) {
      locate();
    }
  }

  function start() {
    formPage();
    statusMap();
    statusPage();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
