"""Why a row is rejected, said once for every language: a ``RowReason`` is the English sentence (a ``str``, the
fallback when no catalogue is at hand) that also carries its catalogue key (``imports.reason.<key>`` in
web/messages/imports.py and web/messages/import_values.py), the parameters that fill it in and the field it
concerns, so the pages, the API and the command line say it in the operator's language (web/importing/reports.py
``reason_text``; Chinese by default) and point at the column. A row with several bad fields holds each as a part.

Reasons about a cell name the column as the file wrote it (``column``) and the value (``value``): ``value.<kind>``
when the cell cannot be read as registers write such values (geo/importing/values.py), ``cell.<kind>`` when the
value is read but the field refuses it (pydantic's error types, never its English). Notes on accepted rows are
RowReasons too (``note.<key>``)."""

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


_RULES = (  # a model's own rules (GraveFields) by what their message says → key
    ("needs cemetery_id", "rule.grave_needs_cemetery", "cemetery_id"),
    ("has no cemetery_id", "rule.scattered_in_cemetery", "cemetery_id"),
    ("disposition 'moved'", "rule.moved_needs_target", "moved_to_grave_id"),
)


def _shown(value: Any) -> str:
    """A cell's value as a reason quotes it (long text cut)."""
    text = "" if value is None else str(value).strip()
    return text if len(text) <= 60 else text[:57] + "…"


def value_reason(kind: str, column: str, field: str, value: Any, **params: Any) -> RowReason:
    """The reason of a cell that cannot be read as a ``kind`` (geo/importing/values.py NotUnderstood): it names
    the ``column`` as the file wrote it, the ``value``, and (in the catalogue) what would be accepted."""
    key = f"value.{kind}"
    if kind == "choice" and params.get("vocabulary"):
        key = f"value.choice.{params['vocabulary']}"
    shown = _shown(value)
    return RowReason(
        f"{column}: {shown!r} is not understood ({kind})",
        key,
        {"column": column, "value": shown, **params},
        field,
    )


def validation_reason(
    exc: ValidationError, headers: Mapping[str, str] | None = None, row: Mapping[str, Any] | None = None
) -> RowReason:
    """The reason of a row whose fields pydantic refused: one part per bad field, each with its field and kind.
    With the file's ``headers`` (field → column) and its ``row`` (column → cell), each part names the column and
    the value (``cell.<kind>``)."""
    parts = []
    for err in exc.errors():
        loc = ".".join(map(str, err["loc"])) or "row"
        field = str(err["loc"][0]) if err["loc"] else None
        ctx = {k: _plain(v) for k, v in (err.get("ctx") or {}).items()}
        ctx.pop("error", None)
        key = _PYDANTIC.get(err["type"], "field.invalid")
        rule = next((r for r in _RULES if r[0] in str(err.get("msg", ""))), None) if field is None else None
        column = (headers or {}).get(field) if field else None
        if rule is not None:
            parts.append(RowReason(f"{loc}: {err['msg']}", rule[1], {"field": rule[2]}, rule[2]))
        elif column is not None:
            value = _shown((row or {}).get(column))
            cell = "cell." + key.split(".", 1)[1]
            message = f"{column}: {value!r}: {err['msg']}"
            parts.append(
                RowReason(message, cell, {"field": field, "column": column, "value": value, **ctx}, field)
            )
        else:
            parts.append(RowReason(f"{loc}: {err['msg']}", key, {"field": field, **ctx}, field))
    message = "; ".join(parts)
    if len(parts) == 1:
        return parts[0]
    return RowReason(message, None, None, None, tuple(parts))


def note(message: str, key: str, field: str | None = None, **params: Any) -> RowReason:
    """A note on an accepted row (a fix made, the key it matched): like a reason, keyed ``note.<key>``."""
    return RowReason(message, f"note.{key}", params, field)
