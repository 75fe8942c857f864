"""Tables as file downloads, shared by the coverage and upkeep routers: CSV (UTF-8 with a byte-order mark) or
Excel .xlsx by the path's suffix, with a localised filename, and the OpenAPI description of such answers."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import Path, Query, Response

from web.tables import Table, table_csv, table_xlsx

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FileFormat = Annotated[Literal["csv", "xlsx"], Path(description="csv or xlsx")]
Lang = Annotated[Literal["zh", "en"] | None, Query(description="language of the header row (default zh)")]
FILE_RESPONSES = {
    200: {
        "content": {CSV_TYPE: {}, XLSX_TYPE: {}},
        "description": "CSV (UTF-8 with byte-order mark) or an Excel workbook, by the path's suffix",
    }
}
"""The ``responses`` of a download route, for the OpenAPI document."""


def _attachment(stem: str, label: str, suffix: str) -> str:
    """Content-Disposition with an ASCII filename and the localised one (RFC 6266 filename*)."""
    return f"attachment; filename=\"{stem}.{suffix}\"; filename*=UTF-8''{quote(f'{label}.{suffix}')}"


def file_response(table: Table, stem: str, label: str, suffix: str, sheet: str) -> Response:
    """``table`` as a CSV or Excel (sheet ``sheet``) attachment named ``stem`` (ASCII) and ``label`` (localised)."""
    if suffix == "csv":
        body, media_type = table_csv(table), CSV_TYPE
    else:
        body, media_type = table_xlsx(table, sheet), XLSX_TYPE
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": _attachment(stem, label, suffix)}
    )
