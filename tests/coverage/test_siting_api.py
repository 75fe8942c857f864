"""Siting over HTTP on the demo atlas, checked against brute force over pyproj geodesics from raw rows."""

from __future__ import annotations

import itertools
import json
import subprocess
import time

import numpy as np
import pytest
from pyproj import Geod
from sqlalchemy import text

from tests.command_line import run_main

GEOD = Geod(ellps="WGS84")
COUNTY = "450329"  # 资源县: 74 villages, 7 township stations
API = "/api/v1/coverage/siting"


def _villages_and_stations(engine, area: str, level: str):
    with engine.connect() as conn:
        villages = conn.execute(
            text(
                "SELECT code, population, ST_X(COALESCE(point, ST_PointOnSurface(geom))) AS lon, "
                "ST_Y(COALESCE(point, ST_PointOnSurface(geom))) AS lat FROM areas "
                "WHERE level = 'village' AND code LIKE :p ORDER BY code"
            ),
            {"p": area + "%"},
        ).all()
        stations = conn.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM stations WHERE status = 'active' AND level = :level"),
            {"level": level},
        ).all()
    return villages, stations


def _within(a_lon, a_lat, b_lon, b_lat, reach_m: float) -> np.ndarray:
    """Boolean matrix a × b: geodesic distance ≤ reach_m (brute force, every pair)."""
    out = np.zeros((len(a_lon), len(b_lon)), dtype=bool)
    for j in range(len(b_lon)):
        _, _, d = GEOD.inv(a_lon, a_lat, np.full(len(a_lon), b_lon[j]), np.full(len(a_lon), b_lat[j]))
        out[:, j] = np.asarray(d) <= reach_m
    return out


@pytest.fixture(scope="module")
def township_case(client, engine):
    """资源县's villages against township stations at 3 km: many villages are not covered yet."""
    villages, stations = _villages_and_stations(engine, COUNTY, "township")
    lon = np.array([v.lon for v in villages])
    lat = np.array([v.lat for v in villages])
    pop = np.array([v.population for v in villages], dtype=float)
    before = _within(lon, lat, [s[0] for s in stations], [s[1] for s in stations], 3000.0).any(axis=1)
    cover = _within(lon, lat, lon, lat, 3000.0)  # villages × candidate villages
    return {"codes": [v.code for v in villages], "pop": pop, "before": before, "cover": cover}


def _post(client, **body):
    return client.post(API, json={"area": COUNTY, "wait": True, **body})


def test_mclp_matches_brute_force_over_every_pair_of_villages(client, township_case):
    body = {"problem": "mclp", "station_level": "township", "distance_m": 3000, "p": 2}
    r = _post(client, candidates="all_villages", **body)
    assert r.status_code == 201, r.text
    run = r.json()
    assert run["status"] == "done" and r.headers["location"].endswith(f"/siting/{run['id']}")
    result = run["result"]
    pop, before, cover = township_case["pop"], township_case["before"], township_case["cover"]
    open_pop = np.where(before, 0.0, pop)
    best = max(
        open_pop[cover[:, list(pair)].any(axis=1)].sum()
        for pair in itertools.combinations(range(len(pop)), 2)
    )
    assert best > 0  # the case is not trivial
    assert result["status"] == "optimal" and result["gap"] == 0
    assert result["newly_covered_people"] == pytest.approx(best)
    assert result["covered_before"]["people"] == pytest.approx(pop[before].sum())
    assert result["covered_after"]["share"] == pytest.approx((pop[before].sum() + best) / pop.sum())
    # each chosen site serves villages within 3 km that no existing station covered, none twice
    codes = township_case["codes"]
    served = [v["code"] for site in result["chosen"] for v in site["villages"]]
    assert len(served) == len(set(served))
    for site in result["chosen"]:
        j = codes.index(site["code"])
        assert site["label"] and len(site["villages"]) >= 1
        for v in site["villages"]:
            i = codes.index(v["code"])
            assert cover[i, j] and not before[i] and v["distance_m"] <= 3000
        assert site["newly_covered_people"] == pytest.approx(
            sum(pop[codes.index(v["code"])] for v in site["villages"])
        )


def test_lscp_covers_every_reachable_village_and_proves_its_count(client, township_case):
    r = _post(client, problem="lscp", station_level="township", distance_m=3000, candidates="all_villages")
    assert r.status_code == 201, r.text
    result = r.json()["result"]
    assert result["status"] == "optimal" and result["bound"] == result["objective"] == len(result["chosen"])
    before, cover, codes = township_case["before"], township_case["cover"], township_case["codes"]
    chosen = [codes.index(s["code"]) for s in result["chosen"]]
    assert (before | cover[:, chosen].any(axis=1)).all()  # every village covered (all are villages' own site)
    assert result["covered_after"]["share"] == pytest.approx(1.0)
    # one site fewer cannot do it (checked by brute force when the answer is small)
    k = len(chosen)
    if k <= 3:
        for subset in itertools.combinations(range(len(codes)), k - 1):
            assert not (before | cover[:, list(subset)].any(axis=1)).all()


def test_target_share_reaches_the_share_with_the_fewest_sites(client, township_case):
    pop, before, cover = township_case["pop"], township_case["before"], township_case["cover"]
    share = (pop[before].sum() + 0.5 * pop[~before].sum()) / pop.sum()
    r = _post(
        client,
        problem="target_share",
        share=share,
        station_level="township",
        distance_m=3000,
        candidates="all_villages",
    )
    assert r.status_code == 201, r.text
    result = r.json()["result"]
    assert result["covered_after"]["share"] >= share - 1e-9
    assert result["status"] == "optimal"
    k = len(result["chosen"])
    assert result["objective"] == k
    if k <= 3:  # k - 1 sites cannot reach the share
        reach = max(
            (
                pop[before | cover[:, list(s)].any(axis=1)].sum()
                for s in itertools.combinations(range(len(pop)), k - 1)
            ),
            default=pop[before].sum(),
        )
        assert reach / pop.sum() < share


def test_background_run_is_polled_until_done_and_sites_come_as_geojson(client):
    r = client.post(
        API,
        json={
            "problem": "mclp",
            "area": COUNTY,
            "station_level": "township",
            "distance_m": 2000,
            "p": 3,
            "candidates": "all_villages",
        },
    )
    assert r.status_code in (201, 202), r.text
    run = r.json()
    assert run["result"]["chosen"]  # the heuristic answer is there at once
    deadline = time.monotonic() + 60
    while run["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
        run = client.get(r.headers["location"]).json()
    assert run["status"] == "done" and run["progress"] == 1
    sites = client.get(f"{API}/{run['id']}/sites")
    assert sites.status_code == 200 and sites.headers["content-type"].startswith("application/geo+json")
    features = sites.json()["features"]
    assert len(features) == len(run["result"]["chosen"]) <= 3
    assert features[0]["geometry"]["type"] == "Point" and features[0]["properties"]["rank"] == 1
    listed = client.get(API, params={"area": COUNTY}).json()
    assert run["id"] in [x["id"] for x in listed]


def test_given_sites_are_the_candidates(client, engine):
    villages, _ = _villages_and_stations(engine, COUNTY, "township")
    near = {"lon": villages[0].lon, "lat": villages[0].lat, "label": "proposed A"}
    far = {"lon": 100.0, "lat": 30.0, "label": "far away"}
    r = _post(
        client,
        problem="mclp",
        p=1,
        station_level="township",
        distance_m=3000,
        candidates="given",
        sites=[far, near],
    )
    assert r.status_code == 201, r.text
    result = r.json()["result"]
    assert result["candidates"] == 2
    chosen = result["chosen"]
    # the far site covers nothing; the near one covers at least its own village unless a station already does
    assert [c["label"] for c in chosen] in (["proposed A"], [])
    assert all(c["code"] is None and c["lon"] == pytest.approx(near["lon"]) for c in chosen)


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"problem": "mclp", "p": 2, "area": "990000"}, 422, "990000"),
        ({"problem": "mclp"}, 422, "p"),
        ({"problem": "target_share", "share": 0}, 422, "share"),
        ({"problem": "target_share", "share": 1.5}, 422, "share"),
        ({"problem": "mclp", "p": 1, "distance_m": 0}, 422, "distance_m"),
        ({"problem": "mclp", "p": 1, "distance_m": -5}, 422, "distance_m"),
        ({"problem": "lscp", "candidates": "given"}, 422, "candidate point"),
        ({"problem": "mclp", "p": 1, "candidates": "given", "sites": [{"lon": 200, "lat": 0}]}, 422, "lon"),
        ({"problem": "nearest"}, 422, "problem"),
        ({"problem": "mclp", "p": 1, "station_level": "county"}, 422, "station_level"),
        ({"problem": "mclp", "p": 1, "time_limit_s": 0}, 422, "time_limit_s"),
        ({"problem": "lscp", "p": 3}, 422, "mclp only"),
        # every village of the county has its township's station: no candidates of that source
        ({"problem": "mclp", "p": 1, "station_level": "township"}, 422, "no candidates"),
        # 10 m from far-away sites: the full cover is infeasible
        (
            {
                "problem": "lscp",
                "require_full_coverage": True,
                "distance_m": 10,
                "candidates": "given",
                "sites": [{"lon": 100.0, "lat": 30.0}],
            },
            422,
            "impossible",
        ),
        (
            {
                "problem": "target_share",
                "share": 1.0,
                "distance_m": 10,
                "station_level": "township",
                "candidates": "given",
                "sites": [{"lon": 100.0, "lat": 30.0}],
            },
            422,
            "unreachable",
        ),
    ],
)
def test_bad_siting_requests_are_refused_with_a_reason(client, body, status, words):
    body = {"area": COUNTY, "wait": True, **body}
    r = client.post(API + "?lang=en", json=body)
    assert r.status_code == status, r.text
    assert words in r.json()["detail"]


def test_unknown_run_is_404(client):
    assert client.get(f"{API}/987654").status_code == 404
    assert client.get(f"{API}/987654/sites").status_code == 404


def _cli(settings, *args: str) -> subprocess.CompletedProcess:
    return run_main("coverage", "site", *args, database_url=settings.database_url)


def test_cli_gives_the_same_answer_as_the_api(client, settings, tmp_path):
    args = {"problem": "mclp", "station_level": "township", "distance_m": 3000, "p": 2}
    api = _post(client, candidates="all_villages", **args).json()["result"]
    argv = ("mclp", "--area", COUNTY, "--level", "township", "--distance-m", "3000", "--p", "2")
    out = _cli(settings, *argv, "--candidates", "all_villages", "--json")
    assert out.returncode == 0, out.stderr
    printed = json.loads(out.stdout)
    assert printed["newly_covered_people"] == api["newly_covered_people"]
    assert [s["code"] for s in printed["chosen"]] == [s["code"] for s in api["chosen"]]
    table = _cli(settings, *argv, "--candidates", "all_villages")
    assert table.returncode == 0 and "people newly covered" in table.stdout
    sites = tmp_path / "sites.csv"
    sites.write_text("lon,lat,label\n100.0,30.0,far\n", encoding="utf-8")
    given = _cli(
        settings,
        "lscp",
        "--area",
        COUNTY,
        "--candidates",
        "given",
        "--sites",
        str(sites),
        "--distance-m",
        "10",
        "--require-full-coverage",
    )
    assert given.returncode == 1 and "impossible" in given.stderr and "Traceback" not in given.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("lon,lat\n100.0,north\n", encoding="utf-8")
    broken = _cli(settings, "lscp", "--area", COUNTY, "--candidates", "given", "--sites", str(bad))
    assert broken.returncode == 1 and "bad.csv:2" in broken.stderr
    missing = _cli(settings, "mclp", "--area", COUNTY, "--p", "2", "--p", "0")
    assert missing.returncode != 0 and "Traceback" not in missing.stderr
