"""Read a register file into rows of original values: CSV (UTF-8 or GBK/GB18030, detected), XLSX (python-calamine,
openpyxl where it is missing), and GeoJSON, GeoPackage, zipped Shapefile and KML through pyogrio. A spreadsheet's
header is found under its title rows and its records told from blank, total and note rows
(geo/importing/sheet_shapes.py). Bad files raise InvalidInput with the reason.

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

from geo.errors import InvalidInput
from geo.importing import sheet_shapes
from geo.importing.sheet_shapes import Known, header_of, header_score, read_grid
from geo.kit.archives import IMPORT_LIMITS, ZipLimits, check_zip, unzipped_shapefiles

_log = logging.getLogger(__name__)

_CHUNK = 1024 * 1024
OVERFLOW = sheet_shapes.OVERFLOW
"""Key of a row's cells beyond the header (reported by the checks, never silently dropped)."""
ALL_SHEETS = ("*", "all", "全部")
"""The ``sheet`` option's words for every sheet of a workbook that has the same header."""

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
    shape: dict[str, Any] | None = None  # a spreadsheet's: its sheets' shapes (sheet_shapes.SheetShape), BOM
    row_sheets: list[str] | None = None  # each row's sheet, when rows come from several sheets

    @property
    def serial_columns(self) -> list[str]:
        """The running-number columns (序号) of the sheets read: never mapped to a field."""
        sheets = (self.shape or {}).get("sheets") or []
        return list(dict.fromkeys(c for sh in sheets for c in sh.get("serial_columns", [])))


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


def _sniffed(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _delimiter(text: str, known: Known | None) -> str:
    """The delimiter whose first lines give the header of the most known columns (title rows above a header can
    mislead the sniffer); the sniffed one on a tie."""
    sniffed = _sniffed(text)
    head = text[:65536].splitlines()[: sheet_shapes.HEADER_SEARCH_ROWS + 2]
    best, best_score = sniffed, header_score(list(csv.reader(head, delimiter=sniffed)), known)
    for d in ",\t;|":
        if d != sniffed and d in text[:65536]:
            score = header_score(list(csv.reader(head, delimiter=d)), known)
            if score > best_score:
                best, best_score = d, score
    return best


def read_csv(
    path: Path, encoding: str | None = None, label: str | None = None, known: Known | None = None
) -> RawTable:
    """A CSV file (delimiter among , ; tab |) with its header found among its first rows (title rows above it, a
    header of two rows; see geo/importing/sheet_shapes.py); row numbers as a spreadsheet shows; ``label`` names it
    in messages (its file name by default); ``known`` tells the header's cells (default: a row of several cells)."""
    label = label or path.name
    data = path.read_bytes()
    text, enc = decode_text(data, encoding)
    if not text.strip():
        raise InvalidInput(f"{label} is empty", key="import.empty", params={"name": label})
    delimiter = _delimiter(text, known)
    grid = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    found = read_grid(grid, label, known)
    table = RawTable("csv", found.columns, found.rows, found.row_numbers, encoding=enc)
    table.shape = {
        "sheets": [found.shape.to_json()],
        "skipped_sheets": [],
        "bom": data.startswith(codecs.BOM_UTF8),
    }
    return table


def _cell(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # a whole number as Excel keeps every number: a code, a count
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class _Workbook:
    """A workbook's sheets, read by python-calamine (Rust: a 100,000-row register in seconds) or, where it is not
    installed, by openpyxl (read-only); cells as Python values (dates as dates, whole numbers as int, blank as
    None), row by row from the sheet's first row and column (a merged cell's value in its first cell)."""

    def __init__(self, path: Path, label: str):
        try:
            from python_calamine import CalamineWorkbook
        except ImportError:  # pragma: no cover - the dependency is declared; openpyxl reads all the same
            CalamineWorkbook = None
        try:
            if CalamineWorkbook is not None:
                self._book, self._calamine = CalamineWorkbook.from_path(str(path)), True
            else:
                import openpyxl

                self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
                self._calamine = False
            self.sheetnames = list(self._book.sheet_names if self._calamine else self._book.sheetnames)
        except Exception as exc:  # the readers raise many kinds for a file that is not a workbook
            _refused_by_library(label, exc)
            raise InvalidInput(
                f"{label} cannot be read as an Excel workbook (.xlsx): it is damaged or not an .xlsx workbook",
                key="file.not_xlsx",
                params={"name": label},
            ) from None
        self._label = label

    def rows(self, name: str, limit: int | None = None) -> list[list[Any]]:
        """The rows of sheet ``name`` (the first ``limit`` only, when given)."""
        try:
            if self._calamine:
                found = self._book.get_sheet_by_name(name).iter_rows()
            else:
                ws = self._book[name]
                found = (
                    ws.iter_rows(values_only=True, max_row=limit) if limit else ws.iter_rows(values_only=True)
                )
            out = []
            for row in found:
                out.append([_cell(v) for v in row])
                if limit and len(out) >= limit:
                    break
            return out
        except Exception as exc:
            _refused_by_library(self._label, exc)
            raise InvalidInput(
                f"the records of {self._label} cannot be read: the file is damaged or incomplete",
                key="file.unreadable",
                params={"name": self._label},
            ) from None

    def close(self) -> None:
        """Let go of the file."""
        self._book.close()


def _chosen_sheet(names: list[str], sheet: str, label: str) -> str:
    wanted = sheet.strip()
    if wanted in names:
        return wanted
    loose = {n.strip(): n for n in names}
    if wanted in loose:
        return loose[wanted]
    if wanted.isdigit() and 1 <= int(wanted) <= len(names):
        return names[int(wanted) - 1]
    raise InvalidInput(
        f"{label} has no sheet {sheet!r}; it has: {', '.join(names)}",
        key="import.no_sheet",
        params={"name": label, "sheet": sheet, "sheets": "、".join(names)},
    )


def _choose_sheets(book, sheet: str | None, label: str, known: Known | None) -> tuple[list[str], list[dict]]:
    """The sheets to read and those left out, each with why: ``no_header`` (no known column), ``other_header``
    (not the header of the sheets read), ``not_chosen`` (another sheet was asked for or found first;
    ``same_header`` says whether it could be read with them)."""
    names = list(book.sheetnames)
    heads = {n: book.rows(n, sheet_shapes.HEADER_SEARCH_ROWS + 2) for n in names}
    scores = {n: header_score(heads[n], known) for n in names}
    if sheet is not None and sheet.strip().lower() in ALL_SHEETS:
        scored = [n for n in names if scores[n] > 0] or names[:1]
        first = header_of(heads[scored[0]], known)
        chosen = [n for n in scored if set(header_of(heads[n], known)) == set(first)]
    elif sheet is not None and sheet.strip():
        chosen = [_chosen_sheet(names, sheet, label)]
    else:
        chosen = [next((n for n in names if scores[n] > 0), names[0])]
    header = set(header_of(heads[chosen[0]], known))
    skipped = []
    for n in names:
        if n in chosen:
            continue
        if not any(any(sheet_shapes.present(v) for v in row) for row in heads[n]):
            why = "empty"
        elif scores[n] == 0:
            why = "no_header"
        elif sheet is not None and sheet.strip().lower() in ALL_SHEETS:
            why = "other_header"
        else:
            why = "not_chosen"
        same = why == "not_chosen" and set(header_of(heads[n], known)) == header
        skipped.append({"name": n, "why": why, "same_header": same})
    return chosen, skipped


def read_xlsx(
    path: Path,
    sheet: str | None = None,
    limits: ZipLimits = IMPORT_LIMITS,
    label: str | None = None,
    known: Known | None = None,
) -> RawTable:
    """The records of an Excel workbook: the sheet named or numbered (from 1) by ``sheet``, every sheet with the
    same header (``sheet`` ``*``), or by default the first sheet with a header of known columns; the header found
    among its first rows (see geo/importing/sheet_shapes.py). The workbook (a zip) is checked from its directory
    first (geo/kit/archives.py): no part may unzip past ``limits``. ``label`` names it in messages (its file name by
    default)."""
    label = label or path.name
    if zipfile.is_zipfile(path):
        check_zip(path, limits)
    book = _Workbook(path, label)
    try:
        chosen, skipped = _choose_sheets(book, sheet, label, known)
        several = len(book.sheetnames) > 1
        found = []
        for name in chosen:
            where = f"{label} ({name})" if several else label
            found.append(read_grid(book.rows(name), where, known, name=name))
    finally:
        book.close()
    first = found[0]
    rows = [r for g in found for r in g.rows]
    numbers = [n for g in found for n in g.row_numbers]
    table = RawTable("xlsx", first.columns, rows, numbers)
    if len(found) > 1:
        table.row_sheets = [g.shape.name or "" for g in found for _ in g.rows]
    table.shape = {"sheets": [g.shape.to_json() for g in found], "skipped_sheets": skipped, "bom": False}
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
    import pyogrio  # here, not at start: GDAL and geopandas are 30 MB of a server's memory

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
    import pyogrio  # here, not at start: GDAL and geopandas are 30 MB of a server's memory

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
    known: Known | None = None,
    sheet: str | None = None,
) -> RawTable:
    """Read a register file of any supported format; InvalidInput for a missing, empty or unreadable file, and
    PayloadTooLarge for a zip (Shapefile, workbook) that unzips past ``limits``. ``label`` names the file in
    messages (an upload's own name; the file's name by default): never the server's path to it. A spreadsheet's
    header is found by ``known`` (which cells name a column) and a workbook's ``sheet`` chosen (see read_xlsx)."""
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
        return read_csv(path, encoding, label, known)
    if fmt == "xlsx":
        return read_xlsx(path, sheet, limits=limits, label=label, known=known)
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
