"""The upkeep report per area (/api/v1/upkeep/report, .csv, .xlsx): figures against a hand-computed expectation on
sites made in a township of their own, the downloads read back, permissions and bad input, on a real PostGIS."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from geo.upkeep.schedules import china_today
from tests.upkeep_township import COUNTY, TOWNSHIP, V1, V2, Township, made_township

API = "/api/v1/upkeep/report"
YEAR = china_today().year


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
            assert "不在您的辖区内" in response.json()["detail"]


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
