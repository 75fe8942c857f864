"""寻亲 pages (issue 20, item 5): the staff list and detail ``/staff/family-requests`` (status filter, notes public and
internal, the version check, the audit) and the requester's follow-up ``/family-search/{reference}`` (nothing shown
without the follow-up code, one sentence for a wrong code or an unknown reference, repeated wrong codes refused)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.public.family_requests import FOLLOW_UP_FAILURES
from geo.settings import Settings
from tests.staff_pages import new_client, signed_in_client

pytestmark = pytest.mark.usefixtures("atlas_restored")

URL = "/api/v1/family-requests"
MAOJIAN = "420302"  # 十堰市茅箭区
ZIYUAN = "450329"  # 桂林市资源县
PASSWORD = "test-family-pages-password"  # test accounts' password, made by the test
CJK = re.compile(r"[\u3400-\u9fff]")
_names = itertools.count(1)


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


def _signed_in(app: FastAPI, engine: Engine, role: str, area: str | None) -> TestClient:
    """A client signed in through /login as a new account of ``role`` in ``area``."""
    return signed_in_client(app, engine, f"family-pages-{role}-{next(_names)}", PASSWORD, role, area)[0]


@pytest.fixture(scope="module")
def planner(app: FastAPI, engine: Engine) -> TestClient:
    """A planner of 茅箭区, signed in."""
    return _signed_in(app, engine, "planner", MAOJIAN)


@pytest.fixture(autouse=True)
def _no_requests_left(engine: Engine) -> Iterator[None]:
    """Each test starts with no family requests and no follow-up attempts."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM family_requests"))
        conn.execute(text("DELETE FROM family_follow_up_attempts"))
    yield


def _file(app: FastAPI, area: str = MAOJIAN, **overrides) -> dict:
    body = {
        "martyr_name": "王德胜",
        "hometown": "湖北省十堰市",
        "hometown_area_code": area,
        "details": "祖父1946年随部队转战，此后音信全无。",
        "requester_name": "王小明",
        "relation": "孙子",
        "contact_phone": "13800138000",
        **overrides,
    }
    answer = new_client(app).post(URL, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _csrf(page: str) -> str:
    return unescape(re.search(r'"csrf": "([^"]+)"', page).group(1))


def _patch(planner: TestClient, rid: int, csrf: str, **body) -> dict:
    answer = planner.patch(f"{URL}/{rid}", json=body, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _visible(html: str) -> str:
    """The page's text, less scripts and tags."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


# -- submission --------------------------------------------------------------------------------------------------


def test_a_request_gets_a_follow_up_code_stored_only_as_a_keyed_hash(app: FastAPI, engine: Engine) -> None:
    answer = _file(app)
    code = answer["follow_up_code"]
    assert re.fullmatch(r"[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}", code)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM family_requests WHERE id = :id"), {"id": answer["id"]}).one()
    assert row.follow_up_hash and len(row.follow_up_hash) == 64
    assert code.replace("-", "") not in str(tuple(row)), "the code itself is not stored"
    assert _file(app)["follow_up_code"] != code


def test_the_form_carries_the_confirmation_with_the_follow_up_address(anon_client: TestClient) -> None:
    page = anon_client.get("/family-search").text
    assert 'id="family-done"' in page and 'data-path="/family-search/{reference}"' in page
    assert "查询码只显示这一次" in page and "查询时需要：登记编号和查询码" in page
    english = anon_client.get("/family-search?lang=en").text
    assert 'data-path="/family-search/{reference}?lang=en"' in english
    assert "You will need the reference and the code" in english


def test_the_form_refusals_are_in_the_page_language(app: FastAPI) -> None:
    body = {"martyr_name": "王德胜", "requester_name": "王小明", "contact_phone": "12345"}
    zh = new_client(app).post(f"{URL}?lang=zh", json=body)
    assert zh.status_code == 422 and zh.json()["detail"].startswith("“12345”不是电话号码")
    en = new_client(app).post(f"{URL}?lang=en", json={**body, "contact_phone": None, "contact_email": "a@b"})
    assert en.status_code == 422 and en.json()["detail"] == (
        "contact_email 'a@b' is not an e-mail address, e.g. name@example.cn"
    )
    long = new_client(app).post(
        f"{URL}?lang=zh", json={**body, "contact_phone": "13800138000", "relation": "亲" * 51}
    )
    assert long.json()["detail"] == "与烈士关系最多 50 个字，现有 51 个字"


# -- the requester's follow-up -------------------------------------------------------------------------------------


def test_the_follow_up_form_shows_nothing_of_the_request(app: FastAPI) -> None:
    filed = _file(app)
    page = new_client(app).get(f"/family-search/{filed['reference']}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text_ = _visible(page.text)
    assert "请输入提交登记 " + filed["reference"] + " 时获得的查询码" in text_
    for secret in ("王德胜", "王小明", "13800138000", "已收到"):
        assert secret not in text_
    assert 'method="post"' in page.text and 'name="code"' in page.text


def test_the_requester_sees_status_and_public_notes_only_with_the_right_code(
    app: FastAPI, planner: TestClient
) -> None:
    filed = _file(app)
    rid = filed["id"]
    csrf = _csrf(planner.get(f"/staff/family-requests/{rid}").text)
    _patch(
        planner,
        rid,
        csrf,
        version=1,
        status="in_progress",
        public_note="已联系东沟烈士陵园核对墓位。",
        internal_note="陵园管理处李主任 0719-8123456",
    )
    requester = new_client(app)
    code = filed["follow_up_code"].lower().replace("-", " ")  # typed in lower case with a space
    seen = requester.post(f"/family-search/{filed['reference']}", data={"code": code})
    assert seen.status_code == 200 and seen.headers["cache-control"] == "no-store"
    text_ = _visible(seen.text)
    assert "查找中" in text_ and "已联系东沟烈士陵园核对墓位。" in text_ and "王德胜" in text_
    for hidden in ("李主任", "0719-8123456", "13800138000", "王小明", "孙子"):
        assert hidden not in text_, hidden

    wrong = new_client(app).post(f"/family-search/{filed['reference']}", data={"code": "AAAA-AAAA"})
    assert wrong.status_code == 403
    text_ = _visible(wrong.text)
    assert "编号和查询码不匹配" in text_
    for hidden in ("王德胜", "查找中", "已联系", "李主任"):
        assert hidden not in text_, hidden
    unknown = new_client(app).post("/family-search/XQ-999999", data={"code": filed["follow_up_code"]})
    assert unknown.status_code == 403 and "编号和查询码不匹配" in _visible(unknown.text), "the same sentence"

    english = new_client(app).post(f"/family-search/{filed['reference']}?lang=en", data={"code": code})
    text_ = _visible(english.text)
    assert "Searching" in text_ and "Replies from staff" in text_
    leftover = CJK.sub(
        "", text_.replace("已联系东沟烈士陵园核对墓位。", "").replace("王德胜", "").replace("中文", "")
    )
    assert leftover == text_.replace("已联系东沟烈士陵园核对墓位。", "").replace("王德胜", "").replace(
        "中文", ""
    ), "no Chinese label on the English page but the data and the language switch"


def test_repeated_wrong_codes_are_refused_for_a_while(app: FastAPI) -> None:
    filed = _file(app)
    path = f"/family-search/{filed['reference']}"
    for n in range(FOLLOW_UP_FAILURES):
        assert new_client(app).post(path, data={"code": f"WRNG-CD{n + 2}"}).status_code == 403
    refused = new_client(app).post(path, data={"code": filed["follow_up_code"]})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "查询码输错次数过多" in _visible(refused.text) and "王德胜" not in _visible(refused.text)


def test_bad_references_and_empty_codes_get_a_sentence(app: FastAPI) -> None:
    c = new_client(app)
    bad = c.get("/family-search/<b>hello")
    assert bad.status_code == 404 and "不是寻亲登记编号" in _visible(bad.text) and "<b>hello" not in bad.text
    filed = _file(app)
    empty = c.post(f"/family-search/{filed['reference']}", data={"code": "  "})
    assert empty.status_code == 422 and "请输入查询码" in _visible(empty.text)
    assert c.get("/family-search/xq-1").status_code == 200, "case and zeros do not matter"
    long = c.post(f"/family-search/{filed['reference']}", data={"code": "A" * 5000})
    assert long.status_code == 403 and "编号和查询码不匹配" in _visible(long.text)
    nothing = c.post(f"/family-search/{filed['reference']}")
    assert nothing.status_code == 422 and "请输入查询码" in _visible(nothing.text)


# -- staff ---------------------------------------------------------------------------------------------------------


def test_staff_list_their_area_by_status(app: FastAPI, engine: Engine, planner: TestClient) -> None:
    mine = _file(app)
    other = _file(app, area=ZIYUAN, martyr_name="李长顺")
    page = planner.get("/staff/family-requests")
    assert page.status_code == 200
    text_ = _visible(page.text)
    assert mine["reference"] in text_ and "王德胜" in text_ and "已收到" in text_
    assert other["reference"] not in text_ and "李长顺" not in text_, "another area's request"
    assert f'href="/staff/family-requests/{mine["id"]}"' in page.text
    assert "13800138000" not in text_, "contacts only on the request's own page"
    searching = planner.get("/staff/family-requests?status=in_progress")
    assert mine["reference"] not in _visible(searching.text) and "没有符合条件的寻亲登记" in _visible(
        searching.text
    )
    assert "未知状态" in _visible(planner.get("/staff/family-requests", params={"status": "x" * 500}).text)
    assert "页码不正确" in _visible(planner.get("/staff/family-requests?offset=-3").text)
    bad = planner.get("/staff/family-requests?status=lost")
    assert bad.status_code == 422 and "未知状态“lost”" in _visible(bad.text)
    opened = planner.get(
        "/staff/family-requests", params={"ref": mine["reference"].lower()}, follow_redirects=False
    )
    assert opened.status_code == 303 and opened.headers["location"] == f"/staff/family-requests/{mine['id']}"
    typo = planner.get("/staff/family-requests", params={"ref": "XQ-00002a"})
    assert typo.status_code == 422 and "“XQ-00002a”不是寻亲登记编号" in _visible(typo.text)
    english = planner.get("/staff/family-requests?lang=en")
    assert "Received" in _visible(english.text) and "Family search requests" in _visible(english.text)


def test_staff_pages_refuse_others_with_a_sentence(app: FastAPI, engine: Engine, planner: TestClient) -> None:
    anonymous = new_client(app).get("/staff/family-requests", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    crew = _signed_in(app, engine, "crew", MAOJIAN)
    refused = crew.get("/staff/family-requests")
    assert refused.status_code == 403 and "维护人员" in _visible(refused.text)
    other = _file(app, area=ZIYUAN)
    outside = planner.get(f"/staff/family-requests/{other['id']}")
    assert outside.status_code == 403 and f"寻亲登记 {other['reference']} 不在您的辖区内" in _visible(
        outside.text
    )
    assert "13800138000" not in outside.text
    missing = planner.get("/staff/family-requests/999999999")
    assert missing.status_code == 404 and "没有编号为 XQ-999999999 的寻亲登记" in _visible(missing.text)
    assert planner.get("/staff/family-requests/abc").status_code == 404


def test_staff_detail_shows_contact_and_notes_and_updates_are_versioned_and_audited(
    app: FastAPI, engine: Engine, planner: TestClient
) -> None:
    filed = _file(app, contact_email="wang@example.cn")
    rid = filed["id"]
    page = planner.get(f"/staff/family-requests/{rid}")
    assert page.status_code == 200
    text_ = _visible(page.text)
    for shown in ("王德胜", "王小明", "13800138000", "wang@example.cn", "暂无备注", "登记人可凭编号和查询码"):
        assert shown in text_, shown
    assert 'src="/static/staff/family.js"' in page.text
    csrf = _csrf(page.text)
    first = _patch(planner, rid, csrf, version=1, public_note="已收到，正在核对。")
    assert first["version"] == 2 and [n["public"] for n in first["notes"]] == [True]
    stale = planner.patch(
        f"{URL}/{rid}", json={"version": 1, "internal_note": "迟到的备注"}, headers={"X-CSRF-Token": csrf}
    )
    assert stale.status_code == 409 and "有人刚修改过" in stale.json()["detail"]
    assert [n["body"] for n in stale.json()["current"]["notes"]] == ["已收到，正在核对。"], (
        "nothing half-written"
    )
    nothing = planner.patch(
        f"{URL}/{rid}", json={"version": 2, "public_note": "  "}, headers={"X-CSRF-Token": csrf}
    )
    assert nothing.status_code == 422 and "请更改状态或填写备注" in nothing.json()["detail"]
    _patch(planner, rid, csrf, version=2, status="found", internal_note="内部：已核实")
    text_ = _visible(planner.get(f"/staff/family-requests/{rid}").text)
    assert "已找到" in text_ and "已收到，正在核对。" in text_ and "内部：已核实" in text_
    assert "公开" in text_ and "内部" in text_
    with engine.connect() as conn:
        audit = (
            conn.execute(
                text(
                    "SELECT after FROM audit_log WHERE collection = 'family_requests' AND record_id = :id ORDER BY id"
                ),
                {"id": rid},
            )
            .scalars()
            .all()
        )
    assert [a.get("notes_added") for a in audit] == [
        [{"public": True, "body": "已收到，正在核对。"}],
        [{"public": False, "body": "内部：已核实"}],
    ]
    assert [a["status"] for a in audit] == ["new", "found"]


def test_the_english_staff_pages_have_no_chinese_label(
    app: FastAPI, engine: Engine, planner: TestClient
) -> None:
    filed = _file(app)
    rid = filed["id"]
    csrf = _csrf(planner.get(f"/staff/family-requests/{rid}").text)
    _patch(
        planner, rid, csrf, version=1, status="in_progress", public_note="公开的话", internal_note="内部的话"
    )
    with engine.connect() as conn:
        names = (
            conn.execute(text("SELECT name FROM areas WHERE :c LIKE code || '%'"), {"c": MAOJIAN})
            .scalars()
            .all()
        )
    data = [
        "王德胜",
        "王小明",
        "孙子",
        "湖北省十堰市",
        "祖父1946年随部队转战，此后音信全无。",
        "公开的话",
        "内部的话",
        "中文",
    ]
    for path in ("/staff/family-requests?lang=en", f"/staff/family-requests/{rid}?lang=en"):
        shown = _visible(planner.get(path).text)
        for value in [*data, *names]:
            shown = shown.replace(value, "")
        assert not CJK.search(shown), (path, CJK.findall(shown)[:10])
    assert "Searching" in _visible(planner.get(f"/staff/family-requests/{rid}?lang=en").text)


def test_staff_issue_a_new_code_and_the_old_one_stops_working(
    app: FastAPI, engine: Engine, planner: TestClient
) -> None:
    filed = _file(app)
    rid, path = filed["id"], f"/family-search/{filed['reference']}"
    csrf = _csrf(planner.get(f"/staff/family-requests/{rid}").text)
    for n in range(FOLLOW_UP_FAILURES - 1):  # wrong codes counted against the request are forgotten
        new_client(app).post(path, data={"code": f"WRNG-CD{n + 2}"})
    url = f"{URL}/{rid}/follow-up-code"
    assert planner.post(url, json={}, headers={"X-CSRF-Token": csrf}).status_code == 428
    assert planner.post(url, json={"version": 9}, headers={"X-CSRF-Token": csrf}).status_code == 409
    issued = planner.post(url, json={"version": 1}, headers={"X-CSRF-Token": csrf})
    assert issued.status_code == 200 and issued.json()["version"] == 2
    new_code = issued.json()["follow_up_code"]
    assert new_code != filed["follow_up_code"]
    assert new_client(app).post(path, data={"code": filed["follow_up_code"]}).status_code == 403
    assert new_client(app).post(path, data={"code": new_code}).status_code == 200
    crew = _signed_in(app, engine, "crew", MAOJIAN)
    assert crew.post(url, json={"version": 2}).status_code in (401, 403)
    with engine.connect() as conn:
        last = (
            conn.execute(
                text(
                    "SELECT after FROM audit_log WHERE collection = 'family_requests' AND record_id = :id ORDER BY id"
                ),
                {"id": rid},
            )
            .scalars()
            .all()[-1]
        )
    assert last == {"version": 2, "follow_up_code": "issued"}, "the audit keeps no code"


def test_a_request_naming_a_county_in_its_hometown_reaches_that_county(
    app: FastAPI, engine: Engine, planner: TestClient
) -> None:
    named = _file(app, area=None, hometown="湖北省十堰市茅箭区东沟村")
    vague = _file(app, area=None, hometown="湖北省十堰市")
    with engine.connect() as conn:
        areas = dict(conn.execute(text("SELECT id, area_code FROM family_requests")).all())
    assert areas[named["id"]] == MAOJIAN and areas[vague["id"]] is None
    shown = _visible(planner.get("/staff/family-requests").text)
    assert named["reference"] in shown and vague["reference"] not in shown
