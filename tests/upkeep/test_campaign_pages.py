"""Campaign pages over HTTP (issue 20, items 3 and 7): the campaigns of my area with their progress and the form to
start one, one campaign's progress per township and per crew (geo/upkeep/campaign_progress.py, checked against the
work orders themselves) and its tasks with filters; refusals in the page's language next to what caused them."""

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

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"  # 资源县
OTHER_COUNTY = "450102"  # 兴宁区
PASSWORD = "test-campaign-pages-password"
CJK = re.compile(r"[\u3400-\u9fff]")
_addresses = itertools.count(1)


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


def signed_in(app: FastAPI, engine: Engine, name: str, role: str, area: str | None) -> tuple[TestClient, int]:
    """A client signed in through /login as a new account (CSRF header set), and the account's id."""
    with engine.begin() as conn:
        account = create_account(conn, CLI_ACTOR, name, PASSWORD, role, area)
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
    return c, account.id


def newest_campaign(engine: Engine) -> int:
    """The id of the newest campaign (0: none)."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT coalesce(max(id), 0) FROM campaigns")).scalar_one()


def remove_campaigns_after(engine: Engine, before: int) -> None:
    """Remove the campaigns newer than ``before``, with their tasks."""
    ids = "SELECT id FROM campaigns WHERE id > :n"
    with engine.begin() as conn:
        orders = f"SELECT id FROM work_orders WHERE campaign_id IN ({ids})"
        conn.execute(text(f"DELETE FROM work_order_history WHERE work_order_id IN ({orders})"), {"n": before})
        conn.execute(text(f"DELETE FROM work_orders WHERE campaign_id IN ({ids})"), {"n": before})
        conn.execute(text(f"DELETE FROM campaigns WHERE id > {int(before)}"))


@pytest.fixture(scope="module")
def people(app: FastAPI, engine: Engine) -> Iterator[dict[str, tuple[TestClient, int]]]:
    """A planner and a crew of 资源县, a planner of one of its townships, a planner of 兴宁区, signed in; the
    campaigns they make are removed after the module."""
    with engine.connect() as conn:
        township = conn.execute(
            text(
                "SELECT code FROM areas WHERE parent_code = :c AND level = 'township' ORDER BY code LIMIT 1"
            ),
            {"c": COUNTY},
        ).scalar_one()
    found = {  # the campaigns they make are removed after the module
        "planner": signed_in(app, engine, "camp-pages-planner", "planner", COUNTY),
        "crew": signed_in(app, engine, "camp-pages-crew", "crew", COUNTY),
        "township": signed_in(app, engine, "camp-pages-township", "planner", township),
        "other": signed_in(app, engine, "camp-pages-other", "planner", OTHER_COUNTY),
    }
    before = newest_campaign(engine)
    yield found
    remove_campaigns_after(engine, before)


def move(c: TestClient, order_id: int, to: str, **extra) -> dict:
    """Move a work order on through the API, at its current version."""
    version = c.get(f"/api/v1/work-orders/{order_id}").json()["version"]
    answer = c.post(
        f"/api/v1/work-orders/{order_id}/transitions",
        json={"to": to, **extra},
        headers={"If-Match": f'W/"{version}"'},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture(scope="module")
def campaign(people, engine: Engine) -> dict:
    """A Martyrs' Day campaign of the county (2044) with one task done by the crew and one assigned to it."""
    planner, _ = people["planner"]
    crew, crew_id = people["crew"]
    made = planner.post(
        "/api/v1/upkeep/campaigns", json={"kind": "martyrs_day", "area": COUNTY, "year": 2044}
    )
    assert made.status_code == 201, made.text
    body = made.json()
    with engine.connect() as conn:
        first, second = conn.execute(
            text("SELECT id FROM work_orders WHERE campaign_id = :c ORDER BY area_code DESC, id LIMIT 2"),
            {"c": body["id"]},
        ).scalars()
    move(planner, first, "assigned", assigned_to=crew_id)
    move(crew, first, "in_progress")
    move(crew, first, "done")
    move(planner, second, "assigned", assigned_to=crew_id)
    return {**body, "done_order": first, "assigned_order": second}


def _rows(html: str, table: str) -> list[list[str]]:
    block = re.search(rf'<table class="[^"]*" id="{table}">(.*?)</table>', html, re.S)
    assert block, table
    body = block.group(1).split("<tbody>", 1)[1]
    out = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        out.append([" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells])
    return out


# -- the figures (geo/upkeep/campaign_progress.py) --------------------------------------------------------------


def test_progress_per_township_and_crew_adds_up_to_the_tasks(people, campaign, engine):
    from geo.principal import Principal
    from geo.upkeep.campaign_progress import campaign_progress, campaign_tasks

    _, crew_id = people["crew"]
    planner = Principal(people["planner"][1], "camp-pages-planner", "planner", COUNTY)
    with engine.connect() as conn:
        progress = campaign_progress(conn, planner, campaign["id"])
        expected = {
            (r.township, r.n, r.done)
            for r in conn.execute(
                text(
                    "SELECT a.code AS township, count(*) AS n, "
                    "count(*) FILTER (WHERE w.status IN ('done', 'verified')) AS done FROM work_orders w "
                    "LEFT JOIN areas a ON a.level = 'township' AND left(a.code, 9) = left(w.area_code, 9) "
                    "WHERE w.campaign_id = :c GROUP BY a.code"
                ),
                {"c": campaign["id"]},
            )
        }
        total, tasks = campaign_tasks(conn, planner, progress.campaign, status="done")
    assert progress.part_level == "township"
    assert {(p.key, p.total, p.done) for p in progress.parts} == expected
    assert sum(p.total for p in progress.parts) == campaign["tasks_created"] > 2
    assert sum(p.done for p in progress.parts) == 1
    assert progress.states == {"done": 1, "assigned": 1, "triaged": campaign["tasks_created"] - 2}
    crews = {p.key: p for p in progress.crews}
    assert (crews[str(crew_id)].total, crews[str(crew_id)].done, crews[str(crew_id)].open) == (2, 1, 1)
    assert crews[None].total == campaign["tasks_created"] - 2 and crews[None].done == 0
    assert total == 1 and tasks[0].id == campaign["done_order"] and tasks[0].crew == "camp-pages-crew"
    assert tasks[0].site_name and tasks[0].part_name
    with engine.connect() as conn:
        everything = campaign_tasks(conn, planner, progress.campaign)[1]
        n, second_page = campaign_tasks(conn, planner, progress.campaign, offset=5, limit=5)
    assert n == len(everything) == campaign["tasks_created"]
    assert [x.id for x in second_page] == [x.id for x in everything[5:10]]


# -- the list page ---------------------------------------------------------------------------------------------


def test_the_list_shows_my_campaigns_with_progress_and_the_start_form(people, campaign):
    planner, _ = people["planner"]
    page = planner.get("/staff/campaigns")
    assert page.status_code == 200
    html = page.text
    row = next(r for r in _rows(html, "campaigns") if r[0].startswith("2044年烈士纪念日祭扫"))
    assert row[1:4] == ["烈士纪念日（9·30）", "2044", "资源县 (450329)"]
    n = campaign["tasks_created"]
    assert row[5] == f"1/{n}（{100 // n}%）"
    assert f'href="/staff/campaigns/{campaign["id"]}"' in html
    assert 'id="start-form"' in html and "发起专项活动" in html
    assert '<option value="450329" selected>' in html  # my area first, chosen
    assert 'src="/static/staff/campaigns.js"' in html
    # a crew reads the campaigns but may not start one; another county does not see this one
    crew_page = people["crew"][0].get("/staff/campaigns").text
    assert "2044年烈士纪念日祭扫" in crew_page and 'id="start-form"' not in crew_page
    assert "不能发起" in crew_page
    crew_detail = people["crew"][0].get(f"/staff/campaigns/{campaign['id']}")
    assert crew_detail.status_code == 200 and 'id="task-table"' in crew_detail.text
    assert "2044年烈士纪念日祭扫" not in people["other"][0].get("/staff/campaigns").text


def test_the_list_in_english_has_no_chinese_labels(people, campaign, engine):
    html = people["planner"][0].get("/staff/campaigns", params={"lang": "en"}).text
    assert "Start a campaign" in html and "Martyrs' Day (30 Sept)" in unescape(html)
    assert "Martyrs&#39; Day (30 Sept) 2044" in html  # the default title, stored in Chinese, in English
    labels = re.sub(r'<a [^>]*lang="zh-CN"[^>]*>.*?</a>', "", html, flags=re.S)  # the language switch
    with engine.connect() as conn:  # names of areas are data
        names = conn.execute(
            text("SELECT name FROM areas WHERE code = :c OR parent_code = :c ORDER BY length(name) DESC"),
            {"c": COUNTY},
        ).scalars()
        names = list(names)
    for name in names:
        labels = labels.replace(name, "")
    assert not CJK.findall(labels)


def test_the_same_campaign_again_answers_a_sentence_in_my_language(people, campaign, engine):
    planner, _ = people["planner"]
    body = {"kind": "martyrs_day", "area": COUNTY, "year": 2044}
    zh = planner.post("/api/v1/upkeep/campaigns", json=body, params={"lang": "zh"})
    assert zh.status_code == 409 and zh.json()["campaign_id"] == campaign["id"]
    assert zh.json()["detail"] == (
        f"2044年已有同类活动覆盖该区域：资源县（450329）的活动 #{campaign['id']}，不能重复发起。"
    )
    # a township of the county lies inside it: the county's campaign is named
    with engine.connect() as conn:
        township = conn.execute(
            text(
                "SELECT code FROM areas WHERE parent_code = :c AND level = 'township' ORDER BY code LIMIT 1"
            ),
            {"c": COUNTY},
        ).scalar_one()
    inside = planner.post("/api/v1/upkeep/campaigns", json={**body, "area": township}, params={"lang": "zh"})
    assert inside.status_code == 409 and inside.json()["detail"] == zh.json()["detail"]
    en = planner.post("/api/v1/upkeep/campaigns", json=body, params={"lang": "en"})
    assert "already covers this area" in en.json()["detail"]


def test_the_list_needs_sign_in(app):
    anonymous = TestClient(app, client=("10.81.250.1", 40000))
    answer = anonymous.get("/staff/campaigns", follow_redirects=False)
    assert answer.status_code == 303 and "/login" in answer.headers["location"]


# -- one campaign ----------------------------------------------------------------------------------------------


def test_a_campaign_shows_progress_per_township_and_crew_and_its_tasks(people, campaign, engine):
    planner, _ = people["planner"]
    cid = campaign["id"]
    html = planner.get(f"/staff/campaigns/{cid}", params={"started": campaign["tasks_created"]}).text
    assert f"活动已发起：生成了 {campaign['tasks_created']} 项任务。" in html
    assert "各乡镇(街道)进度" in html
    with engine.connect() as conn:
        townships = conn.execute(
            text(
                "SELECT DISTINCT a.name FROM work_orders w JOIN areas a ON a.level = 'township' "
                "AND left(a.code, 9) = left(w.area_code, 9) WHERE w.campaign_id = :c"
            ),
            {"c": cid},
        ).scalars()
        names = set(townships)
    parts = _rows(html, "by-part")
    assert {r[0] for r in parts} >= names and len(names) >= 2
    crews = {r[0]: r for r in _rows(html, "by-crew")}
    assert crews["camp-pages-crew"][1] == "1/2（50%）" and crews["camp-pages-crew"][2] == "1"
    assert crews["未派工"][1].startswith("0/")
    tasks = _rows(html, "task-table")
    assert len(tasks) == min(100, campaign["tasks_created"])
    assert f'href="/staff/work-orders/{campaign["done_order"]}"' in html
    assert re.search(r'href="/staff/sites/(memorials|cemeteries|graves)/\d+"', html)
    # filter: the done task, with who and when
    done = planner.get(f"/staff/campaigns/{cid}", params={"status": "done"}).text
    rows = _rows(done, "task-table")
    assert len(rows) == 1 and rows[0][0] == f"#{campaign['done_order']}"
    assert (
        rows[0][3] == "已完成"
        and rows[0][4] == "camp-pages-crew"
        and re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d", rows[0][5])
    )
    # filter by a township: only its tasks
    with engine.connect() as conn:
        code, name, n = conn.execute(
            text(
                "SELECT a.code, a.name, count(*) FROM work_orders w JOIN areas a ON a.level = 'township' "
                "AND left(a.code, 9) = left(w.area_code, 9) WHERE w.campaign_id = :c "
                "GROUP BY a.code, a.name ORDER BY count(*) LIMIT 1"
            ),
            {"c": cid},
        ).one()
    one = planner.get(f"/staff/campaigns/{cid}", params={"part": code}).text
    rows = _rows(one, "task-table")
    assert len(rows) == min(n, 100) and {r[6] for r in rows} == {name}


def test_bad_filters_are_named_next_to_their_field(people, campaign):
    planner, _ = people["planner"]
    cid = campaign["id"]
    answer = planner.get(f"/staff/campaigns/{cid}", params={"status": "lost", "part": "999999999"})
    assert answer.status_code == 422
    html = answer.text
    assert 'id="f-status-error">没有“lost”这种任务状态。</p>' in html
    assert 'id="f-part-error">区域 999999999 不是此活动的下级区域。</p>' in html
    assert len(_rows(html, "task-table")) == min(100, campaign["tasks_created"])  # the rest still shows


def test_a_campaign_elsewhere_or_missing_is_a_sentence(people, campaign):
    other, _ = people["other"]
    refused = other.get(f"/staff/campaigns/{campaign['id']}")
    assert refused.status_code == 403 and 'class="refusal"' in refused.text
    missing = people["planner"][0].get("/staff/campaigns/999999999")
    assert missing.status_code == 404 and "没有编号为 999999999 的专项活动。" in missing.text
    for bad in ("abc", "0", "99999999999999999999"):
        answer = people["planner"][0].get(f"/staff/campaigns/{bad}")
        assert answer.status_code == 404 and f"没有编号为 {bad} 的专项活动。" in answer.text, bad
    # a page of tasks that cannot be is the first page, never JSON
    odd = people["planner"][0].get(
        f"/staff/campaigns/{campaign['id']}", params={"offset": "-5", "started": "x"}
    )
    assert odd.status_code == 200 and 'id="task-table"' in odd.text and 'id="flash"' not in odd.text
    long = people["planner"][0].get(f"/staff/campaigns/{campaign['id']}", params={"status": "x" * 500})
    assert long.status_code == 422 and 'id="f-status-error"' in long.text


def test_a_township_planner_sees_the_county_campaign_cut_to_its_township(people, campaign, engine):
    township, _ = people["township"]
    html = township.get(f"/staff/campaigns/{campaign['id']}").text
    assert 'id="mine-only"' in html
    with engine.connect() as conn:
        code = conn.execute(
            text("SELECT area_code FROM accounts WHERE username = 'camp-pages-township'")
        ).scalar()
        n = conn.execute(
            text(
                "SELECT count(*) FROM work_orders WHERE campaign_id = :c AND left(area_code, 9) = left(:a, 9)"
            ),
            {"c": campaign["id"], "a": code},
        ).scalar_one()
    parts = _rows(html, "by-part")
    assert n > 0 and len(parts) == 1
    states = re.findall(
        r'<li class="state-[a-z_]+" data-state="[a-z_]+">[^<]*<span class="n">(\d+)</span>', html
    )
    assert sum(int(x) for x in states) == n  # the states of my township only
    assert html.count('<tr data-task="') == min(n, 100)


def test_the_campaign_page_in_english(people, campaign):
    html = people["planner"][0].get(f"/staff/campaigns/{campaign['id']}", params={"lang": "en"}).text
    for label in ("Progress by township", "Progress by crew", "Not assigned", "Tasks", "Last change"):
        assert label in html, label
    assert "已完成" not in html and "未派工" not in html
