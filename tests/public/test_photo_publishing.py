"""Publishing photos (issue 7): a public damage report's photos stay staff-only until staff of the photo's area
publish them (``POST /api/v1/photos/{id}/publish``, ``/unpublish``); then the public reads the bytes, and the
report's page, the site's page and Open311 show it. Against the real database, through the real app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.auth_helpers import headers_of, staff_accounts
from tests.factories import ZIYUAN_POINT, free_point, image, make_site_at, offset

pytestmark = pytest.mark.usefixtures("atlas_restored")

SITE_NAME = "照片发布测试纪念碑"
OTHER_COUNTY = "450321"  # 阳朔县, not 资源县


@pytest.fixture(scope="module")
def site(client: TestClient, engine: Engine) -> dict:
    """A memorial at a point of 资源县 with no other site within 3 km."""
    with engine.connect() as conn:
        lon, lat = free_point(conn, (ZIYUAN_POINT[0] + 0.05, ZIYUAN_POINT[1] - 0.05))
    made = make_site_at(client, "memorials", (round(lon, 6), round(lat, 6)), name=SITE_NAME)
    return {
        "id": made["id"],
        "point": (round(lon, 6), round(lat, 6)),
        "area": made["properties"]["area_code"],
    }


@pytest.fixture(scope="module")
def staff(engine: Engine, site: dict) -> dict[str, dict[str, str]]:
    """A crew and a planner of the site's county, and a crew of another county: their bearer headers."""
    accounts = staff_accounts(
        engine,
        [
            ("crew", "crew", site["area"]),
            ("planner", "planner", site["area"]),
            ("other", "crew", OTHER_COUNTY),
        ],
        "publish",
    )
    return {key: headers_of(accounts, key) for key in ("crew", "planner", "other")}


@pytest.fixture(scope="module")
def filed(anon_client: TestClient, engine: Engine, site: dict) -> Iterator[dict]:
    """A public report with one photo, filed through Open311: its id, the photo's id and bytes."""
    lon, lat = offset(site["point"], 60)
    photo = image(size=(48, 36))
    response = anon_client.post(
        "/open311/v2/requests.json",
        data={
            "service_code": "sign_damage",
            "lat": f"{lat:.6f}",
            "long": f"{lon:.6f}",
            "description": "标志牌破损",
        },
        files=[("media", ("sign.png", photo, "image/png"))],
        headers={"Authorization": ""},
    )
    assert response.status_code == 200, response.text
    rid = int(response.json()[0]["service_request_id"])
    with engine.connect() as conn:
        photo_id = conn.execute(
            text("SELECT id FROM photos WHERE work_order_id = :id AND stage = 'report'"), {"id": rid}
        ).scalar_one()
    yield {"id": rid, "photo_id": photo_id, "bytes": photo}
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM photos WHERE work_order_id = :id"), {"id": rid})
        conn.execute(text("DELETE FROM work_orders WHERE id = :id"), {"id": rid})


def _public(engine: Engine, photo_id: int) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT public FROM photos WHERE id = :id"), {"id": photo_id}).scalar_one()


def _set(client: TestClient, headers: dict[str, str], photo_id: int, public: bool):
    verb = "publish" if public else "unpublish"
    return client.post(f"/api/v1/photos/{photo_id}/{verb}", headers=headers)


def _seen_by_the_public(anon: TestClient, filed: dict, site: dict) -> dict[str, bool]:
    """Where the public sees the report's photo: its bytes, thumbnail, report page, site page, Open311."""
    pid = filed["photo_id"]
    thumb = f"/api/v1/photos/{pid}/thumbnail"
    media = anon.get(f"/open311/v2/requests/{filed['id']}.json").json()[0]["media_url"]
    return {
        "bytes": anon.get(f"/api/v1/photos/{pid}").status_code == 200,
        "thumbnail": anon.get(thumb).status_code == 200,
        "report page": thumb in anon.get(f"/reports/{filed['id']}").text,
        "site page": thumb in anon.get(f"/sites/memorials/{site['id']}").text,
        "open311": media is not None and media.endswith(f"/api/v1/photos/{pid}"),
    }


def test_an_unpublished_report_photo_is_not_shown_to_the_public(
    anon_client: TestClient, filed: dict, site: dict
) -> None:
    assert not any(_seen_by_the_public(anon_client, filed, site).values())
    refused = anon_client.get(f"/api/v1/photos/{filed['photo_id']}")
    assert refused.status_code == 401 and "请先登录" in refused.json()["detail"]
    assert filed["bytes"] not in refused.content


def test_staff_of_the_area_publish_it_and_the_public_sees_it_everywhere(
    anon_client: TestClient, engine: Engine, filed: dict, site: dict, staff: dict
) -> None:
    response = _set(anon_client, staff["crew"], filed["photo_id"], True)
    assert response.status_code == 200, response.text
    assert response.json()["public"] is True and response.json()["id"] == filed["photo_id"]
    assert _public(engine, filed["photo_id"])
    assert _seen_by_the_public(anon_client, filed, site) == dict.fromkeys(
        ("bytes", "thumbnail", "report page", "site page", "open311"), True
    )
    assert anon_client.get(f"/api/v1/photos/{filed['photo_id']}").content == filed["bytes"]  # as uploaded

    # withdrawn by a planner of the area: hidden again everywhere
    assert _set(anon_client, staff["planner"], filed["photo_id"], False).status_code == 200
    assert not _public(engine, filed["photo_id"])
    assert not any(_seen_by_the_public(anon_client, filed, site).values())

    with engine.connect() as conn:
        actions = conn.execute(
            text(
                "SELECT action, actor, before->>'public', after->>'public' FROM audit_log "
                "WHERE collection = 'photos' AND record_id = :id AND action IN ('publish', 'unpublish') ORDER BY id"
            ),
            {"id": filed["photo_id"]},
        ).all()
    assert [tuple(a) for a in actions] == [
        ("publish", "publish-crew", "false", "true"),
        ("unpublish", "publish-planner", "true", "false"),
    ]


def test_publishing_twice_changes_nothing_more(
    anon_client: TestClient, engine: Engine, filed: dict, staff: dict
) -> None:
    def entries() -> int:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT count(*) FROM audit_log WHERE collection = 'photos' AND record_id = :id"),
                {"id": filed["photo_id"]},
            ).scalar_one()

    assert _set(anon_client, staff["crew"], filed["photo_id"], True).status_code == 200
    before = entries()
    assert _set(anon_client, staff["crew"], filed["photo_id"], True).json()["public"] is True
    assert entries() == before
    assert _set(anon_client, staff["crew"], filed["photo_id"], False).status_code == 200


def test_crew_of_another_area_and_the_anonymous_are_refused(
    anon_client: TestClient, engine: Engine, filed: dict, staff: dict
) -> None:
    pid = filed["photo_id"]
    other = _set(anon_client, staff["other"], pid, True)
    assert other.status_code == 403
    assert OTHER_COUNTY in other.json()["detail"] and "不在您的辖区内" in other.json()["detail"]
    assert _set(anon_client, {}, pid, True).status_code == 401
    assert not _public(engine, pid)
    assert anon_client.get(f"/api/v1/photos/{pid}").status_code == 401


def test_an_unknown_photo_is_404_and_a_bad_id_422(anon_client: TestClient, staff: dict) -> None:
    missing = _set(anon_client, staff["crew"], 999_999_999, True)
    assert missing.status_code == 404 and "999999999" in missing.json()["detail"]
    assert anon_client.post("/api/v1/photos/abc/publish", headers=staff["crew"]).status_code == 422
