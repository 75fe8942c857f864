"""Martyr records (英名录): read with their burial place, list per site, create/update/delete (admin).

A record lies in a grave (in a cemetery: section/row/number; or scattered), in a cemetery without a known
grave, or is known only by its name on a memorial (an 英名墙 name wall); else its burial place is unknown.
The name's pinyin and initials (geo/kit/pinyin.py, read as a person's name) are written on every create and
update. Rows carry a ``version`` (row trigger): an update or delete names the version read, like sites.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import Connection, delete, insert, select, text, update

from geo.accounts.audit import Actor, record
from geo.accounts.permissions import authorize, require_right
from geo.atlas.areas import require_area
from geo.atlas.field_policy import PUBLIC_ROLE, readable_fields
from geo.errors import InvalidInput, NotFound, StaleVersion, VersionRequired
from geo.kit.db_refusals import write_or_refuse
from geo.kit.pinyin import name_pinyin
from geo.models import Martyr
from geo.public.search import MARTYR_SUMMARY, martyr_summary

UNNAMED = "无名烈士"
MARTYRS = Martyr.__table__
_AREA = r"^[0-9]{6}([0-9]{3}){0,2}$"
_Year = Field(default=None, ge=1800, le=2100)


class MartyrFields(BaseModel):
    """The writable fields of a martyr record (pinyin, version and timestamps are the application's)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str | None = Field(default=None, min_length=1, max_length=64)
    name: str | None = Field(default=None, max_length=100)
    unnamed: bool = False
    gender: Literal["male", "female"] | None = None
    birth_year: int | None = _Year
    death_date: dt.date | None = None
    death_year: int | None = _Year
    place_of_death: str | None = Field(default=None, max_length=200)
    hometown: str | None = Field(default=None, max_length=200)
    hometown_area_code: str | None = Field(default=None, pattern=_AREA)
    unit: str | None = Field(default=None, max_length=200)
    biography: str | None = Field(default=None, max_length=5000)
    grave_id: int | None = Field(default=None, ge=1)
    cemetery_id: int | None = Field(default=None, ge=1)
    memorial_id: int | None = Field(default=None, ge=1)
    burial_note: str | None = Field(default=None, max_length=500)
    area_code: str | None = Field(default=None, pattern=_AREA)
    relatives_found: bool = False

    @field_validator("code", "name", "place_of_death", "hometown", "unit", "biography", "burial_note")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:
            raise ValueError("NUL characters are not accepted (no text column can hold one)")
        return value


WRITABLE = tuple(MartyrFields.model_fields)


def _validate(data: dict) -> MartyrFields:
    try:
        return MartyrFields.model_validate(data)
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(reasons) from None


def _site(conn: Connection, table: str, site_id: int) -> dict:
    row = (
        conn.execute(
            text(
                f"SELECT id, area_code{', kind, cemetery_id' if table == 'graves' else ''} FROM {table} WHERE id = :id"
            ),
            {"id": site_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise InvalidInput(
            f"no {table} record with id {site_id}",
            key="martyr.no_site",
            params={"table": table, "id": site_id},
        )
    return dict(row)


def person_values(values: dict) -> dict:
    """Name or 无名烈士, the year of death from its date, birth before death, and the name's pinyin and initials:
    the rules every martyr record passes, without the database (shared by the API and the import)."""
    values = dict(values)
    name = values.get("name") or None
    if name is None:
        if not values.get("unnamed"):
            raise InvalidInput(
                "give the name, or unnamed: true for an unknown martyr (无名烈士)", key="martyr.name_required"
            )
        name = UNNAMED
    values["name"] = name
    death_date, death_year = values.get("death_date"), values.get("death_year")
    birth_year = values.get("birth_year")
    if death_date is not None:
        if death_year is not None and death_year != death_date.year:
            raise InvalidInput(
                f"death_year {death_year} differs from death_date {death_date}",
                key="martyr.death_year_date",
                params={"year": death_year, "date": death_date},
            )
        values["death_year"] = death_date.year
    if birth_year and values.get("death_year") and birth_year > values["death_year"]:
        raise InvalidInput(
            f"birth_year {birth_year} is after the year of death {values['death_year']}",
            key="martyr.birth_after_death",
            params={"birth": birth_year, "death": values["death_year"]},
        )
    values["name_pinyin"], values["name_initials"] = name_pinyin(name, person=True)
    return values


def _row_values(conn: Connection, fields: MartyrFields) -> dict:
    """The columns of a record from checked fields: name or unnamed, years, burial links, area, pinyin."""
    values = person_values(fields.model_dump())
    area_code = None
    if fields.grave_id is not None:
        grave = _site(conn, "graves", fields.grave_id)
        if fields.cemetery_id is not None and fields.cemetery_id != grave["cemetery_id"]:
            raise InvalidInput(
                f"grave {fields.grave_id} is not in cemetery {fields.cemetery_id}",
                key="martyr.grave_cemetery",
                params={"grave": fields.grave_id, "cemetery": fields.cemetery_id},
            )
        values["cemetery_id"] = grave["cemetery_id"]
        area_code = grave["area_code"]
    elif fields.cemetery_id is not None:
        area_code = _site(conn, "cemeteries", fields.cemetery_id)["area_code"]
    if fields.memorial_id is not None:
        memorial = _site(conn, "memorials", fields.memorial_id)
        area_code = area_code or memorial["area_code"]
    if fields.area_code is not None:
        area_code = require_area(conn, fields.area_code).code
    values["area_code"] = area_code
    if fields.hometown_area_code is not None:
        require_area(conn, fields.hometown_area_code, "hometown_area_code")
    return values


_BURIAL = """
SELECT g.id AS grave_id, g.kind AS grave_kind, g.section, g.row_no, g.number,
       ST_X(g.geom) AS grave_lon, ST_Y(g.geom) AS grave_lat,
       c.id AS cemetery_id, c.name AS cemetery_name, ST_X(c.geom) AS cemetery_lon, ST_Y(c.geom) AS cemetery_lat,
       w.id AS memorial_id, w.name AS memorial_name, w.kind AS memorial_kind,
       ST_X(w.geom) AS memorial_lon, ST_Y(w.geom) AS memorial_lat, m.burial_note
FROM martyrs m
LEFT JOIN graves g ON g.id = m.grave_id
LEFT JOIN cemeteries c ON c.id = coalesce(m.cemetery_id, g.cemetery_id)
LEFT JOIN memorials w ON w.id = m.memorial_id
WHERE m.id = :id
"""


def _burial(conn: Connection, martyr_id: int) -> tuple[dict, dict | None]:
    """(burial place, memorial naming the martyr or None); points WGS-84 degrees."""
    b = conn.execute(text(_BURIAL), {"id": martyr_id}).mappings().one()
    memorial = None
    if b["memorial_id"] is not None:
        memorial = {
            "memorial_id": b["memorial_id"],
            "name": b["memorial_name"],
            "kind": b["memorial_kind"],
            "lon": b["memorial_lon"],
            "lat": b["memorial_lat"],
            "url": f"/sites/memorials/{b['memorial_id']}",
        }
    note = b["burial_note"]
    if b["grave_id"] is not None:
        burial = {
            "kind": "grave",
            "grave_id": b["grave_id"],
            "grave_kind": b["grave_kind"],
            "cemetery_id": b["cemetery_id"],
            "cemetery": b["cemetery_name"],
            "section": b["section"],
            "row": b["row_no"],
            "number": b["number"],
            "lon": b["grave_lon"],
            "lat": b["grave_lat"],
            "url": f"/sites/graves/{b['grave_id']}",
        }
    elif b["cemetery_id"] is not None:
        burial = {
            "kind": "cemetery",
            "cemetery_id": b["cemetery_id"],
            "name": b["cemetery_name"],
            "lon": b["cemetery_lon"],
            "lat": b["cemetery_lat"],
            "url": f"/sites/cemeteries/{b['cemetery_id']}",
        }
    elif memorial is not None:
        burial = {**memorial, "kind": "memorial", "memorial_kind": memorial["kind"]}
    else:
        burial = {"kind": "unknown"}
    burial["note"] = note
    return burial, memorial


def _read(conn: Connection, martyr_id: int, role: str, lock: bool = False) -> dict:
    readable = readable_fields("martyrs", role)
    columns = [c for c in MARTYRS.columns if c.name in readable and c.name != "id"]
    query = select(MARTYRS.c.id, *columns).where(MARTYRS.c.id == martyr_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(
            f"no martyr record with id {martyr_id}", key="martyr.not_found", params={"id": martyr_id}
        )
    record = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}
    record["burial"], record["memorial"] = _burial(conn, martyr_id)
    record["url"] = f"/martyrs/{martyr_id}"
    return record


def get_martyr(conn: Connection, martyr_id: int, role: str = PUBLIC_ROLE) -> dict:
    """One martyr record with the fields ``role`` may read and its burial place; NotFound if absent.

    ``burial`` is one of: {"kind": "grave", grave_id, cemetery_id/cemetery, section, row, number, lon, lat},
    {"kind": "cemetery", cemetery_id, name, lon, lat}, {"kind": "memorial", memorial_id, name, lon, lat}
    (known only from a name wall), or {"kind": "unknown"}; each with ``note``. ``memorial`` is the memorial
    that names the martyr, or None. Points are WGS-84 degrees.
    """
    return _read(conn, martyr_id, role)


_AT = {
    "graves": "m.grave_id = :id",
    "cemeteries": "(m.cemetery_id = :id OR m.grave_id IN (SELECT id FROM graves WHERE cemetery_id = :id))",
    "memorials": "m.memorial_id = :id",
}


def martyrs_at(conn: Connection, collection: str, site_id: int, limit: int = 200) -> list[dict]:
    """The martyrs buried or named at a site (a grave, cemetery or memorial); at most ``limit``.

    A cemetery includes the martyrs of its graves. Items are search summaries (geo/public/search.py
    ``martyr_summary``), by section, row, number, then pinyin. InvalidInput for another collection.
    """
    if collection not in _AT:
        raise InvalidInput(
            f"martyrs lie in graves, cemeteries or memorials, not {collection}",
            key="martyr.collection",
            params={"value": collection},
        )
    if not 1 <= limit <= 10_000:
        raise InvalidInput(
            f"limit must be between 1 and 10000, not {limit}",
            key="search.limit",
            params={"max": 10000, "value": limit},
        )
    source = f"(SELECT m.id FROM martyrs m WHERE {_AT[collection]}) p"
    sql = MARTYR_SUMMARY.format(source=source) + (
        " ORDER BY g.section NULLS LAST, length(g.row_no), g.row_no, length(g.number), g.number,"
        " m.name_pinyin, m.id LIMIT :limit"
    )
    rows = conn.execute(text(sql), {"id": site_id, "limit": limit}).mappings().all()
    return [martyr_summary(r) for r in rows]


def create_martyr(conn: Connection, data: dict, role: str = "admin") -> dict:
    """Insert a martyr record (pinyin filled from the name) and return it as ``role`` reads it."""
    values = _row_values(conn, _validate(data))
    martyr_id = write_or_refuse(conn, insert(MARTYRS).values(**values).returning(MARTYRS.c.id)).scalar_one()
    return get_martyr(conn, martyr_id, role)


def _check_version(conn: Connection, current: dict, version: int | None, precondition: bool, role: str):
    have = current["version"]
    if version is None:
        raise VersionRequired(
            f'send the version you read: If-Match: W/"{have}" or a "version" field '
            f"(GET /api/v1/martyrs/{current['id']} carries it)"
        )
    if version != have:
        raise StaleVersion(
            f"martyr {current['id']} is at version {have}, not {version}: someone changed it since you read it",
            get_martyr(conn, current["id"], role),
            precondition,
        )


def update_martyr(
    conn: Connection,
    martyr_id: int,
    changes: dict,
    version: int | None,
    precondition: bool = False,
    role: str = "admin",
) -> dict:
    """Apply ``changes`` to a martyr record at ``version`` (row locked); StaleVersion / VersionRequired."""
    current = _read(conn, martyr_id, "admin", lock=True)
    _check_version(conn, current, version, precondition, role)
    unknown = set(changes) - set(WRITABLE)
    if unknown:
        raise InvalidInput(
            f"unknown or read-only fields: {', '.join(sorted(unknown))}",
            key="martyr.unknown_fields",
            params={"fields": ", ".join(sorted(unknown))},
        )
    merged = {k: current.get(k) for k in WRITABLE}
    if current.get("unnamed") and "name" not in changes:
        merged["name"] = None if changes.get("unnamed", True) else current["name"]
    merged.update(changes)
    if changes.get("death_date") is not None and "death_year" not in changes:
        merged["death_year"] = None  # follows the new date
    values = _row_values(conn, _validate(merged))
    write_or_refuse(
        conn,
        update(MARTYRS)
        .where(MARTYRS.c.id == martyr_id, MARTYRS.c.version == version)
        .values(**values, updated_at=dt.datetime.now(dt.UTC)),
    )
    return get_martyr(conn, martyr_id, role)


def delete_martyr(
    conn: Connection, martyr_id: int, version: int | None, precondition: bool = False, role: str = "admin"
) -> None:
    """Delete a martyr record at ``version``; its tributes go with it; Conflict if a family request names it."""
    current = _read(conn, martyr_id, "admin", lock=True)
    _check_version(conn, current, version, precondition, role)
    write_or_refuse(
        conn,
        text("DELETE FROM tributes WHERE target = 'martyrs' AND target_id = :id").bindparams(id=martyr_id),
    )
    write_or_refuse(conn, delete(MARTYRS).where(MARTYRS.c.id == martyr_id, MARTYRS.c.version == version))


def _snapshot(conn: Connection, martyr_id: int) -> dict | None:
    return conn.execute(
        text("SELECT to_jsonb(m) FROM martyrs m WHERE m.id = :id FOR UPDATE"), {"id": martyr_id}
    ).scalar_one_or_none()


def audited_martyr_write(conn: Connection, actor: Actor, verb: str, martyr_id: int | None, write: Callable):
    """Run ``write`` if the actor may ``martyrs.<verb>`` in the record's area before and after; log it."""
    action = f"martyrs.{verb}"
    require_right(actor.principal, action)
    before = _snapshot(conn, martyr_id) if martyr_id is not None else None
    if before is not None:
        authorize(actor.principal, action, [before["area_code"]])
    result = write()
    new_id = martyr_id if martyr_id is not None else (result or {}).get("id")
    after = _snapshot(conn, new_id) if verb != "delete" and new_id is not None else None
    if after is not None:
        authorize(actor.principal, action, [after["area_code"]])
    area = (after or before or {}).get("area_code")
    record(conn, actor, verb, "martyrs", new_id, area_code=area, before=before, after=after)
    return result
