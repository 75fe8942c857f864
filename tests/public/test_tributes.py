"""Online tribute (云祭扫): counts, moderation in the moderator's area, rate limits, refusals that store nothing,
and the tribute section in a real browser under the page's CSP with the internet cut off."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

import pytest
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Route, expect
from sqlalchemy import Engine, text

from api.app import create_app
from geo.accounts.credentials import auth_secret
from geo.public.tributes import client_hash
from geo.settings import SecuritySettings, Settings
from tests.auth_helpers import staff_accounts
from tests.live_server import LiveServer
from web.csp import SCRIPT_NONCE
from web.public.tribute_widget import tribute_section

_addresses = (f"10.77.{i // 250}.{i % 250 + 1}" for i in itertools.count())


@dataclass(frozen=True)
class Targets:
    memorial_a: int
    memorial_b: int
    area_a: str
    area_b: str
    cemetery: int
    cemetery_area: str
    martyr: int


@pytest.fixture(scope="module")
def targets(engine: Engine, demo_counts: dict[str, int]) -> Iterator[Targets]:
    """Two memorials in different counties, a cemetery and a martyr buried there (no area of its own)."""
    with engine.begin() as conn:
        first = conn.execute(text("SELECT id, area_code FROM memorials ORDER BY id LIMIT 1")).one()
        second = conn.execute(
            text("SELECT id, area_code FROM memorials WHERE left(area_code, 6) <> :a ORDER BY id LIMIT 1"),
            {"a": first.area_code[:6]},
        ).one()
        cemetery = conn.execute(text("SELECT id, area_code FROM cemeteries ORDER BY id LIMIT 1")).one()
        martyr = conn.execute(
            text(
                "INSERT INTO martyrs (name, cemetery_id, synthetic) VALUES ('测试烈士', :c, true) RETURNING id"
            ),
            {"c": cemetery.id},
        ).scalar_one()
        before = conn.execute(text("SELECT coalesce(max(id), 0) FROM tributes")).scalar_one()
    yield Targets(
        first.id, second.id, first.area_code, second.area_code, cemetery.id, cemetery.area_code, martyr
    )
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM tributes WHERE id > :n"), {"n": before})
        conn.execute(text("DELETE FROM martyrs WHERE id = :id"), {"id": martyr})


def _public(settings: Settings, **kw) -> TestClient:
    """A client of the anonymous public from an address of its own (the limits are per client)."""
    return TestClient(create_app(settings, **kw), client=(next(_addresses), 40000))


@pytest.fixture(scope="module")
def public(settings: Settings, targets: Targets) -> Iterator[TestClient]:
    with _public(settings) as c:
        yield c


def _tribute_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM tributes")).scalar_one()


def _counts(client: TestClient, target: str, target_id: int) -> dict[str, int]:
    r = client.get("/api/v1/tributes", params={"target": target, "target_id": target_id})
    assert r.status_code == 200, r.text
    return r.json()["counts"]


def test_flowers_and_candles_count_at_once(public: TestClient, targets: Targets) -> None:
    before = _counts(public, "memorials", targets.memorial_a)
    r = public.post(
        "/api/v1/tributes", json={"target": "memorials", "target_id": targets.memorial_a, "kind": "flower"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "approved"
    assert r.json()["counts"]["flower"] == before["flower"] + 1
    r = public.post(
        "/api/v1/tributes", json={"target": "memorials", "target_id": targets.memorial_a, "kind": "candle"}
    )
    assert r.status_code == 201, r.text
    after = _counts(public, "memorials", targets.memorial_a)
    assert after == {**before, "flower": before["flower"] + 1, "candle": before["candle"] + 1}


def test_a_message_appears_only_after_approval_newest_first(
    public: TestClient, client: TestClient, targets: Targets
) -> None:
    ids = []
    for text_ in ("永垂不朽", "英雄安息 <b>致敬</b>"):
        r = public.post(
            "/api/v1/tributes",
            json={
                "target": "cemeteries",
                "target_id": targets.cemetery,
                "kind": "message",
                "message": text_,
                "author": "  后辈  ",
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "pending"
        ids.append(r.json()["id"])
    page = public.get(
        "/api/v1/tributes", params={"target": "cemeteries", "target_id": targets.cemetery}
    ).json()
    assert all(m["id"] not in ids for m in page["messages"])
    assert page["counts"]["message"] == page["total_messages"]

    for tribute_id in ids:
        r = client.post(f"/api/v1/tributes/{tribute_id}/approve")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "approved"
    page = public.get(
        "/api/v1/tributes", params={"target": "cemeteries", "target_id": targets.cemetery, "limit": 1}
    ).json()
    assert [m["id"] for m in page["messages"]] == [ids[1]]  # newest first, one per page
    assert page["messages"][0]["message"] == "英雄安息 <b>致敬</b>"
    assert page["messages"][0]["author"] == "后辈"
    assert set(page["messages"][0]) == {
        "id",
        "message",
        "author",
        "created_at",
    }  # no client hash, no moderator
    second = public.get(
        "/api/v1/tributes",
        params={"target": "cemeteries", "target_id": targets.cemetery, "limit": 1, "offset": 1},
    ).json()
    assert [m["id"] for m in second["messages"]] == [ids[0]]
    assert page["total_messages"] >= 2


def test_moderation_is_idempotent_and_final(public: TestClient, client: TestClient, targets: Targets) -> None:
    r = public.post(
        "/api/v1/tributes",
        json={"target": "memorials", "target_id": targets.memorial_b, "kind": "message", "message": "缅怀"},
    )
    tribute_id = r.json()["id"]
    assert client.post(f"/api/v1/tributes/{tribute_id}/reject").json()["status"] == "rejected"
    assert client.post(f"/api/v1/tributes/{tribute_id}/reject").status_code == 200  # the same decision again
    r = client.post(f"/api/v1/tributes/{tribute_id}/approve")
    assert r.status_code == 409 and "已经审核过了" in r.json()["detail"]
    assert client.post("/api/v1/tributes/999999999/approve").status_code == 404
    assert client.post("/api/v1/tributes/0/approve").status_code == 422
    page = public.get(
        "/api/v1/tributes", params={"target": "memorials", "target_id": targets.memorial_b}
    ).json()
    assert all(m["id"] != tribute_id for m in page["messages"])


def test_a_martyr_tribute_takes_the_area_of_the_burial_place(
    public: TestClient, engine: Engine, targets: Targets
) -> None:
    r = public.post(
        "/api/v1/tributes",
        json={
            "target": "martyrs",
            "target_id": targets.martyr,
            "kind": "message",
            "message": "您的名字我们记得",
        },
    )
    assert r.status_code == 201, r.text
    with engine.connect() as conn:
        area = conn.execute(
            text("SELECT area_code FROM tributes WHERE id = :id"), {"id": r.json()["id"]}
        ).scalar()
    assert area == targets.cemetery_area


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"target": "memorials", "target_id": 999_999_999, "kind": "flower"}, 404, "no memorials record"),
        ({"target": "martyrs", "target_id": 999_999_999, "kind": "flower"}, 404, "no martyrs record"),
        ({"target": "stations", "target_id": 1, "kind": "flower"}, 422, None),
        ({"target": "memorials", "target_id": 0, "kind": "flower"}, 422, None),
        ({"target": "memorials", "kind": "flower"}, 422, None),
        ({"target": "memorials", "target_id": "{m}", "kind": "wreath"}, 422, None),
        ({"target": "memorials", "target_id": "{m}", "kind": "message"}, 422, "needs a message"),
        (
            {"target": "memorials", "target_id": "{m}", "kind": "message", "message": "   "},
            422,
            "needs a message",
        ),
        (
            {"target": "memorials", "target_id": "{m}", "kind": "message", "message": "烈" * 501},
            422,
            "too long",
        ),
        ({"target": "memorials", "target_id": "{m}", "kind": "message", "message": "烈" * 1001}, 422, None),
        (
            {
                "target": "memorials",
                "target_id": "{m}",
                "kind": "message",
                "message": "看 https://spam.example",
            },
            422,
            "links",
        ),
        (
            {"target": "memorials", "target_id": "{m}", "kind": "message", "message": "加我 www.spam"},
            422,
            "links",
        ),
        (
            {"target": "memorials", "target_id": "{m}", "kind": "message", "message": "买药 cheap.com"},
            422,
            "links",
        ),
        ({"target": "memorials", "target_id": "{m}", "kind": "message", "message": "a\x07b"}, 422, "control"),
        (
            {"target": "memorials", "target_id": "{m}", "kind": "flower", "message": "hi"},
            422,
            "carries no message",
        ),
        (
            {
                "target": "memorials",
                "target_id": "{m}",
                "kind": "message",
                "message": "好",
                "author": "x.com",
            },
            422,
            "links",
        ),
        ({"target": "memorials", "target_id": "{m}", "kind": "flower", "author": "名" * 41}, 422, "too long"),
        ({"target": "memorials", "target_id": "{m}", "kind": "flower", "status": "approved"}, 422, None),
    ],
)
def test_refusals_store_nothing(
    settings: Settings, engine: Engine, targets: Targets, body: dict, status: int, reason: str | None
) -> None:
    body = {k: (targets.memorial_a if v == "{m}" else v) for k, v in body.items()}
    before = _tribute_rows(engine)
    with _public(settings) as c:
        r = c.post("/api/v1/tributes?lang=en", json=body)
    assert r.status_code == status, r.text
    if reason is not None:
        assert reason in r.json()["detail"]
    assert _tribute_rows(engine) == before


def test_unknown_target_on_read_is_404_and_bad_paging_422(public: TestClient, targets: Targets) -> None:
    r = public.get("/api/v1/tributes", params={"target": "cemeteries", "target_id": 999_999_999})
    assert r.status_code == 404
    r = public.get(
        "/api/v1/tributes", params={"target": "cemeteries", "target_id": targets.cemetery, "limit": 0}
    )
    assert r.status_code == 422
    assert public.get("/api/v1/tributes", params={"target": "graves", "target_id": 1}).status_code == 422


def test_a_burst_answers_429_stores_no_more_and_keeps_no_address(
    settings: Settings, engine: Engine, targets: Targets
) -> None:
    strict = settings.model_copy(update={"tribute_per_target_per_hour": 3, "tribute_per_hour": 4})
    body = {"target": "memorials", "target_id": targets.memorial_a, "kind": "flower"}
    address = next(_addresses)
    with TestClient(create_app(strict), client=(address, 40000)) as c:
        assert [c.post("/api/v1/tributes", json=body).status_code for _ in range(3)] == [201, 201, 201]
        before = _tribute_rows(engine)
        r = c.post("/api/v1/tributes", json=body)
        assert r.status_code == 429
        assert "每小时最多 3 次" in r.json()["detail"]
        assert 1 <= int(r.headers["Retry-After"]) <= 3601
        assert _tribute_rows(engine) == before
        other = {**body, "target_id": targets.memorial_b}
        assert c.post("/api/v1/tributes", json=other).status_code == 201  # another page: its own limit
        r = c.post("/api/v1/tributes", json={**other, "kind": "candle"})
        assert r.status_code == 429 and "所有页面合计" in r.json()["detail"]  # 4 an hour in all
    with TestClient(
        create_app(strict), client=(next(_addresses), 40000)
    ) as c:  # another client is not held up
        assert c.post("/api/v1/tributes", json=body).status_code == 201
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT client_hash FROM tributes WHERE client_hash = :h"),
            {"h": client_hash(auth_secret(settings), address)},
        ).all()
        assert len(rows) == 4
        assert len(rows[0].client_hash) == 64 and address not in rows[0].client_hash
        stored = conn.execute(
            text("SELECT count(*) FROM tributes t WHERE strpos(t::text, :a) > 0"), {"a": address}
        ).scalar_one()
    assert stored == 0


def test_the_middleware_limits_tribute_posts_per_address(settings: Settings, targets: Targets) -> None:
    security = SecuritySettings(rate_limit_requests=2, rate_limit_window_s=60)
    body = {"target": "memorials", "target_id": 999_999_999, "kind": "flower"}
    with _public(settings, security=security) as c:
        assert [c.post("/api/v1/tributes", json=body).status_code for _ in range(2)] == [404, 404]
        r = c.post("/api/v1/tributes", json=body)
        assert r.status_code == 429 and "Retry-After" in r.headers


@pytest.fixture(scope="module")
def moderators(engine: Engine, targets: Targets) -> dict[str, dict[str, str]]:
    specs = [
        ("planner-a", "planner", targets.area_a[:6]),
        ("admin-b", "admin", targets.area_b[:6]),
        ("crew-a", "crew", targets.area_a[:6]),
    ]
    return {key: headers for key, (_, headers) in staff_accounts(engine, specs, "tribute-mod").items()}


def test_moderation_is_scoped_to_the_targets_area(
    public: TestClient, client: TestClient, moderators: dict[str, dict[str, str]], targets: Targets
) -> None:
    made = {}
    for key, memorial in (("a", targets.memorial_a), ("b", targets.memorial_b)):
        r = public.post(
            "/api/v1/tributes",
            json={"target": "memorials", "target_id": memorial, "kind": "message", "message": f"致敬 {key}"},
        )
        assert r.status_code == 201, r.text
        made[key] = r.json()["id"]

    def pending_ids(headers: dict[str, str]) -> set[int]:
        r = public.get("/api/v1/tributes/pending", params={"limit": 200}, headers=headers)
        assert r.status_code == 200, r.text
        return {item["id"] for item in r.json()["items"]}

    seen_a = pending_ids(moderators["planner-a"])
    assert made["a"] in seen_a and made["b"] not in seen_a
    seen_b = pending_ids(moderators["admin-b"])
    assert made["b"] in seen_b and made["a"] not in seen_b
    everything = client.get("/api/v1/tributes/pending", params={"limit": 200}).json()
    item = next(i for i in everything["items"] if i["id"] == made["a"])
    assert item["target_name"] and item["area_code"] == targets.area_a and "client_hash" not in item

    r = public.post(f"/api/v1/tributes/{made['b']}/approve", headers=moderators["planner-a"])
    assert r.status_code == 403 and "不在您的辖区内" in r.json()["detail"]
    assert (
        public.post(f"/api/v1/tributes/{made['a']}/approve", headers=moderators["crew-a"]).status_code == 403
    )
    assert public.get("/api/v1/tributes/pending", headers=moderators["crew-a"]).status_code == 403
    assert public.get("/api/v1/tributes/pending").status_code == 401
    assert public.post(f"/api/v1/tributes/{made['a']}/approve").status_code == 401
    r = public.post(f"/api/v1/tributes/{made['a']}/approve", headers=moderators["planner-a"])
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert made["a"] not in pending_ids(moderators["planner-a"])


# -- the section's HTML, and in a real browser under the CSP


def test_the_section_escapes_and_labels_in_both_languages() -> None:
    zh = tribute_section("martyrs", 7, "zh")
    en = tribute_section("martyrs", 7, "en")
    assert "云祭扫" in zh and "献一束花" in zh
    assert "Online tribute" in en and "Lay flowers" in en and "云祭扫" not in en
    assert f'<script{SCRIPT_NONCE} src="/static/tribute/tribute.js"' in zh  # the page's own: nonce-marked
    assert "onclick" not in zh and "<script>" not in zh  # no inline script: the page's CSP stays strict
    with pytest.raises(ValueError):
        tribute_section("stations", 7, "zh")
    with pytest.raises(ValueError):
        tribute_section("martyrs", 0, "zh")


PAGE = '<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>t</title></head><body>{body}</body></html>'


@pytest.fixture(scope="module")
def widget_server(settings: Settings, targets: Targets) -> Iterator[str]:
    """The app plus a bare page that holds the tribute section (the public pages include it the same way)."""
    app = create_app(settings)

    @app.get("/tribute-test/{target}/{target_id}")
    def page(target: str, target_id: int, lang: str = "zh") -> HTMLResponse:
        section = tribute_section(target, target_id, lang)
        return HTMLResponse(PAGE.format(lang=escape(lang), body=section))

    server = LiveServer(app)
    server.start()
    yield server.url
    server.stop()


@pytest.mark.browser
def test_the_section_works_in_the_browser_under_its_csp_offline(
    browser: Browser, widget_server: str, targets: Targets, client: TestClient
) -> None:
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    blocked, errors = [], []

    def gate(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    page.route("**/*", gate)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        before = _counts(client, "martyrs", targets.martyr)
        response = page.goto(
            f"{widget_server}/tribute-test/martyrs/{targets.martyr}?lang=en", wait_until="networkidle"
        )
        assert (
            response is not None
            and "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
        )
        section = page.locator("section.vetmap-tribute")
        expect(section.locator('[data-count="flower"]')).to_have_text(str(before["flower"]))
        section.locator("button[data-kind=flower]").click()
        expect(section.locator('[data-count="flower"]')).to_have_text(str(before["flower"] + 1))
        expect(section.locator(".tribute-status")).to_have_text("Flowers laid. Thank you for remembering.")
        section.locator("#tribute-message").fill("Rest in peace")
        section.locator("button[type=submit]").click()
        expect(section.locator(".tribute-status")).to_contain_text("after moderation")
        expect(section.locator("#tribute-message")).to_have_value("")
        section.locator("#tribute-message").fill("see http://spam.example")
        section.locator("button[type=submit]").click()
        expect(section.locator(".tribute-status")).to_contain_text(
            "Not accepted: Messages may not contain links"
        )
        assert blocked == [] and errors == [e for e in errors if "422" in e]  # the refused post logs its 422
    finally:
        context.close()
