"""A site's staff page leads to its other pages: public page, inspections, work orders, a new order (issue 20),
each only for those who may open it, and each link answers a page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from api.app import create_app
from geo.settings import Settings
from tests.staff_pages import signed_in_client

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"
PASSWORD = "test-site-page-links-password"


@pytest.fixture(scope="module")
def app(settings: Settings, demo_counts: dict[str, int]) -> Iterator[FastAPI]:
    """The app, shared by this module's clients."""
    application = create_app(settings)
    with TestClient(application):
        yield application


def _links(html: str) -> dict[str, str]:
    return {
        unescape(label): unescape(href)
        for href, label in re.findall(r'class="site-link" href="([^"]+)">([^<]+)<', html)
    }


def _first(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(f"SELECT min(id) FROM {table} WHERE area_code LIKE '{COUNTY}%'")
        ).scalar_one()


def test_a_memorial_page_links_its_public_upkeep_and_order_pages(app: FastAPI, engine: Engine) -> None:
    admin, _ = signed_in_client(app, engine, "site-links-admin", PASSWORD, "admin", COUNTY)
    memorial = _first(engine, "memorials")
    links = _links(admin.get(f"/staff/sites/memorials/{memorial}").text)
    query = f"collection=memorials&site={memorial}"
    assert links == {
        "公众页面": f"/sites/memorials/{memorial}",
        "巡查记录": f"/staff/inspections/memorials/{memorial}",
        "此处工单": f"/staff/work-orders?{query}",
        "为此处新建工单": f"/staff/work-orders/new?{query}",
    }
    for href in links.values():
        assert admin.get(href).status_code == 200, href


def test_a_station_page_has_no_upkeep_links(app: FastAPI, engine: Engine) -> None:
    planner, _ = signed_in_client(app, engine, "site-links-planner", PASSWORD, "planner", COUNTY)
    station = _first(engine, "stations")
    page = planner.get(f"/staff/sites/stations/{station}?lang=en")
    assert page.status_code == 200 and _links(page.text) == {}
