"""The travel-time page's parts (``/staff/travel``): road networks as rows, the minute classes of the legend, the
villages as a table (web/tables.py, for the page and the CSV) and as map points, and the texts its script shows.

Times arrive in seconds (geo/coverage/travel_time.py) and are shown in minutes; lengths in kilometres.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geo.atlas.areas import AreaRef
from geo.coverage.roads import NetworkInfo
from web.i18n import check_lang, t
from web.messages.travel import MESSAGES
from web.tables import Cell, Column, Table

MINUTE_BOUNDS: tuple[int, ...] = (10, 20, 30, 45, 60)
"""Upper bounds (minutes) of the legend's classes; one more class holds everything longer."""
CLASS_COLOURS: tuple[str, ...] = ("#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027")
"""Fill colour of each minute class, shortest first (green to red)."""
UNREACHED_COLOUR = "#8a8f94"
"""Fill of a village with no travel time (off the network, no station reachable, or not run)."""
SERVICE_MINUTES: tuple[int, ...] = (15, 30, 45)
"""Service-area limits (minutes) the page's run draws and its control offers."""
CRS_CHOICES: tuple[str, ...] = ("", "WGS84", "CGCS2000", "GCJ02", "BD09", "EPSG")
"""The coordinate systems the import form offers ("" = as the file declares; EPSG asks for a code)."""
COVERS_SHOWN = 6
"""Areas named per network before "and N more"."""


@dataclass(frozen=True)
class LegendClass:
    """One class of the legend: its label and colour."""

    label: str
    colour: str


def legend_classes(lang: str) -> list[LegendClass]:
    """The minute classes (``MINUTE_BOUNDS``) with their colours, then the unreached."""
    check_lang(lang)
    out = [LegendClass(t("travel.legend.upto", lang).format(b=MINUTE_BOUNDS[0]), CLASS_COLOURS[0])]
    for i in range(1, len(MINUTE_BOUNDS)):
        label = t("travel.legend.range", lang).format(a=MINUTE_BOUNDS[i - 1], b=MINUTE_BOUNDS[i])
        out.append(LegendClass(label, CLASS_COLOURS[i]))
    out.append(LegendClass(t("travel.legend.over", lang).format(a=MINUTE_BOUNDS[-1]), CLASS_COLOURS[-1]))
    out.append(LegendClass(t("travel.legend.unreached", lang), UNREACHED_COLOUR))
    return out


@dataclass(frozen=True)
class NetworkRow:
    """A road network as the page lists it."""

    id: int
    name: str
    source: str
    size: str
    crs: str
    imported: str
    covers: str
    synthetic: bool
    covers_area: bool


def _km(metres: float) -> str:
    return f"{metres / 1000:,.1f}"


def network_rows(
    networks: Sequence[NetworkInfo],
    reach: Mapping[int, Sequence[AreaRef]],
    coverage: Mapping[int, Sequence[AreaRef]],
    lang: str,
) -> list[NetworkRow]:
    """The networks with the counties they reach (``reach``) and whether they reach the page's area
    (``coverage``), both as network_coverage gives them (areas per network id)."""
    rows = []
    for n in networks:
        reached = list(reach.get(n.id, ()))
        names = [f"{a.name} ({a.code})" for a in reached[:COVERS_SHOWN]]
        if len(reached) > COVERS_SHOWN:
            names.append(t("travel.networks.more", lang).format(n=len(reached) - COVERS_SHOWN))
        covers = "、".join(names) if lang == "zh" else ", ".join(names)
        source = n.source or ""
        if n.synthetic:
            source = t("travel.networks.synthetic", lang)
        rows.append(
            NetworkRow(
                id=n.id,
                name=n.name,
                source=source,
                size=t("travel.networks.edges_km", lang).format(edges=f"{n.edges:,}", km=_km(n.length_m)),
                crs=n.source_crs,
                imported=n.imported_at.strftime("%Y-%m-%d %H:%M"),
                covers=covers or t("travel.networks.covers_none", lang),
                synthetic=n.synthetic,
                covers_area=n.id in coverage,
            )
        )
    return rows


def minutes(seconds: float | None) -> float | None:
    """Seconds as minutes with one decimal; None stays None (and so does an infinite time)."""
    if seconds is None or not math.isfinite(seconds):
        return None
    return round(seconds / 60, 1)


def _sort_key(feature: Mapping[str, Any]) -> tuple[int, float, str]:
    p = feature["properties"]
    v = p.get("travel_time_s")
    return (0, 0.0, p["code"]) if v is None else (1, -float(v), p["code"])


def village_points(features: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The villages for the page's map: code, name, WGS-84 lon/lat and minutes to each kind of station."""
    out = []
    for f in features:
        p = f["properties"]
        lon, lat = f["geometry"]["coordinates"]
        out.append(
            {
                "code": p["code"],
                "name": p.get("name") or p["code"],
                "lon": lon,
                "lat": lat,
                "village": minutes(p.get("travel_time_s")),
                "township": minutes(p.get("township_travel_time_s")),
                "any": minutes(p.get("any_travel_time_s")),
                "station": p.get("station_by_time_name"),
            }
        )
    return out


def villages_table(features: Sequence[Mapping[str, Any]], area: AreaRef, about_run: str, lang: str) -> Table:
    """The villages with their minutes, unreached first, then the longest trip to a village station first."""
    check_lang(lang)
    columns = [
        Column("code", t("travel.table.code", lang), "text"),
        Column("name", t("travel.table.village", lang), "text"),
        Column("population", t("travel.table.population", lang), "count"),
        Column("village_min", t("travel.table.village_min", lang), "text"),
        Column("station", t("travel.table.station", lang), "text"),
        Column("township_min", t("travel.table.township_min", lang), "text"),
        Column("any_min", t("travel.table.any_min", lang), "text"),
        Column("access_m", t("travel.table.access_m", lang), "count"),
    ]
    rows: list[list[Cell]] = []
    for f in sorted(features, key=_sort_key):
        p = f["properties"]
        access = p.get("access_m")
        rows.append(
            [
                p["code"],
                p.get("name") or p["code"],
                p.get("population"),
                _minutes_cell(p.get("travel_time_s"), lang),
                p.get("station_by_time_name") or "",
                _minutes_cell(p.get("township_travel_time_s"), lang),
                _minutes_cell(p.get("any_travel_time_s"), lang),
                round(access) if access is not None and math.isfinite(access) else None,
            ]
        )
    about = [
        (t("travel.table.about.area", lang), f"{area.name} ({area.code})"),
        (t("travel.table.about.run", lang), about_run),
        (t("travel.table.about.unit", lang), t("travel.table.about.unit_text", lang)),
    ]
    title = t("travel.table.title", lang)
    return Table(title, columns, rows, about, lang)


def _minutes_cell(seconds: float | None, lang: str) -> str:
    value = minutes(seconds)
    return t("travel.table.unreached", lang) if value is None else f"{value:.1f}"


def script_texts(lang: str) -> dict[str, str]:
    """The catalogue's travel-page texts the page's script shows (progress, refusals, map notes), in ``lang``."""
    check_lang(lang)
    return {key: t(key, lang) for key in MESSAGES if key.startswith(("travel.", "error.roads."))}
