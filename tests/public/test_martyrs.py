"""Martyr records (英名录): demo records, search API, burial place, admin-only writes with versions (issue 7)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from geo.public.martyrs import martyrs_at
from tests.auth_helpers import each_role_in, headers_of, staff_accounts
from tests.factories import if_match, make_site, remove_site

DONGGOU = "东沟烈士陵园"


@pytest.fixture(scope="module")
def staff(engine: Engine, demo_counts: dict[str, int]) -> dict:
    """Accounts of each role over the whole atlas, and an admin of 资源县 only."""
    specs = [*each_role_in({"all": None}), ("admin-ziyuan", "admin", "450329")]
    return staff_accounts(engine, specs, "martyrs")


@pytest.fixture
def made(engine: Engine) -> Iterator[list[int]]:
    """Ids of martyr records a test creates; removed after it."""
    ids: list[int] = []
    yield ids
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM martyrs WHERE id = ANY(:ids)"), {"ids": ids})


def _one(engine: Engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).first()


# -- demo records -----------------------------------------------------------------------------------------------


def test_every_cemetery_grave_of_the_demo_has_one_synthetic_record(engine, demo_counts):
    row = _one(
        engine,
        "SELECT count(*) FILTER (WHERE n <> 1), count(*) FROM (SELECT g.id, count(m.id) AS n FROM graves g"
        " LEFT JOIN martyrs m ON m.grave_id = g.id WHERE g.kind = 'in_cemetery' GROUP BY g.id) s",
    )
    assert row[0] == 0 and row[1] > 0
    assert _one(engine, "SELECT count(*) FROM martyrs WHERE synthetic")[0] >= row[1]
    walls = _one(engine, "SELECT count(*) FROM martyrs m JOIN memorials w ON w.id = m.memorial_id")[0]
    assert walls > 0, "name walls carry names too"
    unnamed = _one(engine, "SELECT count(*) FROM martyrs WHERE unnamed AND name = '无名烈士'")[0]
    assert unnamed > 0
    assert (
        _one(engine, "SELECT count(*) FROM martyrs WHERE name_pinyin IS NULL OR name_initials IS NULL")[0]
        == 0
    )


def test_demo_sites_carry_pinyin(engine, demo_counts):
    row = _one(engine, "SELECT name_pinyin, name_initials FROM cemeteries WHERE name = :n", n=DONGGOU)
    assert tuple(row) == ("donggoulieshilingyuan", "dglsly")
    for table in ("memorials", "cemeteries"):
        assert _one(engine, f"SELECT count(*) FROM {table} WHERE name_pinyin IS NULL")[0] == 0


def test_martyrs_at_donggou_lists_its_graves_records_in_order(engine, demo_counts):
    with engine.connect() as conn:
        cemetery_id, graves = conn.execute(
            text(
                "SELECT c.id, count(g.id) FROM cemeteries c JOIN graves g ON g.cemetery_id = c.id"
                " WHERE c.name = :n GROUP BY c.id"
            ),
            {"n": DONGGOU},
        ).one()
        listed = martyrs_at(conn, "cemeteries", cemetery_id, limit=1000)
    assert len(listed) == graves > 0
    positions = [
        (m["burial"]["section"], int(m["burial"]["row"]), int(m["burial"]["number"])) for m in listed
    ]
    assert positions == sorted(positions)
    assert all(m["burial"]["place"] == DONGGOU for m in listed)


# -- reading ----------------------------------------------------------------------------------------------------


def test_a_grave_record_leads_to_the_grave_position_and_point(anon_client, engine):
    martyr_id, grave_id, section, row_no, number, lon, lat = _one(
        engine,
        "SELECT m.id, g.id, g.section, g.row_no, g.number, ST_X(g.geom), ST_Y(g.geom) FROM martyrs m"
        " JOIN graves g ON g.id = m.grave_id JOIN cemeteries c ON c.id = g.cemetery_id"
        " WHERE c.name = :n ORDER BY m.id LIMIT 1",
        n=DONGGOU,
    )
    answer = anon_client.get(f"/api/v1/martyrs/{martyr_id}")
    assert answer.status_code == 200 and answer.headers["ETag"].startswith('W/"')
    burial = answer.json()["burial"]
    assert burial["kind"] == "grave" and burial["grave_id"] == grave_id and burial["cemetery"] == DONGGOU
    assert (burial["section"], burial["row"], burial["number"]) == (section, row_no, number)
    assert burial["lon"] == pytest.approx(lon) and burial["lat"] == pytest.approx(lat)


def test_a_name_wall_record_points_at_the_wall(anon_client, engine):
    martyr_id, wall = _one(
        engine, "SELECT id, memorial_id FROM martyrs WHERE memorial_id IS NOT NULL ORDER BY id LIMIT 1"
    )
    body = anon_client.get(f"/api/v1/martyrs/{martyr_id}").json()
    assert body["burial"]["kind"] == "memorial" and body["burial"]["memorial_kind"] == "name_wall"
    assert body["memorial"]["memorial_id"] == wall and body["burial"]["note"]


def test_the_public_does_not_read_internal_fields(anon_client, client, engine):
    martyr_id = _one(engine, "SELECT id FROM martyrs ORDER BY id LIMIT 1")[0]
    public = anon_client.get(f"/api/v1/martyrs/{martyr_id}").json()
    assert "code" not in public and "relatives_found" not in public
    assert "name_pinyin" in public and "hometown" in public
    assert "relatives_found" in client.get(f"/api/v1/martyrs/{martyr_id}").json()


def test_an_unknown_record_is_404(anon_client):
    assert anon_client.get("/api/v1/martyrs/987654321").status_code == 404


# -- search -----------------------------------------------------------------------------------------------------


def test_search_by_chinese_pinyin_and_initials_agree(anon_client, engine):
    name, full, initials = _one(
        engine, "SELECT name, name_pinyin, name_initials FROM martyrs WHERE NOT unnamed ORDER BY id LIMIT 1"
    )
    for q in (name, full, initials):
        body = anon_client.get("/api/v1/martyrs", params={"q": q, "limit": 100}).json()
        assert name in [r["name"] for r in body["results"]], q
    first = anon_client.get("/api/v1/martyrs", params={"q": name}).json()["results"][0]
    assert first["name"] == name and first["url"] == f"/martyrs/{first['id']}"


def test_a_one_character_query_is_a_surname_prefix(anon_client):
    body = anon_client.get("/api/v1/martyrs", params={"q": "王", "limit": 100}).json()
    assert body["numberMatched"] > 0 and all(r["name"].startswith("王") for r in body["results"])


def test_filters_hometown_unit_years_and_area(anon_client, engine):
    hometown = _one(engine, "SELECT hometown FROM martyrs WHERE hometown IS NOT NULL ORDER BY id LIMIT 1")[0]
    body = anon_client.get("/api/v1/martyrs", params={"hometown": hometown, "limit": 100}).json()
    assert body["numberMatched"] >= 1 and all(hometown in r["hometown"] for r in body["results"])
    body = anon_client.get("/api/v1/martyrs", params={"unit": "志愿军", "death_year": 1951}).json()
    assert body["numberMatched"] >= 1
    assert all("志愿军" in r["unit"] and r["death_year"] == 1951 for r in body["results"])
    years = anon_client.get(
        "/api/v1/martyrs", params={"death_year_from": 1979, "death_year_to": 1984, "limit": 100}
    ).json()
    assert years["results"] and all(1979 <= r["death_year"] <= 1984 for r in years["results"])
    expected = _one(engine, "SELECT count(*) FROM martyrs WHERE area_code LIKE '450329%'")[0]
    assert anon_client.get("/api/v1/martyrs", params={"area": "450329"}).json()["numberMatched"] == expected


def test_paging_keeps_the_count(anon_client):
    first = anon_client.get("/api/v1/martyrs", params={"q": "wang", "limit": 5}).json()
    second = anon_client.get("/api/v1/martyrs", params={"q": "wang", "limit": 5, "offset": 5}).json()
    assert first["numberMatched"] == second["numberMatched"] > 5
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({}, "a name, pinyin or a filter"),
        ({"q": "  "}, "a name, pinyin or a filter"),
        ({"q": "王" * 51}, "at most 50"),
        ({"q": "?!,."}, "no letter"),
        ({"hometown": "——"}, "no letter"),
        ({"death_year": 3000}, "not a year between"),
        ({"death_year_from": 1700}, "not a year between"),
        ({"death_year_from": 1980, "death_year_to": 1950}, "is after"),
        ({"death_year": "nineteen"}, "death_year"),
        ({"area": "999999"}, "unknown area"),
    ],
)
def test_bad_martyr_searches_answer_422_with_a_reason(anon_client, params, reason):
    answer = anon_client.get("/api/v1/martyrs", params={**params, "lang": "en"})
    assert answer.status_code == 422, answer.text
    assert reason in answer.text


# -- writes -----------------------------------------------------------------------------------------------------


def _grave_in(engine: Engine, county: str) -> int:
    return _one(
        engine,
        "SELECT id FROM graves WHERE kind = 'in_cemetery' AND area_code LIKE :p ORDER BY id LIMIT 1",
        p=county + "%",
    )[0]


def test_only_admins_write_and_only_in_their_area(anon_client, staff, engine, made):
    body = {"name": "测试烈士", "death_year": 1950}
    assert anon_client.post("/api/v1/martyrs", json=body).status_code == 401
    for role in ("crew-all", "planner-all"):
        answer = anon_client.post("/api/v1/martyrs", json=body, headers=headers_of(staff, role))
        assert answer.status_code == 403, role
    outside = {**body, "grave_id": _grave_in(engine, "420302")}  # 茅箭区, not 资源县
    answer = anon_client.post("/api/v1/martyrs", json=outside, headers=headers_of(staff, "admin-ziyuan"))
    assert answer.status_code == 403
    inside = {**body, "grave_id": _grave_in(engine, "450329")}
    answer = anon_client.post("/api/v1/martyrs", json=inside, headers=headers_of(staff, "admin-ziyuan"))
    assert answer.status_code == 201, answer.text
    made.append(answer.json()["id"])
    assert _one(engine, "SELECT count(*) FROM martyrs WHERE name = '测试烈士'")[0] == 1


def test_create_update_delete_with_versions_and_pinyin(client: TestClient, engine, made):
    answer = client.post(
        "/api/v1/martyrs",
        json={"name": "单雄信", "hometown": "广西资源县", "death_date": "1951-03-02", "area_code": "450329"},
    )
    assert answer.status_code == 201, answer.text
    record = answer.json()
    made.append(record["id"])
    assert (record["name_pinyin"], record["name_initials"]) == ("shanxiongxin", "sxx")
    assert record["death_year"] == 1951 and record["burial"] == {"kind": "unknown", "note": None}
    assert answer.headers["Location"].endswith(f"/api/v1/martyrs/{record['id']}")
    url = f"/api/v1/martyrs/{record['id']}"
    assert client.patch(url, json={"name": "曾国华"}).status_code == 428
    assert client.patch(url, json={"name": "曾国华"}, headers={"If-Match": 'W/"99"'}).status_code == 412
    answer = client.patch(url, json={"name": "曾国华"}, headers={"If-Match": answer.headers["ETag"]})
    assert answer.status_code == 200, answer.text
    changed = answer.json()
    assert (changed["name_pinyin"], changed["version"]) == ("zengguohua", record["version"] + 1)
    assert changed["hometown"] == "广西资源县" and changed["death_year"] == 1951
    found = client.get("/api/v1/martyrs", params={"q": "zgh", "area": "450329"}).json()
    assert record["id"] in [r["id"] for r in found["results"]]
    assert client.delete(url, params={"version": record["version"]}).status_code == 409
    assert client.delete(url, headers={"If-Match": f'W/"{changed["version"]}"'}).status_code == 204
    assert client.get(url).status_code == 404


def test_an_unnamed_martyr_gets_the_name_and_pinyin_of_wuming_lieshi(client, made):
    answer = client.post("/api/v1/martyrs", json={"unnamed": True, "area_code": "450329"})
    assert answer.status_code == 201, answer.text
    made.append(answer.json()["id"])
    assert (answer.json()["name"], answer.json()["name_initials"]) == ("无名烈士", "wmls")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "the name, or unnamed"),
        ({"name": "张三", "grave_id": 987654321}, "no graves record"),
        ({"name": "张三", "memorial_id": 987654321}, "no memorials record"),
        ({"name": "张三", "birth_year": 1960, "death_year": 1950}, "is after the year of death"),
        ({"name": "张三", "death_year": 1950, "death_date": "1951-01-01"}, "differs from death_date"),
        ({"name": "张三", "death_year": 1700}, "death_year"),
        ({"name": "张三", "gender": "x"}, "gender"),
        ({"name": "张三", "area_code": "999999"}, "unknown area"),
        ({"name": "张三", "name_pinyin": "abc"}, "name_pinyin"),
        ({"name": "张" * 101}, "name"),
    ],
)
def test_bad_records_are_refused_with_a_reason(client, body, reason):
    answer = client.post("/api/v1/martyrs?lang=en", json=body)
    assert answer.status_code == 422, answer.text
    assert reason in answer.text


def test_a_grave_in_another_cemetery_is_refused(client, engine):
    grave_id, cemetery_id = _one(
        engine, "SELECT id, cemetery_id FROM graves WHERE kind = 'in_cemetery' ORDER BY id LIMIT 1"
    )
    other = _one(engine, "SELECT id FROM cemeteries WHERE id <> :c ORDER BY id LIMIT 1", c=cemetery_id)[0]
    answer = client.post(
        "/api/v1/martyrs?lang=en", json={"name": "张三", "grave_id": grave_id, "cemetery_id": other}
    )
    assert answer.status_code == 422 and "is not in cemetery" in answer.text


def test_site_pinyin_is_written_on_create_and_update(client, engine):
    site = make_site(client, "memorials", name="鹫峰纪念碑")
    row = _one(engine, "SELECT name_pinyin, name_initials FROM memorials WHERE id = :i", i=site["id"])
    assert tuple(row) == ("jiufengjinianbei", "jfjnb")
    answer = client.patch(
        f"/api/v1/memorials/{site['id']}",
        json={"type": "Feature", "properties": {"name": "东沟纪念碑"}},
        headers=if_match(client, "memorials", site["id"]),
    )
    assert answer.status_code == 200, answer.text
    row = _one(engine, "SELECT name_pinyin FROM memorials WHERE id = :i", i=site["id"])
    assert row[0] == "donggoujinianbei"
    remove_site(client, "memorials", site["id"])
