"""The shape of a register as a person keeps it in a spreadsheet: where its header is, and what around the records
is not a record. A bureau's register has title and note rows above the header (a merged title cell, 填报单位：…,
填报时间：…), sometimes a header of two rows (坐标 merged over 经度 and 纬度), a 序号 column, blank rows, 合计 / 小计
rows and notes (注：…, 填表人：…) at the bottom. ``read_grid`` finds the header by scoring the first rows by how many
of their cells name a known column (``known``, built from the column aliases of geo/importing/columns.py), combines a
two-row header into one name per column, and returns the records with a ``SheetShape`` that says what it skipped,
for the import report to say too. A CSV and every sheet of a workbook go through it alike."""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from geo.errors import InvalidInput
from geo.importing.columns import map_columns

OVERFLOW = "\u2026"
"""Key of a row's cells beyond the header (reported by the checks, never silently dropped)."""

HEADER_SEARCH_ROWS = 30
"""How many of a sheet's first non-blank rows may hold its header."""

Known = Callable[[str], bool]
"""Whether a header cell names a column the import knows (a field or an alias of one)."""

_SERIAL = frozenset({"序号", "序", "顺序号", "no", "#", "sn", "序列号"})
_TOTAL = re.compile(r"^(合\s*计|总\s*计|小\s*计|共\s*计|累\s*计)(?:$|[\s:：(（\d])")
_NOTE = re.compile(
    r"^(注|附注|说明|备注|填表说明|填表人|填报人|制表人|审核人|审核|负责人|单位负责人|联系人|联系电话|填报日期|填表日期)\s*[:：]"
)


def present(value: Any) -> bool:
    """Whether a cell holds something (not None, NaN or blank text)."""
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return not (isinstance(value, str) and not value.strip())


def _header_text(value: Any) -> str:
    if not present(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", "", str(value)) if re.search(r"[\u3400-\u9fff]", str(value)) else str(value).strip()


def _plain(text: str) -> str:
    return re.sub(r"[\s_\-:：./]+", "", unicodedata.normalize("NFKC", text).strip().lower())


def is_serial(header: str) -> bool:
    """Whether a header names a running number column (序号, No.): ignored, never a field."""
    return _plain(header) in _SERIAL


def vocabulary(targets: list[str], aliases: dict[str, tuple[str, ...]] | None = None) -> Known:
    """Whether a header names one of ``targets`` as the column map would match it (geo/importing/columns.py)."""

    @functools.lru_cache(maxsize=4096)
    def known(header: str) -> bool:
        if not header:
            return False
        try:
            return bool(map_columns([header], targets, {}, aliases).fields)
        except InvalidInput:
            return False

    return known


@dataclass
class SheetShape:
    """What a sheet holds besides its records: the header's row(s), title rows above it (their text), blank, total
    (合计) and note rows skipped among the records, the running-number column, the merged header groups (group →
    the columns under it). Rows are numbered as the spreadsheet shows them."""

    name: str | None = None
    header_rows: list[int] = field(default_factory=list)
    title_rows: list[tuple[int, str]] = field(default_factory=list)
    blank_rows: list[int] = field(default_factory=list)
    total_rows: list[tuple[int, str]] = field(default_factory=list)
    note_rows: list[tuple[int, str]] = field(default_factory=list)
    serial_columns: list[str] = field(default_factory=list)
    merged: dict[str, list[str]] = field(default_factory=dict)
    records: int = 0

    def to_json(self) -> dict[str, Any]:
        """The shape as JSON-ready data (kept with the report)."""
        return {
            "name": self.name,
            "header_rows": self.header_rows,
            "title_rows": [{"row": r, "text": t} for r, t in self.title_rows],
            "blank_rows": self.blank_rows,
            "total_rows": [{"row": r, "text": t} for r, t in self.total_rows],
            "note_rows": [{"row": r, "text": t} for r, t in self.note_rows],
            "serial_columns": self.serial_columns,
            "merged": self.merged,
            "records": self.records,
        }


@dataclass
class Grid:
    """A sheet's records as read: header, rows (header → value), their spreadsheet row numbers, its shape."""

    columns: list[str]
    rows: list[dict[str, Any]]
    row_numbers: list[int]
    shape: SheetShape


def _score(cells: list[str], known: Known | None) -> int:
    if known is None:
        return 0
    return len({c for c in cells if c and (known(c) or is_serial(c))})


def combine_header(
    upper: list[str], lower: list[str], known: Known | None
) -> tuple[list[str], dict[str, list[str]]]:
    """Two header rows as one name per column, and the groups: a cell of the upper row merged over several columns
    (read as blank cells to its right, each with a name below) names a group; a column takes the name below when
    the import knows it (经度), else the group's and its own together (坐标经度); a column without a name below keeps
    the upper one (序号 merged down over both rows)."""
    width = max(len(upper), len(lower))
    up = [*upper, *[""] * (width - len(upper))]
    low = [*lower, *[""] * (width - len(lower))]
    filled = list(up)
    for j in range(1, width):
        if not filled[j] and low[j] and filled[j - 1] and low[j - 1]:
            filled[j] = filled[j - 1]  # the right part of a cell merged across columns
    names, groups = [], {}
    for j in range(width):
        top, bottom = filled[j], low[j]
        if not bottom:
            names.append(top)
        elif not top:
            names.append(bottom)
        else:
            alone = known is not None and known(bottom)
            names.append(bottom if alone else f"{top}{bottom}")
            groups.setdefault(top, []).append(names[-1])
    counts: dict[str, int] = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    for j, n in enumerate(names):  # 建成日期 and 批准日期 under two groups: each keeps its group's name
        if n and counts[n] > 1 and filled[j] and low[j] == n:
            old, names[j] = n, f"{filled[j]}{n}"
            groups[filled[j]] = [names[j] if g == old else g for g in groups[filled[j]]]
    return names, {g: cols for g, cols in groups.items() if len(cols) > 1 or g not in cols}


def _cells(row: Iterable[Any]) -> list[str]:
    out = [_header_text(v) for v in row]
    while out and not out[-1]:
        out.pop()
    return out


def find_header(
    grid: list[list[Any]], known: Known | None
) -> tuple[int, int, list[str], dict[str, list[str]]]:
    """Where the header is: (its first row index, its number of rows (1 or 2), the column names, merged groups).

    Each of the first non-blank rows, alone or with the row below, is scored by how many of its cells name a known
    column; the best wins (one row over two on a tie, the earlier over the later). When no cell is known, the first
    row of more than one cell is the header (a title row has one), else the first non-blank row. None of them:
    (-1, 0, [], {})."""
    candidates = [i for i, row in enumerate(grid) if any(present(v) for v in row)][:HEADER_SEARCH_ROWS]
    if not candidates:
        return -1, 0, [], {}
    best: tuple[int, int, int] | None = None  # (score, -rows, -index)
    chosen: tuple[int, int, list[str], dict[str, list[str]]] | None = None
    for i in candidates:
        single = _cells(grid[i])
        score = _score(single, known)
        if score and (best is None or (score, -1, -i) > best):
            best, chosen = (score, -1, -i), (i, 1, single, {})
        if i + 1 < len(grid) and any(present(v) for v in grid[i + 1]):
            names, groups = combine_header(single, _cells(grid[i + 1]), known)
            both = _score(names, known)
            if groups and both > score and (best is None or (both, -2, -i) > best):
                best, chosen = (both, -2, -i), (i, 2, names, groups)
    if chosen is not None:
        return chosen
    wide = next((i for i in candidates if sum(1 for v in grid[i] if present(v)) > 1), candidates[0])
    return wide, 1, _cells(grid[wide]), {}


def _row_text(values: list[Any]) -> str:
    return " ".join(str(v).strip() for v in values if present(v))


def _total_or_note(values: list[Any], serial: list[int]) -> str | None:
    """ "total" for a 合计 / 总计 / 小计 row, "note" for 注：… / 填表人：… under the records, else None."""
    texts = []
    for v in values:
        if isinstance(v, str) and v.strip():
            texts.append(v.strip())
        elif present(v):
            texts.append("")  # a number or a date: never a total's word
        if len(texts) == 4:
            break
    first = [str(values[j]).strip() for j in serial if j < len(values) and isinstance(values[j], str)]
    for t in [*first, *texts[:3]]:
        if t and _TOTAL.match(t):
            return "total"
    if texts and texts[0] and len(texts) <= 3 and _NOTE.match(texts[0]):
        return "note"
    return None


def read_grid(
    grid: list[list[Any]], label: str, known: Known | None, first_line: int = 1, name: str | None = None
) -> Grid:
    """A sheet's records and shape from its cells (``grid``, row by row; ``first_line`` the number of its first row).

    InvalidInput when the sheet has no header, or a header cell over records has no name, or names a column twice."""
    at, rows_in_header, header, merged = find_header(grid, known)
    if at < 0:
        raise InvalidInput(
            f"{label} is empty: no header row and no records", key="import.empty", params={"name": label}
        )
    shape = SheetShape(name=name, merged=merged)
    shape.header_rows = [at + k + first_line for k in range(rows_in_header)]
    shape.title_rows = [
        (i + first_line, _row_text(grid[i])) for i in range(at) if any(present(v) for v in grid[i])
    ]
    width = len(header)
    serial = [j for j, h in enumerate(header) if h and is_serial(h)]
    shape.serial_columns = [header[j] for j in serial]
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    blanks: list[int] = []
    used = [False] * width
    for i in range(at + rows_in_header, len(grid)):
        values = grid[i]
        if not any(present(v) for v in values):
            blanks.append(i + first_line)
            continue
        kind = _total_or_note(values, serial)
        if kind == "total":
            shape.total_rows.append((i + first_line, _row_text(values)))
            continue
        if kind == "note":
            shape.note_rows.append((i + first_line, _row_text(values)))
            continue
        row = {}
        for j in range(width):
            v = values[j] if j < len(values) else None
            if header[j]:
                row[header[j]] = v
            if not used[j] and present(v):
                used[j] = True
        extra = [v for v in values[width:] if present(v)]
        if extra:
            row[OVERFLOW] = extra
        rows.append(row)
        numbers.append(i + first_line)
    last = numbers[-1] if numbers else 0
    shape.blank_rows = [b for b in blanks if b < max(last, *(r for r, _ in shape.total_rows), 0)]
    shape.records = len(rows)
    seen: set[str] = set()
    for j, h in enumerate(header):
        if not h:
            if used[j]:
                raise InvalidInput(
                    f"{label}: column {j + 1} of the header row has no name",
                    key="import.header_unnamed",
                    params={"name": label, "column": j + 1},
                )
            continue  # an empty spacer column
        if h in seen:
            raise InvalidInput(
                f"{label}: the header names column {h!r} twice",
                key="import.header_twice",
                params={"name": label, "column": h},
            )
        seen.add(h)
    return Grid([h for h in header if h], rows, numbers, shape)


def header_score(grid: list[list[Any]], known: Known | None) -> int:
    """How many known columns the header found in ``grid`` (a sheet's first rows) names: 0 when none."""
    at, _rows, header, _merged = find_header(grid, known)
    return _score(header, known) if at >= 0 else 0


def header_of(grid: list[list[Any]], known: Known | None) -> tuple[str, ...]:
    """The column names of the header found in ``grid`` (a sheet's first rows), running-number columns left out."""
    _at, _rows, header, _merged = find_header(grid, known)
    return tuple(h for h in header if h and not is_serial(h))
