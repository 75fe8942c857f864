"""The overview map is built once per role, choice and data version, and rebuilt after any write it depends on."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.page_cache import PageCache
from tests.factories import station_body
from tests.map_pages import MapPage

pytestmark = pytest.mark.usefixtures("atlas_restored")


def test_the_cache_keeps_the_most_recent_pages_within_its_size():
    cache = PageCache(max_chars=10)
    built = []

    def page(text: str):
        return lambda: built.append(text) or text

    assert cache.get_or_build("a", page("aaaa")) == "aaaa"
    assert cache.get_or_build("a", page("other")) == "aaaa"  # kept: not built again
    cache.get_or_build("b", page("bbbb"))
    cache.get_or_build("a", page("x"))  # "a" used last: "b" is the oldest now
    cache.get_or_build("c", page("cccc"))  # 12 characters: the oldest goes
    assert built == ["aaaa", "bbbb", "cccc"]
    assert cache.get_or_build("b", page("BBBB")) == "BBBB"
    assert cache.get_or_build("big", page("y" * 11)) == "y" * 11  # larger than the cache: served, not kept
    assert "big" not in cache._pages and cache._chars <= 10


def _stations_shown(client: TestClient) -> str:
    """The station rows the overview page draws (fetched after its HTML), as text."""
    page = MapPage(client.get("/").text, client)
    return str(page.layers({"服务站": "stations"})["stations"]["rows"])


def test_a_write_makes_the_next_page_show_it(client: TestClient, anon_client: TestClient):
    cache = anon_client.app.state.page_cache
    first = anon_client.get("/")
    hits = cache.hits
    again = anon_client.get("/")
    assert again.status_code == 200 and cache.hits == hits + 1
    nonce = 'nonce="'
    assert first.text.split(nonce)[0] == again.text.split(nonce)[0]  # the same page, but for its nonce

    name = "缓存测试服务站"
    assert name not in _stations_shown(anon_client)
    created = client.post("/api/v1/stations", json=station_body(name=name))
    assert created.status_code == 201, created.text
    assert name in _stations_shown(anon_client)  # the stations' data version changed: built afresh

    deleted = client.delete(
        f"/api/v1/stations/{created.json()['id']}", headers={"If-Match": created.headers["ETag"]}
    )
    assert deleted.status_code == 204, deleted.text
    assert name not in _stations_shown(anon_client)


def test_roles_languages_and_basemaps_get_pages_of_their_own(anon_client: TestClient, admin_api_token: str):
    cache = anon_client.app.state.page_cache
    anon_client.get("/")
    before = cache.misses
    admin = {"Authorization": f"Bearer {admin_api_token}"}
    for path, headers in (("/", admin), ("/?lang=en", {}), ("/?basemap=osm&lang=en", {})):
        assert anon_client.get(path, headers=headers).status_code == 200
    assert cache.misses == before + 3
    assert 'lang="en"' in anon_client.get("/?lang=en").text
    assert cache.misses == before + 3


def test_a_page_of_newer_data_drops_the_pages_of_older_data():
    cache = PageCache()
    cache.get_or_build(("zh", 1), lambda: "old zh", data=1)
    cache.get_or_build(("en", 1), lambda: "old en", data=1)
    assert len(cache) == 2
    cache.get_or_build(("zh", 2), lambda: "new zh", data=2)
    assert len(cache) == 1 and cache._chars == len("new zh")
