/* VetMap: keeps the cluster bubbles of different layers from hiding each other (web/atlas/map.py).
 *
 * Each layer clusters its own markers, so a bubble of stations and one of graves may land on the same spot. Their
 * icons already sit in their layer's own corner of the point (VetMapAtlas.clusterAnchor); after every redraw this
 * pushes apart, on screen, bubbles still closer than GAP pixels (a few steps of relaxation, each bubble moved at
 * most MAX_SHIFT pixels from its place), by the margins of their icons, so each number stays readable.
 */
var VetMapDeclutter = (function () {
    "use strict";
    var GAP = 34;        // px between two bubbles' centres: their 30 px inner circles do not touch
    var MAX_SHIFT = 36;  // px a bubble may move from where its layer put it
    var STEPS = 12;

    function base(el) {
        if (!el.vetmapBase) {
            el.vetmapBase = [parseFloat(el.style.marginLeft) || 0, parseFloat(el.style.marginTop) || 0];
        }
        return el.vetmapBase;
    }

    function run(map) {
        var pane = map.getPane("markerPane");
        if (!pane) { return; }
        var items = [];
        // read every bubble's place first, without writing in between: a margin set before each read would make
        // the browser lay the page out again for every bubble (hundreds of layouts a pan). Where a bubble would
        // be at its layer's own margins is where it is, less the shift the last run gave it.
        pane.querySelectorAll(".vetmap-cluster").forEach(function (el) {
            var b = base(el);
            var r = el.getBoundingClientRect();
            if (!r.width) { return; }
            var sx = (parseFloat(el.style.marginLeft) || 0) - b[0], sy = (parseFloat(el.style.marginTop) || 0) - b[1];
            items.push({el: el, b: b, x0: r.left + r.width / 2 - sx, y0: r.top + r.height / 2 - sy, dx: 0, dy: 0});
        });
        for (var step = 0; step < STEPS; step++) {
            var moved = false;
            for (var i = 0; i < items.length; i++) {
                for (var j = i + 1; j < items.length; j++) {
                    var a = items[i], c = items[j];
                    var vx = (c.x0 + c.dx) - (a.x0 + a.dx), vy = (c.y0 + c.dy) - (a.y0 + a.dy);
                    var d = Math.sqrt(vx * vx + vy * vy);
                    if (d >= GAP) { continue; }
                    if (d < 0.01) { vx = 1; vy = 0; d = 1; }
                    var push = (GAP - d) / 2 + 0.5;
                    a.dx -= vx / d * push; a.dy -= vy / d * push;
                    c.dx += vx / d * push; c.dy += vy / d * push;
                    moved = true;
                }
            }
            items.forEach(function (it) {
                var len = Math.sqrt(it.dx * it.dx + it.dy * it.dy);
                if (len > MAX_SHIFT) { it.dx *= MAX_SHIFT / len; it.dy *= MAX_SHIFT / len; }
            });
            if (!moved) { break; }
        }
        items.forEach(function (it) {
            it.el.style.marginLeft = (it.b[0] + it.dx) + "px";
            it.el.style.marginTop = (it.b[1] + it.dy) + "px";
        });
    }

    function attach(map) {
        var pending = null;
        function later() {
            if (pending) { return; }
            pending = setTimeout(function () {
                pending = null;
                if (!document.querySelector(".leaflet-cluster-anim")) { run(map); } else { later(); }
            }, 60);
        }
        map.on("moveend zoomend layeradd layerremove", later);
        map.eachLayer(function (layer) {
            if (layer.on) { layer.on("animationend spiderfied unspiderfied", later); }
        });
        later();
        return {run: function () { run(map); }};
    }

    return {attach: attach};
})();
