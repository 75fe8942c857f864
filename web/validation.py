"""What the framework's request validation refuses, said in the caller's language: one sentence per field (named as
the request names it), from the catalogue (web/messages/validation.py) keyed by pydantic's error type, never
pydantic's English."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from web.i18n import t

_SKIPPED = frozenset({"body", "query", "path", "header", "cookie", "form"})


def field_label(loc: Iterable[object]) -> str:
    """The refused field as the request names it (``limit``, ``properties.name``): what the caller sent, so a
    program's author and a person at a form both find it; "" for the request as a whole."""
    return ".".join(str(part) for part in loc if str(part) not in _SKIPPED)


def reason_text(error: Mapping, lang: str) -> str:
    """Why one field was refused, in ``lang``."""
    kind = str(error.get("type", ""))
    context = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    template = t(f"validation.{kind}", lang, default="") or t("validation.other", lang)
    try:
        return template.format(**context)
    except (KeyError, IndexError, ValueError):
        return t("validation.other", lang)


def validation_text(errors: Iterable[Mapping], lang: str) -> str:
    """Every refused field with its reason, in ``lang``, as one text ("“limit”：不能大于 1000；…")."""
    parts = []
    for error in errors:
        field = field_label(error.get("loc", ())) or t("validation.request", lang)
        part = t("validation.field", lang).format(field=field, reason=reason_text(error, lang))
        if part not in parts:
            parts.append(part)
    return ("；" if lang == "zh" else "; ").join(parts)
