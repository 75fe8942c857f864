"""The command line side of import and export: a progress bar (tqdm), the report printed in the operator's
language (``Voice``: the catalogue's words, given by main.py, as geo/ never reads web/; English without one), the
rejects file placed next to the input unless named, and the report saved as JSON on request."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import Engine

from geo.accounts.audit import CLI_ACTOR
from geo.errors import DomainError
from geo.importing.readers import detect_format
from geo.importing.report import ImportReport, rejects_format
from geo.importing.run import ImportOptions, run_import

_SHOWN_REJECTS = 50


@dataclass(frozen=True)
class Voice:
    """How the command line says an import: a row's reason or note (``reason``), its own lines (``line(key,
    **params)``, the catalogue's ``imports.cli.<key>``) and a refused file (``error``), in the operator's language.
    The default voice speaks the English fallback texts."""

    reason: Callable[[str], str] = str
    line: Callable[..., str] | None = None
    error: Callable[[DomainError], str] | None = None

    def say(self, key: str, english: str, **params: Any) -> str:
        """The line ``key`` filled with ``params`` (``english`` when there is no catalogue)."""
        return self.line(key, **params) if self.line else english.format(**params)

    def refusal(self, exc: DomainError) -> str:
        """A refused file's reason in the operator's language."""
        return self.error(exc) if self.error else exc.message


ENGLISH = Voice()
"""The voice of the English fallback texts (tests, programs that read them)."""


PHASES = {"checking": "checking rows", "loading": "loading"}
"""The phases of an import's progress bar (geo/importing/run.py), in English (``imports.cli.phase.<phase>``)."""


def _progress(voice: Voice):
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def update(phase: str, done: int, total: int) -> None:
        bar = bars.get(phase)
        if bar is None:
            desc = voice.say(f"imports.cli.phase.{phase}", PHASES[phase])
            unit = voice.say("imports.cli.phase.rows", " rows") if total > 1 else ""
            bar = bars[phase] = tqdm(total=total, desc=desc, unit=unit, leave=False)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


def default_rejects_path(path: Path) -> Path:
    """``<name>.rejects.<ext>`` next to the input, in the format the rejects file will have."""
    with path.open("rb") as f:
        fmt = rejects_format(detect_format(path, f.read(512)))
    suffix = {"shp": ".zip", "geojson": ".geojson"}.get(fmt, f".{fmt}")
    return path.with_name(f"{path.stem}.rejects{suffix}")


def print_report(report: ImportReport, voice: Voice = ENGLISH) -> None:
    """The counts, the column map, and the rejected rows (the first 50) with their reasons, and the notes of the
    accepted rows (a key matched, a code generated, an area found by name), in ``voice``'s language."""
    v = voice
    head = "{file} ({format}, {encoding}, {crs}) → {collection}"
    typer.echo(
        v.say(
            "imports.cli.head",
            head,
            file=report.file,
            format=report.format,
            encoding=report.encoding or "binary",
            crs=report.crs,
            collection=report.collection,
        )
    )
    columns = ", ".join(f"{h}→{f}" for h, f in report.columns.items())
    typer.echo(v.say("imports.cli.columns", "columns: {columns}", columns=columns))
    if report.ignored_columns:
        ignored = ", ".join(report.ignored_columns)
        typer.echo(v.say("imports.cli.ignored", "ignored columns: {columns}", columns=ignored))
    for line in report.layout_lines(v.say):  # the spreadsheet's shape, the likely duplicates
        typer.echo(line)
    rejected = [r for r in report.rows if r.status == "rejected"]
    no_code = v.say("imports.cli.no_code", "no code")
    for r in rejected[:_SHOWN_REJECTS]:
        line = "  row {row} ({code}): rejected: {reason}"
        typer.echo(
            v.say("imports.cli.rejected", line, row=r.row, code=r.code or no_code, reason=v.reason(r.reason))
        )
    if len(rejected) > _SHOWN_REJECTS:
        more = len(rejected) - _SHOWN_REJECTS
        typer.echo(v.say("imports.cli.more", "  … and {n} more rejected rows (see the rejects file)", n=more))
    noted = [r for r in report.rows if r.notes and r.status != "rejected"]
    sep = v.say("imports.cli.notes_sep", "; ")
    for r in noted[:_SHOWN_REJECTS]:
        status = v.say(f"imports.cli.status.{r.status}", r.status)
        notes = sep.join(v.reason(n) for n in r.notes)
        line = "  row {row} ({code}): {status}; {notes}"
        typer.echo(v.say("imports.cli.noted", line, row=r.row, code=r.code, status=status, notes=notes))
    summary = "imports.cli.summary_dry" if report.dry_run else "imports.cli.summary"
    typer.echo(v.say(summary, report.summary().replace("{", "{{").replace("}", "}}"), **report.counts))
    if report.rejects_file:
        line = "rejected rows written to {path}: fix them and import that file again"
        typer.echo(v.say("imports.cli.rejects_file", line, path=report.rejects_file))


def import_command(
    engine: Engine,
    path: Path,
    options: ImportOptions,
    rejects: Path | None,
    report_path: Path | None,
    voice: Voice = ENGLISH,
) -> ImportReport:
    """Run an import as the command-line operator with a progress bar, print the report, save it if asked; the
    reasons (printed, in the rejects file and the saved report) in ``voice``'s language."""
    if rejects is None and path.is_file() and path.stat().st_size:
        rejects = default_rejects_path(path)
    report = run_import(
        engine, path, options, CLI_ACTOR, rejects=rejects, progress=_progress(voice), describe=voice.reason
    )
    print_report(report, voice)
    if report_path is not None:
        data = report.to_json(voice.reason)
        report_path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return report
