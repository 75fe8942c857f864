"""View models of the staff's site pages (``/staff/sites``): the form of a collection's fields, read from its
pydantic model (geo/atlas/site_fields.py) so that the page and the API accept the same values, with labels and
choices from the catalogue; the list's rows; the map's data for the page script.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

from annotated_types import Ge, Le, MaxLen, MinLen
from pydantic import BaseModel

from geo.accounts.permissions import allowed
from geo.atlas.collections import COLLECTIONS, CollectionSpec
from geo.atlas.site_list import SiteListPage
from geo.principal import Principal
from web.basemaps import Basemap
from web.i18n import enum_label, keys, t
from web.times import local_time

HIDDEN_FIELDS = frozenset({"synthetic"})
"""Fields the form does not show (demo marks, kept as they are)."""

CHOICE_GROUPS: dict[tuple[str, str], str] = {
    ("stations", "level"): "station_level",
    ("stations", "status"): "station_status",
    ("memorials", "kind"): "memorial_kind",
    ("cemeteries", "kind"): "cemetery_kind",
    ("graves", "kind"): "grave_kind",
}
"""The catalogue group of a collection's enumerated field where it is not named after the field."""

SECTIONS: dict[str, str] = {
    "protection_level": "protection",
    "approved_by": "protection",
    "approval_doc_no": "protection",
    "approval_date": "protection",
    "protection_unit": "protection",
    "management_unit": "protection",
    "has_protection_sign": "protection",
    "protection_zone_desc": "protection",
    "upkeep_status": "upkeep",
    "condition_index": "upkeep",
    "last_inspected_on": "upkeep",
    "has_organisation": "five",
    "has_staff_quota": "five",
    "has_staff": "five",
    "has_funding": "five",
    "has_support": "five",
    "cemetery_id": "grave",
    "section": "grave",
    "row_no": "grave",
    "number": "grave",
    "disposition": "care",
    "moved_to_grave_id": "care",
    "care_party": "care",
    "custodian_name": "care",
    "custodian_phone": "care",
    "responsible_cadre": "care",
    "care_agreed_on": "care",
}
"""The fieldset of each field (the others are in ``basic``)."""

SECTION_ORDER = ("basic", "five", "protection", "grave", "care", "upkeep")

ZONE_COLORS = {"boundary": "#5b4a9e", "protection_zone": "#c0392b", "control_zone": "#d68910"}
"""Colour of each polygon of a site on the maps (outline and fill)."""


def field_label(name: str, lang: str) -> str:
    """A site field's label: the shared ``field.<name>`` entry, else this page's ``sites.field.<name>``."""
    shared = f"field.{name}"
    return t(shared, lang) if shared in keys() else t(f"sites.field.{name}", lang)


def collection_label(collection: str, lang: str) -> str:
    """The name of a collection as the pages write it (服务站, 纪念设施, …)."""
    return t(f"layer.{collection}", lang)


@dataclass(frozen=True)
class FormField:
    """One input of the form: what it holds, how it is entered, and the limits the API will check."""

    name: str
    label: str
    widget: str  # text, textarea, select, checkbox, number, date
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    min: int | None = None
    max: int | None = None
    maxlength: int | None = None
    pattern: str | None = None
    hint: str = ""


@dataclass(frozen=True)
class FormSection:
    """A fieldset of the form."""

    key: str
    title: str
    fields: list[FormField]


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``| None``, and whether None was allowed."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return (args[0] if len(args) == 1 else annotation), True
    return annotation, False


def _choice_group(collection: str, name: str) -> str:
    if (collection, name) in CHOICE_GROUPS:
        return CHOICE_GROUPS[(collection, name)]
    if name in ("protection_level", "upkeep_status"):
        return name
    return f"sites.{name}"


def form_field(collection: str, name: str, info: Any, lang: str) -> FormField:
    """The input of one pydantic field of a collection (its type gives the widget, its constraints the limits)."""
    annotation, optional = _unwrap(info.annotation)
    required = info.is_required() and not optional
    label = field_label(name, lang)
    limits: dict[str, int] = {}
    for meta in info.metadata:
        if isinstance(meta, MaxLen):
            limits["maxlength"] = meta.max_length
        elif isinstance(meta, MinLen):
            limits["minlength"] = meta.min_length
        elif isinstance(meta, Ge):
            limits["min"] = int(meta.ge)
        elif isinstance(meta, Le):
            limits["max"] = int(meta.le)
    if typing.get_origin(annotation) is Literal:
        group = _choice_group(collection, name)
        choices = [(str(v), enum_label(group, v, lang)) for v in typing.get_args(annotation)]
        return FormField(name, label, "select", required or info.default is not None, choices)
    if annotation is bool:
        return FormField(name, label, "checkbox")
    if annotation is int:
        return FormField(name, label, "number", required, min=limits.get("min"), max=limits.get("max"))
    if annotation is dt.date:
        return FormField(name, label, "date", required)
    pattern = None
    hint = ""
    if name.endswith("area_code"):
        pattern = "[0-9]{6}([0-9]{3}){0,2}"
        hint = t("sites.hint.area_code", lang)
    widget = "textarea" if limits.get("maxlength", 0) >= 2000 else "text"
    return FormField(
        name, label, widget, required, maxlength=limits.get("maxlength"), pattern=pattern, hint=hint
    )


def form_sections(spec: CollectionSpec, lang: str) -> list[FormSection]:
    """The form's fieldsets for a collection, in order: every writable field but its polygons and demo mark."""
    model: type[BaseModel] = spec.fields
    by_section: dict[str, list[FormField]] = {key: [] for key in SECTION_ORDER}
    for name, info in model.model_fields.items():
        if name in HIDDEN_FIELDS or name in spec.polygon_columns:
            continue
        by_section[SECTIONS.get(name, "basic")].append(form_field(spec.name, name, info, lang))
    return [
        FormSection(key, t(f"sites.section.{key}", lang), fields)
        for key, fields in by_section.items()
        if fields
    ]


def form_value(value: Any) -> str:
    """A property's value as an input holds it ("" for none)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def editable_collections(principal: Principal) -> list[str]:
    """The collections whose sites this account may update, in the atlas's order."""
    return [name for name in COLLECTIONS if allowed(principal.role, f"{name}.update")]


def creatable_collections(principal: Principal) -> list[str]:
    """The collections this account may add sites to."""
    return [name for name in COLLECTIONS if allowed(principal.role, f"{name}.create")]


@dataclass(frozen=True)
class ListRow:
    """A row of the sites list as shown: the name (a link to its edit page), kind, area, last change."""

    href: str
    name: str
    detail: str
    kind: str
    area: str
    updated: str


def list_rows(collection: str, page: SiteListPage, lang: str) -> list[ListRow]:
    """The rows of a page of the list, labelled in ``lang``."""
    group = _choice_group(collection, COLLECTIONS[collection].kind_column)
    return [
        ListRow(
            f"/staff/sites/{collection}/{r.id}",
            r.name,
            r.martyr_name or "",
            enum_label(group, r.kind, lang),
            f"{r.area_name} ({r.area_code})",
            local_time(r.updated_at),
        )
        for r in page.rows
    ]


def basemap_config(chosen: Basemap) -> dict[str, Any]:
    """The tile layers of a basemap as the page script builds them, with the CRS overlays are drawn in."""
    layers = [
        {
            "url": layer.url,
            "attribution": layer.attribution,
            "subdomains": layer.subdomains,
            "maxZoom": layer.max_zoom,
        }
        for layer in chosen.layers
    ]
    return {"name": chosen.name, "crs": chosen.crs, "layers": layers}


JS_MESSAGES = (
    "sites.js.saving",
    "sites.js.saved",
    "sites.js.created",
    "sites.js.nothing",
    "sites.js.failed",
    "sites.js.offline",
    "sites.js.stale",
    "sites.js.reapplied",
    "sites.js.discarded",
    "sites.js.required",
    "sites.js.too_long",
    "sites.js.min",
    "sites.js.max",
    "sites.js.whole",
    "sites.js.date",
    "sites.js.pattern",
    "sites.js.choice",
    "sites.js.outside_atlas",
    "sites.js.outside_mine",
    "sites.js.checking",
    "sites.js.draw_hint",
    "sites.js.edit_hint",
    "sites.js.no_point",
    "sites.js.point_moved",
    "sites.js.zone_set",
    "sites.js.zone_removed",
    "sites.js.fix_fields",
    "sites.js.refused",
    "sites.js.not_yours",
    "sites.js.gone",
    "sites.js.empty",
    "sites.js.yes",
    "sites.js.no",
    "sites.js.polygon",
    "sites.js.none",
    "sites.js.area_m2",
    "sites.js.version",
    "sites.js.grave_cemetery",
    "sites.js.grave_scattered",
    "sites.js.grave_moved",
    "sites.js.area_not_mine",
)
"""The catalogue entries the edit page's script writes (status lines, refusals next to fields)."""


def js_messages(lang: str) -> dict[str, str]:
    """The script's sentences in ``lang``, by their key less ``sites.js.``."""
    return {key.removeprefix("sites.js."): t(key, lang) for key in JS_MESSAGES}
