"""Cemeteries given by name: a grave register's 所在陵园 / 陵园名称 column, resolved to the stored cemetery it names
(issue 23), so the grave is keyed by cemetery + section/row/number (geo/importing/keys.py) as when the register gives
the cemetery's id.

Names are looked up among the cemeteries inside the area the import is for (the ``--area`` of the command line, the
county chosen on the page, else the importer's own area; the whole atlas when there is none), compared as the
natural keys compare names (NFKC, no spaces, case-folded) and tolerant of what registers leave out or add: the
county's name in front (资源烈士陵园, 烈士陵园 for 资源县烈士陵园), the kind of the site at the end (陵园, 烈士陵园,
烈士墓区, 墓区, 公墓, 骨灰堂) and a village's or township's suffix (滩鹿烈士墓区 for 滩鹿社区烈士墓区). The stored
cemetery's code is accepted too. A cemetery found from another form of its name is noted on the row
(``note.cemetery_resolved``).

A name that names no cemetery of the area, several, or only cemeteries outside it is a ``CemeteryRefused`` whose
key (``cemetery.unknown``, ``cemetery.unknown_atlas``, ``cemetery.ambiguous``, ``cemetery.outside``) and parameters name the column, the value
and the candidates: the row is rejected with them (never a guess)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from geo.errors import InvalidInput
from geo.importing.places import SHOWN_CANDIDATES, stem
from geo.kit.memo import remembered
from geo.vocab import area_prefix

CEMETERY_FIELD = "cemetery"
"""Pseudo-field of a grave register's column naming the cemetery (by name or code), resolved to ``cemetery_id``."""

CEMETERY_ALIASES: dict[str, tuple[str, ...]] = {
    CEMETERY_FIELD: (
        "所在陵园",
        "陵园名称",
        "所属陵园",
        "安葬陵园",
        "陵园",
        "烈士陵园",
        "所在陵园名称",
        "安葬陵园名称",
        "陵园（墓区）名称",
        "所在陵园（墓区）",
        "陵园编码",
        "陵园编号",
        "cemetery",
        "cemetery_name",
    )
}
"""Headers of the column naming a grave's cemetery (a grave register's own: 陵园名称 is not the grave's name)."""

_KIND_SUFFIXES = (
    "革命烈士陵园",
    "烈士陵园",
    "陵园",
    "烈士墓区",
    "墓区",
    "烈士公墓",
    "公墓",
    "烈士骨灰堂",
    "骨灰堂",
    "烈士墓地",
    "墓地",
    "烈士墓群",
    "墓群",
)
_SPACES = re.compile(r"\s+")


def _norm(value: str) -> str:
    """A name as the natural keys compare it: NFKC, no whitespace, case-folded."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", value)).lower()


def _strip_kind(name: str) -> str:
    """A name without the kind of site it ends with (滩鹿社区烈士墓区 → 滩鹿社区); empty when nothing else is left."""
    for suffix in _KIND_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class Cemetery:
    """A stored cemetery as names resolve it: id, code, name, area code and the name of its county."""

    id: int
    code: str | None
    name: str
    area_code: str
    county: str | None

    def written_as(self, value: str) -> bool:
        """Whether ``value`` is the cemetery's name as stored (but for spaces, full-width forms and case)."""
        return _norm(value) == _norm(self.name)

    def label(self, with_county: bool) -> str:
        """The cemetery as a person tells it apart (its county in front when candidates lie in several)."""
        county = self.county or ""
        shown = self.name if not with_county or self.name.startswith(county) else f"{county}{self.name}"
        return f"{shown}（{self.code}）" if self.code else shown


class CemeteryRefused(ValueError):
    """A cemetery name that resolves to none or several: ``key`` (``imports.reason.cemetery.<key>``) and
    ``params`` (column, value, within, candidates)."""

    def __init__(self, key: str, column: str, **params: str) -> None:
        """The refusal ``key`` of the name in ``column``."""
        super().__init__(f"{column}: {key} {params}")
        self.key = key
        self.params = {"column": column, **params}


def _candidates(found: list[Cemetery]) -> str:
    counties = {c.area_code[:6] for c in found}
    shown = [c.label(len(counties) > 1) for c in found[:SHOWN_CANDIDATES]]
    return "、".join(shown + (["…"] if len(found) > SHOWN_CANDIDATES else []))


@dataclass
class Cemeteries:
    """The stored cemeteries grave registers name, and the area (``within``, a code, and its name) they are
    resolved in."""

    known: list[Cemetery]
    within: str | None = None
    within_name: str = ""
    index: dict[str, list[Cemetery]] = field(init=False)
    counties: dict[str, set[str]] = field(init=False)  # county name or stem → county codes
    memo: dict[tuple[str, str], Cemetery | CemeteryRefused] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        """Index the cemeteries by every form of their name a register may write, and the counties by name."""
        self.counties = {}
        for c in self.known:
            if c.county:
                for n in {_norm(c.county), _norm(stem(c.county, "county"))}:
                    self.counties.setdefault(n, set()).add(c.area_code[:6])
        self.index = {}
        for c in self.known:
            keys = self._forms(_norm(c.name))
            if c.code:
                keys.append(_norm(c.code))
            for key in dict.fromkeys(keys):
                self.index.setdefault(key, []).append(c)

    def _county_prefix(self, name: str) -> tuple[str, set[str] | None]:
        """The name without the county it starts with (longest first), and that county's codes (None: none)."""
        for n in range(len(name) - 2, 0, -1):
            found = self.counties.get(name[:n])
            if found:
                return name[n:], found
        return name, None

    def _forms(self, name: str) -> list[str]:
        """The forms of a normalised name, fullest first: as written, without its county, without the kind of
        site, without a village's or township's suffix (forms shorter than two characters are left out)."""
        rest, _ = self._county_prefix(name)
        bare = _strip_kind(rest)
        forms = [name, rest, bare, stem(bare, "village"), stem(bare, "township")]
        return [f for f in dict.fromkeys(forms) if len(f) >= 2]

    def _inside(self, found: list[Cemetery]) -> list[Cemetery]:
        prefix = area_prefix(self.within) if self.within else ""
        return [c for c in found if c.area_code.startswith(prefix)]

    def _find(self, value: str) -> tuple[list[Cemetery], list[Cemetery]]:
        """(the cemeteries inside the area, those outside it) that the first matching form of ``value`` names."""
        name = _norm(value)
        _rest, county = self._county_prefix(name)
        outside: list[Cemetery] = []
        for form in self._forms(name):
            found = self.index.get(form, [])
            if county and form != name:  # the county it names must be theirs
                found = [c for c in found if c.area_code[:6] in county]
            inside = self._inside(found)
            if inside:
                return inside, []
            outside = outside or found
        return [], outside

    def _resolve(self, value: str, column: str) -> Cemetery:
        inside, outside = self._find(value)
        if len(inside) == 1:
            return inside[0]
        where = self.within_name
        if inside:
            raise CemeteryRefused(
                "ambiguous", column, value=value, within=where, candidates=_candidates(inside)
            )
        if outside:
            counties = "、".join(dict.fromkeys(c.county or c.area_code[:6] for c in outside))
            raise CemeteryRefused("outside", column, value=value, within=where, candidates=counties)
        options = self._inside(self.known)
        shown = _candidates(options) if len(options) <= SHOWN_CANDIDATES * 3 else ""
        key = "unknown" if self.within else "unknown_atlas"  # no county chosen: the whole atlas has none
        raise CemeteryRefused(key, column, value=value, within=where, candidates=shown)

    def resolve(self, value: str, column: str) -> Cemetery:
        """The cemetery ``value`` names (written in ``column``); CemeteryRefused when none or several. Each
        distinct value is resolved once."""
        return remembered(self.memo, (value, column), lambda: self._resolve(value, column), CemeteryRefused)


def load_cemeteries(conn: Connection, within: str | None) -> Cemeteries:
    """Every stored cemetery with its county's name (a name outside ``within`` is refused naming where it lies),
    resolved inside the area ``within`` (a code; None: the whole atlas). InvalidInput when ``within`` is unknown."""
    name = ""
    if within is not None:
        name = conn.execute(text("SELECT name FROM areas WHERE code = :c"), {"c": within}).scalar()
        if name is None:
            raise InvalidInput(
                f"unknown area {within!r}: the cemeteries the rows name are looked up in it",
                key="import.unknown_area",
                params={"code": within},
            )
    rows = conn.execute(
        text(
            "SELECT c.id, c.code, c.name, c.area_code, a.name FROM cemeteries c "
            "LEFT JOIN areas a ON a.code = left(c.area_code, 6) ORDER BY c.area_code, c.id"
        )
    ).all()
    return Cemeteries([Cemetery(*r) for r in rows], within, name)
