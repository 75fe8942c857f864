"""The command line side of import and export: a progress bar (tqdm), the report printed, the rejects file
placed next to the input unless named, and the report saved as JSON on request."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from sqlalchemy import Engine

from geo.accounts.audit import CLI_ACTOR
from geo.importing.readers import detect_format
from geo.importing.report import ImportReport, rejects_format
from geo.importing.run import ImportOptions, run_import

_SHOWN_REJECTS = 50


def _progress():
    from tqdm import tqdm

    bars: dict[str, tqdm] = {}

    def update(phase: str, done: int, total: int) -> None:
        bar = bars.get(phase)
        if bar is None:
            bar = bars[phase] = tqdm(total=total, desc=phase, unit=" rows" if total > 1 else "", leave=False)
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


def print_report(report: ImportReport) -> None:
    """The counts, the column map, and the rejected rows (the first 50) with their reasons."""
    typer.echo(
        f"{report.file} ({report.format}, {report.encoding or 'binary'}, {report.crs}) → {report.collection}"
    )
    typer.echo("columns: " + ", ".join(f"{h}→{f}" for h, f in report.columns.items()))
    if report.ignored_columns:
        typer.echo("ignored columns: " + ", ".join(report.ignored_columns))
    for line in report.layout_lines():
        typer.echo(line)
    rejected = [r for r in report.rows if r.status == "rejected"]
    for r in rejected[:_SHOWN_REJECTS]:
        typer.echo(f"  row {r.row} ({r.code or 'no code'}): rejected: {r.reason}")
    if len(rejected) > _SHOWN_REJECTS:
        typer.echo(f"  … and {len(rejected) - _SHOWN_REJECTS} more rejected rows (see the rejects file)")
    noted = [r for r in report.rows if r.notes and r.status != "rejected"]
    for r in noted[:_SHOWN_REJECTS]:
        typer.echo(f"  row {r.row} ({r.code}): {r.status}; " + "; ".join(r.notes))
    typer.echo(report.summary())
    if report.rejects_file:
        typer.echo(f"rejected rows written to {report.rejects_file}: fix them and import that file again")


def import_command(
    engine: Engine, path: Path, options: ImportOptions, rejects: Path | None, report_path: Path | None
) -> ImportReport:
    """Run an import as the command-line operator with a progress bar, print the report, save it if asked."""
    if rejects is None and path.is_file() and path.stat().st_size:
        rejects = default_rejects_path(path)
    report = run_import(engine, path, options, CLI_ACTOR, rejects=rejects, progress=_progress())
    print_report(report)
    if report_path is not None:
        report_path.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    return report
