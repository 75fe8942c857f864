"""The demo atlas: real boundaries, synthetic sites that follow real bureaus' figures, all inside their areas."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from geo.demo.atlas import GUANGXI, generate_demo, load_demo
from geo.errors import Conflict
from tests.factories import remove_site


def _scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_real_boundaries_are_loaded(engine, demo_counts):
    with engine.connect() as conn:
        levels = dict(
            conn.execute(text("SELECT level, count(*) FROM areas WHERE code LIKE '45%' GROUP BY level")).all()
        )
        assert levels["province"] == 1 and levels["city"] == 14 and levels["county"] == 111
        names = set(
            conn.execute(
                text("SELECT name FROM areas WHERE level = 'county' AND code NOT LIKE '45%'")
            ).scalars()
        )
    assert {"茅箭区", "大竹县", "曾都区", "随县", "广水市"} <= names
    assert (
        _scalar(
            engine, "SELECT count(*) FROM areas WHERE level IN ('province','city','county') AND synthetic"
        )
        == 0
    )


def test_maojian_matches_the_bureau_figures(engine, demo_counts):
    with engine.connect() as conn:
        by_level = dict(
            conn.execute(
                text("SELECT level, count(*) FROM stations WHERE area_code LIKE '420302%' GROUP BY level")
            ).all()
        )
        communities, villages = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE name LIKE '%社区'), count(*) FILTER (WHERE name LIKE '%村') "
                "FROM areas WHERE level = 'village' AND code LIKE '420302%'"
            )
        ).one()
        cemetery = conn.execute(
            text(
                "SELECT a.name FROM cemeteries c JOIN areas a ON a.code = c.area_code WHERE c.name = '东沟烈士陵园'"
            )
        ).scalar_one()
    assert by_level == {"county": 1, "township": 7, "village": 71}
    assert (communities, villages) == (35, 36)
    assert cemetery == "东沟村"


def test_ziyuan_has_82_stations(engine, demo_counts):
    assert _scalar(engine, "SELECT count(*) FROM stations WHERE area_code LIKE '450329%' AND synthetic") == 82


@pytest.mark.parametrize("table", ["stations", "memorials", "cemeteries", "graves"])
def test_every_demo_site_lies_inside_its_declared_area(engine, demo_counts, table):
    outside = _scalar(
        engine,
        f"SELECT count(*) FROM {table} t JOIN areas a ON a.code = t.area_code "
        "WHERE t.synthetic AND NOT ST_Covers(a.geom, t.geom)",
    )
    assert demo_counts[table] > 0 and outside == 0


def test_synthetic_areas_nest_inside_their_parents(engine, demo_counts):
    stray = _scalar(
        engine,
        "SELECT count(*) FROM areas c JOIN areas p ON p.code = c.parent_code "
        "WHERE c.synthetic AND ST_Area(ST_Difference(c.geom, p.geom)::geography) > 1",
    )
    assert stray == 0


def test_demo_marks_everything_generated_as_synthetic(engine, demo_counts):
    for table in ("stations", "memorials", "cemeteries", "graves"):
        assert _scalar(engine, f"SELECT count(*) FROM {table} WHERE synthetic") == demo_counts[table]


def test_scattered_graves_moved_into_a_cemetery_keep_the_link(engine, demo_counts):
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT old.area_code, new.kind, new.area_code FROM graves old JOIN graves new ON new.id = old.moved_to_grave_id "
                "WHERE old.disposition = 'moved'"
            )
        ).all()
    assert rows and all(kind == "in_cemetery" and old[:6] == new[:6] for old, kind, new in rows)


def test_same_seed_same_atlas_other_seed_other_atlas():
    def fingerprint(seed):
        roots, sites = generate_demo("county", seed)
        return [(s["name"], round(s["geom"].x, 9), round(s["geom"].y, 9)) for s in sites.stations]

    assert fingerprint(7) == fingerprint(7)
    assert fingerprint(7) != fingerprint(8)


def test_guangxi_scale_has_17624_stations():
    _, sites = generate_demo("guangxi", 20260930)
    in_guangxi = [s for s in sites.stations if s["area_code"].startswith(GUANGXI[:2])]
    assert len(in_guangxi) == 17_624
    levels = {
        lvl: sum(1 for s in in_guangxi if s["level"] == lvl)
        for lvl in ("province", "city", "county", "township")
    }
    assert levels == {"province": 1, "city": 14, "county": 111, "township": 1250}


def test_demo_refuses_to_replace_real_sites(client, engine):
    created = client.post(
        "/api/v1/stations",
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [110.64, 26.04]},
            "properties": {"name": "真实服务站", "level": "village"},
        },
    ).json()
    try:
        with pytest.raises(Conflict, match="non-synthetic stations"):
            load_demo(engine)
        assert _scalar(engine, "SELECT count(*) FROM stations WHERE id = :i", i=created["id"]) == 1
    finally:
        remove_site(client, "stations", created["id"])
