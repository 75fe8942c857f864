"""The upkeep map page (/upkeep): sites coloured by condition index, the overdue layer, popups, legend, the report
table with its downloads, permissions, and the pure builder; over the demo atlas and a township of made sites."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from geo.atlas.areas import AreaRef
from geo.kit.crs import wgs84_to_gcj02
from geo.settings import UpkeepSettings
from geo.upkeep.report import UpkeepFigures, UpkeepMapData, UpkeepReport, UpkeepSite
from geo.upkeep.schedules import china_today
from tests.map_pages import MapPage
from tests.upkeep_township import COUNTY, TOWNSHIP, V1, Township, made_township
from web.upkeep.map import CONDITION_COLOURS, OVERDUE_COLOUR, build_upkeep_map, condition_class

LAYERS_ZH = ("纪念设施", "烈士陵园", "烈士墓", "逾期未巡查")
LAYERS_EN = ("Memorial facilities", "Martyr cemeteries", "Martyr graves", "Overdue for inspection")
STATUSES = tuple(CONDITION_COLOURS)


class UpkeepPage(MapPage):
    """A rendered upkeep page: the point data of each layer, by the name in the layer control."""

    def points(self, name: str) -> dict[str, Any]:
        overlays = self.overlays()
        assert name in overlays, sorted(overlays)
        return self._argument(overlays[name], "VetMapCoverage.points")

    def titled(self, name: str) -> dict[str, list]:
        """Title -> row of the layer's points."""
        return {row[3]: row for row in self.points(name)["rows"]}


@pytest.fixture(scope="module")
def township(client: TestClient, engine: Engine) -> Iterator[Township]:
    with made_township(client, engine, "upkeepmap") as made:
        yield made


@pytest.fixture(scope="module")
def page(client: TestClient, township: Township) -> UpkeepPage:
    response = client.get("/upkeep", params={"area": TOWNSHIP})
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return UpkeepPage(response.text)


def test_layers_are_named_in_chinese_with_the_overdue_layer(page: UpkeepPage) -> None:
    assert page.html_lang == "zh-CN" and "养护地图" in page.title and "养护测试乡" in page.title
    assert set(LAYERS_ZH) <= set(page.overlays())


def test_sites_are_coloured_by_their_condition_index(page: UpkeepPage) -> None:
    memorials, cemeteries, graves = (page.titled(name) for name in LAYERS_ZH[:3])
    styles = page.points("纪念设施")["styles"]
    assert [s["fillColor"] for s in styles] == list(CONDITION_COLOURS.values())
    assert all(
        f"vetmap-upkeep-{status}" in s["className"] for s, status in zip(styles, STATUSES, strict=True)
    )
    band = {
        title: STATUSES[row[2]] for layer in (memorials, cemeteries, graves) for title, row in layer.items()
    }
    assert band == {
        "甲村纪念碑": "good",  # 100
        "甲村纪念亭": "poor",  # 50
        "散葬烈士墓 (甲)": "unknown",  # never inspected: grey
        "乙村烈士陵园": "damaged",  # 25
        "散葬烈士墓 (乙)": "fair",  # 75
    }


def test_overdue_sites_get_a_red_ring_of_their_own(page: UpkeepPage) -> None:
    overdue = page.points("逾期未巡查")
    assert set(page.titled("逾期未巡查")) == {"甲村纪念亭", "散葬烈士墓 (甲)"}
    assert overdue["styles"] == [
        {"radius": 10, "color": OVERDUE_COLOUR, "weight": 2.5, "fill": False, "className": "vetmap-overdue"}
    ]


def test_popups_carry_index_dates_and_open_work_orders(page: UpkeepPage) -> None:
    labels = page.points("纪念设施")["labels"]
    today = china_today()
    a = dict(zip(labels, page.titled("纪念设施")["甲村纪念碑"][4:], strict=True))
    assert a["状况指数"] == "100" and a["维护状况"] == "良好" and a["未完成工单"] == "1"
    assert a["最近巡查"] == today.isoformat()
    assert a["下次巡查"] == (today + dt.timedelta(days=90)).isoformat()  # county level: every 90 days
    assert a[""] is None and a["区划代码"] == V1
    c = dict(zip(labels, page.titled("烈士墓")["散葬烈士墓 (甲)"][4:], strict=True))
    assert c["状况指数"] == "—" and c["最近巡查"] == "从未巡查" and c["下次巡查"] == "应立即巡查"
    assert c[""] == "逾期未巡查"
    b = dict(zip(labels, page.titled("纪念设施")["甲村纪念亭"][4:], strict=True))
    assert b["未完成工单"] == "1"  # done, not yet verified


def test_legend_shows_the_bands_grey_and_the_ring(page: UpkeepPage) -> None:
    assert "vetmap-legend" in page.html
    for band in ("85–100 良好", "70–84 一般", "50–69 较差", "0–49 损坏", "未评估"):
        assert band in page.script, band
    for colour in (*CONDITION_COLOURS.values(), OVERDUE_COLOUR):
        assert colour in page.script


def test_report_table_and_downloads_follow_the_map(page: UpkeepPage) -> None:
    assert 'class="table table-sm table-striped table-hover vetmap-rates vetmap-upkeep-report"' in page.html
    body = page.html.split("vetmap-upkeep-report", 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr>") == 4  # header, 甲村, 乙村, total
    assert "合计 (养护测试乡)" in body and "62.5" in body and "1500.50" in body
    links = [html.unescape(part.split('"', 1)[0]) for part in page.html.split('href="')[1:]]
    downloads = [link for link in links if "/api/v1/upkeep/report." in link]
    assert [urlsplit(d).path for d in downloads] == [
        "/api/v1/upkeep/report.csv",
        "/api/v1/upkeep/report.xlsx",
    ]
    query = parse_qs(urlsplit(downloads[0]).query)
    assert query == {"area": [TOWNSHIP], "year": [str(china_today().year)], "lang": ["zh"]}


def test_no_script_or_stylesheet_comes_from_outside(page: UpkeepPage) -> None:
    assert page.local_assets() and all(a.startswith("/static/vendor/") for a in page.local_assets())


def test_page_in_english(client: TestClient, township: Township) -> None:
    english = UpkeepPage(client.get("/upkeep", params={"area": TOWNSHIP, "lang": "en"}).text)
    assert english.html_lang == "en" and "Upkeep map" in english.title
    assert set(LAYERS_EN) <= set(english.overlays())
    assert "Inspected in" in english.html and "85–100 Good" in english.script


def test_county_map_sends_only_the_areas_sites(
    client: TestClient, engine: Engine, township: Township
) -> None:
    county = UpkeepPage(client.get("/upkeep", params={"area": COUNTY}).text)
    drawn = sum(len(county.points(name)["rows"]) for name in LAYERS_ZH[:3])
    with engine.connect() as conn:
        expected = sum(
            conn.execute(
                text(f"SELECT count(*) FROM {t} WHERE area_code LIKE :p{moved}"), {"p": COUNTY + "%"}
            ).scalar_one()
            for t, moved in (
                ("memorials", ""),
                ("cemeteries", ""),
                ("graves", " AND disposition IS DISTINCT FROM 'moved'"),
            )
        )
    assert drawn == expected > 5
    codes = [row[10] for name in LAYERS_ZH[:3] for row in county.points(name)["rows"]]
    assert all(code.startswith(COUNTY) for code in codes)


def test_too_many_sites_are_not_drawn(client: TestClient, township: Township, monkeypatch) -> None:
    monkeypatch.setattr("geo.upkeep.report.MAX_MAP_SITES", 3)
    crowded = UpkeepPage(client.get("/upkeep", params={"area": TOWNSHIP}).text)
    assert all(crowded.points(name)["rows"] == [] for name in LAYERS_ZH)
    assert "本区域有5处设施" in crowded.html


# -- who may see it ------------------------------------------------------------------------------------------


def test_page_looks_its_area_up_once(client: TestClient, township: Township, statements: list[str]) -> None:
    assert client.get("/upkeep", params={"area": TOWNSHIP}).status_code == 200
    # the map's sites are read for the area the report found
    assert sum(s.startswith("SELECT code, level, name FROM areas WHERE code") for s in statements) == 1


def test_the_anonymous_are_sent_to_sign_in(anon_client: TestClient) -> None:
    response = anon_client.get("/upkeep", params={"area": COUNTY, "lang": "en"}, follow_redirects=False)
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert target.path == "/login"
    assert parse_qs(target.query) == {"next": [f"/upkeep?area={COUNTY}&lang=en"], "lang": ["en"]}


def test_a_crew_of_another_county_is_refused(anon_client: TestClient, township: Township) -> None:
    response = anon_client.get("/upkeep", params={"area": TOWNSHIP}, headers=township.headers["crew-out"])
    assert response.status_code == 403
    assert "无法显示养护地图" in response.text and "只能处理辖区 450102" in response.text


def test_a_crew_sees_its_own_area_by_default(anon_client: TestClient, township: Township) -> None:
    response = anon_client.get("/upkeep", headers=township.headers["crew-in"])
    assert response.status_code == 200 and "资源县" in UpkeepPage(response.text).title


@pytest.mark.parametrize(("params", "status"), [({"area": "450329098"}, 404), ({"year": "1999"}, 422)])
def test_bad_input_is_refused(client: TestClient, params: dict, status: int) -> None:
    assert client.get("/upkeep", params=params).status_code == status


# -- the pure builder ----------------------------------------------------------------------------------------


def test_condition_bands_follow_the_settings() -> None:
    settings = UpkeepSettings()
    assert [condition_class(i, settings) for i in (None, 0, 49, 50, 69, 70, 84, 85, 100)] == [
        "unknown",
        "damaged",
        "damaged",
        "poor",
        "poor",
        "fair",
        "fair",
        "good",
        "good",
    ]
    strict = UpkeepSettings(good_from=95, fair_from=80, poor_from=60)
    assert condition_class(90, strict) == "fair" and condition_class(59, strict) == "damaged"


def _site(name: str, index: int | None, overdue: bool) -> UpkeepSite:
    return UpkeepSite(
        "memorials", 1, name, None, "450329001001", 110.6, 26.0, "unknown", index, None, None, overdue, 0
    )


def test_names_with_markup_are_escaped() -> None:
    evil = "<script>alert('x')</script>"
    area = AreaRef("450329001", "township", evil)
    data = UpkeepMapData(area, dt.date(2026, 5, 1), [_site(evil, 90, True)], None)
    total = UpkeepFigures(area.code, area.name, area.level, "total")
    report = UpkeepReport(area, 2026, dt.date(2026, 5, 1), [], total)
    rendered = build_upkeep_map(data, report, UpkeepSettings()).get_root().render()
    assert "<script>alert" not in rendered


def test_child_areas_are_outlined_for_orientation(page: UpkeepPage) -> None:
    outlines = page._argument(page.overlays()["行政区划"], "VetMapCoverage.reach")
    assert sorted(f["properties"]["code"] for f in outlines["features"]) == [V1, TOWNSHIP + "002"]


# -- basemaps -------------------------------------------------------------------------------------------------


def test_on_amap_the_sites_rings_and_outlines_are_drawn_at_their_gcj02_positions(
    client: TestClient, township: Township, page: UpkeepPage
) -> None:
    assert "L.tileLayer" not in page.script  # the suite's settings: no basemap, no internet needed
    response = client.get("/upkeep", params={"area": TOWNSHIP, "basemap": "amap"})
    assert response.status_code == 200
    amap = UpkeepPage(response.text)
    assert "webrd0{s}.is.autonavi.com" in amap.script and 'map.vetmapBasemap = "amap"' in amap.script
    assert set(amap.overlays()) == set(page.overlays())  # the tiles are no overlay
    # the memorial A, stored at a known WGS-84 point, is drawn where AMap draws that place
    lon, lat = township.sites["A"]["geometry"]["coordinates"][:2]
    assert page.titled("纪念设施")["甲村纪念碑"][:2] == pytest.approx([lat, lon], abs=1e-6)
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert amap.titled("纪念设施")["甲村纪念碑"][:2] == pytest.approx([g_lat, g_lon], abs=1e-6)
    for layer in (*LAYERS_ZH[1:3], "逾期未巡查"):
        for title, row in page.titled(layer).items():
            x, y = wgs84_to_gcj02(row[1], row[0])
            assert amap.titled(layer)[title] == [round(y, 6), round(x, 6), *row[2:]], (layer, title)

    def outline(p: UpkeepPage) -> list[list[float]]:
        """The first ring of the first outline (Polygon or MultiPolygon)."""
        outlines = p._argument(p.overlays()["行政区划"], "VetMapCoverage.reach")
        ring = outlines["features"][0]["geometry"]["coordinates"]
        while isinstance(ring[0][0], list):
            ring = ring[0]
        return ring

    plain_ring, amap_ring = outline(page), outline(amap)
    assert len(plain_ring) >= 4
    for (x, y), shifted in zip(plain_ring, amap_ring, strict=True):
        assert shifted == pytest.approx(list(wgs84_to_gcj02(x, y)), abs=1e-6)


def test_the_basemap_is_the_query_s_then_the_remembered_one_with_a_switch(
    client: TestClient, township: Township
) -> None:
    osm = client.get("/upkeep", params={"area": TOWNSHIP, "lang": "en", "basemap": "osm"}).text
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in osm
    # the switch reopens this page (area, year, language kept) with another basemap, remembered by /choose
    assert f"/choose?basemap=none\\u0026next=%2Fupkeep%3Farea%3D{TOWNSHIP}%26year%3D" in osm
    remembered = client.get("/upkeep", params={"area": TOWNSHIP}, headers={"Cookie": "basemap=amap"}).text
    assert "autonavi" in remembered
    assert client.get("/upkeep", params={"area": TOWNSHIP, "basemap": "bing"}).status_code == 422
