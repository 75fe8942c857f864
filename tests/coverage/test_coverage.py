"""Coverage against a hand-computed fixture: a synthetic county on the equator, where the geodesic distance
between two points is a·Δλ (a = 6,378,137 m), so every expected figure below is worked out by hand.

    lon  100.00  100.01  100.02  100.05  100.10  100.20  100.30  100.31  100.38  100.40
         V1,T1   st t1   V2      V3      V4      st c    V5,T2   st v5   st v6   V6
         st v1                                                          (planned)

Villages V1–V4 lie in township T1, V5–V6 in T2; V4's population is unknown. Stations: village-level v1
(serves V1) and v5 (serves V5), v6 (village-level, planned, serves V6), township-level t1 (serves T1),
county-level c (serves the county). Thresholds: 3 km for village stations, 10 km for township stations.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.coverage.rates import coverage_by_area, coverage_rows, station_gaps
from geo.coverage.runs import (
    CoverageParams,
    coverage_params,
    coverage_state,
    get_run,
    refresh_coverage,
    run_full,
)
from geo.database.engine import make_engine
from geo.errors import Conflict, InvalidInput
from tests.auth_helpers import admin_headers
from tests.factories import scratch_database

DEG = 6378137.0 * math.pi / 180  # metres per degree of longitude along the equator

PROVINCE, CITY, COUNTY = "900000", "900100", "900101"
T1, T2 = "900101001", "900101002"
V1, V2, V3, V4 = "900101001201", "900101001202", "900101001203", "900101001204"
V5, V6 = "900101002201", "900101002202"
VILLAGE_LON = {V1: 100.00, V2: 100.02, V3: 100.05, V4: 100.10, V5: 100.30, V6: 100.40}
POPULATION = {V1: 1000, V2: 2000, V3: 500, V4: None, V5: 3000, V6: 1500}
TOWNSHIP_LON = {T1: 100.00, T2: 100.30}
STATIONS = {  # name: (level, status, lon, served area)
    "v1": ("village", "active", 100.00, V1),
    "v5": ("village", "active", 100.31, V5),
    "v6": ("village", "planned", 100.38, V6),
    "t1": ("township", "active", 100.01, T1),
    "c": ("county", "active", 100.20, COUNTY),
}


def m(degrees: float) -> float:
    """Geodesic metres of a longitude difference along the equator."""
    return degrees * DEG


# village: (village station, Δλ), (township station, Δλ), (any station, Δλ)
EXPECTED_VILLAGES = {
    V1: (("v1", 0.00), ("t1", 0.01), ("v1", 0.00)),
    V2: (("v1", 0.02), ("t1", 0.01), ("t1", 0.01)),
    V3: (("v1", 0.05), ("t1", 0.04), ("t1", 0.04)),
    V4: (("v1", 0.10), ("t1", 0.09), ("t1", 0.09)),
    V5: (("v5", 0.01), ("t1", 0.29), ("v5", 0.01)),
    V6: (("v5", 0.09), ("t1", 0.39), ("v5", 0.09)),
}
EXPECTED_TOWNSHIPS = {T1: (("t1", 0.01), ("v1", 0.00)), T2: (("t1", 0.29), ("v5", 0.01))}

_ROW_COLUMNS = {
    "coverage_villages": "village_station_id, village_station_m, covered_village, township_station_id, "
    "township_station_m, covered_township, any_station_id, any_station_m, covered_any",
    "coverage_townships": "township_station_id, township_station_m, covered_township, any_station_id, "
    "any_station_m, covered_any",
}


@pytest.fixture(scope="module")
def fixture_engine(test_db_url) -> Iterator[Engine]:
    """A database of its own holding only the hand-computed county."""
    with scratch_database(test_db_url, "coverage") as url:
        engine = make_engine(url)
        _add_county(engine)
        yield engine
        engine.dispose()


def _add_county(engine: Engine) -> None:
    with engine.begin() as conn:
        point = "ST_SetSRID(ST_MakePoint(:lon, 0), 4326)"
        insert = text(
            f"INSERT INTO areas (code, name, level, parent_code, point, population, synthetic) "
            f"VALUES (:code, :name, :level, :parent, {point}, :population, true)"
        )
        conn.execute(
            insert,
            dict(code=PROVINCE, name="测试省", level="province", parent=None, lon=100.2, population=None),
        )
        conn.execute(
            insert, dict(code=CITY, name="测试市", level="city", parent=PROVINCE, lon=100.2, population=None)
        )
        conn.execute(
            insert, dict(code=COUNTY, name="测试县", level="county", parent=CITY, lon=100.2, population=None)
        )
        for code, lon in TOWNSHIP_LON.items():
            conn.execute(
                insert,
                dict(
                    code=code, name=f"镇{code[-1]}", level="township", parent=COUNTY, lon=lon, population=None
                ),
            )
        for code, lon in VILLAGE_LON.items():
            conn.execute(
                insert,
                dict(
                    code=code,
                    name=f"村{code[-1]}",
                    level="village",
                    parent=code[:9],
                    lon=lon,
                    population=POPULATION[code],
                ),
            )


@pytest.fixture()
def atlas(fixture_engine) -> dict[str, int]:
    """The fixture's stations, freshly inserted, and a full run over them; returns station ids by name."""
    with fixture_engine.begin() as conn:
        conn.execute(text("TRUNCATE stations RESTART IDENTITY"))
        conn.execute(
            text("DELETE FROM coverage_villages; DELETE FROM coverage_townships; DELETE FROM coverage_runs")
        )
        ids = {}
        for name, (level, status, lon, served) in STATIONS.items():
            ids[name] = conn.execute(
                text(
                    "INSERT INTO stations (name, level, status, area_code, served_area_code, geom) "
                    "VALUES (:name, :level, :status, :served, :served, ST_SetSRID(ST_MakePoint(:lon, 0), 4326)) "
                    "RETURNING id"
                ),
                dict(name=f"站{name}", level=level, status=status, served=served, lon=lon),
            ).scalar_one()
    run_full(fixture_engine, CoverageParams())
    return ids


def _rows(engine: Engine, table: str = "coverage_villages") -> dict[str, tuple]:
    with engine.connect() as conn:
        return {
            r[0]: tuple(r[1:])
            for r in conn.execute(
                text(f"SELECT area_code, {_ROW_COLUMNS[table]} FROM {table} ORDER BY area_code")
            )
        }


def _run_ids(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT area_code, run_id FROM coverage_villages")).all())


def _refresh(engine: Engine, **kwargs):
    with engine.begin() as conn:
        return refresh_coverage(conn, **kwargs)


def _sql(engine: Engine, statement: str, **params) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement), params)


def _expected_row(expect, ids, thresholds) -> tuple:
    row = []
    for (name, delta), limit in zip(expect, thresholds, strict=True):
        row += [ids[name], pytest.approx(m(delta), abs=1e-6), m(delta) <= limit]
    return tuple(row)


# ------------------------------------------------------------------------------------------ full run


def test_full_run_gives_hand_computed_nearest_stations_and_distances(fixture_engine, atlas):
    rows = _rows(fixture_engine)
    assert set(rows) == set(EXPECTED_VILLAGES)
    for code, expect in EXPECTED_VILLAGES.items():
        assert rows[code] == _expected_row(expect, atlas, (3000, 10000, 3000)), code
    # the borderline cases, spelled out
    assert rows[V2][2] is True and rows[V2][0] == atlas["v1"]  # 2,226 m ≤ 3 km
    assert rows[V4][5] is False  # 10,018.75 m > 10 km
    assert rows[V6][0] == atlas["v5"]  # v6 is only planned


def test_full_run_gives_hand_computed_township_rows(fixture_engine, atlas):
    rows = _rows(fixture_engine, "coverage_townships")
    for code, expect in EXPECTED_TOWNSHIPS.items():
        assert rows[code] == _expected_row(expect, atlas, (10000, 10000)), code


def test_run_records_parameters_counts_and_time(fixture_engine, atlas):
    run = run_full(fixture_engine, coverage_params(2500, 12000))
    assert run.kind == "full" and run.status == "done" and run.progress == 1.0
    assert run.parameters == {"village_m": 2500.0, "township_m": 12000.0}
    assert run.finished_at >= run.started_at
    assert run.counts["stations"] == 4  # active only
    assert run.counts["villages"]["units"] == 6 and run.counts["villages"]["covered_village"] == 3
    assert run.counts["townships"] == {
        "units": 2,
        "covered_township": 1,
        "covered_any": 2,
        "no_township_station": 0,
        "no_any_station": 0,
    }
    assert set(_run_ids(fixture_engine).values()) == {run.id}
    with fixture_engine.connect() as conn:
        flags = dict(conn.execute(text("SELECT area_code, covered_village FROM coverage_villages")).all())
    assert flags[V2] is True and flags[V5] is True  # 2,226 m and 1,113 m ≤ 2.5 km


def test_a_level_without_any_station_has_no_nearest(fixture_engine, atlas):
    _sql(fixture_engine, "UPDATE stations SET level = 'village' WHERE id = :i", i=atlas["t1"])
    run_full(fixture_engine, CoverageParams())
    rows = _rows(fixture_engine)
    assert all(r[3] is None and r[4] is None and r[5] is False for r in rows.values())
    assert rows[V2][:3] == (atlas["t1"], pytest.approx(m(0.01)), True)  # now a village station


# ------------------------------------------------------------------------------------------- rates


def _share(area, level):
    return next(s for s in area.shares if s.station_level == level)


def test_county_rates_are_population_weighted_where_population_is_known(fixture_engine, atlas):
    with fixture_engine.begin() as conn:
        rates = coverage_by_area(conn, COUNTY, None)
    whole = rates.area
    assert (whole.code, whole.villages, whole.villages_with_population, whole.population) == (
        COUNTY,
        6,
        5,
        8000,
    )
    village, township, anyone = _share(whole, "village"), _share(whole, "township"), _share(whole, "any")
    assert (village.villages_covered, village.village_share) == (3, 0.5)  # V1, V2, V5
    assert (village.population_covered, village.population_share) == (6000, 0.75)
    assert (township.villages_covered, township.population_covered) == (3, 3500)  # V1, V2, V3
    assert township.population_share == pytest.approx(3500 / 8000)
    assert (anyone.villages_covered, anyone.population_covered) == (3, 6000)  # V1, V2 (t1), V5
    assert (whole.townships, whole.townships_covered, whole.township_share) == (2, 1, 0.5)
    assert (village.threshold_m, township.threshold_m, anyone.threshold_m) == (3000, 10000, 3000)


def test_rates_per_township_row(fixture_engine, atlas):
    with fixture_engine.begin() as conn:
        rates = coverage_by_area(conn, COUNTY, "township")
    assert rates.level == "township" and [r.code for r in rates.rows] == [T1, T2]
    t1, t2 = rates.rows
    assert (t1.villages, t1.population, t1.townships, t1.townships_covered) == (4, 3500, 1, 1)
    assert _share(t1, "village").population_share == pytest.approx(3000 / 3500)
    assert _share(t1, "township").village_share == 0.75 and _share(t1, "township").population_share == 1.0
    assert (t2.villages, t2.population, t2.townships, t2.townships_covered) == (2, 4500, 1, 0)
    assert _share(t2, "village").population_share == pytest.approx(3000 / 4500)
    assert _share(t2, "township").village_share == 0.0


def test_rates_at_village_level_and_from_the_province(fixture_engine, atlas):
    with fixture_engine.begin() as conn:
        villages = coverage_by_area(conn, T1, "village")
        province = coverage_by_area(conn, PROVINCE, None)
        everything = coverage_by_area(conn, None, None)
    assert [r.code for r in villages.rows] == [V1, V2, V3, V4]
    assert [_share(r, "village").village_share for r in villages.rows] == [1.0, 1.0, 0.0, 0.0]
    assert (
        villages.rows[3].villages_with_population == 0
        and _share(villages.rows[3], "village").population_share is None
    )
    assert villages.rows[0].townships is None
    assert province.level == "city" and [r.code for r in province.rows] == [CITY]
    assert province.rows[0].shares == province.area.shares
    assert everything.area.code is None and everything.level == "province" and everything.area.villages == 6


def test_other_thresholds_need_no_rerun(fixture_engine, atlas):
    with fixture_engine.begin() as conn:
        rates = coverage_by_area(conn, COUNTY, None, village_m=6000, township_m=10100)
    village, township = _share(rates.area, "village"), _share(rates.area, "township")
    assert (village.villages_covered, village.population_covered) == (4, 6500)  # + V3 at 5,566 m
    assert (township.villages_covered, township.population_covered) == (4, 3500)  # + V4, population unknown
    assert rates.params == CoverageParams(6000, 10100)


# -------------------------------------------------------------------------------------------- gaps


def test_every_unit_has_its_station_check(fixture_engine, atlas):
    with fixture_engine.begin() as conn:
        gaps = station_gaps(conn, PROVINCE, None, 100, 0)
    summary = {g.level: (g.units, g.with_station, g.without_station) for g in gaps.levels}
    assert summary == {
        "province": (1, 0, 1),
        "city": (1, 0, 1),
        "county": (1, 1, 0),
        "township": (2, 1, 1),
        "village": (6, 2, 4),  # v6 is only planned
    }
    assert [g.code for g in gaps.gaps] == [PROVINCE, CITY, T2, V2, V3, V4, V6]
    assert gaps.number_matched == 7


def test_gaps_of_one_level_paged(fixture_engine, atlas):
    with fixture_engine.begin() as conn:
        first = station_gaps(conn, COUNTY, "village", 2, 0)
        second = station_gaps(conn, COUNTY, "village", 2, 2)
        townships = station_gaps(conn, T2, None, 10, 0)
    assert [g.level for g in first.levels] == ["village"] and first.number_matched == 4
    assert [g.code for g in first.gaps + second.gaps] == [V2, V3, V4, V6]
    assert [g.code for g in townships.gaps] == [T2, V6]
    assert first.gaps[0].parent_code == T1 and first.gaps[0].population == 2000


# ------------------------------------------------------------------------------------- incremental


def _full_rerun_rows(engine: Engine) -> tuple[dict, dict]:
    run_full(engine, CoverageParams())
    return _rows(engine), _rows(engine, "coverage_townships")


def _insert_station(engine, level: str, lon: float, served: str, status: str = "active") -> int:
    with engine.begin() as conn:
        return conn.execute(
            text(
                "INSERT INTO stations (name, level, status, area_code, served_area_code, geom) "
                "VALUES ('新站', :level, :status, :served, :served, ST_SetSRID(ST_MakePoint(:lon, 0), 4326)) "
                "RETURNING id"
            ),
            dict(level=level, status=status, served=served, lon=lon),
        ).scalar_one()


def test_new_station_changes_only_the_villages_it_is_nearest_to(fixture_engine, atlas):
    before, before_runs = _rows(fixture_engine), _run_ids(fixture_engine)
    new = _insert_station(fixture_engine, "village", 100.05, V3)
    state = _refresh(fixture_engine)
    after, after_runs = _rows(fixture_engine), _run_ids(fixture_engine)
    assert state.current
    assert {c for c in after if after[c] != before[c]} == {V3, V4}
    assert after[V3] == (new, 0.0, True, atlas["t1"], pytest.approx(m(0.04)), True, new, 0.0, True)
    assert after[V4][:3] == (new, pytest.approx(m(0.05)), False)  # 5,566 m: nearer, still not covered
    assert after[V4][6:] == (new, pytest.approx(m(0.05)), False)  # nearer than t1 at 0.09°
    incremental = state.last_run_id
    assert {after_runs[V3], after_runs[V4]} == {incremental}
    assert all(after_runs[c] == before_runs[c] for c in (V1, V2, V5, V6))
    with fixture_engine.connect() as conn:
        run = get_run(conn, incremental)
    assert run.kind == "incremental" and run.parameters["station_ids"] == [new]
    assert run.counts["villages"]["changed"] == 2
    assert (after, _rows(fixture_engine, "coverage_townships")) == _full_rerun_rows(fixture_engine)


def test_moving_closing_and_deleting_a_station_equals_a_full_rerun(fixture_engine, atlas):
    original = (_rows(fixture_engine), _rows(fixture_engine, "coverage_townships"))
    new = _insert_station(fixture_engine, "village", 100.05, V3)
    _refresh(fixture_engine)
    steps = [
        ("UPDATE stations SET geom = ST_SetSRID(ST_MakePoint(100.395, 0), 4326) WHERE id = :i", {V3, V4, V6}),
        ("UPDATE stations SET status = 'closed' WHERE id = :i", {V6}),
        ("UPDATE stations SET status = 'active', level = 'township' WHERE id = :i", {V5, V6}),
        ("DELETE FROM stations WHERE id = :i", {V5, V6}),
    ]
    for statement, expected_changes in steps:
        before = _rows(fixture_engine)
        _sql(fixture_engine, statement, i=new)
        assert _refresh(fixture_engine).current
        after = (_rows(fixture_engine), _rows(fixture_engine, "coverage_townships"))
        assert {c for c in after[0] if after[0][c] != before[c]} == expected_changes, statement
        assert after == _full_rerun_rows(fixture_engine), statement
    assert (_rows(fixture_engine), _rows(fixture_engine, "coverage_townships")) == original
    moved = _rows(fixture_engine)
    assert moved[V6][:3] == (atlas["v5"], pytest.approx(m(0.09)), False)


def test_moving_a_stations_own_nearest_away_searches_again(fixture_engine, atlas):
    # v1 moves 0.5° west: V1–V4 lose their nearest village station and find v5 (0.31° from V1) afresh
    _sql(
        fixture_engine,
        "UPDATE stations SET geom = ST_SetSRID(ST_MakePoint(99.5, 0), 4326) WHERE id = :i",
        i=atlas["v1"],
    )
    _refresh(fixture_engine)
    rows = _rows(fixture_engine)
    assert rows[V1][:3] == (atlas["v5"], pytest.approx(m(0.31)), False)
    assert rows[V4][:2] == (atlas["v5"], pytest.approx(m(0.21)))
    assert rows[V1][6:8] == (atlas["t1"], pytest.approx(m(0.01)))
    assert (rows, _rows(fixture_engine, "coverage_townships")) == _full_rerun_rows(fixture_engine)


def test_only_position_level_and_status_changes_are_queued(fixture_engine, atlas):
    def queued() -> int:
        with fixture_engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM coverage_queue")).scalar_one()

    _sql(fixture_engine, "UPDATE stations SET phone = '0773-1234567', star_rating = 4")
    assert queued() == 0
    _sql(fixture_engine, "UPDATE stations SET geom = geom WHERE id = :i", i=atlas["v1"])
    assert queued() == 0
    _sql(fixture_engine, "UPDATE stations SET status = 'closed' WHERE id = :i", i=atlas["v1"])
    assert queued() == 1
    with fixture_engine.connect() as conn:
        assert coverage_state(conn).pending_changes == 1
    assert _refresh(fixture_engine).current and queued() == 0


def test_truncating_stations_asks_for_a_full_run(fixture_engine, atlas):
    _sql(fixture_engine, "TRUNCATE stations")
    state = _refresh(fixture_engine, inline_full_max=0)  # too big to run inside a request
    assert state.needs_full_run and not state.current
    assert _rows(fixture_engine)[V1][0] == atlas["v1"]  # stale rows stay until then
    state = _refresh(fixture_engine)  # small enough: runs here
    assert state.current and state.base_run.counts["stations"] == 0
    assert all(r == (None, None, False) * 3 for r in _rows(fixture_engine).values())


def test_changed_areas_ask_for_a_full_run(fixture_engine, atlas):
    _sql(fixture_engine, "UPDATE areas SET population = 700 WHERE code = :c", c=V4)
    assert _refresh(fixture_engine, inline_full_max=0).needs_full_run
    with fixture_engine.begin() as conn:
        rates = coverage_by_area(conn, COUNTY, None)
    assert rates.state["current"] and rates.area.population == 8700
    _sql(fixture_engine, "UPDATE areas SET population = NULL WHERE code = :c", c=V4)


def test_refresh_waits_while_a_full_run_holds_the_lock(fixture_engine, atlas):
    _insert_station(fixture_engine, "village", 100.05, V3)
    with fixture_engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(1447383117, 4)"))
        holder.commit()
        state = _refresh(fixture_engine)
        assert state.pending_changes == 1 and not state.current
        assert _rows(fixture_engine)[V3][0] == atlas["v1"]
        holder.execute(text("SELECT pg_advisory_unlock(1447383117, 4)"))
        holder.commit()
    assert _refresh(fixture_engine).current


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"village_m": 0}, "village_m must be greater than 0"),
        ({"village_m": -5}, "village_m must be greater than 0"),
        ({"township_m": float("nan")}, "township_m must be a finite number"),
        ({"township_m": float("inf")}, "township_m must be a finite number"),
        ({"township_m": 600_000}, "over the maximum"),
    ],
)
def test_bad_thresholds_are_refused(fixture_engine, atlas, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        coverage_params(**kwargs)
    with fixture_engine.begin() as conn, pytest.raises(InvalidInput, match=message):
        coverage_by_area(conn, COUNTY, None, **kwargs)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: coverage_by_area(c, "990000", None), "unknown area code '990000'"),
        (lambda c: coverage_by_area(c, T1, "county"), "level 'county' is above area"),
        (lambda c: coverage_by_area(c, COUNTY, "hamlet"), "unknown level 'hamlet'"),
        (lambda c: station_gaps(c, "900101009", None, 10, 0), "unknown area code"),
        (lambda c: station_gaps(c, V1, "township", 10, 0), "above area"),
        (lambda c: coverage_rows(c, "county", COUNTY, None, 10, 0), "villages and townships"),
        (lambda c: coverage_rows(c, "village", "123456", None, 10, 0), "unknown area code"),
    ],
)
def test_bad_areas_and_levels_are_refused(fixture_engine, atlas, call, message):
    with fixture_engine.begin() as conn, pytest.raises(InvalidInput, match=message):
        call(conn)


def test_no_run_yet_is_a_clear_conflict_when_too_big_to_run_inline(fixture_engine, atlas):
    _sql(
        fixture_engine,
        "DELETE FROM coverage_villages; DELETE FROM coverage_townships; DELETE FROM coverage_runs",
    )
    with fixture_engine.begin() as conn, pytest.raises(Conflict, match="no coverage run yet"):
        coverage_by_area(conn, COUNTY, None, inline_full_max=0)
    with fixture_engine.begin() as conn:
        assert coverage_by_area(conn, COUNTY, None).area.villages == 6  # small: computed on first use


# ------------------------------------------------------------------------------- API on the fixture


@pytest.fixture()
def fixture_client(fixture_engine, settings, atlas) -> Iterator[TestClient]:
    url = fixture_engine.url.render_as_string(hide_password=False)
    headers = admin_headers(fixture_engine)
    with TestClient(create_app(settings.model_copy(update={"database_url": url})), headers=headers) as c:
        yield c


def test_api_village_points_carry_nearest_station_distance_and_flags(fixture_client, atlas):
    body = fixture_client.get("/api/v1/coverage/villages", params={"area": T1}).json()
    assert body["numberMatched"] == 4 and [f["id"] for f in body["features"]] == [V1, V2, V3, V4]
    v2 = body["features"][1]
    assert v2["geometry"] == {"type": "Point", "coordinates": [100.02, 0.0]}
    props = v2["properties"]
    assert (props["nearest_station"], props["covered"]) == (atlas["v1"], True)
    assert props["distance_m"] == pytest.approx(m(0.02), abs=1e-6)
    assert (props["nearest_any_station"], props["any_distance_m"]) == (atlas["t1"], pytest.approx(m(0.01)))
    assert props["township_code"] == T1 and props["population"] == 2000 and props["travel_time_s"] is None
    assert body["thresholds"] == {"village_m": 3000.0, "township_m": 10000.0}
    assert body["coverage"]["current"] is True
    uncovered = fixture_client.get(
        "/api/v1/coverage/villages", params={"area": COUNTY, "covered": "false"}
    ).json()
    assert [f["id"] for f in uncovered["features"]] == [V3, V4, V6]


def test_api_rates_and_gaps(fixture_client):
    rates = fixture_client.get("/api/v1/coverage/rates", params={"area": COUNTY, "village_m": 6000}).json()
    assert rates["thresholds"] == {"village_m": 6000.0, "township_m": 10000.0}
    assert rates["area"]["shares"][0]["villages_covered"] == 4 and rates["area"]["township_share"] == 0.5
    assert [r["code"] for r in rates["rows"]] == [T1, T2]
    gaps = fixture_client.get("/api/v1/coverage/gaps", params={"area": PROVINCE, "limit": 3}).json()
    assert gaps["numberMatched"] == 7 and [g["code"] for g in gaps["gaps"]] == [PROVINCE, CITY, T2]
    assert any(link["rel"] == "next" for link in gaps["links"])


def test_api_abandoned_run_is_reported_failed(fixture_client, fixture_engine):
    with fixture_engine.begin() as conn:
        run_id = conn.execute(
            text("INSERT INTO coverage_runs (kind, parameters) VALUES ('full', '{}') RETURNING id")
        ).scalar_one()
    body = fixture_client.get(f"/api/v1/coverage/runs/{run_id}").json()
    assert body["status"] == "failed" and "abandoned" in body["error"]


def test_api_refuses_a_second_run_while_one_is_running(fixture_client, fixture_engine):
    with fixture_engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(1447383117, 4)"))
        holder.execute(text("INSERT INTO coverage_runs (kind, parameters) VALUES ('full', '{}')"))
        holder.commit()
        try:
            response = fixture_client.post("/api/v1/coverage/runs", json={})
            assert response.status_code == 409 and "in progress" in response.json()["detail"]
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(1447383117, 4)"))
            holder.execute(text("UPDATE coverage_runs SET status = 'failed' WHERE status = 'running'"))
            holder.commit()
