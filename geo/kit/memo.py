"""Answers computed once per key, refusals included."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
E = TypeVar("E", bound=Exception)


def remembered(memo: dict[Hashable, T | E], key: Hashable, compute: Callable[[], T], refused: type[E]) -> T:
    """``compute()``'s answer for ``key``, computed once; a refusal (``refused``) is kept and raised again too."""
    found = memo.get(key)
    if found is None:
        try:
            found = compute()
        except refused as exc:
            found = exc
        memo[key] = found
    if isinstance(found, refused):
        raise found
    return found
