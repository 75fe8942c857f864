"""The catalogue's entries of the crews' outbox, work orders on the phone and merged site edits (issue 21): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {}
