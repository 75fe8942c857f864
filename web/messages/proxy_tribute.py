"""The catalogue's entries of proxy tribute (代祭扫): the public request, its follow page and its staff handling (issue 22): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {}
