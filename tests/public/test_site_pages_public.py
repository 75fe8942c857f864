"""A site's public page (/sites/{collection}/{id}) as a visitor reads it (issue 22, item 4; after CWGC's cemetery
pages and the VA's gravesite locator: record → grave → directions): the area path linking to the search of each
level, directions in each map app's own coordinate system, nearby memorials and cemeteries nearest first, public
photos only, the martyrs there (paged), a grave's martyr and cemetery, "report a problem here", English complete."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod
from sqlalchemy import Engine, text

from api.app import create_app
from geo.kit.crs import wgs84_to_bd09, wgs84_to_gcj02
from geo.settings import Settings
from tests.factories import free_point, image, make_site_at, offset, remove_site
from tests.page_text import data_texts
from web.i18n import distance_text

pytestmark = pytest.mark.usefixtures("atlas_restored")

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
WGS84 = Geod(ellps="WGS84")
LONG_NAME = "测" * 12 + "革命烈士纪念碑"


@pytest.fixture(scope="module")
def anon(settings: Settings, demo_counts: dict[str, int]) -> Iterator[TestClient]:
    """An anonymous client of this module's own."""
    with TestClient(create_app(settings)) as c:
        yield c


def _get(client: TestClient, path: str, status: int = 200) -> str:
    client.cookies.clear()
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code, response.text[:400])
    return response.text


def _section(page: str, ident: str) -> str:
    found = re.search(rf'<(section|nav|div)[^>]*\bid="{ident}".*?</\1>', page, re.S)
    assert found, f"the page has #{ident}"
    return found.group(0)


def _links(fragment: str) -> list[tuple[str, str]]:
    return [
        (html.unescape(h), html.unescape(re.sub(r"<[^>]+>", "", x)).strip())
        for h, x in re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', fragment, re.S)
    ]


@pytest.fixture(scope="module")
def dongou(engine: Engine, demo_counts: dict[str, int]) -> dict:
    """The demo's 东沟烈士陵园, its position and area, and one of its graves with its martyr."""
    with engine.connect() as conn:
        c = conn.execute(
            text(
                "SELECT id, area_code, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM cemeteries WHERE name = '东沟烈士陵园'"
            )
        ).one()
        g = conn.execute(
            text(
                "SELECT g.id, g.section, g.row_no, g.number, m.id AS martyr_id, m.name FROM graves g "
                "JOIN martyrs m ON m.grave_id = g.id WHERE g.cemetery_id = :c AND NOT m.unnamed "
                "AND g.section IS NOT NULL ORDER BY g.id LIMIT 1"
            ),
            {"c": c.id},
        ).one()
    return {**c._asdict(), "grave": g._asdict()}


@pytest.fixture(scope="module")
def placed(client: TestClient, engine: Engine, demo_counts: dict[str, int]) -> Iterator[dict]:
    """A memorial of this module at a free point of 资源县, a cemetery 800 m east and a memorial 2.5 km north."""
    with engine.connect() as conn:
        here = free_point(conn)
    made = [
        (
            "memorials",
            make_site_at(client, "memorials", here, name=LONG_NAME, address="资源县中峰镇测试路1号"),
        ),
        ("cemeteries", make_site_at(client, "cemeteries", offset(here, 800), name="测东八百米烈士陵园")),
        ("memorials", make_site_at(client, "memorials", offset(here, 0, 2500), name="测北二点五公里纪念碑")),
    ]
    yield {"here": here, "sites": [(c, f["id"], f["properties"]["name"]) for c, f in made]}
    for collection, feature in reversed(made):
        remove_site(client, collection, feature["id"])


# -- where it is -----------------------------------------------------------------------------------------------


def test_area_path_links_each_level_to_the_search_of_that_area(anon: TestClient, dongou: dict) -> None:
    page = _get(anon, f"/sites/cemeteries/{dongou['id']}")
    path = _section(page, "area-path")
    code = dongou["area_code"]
    expected = [code[:2] + "0000", code[:4] + "00", code[:6], code[:9], code]
    links = _links(path)
    assert [parse_qs(urlsplit(h).query)["area"][0] for h, _ in links] == expected
    assert re.findall(r'data-level="(\w+)"', path) == ["province", "city", "county", "township", "village"]
    assert links[-1][1] == "东沟村" and 'aria-current="location"' in path
    found = _get(anon, links[-1][0])
    assert f'href="/sites/cemeteries/{dongou["id"]}"' in found, "the village's search finds the cemetery"


def test_address_and_report_link_name_the_site(anon: TestClient, placed: dict) -> None:
    _, site_id, _ = placed["sites"][0]
    page = _get(anon, f"/sites/memorials/{site_id}")
    visiting = _section(page, "visiting")
    assert "资源县中峰镇测试路1号" in visiting
    assert f'href="/report?site=memorials/{site_id}"' in visiting and "报告此处的问题" in visiting
    english = _get(anon, f"/sites/memorials/{site_id}?lang=en")
    assert f'href="/report?site=memorials/{site_id}&amp;lang=en"' in english
    form = _get(anon, f"/report?site=memorials/{site_id}")
    assert "site must look like" not in form and "report.bad_site" not in form, "the report form takes it"


def test_directions_open_each_map_app_at_the_site_in_its_own_coordinates(
    anon: TestClient, dongou: dict
) -> None:
    page = _get(anon, f"/sites/cemeteries/{dongou['id']}")
    buttons = dict(re.findall(r'class="direction-button" data-app="(\w+)" href="([^"]+)"', page))
    assert list(buttons) == ["amap", "baidu", "apple", "geo"]
    lon, lat = dongou["lon"], dongou["lat"]
    amap = parse_qs(urlsplit(html.unescape(buttons["amap"])).query)
    glon, glat = (float(v) for v in amap["position"][0].split(","))
    expected = wgs84_to_gcj02(lon, lat)
    assert (glon, glat) == pytest.approx((float(expected[0]), float(expected[1])), abs=2e-6)
    assert abs(glon - lon) > 1e-4 or abs(glat - lat) > 1e-4, "AMap gets GCJ-02, not the stored WGS-84"
    assert amap["name"] == ["东沟烈士陵园"]
    baidu = parse_qs(urlsplit(html.unescape(buttons["baidu"])).query)
    blat, blon = (float(v) for v in baidu["location"][0].split(","))
    bd = wgs84_to_bd09(lon, lat)
    assert (blon, blat) == pytest.approx((float(bd[0]), float(bd[1])), abs=2e-6)
    assert unquote(buttons["geo"]).startswith(f"geo:{lat:.6f},{lon:.6f}?")
    for label in ("高德地图", "百度地图", "苹果地图"):
        assert label in page
    english = _get(anon, f"/sites/cemeteries/{dongou['id']}?lang=en")
    assert ">AMap</span>" in english and ">Baidu Maps</span>" in english


# -- nearby ------------------------------------------------------------------------------------------------------


def test_nearby_lists_memorials_and_cemeteries_nearest_first_with_geodesic_distances(
    anon: TestClient, engine: Engine, placed: dict
) -> None:
    (_, site_id, _), (_, east_id, east_name), (_, north_id, north_name) = placed["sites"]
    page = _get(anon, f"/sites/memorials/{site_id}")
    nearby = _section(page, "nearby")
    items = re.findall(
        r'<a href="/sites/(\w+)/(\d+)">(.*?)</a>.*?<span class="distance">(.*?)</span>', nearby, re.S
    )
    assert [(c, int(i)) for c, i, *_ in items[:2]] == [("cemeteries", east_id), ("memorials", north_id)]
    assert items[0][2] == east_name and items[1][2] == north_name
    assert ("memorials", str(site_id)) not in [(c, i) for c, i, *_ in items], "not the page's own site"
    lon, lat = placed["here"]
    with engine.connect() as conn:
        shown = []
        for collection, ident, _, distance in items:
            p = conn.execute(
                text(f"SELECT ST_X(geom), ST_Y(geom) FROM {collection} WHERE id = :i"), {"i": int(ident)}
            ).one()
            metres = WGS84.inv(lon, lat, p[0], p[1])[2]
            assert html.unescape(distance) == f"距此 {distance_text(metres, 'zh')}", (ident, metres, distance)
            shown.append(metres)
    assert shown == sorted(shown) and shown[-1] <= 30_000
    assert re.search(r"距此 (79\d|80\d)米", items[0][3]) and items[1][3] == "距此 2.5公里"


# -- photos ------------------------------------------------------------------------------------------------------


def test_gallery_shows_public_photos_only_with_alt_text_and_nothing_without(
    client: TestClient, anon: TestClient, engine: Engine, placed: dict
) -> None:
    _, site_id, name = placed["sites"][0]
    _, other_id, _ = placed["sites"][2]
    assert 'id="photos"' not in _get(anon, f"/sites/memorials/{site_id}"), "no photos: no empty gallery"
    url = f"/api/v1/memorials/{site_id}/photos"
    sent = [
        client.post(
            url,
            files={"file": ("a.jpg", image("JPEG", (80, 60), "red"), "image/jpeg")},
            data={"caption": "碑前台阶"},
        ),
        client.post(
            url,
            files={"file": ("b.jpg", image("JPEG", (80, 60), "blue"), "image/jpeg")},
            data={"caption": "内部记录"},
        ),
        client.post(url, files={"file": ("c.png", image("PNG", (60, 40), "green"), "image/png")}),
    ]
    assert all(r.status_code == 201 for r in sent), [r.text for r in sent]
    public, private, bare = (r.json()["id"] for r in sent)
    try:
        for ident in (public, bare):
            assert client.post(f"/api/v1/photos/{ident}/publish").status_code == 200
        page = _get(anon, f"/sites/memorials/{site_id}")
        gallery = _section(page, "photos")
        assert f'src="/api/v1/photos/{public}/thumbnail" alt="碑前台阶"' in gallery
        assert f'src="/api/v1/photos/{bare}/thumbnail" alt="{name}的照片"' in gallery, (
            "no caption: the site names it"
        )
        assert f'href="/api/v1/photos/{public}"' in gallery
        assert f"/api/v1/photos/{private}" not in page and "内部记录" not in page
        assert anon.get(f"/api/v1/photos/{public}/thumbnail").status_code == 200
        assert anon.get(f"/api/v1/photos/{private}/thumbnail").status_code in (401, 403, 404)
        assert 'id="photos"' not in _get(anon, f"/sites/memorials/{other_id}")
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM photos WHERE id = ANY(:ids)"), {"ids": [public, private, bare]})


# -- martyrs -----------------------------------------------------------------------------------------------------


def test_a_cemetery_lists_its_martyrs_in_pages_linking_to_each_record(
    anon: TestClient, engine: Engine
) -> None:
    with engine.connect() as conn:
        cemetery, total = conn.execute(
            text(
                "SELECT g.cemetery_id, count(*) FROM martyrs m JOIN graves g ON g.id = m.grave_id "
                "WHERE g.cemetery_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
            )
        ).one()
    assert total > 50, "the demo has a cemetery of more than one page"
    first = _section(_get(anon, f"/sites/cemeteries/{cemetery}"), "martyrs")
    records = re.findall(r'<li class="martyr"><a href="/martyrs/(\d+)">', first)
    assert len(records) == 50 and f"共 {total} 位" in first
    assert f"第 1–50 位，共 {total} 位" in first
    assert f'href="/sites/cemeteries/{cemetery}?offset=50#martyrs"' in first and 'rel="prev"' not in first
    second = _section(_get(anon, f"/sites/cemeteries/{cemetery}?offset=50"), "martyrs")
    more = re.findall(r'<li class="martyr"><a href="/martyrs/(\d+)">', second)
    assert len(more) == total - 50 and not set(more) & set(records)
    assert 'start="51"' in second and f'href="/sites/cemeteries/{cemetery}#martyrs"' in second
    assert _get(anon, f"/sites/cemeteries/{cemetery}?offset=-1", 422)


def test_a_grave_names_its_martyr_cemetery_and_position_and_pays_tribute_to_the_martyr(
    anon: TestClient, dongou: dict
) -> None:
    grave = dongou["grave"]
    page = _get(anon, f"/sites/graves/{grave['id']}")
    assert f"<h1>{grave['name']}烈士墓</h1>" in page
    assert f'<a href="/martyrs/{grave["martyr_id"]}">{grave["name"]}</a>' in _section(page, "martyrs")
    visiting = _section(page, "visiting")
    assert f'<a href="/sites/cemeteries/{dongou["id"]}">东沟烈士陵园</a>' in visiting
    assert 'data-field="position"' in visiting and f"{grave['row_no']}排 {grave['number']}号" in visiting
    assert 'class="direction-button" data-app="amap"' in page
    config = json.loads(re.search(r'<script[^>]*id="public-config"[^>]*>(.*?)</script>', page, re.S).group(1))
    shapes = config["map"]["shapes"]["features"]
    assert [f["properties"]["kind"] for f in shapes] == ["boundary"], "the grave drawn inside its cemetery"
    assert shapes[0]["properties"]["label"].startswith("东沟烈士陵园")
    tribute = _section(page, "tribute")
    assert (
        "&#34;target&#34;: &#34;martyrs&#34;" in tribute
        and f"&#34;target_id&#34;: {grave['martyr_id']}" in tribute
    )
    assert f"向{grave['name']}烈士致敬" in tribute
    english = _get(anon, f"/sites/graves/{grave['id']}?lang=en")
    assert f"<h1>Grave of {grave['name']}</h1>" in english and "Pay tribute to" in english


def test_a_grave_without_a_record_says_so_and_has_no_tribute(anon: TestClient, engine: Engine) -> None:
    with engine.connect() as conn:
        grave = conn.execute(
            text(
                "SELECT id FROM graves g WHERE NOT EXISTS (SELECT 1 FROM martyrs m WHERE m.grave_id = g.id) LIMIT 1"
            )
        ).scalar_one()
    page = _get(anon, f"/sites/graves/{grave}")
    assert "暂无此墓烈士的名录。" in page and 'id="tribute"' not in page


@pytest.mark.parametrize("path", ["/sites/graves/999999999", "/sites/stations/1", "/sites/areas/1"])
def test_unknown_sites_answer_a_404_page(anon: TestClient, path: str) -> None:
    assert "<h1>未找到</h1>" in _get(anon, path, 404)


# -- the tribute block -------------------------------------------------------------------------------------------


def test_the_tribute_block_shows_a_tally_buttons_and_dated_messages(
    anon: TestClient, engine: Engine, dongou: dict
) -> None:
    with engine.begin() as conn:
        made = conn.execute(
            text(
                "INSERT INTO tributes (target, target_id, kind, message, author, status, client_hash) VALUES "
                "('cemeteries', :id, 'message', '英雄永垂不朽', '一名学生', 'approved', 'test'), "
                "('cemeteries', :id, 'flower', NULL, NULL, 'approved', 'test') RETURNING id, created_at"
            ),
            {"id": dongou["id"]},
        ).all()
    try:
        tribute = _section(_get(anon, f"/sites/cemeteries/{dongou['id']}"), "tribute")
        tally = re.findall(r'data-count="(\w+)">(\d+)</span>', tribute)
        assert [k for k, _ in tally] == ["flower", "candle", "message"] and int(dict(tally)["flower"]) >= 1
        assert 'class="icon icon-flower"' in tribute and 'aria-hidden="true"' in tribute
        assert re.search(
            r'<button type="button" class="tribute-give tribute-flower" data-kind="flower">', tribute
        )
        assert "英雄永垂不朽" in tribute and "一名学生" in tribute
        assert re.search(r'<time datetime="[^"]+">\d{4}-\d{2}-\d{2}</time>', tribute), (
            "each message with its date"
        )
        assert '<p class="tribute-empty" hidden>' in tribute
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM tributes WHERE id = ANY(:ids)"), {"ids": [r.id for r in made]})


# -- English -----------------------------------------------------------------------------------------------------


SITE_TEXT = ("name", "address", "description", "management_unit", "approved_by", "approval_doc_no")
SITE_DATA = {
    "areas": ("name",),
    "cemeteries": (*SITE_TEXT, "protection_unit", "protection_zone_desc"),
    "memorials": (*SITE_TEXT, "protection_unit", "protection_zone_desc"),
    "martyrs": ("name", "hometown", "unit"),
    "graves": ("section", "row_no", "number", "martyr_name"),
}
"""The data the site pages show as entered (in Chinese on an English page too)."""


def test_english_site_pages_are_complete(
    anon: TestClient, engine: Engine, dongou: dict, placed: dict
) -> None:
    data = data_texts(engine, SITE_DATA)
    paths = [
        f"/sites/cemeteries/{dongou['id']}",
        f"/sites/graves/{dongou['grave']['id']}",
        f"/sites/memorials/{placed['sites'][0][1]}",
    ]
    for path in paths:
        page = html.unescape(_get(anon, path + "?lang=en"))
        body = page[page.index("<main") : page.index("</main>")]
        body = unquote(re.sub(r'href="(https://[^"]+|geo:[^"]+)"', "", body))  # map-app links carry the name
        for value in data:
            body = body.replace(value, "")
        left = [body[max(0, m.start() - 40) : m.end() + 10] for m in CJK.finditer(body)]
        assert not left, (path, left[:5])
        for label in (
            "Getting there",
            "Directions",
            "Nearby memorials and cemeteries",
            "Report a problem here",
        ):
            assert label in body, (path, label)
