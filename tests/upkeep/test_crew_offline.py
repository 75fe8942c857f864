"""The data a crew's phone keeps offline (``/api/v1/me/offline``), the service worker (``/crew/sw.js``) and the page a
navigation gets with neither signal nor a kept copy (``/crew/offline``), on a real PostGIS (issue 21, item 1)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from geo.upkeep import crew_area
from tests.auth_helpers import staff_accounts
from tests.factories import make_site_at
from tests.upkeep.work_order_setup import make_assigned_order

COUNTY = "450329"  # 资源县
OTHER_COUNTY = "450102"
OTHER_POINT = (108.5227, 22.9622)  # inside 兴宁区 (450102)
NEAR = (110.641, 26.04)
ELSEWHERE = (110.66, 26.05)

pytestmark = pytest.mark.usefixtures("atlas_restored")


@pytest.fixture(scope="module")
def crews(engine: Engine, demo_counts: dict[str, int]) -> dict[str, tuple[int, dict[str, str]]]:
    """A crew of the county, another crew of it, and a crew of another county (bearer headers)."""
    specs = (("crew", "crew", COUNTY), ("crew2", "crew", COUNTY), ("crew-out", "crew", OTHER_COUNTY))
    return staff_accounts(engine, specs, "offline")


@pytest.fixture(scope="module")
def sites(client: TestClient) -> dict[str, dict]:
    """Two memorials of the county and one of another county."""
    return {
        "near": make_site_at(client, "memorials", NEAR, name="离线近处纪念碑"),
        "elsewhere": make_site_at(client, "memorials", ELSEWHERE, name="离线另一纪念碑"),
        "other": make_site_at(client, "memorials", OTHER_POINT, name="离线外县纪念碑"),
    }


@pytest.fixture(scope="module")
def order(client: TestClient, crews, sites) -> dict:
    """A repair at the near memorial, assigned to 'crew'."""
    return make_assigned_order(client, sites["near"]["id"], crews["crew"][0], "离线工单：碑文脱落")


def _offline(client: TestClient, headers: dict[str, str], **params) -> dict:
    answer = client.get("/api/v1/me/offline", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _area_sites(engine: Engine) -> set[tuple[str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                " UNION ALL ".join(
                    f"SELECT '{c}' AS c, id FROM {c} WHERE area_code LIKE :p"
                    for c in ("memorials", "cemeteries", "graves")
                )
            ),
            {"p": COUNTY + "%"},
        )
        return {(r.c, r.id) for r in rows}


def test_the_phone_gets_every_site_of_my_area_and_nothing_else(client, engine, crews, sites, order):
    data = _offline(client, crews["crew"][1])
    kept = {(s["collection"], s["id"]) for s in data["sites"]}
    assert kept == _area_sites(engine)  # every site of 资源县, of every kind the crews look after
    assert ("memorials", sites["other"]["id"]) not in kept
    near = next(s for s in data["sites"] if s["id"] == sites["near"]["id"] and s["collection"] == "memorials")
    assert near["name"] == "离线近处纪念碑" and (near["lon"], near["lat"]) == pytest.approx(NEAR)
    assert near["last_inspected_on"] is None and near["upkeep_status"] == "unknown"
    assert data["username"] == "offline-crew" and data["area_code"] == COUNTY and data["truncated"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", data["as_of"])

    orders = {o["id"]: o for o in data["work_orders"]}
    assert orders[order["id"]]["mine"] is True and orders[order["id"]]["title"] == "离线工单：碑文脱落"
    assert any(t["type"] == "work_order" and t["work_order_id"] == order["id"] for t in data["tasks"])
    assert any(t["type"] == "inspection" and t["site_id"] == sites["near"]["id"] for t in data["tasks"])

    urls = {e["url"] for e in data["precache"]}
    for collection, site_id in kept:
        assert f"/crew/{collection}/{site_id}" in urls
        assert f"/api/v1/me/sites/{collection}/{site_id}" in urls
    assert {"/crew", "/crew/map", "/crew/offline", "/api/v1/me/tasks", "/api/v1/me/map"} <= urls
    assert f"/crew/work-orders/{order['id']}" in urls and f"/api/v1/me/work-orders/{order['id']}" in urls
    assert f"/crew/memorials/{sites['other']['id']}" not in urls
    assert any(u.startswith("/static/crew/crew.js?v=") for u in urls)
    assert all(u.startswith("/") and not u.startswith("//") for u in urls)  # our own server only
    assert data["strings"]["crew_offline.as_of"] == "数据更新于 {time}"

    # the other crew of the county keeps the same sites, but the order is not theirs
    other = _offline(client, crews["crew2"][1])
    assert {(s["collection"], s["id"]) for s in other["sites"]} == kept
    assert {o["id"]: o["mine"] for o in other["work_orders"]}[order["id"]] is False
    # a crew of another county keeps only theirs
    out = _offline(client, crews["crew-out"][1])
    assert ("memorials", sites["other"]["id"]) in {(s["collection"], s["id"]) for s in out["sites"]}
    assert not {(s["collection"], s["id"]) for s in out["sites"]} & kept


def test_recent_inspections_are_kept_and_a_change_touches_only_its_site(client, crews, sites):
    headers = crews["crew"][1]
    before = _offline(client, headers)
    revs = {e["url"]: e["rev"] for e in before["precache"]}
    done = client.post(
        f"/api/v1/memorials/{sites['elsewhere']['id']}/inspections",
        json={"scores": {"monument": 4, "structure": 4}},
        headers=headers,
    )
    assert done.status_code in (200, 201), done.text
    after = _offline(client, headers)
    changed = {e["url"] for e in after["precache"] if revs.get(e["url"]) != e["rev"]}
    site = f"/crew/memorials/{sites['elsewhere']['id']}"
    assert site in changed and f"/api/v1/me/sites/memorials/{sites['elsewhere']['id']}" in changed
    assert (
        f"/crew/memorials/{sites['near']['id']}" not in changed
    )  # the phone fetches again only what changed
    assert "/crew" in changed  # the task list shows the site no longer due
    seen = [i for i in after["inspections"] if i["site_id"] == sites["elsewhere"]["id"]]
    assert len(seen) == 1 and seen[0]["condition_index"] == 100 and seen[0]["inspector"] == "offline-crew"


def test_unchanged_data_answers_304(client, crews, sites):
    headers = crews["crew"][1]
    first = client.get("/api/v1/me/offline", headers=headers)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    again = client.get("/api/v1/me/offline", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    english = client.get(
        "/api/v1/me/offline", headers={**headers, "If-None-Match": etag}, params={"lang": "en"}
    )
    assert (
        english.status_code == 200 and english.json()["strings"]["crew_offline.as_of"] == "Data as of {time}"
    )


def test_the_public_gets_no_area(anon_client):
    answer = anon_client.get("/api/v1/me/offline")
    assert answer.status_code == 401
    assert "/static/" not in answer.text


def test_the_worker_loads_workbox_from_our_server_only(anon_client):
    answer = anon_client.get("/crew/sw.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["service-worker-allowed"] == "/crew"
    assert answer.headers["cache-control"] == "no-cache"
    imported = re.search(r"self\.CREW_SW = (\{.*?\});", answer.text)
    assert imported
    urls = re.findall(r'"(/static/vendor/[^"]+)"', imported.group(1))
    assert len(urls) == 4 and any("workbox-routing" in u for u in urls)
    for url in urls:
        module = anon_client.get(url)
        assert module.status_code == 200 and module.text.startswith("this.workbox=")
    assert "http://" not in answer.text and "https://" not in answer.text  # no CDN
    # the worker answers only the crew pages, its own assets and /api/v1/me/; never a POST
    assert "registerRoute(" in answer.text and '"POST"' not in answer.text


def test_the_not_kept_page_speaks_the_language_and_needs_a_crew(client, anon_client, crews):
    page = client.get("/crew/offline", headers=crews["crew"][1])
    assert page.status_code == 200
    assert "此页未保存在本机" in page.text and 'href="/crew"' in page.text
    english = client.get("/crew/offline?lang=en", headers=crews["crew"][1])
    assert "Page not kept on this phone" in english.text and 'href="/crew?lang=en"' in english.text
    anonymous = anon_client.get("/crew/offline", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_an_area_too_large_keeps_the_most_due_sites_and_says_so(client, crews, sites, monkeypatch):
    monkeypatch.setattr(crew_area, "MAX_OFFLINE_SITES", 2)
    data = _offline(client, crews["crew"][1])
    assert data["truncated"] is True and len(data["sites"]) == 2
    assert all(s["next_due_on"] is None for s in data["sites"])  # never inspected: due first
    assert len([e for e in data["precache"] if re.fullmatch(r"/crew/\w+/\d+", e["url"])]) == 2
