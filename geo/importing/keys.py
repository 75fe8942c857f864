"""Natural keys: a register without codes is matched to the stored records by what identifies a site in it, and
each new record gets a stable generated code (issue 23). Runs in the load's transaction on its staged rows
(geo/importing/load.py), after their areas are known (given, named, or found from the point).

The keys (names compared without spaces, in NFKC form, case-folded):

- stations, memorials, cemeteries: area + name. The areas match when one lies inside the other (a register that
  gives the township matches the record stored under its village, found from its point);
- graves in a cemetery: cemetery + section/row/number (the position; names repeat: 无名烈士墓);
- other graves (scattered, or in a cemetery without a position): area + martyr's name + name.

A row whose key matches one record updates it (the record's code, or, for a record stored without a code, the
generated one it then gets); several records: the row is rejected naming them (give its code). No record: a new
record whose code is ``<prefix>-<county>-<12 hex digits of the SHA-256 of collection, area and key>``, e.g.
``ST-450329-1f0c9a2b3c4d``: the same row in any file gets the same code, so a second import of the same file
changes nothing. Two rows of one file with the same key (or matching the same record) are rejected both: the
register has the same site twice. Each keyless row's report names the key it matched by (``note.key_matched``) or
the code it was given (``note.code_generated``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from geo.importing.checks import CheckedRow
from geo.importing.reasons import note, reason
from geo.importing.staging import LoadResult, reject_rows

PREFIXES = {"stations": "ST", "memorials": "ME", "cemeteries": "CE", "graves": "GR"}
"""The first letters of a generated code, per collection."""

KEYS = ("area_name", "cemetery_position", "area_martyr_name")
"""The natural keys (the report names the one a row matched by)."""


def _norm(column: str) -> str:
    return f"lower(regexp_replace(normalize(coalesce({column}, ''), NFKC), '[[:space:]]+', '', 'g'))"


def _prefix(column: str) -> str:
    """SQL: the leading digits every area inside the area ``column`` shares (GB/T 2260)."""
    return (
        f"(CASE WHEN length({column}) = 6 AND {column} LIKE '%0000' THEN left({column}, 2) "
        f"WHEN length({column}) = 6 AND {column} LIKE '%00' THEN left({column}, 4) ELSE {column} END)"
    )


def _nested(a: str, b: str) -> str:
    return f"({a} LIKE {_prefix(b)} || '%' OR {b} LIKE {_prefix(a)} || '%')"


def _position(x: str) -> str:
    return f"({x}.cemetery_id IS NOT NULL AND num_nonnulls({x}.section, {x}.row_no, {x}.number) > 0)"


def _key_sql(collection: str, x: str) -> tuple[str, str]:
    """SQL of the natural key of the rows (or records) ``x``, and of the name of the key used."""
    name = _norm(f"{x}.name")
    if collection != "graves":
        return f"'a|' || {name}", "'area_name'"
    place = f"'p|' || {x}.cemetery_id || '|' || " + " || '|' || ".join(
        _norm(f"{x}.{c}") for c in ("section", "row_no", "number")
    )
    martyr = f"'m|' || {_norm(f'{x}.martyr_name')} || '|' || {name}"
    return (
        f"(CASE WHEN {_position(x)} THEN {place} ELSE {martyr} END)",
        f"(CASE WHEN {_position(x)} THEN 'cemetery_position' ELSE 'area_martyr_name' END)",
    )


def _match(collection: str) -> str:
    """SQL true when the stored record ``t`` has the natural key of the row ``i`` (``i._key`` computed)."""
    key, _ = _key_sql(collection, "t")
    same = f"{key} = i._key"
    if collection != "graves":
        return f"{same} AND {_nested('t.area_code', 'i.area_code')}"
    return f"{same} AND ({_position('i')} OR {_nested('t.area_code', 'i.area_code')})"


@dataclass
class Keyed:
    """What the natural keys gave the rows without a code: per row index, its code, the key it matched by (or
    "new"), and the record matched (its name and area; whether it was stored without a code)."""

    rows: dict[int, tuple[str, str, str | None, str | None, bool]] = field(default_factory=dict)

    @property
    def uncoded(self) -> set[int]:
        """The rows whose matched record had no code (the import gives it one: an update)."""
        return {i for i, r in self.rows.items() if r[4]}


def match_keys(
    conn: Connection,
    staged: str,
    table: str,
    collection: str,
    result: LoadResult,
    explicit: dict[int, str],
    numbers: list[int] | None,
) -> Keyed:
    """Give every staged row without a code the code of the record its natural key matches, else a generated
    one; reject rows that match several records or the same record, or whose key another row of the file has
    (see the module doc). ``explicit``: the codes the other rows give (row index → code). One UPDATE of the
    staged rows; the rest is read back and decided here."""
    key, via = _key_sql(collection, "i")
    hits = f"_key_hits_{collection}"
    conn.execute(text(f"DROP TABLE IF EXISTS {hits}"))
    conn.execute(
        text(
            f"CREATE TEMP TABLE {hits} ON COMMIT DROP AS SELECT i._row, t.id, t.code, t.name, t.area_code "
            f"FROM {staged} i JOIN {table} t ON {_match(collection).replace('i._key', key)} WHERE i.code IS NULL"
        )
    )
    reject_rows(
        conn,
        staged,
        result,
        f"SELECT _row, string_agg(coalesce(code, '—') || ' ' || name || '（' || area_code || '）', '、' "
        f"ORDER BY code) FROM {hits} GROUP BY _row HAVING count(*) > 1",
        lambda r: reason(
            f"the row matches several stored records by its natural key: {r[1]}; give its code",
            "key.ambiguous",
            "name",
            candidates=r[1],
        ),
    )
    prefix = PREFIXES[collection]
    generated = (
        f"'{prefix}-' || left(i.area_code, 6) || '-' || "
        f"left(encode(sha256(convert_to('{collection}|' || i.area_code || '|' || {key}, 'UTF8')), 'hex'), 12)"
    )
    found = conn.execute(
        text(
            f"UPDATE {staged} i SET _matched = h.id, _via = CASE WHEN h.id IS NULL THEN 'new' ELSE {via} END, "
            f"code = coalesce(h.code, {generated}) "
            f"FROM {staged} s LEFT JOIN {hits} h ON h._row = s._row WHERE s._row = i._row AND i.code IS NULL "
            "RETURNING i._row, i.code, i._via, h.name, h.area_code, h.id IS NOT NULL AND h.code IS NULL"
        )
    ).all()
    keyed = Keyed({r[0]: tuple(r[1:]) for r in found})
    where: dict[str, list[int]] = {}
    for i, code in explicit.items():
        where.setdefault(code, []).append(i)
    for i, r in keyed.rows.items():
        where.setdefault(r[0], []).append(i)
    out = []
    for idx in where.values():
        if len(idx) < 2:
            continue
        for i in idx:
            if i not in keyed.rows:
                continue  # a row that gives its code keeps it; the keyless ones that land on it go
            others = ", ".join(str(numbers[j] if numbers else j + 2) for j in sorted(idx) if j != i)
            kind = keyed.rows[i][1] if all(j in keyed.rows for j in idx) else "code"
            result.reasons.setdefault(
                i,
                reason(
                    f"the same site as row {others} (same {kind}): the register has it twice",
                    f"key.repeated.{kind}",
                    "name",
                    others=others,
                ),
            )
            out.append(i)
            keyed.rows.pop(i)
    if out:
        conn.execute(text(f"DELETE FROM {staged} WHERE _row = ANY(:rows)"), {"rows": out})
    conn.execute(text(f"ANALYZE {staged} (code)"))  # its codes are new: the later joins plan on them
    return keyed


def name_keyed(rows: list[CheckedRow], keyed: Keyed, result: LoadResult) -> None:
    """Put each keyless row's code into its checked row (the report shows it) with a note of the key it matched
    by, or of the code it was given; rows rejected since are left as they are."""
    for r in rows:
        found = keyed.rows.get(r.index)
        if found is None or r.index in result.reasons:
            continue
        code, via, name, area, _uncoded = found
        r.values["code"] = code
        if via == "new":
            r.notes.append(note(f"new record, code {code} generated", "code_generated", "code", code=code))
        else:
            r.notes.append(
                note(
                    f"matched by {via} to the stored record {code} ({name}, {area})",
                    f"key_matched.{via}",
                    "code",
                    code=code,
                    name=name,
                    area=area,
                )
            )


def give_codes(conn: Connection, staged: str, table: str, keyed: Keyed) -> None:
    """Give the stored records a keyless row matched, stored without a code, the row's (generated) code."""
    if keyed.uncoded:
        conn.execute(
            text(
                f"UPDATE {table} t SET code = i.code FROM {staged} i WHERE t.id = i._matched AND t.code IS NULL "
                "AND i._row = ANY(:rows)"
            ),
            {"rows": sorted(keyed.uncoded)},
        )
