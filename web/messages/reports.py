"""The catalogue's entries of the public problem reports: placing, duplicates, following, status page (issue 22): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {}
