"""View model of the protection-zone check page (``/staff/zones/check``): what its script needs."""

from __future__ import annotations

from typing import Any

from geo.atlas.collections import COLLECTIONS
from web.atlas.site_edit import ZONE_COLORS, collection_label, field_label
from web.i18n import enum_label, t

JS_MESSAGES = (
    "zones.js.checking",
    "zones.js.none",
    "zones.js.found",
    "zones.js.failed",
    "zones.js.offline",
    "zones.js.reading",
    "zones.js.read",
    "zones.js.draw_first",
    "zones.js.draw_hint",
    "zones.js.open_site",
    "zones.js.polygon_m2",
    "zones.js.cleared",
    "zones.js.no_file",
)
"""The catalogue entries the zone check's script writes."""


def zone_page_config(lang: str, csrf: str, basemap: dict[str, Any], outline: dict | None) -> dict[str, Any]:
    """The zone check script's data: labels of collections, zones, kinds and levels; colours; basemap; my area."""
    kinds = {
        "memorials": {k: enum_label("memorial_kind", k, lang) for k in _kinds("memorials")},
        "cemeteries": {k: enum_label("cemetery_kind", k, lang) for k in _kinds("cemeteries")},
    }
    levels = {
        k: enum_label("protection_level", k, lang)
        for k in ("national", "provincial", "city", "county", "scattered")
    }
    return {
        "lang": lang,
        "csrf": csrf,
        "basemap": basemap,
        "outline": outline,
        "collections": {c: collection_label(c, lang) for c in ("memorials", "cemeteries")},
        "zones": {z: field_label(z, lang) for z in ("protection_zone", "control_zone")},
        "colors": ZONE_COLORS,
        "kinds": kinds,
        "levels": levels,
        "vertexLabel": t("sites.vertex", lang),
        "messages": {key.removeprefix("zones.js."): t(key, lang) for key in JS_MESSAGES},
    }


def _kinds(collection: str) -> tuple[str, ...]:
    return COLLECTIONS[collection].kinds
