"""Rejects files of uploads, kept for their uploader to download: the upload's rejected rows (the file the command
line writes beside its input) moved into ``<var_dir>/import-rejects`` under a random token, with the uploader's
account id beside it. Kept ``KEEP_SECONDS`` and at most ``KEEP_FILES`` (the oldest go first); anyone else, or a
token that expired, finds nothing."""

from __future__ import annotations

import json
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from geo.errors import NotFound

KEEP_SECONDS = 24 * 3600
"""How long a rejects file is kept after its upload (seconds)."""
KEEP_FILES = 200
"""How many rejects files are kept at most (all uploaders together)."""
FOLDER = "import-rejects"
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


@dataclass(frozen=True)
class KeptRejects:
    """A kept rejects file: where it is and the name to download it as."""

    path: Path
    filename: str


def _meta(folder: Path, token: str) -> Path:
    return folder / f"{token}.json"


def _prune(folder: Path, now: float) -> None:
    metas = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for i, meta in enumerate(metas):
        if i >= KEEP_FILES - 1 or now - meta.stat().st_mtime > KEEP_SECONDS:  # room for the one being added
            for f in folder.glob(f"{meta.stem}.*"):
                f.unlink(missing_ok=True)


def keep_rejects(var_dir: Path, rejects: Path, owner_id: int | None, filename: str) -> str:
    """Move a rejects file into the store for ``owner_id``; returns its token (prunes old files first)."""
    folder = Path(var_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    _prune(folder, time.time())
    token = secrets.token_urlsafe(24)
    shutil.move(rejects, folder / f"{token}.data")
    meta = {"owner": owner_id, "filename": filename}
    _meta(folder, token).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def find_rejects(var_dir: Path, token: str, owner_id: int | None) -> KeptRejects:
    """The rejects file of ``token`` if ``owner_id`` uploaded it and it is still kept; NotFound otherwise."""
    folder = Path(var_dir) / FOLDER
    gone = NotFound("no such rejects file: it expired, or it is not yours (upload the file again to get one)")
    if not token or not set(token) <= _TOKEN_CHARS or owner_id is None:
        raise gone
    meta_path = _meta(folder, token)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        age = time.time() - meta_path.stat().st_mtime
    except (OSError, ValueError):
        raise gone from None
    data = folder / f"{token}.data"
    if meta.get("owner") != owner_id or age > KEEP_SECONDS or not data.is_file():
        raise gone
    return KeptRejects(data, meta["filename"])
