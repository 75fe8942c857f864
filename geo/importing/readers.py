"""Read a register file into rows of original values: CSV (UTF-8 or GBK/GB18030, detected), XLSX, and
GeoJSON, GeoPackage, zipped Shapefile and KML through pyogrio. Bad files raise InvalidInput with the reason.

A zip (a zipped Shapefile, an Excel workbook) is checked from its directory before anything is inflated, and a
Shapefile's parts are unzipped to a temporary folder a MiB at a time under ``ZipLimits`` (geo/kit/archives.py):
a zip bomb is refused with PayloadTooLarge, and memory stays bounded whatever the zip claims to hold."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio

from geo.errors import InvalidInput
from geo.kit.archives import IMPORT_LIMITS, ZipLimits, check_zip, unzipped_shapefiles

_log = logging.getLogger(__name__)

_CHUNK = 1024 * 1024
OVERFLOW = "\u2026"
"""Key of a row's cells beyond the header (reported by the checks, never silently dropped)."""

FORMATS = ("geojson", "gpkg", "shp", "kml", "csv", "xlsx")
"""The file formats read and written (``shp`` is a zipped Shapefile)."""

_SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".zip": "shp",
    ".shp": "shp",
    ".kml": "kml",
}


@dataclass
class RawTable:
    """A file's rows as read: original headers and values, geometries (GIS formats), file CRS, encoding."""

    fmt: str
    columns: list[str]
    rows: list[dict[str, Any]]
    row_numbers: list[int]
    geoms: list[Any] | None = None
    file_crs: Any = None
    encoding: str | None = None
    layers: dict[str, dict[str, Any]] = field(default_factory=dict)  # extra polygon layers: code → geom


def detect_format(path: Path, head: bytes, label: str | None = None) -> str:
    """The format of a file from its name, else from its first bytes; InvalidInput when neither tells (``label``
    names the file in messages: its name by default)."""
    suffix = path.suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
        except zipfile.BadZipFile:
            raise InvalidInput(
                f"{label or path.name} looks like a zip file but cannot be opened",
                key="import.not_zip",
                params={"name": label or path.name},
            ) from None
        return "xlsx" if "[Content_Types].xml" in names else "shp"
    if head.startswith(b"SQLite format 3"):
        return "gpkg"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return "geojson"
    if stripped.startswith(b"<") and b"kml" in head.lower():
        return "kml"
    return "csv"


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of ``data`` and its encoding: the given one, else UTF-8 (BOM or not), else GB18030 (GBK's
    superset); InvalidInput when it is neither."""
    candidates = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if "\x00" in text:
            break
        return text, ("utf-8" if enc == "utf-8-sig" else enc)
    tried = ", ".join(candidates)
    raise InvalidInput(
        f"the file is not text in {tried}: declare its encoding or save it as UTF-8 CSV",
        key="import.not_text",
    )


def _header_rows(rows: list[list[Any]], label: str) -> tuple[list[str], int]:
    for i, row in enumerate(rows):
        if any(_present(v) for v in row):
            header = [str(v).strip() if v is not None else "" for v in row]
            while header and not header[-1]:
                header.pop()
            seen: set[str] = set()
            for j, name in enumerate(header):
                if not name:
                    raise InvalidInput(
                        f"{label}: column {j + 1} of the header row has no name",
                        key="import.header_unnamed",
                        params={"name": label, "column": j + 1},
                    )
                if name in seen:
                    raise InvalidInput(
                        f"{label}: the header names column {name!r} twice",
                        key="import.header_twice",
                        params={"name": label, "column": name},
                    )
                seen.add(name)
            return header, i
    raise InvalidInput(
        f"{label} is empty: no header row and no records", key="import.empty", params={"name": label}
    )


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return not (isinstance(value, str) and not value.strip())


def _rows_of(grid: list[list[Any]], label: str, first_line: int = 1) -> RawTable:
    header, at = _header_rows(grid, label)
    rows, numbers = [], []
    width = len(header)
    for i in range(at + 1, len(grid)):
        values = grid[i]
        if not any(_present(v) for v in values):
            continue  # a blank line is not a record
        extra = [v for v in values[width:] if _present(v)]
        row = {h: (values[j] if j < len(values) else None) for j, h in enumerate(header)}
        if extra:
            row[OVERFLOW] = extra
        rows.append(row)
        numbers.append(i + first_line)
    return RawTable("", header, rows, numbers)


def read_csv(path: Path, encoding: str | None = None, label: str | None = None) -> RawTable:
    """A CSV file (delimiter sniffed among , ; tab |) with its header row; row numbers as a spreadsheet shows;
    ``label`` names it in messages (its file name by default)."""
    label = label or path.name
    text, enc = decode_text(path.read_bytes(), encoding)
    if not text.strip():
        raise InvalidInput(f"{label} is empty", key="import.empty", params={"name": label})
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    grid = list(csv.reader(io.StringIO(text, newline=""), dialect))
    table = _rows_of(grid, label)
    table.fmt, table.encoding = "csv", enc
    return table


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def read_xlsx(
    path: Path, sheet: str | None = None, limits: ZipLimits = IMPORT_LIMITS, label: str | None = None
) -> RawTable:
    """The first (or named) sheet of an Excel workbook, header in its first non-empty row. The workbook (a zip) is
    checked from its directory first (geo/kit/archives.py): no part may unzip past ``limits``. ``label`` names it
    in messages (its file name by default)."""
    import openpyxl

    label = label or path.name
    if zipfile.is_zipfile(path):
        check_zip(path, limits)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        _refused_by_library(label, exc)
        raise InvalidInput(
            f"{label} cannot be read as an Excel workbook (.xlsx): it is damaged or not an .xlsx workbook",
            key="file.not_xlsx",
            params={"name": label},
        ) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InvalidInput(f"{label} has no sheet {sheet!r}; it has: {', '.join(book.sheetnames)}")
        ws = book[sheet] if sheet else book.worksheets[0]
        grid = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        book.close()
    table = _rows_of(grid, label)
    table.fmt = "xlsx"
    return table


_KML_STRUCTURE = ("id", "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude", "visibility")
_KML_STRUCTURE += ("drawOrder", "icon")


FORMAT_NAMES = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "shp": "Shapefile", "kml": "KML"}
"""How a GIS format is named to a person."""


def _refused_by_library(label: str, exc: BaseException) -> None:
    """Log what the reading library said (its text may hold server paths: the log only, never the answer)."""
    _log.info("%s could not be read: %s: %s", label, type(exc).__name__, str(exc).strip()[:500])


def _python(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if hasattr(value, "isoformat"):
        return _cell(value.to_pydatetime() if hasattr(value, "to_pydatetime") else value)
    return value


def _read_layer(path: Path, layer: str, label: str, encoding: str | None):
    try:
        return pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    except Exception as exc:  # pyogrio raises DataSourceError and friends for anything unreadable
        _refused_by_library(label, exc)
        raise InvalidInput(
            f"the records of {label} cannot be read: the file is damaged or incomplete",
            key="file.unreadable",
            params={"name": label},
        ) from None


def read_gis(
    path: Path,
    fmt: str,
    polygon_layers: tuple[str, ...] = (),
    encoding: str | None = None,
    label: str | None = None,
) -> RawTable:
    """A GIS file's (or a folder of Shapefiles') main layer (the first that is not a polygon-column layer) with
    geometries and CRS; ``label`` names it in messages (its file name by default)."""
    label = label or path.name
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:
        _refused_by_library(label, exc)
        name = FORMAT_NAMES.get(fmt, fmt)
        raise InvalidInput(
            f"{label} cannot be read as a {name} file: it is damaged or of another format",
            key="file.not_format",
            params={"name": label, "format": name},
        ) from None
    main = [n for n in layers if n not in polygon_layers]
    if not main:
        raise InvalidInput(
            f"{label} has no layer of records", key="import.no_records", params={"name": label}
        )
    frame = _read_layer(path, main[0], label, encoding)
    skip = _KML_STRUCTURE if fmt == "kml" else ()
    columns = [str(c) for c in frame.columns if c != "geometry" and c not in skip]
    records = frame[columns].to_dict("records") if columns else [{} for _ in range(len(frame))]
    rows = [{k: _python(v) for k, v in r.items()} for r in records]
    geoms = list(frame.geometry.values) if "geometry" in frame else [None] * len(rows)
    table = RawTable(fmt, columns, rows, list(range(1, len(rows) + 1)), geoms, frame.crs)
    for name in (n for n in layers if n in polygon_layers):
        extra = _read_layer(path, name, label, encoding)
        if "code" in extra.columns and "geometry" in extra:
            table.layers[name] = dict(zip(extra["code"].astype(str), extra.geometry.values, strict=True))
    return table


_UNTOLD_LDIDS = (0x00, 0x57)
"""DBF language driver ids that say nothing of the text's encoding: none, and 87 ("ANSI", which GDAL writes by
default and reads as ISO-8859-1)."""


def _undeclared_dbfs(folder: Path, only: str | None = None) -> list[Path]:
    """The .dbf files of a folder (or the one of Shapefile ``only``) whose encoding nothing declares: no .cpg
    beside it, and a language driver id that says nothing."""
    names = [p.name for p in folder.iterdir() if p.is_file()]
    stems = {n.rsplit(".", 1)[0].lower() for n in names if n.lower().endswith(".cpg")}
    found = []
    for name in names:
        stem, _, suffix = name.rpartition(".")
        if suffix.lower() != "dbf" or stem.lower() in stems or (only and stem.lower() != only.lower()):
            continue
        with (folder / name).open("rb") as f:
            head = f.read(32)
        if len(head) == 32 and head[29] in _UNTOLD_LDIDS:
            found.append(folder / name)
    return found


def _records_decode(dbf: Path, encoding: str) -> bool:
    """Whether the records of a .dbf decode in ``encoding``, read a MiB at a time (never the whole file)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with dbf.open("rb") as f:
        f.seek(int.from_bytes(f.read(10)[8:10], "little"))
        try:
            while chunk := f.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def shapefile_encoding(path: Path) -> str | None:
    """The text encoding of a Shapefile's attributes when nothing declares it (no .cpg, no useful language
    driver id): UTF-8 when every undeclared .dbf's records decode as UTF-8, else GB18030 (GBK's superset) when
    they decode so; None when a declaration is there for GDAL to follow, or neither fits. ``path``: a .shp, or a
    folder of Shapefiles (an extracted zip)."""
    files = _undeclared_dbfs(path) if path.is_dir() else _undeclared_dbfs(path.parent, path.stem)
    if not files:
        return None
    for encoding in ("UTF-8", "GB18030"):
        if all(_records_decode(dbf, encoding) for dbf in files):
            return encoding
    return None


def _read_zipped_shapefile(
    path: Path, polygon_layers: tuple[str, ...], encoding: str | None, limits: ZipLimits, label: str
) -> RawTable:
    """A zipped Shapefile: its directory checked, its Shapefile parts unzipped to a temporary folder under the
    limits (a MiB at a time), then read from there."""
    with unzipped_shapefiles(path, limits) as folder:
        encoding = encoding or shapefile_encoding(folder)
        table = read_gis(folder, "shp", polygon_layers, encoding, label=label)
    table.encoding = encoding
    return table


def read_file(
    path: Path,
    fmt: str | None = None,
    polygon_layers: tuple[str, ...] = (),
    encoding=None,
    limits: ZipLimits = IMPORT_LIMITS,
    label: str | None = None,
) -> RawTable:
    """Read a register file of any supported format; InvalidInput for a missing, empty or unreadable file, and
    PayloadTooLarge for a zip (Shapefile, workbook) that unzips past ``limits``. ``label`` names the file in
    messages (an upload's own name; the file's name by default): never the server's path to it."""
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}")
    label = label or path.name
    if path.stat().st_size == 0:
        raise InvalidInput(f"{label} is empty", key="import.empty", params={"name": label})
    with path.open("rb") as f:
        head = f.read(512)
    fmt = fmt or detect_format(path, head, label)
    if fmt not in FORMATS:
        raise InvalidInput(
            f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}", key="import.unknown_format"
        )
    if fmt == "csv":
        return read_csv(path, encoding, label)
    if fmt == "xlsx":
        return read_xlsx(path, limits=limits, label=label)
    if fmt == "shp" and path.suffix.lower() == ".zip" and not zipfile.is_zipfile(path):
        raise InvalidInput(
            f"{label} is not a valid zip file (a zipped Shapefile is expected)",
            key="import.not_zip",
            params={"name": label},
        )
    if fmt == "shp" and (path.suffix.lower() == ".zip" or head.startswith(b"PK\x03\x04")):
        return _read_zipped_shapefile(path, polygon_layers, encoding, limits, label)
    if fmt == "shp" and encoding is None:
        encoding = shapefile_encoding(path)
    table = read_gis(path, fmt, polygon_layers, encoding, label)
    table.encoding = encoding
    return table
