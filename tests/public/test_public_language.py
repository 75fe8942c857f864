"""Every public page and every refusal of a public form, asked in Chinese (the default), says it in Chinese: no
English sentence (a run of three or more ASCII words) in what a visitor reads or hears: the page's text, its
labels for screen readers (aria-label, placeholder, title, alt) and the JSON API's reasons (``detail``).

Names of places and people are data and may be anything; the demo's are Chinese. Brand and codes (VetMap, 450329,
110.79,32.63) are one or two words and pass.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.settings import Settings

ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'’()-]+[A-Za-z]+){2,}")
READ_ATTRS = re.compile(r'\b(?:aria-label|placeholder|title|alt)="([^"]*)"')

pytestmark = pytest.mark.usefixtures("atlas_restored")


@pytest.fixture(scope="module")
def anon(settings: Settings, demo_counts: dict[str, int]) -> Iterator[TestClient]:
    """An anonymous visitor with no remembered language (Chinese, the default)."""
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def ids(engine: Engine) -> dict[str, int]:
    """A cemetery, a memorial and a martyr record of the demo atlas."""
    with engine.connect() as conn:
        return {
            "cemetery": conn.execute(text("SELECT min(id) FROM cemeteries")).scalar_one(),
            "memorial": conn.execute(text("SELECT min(id) FROM memorials")).scalar_one(),
            "martyr": conn.execute(text("SELECT min(id) FROM martyrs WHERE NOT unnamed")).scalar_one(),
        }


def visible_text(page: str) -> str:
    """What a visitor reads or hears of a page: text outside scripts, styles and tags, and the read attributes."""
    body = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", " ", page, flags=re.S | re.I)
    spoken = " | ".join(READ_ATTRS.findall(body))
    return html.unescape(re.sub(r"<[^>]+>", " | ", body) + " | " + spoken)


def english_in(textual: str) -> list[str]:
    """The English sentences (runs of 3+ ASCII words) in a text; quoted values ('flower', “what was typed”) are
    codes and input, not sentences."""
    unquoted = re.sub(r"'[^'\n]*'|“[^”]*”", " ", textual)
    return [m.group(0) for m in ENGLISH.finditer(unquoted)]


def _pages(ids: dict[str, int]) -> list[tuple[str, int]]:
    c, w, m = ids["cemetery"], ids["memorial"], ids["martyr"]
    return [
        ("/search", 200),
        ("/search?q=dgls", 200),
        ("/search?q=nothingatallhere", 200),
        ("/search?near=here", 422),
        ("/search?near=200,10", 422),
        ("/search?q=!!!", 422),
        ("/search?kind=castle", 422),
        ("/search?protection_level=galactic", 422),
        ("/search?area=999999", 422),
        ("/search?q=dg&offset=20000", 422),
        ("/search?q=" + "长" * 60, 422),
        (f"/sites/cemeteries/{c}", 200),
        (f"/sites/memorials/{w}", 200),
        ("/sites/cemeteries/999999999", 404),
        ("/sites/cemeteries/abc", 404),
        ("/sites/stations/1", 404),
        ("/martyrs", 200),
        ("/martyrs?q=liu", 200),
        ("/martyrs?death_year=abc", 422),
        ("/martyrs?death_year=1500", 422),
        ("/martyrs?q=" + "x" * 80, 422),
        (f"/martyrs/{m}", 200),
        ("/martyrs/999999999", 404),
        ("/martyrs/abc", 404),
        ("/family-search", 200),
        (f"/family-search?martyr_id={m}", 200),
        ("/family-search?martyr_id=999999999", 404),
        ("/report", 200),
        ("/reports/999999999", 404),
    ]


def test_every_public_page_speaks_chinese(anon: TestClient, ids: dict[str, int]) -> None:
    found = {}
    for path, status in _pages(ids):
        anon.cookies.clear()
        response = anon.get(path, headers={"Accept": "text/html"})
        assert response.status_code == status, (path, response.status_code, response.text[:300])
        english = english_in(visible_text(response.text))
        if english:
            found[path] = english[:3]
    assert found == {}, "English sentences on Chinese pages"


def _refusals(ids: dict[str, int]) -> list[tuple[str, str, dict | None, int]]:
    c, m = ids["cemetery"], ids["martyr"]
    tribute = {"target": "cemeteries", "target_id": c}
    return [
        ("GET", "/api/v1/search/sites?q=!!!", None, 422),
        ("GET", "/api/v1/search/sites?near=east,north", None, 422),
        ("GET", "/api/v1/search/sites", None, 422),
        ("GET", "/api/v1/search/suggest?q=dg&of=castles", None, 422),
        ("GET", "/api/v1/martyrs?death_year=1500", None, 422),
        ("GET", "/api/v1/martyrs/999999999", None, 404),
        ("POST", "/api/v1/tributes", {**tribute, "kind": "message", "message": "看 www.example.com"}, 422),
        ("POST", "/api/v1/tributes", {**tribute, "kind": "message", "message": ""}, 422),
        ("POST", "/api/v1/tributes", {**tribute, "kind": "flower", "message": "hi"}, 422),
        ("POST", "/api/v1/tributes", {**tribute, "kind": "firework"}, 422),
        ("POST", "/api/v1/tributes", {"target": "martyrs", "target_id": 999999999, "kind": "flower"}, 404),
        ("POST", "/api/v1/tributes", {**tribute, "kind": "flower", "author": "x.com"}, 422),
        ("POST", "/api/v1/martyrs", {"name": "张三"}, 401),
        ("POST", "/api/v1/tributes/1/approve", None, 401),
        ("GET", f"/api/v1/martyrs/{m}/nothing", None, 404),
    ]


def test_every_public_refusal_speaks_chinese(anon: TestClient, ids: dict[str, int]) -> None:
    found = {}
    for method, path, body, status in _refusals(ids):
        anon.cookies.clear()
        response = anon.request(method, path, json=body, headers={"Authorization": ""})
        assert response.status_code == status, (method, path, response.status_code, response.text[:300])
        detail = response.json().get("detail")
        reason = detail if isinstance(detail, str) else str(detail)
        assert reason, (path, "a refusal says why")
        english = english_in(reason)
        if english:
            found[f"{method} {path} {body}"] = reason
    assert found == {}, "English reasons in Chinese answers"
