"""The overview map page ``/`` as served (no browser): its title, header, legend and links, and that the cached
page holds nothing of one visitor (who is signed in is asked for by the page's script)."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine

from geo.atlas.overview import MAP_COLLECTIONS
from tests.auth_helpers import headers_of, staff_accounts
from tests.map_pages import MapPage
from web.atlas.map import build_atlas_map, legend_items, legend_spec, site_marker
from web.atlas.overview import OverviewPage, add_overview, overview_config, render_page

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

COUNTY = "450329"  # 资源县
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def planners(engine: Engine, demo_counts: dict[str, int]) -> dict:
    """Two planners of 资源县 signed in by API tokens."""
    return staff_accounts(engine, [("a", "planner", COUNTY), ("b", "planner", COUNTY)], "overview-page")


def _header(html: str) -> str:
    match = re.search(r'<header class="atlas-header">.*?</header>', html, re.DOTALL)
    assert match, "the page has no header"
    return match.group(0)


def _config(html: str) -> dict:
    match = re.search(r'<script[^>]*id="atlas-config">(.*?)</script>', html, re.DOTALL)
    assert match, "the page has no data for its script"
    return json.loads(match.group(1))


def test_the_page_names_the_product_and_what_the_map_shows(anon_client: TestClient) -> None:
    html = anon_client.get("/").text
    page = MapPage(html)
    assert page.title == "服务站与烈士纪念设施分布图 · 退役军人服务地图 VetMap"
    header = _header(html)
    assert '<h1 class="atlas-title">服务站与烈士纪念设施分布图</h1>' in header
    assert "退役军人服务地图 VetMap" in header
    english = MapPage(anon_client.get("/?lang=en").text)
    assert english.title == "Service stations and martyr memorial sites · VetMap — veterans' service map"


def test_the_header_offers_search_sign_in_and_its_own_language_switch(anon_client: TestClient) -> None:
    html = anon_client.get("/").text
    header = _header(html)
    assert re.search(r'<form class="atlas-search" role="search" method="get" action="/search"', header)
    assert 'role="combobox"' in header and 'name="q"' in header
    assert '<a class="atlas-login" href="/login?next=%2F">登录</a>' in header
    assert 'href="/choose?lang=en&amp;next=%2F"' in header
    assert "vetmap-lang-switch" not in html  # the page's own switch, not the floating one of the middleware
    # the old lone link to the coverage map of the whole atlas is gone; staff get theirs from the script
    assert "vetmap-page-link" not in html
    assert 'class="atlas-staff" hidden' in header
    for path in ("/martyrs", "/family-search", "/report"):  # the public header's sections
        assert f'<a href="{path}">' in header


def test_an_english_page_keeps_its_language_in_links_and_has_no_chinese_in_its_header(
    anon_client: TestClient,
) -> None:
    html = anon_client.get("/?lang=en").text
    header = _header(html)
    assert 'href="/login?next=%2F%3Flang%3Den&amp;lang=en"' in header
    assert '<input type="hidden" name="lang" value="en">' in header
    assert '<a href="/report?lang=en">Report a problem</a>' in header
    switch = re.search(r'<a class="atlas-lang"[^>]*>([^<]*)</a>', header)
    assert switch and CJK.search(switch.group(1))
    assert not CJK.search(header.replace(switch.group(0), "")), header
    config = _config(html)
    assert not CJK.search(json.dumps(config, ensure_ascii=False))
    legend = legend_spec(MAP_COLLECTIONS, True, "en")
    assert not CJK.search(json.dumps(legend, ensure_ascii=False))


def test_the_page_lets_people_zoom_it(anon_client: TestClient) -> None:
    html = anon_client.get("/").text
    assert "user-scalable=no" not in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1" />' in html


def test_the_cached_page_holds_nothing_of_who_is_signed_in(
    anon_client: TestClient, planners: dict, engine: Engine
) -> None:
    cache = anon_client.app.state.page_cache
    first = anon_client.get("/", headers=headers_of(planners, "a"))
    assert first.status_code == 200
    hits = cache.hits
    second = anon_client.get("/", headers=headers_of(planners, "b"))
    assert cache.hits == hits + 1  # one page for every planner
    nonce = 'nonce="'
    assert first.text.split(nonce)[0] == second.text.split(nonce)[0]
    for text in (first.text, second.text):
        assert "overview-page-a" not in text and "overview-page-b" not in text
        assert "csrf" not in _header(text).replace('name="csrf_token" value=""', "")
    assert _header(first.text) == _header(anon_client.get("/").text)  # the header is the public one


def test_who_is_signed_in_is_asked_of_the_api(anon_client: TestClient, planners: dict) -> None:
    config = _config(anon_client.get("/").text)
    me = anon_client.get(config["me_api"], headers=headers_of(planners, "a")).json()
    assert me["username"] == "overview-page-a" and me["area_code"] == COUNTY
    assert config["edit_rights"]["stations"] in me["actions"]
    assert config["edit_rights"]["memorials"] not in me["actions"]  # planners do not edit memorials
    assert config["crew_right"] in me["actions"]
    assert anon_client.get(config["me_api"]).json()["role"] == "public"


def test_popup_links_lead_to_pages_that_exist(anon_client: TestClient, engine: Engine) -> None:
    config = overview_config(OverviewPage("zh"))
    assert config["edit_page"] == "/staff/sites/{collection}/{id}"
    assert config["crew_page"] == "/crew/{collection}/{id}"
    results = anon_client.get(config["search_api"], params={"q": "兰前村"}).json()["results"]
    assert results, "the demo has the memorial of 兰前村"
    for result in results:
        assert result["collection"] in config["site_page_collections"]
        path = config["site_page"].format(collection=result["collection"], id=result["id"])
        assert path == result["url"]
        assert anon_client.get(path).status_code == 200
    # the anonymous are sent to sign in by the crew page, not refused
    crew = config["crew_page"].format(collection="memorials", id=results[0]["id"])
    assert anon_client.get(crew, follow_redirects=False).status_code == 303
    # a memorial's popup offers to report a problem there, on the report page started at that site
    assert results[0]["collection"] in config["report_collections"]
    report = f"{config['report_page']}?site={results[0]['collection']}/{results[0]['id']}"
    assert anon_client.get(report).status_code == 200


def test_each_layer_has_a_legend_drawn_as_its_markers_are() -> None:
    stations = legend_items("stations", "zh")
    assert stations[0] == ["cluster", "31, 95, 168", "聚合"]
    assert ["building", "cadetblue", "县级"] in stations and ["house", "lightblue", "村(社区)"] in stations
    assert ["house-flag", "lightgray", "筹建"] in stations and ["house-flag", "gray", "撤销"] in stations
    marker = site_marker("stations", {"id": 1, "properties": {"level": "county", "status": "active"}}, "zh")
    assert [marker["icon"], marker["colour"]] in [item[:2] for item in stations]
    memorial = site_marker("memorials", {"id": 2, "properties": {"kind": "statue"}}, "en")
    assert [memorial["icon"], memorial["colour"], "Memorial statue"] in legend_items("memorials", "en")
    spec = legend_spec(("stations", "graves"), False, "zh")
    assert set(spec["layers"]) == {"stations", "graves"}
    assert set(legend_spec(MAP_COLLECTIONS, True, "zh")["layers"]) == {*MAP_COLLECTIONS, "boundaries"}
    assert [item[2] for item in spec["upkeep"]["items"]] == ["损坏", "较差"]


def test_every_layer_of_the_page_is_in_its_legend(anon_client: TestClient) -> None:
    page = MapPage(anon_client.get("/").text)
    assert page.script.count("VetMapLegend.attach(") == 1
    spec_json = page.script.split("VetMapLegend.attach(", 1)[1]
    spec, _ = json.JSONDecoder().raw_decode(spec_json[spec_json.index("{") :])
    names = {"服务站": "stations", "纪念设施": "memorials", "烈士陵园": "cemeteries", "烈士墓": "graves"}
    drawn = {names.get(name, "boundaries") for name in page.overlays()}
    assert set(spec["layers"]) == drawn


def test_each_site_carries_its_area_code_for_the_links_of_its_popup() -> None:
    feature = {
        "type": "Feature",
        "id": 7,
        "geometry": {"type": "Point", "coordinates": [110.6, 26.0]},
        "properties": {"id": 7, "name": "站", "level": "village", "area_code": "450329001001"},
    }
    m = build_atlas_map({"stations": {"type": "FeatureCollection", "features": [feature]}})
    add_overview(m, OverviewPage("zh"))
    page = MapPage(render_page(m))
    (row,) = page.cluster_payload(page.overlays()["服务站"])["rows"]
    assert row[3] == 7 and row[-1] == "450329001001"
    assert site_marker("stations", feature, "zh")["area_code"] == "450329001001"
    assert unescape(_header(page.html)).count('<a class="atlas-login"') == 1
