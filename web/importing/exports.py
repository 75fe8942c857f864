"""The export page's grid: one row per collection with its count in the chosen area and one download link per
format the export API writes (GeoJSON, CSV, Excel, GeoPackage, zipped Shapefile, KML)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from web.i18n import t

EXPORT_COLLECTIONS = ("stations", "memorials", "cemeteries", "graves", "martyrs", "areas")
"""The collections the export page offers, in the order it lists them."""
EXPORT_FORMATS = ("geojson", "csv", "xlsx", "gpkg", "shp", "kml")
"""The formats of /api/v1/exports/{collection}.{fmt}, in the order the page lists them."""
OGC_COLLECTIONS = ("stations", "memorials", "cemeteries", "graves")
"""The collections OGC API – Features also serves (/ogc/collections/{id}/items)."""


@dataclass(frozen=True)
class ExportLink:
    """One download: its format's short label, its accessible name and its URL."""

    fmt: str
    label: str
    title: str
    href: str


@dataclass(frozen=True)
class ExportRow:
    """A collection as the page lists it: its label, count in the area and its downloads."""

    collection: str
    label: str
    count: int | None
    links: list[ExportLink]


def export_href(collection: str, fmt: str, area: str | None) -> str:
    """The export API's URL of a collection in a format, limited to ``area`` (None: everything)."""
    query = f"?{urlencode({'area': area})}" if area else ""
    return f"/api/v1/exports/{collection}.{fmt}{query}"


def export_rows(counts: dict[str, int], area: str | None, lang: str) -> list[ExportRow]:
    """The rows of the export grid: every collection × format, and the per-area summary workbook last."""
    rows = []
    for c in EXPORT_COLLECTIONS:
        label = t(f"imports.coll.{c}", lang)
        links = []
        for fmt in EXPORT_FORMATS:
            name = t(f"exports.fmt.{fmt}", lang)
            title = t("exports.download", lang).format(collection=label, format=name)
            links.append(ExportLink(fmt, name, title, export_href(c, fmt, area)))
        rows.append(ExportRow(c, label, counts.get(c), links))
    label = t("imports.coll.summary", lang)
    name = t("exports.fmt.xlsx", lang)
    title = t("exports.download", lang).format(collection=label, format=name)
    rows.append(
        ExportRow(
            "summary", label, None, [ExportLink("xlsx", name, title, export_href("summary", "xlsx", area))]
        )
    )
    return rows
