"""The upkeep report per area (/api/v1/upkeep/report, .csv, .xlsx): figures against a hand-computed expectation on
sites made in a township of their own, the downloads read back, permissions and bad input, on a real PostGIS."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from geo.upkeep.schedules import china_today
from tests.auth_helpers import each_role_in, headers_only, sites_kept, staff_accounts
from tests.factories import make_site_at

COUNTY = "450329"  # 资源县 of the demo atlas
TOWNSHIP = "450329099"  # made by the fixture, with two villages
V1, V2 = TOWNSHIP + "001", TOWNSHIP + "002"
OTHER_COUNTY = "450102"
CENTRE = (110.64, 26.04)  # inside 资源县 (tests/factories.py)
HALF = 0.004
API = "/api/v1/upkeep/report"
ALL = ("monument", "structure", "paths", "greenery", "signage", "enclosure", "cleanliness")
YEAR = china_today().year


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


@pytest.fixture(scope="module")
def township(client: TestClient, engine: Engine) -> Iterator[Township]:
    with made_township(client, engine, "upkeeprep") as made:
        yield made


def _figures(memorials, cemeteries, graves, inspected, conditions, mean, overdue, open_, spend) -> dict:
    sites = memorials + cemeteries + graves
    return {
        "sites": {"memorials": memorials, "cemeteries": cemeteries, "graves": graves},
        "total_sites": sites,
        "inspected": inspected,
        "share_inspected": round(inspected / sites, 4),
        "conditions": dict(zip(("good", "fair", "poor", "damaged", "unknown"), conditions, strict=True)),
        "mean_condition_index": mean,
        "overdue": overdue,
        "open_work_orders": open_,
        "spend_yuan": spend,
    }


# worked out by hand from the docstring of make_township
EXPECTED = {
    V1: _figures(2, 0, 1, 1, (1, 0, 1, 0, 1), 75.0, 2, 2, 1200.5),
    V2: _figures(0, 1, 1, 2, (0, 1, 0, 1, 0), 50.0, 0, 0, 300.0),
    "total": _figures(2, 1, 2, 3, (1, 1, 1, 1, 1), 62.5, 2, 2, 1500.5),
}
_KEYS = tuple(EXPECTED["total"])


def _pick(row: dict) -> dict:
    return {k: row[k] for k in _KEYS}


def test_report_of_a_township_matches_the_hand_computed_figures(
    client: TestClient, township: Township
) -> None:
    report = client.get(API, params={"area": TOWNSHIP, "year": YEAR}).json()
    assert report["area"] == {"code": TOWNSHIP, "name": "养护测试乡", "level": "township"}
    assert report["year"] == YEAR
    assert [(r["code"], r["name"], r["level"], r["row"]) for r in report["rows"]] == [
        (V1, "甲村", "village", "unit"),
        (V2, "乙村", "village", "unit"),
    ]
    assert {r["code"]: _pick(r) for r in report["rows"]} == {V1: EXPECTED[V1], V2: EXPECTED[V2]}
    assert report["total"]["row"] == "total" and _pick(report["total"]) == EXPECTED["total"]


def test_county_report_has_the_township_as_one_row_and_adds_up(
    client: TestClient, township: Township
) -> None:
    report = client.get(API, params={"area": COUNTY}).json()
    assert report["year"] == YEAR
    rows = {r["code"]: r for r in report["rows"]}
    assert all(len(code) == 9 and code.startswith(COUNTY) for code in rows)
    assert _pick(rows[TOWNSHIP]) == EXPECTED["total"]
    total = report["total"]
    for key in ("total_sites", "inspected", "overdue", "open_work_orders"):
        assert total[key] == sum(r[key] for r in report["rows"]), key
    for status in ("good", "fair", "poor", "damaged", "unknown"):
        assert total["conditions"][status] == sum(r["conditions"][status] for r in report["rows"])
    assert total["spend_yuan"] == pytest.approx(sum(r["spend_yuan"] for r in report["rows"]))


def test_last_year_counts_only_what_was_done_then(client: TestClient, township: Township) -> None:
    total = client.get(API, params={"area": TOWNSHIP, "year": YEAR - 1}).json()["total"]
    # B and D were inspected 400 days ago: last year or the year before, depending on today's date
    expected = 2 if (china_today() - dt.timedelta(days=400)).year == YEAR - 1 else 0
    assert total["inspected"] == expected
    assert total["spend_yuan"] == 0  # the orders were finished this year
    assert total["total_sites"] == 5 and total["overdue"] == 2  # the state as of today


def test_city_report_has_a_row_per_county(client: TestClient, township: Township) -> None:
    report = client.get(API, params={"area": "450300"}).json()
    assert report["rows"] and all(r["level"] == "county" for r in report["rows"])
    assert _pick(next(r for r in report["rows"] if r["code"] == COUNTY))["sites"]["memorials"] >= 2


# -- downloads -----------------------------------------------------------------------------------------------

HEADERS_ZH = ["区划代码", "名称", "级别", "纪念设施", "烈士陵园", "烈士墓", "设施合计", f"{YEAR}年已巡查"]
HEADERS_EN = [
    "Code",
    "Name",
    "Level",
    "Memorial facilities",
    "Cemeteries",
    "Graves",
    "Sites",
    f"Inspected in {YEAR}",
]


SHARE = 8  # the column of the share inspected


def _expected_cells(code: str, name: str, level: str, fig: dict) -> list:
    c = fig["conditions"]
    return [
        code,
        name,
        level,
        *fig["sites"].values(),
        fig["total_sites"],
        fig["inspected"],
        fig["share_inspected"],
        c["good"],
        c["fair"],
        c["poor"],
        c["damaged"],
        c["unknown"],
        fig["mean_condition_index"],
        fig["overdue"],
        fig["open_work_orders"],
        fig["spend_yuan"],
    ]


def test_csv_has_a_bom_chinese_headers_and_the_figures(client: TestClient, township: Township) -> None:
    response = client.get(f"{API}.csv", params={"area": TOWNSHIP, "year": YEAR})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert f"upkeep-report-{TOWNSHIP}-{YEAR}.csv" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][: len(HEADERS_ZH)] == HEADERS_ZH
    assert rows[0][-1] == f"{YEAR}年维修支出(元)" and len(rows) == 4
    v1 = _expected_cells(V1, "甲村", "村(社区)", EXPECTED[V1])
    v1[SHARE] = f"{100 / 3:.2f}"  # shares as percentages with two decimals
    v1[-1] = "1200.50"  # yuan with two decimals
    assert rows[1] == [str(v) for v in v1]
    assert rows[3][1] == "合计 (养护测试乡)" and rows[3][-1] == "1500.50"


def test_csv_in_english(client: TestClient, township: Township) -> None:
    response = client.get(f"{API}.csv", params={"area": TOWNSHIP, "lang": "en"})
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[: len(HEADERS_EN)] == HEADERS_EN and header[-1] == f"Spend in {YEAR} (yuan)"


def test_xlsx_reads_back_with_numbers_as_numbers(client: TestClient, township: Township) -> None:
    response = client.get(f"{API}.xlsx", params={"area": TOWNSHIP, "year": YEAR})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert sheet.title == "养护统计"
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][: len(HEADERS_ZH)] == HEADERS_ZH
    expected = {
        V1: _expected_cells(V1, "甲村", "村(社区)", EXPECTED[V1]),
        V2: _expected_cells(V2, "乙村", "村(社区)", EXPECTED[V2]),
        TOWNSHIP: _expected_cells(TOWNSHIP, "合计 (养护测试乡)", "乡镇(街道)", EXPECTED["total"]),
    }
    for row in values[1:]:
        want = expected[row[0]]
        assert row[:SHARE] == want[:SHARE] and row[SHARE + 1 :] == want[SHARE + 1 :]
        assert row[SHARE] == pytest.approx(want[SHARE], abs=1e-4)  # the share, unrounded in the workbook
    assert sheet.cell(2, SHARE + 1).number_format == "0.00%" and sheet.cell(2, 1).number_format == "@"
    about = [list(r) for r in book.worksheets[1].iter_rows(values_only=True)]
    assert ["年度", str(YEAR)] in about


# -- permissions and bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "area", "expected"),
    [
        ("crew-in", TOWNSHIP, 200),
        ("planner-in", COUNTY, 200),
        ("crew-out", TOWNSHIP, 403),
        ("planner-out", COUNTY, 403),
        ("crew-out", None, 200),  # its own area
        ("planner-in", "450000", 403),  # the province is larger than the county
    ],
)
def test_who_may_read_the_report(
    anon_client: TestClient, township: Township, key: str, area: str | None, expected: int
) -> None:
    params = {"area": area} if area else {}
    for path in (API, f"{API}.csv", f"{API}.xlsx"):
        response = anon_client.get(path, params=params, headers=township.headers[key])
        assert response.status_code == expected, (path, response.text)
        if expected == 403:
            assert "may inspections read only in" in response.json()["detail"]


def test_the_report_defaults_to_the_callers_area(anon_client: TestClient, township: Township) -> None:
    report = anon_client.get(API, headers=township.headers["crew-in"]).json()
    assert report["area"]["code"] == COUNTY and report["year"] == YEAR


def test_the_public_gets_401(anon_client: TestClient) -> None:
    for path in (API, f"{API}.csv", f"{API}.xlsx"):
        response = anon_client.get(path, params={"area": COUNTY})
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("params", "status", "reason"),
    [
        ({"area": "450329098"}, 404, "no area with code"),
        ({"area": "45x"}, 422, "area"),
        ({"area": COUNTY, "year": 1800}, 422, "year"),
        ({"area": COUNTY, "year": "soon"}, 422, "year"),
    ],
)
def test_bad_input_gets_a_clear_4xx(client: TestClient, params: dict, status: int, reason: str) -> None:
    for path in (API, f"{API}.csv"):
        response = client.get(path, params=params)
        assert response.status_code == status, response.text
        assert reason in response.json()["detail"]
    assert client.get(f"{API}.pdf", params={"area": COUNTY}).status_code == 422
