"""Rendered pages kept in memory under the data versions they were built from.

The overview map of a province costs a few hundred milliseconds of server time to build (reading every embedded
point, the compact tables, Folium's render), the same for every visitor until the data change. A page is kept
under a key that names everything it depends on: the caller's role (what the popups may show), the request's
choices (language, basemap) and the data versions of the tables it reads (``data_versions``, raised by a trigger
on every write), so a write makes the next request build afresh and nothing stale is served. Per-response parts
(the CSP nonce, the language switch) are added by middleware after the route, so they are never cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

DEFAULT_MAX_CHARS = 64 * 1024 * 1024


class PageCache:
    """A thread-safe LRU of rendered pages, bounded by their total length (characters); a page built from newer
    data drops every page built from other data at once, rather than leaving them to be evicted."""

    def __init__(self, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self.max_chars = max_chars
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._chars = 0
        self._data: Hashable = None
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_build(self, key: Hashable, build: Callable[[], str], data: Hashable = None) -> str:
        """The page kept under ``key`` (which names ``data``, the versions it is built from), else ``build()``'s,
        kept when it fits (built outside the lock)."""
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
                self.hits += 1
                return page
            self.misses += 1
        page = build()
        size = len(page)
        if size <= self.max_chars:
            with self._lock:
                if data != self._data:
                    self._pages.clear()
                    self._chars = 0
                    self._data = data
                if key not in self._pages:
                    self._pages[key] = page
                    self._chars += size
                while self._chars > self.max_chars:
                    _, dropped = self._pages.popitem(last=False)
                    self._chars -= len(dropped)
        return page

    def __len__(self) -> int:
        return len(self._pages)
