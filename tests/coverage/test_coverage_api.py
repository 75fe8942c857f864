"""The coverage API over the demo atlas, checked against expectations computed independently: brute-force
pyproj geodesics over every station row, and rates and gaps recounted in Python from raw rows."""

from __future__ import annotations

import json
import subprocess
import time
from collections import defaultdict

import numpy as np
import pytest
from pyproj import Geod
from sqlalchemy import text

from tests.command_line import run_main
from tests.factories import if_match, make_site_at, remove_site

GEOD = Geod(ellps="WGS84")
COUNTY = "450329"  # 资源县
API = "/api/v1/coverage"
_COLUMNS = (
    "area_code, village_station_id, village_station_m, covered_village, township_station_id, "
    "township_station_m, covered_township, any_station_id, any_station_m, covered_any"
)


def _rows(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        return {r[0]: tuple(r[1:]) for r in conn.execute(text(f"SELECT {_COLUMNS} FROM coverage_villages"))}


def _comparable_townships(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        return {
            r[0]: tuple(r[1:])
            for r in conn.execute(
                text(
                    "SELECT area_code, township_station_id, township_station_m, covered_township, "
                    "any_station_id, any_station_m, covered_any FROM coverage_townships"
                )
            )
        }


def _all_villages(client, area: str) -> list[dict]:
    features, offset = [], 0
    while True:
        body = client.get(f"{API}/villages", params={"area": area, "limit": 1000, "offset": offset}).json()
        features += body["features"]
        offset += 1000
        if offset >= body["numberMatched"]:
            return features


def _stations(engine, level: str | None = None):
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT id, level, status, area_code, served_area_code, ST_X(geom) AS lon, ST_Y(geom) AS lat "
                "FROM stations WHERE (:level IS NULL OR level = :level)"
            ),
            {"level": level},
        ).all()


def _full_rerun(client) -> dict:
    response = client.post(f"{API}/runs", json={"wait": True})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture()
def current(client, engine):
    """Coverage computed and current before the test (a full run on the demo atlas)."""
    _full_rerun(client)
    return engine


def test_villages_of_a_county_with_their_true_nearest_station(client, current):
    features = _all_villages(client, COUNTY)
    with current.connect() as conn:
        expected_codes = conn.execute(
            text("SELECT code FROM areas WHERE level = 'village' AND code LIKE :p ORDER BY code"),
            {"p": COUNTY + "%"},
        ).scalars()
        assert [f["id"] for f in features] == list(expected_codes)
    active = [s for s in _stations(current, "village") if s.status == "active"]
    ids = np.array([s.id for s in active])
    slon, slat = np.array([s.lon for s in active]), np.array([s.lat for s in active])
    for f in features:
        lon, lat = f["geometry"]["coordinates"]
        _, _, d = GEOD.inv(np.full(len(ids), lon), np.full(len(ids), lat), slon, slat)
        best = int(np.argmin(d))
        props = f["properties"]
        assert props["nearest_station"] == ids[best], f["id"]
        assert props["distance_m"] == pytest.approx(d[best], abs=0.01)  # points are rounded to 1e-7°
        assert props["covered"] is (props["distance_m"] <= 3000)
        assert (
            props["any_distance_m"] <= props["distance_m"]
            and props["any_distance_m"] <= props["township_distance_m"]
        )


def test_villages_are_paged_and_filtered(client, current):
    first = client.get(f"{API}/villages", params={"area": COUNTY, "limit": 20})
    assert first.status_code == 200 and first.headers["content-type"] == "application/geo+json"
    body = first.json()
    assert body["numberReturned"] == 20 and body["numberMatched"] > 20
    following = next(link["href"] for link in body["links"] if link["rel"] == "next")
    second = client.get(following).json()
    assert not {f["id"] for f in body["features"]} & {f["id"] for f in second["features"]}
    uncovered = client.get(
        f"{API}/villages", params={"area": COUNTY, "covered": "false", "limit": 1000}
    ).json()
    assert uncovered["numberMatched"] > 0
    assert all(f["properties"]["covered"] is False for f in uncovered["features"])
    townships = client.get(f"{API}/townships", params={"area": COUNTY}).json()
    assert townships["numberMatched"] == 7 and all(len(f["id"]) == 9 for f in townships["features"])


def test_rates_agree_with_the_village_rows(client, current):
    features = _all_villages(client, COUNTY)
    rates = client.get(f"{API}/rates", params={"area": COUNTY, "level": "township"}).json()
    assert rates["coverage"]["current"] is True and rates["level"] == "township"
    groups = defaultdict(list)
    for f in features:
        groups[f["id"][:9]].append(f["properties"])
    assert [r["code"] for r in rates["rows"]] == sorted(groups)
    for row in [rates["area"], *rates["rows"]]:
        props = [p for code, ps in groups.items() if code.startswith(row["code"]) for p in ps]
        population = sum(p["population"] or 0 for p in props)
        village = row["shares"][0]
        covered = [p for p in props if p["distance_m"] <= 3000]
        assert row["villages"] == len(props) and row["population"] == population
        assert village["villages_covered"] == len(covered)
        assert village["population_share"] == pytest.approx(
            sum(p["population"] or 0 for p in covered) / population
        )
        township = row["shares"][1]
        assert township["villages_covered"] == sum(p["township_distance_m"] <= 10000 for p in props)


def test_rates_of_one_county_are_fast(client, current):
    client.get(f"{API}/rates", params={"area": COUNTY})  # warm
    times = []
    for _ in range(5):
        start = time.perf_counter()
        assert client.get(f"{API}/rates", params={"area": COUNTY}).status_code == 200
        times.append(time.perf_counter() - start)
    assert min(times) < 0.1


def test_gaps_agree_with_the_station_rows(client, current):
    body = client.get(f"{API}/gaps", params={"area": COUNTY, "limit": 1000}).json()
    served = {
        (s.level, (s.served_area_code or s.area_code)) for s in _stations(current) if s.status == "active"
    }
    prefix = {"county": 6, "township": 9, "village": 12}
    with current.connect() as conn:
        units = conn.execute(
            text("SELECT code, level FROM areas WHERE code LIKE :p ORDER BY code"), {"p": COUNTY + "%"}
        ).all()
    expected = [
        u.code
        for u in units
        if not any(level == u.level and code.startswith(u.code[: prefix[u.level]]) for level, code in served)
    ]
    order = {"county": 0, "township": 1, "village": 2}
    level_of = {u.code: u.level for u in units}
    assert [g["code"] for g in body["gaps"]] == sorted(expected, key=lambda c: (order[level_of[c]], c))
    levels = {g["level"]: g for g in body["levels"]}
    assert levels["village"]["units"] == sum(1 for u in units if u.level == "village")
    assert body["numberMatched"] == len(expected)


def test_a_station_added_through_the_api_updates_only_the_villages_it_is_nearer_to(client, current):
    uncovered = client.get(f"{API}/villages", params={"area": COUNTY, "covered": "false", "limit": 1}).json()
    target = uncovered["features"][0]
    point = tuple(target["geometry"]["coordinates"])
    before = _rows(current)
    with current.connect() as conn:
        points = dict(
            (r.code, (r.lon, r.lat))
            for r in conn.execute(text("SELECT area_code AS code, lon, lat FROM coverage_villages"))
        )
    station = make_site_at(client, "stations", point, level="village", name="新建服务站")
    try:
        after_body = client.get(f"{API}/villages", params={"area": COUNTY, "limit": 1000}).json()
        assert after_body["coverage"]["current"] is True
        after = _rows(current)
        codes = list(before)
        lon = np.array([points[c][0] for c in codes])
        lat = np.array([points[c][1] for c in codes])
        _, _, d = GEOD.inv(lon, lat, np.full(len(codes), point[0]), np.full(len(codes), point[1]))
        nearer = {c for c, dist in zip(codes, d, strict=True) if dist < before[c][1] or dist < before[c][7]}
        changed = {c for c in codes if after[c] != before[c]}
        assert target["id"] in changed and changed == nearer
        assert after[target["id"]][:3] == (station["id"], pytest.approx(0.0, abs=0.02), True)
        runs = {f["id"]: f["properties"]["run_id"] for f in after_body["features"] if f["id"] in changed}
        assert len(set(runs.values())) == 1 and set(runs.values()) != {after_body["coverage"]["run_id"]}
        unchanged = [f for f in after_body["features"] if f["id"] not in changed]
        assert all(f["properties"]["run_id"] == after_body["coverage"]["run_id"] for f in unchanged)
        townships_incremental = _comparable_townships(current)
        _full_rerun(client)
        assert _rows(current) == after and _comparable_townships(current) == townships_incremental

        # moved, closed, reopened at township level: each refresh equals a full rerun
        elsewhere = client.get(
            f"{API}/villages", params={"area": COUNTY, "covered": "false", "limit": 5}
        ).json()
        new_point = elsewhere["features"][-1]["geometry"]
        for change in (
            {"geometry": new_point},
            {"properties": {"status": "closed"}},
            {"properties": {"status": "active", "level": "township"}},
        ):
            assert (
                client.patch(
                    f"/api/v1/stations/{station['id']}",
                    json={"type": "Feature", **change},
                    headers=if_match(client, "stations", station["id"]),
                ).status_code
                == 200
            )
            assert client.get(f"{API}/rates", params={"area": COUNTY}).json()["coverage"]["current"]
            incremental = (_rows(current), _comparable_townships(current))
            _full_rerun(client)
            assert (_rows(current), _comparable_townships(current)) == incremental, change
    finally:
        assert remove_site(client, "stations", station["id"]).status_code == 204
    client.get(f"{API}/rates", params={"area": COUNTY})
    assert _rows(current) == before


def test_background_run_is_polled_until_done(client, engine, demo_counts):
    response = client.post(f"{API}/runs", json={"village_m": 2500, "township_m": 8000})
    assert response.status_code == 202, response.text
    run = response.json()
    assert run["status"] == "running" and run["kind"] == "full"
    location = response.headers["location"]
    assert location.endswith(f"/api/v1/coverage/runs/{run['id']}")
    deadline = time.monotonic() + 120
    while run["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
        run = client.get(location).json()
    assert run["status"] == "done", run
    assert run["progress"] == 1.0 and run["parameters"] == {"village_m": 2500.0, "township_m": 8000.0}
    with engine.connect() as conn:
        villages = conn.execute(text("SELECT count(*) FROM areas WHERE level = 'village'")).scalar_one()
    assert run["counts"]["villages"]["units"] == villages
    listed = client.get(f"{API}/runs", params={"kind": "full", "limit": 1}).json()
    assert listed[0]["id"] == run["id"]
    rates = client.get(f"{API}/rates", params={"area": COUNTY}).json()
    assert rates["thresholds"] == {"village_m": 2500.0, "township_m": 8000.0}
    _full_rerun(client)  # back to the defaults for the other tests


@pytest.mark.parametrize(
    ("method", "path", "params", "status", "detail"),
    [
        ("get", "/villages", {}, 422, "area"),
        ("get", "/villages", {"area": "45abc"}, 422, "area"),
        ("get", "/villages", {"area": "999999"}, 422, "unknown area code '999999'"),
        ("get", "/villages", {"area": COUNTY, "limit": 5000}, 422, "maximum"),
        ("get", "/rates", {"area": "999999"}, 422, "unknown area code"),
        ("get", "/rates", {"area": COUNTY, "village_m": 0}, 422, "village_m must be greater than 0"),
        ("get", "/rates", {"area": COUNTY, "township_m": -10}, 422, "township_m must be greater than 0"),
        ("get", "/rates", {"area": COUNTY, "village_m": "nan"}, 422, "finite"),
        ("get", "/rates", {"area": COUNTY, "village_m": "far"}, 422, "village_m"),
        ("get", "/rates", {"area": "450329001", "level": "county"}, 422, "above area"),
        ("get", "/rates", {"area": COUNTY, "level": "hamlet"}, 422, "level"),
        ("get", "/gaps", {"area": "999999999"}, 422, "unknown area code"),
        ("get", "/runs/999999", {}, 404, "no coverage run with id 999999"),
        ("get", "/runs/0", {}, 422, "run_id"),
    ],
)
def test_bad_input_gets_a_clear_4xx(client, current, method, path, params, status, detail):
    response = getattr(client, method)(f"{API}{path}", params=params)
    assert response.status_code == status, response.text
    assert detail in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"village_m": 0}, "village_m must be greater than 0"),
        ({"township_m": -1, "wait": True}, "township_m must be greater than 0"),
        ({"village_m": 600000}, "over the maximum"),
        ({"thresholds": 3}, "“thresholds”：不是可接受的字段"),  # an unknown field, named
    ],
)
def test_bad_run_parameters_are_refused(client, demo_counts, body, detail):
    response = client.post(f"{API}/runs", json=body)
    assert response.status_code == 422 and detail in response.json()["detail"].lower()


def _cli(settings, *args: str) -> subprocess.CompletedProcess:
    return run_main("coverage", *args, database_url=settings.database_url)


def test_cli_runs_prints_rates_and_gaps(client, settings, current):
    run = _cli(settings, "run", "--no-progress")
    assert run.returncode == 0, run.stderr
    assert "done" in run.stdout and "villages" in run.stdout
    rates = _cli(settings, "rates", "--area", COUNTY, "--json")
    assert rates.returncode == 0, rates.stderr
    printed = json.loads(rates.stdout)
    api = client.get(f"{API}/rates", params={"area": COUNTY}).json()
    assert printed["area"] == api["area"] and printed["rows"] == api["rows"]
    table = _cli(settings, "rates", "--area", COUNTY)
    assert table.returncode == 0 and "资源县" in table.stdout
    gaps = _cli(settings, "gaps", "--area", COUNTY, "--level", "village")
    assert gaps.returncode == 0 and "village" in gaps.stdout
    bad = _cli(settings, "rates", "--area", COUNTY, "--village-m", "0")
    assert bad.returncode == 1 and "village_m must be greater than 0" in bad.stderr
