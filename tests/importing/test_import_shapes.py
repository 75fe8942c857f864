"""Spreadsheet shapes (issue 23 item 4): a register as a bureau keeps it (title and note rows above the header, a
header of two rows under merged cells, a 序号 column, blank rows, 合计 and 填表人 rows at the bottom, several sheets,
CSV in GBK or UTF-8 with a BOM) is read as its records, and each of those is found and reported."""

from __future__ import annotations

import codecs
from pathlib import Path

import openpyxl
import pytest

from geo.errors import InvalidInput
from geo.importing.readers import read_file
from geo.importing.run import header_vocabulary
from geo.importing.sheet_shapes import combine_header, find_header, vocabulary

KNOWN = header_vocabulary("stations")


def _book(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
        for cells in (merges or {}).get(name, []):
            ws.merge_cells(cells)
    book.save(path)
    return path


REGISTER = [
    ["资源县退役军人服务站（点）登记表"],  # 1: a title merged over the columns
    ["填报单位：资源县退役军人事务局", None, None, None, "填报时间：2024年5月"],  # 2
    [],  # 3
    ["序号", "站点名称", "级别", "坐标", None, "星级"],  # 4
    [None, None, None, "经度", "纬度", None],  # 5
    [1, "一村服务站", "村", 110.61, 26.01, "四星级"],  # 6
    [],  # 7
    [2, "二村服务站", "村", 110.62, 26.02, None],  # 8
    [3, "三村服务站", "村", 110.63, 26.03, "4星"],  # 9
    ["合计", "3个"],  # 10
    [],  # 11
    ["填表人：张三", None, "审核人：李四"],  # 12
]
MERGES = ["A1:F1", "A4:A5", "B4:B5", "C4:C5", "D4:E4", "F4:F5"]


def test_title_rows_a_two_row_header_serial_blank_and_total_rows_are_found(tmp_path):
    path = _book(tmp_path / "站.xlsx", {"服务站": REGISTER}, {"服务站": MERGES})
    table = read_file(path, known=KNOWN)
    assert table.columns == ["序号", "站点名称", "级别", "经度", "纬度", "星级"]
    assert table.row_numbers == [6, 8, 9]
    assert [r["站点名称"] for r in table.rows] == ["一村服务站", "二村服务站", "三村服务站"]
    (sheet,) = table.shape["sheets"]
    assert sheet["name"] == "服务站"
    assert sheet["header_rows"] == [4, 5]
    assert [t["row"] for t in sheet["title_rows"]] == [1, 2]
    assert "填报单位：资源县退役军人事务局" in sheet["title_rows"][1]["text"]
    assert sheet["blank_rows"] == [7]
    assert sheet["total_rows"] == [{"row": 10, "text": "合计 3个"}]
    assert sheet["note_rows"][0]["row"] == 12
    assert sheet["serial_columns"] == ["序号"]
    assert sheet["merged"] == {"坐标": ["经度", "纬度"]}
    assert table.serial_columns == ["序号"]


def test_a_sheet_is_chosen_by_name_or_number_the_first_with_a_header_by_default_or_all_alike(tmp_path):
    second = [
        ["序号", "站点名称", "级别", "经度", "纬度", "星级"],
        [1, "四村服务站", "村", 110.64, 26.04, None],
    ]
    other = [["站点名称", "联系电话"], ["一村服务站", "0773-1234567"]]
    path = _book(
        tmp_path / "book.xlsx",
        {"说明": [["请按表填写，不要改动表头"]], "服务站": REGISTER, "二片": second, "人员": other},
        {"服务站": MERGES},
    )
    default = read_file(path, known=KNOWN)
    assert default.shape["sheets"][0]["name"] == "服务站" and len(default.rows) == 3
    skipped = {s["name"]: s for s in default.shape["skipped_sheets"]}
    assert skipped["说明"]["why"] == "no_header"
    assert skipped["二片"]["why"] == "not_chosen" and skipped["二片"]["same_header"] is True
    assert read_file(path, known=KNOWN, sheet="二片").rows[0]["站点名称"] == "四村服务站"
    assert read_file(path, known=KNOWN, sheet="3").rows[0]["站点名称"] == "四村服务站"
    every = read_file(path, known=KNOWN, sheet="*")
    assert [s["name"] for s in every.shape["sheets"]] == ["服务站", "二片"]
    assert every.row_sheets == ["服务站", "服务站", "服务站", "二片"]
    assert every.row_numbers == [6, 8, 9, 2]
    assert {s["name"]: s["why"] for s in every.shape["skipped_sheets"]} == {
        "说明": "no_header",
        "人员": "other_header",
    }
    with pytest.raises(InvalidInput) as refused:
        read_file(path, known=KNOWN, sheet="纪念设施")
    assert refused.value.key == "import.no_sheet" and "服务站" in refused.value.params["sheets"]


@pytest.mark.parametrize(
    ("encoding", "bom"), [("gbk", False), ("gb18030", False), ("utf-8", True), ("utf-8", False)]
)
def test_a_csv_register_with_title_rows_in_gbk_or_utf8_with_a_bom(tmp_path, encoding, bom):
    lines = [
        "资源县烈士纪念设施登记表,,,,",
        "填报单位：资源县退役军人事务局,,,填报时间：2024年5月,",
        "序号,名称,经度,纬度,备注",
        "1,红军烈士纪念碑,110.61,26.01,",
        ",,,,",
        "2,英名墙,110.62,26.02,",
        "总计：2处,,,,",
    ]
    data = "\r\n".join(lines).encode(encoding)
    path = tmp_path / "memorials.csv"
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + data)
    table = read_file(path, known=header_vocabulary("memorials"))
    assert table.columns == ["序号", "名称", "经度", "纬度", "备注"]
    assert table.row_numbers == [4, 6]
    assert table.encoding == ("utf-8" if encoding == "utf-8" else "gb18030")
    sheet = table.shape["sheets"][0]
    assert sheet["header_rows"] == [3] and len(sheet["title_rows"]) == 2
    assert sheet["blank_rows"] == [5] and sheet["total_rows"][0]["row"] == 7
    assert table.shape["bom"] is bom


def test_a_semicolon_csv_under_a_title_line_without_delimiters(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("服务站名录（2024）\n名称;级别;经度;纬度\n一村服务站;村;110.61;26.01\n", encoding="utf-8")
    table = read_file(path, known=KNOWN)
    assert table.columns == ["名称", "级别", "经度", "纬度"] and table.rows[0]["纬度"] == "26.01"


def test_combined_header_names_keep_known_names_and_join_unknown_ones():
    known = vocabulary(["name", "lon", "lat", "opened_on"])
    names, groups = combine_header(
        ["名称", "坐标", "", "成立", ""], ["", "经度", "纬度", "年份", "文号"], known
    )
    assert names == ["名称", "经度", "纬度", "成立年份", "成立文号"]
    assert groups == {"坐标": ["经度", "纬度"], "成立": ["成立年份", "成立文号"]}


def test_a_name_of_a_place_is_not_taken_for_a_total_and_a_header_without_known_names_is_the_first_wide_row():
    grid = [["登记表"], ["甲", "乙"], ["合计村服务站", "x"], ["合计：1", None]]
    at, rows, header, _groups = find_header(grid, None)
    assert (at, rows, header) == (1, 1, ["甲", "乙"])


def test_an_unnamed_header_column_over_records_is_refused_an_empty_spacer_column_is_not(tmp_path):
    path = tmp_path / "gap.csv"
    path.write_text("名称,,经度,纬度\n一村,,110.6,26.0\n", encoding="utf-8")
    assert read_file(path, known=KNOWN).columns == ["名称", "经度", "纬度"]
    path.write_text("名称,,经度,纬度\n一村,x,110.6,26.0\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        read_file(path, known=KNOWN)
    assert refused.value.key == "import.header_unnamed"
