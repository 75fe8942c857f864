"""Request and response schemas of the JSON/GeoJSON API (GeoJSON envelopes around the domain fields)."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model

from geo.atlas.site_fields import (
    CemeteryFields,
    GraveFields,
    MemorialFields,
    StationFields,
    partial_model,
)
from geo.kit.geometry import GeoPoint

P = TypeVar("P", bound=BaseModel)


class FeatureCreate(BaseModel, Generic[P]):
    """A GeoJSON Feature with a Point geometry (WGS-84) and the collection's properties."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["Feature"] = "Feature"
    geometry: GeoPoint
    properties: P
    id: Any | None = Field(default=None, description="ignored on create; the server assigns ids")


class FeaturePatch(BaseModel, Generic[P]):
    """A partial GeoJSON Feature: a new point and/or some properties; what is left out is kept."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["Feature"] = "Feature"
    geometry: GeoPoint | None = None
    properties: P | None = None
    id: Any | None = None


class FeaturePublic(BaseModel):
    """A GeoJSON Feature as the API returns it."""

    type: Literal["Feature"] = "Feature"
    id: int | str
    geometry: dict | None
    properties: dict[str, Any]


class Link(BaseModel):
    """A paging or related link."""

    href: str
    rel: str
    type: str = "application/geo+json"
    title: str | None = None


class FeatureCollectionPublic(BaseModel):
    """A page of GeoJSON Features with the count of all matching records."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    numberMatched: int
    numberReturned: int
    features: list[FeaturePublic]
    links: list[Link]


StationCreate = FeatureCreate[StationFields]
MemorialCreate = FeatureCreate[MemorialFields]
CemeteryCreate = FeatureCreate[CemeteryFields]
GraveCreate = FeatureCreate[GraveFields]


def patch_properties(fields: type[BaseModel]) -> type[BaseModel]:
    """The properties of a partial update: every field optional, plus the ``version`` the caller read."""
    version = (
        int | None,
        Field(default=None, ge=1, description='the version read (or send If-Match: W/"<version>")'),
    )
    name = fields.__name__.removesuffix("Fields") + "PatchProperties"
    return create_model(name, __base__=partial_model(fields), version=version)


StationPatch = FeaturePatch[patch_properties(StationFields)]  # type: ignore[misc]
MemorialPatch = FeaturePatch[patch_properties(MemorialFields)]  # type: ignore[misc]
CemeteryPatch = FeaturePatch[patch_properties(CemeteryFields)]  # type: ignore[misc]
GravePatch = FeaturePatch[patch_properties(GraveFields)]  # type: ignore[misc]

CREATE_SCHEMAS: dict[str, type[FeatureCreate]] = {
    "stations": StationCreate,
    "memorials": MemorialCreate,
    "cemeteries": CemeteryCreate,
    "graves": GraveCreate,
}
PATCH_SCHEMAS: dict[str, type[FeaturePatch]] = {
    "stations": StationPatch,
    "memorials": MemorialPatch,
    "cemeteries": CemeteryPatch,
    "graves": GravePatch,
}
