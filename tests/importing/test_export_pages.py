"""The export page ``/staff/exports`` (issue 19 item 7) over HTTP: my area preselected, each collection's count equal
to the database's, one link per collection × format that downloads that many records; another area than mine is
refused with a sentence (an admin of the atlas may choose any, or all); any signed-in staff may export."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.settings import Settings
from tests.importing.import_pages import CJK, signed_in

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"  # 资源县
OTHER_COUNTY = "450102"
FORMATS = ["geojson", "csv", "xlsx", "gpkg", "shp", "kml"]


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


def grid(html: str) -> dict[str, tuple[str, list[str]]]:
    """Collection → (count shown, download hrefs) of the export table."""
    out = {}
    for name, body in re.findall(r'<tr data-collection="(\w+)">(.*?)</tr>', html, re.S):
        count = re.search(r'<td class="count">([^<]*)</td>', body).group(1)
        out[name] = (count, [unescape(h) for h in re.findall(r'<a href="([^"]+)" download', body)])
    return out


def count(engine: Engine, table: str, prefix: str) -> int:
    """Records of a table whose area code starts with ``prefix``."""
    column = "code" if table == "areas" else "area_code"
    with engine.connect() as conn:
        return conn.execute(
            text(f"SELECT count(*) FROM {table} WHERE {column} LIKE :p"), {"p": prefix + "%"}
        ).scalar_one()


def test_my_area_is_preselected_with_counts_and_every_format_downloads(app, engine):
    client, _ = signed_in(app, engine, "planner", COUNTY)
    page = client.get("/staff/exports")
    assert page.status_code == 200
    assert f'<option value="{COUNTY}" selected>' in page.text
    rows = grid(page.text)
    assert list(rows) == ["stations", "memorials", "cemeteries", "graves", "martyrs", "areas", "summary"]
    for table in ("stations", "memorials", "cemeteries", "graves", "martyrs", "areas"):
        shown, links = rows[table]
        assert int(shown) == count(engine, table, COUNTY), table
        assert links == [f"/api/v1/exports/{table}.{f}?area={COUNTY}" for f in FORMATS]
    assert rows["summary"][1] == [f"/api/v1/exports/summary.xlsx?area={COUNTY}"]
    assert int(rows["stations"][0]) > 0

    stations = int(rows["stations"][0])
    geojson = client.get(rows["stations"][1][0])
    assert geojson.status_code == 200 and geojson.headers["content-type"].startswith("application/geo+json")
    assert len(json.loads(geojson.content)["features"]) == stations
    as_csv = client.get(rows["stations"][1][1])
    assert as_csv.status_code == 200
    records = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert len(records) == stations and all(r["area_code"].startswith(COUNTY) for r in records)


def test_another_area_than_mine_is_refused_with_a_sentence(app, engine):
    client, _ = signed_in(app, engine, "crew", COUNTY)  # any signed-in staff may export
    page = client.get(f"/staff/exports?area={OTHER_COUNTY}")
    assert page.status_code == 200
    assert f"{OTHER_COUNTY} 不在您的辖区内，已改为导出您的辖区。" in unescape(page.text)
    assert f'<option value="{COUNTY}" selected>' in page.text
    unknown = client.get("/staff/exports?area=999999")
    assert "区划代码 999999 不存在" in unescape(unknown.text)


def test_an_admin_of_the_atlas_may_export_everything(app, engine):
    client, _ = signed_in(app, engine, "admin", None)
    rows = grid(client.get("/staff/exports?area=all").text)
    assert int(rows["stations"][0]) == count(engine, "stations", "")
    assert rows["stations"][1][0] == "/api/v1/exports/stations.geojson"
    other = grid(client.get(f"/staff/exports?area={OTHER_COUNTY}").text)
    assert int(other["stations"][0]) == count(engine, "stations", OTHER_COUNTY)


def test_the_english_page_has_no_chinese_but_the_area_names(app, engine):
    client, _ = signed_in(app, engine, "planner", COUNTY)
    html = client.get("/staff/exports?lang=en").text
    main = re.sub(r"<option[^>]*>[^<]*</option>", "", html.split("<main>")[1])
    assert not CJK.search(re.sub(r"<[^>]+>", " ", main))
