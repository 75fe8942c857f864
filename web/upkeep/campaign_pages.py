"""View models of the campaign pages (web/templates/staff/campaigns.html, campaign.html): the campaigns of my area
with their progress and the form to start one, and one campaign's progress by area and crew with its tasks. Pure:
data from geo/upkeep/ in, labels in the page's language out (web/messages/campaigns.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from geo.models import WORK_ORDER_STATUSES
from geo.upkeep.campaign_progress import Part, Progress, Task
from geo.upkeep.campaigns import YEARS, CampaignInput, default_dates, resolve_campaign
from web.i18n import enum_label, t
from web.times import local_time

START_KINDS = ("qingming", "martyrs_day")
"""Kinds a campaign is started as from the page (``other`` needs its own title and dates: the API)."""
LIST = "/staff/campaigns"


def next_year(kind: str, today: dt.date) -> int:
    """The year of the next campaign of ``kind``: this year until its day has passed, then the next."""
    dates = default_dates(kind, today.year)
    return today.year if dates is None or today <= dates[1] else today.year + 1


def query(lang: str | None, **params: object) -> str:
    """A query string of the non-empty ``params``, with ``lang`` when the page was asked in it explicitly."""
    kept = [(k, str(v)) for k, v in params.items() if v not in (None, "", 0)]
    if lang:
        kept.append(("lang", lang))
    return ("?" + urlencode(kept)) if kept else ""


@dataclass(frozen=True)
class Bar:
    """A progress bar: done of total, its text and its accessible label."""

    done: int
    total: int
    text: str
    label: str


def bar(name: str, done: int, total: int, lang: str) -> Bar:
    """The bar of ``done`` tasks of ``total`` (percent rounded down, so 100% means all done)."""
    percent = (100 * done) // total if total else 0
    return Bar(
        done,
        total,
        t("camp.progress", lang).format(done=done, total=total, percent=percent),
        t("camp.progress.label", lang).format(name=name, done=done, total=total),
    )


@dataclass(frozen=True)
class CampaignRow:
    """One campaign in the list."""

    id: int
    href: str
    title: str
    kind: str
    year: int
    area: str
    dates: str
    created: str
    progress: Bar


def kind_label(kind: str, lang: str) -> str:
    """The label of a campaign kind."""
    return t(f"camp.kind.{kind}", lang, default=kind)


def campaign_title(c: dict, lang: str) -> str:
    """A campaign's title; the default title of its kind and year (Chinese, as stored) in the page's language."""
    if lang != "zh" and c["kind"] in START_KINDS:
        default = resolve_campaign(CampaignInput(c["kind"], c["area_code"], c["year"]))[0]
        if c["title"] == default:
            return t("camp.default_title", lang).format(year=c["year"], kind=kind_label(c["kind"], lang))
    return c["title"]


def campaign_row(c: dict, lang: str, explicit: str | None) -> CampaignRow:
    """A campaign as geo/upkeep/campaigns.py reads it, as a row of the list."""
    tasks = c["tasks"]
    title = campaign_title(c, lang)
    return CampaignRow(
        c["id"],
        f"{LIST}/{c['id']}{query(explicit)}",
        title,
        kind_label(c["kind"], lang),
        c["year"],
        f"{c['area_name']} ({c['area_code']})",
        t("camp.dates", lang).format(starts=c["starts_on"], due=c["due_on"]),
        local_time(c["created_at"]),
        bar(title, tasks["completed"], tasks["total"], lang),
    )


@dataclass(frozen=True)
class Option:
    """One option of a select."""

    value: str
    label: str
    selected: bool = False
    year: int | None = None


@dataclass(frozen=True)
class StartForm:
    """The form that starts a campaign (None on the page when the account may not)."""

    kinds: list[Option]
    areas: list[Option]
    year: int
    low: int
    high: int
    messages: dict[str, str]


def start_form(areas: list[tuple[str, str, str]], lang: str, today: dt.date) -> StartForm:
    """The start form: the kinds (each with its next year), the areas (mine first, chosen) and the texts the
    page's script shows (filled in there)."""
    kinds = [Option(k, kind_label(k, lang), i == 0, next_year(k, today)) for i, k in enumerate(START_KINDS)]
    choices = [
        Option(code, f"{name} ({code}) · {enum_label('area_level', level, lang)}", i == 0)
        for i, (code, name, level) in enumerate(areas)
    ]
    keys = (
        "sending",
        "bad_year",
        "no_area",
        "open_existing",
        "failed",
        "refused_generic",
        "offline",
        "forbidden",
    )
    texts = {k: t(f"camp.start.{k}", lang) for k in keys}
    texts["signed_out"] = t("camp.start.signed_out", lang)
    return StartForm(kinds, choices, kinds[0].year or today.year, YEARS[0], YEARS[1], texts)


@dataclass(frozen=True)
class ListView:
    """The list page."""

    rows: list[CampaignRow]
    total: int
    form: StartForm | None
    area_name: str


def list_view(
    total: int, campaigns: list[dict], form: StartForm | None, area_name: str, lang: str, explicit: str | None
) -> ListView:
    """The list page's model."""
    return ListView([campaign_row(c, lang, explicit) for c in campaigns], total, form, area_name)


def level_name(level: str, lang: str) -> str:
    """The name of an area level inside a sentence ("township" in English, not "Township")."""
    name = enum_label("area_level", level, lang)
    return name.lower() if lang == "en" else name


@dataclass(frozen=True)
class PartRow:
    """One row of a progress table: a sub-area or a crew."""

    name: str
    href: str | None
    progress: Bar
    open: int
    dropped: int


@dataclass(frozen=True)
class TaskRow:
    """One task in the table."""

    id: int
    href: str
    site: str
    site_href: str
    site_kind: str
    kind: str
    status: str
    state_label: str
    who: str
    when: str
    due: str
    part: str


@dataclass(frozen=True)
class TaskFilter:
    """The task filters: choices, the chosen values and an error per field."""

    states: list[Option]
    parts: list[Option]
    status: str
    part: str
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return bool(self.status or self.part)


@dataclass(frozen=True)
class DetailView:
    """One campaign's page."""

    id: int
    title: str
    facts: list[tuple[str, str]]
    overall: Bar
    states: list[tuple[str, str, int]]
    level_label: str
    parts: list[PartRow]
    crews: list[PartRow]
    tasks: list[TaskRow]
    total_tasks: int
    filters: TaskFilter
    range_text: str
    prev_href: str | None
    next_href: str | None
    clear_href: str
    flash: str | None
    mine_only: str | None
    list_href: str


def _part_rows(parts: list[Part], outside: str, lang: str, href) -> list[PartRow]:
    return [
        PartRow(
            p.name or outside,
            href(p.key) if href and p.key else None,
            bar((p.name or outside), p.done, p.total, lang),
            p.open,
            p.dropped,
        )
        for p in parts
    ]


def detail_view(
    progress: Progress,
    tasks: list[Task],
    total: int,
    flt: TaskFilter,
    offset: int,
    page_size: int,
    lang: str,
    explicit: str | None,
    flash: str | None,
    mine: tuple[str, str] | None,
) -> DetailView:
    """The model of a campaign's page: facts, overall bar, states, progress per part and crew, the tasks."""
    c = progress.campaign
    base = f"{LIST}/{c['id']}"

    def part_href(code: str) -> str:
        return f"{base}{query(explicit, part=code)}#tasks"

    by_status = progress.states
    states = [
        (s, enum_label("work_order_status", s, lang), by_status[s])
        for s in WORK_ORDER_STATUSES
        if s in by_status
    ]
    facts = [
        (t("camp.col.kind", lang), kind_label(c["kind"], lang)),
        (t("camp.col.year", lang), str(c["year"])),
        (t("camp.col.area", lang), f"{c['area_name']} ({c['area_code']})"),
        (t("camp.col.dates", lang), t("camp.dates", lang).format(starts=c["starts_on"], due=c["due_on"])),
        (t("camp.col.created", lang), local_time(c["created_at"])),
    ]
    rows = [
        TaskRow(
            x.id,
            f"/staff/work-orders/{x.id}{query(explicit)}",
            x.site_name
            or t("camp.unnamed_site", lang).format(
                collection=t(f"upkeep.col.{x.collection}", lang), id=x.site_id
            ),
            f"/staff/sites/{x.collection}/{x.site_id}{query(explicit)}",
            t(f"upkeep.col.{x.collection}", lang),
            enum_label("work_order_kind", x.kind, lang),
            x.status,
            enum_label("work_order_status", x.status, lang),
            x.crew or t("camp.nobody", lang),
            local_time(x.updated_at),
            x.due_on.isoformat() if x.due_on else "",
            x.part_name or t("camp.detail.part_outside", lang),
        )
        for x in tasks
    ]
    params = {"status": flt.status, "part": flt.part}
    prev_href = (
        f"{base}{query(explicit, **params, offset=max(0, offset - page_size))}#tasks" if offset > 0 else None
    )
    next_href = (
        f"{base}{query(explicit, **params, offset=offset + page_size)}#tasks"
        if offset + page_size < total
        else None
    )
    if total:
        range_text = t("camp.tasks.range", lang).format(
            first=offset + 1, last=min(total, offset + page_size), total=total
        )
    else:
        range_text = t("camp.tasks.count", lang).format(total=0)
    overall_done = sum(p.done for p in progress.parts)
    overall_total = sum(p.total for p in progress.parts)
    return DetailView(
        c["id"],
        campaign_title(c, lang),
        facts,
        bar(t("camp.detail.overall", lang), overall_done, overall_total, lang),
        states,
        level_name(progress.part_level, lang),
        _part_rows(progress.parts, t("camp.detail.part_outside", lang), lang, part_href),
        _part_rows(progress.crews, t("camp.detail.unassigned", lang), lang, None),
        rows,
        total,
        flt,
        range_text,
        prev_href,
        next_href,
        f"{base}{query(explicit)}#tasks",
        flash,
        t("camp.detail.mine_only", lang).format(area=f"{c['area_name']} ({c['area_code']})", mine=mine[1])
        if mine
        else None,
        f"{LIST}{query(explicit)}",
    )


def task_filter(progress: Progress, status: str, part: str, errors: dict[str, str], lang: str) -> TaskFilter:
    """The task filters with their choices (states; the campaign's parts that have tasks)."""
    states = [Option(s, enum_label("work_order_status", s, lang), s == status) for s in WORK_ORDER_STATUSES]
    parts = [Option(p.key, f"{p.name} ({p.key})", p.key == part) for p in progress.parts if p.key]
    return TaskFilter(states, parts, status, part, errors)
