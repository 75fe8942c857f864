"""CQL2 text (OGC 21-065) compiled into parameterised SQLAlchemy expressions over a whitelist of queryables.

Supported grammar (keywords are case-insensitive, property names are case-sensitive)::

    filter      = or
    or          = and { OR and }
    and         = not { AND not }
    not         = NOT not | primary
    primary     = "(" or ")" | TRUE | FALSE | spatial | predicate
    predicate   = scalar ( "=" | "<>" | "<" | ">" | "<=" | ">=" ) scalar
                | scalar [NOT] LIKE scalar                    -- % and _ wildcards, \\ escapes
                | scalar [NOT] BETWEEN scalar AND scalar
                | scalar [NOT] IN "(" scalar { "," scalar } ")"
                | scalar IS [NOT] NULL
    scalar      = property | 'text' | number | TRUE | FALSE | DATE('…') | TIMESTAMP('…') | CASEI(scalar)
    spatial     = S_INTERSECTS "(" geometry "," geometry ")"
    geometry    = property | BBOX(x1, y1, x2, y2) | POINT(…) | LINESTRING(…) | POLYGON(…)
                | MULTIPOINT(…) | MULTILINESTRING(…) | MULTIPOLYGON(…) | GEOMETRYCOLLECTION(…)

Every literal becomes a bind parameter and every property a column taken from the whitelist, so no text
of the filter ever reaches the SQL. Geometry literals are handed to a caller-supplied function that turns
them (in the filter's CRS and axis order) into a geometry expression in the storage CRS.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import shapely
from shapely.errors import GEOSException
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
    box,
)
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Text,
    and_,
    false,
    func,
    literal,
    not_,
    or_,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from geo.errors import InvalidInput

T = TypeVar("T")
Kind = Literal["string", "integer", "number", "boolean", "date", "timestamp", "geometry"]

MAX_FILTER_LENGTH = 20_000
MAX_NESTING = 64
MAX_IN_LIST = 1_000

_NUMERIC = ("integer", "number")
_TEMPORAL = ("date", "timestamp")
_BIND_TYPES = {
    "string": Text,
    "integer": BigInteger,
    "number": Float,
    "boolean": Boolean,
    "date": Date,
    "timestamp": DateTime(timezone=True),
}
_COMPARISONS = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}
_WKT_TYPES = (
    "POINT",
    "LINESTRING",
    "POLYGON",
    "MULTIPOINT",
    "MULTILINESTRING",
    "MULTIPOLYGON",
    "GEOMETRYCOLLECTION",
)
_UNSUPPORTED_FUNCTIONS = {
    **dict.fromkeys(
        ("S_CONTAINS", "S_CROSSES", "S_DISJOINT", "S_EQUALS", "S_OVERLAPS", "S_TOUCHES", "S_WITHIN"),
        "only S_INTERSECTS of the spatial functions is supported",
    ),
    "ACCENTI": "ACCENTI (accent-insensitive comparison) is not supported",
    "INTERVAL": "temporal intervals are not supported; compare DATE/TIMESTAMP values instead",
}


@dataclass(frozen=True)
class Queryable:
    """A property a filter may name: its value type and the SQL expression that reads it."""

    name: str
    kind: Kind
    expression: ColumnElement


class CQL2Error(InvalidInput):
    """A filter that is not valid CQL2 text or names something not queryable; ``position`` is 0-based."""

    def __init__(self, reason: str, text: str, position: int, hint: str = "") -> None:
        self.reason = reason
        self.position = position
        super().__init__(f"{reason} at character {position + 1}: {_excerpt(text, position)}{hint}")


def _excerpt(text: str, position: int, width: int = 30) -> str:
    start, end = max(0, position - width), min(len(text), position + width)
    before = ("…" if start else "") + text[start:position]
    after = text[position:end] + ("…" if end < len(text) else "")
    return f"{before}⟨here⟩{after}"


class _BadWkt(ValueError):
    """A WKT literal the parser itself found malformed (its message is ours, fit to answer with)."""


@dataclass(frozen=True)
class _Token:
    kind: str  # string, qident, ident, number, op, punct, end
    text: str
    pos: int
    value: Any = None

    def keyword(self) -> str | None:
        return self.text.upper() if self.kind == "ident" else None


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|''|\\.)*')
  | (?P<qident>"(?:[^"]|"")*")
  | (?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<ident>[^\W\d][\w.:]*)
  | (?P<op><>|<=|>=|!=|=|<|>)
  | (?P<punct>[(),])
    """,
    re.VERBOSE,
)


def _unescape_string(body: str) -> str:
    return re.sub(r"''|\\'", "'", body)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            if text[pos] in "'\"":
                raise CQL2Error("unterminated quoted text", text, pos)
            raise CQL2Error(f"unexpected character {text[pos]!r}", text, pos)
        kind = m.lastgroup or ""
        chunk = m.group()
        if kind == "string":
            tokens.append(_Token(kind, chunk, pos, _unescape_string(chunk[1:-1])))
        elif kind == "qident":
            tokens.append(_Token(kind, chunk, pos, chunk[1:-1].replace('""', '"')))
        elif kind == "number":
            is_int = re.fullmatch(r"[+-]?[0-9]+", chunk) is not None
            tokens.append(_Token(kind, chunk, pos, int(chunk) if is_int else float(chunk)))
        elif kind != "ws":
            tokens.append(_Token(kind, chunk, pos))
        pos = m.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


@dataclass(frozen=True)
class _Operand:
    """A scalar side of a predicate: a property (with its SQL) or a literal (with its Python value)."""

    kind: Kind
    pos: int
    label: str
    expression: ColumnElement | None = None
    value: Any = None
    casei: bool = False

    @property
    def is_literal(self) -> bool:
        return self.expression is None


GeometryLiteral = Callable[[BaseGeometry], ColumnElement]


class _Parser:
    def __init__(self, text: str, queryables: Mapping[str, Queryable], geometry_literal: GeometryLiteral):
        self.text = text
        self.queryables = queryables
        self.geometry_literal = geometry_literal
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0

    # -- token helpers -------------------------------------------------------------------------------
    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def _peek(self, ahead: int = 1) -> _Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def _next(self) -> _Token:
        tok = self.tok
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def _error(self, reason: str, pos: int | None = None, hint: str = "") -> CQL2Error:
        return CQL2Error(reason, self.text, self.tok.pos if pos is None else pos, hint)

    def _describe(self, tok: _Token) -> str:
        return "the end of the filter" if tok.kind == "end" else repr(tok.text)

    def _at_keyword(self, *words: str) -> bool:
        return self.tok.keyword() in words

    def _accept_keyword(self, word: str) -> bool:
        if self.tok.keyword() == word:
            self._next()
            return True
        return False

    def _expect_punct(self, char: str, context: str) -> _Token:
        if self.tok.kind == "punct" and self.tok.text == char:
            return self._next()
        raise self._error(f"expected {char!r} {context}, found {self._describe(self.tok)}")

    def _at_punct(self, char: str) -> bool:
        return self.tok.kind == "punct" and self.tok.text == char

    # -- boolean structure ---------------------------------------------------------------------------
    def parse(self) -> ColumnElement[bool]:
        if self.tok.kind == "end":
            raise self._error("the filter is empty")
        expr = self._or()
        if self.tok.kind != "end":
            raise self._error(f"unexpected {self._describe(self.tok)} (expected AND, OR or the end)")
        return expr

    def _or(self) -> ColumnElement[bool]:
        terms = [self._and()]
        while self._accept_keyword("OR"):
            terms.append(self._and())
        return terms[0] if len(terms) == 1 else or_(*terms)

    def _and(self) -> ColumnElement[bool]:
        terms = [self._not()]
        while self._accept_keyword("AND"):
            terms.append(self._not())
        return terms[0] if len(terms) == 1 else and_(*terms)

    def _not(self) -> ColumnElement[bool]:
        if self._accept_keyword("NOT"):
            return not_(self._nested(self._not))
        return self._primary()

    def _nested(self, parse: Callable[[], T]) -> T:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self._error(f"the filter nests deeper than {MAX_NESTING} levels")
        try:
            return parse()
        finally:
            self.depth -= 1

    def _primary(self) -> ColumnElement[bool]:
        tok = self.tok
        if self._at_punct("("):
            self._next()
            expr = self._nested(self._or)
            self._expect_punct(")", "to close the parenthesis")
            return expr
        word = tok.keyword()
        if word == "S_INTERSECTS":
            return self._spatial()
        if word in ("TRUE", "FALSE") and not self._continues_predicate(self._peek()):
            self._next()
            return true() if word == "TRUE" else false()
        return self._predicate()

    @staticmethod
    def _continues_predicate(tok: _Token) -> bool:
        return tok.kind == "op" or tok.keyword() in ("LIKE", "BETWEEN", "IN", "IS", "NOT")

    # -- predicates ----------------------------------------------------------------------------------
    def _predicate(self) -> ColumnElement[bool]:
        left = self._scalar()
        tok = self.tok
        if tok.kind == "op":
            if tok.text == "!=":
                raise self._error("'!=' is not CQL2; use '<>' for 'not equal'")
            self._next()
            right = self._scalar()
            return self._compare(tok.text, left, right, tok.pos)
        negate = self._accept_keyword("NOT")
        word = self.tok.keyword()
        if word == "LIKE":
            self._next()
            expr = self._like(left, self._scalar())
        elif word == "BETWEEN":
            self._next()
            low = self._scalar()
            if not self._accept_keyword("AND"):
                raise self._error(f"expected AND in BETWEEN, found {self._describe(self.tok)}")
            high = self._scalar()
            expr = self._between(left, low, high)
        elif word == "IN":
            self._next()
            expr = self._in(left)
        elif word == "IS" and not negate:
            self._next()
            is_not = self._accept_keyword("NOT")
            if not self._accept_keyword("NULL"):
                raise self._error(f"expected NULL after IS, found {self._describe(self.tok)}")
            if left.is_literal:
                raise self._error("IS NULL applies to a property, not to a literal", left.pos)
            assert left.expression is not None
            return left.expression.is_not(None) if is_not else left.expression.is_(None)
        else:
            expected = "LIKE, BETWEEN or IN after NOT" if negate else "a comparison operator"
            raise self._error(f"expected {expected} after {left.label}, found {self._describe(self.tok)}")
        return not_(expr) if negate else expr

    def _compare(self, op: str, left: _Operand, right: _Operand, pos: int) -> ColumnElement[bool]:
        kind = self._common_kind(left, right, pos)
        if kind == "boolean" and op not in ("=", "<>"):
            raise self._error(f"booleans can only be compared with = or <>, not {op}", pos)
        return _COMPARISONS[op](self._sql(left, kind), self._sql(right, kind))

    def _like(self, value: _Operand, pattern: _Operand) -> ColumnElement[bool]:
        for operand in (value, pattern):
            if operand.kind != "string":
                raise self._error(f"LIKE needs text, but {operand.label} is {operand.kind}", operand.pos)
        return self._sql(value, "string").like(self._sql(pattern, "string"))

    def _between(self, value: _Operand, low: _Operand, high: _Operand) -> ColumnElement[bool]:
        kind = self._common_kind(value, low, low.pos)
        self._common_kind(value, high, high.pos)
        if kind not in (*_NUMERIC, *_TEMPORAL):
            raise self._error(f"BETWEEN needs numbers, dates or timestamps, not {kind}", value.pos)
        return self._sql(value, kind).between(self._sql(low, kind), self._sql(high, kind))

    def _in(self, value: _Operand) -> ColumnElement[bool]:
        self._expect_punct("(", "to open the IN list")
        items = [self._scalar()]
        while self._at_punct(","):
            self._next()
            items.append(self._scalar())
            if len(items) > MAX_IN_LIST:
                raise self._error(f"an IN list may hold at most {MAX_IN_LIST} values")
        self._expect_punct(")", "to close the IN list")
        kinds = {self._common_kind(value, item, item.pos) for item in items}
        kind = _family_kind(kinds)
        return self._sql(value, kind).in_([self._sql(item, kind) for item in items])

    # -- scalar operands -----------------------------------------------------------------------------
    def _scalar(self) -> _Operand:
        tok = self.tok
        if tok.kind == "string":
            self._next()
            return _Operand("string", tok.pos, tok.text, value=tok.value)
        if tok.kind == "number":
            self._next()
            if isinstance(tok.value, float) and not math.isfinite(tok.value):
                raise self._error(f"{tok.text} is not a finite number", tok.pos)
            return _Operand(
                "integer" if isinstance(tok.value, int) else "number", tok.pos, tok.text, value=tok.value
            )
        if tok.kind == "qident":
            self._next()
            return self._property(tok.value, tok.pos)
        if tok.kind != "ident":
            raise self._error(f"expected a property name or a value, found {self._describe(tok)}")
        word = tok.keyword()
        if word in ("TRUE", "FALSE"):
            self._next()
            return _Operand("boolean", tok.pos, word, value=word == "TRUE")
        if word == "NULL":
            raise self._error("NULL can only be tested with IS NULL / IS NOT NULL")
        if word in ("DATE", "TIMESTAMP") and self._peek().text == "(":
            return self._instant(word)
        if word == "CASEI" and self._peek().text == "(":
            return self._casei()
        if self._peek().text == "(":
            reason = _UNSUPPORTED_FUNCTIONS.get(word or "", f"unknown function {tok.text}")
            raise self._error(reason)
        if word in ("AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS"):
            raise self._error(f"expected a property name or a value, found the keyword {word}")
        self._next()
        return self._property(tok.text, tok.pos)

    def _property(self, name: str, pos: int) -> _Operand:
        queryable = self.queryables.get(name)
        if queryable is None:
            similar = next((q for q in self.queryables if q.lower() == name.lower()), None)
            if similar:
                raise self._error(f"unknown property {name!r} (did you mean {similar!r}?)", pos)
            known = ", ".join(sorted(self.queryables))
            raise self._error(f"unknown property {name!r}", pos, f"; queryable properties: {known}")
        if queryable.kind == "geometry":
            raise self._error(f"the geometry property {name!r} can only be used inside S_INTERSECTS", pos)
        return _Operand(queryable.kind, pos, repr(name), expression=queryable.expression)

    def _instant(self, word: str) -> _Operand:
        start = self._next()
        self._expect_punct("(", f"after {word}")
        tok = self.tok
        if tok.kind != "string":
            raise self._error(f"{word} takes a quoted ISO 8601 value, found {self._describe(tok)}")
        self._next()
        self._expect_punct(")", f"to close {word}")
        try:
            value = _parse_date(tok.value) if word == "DATE" else _parse_timestamp(tok.value)
        except ValueError:
            expected = "YYYY-MM-DD" if word == "DATE" else "YYYY-MM-DDTHH:MM:SSZ"
            raise self._error(f"{tok.text} is not a valid {word} ({expected})", tok.pos) from None
        return _Operand(
            "date" if word == "DATE" else "timestamp", start.pos, f"{word}({tok.text})", value=value
        )

    def _casei(self) -> _Operand:
        start = self._next()
        self._expect_punct("(", "after CASEI")
        inner = self._scalar()
        self._expect_punct(")", "to close CASEI")
        if inner.kind != "string":
            raise self._error(f"CASEI needs text, but {inner.label} is {inner.kind}", inner.pos)
        return _Operand(
            "string",
            start.pos,
            f"CASEI({inner.label})",
            expression=func.lower(self._sql(inner, "string")),
        )

    # -- typing and binding --------------------------------------------------------------------------
    def _common_kind(self, a: _Operand, b: _Operand, pos: int) -> Kind:
        if a.kind == b.kind:
            return a.kind
        if a.kind in _NUMERIC and b.kind in _NUMERIC:
            return "number"
        if a.kind in _TEMPORAL and b.kind in _TEMPORAL:
            properties = [o for o in (a, b) if not o.is_literal]
            return properties[0].kind if len(properties) == 1 else "timestamp"
        for prop, lit in ((a, b), (b, a)):
            if prop.kind in _TEMPORAL and lit.is_literal and lit.kind == "string":
                return prop.kind  # an ISO text compared with a date/timestamp property
            if prop.kind == "boolean" and not prop.is_literal and lit.is_literal and lit.value in (0, 1):
                return "boolean"  # GDAL exposes booleans as integers and sends "= 1" / "= 0"
        raise self._error(f"cannot compare {a.label} ({a.kind}) with {b.label} ({b.kind})", pos)

    def _sql(self, operand: _Operand, kind: Kind) -> ColumnElement:
        if operand.expression is not None:
            return operand.expression
        value = operand.value
        if operand.kind == "string" and kind in _TEMPORAL:
            try:
                value = _parse_date(value) if kind == "date" else _parse_timestamp(value)
            except ValueError:
                raise self._error(f"{operand.label} is not a valid {kind}", operand.pos) from None
        if kind == "number" and isinstance(value, int) and not isinstance(value, bool):
            return literal(value, BigInteger)
        if kind == "boolean" and operand.kind != "boolean":
            value = bool(value)  # 0 or 1 against a boolean property
        return literal(value, _BIND_TYPES[kind])

    # -- spatial -------------------------------------------------------------------------------------
    def _spatial(self) -> ColumnElement[bool]:
        self._next()
        self._expect_punct("(", "after S_INTERSECTS")
        first = self._geometry_operand()
        self._expect_punct(",", "between the two geometries of S_INTERSECTS")
        second = self._geometry_operand()
        self._expect_punct(")", "to close S_INTERSECTS")
        return func.ST_Intersects(first, second)

    def _geometry_operand(self) -> ColumnElement:
        tok = self.tok
        word = tok.keyword()
        if word == "BBOX" and self._peek().text == "(":
            self._next()
            return self._literal_geometry(self._bbox(), tok.pos)
        if word in _WKT_TYPES:
            return self._literal_geometry(self._wkt(), tok.pos)
        if tok.kind in ("ident", "qident"):
            name = tok.value if tok.kind == "qident" else tok.text
            queryable = self.queryables.get(name)
            if queryable is not None and queryable.kind == "geometry":
                self._next()
                return queryable.expression
            if queryable is not None:
                raise self._error(f"{name!r} is not a geometry property")
            geometries = ", ".join(q.name for q in self.queryables.values() if q.kind == "geometry")
            raise self._error(
                f"unknown geometry property {name!r}", None, f"; geometry properties: {geometries}"
            )
        raise self._error(
            f"expected a geometry property, BBOX(...) or a WKT geometry, found {self._describe(tok)}"
        )

    def _literal_geometry(self, geometry: BaseGeometry, pos: int) -> ColumnElement:
        if not geometry.is_valid:
            raise self._error(f"invalid geometry: {shapely.is_valid_reason(geometry)}", pos)
        try:
            return self.geometry_literal(geometry)
        except ValueError as exc:
            raise self._error(str(exc), pos) from None

    def _bbox(self) -> BaseGeometry:
        self._expect_punct("(", "after BBOX")
        pos = self.tok.pos
        values = [self._number()]
        while self._at_punct(","):
            self._next()
            values.append(self._number())
        self._expect_punct(")", "to close BBOX")
        if len(values) == 6:
            values = [values[0], values[1], values[3], values[4]]
        if len(values) != 4:
            raise self._error("BBOX takes 4 numbers (or 6 with heights)", pos)
        x1, y1, x2, y2 = values
        if x1 > x2 or y1 > y2:
            raise self._error("BBOX corners are inverted (lower corner first)", pos)
        return box(x1, y1, x2, y2)

    def _number(self) -> float:
        tok = self.tok
        if tok.kind != "number":
            raise self._error(f"expected a number, found {self._describe(tok)}")
        self._next()
        value = float(tok.value)
        if not math.isfinite(value):
            raise self._error(f"{tok.text} is not a finite number", tok.pos)
        return value

    def _wkt(self) -> BaseGeometry:
        start = self._next()
        kind = start.text.upper()
        if self.tok.keyword() in ("Z", "M", "ZM"):
            self._next()
        if self.tok.keyword() == "EMPTY":
            raise self._error("empty geometries are not supported")
        try:
            return self._wkt_body(kind)
        except _BadWkt as exc:
            raise self._error(f"invalid {kind}: {exc}", start.pos) from None
        except (ValueError, GEOSException):  # shapely's and GEOS's own words: not ours to answer with
            raise self._error(f"invalid {kind}: its positions do not make a {kind}", start.pos) from None

    def _wkt_body(self, kind: str) -> BaseGeometry:
        if kind == "POINT":
            self._expect_punct("(", "after POINT")
            coord = self._coordinate()
            self._expect_punct(")", "to close POINT")
            return Point(coord)
        if kind == "LINESTRING":
            return LineString(self._coordinate_list())
        if kind == "POLYGON":
            return self._polygon()
        if kind == "MULTIPOINT":
            self._expect_punct("(", "after MULTIPOINT")
            points = [self._multipoint_member()]
            while self._at_punct(","):
                self._next()
                points.append(self._multipoint_member())
            self._expect_punct(")", "to close MULTIPOINT")
            return MultiPoint(points)
        if kind == "MULTILINESTRING":
            return MultiLineString(self._list_of(self._coordinate_list, "MULTILINESTRING"))
        if kind == "MULTIPOLYGON":
            return MultiPolygon(self._list_of(self._polygon, "MULTIPOLYGON"))
        return GeometryCollection(self._list_of(self._collection_member, "GEOMETRYCOLLECTION"))

    def _collection_member(self) -> BaseGeometry:
        if self.tok.keyword() not in _WKT_TYPES:
            raise self._error(f"expected a WKT geometry, found {self._describe(self.tok)}")
        return self._nested(self._wkt)

    def _list_of(self, parse: Callable[[], Any], kind: str) -> list:
        self._expect_punct("(", f"after {kind}")
        items = [parse()]
        while self._at_punct(","):
            self._next()
            items.append(parse())
        self._expect_punct(")", f"to close {kind}")
        return items

    def _multipoint_member(self) -> tuple[float, ...]:
        if self._at_punct("("):
            self._next()
            coord = self._coordinate()
            self._expect_punct(")", "to close the point")
            return coord
        return self._coordinate()

    def _polygon(self) -> Polygon:
        rings = self._list_of(self._coordinate_list, "POLYGON")
        for ring in rings:
            if len(ring) < 4 or ring[0] != ring[-1]:
                raise _BadWkt("each ring needs at least 4 positions and must end where it starts")
        return Polygon(rings[0], rings[1:])

    def _coordinate_list(self) -> list[tuple[float, ...]]:
        self._expect_punct("(", "to open a list of positions")
        coords = [self._coordinate()]
        while self._at_punct(","):
            self._next()
            coords.append(self._coordinate())
        self._expect_punct(")", "to close the list of positions")
        return coords

    def _coordinate(self) -> tuple[float, ...]:
        values = [self._number(), self._number()]
        if self.tok.kind == "number":
            values.append(self._number())
        return tuple(values)


def _family_kind(kinds: set[Kind]) -> Kind:
    """One kind for values of one family: integer with number is number, date with timestamp is timestamp."""
    if len(kinds) == 1:
        return next(iter(kinds))
    return "number" if kinds <= set(_NUMERIC) else "timestamp"


def _parse_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip().rstrip("T"))  # GDAL writes dates as 'YYYY-MM-DDT'


def _parse_timestamp(text: str) -> dt.datetime:
    text = text.strip()
    value = dt.datetime.fromisoformat(text.rstrip("T")) if "T" in text or " " in text else None
    if value is None:
        value = dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def compile_filter(
    text: str, queryables: Mapping[str, Queryable], geometry_literal: GeometryLiteral
) -> ColumnElement[bool]:
    """Parse CQL2 text into a SQL boolean expression over the queryables; raises CQL2Error with the position."""
    if len(text) > MAX_FILTER_LENGTH:
        raise CQL2Error(f"the filter is longer than {MAX_FILTER_LENGTH} characters", text[:60], 0)
    return _Parser(text, queryables, geometry_literal).parse()
