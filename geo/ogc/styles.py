"""The default map style of the atlas as a MapLibre / Mapbox GL style (version 8) over the dataset tileset.

One vector source (the dataset tiles of /ogc/tiles/WebMercatorQuad, every layer in one tile) and one style layer
per tile layer: administrative areas as outlines, protection and control zones and cemetery boundaries as
translucent fills with an outline, sites as circles coloured by protection level (memorials, cemeteries), level
(stations) or kind (graves). It names no glyphs and no sprite, so it has no text or icon layer: nothing is
fetched but our own tiles, and the style draws on an intranet with no internet.
"""

from __future__ import annotations

from geo.ogc.tiles import DATA_MAXZOOM, LAYERS

STYLE_ID = "default"
STYLE_TITLE = "VetMap atlas"
SOURCE = "vetmap"

_LEVEL_COLOURS = [
    "match",
    ["get", "protection_level"],
    "national",
    "#b71c1c",
    "provincial",
    "#e65100",
    "city",
    "#f9a825",
    "county",
    "#2e7d32",
    "#616161",
]
_STATION_COLOURS = [
    "match",
    ["get", "level"],
    ["province", "city"],
    "#0d47a1",
    "county",
    "#1565c0",
    "township",
    "#1e88e5",
    "#64b5f6",
]
_GRAVE_COLOURS = ["match", ["get", "kind"], "in_cemetery", "#4e342e", "#8d6e63"]
_ZONE_COLOURS = {
    "cemetery_boundaries": "#6d4c41",
    "memorial_protection_zones": "#c62828",
    "cemetery_protection_zones": "#c62828",
    "memorial_control_zones": "#ef6c00",
    "cemetery_control_zones": "#ef6c00",
}
# drawn bottom to top: wide control zones under protection zones under boundaries
_ZONE_ORDER = (
    "memorial_control_zones",
    "cemetery_control_zones",
    "memorial_protection_zones",
    "cemetery_protection_zones",
    "cemetery_boundaries",
)


def _circle(layer: str, colour: list | str, radius: float) -> dict:
    return {
        "id": layer,
        "type": "circle",
        "source": SOURCE,
        "source-layer": layer,
        "minzoom": LAYERS[layer].minzoom,
        "paint": {
            "circle-color": colour,
            "circle-radius": ["interpolate", ["linear"], ["zoom"], 4, radius * 0.6, 14, radius * 1.6],
            "circle-stroke-color": "#ffffff",
            "circle-stroke-width": 1,
        },
    }


def map_style(tiles_template: str, bounds: tuple[float, float, float, float]) -> dict:
    """The style; ``tiles_template`` is the absolute dataset tile URL with {z}/{y}/{x}, ``bounds`` the data's."""
    west, south, east, north = bounds
    layers: list[dict] = [
        {"id": "background", "type": "background", "paint": {"background-color": "#f4f1ea"}},
        {
            "id": "areas",
            "type": "line",
            "source": SOURCE,
            "source-layer": "areas",
            "filter": ["==", ["geometry-type"], "Polygon"],
            "paint": {"line-color": "#78909c", "line-width": 1},
        },
    ]
    for zone in _ZONE_ORDER:
        colour = _ZONE_COLOURS[zone]
        layers.append(
            {
                "id": zone,
                "type": "fill",
                "source": SOURCE,
                "source-layer": zone,
                "minzoom": LAYERS[zone].minzoom,
                "paint": {"fill-color": colour, "fill-opacity": 0.2, "fill-outline-color": colour},
            }
        )
    layers += [
        _circle("graves", _GRAVE_COLOURS, 3),
        _circle("stations", _STATION_COLOURS, 5),
        _circle("cemeteries", _LEVEL_COLOURS, 6),
        _circle("memorials", _LEVEL_COLOURS, 6),
    ]
    missing = set(LAYERS) - {layer.get("source-layer") for layer in layers}
    if missing:  # a tile layer added without a style layer would never be drawn
        raise AssertionError(f"the style draws no layer for {', '.join(sorted(missing))}")
    return {
        "version": 8,
        "name": STYLE_TITLE,
        "metadata": {"vetmap:style": STYLE_ID},
        "center": [(west + east) / 2, (south + north) / 2],
        "zoom": 4,
        "sources": {
            SOURCE: {
                "type": "vector",
                "tiles": [tiles_template],
                "scheme": "xyz",
                "minzoom": 0,
                "maxzoom": DATA_MAXZOOM,
                "bounds": [west, south, east, north],
                "attribution": "VetMap",
            }
        },
        "layers": layers,
    }
