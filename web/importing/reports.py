"""An import report as a page shows it: every row's result and reason in the page's language, with the field it
concerns named as the page names it; the totals; the past imports of an area; times in China time (UTC+8)."""

from __future__ import annotations

import re
from typing import Any

from geo.importing.reasons import RowReason
from geo.importing.report import ImportReport
from geo.importing.report_store import ReportEntry
from web.i18n import check_lang, t
from web.times import local_time

"""The clock the import pages show times in (China Standard Time, UTC+8)."""
SHOWN_ROWS = 2000
"""Rows of a report a page shows at most (every rejected row first; the rest are in the counts)."""


def field_label(name: str | None, lang: str) -> str:
    """A field's label in ``lang`` (the shared catalogue's, the import pages' own, else the field's name)."""
    if not name:
        return ""
    found = t(f"field.{name}", lang, default="")
    return found or t(f"imports.field.{name}", lang, default=name)


def reason_text(reason: str | None, lang: str) -> str:
    """Why a row was rejected, in ``lang``: each part from the catalogue filled with its parameters."""
    if not reason:
        return ""
    lang = check_lang(lang)
    if isinstance(reason, RowReason) and reason.parts:
        return ("；" if lang == "zh" else "; ").join(reason_text(p, lang) for p in reason.parts)
    key = reason.key if isinstance(reason, RowReason) else None
    if key is None:
        return t("imports.reason.fallback", lang) + ("：" if lang == "zh" else ": ") + str(reason)
    params: dict[str, Any] = dict(reason.params)
    name = reason.field or params.get("field")
    params["field"] = field_label(name, lang)
    if key == "field.choice" and isinstance(params.get("expected"), str):
        params["expected"] = _choices(name, params["expected"], lang)
    try:
        return t(f"imports.reason.{key}", lang).format(**params)
    except (KeyError, IndexError, ValueError):
        return str(reason)


def _choices(field: str | None, expected: str, lang: str) -> str:
    """pydantic's "'a', 'b' or 'c'" as the values' labels in ``lang`` (a value without a label as it is)."""
    values = re.findall(r"'([^']*)'", expected)
    if not values:
        return expected
    groups = [g for g in (field, f"station_{field}") if g] + [
        "memorial_kind",
        "cemetery_kind",
        "grave_kind",
        "area_level",
    ]
    labels = []
    for v in values:
        found = next((t(f"{g}.{v}", lang, default="") for g in groups if t(f"{g}.{v}", lang, default="")), v)
        labels.append(found)
    return ("、" if lang == "zh" else ", ").join(labels)


def status_label(status: str, dry_run: bool, lang: str) -> str:
    """A row's result as the page names it (a dry run's inserted/updated: "would insert/update")."""
    if dry_run and status in ("inserted", "updated"):
        return t(f"imports.status.dry.{status}", lang)
    return t(f"imports.status.{status}", lang)


def report_rows(report: ImportReport, lang: str, limit: int = SHOWN_ROWS) -> list[dict[str, Any]]:
    """The rows a page shows (rejected ones first, then in file order, at most ``limit``), each with its number,
    code, status and its label, the field concerned and its label, and the reason in ``lang``."""
    ordered = sorted(report.rows, key=lambda r: (r.status != "rejected", r.row))
    out = []
    for r in ordered[:limit]:
        field = r.reason.field if isinstance(r.reason, RowReason) else None
        out.append(
            {
                "row": r.row,
                "code": r.code,
                "status": r.status,
                "status_label": status_label(r.status, report.dry_run, lang),
                "field": field,
                "field_label": field_label(field, lang),
                "reason_text": reason_text(r.reason, lang),
            }
        )
    return out


def report_view(report: ImportReport, lang: str) -> dict[str, Any]:
    """The report as the page's script reads it: the API's JSON plus the rows in ``lang`` (``shown_rows``) and the
    columns' fields named in ``lang``."""
    data = report.to_json()
    data["shown_rows"] = report_rows(report, lang)
    data["collection_label"] = t(f"imports.coll.{report.collection}", lang)
    data["column_labels"] = {h: field_label(f, lang) for h, f in report.columns.items()}
    return data


def past_imports(entries: list[ReportEntry], lang: str) -> list[dict[str, Any]]:
    """The past imports of an area as rows of the page's table, newest first (a committed dry run says so)."""
    out = []
    for k in entries:
        counts = {"rows": 0, "inserted": 0, "updated": 0, "unchanged": 0, "rejected": 0, **k.totals}
        kind = t("imports.past.dry" if k.dry_run else "imports.past.real", lang)
        if k.committed_at is not None:
            kind = t("imports.past.dry_committed", lang)
        out.append(
            {
                "token": k.token,
                "when": local_time(k.saved_at),
                "who": k.username,
                "file": k.filename,
                "collection": t(f"imports.coll.{k.collection}", lang, default=k.collection),
                "kind": kind,
                "counts": t("imports.past.counts", lang).format(**counts),
            }
        )
    return out
