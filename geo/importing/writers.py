"""Write rows (and point or polygon geometries, WGS-84) to any of the import formats: CSV (UTF-8 with BOM, so
Excel opens it), XLSX, and GeoJSON, GeoPackage, zipped Shapefile and KML through pyogrio. Shared by the
exports (``Records``, what an export fetched: sites, areas or martyr records) and the rejects file."""

from __future__ import annotations

import csv
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from geo.importing.columns import shapefile_names

_DRIVERS = {"geojson": "GeoJSON", "gpkg": "GPKG", "kml": "LIBKML", "shp": "ESRI Shapefile"}
_FORMULA_START = ("=", "+", "-", "@")


@dataclass
class Records:
    """Exported records: columns, rows (values in column order), WGS-84 points and polygon columns."""

    columns: list[str]
    rows: list[list[Any]]
    lon: list[float]
    lat: list[float]
    polygons: tuple[str, ...]
    shapes: list[Any] | None = None  # areas: their polygon (or point) geometry


def write_csv(path: Path, columns: list[str], rows: list[list[Any]]) -> None:
    """A CSV file in UTF-8 with a byte-order mark; None is an empty cell."""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        w.writerows([["" if v is None else v for v in r] for r in rows])


def write_xlsx(path: Path, sheets: dict[str, tuple[list[str], list[list[Any]]]]) -> None:
    """An Excel workbook with one sheet per entry (name → header and rows); text never becomes a formula."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    for name, (columns, rows) in sheets.items():
        ws = book.create_sheet(title=name[:31])
        ws.append(columns)
        for r in rows:
            cells = []
            for v in r:
                if isinstance(v, str) and v.startswith(_FORMULA_START):
                    cell = WriteOnlyCell(ws, value=v)
                    cell.data_type = "s"
                    cells.append(cell)
                else:
                    cells.append(v)
            ws.append(cells)
    book.save(path)


def _frame(columns: list[str], rows: list[list[Any]], geoms: list[Any], crs: Any = "EPSG:4326"):
    import geopandas as gpd

    data = {c: [r[j] for r in rows] for j, c in enumerate(columns)}
    frame = pd.DataFrame(data, columns=columns)
    for c in columns:
        if frame[c].dtype == object:
            kinds = {type(v) for v in frame[c] if v is not None}
            if kinds <= {bool} and frame[c].notna().all():
                frame[c] = frame[c].astype(bool)
            elif kinds <= {int, float} and kinds:
                frame[c] = pd.to_numeric(frame[c])
            else:
                frame[c] = frame[c].map(lambda v: None if v is None else str(v)).astype(object)
    return gpd.GeoDataFrame(frame, geometry=list(geoms), crs=crs or "EPSG:4326")


def write_gis(
    path: Path,
    fmt: str,
    layer: str,
    columns: list[str],
    rows: list[list[Any]],
    geoms: list[Any],
    extra_layers: dict[str, tuple[list[str], list[Any]]] | None = None,
    crs: Any = None,
) -> None:
    """A GIS file of one layer; ``shp`` is written zipped, with ``extra_layers`` (name → codes and polygons)."""
    import pyogrio

    if fmt != "shp":
        if fmt == "kml":  # the placemark's name is the record's name
            columns = ["Name" if c == "name" else c for c in columns]
        pyogrio.write_dataframe(_frame(columns, rows, geoms, crs), path, layer=layer, driver=_DRIVERS[fmt])
        return
    short = shapefile_names(columns)
    with tempfile.TemporaryDirectory(prefix="vetmap-shp-") as tmp:
        folder = Path(tmp)
        frame = _frame([short[c] for c in columns], rows, geoms, crs)
        pyogrio.write_dataframe(frame, folder / f"{layer}.shp", driver="ESRI Shapefile", encoding="UTF-8")
        for name, (codes, polys) in (extra_layers or {}).items():
            if codes:
                extra = _frame(["code"], [[c] for c in codes], polys)
                pyogrio.write_dataframe(
                    extra, folder / f"{name}.shp", driver="ESRI Shapefile", encoding="UTF-8"
                )
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(folder.iterdir()):
                z.write(f, f.name)


def write_rows(
    path: Path,
    fmt: str,
    layer: str,
    columns: list[str],
    rows: list[list[Any]],
    geoms: list[Any] | None = None,
    extra_layers: dict[str, tuple[list[str], list[Any]]] | None = None,
    crs: Any = None,
) -> None:
    """Rows in ``fmt``: CSV and XLSX as plain tables, the GIS formats with ``geoms`` (one per row)."""
    if fmt == "csv":
        write_csv(path, columns, rows)
    elif fmt == "xlsx":
        write_xlsx(path, {layer: (columns, rows)})
    else:
        geoms = geoms if geoms is not None else [None] * len(rows)
        write_gis(path, fmt, layer, columns, rows, geoms, extra_layers, crs)
