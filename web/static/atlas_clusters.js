/* VetMap: a Leaflet layer drawn from the server's cluster tiles (/api/v1/clusters/{collection}/{z}/{x}/{y}.json).
 *
 * On every moveend the layer works out the 256 px tiles of the view at the map's zoom, aborts the requests of tiles
 * no longer wanted, draws the tiles it already holds and fetches the others. A cell holding several sites is a
 * bubble with its count, in the collection's cluster colours (clicking it zooms in there); a cell holding one site
 * is that site's marker with the same icon and popup as the embedded layers (web/atlas/map.py).
 * Needs Leaflet, Leaflet.awesome-markers and VetMapAtlas.popup and .clusterAnchor (web/atlas/map.py, which puts data
 * in as text and places each collection's bubbles in their own corner) on the page.
 */
var VetMapClusters = (function () {
    "use strict";
    var TILE_SIZE = 256;
    var MAX_CACHED = 2000;
    var ZOOM_STEP = 2;

    function bubbleIcon(collection, count) {
        count = Number(count);  // the bubble's markup holds this number and nothing else
        var size = count < 10 ? "small" : (count < 100 ? "medium" : "large");
        var digits = String(count).length;
        var width = Math.max(40, 16 + 8 * digits);
        var inner = digits > 3 ? ' style="width:' + (width - 10) + 'px"' : "";
        return L.divIcon({
            html: "<div" + inner + "><span>" + count + "</span></div>",
            className: "marker-cluster marker-cluster-" + size + " vetmap-cluster vetmap-cluster-" + collection,
            iconSize: new L.Point(width, 40),
            // in the collection's own corner of the point, as the embedded layers' bubbles
            iconAnchor: VetMapAtlas.clusterAnchor(collection, width, 40)
        });
    }

    var ClusterTileLayer = L.LayerGroup.extend({
        initialize: function (options) {
            L.LayerGroup.prototype.initialize.call(this);
            this.collection = options.collection;
            this.url = options.url;
            this._drawn = {};
            this._cache = {};
            this._cached = 0;
            this._pending = {};
            this._wanted = {};
            this._icons = {};
        },

        onAdd: function (map) {
            L.LayerGroup.prototype.onAdd.call(this, map);
            map.on("moveend", this._update, this);
            // after the rest of the page's script: its fitBounds sets the opening view, not Folium's first one
            var self = this;
            this._first = setTimeout(function () { self._first = null; self._update(); }, 0);
        },

        onRemove: function (map) {
            map.off("moveend", this._update, this);
            if (this._first) { clearTimeout(this._first); this._first = null; }
            for (var key in this._pending) { this._pending[key].abort(); }
            this._pending = {};
            this._wanted = {};
            this._drawn = {};
            this.clearLayers();
            L.LayerGroup.prototype.onRemove.call(this, map);
        },

        /* The keys "z/x/y" of the tiles the view shows at the map's (rounded) zoom. */
        _tilesInView: function () {
            var map = this._map;
            var z = Math.max(0, Math.min(22, Math.round(map.getZoom())));
            var last = Math.pow(2, z) - 1;
            var bounds = map.getBounds();
            var nw = map.project(bounds.getNorthWest(), z).divideBy(TILE_SIZE).floor();
            var se = map.project(bounds.getSouthEast(), z).divideBy(TILE_SIZE).floor();
            var keys = {};
            for (var x = Math.max(0, nw.x); x <= Math.min(last, se.x); x++) {
                for (var y = Math.max(0, nw.y); y <= Math.min(last, se.y); y++) {
                    keys[z + "/" + x + "/" + y] = [z, x, y];
                }
            }
            return keys;
        },

        _update: function () {
            if (!this._map) { return; }
            var wanted = this._wanted = this._tilesInView();
            var key;
            for (key in this._pending) {
                if (!wanted[key]) { this._pending[key].abort(); delete this._pending[key]; }
            }
            for (key in this._drawn) {
                if (!wanted[key]) { this.removeLayer(this._drawn[key]); delete this._drawn[key]; }
            }
            for (key in wanted) {
                if (this._drawn[key] || this._pending[key]) { continue; }
                if (this._cache[key]) { this._draw(key, this._cache[key]); } else { this._fetch(key, wanted[key]); }
            }
        },

        _fetch: function (key, zxy) {
            var self = this;
            var controller = new AbortController();
            this._pending[key] = controller;
            var url = this.url.replace("{z}", zxy[0]).replace("{x}", zxy[1]).replace("{y}", zxy[2]);
            fetch(url, {signal: controller.signal, credentials: "same-origin", headers: {Accept: "application/json"}})
                .then(function (response) {
                    if (!response.ok) { throw new Error("cluster tile " + url + ": HTTP " + response.status); }
                    return response.json();
                })
                .then(function (data) {
                    if (self._pending[key] !== controller) { return; }
                    delete self._pending[key];
                    if (self._cached >= MAX_CACHED) { self._cache = {}; self._cached = 0; }
                    self._cache[key] = data;
                    self._cached++;
                    if (self._map && self._wanted[key] && !self._drawn[key]) { self._draw(key, data); }
                })
                .catch(function (error) {
                    if (error.name === "AbortError") { return; }
                    if (self._pending[key] === controller) { delete self._pending[key]; }
                    console.error("VetMap: " + error.message);
                });
        },

        _siteIcon: function (site) {
            var name = site.icon + "|" + site.colour;
            if (!this._icons[name]) {
                this._icons[name] = L.AwesomeMarkers.icon(
                    {icon: site.icon, markerColor: site.colour, prefix: "fa", iconColor: "white"});
            }
            return this._icons[name];
        },

        _draw: function (key, data) {
            var map = this._map;
            var collection = this.collection;
            var group = L.layerGroup();
            data.cells.forEach(function (cell) {
                var latlng = [cell.lat, cell.lon];
                var marker;
                if (cell.site) {
                    marker = L.marker(latlng, {icon: this._siteIcon(cell.site), title: cell.site.title});
                    marker.vetmapId = cell.site.id;
                    var site = cell.site;
                    marker.bindPopup(function () {
                        return VetMapAtlas.popup(collection, site.title, site.rows,
                            {id: site.id, area_code: site.area_code});
                    }, {maxWidth: 320});
                } else {
                    marker = L.marker(latlng, {icon: bubbleIcon(collection, cell.count)});
                    marker.vetmapCount = cell.count;
                    marker.on("click", function () {
                        map.setView(latlng, Math.min(data.z + ZOOM_STEP, map.getMaxZoom()));
                    });
                }
                group.addLayer(marker);
            }, this);
            this._drawn[key] = group;
            this.addLayer(group);
        }
    });

    return {
        layer: function (options) { return new ClusterTileLayer(options); },
        ClusterTileLayer: ClusterTileLayer
    };
})();
