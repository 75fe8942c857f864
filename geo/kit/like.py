"""SQL LIKE patterns from user text and area prefixes: ``%``, ``_`` and the escape character matched literally."""

from __future__ import annotations


def escape_like(text: str) -> str:
    """``text`` with LIKE's wildcards and backslash escaped (PostgreSQL's default escape character)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def starts_with(prefix: str) -> str:
    """A LIKE pattern matching every string that begins with ``prefix`` (area codes under an area, say)."""
    return escape_like(prefix) + "%"
