"""View model of ``/staff/schedule``: the state tabs with their counts, the sites of the chosen state as rows, the
same sites as map points, and the table the CSV and Excel downloads write (web/tables.py).
Pure: the schedule and its summary (geo/upkeep/schedules.py) in, text out.
"""

from __future__ import annotations

from dataclasses import dataclass

from web.i18n import t
from web.tables import Cell, Column, Table
from web.upkeep.inspection_pages import site_path, with_lang

PATH = "/staff/schedule"
TAB_STATES = ("overdue", "due_soon", "never_inspected", "ok")
"""The tabs of the page, most urgent first; the page opens on the overdue sites."""
PAGE_SIZE = 50
"""Sites per page of the table."""
MAP_LIMIT = 3000
"""Sites drawn on the map at most (the most urgent first)."""


@dataclass(frozen=True)
class Tab:
    """A state tab: its state, label, count and link; current when it is the page's state."""

    state: str
    label: str
    count: int
    href: str
    current: bool


def state_tabs(summary: dict, state: str, lang: str, collection: str | None = None) -> list[Tab]:
    """The tabs with the number of sites in each state (of one collection when ``collection``)."""
    counts = summary["collections"][collection] if collection else summary["states"]
    return [
        Tab(s, t(f"sched.state.{s}", lang), counts.get(s, 0), tab_href(s, lang, 1, collection), s == state)
        for s in TAB_STATES
    ]


def tab_href(state: str, lang: str, page: int = 1, collection: str | None = None) -> str:
    """The page's address on a state (of one collection), and a page of its table."""
    query = (
        f"?state={state}"
        + (f"&collection={collection}" if collection else "")
        + (f"&page={page}" if page > 1 else "")
    )
    return with_lang(PATH + query, lang)


def site_name(item: dict) -> str:
    """A site's name as the schedule shows it: a grave's with the martyr's ("烈士墓 (张三)")."""
    martyr = item.get("martyr_name")
    return f"{item['name']} ({martyr})" if martyr else item["name"]


@dataclass(frozen=True)
class ScheduleRow:
    """One site of the schedule as the table shows it."""

    site: str
    href: str
    collection: str
    area_code: str
    last: str
    cycle: int
    next_due: str
    days_overdue: str
    index: str
    state: str
    state_label: str


def schedule_rows(items: list[dict], lang: str) -> list[ScheduleRow]:
    """The table's rows in the page's language."""
    return [
        ScheduleRow(
            site=site_name(i),
            href=with_lang(site_path(i["collection"], i["site_id"]), lang),
            collection=t(f"layer.{i['collection']}", lang),
            area_code=i["area_code"],
            last=i["last_inspected_on"] or t("sched.never", lang),
            cycle=i["cycle_days"],
            next_due=i["next_due_on"],
            days_overdue="—" if i["days_overdue"] is None else str(i["days_overdue"]),
            index="—" if i["condition_index"] is None else str(i["condition_index"]),
            state=i["state"],
            state_label=t(f"sched.state.{i['state']}", lang),
        )
        for i in items
    ]


def schedule_table(items: list[dict], state: str, lang: str, about: list[tuple[str, str]]) -> Table:
    """The sites of a state as a table for the CSV and Excel downloads (the page's columns, with ids)."""
    columns = [
        Column("collection", t("sched.col.collection", lang), "text"),
        Column("site_id", "ID", "count"),
        Column("name", t("sched.col.site", lang), "text"),
        Column("area_code", t("sched.col.area", lang), "text"),
        Column("last_inspected_on", t("sched.col.last", lang), "text"),
        Column("cycle_days", t("sched.col.cycle", lang), "count"),
        Column("next_due_on", t("sched.col.next", lang), "text"),
        Column("days_overdue", t("sched.col.days_overdue", lang), "count"),
        Column("condition_index", t("sched.col.index", lang), "count"),
        Column("state", t("sched.col.state", lang), "text"),
    ]
    rows: list[list[Cell]] = [
        [
            t(f"layer.{i['collection']}", lang),
            i["site_id"],
            site_name(i),
            i["area_code"],
            i["last_inspected_on"] or t("sched.never", lang),
            i["cycle_days"],
            i["next_due_on"],
            i["days_overdue"],
            i["condition_index"],
            t(f"sched.state.{i['state']}", lang),
        ]
        for i in items
    ]
    title = t("sched.table", lang).format(state=t(f"sched.state.{state}", lang))
    return Table(title, columns, rows, about, lang)


def map_points(features: list[dict], lang: str) -> list[dict]:
    """The sites as the page's script draws them: position (WGS-84), name, state, dates, link to the history."""
    out = []
    for f in features:
        geometry = f.get("geometry") or {}
        if geometry.get("type") != "Point":
            continue
        lon, lat = geometry["coordinates"][:2]
        out.append(
            {
                "lon": round(lon, 7),
                "lat": round(lat, 7),
                "name": site_name(f),
                "state": f["state"],
                "label": t(f"sched.state.{f['state']}", lang),
                "last": f["last_inspected_on"] or t("sched.never", lang),
                "next": f["next_due_on"],
                "overdue": f["days_overdue"],
                "href": with_lang(site_path(f["collection"], f["site_id"]), lang),
            }
        )
    return out
