"""Rejects files of uploads, kept for their uploader to download: the upload's rejected rows (the file the command
line writes beside its input), kept with the upload's report in the database (``import_reports.rejects``,
geo/importing/report_store.py ``keep_report``) under a random token of their own, for
``report_store.REJECTS_KEEP_SECONDS``; anyone else, or a token that expired, finds nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from geo.errors import NotFound
from geo.importing.report_store import valid_token
from geo.models import ImportReport as ReportRow

_T = ReportRow.__table__


@dataclass(frozen=True)
class KeptRejects:
    """A kept rejects file: its content and the name to download it as."""

    data: bytes
    filename: str


def find_rejects(conn: Connection, token: str, owner_id: int | None) -> KeptRejects:
    """The rejects file of ``token`` if ``owner_id`` uploaded it and it is still kept; NotFound otherwise."""
    gone = NotFound("no such rejects file: it expired, or it is not yours (upload the file again to get one)")
    if not valid_token(token) or owner_id is None:
        raise gone
    row = conn.execute(
        select(_T.c.rejects, _T.c.rejects_filename).where(
            _T.c.rejects_token == token,
            _T.c.owner_id == owner_id,
            _T.c.rejects.is_not(None),
            _T.c.rejects_expires_at > func.now(),
        )
    ).one_or_none()
    if row is None:
        raise gone
    return KeptRejects(row.rejects, row.rejects_filename or "rejects.csv")
