"""CQL2 text: each operator selects what hand-written SQL selects, errors point at the character, values stay binds."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.dialects import postgresql

from geo.ogc.cql2 import MAX_NESTING, CQL2Error, compile_filter
from geo.ogc.features import EPSG_4326, STORAGE_CRS, feature_sources, parse_crs

STATIONS = feature_sources()["stations"]
QUERYABLES = STATIONS.queryables
TABLE = STATIONS.table


def _compile(cql: str, crs=STORAGE_CRS):
    return compile_filter(cql, QUERYABLES, crs.geometry_in)


def _count(engine: Engine, cql: str, crs=STORAGE_CRS) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(TABLE).where(_compile(cql, crs))).scalar_one()


def _count_sql(engine: Engine, where: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM stations s WHERE {where}")).scalar_one()


# (CQL2 text, the same condition written in SQL by hand)
EQUIVALENT = [
    ("level = 'village'", "level = 'village'"),
    ("star_rating <> 3", "star_rating <> 3"),
    ("star_rating < 3", "star_rating < 3"),
    ("star_rating > 3", "star_rating > 3"),
    ("star_rating <= 2", "star_rating <= 2"),
    ("star_rating >= 4", "star_rating >= 4"),
    ("3 < star_rating", "star_rating > 3"),
    ("name LIKE '%社区%'", "name LIKE '%社区%'"),
    ("name NOT LIKE '%村%'", "name NOT LIKE '%村%'"),
    ("name LIKE '__村%'", "name LIKE '__村%'"),
    ("star_rating IN (1, 5)", "star_rating IN (1, 5)"),
    ("level NOT IN ('village', 'township')", "level NOT IN ('village', 'township')"),
    ("people_served BETWEEN 1000 AND 3000", "people_served BETWEEN 1000 AND 3000"),
    ("people_served NOT BETWEEN 1000 AND 3000", "people_served NOT BETWEEN 1000 AND 3000"),
    ("star_rating IS NULL", "star_rating IS NULL"),
    ("star_rating IS NOT NULL", "star_rating IS NOT NULL"),
    ("national_model = TRUE", "national_model"),
    ("has_staff = false AND has_funding <> FALSE", "NOT has_staff AND has_funding"),
    ("NOT (level = 'village')", "level <> 'village'"),
    ("NOT level = 'village' AND NOT star_rating IS NULL", "level <> 'village' AND star_rating IS NOT NULL"),
    (
        "level = 'village' AND (star_rating >= 4 OR national_model = TRUE)",
        "level = 'village' AND (star_rating >= 4 OR national_model)",
    ),
    (
        "level = 'city' OR level = 'county' AND star_rating = 5",
        "level = 'city' OR (level = 'county' AND star_rating = 5)",
    ),
    ("opened_on >= DATE('2020-01-01')", "opened_on >= DATE '2020-01-01'"),
    ("opened_on < '2021-06-30'", "opened_on < DATE '2021-06-30'"),
    (
        "opened_on BETWEEN DATE('2019-01-01') AND DATE('2021-12-31')",
        "opened_on BETWEEN '2019-01-01' AND '2021-12-31'",
    ),
    (
        "updated_at > TIMESTAMP('2000-01-01T00:00:00Z') AND level = 'city'",
        "updated_at > TIMESTAMPTZ '2000-01-01 00:00:00+00' AND level = 'city'",
    ),
    ("CASEI(level) = CASEI('VILLAGE')", "level = 'village'"),
    ("CASEI(name) LIKE casei('%社区%')", "name LIKE '%社区%'"),
    ("area_name LIKE '%社区'", "(SELECT name FROM areas a WHERE a.code = s.area_code) LIKE '%社区'"),
    ("area_code LIKE '450329%'", "area_code LIKE '450329%'"),
    (
        "S_INTERSECTS(geometry, BBOX(110, 25, 111.5, 27))",
        "ST_Intersects(geom, ST_MakeEnvelope(110, 25, 111.5, 27, 4326))",
    ),
    (
        "S_INTERSECTS(geometry, POLYGON((110 25, 111.5 25, 111.5 27, 110 27, 110 25)))",
        "ST_Intersects(geom, ST_MakeEnvelope(110, 25, 111.5, 27, 4326))",
    ),
    (
        "S_INTERSECTS(geometry, MULTIPOLYGON(((110 25, 111 25, 111 26, 110 25)), ((112 30, 113 30, 113 31, 112 30))))",
        "ST_Intersects(geom, 'SRID=4326;MULTIPOLYGON(((110 25,111 25,111 26,110 25)),((112 30,113 30,113 31,112 30)))')",
    ),
    (
        "NOT S_INTERSECTS(BBOX(110, 25, 111.5, 27), geometry)",
        "NOT ST_Intersects(geom, ST_MakeEnvelope(110, 25, 111.5, 27, 4326))",
    ),
]


@pytest.mark.parametrize(("cql", "sql"), EQUIVALENT)
def test_filter_selects_what_the_hand_written_sql_selects(engine, demo_counts, cql, sql):
    expected = _count_sql(engine, sql)
    assert 0 < expected < demo_counts["stations"], f"the reference condition {sql!r} must split the demo"
    assert _count(engine, cql) == expected


def test_keywords_are_case_insensitive_and_names_may_be_quoted(engine, demo_counts):
    upper = _count(engine, "level = 'village' AND star_rating IS NOT NULL")
    assert _count(engine, "level = 'village' and star_rating is not null") == upper
    assert _count(engine, '"level" = \'village\' aNd "star_rating" Is NoT nUlL') == upper


def test_geometry_literals_follow_the_axis_order_of_the_filter_crs(engine, demo_counts):
    lon_lat = _count(engine, "S_INTERSECTS(geometry, BBOX(110, 25, 111.5, 27))")
    lat_lon = _count(
        engine, "S_INTERSECTS(geometry, BBOX(25, 110, 27, 111.5))", parse_crs(EPSG_4326, "filter-crs")
    )
    polygon = "POLYGON((25 110, 25 111.5, 27 111.5, 27 110, 25 110))"
    lat_lon_wkt = _count(engine, f"S_INTERSECTS(geometry, {polygon})", parse_crs("EPSG:4490", "filter-crs"))
    x, y = 12245143.99, 2875744.62  # 110°E 25°N in Web Mercator
    mercator = _count(
        engine,
        f"S_INTERSECTS(geometry, BBOX({x}, {y}, {x + 166979.24}, {y + 236590.98}))",  # to 111.5°E, 27°N
        parse_crs("EPSG:3857", "filter-crs"),
    )
    assert lon_lat > 0 and lat_lon == lon_lat and lat_lon_wkt == lon_lat and mercator == lon_lat


INJECTIONS = [
    "name = 'x'' OR ''1''=''1'",
    "name = 'x\\' OR 1=1 --'",
    "name = '''; DROP TABLE stations; --'",
    "name LIKE '%'' OR TRUE; DELETE FROM stations; --'",
    "name IN ('a'');TRUNCATE stations;--', 'b')",
    "area_name = '1'' UNION SELECT password FROM users --'",
]


@pytest.mark.parametrize("cql", INJECTIONS)
def test_sql_injection_text_stays_a_bound_literal(engine, demo_counts, cql):
    expression = _compile(cql)
    compiled = expression.compile(dialect=postgresql.dialect())
    sql = str(compiled)
    payloads = [v for v in compiled.params.values() if isinstance(v, str)]
    assert payloads and any(
        word in p for p in payloads for word in ("DROP", "OR", "DELETE", "TRUNCATE", "UNION")
    )
    for word in ("DROP", " OR ", "DELETE", "TRUNCATE", "UNION", "--", ";"):
        assert word not in sql, f"{word!r} leaked into the SQL: {sql}"
    before = _count_sql(engine, "TRUE")
    assert _count(engine, cql) == 0  # matched as plain text, which no station's name is
    assert _count_sql(engine, "TRUE") == before


@pytest.mark.parametrize(
    "cql",
    [
        "name = 'x'; DROP TABLE stations; --",
        "\"name; DROP TABLE stations\" = 'x'",
        "name = 'x' OR 1=1 -- '",
        "name = x'' OR 1=1",
        "pg_sleep(5) = 1",
        "name = 'x' UNION SELECT 1",
    ],
)
def test_sql_outside_literals_is_refused_before_any_sql_is_built(cql):
    with pytest.raises(CQL2Error):
        _compile(cql)


@pytest.mark.parametrize(
    ("cql", "position", "reason"),
    [
        ("level = ", 8, "expected a property name or a value"),
        ("level = 'village' AND", 21, "expected a property name or a value"),
        ("(level = 'village'", 18, "expected ')'"),
        ("level = 'village')", 17, "unexpected ')'"),
        ("level == 'village'", 7, "expected a property name or a value"),
        ("level != 'village'", 6, "use '<>'"),
        ("lvl = 'village'", 0, "unknown property 'lvl'"),
        ("Level = 'village'", 0, "did you mean 'level'"),
        ("star_rating = 'five'", 12, "cannot compare 'star_rating' (integer) with 'five' (string)"),
        ("name > 3", 5, "cannot compare 'name' (string) with 3 (integer)"),
        ("national_model < TRUE", 15, "booleans can only be compared with = or <>"),
        ("star_rating LIKE '3%'", 0, "LIKE needs text"),
        ("level = 'village", 8, "unterminated quoted text"),
        ("level = 'village' & star_rating = 1", 18, "unexpected character '&'"),
        ("star_rating BETWEEN 1 OR 3", 22, "expected AND in BETWEEN"),
        ("star_rating IN 1, 2", 15, "expected '('"),
        ("star_rating IS 3", 15, "expected NULL after IS"),
        ("opened_on = DATE('2020-02-30')", 17, "is not a valid DATE"),
        ("S_INTERSECTS(geometry, POINT(110))", 32, "expected a number, found ')'"),
        ("S_INTERSECTS(geometry, POLYGON((110 25, 111 25, 110 25)))", 23, "at least 4 positions"),
        ("S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))", 23, "Self-intersection"),
        ("S_INTERSECTS(geometry, BBOX(111, 25, 110, 27))", 28, "BBOX corners are inverted"),
        ("S_INTERSECTS(geometry, POINT(200 25))", 23, "outside the valid range of CRS84"),
        ("S_INTERSECTS(name, POINT(110 25))", 13, "'name' is not a geometry property"),
        ("geometry = 'x'", 0, "can only be used inside S_INTERSECTS"),
        ("S_WITHIN(geometry, POINT(110 25))", 0, "only S_INTERSECTS"),
        ("ACCENTI(name) = 'x'", 0, "ACCENTI"),
        ("upper(name) = 'X'", 0, "unknown function upper"),
        ("star_rating + 1 > 3", 12, "unexpected character '+'"),
        ("", 0, "the filter is empty"),
    ],
)
def test_malformed_filters_say_what_is_wrong_and_where(cql, position, reason):
    with pytest.raises(CQL2Error) as caught:
        _compile(cql)
    assert caught.value.position == position, caught.value.message
    assert reason in caught.value.message
    assert f"at character {position + 1}" in caught.value.message


def test_deep_nesting_is_refused_without_exhausting_the_stack():
    deep = "(" * (MAX_NESTING + 5) + "level = 'village'" + ")" * (MAX_NESTING + 5)
    with pytest.raises(CQL2Error, match="nests deeper"):
        _compile(deep)
    nots = "NOT " * 500 + "level = 'village'"
    with pytest.raises(CQL2Error, match="nests deeper"):
        _compile(nots)
    collections = "GEOMETRYCOLLECTION(" * 500 + "POINT(1 2)" + ")" * 500
    with pytest.raises(CQL2Error, match="nests deeper"):
        _compile(f"S_INTERSECTS(geometry, {collections})")


def test_shallow_nesting_and_long_in_lists_still_work(engine, demo_counts):
    nested = "(" * 20 + "level = 'village'" + ")" * 20
    assert _count(engine, nested) == _count_sql(engine, "level = 'village'")
    many = ", ".join(str(i) for i in range(500))
    assert _count(engine, f"people_served IN ({many})") == _count_sql(engine, f"people_served IN ({many})")
