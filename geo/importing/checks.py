"""Per-row checks: a row's cells to the collection's fields (CollectionSpec.fields, the one validator of a
site), each cell first read as registers write it (geo/importing/values.py: 四星级, 是/否, 县(市、区)级, 2019年5月…),
its code unique in the file. A site's row may lack its code (the load matches it by its natural key and, when
new, gives it a generated code: geo/importing/load.py) and may name its area by township, village or 所在地 text
instead of its code (resolved in the load, geo/importing/places.py). Areas, which have no site fields, use
AreaFields and need their code, as martyr records do (MartyrImportFields: the martyrs API's fields, burial sites
by register code).

A cell that cannot be read, or a value the fields refuse, is a reason naming the column as the file wrote it, the
value and what would be accepted (keys ``value.<kind>`` and ``cell.<kind>``, geo/importing/reasons.py); every bad
cell of a row is reported, not only the first."""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from geo.atlas.collections import COLLECTIONS
from geo.errors import InvalidInput
from geo.importing.cemeteries import CEMETERY_FIELD, Cemeteries, CemeteryRefused
from geo.importing.columns import COORD_FIELDS, ColumnMap
from geo.importing.coords import Points, polygon_value
from geo.importing.places import PLACE_FIELDS, PlaceNames
from geo.importing.readers import OVERFLOW
from geo.importing.reasons import RowReason, note, reason, rejected, validation_reason, value_reason
from geo.importing.values import Memo, NotUnderstood, field_parser, text_of
from geo.public.martyrs import MartyrFields, person_values
from geo.vocab import area_prefix

_INT32 = 2**31 - 1
_INT64 = 2**63 - 1


IMPORTABLE = (*COLLECTIONS, "areas", "martyrs")
"""The collections a file can be imported into (and exported from)."""


class AreaFields(BaseModel):
    """An administrative area as imported: code (6, 9 or 12 digits), name, level and parent."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(pattern=r"^[0-9]{6}([0-9]{3}){0,2}$")
    name: str = Field(min_length=1, max_length=200)
    level: Literal["province", "city", "county", "township", "village"]
    parent_code: str | None = Field(default=None, pattern=r"^[0-9]{6}([0-9]{3}){0,2}$")
    population: int | None = Field(default=None, ge=0)
    synthetic: bool = False


_Code = Field(default=None, min_length=1, max_length=64)
_Place = Field(default=None, min_length=1, max_length=32)


def _no_nul(cls, value: str | None) -> str | None:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("NUL characters are not accepted (no text column can hold one)")
    return value


_KEPT = {n: (f.annotation, f) for n, f in MartyrFields.model_fields.items() if not n.endswith("_id")}
_KEPT["code"] = (str, Field(min_length=1, max_length=64))  # the external key of the upsert: required

MartyrImportFields = create_model(
    "MartyrImportFields",
    __config__=ConfigDict(extra="forbid", str_strip_whitespace=True),
    __validators__={"no_nul": field_validator("*")(_no_nul)},
    **_KEPT,
    grave_code=(str | None, _Code),
    cemetery_code=(str | None, _Code),
    memorial_code=(str | None, _Code),
    grave_section=(str | None, _Place),
    grave_row=(str | None, _Place),
    grave_number=(str | None, _Place),
)
"""A martyr record as a file has it: the API's fields, burial sites by register code instead of by id."""

KEYED = tuple(COLLECTIONS)
"""The collections whose rows may come without a code (matched by their natural key; see geo/importing/load.py)."""


def fields_model(collection: str) -> type[BaseModel]:
    """The pydantic fields of a collection (areas: AreaFields); InvalidInput for an unknown collection."""
    if collection == "areas":
        return AreaFields
    if collection == "martyrs":
        return MartyrImportFields
    if collection not in COLLECTIONS:
        raise InvalidInput(
            f"unknown collection {collection!r}; expected one of {', '.join(IMPORTABLE)}",
            key="import.unknown_collection",
            params={"collection": collection, "expected": ", ".join(IMPORTABLE)},
        )
    return COLLECTIONS[collection].fields


def has_points(collection: str) -> bool:
    """Whether a collection's records are points (martyr records are not: their burial site has the point)."""
    return collection != "martyrs"


def polygon_columns(collection: str) -> tuple[str, ...]:
    """The polygon columns of a collection (none for stations, graves and areas)."""
    return COLLECTIONS[collection].polygon_columns if collection in COLLECTIONS else ()


def _kinds(model: type[BaseModel]) -> dict[str, set[type]]:
    out = {}
    for name, info in model.model_fields.items():
        ann = info.annotation
        args = (
            set(typing.get_args(ann)) if isinstance(ann, types.UnionType) or typing.get_origin(ann) else {ann}
        )
        out[name] = {a for a in args if isinstance(a, type)} | (
            {str} if typing.get_origin(ann) is Literal else set()
        )
    return out


@dataclass
class CheckedRow:
    """A row that passed the checks: its index, validated values (shapely polygons), point and notes, and the
    names of its area when it gives names instead of a code (resolved by the load)."""

    index: int
    values: dict[str, Any]
    lon: float
    lat: float
    notes: list[str] = field(default_factory=list)
    shape: Any = None  # an area's polygon
    place: PlaceNames | None = None


def _text(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def _other(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _converter(collection: str, name: str, kinds: set[type]):
    """How a cell becomes a field value: blank is None; the field's parser (values.py), read once per distinct
    value; else text (numeric codes as text) or the value as it is."""
    parser = field_parser("stations" if collection == "areas" else collection, name, kinds)
    if parser is not None:
        return Memo(parser)
    if str in kinds and not kinds & {int, float}:
        return _text
    return _other


def _area_level(code: str) -> str | None:
    if not re.fullmatch(r"[0-9]{6}([0-9]{3}){0,2}", code or ""):
        return None
    prefix = area_prefix(code)
    return {2: "province", 4: "city", 6: "county", 9: "township", 12: "village"}[len(prefix)]


class RowChecker:
    """Checks rows of one file for one collection (column map, source system, point per row)."""

    def __init__(
        self,
        collection: str,
        cmap: ColumnMap,
        source: str,
        layers: dict[str, dict[str, Any]],
        cemeteries: Cemeteries | None = None,
    ):
        self.collection = collection
        self.model = fields_model(collection)
        self.cmap = cmap
        self.source = source
        self.layers = layers
        self.polygons = polygon_columns(collection)
        kinds = _kinds(self.model)
        self.plan = [
            (header, name, _converter(collection, name, kinds.get(name, set())))
            for header, name in cmap.fields.items()
            if name not in COORD_FIELDS and name not in PLACE_FIELDS and name != CEMETERY_FIELD
        ]
        self.keyed = collection in KEYED
        self.places = [(h, n) for h, n in cmap.fields.items() if n in PLACE_FIELDS] if self.keyed else []
        self.headers = {name: header for header, name in cmap.fields.items()}
        self.cemeteries = cemeteries
        self.cemetery_header = self.headers.get(CEMETERY_FIELD) if cemeteries is not None else None

    def _data(self, row: dict[str, Any], notes: list[str]) -> dict[str, Any]:
        if OVERFLOW in row:
            raise rejected(
                f"the row has more cells than the header has columns: {row[OVERFLOW]!r}",
                "too_many_cells",
                extra=str(row[OVERFLOW]),
            )
        data: dict[str, Any] = {}
        bad: list[RowReason] = []
        for header, name, convert in self.plan:
            try:
                value = convert(row.get(header))
            except NotUnderstood as exc:
                bad.append(value_reason(exc.kind, header, name, exc.value, **exc.params))
                continue
            if value is None:
                continue
            if name in self.polygons:
                value, note = polygon_value(value, self.source, name)
                if note:
                    notes.append(note)
            if value is not None:
                data[name] = value
        if bad:
            raise _refusal(bad)
        return data

    def _place(self, row: dict[str, Any], data: dict[str, Any]) -> PlaceNames | None:
        """The row's area as names: township, village, 所在地 text, or an area column holding a name (not
        digits); None when the row gives its area code, or nothing."""
        given = {}
        for header, name in self.places:
            found = text_of(row.get(header))
            if found is not None:
                given[name] = (header, found)
        area = data.get("area_code")
        if area is not None:
            if str(area).isdigit():
                return None
            data.pop("area_code")
            given.setdefault("place", (self.headers["area_code"], str(area)))
        if not given:
            return None
        columns = tuple((n, h) for n, (h, _v) in given.items())
        names = {n: v for n, (_h, v) in given.items()}
        return PlaceNames(names.get("township"), names.get("village"), names.get("place"), columns)

    def _cemetery(self, row: dict[str, Any], data: dict[str, Any], notes: list[str]) -> None:
        """The grave's cemetery from the name (or code) its 所在陵园 column gives (geo/importing/cemeteries.py):
        its id, and its kind when the file has no kind column; a row giving the id keeps it."""
        header = self.cemetery_header
        value = text_of(row.get(header))
        if value is not None and data.get("cemetery_id") is None:
            try:
                found = self.cemeteries.resolve(value, header)
            except CemeteryRefused as exc:
                key = f"cemetery.{exc.key}" + ("" if exc.params.get("candidates") else ".bare")
                raise rejected(str(exc), key, "cemetery_id", **exc.params) from None
            data["cemetery_id"] = found.id
            if not found.written_as(value):
                notes.append(
                    note(
                        f"cemetery {found.name} found from its name {value!r}",
                        "cemetery_resolved",
                        "cemetery_id",
                        name=found.name,
                        value=value,
                    )
                )
        if "kind" not in self.headers:
            data.setdefault("kind", "in_cemetery" if data.get("cemetery_id") is not None else "scattered")

    def check(self, i: int, row: dict[str, Any], pts: Points) -> CheckedRow:
        """The checked row ``i``, or InvalidInput with the reason it is rejected."""
        if i in pts.reasons:
            exc = InvalidInput(pts.reasons[i])
            exc.row_reason = pts.reasons[i]  # type: ignore[attr-defined]
            raise exc
        notes = list(pts.notes.get(i, []))
        data = self._data(row, notes)
        place = self._place(row, data) if self.keyed else None
        if self.cemetery_header is not None:
            self._cemetery(row, data, notes)
        code = data.get("code")
        if code is None and not self.keyed:
            raise rejected(
                "no code: every row needs its register code (编码) so a re-import updates it",
                "no_code",
                "code",
            )
        for col, by_code in self.layers.items():
            if col in self.polygons and col not in data and code is not None and str(code) in by_code:
                value, note = polygon_value(by_code[str(code)], self.source, col)
                data[col] = value
                notes += [note] if note else []
        if i in pts.polygons:
            target = "boundary" if "boundary" in self.polygons else None
            if target and target not in data:
                data[target] = pts.polygons[i]
        if self.collection == "areas" and "level" not in data:
            level = _area_level(str(code))
            if level:
                data["level"] = level
        try:
            fields = self.model.model_validate(data)
        except ValidationError as exc:
            raise _refusal([validation_reason(exc, self.headers, row)]) from None
        values = dict(fields.__dict__)
        if self.collection == "martyrs":  # the rules and pinyin of the martyrs API (geo/public/martyrs.py)
            values = person_values(values)
        for name, v in values.items():
            limit = _INT64 if name.endswith("_id") else _INT32
            if isinstance(v, int) and not isinstance(v, bool) and abs(v) > limit:
                header = self.headers.get(name, name)
                raise rejected(f"{header}: {v} is too large", "too_large", name, value=v, column=header)
        shape = pts.polygons.get(i) if self.collection == "areas" else None
        return CheckedRow(i, values, float(pts.lon[i]), float(pts.lat[i]), notes, shape, place)


def _refusal(reasons: list[RowReason]) -> InvalidInput:
    """The InvalidInput of a row with these reasons (one, or each bad cell as a part)."""
    found = reasons[0] if len(reasons) == 1 else RowReason("; ".join(reasons), parts=tuple(reasons))
    refusal = InvalidInput(str(found))
    refusal.row_reason = found  # type: ignore[attr-defined]
    return refusal


def duplicate_codes(rows: list[CheckedRow], numbers: list[int]) -> dict[int, RowReason]:
    """Rows whose code appears more than once in the file → the reason (every such row is rejected)."""
    where: dict[str, list[int]] = {}
    for r in rows:
        if r.values.get("code") is not None:  # a row without a code is matched by its natural key in the load
            where.setdefault(str(r.values["code"]), []).append(r.index)
    out = {}
    for code, idx in where.items():
        if len(idx) > 1:
            for i in idx:
                others = ", ".join(str(numbers[j]) for j in idx if j != i)
                out[i] = reason(
                    f"duplicate code {code!r} in the file (also on row {others})",
                    "duplicate_code",
                    "code",
                    code=code,
                    others=others,
                )
    return out
