"""Work-order pages over HTTP (issue 20, items 1 and 7): the board by state with its filters and counts, an order's
page with the steps this account may take (and a sentence for each it may not), the new-order page from a site or
an inspection, refusals in the page's language next to what caused them, and the API's keyed refusals."""

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
from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import create_account
from geo.settings import Settings
from tests.factories import make_site, make_site_at

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"  # 资源县
OTHER_POINT = (108.5227, 22.9622)  # inside 兴宁区 (450102)
PASSWORD = "test-work-order-pages-password"
CJK = re.compile(r"[\u3400-\u9fff]")
_addresses = itertools.count(1)


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


def _signed_in(
    app: FastAPI, engine: Engine, name: str, role: str, area: str | None
) -> tuple[TestClient, int]:
    """A client signed in through /login as a new account, and the account's id."""
    with engine.begin() as conn:
        account = create_account(conn, CLI_ACTOR, name, PASSWORD, role, area)
    c = TestClient(app, client=(f"10.79.{next(_addresses)}.1", 40000))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    answer = c.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": csrf, "next": "/staff/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    c.headers["X-CSRF-Token"] = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/staff/").text).group(
        1
    )
    return c, account.id


@pytest.fixture(scope="module")
def people(app: FastAPI, engine: Engine) -> dict[str, tuple[TestClient, int]]:
    """A planner, two crews and an admin of 资源县, a planner of 兴宁区, signed in."""
    return {
        "planner": _signed_in(app, engine, "wo-pages-planner", "planner", COUNTY),
        "crew": _signed_in(app, engine, "wo-pages-crew", "crew", COUNTY),
        "crew2": _signed_in(app, engine, "wo-pages-crew2", "crew", COUNTY),
        "other": _signed_in(app, engine, "wo-pages-other", "planner", "450102"),
    }


@pytest.fixture(scope="module")
def memorial(client: TestClient) -> dict:
    return make_site(client, "memorials", name="工单页测试纪念碑")


@pytest.fixture(scope="module")
def far_memorial(client: TestClient) -> dict:
    return make_site_at(client, "memorials", OTHER_POINT, name="兴宁区工单页纪念碑")


def _order(client: TestClient, site: dict, **extra) -> dict:
    body = {"collection": "memorials", "site_id": site["id"], "title": "碑座裂缝", **extra}
    answer = client.post("/api/v1/work-orders", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _move(c: TestClient, order_id: int, to: str, **extra) -> dict:
    version = c.get(f"/api/v1/work-orders/{order_id}").json()["version"]
    answer = c.post(
        f"/api/v1/work-orders/{order_id}/transitions",
        json={"to": to, **extra},
        headers={"If-Match": f'W/"{version}"'},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def _column(html: str, state: str) -> str:
    found = re.search(rf'<section class="column state-{state}" data-state="{state}".*?</section>', html, re.S)
    assert found, state
    return found.group(0)


def _count(html: str, state: str) -> int:
    return int(
        re.search(
            rf'<li class="state-{state}" data-state="{state}">.*?<span class="n">(\d+)</span>', html
        ).group(1)
    )


def _steps(html: str) -> list[str]:
    return re.findall(r'<form class="step" data-to="([a-z_]+)"', html)


def _refusals(html: str) -> list[str]:
    block = re.search(r'<ul class="refusals" id="refusals">(.*?)</ul>', html, re.S)
    return [unescape(x) for x in re.findall(r"<li>(.*?)</li>", block.group(1))] if block else []


def test_the_board_lists_orders_of_my_area_by_state_with_the_counts_of_the_api(
    people, client, memorial, far_memorial
):
    planner, _ = people["planner"]
    mine = _order(client, memorial, title="围栏倒塌 board", priority="urgent", due_on="2020-01-02")
    theirs = _order(client, far_memorial, title="兴宁区的工单 board")
    _move(client, mine["id"], "triaged")
    page = planner.get("/staff/work-orders")
    assert page.status_code == 200
    html = page.text
    assert f'data-order="{mine["id"]}"' in _column(html, "triaged")
    assert f'data-order="{mine["id"]}"' not in _column(html, "reported")
    assert f'data-order="{theirs["id"]}"' not in html  # outside 资源县
    card = re.search(rf'<li class="card[^"]*" data-order="{mine["id"]}">.*?</li>', html, re.S).group(0)
    assert "is-overdue" in card and "紧急" in card and "逾期" in card and "期限 2020-01-02" in card
    for state in (
        "reported",
        "triaged",
        "assigned",
        "in_progress",
        "done",
        "verified",
        "rejected",
        "duplicate",
    ):
        listed = planner.get("/api/v1/work-orders", params={"status": state, "limit": 1}).json()[
            "numberMatched"
        ]
        assert _count(html, state) == listed, state
    assert "共 " in html and "个工单" in html


def test_the_board_filters_by_site_overdue_priority_and_source(people, client, memorial):
    planner, _ = people["planner"]
    urgent = _order(client, memorial, title="filter urgent", priority="urgent", due_on="2020-01-01")
    calm = _order(client, memorial, title="filter calm", priority="low")
    site = f"collection=memorials&site={memorial['id']}"
    html = planner.get(f"/staff/work-orders?{site}").text
    assert f'data-order="{urgent["id"]}"' in html and f'data-order="{calm["id"]}"' in html
    assert "只看此处：工单页测试纪念碑" in unescape(html)
    assert f'href="/staff/work-orders/new?collection=memorials&amp;site={memorial["id"]}"' in html
    html = planner.get(f"/staff/work-orders?{site}&overdue=1").text
    assert f'data-order="{urgent["id"]}"' in html and f'data-order="{calm["id"]}"' not in html
    html = planner.get(f"/staff/work-orders?{site}&priority=low").text
    assert f'data-order="{calm["id"]}"' in html and f'data-order="{urgent["id"]}"' not in html
    html = planner.get(f"/staff/work-orders?{site}&source=public").text
    assert f'data-order="{calm["id"]}"' not in html and f'data-order="{urgent["id"]}"' not in html
    html = planner.get(f"/staff/work-orders?{site}&source=staff&view=map").text
    data = re.search(r'<script [^>]*id="wo-map-data">(.*?)</script>', html, re.S).group(1)
    assert f'"id": {calm["id"]}' in data.replace('"id":', '"id": ').replace("  ", " ")
    assert '"outline": {' in data.replace('"outline":{', '"outline": {')


def test_bad_filters_are_named_next_to_their_field_and_the_rest_applies(people):
    planner, _ = people["planner"]
    page = planner.get("/staff/work-orders?kind=painting&priority=high&area=450102&site=abc")
    assert page.status_code == 422
    html = unescape(page.text)
    assert '<p class="field-error" id="f-kind-error">没有“painting”这种类型。</p>' in html
    assert '<p class="field-error" id="f-area-error">区域 450102 不在您负责的 450329 内。</p>' in html
    assert "地点编号“abc”不是正整数。" in html
    assert re.search(r'<option value="high" selected>', html)
    english = unescape(planner.get("/staff/work-orders?kind=painting&lang=en").text)
    assert "There is no kind 'painting'." in english


def test_the_english_board_has_no_chinese_label(people):
    planner, _ = people["planner"]
    html = planner.get("/staff/work-orders?lang=en").text
    labels = re.findall(r"<(?:h1|h2|label|summary|button|th|a class=\"button[^\"]*\")[^>]*>([^<]+)<", html)
    labels += re.findall(r'<span class="label">([^<]+)</span>', html)
    assert labels and not [x for x in labels if CJK.search(x)]
    assert "Work orders" in html and "Overdue only" in html


def test_the_english_order_page_has_no_chinese_label(people, client, memorial):
    planner, _ = people["planner"]
    order = _order(client, memorial, title="english", cost_estimate="5")
    html = planner.get(f"/staff/work-orders/{order['id']}?lang=en").text
    main = html[html.index("<main>") :]
    labels = re.findall(r"<(?:h1|h2|h3|dt|label|summary|button|legend|li)[^>]*>([^<]+)<", main)
    labels += re.findall(r'<p class="(?:hint|final)"[^>]*>([^<]+)<', main)
    assert labels and not [x for x in labels if CJK.search(x)]
    assert "Triage" in html and "¥5.00" in html and "Before and after photos" in html
    assert '"lang": "en"' in html


def test_an_order_page_offers_the_steps_of_the_role_and_says_why_not_the_others(people, client, memorial):
    planner, _ = people["planner"]
    crew, crew_id = people["crew"]
    crew2, _ = people["crew2"]
    order = _order(client, memorial, title="steps", cost_estimate="120.50")
    html = planner.get(f"/staff/work-orders/{order['id']}").text
    assert _steps(html) == ["triaged", "duplicate", "rejected"]
    assert "¥" not in html and "120.50 元" in html
    assert "工单页测试纪念碑" in html and f'href="/staff/sites/memorials/{memorial["id"]}"' in html
    assert _refusals(crew.get(f"/staff/work-orders/{order['id']}").text) == [
        "受理（分拣）：须由规划人员或管理员操作。",
        "标为重复：须由规划人员或管理员操作。",
        "驳回：须由规划人员或管理员操作。",
    ]
    twin = _order(client, memorial, title="steps twin")
    html = planner.get(f"/staff/work-orders/{order['id']}").text
    assert f'<option value="{twin["id"]}">#{twin["id"]} steps twin · 已上报 · 同一地点</option>' in html
    _move(planner, order["id"], "triaged", note="属实")
    html = planner.get(f"/staff/work-orders/{order['id']}").text
    assert _steps(html) == ["assigned", "duplicate", "rejected"]
    assert f'value="{crew_id}">wo-pages-crew · 维护人员 (450329)' in html
    _move(planner, order["id"], "assigned", assigned_to=crew_id)
    assert _steps(crew.get(f"/staff/work-orders/{order['id']}").text) == ["in_progress"]
    assert _refusals(crew2.get(f"/staff/work-orders/{order['id']}").text)[0] == (
        "开始施工：此工单没有派给您，只有被指派的维护人员能操作。"
    )
    html = planner.get(f"/staff/work-orders/{order['id']}").text
    assert _steps(html) == ["triaged", "rejected"]  # unassign, reject: starting is the crew's
    assert "开始施工：由指派的维护人员（或管理员）操作。" in _refusals(html)
    history = unescape(re.search(r'<ol class="history" id="history">(.*?)</ol>', html, re.S).group(1))
    assert "已上报 → 已分拣" in history and "属实" in history and "维护人员：— → wo-pages-crew" in history
    assert "创建：已上报" in history


def test_orders_outside_my_area_or_missing_are_a_sentence_in_the_frame(people, client, far_memorial):
    planner, _ = people["planner"]
    theirs = _order(client, far_memorial, title="outside")
    page = planner.get(f"/staff/work-orders/{theirs['id']}")
    assert page.status_code == 403
    assert f"工单 {theirs['id']} 不在您负责的区域内，您不能查看。" in page.text
    assert planner.get("/staff/work-orders/99999999").status_code == 404
    page = planner.get("/staff/work-orders/abc?lang=en")
    assert page.status_code == 404 and "There is no work order abc." in page.text


def test_a_new_order_from_a_site_or_an_inspection(people, client, memorial, far_memorial):
    planner, _ = people["planner"]
    found = unescape(planner.get("/staff/work-orders/new?collection=memorials&q=工单页测试").text)
    assert f"/staff/work-orders/new?collection=memorials&site={memorial['id']}" in found
    assert "兴宁区工单页纪念碑" not in found
    html = unescape(planner.get(f"/staff/work-orders/new?collection=memorials&site={memorial['id']}").text)
    assert 'id="new-order-form"' in html and "纪念设施 · 工单页测试纪念碑" in html
    page = planner.get(f"/staff/work-orders/new?collection=memorials&site={far_memorial['id']}")
    assert page.status_code == 403 and "不在您负责的 450329 内" in unescape(page.text)
    inspection = client.post(
        f"/api/v1/memorials/{memorial['id']}/inspections", json={"scores": {"monument": 1}}
    ).json()
    html = unescape(
        planner.get(
            f"/staff/work-orders/new?collection=memorials&site={memorial['id']}&inspection={inspection['id']}"
        ).text
    )
    assert f"巡查 #{inspection['id']}" in html and f'"inspection_id": {inspection["id"]}' in html
    page = planner.get(f"/staff/work-orders/new?collection=memorials&site={memorial['id']}&inspection=999999")
    assert page.status_code == 422 and "巡查 999999 不是此地点的巡查。" in page.text


def test_refusals_of_the_api_come_in_the_callers_language(people, client, memorial):
    planner, _ = people["planner"]
    crew, _ = people["crew"]
    order = _order(client, memorial, title="keyed")
    answer = planner.post(
        f"/api/v1/work-orders/{order['id']}/transitions?lang=zh",
        json={"to": "done"},
        headers={"If-Match": f'W/"{order["version"]}"'},
    )
    assert answer.status_code == 409  # the page says it in its own words (work_orders.js), the API in English
    answer = planner.post(
        f"/api/v1/work-orders/{order['id']}/transitions?lang=en",
        json={"to": "duplicate"},
        headers={"If-Match": f'W/"{order["version"]}"'},
    )
    assert answer.status_code == 422
    assert answer.json()["detail"] == "Marking as duplicate needs the number of the original order."
    with pytest.raises(AssertionError):
        _move(crew, order["id"], "triaged")


def test_the_upkeep_popup_links_its_open_orders_to_the_board(people, client, memorial, engine: Engine):
    planner, _ = people["planner"]
    _order(client, memorial, title="popup")
    html = planner.get(f"/upkeep?area={COUNTY}").text
    assert f"/staff/work-orders?collection=memorials&site={memorial['id']}" in unescape(html).replace(
        "\\u0026", "&"
    )
    with engine.begin() as conn:
        open_orders = conn.execute(
            text(
                "SELECT count(*) FROM work_orders WHERE collection = 'memorials' AND site_id = :id "
                "AND status NOT IN ('done', 'verified', 'rejected', 'duplicate')"
            ),
            {"id": memorial["id"]},
        ).scalar_one()
    assert open_orders >= 1
