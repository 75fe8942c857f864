"""The catalogue's entries of the crews' offline app (issue 21: service worker, area data, data as of): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {}
