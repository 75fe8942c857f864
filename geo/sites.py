"""Create, read, update, delete and list the sites of a collection as GeoJSON (WGS-84)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from geoalchemy2.shape import from_shape
from pydantic import BaseModel, ValidationError
from shapely.geometry import Point
from sqlalchemy import Connection, Table, cast, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.exc import IntegrityError

from geo.areas import AreaRef, check_point_in_area, require_area, smallest_area_containing
from geo.collections import CollectionSpec
from geo.errors import Conflict, InvalidInput, NotFound
from geo.field_policy import PUBLIC_ROLE, readable_fields
from geo.models import Area


@dataclass(frozen=True)
class SiteFilter:
    """Filters of a site listing; ``area`` includes everything inside that area."""

    area: str | None = None
    kind: str | None = None
    status: str | None = None
    protection_level: str | None = None


@dataclass(frozen=True)
class SitePage:
    """One page of a listing and the number of sites matching the filter."""

    number_matched: int
    features: list[dict]


def site_table(spec: CollectionSpec) -> Table:
    """The table of a collection."""
    return spec.model.__table__


def _property_columns(spec: CollectionSpec, role: str | None) -> list:
    table = site_table(spec)
    readable = None if role is None else readable_fields(spec.name, role)
    cols = []
    for col in table.columns:
        if col.name in ("id", "geom") or (readable is not None and col.name not in readable):
            continue
        if col.name in spec.polygon_columns:
            cols.append(cast(func.ST_AsGeoJSON(col, 7), JSON).label(col.name))
        else:
            cols.append(col)
    return cols


def site_select(spec: CollectionSpec, role: str | None):
    """SELECT of a collection's rows as GeoJSON parts: id, geometry, area name, properties.

    Only the properties ``role`` may read are selected (geo/field_policy.py); None selects every
    column, for internal use only (merging an update), never for a response.
    """
    table = site_table(spec)
    area = Area.__table__
    geometry = cast(func.ST_AsGeoJSON(table.c.geom, 7), JSON).label("geometry")
    columns = _property_columns(spec, role)
    return select(table.c.id, geometry, area.c.name.label("area_name"), *columns).join(
        area, area.c.code == table.c.area_code
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def site_feature(row) -> dict:
    """A row of site_select as a GeoJSON Feature dict."""
    props = {k: _json_value(v) for k, v in row._mapping.items() if k not in ("id", "geometry")}
    return {"type": "Feature", "id": row.id, "geometry": row.geometry, "properties": props}


def site_conditions(conn: Connection, spec: CollectionSpec, flt: SiteFilter) -> list:
    """WHERE conditions for a filter; raises InvalidInput for an unknown area."""
    table = site_table(spec)
    conds = []
    if flt.area is not None:
        area = require_area(conn, flt.area)
        conds.append(table.c.area_code.startswith(area.descendant_prefix, autoescape=True))
    if flt.kind is not None:
        conds.append(table.c[spec.kind_column] == flt.kind)
    if flt.status is not None:
        conds.append(table.c[spec.status_column] == flt.status)
    if flt.protection_level is not None:
        conds.append(table.c.protection_level == flt.protection_level)
    return conds


def list_sites(
    conn: Connection,
    spec: CollectionSpec,
    flt: SiteFilter,
    limit: int,
    offset: int,
    role: str = PUBLIC_ROLE,
) -> SitePage:
    """A page of sites matching the filter, ordered by id, with the total count; properties ``role`` may read."""
    conds = site_conditions(conn, spec, flt)
    table = site_table(spec)
    total = conn.execute(select(func.count()).select_from(table).where(*conds)).scalar_one()
    rows = conn.execute(
        site_select(spec, role).where(*conds).order_by(table.c.id).limit(limit).offset(offset)
    )
    return SitePage(total, [site_feature(r) for r in rows])


def _read_site(conn: Connection, spec: CollectionSpec, site_id: int, role: str | None) -> dict:
    row = conn.execute(site_select(spec, role).where(site_table(spec).c.id == site_id)).first()
    if row is None:
        raise NotFound(f"no {spec.name} record with id {site_id}")
    return site_feature(row)


def get_site(conn: Connection, spec: CollectionSpec, site_id: int, role: str = PUBLIC_ROLE) -> dict:
    """One site as a GeoJSON Feature with the properties ``role`` may read; raises NotFound."""
    return _read_site(conn, spec, site_id, role)


def _resolve_area(conn: Connection, point: Point, area_code: str | None) -> AreaRef:
    if area_code is None:
        area = smallest_area_containing(conn, point)
        if area is None:
            raise InvalidInput(
                f"the point ({point.x:.6f}, {point.y:.6f}) lies in no known area; give area_code explicitly"
            )
        return area
    area = require_area(conn, area_code)
    check_point_in_area(conn, point, area)
    return area


def _row_values(spec: CollectionSpec, fields: BaseModel, point: Point, area: AreaRef) -> dict:
    values = fields.model_dump(exclude=set(spec.polygon_columns))
    for col in spec.polygon_columns:
        geom = getattr(fields, col)
        values[col] = from_shape(geom, srid=4326) if geom is not None else None
    values["area_code"] = area.code
    values["geom"] = from_shape(point, srid=4326)
    return values


def _integrity_message(exc: IntegrityError) -> tuple[type[Exception], str]:
    orig = exc.orig
    code = getattr(orig, "pgcode", None)
    diag = getattr(orig, "diag", None)
    detail = (getattr(diag, "message_detail", None) or "").strip()
    constraint = getattr(diag, "constraint_name", None) or "a constraint"
    if code == "23505":
        return Conflict, f"duplicate value: {detail or constraint}"
    if code == "23503":
        return (
            Conflict if "still referenced" in detail else InvalidInput
        ), f"reference error: {detail or constraint}"
    if code == "23514":
        return InvalidInput, f"value rejected by rule {constraint}"
    return (
        InvalidInput,
        f"rejected by the database: {(getattr(diag, 'message_primary', None) or str(orig)).strip()}",
    )


def _execute_write(conn: Connection, statement):
    try:
        with conn.begin_nested():
            return conn.execute(statement)
    except IntegrityError as exc:
        kind, message = _integrity_message(exc)
        raise kind(message) from None


def _check_fields(spec: CollectionSpec, data: dict) -> BaseModel:
    try:
        return spec.fields.model_validate(data)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'properties'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidInput(reasons) from None


def create_site(
    conn: Connection, spec: CollectionSpec, fields: BaseModel, point: Point, role: str = PUBLIC_ROLE
) -> dict:
    """Insert a site (area found from the point when not given) and return it as ``role`` may read it."""
    fields = _check_fields(spec, fields.model_dump())
    area = _resolve_area(conn, point, fields.area_code)
    table = site_table(spec)
    new_id = _execute_write(
        conn, insert(table).values(**_row_values(spec, fields, point, area)).returning(table.c.id)
    )
    return get_site(conn, spec, new_id.scalar_one(), role)


def update_site(
    conn: Connection,
    spec: CollectionSpec,
    site_id: int,
    changes: dict[str, Any],
    point: Point | None,
    role: str = PUBLIC_ROLE,
) -> dict:
    """Apply a partial update (validated whole once merged); the result as ``role`` may read it."""
    current = _read_site(conn, spec, site_id, None)  # every field: the merge must keep hidden ones
    writable = set(spec.fields.model_fields)
    merged = {k: v for k, v in current["properties"].items() if k in writable}
    if point is not None and "area_code" not in changes:
        merged["area_code"] = None  # moved: find the area again
    merged.update(changes)
    fields = _check_fields(spec, merged)
    new_point = point or Point(current["geometry"]["coordinates"])
    area = _resolve_area(conn, new_point, fields.area_code)
    table = site_table(spec)
    _execute_write(
        conn, update(table).where(table.c.id == site_id).values(**_row_values(spec, fields, new_point, area))
    )
    return get_site(conn, spec, site_id, role)


def delete_site(conn: Connection, spec: CollectionSpec, site_id: int) -> None:
    """Delete a site; raises NotFound, or Conflict while other records still refer to it."""
    table = site_table(spec)
    result = _execute_write(conn, delete(table).where(table.c.id == site_id))
    if result.rowcount == 0:
        raise NotFound(f"no {spec.name} record with id {site_id}")
