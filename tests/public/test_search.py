"""Pinyin of names and the public name search of memorials and cemeteries (issue 7)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text

from geo.errors import InvalidInput
from geo.kit.pinyin import name_pinyin, query_key
from geo.public.search import MartyrSearch, SiteSearch, explain_martyr_search, search_martyrs, search_sites

DONGGOU = "东沟烈士陵园"


# -- pinyin ---------------------------------------------------------------------------------------------------


def test_pinyin_of_a_place_name_is_lowercase_ascii_without_tones_or_spaces():
    assert name_pinyin(DONGGOU) == ("donggoulieshilingyuan", "dglsly")


@pytest.mark.parametrize(
    ("name", "pinyin", "initials"),
    [
        ("单雄信", "shanxiongxin", "sxx"),  # 单: dan in words, shan as a surname
        ("曾国藩", "zengguofan", "zgf"),  # 曾: ceng in words, zeng as a surname
        ("覃明", "qinming", "qm"),  # 覃: a common Guangxi surname, qin
        ("解放", "xiefang", "xf"),  # a person named 解放: the surname reading wins
        ("尉迟恭", "yuchigong", "ycg"),  # a two-character surname
        ("吕良", "lvliang", "ll"),  # ü as v, the way people type it
        ("王重庆", "wangchongqing", "wcq"),  # a polyphone in the given name: pypinyin's phrase reading
    ],
)
def test_person_names_read_surnames_by_the_surname_table(name, pinyin, initials):
    assert name_pinyin(name, person=True) == (pinyin, initials)


def test_without_the_person_flag_the_common_reading_stays():
    assert name_pinyin("单")[0] == "dan"
    assert name_pinyin("解放纪念碑")[0] == "jiefangjinianbei"


def test_ascii_letters_and_digits_of_mixed_names_are_kept_and_full_width_ones_folded():
    assert name_pinyin("101高地纪念碑") == ("101gaodijinianbei", "101gdjnb")
    assert name_pinyin("ＫＢ２号 纪念碑·东") == ("kb2haojinianbeidong", "khjnbd")


def test_a_query_in_latin_letters_becomes_a_pinyin_key_and_chinese_stays_chinese():
    assert query_key("Dong Gou") == "donggou"
    assert query_key("xi'an") == "xian"
    assert query_key("东沟") is None
    assert query_key("东g") is None


# -- site search over the demo --------------------------------------------------------------------------------


@pytest.fixture
def conn(engine: Engine, demo_counts: dict[str, int]) -> Iterator[Connection]:
    """A connection whose writes are rolled back after the test."""
    with engine.connect() as c:
        tx = c.begin()
        yield c
        tx.rollback()


def _names(results: list[dict]) -> list[str]:
    return [r["name"] for r in results]


@pytest.mark.parametrize("q", ["dgls", "donggou", "DongGou", "dong gou", "东沟", DONGGOU, "donggoulieshi"])
def test_initials_pinyin_and_chinese_find_donggou_cemetery_first(conn, q):
    matched, results = search_sites(conn, SiteSearch(text=q))
    assert matched >= 1
    first = results[0]
    assert first["name"] == DONGGOU and first["collection"] == "cemeteries"
    assert first["url"] == f"/sites/cemeteries/{first['id']}"
    assert first["area_name"] == "东沟村"
    assert 110 < first["lon"] < 111.5 and 32 < first["lat"] < 33


def test_a_typo_in_pinyin_still_finds_by_similarity(conn):
    assert DONGGOU in _names(search_sites(conn, SiteSearch(text="donggoo"))[1])


def _add_memorials(conn: Connection, names: list[str]) -> None:
    for name in names:
        full, initials = name_pinyin(name)
        conn.execute(
            text(
                "INSERT INTO memorials (name, kind, protection_level, area_code, geom, name_pinyin, name_initials)"
                " SELECT :name, 'monument', 'county', code, ST_PointOnSurface(geom), :full, :initials"
                " FROM areas WHERE code = '450329'"
            ),
            {"name": name, "full": full, "initials": initials},
        )


def test_ranking_exact_then_prefix_then_initials_then_substring(conn):
    mine = ["老鹫峰纪念碑", "鹫峰纪念碑", "鹫峰", "鹫峰岭"]
    _add_memorials(conn, mine)
    expected = ["鹫峰", "鹫峰岭", "鹫峰纪念碑", "老鹫峰纪念碑"]  # exact, prefixes (by name), substring
    for q in ("鹫峰", "jiufeng"):
        found = _names(search_sites(conn, SiteSearch(text=q, limit=100))[1])
        assert found[0] == "鹫峰"
        assert [n for n in found if n in mine] == expected, q
    _add_memorials(conn, ["嘉峰纪念碑"])  # jfjnb: an initials prefix of "jfj" ...
    _add_memorials(conn, ["老家jfj碑"])  # ... ranks above a pinyin substring
    ranked = _names(search_sites(conn, SiteSearch(text="jfj"))[1])
    assert ranked.index("嘉峰纪念碑") < ranked.index("老家jfj碑")


def test_filters_kind_level_and_area(conn):
    matched, walls = search_sites(conn, SiteSearch(kind="name_wall", limit=100))
    assert matched >= 1 and all(r["kind"] == "name_wall" and r["collection"] == "memorials" for r in walls)
    _, cemeteries = search_sites(conn, SiteSearch(text="lieshi", kind="martyr_cemetery", limit=100))
    assert cemeteries and all(r["collection"] == "cemeteries" for r in cemeteries)
    _, ranked = search_sites(conn, SiteSearch(protection_level="city", limit=100))
    assert ranked and all(r["protection_level"] == "city" for r in ranked)
    matched, ziyuan = search_sites(conn, SiteSearch(area="450329", limit=100))
    in_db = conn.execute(
        text(
            "SELECT (SELECT count(*) FROM memorials WHERE area_code LIKE '450329%')"
            " + (SELECT count(*) FROM cemeteries WHERE area_code LIKE '450329%')"
        )
    ).scalar_one()
    assert matched == in_db > 0


def test_near_orders_by_geodesic_distance(conn):
    lon, lat = 110.64, 26.04  # 资源县
    matched, results = search_sites(conn, SiteSearch(near=(lon, lat), limit=10))
    distances = [r["distance_m"] for r in results]
    assert distances == sorted(distances)
    nearest = conn.execute(
        text(
            "SELECT min(ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography))"
            " FROM (SELECT geom FROM memorials UNION ALL SELECT geom FROM cemeteries) s"
        ),
        {"lon": lon, "lat": lat},
    ).scalar_one()
    assert distances[0] == pytest.approx(nearest, abs=0.1)
    _, named = search_sites(conn, SiteSearch(text="lieshi", near=(lon, lat), limit=20))
    same_rank = [r["distance_m"] for r in named]
    assert same_rank == sorted(same_rank)  # "lieshi" is a substring of every one: distance decides


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        (SiteSearch(), "a name, pinyin or a filter"),
        (SiteSearch(text="   "), "a name, pinyin or a filter"),
        (SiteSearch(text="烈" * 51), "at most 50"),
        (SiteSearch(text="!!!，。"), "no letter"),
        (SiteSearch(text="ab", kind="castle"), "unknown kind"),
        (SiteSearch(protection_level="world"), "unknown protection_level"),
        (SiteSearch(near=(200.0, 26.0)), "near must be"),
        (SiteSearch(text="dg", limit=0), "limit"),
    ],
)
def test_bad_site_searches_are_refused_with_a_reason(conn, query, reason):
    with pytest.raises(InvalidInput, match=reason):
        search_sites(conn, query)


# -- over HTTP ------------------------------------------------------------------------------------------------


def test_search_api_is_public(anon_client):
    answer = anon_client.get("/api/v1/search/sites", params={"q": "dgls"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["numberMatched"] >= 1 and body["results"][0]["name"] == DONGGOU
    near = anon_client.get("/api/v1/search/sites", params={"near": "110.64,26.04", "limit": 3}).json()
    assert [r["distance_m"] for r in near["results"]] == sorted(r["distance_m"] for r in near["results"])


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({}, "a name, pinyin or a filter"),
        ({"q": ""}, "a name, pinyin or a filter"),
        ({"q": "x" * 51}, "at most 50"),
        ({"q": "%%%"}, "no letter"),
        ({"near": "east,north"}, "must be lon,lat"),
        ({"near": "110"}, "must be lon,lat"),
        ({"area": "999999", "q": "dg"}, ""),
    ],
)
def test_bad_search_requests_answer_422_with_a_reason(anon_client, params, reason):
    answer = anon_client.get("/api/v1/search/sites", params={**params, "lang": "en"})
    assert answer.status_code in (404, 422), answer.text
    assert reason in answer.text


def test_limit_over_the_maximum_is_refused(anon_client):
    assert anon_client.get("/api/v1/search/sites", params={"q": "dg", "limit": 101}).status_code == 422


# -- the indexes at work ----------------------------------------------------------------------------------------


def test_a_pinyin_query_uses_the_trigram_index_on_many_rows(conn):
    # 40,000 more records (rolled back); the trigram indexes are rebuilt after the bulk insert, as a bulk load
    # would, so that their pending lists do not blur the planner's estimates
    conn.execute(text("DROP INDEX ix_martyrs_name_trgm, ix_martyrs_name_pinyin_trgm"))
    conn.execute(
        text(
            "INSERT INTO martyrs (name, name_pinyin, name_initials, synthetic)"
            " SELECT chr(19968 + i % 500) || chr(19968 + (i * 7919) % 20000)"
            " || chr((19968 + (i::bigint * 104729) % 20000)::int),"
            " md5(i::text), left(md5(i::text), 3), true FROM generate_series(1, 40000) i"
        )
    )
    conn.execute(text("CREATE INDEX ix_martyrs_name_trgm ON martyrs USING gin (name gin_trgm_ops)"))
    conn.execute(
        text("CREATE INDEX ix_martyrs_name_pinyin_trgm ON martyrs USING gin (name_pinyin gin_trgm_ops)")
    )
    conn.execute(text("ANALYZE martyrs"))
    plan = explain_martyr_search(conn, MartyrSearch(text="abcdef"))
    assert "ix_martyrs_name_pinyin_trgm" in plan, plan
    assert "Seq Scan on martyrs" not in plan, plan
    fuzzy = explain_martyr_search(conn, MartyrSearch(text="abcdef"), fuzzy=True)
    assert "%>" in fuzzy and "Seq Scan on martyrs" not in fuzzy, fuzzy  # word similarity on the index too
    name = conn.execute(text("SELECT name FROM martyrs WHERE name_pinyin = md5('12345')")).scalar_one()
    plan = explain_martyr_search(conn, MartyrSearch(text=name))
    assert "ix_martyrs_name_trgm" in plan, plan
    assert name in [r["name"] for r in search_martyrs(conn, MartyrSearch(text=name))[1]]


# -- the importer writes the pinyin too ------------------------------------------------------------------------


def test_imported_memorials_get_pinyin_and_keep_it_current(engine, demo_counts, tmp_path):
    from geo.accounts.audit import CLI_ACTOR
    from geo.importing.run import ImportOptions, run_import

    def load(name: str) -> None:
        path = tmp_path / "m.csv"
        path.write_text(
            f"code,name,kind,protection_level,lon,lat\nPY-1,{name},monument,county,110.64,26.04\n"
        )
        report = run_import(engine, path, ImportOptions("memorials"), CLI_ACTOR)
        assert report.to_json()["rows"][0]["status"] in ("inserted", "updated")

    def stored() -> tuple:
        with engine.connect() as conn:
            return tuple(
                conn.execute(
                    text("SELECT name_pinyin, name_initials FROM memorials WHERE code = 'PY-1'")
                ).one()
            )

    try:
        load("鹫峰纪念碑")
        assert stored() == ("jiufengjinianbei", "jfjnb")
        load("东沟纪念碑")
        assert stored() == ("donggoujinianbei", "dgjnb")
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM memorials WHERE code = 'PY-1'"))
