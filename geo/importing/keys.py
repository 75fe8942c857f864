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

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from geo.importing.checks import CheckedRow
from geo.importing.reasons import note, reason
from geo.importing.staging import LoadResult, reject_rows

PREFIXES = {"stations": "ST", "memorials": "ME", "cemeteries": "CE", "graves": "GR"}
"""The first letters of a generated code, per collection."""

_SPACES = re.compile(r"\s+")
_POSITION = ("section", "row_no", "number")

KEYS = ("area_name", "cemetery_position", "area_martyr_name")
"""The natural keys (the report names the one a row matched by)."""


def _norm(column: str) -> str:
    return f"lower(regexp_replace(normalize(coalesce({column}, ''), NFKC), '[[:space:]]+', '', 'g'))"


def area_prefix_sql(column: str) -> str:
    """SQL: the leading digits every area inside the area ``column`` shares (GB/T 2260; geo.vocab.area_prefix)."""
    return (
        f"(CASE WHEN length({column}) = 6 AND {column} LIKE '%0000' THEN left({column}, 2) "
        f"WHEN length({column}) = 6 AND {column} LIKE '%00' THEN left({column}, 4) ELSE {column} END)"
    )


def _nested(a: str, b: str) -> str:
    return f"({a} LIKE {area_prefix_sql(b)} || '%' OR {b} LIKE {area_prefix_sql(a)} || '%')"


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


def _norm_py(value: object) -> str:
    """A key's text as ``_norm`` makes it in SQL: NFKC, no whitespace, lower case."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", "" if value is None else str(value))).lower()


def generated_code(collection: str, values: dict) -> str | None:
    """The generated code of a row whose area is known before the load (given, or found by its names): the code
    the SQL of ``match_keys`` would give it; None when the area is not known yet (found from the point)."""
    area = values.get("area_code")
    if not area:
        return None
    name = _norm_py(values.get("name"))
    if collection != "graves":
        key = f"a|{name}"
    elif values.get("cemetery_id") is not None and any(values.get(c) is not None for c in _POSITION):
        key = f"p|{values['cemetery_id']}|" + "|".join(_norm_py(values.get(c)) for c in _POSITION)
    else:
        key = f"m|{_norm_py(values.get('martyr_name'))}|{name}"
    digest = hashlib.sha256(f"{collection}|{area}|{key}".encode()).hexdigest()[:12]
    return f"{PREFIXES[collection]}-{area[:6]}-{digest}"


@dataclass
class Keyed:
    """What the natural keys gave the rows without a code: per row index, its code, the key it matched by (or
    "new"), and the record matched (its name, area and id, and whether it was stored without a code)."""

    rows: dict[int, tuple] = field(default_factory=dict)  # (code, via, name, area, uncoded, record id, key)

    @property
    def uncoded(self) -> dict[int, tuple[int, str]]:
        """Row → (record id, code) of the records matched that had no code (the import gives them one)."""
        return {i: (r[5], r[0]) for i, r in self.rows.items() if r[4]}


def match_keys(
    conn: Connection,
    staged: str,
    table: str,
    collection: str,
    result: LoadResult,
    explicit: dict[int, str],
    numbers: list[int] | None,
) -> Keyed:
    """Give every staged row without a code (``_via`` set) the code of the record its natural key matches, else
    its generated one; reject rows that match several records or the same record, or whose key another row of
    the file has (see the module doc). ``explicit``: the codes the other rows give (row index → code). The staged
    rows are rewritten only where their code changes (usually none: a generated code came with the COPY)."""
    key, via = _key_sql(collection, "i")
    hits = f"_key_hits_{collection}"
    conn.execute(text(f"DROP TABLE IF EXISTS {hits}"))
    conn.execute(
        text(
            f"CREATE TEMP TABLE {hits} ON COMMIT DROP AS SELECT i._row, t.id, t.code, t.name, t.area_code "
            f"FROM {staged} i JOIN {table} t ON {_match(collection).replace('i._key', key)} "
            "WHERE i._via IS NOT NULL"
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
            f"SELECT i._row, coalesce(i.code, {generated}), i.code IS NULL, h.id, h.code, h.name, h.area_code, "
            f"{via} FROM {staged} i LEFT JOIN {hits} h ON h._row = i._row WHERE i._via IS NOT NULL"
        )
    ).all()
    keyed = Keyed()
    changed: dict[int, str] = {}
    for row, own, unset, record, code, name, area, matched_by in found:
        final = code or own
        if unset or final != own:
            changed[row] = final
        if record is None:
            keyed.rows[row] = (final, "new", None, None, False, None, matched_by)
        else:
            keyed.rows[row] = (final, matched_by, name, area, code is None, record, matched_by)
    if changed:
        conn.execute(
            text(
                f"UPDATE {staged} i SET code = c.code FROM unnest(CAST(:rows AS integer[]), "
                "CAST(:codes AS text[])) AS c(_row, code) WHERE i._row = c._row"
            ),
            {"rows": list(changed), "codes": list(changed.values())},
        )
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
            kind = keyed.rows[i][6] if all(j in keyed.rows for j in idx) else "code"
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
    for i in out:
        keyed.rows.pop(i, None)
    if out:
        conn.execute(text(f"DELETE FROM {staged} WHERE _row = ANY(:rows)"), {"rows": out})
    if changed:
        conn.execute(text(f"ANALYZE {staged} (code)"))  # its codes are new: the later joins plan on them
    return keyed


def name_keyed(rows: list[CheckedRow], keyed: Keyed, result: LoadResult) -> None:
    """Put each keyless row's code into its checked row (the report shows it) with a note of the key it matched
    by, or of the code it was given; rows rejected since are left as they are."""
    for r in rows:
        found = keyed.rows.get(r.index)
        if found is None or r.index in result.reasons:
            continue
        code, via, name, area = found[:4]
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


def give_codes(conn: Connection, table: str, keyed: Keyed, result: LoadResult) -> None:
    """Give the stored records a keyless row matched, stored without a code, the row's (generated) code."""
    pairs = [(record, code) for i, (record, code) in keyed.uncoded.items() if i in result.status]
    if pairs:
        conn.execute(
            text(
                f"UPDATE {table} t SET code = c.code FROM unnest(CAST(:ids AS bigint[]), CAST(:codes AS text[])) "
                "AS c(id, code) WHERE t.id = c.id AND t.code IS NULL"
            ),
            {"ids": [p[0] for p in pairs], "codes": [p[1] for p in pairs]},
        )
