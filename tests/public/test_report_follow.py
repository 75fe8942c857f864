"""Reports like FixMyStreet (issue 22) over HTTP on the real PostGIS: a pin inside a cemetery's boundary goes to the
cemetery and names the grave nearest it; open reports within 50 m are offered while placing the pin; the status page
shows the map, the published photos, the place with its link and the history of the bureau's public notes; a
private follow link lists what changed since the last visit; refusals read in the page's language."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.public.reports import follow_hash, follower_counts
from geo.settings import Settings
from tests.factories import ZIYUAN_POINT, free_point, image, make_site_at, offset
from tests.report_notes import add_public_note
from tests.staff_pages import signed_in_client

pytestmark = pytest.mark.usefixtures("atlas_restored")

OPEN311 = "/open311/v2/requests.json"
STAFF_PASSWORD = "test-report-follow-password"  # a test account's, made by the test


def _file(c: TestClient, point: tuple[float, float], **extra) -> dict:
    lon, lat = point
    data = {
        "service_code": "litter",
        "lat": f"{lat:.7f}",
        "long": f"{lon:.7f}",
        "description": "垃圾堆在墓前",
        "vetmap_form": "1",
        **extra,
    }
    response = c.post(OPEN311, data=data, headers={"Authorization": ""})
    assert response.status_code == 200, response.text
    return response.json()[0]


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app of this module's signed-in staff client."""
    application = create_app(settings)
    with TestClient(application):
        yield application


@pytest.fixture(scope="module")
def cemetery(engine: Engine) -> dict:
    """A demo cemetery with a boundary and graves inside it: the grave and a point 3 m north of it."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT c.id AS cid, c.name AS cname, g.id AS gid, g.martyr_name, ST_X(g.geom) AS lon, "
                "ST_Y(g.geom) AS lat FROM cemeteries c JOIN graves g ON g.cemetery_id = c.id "
                "WHERE c.boundary IS NOT NULL AND ST_Covers(c.boundary, g.geom) AND g.martyr_name IS NOT NULL "
                "AND ST_Distance(ST_Boundary(c.boundary)::geography, g.geom::geography) > 10 "
                "ORDER BY c.id, g.id LIMIT 1"
            )
        ).one()
    return {
        "id": row.cid,
        "name": row.cname,
        "grave": row.gid,
        "martyr": row.martyr_name,
        "pin": offset((row.lon, row.lat), 0, 3),
    }


@pytest.fixture(scope="module")
def memorial(client: TestClient, engine: Engine) -> dict:
    """A memorial at a free point of 资源县."""
    with engine.connect() as conn:
        lon, lat = free_point(conn, (ZIYUAN_POINT[0] + 0.08, ZIYUAN_POINT[1] + 0.06))
    made = make_site_at(client, "memorials", (lon, lat), name="关注测试纪念碑")
    return {"id": made["id"], "point": (lon, lat)}


@pytest.fixture(scope="module", autouse=True)
def _no_report_left(engine: Engine) -> Iterator[None]:
    """Work orders this module files are removed after it (other modules count work orders)."""
    with engine.connect() as conn:
        newest = conn.execute(text("SELECT coalesce(max(id), 0) FROM work_orders")).scalar_one()
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM photos WHERE work_order_id > :n"), {"n": newest})
        conn.execute(text("DELETE FROM work_orders WHERE id > :n"), {"n": newest})


def test_a_pin_inside_a_cemetery_goes_to_the_cemetery_and_names_the_nearest_grave(
    anon_client: TestClient, engine: Engine, cemetery: dict
) -> None:
    lon, lat = cemetery["pin"]
    found = anon_client.get(f"/reports/nearby.json?lat={lat}&long={lon}").json()
    target = found["target"]
    assert (target["collection"], target["id"], target["inside"]) == ("cemeteries", cemetery["id"], True)
    assert target["grave"]["id"] == cemetery["grave"] and target["grave"]["distance_m"] < 5
    assert cemetery["martyr"] in target["grave"]["label"]
    # the nearest site by distance alone is the grave 3 m away: the boundary wins
    assert found["sites"][0]["collection"] == "graves"

    filed = _file(anon_client, cemetery["pin"])
    assert (filed["site_collection"], filed["site_id"]) == ("cemeteries", cemetery["id"])
    with engine.connect() as conn:
        title = conn.execute(
            text("SELECT title FROM work_orders WHERE id = :id"), {"id": int(filed["service_request_id"])}
        ).scalar_one()
    assert cemetery["name"] in title and cemetery["martyr"] in title

    page = anon_client.get(f"/reports/{filed['service_request_id']}").text
    assert f'href="/sites/cemeteries/{cemetery["id"]}"' in page
    assert f'<a href="/sites/graves/{cemetery["grave"]}">{cemetery["martyr"]}烈士墓' in page


def test_open_reports_within_50_m_are_offered_and_followed_instead_of_filing(
    anon_client: TestClient, client: TestClient, engine: Engine, memorial: dict, app: FastAPI
) -> None:
    first = _file(anon_client, offset(memorial["point"], 60))
    rid = int(first["service_request_id"])
    near = offset(memorial["point"], 60, 40)  # 40 m from the first pin
    far = offset(memorial["point"], 60, 70)  # 70 m
    offered = anon_client.get(f"/reports/nearby.json?lat={near[1]}&long={near[0]}&lang=en").json()["reports"]
    assert [r["id"] for r in offered] == [rid]
    assert offered[0]["status_label"] == "Reported" and 38 < offered[0]["distance_m"] < 42
    assert offered[0]["title"].startswith("Litter and cleanliness · 关注测试纪念碑")
    assert anon_client.get(f"/reports/nearby.json?lat={far[1]}&long={far[0]}").json()["reports"] == []

    answer = anon_client.post(f"/reports/{rid}/follow", headers={"Accept": "application/json"})
    assert answer.status_code == 201 and answer.headers["referrer-policy"] == "no-referrer"
    token = answer.json()["follow_url"].rsplit("/", 1)[1]
    assert len(token) >= 32
    plain = anon_client.post(f"/reports/{rid}/follow?lang=en", follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"].startswith("/reports/follow/")
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT token_hash, role FROM report_followers WHERE work_order_id = :id ORDER BY id"),
            {"id": rid},
        ).all()
        counts = follower_counts(conn, [rid])
    assert [r.role for r in stored] == ["reporter", "follower", "follower"]
    assert follow_hash(token) in {r.token_hash for r in stored} and token not in repr(stored)
    assert counts == {rid: 2}  # the two "+1"s; the reporter is not counted
    assert (
        anon_client.get(f"/reports/nearby.json?lat={near[1]}&long={near[0]}").json()["reports"][0][
            "followers"
        ]
        == 2
    )

    # staff triaging it see the "+1"s as a number (the moderation page's reports in triage)
    staff, _ = signed_in_client(app, engine, "report-follow-admin", STAFF_PASSWORD, "admin", "450329")
    queue = staff.get("/staff/moderation").text
    item = queue[queue.index(f'href="/reports/{rid}"') :].split("</dl>")[0]  # this report's facts
    assert '<dd data-field="followers">+2</dd>' in item

    # once closed, a report is no longer offered
    current = client.get(f"/api/v1/work-orders/{rid}").json()
    version = current.get("version", (current.get("properties") or {}).get("version"))
    moved = client.post(f"/api/v1/work-orders/{rid}/transitions", json={"to": "rejected", "version": version})
    assert moved.status_code == 200, moved.text
    assert anon_client.get(f"/reports/nearby.json?lat={near[1]}&long={near[0]}").json()["reports"] == []
    unknown = anon_client.post("/reports/999999999/follow", headers={"Accept": "application/json"})
    assert unknown.status_code == 404 and unknown.json()["detail"] == "没有编号为 999999999 的公开问题反映"


def test_the_status_page_shows_map_photos_place_link_and_the_notes_history(
    anon_client: TestClient, client: TestClient, engine: Engine, memorial: dict
) -> None:
    lon, lat = offset(memorial["point"], -30)
    response = anon_client.post(
        OPEN311,
        data={
            "service_code": "sign_damage",
            "lat": f"{lat:.7f}",
            "long": f"{lon:.7f}",
            "description": "保护标志倒了",
        },
        files=[("media", ("sign.png", image(size=(48, 36)), "image/png"))],
        headers={"Authorization": ""},
    )
    rid = int(response.json()[0]["service_request_id"])
    with engine.connect() as conn:
        photo = conn.execute(
            text("SELECT id FROM photos WHERE work_order_id = :id"), {"id": rid}
        ).scalar_one()
    before = anon_client.get(f"/reports/{rid}").text
    assert "暂无公开的照片" in before and f"/api/v1/photos/{photo}" not in before
    assert client.post(f"/api/v1/photos/{photo}/publish").status_code == 200
    add_public_note(client, rid, "已收到，将于本周派人查看。")
    add_public_note(client, rid, "标志已重新立好。")

    page = anon_client.get(f"/reports/{rid}").text
    assert f'<img src="/api/v1/photos/{photo}/thumbnail"' in page
    assert f'<a href="/sites/memorials/{memorial["id"]}" id="place-link">关注测试纪念碑</a>' in page
    history = page[page.index('id="history"') : page.index('id="follow"')]
    assert history.index("已收到，将于本周派人查看。") < history.index("标志已重新立好。")
    assert len(re.findall(r"<time datetime=", history)) == 3  # received, then the two notes
    assert "收到反映" in history
    drawn = json.loads(re.search(r'id="report-config">(.*?)</script>', page).group(1))["status_map"]
    assert abs(drawn["pin"]["lon"] - lon) < 1e-6 and abs(drawn["pin"]["lat"] - lat) < 1e-6
    assert (
        abs(drawn["site"]["lon"] - memorial["point"][0]) < 1e-6 and drawn["site"]["name"] == "关注测试纪念碑"
    )
    assert drawn["boundary"] is None and drawn["tiles"] == []  # a memorial; no basemap chosen
    assert 'data-nav="report"' in page and 'class="site-header"' in page  # the one public header
    english = anon_client.get(f"/reports/{rid}?lang=en").text
    assert "Stage now:" not in english or "Reported" in english
    assert "Notes from the bureau" in english and "标志已重新立好。" in english


def test_the_follow_link_lists_the_updates_since_the_last_visit(
    anon_client: TestClient, client: TestClient, memorial: dict
) -> None:
    filed = _file(anon_client, offset(memorial["point"], 0, -40))
    rid, link = int(filed["service_request_id"]), filed["follow_url"]
    first = anon_client.get(link)
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    assert first.headers["referrer-policy"] == "no-referrer"
    assert "请保存这个链接" in first.text and "自上次查看以来没有新的进展" in first.text
    add_public_note(client, rid, "工作人员已到现场。")
    second = anon_client.get(link).text
    assert "请保存这个链接" not in second
    updates = second[second.index('id="updates"') :]
    assert "工作人员已到现场。" in updates.split("</ol>")[0]
    third = anon_client.get(link + "?lang=en").text
    assert "Nothing new since your last visit." in third
    add_public_note(client, rid, "已清理完毕。")
    fourth = anon_client.get(link).text.split('id="updates"')[1].split("</ol>")[0]
    assert "已清理完毕。" in fourth and "工作人员已到现场。" not in fourth
    wrong = anon_client.get("/reports/follow/" + "x" * 32)
    assert wrong.status_code == 404 and "这个关注链接无效" in wrong.text


def test_refusals_on_a_chinese_page_are_chinese(anon_client: TestClient) -> None:
    for path, expected in (
        ("/reports/999999", "没有编号为 999999 的公开问题反映"),
        ("/reports/abc", "“abc”不是问题反映的编号"),
        ("/report?site=junk", "链接中的地点无效"),
        ("/report?site=stations/1", "只能对纪念设施、烈士陵园或烈士墓反映问题"),
    ):
        response = anon_client.get(path)
        assert response.status_code in (404, 422), path
        main = response.text.split("<main")[1].split(">", 1)[1].split("</main>")[0]
        assert expected in main
        assert not re.search(r"[A-Za-z]{4,}", re.sub(r"<[^>]+>", "", main)), main  # no English words
    refused = anon_client.post(
        OPEN311 + "?lang=zh",
        data={"service_code": "litter", "lat": "31.5", "long": "88.5", "description": "有垃圾"},
        headers={"Authorization": ""},
    ).json()[0]["description"]
    assert refused.startswith("标记点") and not re.search(r"[A-Za-z]{4,}", refused)
