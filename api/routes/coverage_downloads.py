"""Coverage figures as files: rates and units without a station, as CSV (UTF-8 with BOM) and Excel .xlsx.

The figures are those of ``GET /api/v1/coverage/rates`` and ``/gaps`` (every gap, not a page); header rows
follow ``lang`` (Chinese by default). Thresholds are geodesic metres.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Response

from api.deps import ConnDep, SettingsDep
from api.routes.coverage import AreaCode, Level, TownshipM, VillageM
from geo.coverage_map_data import gap_rows, rate_rows
from web.coverage_tables import Table, gaps_table, rates_table, table_csv, table_xlsx
from web.i18n import t

router = APIRouter(prefix="/coverage", tags=["coverage"])

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Lang = Annotated[Literal["zh", "en"] | None, Query(description="language of the header row (default zh)")]
RowLevel = Annotated[Level | None, Query(description="level of the rows (default: the level below the area)")]
GapLevel = Annotated[
    Level | None, Query(description="check one level only (default: all from the area's down)")
]


def _attachment(stem: str, label: str, suffix: str) -> str:
    """Content-Disposition with an ASCII filename and the localised one (RFC 6266 filename*)."""
    return f"attachment; filename=\"{stem}.{suffix}\"; filename*=UTF-8''{quote(f'{label}.{suffix}')}"


def _file(table: Table, stem: str, label: str, suffix: str, sheet: str) -> Response:
    if suffix == "csv":
        body, media_type = table_csv(table), CSV_TYPE
    else:
        body, media_type = table_xlsx(table, sheet), XLSX_TYPE
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": _attachment(stem, label, suffix)}
    )


def _rates_file(conn, settings, area, level, village_m, township_m, lang, suffix: str) -> Response:
    lang = lang or settings.default_lang
    rates = rate_rows(conn, area, level, village_m, township_m)
    table = rates_table(rates, lang)
    stem = f"coverage-rates-{area or 'all'}-{rates.level}"
    label = f"{t('coverage.sheet.rates', lang)}-{rates.area.name or t('coverage.all_areas', lang)}"
    return _file(table, stem, label, suffix, t("coverage.sheet.rates", lang))


def _gaps_file(conn, settings, area, level, lang, suffix: str) -> Response:
    lang = lang or settings.default_lang
    gaps = gap_rows(conn, area, level)
    table = gaps_table(gaps, lang)
    stem = f"coverage-gaps-{area or 'all'}" + (f"-{level}" if level else "")
    label = (
        f"{t('coverage.sheet.gaps', lang)}-{gaps.area.name if gaps.area else t('coverage.all_areas', lang)}"
    )
    return _file(table, stem, label, suffix, t("coverage.sheet.gaps", lang))


_FILE_RESPONSES = {
    200: {
        "content": {CSV_TYPE: {}, XLSX_TYPE: {}},
        "description": "CSV (UTF-8 with byte-order mark) or an Excel workbook, by the path's suffix",
    }
}
FileFormat = Annotated[Literal["csv", "xlsx"], Path(description="csv or xlsx")]


@router.get(
    "/rates.{fmt}",
    summary="Coverage rates as CSV or Excel",
    response_class=Response,
    responses=_FILE_RESPONSES,
)
def rates_file(
    fmt: FileFormat,
    conn: ConnDep,
    settings: SettingsDep,
    area: AreaCode = None,
    level: RowLevel = None,
    village_m: VillageM = None,
    township_m: TownshipM = None,
    lang: Lang = None,
) -> Response:
    """The figures of /coverage/rates, one row per unit then the area's total (Excel: shares formatted as %, with a
    sheet about the run); 404 for an unknown area."""
    return _rates_file(conn, settings, area, level, village_m, township_m, lang, fmt)


@router.get(
    "/gaps.{fmt}",
    summary="Units without a station as CSV or Excel",
    response_class=Response,
    responses=_FILE_RESPONSES,
)
def gaps_file(
    fmt: FileFormat,
    conn: ConnDep,
    settings: SettingsDep,
    area: AreaCode = None,
    level: GapLevel = None,
    lang: Lang = None,
):
    """Every unit without an active station of its level (横向到边、纵向到底); 404 for an unknown area."""
    return _gaps_file(conn, settings, area, level, lang, fmt)
