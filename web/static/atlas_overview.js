/* VetMap: the overview map page's own script (web/atlas/overview.py); its data in #atlas-config.
 *
 * The page is cached and the same for every visitor of a role, so what belongs to one visitor is asked for here:
 * - who is signed in (/api/v1/auth/me): staff see their name and role, the workbench, the coverage of their area
 *   and sign out instead of the sign-in link;
 * - the links of each popup (VetMapAtlas.siteLinks): the site's public page, and for staff whose role and area
 *   allow it, its edit page and its crew (upkeep) page. The server checks every right again on those pages.
 * - the search: memorials and cemeteries from the public search API (names, pinyin, initials), stations, graves and
 *   counties from what the page already holds; choosing a result flies the map there and opens the site.
 * Everything from data is put in as text (textContent), never as HTML. Needs Leaflet and VetMapAtlas on the page.
 */
var VetMapOverview = (function () {
    "use strict";
    var SITE_ZOOM = 16;
    var AREA_MAX_ZOOM = 12;
    var MAX_SHOWN = 10;
    var DEBOUNCE_MS = 200;
    var WORD = /[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;

    var config = null;
    var map = null;
    var viewer = null;
    var openPopup = null;
    var input, listbox, status;
    var shown = [];
    var active = -1;
    var timer = null;
    var asked = 0;
    var index = null;

    function el(tag, className, text) {
        var node = document.createElement(tag);
        if (className) { node.className = className; }
        if (text !== null && text !== undefined) { node.textContent = String(text); }
        return node;
    }

    function format(template, values) {
        return template.replace(/\{(\w+)\}/g, function (whole, key) {
            return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
        });
    }

    function withLang(href) {
        if (!config.explicit_lang) { return href; }
        return href + (href.indexOf("?") < 0 ? "?" : "&") + "lang=" + encodeURIComponent(config.explicit_lang);
    }

    function pagePath(template, collection, id) {
        return withLang(template.replace("{collection}", encodeURIComponent(collection))
            .replace("{id}", encodeURIComponent(String(id))));
    }

    /* ---------- who is signed in, and what their popups offer ---------- */

    // the leading digits every area inside `code` shares (GB/T 2260: 2 province, 4 city, 6 county, 9, 12)
    function prefixOf(code) {
        if (code.length === 6) {
            if (/0000$/.test(code)) { return code.slice(0, 2); }
            if (/00$/.test(code)) { return code.slice(0, 4); }
        }
        return code;
    }

    function mayAct(right, areaCode) {
        if (!viewer || viewer.role === "public" || (viewer.actions || []).indexOf(right) < 0) { return false; }
        if (!viewer.area_code) { return true; }
        return typeof areaCode === "string" && areaCode.indexOf(prefixOf(viewer.area_code)) === 0;
    }

    function siteLinks(collection, site) {
        var links = [];
        if (site.id === null || site.id === undefined) { return links; }
        if (config.site_page_collections.indexOf(collection) >= 0) {
            links.push([config.text.site_page, pagePath(config.site_page, collection, site.id), "vetmap-link-site"]);
        }
        if (config.report_collections.indexOf(collection) >= 0) {  // report a problem here (issue 22)
            var reportHere = config.report_page + "?site=" + encodeURIComponent(collection) + "/" +
                encodeURIComponent(String(site.id));
            links.push([config.text.report, withLang(reportHere), "vetmap-link-report"]);
        }
        var right = config.edit_rights[collection];
        if (right && mayAct(right, site.area_code)) {
            links.push([config.text.edit, pagePath(config.edit_page, collection, site.id), "vetmap-link-edit"]);
        }
        if (config.crew_collections.indexOf(collection) >= 0 && mayAct(config.crew_right, site.area_code)) {
            links.push([config.text.upkeep, pagePath(config.crew_page, collection, site.id), "vetmap-link-upkeep"]);
        }
        return links;
    }

    function showViewer(me) {
        if (!me || me.role === "public" || !me.username) { return; }
        viewer = me;
        var staff = document.querySelector(".atlas-staff");
        document.querySelector(".atlas-login").hidden = true;
        staff.querySelector(".atlas-name").textContent = me.username;
        staff.querySelector(".atlas-menu-name").textContent = me.username;
        staff.querySelector(".atlas-role").textContent = config.roles[me.role] || me.role;
        var coverage = staff.querySelector(".atlas-coverage");
        if (me.area_code) {
            coverage.href = withLang(config.coverage + "?area=" + encodeURIComponent(me.area_code));
            coverage.textContent = config.text.coverage_mine;
        }
        if (me.csrf_token) {
            staff.querySelector("input[name=csrf_token]").value = me.csrf_token;
        } else {
            staff.querySelector(".atlas-logout").hidden = true;  // signed in by a token: no session to end here
        }
        staff.hidden = false;
        document.body.setAttribute("data-signed-in", me.role);
        if (openPopup && openPopup.isOpen()) { openPopup.update(); }  // its links, now that we know who asks
        map.invalidateSize();
    }

    // the account's menu on a phone: opened by its button, closed by a click elsewhere or Escape
    function setUpMenu() {
        var staff = document.querySelector(".atlas-staff");
        var button = staff.querySelector(".atlas-menu-button");
        function setOpen(open) {
            button.setAttribute("aria-expanded", open ? "true" : "false");
            staff.classList.toggle("atlas-open", open);
        }
        button.addEventListener("click", function () { setOpen(button.getAttribute("aria-expanded") !== "true"); });
        document.addEventListener("click", function (event) {
            if (!staff.contains(event.target)) { setOpen(false); }
        });
        staff.addEventListener("keydown", function (event) {
            if (event.key === "Escape") { setOpen(false); button.focus(); }
        });
    }

    // the sign-in link waits for the answer (at most a few seconds), so staff do not see it flash
    function askWhoIAm() {
        document.body.classList.add("atlas-asking");
        function answered() { document.body.classList.remove("atlas-asking"); }
        setTimeout(answered, 3000);
        fetch(config.me_api, {credentials: "same-origin", headers: {Accept: "application/json"}})
            .then(function (response) { return response.ok ? response.json() : null; })
            .then(showViewer)
            .catch(function () { /* the sign-in link stays */ })
            .then(answered);
    }

    /* ---------- search ---------- */

    function key(text) { return String(text || "").toLowerCase().replace(/\s+/g, ""); }

    function rank(name, q) {
        if (name === q) { return 0; }
        if (name.indexOf(q) === 0) { return 1; }
        return name.indexOf(q) > 0 ? 3 : -1;
    }

    // what the page holds, once: the embedded layers' markers and the outlines' areas
    function localIndex() {
        if (index) { return index; }
        var found = [];
        Object.keys(VetMapAtlas.layers).forEach(function (collection) {
            var entry = VetMapAtlas.layers[collection];
            if (entry.kind === "embedded") {
                entry.layer.getLayers().forEach(function (marker) {
                    var row = marker.vetmapRow;
                    if (!row || !row[4]) { return; }
                    found.push({
                        collection: collection, id: row[3], name: row[4], key: key(row[4]),
                        detail: config.layers[collection] || collection,
                        marker: marker, group: entry.layer, area_code: row[row.length - 1]
                    });
                });
            } else if (entry.kind === "outlines") {
                entry.layer.eachLayer(function (layer) {
                    var props = (layer.feature && layer.feature.properties) || {};
                    if (!props.name) { return; }
                    found.push({
                        collection: "areas", id: props.code, name: props.name, key: key(props.name),
                        detail: config.text.area + " · " + props.code, layer: layer
                    });
                });
            }
        });
        // kept once the fetched layers are in (see VetMapAtlas.whenLoaded; the outlines reset it)
        if (!VetMapAtlas.pending) { index = found; }
        return found;
    }

    function localMatches(q) {
        var wanted = key(q);
        var found = [];
        localIndex().forEach(function (entry) {
            var r = rank(entry.key, wanted);
            if (r >= 0) { found.push([r, entry]); }
        });
        found.sort(function (a, b) { return a[0] - b[0] || a[1].name.length - b[1].name.length; });
        return found.map(function (pair) { return pair[1]; });
    }

    function fromServer(result) {
        var kinds = config.kinds[result.collection] || {};
        var detail = [kinds[result.kind] || config.layers[result.collection], result.area_name].filter(Boolean);
        return {
            collection: result.collection, id: result.id, name: result.name, detail: detail.join(" · "),
            lon: result.lon, lat: result.lat
        };
    }

    // the server's results and the page's own, one of each site, the exact names first, then the names that
    // begin with the words, then the rest (the server's order among its own: pinyin and similar names last)
    function merge(server, local, q) {
        var wanted = key(q);
        var seen = {};
        var all = [];
        server.concat(local).forEach(function (r) {
            var id = r.collection + "/" + r.id;
            if (seen[id]) { return; }
            seen[id] = true;
            var r0 = rank(key(r.name), wanted);
            all.push([r0 < 0 ? 4 : r0, all.length, r]);
        });
        all.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
        return all.slice(0, MAX_SHOWN).map(function (entry) { return entry[2]; });
    }

    function setStatus(text) { status.textContent = text; }

    function close() {
        listbox.hidden = true;
        input.setAttribute("aria-expanded", "false");
        input.removeAttribute("aria-activedescendant");
        active = -1;
    }

    function setActive(i) {
        var options = listbox.querySelectorAll("[role=option]");
        active = i;
        for (var j = 0; j < options.length; j++) {
            options[j].setAttribute("aria-selected", j === i ? "true" : "false");
        }
        if (i >= 0 && options[i]) {
            input.setAttribute("aria-activedescendant", options[i].id);
            options[i].scrollIntoView({block: "nearest"});
        } else {
            input.removeAttribute("aria-activedescendant");
        }
    }

    function show(results, q) {
        shown = results;
        listbox.textContent = "";
        results.forEach(function (r, i) {
            var li = listbox.appendChild(el("li", "atlas-result atlas-result-" + r.collection));
            li.id = "atlas-result-" + i;
            li.setAttribute("role", "option");
            li.setAttribute("aria-selected", "false");
            li.appendChild(el("span", "atlas-result-name", r.name));
            li.appendChild(el("span", "atlas-result-detail", r.detail));
            li.addEventListener("mousedown", function (event) { event.preventDefault(); });
            li.addEventListener("click", function () { choose(r); });
        });
        active = -1;
        input.removeAttribute("aria-activedescendant");
        listbox.hidden = results.length === 0;
        input.setAttribute("aria-expanded", results.length ? "true" : "false");
        if (q !== undefined) {
            setStatus(results.length ? format(config.text.found, {n: results.length})
                : format(config.text.none, {q: q}));
        }
    }

    function ask(q, local) {
        var mine = ++asked;  // only the answer to the latest question is shown
        setStatus(config.text.searching);
        var url = config.search_api + "?" + new URLSearchParams({q: q, limit: "8"}).toString();
        fetch(url, {
            credentials: "same-origin",
            headers: {Accept: "application/json", "Accept-Language": config.lang}
        })
            .then(function (response) {
                if (!response.ok) { throw new Error("search: HTTP " + response.status); }
                return response.json();
            })
            .then(function (data) {
                if (mine !== asked) { return; }
                show(merge((data.results || []).map(fromServer), local, q), q);
            })
            .catch(function (error) {
                if (mine !== asked) { return; }
                show(local);
                setStatus(local.length ? format(config.text.found, {n: local.length}) : config.text.failed);
            });
    }

    function onInput() {
        clearTimeout(timer);
        var q = input.value.trim();
        if (!q) {
            asked++;
            show([]);
            setStatus("");
            return;
        }
        if (!WORD.test(q)) {
            show([]);
            setStatus(config.text.need_word);
            return;
        }
        var local = localMatches(q);
        show(local.slice(0, MAX_SHOWN));
        timer = setTimeout(function () { ask(q, local); }, DEBOUNCE_MS);
    }

    function onKey(event) {
        var n = shown.length;
        if (event.key === "ArrowDown" && n) {
            event.preventDefault();
            if (listbox.hidden) { listbox.hidden = false; input.setAttribute("aria-expanded", "true"); }
            setActive((active + 1) % n);
        } else if (event.key === "ArrowUp" && n) {
            event.preventDefault();
            setActive(active <= 0 ? n - 1 : active - 1);
        } else if (event.key === "Enter" && n && !listbox.hidden) {
            event.preventDefault();  // a result is chosen here; the button still opens the search page
            choose(shown[active >= 0 ? active : 0]);
        } else if (event.key === "Escape") {
            close();
        }
    }

    /* ---------- going there ---------- */

    function reducedMotion() {
        return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    }

    // move to `at` (or fit `bounds`), then call `done` once (also if no move event comes)
    function fly(target, zoom, done) {
        var called = false;
        function once() {
            if (called) { return; }
            called = true;
            map.off("moveend", once);
            done();
        }
        map.on("moveend", once);
        setTimeout(once, 3000);
        var animate = !reducedMotion();
        if (target instanceof L.LatLngBounds) {
            if (animate) { map.flyToBounds(target, {maxZoom: zoom, duration: 0.8}); }
            else { map.fitBounds(target, {maxZoom: zoom, animate: false}); }
        } else if (animate) {
            map.flyTo(target, zoom, {duration: 0.8});
        } else {
            map.setView(target, zoom, {animate: false});
        }
    }

    function findEmbedded(collection, id) {
        var entry = VetMapAtlas.layers[collection];
        if (!entry || entry.kind !== "embedded") { return null; }
        var markers = entry.layer.getLayers();
        for (var i = 0; i < markers.length; i++) {
            if (markers[i].vetmapId === id) { return {marker: markers[i], group: entry.layer}; }
        }
        return null;
    }

    function findTiled(layer, id) {
        var found = null;
        layer.eachLayer(function (group) {
            if (found || !group.eachLayer) { return; }
            group.eachLayer(function (marker) { if (!found && marker.vetmapId === id) { found = marker; } });
        });
        return found;
    }

    function showMarker(group, marker) {
        if (!map.hasLayer(group)) { map.addLayer(group); }
        fly(marker.getLatLng(), Math.min(SITE_ZOOM, map.getMaxZoom()), function () {
            if (group.getVisibleParent(marker) === marker) {
                marker.openPopup();
            } else {
                group.zoomToShowLayer(marker, function () { marker.openPopup(); });
            }
        });
    }

    function showPlace(r) {
        var entry = VetMapAtlas.layers[r.collection];
        if (entry && !map.hasLayer(entry.layer)) { map.addLayer(entry.layer); }
        var at = window.VetMapCRS ? window.VetMapCRS.toMap(map, r.lon, r.lat) : L.latLng(r.lat, r.lon);
        fly(at, Math.min(SITE_ZOOM, map.getMaxZoom()), function () {
            var started = Date.now();
            (function look() {
                var marker = entry && entry.kind === "tiled" ? findTiled(entry.layer, r.id) : null;
                if (marker) { marker.openPopup(); return; }
                if (entry && entry.kind === "tiled" && Date.now() - started < 2500) { setTimeout(look, 150); return; }
                L.popup({maxWidth: 320}).setLatLng(at)
                    .setContent(VetMapAtlas.popup(r.collection, r.name, [], {id: r.id, area_code: r.area_code}))
                    .openOn(map);
            })();
        });
    }

    function choose(r) {
        if (!r) { return; }
        clearTimeout(timer);  // a search still to come would reopen the list
        asked++;  // and the answer of one under way is not shown
        close();
        input.value = r.name;
        setStatus("");
        map.closePopup();
        if (r.layer) {
            fly(r.layer.getBounds(), AREA_MAX_ZOOM, function () {});
            return;
        }
        var found = r.marker ? {marker: r.marker, group: r.group} : findEmbedded(r.collection, r.id);
        if (found) {
            showMarker(found.group, found.marker);
        } else if (typeof r.lon === "number" && typeof r.lat === "number") {
            showPlace(r);
        }
    }

    function setUpSearch() {
        input = document.getElementById("atlas-q");
        listbox = document.getElementById("atlas-results");
        status = document.getElementById("atlas-search-status");
        input.addEventListener("input", onInput);
        input.addEventListener("keydown", onKey);
        input.addEventListener("focus", function () {
            if (shown.length) { listbox.hidden = false; input.setAttribute("aria-expanded", "true"); }
        });
        document.addEventListener("click", function (event) {
            if (!event.target.closest || !event.target.closest(".atlas-search")) { close(); }
        });
    }

    function start(theMap) {
        map = theMap;
        config = JSON.parse(document.getElementById("atlas-config").textContent);
        VetMapAtlas.siteLinks = siteLinks;
        // an opened popup is moved into view clear of the zoom buttons and the legend's button above it
        L.Popup.mergeOptions({autoPanPaddingTopLeft: L.point(10, 84)});
        map.on("popupopen", function (event) { openPopup = event.popup; });
        var outlines = VetMapAtlas.layers.boundaries;
        if (outlines) { outlines.layer.on("vetmap:data", function () { index = null; }); }
        setUpSearch();
        setUpMenu();
        askWhoIAm();
    }

    return {start: start};
})();
