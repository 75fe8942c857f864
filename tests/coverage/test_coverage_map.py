"""The planners' coverage map and its tables: the pure builder on hand-made data, the page and the CSV/Excel
downloads through the app over the demo atlas (figures compared with the JSON API), and bad input."""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
import math
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
import openpyxl
import pytest
from pyproj import Geod
from sqlalchemy import Engine, text

from geo.atlas.areas import AreaRef, Bounds
from geo.coverage.map_data import CoverageMapData, coverage_map_data, geodesic_circles, station_reach
from geo.coverage.rates import AreaCoverage, CoverageRates, CoverageShare, LevelGaps, StationGaps, UnitGap
from geo.coverage.runs import CoverageParams
from geo.kit.crs import wgs84_to_gcj02
from tests.factories import square
from tests.map_pages import MapPage
from web.coverage.map import (
    NO_DATA_COLOUR,
    RATE_CLASSES,
    PageLinks,
    ProposedSite,
    build_coverage_map,
    rate_colour,
)
from web.coverage.tables import gaps_table, rates_table
from web.i18n import distance_text
from web.map_parts import BasemapChoice, error_page
from web.tables import table_csv, table_xlsx

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

GEOD = Geod(ellps="WGS84")
COUNTY = "450329"  # 资源县 in the demo atlas
TOWNSHIP = "450329001"
API = "/api/v1/coverage"
EVIL = "<script>alert('x')</script>"
LAYERS_ZH = {
    "units": "乡镇(街道)覆盖率",
    "villages": "村(社区)",
    "uncovered": "未覆盖村(社区)",
    "stations": "服务站",
    "reach_village": "村级站服务范围(3公里)",
    "reach_township": "乡镇级站服务范围(10公里)",
}
LAYERS_EN = {
    "units": "Coverage by township",
    "villages": "Villages",
    "uncovered": "Uncovered villages",
    "stations": "Service stations",
    "reach_village": "Village station reach (3 km)",
    "reach_township": "Township station reach (10 km)",
}


class CoveragePage(MapPage):
    """A rendered coverage page: its layers by name and the data each is built from."""

    def layer_var(self, name: str) -> str:
        overlays = self.overlays()
        assert name in overlays, sorted(overlays)
        return overlays[name]

    def units(self, name: str) -> dict[str, Any]:
        return self._argument(self.layer_var(name), "VetMapCoverage.units")

    def points(self, name: str) -> dict[str, Any]:
        return self._argument(self.layer_var(name), "VetMapCoverage.points")

    def reach(self, name: str) -> dict[str, Any]:
        return self._argument(self.layer_var(name), "VetMapCoverage.reach")

    def shown_at_start(self, name: str) -> bool:
        return f"{self.layer_var(name)}.addTo(" in self.script

    def anchors(self) -> list[str]:
        return re.findall(r'<a\b[^>]*\bhref="([^"]*)"', self.html)


# ------------------------------------------------------------------------------ hand-made data


def _unit(code: str, name: str, villages: int, covered: int, population: int, people: int) -> AreaCoverage:
    def share(level: str, threshold: float) -> CoverageShare:
        return CoverageShare(
            level,
            threshold,
            covered,
            covered / villages if villages else None,
            people,
            people / population if population else None,
        )

    return AreaCoverage(
        code,
        name,
        "township",
        villages,
        villages if population else 0,
        population,
        [share("village", 3000.0), share("township", 10000.0), share("any", 3000.0)],
        1,
        1 if covered else 0,
        1.0 if covered else 0.0,
    )


def _village(code: str, lon: float, lat: float, distance: float | None, population: int | None) -> dict:
    return {
        "type": "Feature",
        "id": code,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "code": code,
            "name": f"村{code[-3:]}",
            "population": population,
            "distance_m": distance,
            "covered": distance is not None and distance <= 3000,
            "township_distance_m": 8000.0,
        },
    }


def _data(name: str = "甲镇") -> CoverageMapData:
    rows = [
        _unit("450999001", name, 4, 3, 1000, 900),  # 90 % of people
        _unit("450999002", "乙乡", 2, 1, 0, 0),  # no population known: coloured by villages (50 %)
        _unit("450999003", "丙乡", 0, 0, 0, 0),  # no villages: no figure
    ]
    total = AreaCoverage("450999", "测试县", "county", 6, 4, 1000, [s for s in rows[0].shares], 3, 2, 2 / 3)
    rates = CoverageRates(
        total, "township", rows, CoverageParams(), {"run_id": 7, "computed_at": "2026-11-27"}
    )
    units = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": square(110.0, 26.0, 0.02), "properties": {"code": "450999001"}},
            {"type": "Feature", "geometry": square(110.1, 26.0, 0.02), "properties": {"code": "450999002"}},
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [110.2, 26.0]},
                "properties": {"code": "450999003"},
            },
        ],
    }
    villages = {
        "type": "FeatureCollection",
        "features": [
            _village("450999001201", 110.0, 26.0, 1200.0, 400),
            _village("450999001202", 110.01, 26.0, 2999.0, 300),
            _village("450999001203", 110.02, 26.0, 4100.0, 100),  # uncovered: too far
            _village("450999002201", 110.1, 26.0, None, None),  # uncovered: no village station at all
        ],
    }
    stations = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": 1,
                "geometry": {"type": "Point", "coordinates": [110.0, 26.01]},
                "properties": {"id": 1, "name": "甲村服务站", "level": "village", "reach_m": 3000.0},
            },
            {
                "type": "Feature",
                "id": 2,
                "geometry": {"type": "Point", "coordinates": [110.05, 26.0]},
                "properties": {"id": 2, "name": "甲镇服务站", "level": "township", "reach_m": 10000.0},
            },
            {
                "type": "Feature",
                "id": 3,
                "geometry": {"type": "Point", "coordinates": [110.06, 26.05]},
                "properties": {"id": 3, "name": "测试县服务中心", "level": "county", "reach_m": 3000.0},
            },
        ],
    }
    area = AreaRef("450999", "county", "测试县")
    gaps = StationGaps(
        area,
        [LevelGaps("village", 4, 2, 2)],
        2,
        [UnitGap("450999001203", "村203", "village", "450999001", 100)],
    )
    return CoverageMapData(
        area,
        rates,
        units,
        villages,
        stations,
        station_reach(stations),
        gaps,
        Bounds(109.9, 25.9, 110.3, 26.1),
    )


def _render(data: CoverageMapData | None = None, **kwargs: Any) -> CoveragePage:
    m = build_coverage_map(data or _data(), **kwargs)
    return CoveragePage(m.get_root().render())


# ---------------------------------------------------------------------------------- builder


def test_layers_are_named_in_chinese_by_default() -> None:
    page = _render()
    assert page.html_lang == "zh-CN"
    assert set(page.overlays()) == set(LAYERS_ZH.values())
    assert "测试县" in page.title


def test_layers_are_named_in_english_on_request() -> None:
    page = _render(lang="en")
    assert page.html_lang == "en"
    assert set(page.overlays()) == set(LAYERS_EN.values())


def test_proposed_sites_get_their_own_layer() -> None:
    proposed = [ProposedSite(110.03, 26.02, "候选点 A", 1234), ProposedSite(110.12, 26.01, EVIL, None)]
    page = _render(proposed=proposed, lang="en")
    sites = page.points("Proposed sites")
    assert [row[3] for row in sites["rows"]] == ["候选点 A", EVIL]
    assert [(row[0], row[1]) for row in sites["rows"]] == [(26.02, 110.03), (26.01, 110.12)]
    assert sites["rows"][0][4] == "1,234"
    assert sites["labels"] == ["People newly covered"]
    assert sites["styles"][0]["className"] == "vetmap-proposed"
    assert page.shown_at_start("Proposed sites")
    assert "Proposed sites" not in _render(lang="en").overlays()


def test_proposed_site_with_a_bad_position_is_refused() -> None:
    with pytest.raises(ValueError, match="lon/lat"):
        ProposedSite(200.0, 26.0, "x")
    with pytest.raises(ValueError, match="lon/lat"):
        ProposedSite(110.0, math.nan, "x")


def test_no_script_or_stylesheet_comes_from_outside() -> None:
    page = _render()
    assert any(src.endswith("/leaflet.js") for src in page.script_srcs)
    for url in page.local_assets():
        assert url.startswith(("/static/vendor/", "/static/staff/coverage.")), url
    for href in page.anchors():
        assert href.startswith("/"), href
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page.html)
    assert "cdn" not in page.html.lower()


def test_choropleth_colours_units_by_their_share() -> None:
    units = {
        f["properties"]["code"]: f["properties"] for f in _render().units(LAYERS_ZH["units"])["features"]
    }
    assert units["450999001"]["value"] == pytest.approx(0.9)  # people, where known
    assert units["450999001"]["fill"] == RATE_CLASSES[-1][1]
    assert units["450999002"]["value"] == pytest.approx(0.5)  # villages when no population is known
    assert units["450999002"]["fill"] == rate_colour(0.5) == RATE_CLASSES[2][1]
    assert units["450999003"]["value"] is None
    assert units["450999003"]["fill"] == NO_DATA_COLOUR
    by_villages = {
        f["properties"]["code"]: f["properties"]["value"]
        for f in _render(weight="villages").units(LAYERS_ZH["units"])["features"]
    }
    assert by_villages["450999001"] == pytest.approx(0.75)


def test_unit_popups_carry_the_figures_and_a_link_to_the_unit_map() -> None:
    page = _render(lang="en", links=PageLinks(page="/coverage"), query={"lang": "en", "village_m": 2500})
    popup = next(
        f["properties"]["popup"]
        for f in page.units("Coverage by township")["features"]
        if f["properties"]["code"] == "450999001"
    )
    rows = dict(popup["rows"])
    assert rows["Villages within 3 km of a village station"] == "3 / 4 (75.0%)"
    assert "900 / 1,000 (90.0%)" in rows.values()
    link = popup["link"]["href"]
    assert parse_qs(urlsplit(link).query) == {"area": ["450999001"], "lang": ["en"], "village_m": ["2500"]}


def test_uncovered_villages_are_marked() -> None:
    page = _render()
    uncovered = page.points(LAYERS_ZH["uncovered"])
    assert sorted(row[4] for row in uncovered["rows"]) == ["450999001203", "450999002201"]
    assert uncovered["styles"] == [pytest.approx(uncovered["styles"][0])]
    assert uncovered["styles"][0]["className"] == "vetmap-uncovered"
    assert uncovered["styles"][0]["radius"] > page.points(LAYERS_ZH["villages"])["styles"][0]["radius"]
    villages = page.points(LAYERS_ZH["villages"])
    classes = {row[4]: villages["styles"][row[2]]["className"] for row in villages["rows"]}
    assert classes == {
        "450999001201": "vetmap-village vetmap-village-covered",
        "450999001202": "vetmap-village vetmap-village-covered",
        "450999001203": "vetmap-village vetmap-village-uncovered",
        "450999002201": "vetmap-village vetmap-village-uncovered",
    }
    no_station = next(row for row in uncovered["rows"] if row[4] == "450999002201")
    assert no_station[6] == "无" and no_station[-1] == "未覆盖"


def test_reach_layers_hold_circles_of_the_level_threshold_and_start_hidden() -> None:
    page = _render(lang="en")
    village = page.reach(LAYERS_EN["reach_village"])["features"]
    township = page.reach(LAYERS_EN["reach_township"])["features"]
    assert [f["properties"]["id"] for f in village] == [1]
    assert [f["properties"]["id"] for f in township] == [2]
    for features, radius in ((village, 3000.0), (township, 10000.0)):
        ring = np.array(features[0]["geometry"]["coordinates"][0])
        centre = {1: (110.0, 26.01), 2: (110.05, 26.0)}[features[0]["properties"]["id"]]
        _, _, dist = GEOD.inv(
            np.full(len(ring), centre[0]), np.full(len(ring), centre[1]), ring[:, 0], ring[:, 1]
        )
        assert np.allclose(dist, radius, atol=15.0)  # vertices rounded to 1e-4 degrees
        assert ring[0].tolist() == ring[-1].tolist()
    assert not page.shown_at_start(LAYERS_EN["reach_village"])
    assert not page.shown_at_start(LAYERS_EN["reach_township"])
    for name in ("units", "villages", "uncovered", "stations"):
        assert page.shown_at_start(LAYERS_EN[name]), name


def test_geodesic_circles_are_at_the_radius_on_the_ellipsoid() -> None:
    lon, lat, radius = (
        np.array([110.0, 87.0, -70.5]),
        np.array([26.0, 53.5, 18.2]),
        np.array([3000.0, 10.0, 5e5]),
    )
    rings = geodesic_circles(lon, lat, radius, vertices=36)
    assert rings.shape == (3, 37, 2)
    for i in range(3):
        _, _, dist = GEOD.inv(np.full(37, lon[i]), np.full(37, lat[i]), rings[i, :, 0], rings[i, :, 1])
        assert np.allclose(dist, radius[i], rtol=1e-9, atol=1e-6)


def test_legend_lists_the_colour_classes_and_symbols() -> None:
    page = _render(lang="en")
    match = re.search(r"VetMapCoverage\.legend\(", page.script)
    assert match, "no legend"
    legend, _ = json.JSONDecoder().raw_decode(page.script, match.end())
    assert legend["title"] == "Share of population within 3 km of a village station"
    items = {item["text"]: item for item in legend["items"]}
    for label in ("0–20%", "20–40%", "40–60%", "60–80%", "80–100%", "No data", "Uncovered villages"):
        assert label in items, label
    assert [items[label]["fill"] for label in ("0–20%", "20–40%", "40–60%", "60–80%", "80–100%")] == [
        colour for _, colour in RATE_CLASSES
    ]
    assert items["Uncovered villages"]["dot"] and items["Uncovered villages"]["border"] == "2px solid #d7191c"


def test_tables_follow_the_map_with_download_links() -> None:
    links = PageLinks(rates_csv="/r.csv", rates_xlsx="/r.xlsx", gaps_csv="/g.csv", gaps_xlsx="/g.xlsx")
    page = _render(links=links)
    assert page.html.index('class="folium-map"') < page.html.index('<section class="vetmap-tables"')
    assert page.html.index('<header class="vetmap-coverage-header"') < page.html.index('class="folium-map"')
    rates = re.search(r'<table class="[^"]*vetmap-rates[^"]*">(.*?)</table>', page.html, re.S).group(1)
    assert rates.count("<tr>") == 1 + 3 + 1  # header, three townships, the total
    assert "3公里内有村级站的人口占比(%)" in rates and "90.00%" in rates
    for href in ("/r.csv", "/r.xlsx", "/g.csv", "/g.xlsx"):
        assert f'href="{href}"' in page.html
    assert "村203" in page.html


def test_form_keeps_the_query_and_shows_the_thresholds() -> None:
    page = _render(query={"area": "450999", "lang": "en", "village_m": 3000})
    form = re.search(r"<form.*?</form>", page.html, re.S).group(0)
    assert 'name="area" value="450999"' in form and 'name="lang" value="en"' in form
    assert 'name="village_m"' in form and 'value="3000"' in form and 'value="10000"' in form


def test_names_with_markup_reach_the_page_only_as_script_safe_data() -> None:
    page = _render(_data(name=EVIL))
    assert EVIL not in page.html  # nowhere as markup: escaped in the tables, JSON-escaped in the script
    unit = page.units(LAYERS_ZH["units"])["features"][0]["properties"]
    assert unit["name"] == EVIL and unit["popup"]["title"].startswith(EVIL)  # data the browser shows as text


def test_bad_builder_input_raises() -> None:
    with pytest.raises(ValueError, match="station level"):
        build_coverage_map(_data(), by="county")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="weight"):
        build_coverage_map(_data(), weight="area")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="language"):
        build_coverage_map(_data(), lang="fr")


def test_error_page_escapes_the_message() -> None:
    html_text = error_page(f"no area {EVIL}", "en").render()
    assert EVIL not in html_text and "&lt;script&gt;" in html_text and 'lang="en"' in html_text


def test_rate_classes_and_reach_labels() -> None:
    assert rate_colour(None) == NO_DATA_COLOUR
    assert rate_colour(0.0) == rate_colour(0.1999) == RATE_CLASSES[0][1]
    assert rate_colour(0.2) == RATE_CLASSES[1][1]
    assert rate_colour(1.0) == RATE_CLASSES[-1][1]
    # a threshold as typed: no rounding to a tenth of a kilometre, no trailing zeros
    exact = {
        3000: ("3公里", "3 km"),
        2500: ("2.5公里", "2.5 km"),
        2345: ("2.345公里", "2.345 km"),
        800: ("800米", "800 m"),
        812.5: ("812.5米", "812.5 m"),
    }
    for metres, (zh, en) in exact.items():
        assert (distance_text(metres, "zh", exact=True), distance_text(metres, "en", exact=True)) == (zh, en)


def test_csv_has_a_bom_and_localised_headers() -> None:
    table = rates_table(_data().rates, "en")
    raw = table_csv(table)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Code", "Name", "Level"]
    assert rows[1][:3] == ["450999001", "甲镇", "Township"]
    assert rows[-1][1] == "Total (测试县)"
    assert len(rows) == 1 + 3 + 1
    gaps = list(csv.reader(io.StringIO(table_csv(gaps_table(_data().gaps, "zh")).decode("utf-8-sig"))))
    assert gaps == [
        ["区划代码", "名称", "级别", "上级区划代码", "人口"],
        ["450999001203", "村203", "村(社区)", "450999001", "100"],
    ]


def test_xlsx_keeps_numbers_as_numbers_and_codes_as_text() -> None:
    book = openpyxl.load_workbook(io.BytesIO(table_xlsx(rates_table(_data().rates, "zh"), "覆盖率")))
    sheet = book["覆盖率"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "450999001" and rows[1][3] == 4
    share_column = [c.key for c in rates_table(_data().rates, "zh").columns].index("village_population_share")
    assert rows[1][share_column] == pytest.approx(0.9)
    assert sheet.cell(2, share_column + 1).number_format == "0.00%"
    assert "说明" in book.sheetnames


# ------------------------------------------------------------------------- through the app


@pytest.fixture(scope="module")
def county_page(client: TestClient) -> CoveragePage:
    response = client.get("/coverage", params={"area": COUNTY})
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return CoveragePage(response.text)


def _all_villages(client: TestClient, area: str) -> list[dict]:
    body = client.get(f"{API}/villages", params={"area": area, "limit": 1000}).json()
    assert body["numberMatched"] <= 1000
    return body["features"]


def test_page_is_chinese_by_default_with_every_layer(county_page: CoveragePage) -> None:
    assert county_page.html_lang == "zh-CN"
    assert "资源县" in county_page.title
    assert set(county_page.overlays()) == set(LAYERS_ZH.values())
    for url in county_page.local_assets():
        assert url.startswith(("/static/vendor/", "/static/staff/coverage.")), url


def test_page_is_english_on_request(client: TestClient) -> None:
    response = client.get("/coverage", params={"area": COUNTY, "lang": "en"})
    assert response.status_code == 200
    page = CoveragePage(response.text)
    assert page.html_lang == "en"
    assert set(page.overlays()) == set(LAYERS_EN.values())


def test_page_choropleth_matches_the_rates_api(client: TestClient, county_page: CoveragePage) -> None:
    rates = client.get(f"{API}/rates", params={"area": COUNTY}).json()
    units = {f["properties"]["code"]: f for f in county_page.units(LAYERS_ZH["units"])["features"]}
    assert set(units) == {row["code"] for row in rates["rows"]}
    for row in rates["rows"]:
        village = next(s for s in row["shares"] if s["station_level"] == "village")
        expected = (
            village["population_share"]
            if village["population_share"] is not None
            else village["village_share"]
        )
        assert units[row["code"]]["properties"]["value"] == pytest.approx(expected)
        assert units[row["code"]]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_page_marks_the_villages_the_api_calls_uncovered(
    client: TestClient, county_page: CoveragePage
) -> None:
    villages = _all_villages(client, COUNTY)
    uncovered = {f["properties"]["code"] for f in villages if not f["properties"]["covered"]}
    assert uncovered, "the demo county should have an uncovered village"
    drawn = {row[4] for row in county_page.points(LAYERS_ZH["uncovered"])["rows"]}
    assert drawn == uncovered
    assert len(county_page.points(LAYERS_ZH["villages"])["rows"]) == len(villages)


def test_page_thresholds_come_from_the_query(client: TestClient) -> None:
    response = client.get("/coverage", params={"area": COUNTY, "village_m": 1500, "township_m": 4000})
    assert response.status_code == 200
    page = CoveragePage(response.text)
    villages = _all_villages(client, COUNTY)
    expected = {
        f["properties"]["code"]
        for f in villages
        if f["properties"]["distance_m"] is None or f["properties"]["distance_m"] > 1500
    }
    assert {row[4] for row in page.points("未覆盖村(社区)")["rows"]} == expected
    reach = page.reach("村级站服务范围(1.5公里)")["features"]
    assert reach and {f["properties"]["reach_m"] for f in reach} == {1500.0}
    assert page.reach("乡镇级站服务范围(4公里)")["features"]
    assert 'value="1500"' in page.html and 'value="4000"' in page.html


def test_township_page_draws_village_polygons(client: TestClient) -> None:
    response = client.get("/coverage", params={"area": TOWNSHIP, "lang": "en"})
    assert response.status_code == 200
    page = CoveragePage(response.text)
    units = page.units("Coverage by village")["features"]
    assert units and {f["geometry"]["type"] for f in units} <= {"Polygon", "MultiPolygon"}
    assert {f["properties"]["code"][:9] for f in units} == {TOWNSHIP}


def test_page_links_its_downloads(client: TestClient, county_page: CoveragePage) -> None:
    links = [unquote(h.replace("&amp;", "&")) for h in county_page.anchors() if h.startswith(API)]
    paths = {urlsplit(h).path for h in links}
    assert paths == {
        f"{API}/{name}.{fmt}" for name in ("rates", "gaps", "beyond-reach") for fmt in ("csv", "xlsx")
    }
    for href in links:
        response = client.get(href)
        assert response.status_code == 200, href


def _rates_json(client: TestClient, **params: Any) -> dict:
    response = client.get(f"{API}/rates", params={"area": COUNTY, **params})
    assert response.status_code == 200, response.text
    return response.json()


def _json_rows(rates: dict) -> list[dict]:
    return [*rates["rows"], rates["area"]]


def _expected_cells(unit: dict) -> list[Any]:
    cells: list[Any] = [unit["villages"], unit["villages_with_population"], unit["population"]]
    for share in unit["shares"]:
        cells += [
            share["villages_covered"],
            share["village_share"],
            share["population_covered"],
            share["population_share"],
        ]
    return [*cells, unit["townships"], unit["townships_covered"], unit["township_share"]]


@pytest.mark.parametrize("params", [{}, {"village_m": 1500, "township_m": 6000}])
def test_rates_csv_has_the_figures_of_the_json(client: TestClient, params: dict) -> None:
    response = client.get(f"{API}/rates.csv", params={"area": COUNTY, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    disposition = response.headers["content-disposition"]
    assert (
        disposition.startswith("attachment;")
        and f'filename="coverage-rates-{COUNTY}-township.csv"' in disposition
    )
    assert "filename*=UTF-8''" in disposition and "资源县" in unquote(disposition)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["区划代码", "名称", "级别"]
    expected = _json_rows(_rates_json(client, **params))
    assert len(rows) == 1 + len(expected)
    for row, unit in zip(rows[1:], expected, strict=True):
        assert row[0] == unit["code"]
        for cell, want in zip(row[3:], _expected_cells(unit), strict=True):
            if want is None:
                assert cell == ""
            elif isinstance(want, float):
                assert float(cell) / 100 == pytest.approx(want, abs=1e-4)
            else:
                assert int(cell) == want


def test_rates_xlsx_has_the_figures_of_the_json(client: TestClient) -> None:
    response = client.get(f"{API}/rates.xlsx", params={"area": COUNTY, "lang": "en", "village_m": 2000})
    assert response.status_code == 200, response.text
    assert (
        response.headers["content-type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="coverage-rates-450329-township.xlsx"' in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["Coverage rates"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Code", "Name", "Level")
    assert "Villages within 2 km of a village station" in rows[0]
    expected = _json_rows(_rates_json(client, village_m=2000))
    assert len(rows) == 1 + len(expected)
    for row, unit in zip(rows[1:], expected, strict=True):
        assert row[0] == unit["code"]
        assert list(row[3:]) == pytest.approx(_expected_cells(unit))
    about = dict(book["About"].iter_rows(min_row=2, values_only=True))
    assert about["Area"] == "资源县 (450329)"
    assert int(about["Coverage run"]) == _rates_json(client)["coverage"]["run_id"]


def _all_gaps(client: TestClient, area: str) -> list[dict]:
    body = client.get(f"{API}/gaps", params={"area": area, "limit": 1000}).json()
    assert body["numberMatched"] <= 1000
    return body["gaps"]


def test_gaps_downloads_list_every_unit_without_a_station(client: TestClient) -> None:
    expected = [
        (g["code"], g["name"], g["parent_code"] or "", g["population"]) for g in _all_gaps(client, COUNTY)
    ]
    assert expected
    response = client.get(f"{API}/gaps.csv", params={"area": COUNTY, "lang": "en"})
    assert response.status_code == 200
    assert 'filename="coverage-gaps-450329.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Code", "Name", "Level", "Parent code", "Population"]
    assert [(r[0], r[1], r[3], int(r[4]) if r[4] else None) for r in rows[1:]] == expected
    response = client.get(f"{API}/gaps.xlsx", params={"area": COUNTY})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["无站单位"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "区划代码"
    assert [(r[0], r[1], r[3] or "", r[4]) for r in rows[1:]] == expected


def test_gaps_download_of_one_level(client: TestClient) -> None:
    response = client.get(f"{API}/gaps.csv", params={"area": COUNTY, "level": "village"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
    assert rows and {r[2] for r in rows} == {"村(社区)"}
    assert 'filename="coverage-gaps-450329-village.csv"' in response.headers["content-disposition"]


@pytest.mark.parametrize(
    ("path", "params", "status", "detail"),
    [
        ("/coverage", {"area": "999999"}, 404, "999999"),
        ("/coverage", {"area": COUNTY, "village_m": 0}, 422, "village_m must be greater than 0"),
        ("/coverage", {"area": COUNTY, "township_m": -10}, 422, "township_m must be greater than 0"),
        ("/coverage", {"area": COUNTY, "village_m": "far"}, 422, "village_m"),
        ("/coverage", {"area": COUNTY, "village_m": "inf"}, 422, "finite"),
        ("/coverage", {"area": "45abc"}, 422, "area"),
        ("/coverage", {"area": TOWNSHIP, "level": "county"}, 422, "above area"),
        ("/coverage", {"area": COUNTY, "lang": "fr"}, 422, "lang"),
        ("/coverage", {"area": COUNTY, "by": "county"}, 422, "by"),
        (f"{API}/rates.csv", {"area": "999999"}, 404, "999999"),
        (f"{API}/rates.xlsx", {"area": COUNTY, "village_m": 0}, 422, "village_m must be greater than 0"),
        (f"{API}/rates.csv", {"area": COUNTY, "township_m": -1}, 422, "township_m must be greater than 0"),
        (f"{API}/rates.csv", {"area": COUNTY, "level": "hamlet"}, 422, "level"),
        (f"{API}/gaps.csv", {"area": "999999999"}, 404, "999999999"),
        (f"{API}/gaps.xlsx", {"area": "999999"}, 404, "999999"),
        (f"{API}/gaps.csv", {"area": COUNTY, "lang": "xx"}, 422, "lang"),
    ],
)
def test_bad_input_is_a_clear_client_error(
    client: TestClient, path: str, params: dict, status: int, detail: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert detail in response.text


def test_unknown_area_page_is_a_readable_html_page(client: TestClient) -> None:
    response = client.get("/coverage", params={"area": "999999", "lang": "en"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    text_shown = html.unescape(response.text)
    assert "The coverage map cannot be shown" in text_shown and "no area with code '999999'" in text_shown
    assert 'href="/?lang=en"' in response.text


def test_page_without_an_area_shows_the_counties(client: TestClient, engine: Engine) -> None:
    response = client.get("/coverage", params={"lang": "en"})
    assert response.status_code == 200
    page = CoveragePage(response.text)
    with engine.connect() as conn:
        counties = conn.execute(text("SELECT count(*) FROM areas WHERE level = 'county'")).scalar_one()
    assert len(page.units("Coverage by county")["features"]) == counties


def test_atlas_map_links_the_coverage_map(client: TestClient) -> None:
    # the overview's header (web/templates/atlas/overview.html) links the coverage map, keeping ?lang
    assert "/coverage?lang=en" in CoveragePage(client.get("/", params={"lang": "en"}).text).anchors()
    assert "/coverage" in CoveragePage(client.get("/").text).anchors()


def test_large_areas_leave_the_village_layers_out(engine: Engine) -> None:
    with engine.begin() as conn:
        data = coverage_map_data(conn, COUNTY, max_villages=10)
    assert data.villages_left_out == data.rates.area.villages > 10
    assert data.villages["features"] == [] and data.reach["features"] == []
    page = _render(data, lang="en")
    assert "too many to draw one by one" in page.html
    assert page.points("Uncovered villages")["rows"] == []


def test_page_looks_its_area_up_once(client: TestClient, statements: list[str]) -> None:
    assert client.get("/coverage", params={"area": COUNTY, "lang": "en"}).status_code == 200
    # the rates, the gaps and the service areas are handed the area the one lookup found
    assert sum(s.startswith("SELECT code, level, name FROM areas WHERE code") for s in statements) == 1


def test_page_shows_the_chosen_sites_of_a_siting_run(client: TestClient) -> None:
    body = {
        "problem": "mclp",
        "area": COUNTY,
        "station_level": "village",
        "p": 2,
        "exact": False,
        "wait": True,
    }
    response = client.post(f"{API}/siting", json=body)
    assert response.status_code in (200, 201), response.text
    run = response.json()
    chosen = run["result"]["chosen"]
    assert len(chosen) == 2
    page_response = client.get("/coverage", params={"siting_run": run["id"], "lang": "en"})
    assert page_response.status_code == 200, page_response.text[:300]
    page = CoveragePage(page_response.text)
    assert "资源县" in page.title  # the run's area when the page is given none
    rows = page.points("Proposed sites")["rows"]
    assert [(row[0], row[1]) for row in rows] == [(round(c["lat"], 6), round(c["lon"], 6)) for c in chosen]
    assert [row[3] for row in rows] == [f"{c['rank']}. {c['label']}" for c in chosen]
    assert [row[4] for row in rows] == [f"{round(c['newly_covered_people']):,}" for c in chosen]
    assert f"siting_run={run['id']}" in page.html


@pytest.mark.parametrize(("run", "status"), [(987654, 404), (0, 422), ("x", 422)])
def test_unknown_or_malformed_siting_run_is_a_client_error(
    client: TestClient, run: object, status: int
) -> None:
    response = client.get("/coverage", params={"siting_run": run})
    assert response.status_code == status, response.text[:300]


def test_header_names_the_coverage_run_and_its_time() -> None:
    page = _render(lang="en")
    assert "Figures from coverage run 7 (2026-11-27 00:00)" in page.html
    data = _data()
    state = {"run_id": 8, "computed_at": "2026-11-27T22:25:27.125177+08:00"}
    rates = CoverageRates(data.rates.area, data.rates.level, data.rates.rows, data.rates.params, state)
    page = _render(dataclasses.replace(data, rates=rates), lang="en")
    assert "Figures from coverage run 8 (2026-11-27 22:25)" in page.html  # China time, as every page


def test_road_service_areas_get_one_hidden_layer_per_time_limit() -> None:
    def area(station: int, minutes: float) -> dict:
        return {
            "type": "Feature",
            "id": station * 100 + int(minutes),
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": [[square(110.0, 26.0, 0.02)["coordinates"][0]]],
            },
            "properties": {"station_id": station, "minutes": minutes, "area_m2": 1.0e6},
        }

    data = dataclasses.replace(
        _data(),
        service_areas={"type": "FeatureCollection", "features": [area(1, 15), area(2, 15), area(1, 30)]},
    )
    page = _render(data, lang="en")
    quarter = page.reach("Service area by road (15 min)")["features"]
    half = page.reach("Service area by road (30 min)")["features"]
    assert sorted(f["properties"]["station_id"] for f in quarter) == [1, 2]
    assert [f["properties"]["station_id"] for f in half] == [1]
    assert not page.shown_at_start("Service area by road (15 min)")
    assert "Service area by road" not in _render(lang="en").html  # none without a travel run


# ------------------------------------------------------------------------------------------------- basemaps

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
AMAP_TILES = "webrd0{s}.is.autonavi.com"
TIANDITU_TILES = "tianditu.gov.cn/vec_w/wmts"


def _fit_bounds(page: CoveragePage) -> list[list[float]]:
    """The [[south, west], [north, east]] the page fits its view to."""
    match = re.search(r"\.fitBounds\(\s*(\[\[.*?\]\])", page.script, re.DOTALL)
    assert match, "the page fits no view"
    return json.loads(match.group(1))


def _shifted_row(row: list, gcj: dict[tuple[float, float], tuple[float, float]]) -> list:
    g_lon, g_lat = gcj[(row[1], row[0])]
    return [round(g_lat, 6), round(g_lon, 6), *row[2:]]


def test_each_basemap_draws_its_tiles_under_the_same_layers() -> None:
    none = _render()
    assert "L.tileLayer" not in none.script and "vetmapBasemap" in none.script  # no internet needed
    links = ("/coverage", {"area": "450999", "lang": "en"})
    pages = {
        name: _render(basemap=BasemapChoice(name, "tdt-key", links))
        for name in ("osm", "amap", "tianditu", "none")
    }
    assert OSM_TILES in pages["osm"].script and AMAP_TILES not in pages["osm"].script
    assert AMAP_TILES in pages["amap"].script and OSM_TILES not in pages["amap"].script
    assert TIANDITU_TILES in pages["tianditu"].script and "tk=tdt-key" in pages["tianditu"].script
    assert "L.tileLayer" not in pages["none"].script
    for name, page in pages.items():
        assert set(page.overlays()) == set(LAYERS_ZH.values()), name  # the tiles are not an overlay
        # the switch links every basemap back to this page, the current one marked
        assert (
            f'"/choose?basemap=amap\\u0026next=%2Fcoverage%3Farea%3D450999%26lang%3Den",{str(name == "amap").lower()}'
            in page.script
        )
        assert f'map.vetmapBasemap = "{name}"' in page.script


def test_on_amap_every_overlay_and_the_view_are_shifted_to_gcj02() -> None:
    proposed = [ProposedSite(110.03, 26.02, "候选点 A", 1234)]
    plain = _render(lang="en", proposed=proposed)
    amap = _render(lang="en", proposed=proposed, basemap=BasemapChoice("amap"))
    for layer in ("Villages", "Uncovered villages", "Service stations", "Proposed sites"):
        rows = plain.points(layer)["rows"]
        assert rows, layer
        lons, lats = wgs84_to_gcj02(np.array([r[1] for r in rows]), np.array([r[0] for r in rows]))
        gcj = {(r[1], r[0]): (x, y) for r, x, y in zip(rows, lons, lats, strict=True)}
        assert amap.points(layer)["rows"] == [_shifted_row(r, gcj) for r in rows], layer
        assert all(abs(a[1] - p[1]) > 1e-4 for a, p in zip(amap.points(layer)["rows"], rows, strict=True))

    def first_vertex(geojson: dict) -> list[float]:
        return geojson["features"][0]["geometry"]["coordinates"][0][0]

    for layer, get in (
        ("Coverage by township", CoveragePage.units),
        ("Village station reach (3 km)", CoveragePage.reach),
    ):
        lon, lat = first_vertex(get(plain, layer))
        assert first_vertex(get(amap, layer)) == pytest.approx(list(wgs84_to_gcj02(lon, lat)), abs=1e-6), (
            layer
        )
    (south, west), (north, east) = _fit_bounds(plain)
    lons, lats = wgs84_to_gcj02(np.array([west, east, west, east]), np.array([south, south, north, north]))
    (a_south, a_west), (a_north, a_east) = _fit_bounds(amap)  # the box of the shifted corners
    assert [a_south, a_west, a_north, a_east] == pytest.approx(
        [lats.min(), lons.min(), lats.max(), lons.max()]
    )


@pytest.fixture(scope="module")
def county_station(engine: Engine) -> tuple[str, float, float]:
    """The name and stored WGS-84 lon/lat of an active township station of 资源县."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT name, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM stations "
                "WHERE area_code LIKE :c AND level = 'township' AND status = 'active' ORDER BY id LIMIT 1"
            ),
            {"c": f"{COUNTY}%"},
        ).one()
    return row.name, row.lon, row.lat


def _station_row(page: CoveragePage, name: str) -> list:
    rows = [r for r in page.points(LAYERS_ZH["stations"])["rows"] if r[3] == name]
    assert len(rows) == 1, name
    return rows[0]


def test_page_on_amap_draws_a_known_station_at_its_gcj02_position(
    client: TestClient, county_page: CoveragePage, county_station: tuple[str, float, float]
) -> None:
    name, lon, lat = county_station
    assert _station_row(county_page, name)[:2] == pytest.approx([lat, lon], abs=1e-6)  # the suite: no basemap
    response = client.get("/coverage", params={"area": COUNTY, "basemap": "amap"})
    assert response.status_code == 200
    amap = CoveragePage(response.text)
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert _station_row(amap, name)[:2] == pytest.approx([g_lat, g_lon], abs=1e-6)
    assert (
        AMAP_TILES in amap.script
        and "https://*.is.autonavi.com" in response.headers["content-security-policy"]
    )


def test_page_basemap_comes_from_the_query_then_the_cookie_then_the_settings(
    client: TestClient, county_page: CoveragePage
) -> None:
    assert "L.tileLayer" not in county_page.script  # the suite's settings: basemap none
    osm = client.get("/coverage", params={"area": COUNTY, "basemap": "osm"}).text
    assert OSM_TILES in osm
    remembered = client.get("/coverage", params={"area": COUNTY}, headers={"Cookie": "basemap=amap"}).text
    assert AMAP_TILES in remembered
    overridden = client.get(
        "/coverage", params={"area": COUNTY, "basemap": "none"}, headers={"Cookie": "basemap=amap"}
    ).text
    assert AMAP_TILES not in overridden and "L.tileLayer" not in overridden
    assert TIANDITU_TILES not in client.get("/coverage", params={"area": COUNTY, "basemap": "tianditu"}).text
    bad = client.get("/coverage", params={"area": COUNTY, "basemap": "google"})
    assert bad.status_code == 422 and "basemap" in bad.text


def test_the_form_and_drill_down_links_keep_the_page_s_basemap(client: TestClient) -> None:
    page = CoveragePage(client.get("/coverage", params={"area": COUNTY, "basemap": "amap"}).text)
    assert '<input type="hidden" name="basemap" value="amap">' in page.html
    units = page.units(LAYERS_ZH["units"])["features"]
    assert units and all(
        "basemap=amap" in f["properties"]["popup"]["link"]["href"] for f in units
    )  # drill-down
