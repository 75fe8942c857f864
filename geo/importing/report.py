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

Say = Callable[..., str]
"""say(key, english, **params): a line in the operator's language (the command line's Voice.say)."""


def _english(key: str, english: str, **params: Any) -> str:
    return english.format(**params)


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

    def layout_lines(self, say: Say | None = None) -> list[str]:
        """The spreadsheet's shape and the likely duplicates, a line each (the command line's report), said by
        ``say(key, english, **params)`` (the operator's catalogue; English without one)."""
        say = say or _english
        sep, part = say("imports.shape.list_sep", ", "), say("imports.shape.part_sep", "; ")
        lines = []
        for sheet in (self.shape or {}).get("sheets") or []:
            rows = sheet.get("header_rows") or [1]
            if len(rows) > 1:
                parts = [
                    say(
                        "imports.shape.header_rows",
                        "header on rows {first}–{last}",
                        first=rows[0],
                        last=rows[-1],
                    )
                ]
            else:
                parts = [say("imports.shape.header_row", "header on row {row}", row=rows[0])]
            skipped = [
                say(f"imports.shape.count.{key}", english, n=len(sheet.get(field) or []))
                for key, field, english in (
                    ("title", "title_rows", "{n} title rows"),
                    ("blank", "blank_rows", "{n} blank rows"),
                    ("total", "total_rows", "{n} total rows"),
                    ("note", "note_rows", "{n} note rows"),
                )
                if sheet.get(field)
            ]
            if skipped:
                parts.append(say("imports.shape.skipped", "skipped {rows}", rows=sep.join(skipped)))
            if sheet.get("name"):
                parts.append(
                    say(
                        "imports.shape.sheet",
                        "read the sheet “{name}” ({n} records)",
                        name=sheet["name"],
                        n=sheet.get("records", 0),
                    )
                )
            lines.append(part.join(parts))
            for group, columns in (sheet.get("merged") or {}).items():
                english = "Merged header: “{group}” over {columns}"
                lines.append(say("imports.shape.merged", english, group=group, columns=sep.join(columns)))
            for column in sheet.get("serial_columns") or []:
                english = "The running-number column “{column}” is not imported"
                lines.append(say("imports.shape.serial", english, column=column))
        for s in (self.shape or {}).get("skipped_sheets") or []:
            why = "same_header" if s.get("why") == "not_chosen" and s.get("same_header") else s.get("why", "")
            english = "The sheet “{name}” was not read (" + why.replace("_", " ") + ")"
            lines.append(say(f"imports.shape.skipped_sheet.{why}", english, name=s.get("name", "")))
        for d in self.duplicates:
            if d.get("code"):
                other = say(
                    "imports.dup.stored",
                    "stored record {code} {name}",
                    code=d["code"],
                    name=d.get("other_name") or "",
                )
            elif d.get("other_sheet"):
                other = say(
                    "imports.dup.row_in_sheet",
                    "row {row} of the sheet “{sheet}”",
                    row=d["other_row"],
                    sheet=d["other_sheet"],
                )
            else:
                other = say("imports.dup.row", "row {row} of the file", row=d["other_row"])
            metres = say("imports.dup.metres", "{m} m", m=f"{float(d.get('metres') or 0):.0f}")
            key = "imports.dup.cli.confirmed" if self.accept_duplicates else "imports.dup.cli.kept_out"
            english = "likely duplicate: row {row} {name} = {other}, {metres} apart (" + (
                "imported as confirmed)" if self.accept_duplicates else "kept out)"
            )
            lines.append(
                say(key, english, row=d["row"], name=d.get("name") or "", other=other, metres=metres)
            )
        if self.duplicates and not self.accept_duplicates:
            english = "import them all the same with --accept-duplicates if they are different places"
            lines.append(say("imports.dup.cli.hint", english))
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
