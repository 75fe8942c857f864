"""OWSLib (from PyPI) against the live service: the landing page, conformance, collections, queryables, items
with filters and paging, and its Part 4 calls (create, replace, delete) with a planner's bearer token."""

from __future__ import annotations

import pytest
from owslib.ogcapi.features import Features
from sqlalchemy import Engine, text

from tests.auth_helpers import headers_of, sites_kept, staff_accounts
from tests.factories import ZIYUAN_POINT


@pytest.fixture(scope="module")
def planner_headers(engine: Engine, demo_counts: dict[str, int]) -> dict[str, str]:
    """Bearer headers of a planner of 资源县 (450329)."""
    return headers_of(staff_accounts(engine, [("planner", "planner", "450329")], "owslib"), "planner")


def _count(engine: Engine, table: str, where: str = "TRUE") -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one()


def test_owslib_reads_the_documents_and_filtered_items(live_server: str, engine: Engine) -> None:
    api = Features(f"{live_server}/ogc")
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in api.conformance()["conformsTo"]
    ids = [c["id"] for c in api.collections()["collections"]]
    assert {"stations", "memorials", "cemetery_boundaries", "memorial_protection_zones"} <= set(ids)
    assert "star_rating" in api.collection_queryables("stations")["properties"]
    page = api.collection_items("stations", limit=10, filter="level = 'village'")
    assert page["numberMatched"] == _count(engine, "stations", "level = 'village'")
    assert len(page["features"]) == 10 and all(
        f["properties"]["level"] == "village" for f in page["features"]
    )
    boolean = api.collection_items("memorials", limit=1, filter="has_protection_sign = 1")
    assert boolean["numberMatched"] == _count(engine, "memorials", "has_protection_sign")
    zones = api.collection_items("cemetery_boundaries", limit=5)
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in zones["features"])


def test_owslib_creates_replaces_and_deletes_a_station(
    live_server: str, engine: Engine, planner_headers
) -> None:
    api = Features(f"{live_server}/ogc", headers=dict(planner_headers))
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(ZIYUAN_POINT)},
        "properties": {"name": "OWSLib 新建服务站", "level": "village"},
    }
    with sites_kept(engine):
        assert api.collection_item_create("stations", feature) is True
        with engine.connect() as conn:
            site_id = conn.execute(
                text("SELECT id FROM stations WHERE name = 'OWSLib 新建服务站'")
            ).scalar_one()
        replaced = {
            **feature,
            "properties": {"name": "OWSLib 改名的服务站", "level": "village", "star_rating": 4},
        }
        assert api.collection_item_update("stations", str(site_id), replaced) is True
        item = api.collection_item("stations", str(site_id))
        assert item["properties"]["name"] == "OWSLib 改名的服务站" and item["properties"]["star_rating"] == 4
        assert api.collection_item_delete("stations", str(site_id)) is True
        assert _count(engine, "stations", f"id = {site_id}") == 0
