"""Coverage figures as tables (web/tables.py): one definition each for rates and gaps, for the page and downloads."""

from __future__ import annotations

from geo.coverage.map_data import BeyondReachRows
from geo.coverage.rates import AreaCoverage, CoverageRates, StationGaps
from web.i18n import check_lang, distance_text, enum_label, t
from web.tables import Cell, Column, Table


def _share_columns(rates: CoverageRates, lang: str) -> list[Column]:
    columns = []
    for share in rates.area.shares:
        fill = {
            "reach": distance_text(share.threshold_m, lang, exact=True),
            "by": t(f"coverage.by.{share.station_level}", lang),
        }
        prefix = f"{share.station_level}_"
        columns += [
            Column(prefix + "villages_covered", t("col.villages_covered", lang).format(**fill), "count"),
            Column(prefix + "village_share", t("col.village_share", lang).format(**fill), "share"),
            Column(prefix + "population_covered", t("col.population_covered", lang).format(**fill), "count"),
            Column(prefix + "population_share", t("col.population_share", lang).format(**fill), "share"),
        ]
    return columns


def _rates_row(unit: AreaCoverage, lang: str, name: str | None = None) -> list[Cell]:
    row: list[Cell] = [
        unit.code,
        name if name is not None else unit.name,
        enum_label("area_level", unit.level, lang) if unit.level else None,
        unit.villages,
        unit.villages_with_population,
        unit.population,
    ]
    for share in unit.shares:
        row += [share.villages_covered, share.village_share, share.population_covered, share.population_share]
    return [*row, unit.townships, unit.townships_covered, unit.township_share]


def rates_table(rates: CoverageRates, lang: str) -> Table:
    """Coverage rates of each unit, then the area's total, with headers naming the thresholds in ``lang``."""
    check_lang(lang)
    township_reach = {"reach": distance_text(rates.params.township_m, lang, exact=True)}
    columns = [
        Column("code", t("col.code", lang), "text"),
        Column("name", t("col.name", lang), "text"),
        Column("level", t("col.level", lang), "text"),
        Column("villages", t("col.villages", lang), "count"),
        Column("villages_with_population", t("col.villages_with_population", lang), "count"),
        Column("population", t("col.population", lang), "count"),
        *_share_columns(rates, lang),
        Column("townships", t("col.townships", lang), "count"),
        Column("townships_covered", t("col.townships_covered", lang).format(**township_reach), "count"),
        Column("township_share", t("col.township_share", lang).format(**township_reach), "share"),
    ]
    total_name = t("coverage.total", lang)
    if rates.area.name:
        total_name += f" ({rates.area.name})"
    rows = [_rates_row(unit, lang) for unit in rates.rows]
    rows.append(_rates_row(rates.area, lang, total_name))
    title = t("coverage.rates_table", lang)
    return Table(title, columns, rows, _about(rates.area.code, rates.area.name, rates.state, lang), lang)


def gaps_table(gaps: StationGaps, lang: str, state: dict | None = None) -> Table:
    """Units without an active station of their own level, in ``lang``."""
    check_lang(lang)
    columns = [
        Column("code", t("col.code", lang), "text"),
        Column("name", t("col.name", lang), "text"),
        Column("level", t("col.level", lang), "text"),
        Column("parent_code", t("col.parent_code", lang), "text"),
        Column("population", t("col.population", lang), "count"),
    ]
    rows: list[list[Cell]] = [
        [g.code, g.name, enum_label("area_level", g.level, lang), g.parent_code, g.population]
        for g in gaps.gaps
    ]
    area = gaps.area
    about = _about(area.code if area else None, area.name if area else None, state, lang)
    return Table(t("coverage.gaps_table", lang), columns, rows, about, lang)


def _km(metres: float | None) -> float | None:
    return None if metres is None else round(metres / 1000, 2)


def beyond_table(beyond: BeyondReachRows, lang: str) -> Table:
    """Villages and townships with no active station of their level within its radius, with the distance (km) to
    the nearest one, in ``lang``; villages first."""
    check_lang(lang)
    columns = [
        Column("code", t("col.code", lang), "text"),
        Column("name", t("col.name", lang), "text"),
        Column("level", t("col.level", lang), "text"),
        Column("township", t("coverage.col.township", lang), "text"),
        Column("population", t("col.population", lang), "count"),
        Column("distance_km", t("coverage.col.distance_km", lang), "count"),
        Column("radius_km", t("coverage.col.radius_km", lang), "count"),
    ]
    rows: list[list[Cell]] = [
        [
            r.code,
            r.name,
            enum_label("area_level", r.level, lang),
            r.township_name if r.level == "village" else None,
            r.population,
            _km(r.distance_m),
            _km(r.threshold_m),
        ]
        for r in beyond.rows
    ]
    area = beyond.area
    about = _about(area.code if area else None, area.name if area else None, beyond.state, lang)
    about += [
        (t("coverage.village_m", lang), distance_text(beyond.params.village_m, lang, exact=True)),
        (t("coverage.township_m", lang), distance_text(beyond.params.township_m, lang, exact=True)),
    ]
    return Table(t("coverage.beyond.title", lang), columns, rows, about, lang)


def _about(code: str | None, name: str | None, state: dict | None, lang: str) -> list[tuple[str, str]]:
    about = [(t("field.area", lang), f"{name} ({code})" if code else t("coverage.all_areas", lang))]
    if state and state.get("run_id") is not None:
        about.append((t("coverage.run_id", lang), str(state["run_id"])))
        about.append((t("coverage.computed_at", lang), str(state.get("computed_at") or "")))
    return about
