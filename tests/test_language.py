"""Languages: Chinese by default, English complete, and the choice remembered in the ``lang`` cookie by every page.

The English pages may show Chinese only in data values (names of places, sites and martyrs as stored) and in the
switch back to Chinese (marked ``lang="zh-CN"``); every label comes from web/i18n.py in English.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.settings import Settings
from web.i18n import LANGS, choose_lang, distance_text, keys, t

PAGES = ("/", "/coverage", "/login", "/crew", "/upkeep")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")
DATA_TABLES = ("areas", "stations", "memorials", "cemeteries", "graves")


@pytest.fixture
def staff(settings: Settings, admin_api_token: str) -> Iterator[TestClient]:
    """A fresh client (no cookies yet) of a national admin, who may open every page."""
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {admin_api_token}"}) as c:
        yield c


@pytest.fixture(scope="module")
def data_values(engine: Engine, demo_counts: dict[str, int]) -> list[str]:
    """Every stored text value with Chinese in it (names, addresses, units...), longest first."""
    found: set[str] = set()
    with engine.connect() as conn:
        for table in DATA_TABLES:
            rows = conn.execute(text(f"SELECT to_jsonb(t) - 'geom' - 'point' AS j FROM {table} t")).scalars()
            for row in rows:
                found.update(v.strip() for v in row.values() if isinstance(v, str) and CJK.search(v))
    return sorted(found, key=len, reverse=True)


def _lang_of(html: str) -> str:
    match = re.search(r'<html[^>]*\slang="([^"]+)"', html)
    assert match, html[:200]
    return match.group(1)


class _Visible(HTMLParser):
    """Text and attribute values of a page, without the language switch (it names Chinese in Chinese)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if self._skip or (tag == "a" and attributes.get("lang") == "zh-CN"):
            self._skip += 1
            return
        self.parts += [v for k, v in attrs if v and k not in ("href", "lang", "hreflang")]

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _untranslated(html: str, data_values: list[str]) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    remaining = "\n".join(parser.parts)
    for value in data_values:
        remaining = remaining.replace(value, " ")
    return [remaining[max(0, m.start() - 30) : m.end() + 30] for m in CJK.finditer(remaining)]


def test_the_language_is_chosen_by_one_function() -> None:
    assert choose_lang(None, None) == "zh"
    assert choose_lang(None, None, "en") == "en"
    assert choose_lang(None, "en") == "en"
    assert choose_lang("zh", "en") == "zh"  # the link the visitor followed wins
    assert choose_lang("fr", "en") == "en" and choose_lang(None, "xx") == "zh"
    assert "lang.other" in keys() and {t("lang.other", lang) for lang in LANGS} == {"English", "中文"}


def _choose(c: TestClient, path: str, lang: str) -> None:
    r = c.get("/choose", params={"lang": lang, "next": path}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == path
    cookie = r.headers["set-cookie"]
    assert (
        f"lang={lang}" in cookie
        and "Path=/" in cookie
        and "Max-Age=31536000" in cookie
        and "HttpOnly" in cookie
    )


@pytest.mark.parametrize("path", PAGES)
def test_every_page_honours_the_language_cookie(staff: TestClient, path: str) -> None:
    assert _lang_of(staff.get(path).text) == "zh-CN"  # Chinese by default
    _choose(staff, path, "en")
    assert _lang_of(staff.get(path).text) == "en"  # remembered, with no ?lang
    r = staff.get(path, params={"lang": "zh"})  # a shared link shows its language, and changes nothing
    assert _lang_of(r.text) == "zh-CN" and "lang=" not in r.headers.get("set-cookie", "")
    assert _lang_of(staff.get(path).text) == "en"
    _choose(staff, path, "zh")
    assert _lang_of(staff.get(path).text) == "zh-CN"


def test_a_remembered_language_reaches_pages_by_cookie_alone(
    settings: Settings, admin_api_token: str
) -> None:
    headers = {"Authorization": f"Bearer {admin_api_token}"}
    with TestClient(create_app(settings), headers=headers, cookies={"lang": "en"}) as c:
        for path in PAGES:
            assert _lang_of(c.get(path).text) == "en", path
    with TestClient(create_app(settings), headers=headers, cookies={"lang": "klingon"}) as c:
        assert _lang_of(c.get("/").text) == "zh-CN"  # a bad cookie is ignored
        assert "set-cookie" not in c.get("/").headers


@pytest.mark.parametrize("path", PAGES)
def test_every_page_links_to_the_other_language_and_the_link_remembers_it(
    staff: TestClient, path: str
) -> None:
    zh = staff.get(path).text
    match = re.search(r'<a [^>]*href="(/choose\?lang=en[^"]*)"[^>]*lang="en"', zh)
    assert match, path
    r = staff.get(unescape(match.group(1)))  # following the link: remembered, and back on the page
    assert r.status_code == 200 and _lang_of(r.text) == "en" and urlsplit(str(r.url)).path == path
    assert _lang_of(staff.get(path).text) == "en"
    en = staff.get(path).text
    assert re.search(r'<a [^>]*href="/choose\?lang=zh[^"]*"[^>]*lang="zh-CN"[^>]*>中文</a>', en), path


def test_the_switch_keeps_the_page_and_its_query(staff: TestClient) -> None:
    html = staff.get("/coverage", params={"village_m": "3000", "lang": "en"}).text
    assert 'href="/choose?lang=zh&amp;next=%2Fcoverage%3Fvillage_m%3D3000"' in html


def test_choosing_refuses_nonsense_and_stays_on_this_site(staff: TestClient) -> None:
    assert staff.get("/choose").status_code == 422
    assert staff.get("/choose", params={"lang": "fr"}).status_code == 422
    for far in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        r = staff.get("/choose", params={"lang": "en", "next": far}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"


def test_api_answers_set_no_language_cookie(staff: TestClient) -> None:
    r = staff.get("/api/v1/stations", params={"limit": 1, "lang": "en"})
    assert r.status_code == 200 and "set-cookie" not in r.headers


@pytest.mark.parametrize("path", PAGES)
def test_english_pages_have_no_untranslated_labels(
    staff: TestClient, data_values: list[str], path: str
) -> None:
    html = staff.get(path, params={"lang": "en"}).text
    assert _untranslated(html, data_values) == [], path


@pytest.mark.parametrize(
    ("metres", "zh", "en"),
    [
        (None, "", ""),
        (0, "0米", "0 m"),
        (349.6, "350米", "350 m"),
        (999.6, "1公里", "1 km"),  # rounds to 1 km: written in kilometres
        (1234, "1.2公里", "1.2 km"),
        (2000, "2公里", "2 km"),
        (15_060, "15.1公里", "15.1 km"),
    ],
)
def test_one_distance_format_for_every_page(metres, zh, en):
    assert distance_text(metres, "zh") == zh and distance_text(metres, "en") == en
