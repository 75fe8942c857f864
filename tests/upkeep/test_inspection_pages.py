"""The inspection pages (issue 20, item 2): /staff/inspections (filters, paging, refusals next to the field), one
inspection (scores with their meaning, checklist, notes, photos, position), a site's history with its condition
over time, and the upkeep map /upkeep in the staff frame for a signed-in account."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine

from api.app import create_app
from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import create_account
from geo.settings import Settings
from tests.factories import make_site, make_site_at

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"  # 资源县
OTHER_POINT = (108.5227, 22.9622)  # inside 兴宁区 (450102)
PASSWORD = "test-inspection-pages-password"
_addresses = itertools.count(1)


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


def _signed_in(app: FastAPI, engine: Engine, name: str, role: str, area: str | None) -> TestClient:
    """A client signed in through /login as a new account, with the CSRF header for API writes."""
    with engine.begin() as conn:
        create_account(conn, CLI_ACTOR, name, PASSWORD, role, area)
    c = TestClient(app, client=(f"10.81.{next(_addresses)}.1", 40000))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    answer = c.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": csrf, "next": "/staff/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/staff/").text).group(1)
    c.headers["X-CSRF-Token"] = token
    return c


@pytest.fixture(scope="module")
def people(app: FastAPI, engine: Engine) -> dict[str, TestClient]:
    """A planner and a crew of 资源县 and a planner of 兴宁区, signed in."""
    return {
        "crew": _signed_in(app, engine, "insp-pages-crew", "crew", COUNTY),
        "planner": _signed_in(app, engine, "insp-pages-planner", "planner", COUNTY),
        "other": _signed_in(app, engine, "insp-pages-other", "planner", "450102"),
    }


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def inspected(people: dict[str, TestClient], client: TestClient) -> dict:
    """A memorial of 资源县 inspected twice by its crew (the second with notes, position and a photo)."""
    planner = people["crew"]
    memorial = make_site(client, "memorials", name="巡查页测试纪念碑")
    url = f"/api/v1/memorials/{memorial['id']}/inspections"
    first = planner.post(
        url, json={"scores": {"monument": 1, "paths": 2}, "inspected_at": "2026-01-10T09:00:00+08:00"}
    )
    assert first.status_code == 201, first.text
    lon, lat = memorial["geometry"]["coordinates"]
    second = planner.post(
        url,
        json={
            "scores": {"monument": 4, "paths": 3, "greenery": 4},
            "checklist": {"infrastructure_complete": True, "protection_good": True},
            "notes": "碑体已修复 <b>完好</b>",
            "position": {"lon": lon + 0.0003, "lat": lat, "accuracy_m": 12},
        },
    )
    assert second.status_code == 201, second.text
    photo = planner.post(
        f"{url}/{second.json()['id']}/photos", files={"file": ("p.jpg", _jpeg(), "image/jpeg")}
    )
    assert photo.status_code == 201, photo.text
    return {"memorial": memorial, "first": first.json(), "second": second.json(), "photo": photo.json()}


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-inspection="(\d+)">', html)


def test_list_is_newest_first_and_filters_by_site_name(
    people: dict[str, TestClient], inspected: dict
) -> None:
    planner = people["planner"]
    page = planner.get("/staff/inspections", params={"site": "巡查页测试"})
    assert page.status_code == 200
    assert _rows(page.text) == [str(inspected["second"]["id"]), str(inspected["first"]["id"])]
    assert 'aria-current="page">巡查记录<' in page.text
    assert "共 2 条" in page.text
    memorial = inspected["memorial"]["id"]
    href = f"/staff/inspections/memorials/{memorial}/{inspected['second']['id']}"
    assert href in page.text
    low = planner.get("/staff/inspections", params={"site": "巡查页测试", "max_index": "50"})
    assert _rows(low.text) == [str(inspected["first"]["id"])]
    dated = planner.get("/staff/inspections", params={"site": "巡查页测试", "until": "2026-01-31"})
    assert _rows(dated.text) == [str(inspected["first"]["id"])]
    by_crew = planner.get("/staff/inspections", params={"inspector": "insp-pages-crew"})
    assert _rows(by_crew.text) == [str(inspected["second"]["id"]), str(inspected["first"]["id"])]
    everyone = planner.get("/staff/inspections")
    assert everyone.status_code == 200 and len(_rows(everyone.text)) == 25  # the demo's, paged
    assert 'rel="next"' in everyone.text


def test_bad_filters_answer_next_to_the_field_in_the_page_language(people: dict[str, TestClient]) -> None:
    planner = people["planner"]
    page = planner.get("/staff/inspections", params={"since": "2026-13-40", "min_index": "120"})
    assert page.status_code == 400
    assert 'id="f-since-error">请填写日期' in page.text
    assert 'id="f-min_index-error">请填写 0 到 100 之间的整数' in page.text
    en = planner.get(
        "/staff/inspections", params={"since": "2026-05-01", "until": "2026-04-01", "lang": "en"}
    )
    assert en.status_code == 400
    assert 'id="f-until-error">The end date cannot be before the start date.' in en.text


def test_another_area_sees_none_of_mine_and_is_refused_the_record(
    people: dict[str, TestClient], inspected: dict
) -> None:
    other = people["other"]
    assert _rows(other.get("/staff/inspections", params={"site": "巡查页测试"}).text) == []
    memorial = inspected["memorial"]["id"]
    refused = other.get(f"/staff/inspections/memorials/{memorial}/{inspected['second']['id']}")
    assert (
        refused.status_code == 403 and 'class="refusal" role="alert">这条记录不在您的辖区内。' in refused.text
    )
    missing = people["planner"].get(f"/staff/inspections/memorials/{memorial}/999999999")
    assert missing.status_code == 404 and 'role="alert">找不到这条巡查记录。' in missing.text
    station = people["planner"].get("/staff/inspections/stations/1", params={"lang": "en"})
    assert station.status_code == 404 and 'role="alert">There is no such site.' in station.text


def test_one_inspection_shows_scores_checklist_notes_photo_and_position(
    people: dict[str, TestClient], inspected: dict
) -> None:
    memorial = inspected["memorial"]["id"]
    page = people["planner"].get(f"/staff/inspections/memorials/{memorial}/{inspected['second']['id']}")
    assert page.status_code == 200
    html = page.text
    assert '<tr data-category="monument">' in html and "完好如新" in html and "不适用" in html
    assert re.search(r'data-item="infrastructure_complete">.*?<strong>符合</strong>', html)
    assert re.search(r'data-item="function_effective">.*?<strong>不符合</strong>', html)
    assert "碑体已修复 &lt;b&gt;完好&lt;/b&gt;" in html  # escaped
    assert f'src="/api/v1/photos/{inspected["photo"]["id"]}/thumbnail"' in html
    assert "精度约 12 米" in html
    away = int(re.search(r"距点位约 (\d+) 米", html).group(1))
    assert 25 <= away <= 35  # 0.0003° of longitude at about 26°N
    new_order = f"/staff/work-orders/new?collection=memorials&amp;site={memorial}&amp;inspection={inspected['second']['id']}"
    assert new_order in html and "据此巡查创建工单" in html
    opened = people["planner"].get(unescape(new_order))
    assert opened.status_code == 200 and "巡查页测试纪念碑" in opened.text  # the order's form, for this site
    thumb = people["planner"].get(f"/api/v1/photos/{inspected['photo']['id']}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    en = people["planner"].get(
        f"/staff/inspections/memorials/{memorial}/{inspected['second']['id']}", params={"lang": "en"}
    )
    assert "Good as new" in en.text and "Does not apply" in en.text and "accurate to about 12 m" in en.text


def test_history_draws_the_condition_index_over_time(people: dict[str, TestClient], inspected: dict) -> None:
    memorial = inspected["memorial"]["id"]
    page = people["planner"].get(f"/staff/inspections/memorials/{memorial}")
    assert page.status_code == 200
    points = re.search(r'<polyline points="([^"]+)"', page.text).group(1).split()
    assert len(points) == 2
    (x1, y1), (x2, y2) = (tuple(map(float, p.split(","))) for p in points)
    assert x1 < x2 and y2 < y1  # later and better: to the right and higher
    first, second = inspected["first"]["condition_index"], inspected["second"]["condition_index"]
    assert f"状况指数从 {first} 到 {second}" in unescape(page.text)
    assert _rows(page.text) == [str(inspected["second"]["id"]), str(inspected["first"]["id"])]
    assert re.findall(r'data-label="照片">(\d+)</td>', page.text) == ["1", "0"]


def test_a_site_outside_my_area_has_no_history_for_me(
    people: dict[str, TestClient], client: TestClient
) -> None:
    far = make_site_at(client, "memorials", OTHER_POINT, name="兴宁区巡查页纪念碑")
    page = people["planner"].get(f"/staff/inspections/memorials/{far['id']}")
    assert page.status_code == 403 and 'role="alert">这条记录不在您的辖区内。' in page.text


def test_upkeep_map_opens_in_the_staff_frame_when_signed_in(people: dict[str, TestClient]) -> None:
    page = people["planner"].get("/upkeep", params={"area": COUNTY})
    assert page.status_code == 200
    assert '<header class="staff-header">' in page.text
    assert 'aria-current="page">养护地图<' in page.text
    assert "/static/staff/frame.css" in page.text
    assert "vetmap-coverage-header" in page.text  # the map's own title and year form follow the frame
    other = people["planner"].get("/upkeep", params={"area": "450102"})
    assert other.status_code == 403 and '<header class="staff-header">' in other.text
    assert 'role="alert">这个区域不在您的辖区内。' in other.text
    unknown = people["planner"].get("/upkeep", params={"area": "450329098", "lang": "en"})
    assert unknown.status_code == 404 and 'role="alert">There is no area with this code.' in unknown.text


CJK = re.compile(r"[\u3400-\u9fff]")


def _labels_only(html: str) -> str:
    """The page less its data (site names, inspectors' names, notes) and the language switch."""
    html = re.sub(r"<tbody>.*?</tbody>", "", html, flags=re.S)
    html = re.sub(r'<select id="f-inspector".*?</select>', "", html, flags=re.S)
    html = re.sub(r'<p class="notes">.*?</p>', "", html, flags=re.S)
    html = re.sub(r"<title>.*?</title>|<h1>.*?</h1>|<p class=\"crumbs\">.*?</p>", "", html, flags=re.S)
    html = re.sub(r'<script[^>]*type="application/json".*?</script>', "", html, flags=re.S)
    html = re.sub(r'<li><i class="key-site".*?</li>', "", html, flags=re.S)
    return html.replace(">中文<", "><").replace("资源县", "")  # the area's name is data too


def test_english_pages_carry_no_chinese_label(people: dict[str, TestClient], inspected: dict) -> None:
    planner = people["planner"]
    memorial = inspected["memorial"]["id"]
    for path in (
        "/staff/inspections",
        f"/staff/inspections/memorials/{memorial}",
        f"/staff/inspections/memorials/{memorial}/{inspected['second']['id']}",
        "/staff/schedule",
    ):
        page = planner.get(path, params={"lang": "en"})
        assert page.status_code == 200, path
        left = CJK.findall(_labels_only(page.text))
        assert left == [], (path, "".join(left)[:80])
