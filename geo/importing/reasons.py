"""Why a row is rejected, said once for every language: a ``RowReason`` is the English sentence (a ``str``, as the
command line, the rejects file and the API's ``reason`` have always shown it) that also carries its catalogue key
(``imports.reason.<key>`` in web/messages/imports.py), the parameters that fill it in and the field it concerns, so
pages say it in their own language and point at the column. A row with several bad fields holds each as a part."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from geo.errors import DomainError, InvalidInput

# pydantic's error types → our keys (the rest: "field.invalid")
_PYDANTIC = {
    "missing": "field.missing",
    "string_too_long": "field.too_long",
    "string_too_short": "field.empty",
    "string_pattern_mismatch": "field.pattern",
    "literal_error": "field.choice",
    "enum": "field.choice",
    "int_parsing": "field.integer",
    "int_from_float": "field.integer",
    "int_type": "field.integer",
    "float_parsing": "field.number",
    "float_type": "field.number",
    "decimal_parsing": "field.number",
    "bool_parsing": "field.yes_no",
    "bool_type": "field.yes_no",
    "date_parsing": "field.date",
    "date_from_datetime_parsing": "field.date",
    "date_from_datetime_inexact": "field.date",
    "date_type": "field.date",
    "greater_than_equal": "field.min",
    "greater_than": "field.min_exclusive",
    "less_than_equal": "field.max",
    "less_than": "field.max_exclusive",
    "extra_forbidden": "field.unknown",
}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class RowReason(str):
    """A rejected row's reason: the English text, with its key, parameters (JSON values), field and parts."""

    key: str | None
    params: dict[str, Any]
    field: str | None
    parts: tuple[RowReason, ...]

    def __new__(
        cls,
        message: str,
        key: str | None = None,
        params: Mapping[str, Any] | None = None,
        field: str | None = None,
        parts: tuple[RowReason, ...] = (),
    ) -> RowReason:
        """The reason ``message`` (English) said by ``key`` with ``params``, about ``field`` (or made of ``parts``)."""
        self = super().__new__(cls, message)
        self.key = key
        self.params = {k: _plain(v) for k, v in (params or {}).items()}
        self.field = field if field is not None else (parts[0].field if parts else None)
        self.parts = tuple(parts)
        return self

    def to_json(self) -> dict[str, Any]:
        """The reason as JSON-ready data (kept with a stored report, read back by ``from_json``)."""
        out: dict[str, Any] = {"message": str(self)}
        if self.key:
            out["key"] = self.key
        if self.params:
            out["params"] = self.params
        if self.field:
            out["field"] = self.field
        if self.parts:
            out["parts"] = [p.to_json() for p in self.parts]
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RowReason:
        """The reason ``to_json`` wrote."""
        parts = tuple(cls.from_json(p) for p in data.get("parts", ()))
        return cls(data["message"], data.get("key"), data.get("params"), data.get("field"), parts)


def reason(message: str, key: str, field: str | None = None, **params: Any) -> RowReason:
    """A row's reason: ``message`` in English, ``key`` and ``params`` for the catalogue, the ``field`` concerned."""
    return RowReason(message, key, params, field)


def rejected(message: str, key: str, field: str | None = None, **params: Any) -> InvalidInput:
    """The InvalidInput a row check raises, carrying its reason (``row_reason`` reads it back)."""
    exc = InvalidInput(message)
    exc.row_reason = reason(message, key, field, **params)  # type: ignore[attr-defined]
    return exc


def row_reason(exc: DomainError) -> RowReason:
    """The reason a row check's error gives (an error raised without one keeps only its English text)."""
    found = getattr(exc, "row_reason", None)
    return found if isinstance(found, RowReason) else RowReason(exc.message)


def validation_reason(exc: ValidationError) -> RowReason:
    """The reason of a row whose fields pydantic refused: one part per bad field, each with its field and kind."""
    parts = []
    for err in exc.errors():
        loc = ".".join(map(str, err["loc"])) or "row"
        field = str(err["loc"][0]) if err["loc"] else None
        ctx = {k: _plain(v) for k, v in (err.get("ctx") or {}).items()}
        ctx.pop("error", None)
        key = _PYDANTIC.get(err["type"], "field.invalid")
        parts.append(RowReason(f"{loc}: {err['msg']}", key, {"field": field, **ctx}, field))
    message = "; ".join(parts)
    if len(parts) == 1:
        return parts[0]
    return RowReason(message, None, None, None, tuple(parts))
