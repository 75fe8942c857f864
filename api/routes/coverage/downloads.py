"""Coverage figures as files: rates, villages and townships beyond reach, and units without a station, as CSV
(UTF-8 with BOM) and Excel .xlsx.

The figures are those of ``GET /api/v1/coverage/rates``, ``/villages`` and ``/townships`` (beyond reach: no
active station of the level within its radius) and ``/gaps`` (every gap, not a page); header rows follow
``lang`` (Chinese by default). Thresholds are geodesic metres.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import ConnDep, SettingsDep
from api.downloads import FILE_RESPONSES, FileFormat, Lang, file_response
from api.routes.coverage.rates import AreaCode, Level, TownshipM, VillageM
from geo.coverage.map_data import beyond_reach_rows, gap_rows, rate_rows
from web.coverage.tables import beyond_table, gaps_table, rates_table
from web.i18n import t

router = APIRouter(prefix="/coverage", tags=["coverage"])

RowLevel = Annotated[Level | None, Query(description="level of the rows (default: the level below the area)")]
GapLevel = Annotated[
    Level | None, Query(description="check one level only (default: all from the area's down)")
]


def _rates_file(conn, settings, area, level, village_m, township_m, lang, suffix: str) -> Response:
    lang = lang or settings.default_lang
    rates = rate_rows(conn, area, level, village_m, township_m)
    table = rates_table(rates, lang)
    stem = f"coverage-rates-{area or 'all'}-{rates.level}"
    label = f"{t('coverage.sheet.rates', lang)}-{rates.area.name or t('coverage.all_areas', lang)}"
    return file_response(table, stem, label, suffix, t("coverage.sheet.rates", lang))


def _gaps_file(conn, settings, area, level, lang, suffix: str) -> Response:
    lang = lang or settings.default_lang
    gaps = gap_rows(conn, area, level)
    table = gaps_table(gaps, lang)
    stem = f"coverage-gaps-{area or 'all'}" + (f"-{level}" if level else "")
    label = (
        f"{t('coverage.sheet.gaps', lang)}-{gaps.area.name if gaps.area else t('coverage.all_areas', lang)}"
    )
    return file_response(table, stem, label, suffix, t("coverage.sheet.gaps", lang))


@router.get(
    "/rates.{fmt}",
    summary="Coverage rates as CSV or Excel",
    response_class=Response,
    responses=FILE_RESPONSES,
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
    responses=FILE_RESPONSES,
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


@router.get(
    "/beyond-reach.{fmt}",
    summary="Villages and townships beyond reach as CSV or Excel",
    response_class=Response,
    responses=FILE_RESPONSES,
)
def beyond_file(
    fmt: FileFormat,
    conn: ConnDep,
    settings: SettingsDep,
    area: AreaCode = None,
    village_m: VillageM = None,
    township_m: TownshipM = None,
    lang: Lang = None,
) -> Response:
    """Every village with no active village station within `village_m` and every township with no active
    township station within `township_m` (geodesic metres; default: the current run's), with its township,
    population and the distance in km to the nearest active station of its level; 404 for an unknown area."""
    lang = lang or settings.default_lang
    beyond = beyond_reach_rows(conn, area, village_m, township_m)
    table = beyond_table(beyond, lang)
    stem = f"coverage-beyond-reach-{area or 'all'}"
    sheet = t("coverage.sheet.beyond", lang)
    label = f"{sheet}-{beyond.area.name if beyond.area else t('coverage.all_areas', lang)}"
    return file_response(table, stem, label, fmt, sheet)
