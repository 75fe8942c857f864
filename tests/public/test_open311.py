"""Open311 GeoReport v2 at /open311/v2/: an Open311 client's calls (form-encoded POST, JSON and XML answers, the
error list), every refusal with nothing stored, staff triage with the reporter visible to staff only, and the
public status after staff transitions."""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, text

from api.app import create_app
from geo.kit.crs import wgs84_to_gcj02
from geo.settings import ReportSettings, SecuritySettings, Settings, UpkeepSettings
from tests.auth_helpers import headers_of, staff_accounts
from tests.factories import free_point, image, make_site_at, offset
from tests.hostile_files import blank_png, peak_growth

pytestmark = pytest.mark.usefixtures("atlas_restored")

BASE = "/open311/v2"
EMAIL = "reporter.o311@example.org"
PHONE = "+86 138 0000 1234"


@pytest.fixture(scope="module")
def site(client: TestClient, engine: Engine) -> dict:
    """A memorial made at a point of 资源县 with no other site within 3 km."""
    with engine.connect() as conn:
        lon, lat = free_point(conn)
    point = (round(lon, 6), round(lat, 6))
    made = make_site_at(client, "memorials", point, name="开放上报测试纪念碑")
    return {
        "id": made["id"],
        "point": point,
        "area": made["properties"]["area_code"],
        "name": "开放上报测试纪念碑",
    }


@pytest.fixture(scope="module")
def staff(engine: Engine, site: dict) -> dict:
    """A planner and a crew of the site's county and a planner of another county."""
    accounts = staff_accounts(
        engine,
        [
            ("planner", "planner", site["area"]),
            ("crew", "crew", site["area"]),
            ("other", "planner", "450321"),
        ],
        "o311",
    )
    return {key: headers_of(accounts, key) for key in ("planner", "crew", "other")}


def counts(engine: Engine) -> tuple[int, int, int, int]:
    """Work orders, their history rows, photos and audit entries now."""
    with engine.connect() as conn:
        return tuple(
            conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("work_orders", "work_order_history", "photos", "audit_log")
        )


def report(site: dict, **overrides) -> dict:
    """A valid form-encoded report 80 m east of the site."""
    lon, lat = offset(site["point"], 80)
    return {
        "service_code": "vandalism",
        "lat": f"{lat:.6f}",
        "long": f"{lon:.6f}",
        "description": "碑身被涂写 graffiti on the monument",
        "email": EMAIL,
        "first_name": "Wei",
        "last_name": "Zhang",
        "phone": PHONE,
        **overrides,
    }


def post(c: TestClient, data: dict, fmt: str = "json", **kw):
    """POST a form as an Open311 client does (no credentials)."""
    return c.post(f"{BASE}/requests.{fmt}", data=data, headers={"Authorization": ""}, **kw)


# -- services and discovery -----------------------------------------------------------------------------------


def test_services_list_every_category_in_chinese_by_default(anon_client: TestClient) -> None:
    response = anon_client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    services = response.json()
    codes = [s["service_code"] for s in services]
    assert codes == [
        "monument_damage",
        "vandalism",
        "litter",
        "overgrown_greenery",
        "sign_damage",
        "path_damage",
        "enclosure_damage",
        "other",
    ]
    assert services[1]["service_name"] == "人为破坏"
    assert {s["metadata"] for s in services} == {False} and {s["type"] for s in services} == {"realtime"}


def test_services_in_english_by_lang_or_accept_language(anon_client: TestClient) -> None:
    by_query = anon_client.get(f"{BASE}/services.json?lang=en").json()
    by_header = anon_client.get(f"{BASE}/services.json", headers={"Accept-Language": "en-GB,en;q=0.8"}).json()
    assert by_query[1]["service_name"] == by_header[1]["service_name"] == "Vandalism"


def test_services_xml_is_well_formed(anon_client: TestClient) -> None:
    response = anon_client.get(f"{BASE}/services.xml?lang=en")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "services"
    names = [s.findtext("service_name") for s in root.findall("service")]
    assert len(names) == 8 and "Missing or damaged sign" in names
    assert root.find("service/metadata").text == "false"


def test_a_matching_jurisdiction_is_accepted_and_another_refused(anon_client: TestClient) -> None:
    assert anon_client.get(f"{BASE}/services.json?jurisdiction_id=vetmap").status_code == 200
    response = anon_client.get(f"{BASE}/services.json?jurisdiction_id=sfgov.org")
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400 and "jurisdiction_id" in response.json()[0]["description"]


def test_service_definition_and_unknown_service(anon_client: TestClient) -> None:
    found = anon_client.get(f"{BASE}/services/litter.json")
    assert found.json() == {"service_code": "litter", "attributes": []}
    assert ET.fromstring(anon_client.get(f"{BASE}/services/litter.xml").content).tag == "service_definition"
    missing = anon_client.get(f"{BASE}/services/potholes.xml")
    assert missing.status_code == 404
    error = ET.fromstring(missing.content).find("error")
    assert error.findtext("code") == "404" and "potholes" in error.findtext("description")


def test_unknown_format_is_404_with_the_error_list(anon_client: TestClient) -> None:
    response = anon_client.get(f"{BASE}/services.csv")
    assert response.status_code == 404 and "json or .xml" in response.json()[0]["description"]


def test_discovery_names_the_endpoint(anon_client: TestClient) -> None:
    found = anon_client.get(f"{BASE}/discovery.json").json()
    endpoint = found["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/") and "text/xml" in endpoint["formats"]
    assert (
        ET.fromstring(anon_client.get(f"{BASE}/discovery.xml").content).find("endpoints/endpoint/url")
        is not None
    )


# -- a report -------------------------------------------------------------------------------------------------


def test_a_form_encoded_report_becomes_a_work_order_in_triage_at_the_nearest_site(
    anon_client: TestClient, engine: Engine, site: dict
) -> None:
    before = counts(engine)
    response = post(anon_client, report(site))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert len(answer) == 1
    created = answer[0]
    rid = int(created["service_request_id"])
    assert created["site_collection"] == "memorials" and created["site_id"] == site["id"]
    assert 70 < created["distance_m"] < 90
    assert site["name"] in created["service_notice"]
    assert response.headers["location"] == f"{BASE}/requests/{rid}.json"
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT status, source, category, reporter, kind, title, collection, site_id, area_code, "
                "reported_by, ST_X(position) AS lon, ST_Y(position) AS lat FROM work_orders WHERE id = :id"
            ),
            {"id": rid},
        ).one()
        history = conn.execute(
            text("SELECT actor, to_status FROM work_order_history WHERE work_order_id = :id"), {"id": rid}
        ).all()
        audit = conn.execute(
            text("SELECT actor, role FROM audit_log WHERE collection = 'work_orders' AND record_id = :id"),
            {"id": rid},
        ).all()
    assert (row.status, row.source, row.category, row.kind) == ("reported", "open311", "vandalism", "repair")
    assert row.reporter == {"email": EMAIL, "phone": PHONE, "first_name": "Wei", "last_name": "Zhang"}
    assert row.title == f"人为破坏 · {site['name']}"
    assert (row.collection, row.site_id, row.area_code, row.reported_by) == (
        "memorials",
        site["id"],
        site["area"],
        None,
    )
    assert abs(row.lon - float(report(site)["long"])) < 1e-6
    assert history == [("open311", "reported")] and audit == [("open311", "public")]
    after = counts(engine)
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (1, 1, 0)


def test_the_answer_can_be_xml(anon_client: TestClient, site: dict) -> None:
    response = post(anon_client, report(site, service_code="litter"), fmt="xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text.isdigit()
    assert root.findtext("request/site_id") == str(site["id"])


def test_a_gcj02_pin_is_converted_to_wgs84_before_storing(
    anon_client: TestClient, engine: Engine, site: dict
) -> None:
    wgs = offset(site["point"], 0, 60)
    gcj_lon, gcj_lat = wgs84_to_gcj02(*wgs)
    response = post(anon_client, report(site, long=f"{gcj_lon:.7f}", lat=f"{gcj_lat:.7f}", crs="gcj02"))
    assert response.status_code == 200, response.text
    rid = int(response.json()[0]["service_request_id"])
    with engine.connect() as conn:
        metres = conn.execute(
            text(
                "SELECT ST_Distance(position::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) "
                "FROM work_orders WHERE id = :id"
            ),
            {"id": rid, "lon": wgs[0], "lat": wgs[1]},
        ).scalar_one()
    assert metres < 0.5  # the GCJ-02 offset here is a few hundred metres


def test_a_report_with_photos_keeps_them_private_at_stage_report(
    anon_client: TestClient, engine: Engine, site: dict
) -> None:
    files = [
        ("media", ("a.png", image(), "image/png")),
        ("media", ("b.png", image(size=(20, 20)), "image/png")),
    ]
    response = post(anon_client, report(site, service_code="sign_damage"), files=files)
    assert response.status_code == 200, response.text
    rid = int(response.json()[0]["service_request_id"])
    with engine.connect() as conn:
        photos = conn.execute(
            text(
                "SELECT stage, public, collection, site_id, width FROM photos WHERE work_order_id = :id ORDER BY id"
            ),
            {"id": rid},
        ).all()
    assert photos == [
        ("report", False, "memorials", site["id"], 40),
        ("report", False, "memorials", site["id"], 20),
    ]
    assert anon_client.get(f"{BASE}/requests/{rid}.json").json()[0]["media_url"] is None


# -- refusals: a clear reason, nothing stored -----------------------------------------------------------------

REFUSALS = {
    "outside China": ({"lat": "48.8566", "long": "2.3522"}, 400, "在中国境外"),
    "no site near": ({"lat": "31.5", "long": "88.5"}, 400, "1000 米内没有纪念设施"),
    "no category": ({"service_code": ""}, 400, "请选择问题类型"),
    "unknown category": ({"service_code": "potholes"}, 400, "没有“potholes”这一问题类型"),
    "huge description": ({"description": "损" * 4001}, 400, "最多 4000 个"),
    "bad email": ({"email": "not-an-address"}, 400, "不是电子邮箱地址"),
    "bad phone": ({"phone": "call me maybe"}, 400, "不是电话号码"),
    "no position": ({"lat": "", "long": ""}, 400, "请先在地图上标出"),
    "position not a number": ({"lat": "north"}, 400, "须是以度为单位的数字"),
    "latitude out of range": ({"lat": "123"}, 400, "-90 到 90"),
    "unknown crs": ({"crs": "bd09"}, 400, "不认识坐标系“bd09”"),
    "other jurisdiction": ({"jurisdiction_id": "sfgov.org"}, 400, "jurisdiction_id"),
    "address only": ({"lat": None, "long": None, "address_string": "东沟村"}, 400, "address_string"),
    "bad media_url": ({"media_url": "javascript:alert(1)"}, 400, "照片链接须是 http(s) 网址"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_bad_report_is_refused_with_a_reason_and_nothing_is_stored(
    anon_client: TestClient, engine: Engine, site: dict, case: str
) -> None:
    changes, status, reason = REFUSALS[case]
    data = {k: v for k, v in report(site, **changes).items() if v is not None}
    before = counts(engine)
    response = post(anon_client, data)
    assert response.status_code == status, response.text
    errors = response.json()
    assert isinstance(errors, list) and errors[0]["code"] == status
    assert reason in errors[0]["description"]
    assert counts(engine) == before


def test_a_refusal_in_xml_is_an_errors_document(anon_client: TestClient, engine: Engine, site: dict) -> None:
    before = counts(engine)
    response = post(anon_client, report(site, service_code=""), fmt="xml")
    assert response.status_code == 400
    root = ET.fromstring(response.content)
    assert root.tag == "errors" and root.findtext("error/code") == "400"
    assert "请选择问题类型" in root.findtext("error/description")
    assert counts(engine) == before


@pytest.mark.parametrize(
    ("files", "status", "reason"),
    [
        (
            [("media", ("x.png", b"%PDF-1.4 not an image", "image/png"))],
            415,
            "第 1 张照片：文件不是可识别的图片",
        ),
        ([("media", ("e.png", image(), "image/png"))] * 4, 400, "每份报告最多 3 张"),
    ],
    ids=["not an image", "too many photos"],
)
def test_a_bad_photo_refuses_the_whole_report(
    anon_client: TestClient, engine: Engine, site: dict, files: list, status: int, reason: str
) -> None:
    before = counts(engine)
    response = post(anon_client, report(site), files=files)
    assert response.status_code == status, response.text
    assert reason in response.json()[0]["description"]
    assert counts(engine) == before


def test_an_oversized_photo_is_refused_with_413(settings: Settings, engine: Engine, site: dict) -> None:
    small = UpkeepSettings(photo_max_bytes=2048)
    big = io.BytesIO()
    Image.effect_noise((200, 200), 80).convert("RGB").save(big, "PNG")
    assert len(big.getvalue()) > 2048
    before = counts(engine)
    with TestClient(create_app(settings, upkeep=small)) as c:
        response = post(c, report(site), files=[("media", ("big.png", big.getvalue(), "image/png"))])
    assert response.status_code == 413, response.text
    assert counts(engine) == before


# -- hostile photos: refused cheaply, memory bounded (issue 18) --------------------------------------------------

FAR = {"lat": "31.5", "long": "88.5"}  # in China (Tibet), no site within the radius


def damaged_png() -> bytes:
    """A PNG whose header and checksums are sound but whose pixel data does not inflate: it fails only when decoded."""
    sound = image(size=(64, 48))
    start = sound.index(b"IDAT") - 4
    length = int.from_bytes(sound[start : start + 4], "big")
    junk = b"not deflate data" * 4
    idat = len(junk).to_bytes(4, "big") + b"IDAT" + junk + zlib.crc32(b"IDAT" + junk).to_bytes(4, "big")
    return sound[:start] + idat + sound[start + 12 + length :]


@pytest.fixture
def unlimited(settings: Settings) -> Iterator[TestClient]:
    """An anonymous client on an app without the burst limit of POSTs."""
    with TestClient(create_app(settings, security=SecuritySettings(rate_limit_requests=0))) as c:
        yield c


def test_a_pin_far_from_any_site_is_refused_before_any_photo_is_decoded(
    unlimited: TestClient, engine: Engine, site: dict
) -> None:
    files = [("media", ("p.png", damaged_png(), "image/png"))]
    before = counts(engine)
    refused = post(unlimited, report(site, **FAR), files=files)
    assert refused.status_code == 400, refused.text
    reason = refused.json()[0]["description"]
    assert "1000 米内没有纪念设施" in reason and "88.50000" in reason and "损坏" not in reason
    english = unlimited.post(f"{BASE}/requests.json?lang=en", data=report(site, **FAR), files=files)
    assert "within 1000 m" in english.json()[0]["description"]
    near = post(unlimited, report(site), files=files)  # the same photo at the site: decoded, and refused
    assert near.status_code == 400 and "第 1 张照片：图片已损坏" in near.json()[0]["description"]
    assert counts(engine) == before


HOSTILE_REPORT = """
from fastapi.testclient import TestClient
from api.app import create_app
from geo.settings import SecuritySettings, Settings
client = TestClient(create_app(Settings(database_url={url!r}, basemap="none"),
                               security=SecuritySettings(rate_limit_requests=0)))
client.__enter__()
assert client.get("/open311/v2/services.json").status_code == 200  # the app warmed up before measuring
photo = open({path!r}, "rb").read()
files = [("media", (f"p{{i}}.png", photo, "image/png")) for i in range(3)]
form = {form!r}
"""


def test_three_huge_photos_with_a_pin_far_from_any_site_take_a_bounded_memory(
    settings: Settings, engine: Engine, site: dict, tmp_path
) -> None:
    """The report of issue 18: three 7070 x 7070 transparent PNGs (about 190 KB each, 190 MiB each decoded) and a
    pin far from any site grew the server by about 500 MB; now refused from the headers."""
    path = tmp_path / "huge.png"
    path.write_bytes(blank_png(7070, 7070))
    before = counts(engine)
    setup = HOSTILE_REPORT.format(url=settings.database_url, path=str(path), form=report(site, **FAR))
    growth, outcome = peak_growth(
        setup,
        "(lambda r: [r.status_code, r.json()])(client.post('/open311/v2/requests.json', data=form, files=files))",
    )
    status, body = outcome["value"]
    assert status in (400, 413), body
    assert "/" not in body[0]["description"].replace("MiB", "")
    assert growth < 48, f"the report grew the peak memory by {growth:.0f} MiB"
    assert counts(engine) == before


def test_reports_with_photos_beyond_the_upload_slots_get_503_with_a_reason_in_chinese(
    settings: Settings, engine: Engine, site: dict
) -> None:
    app = create_app(
        settings, reports=ReportSettings(upload_slots=1), security=SecuritySettings(rate_limit_requests=0)
    )
    files = [("media", ("a.png", image(), "image/png"))]
    with TestClient(app) as c:
        before = counts(engine)
        assert app.state.report_uploads.acquire(blocking=False)  # one report with photos is being handled
        try:
            busy = post(c, report(site), files=files)
            xml = post(c, report(site), fmt="xml", files=files)
            without_photos = post(c, report(site))  # a form-encoded report needs no slot
        finally:
            app.state.report_uploads.release()
        assert busy.status_code == 503 and int(busy.headers["retry-after"]) >= 1
        assert "带照片的报告太多" in busy.json()[0]["description"]
        assert xml.status_code == 503 and ET.fromstring(xml.content).findtext("error/code") == "503"
        assert without_photos.status_code == 200
        assert counts(engine)[2] == before[2]  # no photo stored while busy
        assert post(c, report(site), files=files).status_code == 200  # the slot is free again


def test_a_burst_of_reports_from_one_client_gets_429_with_retry_after(
    settings: Settings, engine: Engine, site: dict
) -> None:
    strict = SecuritySettings(rate_limit_requests=2, rate_limit_window_s=600)
    with TestClient(create_app(settings, security=strict)) as c:
        assert [post(c, report(site)).status_code for _ in range(2)] == [200, 200]
        before = counts(engine)
        refused = post(c, report(site))
        also_xml = post(c, report(site), fmt="xml")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert also_xml.status_code == 429
    assert counts(engine) == before


# -- following a report ---------------------------------------------------------------------------------------


@pytest.fixture
def filed(anon_client: TestClient, site: dict) -> int:
    """A new report's id."""
    response = post(anon_client, report(site, service_code="path_damage", description="台阶塌陷 steps sunk"))
    assert response.status_code == 200, response.text
    return int(response.json()[0]["service_request_id"])


def test_the_public_status_never_shows_the_contact(anon_client: TestClient, filed: int, site: dict) -> None:
    as_json = anon_client.get(f"{BASE}/requests/{filed}.json")
    as_xml = anon_client.get(f"{BASE}/requests/{filed}.xml")
    assert as_json.status_code == as_xml.status_code == 200
    found = as_json.json()
    assert len(found) == 1
    one = found[0]
    assert one["service_request_id"] == str(filed)
    assert (one["status"], one["service_code"], one["status_notes"]) == ("open", "path_damage", None)
    assert one["service_name"] == "道路台阶损坏" and one["description"] == "台阶塌陷 steps sunk"
    assert one["address"] == site["name"] and one["address_id"] == f"memorials/{site['id']}"
    assert dt.datetime.fromisoformat(one["requested_datetime"]).tzinfo is not None
    root = ET.fromstring(as_xml.content)
    assert root.tag == "service_requests" and root.findtext("request/status") == "open"
    for body in (as_json.text, as_xml.text, anon_client.get(f"/reports/{filed}").text):
        for private in (EMAIL, "138 0000", "Zhang", "reporter"):
            assert private not in body


def test_a_staff_work_order_is_not_a_public_request(
    client: TestClient, anon_client: TestClient, site: dict
) -> None:
    made = client.post(
        "/api/v1/work-orders", json={"collection": "memorials", "site_id": site["id"], "title": "内部工单"}
    )
    assert made.status_code == 201
    response = anon_client.get(f"{BASE}/requests/{made.json()['id']}.json")
    assert response.status_code == 404 and response.json()[0]["code"] == 404
    assert anon_client.get(f"{BASE}/requests/abc.json").status_code == 404


def test_staff_of_the_area_triage_it_and_see_the_contact(
    anon_client: TestClient, filed: int, staff: dict
) -> None:
    listed = anon_client.get("/api/v1/work-orders?status=reported", headers=staff["planner"])
    assert listed.status_code == 200
    mine = [o for o in listed.json()["work_orders"] if o["id"] == filed]
    assert len(mine) == 1 and mine[0]["reporter"]["email"] == EMAIL
    assert mine[0]["source"] == "open311" and mine[0]["category"] == "path_damage"
    assert mine[0]["position"]["type"] == "Point"
    one = anon_client.get(f"/api/v1/work-orders/{filed}", headers=staff["crew"])
    assert one.status_code == 200 and one.json()["reporter"]["phone"] == PHONE
    assert anon_client.get(f"/api/v1/work-orders/{filed}", headers=staff["other"]).status_code == 403
    assert anon_client.get(f"/api/v1/work-orders/{filed}").status_code == 401
    elsewhere = anon_client.get("/api/v1/work-orders?status=reported", headers=staff["other"]).json()
    assert filed not in [o["id"] for o in elsewhere["work_orders"]]


def _move(c: TestClient, headers: dict, rid: int, to: str, **extra) -> dict:
    version = c.get(f"/api/v1/work-orders/{rid}", headers=headers).json()["version"]
    response = c.post(
        f"/api/v1/work-orders/{rid}/transitions",
        json={"to": to, "version": version, **extra},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


def _public_status(c: TestClient, rid: int) -> tuple[str, str | None]:
    one = c.get(f"{BASE}/requests/{rid}.json").json()[0]
    return one["status"], one["status_notes"]


def test_the_public_status_follows_staff_transitions_and_the_public_note(
    anon_client: TestClient, filed: int, staff: dict
) -> None:
    planner = staff["planner"]
    _move(anon_client, planner, filed, "triaged")
    assert _public_status(anon_client, filed) == ("open", None)
    version = anon_client.get(f"/api/v1/work-orders/{filed}", headers=planner).json()["version"]
    patched = anon_client.patch(
        f"/api/v1/work-orders/{filed}",
        json={"version": version, "public_note": "已安排维修 repair scheduled"},
        headers=planner,
    )
    assert patched.status_code == 200, patched.text
    assert _public_status(anon_client, filed) == ("open", "已安排维修 repair scheduled")
    crew_try = anon_client.patch(
        f"/api/v1/work-orders/{filed}",
        json={"version": patched.json()["version"], "public_note": "crew may not"},
        headers=staff["crew"],
    )
    assert crew_try.status_code == 403
    _move(anon_client, planner, filed, "rejected", note="internal: not ours")
    status, notes = _public_status(anon_client, filed)
    assert (status, notes) == ("closed", "已安排维修 repair scheduled")
    page = anon_client.get(f"/reports/{filed}?lang=en")
    assert "internal: not ours" not in page.text and "Closed" in page.text


def test_a_duplicate_is_closed(anon_client: TestClient, staff: dict, site: dict) -> None:
    first = int(post(anon_client, report(site, service_code="litter")).json()[0]["service_request_id"])
    second = int(post(anon_client, report(site, service_code="litter")).json()[0]["service_request_id"])
    _move(anon_client, staff["planner"], second, "duplicate", duplicate_of=first)
    assert _public_status(anon_client, second)[0] == "closed"
    assert _public_status(anon_client, first)[0] == "open"


# -- the public listing ---------------------------------------------------------------------------------------


def test_the_listing_filters_by_code_status_ids_and_dates(
    anon_client: TestClient, site: dict, staff: dict
) -> None:
    a = int(post(anon_client, report(site, service_code="enclosure_damage")).json()[0]["service_request_id"])
    b = int(post(anon_client, report(site, service_code="enclosure_damage")).json()[0]["service_request_id"])
    _move(anon_client, staff["planner"], b, "rejected")
    ids = lambda r: [int(x["service_request_id"]) for x in r.json()]  # noqa: E731
    listed = anon_client.get(f"{BASE}/requests.json?service_code=enclosure_damage")
    assert listed.status_code == 200 and ids(listed)[:2] == [b, a]
    assert set(ids(anon_client.get(f"{BASE}/requests.json?service_code=enclosure_damage&status=open"))) >= {a}
    assert b not in ids(anon_client.get(f"{BASE}/requests.json?service_code=enclosure_damage&status=open"))
    assert b in ids(anon_client.get(f"{BASE}/requests.json?status=closed"))
    assert ids(anon_client.get(f"{BASE}/requests.json?service_request_id={a},{b}")) == [b, a]
    now = dt.datetime.now(dt.UTC)
    window = {
        "start_date": (now - dt.timedelta(hours=1)).isoformat(),
        "end_date": (now + dt.timedelta(hours=1)).isoformat(),
    }
    assert a in ids(anon_client.get(f"{BASE}/requests.json", params=window))
    old = {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-02-01T00:00:00Z"}
    assert anon_client.get(f"{BASE}/requests.json", params=old).json() == []
    xml = ET.fromstring(anon_client.get(f"{BASE}/requests.xml?service_request_id={a}").content)
    assert [r.findtext("service_request_id") for r in xml.findall("request")] == [str(a)]
    text_all = anon_client.get(f"{BASE}/requests.json").text
    assert EMAIL not in text_all and "138 0000" not in text_all


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("start_date=2020-01-01T00:00:00Z&end_date=2020-12-31T00:00:00Z", "最多相隔 90 天"),
        ("start_date=yesterday", "W3C date-time"),
        ("end_date=2020-01-01T00:00:00Z&start_date=2020-02-01T00:00:00Z", "结束日期早于开始日期"),
        ("status=pending", "不认识状态“pending”"),
        ("service_code=potholes", "没有“potholes”这一问题类型"),
        ("service_request_id=1,x", "comma-separated ids"),
    ],
)
def test_a_bad_listing_query_is_400_with_a_reason(anon_client: TestClient, query: str, reason: str) -> None:
    response = anon_client.get(f"{BASE}/requests.json?{query}")
    assert response.status_code == 400
    assert reason in response.json()[0]["description"]


@pytest.fixture(scope="module", autouse=True)
def _no_report_left(engine: Engine) -> Iterator[None]:
    """Work orders this module files are removed after it (other modules count work orders)."""
    with engine.connect() as conn:
        newest = conn.execute(text("SELECT coalesce(max(id), 0) FROM work_orders")).scalar_one()
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM photos WHERE work_order_id > :n"), {"n": newest})
        conn.execute(text("DELETE FROM work_orders WHERE id > :n"), {"n": newest})
