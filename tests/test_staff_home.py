"""The staff frame and home ``/staff/`` (issue 19): who is signed in, the navigation each role may use, the
language switch and sign-out, the figures of the account's area equal to what the API says, and autoescaping."""

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
from geo.atlas.areas import AreaRef
from geo.principal import Principal
from geo.public.moderation import count_report_photos_waiting
from geo.settings import Settings
from tests.staff_pages import make_account, new_client, sign_in_client
from web.csp import NONCE_MARK
from web.jinja import PAGES, render
from web.staff import NavGroup, NavLink, StaffFrame

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"  # 资源县
PASSWORD = "test-staff-home-password"
_names = itertools.count(1)
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


def _signed_in(app: FastAPI, engine: Engine, role: str, area: str | None) -> tuple[TestClient, str]:
    """A client signed in through /login as a new account of ``role`` in ``area``, and its username."""
    name = f"staff-home-{role}-{next(_names)}"
    make_account(engine, name, PASSWORD, role, area)
    c = new_client(app)
    assert sign_in_client(c, name, PASSWORD) == "/staff/"
    return c, name


def _nav(html: str) -> dict[str, str]:
    """Label → href of the staff navigation."""
    nav = re.search(r'<nav class="staff-nav".*?</nav>', html, re.S).group(0)
    return {
        unescape(label): unescape(href)
        for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)
    }


def _figures(html: str) -> dict[str, tuple[str, str | None]]:
    """Figure key → (value, link) of the home."""
    found = {}
    for key, body in re.findall(r'<li class="figure" data-figure="([^"]+)">(.*?)</li>', html, re.S):
        value = re.search(r'<span class="value">([^<]*)</span>', body).group(1)
        href = re.search(r'<a href="([^"]+)"', body)
        found[key] = (unescape(value), unescape(href.group(1)) if href else None)
    return found


PLANNING = {"选址": "/staff/siting", "出行时间": "/staff/travel", "导入": "/staff/imports"}
"""Planning jobs of the navigation that planners and admins do, crews not."""
SITES = {"点位编辑": "/staff/sites", "保护范围核查": "/staff/zones/check", "导出": "/staff/exports"}
"""Jobs every staff role has (crews edit memorials, cemeteries and graves)."""
UPKEEP = {
    "工单": "/staff/work-orders",
    "巡查记录": "/staff/inspections",
    "巡查计划": "/staff/schedule",
    "专项活动": "/staff/campaigns",
}
"""Upkeep jobs every staff role has."""
PUBLIC = {"审核": "/staff/moderation", "寻亲": "/staff/family-requests"}
"""The public's submissions, handled by planners and admins."""
ADMINISTRATION = {"账号": "/staff/accounts", "审计日志": "/staff/audit", "接口文档": "/api/v1/docs"}
"""The administrators' own jobs."""


def _jobs(area: str | None, *groups: dict[str, str]) -> dict[str, str]:
    mine = f"?area={area}" if area else ""
    common = {"首页": "/staff/", "覆盖": f"/coverage{mine}", "养护地图": f"/upkeep{mine}", **SITES, **UPKEEP}
    return {k: v for group in (common, *groups) for k, v in group.items()}


@pytest.mark.parametrize(
    ("role", "area", "role_zh", "area_zh", "nav"),
    [
        ("crew", COUNTY, "维护人员", "资源县 (450329)", _jobs(COUNTY, {"巡护": "/crew"})),
        ("planner", COUNTY, "规划人员", "资源县 (450329)", _jobs(COUNTY, PLANNING, PUBLIC)),
        ("admin", COUNTY, "管理员", "资源县 (450329)", _jobs(COUNTY, PLANNING, PUBLIC, ADMINISTRATION)),
        ("admin", None, "管理员", "全国", _jobs(None, PLANNING, PUBLIC, ADMINISTRATION)),
    ],
)
def test_the_frame_names_me_and_links_only_my_jobs(app, engine, role, area, role_zh, area_zh, nav):
    c, name = _signed_in(app, engine, role, area)
    page = c.get("/staff/")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    html = page.text
    assert '<html lang="zh-CN">' in html and "退役军人服务地图" in html
    assert f'<dd class="staff-name">{name}</dd>' in html
    assert f'<dd class="staff-role">{role_zh}</dd>' in html
    assert f'<dd class="staff-area">{area_zh}</dd>' in html
    assert _nav(html) == nav
    assert 'aria-current="page">首页' in html
    assert 'action="/logout"' in html and 'lang="en">English</a>' in html


def test_the_anonymous_are_sent_to_sign_in_and_come_back(app):
    c = TestClient(app, client=("10.78.250.1", 40000))
    answer = c.get("/staff/?lang=en", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fstaff%2F%3Flang%3Den&lang=en"


def test_sign_out_from_the_frame_ends_the_session(app, engine):
    c, _ = _signed_in(app, engine, "planner", COUNTY)
    html = c.get("/staff/").text
    csrf = re.search(r'<form method="post" action="/logout">.*?name="csrf_token" value="([^"]+)"', html, re.S)
    assert c.post("/logout", data={"csrf_token": csrf.group(1)}, follow_redirects=False).status_code == 303
    assert c.get("/staff/", follow_redirects=False).status_code == 303


def test_english_is_complete(app, engine):
    c, name = _signed_in(app, engine, "admin", None)
    html = c.get("/staff/?lang=en").text
    assert '<html lang="en">' in html
    body = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    # the only Chinese left is the switch to Chinese (written in Chinese, marked lang="zh-CN")
    shown = re.sub(r'<a [^>]*lang="zh-CN">中文</a>', "", body)
    assert CJK.findall(shown) == [], CJK.findall(shown)
    assert "The whole atlas" in html and "Administrator" in html and "Sign out" in html
    assert set(_nav(html)) == {
        "Home",
        "Coverage",
        "Siting",
        "Travel time",
        "Sites",
        "Zone check",
        "Import",
        "Export",
        "Upkeep map",
        "Work orders",
        "Inspections",
        "Schedule",
        "Campaigns",
        "Moderation",
        "Family requests",
        "Accounts",
        "Audit log",
        "API docs",
    }
    assert re.findall(r'<span class="staff-nav-label"[^>]*>([^<]+)</span>', html) == [
        "Planning",
        "Sites",
        "Upkeep",
        "Public",
        "Administration",
    ]
    assert {"Coverage rate", "Villages beyond reach", "Overdue inspections", "Open work orders"} <= {
        unescape(s) for s in re.findall(r'<span class="label">([^<]+)</span>', html)
    }
    # the switch remembers the choice and comes back to this page, without the lang parameter
    assert 'href="/choose?lang=zh&amp;next=%2Fstaff%2F"' in html


def test_the_english_frame_names_a_county_account_in_english(app, engine):
    c, _ = _signed_in(app, engine, "crew", COUNTY)
    html = c.get("/staff/?lang=en").text
    assert '<dd class="staff-role">Maintenance crew</dd>' in html
    assert _nav(html) == {
        "Home": "/staff/",
        "Coverage": f"/coverage?area={COUNTY}",
        "Sites": "/staff/sites",
        "Zone check": "/staff/zones/check",
        "Export": "/staff/exports",
        "Upkeep map": f"/upkeep?area={COUNTY}",
        "Work orders": "/staff/work-orders",
        "Inspections": "/staff/inspections",
        "Schedule": "/staff/schedule",
        "Campaigns": "/staff/campaigns",
        "Crew app": "/crew",
    }


@pytest.mark.parametrize("area", [COUNTY, None])
def test_every_figure_is_what_the_api_says(app, engine, area):
    c, _ = _signed_in(app, engine, "admin", area)
    figures = _figures(c.get("/staff/").text)
    mine = {"area": area} if area else {}
    rates = c.get("/api/v1/coverage/rates", params=mine)
    assert rates.status_code == 200, rates.text
    whole = rates.json()["area"]
    reach = next(s for s in whole["shares"] if s["station_level"] == "any")
    assert figures["coverage_share"][0] == f"{reach['village_share'] * 100:.1f}%"
    assert figures["beyond_reach"][0] == f"{whole['villages'] - reach['villages_covered']:,}"
    gaps = c.get("/api/v1/coverage/gaps", params={**mine, "limit": 1}).json()
    assert figures["gaps"][0] == f"{sum(level['without_station'] for level in gaps['levels']):,}"
    report = c.get("/api/v1/upkeep/report", params=mine).json()["total"]
    assert figures["overdue"][0] == f"{report['overdue']:,}"
    assert figures["open_orders"][0] == f"{report['open_work_orders']:,}"
    overdue = c.get("/api/v1/upkeep/schedule/summary", params=mine).json()
    # overdue as the upkeep page counts it: past the cycle, or never inspected
    assert figures["overdue"][0] == f"{overdue['states']['overdue'] + overdue['states']['never_inspected']:,}"
    pending = c.get("/api/v1/tributes/pending", params={"limit": 1}).json()
    assert figures["tributes"][0] == f"{pending['total']:,}"
    open_requests = sum(
        c.get("/api/v1/family-requests", params={"status": s, "limit": 1}).json()["numberMatched"]
        for s in ("new", "in_progress")
    )
    assert figures["family"][0] == f"{open_requests:,}"
    assert figures["gaps"][1] == "/coverage" + (f"?area={area}" if area else "")
    with engine.connect() as conn:
        assert figures["report_photos"] == (
            f"{count_report_photos_waiting(conn, _principal(conn, area)):,}",
            "/staff/moderation#photos",
        )
    assert figures["tributes"][1] == "/staff/moderation#tributes"
    assert figures["overdue"][1] == "/staff/schedule" and figures["open_orders"][1] == "/staff/work-orders"
    # every other figure links to a page that answers
    for key, (_, href) in figures.items():
        assert href is not None, key
        assert c.get(href).status_code == 200, (key, href)


def test_a_crew_sees_no_moderation_queues(app, engine):
    c, _ = _signed_in(app, engine, "crew", COUNTY)
    figures = _figures(c.get("/staff/").text)
    # crews publish photos but do not moderate tributes or answer 寻亲 requests
    assert set(figures) == {
        "coverage_share",
        "beyond_reach",
        "gaps",
        "overdue",
        "open_orders",
        "report_photos",
    }


def _principal(conn, area: str | None) -> Principal:
    return Principal(user_id=None, username="figures", role="admin", area_code=area)


def test_a_report_photo_waiting_to_be_published_is_counted(app, engine):
    c, _ = _signed_in(app, engine, "planner", COUNTY)
    before = _figures(c.get("/staff/").text)["report_photos"][0]
    with engine.begin() as conn:
        order = conn.execute(
            text(
                "SELECT id, collection, site_id, area_code FROM work_orders WHERE area_code LIKE :p LIMIT 1"
            ),
            {"p": COUNTY + "%"},
        ).one()
        photo_id = conn.execute(
            text(
                "INSERT INTO photos (collection, site_id, area_code, stage, work_order_id, content_type, "
                "byte_size, width, height, sha256, data) VALUES (:c, :s, :a, 'report', :w, 'image/jpeg', 1, 1, 1, "
                "repeat('0', 64), '\\x00') RETURNING id"
            ),
            {"c": order.collection, "s": order.site_id, "a": order.area_code, "w": order.id},
        ).scalar_one()
    try:
        after = _figures(c.get("/staff/").text)["report_photos"][0]
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM photos WHERE id = :id"), {"id": photo_id})
    assert int(after.replace(",", "")) == int(before.replace(",", "")) + 1


def test_markup_in_an_area_name_shows_as_text(app, engine):
    with engine.connect() as conn:
        before = conn.execute(text("SELECT name FROM areas WHERE code = :c"), {"c": COUNTY}).scalar_one()
    c, _ = _signed_in(app, engine, "planner", COUNTY)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE areas SET name = :n WHERE code = :c"),
                {"n": "<b>资源</b><script>x()</script>", "c": COUNTY},
            )
        html = c.get("/staff/").text
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE areas SET name = :n WHERE code = :c"), {"n": before, "c": COUNTY})
    assert "<b>资源</b>" not in html and "<script>x()" not in html
    assert "&lt;b&gt;资源&lt;/b&gt;&lt;script&gt;x()&lt;/script&gt; (450329)" in html


def test_the_templates_escape_every_value():
    frame = StaffFrame(
        lang="zh",
        username='<img src=x onerror="alert(1)">',
        role="<i>role</i>",
        area=f"{AreaRef('450329', 'county', '<b>县</b>').name} (450329)",
        nav=[NavGroup("home", "<u>g</u>", [NavLink('"><script>', '/x?a=1&b="2"', False)])],
        other_lang="en",
        other_lang_href="/choose?lang=en&next=/staff/",
        csrf_token='"><x>',
    )
    html = render("staff/home.html", frame=frame, groups=[])
    assert (
        "<u>g" not in html
        and "<img" not in html
        and "<i>role" not in html
        and "<b>县" not in html
        and '"><script>' not in html
    )
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert 'value="&#34;&gt;&lt;x&gt;"' in html
    assert PAGES.autoescape is not False


def test_scripts_written_by_templates_carry_the_nonce_mark():
    markup = PAGES.from_string("<script {{ script_nonce }}>1</script><p>{{ x }}</p>").render(x="<script>")
    assert markup == f"<script {NONCE_MARK}>1</script><p>&lt;script&gt;</p>"
    for path in PAGES.list_templates():
        source = PAGES.loader.get_source(PAGES, path)[0]
        for tag in re.findall(r"<script\b[^>]*>", source, re.I):
            # a data block (type="application/json") is never run, so it needs no nonce; every other does
            assert "{{ script_nonce }}" in tag or 'type="application/json"' in tag, (path, tag)
