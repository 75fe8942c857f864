"""Public name search of memorials and cemeteries, and of martyr records (Chinese, pinyin, pinyin initials).

How a query is matched (migration 0009 indexes: pg_trgm GIN on ``name`` and ``name_pinyin``, text_pattern_ops
btree on ``name_initials``):

- ASCII letters (spaces and apostrophes dropped, ``Dong Gou`` → ``donggou``) match the pinyin as a substring
  (``LIKE '%q%'``, trigram index) and the initials as a prefix (btree). Queries of 1-2 letters have no trigram
  to look up: they match the pinyin and the initials as a prefix only.
- Chinese text matches the name as a substring (trigram index). A 1-2 character query has no
  trigram inside it either: on martyr records (millions of rows) it matches the name as a prefix (a surname, a
  two-character full name), which the trigram index answers through its word-start trigrams; memorials and
  cemeteries (a few hundred thousand rows nationally) are scanned for the substring.
- Rank: exact name (or pinyin) 0 > name or pinyin prefix 1 > initials prefix 2 > substring 3 > similarity 4;
  then distance (``near``), similarity, name.

When a query of 3 or more letters or characters matches nothing as written, it runs once more with a fuzzy
match (``q <% name_pinyin`` / ``q <% name``: trigram word similarity, same indexes), ranked last, so a typo
(``donggoo``) still finds. Only then: on two million records a fuzzy pinyin match costs about 70 ms more and
brings hundreds of near names along with each exact one.

Hometown and unit filters are substrings (trigram index); 1-2 character ones are prefixes, for the same reason.
Distances are geodesic metres on WGS-84 (geography).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from geo import vocab
from geo.atlas.areas import require_area
from geo.errors import InvalidInput
from geo.kit.like import escape_like
from geo.kit.pinyin import name_pinyin, normalize, query_key

SEARCH_COLLECTIONS = ("memorials", "cemeteries")
MAX_QUERY_CHARS = 50
MAX_LIMIT = 100
MAX_OFFSET = 10_000
YEAR_RANGE = (1800, 2100)
_WORD = re.compile(r"[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
NOTHING_TO_SEARCH = "give a name, pinyin or a filter"


@dataclass(frozen=True)
class SiteSearch:
    """A search of memorials and cemeteries: text (Chinese name, pinyin or initials) and filters.

    ``near`` is (lon, lat) in WGS-84 degrees; results then carry ``distance_m`` (geodesic metres) and are
    ordered by distance after the text rank.
    """

    text: str | None = None
    kind: str | None = None
    protection_level: str | None = None
    area: str | None = None
    near: tuple[float, float] | None = None
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True)
class MartyrSearch:
    """A search of martyr records: text (name in Chinese, pinyin or initials), hometown, unit, year, area."""

    text: str | None = None
    hometown: str | None = None
    unit: str | None = None
    death_year: int | None = None
    death_year_from: int | None = None
    death_year_to: int | None = None
    area: str | None = None
    limit: int = 20
    offset: int = 0


@dataclass
class _Match:
    """SQL pieces of a text match over one table alias: condition, rank and similarity, and their params."""

    where: list[str] = field(default_factory=list)
    fuzzy: bool = False  # whether a fuzzy (word similarity) match was added or could be
    rank: str = "0"
    sim: str = "0.0"
    params: dict = field(default_factory=dict)


def clean_text(value: str | None, what: str) -> str | None:
    """The normalised search text, None when empty; InvalidInput when too long or only punctuation."""
    if value is None:
        return None
    value = normalize(value)
    if not value:
        return None
    if "\x00" in value:
        raise InvalidInput(f"{what} holds a NUL character", key="search.nul", params={"what": what})
    if len(value) > MAX_QUERY_CHARS:
        raise InvalidInput(
            f"{what} is {len(value)} characters long; at most {MAX_QUERY_CHARS}",
            key="search.too_long",
            params={"what": what, "n": len(value), "max": MAX_QUERY_CHARS},
        )
    if not _WORD.search(value):
        raise InvalidInput(
            f"{what} {value!r} holds no letter, digit or Chinese character to search for",
            key="search.no_word",
            params={"what": what, "value": value},
        )
    return value


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_LIMIT}, not {limit}",
            key="search.limit",
            params={"max": MAX_LIMIT, "value": limit},
        )
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(
            f"offset must be between 0 and {MAX_OFFSET}, not {offset}",
            key="search.offset",
            params={"max": MAX_OFFSET, "value": offset},
        )


def _name_match(alias: str, q: str, short_prefix: bool, fuzzy: bool = False) -> _Match:
    """Match ``q`` against the name, pinyin and initials of the rows of ``alias``; ``fuzzy`` adds similarity."""
    name, pinyin, initials = f"{alias}.name", f"{alias}.name_pinyin", f"{alias}.name_initials"
    key = query_key(q)
    m = _Match()
    if key is not None:
        m.params = {"k": key, "k_prefix": escape_like(key) + "%", "k_sub": "%" + escape_like(key) + "%"}
        if len(key) >= 3:
            similar = f" OR :k <% {pinyin}" if fuzzy else ""
            m.where.append(f"({pinyin} LIKE :k_sub OR {initials} LIKE :k_prefix{similar})")
            m.fuzzy = True
        else:
            m.where.append(f"({initials} LIKE :k_prefix OR {pinyin} LIKE :k_prefix)")
        m.rank = (
            f"CASE WHEN {pinyin} = :k OR lower({name}) = :k THEN 0 WHEN {pinyin} LIKE :k_prefix THEN 1"
            f" WHEN {initials} LIKE :k_prefix THEN 2 WHEN {pinyin} LIKE :k_sub THEN 3 ELSE 4 END"
        )
        m.sim = f"word_similarity(:k, {pinyin})"
        return m
    m.params = {"q": q, "q_prefix": escape_like(q) + "%", "q_sub": "%" + escape_like(q) + "%"}
    if len(q) >= 3:
        m.where.append(f"({name} ILIKE :q_sub OR :q <% {name})" if fuzzy else f"{name} ILIKE :q_sub")
        m.fuzzy = True
    elif short_prefix:
        m.where.append(f"{name} LIKE :q_prefix")
    else:
        m.where.append(f"{name} ILIKE :q_sub")
    m.rank = (
        f"CASE WHEN {name} = :q THEN 0 WHEN {name} LIKE :q_prefix THEN 1"
        f" WHEN {name} ILIKE :q_sub THEN 3 ELSE 4 END"
    )
    m.sim = f"word_similarity(:q, {name})"
    return m


def _substring(column: str, value: str, param: str, params: dict) -> str:
    """A substring condition (a prefix one for 1-2 characters, which trigrams cannot look up inside)."""
    escaped = escape_like(value)
    if len(value) >= 3:
        params[param] = f"%{escaped}%"
    else:
        params[param] = f"{escaped}%"
    return f"{column} ILIKE :{param}"


def _site_filters(q: SiteSearch) -> tuple[tuple[str, ...], str | None]:
    """The collections a search covers, and the protection level; InvalidInput for unknown values."""
    collections = SEARCH_COLLECTIONS
    if q.kind is not None:
        if q.kind in vocab.MEMORIAL_KINDS:
            collections = ("memorials",)
        elif q.kind in vocab.CEMETERY_KINDS:
            collections = ("cemeteries",)
        else:
            kinds = ", ".join((*vocab.MEMORIAL_KINDS, *vocab.CEMETERY_KINDS))
            raise InvalidInput(
                f"unknown kind {q.kind!r}; one of {kinds}", key="search.kind", params={"value": q.kind}
            )
    if q.protection_level is not None and q.protection_level not in vocab.PROTECTION_LEVELS:
        levels = ", ".join(vocab.PROTECTION_LEVELS)
        raise InvalidInput(
            f"unknown protection_level {q.protection_level!r}; one of {levels}",
            key="search.protection_level",
            params={"value": q.protection_level},
        )
    return collections, q.protection_level


def _check_near(near: tuple[float, float] | None) -> None:
    if near is None:
        return
    lon, lat = near
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(
            f"near must be lon,lat in degrees (WGS-84), not {lon},{lat}",
            key="search.near_range",
            params={"value": f"{lon},{lat}"},
        )


def search_sites(conn: Connection, q: SiteSearch) -> tuple[int, list[dict]]:
    """Memorials and cemeteries matching ``q``, best first: (number matched, one page of results).

    Each result: id, collection, name, kind, protection_level, area_name, lon, lat (WGS-84), distance_m when
    ``near`` is given, url of the public page ``/sites/{collection}/{id}``. Raises InvalidInput for bad input.
    """
    _check_page(q.limit, q.offset)
    words = clean_text(q.text, "q")
    collections, level = _site_filters(q)
    _check_near(q.near)
    if words is None and q.kind is None and level is None and q.area is None and q.near is None:
        raise InvalidInput(NOTHING_TO_SEARCH, key="search.nothing")
    total, results, can_fuzz = _site_page(conn, q, words, collections, level, fuzzy=False)
    if total == 0 and can_fuzz:  # nothing matched as written: try similar names (a typo, a missing character)
        total, results, _ = _site_page(conn, q, words, collections, level, fuzzy=True)
    return total, results


def _site_page(
    conn: Connection,
    q: SiteSearch,
    words: str | None,
    collections: tuple[str, ...],
    level: str | None,
    fuzzy: bool,
) -> tuple[int, list[dict], bool]:
    """(number matched, one page, whether a fuzzy retry is possible) of a site search."""
    match = _name_match("t", words, short_prefix=False, fuzzy=fuzzy) if words else _Match()
    params: dict = {**match.params, "limit": q.limit, "offset": q.offset}
    where = list(match.where)
    if q.kind is not None:
        where.append("t.kind = :kind")
        params["kind"] = q.kind
    if level is not None:
        where.append("t.protection_level = :level")
        params["level"] = level
    if q.area is not None:
        where.append("t.area_code LIKE :area_prefix")
        params["area_prefix"] = escape_like(require_area(conn, q.area).descendant_prefix) + "%"
    distance = "NULL::float8"
    if q.near is not None:
        params["lon"], params["lat"] = q.near
        distance = "ST_Distance(t.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)"
    condition = " AND ".join(where) or "TRUE"
    parts = [
        f"SELECT '{c}' AS collection, t.id, t.name, t.kind, t.protection_level, a.name AS area_name,"
        f" ST_X(t.geom) AS lon, ST_Y(t.geom) AS lat, {match.rank} AS rank, {match.sim} AS sim,"
        f" {distance} AS distance_m"
        f" FROM {c} t JOIN areas a ON a.code = t.area_code WHERE {condition}"
        for c in collections
    ]
    sql = (
        f"SELECT *, count(*) OVER () AS total FROM ({' UNION ALL '.join(parts)}) s"
        " ORDER BY rank, distance_m NULLS LAST, sim DESC, name, collection, id LIMIT :limit OFFSET :offset"
    )
    rows = conn.execute(text(sql), params).mappings().all()
    total = rows[0]["total"] if rows else _count(conn, parts, params)
    results = []
    for r in rows:
        item = {
            k: r[k]
            for k in ("id", "collection", "name", "kind", "protection_level", "area_name", "lon", "lat")
        }
        if q.near is not None:
            item["distance_m"] = round(float(r["distance_m"]), 1)
        item["url"] = f"/sites/{r['collection']}/{r['id']}"
        results.append(item)
    return total, results, match.fuzzy


def _count(conn: Connection, parts: list[str], params: dict) -> int:
    if params.get("offset", 0) == 0:
        return 0
    return conn.execute(text(f"SELECT count(*) FROM ({' UNION ALL '.join(parts)}) s"), params).scalar_one()


def _check_year(value: int | None, what: str) -> None:
    if value is not None and not YEAR_RANGE[0] <= value <= YEAR_RANGE[1]:
        raise InvalidInput(
            f"{what} {value} is not a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}",
            key="search.year",
            params={"what": what, "value": value, "min": YEAR_RANGE[0], "max": YEAR_RANGE[1]},
        )


def _martyr_conditions(conn: Connection, q: MartyrSearch, fuzzy: bool = False) -> _Match:
    """The WHERE, rank and parameters of a martyr search; InvalidInput for bad or empty input."""
    words = clean_text(q.text, "q")
    hometown = clean_text(q.hometown, "hometown")
    unit = clean_text(q.unit, "unit")
    for value, what in (
        (q.death_year, "death_year"),
        (q.death_year_from, "death_year_from"),
        (q.death_year_to, "death_year_to"),
    ):
        _check_year(value, what)
    if q.death_year_from is not None and q.death_year_to is not None and q.death_year_from > q.death_year_to:
        raise InvalidInput(
            f"death_year_from {q.death_year_from} is after death_year_to {q.death_year_to}",
            key="search.year_order",
            params={"start": q.death_year_from, "end": q.death_year_to},
        )
    filters = (hometown, unit, q.death_year, q.death_year_from, q.death_year_to, q.area)
    if words is None and all(f is None for f in filters):
        raise InvalidInput(NOTHING_TO_SEARCH, key="search.nothing")
    m = _name_match("m", words, short_prefix=True, fuzzy=fuzzy) if words else _Match()
    if hometown is not None:
        m.where.append(_substring("m.hometown", hometown, "hometown", m.params))
    if unit is not None:
        m.where.append(_substring("m.unit", unit, "unit", m.params))
    if q.death_year is not None:
        m.where.append("m.death_year = :death_year")
        m.params["death_year"] = q.death_year
    if q.death_year_from is not None:
        m.where.append("m.death_year >= :year_from")
        m.params["year_from"] = q.death_year_from
    if q.death_year_to is not None:
        m.where.append("m.death_year <= :year_to")
        m.params["year_to"] = q.death_year_to
    if q.area is not None:
        m.where.append("m.area_code LIKE :area_prefix")
        m.params["area_prefix"] = escape_like(require_area(conn, q.area).descendant_prefix) + "%"
    return m


MARTYR_SUMMARY = """
SELECT m.id, m.name, m.unnamed, m.gender, m.birth_year, m.death_year, m.hometown, m.unit, m.synthetic,
       CASE WHEN m.grave_id IS NOT NULL THEN 'grave' WHEN m.cemetery_id IS NOT NULL THEN 'cemetery'
            WHEN m.memorial_id IS NOT NULL THEN 'memorial' ELSE 'unknown' END AS burial_kind,
       coalesce(c.name, w.name) AS burial_place, g.section, g.row_no, g.number
FROM {source} JOIN martyrs m ON m.id = p.id
LEFT JOIN graves g ON g.id = m.grave_id
LEFT JOIN cemeteries c ON c.id = coalesce(m.cemetery_id, g.cemetery_id)
LEFT JOIN memorials w ON w.id = m.memorial_id
"""


def martyr_summary(row) -> dict:
    """A martyr search or list result as JSON: the record's public summary and where it lies."""
    item = {
        k: row[k]
        for k in (
            "id",
            "name",
            "unnamed",
            "gender",
            "birth_year",
            "death_year",
            "hometown",
            "unit",
            "synthetic",
        )
    }
    item["burial"] = {"kind": row["burial_kind"], "place": row["burial_place"]}
    if row["burial_kind"] == "grave":
        item["burial"].update(section=row["section"], row=row["row_no"], number=row["number"])
    item["url"] = f"/martyrs/{row['id']}"
    return item


def _martyr_query(conn: Connection, q: MartyrSearch, fuzzy: bool = False) -> tuple[str, str, dict, bool]:
    """(page SQL, matching-rows SQL, parameters, fuzzy retry possible) of a martyr search; InvalidInput."""
    _check_page(q.limit, q.offset)
    m = _martyr_conditions(conn, q, fuzzy)
    params = {**m.params, "limit": q.limit, "offset": q.offset}
    condition = " AND ".join(m.where)
    matched = f"SELECT m.id, {m.rank} AS rank, m.name_pinyin FROM martyrs m WHERE {condition}"
    page = (
        f"(SELECT id, rank, name_pinyin, count(*) OVER () AS total FROM ({matched}) s"
        " ORDER BY rank, name_pinyin, id LIMIT :limit OFFSET :offset) p"
    )
    sql = MARTYR_SUMMARY.format(source=page) + " ORDER BY p.rank, p.name_pinyin, p.id"
    return sql.replace("SELECT m.id,", "SELECT p.total, m.id,", 1), matched, params, m.fuzzy


def explain_martyr_search(
    conn: Connection, q: MartyrSearch, analyze: bool = False, fuzzy: bool = False
) -> str:
    """The query plan of a martyr search (EXPLAIN, with ANALYZE when asked), for tests and the benchmark."""
    sql, _, params, _ = _martyr_query(conn, q, fuzzy)
    mode = "EXPLAIN (ANALYZE, COSTS OFF)" if analyze else "EXPLAIN (COSTS OFF)"
    return "\n".join(r[0] for r in conn.execute(text(f"{mode} {sql}"), params))


def search_martyrs(conn: Connection, q: MartyrSearch) -> tuple[int, list[dict]]:
    """Martyr records matching ``q``, best first: (number matched, one page of public summaries).

    Each result: id, name, unnamed, gender, birth_year, death_year, hometown, unit, synthetic, burial (kind:
    grave/cemetery/memorial/unknown, place name; section/row/number for a grave), url of ``/martyrs/{id}``.
    Raises InvalidInput for bad input (nothing to search for, too long, only punctuation, absurd years).
    """
    total, results, can_fuzz = _martyr_page(conn, q, fuzzy=False)
    if total == 0 and can_fuzz:  # nothing matched as written: try similar names (a typo, a missing character)
        total, results, _ = _martyr_page(conn, q, fuzzy=True)
    return total, results


def _martyr_page(conn: Connection, q: MartyrSearch, fuzzy: bool) -> tuple[int, list[dict], bool]:
    sql, matched, params, can_fuzz = _martyr_query(conn, q, fuzzy)
    rows = conn.execute(text(sql), params).mappings().all()
    if rows:
        total = rows[0]["total"]
    elif q.offset:
        total = conn.execute(text(f"SELECT count(*) FROM ({matched}) s"), params).scalar_one()
    else:
        total = 0
    return total, [martyr_summary(r) for r in rows], can_fuzz


SUGGEST_KINDS = ("sites", "martyrs")
MAX_SUGGESTIONS = 10


def suggest(conn: Connection, q: str, kinds: tuple[str, ...] = SUGGEST_KINDS, limit: int = 8) -> list[dict]:
    """Names to offer while a visitor types ``q`` (Chinese, pinyin or initials), best first: sites, then martyrs.

    Each suggestion: kind ("sites" or "martyrs"), name, detail (the site's area, the martyr's years and burial
    place), url of the public page. Too short or only punctuation: no suggestions (never an error while typing);
    InvalidInput for a query over the length limit or an unknown kind.
    """
    unknown = [k for k in kinds if k not in SUGGEST_KINDS]
    if unknown:
        raise InvalidInput(
            f"suggestions are of sites or martyrs, not {', '.join(unknown)}",
            key="search.suggest_kind",
            params={"value": ", ".join(unknown)},
        )
    if not 1 <= limit <= MAX_SUGGESTIONS:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_SUGGESTIONS}, not {limit}",
            key="search.limit",
            params={"max": MAX_SUGGESTIONS, "value": limit},
        )
    value = normalize(q or "")
    if len(value) > MAX_QUERY_CHARS:
        clean_text(value, "q")  # raises the keyed "too long"
    if not value or not _WORD.search(value) or "\x00" in value:
        return []
    out: list[dict] = []
    if "sites" in kinds:
        _, sites = search_sites(conn, SiteSearch(text=value, limit=limit))
        out += [
            {"kind": "sites", "name": s["name"], "detail": s.get("area_name") or "", "url": s["url"]}
            for s in sites
        ]
    if "martyrs" in kinds:
        _, martyrs = search_martyrs(conn, MartyrSearch(text=value, limit=limit))
        for m in martyrs:
            years = "–".join(str(y or "?") for y in (m["birth_year"], m["death_year"]))
            place = (m.get("burial") or {}).get("place") or ""
            detail = " · ".join(x for x in (years if years != "?–?" else "", place) if x)
            out.append(
                {
                    "kind": "martyrs",
                    "name": m["name"],
                    "unnamed": m["unnamed"],
                    "detail": detail,
                    "url": m["url"],
                }
            )
    return out[: limit * len(kinds)]


@functools.lru_cache(maxsize=8192)
def _area_pinyin(name: str) -> tuple[str, str]:
    """An area name's pinyin and initials, kept: every search page lists every county (2,850 for the nation, 80 ms
    of pinyin a page otherwise), and their names seldom change."""
    return name_pinyin(name)


def area_groups(conn: Connection) -> list[dict]:
    """Every county, grouped by province and city (for the search's area
    choice): [{label: "湖北省 · 十堰市", areas: [{code, name, pinyin, initials}]}], in code order."""
    rows = conn.execute(
        text(
            "SELECT c.code, c.name, p.name AS city, pp.name AS province FROM areas c "
            "LEFT JOIN areas p ON p.code = c.parent_code LEFT JOIN areas pp ON pp.code = p.parent_code "
            "WHERE c.level = 'county' ORDER BY c.code"
        )
    ).mappings()
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        pinyin, initials = _area_pinyin(r["name"])
        key = (r["province"] or "", r["city"] or "")
        groups.setdefault(key, []).append(
            {"code": r["code"], "name": r["name"], "pinyin": pinyin, "initials": initials}
        )
    return [
        {
            "province": province,
            "city": city,
            "label": " · ".join(x for x in (province, city) if x),
            "areas": areas,
        }
        for (province, city), areas in groups.items()
    ]
