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


_LISTED = 5
"""Row numbers a sentence of the report lists at most (the rest counted)."""


def _sep(lang: str) -> str:
    return "；" if lang == "zh" else "; "


def _numbers(rows: list[int], lang: str) -> str:
    shown = ("、" if lang == "zh" else ", ").join(str(r) for r in rows[:_LISTED])
    return shown + ("…" if len(rows) > _LISTED else "")


def _rows_with_text(items: list[dict[str, Any]], lang: str) -> str:
    quoted = [
        t("imports.shape.row_text", lang).format(row=i["row"], text=_short(i.get("text") or ""))
        for i in items[:_LISTED]
    ]
    return _sep(lang).join(quoted) + ("…" if len(items) > _LISTED else "")


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _header_rows(rows: list[int], lang: str) -> str:
    if len(rows) > 1:
        return t("imports.shape.header_rows", lang).format(first=rows[0], last=rows[-1])
    return t("imports.shape.header_row", lang).format(row=rows[0] if rows else 1)


def shape_summary(sheet: dict[str, Any], workbook: bool, lang: str) -> str:
    """One sentence of what was found in a sheet: where its header is, the rows skipped, the sheet read."""
    parts = [_header_rows(sheet.get("header_rows") or [], lang)]
    skipped = []
    for key, count in (
        ("title", len(sheet.get("title_rows") or [])),
        ("blank", len(sheet.get("blank_rows") or [])),
        ("total", len(sheet.get("total_rows") or [])),
        ("note", len(sheet.get("note_rows") or [])),
    ):
        if count:
            skipped.append(t(f"imports.shape.count.{key}", lang).format(n=count))
    if skipped:
        parts.append(
            t("imports.shape.skipped", lang).format(rows=("、" if lang == "zh" else ", ").join(skipped))
        )
    if workbook and sheet.get("name"):
        parts.append(t("imports.shape.sheet", lang).format(name=sheet["name"], n=sheet.get("records", 0)))
    return _sep(lang).join(parts) + ("。" if lang == "zh" else ".")


def shape_lines(report: ImportReport, lang: str) -> dict[str, Any]:
    """What the report says of a spreadsheet's shape, in ``lang``: a summary per sheet read, the details (title,
    blank, total and note rows with their numbers and text, merged header groups, the 序号 column), the sheets
    not read with why, the encoding. Empty for a GIS file."""
    shape = report.shape or {}
    sheets = shape.get("sheets") or []
    workbook = report.format == "xlsx"
    out: dict[str, Any] = {"summaries": [], "details": [], "skipped": [], "encoding": None}
    for sheet in sheets:
        out["summaries"].append(shape_summary(sheet, workbook, lang))
        details = out["details"]
        prefix = t("imports.shape.in_sheet", lang).format(name=sheet["name"]) if len(sheets) > 1 else ""
        if sheet.get("title_rows"):
            details.append(
                prefix
                + t("imports.shape.titles", lang).format(rows=_rows_with_text(sheet["title_rows"], lang))
            )
        for group, columns in (sheet.get("merged") or {}).items():
            cols = ("、" if lang == "zh" else ", ").join(columns)
            details.append(prefix + t("imports.shape.merged", lang).format(group=group, columns=cols))
        if sheet.get("blank_rows"):
            details.append(
                prefix + t("imports.shape.blanks", lang).format(rows=_numbers(sheet["blank_rows"], lang))
            )
        if sheet.get("total_rows"):
            details.append(
                prefix
                + t("imports.shape.totals", lang).format(rows=_rows_with_text(sheet["total_rows"], lang))
            )
        if sheet.get("note_rows"):
            details.append(
                prefix + t("imports.shape.notes", lang).format(rows=_rows_with_text(sheet["note_rows"], lang))
            )
        for column in sheet.get("serial_columns") or []:
            details.append(prefix + t("imports.shape.serial", lang).format(column=column))
    for s in shape.get("skipped_sheets") or []:
        why = s.get("why", "not_chosen")
        if why == "not_chosen" and s.get("same_header"):
            why = "same_header"
        out["skipped"].append(t(f"imports.shape.skipped_sheet.{why}", lang).format(name=s.get("name", "")))
    if report.format == "csv" and report.encoding:
        bom = shape.get("bom")
        key = "imports.shape.encoding.bom" if bom else "imports.shape.encoding"
        name = {"gb18030": "GBK / GB18030", "utf-8": "UTF-8"}.get(report.encoding, report.encoding)
        out["encoding"] = t(key, lang).format(encoding=name)
    return out


def duplicate_rows(report: ImportReport, lang: str) -> list[dict[str, Any]]:
    """The likely duplicates as the page lists them: the row, its name, what it repeats (an earlier row of the
    file, or a stored record's code and name) and how far apart, in ``lang``."""
    out = []
    for d in report.duplicates:
        if d.get("code") is not None:
            other = t("imports.dup.stored", lang).format(code=d["code"], name=d.get("other_name") or "")
        elif d.get("other_sheet"):
            other = t("imports.dup.row_in_sheet", lang).format(row=d.get("other_row"), sheet=d["other_sheet"])
        else:
            other = t("imports.dup.row", lang).format(row=d.get("other_row"))
        out.append(
            {
                "row": d.get("row"),
                "name": d.get("name") or "",
                "other": other,
                "metres": t("imports.dup.metres", lang).format(m=f"{float(d.get('metres') or 0):.0f}"),
            }
        )
    return out


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
                "sheet": r.sheet,
                "code": r.code,
                "status": r.status,
                "status_label": status_label(r.status, report.dry_run, lang),
                "field": field,
                "field_label": field_label(field, lang),
                # an accepted row's notes (the key it matched by, the code it was given, its area by name)
                "reason_text": reason_text(r.reason, lang)
                or ("；" if lang == "zh" else "; ").join(reason_text(n, lang) for n in r.notes),
            }
        )
    return out


def report_view(report: ImportReport, lang: str) -> dict[str, Any]:
    """The report as the page's script reads it: the API's JSON plus the rows in ``lang`` (``shown_rows``) and the
    columns' fields named in ``lang``."""
    data = report.to_json(lambda r: reason_text(r, lang))
    data["shown_rows"] = report_rows(report, lang)
    data["collection_label"] = t(f"imports.coll.{report.collection}", lang)
    data["column_labels"] = {h: field_label(f, lang) for h, f in report.columns.items()}
    data["shape_text"] = shape_lines(report, lang)
    data["duplicate_rows"] = duplicate_rows(report, lang)
    data["several_sheets"] = any(r.sheet for r in report.rows)
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
