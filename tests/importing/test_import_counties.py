"""The county an import's names resolve in, chosen on /staff/imports (issue 23): every county of the account's area
is offered, without a cap (a national bureau has about 2,850; the choice once stopped at 600 areas), grouped by
province and city; an account of a county or a township is offered its county alone."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.importing.places import county_groups
from geo.settings import Settings
from tests.importing.import_pages import signed_in
from tests.importing.many_counties import COUNT, county_code, county_name, many_counties


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


@pytest.fixture
def country(engine: Engine, demo_counts: dict[str, int]) -> Iterator[int]:
    """2,910 synthetic counties more than the demo atlas's; yields how many counties there are in all."""
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM areas WHERE level = 'county'")).scalar()
    with many_counties(engine):
        yield COUNT + before


def test_every_county_of_the_country_is_offered_grouped_by_province_and_city(app, engine, country):
    with engine.connect() as conn:
        groups = county_groups(conn, None)
    assert sum(len(g.counties) for g in groups) == country > 2_900
    last = groups[-1]
    assert last.label == "测试省 · 测试30市" and last.counties[-1] == (
        county_code(30, 97),
        county_name(30, 97),
    )
    client, _csrf = signed_in(app, engine, "admin", None)
    page = client.get("/staff/imports").text
    select = re.search(r'<select id="area" name="area"[^>]*>(.*?)</select>', page, re.S).group(1)
    codes = re.findall(r'<option value="(\d+)"', select)
    assert len(codes) == country and len(set(codes)) == country
    assert (
        f'<option value="{county_code(30, 97)}">{county_name(30, 97)}（{county_code(30, 97)}）</option>'
        in select
    )
    assert (
        '<optgroup label="测试省 · 测试1市">' in select
        and '<optgroup label="广西壮族自治区 · 桂林市">' in select
    )
    assert select.index("资源县（450329）") > select.index('<optgroup label="广西壮族自治区 · 桂林市">')
    assert re.search(r'<input type="search" id="area-filter"[^>]* hidden', page)  # shown by the script
    assert re.findall(r'<option value="">([^<]*)</option>', select) == ["（不按名称查找）"]


def test_a_province_sees_its_counties_and_a_township_its_county(app, engine):
    with engine.connect() as conn:
        province = county_groups(conn, "450000")
        township = county_groups(conn, "450329003")
    assert all(g.label.startswith("广西壮族自治区 · ") for g in province)
    assert all(code.startswith("45") for g in province for code, _n in g.counties)
    assert [(g.label, g.counties) for g in township] == [("广西壮族自治区 · 桂林市", (("450329", "资源县"),))]
    client, _csrf = signed_in(app, engine, "planner", "450300")
    english = client.get("/staff/imports?lang=en").text
    select = re.search(r'<select id="area" name="area"[^>]*>(.*?)</select>', english, re.S).group(1)
    assert "资源县 (450329)" in select and "(no lookup by name)" in select
    assert 'placeholder="Type a province, city or county, or a code"' in english


def test_the_export_page_offers_every_county_of_the_country_too(app, engine, country):
    client, _csrf = signed_in(app, engine, "admin", None)
    page = client.get("/staff/exports").text
    select = re.search(r'<select id="area" name="area"[^>]*>(.*?)</select>', page, re.S).group(1)
    codes = re.findall(r'<option value="(\d+)"', select)
    with engine.connect() as conn:
        counties = set(conn.execute(text("SELECT code FROM areas WHERE level = 'county'")).scalars())
    assert counties <= set(codes) and len(counties) == country  # the export choice once stopped at 600 areas
    assert (
        f'<option value="{county_code(30, 97)}">{county_name(30, 97)} ({county_code(30, 97)})</option>'
        in select
    )
    chosen = client.get("/staff/exports", params={"area": county_code(30, 97)}).text
    assert f'<option value="{county_code(30, 97)}" selected>' in chosen
