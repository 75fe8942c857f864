"""Places given by name: a register's 乡镇/街道 and 村/社区 columns, or one 所在地 text such as
"资源县中峰镇大源村", resolved to the area code they name (issue 23).

Names are looked up among the areas (geo/atlas/areas.py's table) inside the area the import is for (the
``--area`` of the command line, the area chosen on the page, else the importer's own area; the whole atlas when
there is none), tolerant of the usual suffixes: a township matches with or without 镇/乡/街道/街道办事处, a
village with or without 村/社区/居委会/村委会/村民委员会/居民委员会. A 所在地 text may start with the province,
city and county (each with or without its suffix) before the township and the village; what follows the village
(a group, a house number) is kept as the address says it and not needed here.

An unknown name, or one that names several places (two villages of the same name in two townships), is a
``PlaceRefused`` whose key and parameters name the column, the value and the candidates: the row is rejected with
them (never a guess)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from geo.kit.memo import remembered
from geo.vocab import area_prefix

PLACE_FIELDS = ("township", "village", "place")
"""Pseudo-fields of the columns that name a row's area: 乡镇/街道, 村/社区, and one 所在地 text."""

PLACE_ALIASES: dict[str, tuple[str, ...]] = {
    "township": ("乡镇", "街道", "乡镇街道", "乡镇名称", "所在乡镇", "所属乡镇", "乡镇（街道）", "镇", "乡"),
    "village": (
        "村",
        "社区",
        "村社区",
        "村居",
        "村名",
        "所在村",
        "所属村",
        "行政村",
        "村委会",
        "村（居）委会",
    ),
    "place": (
        "所在地",
        "所在地区",
        "所在地点",
        "所属地区",
        "坐落地点",
        "坐落位置",
        "地点",
        "位置",
        "所在位置",
    ),
}
"""Headers of the place columns (compared as columns.normalise_header reduces them)."""

SHOWN_CANDIDATES = 8
"""Candidates a refusal names at most (then "…")."""

_TOWNSHIP_SUFFIXES = ("街道办事处", "街道办", "街道", "民族乡", "镇", "乡")
_VILLAGE_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会", "社区", "村")
_COUNTY_SUFFIXES = ("自治县", "自治旗", "县", "区", "市", "旗")
_CITY_SUFFIXES = ("自治州", "地区", "市", "盟")
_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市")
_SUFFIXES = {
    "township": _TOWNSHIP_SUFFIXES,
    "village": _VILLAGE_SUFFIXES,
    "county": _COUNTY_SUFFIXES,
    "city": _CITY_SUFFIXES,
    "province": _PROVINCE_SUFFIXES,
}
_SPACE = re.compile(r"\s+")
_SUFFIX_STARTS = frozenset("镇乡街村社居县区市旗州盟省")


def stem(name: str, level: str) -> str:
    """A name without the suffix of its level (中峰镇 → 中峰, 大源村委会 → 大源); the name when that leaves
    fewer than two characters (a one-character village keeps its 村)."""
    name = _SPACE.sub("", name)
    for suffix in _SUFFIXES[level]:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class Place:
    """An area as names resolve it: code, name, level and the code of the area above it."""

    code: str
    name: str
    level: str
    parent_code: str | None


@dataclass(frozen=True)
class PlaceNames:
    """A row's area as names: township, village and 所在地 text, with the header each came from."""

    township: str | None = None
    village: str | None = None
    text: str | None = None
    columns: tuple[tuple[str, str], ...] = ()  # (pseudo-field, header as the file wrote it)

    def column(self, name: str) -> str:
        """The header of a pseudo-field (its name when the file has none)."""
        return dict(self.columns).get(name, name)

    @property
    def key(self) -> tuple[str | None, str | None, str | None]:
        """What resolving depends on (rows naming the same place resolve once)."""
        return (self.township, self.village, self.text)


class PlaceRefused(ValueError):
    """Names that resolve to no area or to several: ``key`` (``imports.reason.place.<key>``) and ``params``
    (column, value, candidates, within)."""

    def __init__(self, key: str, column: str, **params: str) -> None:
        """The refusal ``key`` of the names in ``column``."""
        super().__init__(f"{column}: {key} {params}")
        self.key = key
        self.column = column
        self.params = {"column": column, **params}


def _nested(a: Place, b: Place) -> bool:
    """Whether one of two areas lies inside the other (or they are the same)."""
    return a.code.startswith(area_prefix(b.code, b.level)) or b.code.startswith(area_prefix(a.code, a.level))


def _candidates(places: Iterable[Place], named: dict[str, Place]) -> str:
    """Places as a person tells them apart: 德山镇大源村 (with the county when they lie in several)."""
    found = list(places)
    counties = {p.code[:6] for p in found}
    out = []
    for p in found[:SHOWN_CANDIDATES]:
        parent = named.get(p.parent_code or "")
        label = f"{parent.name}{p.name}" if p.level == "village" and parent else p.name
        if len(counties) > 1 and (county := named.get(p.code[:6])):
            label = f"{county.name}{label}"
        out.append(f"{label}（{p.code}）")
    if len(found) > SHOWN_CANDIDATES:
        out.append("…")
    return "、".join(out)


@dataclass
class Gazetteer:
    """The areas names are resolved among: the townships and villages inside ``within``, and the names of the
    provinces, cities and counties a 所在地 text may start with."""

    places: list[Place]
    within: Place | None = None
    by_code: dict[str, Place] = field(init=False)
    names: dict[str, dict[str, list[Place]]] = field(init=False)  # level → full name or stem → places
    memo: dict[tuple, str | PlaceRefused] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        """Index the places by code, and by name and stem per level."""
        self.by_code = {p.code: p for p in self.places}
        self.names = {level: {} for level in _SUFFIXES}
        for p in self.places:
            index = self.names[p.level]
            for key in dict.fromkeys((_SPACE.sub("", p.name), stem(p.name, p.level))):
                index.setdefault(key, []).append(p)

    @property
    def within_name(self) -> str:
        """The name of the area names are resolved in (empty for the whole atlas)."""
        return self.within.name if self.within else ""

    def _inside(self, found: list[Place], parent: Place | None) -> list[Place]:
        prefix = area_prefix(parent.code, parent.level) if parent else ""
        return [p for p in found if p.code.startswith(prefix)]

    def _named(self, name: str, level: str, parent: Place | None) -> list[Place]:
        index = self.names[level]
        found = index.get(_SPACE.sub("", name)) or index.get(stem(name, level)) or []
        return self._inside(found, parent)

    def _children(self, parent: Place | None, level: str) -> list[Place]:
        prefix = area_prefix(parent.code, parent.level) if parent else ""
        return [p for p in self.places if p.level == level and p.code.startswith(prefix)]

    def _one(self, name: str, level: str, parent: Place | None, column: str) -> Place:
        found = self._named(name, level, parent)
        if len(found) == 1:
            return found[0]
        where = parent.name if parent else self.within_name
        if not found:
            options = self._children(parent, level)
            raise PlaceRefused(
                f"unknown_{level}",
                column,
                value=name,
                within=where,
                candidates=_candidates(options, self.by_code) if len(options) <= SHOWN_CANDIDATES * 3 else "",
            )
        raise PlaceRefused(
            f"ambiguous_{level}",
            column,
            value=name,
            within=where,
            candidates=_candidates(found, self.by_code),
        )

    def _prefix(self, rest: str, level: str, parent: Place | None) -> tuple[list[Place], str]:
        """The places of ``level`` (inside ``parent``) whose name or stem starts ``rest`` (longest first), and
        what follows it."""
        index = self.names[level]
        for n in range(len(rest), 0, -1):
            found = self._inside(index.get(rest[:n], []), parent)
            if found:
                return found, rest[n:]
        return [], rest

    def _strip_above(self, rest: str, column: str, value: str) -> tuple[str, Place | None]:
        """A 所在地 text without its leading province, city and county; the county it names, if any."""
        county = None
        for level in ("province", "city", "county"):
            found, after = self._prefix(rest, level, None)
            if found and after[:1] in _SUFFIX_STARTS:  # 兴安镇 is not the county 兴安(县) and then 镇
                found = []
            if found:
                rest = after
                if level == "county":
                    county = found[0] if len(found) == 1 else None
        if county and self.within and not _nested(county, self.within):
            raise PlaceRefused(
                "outside", column, value=value, within=self.within_name, candidates=county.name
            )
        return rest, county

    def _text(self, value: str, column: str) -> Place:
        rest, county = self._strip_above(_SPACE.sub("", value), column, value)
        if not rest:
            if county:
                return county
            raise PlaceRefused("unknown_place", column, value=value, within=self.within_name, candidates="")
        towns, after = self._prefix(rest, "township", county)
        if len(towns) > 1:
            raise PlaceRefused(
                "ambiguous_township",
                column,
                value=value,
                within=self.within_name,
                candidates=_candidates(towns, self.by_code),
            )
        town = towns[0] if towns else None
        if town and not after:
            return town
        villages, _ = self._prefix(after if town else rest, "village", town or county)
        if len(villages) == 1:
            return villages[0]
        if villages:
            raise PlaceRefused(
                "ambiguous_village",
                column,
                value=value,
                within=town.name if town else self.within_name,
                candidates=_candidates(villages, self.by_code),
            )
        if town:  # the township is known; what follows names no village of it
            options = self._children(town, "village")
            raise PlaceRefused(
                "unknown_village",
                column,
                value=after,
                within=town.name,
                candidates=_candidates(options, self.by_code) if len(options) <= SHOWN_CANDIDATES * 3 else "",
            )
        raise PlaceRefused("unknown_place", column, value=value, within=self.within_name, candidates="")

    def _resolve(self, names: PlaceNames) -> Place:
        town = None
        if names.township:
            town = self._one(names.township, "township", self.within, names.column("township"))
        if names.village:
            return self._one(names.village, "village", town or self.within, names.column("village"))
        if town:
            return town
        if names.text:
            return self._text(names.text, names.column("place"))
        raise PlaceRefused(
            "unknown_place", names.column("place"), value="", within=self.within_name, candidates=""
        )

    def label(self, code: str) -> str:
        """An area as a person reads it: 德山镇大源村 for a village, the name otherwise."""
        found = self.by_code.get(code)
        if found is None:
            return code
        parent = self.by_code.get(found.parent_code or "")
        return f"{parent.name}{found.name}" if found.level == "village" and parent else found.name

    def resolve(self, names: PlaceNames) -> str:
        """The code of the area ``names`` name; PlaceRefused when none or several. Each distinct set of names is
        resolved once."""
        return remembered(
            self.memo, (names.key, names.columns), lambda: self._resolve(names).code, PlaceRefused
        )


def load_gazetteer(conn: Connection, within: str | None) -> Gazetteer:
    """The gazetteer of the area ``within`` (a code; None: the whole atlas): its townships and villages, and every
    province, city and county (a 所在地 text names them first)."""
    prefix = area_prefix(within) if within else ""
    rows = conn.execute(
        text(
            "SELECT code, name, level, parent_code FROM areas "
            "WHERE level IN ('province', 'city', 'county') "
            "OR (level IN ('township', 'village') AND code LIKE :like)"
        ),
        {"like": prefix + "%"},
    ).all()
    places = [Place(*r) for r in rows]
    found = next((p for p in places if p.code == within), None) if within else None
    return Gazetteer(places, found)


@dataclass(frozen=True)
class CountyGroup:
    """The counties of one city (or of a province without cities), for the import page's county choice."""

    province: str
    city: str
    counties: tuple[tuple[str, str], ...]  # (code, name), in code order

    @property
    def label(self) -> str:
        """The group as the choice shows it: 广西壮族自治区 · 桂林市."""
        return " · ".join(x for x in (self.province, self.city) if x)


def county_groups(conn: Connection, within: str | None) -> list[CountyGroup]:
    """Every county an import's place names may be looked up in, for an account of the area ``within`` (None:
    the whole atlas), grouped by province and city in code order, without a cap (a national bureau has about
    2,850): the counties inside ``within``, or, for an account of a township or village, its county."""
    prefix = area_prefix(within)[:6] if within else ""
    rows = conn.execute(
        text(
            "SELECT c.code, c.name, coalesce(p.name, ''), coalesce(pp.name, ''), p.level FROM areas c "
            "LEFT JOIN areas p ON p.code = c.parent_code LEFT JOIN areas pp ON pp.code = p.parent_code "
            "WHERE c.level = 'county' AND c.code LIKE :like ORDER BY c.code"
        ),
        {"like": prefix + "%"},
    ).all()
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for code, name, parent, grandparent, parent_level in rows:
        key = (parent, "") if parent_level == "province" else (grandparent, parent)
        groups.setdefault(key, []).append((code, name))
    return [CountyGroup(p, c, tuple(found)) for (p, c), found in groups.items()]
