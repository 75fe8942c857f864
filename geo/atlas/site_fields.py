"""The writable fields of each collection, validated (pydantic) before anything reaches the database."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from geo.kit.db_refusals import INTEGER_MAX
from geo.kit.geometry import GeoPolygonal

AreaCode = Field(
    default=None, pattern=r"^[0-9]{6}([0-9]{3}){0,2}$", description="6-, 9- or 12-digit area code"
)


class SiteFields(BaseModel):
    """Fields every site has; ``area_code`` may be left out and is then found from the point."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str | None = Field(default=None, min_length=1, max_length=64, description="external register code")
    name: str = Field(min_length=1, max_length=200)
    area_code: str | None = AreaCode
    address: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, max_length=4000)
    synthetic: bool = False


class UpkeepFields(BaseModel):
    """Upkeep state of an inspected site."""

    upkeep_status: Literal["good", "fair", "poor", "damaged", "unknown"] = "unknown"
    condition_index: int | None = Field(default=None, ge=0, le=100, description="0–100, from inspections")
    last_inspected_on: dt.date | None = None


class StationFields(SiteFields):
    """A veterans service centre/station (退役军人服务中心/站)."""

    level: Literal["province", "city", "county", "township", "village"]
    status: Literal["active", "planned", "closed"] = "active"
    served_area_code: str | None = AreaCode
    has_organisation: bool = Field(default=False, description="有机构")
    has_staff_quota: bool = Field(default=False, description="有编制")
    has_staff: bool = Field(default=False, description="有人员")
    has_funding: bool = Field(default=False, description="有经费")
    has_support: bool = Field(default=False, description="有保障")
    star_rating: int | None = Field(default=None, ge=1, le=5, description="local star rating, 1–5")
    national_model: bool = Field(default=False, description="全国示范型")
    people_served: int | None = Field(default=None, ge=0, le=INTEGER_MAX)
    opened_on: dt.date | None = None
    phone: str | None = Field(default=None, max_length=32)


class ProtectedFields(SiteFields, UpkeepFields):
    """Protection level, approval record and zones of a memorial or cemetery."""

    protection_level: Literal["national", "provincial", "city", "county", "scattered"]
    approved_by: str | None = Field(default=None, max_length=200)
    approval_doc_no: str | None = Field(default=None, max_length=200)
    approval_date: dt.date | None = None
    protection_unit: str | None = Field(default=None, max_length=200)
    management_unit: str | None = Field(default=None, max_length=200)
    has_protection_sign: bool = False
    protection_zone: GeoPolygonal | None = Field(default=None, description="保护范围")
    protection_zone_desc: str | None = Field(default=None, max_length=2000)
    control_zone: GeoPolygonal | None = Field(default=None, description="建设控制地带")
    description: str | None = Field(default=None, max_length=8000)


class MemorialFields(ProtectedFields):
    """A martyr memorial facility (烈士纪念设施)."""

    kind: Literal["hall", "monument", "tower", "statue", "square", "name_wall"]


class CemeteryFields(ProtectedFields):
    """A martyr cemetery (烈士陵园), grave area (烈士墓区), columbarium (骨灰堂) or veterans' section."""

    kind: Literal["martyr_cemetery", "grave_area", "columbarium", "veterans_section"]
    boundary: GeoPolygonal | None = None
    grave_capacity: int | None = Field(default=None, ge=0, le=INTEGER_MAX)


class GraveFields(SiteFields, UpkeepFields):
    """A martyr's grave, in a cemetery or scattered (散葬) under a custodian."""

    kind: Literal["in_cemetery", "scattered"]
    martyr_name: str | None = Field(default=None, max_length=100, description="empty for an unnamed martyr")
    cemetery_id: int | None = Field(default=None, ge=1)
    section: str | None = Field(default=None, max_length=32)
    row_no: str | None = Field(default=None, max_length=32)
    number: str | None = Field(default=None, max_length=32)
    disposition: Literal["in_place", "moved", "care_agreement"] | None = None
    moved_to_grave_id: int | None = Field(default=None, ge=1)
    care_party: Literal["village_committee", "relatives"] | None = None
    custodian_name: str | None = Field(default=None, max_length=100)
    custodian_phone: str | None = Field(default=None, max_length=32)
    responsible_cadre: str | None = Field(default=None, max_length=100)
    care_agreed_on: dt.date | None = Field(default=None, description="date of the care agreement (管护协议)")

    @model_validator(mode="after")
    def _consistent(self) -> GraveFields:
        if self.kind == "in_cemetery" and self.cemetery_id is None:
            raise ValueError("a grave of kind 'in_cemetery' needs cemetery_id")
        if self.kind == "scattered" and self.cemetery_id is not None:
            raise ValueError("a scattered grave has no cemetery_id (use kind 'in_cemetery')")
        if (self.disposition == "moved") != (self.moved_to_grave_id is not None):
            raise ValueError("disposition 'moved' goes with moved_to_grave_id, and only with it")
        return self


def partial_model(model: type[BaseModel]) -> type[BaseModel]:
    """The same fields, each optional with no default: the shape of a partial update."""
    fields: dict[str, Any] = {
        name: (info.annotation | None, Field(default=None, description=info.description))
        for name, info in model.model_fields.items()
    }
    return create_model(f"{model.__name__}Patch", __config__=ConfigDict(extra="forbid"), **fields)
