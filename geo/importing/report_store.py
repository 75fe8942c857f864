"""Reports of uploads, kept in the database (table ``import_reports``, migration 0012) so that staff of the area
can list past imports and reopen one: each upload's report (dry run or import) under a random token, with who
uploaded it, the area it was uploaded for (the uploader's), when, the collection, file and counts. Kept
``KEEP_SECONDS``; an account sees the reports of its own area and the areas inside it (an admin of the whole atlas:
every report). The list of an area is one query on the index ``(area_code, created_at DESC)``.

A dry run also keeps its file and options for its uploader (``UPLOAD_KEEP_SECONDS``), so the report can be
committed later without uploading the file again: ``take_upload`` hands the file out once (and marks the dry run
committed), ``put_back_upload`` returns it when the import failed. An upload's rejected rows are kept for its
uploader to download (geo/importing/rejects_store.py) in the same row. Expired files are cleared (and expired
reports deleted) each time a report is kept."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, delete, false, func, select, true, update

from geo.accounts.permissions import covers
from geo.errors import NotFound
from geo.importing.report import ImportReport
from geo.models import ImportReport as ReportRow
from geo.principal import Principal
from geo.vocab import area_prefix

KEEP_SECONDS = 90 * 24 * 3600
"""How long an upload's report is kept (seconds)."""
UPLOAD_KEEP_SECONDS = 24 * 3600
"""How long a dry run's file is kept for its commit (seconds)."""
REJECTS_KEEP_SECONDS = 24 * 3600
"""How long an upload's rejects file is kept for its uploader (seconds)."""
MAX_KEPT_BYTES = 100 * 1024 * 1024
"""A dry run's file or a rejects file larger than this is not kept (the uploader uploads the file again)."""
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_T = ReportRow.__table__


@dataclass(frozen=True)
class ReportEntry:
    """A kept report as the list of past imports shows it (without its rows)."""

    token: str
    owner_id: int | None
    username: str
    area_code: str | None
    saved_at: dt.datetime
    collection: str
    filename: str
    dry_run: bool
    committed_at: dt.datetime | None
    totals: dict[str, int]


@dataclass(frozen=True)
class KeptReport:
    """A kept report: its token, who uploaded it for which area and when, whether its dry-run file is still kept
    (or was never kept, over ``MAX_KEPT_BYTES``) and its rejects file too, the report."""

    token: str
    owner_id: int | None
    username: str
    area_code: str | None
    saved_at: dt.datetime
    committed_at: dt.datetime | None
    upload_kept: bool
    upload_too_large: bool
    rejects_token: str | None
    rejects_kept: bool
    report: ImportReport


@dataclass(frozen=True)
class KeptTokens:
    """The tokens of a kept report and of its rejects file (None when no row was rejected)."""

    report: str
    rejects: str | None


@dataclass(frozen=True)
class KeptUpload:
    """A dry run's file handed out for its commit: its bytes, its name and the options it was checked with."""

    data: bytes
    filename: str
    options: dict[str, Any]


def valid_token(token: str | None) -> bool:
    """True when ``token`` looks like a token this store hands out (anything else finds nothing)."""
    return bool(token) and len(token) <= 64 and set(token) <= _TOKEN_CHARS


def prune(conn: Connection) -> None:
    """Delete the reports older than ``KEEP_SECONDS`` and clear the dry-run and rejects files that expired."""
    now = func.now()
    conn.execute(delete(_T).where(_T.c.created_at < now - dt.timedelta(seconds=KEEP_SECONDS)))
    conn.execute(
        update(_T)
        .where(_T.c.upload.is_not(None), _T.c.upload_expires_at <= now)
        .values(upload=None)  # its expiry stays: the page tells an expired file from one never kept
    )
    conn.execute(
        update(_T).where(_T.c.rejects.is_not(None), _T.c.rejects_expires_at <= now).values(rejects=None)
    )


def _small_file(path: Path | None) -> bytes | None:
    if path is None or not path.is_file() or path.stat().st_size > MAX_KEPT_BYTES:
        return None
    return path.read_bytes()


def keep_report(
    conn: Connection,
    report: ImportReport,
    principal: Principal,
    rejects: Path | None = None,
    rejects_name: str | None = None,
    upload: Path | None = None,
    options: dict[str, Any] | None = None,
) -> KeptTokens:
    """Keep an upload's report for the staff of ``principal``'s area (clearing what expired first); with the
    upload's ``rejects`` file (downloaded as ``rejects_name`` by its uploader) and, for a dry run, its ``upload``
    and ``options`` for the uploader to commit later."""
    prune(conn)
    token = secrets.token_urlsafe(18)
    data = report.to_json()
    data["rejects_file"] = None
    data["rejects_url"] = None
    rejects_data = _small_file(rejects)
    rejects_token = secrets.token_urlsafe(24) if rejects_data is not None else None
    upload_data = _small_file(upload) if report.dry_run else None
    now = dt.datetime.now(dt.UTC)
    conn.execute(
        _T.insert().values(
            token=token,
            area_code=principal.area_code,
            collection=report.collection,
            filename=report.file,
            dry_run=report.dry_run,
            owner_id=principal.user_id,
            username=principal.username or "",
            totals=report.counts,
            report=data,
            options=options or {},
            upload=upload_data,
            upload_expires_at=now + dt.timedelta(seconds=UPLOAD_KEEP_SECONDS)
            if upload_data is not None
            else None,
            rejects_token=rejects_token,
            rejects_filename=rejects_name if rejects_token else None,
            rejects=rejects_data,
            rejects_expires_at=now + dt.timedelta(seconds=REJECTS_KEEP_SECONDS) if rejects_token else None,
        )
    )
    return KeptTokens(token, rejects_token)


def _visible(principal: Principal):
    """The SQL condition of the reports ``principal`` may see (its area and the areas inside it)."""
    if principal.is_public:
        return false()
    if principal.area_code is None:
        return true()
    prefix = principal.area_prefix or area_prefix(principal.area_code)
    condition = _T.c.area_code.startswith(prefix, autoescape=True)
    if prefix.isdigit() and prefix.strip("9"):  # a range the index (area_code, created_at) reads
        upper = str(int(prefix) + 1).zfill(len(prefix))
        condition = and_(_T.c.area_code >= prefix, _T.c.area_code < upper, condition)
    return condition


def _fresh():
    return _T.c.created_at >= func.now() - dt.timedelta(seconds=KEEP_SECONDS)


def find_report(conn: Connection, token: str, principal: Principal) -> KeptReport:
    """The kept report of ``token`` if ``principal``'s area holds it; NotFound otherwise (or once expired)."""
    gone = NotFound(
        "no such import report: it expired, or it belongs to another area", key="import.report_gone"
    )
    if not valid_token(token):
        raise gone
    now = func.now()
    row = conn.execute(
        select(
            _T.c.token,
            _T.c.owner_id,
            _T.c.username,
            _T.c.area_code,
            _T.c.created_at,
            _T.c.committed_at,
            and_(_T.c.upload.is_not(None), _T.c.upload_expires_at > now).label("upload_kept"),
            _T.c.upload_expires_at,
            _T.c.rejects_token,
            and_(_T.c.rejects.is_not(None), _T.c.rejects_expires_at > now).label("rejects_kept"),
            _T.c.report,
        ).where(_T.c.token == token, _fresh())
    ).one_or_none()
    if row is None or not covers(principal, row.area_code):
        raise gone
    return KeptReport(
        row.token,
        row.owner_id,
        row.username,
        row.area_code,
        row.created_at,
        row.committed_at,
        bool(row.upload_kept),
        bool(row.report.get("dry_run")) and row.upload_expires_at is None,
        row.rejects_token,
        bool(row.rejects_kept),
        ImportReport.from_json(row.report),
    )


def must_upload_again(kept: KeptReport, principal: Principal) -> bool:
    """True when ``principal`` uploaded this dry run but its file was too large to keep: the commit uploads it again."""
    return kept.report.dry_run and kept.upload_too_large and kept.owner_id == principal.user_id


def can_commit(kept: KeptReport, principal: Principal) -> bool:
    """True when ``principal`` uploaded this dry run and its file is still kept (not committed, not expired)."""
    return kept.report.dry_run and kept.upload_kept and kept.owner_id == principal.user_id


def _upload_gone() -> NotFound:
    return NotFound(
        "the dry run's file is no longer kept (committed already, expired, or not yours): upload it again",
        key="import.upload_gone",
    )


def take_upload(conn: Connection, token: str, principal: Principal) -> KeptUpload:
    """Hand out, once, the file a dry run kept for ``principal`` (its uploader) to commit: the row is marked
    committed and its file cleared in the caller's transaction (two commits at once: one gets it). NotFound when there
    is none (another's upload, committed already, expired)."""
    if not valid_token(token) or principal.user_id is None:
        raise _upload_gone()
    row = conn.execute(
        select(_T.c.id, _T.c.filename, _T.c.options, _T.c.upload)
        .where(
            _T.c.token == token,
            _T.c.owner_id == principal.user_id,
            _T.c.dry_run,
            _T.c.upload.is_not(None),
            _T.c.upload_expires_at > func.now(),
            _fresh(),
        )
        .with_for_update()  # a second commit at once waits here, then finds the file gone
    ).one_or_none()
    if row is None:
        raise _upload_gone()
    conn.execute(update(_T).where(_T.c.id == row.id).values(upload=None, committed_at=func.now()))
    return KeptUpload(row.upload, row.filename, dict(row.options or {}))


def put_back_upload(conn: Connection, token: str, upload: KeptUpload) -> None:
    """Keep again a dry run's file ``take_upload`` handed out, when its import failed (it may be committed again)."""
    conn.execute(
        update(_T)
        .where(_T.c.token == token, _T.c.upload.is_(None))
        .values(upload=upload.data, committed_at=None)
    )


def list_reports(conn: Connection, principal: Principal, limit: int = 20) -> list[ReportEntry]:
    """The newest kept reports ``principal`` may reopen (its area's), at most ``limit``, newest first."""
    rows = conn.execute(
        select(
            _T.c.token,
            _T.c.owner_id,
            _T.c.username,
            _T.c.area_code,
            _T.c.created_at,
            _T.c.collection,
            _T.c.filename,
            _T.c.dry_run,
            _T.c.committed_at,
            _T.c.totals,
        )
        .where(_visible(principal), _fresh())
        .order_by(_T.c.created_at.desc(), _T.c.id.desc())
        .limit(limit)
    ).all()
    return [
        ReportEntry(
            r.token,
            r.owner_id,
            r.username,
            r.area_code,
            r.created_at,
            r.collection,
            r.filename,
            r.dry_run,
            r.committed_at,
            dict(r.totals or {}),
        )
        for r in rows
    ]
