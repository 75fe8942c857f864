"""The accounts pages ``/staff/accounts`` (issue 20, item 6) and the API they write through: an admin sees and
manages only the accounts of its area, a generated password or token is answered once, refusals are sentences
in the page's language, and an admin cannot lock themselves out."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from geo.settings import Settings
from tests.staff_pages import make_account, new_client, signed_in_client

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"  # 资源县
TOWNSHIP = "450329001"
OTHER_COUNTY = "450102"  # 兴宁区
PASSWORD = "test-account-pages-password"
CJK = re.compile(r"[\u3400-\u9fff]")
_names = itertools.count(1)


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


class Staff:
    """A signed-in browser-like client: its username, account id and CSRF token for cookie-signed writes."""

    def __init__(self, client: TestClient, username: str, account_id: int, csrf: str) -> None:
        self.client, self.username, self.id, self.csrf = client, username, account_id, csrf

    def write(self, method: str, url: str, **kw) -> object:
        """A write to the API with the session cookie and the CSRF header."""
        headers = {"X-CSRF-Token": self.csrf, **kw.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kw)


def _sign_in(app: FastAPI, engine: Engine, role: str, area: str | None, name: str | None = None) -> Staff:
    """A new account of ``role`` in ``area``, signed in through /login."""
    name = name or f"acc-pages-{role}-{next(_names)}"
    c, account = signed_in_client(app, engine, name, PASSWORD, role, area)
    me = c.get("/api/v1/auth/me").json()
    return Staff(c, name, account.id, me["csrf_token"])


@pytest.fixture(scope="module")
def county_admin(app: FastAPI, engine: Engine) -> Staff:
    """An admin of 资源县."""
    return _sign_in(app, engine, "admin", COUNTY)


@pytest.fixture(scope="module")
def others(engine: Engine, demo_counts: dict[str, int]) -> dict[str, int]:
    """Accounts in and outside 资源县: a crew of a township inside it, a planner of 兴宁区, a national planner."""
    made = {}
    for key, role, area in (
        ("inside", "crew", TOWNSHIP),
        ("elsewhere", "planner", OTHER_COUNTY),
        ("national", "planner", None),
    ):
        made[key] = make_account(engine, f"acc-pages-{key}", PASSWORD, role, area).id
    return made


def _rows(html: str) -> dict[str, list[str]]:
    """Username → the texts of its row in the accounts table."""
    found = {}
    for row in re.findall(r"<tr data-account=.*?</tr>", html, re.S):
        cells = [
            unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        found[cells[0]] = cells[1:]
    return found


def test_the_list_shows_the_accounts_of_my_area_only(county_admin, others):
    page = county_admin.client.get("/staff/accounts")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    rows = _rows(page.text)
    assert rows["acc-pages-inside"][0] == "维护人员"
    assert TOWNSHIP in rows["acc-pages-inside"][1] and rows["acc-pages-inside"][2] == "启用"
    assert county_admin.username in rows
    assert "acc-pages-elsewhere" not in rows and "acc-pages-national" not in rows
    assert 'aria-current="page">账号' in page.text
    assert "资源县 (450329)内的账号" in unescape(page.text)


def test_a_whole_atlas_admin_sees_every_account(app, engine, others):
    national = _sign_in(app, engine, "admin", None)
    rows = _rows(national.client.get("/staff/accounts").text)
    assert {"acc-pages-inside", "acc-pages-elsewhere", "acc-pages-national"} <= set(rows)
    assert rows["acc-pages-national"][1] == "全国"


def test_a_planner_is_refused_in_the_frame_with_a_sentence(app, engine):
    planner = _sign_in(app, engine, "planner", COUNTY)
    for path in ("/staff/accounts", "/staff/accounts/1", "/staff/audit"):
        page = planner.client.get(path)
        assert page.status_code == 403, path
        assert 'class="refusal" role="alert">' in page.text and "规划人员" in page.text


def test_a_created_account_gets_a_generated_password_once_and_signs_in_with_it(app, county_admin):
    made = county_admin.write(
        "POST", "/api/v1/accounts", json={"username": "Acc-Pages-New", "role": "crew", "area_code": TOWNSHIP}
    )
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    account = made.json()
    assert account["username"] == "acc-pages-new" and account["area_code"] == TOWNSHIP
    password = account["password"]
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", password)
    again = county_admin.client.get(f"/api/v1/accounts/{account['id']}").json()
    assert "password" not in again or again["password"] is None
    c = new_client(app)
    signed = c.post("/api/v1/auth/token", data={"username": "acc-pages-new", "password": password})
    assert signed.status_code == 200 and signed.json()["access_token"]
    own = county_admin.write(
        "POST",
        "/api/v1/accounts",
        json={
            "username": "acc-pages-own",
            "role": "planner",
            "area_code": COUNTY,
            "password": "chosen-pass-1",
        },
    )
    assert own.status_code == 201 and "password" not in own.json()


def test_a_reset_password_is_generated_once_and_the_old_one_stops_working(app, engine, county_admin):
    target = make_account(engine, "acc-pages-reset", PASSWORD, "crew", COUNTY)
    both = county_admin.write(
        "PATCH", f"/api/v1/accounts/{target.id}", json={"generate_password": True, "password": "x" * 9}
    )
    assert both.status_code == 422 and both.json()["detail"] == "请输入新密码或选择自动生成，二者只能选一"
    reset = county_admin.write("PATCH", f"/api/v1/accounts/{target.id}", json={"generate_password": True})
    assert reset.status_code == 200 and reset.headers["cache-control"] == "no-store"
    new = reset.json()["password"]
    c = new_client(app)
    assert (
        c.post("/api/v1/auth/token", data={"username": "acc-pages-reset", "password": new}).status_code == 200
    )
    old = c.post("/api/v1/auth/token", data={"username": "acc-pages-reset", "password": PASSWORD})
    assert old.status_code == 401


@pytest.mark.parametrize(
    ("body", "lang", "status", "sentence"),
    [
        (
            {"username": "acc-pages-out", "role": "crew", "area_code": OTHER_COUNTY},
            "zh",
            403,
            f"您只能管理 {COUNTY} 内的账号和令牌，{OTHER_COUNTY} 不在其中",
        ),
        (
            {"username": "acc-pages-out", "role": "crew", "area_code": OTHER_COUNTY},
            "en",
            403,
            f"you may manage accounts and tokens only inside {COUNTY}; {OTHER_COUNTY} lies outside it",
        ),
        (
            {"username": "acc-pages-out", "role": "crew"},
            "zh",
            403,
            f"您只能管理 {COUNTY} 内的账号；不限区域（全国）的账号只有全国管理员可以管理",
        ),
        (
            {"username": "acc-pages-out", "role": "crew", "area_code": "450329999"},
            "zh",
            422,
            "没有代码为 450329999 的区域",
        ),
        (
            {"username": "acc-pages-inside", "role": "crew", "area_code": COUNTY},
            "en",
            409,
            "the username acc-pages-inside is taken",
        ),
    ],
)
def test_refusals_are_sentences_in_the_callers_language(county_admin, others, body, lang, status, sentence):
    answer = county_admin.write("POST", f"/api/v1/accounts?lang={lang}", json={"password": PASSWORD, **body})
    assert answer.status_code == status and answer.json()["detail"] == sentence


def test_an_admin_cannot_disable_or_demote_themselves_but_may_change_their_password(county_admin):
    for change in ({"disabled": True}, {"role": "planner"}, {"area_code": TOWNSHIP}):
        refused = county_admin.write("PATCH", f"/api/v1/accounts/{county_admin.id}", json=change)
        assert refused.status_code == 409, change
        assert (
            refused.json()["detail"] == "不能停用自己的账号，也不能修改自己的角色或区域：请另一位管理员操作"
        )
    same = county_admin.write("PATCH", f"/api/v1/accounts/{county_admin.id}", json={"role": "admin"})
    assert same.status_code == 200


def test_an_account_page_outside_my_area_or_unknown_is_refused_in_the_frame(county_admin, others):
    outside = county_admin.client.get(f"/staff/accounts/{others['elsewhere']}")
    assert outside.status_code == 403
    assert f"您只能管理 {COUNTY} 内的账号和令牌，{OTHER_COUNTY} 不在其中" in unescape(outside.text)
    national = county_admin.client.get(f"/staff/accounts/{others['national']}")
    assert national.status_code == 403 and "全国管理员" in unescape(national.text)
    for bad in ("999999999", "abc", "0", "1e3"):
        missing = county_admin.client.get(f"/staff/accounts/{bad}")
        assert missing.status_code == 404 and f"账号 {bad} 不存在" in unescape(missing.text), bad


def test_an_account_page_shows_its_tokens_without_their_secrets(county_admin, others):
    issued = county_admin.write(
        "POST", f"/api/v1/accounts/{others['inside']}/tokens", json={"name": "县档案系统同步"}
    )
    assert issued.status_code == 201
    secret = issued.json()["token"]
    page = county_admin.client.get(f"/staff/accounts/{others['inside']}")
    assert page.status_code == 200
    html = unescape(page.text)
    assert "账号 acc-pages-inside" in html and "县档案系统同步" in html
    assert secret[:12] + "…" in html and secret not in html
    assert 'aria-label="吊销令牌 县档案系统同步"' in html
    assert f'href="/staff/audit?collection=accounts&record={others["inside"]}"' in html


@pytest.mark.parametrize("path", ["/staff/accounts", "/staff/accounts/{national}"])
def test_english_is_complete(app, engine, others, path):
    national = _sign_in(app, engine, "admin", None)
    html = national.client.get(path.format(**others) + "?lang=en").text
    assert '<html lang="en">' in html
    assert "Accounts and API tokens" in html or "Account acc-pages-national" in html
    shown = re.sub(r'<a [^>]*lang="zh-CN">中文</a>', "", re.sub(r"<style>.*?</style>", "", html, flags=re.S))
    # the data stays as recorded: areas' names (in the table and the area choices) are Chinese names
    shown = re.sub(r'<td data-label="Area">.*?</td>|<datalist.*?</datalist>', "", shown, flags=re.S)
    assert CJK.findall(shown) == [], CJK.findall(shown)[:20]
