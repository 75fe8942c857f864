"""The moderation page ``/staff/moderation`` (issue 20 item 4): what waits in my area (tribute messages, report photos
not yet public, public reports in triage), each decision through the API with the page's CSRF token, audited, and a
refusal as a sentence in the page's language. Against the real database, through the real app."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import create_account
from geo.settings import Settings
from tests.factories import ZIYUAN_POINT, free_point, image, make_site_at, offset

pytestmark = pytest.mark.usefixtures("atlas_restored")

PASSWORD = "test-moderation-page-password"
SITE_NAME = "审核页测试纪念碑"
OTHER_COUNTY = "450321"  # 阳朔县, not 资源县
_names = itertools.count(1)
_addresses = itertools.count(1)


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


def signed_in(app: FastAPI, engine: Engine, role: str, area: str | None) -> TestClient:
    """A client signed in through /login as a new account of ``role`` in ``area``."""
    name = f"moderation-{role}-{next(_names)}"
    with engine.begin() as conn:
        create_account(conn, CLI_ACTOR, name, PASSWORD, role, area)
    c = TestClient(app, client=(f"10.79.{next(_addresses)}.1", 40000))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    answer = c.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": csrf, "next": "/staff/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    return c


def page_data(html: str) -> dict:
    """The page's JSON block (CSRF token, language, sentences)."""
    found = re.search(r'<script type="application/json" id="moderation-data">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def csrf_of(c: TestClient) -> dict[str, str]:
    """The header a page's script sends with its writes."""
    return {"X-CSRF-Token": page_data(c.get("/staff/moderation").text)["csrf"]}


@pytest.fixture(scope="module")
def site(client: TestClient, engine: Engine) -> dict:
    """A memorial of 资源县 with no other site within 3 km."""
    with engine.connect() as conn:
        lon, lat = free_point(conn, (ZIYUAN_POINT[0] - 0.06, ZIYUAN_POINT[1] + 0.04))
    made = make_site_at(client, "memorials", (round(lon, 6), round(lat, 6)), name=SITE_NAME)
    return {
        "id": made["id"],
        "point": (round(lon, 6), round(lat, 6)),
        "area": made["properties"]["area_code"],
    }


def file_report(anon: TestClient, site: dict, description: str, photo: bool, east: float = 40) -> dict:
    """A public report near the site through Open311: its id and its photo's id (or None)."""
    lon, lat = offset(site["point"], east)
    files = [("media", ("damage.png", image(size=(48, 36)), "image/png"))] if photo else None
    response = anon.post(
        "/open311/v2/requests.json",
        data={
            "service_code": "sign_damage",
            "lat": f"{lat:.6f}",
            "long": f"{lon:.6f}",
            "description": description,
        },
        files=files,
        headers={"Authorization": ""},
    )
    assert response.status_code == 200, response.text
    return {"id": int(response.json()[0]["service_request_id"])}


@pytest.fixture(scope="module")
def queue(anon_client: TestClient, engine: Engine, site: dict) -> Iterator[dict]:
    """A pending tribute message on the site, a report with a photo and one without, all in 资源县."""
    tribute = anon_client.post(
        "/api/v1/tributes",
        json={
            "target": "memorials",
            "target_id": site["id"],
            "kind": "message",
            "message": "英雄永垂不朽，审核页测试",
        },
    )
    assert tribute.status_code == 201, tribute.text
    second = anon_client.post(
        "/api/v1/tributes",
        json={
            "target": "memorials",
            "target_id": site["id"],
            "kind": "message",
            "message": "第二条留言，待驳回",
        },
    )
    assert second.status_code == 201, second.text
    with_photo = file_report(anon_client, site, "审核页测试：标志牌被撞歪", photo=True)
    without = file_report(anon_client, site, "审核页测试：同一块标志牌", photo=False, east=60)
    with engine.connect() as conn:
        photo_id = conn.execute(
            text("SELECT id FROM photos WHERE work_order_id = :id AND stage = 'report'"),
            {"id": with_photo["id"]},
        ).scalar_one()
    yield {
        "tribute": tribute.json()["id"],
        "tribute2": second.json()["id"],
        "report": with_photo["id"],
        "photo": photo_id,
        "report2": without["id"],
    }
    ids = [with_photo["id"], without["id"]]
    with engine.connect() as conn:  # and the reports tests filed on the site
        ids = (
            conn.execute(
                text(
                    "SELECT id FROM work_orders WHERE collection = 'memorials' AND site_id = :id ORDER BY id DESC"
                ),
                {"id": site["id"]},
            )
            .scalars()
            .all()
        )
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM photos WHERE work_order_id = ANY(:ids)"), {"ids": ids})
        conn.execute(text("DELETE FROM work_order_history WHERE work_order_id = ANY(:ids)"), {"ids": ids})
        for rid in ids:  # newest first: a duplicate before its original
            conn.execute(text("DELETE FROM work_orders WHERE id = :id"), {"id": rid})
        conn.execute(
            text("DELETE FROM tributes WHERE target = 'memorials' AND target_id = :id"), {"id": site["id"]}
        )


@pytest.fixture(scope="module")
def planner(app: FastAPI, engine: Engine, site: dict) -> TestClient:
    """A planner of the site's county, signed in by cookie."""
    return signed_in(app, engine, "planner", site["area"])


def _items(html: str, queue: str) -> list[str]:
    """The data-id of each item of one queue."""
    section = re.search(rf'<section class="queue" id="{queue}".*?</section>', html, re.S)
    return re.findall(r'<li class="item [a-z]+" data-id="(\d+)"', section.group(0)) if section else []


def _audit(engine: Engine, collection: str, record_id: int) -> list[tuple[str, dict | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, after FROM audit_log WHERE collection = :c AND record_id = :id ORDER BY id"),
            {"c": collection, "id": record_id},
        ).all()
    return [(r.action, r.after) for r in rows]


def test_the_page_lists_what_waits_in_my_area(planner: TestClient, queue: dict) -> None:
    answer = planner.get("/staff/moderation")
    assert answer.status_code == 200
    html = answer.text
    assert str(queue["tribute"]) in _items(html, "tributes")
    assert str(queue["photo"]) in _items(html, "photos")
    assert {str(queue["report"]), str(queue["report2"])} <= set(_items(html, "reports"))
    assert "英雄永垂不朽，审核页测试" in html and "审核页测试：标志牌被撞歪" in html
    assert f"/api/v1/photos/{queue['photo']}/thumbnail" in html
    assert SITE_NAME in html
    # the second report may duplicate the first: same site
    item = re.search(rf'data-id="{queue["report2"]}".*?</li>', html, re.S).group(0)
    assert re.search(rf'<option value="{queue["report"]}">#{queue["report"]} ', item)
    # the counts of the tabs are the queues' sizes
    for key in ("tributes", "photos", "reports"):
        count = re.search(rf'<span class="n" data-count="{key}">(\d+)</span>', html).group(1)
        assert int(count) >= len(_items(html, key)) >= 1


def test_the_english_page_has_no_chinese_labels(planner: TestClient, queue: dict) -> None:
    html = planner.get("/staff/moderation", params={"lang": "en"}).text
    assert "Messages waiting" in html and "Public reports in triage" in html
    chrome = re.sub(r"<(blockquote|p class=\"text\")[^>]*>.*?</(blockquote|p)>", "", html, flags=re.S)
    chrome = chrome.replace("英雄永垂不朽，审核页测试", "").replace(SITE_NAME, "")
    for label in ("待审留言", "通过并显示", "受理为工单", "驳回", "上报编号", "："):
        assert label not in chrome, label


def test_an_approved_message_shows_on_the_public_page(
    planner: TestClient, anon_client: TestClient, engine: Engine, site: dict, queue: dict
) -> None:
    public = f"/sites/memorials/{site['id']}"
    assert "英雄永垂不朽，审核页测试" not in anon_client.get(public).text
    assert planner.post(f"/api/v1/tributes/{queue['tribute']}/approve").status_code == 403  # no CSRF token
    answer = planner.post(f"/api/v1/tributes/{queue['tribute']}/approve", headers=csrf_of(planner))
    assert answer.status_code == 200, answer.text
    assert "英雄永垂不朽，审核页测试" in unescape(anon_client.get(public).text)
    assert str(queue["tribute"]) not in _items(planner.get("/staff/moderation").text, "tributes")
    assert ("approve", {"status": "approved"}) in _audit(engine, "tributes", queue["tribute"])


def test_a_rejected_message_keeps_its_reason_in_the_audit_log(
    planner: TestClient, anon_client: TestClient, engine: Engine, site: dict, queue: dict
) -> None:
    answer = planner.post(
        f"/api/v1/tributes/{queue['tribute2']}/reject",
        json={"reason": "内容与烈士无关"},
        headers=csrf_of(planner),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "rejected"
    assert ("reject", {"status": "rejected", "reason": "内容与烈士无关"}) in _audit(
        engine, "tributes", queue["tribute2"]
    )
    assert "第二条留言" not in unescape(anon_client.get(f"/sites/memorials/{site['id']}").text)


def test_a_report_is_rejected_with_its_note_or_not_at_all(
    planner: TestClient, anon_client: TestClient, engine: Engine, queue: dict
) -> None:
    rid = queue["report2"]
    headers = csrf_of(planner)
    version = planner.get(f"/api/v1/work-orders/{rid}").json()["version"]
    empty = planner.post(
        f"/staff/moderation/reports/{rid}/reject", json={"version": version, "note": "  "}, headers=headers
    )
    assert empty.status_code == 422
    assert empty.json()["detail"] == "驳回上报需要一句给上报人的公开说明。"
    stale = planner.post(
        f"/staff/moderation/reports/{rid}/reject",
        json={"version": version + 7, "note": "已修复"},
        headers=headers,
    )
    assert stale.status_code == 409 and stale.json()["current"]["version"] == version
    order = planner.get(f"/api/v1/work-orders/{rid}").json()
    assert (order["status"], order["public_note"], order["version"]) == (
        "reported",
        None,
        version,
    )  # nothing written
    done = planner.post(
        f"/staff/moderation/reports/{rid}/reject",
        json={"version": version, "note": "该标志牌已于上周更换，谢谢您的关心。"},
        headers=headers,
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "rejected"
    assert "该标志牌已于上周更换" in unescape(anon_client.get(f"/reports/{rid}").text)
    actions = [a for a, _ in _audit(engine, "work_orders", rid)]
    assert actions[-2:] == ["update", "transition"]


def test_a_photo_is_published_or_kept_private_and_leaves_the_queue(
    planner: TestClient, anon_client: TestClient, engine: Engine, queue: dict
) -> None:
    photo = queue["photo"]
    assert anon_client.get(f"/api/v1/photos/{photo}/thumbnail").status_code in (401, 403, 404)
    kept = planner.post(f"/staff/moderation/photos/{photo}/keep-private", headers=csrf_of(planner))
    assert kept.status_code == 200, kept.text
    assert str(photo) not in _items(planner.get("/staff/moderation").text, "photos")
    assert _audit(engine, "photos", photo)[-1][0] == "keep_private"
    assert anon_client.get(f"/api/v1/photos/{photo}/thumbnail").status_code in (401, 403, 404)
    published = planner.post(f"/api/v1/photos/{photo}/publish", headers=csrf_of(planner))
    assert published.status_code == 200
    assert anon_client.get(f"/api/v1/photos/{photo}/thumbnail").status_code == 200
    again = planner.post(
        f"/staff/moderation/photos/{photo}/keep-private", headers=csrf_of(planner), params={"lang": "en"}
    )
    assert again.status_code == 409
    assert again.json()["detail"] == "This photo is already public; withdraw it on the work order's page."


def test_a_report_is_accepted_into_a_work_order(planner: TestClient, engine: Engine, queue: dict) -> None:
    rid = queue["report"]
    version = planner.get(f"/api/v1/work-orders/{rid}").json()["version"]
    moved = planner.post(
        f"/api/v1/work-orders/{rid}/transitions",
        json={"to": "triaged", "version": version},
        headers=csrf_of(planner),
    )
    assert moved.status_code == 200, moved.text
    assert str(rid) not in _items(planner.get("/staff/moderation").text, "reports")
    assert _audit(engine, "work_orders", rid)[-1][0] == "transition"


def test_staff_of_another_county_see_none_of_it(app: FastAPI, engine: Engine, queue: dict) -> None:
    other = signed_in(app, engine, "planner", OTHER_COUNTY)
    html = other.get("/staff/moderation").text
    assert str(queue["report2"]) not in _items(html, "reports")
    answer = other.post(
        f"/staff/moderation/photos/{queue['photo']}/keep-private",
        headers=csrf_of(other),
        params={"lang": "en"},
    )
    assert answer.status_code == 403
    assert answer.json()["detail"] and "Traceback" not in answer.text


def test_a_crew_sees_only_the_photos_and_the_anonymous_sign_in(
    app: FastAPI, engine: Engine, site: dict
) -> None:
    crew = signed_in(app, engine, "crew", site["area"])
    html = crew.get("/staff/moderation").text
    assert 'id="photos"' in html
    assert 'id="tributes"' not in html and 'id="reports"' not in html
    anon = TestClient(app)
    answer = anon.get("/staff/moderation", follow_redirects=False)
    assert answer.status_code == 303 and "/login" in answer.headers["location"]


def test_a_report_marked_duplicate_of_an_open_order_nearby(
    planner: TestClient, anon_client: TestClient, site: dict, queue: dict
) -> None:
    rid = file_report(anon_client, site, "审核页测试：又一次报告同一块标志牌", photo=False, east=80)["id"]
    html = planner.get("/staff/moderation").text
    item = re.search(rf'data-id="{rid}".*?</li>', html, re.S).group(0)
    offered = {int(v) for v in re.findall(r'<option value="(\d+)">', item)}
    assert queue["report"] in offered and rid not in offered
    version = planner.get(f"/api/v1/work-orders/{rid}").json()["version"]
    moved = planner.post(
        f"/api/v1/work-orders/{rid}/transitions",
        json={"to": "duplicate", "version": version, "duplicate_of": queue["report"]},
        headers=csrf_of(planner),
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["status"], moved.json()["duplicate_of"]) == ("duplicate", queue["report"])
    assert str(rid) not in _items(planner.get("/staff/moderation").text, "reports")
