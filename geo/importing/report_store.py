"""Reports of uploads, kept so that staff of the area can list past imports and reopen one: each upload's report
(dry run or commit) as JSON in ``<var_dir>/import-reports`` under a random token, with who uploaded it, the area it
was uploaded for, when, and the token of its rejects file (geo/importing/rejects_store.py). Kept ``KEEP_SECONDS``
and at most ``KEEP_FILES`` (the oldest go first). An account sees the reports of its own area and the areas inside
it (an admin of the whole atlas: every report).

A dry run also keeps its file and options for its uploader (``UPLOAD_KEEP_SECONDS``), so the report can be
committed later without uploading the file again (``kept_upload``); a commit uses the file up (``drop_upload``)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.accounts.permissions import covers
from geo.errors import NotFound
from geo.importing.report import ImportReport
from geo.principal import Principal

KEEP_SECONDS = 90 * 24 * 3600
"""How long an upload's report is kept (seconds)."""
KEEP_FILES = 1000
"""How many reports are kept at most (all accounts together)."""
UPLOAD_KEEP_SECONDS = 24 * 3600
"""How long a dry run's file is kept for its commit (seconds)."""
FOLDER = "import-reports"
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


@dataclass(frozen=True)
class KeptReport:
    """A kept report: its token, who uploaded it for which area and when, its rejects token, the report."""

    token: str
    owner_id: int | None
    username: str
    area_code: str | None
    saved_at: dt.datetime
    rejects_token: str | None
    report: ImportReport


@dataclass(frozen=True)
class KeptUpload:
    """A dry run's file kept for its commit: where it is, its name and the options it was checked with."""

    path: Path
    filename: str
    options: dict[str, Any]


def _prune(folder: Path, now: float) -> None:
    files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for i, path in enumerate(files):
        if i >= KEEP_FILES - 1 or now - path.stat().st_mtime > KEEP_SECONDS:
            path.unlink(missing_ok=True)
    for path in folder.glob("*.upload"):
        if now - path.stat().st_mtime > UPLOAD_KEEP_SECONDS or not path.with_suffix(".json").exists():
            path.unlink(missing_ok=True)


def keep_report(
    var_dir: Path,
    report: ImportReport,
    principal: Principal,
    rejects_token: str | None = None,
    upload: Path | None = None,
    options: dict[str, Any] | None = None,
) -> str:
    """Keep an upload's report for the staff of ``principal``'s area; returns its token (prunes old ones first).

    ``upload`` (a dry run's file, copied) and its ``options`` are kept for the uploader to commit later."""
    folder = Path(var_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    _prune(folder, time.time())
    token = secrets.token_urlsafe(18)
    data = report.to_json()
    data["rejects_file"] = None
    data["rejects_url"] = None
    kept = {
        "owner": principal.user_id,
        "username": principal.username,
        "area_code": principal.area_code,
        "saved_at": dt.datetime.now(dt.UTC).isoformat(),
        "rejects_token": rejects_token,
        "options": options or {},
        "report": data,
    }
    if upload is not None:
        shutil.copyfile(upload, folder / f"{token}.upload")
    (folder / f"{token}.json").write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    return token


def _read(path: Path) -> KeptReport | None:
    try:
        kept: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return KeptReport(
            path.stem,
            kept.get("owner"),
            kept.get("username") or "",
            kept.get("area_code"),
            dt.datetime.fromisoformat(kept["saved_at"]),
            kept.get("rejects_token"),
            ImportReport.from_json(kept["report"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _visible(kept: KeptReport, principal: Principal) -> bool:
    if principal.area_code is None:
        return True
    return kept.area_code is not None and covers(principal, kept.area_code)


def find_report(var_dir: Path, token: str, principal: Principal) -> KeptReport:
    """The kept report of ``token`` if ``principal``'s area holds it; NotFound otherwise (or once expired)."""
    gone = NotFound(
        "no such import report: it expired, or it belongs to another area", key="import.report_gone"
    )
    if not token or not set(token) <= _TOKEN_CHARS or len(token) > 64:
        raise gone
    path = Path(var_dir) / FOLDER / f"{token}.json"
    kept = _read(path) if path.is_file() else None
    if kept is None or not _visible(kept, principal):
        raise gone
    if time.time() - path.stat().st_mtime > KEEP_SECONDS:
        raise gone
    return kept


def kept_upload(var_dir: Path, token: str, principal: Principal) -> KeptUpload:
    """The file a dry run kept for ``principal`` (its uploader) to commit; NotFound when there is none (another's
    upload, committed already, expired)."""
    kept = find_report(var_dir, token, principal)
    path = Path(var_dir) / FOLDER / f"{token}.upload"
    fresh = path.is_file() and time.time() - path.stat().st_mtime <= UPLOAD_KEEP_SECONDS
    if kept.owner_id != principal.user_id or not kept.report.dry_run or not fresh:
        raise NotFound(
            "the dry run's file is no longer kept (committed already, expired, or not yours): upload it again",
            key="import.upload_gone",
        )
    meta = json.loads((path.with_suffix(".json")).read_text(encoding="utf-8"))
    return KeptUpload(path, kept.report.file, dict(meta.get("options") or {}))


def drop_upload(var_dir: Path, token: str) -> None:
    """Forget a dry run's kept file (once it is committed)."""
    (Path(var_dir) / FOLDER / f"{token}.upload").unlink(missing_ok=True)


def list_reports(var_dir: Path, principal: Principal, limit: int = 20) -> list[KeptReport]:
    """The newest kept reports ``principal`` may reopen (its area's), at most ``limit``."""
    folder = Path(var_dir) / FOLDER
    if not folder.is_dir():
        return []
    now = time.time()
    out: list[KeptReport] = []
    files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in files:
        if now - path.stat().st_mtime > KEEP_SECONDS:
            continue
        kept = _read(path)
        if kept is not None and _visible(kept, principal):
            out.append(kept)
            if len(out) >= limit:
                break
    return out
