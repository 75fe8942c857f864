"""The siting page ``/staff/siting`` over HTTP (issue 19 item 4): the form for the account's area, a run's answer
with its reasons in words (never a bare "optimal" for fewer sites than asked), the table and its downloads, the
past runs of my area, and refusals in the page's language."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine

from api.app import create_app
from geo.coverage.siting_runs import SITING_RUNS
from geo.kit.runs import carry_out, start_run
from geo.settings import Settings
from tests.staff_pages import signed_in_client

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"  # 资源县: 74 villages; 3 without a village station, one of them within 3 km of a station
OTHER_COUNTY = "450330"
PASSWORD = "test-siting-page-password"
API = "/api/v1/coverage/siting"
_names = itertools.count(1)
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


def _signed_in(app: FastAPI, engine: Engine, role: str, area: str | None) -> TestClient:
    """A client signed in through /login as a new account of ``role`` in ``area``."""
    c, _ = signed_in_client(app, engine, f"siting-page-{role}-{next(_names)}", PASSWORD, role, area)
    token = re.search(r'"csrf": "([^"]+)"', c.get("/staff/siting").text)
    if token:
        c.headers["X-CSRF-Token"] = token.group(1)
    return c


@pytest.fixture(scope="module")
def planner(app: FastAPI, engine: Engine) -> TestClient:
    """A planner of 资源县, signed in."""
    return _signed_in(app, engine, "planner", COUNTY)


def _text(html: str) -> str:
    """The visible text of a page, roughly: tags dropped, entities decoded, spaces collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


def _run(client: TestClient, **body) -> dict:
    r = client.post(API, json={"area": COUNTY, "wait": True, **body})
    assert r.status_code == 201, r.text
    return r.json()


def test_the_form_opens_on_my_area_with_the_planners_choices(planner: TestClient) -> None:
    r = planner.get("/staff/siting")
    assert r.status_code == 200
    text = _text(r.text)
    assert "选址 — 资源县 (450329)" in text
    assert re.search(r'id="siting-area" name="area" value="450329" readonly', r.text)
    for words in (
        "用 p 个新站覆盖最多的人",
        "覆盖所有人所需的最少新站",
        "达到目标覆盖率所需的最少新站",
        "尚无本级服务站的村",
        "全部村",
        "我在地图上点选或上传的点",
        "保留已有服务站",
        "服务半径（公里）",
    ):
        assert words in text
    assert '<script type="application/json" id="siting-config">' in r.text


def test_an_admin_may_pick_any_area(app: FastAPI, engine: Engine) -> None:
    admin = _signed_in(app, engine, "admin", None)
    html = admin.get("/staff/siting").text
    assert re.search(r'<input id="siting-area" name="area" inputmode="numeric" value=""', html)
    assert "留空为全部地区" in _text(html)
    run = admin.post(
        API, json={"problem": "mclp", "p": 1, "area": COUNTY, "candidates": "all_villages", "wait": True}
    )
    assert run.status_code == 201
    assert f'href="/staff/siting/runs/{run.json()["id"]}"' in admin.get("/staff/siting").text


def test_the_page_needs_sign_in_and_the_siting_right(app: FastAPI, engine: Engine) -> None:
    anonymous = TestClient(app)
    r = anonymous.get("/staff/siting", follow_redirects=False)
    assert r.status_code == 303 and "/login" in r.headers["location"]
    crew = _signed_in(app, engine, "crew", COUNTY)  # a maintenance crew has no siting right
    refused = crew.get("/staff/siting")
    assert refused.status_code == 403 and "siting-form" not in refused.text
    assert crew.get("/staff/siting/runs/1/sites.csv").status_code == 403


def test_fewer_sites_than_asked_say_why_in_words(planner: TestClient) -> None:
    run = _run(planner, problem="mclp", p=3)  # the case: the default candidates
    result = run["result"]
    assert len(result["chosen"]) == 2 and result["requested_sites"] == 3
    assert [r["code"] for r in result["reasons"]][:1] == ["no_gain"]
    page = planner.get(f"/staff/siting/runs/{run['id']}")
    assert page.status_code == 200
    text = _text(page.text)
    assert "要求 3 个新站，只选出 2 个。原因：" in text
    useless = run["result"]["reasons"][0]["params"]["useless_names"]
    assert len(useless) == 1 and useless[0] not in [s["label"] for s in result["chosen"]]
    assert (
        f"只有 2 个候选点能新增覆盖：其余 1 个候选点（{useless[0]}）3公里内的村均已在已有服务站3公里内。"
        in text
    )
    assert "个村（" in text and "任何方案都覆盖不到" in text  # the villages no candidate reaches
    html = planner.get(f"/staff/siting/runs/{run['id']}?lang=en").text
    english = _text(html)
    assert "3 new stations were asked for, only 2 chosen. Why:" in english
    assert "Only 2 of the candidate sites would newly cover anyone" in english
    # no Chinese in the English page's own words (names of places are data; the upload hint names 经度/纬度)
    own = _text(re.search(r'<form id="siting-form".*?</form>', html, re.S).group(0))
    own += " ".join(_text(m) for m in re.findall(r'<div class="siting-why.*?</div>', html, re.S))
    for data in ("资源县", "经度", "纬度", "名称", useless[0]):
        own = own.replace(data, "")
    assert not CJK.search(own), CJK.findall(own)


def test_three_sites_among_all_villages_in_table_and_downloads(planner: TestClient) -> None:
    run = _run(planner, problem="mclp", p=3, candidates="all_villages")
    result = run["result"]
    assert len(result["chosen"]) == 3 and result["reasons"] == []
    page = planner.get(f"/staff/siting?run={run['id']}")
    text = _text(page.text)
    assert "已证明最优：在这些候选点中，没有其他不超过 3 个站点的组合能覆盖更多的人。" in text
    assert "原因" not in text
    rows = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>([^<]+)</td>", page.text)
    assert [(int(rank), unescape(label)) for rank, label in rows] == [
        (s["rank"], s["label"]) for s in result["chosen"]
    ]
    csv_file = planner.get(f"/staff/siting/runs/{run['id']}/sites.csv")
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["序号", "站点", "区划代码"]
    assert [line[1] for line in lines[1:]] == [s["label"] for s in result["chosen"]]
    assert [int(line[5]) for line in lines[1:]] == [
        round(s["newly_covered_people"]) for s in result["chosen"]
    ]
    book = load_workbook(
        io.BytesIO(planner.get(f"/staff/siting/runs/{run['id']}/sites.xlsx?lang=en").content)
    )
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]][:2] == ["Rank", "Site"]
    assert sheet.max_row == 4
    # the map of the run: 3 sites, villages newly covered among the area's villages
    features = planner.get(f"{API}/{run['id']}/map").json()["features"]
    layers = [f["properties"]["layer"] for f in features]
    assert layers.count("site") == 3 and layers.count("village") == 74 and "area" in layers
    newly = {v["code"] for s in result["chosen"] for v in s["villages"]}
    states = {
        f["properties"]["code"]: f["properties"]["state"]
        for f in features
        if f["properties"]["layer"] == "village"
    }
    assert {c for c, s in states.items() if s == "new"} == newly
    # the run is listed among the past runs, reopenable
    listing = planner.get("/staff/siting").text
    assert f'href="/staff/siting/runs/{run["id"]}"' in listing


def test_more_sites_than_candidates_is_a_reason_not_an_error(planner: TestClient) -> None:
    run = _run(planner, problem="mclp", p=5)
    codes = [r["code"] for r in run["result"]["reasons"]]
    assert codes[0] == "few_candidates" and run["result"]["reasons"][0]["params"] == {"p": 5, "candidates": 3}
    assert "可选候选点只有 3 个，少于要求的 5 个。" in _text(
        planner.get(f"/staff/siting/runs/{run['id']}").text
    )


def test_a_quick_answer_never_says_proven(planner: TestClient) -> None:
    run = _run(
        planner,
        problem="lscp",
        candidates="all_villages",
        exact=False,
        station_level="township",
        distance_m=3000,
    )
    result = run["result"]
    text = _text(planner.get(f"/staff/siting/runs/{run['id']}").text)
    if result["status"] == "optimal":
        assert "已证明最少" in text
    else:
        assert "快速解，尚未证明最优。" in text and "已证明" not in text


def test_a_share_already_reached_needs_no_new_station(planner: TestClient) -> None:
    run = _run(planner, problem="target_share", share=0.5)  # 83 % are covered already
    assert run["result"]["chosen"] == []
    text = _text(planner.get(f"/staff/siting/runs/{run['id']}").text)
    assert "不需要新站点。" in text and "不需要新站点：已有服务站已覆盖83.0%。" in text
    assert "少一个都做不到" not in text


def test_refusals_are_sentences_in_the_page_language(planner: TestClient) -> None:
    r = planner.post(API, json={"area": COUNTY, "problem": "mclp", "p": 1, "station_level": "township"})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("该区域每个村都已有本级服务站")
    r = planner.post(
        API + "?lang=en",
        json={
            "area": COUNTY,
            "problem": "target_share",
            "share": 1.0,
            "distance_m": 10,
            "candidates": "given",
            "sites": [{"lon": 100.0, "lat": 30.0}],
        },
    )
    assert r.status_code == 422 and "is unreachable" in r.json()["detail"]
    missing = planner.get("/staff/siting/runs/999999")
    assert missing.status_code == 404 and "没有第 999999 次计算。" in _text(missing.text)


def test_a_run_of_another_area_is_not_shown(
    app: FastAPI, engine: Engine, planner: TestClient, client
) -> None:
    r = client.post(
        API,
        json={"problem": "mclp", "p": 1, "area": OTHER_COUNTY, "candidates": "all_villages", "wait": True},
    )
    if r.status_code != 201:
        pytest.skip(f"the demo atlas has no {OTHER_COUNTY}")
    other = r.json()["id"]
    page = planner.get(f"/staff/siting/runs/{other}")
    assert page.status_code == 403 and "不在您负责的区域内" in _text(page.text)
    assert planner.get(f"/staff/siting/runs/{other}/sites.csv").status_code == 403
    assert f'href="/staff/siting/runs/{other}"' not in planner.get("/staff/siting").text


def test_a_running_run_shows_its_progress_and_the_quick_answer_until_it_is_done(
    planner: TestClient, engine: Engine
) -> None:
    # a run as the background worker leaves it while HiGHS works: status running, the heuristic's answer stored
    done = _run(planner, problem="mclp", p=3, candidates="all_villages")
    quick = {**done["result"], "status": "heuristic_only"}
    quick["reasons"] = [{"code": "not_proven", "params": {"gap": 0.05}}]
    values = {
        "problem": "mclp",
        "area_code": COUNTY,
        "parameters": done["parameters"],
        "phase": "exact model (HiGHS)",
        "progress": 0.62,
        "result": quick,
    }
    active = start_run(engine, SITING_RUNS, values)
    try:
        active.progress("exact model (HiGHS)", 0.62)
        part = planner.get(f"/staff/siting/runs/{active.id}/result")
        assert part.status_code == 200 and 'data-running="true"' in part.text
        text = _text(part.text)
        assert "正在计算：精确模型求解（HiGHS）（62%）" in text
        assert "快速解已得出（见下），正在用精确模型求证是否最优" in text
        assert "已证明" not in text and "尚未证明最优" not in text  # no claim either way while it runs
        assert '<progress max="100" value="62"' in part.text
        page = planner.get(f"/staff/siting/runs/{active.id}")
        assert '"running": true' in page.text and "计算中" in _text(page.text)
    finally:
        carry_out(
            active,
            lambda _: {
                "result": {
                    **quick,
                    "status": "time_limit",
                    "reasons": [{"code": "time_limit", "params": {"gap": 0.0123}}],
                }
            },
        )
    text = _text(planner.get(f"/staff/siting/runs/{active.id}/result").text)
    assert "时限内找到的最好结果，尚未证明最优。" in text
    assert "精确求解在时限内未完成：结果与最优解的差距最多为1.2%。" in text
    assert "已证明" not in text
