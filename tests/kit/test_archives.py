"""Zip archives (issue 18): the directory checked before anything is inflated (count, total, ratio, names,
encryption), members streamed to disk under a cap counted on the bytes written, lying sizes refused as damage."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path

import pytest

from geo.errors import InvalidInput, PayloadTooLarge
from geo.kit.archives import (
    IMPORT_LIMITS,
    ZipLimits,
    check_zip,
    copy_capped,
    extract_zip,
    unzipped_shapefiles,
)
from tests.hostile_files import MIB, peak_growth, zero_zip

SMALL = ZipLimits(max_members=5, max_bytes=MIB, max_ratio=50, ratio_from_bytes=64 * 1024)


def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_a_zip_bomb_is_refused_from_its_directory_naming_the_member(tmp_path):
    bomb = zero_zip(tmp_path / "bomb.zip", "upload.dbf", 64 * MIB)
    assert bomb.stat().st_size < 200_000
    with pytest.raises(PayloadTooLarge) as refused:
        extract_zip(bomb, tmp_path / "out")
    assert refused.value.key == "archive.ratio" and "upload.dbf" in refused.value.message
    assert not (tmp_path / "out").exists()  # nothing written


def test_the_unzipped_total_is_capped_from_the_directory(tmp_path):
    archive = _zip(tmp_path / "a.zip", {"a.dbf": os.urandom(600_000), "b.dbf": os.urandom(600_000)})
    with pytest.raises(PayloadTooLarge) as refused:
        check_zip(archive, SMALL)
    assert refused.value.key == "archive.too_large" and "b.dbf" in refused.value.message
    assert check_zip(archive, SMALL, wanted=lambda name: name == "a.dbf")[0].filename == "a.dbf"


def test_too_many_members_are_refused(tmp_path):
    archive = _zip(tmp_path / "many.zip", {f"f{i}.txt": b"x" for i in range(6)})
    with pytest.raises(PayloadTooLarge, match="6 files, more than 5"):
        check_zip(archive, SMALL)


@pytest.mark.parametrize("name", ["../escape.shp", "/etc/escape.shp", "a/../../escape.shp", "C:/escape.shp"])
def test_a_name_that_leaves_the_folder_is_refused(tmp_path, name):
    archive = _zip(tmp_path / "evil.zip", {"ok.shp": b"x", name: b"y"})
    with pytest.raises(InvalidInput) as refused:
        extract_zip(archive, tmp_path / "out")
    assert refused.value.key == "archive.unsafe_name"
    assert not (tmp_path / "escape.shp").exists() and not (tmp_path / "out").exists()


def test_not_a_zip_is_invalid_input(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 broken zip")
    with pytest.raises(InvalidInput, match="not a valid zip") as refused:
        check_zip(junk)
    assert refused.value.key == "archive.not_zip"


def test_a_member_larger_than_its_directory_says_is_refused_as_damaged(tmp_path):
    """The central directory and the local header claim 1000 bytes; the data inflates to 2 MiB."""
    data = bytearray(_zip(tmp_path / "honest.zip", {"a.dbf": bytes(2 * MIB)}).read_bytes())
    struct.pack_into("<I", data, 22, 1000)  # the local header's uncompressed size
    struct.pack_into("<I", data, data.rfind(b"PK\x01\x02") + 24, 1000)  # the directory's
    liar = tmp_path / "liar.zip"
    liar.write_bytes(bytes(data))
    with pytest.raises(InvalidInput) as refused:
        extract_zip(liar, tmp_path / "out")
    assert refused.value.key == "archive.damaged" and "a.dbf" in refused.value.message
    assert (tmp_path / "out" / "a.dbf").stat().st_size <= 1000


def test_the_bytes_written_are_counted_whatever_was_declared(tmp_path):
    target = tmp_path / "copy.bin"
    with pytest.raises(PayloadTooLarge) as refused:
        copy_capped(io.BytesIO(bytes(3 * MIB)), target, MIB + 5, "x.dbf", IMPORT_LIMITS)
    assert refused.value.key == "archive.written_over"
    assert target.stat().st_size <= MIB + 5
    assert copy_capped(io.BytesIO(b"abc"), target, 3, "x.dbf", IMPORT_LIMITS) == 3


def test_extraction_keeps_folders_and_only_the_wanted_members(tmp_path):
    archive = _zip(tmp_path / "a.zip", {"roads/r.shp": b"shp", "roads/r.dbf": b"dbf", "readme.pdf": b"pdf"})
    written = extract_zip(archive, tmp_path / "out", wanted=lambda name: not name.endswith(".pdf"))
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in written) == [
        "roads/r.dbf",
        "roads/r.shp",
    ]
    assert (tmp_path / "out" / "roads" / "r.shp").read_bytes() == b"shp"


def test_extracting_a_large_member_takes_a_bounded_memory(tmp_path):
    big = zero_zip(tmp_path / "big.zip", "a.dbf", 200 * MIB)
    setup = """
from pathlib import Path
from geo.kit.archives import ZipLimits, extract_zip
limits = ZipLimits(max_ratio=10_000)
"""
    growth, outcome = peak_growth(
        setup, f"len(extract_zip(Path({str(big)!r}), Path({str(tmp_path / 'out')!r}), limits))"
    )
    assert outcome == {"value": 1} and (tmp_path / "out" / "a.dbf").stat().st_size == 200 * MIB
    assert growth < 16, f"extracting grew the peak memory by {growth:.0f} MiB"


def test_the_shapefiles_are_found_at_the_root_or_in_the_one_folder_that_has_them(tmp_path):
    nested = _zip(tmp_path / "n.zip", {"登记表/a.shp": b"s", "登记表/a.dbf": b"d", "readme.txt": b"r"})
    with unzipped_shapefiles(nested) as folder:
        assert folder.name == "登记表" and sorted(p.name for p in folder.iterdir()) == ["a.dbf", "a.shp"]
    two = _zip(tmp_path / "two.zip", {"x/a.shp": b"s", "y/b.shp": b"s"})
    with pytest.raises(InvalidInput, match="several folders") as refused, unzipped_shapefiles(two):
        pass
    assert refused.value.key == "archive.several_folders"
    with (
        pytest.raises(InvalidInput) as refused,
        unzipped_shapefiles(_zip(tmp_path / "none.zip", {"a.txt": b"x"})),
    ):
        pass
    assert refused.value.key == "archive.no_shapefile"
