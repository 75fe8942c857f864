"""View models of the inspection pages: ``/staff/inspections`` (the filters as typed, each refusal next to its
field; the rows; paging), one inspection (scores with their meaning, checklist, photos, position) and a site's
history (its condition index over time as the points of a small inline SVG line chart).
Pure: query strings and inspection dicts (geo/upkeep/inspections.py, inspections_list.py) in, text out.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from geo.models import UPKEEP_COLLECTIONS
from geo.upkeep.inspections import CATEGORIES, CHECKLIST
from geo.upkeep.inspections_list import InspectionFilter
from web.i18n import enum_label, t
from web.paging import Paging
from web.paging import paging as page_links
from web.times import local_date, local_time

PAGE_SIZE = 25
"""Inspections per page of the list."""
LIST_PATH = "/staff/inspections"
FILTER_FIELDS = ("site", "collection", "since", "until", "min_index", "max_index", "inspector")
"""The query parameters of the filters, in the form's order."""


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _index(value: str) -> int | None:
    if value.isascii() and value.isdigit() and 0 <= int(value) <= 100:
        return int(value)
    return None


@dataclass
class InspectionQuery:
    """The filters of the list: as typed (to refill the form), as a filter, and a refusal per field."""

    typed: dict[str, str]
    lang: str
    filter: InspectionFilter = field(default_factory=InspectionFilter)
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def offset(self) -> int:
        """Inspections before this page."""
        return (self.page - 1) * PAGE_SIZE

    def url(self, page: int | None = None) -> str:
        """The list's address with these filters (and ``page``)."""
        params = [(k, v) for k, v in self.typed.items() if v]
        if self.lang != "zh":
            params.append(("lang", self.lang))
        if page is not None and page > 1:
            params.append(("page", str(page)))
        return LIST_PATH + (f"?{urlencode(params)}" if params else "")


def parse_inspection_query(params: Mapping[str, str], lang: str) -> InspectionQuery:
    """The filters from the list's query string; a bad value gets a sentence in ``lang`` and is not applied."""
    typed = {name: (params.get(name) or "").strip() for name in FILTER_FIELDS}
    errors: dict[str, str] = {}
    values: dict = {}
    for name in ("site", "inspector"):
        if len(typed[name]) > 100:
            errors[name] = t("insp.check.text", lang)
        elif typed[name]:
            values[name] = typed[name]
    if typed["collection"]:
        if typed["collection"] in UPKEEP_COLLECTIONS:
            values["collection"] = typed["collection"]
        else:
            errors["collection"] = t("insp.check.collection", lang)
    for name in ("since", "until"):
        if typed[name]:
            values[name] = _date(typed[name])
            if values[name] is None:
                errors[name] = t("insp.check.date", lang)
    if values.get("since") and values.get("until") and values["until"] < values["since"]:
        errors["until"] = t("insp.check.dates_reversed", lang)
    for name in ("min_index", "max_index"):
        if typed[name]:
            values[name] = _index(typed[name])
            if values[name] is None:
                errors[name] = t("insp.check.index", lang)
    low, high = values.get("min_index"), values.get("max_index")
    if low is not None and high is not None and high < low:
        errors["max_index"] = t("insp.check.index_reversed", lang)
    page = params.get("page") or "1"
    number = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 10**6 else 1
    flt = InspectionFilter(
        site_name=values.get("site"),
        collection=values.get("collection"),
        since=values.get("since"),
        until=values.get("until"),
        min_index=low,
        max_index=high,
        inspector=values.get("inspector"),
    )
    return InspectionQuery(typed, lang, flt, number, errors)


@dataclass(frozen=True)
class Choice:
    """One option of a select: its value and its label."""

    value: str
    label: str


def collection_choices(lang: str) -> list[Choice]:
    """The upkeep collections as options, in the page's language."""
    return [Choice(c, t(f"layer.{c}", lang)) for c in UPKEEP_COLLECTIONS]


def with_lang(path: str, lang: str) -> str:
    """``path`` with ``lang`` kept when it is not the default Chinese."""
    if lang == "zh":
        return path
    return path + ("&" if "?" in path else "?") + f"lang={lang}"


def site_path(collection: str, site_id: int) -> str:
    """The page of a site's inspection history."""
    return f"{LIST_PATH}/{quote(collection)}/{site_id}"


def inspection_path(collection: str, site_id: int, inspection_id: int) -> str:
    """The page of one inspection."""
    return f"{site_path(collection, site_id)}/{inspection_id}"


def status_band(index: int | None, lang: str, bands: Mapping[str, int]) -> tuple[str, str]:
    """(css band, label) of a condition index under the thresholds ``bands`` (good_from, fair_from, poor_from)."""
    if index is None:
        return "unknown", enum_label("upkeep_status", "unknown", lang)
    if index >= bands["good_from"]:
        band = "good"
    elif index >= bands["fair_from"]:
        band = "fair"
    elif index >= bands["poor_from"]:
        band = "poor"
    else:
        band = "damaged"
    return band, enum_label("upkeep_status", band, lang)


@dataclass(frozen=True)
class InspectionRow:
    """One inspection in the list."""

    id: int
    when: str
    site: str
    collection: str
    index: int
    band: str
    band_label: str
    inspector: str
    photos: int
    href: str
    history_href: str


def inspection_rows(items: list[dict], lang: str, bands: Mapping[str, int]) -> list[InspectionRow]:
    """The list's rows in the page's language."""
    rows = []
    for i in items:
        band, label = status_band(i["condition_index"], lang, bands)
        rows.append(
            InspectionRow(
                id=i["id"],
                when=local_time(i["inspected_at"]),
                site=i["site_name"],
                collection=t(f"layer.{i['collection']}", lang),
                index=i["condition_index"],
                band=band,
                band_label=label,
                inspector=i["inspector"] or "",
                photos=i["photos"],
                href=with_lang(inspection_path(i["collection"], i["site_id"], i["id"]), lang),
                history_href=with_lang(site_path(i["collection"], i["site_id"]), lang),
            )
        )
    return rows


def paging(query: InspectionQuery, total: int, shown: int) -> Paging:
    """The list's paging for ``total`` matches, ``shown`` of them on this page."""
    return page_links(query.url, query.page, PAGE_SIZE, total, shown)


@dataclass(frozen=True)
class ScoreRow:
    """A category's score with its meaning."""

    category: str
    label: str
    score: int | None
    meaning: str


@dataclass(frozen=True)
class CheckRow:
    """One of the five conditions and whether it was met."""

    item: str
    label: str
    met: bool
    text: str


def score_rows(scores: Mapping[str, int], lang: str) -> list[ScoreRow]:
    """Every category with its score (0-4) and what it means; "does not apply" where it was not scored."""
    out = []
    for c in CATEGORIES:
        s = scores.get(c)
        meaning = t("insp.score.none", lang) if s is None else t(f"insp.score.{s}", lang)
        out.append(ScoreRow(c, t(f"category.{c}", lang), s, meaning))
    return out


def check_rows(checklist: Mapping[str, bool], lang: str) -> list[CheckRow]:
    """The five conditions, met or not."""
    return [
        CheckRow(
            c,
            t(f"checklist.{c}", lang),
            bool(checklist.get(c)),
            t("insp.check.yes" if checklist.get(c) else "insp.check.no", lang),
        )
        for c in CHECKLIST
    ]


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The great-circle distance in metres between two WGS-84 positions (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def position_text(found: Mapping, lang: str, site: Mapping | None = None) -> str:
    """Where the inspector stood, in words (and how far from the site); a sentence saying none was recorded."""
    if found.get("lon") is None:
        return t("insp.position.none", lang)
    lon, lat = f"{found['lon']:.6f}", f"{found['lat']:.6f}"
    acc = found.get("position_accuracy_m")
    if acc is None:
        text = t("insp.position.text_noacc", lang).format(lon=lon, lat=lat)
    else:
        metres = f"{acc:.0f} m" if lang == "en" else f"{acc:.0f} 米"
        text = t("insp.position.text", lang).format(lon=lon, lat=lat, acc=metres)
    if site is not None and site.get("lon") is not None:
        away = distance_m(found["lon"], found["lat"], site["lon"], site["lat"])
        text += t("insp.position.away", lang).format(m=f"{away:,.0f}")
    return text


@dataclass(frozen=True)
class ChartPoint:
    """A point of the history chart: where it is drawn (SVG units), its value and date."""

    x: float
    y: float
    index: int
    day: str


@dataclass(frozen=True)
class Chart:
    """The condition index over time, as an SVG polyline in a ``width`` × ``height`` box with gridlines."""

    width: int
    height: int
    points: list[ChartPoint]
    polyline: str
    grid: list[tuple[float, int]]
    first_day: str
    last_day: str


CHART_W, CHART_H, PAD_L, PAD_R, PAD_T, PAD_B = 640, 220, 40, 16, 12, 28


def history_chart(items: list[dict]) -> Chart | None:
    """The chart of a site's inspections (any order), oldest left; None when there are fewer than two."""
    dated = sorted(items, key=lambda i: (i["inspected_at"], i["id"]))
    if len(dated) < 2:
        return None
    times = [dt.datetime.fromisoformat(i["inspected_at"]).timestamp() for i in dated]
    start, span = times[0], (times[-1] - times[0]) or 1.0
    inner_w, inner_h = CHART_W - PAD_L - PAD_R, CHART_H - PAD_T - PAD_B
    points = []
    for when, item in zip(times, dated, strict=True):
        x = PAD_L + inner_w * (when - start) / span
        y = PAD_T + inner_h * (1 - item["condition_index"] / 100)
        points.append(
            ChartPoint(round(x, 1), round(y, 1), item["condition_index"], local_date(item["inspected_at"]))
        )
    grid = [(round(PAD_T + inner_h * (1 - v / 100), 1), v) for v in (0, 25, 50, 75, 100)]
    return Chart(
        CHART_W,
        CHART_H,
        points,
        " ".join(f"{p.x},{p.y}" for p in points),
        grid,
        points[0].day,
        points[-1].day,
    )
