"""geo/public/reports.py on the real PostGIS: checks of a report's parts, the nearest site, the public view, and the
report pages (/report, /reports/{id}, /reports/nearby.json)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.accounts.audit import Actor
from geo.errors import InvalidInput, NotFound
from geo.kit.crs import wgs84_to_gcj02
from geo.principal import Principal
from geo.public.reports import (
    PUBLIC_STATUS,
    SERVICES,
    Contact,
    ReportInput,
    check_contact,
    check_pin,
    map_frame,
    nearest_site,
    public_request,
    service,
    sites_near,
    submit_report,
)
from geo.settings import ReportSettings, Settings, UpkeepSettings
from geo.upkeep.work_orders import TRANSITIONS
from tests.factories import ZIYUAN_POINT, free_point, make_site_at, offset

pytestmark = pytest.mark.usefixtures("atlas_restored")

ACTOR = Actor(Principal(None, "public", "public", None), "test", "127.0.0.1")


@pytest.fixture(scope="module")
def pair(client: TestClient, engine: Engine) -> dict:
    """A cemetery and, 300 m east of it, a grave, at a point of 资源县 with no other site within 3 km."""
    with engine.connect() as conn:
        lon, lat = free_point(conn, (ZIYUAN_POINT[0] + 0.05, ZIYUAN_POINT[1] - 0.05))
    cemetery = make_site_at(client, "cemeteries", (lon, lat), name="上报测试陵园")
    grave_point = offset((lon, lat), 300)
    grave = make_site_at(client, "graves", grave_point, name="上报测试散葬墓")
    return {"point": (lon, lat), "cemetery": cemetery["id"], "grave": grave["id"], "grave_point": grave_point}


def test_every_work_order_status_has_a_public_status() -> None:
    assert set(PUBLIC_STATUS) == set(TRANSITIONS)
    assert {s for s, p in PUBLIC_STATUS.items() if p == "closed"} == {"verified", "rejected", "duplicate"}


def test_services_have_both_languages_and_known_kinds() -> None:
    assert len(SERVICES) == 8
    for svc in SERVICES:
        assert svc.name("zh") != svc.name("en") and svc.kind in ("repair", "cleaning")
    assert service(" litter ").code == "litter"
    with pytest.raises(InvalidInput, match="service_code is required"):
        service(None)


@pytest.mark.parametrize(
    ("contact", "reason"),
    [
        (Contact(email="a@b"), "e-mail"),
        (Contact(email="x" * 250 + "@example.org"), "more than 254"),
        (Contact(phone="12"), "phone number"),
        (Contact(phone="+86 138-0000-0000-0000-0000-1"), "phone number"),
        (Contact(first_name="名" * 51), "more than 50"),
        (Contact(last_name="a\x00b"), "control characters"),
    ],
)
def test_a_bad_contact_is_refused(contact: Contact, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        check_contact(contact)


def test_a_contact_keeps_only_what_was_given() -> None:
    assert check_contact(Contact()) == {}
    assert check_contact(Contact(email=" li@example.cn ", phone="(0773) 123-4567")) == {
        "email": "li@example.cn",
        "phone": "(0773) 123-4567",
    }


def test_a_pin_outside_china_or_malformed_is_refused() -> None:
    with pytest.raises(InvalidInput, match="outside China"):
        check_pin(51.5, -0.12)
    with pytest.raises(InvalidInput, match="numbers"):
        check_pin("nan?", 110)
    with pytest.raises(InvalidInput, match="-90..90"):
        check_pin(float("inf"), 110)
    assert check_pin("26.04", "110.64") == (110.64, 26.04)


def test_the_nearest_site_is_the_geodesically_nearest_of_the_three_collections(
    engine: Engine, pair: dict
) -> None:
    with engine.connect() as conn:
        near_grave = nearest_site(conn, *offset(pair["point"], 250), 1000)
        near_cemetery = nearest_site(conn, *offset(pair["point"], 100), 1000)
        none = nearest_site(conn, *offset(pair["point"], 0, 1500), 1000)
        listed = sites_near(conn, *pair["point"], 1000)
    assert (near_grave.collection, near_grave.id) == ("graves", pair["grave"])
    assert 45 < near_grave.distance_m < 55
    assert (near_cemetery.collection, near_cemetery.id) == ("cemeteries", pair["cemetery"])
    assert none is None
    assert [(s["collection"], s["id"]) for s in listed] == [
        ("cemeteries", pair["cemetery"]),
        ("graves", pair["grave"]),
    ]
    assert 295 < listed[1]["distance_m"] < 305


def test_the_radius_is_a_setting(engine: Engine, pair: dict) -> None:
    far = offset(pair["point"], -1500)
    data = ReportInput("litter", far[1], far[0], "垃圾很多")
    with engine.connect() as conn:
        with pytest.raises(InvalidInput, match="within 1000 m"):
            submit_report(conn, ACTOR, data, ReportSettings(), UpkeepSettings())
        wide = submit_report(conn, ACTOR, data, ReportSettings(radius_m=2000), UpkeepSettings())
        conn.rollback()
    assert wide["site"] == {"collection": "cemeteries", "id": pair["cemetery"], "name": "上报测试陵园"}
    assert wide["status"] == "open" and wide["stage"] == "reported" and "reporter" not in wide


def test_a_report_at_a_grave_is_filed_there_and_its_public_view_has_no_contact(
    engine: Engine, pair: dict
) -> None:
    lon, lat = offset(pair["grave_point"], 20)
    data = ReportInput(
        "overgrown_greenery", lat, lon, "杂草很高", Contact(email="x@example.org"), source="public"
    )
    with engine.connect() as conn:
        made = submit_report(conn, ACTOR, data, ReportSettings(), UpkeepSettings())
        kind, source = conn.execute(
            text("SELECT kind, source FROM work_orders WHERE id = :id"), {"id": made["id"]}
        ).one()
        view = public_request(conn, made["id"])
        conn.rollback()
    assert (made["site"]["collection"], made["site"]["id"]) == ("graves", pair["grave"])
    assert (kind, source) == ("cleaning", "public")
    assert "x@example.org" not in repr(view)


def test_public_request_refuses_unknown_ids(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(NotFound):
        public_request(conn, 10**15)


def test_the_map_frame_has_the_atlas_extent_and_county_outlines(engine: Engine, demo_counts: dict) -> None:
    with engine.connect() as conn:
        frame = map_frame(conn)
    west, south, east, north = frame["bbox"]
    assert 70 < west <= east < 140 and 0 < south <= north < 60
    features = frame["outlines"]["features"]
    assert features and all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)


# -- the pages ------------------------------------------------------------------------------------------------


def test_the_form_page_is_local_only_and_in_chinese_by_default(settings: Settings, demo_counts: dict) -> None:
    with TestClient(create_app(settings)) as fresh:  # no remembered language
        response = fresh.get("/report")
        script = fresh.get("/static/report/report.js")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="zh-CN">' in html and "报告问题" in html and "人为破坏" in html
    assert "/static/vendor/leaflet/dist/leaflet.js" in html and "/static/report/report.js?v=" in html
    assert re.findall(r'(?:src|href)="(https?:[^"]*)"', html) == []  # no script, style or link off the server
    nonce = response.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    assert html.count("<script") == html.count(f'nonce="{nonce}"') == 5  # the frame's two, the form's three
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")


def test_the_form_page_in_english_starts_at_a_site(anon_client: TestClient, pair: dict) -> None:
    html = anon_client.get(f"/report?lang=en&site=cemeteries/{pair['cemetery']}").text
    assert '<html lang="en">' in html and "Report a problem" in html and "Vandalism" in html
    assert f'"start":{{"collection":"cemeteries","id":{pair["cemetery"]}' in html
    missing = anon_client.get("/report?site=cemeteries/999999999")
    assert missing.status_code == 404 and "没有编号为 999999999 的地点" in missing.text
    assert anon_client.get("/report?site=stations/1").status_code == 404
    assert anon_client.get("/report?site=junk").status_code == 422


def test_nearby_names_the_sites_a_report_would_go_to(anon_client: TestClient, pair: dict) -> None:
    lon, lat = pair["point"]
    found = anon_client.get(f"/reports/nearby.json?lat={lat}&long={lon}").json()
    assert found["radius_m"] == 1000 and found["sites"][0]["id"] == pair["cemetery"]
    assert anon_client.get("/reports/nearby.json?lat=48.85&long=2.35").status_code == 422


def test_the_status_page_of_an_unknown_report_is_404(anon_client: TestClient) -> None:
    assert anon_client.get("/reports/999999999").status_code == 404
    assert anon_client.get("/reports/abc?lang=en").status_code == 404


def test_on_an_amap_basemap_the_pin_and_overlays_are_gcj02(anon_client: TestClient, pair: dict) -> None:
    html = anon_client.get(f"/report?basemap=amap&site=cemeteries/{pair['cemetery']}").text
    assert '<input type="hidden" name="crs" value="gcj02">' in html and "(GCJ-02)" in html
    gcj_lon, gcj_lat = wgs84_to_gcj02(*pair["point"])
    start = re.search(r'"start":\{[^}]*"lon":([0-9.]+),"lat":([0-9.]+)', html)
    assert abs(float(start.group(1)) - gcj_lon) < 1e-6 and abs(float(start.group(2)) - gcj_lat) < 1e-6
    found = anon_client.get(f"/reports/nearby.json?lat={gcj_lat}&long={gcj_lon}&crs=gcj02").json()
    first = found["sites"][0]
    assert first["id"] == pair["cemetery"] and first["distance_m"] < 0.5
    assert abs(first["lon"] - gcj_lon) < 1e-6
    plain = anon_client.get(f"/report?basemap=none&site=cemeteries/{pair['cemetery']}").text
    assert '"tiles":[]' in plain and 'value="wgs84"' in plain
