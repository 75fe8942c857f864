"""Tables of figures written three ways from one definition: HTML for the page, CSV (UTF-8 with a byte-order mark,
so Excel reads Chinese correctly) and Excel .xlsx for downloads, so the three always show the same figures.

Shares are fractions (0–1) in the table; CSV and HTML show them as percentages with two decimals, the workbook as
numbers formatted as percentages. Header rows follow the table's language.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from web.i18n import t

Kind = Literal["text", "count", "share"]
Cell = str | int | float | None


@dataclass(frozen=True)
class Column:
    """A table column: a stable key (for machines), its header in the table's language, and its kind."""

    key: str
    header: str
    kind: Kind


@dataclass(frozen=True)
class Table:
    """Rows of cells under columns; ``about`` holds (label, value) pairs describing where the figures come from."""

    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    about: list[tuple[str, str]]
    lang: str


def _text_cell(value: Cell, kind: Kind) -> str:
    if value is None:
        return ""
    if kind == "share":
        return f"{float(value) * 100:.2f}"
    return str(value)


def table_csv(table: Table) -> bytes:
    """The table as CSV: a header row, then the rows; UTF-8 with BOM, CRLF line ends (what Excel expects)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in table.columns])
    for row in table.rows:
        writer.writerow([_text_cell(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
    return buffer.getvalue().encode("utf-8-sig")


def _sheet_title(title: str) -> str:
    for bad in "[]:*?/\\":
        title = title.replace(bad, " ")
    return title[:31]


def table_xlsx(table: Table, sheet: str) -> bytes:
    """The table as an Excel workbook: a sheet of figures (shares formatted as %) and an "about" sheet."""
    from openpyxl import Workbook  # here, not at start: 10 MB of a server's memory
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.active
    ws.title = _sheet_title(sheet)
    ws.append([c.header for c in table.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        ws.append(list(row))
    for index, column in enumerate(table.columns, start=1):
        letter = get_column_letter(index)
        if column.kind == "share":
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "0.00%"
        elif column.kind == "text":
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "@"  # keep 12-digit codes as text
        ws.column_dimensions[letter].width = min(40, max(10, len(column.header) * 1.6))
    ws.freeze_panes = "C2"
    about = book.create_sheet(_sheet_title(t("coverage.about", table.lang)))
    about.append([table.title])
    for label, value in table.about:
        about.append([label, value])
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_html(table: Table, limit: int | None = None, css_class: str = "") -> str:
    """The table as an HTML <table> (every value escaped), at most ``limit`` rows."""
    rows = table.rows if limit is None else table.rows[:limit]
    head = "".join(
        f'<th scope="col" data-key="{html.escape(c.key)}">{html.escape(c.header)}</th>' for c in table.columns
    )
    body = []
    for row in rows:
        cells = []
        for value, column in zip(row, table.columns, strict=True):
            text = _text_cell(value, column.kind)
            if column.kind == "share" and text:
                text += "%"
            elif column.kind == "count" and isinstance(value, int):
                text = f"{value:,}"
            align = ' class="text-end"' if column.kind != "text" else ""
            cells.append(f"<td{align}>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    classes = html.escape(("table table-sm table-striped table-hover " + css_class).strip())
    return (
        f'<table class="{classes}"><thead><tr>{head}</tr></thead><tbody>' + "".join(body) + "</tbody></table>"
    )


def column_keys(table: Table) -> Sequence[str]:
    """The machine keys of the table's columns, in order."""
    return [c.key for c in table.columns]
