"""Byte counts written as people read them, the same in every language (units are not translated)."""

from __future__ import annotations

from geo.settings import MIB

GIB = 1024 * MIB


def size_text(n: int) -> str:
    """A byte count in the largest unit it reaches, to a tenth: "1.0 GiB", "190.7 MiB", "4.0 KiB", "300 B"."""
    if n >= GIB:
        return f"{n / GIB:.1f} GiB"
    if n >= MIB:
        return f"{n / MIB:.1f} MiB"
    return f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n} B"
