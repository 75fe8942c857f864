"""The import report (every row: inserted, updated, unchanged or rejected with its reason, plus notes) and the
rejects file: the rejected rows as they were read, in the input's format where possible (CSV otherwise), with
a ``reject_reason`` column, ready to be fixed and imported again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.importing.readers import RawTable
from geo.importing.reasons import RowReason
from geo.importing.writers import write_rows

STATUSES = ("inserted", "updated", "unchanged", "rejected")


@dataclass
class RowReport:
    """What happened to one row (``row`` is the spreadsheet row, or the feature number of a GIS file)."""

    row: int
    code: str | None
    status: str
    reason: str | None = None  # a RowReason when the check knew its key and field
    notes: list[str] = field(default_factory=list)
    sheet: str | None = None  # the workbook's sheet, when the rows come from several


@dataclass
class ImportReport:
    """The report of one import run (in a dry run, what would have happened)."""

    file: str
    format: str
    collection: str
    crs: str
    encoding: str | None
    dry_run: bool
    fix_swapped: bool
    columns: dict[str, str]
    ignored_columns: list[str]
    rows: list[RowReport]
    rejects_file: str | None = None
    rejects_url: str | None = None  # an upload's rejects file, for its uploader to download
    shape: dict[str, Any] | None = (
        None  # a spreadsheet's shape: sheets read and skipped, header, rows skipped
    )
    duplicates: list[dict[str, Any]] = field(
        default_factory=list
    )  # likely duplicates (geo/importing/duplicates.py)
    accept_duplicates: bool = False

    @property
    def counts(self) -> dict[str, int]:
        """Rows in all and per status."""
        out = {"rows": len(self.rows), **dict.fromkeys(STATUSES, 0)}
        for r in self.rows:
            out[r.status] += 1
        return out

    def to_json(self, describe: Callable[[str], str] | None = None) -> dict[str, Any]:
        """The report as JSON-ready data (the API's answer, the CLI's --report file); ``describe`` says each reason
        and note in the reader's language (web/importing/reports.py ``reason_text``; default: the English text),
        their keys and parameters kept beside them (``reason_detail``, ``notes_detail``)."""
        say = describe or str
        rows = []
        for r in self.rows:
            item: dict[str, Any] = {"row": r.row, "code": r.code, "status": r.status}
            if r.reason:
                item["reason"] = say(r.reason)
                if isinstance(r.reason, RowReason) and (r.reason.key or r.reason.parts):
                    item["reason_detail"] = r.reason.to_json()
                if isinstance(r.reason, RowReason) and r.reason.field:
                    item["field"] = r.reason.field
            if r.notes:
                item["notes"] = [say(n) for n in r.notes]
                if any(isinstance(n, RowReason) and n.key for n in r.notes):
                    item["notes_detail"] = [
                        n.to_json() if isinstance(n, RowReason) else {"message": n} for n in r.notes
                    ]
            if r.sheet is not None:
                item["sheet"] = r.sheet
            rows.append(item)
        return {
            "file": self.file,
            "format": self.format,
            "collection": self.collection,
            "crs": self.crs,
            "encoding": self.encoding,
            "dry_run": self.dry_run,
            "fix_swapped": self.fix_swapped,
            "columns": self.columns,
            "ignored_columns": self.ignored_columns,
            "counts": self.counts,
            "rows": rows,
            "rejects_file": self.rejects_file,
            "rejects_url": self.rejects_url,
            "shape": self.shape,
            "duplicates": self.duplicates,
            "accept_duplicates": self.accept_duplicates,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportReport:
        """The report ``to_json`` wrote (a kept report reopened), reasons with their keys and fields."""
        rows = []
        for item in data["rows"]:
            reason = item.get("reason")
            if "reason_detail" in item:
                reason = RowReason.from_json(item["reason_detail"])
            elif reason is not None:
                reason = RowReason(reason, field=item.get("field"))
            rows.append(
                RowReport(
                    item["row"],
                    item.get("code"),
                    item["status"],
                    reason,
                    [RowReason.from_json(n) for n in item["notes_detail"]]
                    if "notes_detail" in item
                    else item.get("notes", []),
                    item.get("sheet"),
                )
            )
        return cls(
            data["file"],
            data["format"],
            data["collection"],
            data["crs"],
            data.get("encoding"),
            bool(data["dry_run"]),
            bool(data.get("fix_swapped")),
            dict(data.get("columns") or {}),
            list(data.get("ignored_columns") or []),
            rows,
            data.get("rejects_file"),
            data.get("rejects_url"),
            data.get("shape"),
            list(data.get("duplicates") or []),
            bool(data.get("accept_duplicates")),
        )

    def layout_lines(self) -> list[str]:
        """The spreadsheet's shape and the likely duplicates, a line each (the command line's report)."""
        lines = []
        for sheet in (self.shape or {}).get("sheets") or []:
            rows = sheet.get("header_rows") or []
            parts = [f"header on row {'–'.join(str(r) for r in rows[:1] + rows[1:][-1:])}"]
            skipped = [
                f"{len(sheet.get(k) or [])} {what}"
                for k, what in (
                    ("title_rows", "title rows"),
                    ("blank_rows", "blank rows"),
                    ("total_rows", "total rows"),
                    ("note_rows", "note rows"),
                )
                if sheet.get(k)
            ]
            if skipped:
                parts.append("skipped " + ", ".join(skipped))
            if sheet.get("serial_columns"):
                parts.append("not imported: " + ", ".join(sheet["serial_columns"]))
            if sheet.get("merged"):
                parts.append(
                    "merged header: "
                    + ", ".join(f"{g} over {'/'.join(c)}" for g, c in sheet["merged"].items())
                )
            if sheet.get("name"):
                parts.append(f"sheet {sheet['name']!r}")
            lines.append("; ".join(parts))
        for s in (self.shape or {}).get("skipped_sheets") or []:
            lines.append(f"sheet {s['name']!r} not read ({s['why'].replace('_', ' ')})")
        for d in self.duplicates:
            other = f"stored {d['code']} {d['other_name']}" if d.get("code") else f"row {d['other_row']}"
            what = "imported as confirmed" if self.accept_duplicates else "kept out"
            lines.append(
                f"likely duplicate: row {d['row']} {d['name']} = {other}, {d['metres']:.0f} m ({what})"
            )
        if self.duplicates and not self.accept_duplicates:
            lines.append("import them all the same with --accept-duplicates if they are different places")
        return lines

    def summary(self) -> str:
        """One line of counts."""
        c = self.counts
        what = "would be " if self.dry_run else ""
        return (
            f"{c['rows']} rows: {c['inserted']} {what}inserted, {c['updated']} {what}updated, "
            f"{c['unchanged']} unchanged, {c['rejected']} rejected"
            + (" (dry run: nothing written)" if self.dry_run else "")
        )


def rejects_format(fmt: str) -> str:
    """The format of the rejects file of an input format (KML keeps no extra columns reliably: CSV)."""
    return fmt if fmt in ("csv", "xlsx", "geojson", "gpkg", "shp") else "csv"


def write_rejects(
    path: Path, table: RawTable, reasons: dict[int, str], describe: Callable[[str], str] | None = None
) -> str:
    """Write the rejected rows (index → reason) with a ``reject_reason`` column (each reason as ``describe`` says
    it, by default as it is); returns the format used."""
    fmt = rejects_format(table.fmt)
    columns = [*table.columns, "reject_reason"]
    idx = sorted(reasons)
    say = describe or str
    rows = [[table.rows[i].get(c) for c in table.columns] + [say(reasons[i])] for i in idx]
    geoms = [table.geoms[i] for i in idx] if table.geoms is not None else None
    if fmt not in ("csv", "xlsx") and geoms is None:
        fmt = "csv"
    write_rows(path, fmt, "rejects", columns, rows, geoms, crs=table.file_crs)
    return fmt
