"""The crews' map of my tasks: ``/api/v1/me/map`` (my area's boundary, divisions and sites with my tasks and the
navigation links of each) and the page ``/crew/map``; the "navigate" block of a crew site page.

The navigation links are checked against geo/kit/crs.py's conversions of the site's stored WGS-84 position (the
conversions themselves are tested against published points in tests/test_directions.py and tests/kit/).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.kit.crs import wgs84_to_bd09, wgs84_to_gcj02
from geo.settings import Settings
from geo.upkeep.schedules import china_today
from tests.auth_helpers import staff_accounts
from tests.factories import make_site_at
from tests.upkeep.work_order_setup import make_assigned_order

COUNTY = "450329"  # 资源县
OTHER_COUNTY = "450102"  # 兴宁区
OTHER_POINT = (108.5227, 22.9622)  # inside 兴宁区
ORDER_POINT, DUE_POINT = (110.6405, 26.0405), (110.652, 26.046)

pytestmark = pytest.mark.usefixtures("atlas_restored")  # the sites made here go after the module


@pytest.fixture(scope="module")
def crews(engine: Engine, demo_counts: dict[str, int]) -> dict[str, tuple[int, dict[str, str]]]:
    """Account id and bearer headers: 'crew' and 'crew2' of the county, 'out' a crew of another county."""
    specs = (("crew", "crew", COUNTY), ("crew2", "crew", COUNTY), ("out", "crew", OTHER_COUNTY))
    return staff_accounts(engine, specs, "map")


@pytest.fixture(scope="module")
def sites(client: TestClient, engine: Engine, crews) -> dict[str, dict]:
    """A memorial of the county with a repair assigned to 'crew', a due one, one inspected yesterday, one outside."""
    made = {
        "order": make_site_at(client, "memorials", ORDER_POINT, name="地图工单纪念碑"),
        "due": make_site_at(client, "memorials", DUE_POINT, name="地图待巡查纪念碑"),
        "done": make_site_at(client, "memorials", (110.66, 26.05), name="地图已巡查纪念碑"),
        "other": make_site_at(client, "memorials", OTHER_POINT, name="地图外县纪念碑"),
    }
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE memorials SET last_inspected_on = :d WHERE id = :id"),
            {"d": china_today() - dt.timedelta(days=1), "id": made["done"]["id"]},
        )
    order = make_assigned_order(client, made["order"]["id"], crews["crew"][0], "围栏破损", priority="high")
    made["order"]["work_order_id"] = order["id"]
    return made


def _map(client: TestClient, headers: dict[str, str]) -> dict:
    response = client.get("/api/v1/me/map", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    return response.json()


def _by_role(found: dict, role: str) -> list[dict]:
    return [f for f in found["features"] if f["properties"]["role"] == role]


def _county_site_ids(engine: Engine, area: str) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT 'memorials/' || id FROM memorials WHERE area_code LIKE :p UNION ALL "
                "SELECT 'cemeteries/' || id FROM cemeteries WHERE area_code LIKE :p UNION ALL "
                "SELECT 'graves/' || id FROM graves WHERE area_code LIKE :p"
            ),
            {"p": area + "%"},
        )
        return {r[0] for r in rows}


def test_map_holds_my_area_its_divisions_and_every_site_of_it(client, engine, crews, sites):
    found = _map(client, crews["crew"][1])
    assert found["type"] == "FeatureCollection"
    (area,) = _by_role(found, "area")
    assert area["id"] == COUNTY and area["properties"]["name"] == "资源县"
    assert area["geometry"]["type"] in ("Polygon", "MultiPolygon")
    divisions = _by_role(found, "division")
    levels = {f["properties"]["level"] for f in divisions}
    assert levels == {"township", "village"}
    assert all(f["id"].startswith(COUNTY) and f["properties"]["name"] for f in divisions)
    site_ids = {f["id"] for f in _by_role(found, "site")}
    assert site_ids == _county_site_ids(engine, COUNTY)  # every site of the area, none of another
    assert f"memorials/{sites['other']['id']}" not in site_ids
    assert found["numberMatched"] == found["numberReturned"] == len(site_ids)


def test_map_marks_my_orders_and_due_inspections(client, crews, sites):
    features = {f["id"]: f for f in _by_role(_map(client, crews["crew"][1]), "site")}
    order = features[f"memorials/{sites['order']['id']}"]["properties"]
    assert order["task"] is True and order["inspection"] == "never_inspected"
    assert [(o["id"], o["title"], o["status"]) for o in order["orders"]] == [
        (sites["order"]["work_order_id"], "围栏破损", "assigned")
    ]
    assert order["page"] == f"/crew/memorials/{sites['order']['id']}"
    assert order["orders"][0]["page"] == f"/crew/work-orders/{sites['order']['work_order_id']}"
    due = features[f"memorials/{sites['due']['id']}"]["properties"]
    assert due["task"] is True and due["orders"] == [] and due["inspection"] == "never_inspected"
    done = features[f"memorials/{sites['done']['id']}"]["properties"]
    assert done["task"] is False and done["inspection"] == "ok" and done["orders"] == []
    assert features[f"memorials/{sites['due']['id']}"]["geometry"]["coordinates"] == pytest.approx(DUE_POINT)
    # a crew mate of the same county sees the site, but not my order
    mate = {f["id"]: f for f in _by_role(_map(client, crews["crew2"][1]), "site")}
    assert mate[f"memorials/{sites['order']['id']}"]["properties"]["orders"] == []


def test_map_refuses_the_anonymous_and_shows_another_area_none_of_ours(
    anon_client, client, engine, crews, sites
):
    refused = anon_client.get("/api/v1/me/map")
    assert refused.status_code == 401 and refused.json()["detail"]
    theirs = _map(client, crews["out"][1])
    assert [f["id"] for f in _by_role(theirs, "area")] == [OTHER_COUNTY]
    ids = {f["id"] for f in _by_role(theirs, "site")}
    assert ids.isdisjoint(_county_site_ids(engine, COUNTY))
    assert f"memorials/{sites['other']['id']}" in ids
    assert all(f["id"].startswith(OTHER_COUNTY) for f in _by_role(theirs, "division"))


def _amap_position(url: str) -> tuple[float, float]:
    lon, lat = parse_qs(urlsplit(url).query)["position"][0].split(",")
    return float(lon), float(lat)


def test_navigate_links_carry_each_apps_coordinates(client, crews, sites):
    feature = next(
        f
        for f in _by_role(_map(client, crews["crew"][1]), "site")
        if f["id"] == f"memorials/{sites['due']['id']}"
    )
    links = {d["app"]: d["url"] for d in feature["properties"]["directions"]}
    assert list(links) == ["amap", "baidu", "apple", "geo"]
    glon, glat = wgs84_to_gcj02(*DUE_POINT)
    assert _amap_position(links["amap"]) == pytest.approx((glon, glat), abs=2e-6)
    assert _amap_position(links["amap"]) != pytest.approx(
        DUE_POINT, abs=1e-4
    )  # shifted, a few hundred metres
    blon, blat = wgs84_to_bd09(*DUE_POINT)
    blat_sent, blon_sent = map(float, parse_qs(urlsplit(links["baidu"]).query)["location"][0].split(","))
    assert (blon_sent, blat_sent) == pytest.approx((blon, blat), abs=2e-6)
    assert links["geo"].startswith(f"geo:{DUE_POINT[1]:.6f},{DUE_POINT[0]:.6f}")
    assert "地图待巡查纪念碑" in parse_qs(urlsplit(links["amap"]).query)["name"][0]


@pytest.fixture(scope="module")
def crew_client(settings: Settings, demo_counts, crews) -> Iterator[TestClient]:
    """A client signed in as 'crew' by its API token (the pages accept any credentials)."""
    with TestClient(create_app(settings), headers=crews["crew"][1]) as c:
        yield c


def test_map_page_fetches_its_data_and_sends_the_anonymous_to_sign_in(crew_client, anon_client):
    moved = anon_client.get("/crew/map?lang=en", follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"].startswith("/login?next=%2Fcrew%2Fmap")
    response = crew_client.get("/crew/map")
    assert response.status_code == 200
    page = response.text
    assert '<html lang="zh-CN">' in page and "任务地图" in page and "定位我" in page
    assert '"dataUrl":"/api/v1/me/map"' in page and '"page":"map"' in page
    assert '<a href="/crew/map" aria-current="page">' in page
    assert "/static/vendor/leaflet/dist/leaflet.js" in page and "/static/crew/crew_map.js?v=" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"]).group(1)
    scripts = re.findall(r"<script[^>]*>", page)
    assert all(f'nonce="{nonce}"' in s for s in scripts)
    english = crew_client.get("/crew/map", params={"lang": "en"}).text
    assert "Task map" in english and "Locate me" in english and '"siteQuery":"?lang=en"' in english
    assert "高德地图" not in english and "AMap" in english


def test_site_page_offers_navigation_in_each_apps_coordinates(crew_client, sites):
    page = crew_client.get(f"/crew/memorials/{sites['due']['id']}").text
    assert "导航前往" in page
    amap = re.search(r'<a class="nav-app nav-amap" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert _amap_position(amap) == pytest.approx(wgs84_to_gcj02(*DUE_POINT), abs=2e-6)
    assert re.search(r'href="geo:26\.046000,110\.652000', page) and "百度地图" in page
    english = crew_client.get(f"/crew/memorials/{sites['due']['id']}", params={"lang": "en"}).text
    assert "Directions" in english and "Baidu Maps" in english
