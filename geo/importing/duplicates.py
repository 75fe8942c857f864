"""Likely duplicates of an import: a row with the same name (compared without spaces, punctuation, full-width forms
or case) as an earlier row of the file, or as a stored record, within ``NEAR_M`` metres (geodesic). Such a row is
reported with the pair and kept out, unless the operator confirms the pairs are different places
(``accept_duplicates``): a register's repeated row never becomes a second site.

A row that is a stored record itself is not its duplicate: a row whose code is that record's (an update), or a
row without a code whose natural key (area and name) the record has, which the load matches and updates. A row
of the same name within ``NEAR_M`` of a record under another code, or under another declared area, is a likely
duplicate. Graves at different positions of a cemetery (section, row, number) are different graves whatever
their names (无名烈士墓)."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from pyproj import Geod
from sqlalchemy import Connection, text

from geo.atlas.collections import COLLECTIONS
from geo.importing.checks import CheckedRow
from geo.importing.keys import area_prefix_sql
from geo.importing.reasons import RowReason, reason
from geo.vocab import area_prefix

NEAR_M = 50.0
"""Rows of the same name closer than this (metres, geodesic) are likely the same place."""

_GEOD = Geod(ellps="WGS84")
_BOX_DEG = 0.001  # a bounding box (degrees) surely wider than NEAR_M in China, for the index probe
_IGNORED = re.compile(r"[\s\-_.,;:!?'\"()\[\]{}<>/\\|·・、，。：；！？“”‘’《》〈〉「」『』【】〔〕]+")
_POSITION = ("section", "row_no", "number")


def same_name_key(name: Any) -> str:
    """A name as duplicates are compared: NFKC (full-width letters and digits as half-width), lower case, without
    spaces and punctuation."""
    if name is None:
        return ""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", str(name)).lower())


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The geodesic distance between two WGS-84 points, in metres."""
    return float(_GEOD.inv(lon1, lat1, lon2, lat2)[2])


@dataclass(frozen=True)
class Duplicate:
    """A row kept out (or, when confirmed, let in) as a likely duplicate: of an earlier row of the file (``row``,
    its spreadsheet number and ``other_index``) or of a stored record (``code``), ``metres`` apart."""

    index: int
    row: int
    name: str
    metres: float
    other_row: int | None = None
    other_index: int | None = None
    code: str | None = None
    other_name: str | None = None
    other_sheet: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The pair as the report keeps it."""
        return {
            "row": self.row,
            "name": self.name,
            "metres": round(self.metres, 1),
            "other_row": self.other_row,
            "other_sheet": self.other_sheet,
            "code": self.code,
            "other_name": self.other_name,
        }

    def reason(self) -> RowReason:
        """Why the row is kept out, for the report and the rejects file."""
        m = f"{self.metres:.0f}"
        if self.code is not None:
            return reason(
                f"likely a duplicate of the stored record {self.code} {self.other_name}, {m} m away with the same "
                "name: confirm the duplicates to import it all the same",
                "likely_duplicate_stored",
                "name",
                code=self.code,
                name=self.other_name,
                metres=m,
            )
        if self.other_sheet:
            return reason(
                f"likely a duplicate of row {self.other_row} of the sheet {self.other_sheet!r}, {m} m away with the "
                "same name: confirm the duplicates to import it all the same",
                "likely_duplicate_row_in_sheet",
                "name",
                other=self.other_row,
                sheet=self.other_sheet,
                metres=m,
            )
        return reason(
            f"likely a duplicate of row {self.other_row} of the file, {m} m away with the same name: confirm the "
            "duplicates to import it all the same",
            "likely_duplicate_row",
            "name",
            other=self.other_row,
            metres=m,
        )


def _positions_differ(a: dict[str, Any], b: dict[str, Any]) -> bool:
    pa = tuple(a.get(k) for k in _POSITION)
    pb = tuple(b.get(k) for k in _POSITION)
    return any(v is not None for v in pa) and any(v is not None for v in pb) and pa != pb


def _name_key(r: CheckedRow) -> str:
    """The row's name as compared, empty when the row cannot be compared (no name, or no point)."""
    if not (math.isfinite(r.lon) and math.isfinite(r.lat)):
        return ""
    return same_name_key(r.values.get("name"))


def in_file(rows: list[CheckedRow], numbers: list[int], sheets: list[str] | None = None) -> list[Duplicate]:
    """Rows of the same name within NEAR_M of an earlier row of the file (each row against the first of them)."""
    groups: dict[str, list[CheckedRow]] = {}
    for r in rows:
        key = _name_key(r)
        if key:
            groups.setdefault(key, []).append(r)
    out = []
    for group in groups.values():
        if len(group) < 2:
            continue
        kept: list[CheckedRow] = []
        for r in sorted(group, key=lambda g: g.index):
            first = None
            for k in kept:
                if abs(k.lat - r.lat) > _BOX_DEG or abs(k.lon - r.lon) > _BOX_DEG:
                    continue
                if _positions_differ(k.values, r.values):
                    continue
                metres = distance_m(k.lon, k.lat, r.lon, r.lat)
                if metres <= NEAR_M:
                    first = (k, metres)
                    break
            if first is None:
                kept.append(r)
                continue
            k, metres = first
            out.append(
                Duplicate(
                    r.index,
                    numbers[r.index],
                    str(r.values["name"]),
                    metres,
                    other_row=numbers[k.index],
                    other_index=k.index,
                    other_name=str(k.values["name"]),
                    other_sheet=sheets[k.index] if sheets else None,
                )
            )
    return out


def in_database(
    conn: Connection, collection: str, rows: list[CheckedRow], numbers: list[int], given_codes: set[int]
) -> list[Duplicate]:
    """Rows of the same name within NEAR_M of a stored record that is not their own (see the module doc).
    ``given_codes``: the indexes of the rows whose code the file gives (the others' codes are generated)."""
    if collection not in COLLECTIONS or not rows:
        return []
    model = COLLECTIONS[collection].model
    table = model.__table__.name
    # a row without a code nor a declared area matches any record of its name by its natural key (the load
    # updates it): no stored record can be its duplicate, so it is not probed
    keys = {
        r.index: key
        for r in rows
        if (r.index in given_codes or r.values.get("area_code") is not None) and (key := _name_key(r))
    }
    usable = [r for r in rows if r.index in keys]
    if not usable:
        return []
    # first the names stored around the file's rows (one query): only rows of such a name are probed, each
    # against the records of the stored names that compare equal to its own
    lons, lats = [r.lon for r in usable], [r.lat for r in usable]
    stored = conn.execute(
        text(
            f"SELECT DISTINCT name FROM {table} "
            "WHERE geom && ST_MakeEnvelope(:x0 - :box, :y0 - :box, :x1 + :box, :y1 + :box, 4326)"
        ),
        {"x0": min(lons), "y0": min(lats), "x1": max(lons), "y1": max(lats), "box": _BOX_DEG},
    ).scalars()
    names: dict[str, list[str]] = {}
    for n in stored:
        names.setdefault(same_name_key(n), []).append(n)
    probes = [(r, n) for r in usable for n in names.get(keys[r.index], ())]
    if not probes:
        return []
    positions = collection == "graves"
    extra = ", t.section, t.row_no, t.number" if positions else ""
    # compiling the probe took longer than running it (the load turns JIT off for the same reason)
    conn.execute(text("SET LOCAL jit = off"))
    # the cheap tests first (the name, and for a row without a code the areas of its natural key, whose record
    # it updates), the geodesic distance only for the records left
    found = conn.execute(
        text(
            f"SELECT p.i, t.code, t.name, "
            f"ST_Distance(t.geom::geography, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography){extra} "
            "FROM unnest(CAST(:idx AS integer[]), CAST(:lon AS float8[]), CAST(:lat AS float8[]), "
            "CAST(:name AS text[]), CAST(:area AS text[]), CAST(:prefix AS text[])) "
            "AS p(i, lon, lat, name, area, prefix) "
            f"JOIN {table} t ON t.geom && ST_Expand(ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326), :box) "
            "AND t.name = p.name AND (p.area IS NULL OR NOT coalesce(t.area_code LIKE p.prefix || '%' "
            f"OR p.area LIKE {area_prefix_sql('t.area_code')} || '%', true)) "
            "AND ST_DWithin(t.geom::geography, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography, :near) "
            "ORDER BY p.i, 4"
        ),
        {
            "idx": [r.index for r, _n in probes],
            "lon": [r.lon for r, _n in probes],
            "lat": [r.lat for r, _n in probes],
            "name": [n for _r, n in probes],
            "area": [_keyless_area(r, given_codes) for r, _n in probes],
            "prefix": [_keyless_prefix(r, given_codes) for r, _n in probes],
            "box": _BOX_DEG,
            "near": NEAR_M,
        },
    ).all()
    by_index = {r.index: r for r in usable}
    out: dict[int, Duplicate] = {}
    for hit in found:
        i, code, name, metres = hit[0], hit[1], hit[2], float(hit[3])
        r = by_index[i]
        if i in out:
            continue
        own_code = r.values.get("code")
        if own_code is not None and str(own_code) == str(code):
            continue  # the row updates this record
        if positions and _positions_differ(r.values, dict(zip(_POSITION, hit[4:7], strict=True))):
            continue
        out[i] = Duplicate(i, numbers[i], str(r.values["name"]), metres, code=str(code), other_name=str(name))
    return sorted(out.values(), key=lambda d: d.index)


def _keyless_area(r: CheckedRow, given_codes: set[int]) -> str | None:
    """The declared area of a row without a code (its natural key's), None for a row that gives its code."""
    return None if r.index in given_codes else str(r.values["area_code"])


def _keyless_prefix(r: CheckedRow, given_codes: set[int]) -> str | None:
    area = _keyless_area(r, given_codes)
    return None if area is None else area_prefix(area)


def stored_codes(conn: Connection, collection: str, codes: list[str]) -> set[str]:
    """Which of ``codes`` the collection holds (a row of a stored code updates its record: never a new duplicate)."""
    if collection not in COLLECTIONS or not codes:
        return set()
    table = COLLECTIONS[collection].model.__table__.name
    found = conn.execute(text(f"SELECT code FROM {table} WHERE code = ANY(:codes)"), {"codes": codes})
    return {str(c) for c in found.scalars()}


def likely_duplicates(
    conn: Connection,
    collection: str,
    rows: list[CheckedRow],
    numbers: list[int],
    given_codes: set[int],
    sheets: list[str] | None = None,
) -> list[Duplicate]:
    """The likely duplicates among ``rows`` (checked rows of a file): of an earlier row, else of a stored record;
    a row of a code already stored updates its own record and is never a new duplicate of another."""
    if collection not in COLLECTIONS:
        return []
    stored = stored_codes(conn, collection, [str(r.values["code"]) for r in rows if r.values.get("code")])
    fresh = [r for r in rows if not (r.values.get("code") and str(r.values["code"]) in stored)]
    new = {r.index for r in fresh}
    found = {d.index: d for d in in_file(rows, numbers, sheets) if d.index in new}
    rest = [r for r in fresh if r.index not in found]
    for d in in_database(conn, collection, rest, numbers, given_codes):
        found.setdefault(d.index, d)
    return sorted(found.values(), key=lambda d: d.index)
