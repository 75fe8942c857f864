/* VetMap: the atlas map's legend, inside its layer control (web/atlas/map.py).
 *
 * Under each layer's switch it shows what that layer draws: its cluster bubble colour, then each marker (icon and
 * colour by level or kind, made by Leaflet.awesome-markers exactly as the markers are) with its meaning; under the
 * boundaries a line. Then the colours of upkeep problems, shared by memorials, cemeteries and graves, and what a
 * bubble's number means. A button folds the whole panel; it starts folded on a small screen.
 * Labels are put in as text, never as HTML. Needs Leaflet, Leaflet.awesome-markers and VetMapAtlas on the page.
 *
 * spec: {toggle, note, upkeep: {title, items}, layers: {collection: items}}, items: [[icon, colour, label], ...]
 * where icon "cluster" is a bubble of colour "r, g, b" and icon "line" a line of a CSS colour.
 */
var VetMapLegend = (function () {
    "use strict";
    var WIDE = "(min-width: 700px) and (min-height: 560px)";

    function el(tag, className, text) {
        var node = document.createElement(tag);
        if (className) { node.className = className; }
        if (text !== null && text !== undefined) { node.textContent = String(text); }
        return node;
    }

    function mark(item) {
        var box = el("span", "vetmap-legend-mark");
        box.setAttribute("aria-hidden", "true");
        if (item[0] === "cluster") {
            var bubble = box.appendChild(el("span", "vetmap-legend-bubble"));
            bubble.style.backgroundColor = "rgba(" + item[1] + ", 0.85)";
            bubble.style.boxShadow = "0 0 0 3px rgba(" + item[1] + ", 0.35)";
        } else if (item[0] === "line") {
            var line = box.appendChild(el("span", "vetmap-legend-line"));
            line.style.borderTopColor = item[1];
        } else {
            var icon = L.AwesomeMarkers.icon({
                icon: item[0] || "", markerColor: item[1], prefix: "fa", iconColor: "white"
            }).createIcon();
            icon.style.margin = "0";
            icon.style.width = "";
            icon.style.height = "";
            box.appendChild(icon);
        }
        return box;
    }

    function list(items) {
        var ul = el("ul", "vetmap-legend-items");
        items.forEach(function (item) {
            var li = ul.appendChild(el("li"));
            li.appendChild(mark(item));
            li.appendChild(el("span", "vetmap-legend-label", item[2]));
        });
        return ul;
    }

    function attach(map, control, spec) {
        var container = control.getContainer();
        var section = container.querySelector(".leaflet-control-layers-list");
        var legends = [];
        Object.keys(spec.layers).forEach(function (collection) {
            var entry = VetMapAtlas.layers[collection];
            if (entry) { legends.push([entry.layer, collection, spec.layers[collection]]); }
        });

        // each layer's legend right under its switch, also when Leaflet rebuilds the list
        var addItem = control._addItem;
        control._addItem = function (obj) {
            var label = addItem.call(this, obj);
            legends.forEach(function (legend) {
                if (legend[0] === obj.layer && label.parentNode) {
                    var ul = label.parentNode.appendChild(list(legend[2]));
                    ul.setAttribute("data-legend", legend[1]);
                }
            });
            return label;
        };
        var extra = el("div", "vetmap-legend-extra");
        extra.appendChild(el("p", "vetmap-legend-heading", spec.upkeep.title));
        extra.appendChild(list(spec.upkeep.items)).setAttribute("data-legend", "upkeep");
        extra.appendChild(el("p", "vetmap-legend-note", spec.note));
        section.appendChild(extra);
        control._update();

        // the fold
        L.DomUtil.addClass(container, "vetmap-legend");
        section.id = section.id || "vetmap-legend-panel";
        var button = el("button", "vetmap-legend-toggle", spec.toggle);
        button.type = "button";
        button.setAttribute("aria-controls", section.id);
        container.insertBefore(button, container.firstChild);
        // the open panel scrolls within the map, above the controls of the lower corners
        function fit() {
            control.expand();
            L.DomUtil.removeClass(section, "leaflet-control-layers-scrollbar");
            section.style.height = "";
            var room = map.getSize().y - container.offsetTop - button.offsetHeight - 24;
            section.style.maxHeight = Math.max(120, room) + "px";
            section.style.overflowY = "auto";
        }
        if (container.parentNode) { container.parentNode.style.zIndex = 1001; }
        function setOpen(open) {
            button.setAttribute("aria-expanded", open ? "true" : "false");
            if (open) {
                L.DomUtil.removeClass(container, "vetmap-legend-closed");
                fit();
            } else {
                L.DomUtil.addClass(container, "vetmap-legend-closed");
            }
        }
        button.addEventListener("click", function () {
            setOpen(button.getAttribute("aria-expanded") !== "true");
        });
        map.on("resize", function () {
            if (button.getAttribute("aria-expanded") === "true") { fit(); }
        });
        setOpen(window.matchMedia(WIDE).matches);
        return {setOpen: setOpen, button: button};
    }

    return {attach: attach};
})();
