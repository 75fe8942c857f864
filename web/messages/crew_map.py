"""The catalogue's entries of the crews' task map and navigation (issue 21): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {}
