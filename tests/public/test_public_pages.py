"""The public pages over the demo atlas: memorial search, a site's shareable page, the martyr search and record, the
family-search form; 404 pages, 422 pages with a reason, complete English, no external URL, the CSP nonce."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.kit.crs import wgs84_to_gcj02
from geo.settings import Settings
from tests.factories import image
from tests.page_text import data_texts

pytestmark = pytest.mark.usefixtures("atlas_restored")

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
URL_ATTR = re.compile(r"""(?:src|href|action)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
ABSOLUTE = re.compile(r"(?:https?:)?//[^\s\"'<>)]+", re.IGNORECASE)
BASE = "http://testserver"


@pytest.fixture(scope="module")
def dongou(engine: Engine, demo_counts: dict[str, int]) -> dict:
    """The demo's 东沟烈士陵园: its id, area and one martyr in one of its graves."""
    with engine.connect() as conn:
        cemetery = conn.execute(
            text("SELECT id, area_code FROM cemeteries WHERE name = '东沟烈士陵园'")
        ).one()
        martyr = conn.execute(
            text(
                "SELECT m.id, m.name, g.section, g.row_no, g.number FROM martyrs m JOIN graves g ON g.id = m.grave_id "
                "WHERE g.cemetery_id = :c AND NOT m.unnamed AND g.section IS NOT NULL ORDER BY m.id LIMIT 1"
            ),
            {"c": cemetery.id},
        ).one()
    return {"id": cemetery.id, "area_code": cemetery.area_code, "martyr": martyr._asdict()}


@pytest.fixture(scope="module")
def lost(engine: Engine, dongou: dict) -> Iterator[dict]:
    """A martyr record of this module whose burial place is unknown (removed afterwards)."""
    with engine.begin() as conn:
        row = conn.execute(
            text(
                "INSERT INTO martyrs (name, name_pinyin, name_initials, hometown, unit, death_year, burial_note, "
                "area_code, synthetic) VALUES ('测佚名', 'ceyiming', 'cym', '湖北十堰', '第九纵队', 1947, "
                "'战后未能找到遗骨', :area, true) RETURNING id"
            ),
            {"area": dongou["area_code"]},
        ).one()
    yield {"id": row.id, "name": "测佚名"}
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM martyrs WHERE id = :id"), {"id": row.id})


def _config(page: str) -> dict:
    found = re.search(r'<script[^>]*id="public-config"[^>]*>(.*?)</script>', page, re.S)
    assert found, "the page carries its data"
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def anon_client(settings: Settings, demo_counts: dict[str, int]) -> Iterator[TestClient]:
    """An anonymous client of this module's own (its rate limits and remembered language are its own)."""
    with TestClient(create_app(settings)) as client:
        yield client


def _position(martyr: dict) -> str:
    """A grave's position as the Chinese pages write it: 甲区 3排 12号 (a section named 甲 would be 甲区)."""
    section = martyr["section"] if martyr["section"].endswith("区") else f"{martyr['section']}区"
    return f"{section} {martyr['row_no']}排 {martyr['number']}号"


def _get(client: TestClient, path: str, status: int = 200) -> str:
    client.cookies.clear()  # no remembered language: a page's language is its own ?lang= or the default
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    return response.text


# -- the search --------------------------------------------------------------------------------------------


def test_search_page_without_a_query_shows_the_form_and_the_map(anon_client: TestClient) -> None:
    page = _get(anon_client, "/search")
    assert '<form class="search" id="site-search"' in page
    assert 'id="near-me"' in page and 'id="map"' in page
    config = _config(page)  # our own boundaries are on the map, fetched from their cached URL
    assert anon_client.get(config["outlines_url"]).json()["features"], "our own boundaries are on the map"


@pytest.mark.parametrize("query", ["dgls", "donggou", "东沟"])
def test_search_finds_dongou_by_initials_pinyin_and_chinese(
    anon_client: TestClient, dongou: dict, query
) -> None:
    page = _get(anon_client, f"/search?q={query}")
    link = f'href="/sites/cemeteries/{dongou["id"]}"'
    assert link in page and "东沟烈士陵园" in page
    points = _config(page)["map"]["points"]
    assert any(p["url"] == f"/sites/cemeteries/{dongou['id']}" for p in points)


def test_search_filters_and_near_me_order_by_distance(anon_client: TestClient, dongou: dict) -> None:
    page = _get(anon_client, "/search?kind=martyr_cemetery&near=110.79,32.63&lang=en")
    assert f'href="/sites/cemeteries/{dongou["id"]}?lang=en"' in page
    assert 'class="distance"' in page and "Ordered by distance from you." in page
    # filters keep their values in the form
    assert '<option value="martyr_cemetery" selected>' in page


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/search?near=here", "经度,纬度"),
        ("/search?near=200,10", "不是地球上的位置"),
        ("/search?q=" + "长" * 60, ""),
        ("/search?q=!!!", ""),
        ("/search?area=999999", ""),
        ("/search?kind=castle", ""),
        ("/martyrs?death_year=abc", "牺牲年份"),
        ("/martyrs?q=" + "x" * 80, ""),
    ],
)
def test_bad_searches_answer_422_with_the_reason(anon_client: TestClient, path: str, reason: str) -> None:
    page = _get(anon_client, path, 422)
    message = re.search(r'<p class="message error" role="alert">(.*?)</p>', page)
    assert message and message.group(1).strip(), "the page says why"
    assert reason in html.unescape(message.group(1))
    assert not re.search(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+", message.group(1)), "said in Chinese, not English"
    assert '<form class="search"' in page, "the form is still there to correct the search"


def test_search_with_nothing_found_says_so(anon_client: TestClient) -> None:
    page = _get(anon_client, "/search?q=zzzzqqqq")
    assert 'id="results-empty"' in page


# -- a site's page ----------------------------------------------------------------------------------------


def test_site_page_shows_the_site_its_martyrs_map_and_share_tags(
    anon_client: TestClient, dongou: dict
) -> None:
    page = _get(anon_client, f"/sites/cemeteries/{dongou['id']}")
    assert "<h1>东沟烈士陵园</h1>" in page
    canonical = f"{BASE}/sites/cemeteries/{dongou['id']}"
    assert f'<link rel="canonical" href="{canonical}">' in page
    assert f'<meta property="og:url" content="{canonical}">' in page
    assert '<meta property="og:title" content="东沟烈士陵园">' in page
    assert 'id="visiting"' in page and 'data-field="management_unit"' in page
    assert '<section class="vetmap-tribute" id="tribute"' in page
    martyr = dongou["martyr"]
    assert f'href="/martyrs/{martyr["id"]}"' in page and html.escape(martyr["name"]) in page
    assert _position(martyr) in page
    data = _config(page)["map"]
    assert len(data["points"]) == 1 and data["outlines"]["features"], "the site and its county outline"
    assert data["shapes"]["features"][0]["properties"]["kind"] == "boundary"


def test_maps_have_no_tiles_unless_the_visitor_chose_a_basemap(anon_client: TestClient, dongou: dict) -> None:
    path = f"/sites/cemeteries/{dongou['id']}"
    offline = _config(_get(anon_client, path))["map"]
    assert offline["basemap"] is None, "by default nothing is loaded from outside"
    osm = _config(_get(anon_client, path + "?basemap=osm"))["map"]
    assert osm["basemap"]["layers"][0]["url"].startswith("https://tile.openstreetmap.org/")
    assert osm["points"] == offline["points"], "OpenStreetMap draws WGS-84 as it is"
    amap = _config(_get(anon_client, path + "?basemap=amap"))["map"]
    (lon, lat), shifted = (offline["points"][0]["lon"], offline["points"][0]["lat"]), amap["points"][0]
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    assert (shifted["lon"], shifted["lat"]) == pytest.approx((float(gcj_lon), float(gcj_lat)), abs=1e-9)
    assert abs(shifted["lon"] - lon) > 1e-4, "drawn where AMap's GCJ-02 tiles show the place"
    outline = amap["outlines"]["features"][0]["geometry"]["coordinates"]
    assert outline != offline["outlines"]["features"][0]["geometry"]["coordinates"]
    assert _config(_get(anon_client, path + "?basemap=mars"))["map"]["basemap"] is None


def test_site_page_hides_what_the_public_may_not_read(anon_client: TestClient, dongou: dict) -> None:
    page = _get(anon_client, f"/sites/cemeteries/{dongou['id']}")
    assert "notes" not in _config(page)
    assert "custodian" not in page


def test_site_page_shows_public_photos_only(
    client: TestClient, anon_client: TestClient, engine: Engine, dongou: dict
) -> None:
    url = f"/api/v1/cemeteries/{dongou['id']}/photos"
    shown = client.post(
        url,
        files={"file": ("a.jpg", image("JPEG", (80, 60), "red"), "image/jpeg")},
        data={"caption": "陵园大门"},
    )
    hidden = client.post(
        url,
        files={"file": ("b.jpg", image("JPEG", (80, 60), "blue"), "image/jpeg")},
        data={"caption": "内部照片"},
    )
    assert shown.status_code == 201 and hidden.status_code == 201, (shown.text, hidden.text)
    ids = (shown.json()["id"], hidden.json()["id"])
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE photos SET public = true WHERE id = :id"), {"id": ids[0]})
        page = _get(anon_client, f"/sites/cemeteries/{dongou['id']}")
        thumbnail = f"/api/v1/photos/{ids[0]}/thumbnail"
        assert f'src="{thumbnail}"' in page and "陵园大门" in page
        assert f'<meta property="og:image" content="{BASE}{thumbnail}">' in page
        assert f"/api/v1/photos/{ids[1]}" not in page and "内部照片" not in page
        assert anon_client.get(thumbnail).status_code == 200, "the public may load what the page shows"
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM photos WHERE id = ANY(:ids)"), {"ids": list(ids)})


@pytest.mark.parametrize(
    "path",
    [
        "/sites/cemeteries/999999999",
        "/sites/memorials/0",
        "/sites/stations/1",
        "/sites/graves/999999999",
        "/sites/cemeteries/abc",
        "/sites/cemeteries/99999999999999999999999",
        "/martyrs/999999999",
        "/martyrs/-1",
        "/family-search?martyr_id=999999999",
    ],
)
def test_unknown_records_answer_a_404_page(anon_client: TestClient, path: str) -> None:
    page = _get(anon_client, path, 404)
    assert "<h1>未找到</h1>" in page and 'href="/search"' in page


def test_english_404_page(anon_client: TestClient) -> None:
    page = _get(anon_client, "/martyrs/999999999?lang=en", 404)
    assert "<h1>Not found</h1>" in page and 'href="/search?lang=en"' in page


# -- martyrs -----------------------------------------------------------------------------------------------


def test_martyr_in_a_grave_shows_cemetery_position_map_and_family_link(
    anon_client: TestClient, dongou: dict
) -> None:
    martyr = dongou["martyr"]
    page = _get(anon_client, f"/martyrs/{martyr['id']}")
    assert f"<h1>{html.escape(martyr['name'])}</h1>" in page
    assert 'data-burial="grave"' in page and "东沟烈士陵园" in page
    assert _position(martyr) in page
    assert "区区" not in page, "a section named 甲区 is not written 甲区区"
    assert f'href="/sites/cemeteries/{dongou["id"]}"' in page
    assert f'href="/family-search?martyr_id={martyr["id"]}"' in page
    assert '<section class="vetmap-tribute" id="tribute"' in page
    data = _config(page)["map"]
    assert len(data["points"]) == 1
    assert data["shapes"]["features"][0]["properties"]["kind"] == "boundary", "the cemetery around the grave"
    assert data["outlines"]["features"], "and its county, for a map with no basemap"


def test_name_wall_lists_its_martyrs_and_their_pages_say_the_burial_place_is_unknown(
    anon_client: TestClient, engine: Engine
) -> None:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT m.id, m.memorial_id, w.name FROM martyrs m JOIN memorials w ON w.id = m.memorial_id "
                "WHERE m.grave_id IS NULL AND m.cemetery_id IS NULL ORDER BY m.id LIMIT 1"
            )
        ).one()
    wall = _get(anon_client, f"/sites/memorials/{row.memorial_id}")
    assert f"<h1>{html.escape(row.name)}</h1>" in wall and f'href="/martyrs/{row.id}"' in wall
    page = _get(anon_client, f"/martyrs/{row.id}")
    assert 'data-burial="memorial"' in page and "安葬地不详" in page
    assert f'href="/sites/memorials/{row.memorial_id}"' in page


def test_martyr_with_an_unknown_burial_place_says_so_plainly(anon_client: TestClient, lost: dict) -> None:
    page = _get(anon_client, f"/martyrs/{lost['id']}")
    assert 'data-burial="unknown"' in page and "安葬地不详" in page
    assert "战后未能找到遗骨" in page
    assert "map" not in _config(page), "no point to show"
    english = _get(anon_client, f"/martyrs/{lost['id']}?lang=en")
    assert "The burial place is unknown." in english


def test_martyr_search_finds_by_pinyin_hometown_unit_and_year(anon_client: TestClient, lost: dict) -> None:
    for query in ("q=ceyiming", "q=测佚名", "hometown=湖北十堰&unit=第九纵队&death_year=1947"):
        page = _get(anon_client, f"/martyrs?{query}")
        assert f'href="/martyrs/{lost["id"]}"' in page, query
        assert "安葬地不详" in page


def test_martyr_search_without_a_query_shows_the_form(anon_client: TestClient) -> None:
    page = _get(anon_client, "/martyrs")
    assert 'id="martyr-search"' in page and 'href="/family-search"' in page


# -- the family-search form --------------------------------------------------------------------------------


def test_family_form_is_filled_in_from_the_martyr_record(anon_client: TestClient, lost: dict) -> None:
    page = _get(anon_client, f"/family-search?martyr_id={lost['id']}")
    assert f'<input type="hidden" name="martyr_id" value="{lost["id"]}">' in page
    assert 'name="martyr_name" value="测佚名"' in page and 'value="第九纵队"' in page
    assert 'value="1947"' in page
    assert 'data-api="/api/v1/family-requests"' in page
    plain = _get(anon_client, "/family-search")
    assert 'name="martyr_name" value=""' in plain and 'name="martyr_id"' not in plain


def test_family_form_bad_martyr_id_is_404(anon_client: TestClient) -> None:
    _get(anon_client, "/family-search?martyr_id=abc", 404)


# -- every page: English complete, offline, CSP ------------------------------------------------------------


def _pages(dongou: dict, lost: dict) -> list[str]:
    return [
        "/search",
        "/search?q=dgls",
        f"/sites/cemeteries/{dongou['id']}",
        "/martyrs",
        "/martyrs?q=ceyiming",
        f"/martyrs/{dongou['martyr']['id']}",
        f"/martyrs/{lost['id']}",
        "/family-search",
        f"/family-search?martyr_id={lost['id']}",
    ]


PAGE_DATA = {
    "areas": ("name",),
    "cemeteries": (
        "name",
        "address",
        "description",
        "management_unit",
        "protection_unit",
        "approved_by",
        "approval_doc_no",
        "protection_zone_desc",
    ),
    "martyrs": ("name", "hometown", "unit", "place_of_death", "biography", "burial_note"),
    "graves": ("section", "row_no", "number"),
    "memorials": ("name",),
}
"""Every text the pages may show as data (names, addresses, units...)."""


def test_english_pages_have_no_chinese_but_data(
    anon_client: TestClient, engine: Engine, dongou: dict, lost: dict
) -> None:
    data = data_texts(engine, PAGE_DATA)
    for path in _pages(dongou, lost):
        page = html.unescape(_get(anon_client, path + ("&" if "?" in path else "?") + "lang=en"))
        assert '<html lang="en">' in page
        config = _config(page)
        for point in config.get("map", {}).get("points", []):
            data.append(point["label"])
        for value in data:
            page = page.replace(value, "")
        # the language switch names Chinese in Chinese, as language switches do
        page = re.sub(r'lang="zh-CN" hreflang="zh-CN"[^>]*>中文</a>', "", page)
        left = [page[max(0, m.start() - 40) : m.end() + 10] for m in CJK.finditer(page)]
        assert not left, (path, left[:5])


def test_chinese_is_the_default_and_english_links_keep_the_language(
    anon_client: TestClient, dongou: dict, lost: dict
) -> None:
    for path in _pages(dongou, lost):
        assert '<html lang="zh-CN">' in _get(anon_client, path)
    page = _get(anon_client, f"/sites/cemeteries/{dongou['id']}?lang=en")
    assert f'href="/martyrs/{dongou["martyr"]["id"]}?lang=en"' in page
    assert f'href="/sites/cemeteries/{dongou["id"]}?lang=zh"' in page, "the switch back to Chinese"


def test_pages_link_nothing_outside_the_app(anon_client: TestClient, dongou: dict, lost: dict) -> None:
    for path in _pages(dongou, lost):
        for lang in ("zh", "en"):
            page = _get(anon_client, path + ("&" if "?" in path else "?") + f"lang={lang}")
            # directions open the visitor's map app (web/directions.py): the only links meant to leave the app
            page = re.sub(r'<a class="direction-button"[^>]*>', "", page)
            for url in URL_ATTR.findall(page):
                assert url.startswith(("/", "#", BASE + "/")), (path, url)
                assert not url.startswith("//"), (path, url)
            outside = [u for u in ABSOLUTE.findall(page) if not u.startswith(BASE + "/")]
            assert outside == [], (path, outside)
    for name in ("public.js", "public.css"):
        response = anon_client.get(f"/static/public/{name}")
        assert response.status_code == 200
        assert ABSOLUTE.findall(response.text) == [], name


def test_every_script_carries_the_response_nonce(anon_client: TestClient, dongou: dict) -> None:
    response = anon_client.get(f"/sites/cemeteries/{dongou['id']}")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"]).group(1)
    tags = re.findall(r"<script\b[^>]*>", response.text)
    assert len(tags) >= 3
    assert all(f'nonce="{nonce}"' in tag for tag in tags), tags


def test_public_assets_are_served_and_nothing_else(anon_client: TestClient) -> None:
    js = anon_client.get("/static/public/public.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    css = anon_client.get("/static/public/public.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    for name in ("crew.js", "..%2Fi18n.py", "nothing.js"):
        assert anon_client.get(f"/static/public/{name}").status_code == 404
