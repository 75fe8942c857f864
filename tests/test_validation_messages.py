"""A request the framework's validation refuses is answered in the caller's language: one sentence per field, from
the catalogue, never pydantic's English; a person's browser gets a page, a program JSON with the same sentence."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from geo.settings import Settings
from web.validation import validation_text

CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    """A client of the app (no database rows needed: validation answers before any query)."""
    app: FastAPI = create_app(settings)
    with TestClient(app) as c:
        yield c


def test_each_error_type_is_a_sentence_in_both_languages() -> None:
    errors = [
        {"type": "less_than_equal", "loc": ("query", "limit"), "ctx": {"le": 1000}},
        {"type": "missing", "loc": ("body", "name")},
        {"type": "int_parsing", "loc": ("query", "offset")},
        {"type": "a_type_nobody_knows", "loc": ("query", "x")},
    ]
    assert (
        validation_text(errors, "zh")
        == "“limit”：不能大于 1000；“name”：必须填写；“offset”：应为整数；“x”：取值不对"
    )
    assert validation_text(errors, "en") == (
        "limit: must be at most 1000; name: is required; offset: must be a whole number; x: is not right"
    )


def test_a_program_gets_json_with_the_sentence_in_its_language(client: TestClient) -> None:
    zh = client.get("/api/v1/stations", params={"limit": "many"})
    assert zh.status_code == 422
    body = zh.json()
    assert body["detail"] == "“limit”：应为整数" and body["errors"][0]["type"] == "int_parsing"
    en = client.get("/api/v1/stations", params={"limit": "many"}, headers={"Accept-Language": "en"})
    assert en.json()["detail"] == "limit: must be a whole number"
    # a browser asking the API still gets JSON: the API answers programs
    html_accept = client.get("/api/v1/stations", params={"limit": "many"}, headers={"Accept": "text/html"})
    assert html_accept.headers["content-type"].startswith("application/json")


def test_a_browser_gets_a_page_in_its_language(client: TestClient) -> None:
    page = client.get("/staff/", params={"lang": "fr"}, headers={"Accept": "text/html,*/*"})
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in page.text and "请求有误" in page.text and "“lang”：只能是" in page.text
    assert 'href="/staff/"' in page.text and "Input should" not in page.text
    en = client.get(
        "/staff/", params={"lang": "fr"}, headers={"Accept": "text/html", "Accept-Language": "en"}
    )
    visible = re.sub(r"<[^>]+>", " ", en.text)
    assert "lang: must be one of" in visible and CJK.findall(visible) == []
