"""The catalogue's entries of reading registers as bureaus keep them: Chinese values, places by name, natural keys (issue 23): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {}
