"""Sign-in and credentials: password login (JWT), lock-out, API tokens, web sessions with CSRF, the audit log,
the signing key on disk, and the ``user`` commands."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import stat
import subprocess
from collections.abc import Iterator

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from api.app import create_app
from geo.accounts.audit import CLI_ACTOR
from geo.accounts.credentials import auth_secret, create_api_token
from geo.accounts.users import authenticate_password, create_account
from geo.errors import Unauthorized
from geo.settings import PROJECT_ROOT, Settings
from tests.command_line import run_main
from tests.factories import if_match, station_body

COUNTY = "450329"
OTHER_COUNTY = "450102"
PASSWORD = "correct horse battery"
_addresses = itertools.count(1)
_names = itertools.count(1)


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients (each with an address of its own)."""
    application = create_app(settings)
    with TestClient(application):
        yield application


pytestmark = pytest.mark.usefixtures("atlas_restored")  # the sites made here go after the module


def _client(app: FastAPI, base_url: str = "http://testserver") -> TestClient:
    """A client from an address no other test uses (the lock-out and rate limits count per address)."""
    return TestClient(app, base_url=base_url, client=(f"10.77.{next(_addresses)}.1", 40000))


def _account(engine: Engine, role: str = "planner", area: str | None = COUNTY) -> tuple[int, str]:
    name = f"auth-{role}-{next(_names)}"
    with engine.begin() as conn:
        return create_account(conn, CLI_ACTOR, name, PASSWORD, role, area).id, name


def _token(engine: Engine, account_id: int) -> str:
    with engine.begin() as conn:
        return create_api_token(conn, CLI_ACTOR, account_id, "test")[0]


def _login(client: TestClient, username: str, password: str = PASSWORD):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- password login and access tokens ----------------------------------------------------------------------


def test_password_login_issues_a_jwt_that_acts_as_the_account(app, engine, settings):
    _, name = _account(engine)
    c = _client(app)
    response = _login(c, name.upper())  # usernames are case-insensitive
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == settings.access_token_minutes * 60
    assert response.headers["cache-control"] == "no-store"
    claims = jwt.decode(body["access_token"], auth_secret(settings), algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == settings.access_token_minutes * 60
    me = c.get("/api/v1/auth/me", headers=_bearer(body["access_token"])).json()
    assert (me["username"], me["role"], me["area_code"]) == (name, "planner", COUNTY)
    assert "stations.create" in me["actions"] and "memorials.update" not in me["actions"]


def test_anonymous_me_is_the_public(app):
    me = _client(app).get("/api/v1/auth/me").json()
    assert me["role"] == "public" and me["actions"] == [] and me["csrf_token"] is None


def test_wrong_password_or_unknown_user_is_401_with_a_bearer_challenge(app, engine):
    _, name = _account(engine)
    c = _client(app)
    for username, password in ((name, "wrong password"), ("nobody-here", PASSWORD)):
        response = _login(c, username, password)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["detail"] == "wrong username or password"  # the same for both


def test_missing_form_fields_are_422(app):
    assert _client(app).post("/api/v1/auth/token", data={"username": "x"}).status_code == 422


def test_an_expired_or_forged_jwt_is_401(app, engine, settings):
    account_id, name = _account(engine)
    with engine.connect() as conn:
        version = conn.execute(
            text("SELECT auth_version FROM accounts WHERE id = :i"), {"i": account_id}
        ).scalar()
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": str(account_id), "ver": version, "typ": "access", "iat": now - dt.timedelta(hours=2)}
    expired = jwt.encode({**claims, "exp": now - dt.timedelta(minutes=1)}, auth_secret(settings), "HS256")
    forged = jwt.encode({**claims, "exp": now + dt.timedelta(hours=1)}, "another key" * 4, "HS256")
    valid = jwt.encode({**claims, "exp": now + dt.timedelta(hours=1)}, auth_secret(settings), "HS256")
    c = _client(app)
    response = c.post("/api/v1/stations", json=station_body(), headers=_bearer(expired))
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert c.get("/api/v1/auth/me", headers=_bearer(forged)).status_code == 401
    assert c.get("/api/v1/auth/me", headers=_bearer(valid)).json()["username"] == name
    unsigned = jwt.encode({**claims, "exp": now + dt.timedelta(hours=1)}, None, "none")
    assert c.get("/api/v1/auth/me", headers=_bearer(unsigned)).status_code == 401


def test_a_new_password_ends_the_old_access_tokens(app, engine, client):
    account_id, name = _account(engine)
    c = _client(app)
    access = _login(c, name).json()["access_token"]
    assert c.get("/api/v1/auth/me", headers=_bearer(access)).json()["username"] == name
    assert (
        client.patch(f"/api/v1/accounts/{account_id}", json={"password": "a brand new one"}).status_code
        == 200
    )
    assert c.get("/api/v1/auth/me", headers=_bearer(access)).status_code == 401
    assert _login(c, name).status_code == 401
    assert _login(c, name, "a brand new one").status_code == 200


# -- lock-out ---------------------------------------------------------------------------------------------


def test_five_failures_lock_the_username_with_retry_after(app, engine, settings):
    _, name = _account(engine)
    c = _client(app)
    for _ in range(settings.login_max_failures):
        assert _login(c, name, "wrong password").status_code == 401
    locked = _login(c, name)  # even the right password, for now
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["retry-after"]) <= settings.login_window_s + 1
    assert _login(_client(app), name).status_code == 429  # from any address
    _, other = _account(engine)
    assert _login(c, other).status_code == 200  # another username is not locked
    with engine.connect() as conn:
        counted = conn.execute(
            text("SELECT count(*) FROM login_attempts WHERE username = :u AND NOT succeeded"), {"u": name}
        ).scalar()
    assert counted == settings.login_max_failures  # kept in PostgreSQL; locked attempts are not counted


def test_a_successful_login_clears_the_username_count(app, engine, settings):
    _, name = _account(engine)
    c = _client(app)
    for _ in range(settings.login_max_failures - 1):
        assert _login(c, name, "wrong password").status_code == 401
    assert _login(c, name).status_code == 200
    for _ in range(settings.login_max_failures - 1):
        assert _login(c, name, "wrong password").status_code == 401
    assert _login(c, name).status_code == 200


def test_failures_from_one_address_lock_that_address(engine, settings, demo_counts):
    strict = create_app(settings.model_copy(update={"login_max_failures_per_address": 3}))
    _, name = _account(engine)
    with TestClient(strict, client=("10.78.0.1", 40000)) as c:
        for n in range(3):
            assert _login(c, f"guess-{n}", "wrong password").status_code == 401
        assert _login(c, name).status_code == 429
    with TestClient(strict, client=("10.78.0.2", 40000)) as c:
        assert _login(c, name).status_code == 200


def test_authenticate_password_records_every_attempt(engine, settings):
    _, name = _account(engine)
    with pytest.raises(Unauthorized):
        authenticate_password(engine, settings, name, "wrong password", "10.79.0.1")
    assert authenticate_password(engine, settings, name, PASSWORD, "10.79.0.1").username == name
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT succeeded, client_addr FROM login_attempts WHERE username = :u ORDER BY id"),
            {"u": name},
        ).all()
    assert [tuple(r) for r in rows] == [(False, "10.79.0.1"), (True, "10.79.0.1")]


# -- API tokens -------------------------------------------------------------------------------------------


def test_api_tokens_are_shown_once_listed_without_secret_and_revoked_at_once(app, engine, client):
    account_id, name = _account(engine)
    made = client.post(f"/api/v1/accounts/{account_id}/tokens", json={"name": "field tablet"})
    assert made.status_code == 201
    token = made.json()["token"]
    assert token.startswith("vmt_") and len(token) > 40 and made.json()["prefix"] == token[:12]
    c = _client(app)
    assert c.get("/api/v1/auth/me", headers=_bearer(token)).json()["username"] == name
    listed = client.get(f"/api/v1/accounts/{account_id}/tokens").json()
    assert [t["name"] for t in listed] == ["field tablet"] and "token" not in listed[0]
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT token_hash FROM api_tokens WHERE id = :i"), {"i": made.json()["id"]}
        )
        assert token not in stored.scalar()  # only a digest is kept
    assert client.delete(f"/api/v1/tokens/{made.json()['id']}").status_code == 204
    response = c.post("/api/v1/stations", json=station_body(), headers=_bearer(token))
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    assert client.get(f"/api/v1/accounts/{account_id}/tokens").json()[0]["revoked_at"] is not None


def test_expired_api_token_and_bad_expiry(app, engine, client):
    account_id, _ = _account(engine)
    past = client.post(
        f"/api/v1/accounts/{account_id}/tokens", json={"name": "x", "expires_at": "2020-01-01T00:00:00Z"}
    )
    assert past.status_code == 422
    naive = client.post(
        f"/api/v1/accounts/{account_id}/tokens", json={"name": "x", "expires_at": "2099-01-01T00:00"}
    )
    assert naive.status_code == 422
    with engine.begin() as conn:
        token = create_api_token(conn, CLI_ACTOR, account_id, "short")[0]
        conn.execute(
            text("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE prefix = :p"),
            {"p": token[:12]},
        )
    assert _client(app).get("/api/v1/auth/me", headers=_bearer(token)).status_code == 401


def test_a_disabled_account_can_neither_sign_in_nor_use_its_tokens(app, engine, client):
    account_id, name = _account(engine)
    token = _token(engine, account_id)
    c = _client(app)
    assert client.patch(f"/api/v1/accounts/{account_id}", json={"disabled": True}).json()["disabled"] is True
    assert c.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 401
    assert _login(c, name).status_code == 401
    assert client.patch(f"/api/v1/accounts/{account_id}", json={"disabled": False}).status_code == 200
    assert c.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 401  # revoked for good
    fresh = _token(engine, account_id)
    assert c.get("/api/v1/auth/me", headers=_bearer(fresh)).json()["username"] == name


def _signed_in(app: FastAPI, name: str) -> TestClient:
    c = _client(app)
    assert _sign_in(c, name).status_code == 303
    assert c.get("/api/v1/auth/me").json()["username"] == name
    return c


@pytest.mark.parametrize("change", ["disable and enable", "password"])
def test_every_credential_issued_before_a_disable_or_password_change_stays_dead(app, engine, client, change):
    account_id, name = _account(engine, "crew")
    token, access = _token(engine, account_id), _login(_client(app), name).json()["access_token"]
    browser = _signed_in(app, name)
    c = _client(app)
    if change == "password":
        assert client.patch(f"/api/v1/accounts/{account_id}", json={"password": "a new password"}).is_success
        password = "a new password"
    else:
        assert client.patch(f"/api/v1/accounts/{account_id}", json={"disabled": True}).is_success
        assert client.patch(f"/api/v1/accounts/{account_id}", json={"disabled": False}).is_success
        password = PASSWORD
    for old in (token, access):
        response = c.get("/api/v1/auth/me", headers=_bearer(old))
        assert response.status_code == 401 and 'error="invalid_token"' in response.headers["www-authenticate"]
        assert c.post("/api/v1/stations", json=station_body(), headers=_bearer(old)).status_code == 401
    assert browser.get("/api/v1/auth/me").json()["role"] == "public"  # the old session cookie is dead
    assert browser.post("/api/v1/stations", json=station_body()).status_code == 401
    listed = client.get(f"/api/v1/accounts/{account_id}/tokens").json()
    assert listed[0]["revoked_at"] is not None
    # what is issued after the change works
    assert c.get("/api/v1/auth/me", headers=_bearer(_token(engine, account_id))).json()["username"] == name
    new_access = _login(c, name, password).json()["access_token"]
    assert c.get("/api/v1/auth/me", headers=_bearer(new_access)).json()["username"] == name
    # each revocation is in the audit log, with its reason
    revoked = _audit(client, collection="api_tokens", record_id=listed[-1]["id"])
    reason = "password changed" if change == "password" else "account disabled"
    assert revoked[0]["action"] == "revoke" and revoked[0]["after"]["reason"] == reason
    sessions = _audit(client, collection="web_sessions", record_id=account_id)
    assert sessions and sessions[-1]["action"] == "revoke" and sessions[-1]["after"]["sessions_ended"] == 1


def test_a_login_that_races_a_password_change_gets_no_live_credential(app, engine, settings, client):
    """A login checked the old password, then the password changed, then its token or session was made."""
    from geo.accounts.credentials import find_session, issue_access_token, start_session

    account_id, name = _account(engine, "crew")
    checked = authenticate_password(engine, settings, name, PASSWORD, "10.81.0.1")
    assert client.patch(f"/api/v1/accounts/{account_id}", json={"password": "changed meanwhile"}).is_success
    with engine.begin() as conn:
        access, _ = issue_access_token(conn, settings, checked)
        cookie, _ = start_session(conn, settings, checked, "10.81.0.1")
    with engine.connect() as conn:
        assert find_session(conn, cookie) is None
    assert _client(app).get("/api/v1/auth/me", headers=_bearer(access)).status_code == 401


def test_a_role_change_ends_sessions_and_access_tokens_but_keeps_api_tokens(app, engine, client):
    account_id, name = _account(engine, "crew")
    token, access = _token(engine, account_id), _login(_client(app), name).json()["access_token"]
    browser = _signed_in(app, name)
    assert client.patch(f"/api/v1/accounts/{account_id}", json={"role": "planner"}).is_success
    c = _client(app)
    assert c.get("/api/v1/auth/me", headers=_bearer(access)).status_code == 401
    assert browser.get("/api/v1/auth/me").json()["role"] == "public"
    assert c.get("/api/v1/auth/me", headers=_bearer(token)).json()["role"] == "planner"


def test_cli_disable_and_enable_revokes_the_api_tokens_for_good(app, engine, settings, client):
    account_id, name = _account(engine, "crew")
    token = _token(engine, account_id)
    c = _client(app)
    access = _login(c, name).json()["access_token"]
    assert c.get("/api/v1/auth/me", headers=_bearer(token)).json()["username"] == name
    assert _cli(settings, "disable", name).returncode == 0
    enabled = _cli(settings, "disable", name, "--enable")
    assert enabled.returncode == 0, enabled.stderr
    assert c.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 401
    assert c.get("/api/v1/auth/me", headers=_bearer(access)).status_code == 401
    entry = _audit(client, collection="api_tokens", record_id=_token_id(engine, token))[0]
    assert (entry["actor"], entry["action"]) == ("cli", "revoke")
    assert entry["after"]["reason"] == "account disabled"


def _token_id(engine: Engine, token: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT id FROM api_tokens WHERE prefix = :p"), {"p": token[:12]}
        ).scalar_one()


def test_bad_account_input_is_a_clear_4xx(client):
    cases = [
        ({"username": "Bad Name!", "password": PASSWORD, "role": "crew", "area_code": COUNTY}, 422),
        ({"username": "short-pw", "password": "short", "role": "crew", "area_code": COUNTY}, 422),
        ({"username": "no-role", "password": PASSWORD, "role": "emperor", "area_code": COUNTY}, 422),
        ({"username": "no-area", "password": PASSWORD, "role": "crew", "area_code": "999999"}, 422),
        ({"username": "test-admin", "password": PASSWORD, "role": "crew", "area_code": COUNTY}, 409),
    ]
    for body, status in cases:
        response = client.post("/api/v1/accounts", json=body)
        assert response.status_code == status, (body, response.text)
    assert client.patch("/api/v1/accounts/987654321", json={"role": "crew"}).status_code == 404
    assert client.delete("/api/v1/tokens/987654321").status_code == 404


def test_county_admins_list_only_accounts_of_their_area(app, engine):
    admin_id, _ = _account(engine, "admin", COUNTY)
    _, inside = _account(engine, "crew", COUNTY)
    _, outside = _account(engine, "crew", OTHER_COUNTY)
    names = {
        a["username"]
        for a in _client(app).get("/api/v1/accounts", headers=_bearer(_token(engine, admin_id))).json()
    }
    assert inside in names and outside not in names and "test-admin" not in names


# -- web pages: session cookie and CSRF --------------------------------------------------------------------


def _csrf_field(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_login_page_is_chinese_by_default_and_english_on_request(app):
    c = _client(app)
    zh = c.get("/login")
    assert zh.status_code == 200 and '<html lang="zh-CN">' in zh.text and "用户名" in zh.text
    assert "vetmap_login_csrf" in zh.headers["set-cookie"] and "HttpOnly" in zh.headers["set-cookie"]
    en = c.get("/login?lang=en")
    assert '<html lang="en">' in en.text and "Username" in en.text and "Sign in" in en.text


def _sign_in(c: TestClient, name: str, next_url: str = "/"):
    csrf = _csrf_field(c.get("/login").text)
    return c.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": csrf, "next": next_url},
        follow_redirects=False,
    )


def test_page_sign_in_sets_a_safe_cookie_and_csrf_guards_cookie_writes(app, engine):
    _, name = _account(engine)
    c = _client(app)
    response = _sign_in(c, name, "/coverage?area=450329")
    assert response.status_code == 303 and response.headers["location"] == "/coverage?area=450329"
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "vetmap_session=" in v
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie and "Path=/" in cookie
    me = c.get("/api/v1/auth/me").json()
    assert me["username"] == name and me["csrf_token"]
    # a write authenticated by the cookie needs the CSRF header
    refused = c.post("/api/v1/stations", json=station_body())
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    wrong = c.post("/api/v1/stations", json=station_body(), headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    made = c.post("/api/v1/stations", json=station_body(), headers={"X-CSRF-Token": me["csrf_token"]})
    assert made.status_code == 201, made.text
    # the signed-in page offers a sign-out form; sign-out needs the token too
    page = c.get("/login")
    assert name in page.text and 'action="/logout"' in page.text
    assert c.post("/logout", data={"csrf_token": "guess"}, follow_redirects=False).status_code == 403
    out = c.post("/logout", data={"csrf_token": _csrf_field(page.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/login")
    assert c.get("/api/v1/auth/me").json()["role"] == "public"
    with engine.connect() as conn:
        assert (
            conn.execute(
                text(
                    "SELECT count(*) FROM web_sessions s JOIN accounts a ON a.id = s.account_id WHERE a.username = :u"
                ),
                {"u": name},
            ).scalar()
            == 0
        )


def test_sign_in_form_without_the_right_csrf_token_is_refused(app, engine):
    _, name = _account(engine)
    c = _client(app)
    c.get("/login")
    response = c.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403 and "vetmap_session=" not in response.headers.get("set-cookie", "")
    fresh = _client(app)  # no cookie at all: a cross-site form post
    response = fresh.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": "x"})
    assert response.status_code == 403


def test_wrong_password_on_the_page_says_so_and_next_never_leaves_the_site(app, engine):
    _, name = _account(engine)
    c = _client(app)
    csrf = _csrf_field(c.get("/login").text)
    bad = c.post("/login", data={"username": name, "password": "wrong password", "csrf_token": csrf})
    assert bad.status_code == 401 and "用户名或密码错误" in bad.text
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = _sign_in(_client(app), name, evil)
        assert response.status_code == 303 and response.headers["location"] == "/staff/"


def test_cookie_is_secure_over_https(app, engine):
    _, name = _account(engine)
    c = _client(app, base_url="https://testserver")
    response = _sign_in(c, name)
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "vetmap_session=" in v
    )
    assert "Secure" in cookie


def test_a_stale_cookie_reads_as_the_public(app):
    c = _client(app)
    c.cookies.set("vetmap_session", "not-a-session")
    assert c.get("/api/v1/auth/me").json()["role"] == "public"
    assert c.get("/").status_code == 200
    assert c.post("/api/v1/stations", json=station_body()).status_code == 401


# -- audit log --------------------------------------------------------------------------------------------


def _audit(client: TestClient, **params) -> list[dict]:
    response = client.get("/api/v1/audit", params=params)
    assert response.status_code == 200, response.text
    return response.json()["entries"]


def test_site_writes_are_audited_with_who_what_before_after(app, engine, client):
    account_id, name = _account(engine)
    c = _client(app)
    token = _token(engine, account_id)
    made = c.post(
        "/api/v1/stations", json=station_body(), headers={**_bearer(token), "X-Request-ID": "req-123"}
    )
    site_id = made.json()["id"]
    version = made.json()["properties"]["version"]
    c.patch(
        f"/api/v1/stations/{site_id}",
        json={"properties": {"name": "新站名", "version": version}},
        headers=_bearer(token),
    )
    c.delete(f"/api/v1/stations/{site_id}", headers={**_bearer(token), **if_match(c, "stations", site_id)})
    entries = _audit(client, collection="stations", record_id=site_id)
    assert [e["action"] for e in entries] == ["delete", "update", "create"]
    deleted, updated, created = entries
    assert created["actor"] == name and created["account_id"] == account_id and created["role"] == "planner"
    assert created["request_id"] == "req-123" and created["client_addr"].startswith("10.77.")
    assert created["before"] is None and created["after"]["name"] == "测试服务站"
    assert created["after"]["geom"]["type"] == "Point" and created["area_code"].startswith(COUNTY)
    assert updated["before"]["name"] == "测试服务站" and updated["after"]["name"] == "新站名"
    assert deleted["before"]["name"] == "新站名" and deleted["after"] is None
    assert dt.datetime.fromisoformat(created["at"]) <= dt.datetime.fromisoformat(deleted["at"])
    # a refused write leaves no entry
    before = len(_audit(client, collection="memorials"))
    c.post("/api/v1/memorials", json={"type": "Feature"}, headers=_bearer(token))
    assert len(_audit(client, collection="memorials")) == before


def test_admins_read_the_audit_of_their_area_only(app, engine, client):
    site = client.post("/api/v1/stations", json=station_body()).json()
    county_admin = _token(engine, _account(engine, "admin", COUNTY)[0])
    other_admin = _token(engine, _account(engine, "admin", OTHER_COUNTY)[0])
    c = _client(app)
    params = {"collection": "stations", "record_id": site["id"]}
    assert c.get("/api/v1/audit", params=params, headers=_bearer(county_admin)).json()["numberMatched"] == 1
    assert c.get("/api/v1/audit", params=params, headers=_bearer(other_admin)).json()["numberMatched"] == 0
    assert c.get("/api/v1/audit", params={"record_id": "x"}, headers=_bearer(county_admin)).status_code == 422


def test_account_token_and_run_writes_are_audited(app, engine, client):
    account_id, _ = _account(engine)
    client.patch(f"/api/v1/accounts/{account_id}", json={"password": "another password"})
    made = client.post(f"/api/v1/accounts/{account_id}/tokens", json={"name": "audited"}).json()
    client.delete(f"/api/v1/tokens/{made['id']}")
    changes = _audit(client, collection="accounts", record_id=account_id)
    assert [e["action"] for e in changes] == ["update", "create"]
    assert changes[0]["after"]["password_changed"] is True
    assert all("password_hash" not in str(e) and "another password" not in str(e) for e in changes)
    token_entries = _audit(client, collection="api_tokens", record_id=made["id"])
    assert [e["action"] for e in token_entries] == ["revoke", "create"]
    assert made["token"] not in str(token_entries)
    run = client.post("/api/v1/coverage/runs", json={"wait": True}).json()
    entry = _audit(client, collection="coverage_runs", record_id=run["id"])[0]
    assert entry["action"] == "run" and entry["actor"] == "test-admin"


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log", "TRUNCATE audit_log"],
)
def test_the_audit_log_is_append_only(engine, client, statement):
    client.post("/api/v1/stations", json=station_body())  # at least one entry
    with engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
        conn.execute(text(statement))


# -- the signing key ---------------------------------------------------------------------------------------


def test_the_signing_key_is_generated_once_with_mode_0600(tmp_path, settings):
    local = settings.model_copy(update={"var_dir": tmp_path / "var", "auth_secret": None})
    first = auth_secret(local)
    path = tmp_path / "var" / "auth_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) >= 64
    assert auth_secret(local.model_copy()) == first
    from pydantic import SecretStr

    given = settings.model_copy(update={"var_dir": tmp_path / "v2", "auth_secret": SecretStr("k" * 40)})
    assert auth_secret(given) == "k" * 40 and not (tmp_path / "v2").exists()


def test_no_secret_file_is_tracked_by_git():
    tracked = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout
    assert "auth_secret" not in tracked.split()


# -- the command line -------------------------------------------------------------------------------------


def _cli(settings: Settings, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return run_main("user", *args, database_url=settings.database_url, stdin=stdin, timeout=120)


def test_cli_user_commands(engine, settings, client):
    name = f"cli-user-{next(_names)}"
    help_text = _cli(settings, "add", "--help").stdout
    assert "--password-stdin" in help_text
    assert _cli(settings, "add", name, "--role", "crew", "--area", COUNTY, "--password", "x").returncode != 0
    assert (
        _cli(settings, "add", name, "--role", "crew", stdin=PASSWORD + "\n").returncode != 0
    )  # no area given
    added = _cli(
        settings, "add", name, "--role", "crew", "--area", COUNTY, "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert added.returncode == 0, added.stderr
    assert PASSWORD not in added.stdout
    listed = _cli(settings, "list")
    line = next(line for line in listed.stdout.splitlines() if name in line)
    assert "crew" in line and COUNTY in line and "disabled" not in line
    assert authenticate_password(engine, settings, name, PASSWORD, "10.80.0.1").role == "crew"
    changed = _cli(settings, "set-password", name, "--password-stdin", stdin="the second password\n")
    assert changed.returncode == 0, changed.stderr
    with pytest.raises(Unauthorized):
        authenticate_password(engine, settings, name, PASSWORD, "10.80.0.1")
    assert authenticate_password(engine, settings, name, "the second password", "10.80.0.1").username == name
    assert _cli(settings, "disable", name).returncode == 0
    assert "disabled" in next(line for line in _cli(settings, "list").stdout.splitlines() if name in line)
    with pytest.raises(Unauthorized):
        authenticate_password(engine, settings, name, "the second password", "10.80.0.1")
    assert _cli(settings, "disable", "no-such-user").returncode == 1
    weak = _cli(
        settings, "add", "weak-user", "--role", "crew", "--national", "--password-stdin", stdin="short\n"
    )
    assert weak.returncode == 1 and "at least" in weak.stderr
    entries = _audit(client, collection="accounts")
    assert any(e["actor"] == "cli" and e["after"]["username"] == name for e in entries)


def test_control_characters_are_a_clear_4xx_not_a_server_error(app, engine, client):
    account_id, _ = _account(engine)
    c = _client(app)
    assert _login(c, "nul\x00user", "whatever pw").status_code == 401
    assert (
        client.post(f"/api/v1/accounts/{account_id}/tokens", json={"name": "bad\x00name"}).status_code == 422
    )
    bad_user = {"username": "nul\x00", "password": PASSWORD, "role": "crew", "area_code": COUNTY}
    assert client.post("/api/v1/accounts", json=bad_user).status_code == 422
    assert c.get("/api/v1/auth/me", headers={"X-Request-ID": "x\x01y"}).status_code == 200
