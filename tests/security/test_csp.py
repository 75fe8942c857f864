"""The CSP nonce goes only to the scripts a page writes itself: page builders mark their own <script> tags
(web/csp.py), the security middleware makes each mark the response's nonce and touches no other tag, so a script
that data brought into a page has no nonce and the browser refuses it, while the page's own scripts run."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from branca.element import Element
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from api.app import create_app
from geo.settings import Settings
from tests.browser_pages import FIND_MAP, TIMEOUT_MS, watched_page
from tests.live_server import LiveServer
from web.atlas.map import build_atlas_map
from web.csp import NONCE_MARK, SCRIPT_NONCE, mark_scripts, stamp_nonce

NONCE = "abcdefghijklmnop1234"
INJECTED = '<p class="from-data"><script>window.__injected = 1</script></p>'
"""Markup as a name would bring it into a page if a builder ever inserted data as HTML."""
_SCRIPT_TAGS = re.compile(r"<script\b[^>]*>", re.IGNORECASE)


def _nonce(response) -> str:
    return re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"]).group(1)


def _injected_page() -> str:
    """The atlas map page (no layers) with ``INJECTED`` in its body."""
    m = build_atlas_map({})
    m.get_root().html.add_child(Element(INJECTED))
    return m.get_root().render()


def test_mark_scripts_marks_each_script_start_tag_without_a_nonce_once() -> None:
    markup = '<script src="/a.js"></script><SCRIPT>x</SCRIPT><scripts><script nonce="old">y</script>'
    marked = mark_scripts(markup)
    assert marked.count(NONCE_MARK) == 2
    assert "<scripts>" in marked and '<script nonce="old">' in marked
    assert mark_scripts(marked) == marked


def test_the_stamp_makes_only_the_marks_the_nonce() -> None:
    page = f'<script{SCRIPT_NONCE} src="/a.js"></script><p><script>bad()</script><script nonce="guess">g()</script></p>'
    assert stamp_nonce(page, NONCE) == (
        f'<script nonce="{NONCE}" src="/a.js"></script><p><script>bad()</script><script nonce="guess">g()</script></p>'
    )
    with pytest.raises(ValueError):
        stamp_nonce(page, 'x" onload="alert(1)')


def test_a_map_page_marks_its_header_and_its_script_but_nothing_in_its_body() -> None:
    html = _injected_page()
    tags = _SCRIPT_TAGS.findall(html)
    assert [tag for tag in tags if NONCE_MARK not in tag] == ["<script>"]  # the one in the body
    assert len(tags) > 3  # Leaflet and the plugins, the map's header script, the page's script
    body = html.split("<body>", 1)[1].split("</body>", 1)[0]
    assert NONCE_MARK not in body and INJECTED in body
    assert NONCE_MARK in html.rsplit("</body>", 1)[1]  # the page's own script, after the body


@pytest.fixture(scope="module")
def injecting_app(settings: Settings, demo_counts: dict[str, int]):
    """The app, plus a map page with ``INJECTED`` in its body (as if a builder had inserted data as markup)."""
    app = create_app(settings)

    @app.get("/injected-map")
    def injected_map() -> HTMLResponse:
        return HTMLResponse(_injected_page())

    return app


def test_the_response_nonce_goes_to_the_page_s_own_scripts_only(injecting_app) -> None:
    with TestClient(injecting_app) as client:
        response = client.get("/injected-map", headers={"accept-encoding": "identity"})
    assert response.status_code == 200
    nonce = _nonce(response)
    tags = _SCRIPT_TAGS.findall(response.text)
    assert [tag for tag in tags if f'nonce="{nonce}"' not in tag] == ["<script>"]
    assert NONCE_MARK not in response.text
    assert int(response.headers["content-length"]) == len(response.content)


@pytest.mark.parametrize("path", ["/", "/coverage?area=450329", "/search?q=dgls", "/report", "/api/v1/docs"])
def test_every_script_a_page_writes_carries_the_nonce_and_no_mark_leaves(
    client: TestClient, path: str
) -> None:
    response = client.get(path, headers={"accept-encoding": "identity"})
    assert response.status_code == 200
    nonce = _nonce(response)
    tags = _SCRIPT_TAGS.findall(response.text)
    assert tags and all(f'nonce="{nonce}"' in tag for tag in tags), tags
    assert NONCE_MARK not in response.text


@pytest.fixture(scope="module")
def injecting_server(injecting_app) -> Iterator[str]:
    """``injecting_app`` served by uvicorn."""
    server = LiveServer(injecting_app)
    server.start()
    yield server.url
    server.stop()


# Before any of the page's scripts: record CSP violations.
_RECORD_VIOLATIONS = """(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
        window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
    });
})();"""


@pytest.mark.browser
def test_a_script_that_data_brought_into_a_page_is_refused_while_the_page_s_own_run(
    browser: Browser, injecting_server: str, request: pytest.FixtureRequest
) -> None:
    with watched_page(browser, injecting_server, request) as watched:
        page = watched.page
        page.add_init_script(_RECORD_VIOLATIONS)
        response = page.goto(injecting_server + "/injected-map", wait_until="networkidle", timeout=TIMEOUT_MS)
        assert response is not None and response.status == 200
        assert page.evaluate(FIND_MAP)  # the page's own scripts ran: Leaflet and its map are there
        assert page.locator(".leaflet-control-layers").count() == 1
        assert page.evaluate("window.__injected") is None
        page.wait_for_function("window.__cspViolations.length > 0")
        assert page.evaluate("window.__cspViolations") == ["script-src-elem inline"]
        nonce = _nonce(response)
        unnonced = page.evaluate("(n) => [...document.scripts].filter((s) => s.nonce !== n).length", nonce)
        assert unnonced == 1
        assert watched.unexpected_outside() == []
        assert all("Content Security Policy" in e for e in watched.errors), watched.errors
