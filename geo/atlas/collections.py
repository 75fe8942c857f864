"""The registry of mapped collections: which table, fields and filters each one has."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from geo import models, vocab
from geo.atlas.site_fields import CemeteryFields, GraveFields, MemorialFields, StationFields


@dataclass(frozen=True)
class CollectionSpec:
    """How one collection is stored and filtered."""

    name: str
    model: type[models.Base]
    fields: type[BaseModel]
    kind_column: str
    kinds: tuple[str, ...]
    status_column: str
    statuses: tuple[str, ...]
    polygon_columns: tuple[str, ...] = ()
    derived_columns: tuple[str, ...] = ()

    @property
    def has_protection_level(self) -> bool:
        return "protection_level" in self.fields.model_fields


COLLECTIONS: dict[str, CollectionSpec] = {
    "stations": CollectionSpec(
        "stations",
        models.Station,
        StationFields,
        "level",
        vocab.STATION_LEVELS,
        "status",
        vocab.STATION_STATUSES,
    ),
    "memorials": CollectionSpec(
        "memorials",
        models.Memorial,
        MemorialFields,
        "kind",
        vocab.MEMORIAL_KINDS,
        "upkeep_status",
        vocab.UPKEEP_STATUSES,
        ("protection_zone", "control_zone"),
        ("protection_zone_m2",),
    ),
    "cemeteries": CollectionSpec(
        "cemeteries",
        models.Cemetery,
        CemeteryFields,
        "kind",
        vocab.CEMETERY_KINDS,
        "upkeep_status",
        vocab.UPKEEP_STATUSES,
        ("boundary", "protection_zone", "control_zone"),
        ("protection_zone_m2",),
    ),
    "graves": CollectionSpec(
        "graves", models.Grave, GraveFields, "kind", vocab.GRAVE_KINDS, "upkeep_status", vocab.UPKEEP_STATUSES
    ),
}
