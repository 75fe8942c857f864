"""Hostile uploads made cheaply, and the memory a fresh interpreter needs to handle them.

The files are written without ever holding what they expand to: a PNG whose pixels take far more memory than its
bytes (its rows deflated as they are made), a large JPEG of one colour, a zip whose member inflates to a GiB of
zeros. ``peak_growth`` runs code in a new interpreter of the project and reports how far its peak resident memory
(VmHWM of /proc/self/status) grew while the code ran: the measure of what one request would cost a server, free
of what the test process has already allocated. (Not ``ru_maxrss``: Linux carries the parent's peak into it
across fork and exec.)
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path
from typing import Any

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
_CHUNK = MIB


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def blank_png(width: int, height: int, rgba: bool = True) -> bytes:
    """A valid PNG of ``width`` x ``height`` transparent (RGBA) or black (RGB) pixels; it decompresses to
    width x height x 4 (or 3) bytes but is only about a thousandth of that (7070 x 7070 RGBA: about 190 KB)."""
    bands, colour_type = (4, 6) if rgba else (3, 2)
    row = bytes(1 + width * bands)  # filter byte 0, then the row's zeros
    deflate = zlib.compressobj(9)
    parts = [deflate.compress(row) for _ in range(height)]
    parts.append(deflate.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def flat_jpeg(width: int, height: int, path: Path) -> Path:
    """A JPEG of one colour (a few hundred KB for tens of megapixels), written to ``path``."""
    Image.new("RGB", (width, height), (90, 110, 70)).save(path, "JPEG", quality=85)
    return path


def zero_zip(
    path: Path, member: str = "upload.dbf", size: int = 1024 * MIB, others: dict | None = None
) -> Path:
    """A zip holding ``member``, ``size`` bytes of zeros deflated (1 GiB: a zip of about 1 MB), and ``others``
    (name → bytes) beside it; written a MiB at a time."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (others or {}).items():
            z.writestr(name, data)
        with z.open(member, "w", force_zip64=True) as out:
            zeros = bytes(_CHUNK)
            left = size
            while left > 0:
                out.write(zeros[: min(left, _CHUNK)])
                left -= _CHUNK
    return path


_RUNNER = """
import json, sys
sys.path.insert(0, {root!r})


def peak_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


{setup}
before = peak_kib()
try:
    outcome = {{"value": ({call})}}
except Exception as exc:  # a refusal is an outcome too
    outcome = {{"error": type(exc).__name__, "key": getattr(exc, "key", None),
               "message": getattr(exc, "message", str(exc))}}
after = peak_kib()
print(json.dumps({{"growth_mib": (after - before) / 1024, "outcome": outcome}}, default=str))
"""


def peak_growth(setup: str, call: str, timeout: float = 300) -> tuple[float, dict[str, Any]]:
    """Run ``setup`` (statements: imports, reading files) and then the expression ``call`` in a fresh interpreter
    of the project; returns how many MiB its peak resident memory grew while ``call`` ran, and the outcome:
    ``{"value": ...}`` or ``{"error": class name, "key": catalogue key, "message": ...}``."""
    script = _RUNNER.format(root=str(ROOT), setup=textwrap.dedent(setup), call=call)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return found["growth_mib"], found["outcome"]
