"""Where a page of a long staff list sits among its matches: counts and the links to the pages either side."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Paging:
    """Where this page sits among the matching rows."""

    total: int
    first: int
    last: int
    page: int
    pages: int
    prev_href: str | None
    next_href: str | None


def paging(url: Callable[[int], str], page: int, page_size: int, total: int, shown: int) -> Paging:
    """The paging of page ``page`` (``shown`` rows of ``page_size``) among ``total``; ``url(n)`` links page n."""
    pages = max(1, -(-total // page_size))
    offset = (page - 1) * page_size
    return Paging(
        total=total,
        first=offset + 1 if shown else 0,
        last=offset + shown,
        page=page,
        pages=pages,
        prev_href=url(page - 1) if page > 1 else None,
        next_href=url(page + 1) if page < pages else None,
    )
