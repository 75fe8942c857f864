"""The catalogue's entries of the public site pages: photos, address, directions, nearby, tribute block (issue 22): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {}
