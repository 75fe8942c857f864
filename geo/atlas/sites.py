"""Create, read, update, delete and list the sites of a collection as GeoJSON (WGS-84).

Every site row has a ``version`` (raised by a row trigger on every changing UPDATE, migration 0008). An update
or delete names the version its caller read and runs under a row lock (``SELECT ... FOR UPDATE``): a stale
version raises StaleVersion with the site as it stands, a missing one VersionRequired, so no update is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from geoalchemy2.shape import from_shape
from pydantic import BaseModel, ValidationError
from shapely.geometry import Point
from sqlalchemy import Connection, Table, cast, delete, func, insert, select, true, update
from sqlalchemy.dialects.postgresql import JSON

from geo import vocab
from geo.atlas.areas import AreaRef, check_point_in_area, require_area, smallest_area_containing
from geo.atlas.collections import CollectionSpec
from geo.atlas.field_policy import drop_personal, personal_column, personal_visible, readable_fields
from geo.atlas.graves import check_grave, moved_from
from geo.errors import InvalidInput, NotFound, StaleVersion, VersionRequired
from geo.kit.db_refusals import write_or_refuse
from geo.kit.pinyin import name_pinyin
from geo.models import Area
from geo.principal import PUBLIC, Principal


@dataclass(frozen=True)
class SiteFilter:
    """Filters of a site listing; ``area`` includes everything inside that area."""

    area: str | None = None
    kind: str | None = None
    status: str | None = None
    protection_level: str | None = None


def check_site_filter(spec: CollectionSpec, flt: SiteFilter) -> None:
    """InvalidInput unless the filter's kind, status and protection level are of the collection's vocabulary."""
    for value, allowed, what, param in (
        (flt.kind, spec.kinds, spec.kind_column, "kind"),
        (flt.status, spec.statuses, spec.status_column, "status"),
    ):
        if value is not None and value not in allowed:
            raise InvalidInput(
                f"unknown {what} {value!r}; {param} of {spec.name} must be one of {', '.join(allowed)}"
            )
    if flt.protection_level is not None:
        if not spec.has_protection_level:
            raise InvalidInput(f"{spec.name} have no protection_level")
        if flt.protection_level not in vocab.PROTECTION_LEVELS:
            raise InvalidInput(
                f"unknown protection_level {flt.protection_level!r}; "
                f"expected one of: {', '.join(vocab.PROTECTION_LEVELS)}"
            )


@dataclass(frozen=True)
class SitePage:
    """One page of a listing and the number of sites matching the filter."""

    number_matched: int
    features: list[dict]


def site_table(spec: CollectionSpec) -> Table:
    """The table of a collection."""
    return spec.model.__table__


_PERSONAL_MARK = "_personal_visible"  # a column of site_select: may the reader see this row's personal fields


def _property_columns(spec: CollectionSpec, reader: Principal | None) -> list:
    table = site_table(spec)
    readable = None if reader is None else readable_fields(spec.name, reader.role)
    cols = []
    for col in table.columns:
        if col.name in ("id", "geom") or (readable is not None and col.name not in readable):
            continue
        if col.name in spec.polygon_columns:
            cols.append(cast(func.ST_AsGeoJSON(col, 7), JSON).label(col.name))
        elif reader is not None:
            cols.append(personal_column(spec.name, col.name, col, reader, table.c.area_code).label(col.name))
        else:
            cols.append(col)
    return cols


def site_select(spec: CollectionSpec, reader: Principal | None):
    """SELECT of a collection's rows as GeoJSON parts: id, geometry, area name, properties.

    Only the properties ``reader``'s role may read are selected, and personal ones only from rows inside the
    reader's area (geo/atlas/field_policy.py; ``site_feature`` leaves them out elsewhere); None selects every
    column, for internal use only (merging an update), never for a response.
    """
    table = site_table(spec)
    area = Area.__table__
    geometry = cast(func.ST_AsGeoJSON(table.c.geom, 7), JSON).label("geometry")
    columns = _property_columns(spec, reader)
    visible = true() if reader is None else personal_visible(reader, table.c.area_code)
    return select(
        table.c.id, geometry, visible.label(_PERSONAL_MARK), area.c.name.label("area_name"), *columns
    ).join(area, area.c.code == table.c.area_code)


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def site_feature(row, collection: str) -> dict:
    """A row of site_select as a GeoJSON Feature dict (personal fields absent where the reader may not see them)."""
    values = row._mapping
    props = {k: _json_value(v) for k, v in values.items() if k not in ("id", "geometry", _PERSONAL_MARK)}
    drop_personal(collection, props, bool(values[_PERSONAL_MARK]))
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
    reader: Principal = PUBLIC,
) -> SitePage:
    """A page of sites matching the filter, ordered by id, with the total count; properties ``reader`` may read."""
    conds = site_conditions(conn, spec, flt)
    table = site_table(spec)
    total = conn.execute(select(func.count()).select_from(table).where(*conds)).scalar_one()
    rows = conn.execute(
        site_select(spec, reader).where(*conds).order_by(table.c.id).limit(limit).offset(offset)
    )
    return SitePage(total, [site_feature(r, spec.name) for r in rows])


def _read_site(
    conn: Connection, spec: CollectionSpec, site_id: int, reader: Principal | None, lock: bool = False
) -> dict:
    table = site_table(spec)
    query = site_select(spec, reader).where(table.c.id == site_id)
    if lock:
        query = query.with_for_update(of=table)  # the site's row only, not its area's
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no {spec.name} record with id {site_id}")
    feature = site_feature(row, spec.name)
    if spec.name == "graves" and reader is not None:
        feature["properties"]["moved_from"] = moved_from(conn, site_id)
    return feature


def get_site(conn: Connection, spec: CollectionSpec, site_id: int, reader: Principal = PUBLIC) -> dict:
    """One site as a GeoJSON Feature with the properties ``reader`` may read; raises NotFound."""
    return _read_site(conn, spec, site_id, reader)


def lock_site(conn: Connection, spec: CollectionSpec, site_id: int) -> None:
    """Lock a site's row until the transaction ends (no error when there is no such site)."""
    table = site_table(spec)
    conn.execute(select(table.c.id).where(table.c.id == site_id).with_for_update())


def _check_version(
    conn: Connection,
    spec: CollectionSpec,
    current: dict,
    version: int | None,
    precondition: bool,
    reader: Principal,
) -> None:
    have = current["properties"]["version"]
    if version is None:
        raise VersionRequired(
            f'send the version you read: If-Match: W/"{have}" or a "version" property '
            f"(GET /api/v1/{spec.name}/{current['id']} carries it in its ETag and properties)"
        )
    if version != have:
        raise StaleVersion(
            f"{spec.name} {current['id']} is at version {have}, not {version}: someone changed it since you "
            "read it; merge with the current state and retry",
            get_site(conn, spec, current["id"], reader),
            precondition,
        )


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
    if "name_pinyin" in site_table(spec).c:  # memorials and cemeteries: for the public name search
        values["name_pinyin"], values["name_initials"] = name_pinyin(values["name"])
    return values


def _check_fields(spec: CollectionSpec, data: dict) -> BaseModel:
    try:
        return spec.fields.model_validate(data)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'properties'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidInput(reasons) from None


def _check_rules(
    conn: Connection,
    spec: CollectionSpec,
    fields: BaseModel,
    site_id: int | None,
    changed: Iterable[str] | None = None,
) -> None:
    if spec.name == "graves":
        check_grave(conn, fields, site_id, changed)  # type: ignore[arg-type]


def create_site(
    conn: Connection, spec: CollectionSpec, fields: BaseModel, point: Point, reader: Principal = PUBLIC
) -> dict:
    """Insert a site (area found from the point when not given) and return it as ``reader`` may read it."""
    fields = _check_fields(spec, fields.model_dump())
    _check_rules(conn, spec, fields, None)
    area = _resolve_area(conn, point, fields.area_code)
    table = site_table(spec)
    new_id = write_or_refuse(
        conn, insert(table).values(**_row_values(spec, fields, point, area)).returning(table.c.id)
    )
    return get_site(conn, spec, new_id.scalar_one(), reader)


def update_site(
    conn: Connection,
    spec: CollectionSpec,
    site_id: int,
    changes: dict[str, Any],
    point: Point | None,
    version: int | None,
    precondition: bool = False,
    reader: Principal = PUBLIC,
) -> dict:
    """Update the site at ``version`` (row locked, merged, validated whole); returned as ``reader`` reads it."""
    current = _read_site(conn, spec, site_id, None, lock=True)  # every field: the merge must keep hidden ones
    _check_version(conn, spec, current, version, precondition, reader)
    writable = set(spec.fields.model_fields)
    merged = {k: v for k, v in current["properties"].items() if k in writable}
    if point is not None and "area_code" not in changes:
        merged["area_code"] = None  # moved: find the area again
    merged.update(changes)
    fields = _check_fields(spec, merged)
    _check_rules(conn, spec, fields, site_id, changes)
    new_point = point or Point(current["geometry"]["coordinates"])
    area = _resolve_area(conn, new_point, fields.area_code)
    table = site_table(spec)
    values = _row_values(spec, fields, new_point, area)
    result = write_or_refuse(
        conn, update(table).where(table.c.id == site_id, table.c.version == version).values(**values)
    )
    if result.rowcount != 1:  # cannot happen under the lock; refuse rather than write over a newer state
        raise StaleVersion(
            f"{spec.name} {site_id} changed while this update ran; merge with the current state and retry",
            get_site(conn, spec, site_id, reader),
            precondition,
        )
    return get_site(conn, spec, site_id, reader)


def delete_site(
    conn: Connection,
    spec: CollectionSpec,
    site_id: int,
    version: int | None,
    precondition: bool = False,
    reader: Principal = PUBLIC,
) -> None:
    """Delete the site at ``version`` (row locked); NotFound, StaleVersion, VersionRequired or Conflict."""
    current = _read_site(conn, spec, site_id, None, lock=True)
    _check_version(conn, spec, current, version, precondition, reader)
    table = site_table(spec)
    write_or_refuse(conn, delete(table).where(table.c.id == site_id, table.c.version == version))
