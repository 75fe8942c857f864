"""Labels of the staff moderation pages (key -> (zh, en)), merged into web/i18n.py's catalogue."""

MESSAGES: dict[str, tuple[str, str]] = {}
