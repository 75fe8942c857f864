"""A township of its own for the upkeep tests (report and map): 450329099 in 资源县 with two villages, five sites,
their inspections and work orders, made through the API so that its figures can be worked out by hand (see
``make_township``), and removed with everything made in it afterwards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.auth_helpers import each_role_in, headers_only, sites_kept, staff_accounts
from tests.factories import ZIYUAN_POINT, make_site_at

COUNTY = "450329"  # 资源县 of the demo atlas
TOWNSHIP = "450329099"  # made by the fixture, with two villages
V1, V2 = TOWNSHIP + "001", TOWNSHIP + "002"
OTHER_COUNTY = "450102"
CENTRE = ZIYUAN_POINT  # inside 资源县
HALF = 0.004
ALL = ("monument", "structure", "paths", "greenery", "signage", "enclosure", "cleanliness")


@dataclass(frozen=True)
class Township:
    """The made township: its sites by letter (A-E) and the accounts' auth headers by key."""

    sites: dict[str, dict]
    headers: dict[str, dict[str, str]]


def _square(x0: float, y0: float, x1: float, y1: float) -> str:
    return f"SRID=4326;MULTIPOLYGON((({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0})))"


def _add_areas(engine: Engine) -> None:
    x, y = CENTRE
    rows = [
        (TOWNSHIP, "养护测试乡", "township", COUNTY, _square(x - HALF, y - HALF, x + HALF, y + HALF)),
        (V1, "甲村", "village", TOWNSHIP, _square(x - HALF, y - HALF, x, y + HALF)),
        (V2, "乙村", "village", TOWNSHIP, _square(x, y - HALF, x + HALF, y + HALF)),
    ]
    with engine.begin() as conn:
        for code, name, level, parent, geom in rows:
            conn.execute(
                text(
                    "INSERT INTO areas (code, name, level, parent_code, geom, point, synthetic) VALUES "
                    "(:code, :name, :level, :parent, ST_GeomFromEWKT(:geom), "
                    "ST_PointOnSurface(ST_GeomFromEWKT(:geom)), true)"
                ),
                {"code": code, "name": name, "level": level, "parent": parent, "geom": geom},
            )


def _remove_areas(engine: Engine) -> None:
    with engine.begin() as conn:
        like = {"p": TOWNSHIP + "%"}
        conn.execute(text("DELETE FROM work_orders WHERE area_code LIKE :p"), like)
        conn.execute(text("DELETE FROM inspections WHERE area_code LIKE :p"), like)
        for table in ("graves", "cemeteries", "memorials", "stations"):
            conn.execute(text(f"DELETE FROM {table} WHERE area_code LIKE :p"), like)
        conn.execute(text("DELETE FROM areas WHERE code LIKE :p AND level = 'village'"), like)
        conn.execute(text("DELETE FROM areas WHERE code = :c"), {"c": TOWNSHIP})


def _accounts(engine: Engine, prefix: str) -> dict[str, dict[str, str]]:
    specs = each_role_in({"in": COUNTY, "out": OTHER_COUNTY}, roles=("crew", "planner"))
    return headers_only(staff_accounts(engine, specs, prefix))


def _inspect(client: TestClient, site: dict, scores: dict[str, int], days_ago: int | None = None) -> None:
    body: dict = {"scores": scores}
    if days_ago is not None:
        when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
        body["inspected_at"] = when.isoformat()
    response = client.post(f"/api/v1/{site['_collection']}/{site['id']}/inspections", json=body)
    assert response.status_code == 201, response.text


def _order(client: TestClient, site: dict, title: str) -> dict:
    body = {"collection": site["_collection"], "site_id": site["id"], "title": title}
    response = client.post("/api/v1/work-orders", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _move(client: TestClient, order: dict, to: str, **extra) -> dict:
    body = {"to": to, "version": order["version"], **extra}
    response = client.post(f"/api/v1/work-orders/{order['id']}/transitions", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _cost(client: TestClient, order: dict, yuan: str) -> dict:
    body = {"version": order["version"], "cost_actual": yuan}
    response = client.patch(f"/api/v1/work-orders/{order['id']}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _finish(client: TestClient, order: dict, me: int, yuan: str, verify: bool) -> dict:
    for to, extra in (("triaged", {}), ("assigned", {"assigned_to": me}), ("in_progress", {}), ("done", {})):
        order = _move(client, order, to, **extra)
    order = _cost(client, order, yuan)
    return _move(client, order, "verified") if verify else order


def _site(client: TestClient, collection: str, point: tuple[float, float], area: str, **props) -> dict:
    site = make_site_at(client, collection, point, area_code=area, **props)
    return {**site, "_collection": collection}


def make_township(client: TestClient, engine: Engine, prefix: str) -> Township:
    """The township 450329099 with villages 甲村 (A, B, C) and 乙村 (D, E), their inspections and work orders.

    A memorial, inspected now, all 4 → 100 good; B memorial, inspected 400 days ago, all 2 → 50 poor, overdue;
    C scattered grave, never inspected → unknown, overdue; D cemetery, inspected 400 days ago (all 4) and now
    (all 1) → 25 damaged; E scattered grave, inspected now (monument 3, cleanliness 3) → 75 fair. Work orders: A
    reported (open); B done with 1200.50 yuan (open: not yet verified); D verified with 300 yuan; E rejected.
    """
    _add_areas(engine)
    x, y = CENTRE
    west, east = (x - HALF / 2, y), (x + HALF / 2, y)
    memorial = {"protection_level": "county", "protection_zone": None}
    sites = {
        "A": _site(client, "memorials", west, V1, name="甲村纪念碑", **memorial),
        "B": _site(client, "memorials", (west[0], y + HALF / 2), V1, name="甲村纪念亭", **memorial),
        "C": _site(client, "graves", (west[0], y - HALF / 2), V1, name="散葬烈士墓", martyr_name="甲"),
        "D": _site(
            client, "cemeteries", east, V2, name="乙村烈士陵园", boundary=None, protection_level="county"
        ),
        "E": _site(client, "graves", (east[0], y + HALF / 2), V2, name="散葬烈士墓", martyr_name="乙"),
    }
    _inspect(client, sites["A"], dict.fromkeys(ALL, 4))
    _inspect(client, sites["B"], dict.fromkeys(ALL, 2), days_ago=400)
    _inspect(client, sites["D"], dict.fromkeys(ALL, 4), days_ago=400)
    _inspect(client, sites["D"], dict.fromkeys(ALL, 1))
    _inspect(client, sites["E"], {"monument": 3, "cleanliness": 3})
    me = client.get("/api/v1/auth/me").json()["user_id"]
    _order(client, sites["A"], "碑体清洗")
    _finish(client, _order(client, sites["B"], "亭顶修缮"), me, "1200.50", verify=False)
    _finish(client, _order(client, sites["D"], "围墙修复"), me, "300", verify=True)
    _move(client, _order(client, sites["E"], "误报"), "rejected")
    return Township(sites, _accounts(engine, prefix))


@contextmanager
def made_township(client: TestClient, engine: Engine, prefix: str) -> Iterator[Township]:
    """The township of ``make_township`` (accounts named ``<prefix>-...``), removed with its records after."""
    try:
        with sites_kept(engine):
            yield make_township(client, engine, prefix)
    finally:
        _remove_areas(engine)
