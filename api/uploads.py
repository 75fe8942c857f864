"""Multipart upload forms, read only once the caller's rights have been checked (issue 18).

FastAPI reads a route's ``File``/``Form`` parameters (spooling the files to disk) before any dependency runs, so
an upload declared that way was read in full before its 401 or 403. Upload routes declare no body parameter
instead: the dependency ``form_reader(...)`` depends on the route's ``require`` check and only then reads the
form, so an anonymous caller, or a role without the right, is refused before a byte of the body is read. The
form's fields are validated by a pydantic model (a 422 like any validation error); its files are handed on
unread. ``multipart_body`` declares the same form in the OpenAPI document.
"""

# no `from __future__ import annotations`: the dependency made in form_reader names its local check in its
# signature, which FastAPI must see as an object, not a string
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from geo.errors import InvalidInput
from geo.principal import Principal

FieldsT = TypeVar("FieldsT", bound=BaseModel)

MAX_EXTRA_FIELDS = 16
"""Form fields beyond the model's that a form may carry (ignored, as FastAPI ignored them)."""


@dataclass(frozen=True)
class UploadForm(Generic[FieldsT]):
    """A multipart form read after the rights check: its validated fields and its files, by field name."""

    fields: FieldsT
    files: dict[str, UploadFile]


def _field_values(form: FormData) -> dict[str, Any]:
    """The text fields of a form, the last value of each; an empty value counts as absent (as in FastAPI)."""
    values: dict[str, Any] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            if value == "":
                values.pop(name, None)
            else:
                values[name] = value
    return values


def _validated(model: type[FieldsT], form: FormData, files: tuple[str, ...]) -> UploadForm[FieldsT]:
    errors: list[dict[str, Any]] = []
    found: dict[str, UploadFile] = {}
    for name in files:
        value = form.get(name)
        if isinstance(value, UploadFile):
            found[name] = value
        elif value is None or value == "":
            errors.append({"type": "missing", "loc": ("body", name), "msg": "Field required", "input": None})
        else:
            errors.append(
                {"type": "value_error", "loc": ("body", name), "msg": "Expected a file", "input": None}
            )
    fields = None
    try:
        fields = model.model_validate(_field_values(form))
    except ValidationError as exc:
        errors.extend({**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False))
    if errors or fields is None:
        raise RequestValidationError(errors)
    return UploadForm(fields, found)


def form_reader(
    model: type[FieldsT], files: tuple[str, ...], check: Callable[..., Any]
) -> Callable[..., AsyncIterator[UploadForm[FieldsT]]]:
    """A dependency that reads the multipart form once ``check`` (a ``require(...)`` dependency) has passed:
    ``model`` validates its text fields, ``files`` names its file fields (each required, one file each)."""

    async def read(request: Request, _: Annotated[Principal, Depends(check)]) -> AsyncIterator[UploadForm]:
        try:
            form = await request.form(
                max_files=len(files), max_fields=len(model.model_fields) + MAX_EXTRA_FIELDS
            )
        except HTTPException:  # starlette's refusal of a malformed multipart body
            raise InvalidInput(
                "the body is not a readable multipart form (multipart/form-data with the file and its fields)",
                key="upload.not_a_form",
            ) from None
        try:
            yield _validated(model, form, files)
        finally:
            await form.close()

    read.__name__ = f"read_{model.__name__}"
    return read


def multipart_body(model: type[BaseModel], files: dict[str, str]) -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of a multipart form: ``files`` (name → description) and ``model``'s fields."""
    schema = model.model_json_schema(by_alias=True)
    properties = {
        name: {"type": "string", "format": "binary", "description": text} for name, text in files.items()
    }
    properties.update(schema.get("properties", {}))
    body = {
        "type": "object",
        "properties": properties,
        "required": [*files, *schema.get("required", [])],
    }
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": body}}}}
