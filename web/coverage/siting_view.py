"""The siting page's parts, from a stored run (geo/coverage/siting_runs.py) to what the page says in its language:
the form's values, the run's state and claim, the reasons in words, the figures, the table of chosen sites (also
the CSV/Excel download) and the list of past runs.

A result's ``reasons`` are codes with figures (geo/coverage/siting.py ``Reason``); here each becomes a sentence of
the catalogue (web/messages/siting.py ``siting.reason.<code>``). "Proven best" is said only of a finished run whose
status is ``optimal``; a quick answer or one stopped by the time limit says so, with its gap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from geo.coverage.siting_runs import DEFAULT_REACH_M, SitingRunInfo
from web.i18n import distance_text, t
from web.tables import Column, Table
from web.times import local_time

FEWER_CODES = ("few_candidates", "no_gain", "all_reachable_covered")
"""Reasons that explain why fewer sites than asked were chosen."""


@dataclass(frozen=True)
class FormValues:
    """What the form shows: the defaults, or the parameters of the run being looked at."""

    area: str
    problem: str = "mclp"
    p: int = 3
    share_pct: float = 95.0
    level: str = "village"
    radius_km: float = 3.0
    candidates: str = "villages_without_station"
    keep_existing: bool = True
    sites: list[dict[str, Any]] = field(default_factory=list)


def form_values(area_code: str | None, run: SitingRunInfo | None) -> FormValues:
    """The form's values: those of ``run`` when one is open, else a p = 3 question in the account's area."""
    if run is None:
        return FormValues(area=area_code or "")
    q = run.parameters
    level = q.get("station_level", "village")
    return FormValues(
        area=q.get("area") or "",
        problem=q.get("problem", "mclp"),
        p=int(q.get("p") or 3),
        share_pct=round(float(q.get("share") or 0.95) * 100, 2),
        level=level,
        radius_km=float(q.get("distance_m") or DEFAULT_REACH_M.get(level, 3000.0)) / 1000,
        candidates=q.get("candidates", "villages_without_station"),
        keep_existing=bool(q.get("keep_existing", True)),
        sites=list(q.get("sites") or []),
    )


def _pct(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}%"


def _people(value: float | None) -> str:
    return "" if value is None else f"{round(value):,}"


def reason_text(code: str, params: dict[str, Any], lang: str) -> str:
    """One reason of a siting answer as a sentence in ``lang`` (an unknown code: the code itself)."""
    values = dict(params)
    names = [str(n) for n in values.get("useless_names") or ()]
    values["names"] = ""
    if names:
        listed = ("、" if lang == "zh" else ", ").join(names[:5]) + (
            "等" if lang == "zh" and len(names) > 5 else ""
        )
        values["names"] = f"（{listed}）" if lang == "zh" else f" ({listed}{', …' if len(names) > 5 else ''})"
    if "distance_m" in values:
        values["distance"] = distance_text(values["distance_m"], lang)
    if "weight" in values:
        values["people"] = _people(values["weight"])
    for name in ("gap", "share_before"):
        if name in values:
            values["gap" if name == "gap" else "share"] = _pct(values[name])
    try:
        return t(f"siting.reason.{code}", lang).format(**values)
    except (KeyError, IndexError, ValueError):
        return code


@dataclass(frozen=True)
class Figure:
    """A figure of the answer: its label and value."""

    label: str
    value: str


@dataclass(frozen=True)
class RunView:
    """A run as the page shows it: state, what it claims, why, figures and the table of chosen sites."""

    id: int
    status: str
    started: str
    question: str
    running: bool
    progress_pct: int
    progress_text: str
    error: str
    claim: str
    fewer: str
    fewer_reasons: list[str]
    notes: list[str]
    figures: list[Figure]
    table: Table | None
    area_code: str | None


def _when(value: dt.datetime) -> str:
    return local_time(value)


def question_text(parameters: dict[str, Any], lang: str) -> str:
    """The run's question in a few words ("p = 3, cover the most people")."""
    problem = parameters.get("problem", "mclp")
    return t(f"siting.question.{problem}", lang).format(
        p=parameters.get("p"), share=_pct(parameters.get("share"))
    )


def _claim(run: SitingRunInfo, result: dict[str, Any], lang: str) -> str:
    if run.status != "done":
        return ""
    status = result.get("status")
    if status == "optimal":
        if result.get("problem") == "mclp":
            return t("siting.claim.mclp_optimal", lang).format(p=result.get("requested_sites"))
        n = len(result.get("chosen") or [])
        return t("siting.claim.fewest_optimal" if n else "siting.claim.none_needed", lang).format(n=n)
    return t(f"siting.claim.{'time_limit' if status == 'time_limit' else 'heuristic'}", lang)


def sites_table(run: SitingRunInfo, lang: str) -> Table:
    """The chosen sites of a run as a table (the page's table and its CSV/Excel download)."""
    result = run.result or {}
    columns = [
        Column("rank", t("siting.col.rank", lang), "count"),
        Column("label", t("siting.col.label", lang), "text"),
        Column("code", t("siting.col.code", lang), "text"),
        Column("lon", t("siting.col.lon", lang), "count"),
        Column("lat", t("siting.col.lat", lang), "count"),
        Column("people", t("siting.col.people", lang), "count"),
        Column("villages", t("siting.col.villages", lang), "count"),
        Column("village_names", t("siting.col.village_names", lang), "text"),
    ]
    rows = [
        [
            site["rank"],
            site.get("label") or "",
            site.get("code") or "",
            site["lon"],
            site["lat"],
            round(float(site.get("newly_covered_people") or 0)),
            len(site.get("villages") or ()),
            "、".join(v["name"] for v in site.get("villages") or ()),
        ]
        for site in result.get("chosen") or []
    ]
    q = run.parameters
    about = [
        (t("siting.about.problem", lang), question_text(q, lang)),
        (t("siting.about.area", lang), q.get("area") or t("siting.about.whole_atlas", lang)),
        (t("siting.about.radius", lang), distance_text(q.get("distance_m"), lang)),
        (t("siting.about.candidates", lang), t(f"siting.candidates.{q.get('candidates')}", lang)),
        (t("siting.about.status", lang), _claim(run, result, lang)),
    ]
    return Table(t("siting.table.title", lang).format(id=run.id), columns, rows, about, lang)


def _phase(phase: str | None, lang: str) -> str:
    return t("siting.phase.exact" if phase and "exact" in phase else "siting.phase.other", lang)


def run_view(run: SitingRunInfo, lang: str) -> RunView:
    """What the page says of a run, in ``lang``."""
    result = run.result or {}
    running = run.status == "running"
    reasons = [r for r in result.get("reasons") or [] if not (running and r["code"] == "not_proven")]
    fewer_reasons = [reason_text(r["code"], r["params"], lang) for r in reasons if r["code"] in FEWER_CODES]
    notes = [reason_text(r["code"], r["params"], lang) for r in reasons if r["code"] not in FEWER_CODES]
    chosen = result.get("chosen") or []
    requested = result.get("requested_sites")
    fewer = ""
    if requested is not None and len(chosen) < requested:
        fewer = t("siting.fewer", lang).format(p=requested, n=len(chosen))
    figures: list[Figure] = []
    if result:
        before, after = result.get("covered_before") or {}, result.get("covered_after") or {}
        if requested is not None:
            figures.append(Figure(t("siting.figures.requested", lang), str(requested)))
        figures += [
            Figure(t("siting.figures.chosen", lang), str(len(chosen))),
            Figure(t("siting.figures.before", lang), _pct(before.get("share"))),
            Figure(t("siting.figures.after", lang), _pct(after.get("share"))),
            Figure(
                t("siting.figures.newly", lang),
                t("siting.figures.people", lang).format(people=_people(result.get("newly_covered_people"))),
            ),
            Figure(t("siting.figures.candidates", lang), str(result.get("candidates", ""))),
            Figure(t("siting.figures.villages", lang), str(result.get("villages", ""))),
        ]
    pct = round(100 * float(run.progress or 0))
    return RunView(
        id=run.id,
        status=run.status,
        started=_when(run.started_at),
        question=question_text(run.parameters, lang),
        running=running,
        progress_pct=pct,
        progress_text=t("siting.run.running", lang).format(phase=_phase(run.phase, lang), pct=pct),
        error=t("siting.run.failed_generic", lang) if run.status == "failed" else "",
        claim=_claim(run, result, lang),
        fewer=fewer,
        fewer_reasons=fewer_reasons,
        notes=notes,
        figures=figures,
        table=sites_table(run, lang) if result else None,
        area_code=run.area_code,
    )


@dataclass(frozen=True)
class PastRun:
    """A line of the list of past runs."""

    id: int
    when: str
    question: str
    candidates: str
    result: str
    href: str
    current: bool


def past_runs(runs: list[SitingRunInfo], lang: str, current: int | None, base: str) -> list[PastRun]:
    """The list of past runs, each linking to its page (``base``: the runs' path, ``?lang`` kept)."""
    lines = []
    for run in runs:
        if run.status == "running":
            outcome = t("siting.past.running", lang)
        elif run.status == "failed":
            outcome = t("siting.past.failed", lang)
        else:
            outcome = t("siting.past.sites", lang).format(n=len((run.result or {}).get("chosen") or []))
        lines.append(
            PastRun(
                id=run.id,
                when=_when(run.started_at),
                question=question_text(run.parameters, lang),
                candidates=t(f"siting.candidates.{run.parameters.get('candidates')}", lang),
                result=outcome,
                href=f"{base}/{run.id}",
                current=run.id == current,
            )
        )
    return lines
