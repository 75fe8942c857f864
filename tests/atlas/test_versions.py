"""No lost updates on sites: every site has a version (ETag), PATCH and DELETE carry it (If-Match → 412, a
``version`` → 409, none → 428), concurrent crews over real HTTP lose nothing, and writes outside a crew's area
are refused with nothing written; on a real PostGIS."""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import Engine, text

from tests.auth_helpers import headers_only, staff_accounts
from tests.factories import BODIES, ZIYUAN_POINT, make_site

COLLECTIONS = ("stations", "memorials", "cemeteries", "graves")
COUNTY = "450329"  # 资源县, where the factories' point lies
OTHER_COUNTY = "450102"
OTHER_POINT = (108.5227, 22.9622)  # inside 兴宁区 (450102)
CREWS = 4  # crews of the county (memorials, graves)
PLANNERS = 2  # planners of the county (stations)
ROUNDS = 5  # each worker appends its tag this many times to each of its sites


pytestmark = pytest.mark.usefixtures("atlas_restored")  # the sites made here go after the module


@pytest.fixture(scope="module")
def tokens(engine: Engine, demo_counts: dict[str, int]) -> dict[str, dict[str, str]]:
    """Bearer headers of API tokens by key: 'crew-<i>' and 'planner-<i>' of the county, 'crew-other' and
    'planner-other'."""
    wanted = [(f"crew-{i}", "crew", COUNTY) for i in range(CREWS)]
    wanted += [(f"planner-{i}", "planner", COUNTY) for i in range(PLANNERS)]
    wanted += [("crew-other", "crew", OTHER_COUNTY), ("planner-other", "planner", OTHER_COUNTY)]
    return headers_only(staff_accounts(engine, wanted, "versions"))


def _bearer(tokens: dict[str, dict[str, str]], key: str) -> dict[str, str]:
    return tokens[key]


def _url(collection: str, site_id: int) -> str:
    return f"/api/v1/{collection}/{site_id}"


def _updates_logged(engine: Engine, collection: str, site_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM audit_log WHERE collection = :c AND record_id = :id AND action = 'update'"
            ),
            {"c": collection, "id": site_id},
        ).scalar_one()


def _row(engine: Engine, collection: str, site_id: int) -> dict:
    with engine.connect() as conn:
        return dict(
            conn.execute(
                text(
                    f"SELECT version, name, notes, area_code, ST_AsText(geom) AS wkt FROM {collection} WHERE id = :id"
                ),
                {"id": site_id},
            )
            .one()
            ._mapping
        )


# -- the version on reads ------------------------------------------------------------------------------------


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_a_site_answers_with_its_version_as_etag(client, anon_client, collection):
    created = client.post(f"/api/v1/{collection}", json=BODIES[collection](name="版本测试"))
    assert created.status_code == 201 and created.headers["etag"] == 'W/"1"'
    site_id = created.json()["id"]
    for http in (client, anon_client):  # the version is public: every client needs it to write
        read = http.get(_url(collection, site_id))
        assert read.headers["etag"] == 'W/"1"' and read.json()["properties"]["version"] == 1
    listed = anon_client.get(f"/api/v1/{collection}", params={"area": COUNTY, "limit": 1000}).json()
    assert [f["properties"]["version"] for f in listed["features"] if f["id"] == site_id] == [1]
    ogc = anon_client.get(f"/ogc/collections/{collection}/items/{site_id}").json()
    assert ogc["properties"]["version"] == 1


def test_the_version_rises_with_every_changing_write_whoever_makes_it(client, engine):
    station = make_site(client, "stations", name="版本递增")
    same = client.patch(
        _url("stations", station["id"]), json={"properties": {"name": "版本递增", "version": 1}}
    )
    assert same.status_code == 200 and same.headers["etag"] == 'W/"1"'  # nothing changed: no new version
    site = make_site(client, "memorials", name="版本递增")
    url = _url("memorials", site["id"])
    renamed = client.patch(url, json={"properties": {"name": "改名", "version": 1}})
    assert renamed.headers["etag"] == 'W/"2"' and renamed.json()["properties"]["version"] == 2
    inspected = client.post(f"{url}/inspections", json={"scores": {"monument": 3}})
    assert inspected.status_code == 201, inspected.text
    assert client.get(url).headers["etag"] == 'W/"3"'  # the inspection refreshed the site's condition
    with engine.begin() as conn:  # a writer outside the API too
        conn.execute(text("UPDATE memorials SET notes = 'sql' WHERE id = :id"), {"id": site["id"]})
    stale = client.patch(url, json={"properties": {"name": "覆盖"}}, headers={"If-Match": 'W/"3"'})
    assert stale.status_code == 412 and stale.json()["current"]["properties"]["version"] == 4
    assert _row(engine, "memorials", site["id"])["name"] == "改名"


# -- refusals: 428, 412, 409, 422 ----------------------------------------------------------------------------


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_a_write_without_a_version_is_428_and_writes_nothing(client, engine, collection):
    site = make_site(client, collection, name="无版本")
    url = _url(collection, site["id"])
    logged = _updates_logged(engine, collection, site["id"])
    patched = client.patch(url, json={"properties": {"name": "盲写"}})
    assert patched.status_code == 428
    assert "If-Match" in patched.json()["detail"] and "version" in patched.json()["detail"]
    deleted = client.delete(url)
    assert deleted.status_code == 428 and "If-Match" in deleted.json()["detail"]
    row = _row(engine, collection, site["id"])
    assert (row["name"], row["version"]) == ("无版本", 1)
    assert _updates_logged(engine, collection, site["id"]) == logged


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_a_stale_version_is_412_or_409_with_the_current_site(client, engine, collection):
    site = make_site(client, collection, name="旧名")
    url = _url(collection, site["id"])
    ok = client.patch(url, json={"properties": {"name": "新名"}}, headers={"If-Match": 'W/"1"'})
    assert ok.status_code == 200 and ok.headers["etag"] == 'W/"2"'
    stale = client.patch(url, json={"properties": {"name": "覆盖"}}, headers={"If-Match": 'W/"1"'})
    assert stale.status_code == 412 and stale.headers["etag"] == 'W/"2"'
    current = stale.json()["current"]
    assert current["id"] == site["id"] and current["type"] == "Feature"
    assert (current["properties"]["name"], current["properties"]["version"]) == ("新名", 2)
    assert "version 2, not 1" in stale.json()["detail"]
    stale_field = client.patch(url, json={"properties": {"name": "覆盖", "version": 1}})
    assert stale_field.status_code == 409 and stale_field.json()["current"]["properties"]["name"] == "新名"
    assert client.delete(url, headers={"If-Match": 'W/"1"'}).status_code == 412
    stale_delete = client.delete(url, params={"version": 1})
    assert stale_delete.status_code == 409 and stale_delete.json()["current"]["properties"]["version"] == 2
    assert _row(engine, collection, site["id"])["name"] == "新名"
    assert client.delete(url, params={"version": 2}).status_code == 204
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("if_match", "body_version", "reason"),
    [
        ("*", None, "If-Match must be"),
        ('W/"1", W/"2"', None, "If-Match must be"),
        ("1", None, "If-Match must be"),
        ('W/"1"', 2, "If-Match says version 1 but the body says 2"),
    ],
)
def test_a_malformed_or_contradictory_version_is_422(client, engine, if_match, body_version, reason):
    site = make_site(client, "stations", name="坏版本")
    props = {"name": "x"} if body_version is None else {"name": "x", "version": body_version}
    response = client.patch(
        _url("stations", site["id"]), json={"properties": props}, headers={"If-Match": if_match}
    )
    assert response.status_code == 422 and reason in response.json()["detail"]
    assert client.patch(_url("stations", site["id"]), json={"properties": {"version": 0}}).status_code == 422
    assert client.delete(_url("stations", site["id"]), params={"version": "one"}).status_code == 422
    assert _row(engine, "stations", site["id"])["version"] == 1


def test_a_lost_update_without_the_version_is_impossible(client, anon_client, tokens, engine):
    """Two crews read the same memorial; the second writes after the first: blind it gets 428, with its old
    version 412 with the first crew's change, and only after merging does its change land on top."""
    site = make_site(client, "memorials", name="两个班组")
    url = _url("memorials", site["id"])
    first, second = _bearer(tokens, "crew-0"), _bearer(tokens, "crew-1")
    read_first = anon_client.get(url, headers=first)
    read_second = anon_client.get(url, headers=second)
    changed = anon_client.patch(
        url,
        json={"properties": {"notes": "一班：碑座已修"}},
        headers={**first, "If-Match": read_first.headers["etag"]},
    )
    assert changed.status_code == 200
    blind = anon_client.patch(url, json={"properties": {"notes": "二班：已清扫"}}, headers=second)
    assert blind.status_code == 428
    stale = anon_client.patch(
        url,
        json={"properties": {"notes": "二班：已清扫"}},
        headers={**second, "If-Match": read_second.headers["etag"]},
    )
    assert stale.status_code == 412 and stale.json()["current"]["properties"]["notes"] == "一班：碑座已修"
    merged = stale.json()["current"]["properties"]["notes"] + "；二班：已清扫"
    retried = anon_client.patch(
        url, json={"properties": {"notes": merged}}, headers={**second, "If-Match": stale.headers["etag"]}
    )
    assert retried.status_code == 200
    assert _row(engine, "memorials", site["id"])["notes"] == "一班：碑座已修；二班：已清扫"
    assert _updates_logged(engine, "memorials", site["id"]) == 2


def test_the_openapi_document_declares_if_match_and_the_version_answers(anon_client):
    doc = anon_client.get("/api/v1/openapi.json").json()
    for method in ("patch", "delete"):
        operation = doc["paths"]["/api/v1/graves/{site_id}"][method]
        assert "If-Match" in {p["name"] for p in operation["parameters"]}
        assert {"409", "412", "428"} <= set(operation["responses"])


# -- outside the area: 403, nothing written ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("collection", "key"),
    [("memorials", "crew-other"), ("graves", "crew-other"), ("stations", "planner-other")],
)
def test_an_update_outside_the_accounts_area_is_403_and_writes_nothing(
    client, anon_client, engine, tokens, collection, key
):
    site = make_site(client, collection, name="区外不可改")
    url = _url(collection, site["id"])
    before = _row(engine, collection, site["id"])
    logged = _updates_logged(engine, collection, site["id"])
    response = anon_client.patch(
        url, json={"properties": {"name": "越界", "version": 1}}, headers=_bearer(tokens, key)
    )
    assert response.status_code == 403 and OTHER_COUNTY in response.json()["detail"]
    assert (
        anon_client.patch(
            url, json={"properties": {"name": "越界"}}, headers=_bearer(tokens, key)
        ).status_code
        == 403
    )
    assert _row(engine, collection, site["id"]) == before
    assert _updates_logged(engine, collection, site["id"]) == logged


@pytest.mark.parametrize(("collection", "key"), [("memorials", "crew-0"), ("stations", "planner-0")])
def test_moving_a_site_out_of_the_accounts_area_is_403_and_writes_nothing(
    client, anon_client, engine, tokens, collection, key
):
    site = make_site(client, collection, name="不可移出")
    before = _row(engine, collection, site["id"])
    logged = _updates_logged(engine, collection, site["id"])
    response = anon_client.patch(
        _url(collection, site["id"]),
        json={
            "geometry": {"type": "Point", "coordinates": list(OTHER_POINT)},
            "properties": {"name": "移走", "version": 1},
        },
        headers=_bearer(tokens, key),
    )
    assert response.status_code == 403 and OTHER_COUNTY in response.json()["detail"]
    after = _row(engine, collection, site["id"])
    assert after == before and after["wkt"] == f"POINT({ZIYUAN_POINT[0]} {ZIYUAN_POINT[1]})"
    assert _updates_logged(engine, collection, site["id"]) == logged


# -- concurrent crews ----------------------------------------------------------------------------------------


def _append_tag(http: httpx.Client, url: str, tag: str, by_header: bool, tally: dict) -> None:
    """Read, append ``tag;`` to the notes, write with the version read; on 412/409 read again and retry."""
    while True:
        got = http.get(url)
        got.raise_for_status()
        props = got.json()["properties"]
        notes = (props.get("notes") or "") + f"{tag};"
        if by_header:
            response = http.patch(
                url, json={"properties": {"notes": notes}}, headers={"If-Match": got.headers["etag"]}
            )
        else:
            response = http.patch(url, json={"properties": {"notes": notes, "version": props["version"]}})
        if response.status_code in (409, 412):
            assert "current" in response.json()
            tally["conflicts"] += 1
            continue
        assert response.status_code == 200, response.text
        tally["writes"] += 1
        return


def test_concurrent_crews_lose_no_update(client, engine, tokens, live_server):
    """Crews and planners of the county, each with its own account and HTTP client on the live server, append
    their tags to the notes of the same sites at once (half by If-Match, half by a version field): at the end
    each tag is there exactly ROUNDS times, the version is 1 + the writes, and the audit log has one entry each."""
    sites = {
        "memorials": make_site(client, "memorials", name="并发纪念碑")["id"],
        "graves": make_site(client, "graves", name="并发散葬墓")["id"],
        "stations": make_site(client, "stations", name="并发服务站")["id"],
    }
    workers = [(f"crew-{i}", ("memorials", "graves")) for i in range(CREWS)]
    workers += [(f"planner-{i}", ("stations",)) for i in range(PLANNERS)]
    tallies = {key: {"writes": 0, "conflicts": 0} for key, _ in workers}
    errors: list[str] = []
    start = threading.Barrier(len(workers))

    def work(key: str, collections: tuple[str, ...], by_header: bool) -> None:
        try:
            with httpx.Client(base_url=live_server, headers=_bearer(tokens, key), timeout=60) as http:
                start.wait(timeout=30)
                for _ in range(ROUNDS):
                    for collection in collections:
                        _append_tag(http, _url(collection, sites[collection]), key, by_header, tallies[key])
        except Exception as exc:  # reported by the assertion below
            errors.append(f"{key}: {exc!r}")

    threads = [
        threading.Thread(target=work, args=(key, collections, i % 2 == 0))
        for i, (key, collections) in enumerate(workers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not errors, errors
    assert all(not t.is_alive() for t in threads)
    for collection, site_id in sites.items():
        keys = [key for key, collections in workers if collection in collections]
        row = _row(engine, collection, site_id)
        tags = row["notes"].removesuffix(";").split(";")
        assert sorted(tags) == sorted(k for k in keys for _ in range(ROUNDS)), collection
        writes = len(keys) * ROUNDS
        assert row["version"] == 1 + writes, collection
        assert _updates_logged(engine, collection, site_id) == writes, collection
    assert sum(t["writes"] for t in tallies.values()) == (CREWS * 2 + PLANNERS) * ROUNDS
    assert sum(t["conflicts"] for t in tallies.values()) > 0, "the crews never collided: nothing was shown"
