"""Zip archives opened safely: the directory checked before anything is inflated, members streamed to disk under a
hard cap.

A zip says in its central directory how many members it has and how large each is, compressed and not. Those
numbers are checked first, with nothing inflated (``check_zip``): too many members, more bytes in all than
``ZipLimits.max_bytes``, a large member that inflates more than ``max_ratio`` times its compressed size (a
zip bomb: a GiB of zeros deflates to about a MB), an encrypted member, or a name that would leave the folder
it is extracted to (absolute, ``..``) is refused before a byte is written. ``extract_zip`` then copies the members
to a folder a MiB at a time, counting the bytes actually written against the same cap, since the directory's
sizes are the sender's word (Python's zipfile stops a member at its declared size and fails its checksum when the
data goes on: a damaged member, refused as such). Memory stays at one buffer whatever the archive holds.

Refusals are PayloadTooLarge (sizes, ratio, count) or InvalidInput (not a zip, damaged, encrypted, unsafe name),
with a message catalogue key (``archive.*``); they name the member at fault, never a path on the server.
"""

from __future__ import annotations

import contextlib
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from geo.errors import InvalidInput, PayloadTooLarge
from geo.kit.sizes import size_text
from geo.settings import MIB

_BUFFER = MIB


@dataclass(frozen=True)
class ZipLimits:
    """What a zip may hold: members, bytes once inflated (declared and written, all members together), and the
    inflation ratio of a member larger than ``ratio_from_bytes``."""

    max_members: int = 1000
    max_bytes: int = 512 * MIB
    max_ratio: float = 400.0
    ratio_from_bytes: int = 32 * MIB


IMPORT_LIMITS = ZipLimits()
"""A register file (zipped Shapefile, Excel workbook): no more inside than the 512 MiB an upload may have."""
ROAD_LIMITS = ZipLimits(max_bytes=4096 * MIB)
"""A zipped road network: a province's roads take a few GiB of Shapefile."""


def _sizes(size: int, limit: int) -> dict[str, object]:
    return {"size": size, "size_text": size_text(size), "limit": limit, "limit_text": size_text(limit)}


def _member_path(name: str) -> PurePosixPath:
    """The relative path a member is extracted to; InvalidInput when its name would leave the folder."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts or ":" in path.parts[0]:
        raise InvalidInput(
            f"the zip holds a file named {name[:80]!r}, which points outside the archive",
            key="archive.unsafe_name",
            params={"member": name[:80]},
        )
    return path


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise InvalidInput(
            f"{path.name} is not a valid zip file", key="archive.not_zip", params={"name": path.name}
        ) from None


def _check_members(members: list[zipfile.ZipInfo], limits: ZipLimits) -> None:
    if len(members) > limits.max_members:
        raise PayloadTooLarge(
            f"the zip holds {len(members)} files, more than {limits.max_members}",
            key="archive.too_many_members",
            params={"count": len(members), "limit": limits.max_members},
        )
    total = 0
    for info in members:
        _member_path(info.filename)
        if info.flag_bits & 0x1:
            raise InvalidInput(
                f"{info.filename[:80]} in the zip is encrypted: send it without a password",
                key="archive.encrypted",
                params={"member": info.filename[:80]},
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_from_bytes and ratio > limits.max_ratio:
            raise PayloadTooLarge(
                f"{info.filename[:80]} in the zip inflates {ratio:.0f} times ({size_text(info.compress_size)} to "
                f"{size_text(info.file_size)}), more than {limits.max_ratio:.0f} times: a zip bomb, not data",
                key="archive.ratio",
                params={
                    "member": info.filename[:80],
                    "ratio": f"{ratio:.0f}",
                    "limit": f"{limits.max_ratio:.0f}",
                    "compressed_text": size_text(info.compress_size),
                    "size_text": size_text(info.file_size),
                },
            )
        total += info.file_size
        if total > limits.max_bytes:
            raise PayloadTooLarge(
                f"the zip's files take {size_text(total)} or more once unzipped ({info.filename[:80]} among them), "
                f"over the limit of {size_text(limits.max_bytes)}",
                key="archive.too_large",
                params={"member": info.filename[:80], **_sizes(total, limits.max_bytes)},
            )


def check_zip(
    path: Path, limits: ZipLimits = IMPORT_LIMITS, wanted: Callable[[str], bool] | None = None
) -> list[zipfile.ZipInfo]:
    """The members of a zip (those ``wanted`` by name, when given), checked from its directory alone against
    ``limits``; nothing is inflated. InvalidInput or PayloadTooLarge naming the member at fault."""
    with _open_zip(path) as archive:
        members = [i for i in archive.infolist() if not i.is_dir() and (wanted is None or wanted(i.filename))]
    _check_members(members, limits)
    return members


def copy_capped(source: BinaryIO, target: Path, room: int, name: str, limits: ZipLimits) -> int:
    """Copy ``source`` to the file ``target`` a MiB at a time; the bytes written, at most ``room``: beyond it
    PayloadTooLarge (the file is left cut short, for the caller's temporary folder to take away)."""
    written = 0
    with target.open("wb") as out:
        while chunk := source.read(_BUFFER):
            written += len(chunk)
            if written > room:
                raise PayloadTooLarge(
                    f"{name[:80]} in the zip unzips to more than its directory declares, past the limit of "
                    f"{size_text(limits.max_bytes)}",
                    key="archive.written_over",
                    params={"member": name[:80], "limit_text": size_text(limits.max_bytes)},
                )
            out.write(chunk)
    return written


def extract_zip(
    path: Path, folder: Path, limits: ZipLimits = IMPORT_LIMITS, wanted: Callable[[str], bool] | None = None
) -> list[Path]:
    """Extract the members of a zip (those ``wanted`` by name) into ``folder``, keeping their folders, after
    ``check_zip``; the bytes written count against ``limits.max_bytes``. The extracted files' paths."""
    members = check_zip(path, limits, wanted)
    room = limits.max_bytes
    written: list[Path] = []
    with _open_zip(path) as archive:
        for info in members:
            target = folder.joinpath(*_member_path(info.filename).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as source:
                    room -= copy_capped(source, target, room, info.filename, limits)
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
                raise InvalidInput(
                    f"{info.filename[:80]} in the zip is damaged and cannot be unzipped",
                    key="archive.damaged",
                    params={"member": info.filename[:80]},
                ) from None
            written.append(target)
    return written


SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qpj")
"""The files of a Shapefile a zip is unpacked for (anything else in it stays zipped)."""


def is_shapefile_part(name: str) -> bool:
    """Whether a member's name is one of a Shapefile's files (by its ending, any case)."""
    return name.lower().endswith(SHAPEFILE_PARTS)


def shapefile_folder(folder: Path) -> Path:
    """Where the Shapefiles of an extracted zip are: its root when it has any, else its one folder that has some
    (a zip made by compressing a folder); InvalidInput when there are none, or several folders of them."""
    holding = sorted({p.parent for p in folder.rglob("*") if p.suffix.lower() == ".shp"})
    if folder in holding:
        return folder
    if len(holding) == 1:
        return holding[0]
    if not holding:
        raise InvalidInput(
            "the zip holds no Shapefile (.shp with its .shx and .dbf)", key="archive.no_shapefile"
        )
    names = ", ".join(p.relative_to(folder).as_posix() for p in holding[:5])
    raise InvalidInput(
        f"the zip holds Shapefiles in several folders ({names}): zip one folder's",
        key="archive.several_folders",
        params={"folders": names},
    )


@contextlib.contextmanager
def unzipped_shapefiles(path: Path, limits: ZipLimits = IMPORT_LIMITS) -> Iterator[Path]:
    """The Shapefile parts of a zip unzipped to a temporary folder (removed afterwards) after ``check_zip``, a
    MiB at a time under ``limits``; yields the folder that holds the .shp files (``shapefile_folder``)."""
    with tempfile.TemporaryDirectory(prefix="vetmap-unzip-") as tmp:
        extract_zip(path, Path(tmp), limits, wanted=is_shapefile_part)
        yield shapefile_folder(Path(tmp))
