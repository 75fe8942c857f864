"""GET /api/v1/search/suggest: names offered as a visitor types (sites and martyrs by Chinese, pinyin or
initials), nothing for a query too short to match, a reason in the caller's language for a bad request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo.settings import Settings

URL = "/api/v1/search/suggest"
pytestmark = pytest.mark.usefixtures("atlas_restored")


@pytest.fixture(scope="module")
def anon(settings: Settings, demo_counts: dict[str, int]) -> Iterator[TestClient]:
    """An anonymous client of this module's own."""
    with TestClient(create_app(settings)) as client:
        yield client


def test_initials_offer_the_cemetery_with_its_page(anon: TestClient) -> None:
    answer = anon.get(URL, params={"q": "dgls"})
    assert answer.status_code == 200, answer.text
    found = answer.json()["suggestions"]
    site = next(s for s in found if s["name"] == "东沟烈士陵园")
    assert site["kind"] == "sites" and site["url"].startswith("/sites/cemeteries/")
    assert anon.get(site["url"]).status_code == 200


def test_martyrs_only_when_asked_and_within_the_limit(anon: TestClient) -> None:
    found = anon.get(URL, params={"q": "liu", "of": "martyrs", "limit": 3}).json()["suggestions"]
    assert 1 <= len(found) <= 3
    assert all(s["kind"] == "martyrs" and s["url"].startswith("/martyrs/") for s in found)


@pytest.mark.parametrize("q", ["", "   ", "!!!", "%"])
def test_nothing_to_match_offers_nothing(anon: TestClient, q: str) -> None:
    answer = anon.get(URL, params={"q": q})
    assert answer.status_code == 200 and answer.json()["suggestions"] == []


@pytest.mark.parametrize(
    ("params", "zh", "en"),
    [
        ({"q": "长" * 51}, "搜索内容过长", "at most 50"),
        ({"q": "dg", "of": "castles"}, "只能提示纪念设施或烈士", "sites or martyrs"),
    ],
)
def test_bad_requests_say_why_in_the_callers_language(
    anon: TestClient, params: dict, zh: str, en: str
) -> None:
    answer = anon.get(URL, params=params)
    assert answer.status_code == 422 and zh in answer.json()["detail"]
    english = anon.get(URL, params={**params, "lang": "en"})
    assert english.status_code == 422 and en in english.json()["detail"]
