"""Proxy tribute (代祭扫, issue 22 item 5) over HTTP: the form from a martyr's page, its refusals in Chinese next to
their field (a day past, a martyr with no known grave, a link in the message, too many requests), the private follow
link (a wrong token 404, only after photos of the order once done), and staff of another area who can neither see
nor accept a request."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.public.proxy_tributes import MAX_PER_CLIENT_PER_DAY, today_in_china
from geo.settings import Settings
from tests.factories import image
from tests.staff_pages import new_client, signed_in_client
from web.public.proxy_tribute_pages import qingming

pytestmark = pytest.mark.usefixtures("atlas_restored")

ZIYUAN = "450329"  # 桂林市资源县
MAOJIAN = "420302"  # 十堰市茅箭区
PASSWORD = "test-proxy-tribute-password"
CJK = re.compile(r"[\u3400-\u9fff]")
_names = itertools.count(1)


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


@pytest.fixture(autouse=True)
def _none_left(engine: Engine) -> Iterator[None]:
    """Each test starts with no proxy tribute request."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM proxy_tributes"))
    yield


def buried_martyr(engine: Engine) -> tuple[int, int]:
    """A martyr of 资源县 with a known grave: (martyr id, grave id)."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT m.id, m.grave_id FROM martyrs m JOIN graves g ON g.id = m.grave_id "
                "WHERE g.area_code LIKE :a ORDER BY m.id LIMIT 1"
            ),
            {"a": ZIYUAN + "%"},
        ).one()
    return row.id, row.grave_id


def unburied_martyr(engine: Engine) -> int:
    """A martyr with no known grave."""
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT id FROM martyrs WHERE grave_id IS NULL ORDER BY id LIMIT 1")
        ).scalar_one()


def form(martyr_id: int, **overrides) -> dict:
    """A valid form submission for ``martyr_id``."""
    return {
        "martyr_id": str(martyr_id),
        "requester_name": "李秀兰",
        "relation": "孙女",
        "contact_phone": "13800138000",
        "clean_stone": "1",
        "lay_flowers": "1",
        "wished_on": (today_in_china() + dt.timedelta(days=10)).isoformat(),
        "message": "爷爷，我们都很好，想念您。",
        **overrides,
    }


def field_error(page: str, field: str) -> str:
    """The refusal written next to ``field`` (its text, unescaped)."""
    found = re.search(rf'<p class="[^"]*field-error[^"]*" id="{field}-error">([^<]*)</p>', page)
    assert found, f"no refusal next to {field}"
    return unescape(found.group(1))


def follow_token(page: str) -> str:
    """The private follow token of a confirmation page."""
    return re.search(r'href="/proxy-tribute/follow/([A-Za-z0-9_-]+)"', page).group(1)


def test_the_martyr_page_links_to_the_form_which_names_the_grave(app: FastAPI, engine: Engine) -> None:
    client = new_client(app)
    martyr_id, _ = buried_martyr(engine)
    martyr_page = client.get(f"/martyrs/{martyr_id}").text
    assert f'href="/proxy-tribute?martyr={martyr_id}"' in martyr_page
    page = client.get(f"/proxy-tribute?martyr={martyr_id}")
    assert page.status_code == 200
    assert "烈士之墓" in page.text and 'name="wished_on"' in page.text
    assert f"清明节 {qingming(today_in_china().year + 1).isoformat()}" in page.text or "清明节" in page.text


def test_a_request_is_confirmed_with_a_private_link_and_followed(app: FastAPI, engine: Engine) -> None:
    client = new_client(app)
    martyr_id, grave_id = buried_martyr(engine)
    answer = client.post("/proxy-tribute", data=form(martyr_id))
    assert answer.status_code == 201, answer.text
    assert "委托已收到" in answer.text and "DJ-" in answer.text
    assert answer.headers["cache-control"] == "no-store"
    token = follow_token(answer.text)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT grave_id, area_code, token_hash, status FROM proxy_tributes")).one()
    assert row.grave_id == grave_id and row.area_code.startswith(ZIYUAN) and row.status == "received"
    assert token not in row.token_hash  # only the hash is kept
    followed = client.get(f"/proxy-tribute/follow/{token}")
    assert followed.status_code == 200
    assert "已收到，等待工作人员处理" in followed.text and "爷爷，我们都很好" in followed.text


def test_a_wrong_token_is_404(app: FastAPI) -> None:
    answer = new_client(app).get("/proxy-tribute/follow/" + "A" * 32)
    assert answer.status_code == 404
    assert "这个链接不对或已失效" in answer.text
    assert new_client(app).get("/proxy-tribute/follow/" + "A" * 32 + "/photos/1").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "sentence"),
    [
        ({"wished_on": "2020-04-04"}, "wished_on", "已经过去了"),
        ({"wished_on": (today_in_china() + dt.timedelta(days=400)).isoformat()}, "wished_on", "一年以内"),
        ({"message": "详情请看 www.example.com 谢谢"}, "message", "不能包含网址或链接"),
        ({"contact_phone": "", "contact_email": ""}, "contact_phone", "请留下电话或电子邮箱"),
        ({"clean_stone": "", "lay_flowers": ""}, "tasks", "请至少选择一项"),
        ({"requester_name": "  "}, "requester_name", "请填写您的姓名"),
    ],
)
def test_refusals_are_chinese_sentences_next_to_their_field(
    app: FastAPI, engine: Engine, overrides: dict, field: str, sentence: str
) -> None:
    martyr_id, _ = buried_martyr(engine)
    answer = new_client(app).post("/proxy-tribute", data=form(martyr_id, **overrides))
    assert answer.status_code == 422
    said = field_error(answer.text, field)
    assert sentence in said and CJK.search(said)
    assert 'aria-invalid="true"' in answer.text or field == "tasks"
    assert "李秀兰" in answer.text or field == "requester_name"  # what was typed is kept
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM proxy_tributes")).scalar_one() == 0


def test_a_martyr_with_no_known_grave_is_refused_with_a_sentence(app: FastAPI, engine: Engine) -> None:
    martyr_id = unburied_martyr(engine)
    client = new_client(app)
    page = client.get(f"/proxy-tribute?martyr={martyr_id}")
    assert "安葬地点尚不清楚，暂时无法代祭扫" in page.text
    assert 'name="wished_on"' not in page.text
    posted = client.post("/proxy-tribute", data=form(martyr_id))
    assert posted.status_code == 422 and "安葬地点尚不清楚" in posted.text
    assert client.get("/proxy-tribute?martyr=999999999").status_code == 404


def test_too_many_requests_from_one_place(app: FastAPI, engine: Engine) -> None:
    client = new_client(app)
    martyr_id, _ = buried_martyr(engine)
    for _ in range(MAX_PER_CLIENT_PER_DAY):
        assert client.post("/proxy-tribute", data=form(martyr_id)).status_code == 201
    answer = client.post("/proxy-tribute", data=form(martyr_id))
    assert answer.status_code == 429
    assert f"一天最多提交 {MAX_PER_CLIENT_PER_DAY} 件" in field_error(answer.text, "form")


def _csrf(page: str) -> str:
    return unescape(re.search(r'name="csrf" value="([^"]+)"', page).group(1))


def test_staff_of_the_area_accept_and_others_cannot_see_or_accept(app: FastAPI, engine: Engine) -> None:
    martyr_id, grave_id = buried_martyr(engine)
    token = follow_token(new_client(app).post("/proxy-tribute", data=form(martyr_id)).text)
    with engine.connect() as conn:
        rid = conn.execute(text("SELECT id FROM proxy_tributes")).scalar_one()
    other = signed_in_client(app, engine, f"proxy-other-{next(_names)}", PASSWORD, "planner", MAOJIAN)[0]
    page = other.get("/staff/moderation")
    assert (
        page.status_code == 200 and f"proxy-{rid}" not in page.text and "没有待处理的代祭扫委托" in page.text
    )
    refused = other.post(f"/staff/moderation/proxy-tributes/{rid}/accept", data={"csrf": _csrf_of(page.text)})
    assert refused.status_code == 403
    said = unescape(re.search(r'<p class="refusal" role="alert">([^<]*)</p>', refused.text).group(1))
    assert CJK.search(said) and not re.search(r"[A-Za-z]{4,} [A-Za-z]{3,}", said), said
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM proxy_tributes")).scalar_one() == "received"
    mine, _ = signed_in_client(app, engine, f"proxy-mine-{next(_names)}", PASSWORD, "planner", ZIYUAN)
    page = mine.get("/staff/moderation")
    assert f'id="proxy-{rid}"' in page.text and "13800138000" in page.text and "爷爷，我们都很好" in page.text
    no_csrf = mine.post(f"/staff/moderation/proxy-tributes/{rid}/accept", data={"csrf": "nope"})
    assert no_csrf.status_code == 403
    accepted = mine.post(
        f"/staff/moderation/proxy-tributes/{rid}/accept",
        data={"csrf": _csrf(page.text)},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    after = mine.get(accepted.headers["location"])
    assert "已受理，工单" in after.text and f'id="proxy-{rid}"' not in after.text
    with engine.connect() as conn:
        order = conn.execute(
            text(
                "SELECT w.kind, w.collection, w.site_id, w.due_on, w.status, w.description FROM proxy_tributes p "
                "JOIN work_orders w ON w.id = p.work_order_id"
            )
        ).one()
    assert (order.kind, order.collection, order.site_id, order.status) == (
        "proxy_tribute",
        "graves",
        grave_id,
        "triaged",
    )
    assert "清扫墓碑、敬献鲜花" in order.description and "爷爷，我们都很好" in order.description
    followed = new_client(app).get(f"/proxy-tribute/follow/{token}").text
    assert "已受理，计划于 " + order.due_on.isoformat() + " 祭扫" in followed


def _csrf_of(page: str) -> str:
    return unescape(re.search(r'"csrf": "([^"]+)"', page).group(1))


def test_a_declined_request_tells_the_family_why(app: FastAPI, engine: Engine) -> None:
    martyr_id, _ = buried_martyr(engine)
    token = follow_token(new_client(app).post("/proxy-tribute", data=form(martyr_id)).text)
    mine, _ = signed_in_client(app, engine, f"proxy-decl-{next(_names)}", PASSWORD, "planner", ZIYUAN)
    page = mine.get("/staff/moderation").text
    with engine.connect() as conn:
        rid = conn.execute(text("SELECT id FROM proxy_tributes")).scalar_one()
    empty = mine.post(
        f"/staff/moderation/proxy-tributes/{rid}/decline", data={"csrf": _csrf(page), "reason": " "}
    )
    assert empty.status_code == 422 and "请写明不受理的原因" in empty.text
    said = "该墓园清明期间封园修缮，请改选五月以后的日期。"
    answer = mine.post(
        f"/staff/moderation/proxy-tributes/{rid}/decline", data={"csrf": _csrf(page), "reason": said}
    )
    assert answer.status_code == 200  # followed to the page
    followed = new_client(app).get(f"/proxy-tribute/follow/{token}").text
    assert "未能受理" in followed and said in followed


def test_the_follow_link_serves_only_the_after_photos_of_its_own_done_order(
    app: FastAPI, engine: Engine, client: TestClient
) -> None:
    martyr_id, grave_id = buried_martyr(engine)
    token = follow_token(new_client(app).post("/proxy-tribute", data=form(martyr_id)).text)
    mine, _ = signed_in_client(app, engine, f"proxy-photo-{next(_names)}", PASSWORD, "planner", ZIYUAN)
    page = mine.get("/staff/moderation").text
    with engine.connect() as conn:
        rid = conn.execute(text("SELECT id FROM proxy_tributes")).scalar_one()
    mine.post(f"/staff/moderation/proxy-tributes/{rid}/accept", data={"csrf": _csrf(page)})
    with engine.connect() as conn:
        order_id = conn.execute(text("SELECT work_order_id FROM proxy_tributes")).scalar_one()
    png = ("after.png", image(size=(64, 48), colour=(30, 120, 30)), "image/png")
    before = client.post(
        f"/api/v1/work-orders/{order_id}/photos", data={"stage": "before"}, files={"file": png}
    )
    after = client.post(
        f"/api/v1/work-orders/{order_id}/photos", data={"stage": "after"}, files={"file": png}
    )
    assert before.status_code == 201 and after.status_code == 201, after.text
    other = client.post(
        "/api/v1/work-orders", json={"collection": "graves", "site_id": grave_id, "title": "别的工单"}
    ).json()
    foreign = client.post(
        f"/api/v1/work-orders/{other['id']}/photos", data={"stage": "after"}, files={"file": png}
    )
    assert foreign.status_code == 201
    family = new_client(app)
    base = f"/proxy-tribute/follow/{token}/photos/"
    assert family.get(f"{base}{after.json()['id']}").status_code == 404  # not done yet
    for version, to in ((3, "in_progress"), (4, "done")):
        body = {"to": to, "version": version}
        if to == "in_progress":
            moved = client.post(
                f"/api/v1/work-orders/{order_id}/transitions",
                json={"to": "assigned", "version": 2, "assigned_to": admin_id(engine)},
            )
            assert moved.status_code == 200, moved.text
        moved = client.post(f"/api/v1/work-orders/{order_id}/transitions", json=body)
        assert moved.status_code == 200, moved.text
    shown = family.get(f"{base}{after.json()['id']}")
    assert shown.status_code == 200 and shown.headers["content-type"].startswith("image/")
    assert family.get(f"{base}{after.json()['id']}/thumbnail").status_code == 200
    assert family.get(f"{base}{before.json()['id']}").status_code == 404  # a before photo
    assert family.get(f"{base}{foreign.json()['id']}").status_code == 404  # another order's photo
    followed = family.get(f"/proxy-tribute/follow/{token}").text
    assert "完成祭扫" in followed and f"{base}{after.json()['id']}/thumbnail" in followed


def admin_id(engine: Engine) -> int:
    """The id of a whole-atlas admin account (work orders may be assigned to admins)."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT id FROM accounts WHERE role = 'admin' AND area_code IS NULL AND NOT disabled LIMIT 1"
            )
        ).scalar_one()


def test_the_json_api_files_a_request_and_refuses_in_chinese(app: FastAPI, engine: Engine) -> None:
    martyr_id, _ = buried_martyr(engine)
    body = {k: v for k, v in form(martyr_id).items() if k not in ("clean_stone", "lay_flowers", "martyr_id")}
    body.update(martyr_id=martyr_id, lay_flowers=True)
    made = new_client(app).post("/api/v1/proxy-tributes", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["reference"].startswith("DJ-") and made.json()["follow_url"].startswith(
        "/proxy-tribute/"
    )
    past = new_client(app).post("/api/v1/proxy-tributes", json={**body, "wished_on": "2020-04-04"})
    assert past.status_code == 422 and "已经过去了" in past.text


def test_a_grave_page_links_to_the_form(app: FastAPI, engine: Engine) -> None:
    _, grave_id = buried_martyr(engine)
    page = new_client(app).get(f"/sites/graves/{grave_id}").text
    assert f'href="/proxy-tribute?grave={grave_id}"' in page
