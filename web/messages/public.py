"""The catalogue's entries of the public pages' frame, search, martyrs and shared public labels (issue 22): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {}
