"""Likely duplicates (issue 23 item 5): a row of the same name within 50 m of an earlier row of the file, or of a
stored record under another code or area, is reported with the pair and kept out until the operator confirms it;
an exact repeat under another code never becomes a second station; a record's own row is an update."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from geo.accounts.audit import CLI_ACTOR
from geo.importing.checks import CheckedRow
from geo.importing.duplicates import NEAR_M, distance_m, in_file, likely_duplicates, same_name_key
from geo.importing.run import ImportOptions, run_import
from tests.factories import ZIYUAN_POINT, write_csv
from web.importing.reports import duplicate_rows, reason_text, report_view

pytestmark = pytest.mark.usefixtures("atlas_restored")

HEADER = ["编码", "名称", "级别", "经度", "纬度"]
M = 1 / 111_000  # about a metre of latitude, in degrees


def _at(k: int, north_m: float = 0.0) -> tuple[float, float]:
    return ZIYUAN_POINT[0] - 0.0031 * k, ZIYUAN_POINT[1] - 0.0023 * k + north_m * M


def _import(engine: Engine, path, **kw):
    return run_import(engine, path, ImportOptions("stations", **kw), CLI_ACTOR)


def _codes(engine: Engine, prefix: str) -> list[str]:
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT code FROM stations WHERE code LIKE :p ORDER BY code"), {"p": prefix + "%"}
        )
        return list(found.scalars())


def test_names_are_compared_without_spaces_punctuation_width_or_case():
    assert same_name_key(" 中峰镇（中心）服务站 ") == same_name_key("中峰镇(中心)服务站")
    assert same_name_key("ＡＢ村·服务站") == same_name_key("ab村服务站")
    assert same_name_key("一村服务站") != same_name_key("二村服务站")
    assert 19 < distance_m(*_at(1), *_at(1, 20)) < 21


def test_a_repeat_in_the_file_within_50_m_is_kept_out_with_the_pair_and_said_in_chinese(engine, tmp_path):
    rows = [
        ["DUP1-1", "重复测试一村服务站", "村", *_at(1)],  # row 2
        ["DUP1-2", "重复测试一村 服务站", "村", *_at(1, 20)],  # 3: the same name, 20 m north
        ["DUP1-3", "重复测试一村服务站", "村", *_at(1, 80)],  # 4: the same name, 80 m away: another place
        ["DUP1-4", "重复测试二村服务站", "村", *_at(1, 5)],  # 5: another name, 5 m away
    ]
    report = _import(engine, write_csv(tmp_path / "d.csv", HEADER, rows))
    by = {r.row: r for r in report.rows}
    assert [by[n].status for n in (2, 3, 4, 5)] == ["inserted", "rejected", "inserted", "inserted"]
    assert by[3].reason.key == "likely_duplicate_row" and by[3].reason.params["other"] == 2
    assert (
        reason_text(by[3].reason, "zh") == "疑似重复：与文件第 2 行同名，相距 20 米；确认是不同地点后才导入"
    )
    assert report.duplicates == [
        {
            "row": 3,
            "name": "重复测试一村 服务站",
            "metres": pytest.approx(20, abs=0.5),
            "other_row": 2,
            "other_sheet": None,
            "code": None,
            "other_name": "重复测试一村服务站",
        }
    ]
    assert _codes(engine, "DUP1-") == ["DUP1-1", "DUP1-3", "DUP1-4"]
    shown = duplicate_rows(report, "zh")
    assert shown == [{"row": 3, "name": "重复测试一村 服务站", "other": "文件第 2 行", "metres": "20 米"}]
    assert duplicate_rows(report, "en")[0]["other"] == "row 2 of the file"


def test_an_exact_repeat_of_a_stored_station_under_another_code_is_not_inserted_twice(engine, tmp_path):
    first = write_csv(tmp_path / "a.csv", HEADER, [["DUP2-A", "重复测试三村服务站", "村", *_at(2)]])
    assert _import(engine, first).counts["inserted"] == 1
    again = write_csv(tmp_path / "b.csv", HEADER, [["DUP2-B", "重复测试三村服务站", "村", *_at(2)]])
    dry = _import(engine, again, dry_run=True)
    assert dry.counts["rejected"] == 1 and dry.rows[0].reason.key == "likely_duplicate_stored"
    assert dry.duplicates[0]["code"] == "DUP2-A" and dry.duplicates[0]["metres"] == 0
    assert reason_text(dry.rows[0].reason, "zh").startswith(
        "疑似重复：与已有记录 DUP2-A 重复测试三村服务站 同名，相距 0 米"
    )
    view = report_view(dry, "zh")
    assert view["duplicate_rows"][0]["other"] == "已有记录 DUP2-A 重复测试三村服务站"
    assert _import(engine, again).counts["rejected"] == 1
    assert _codes(engine, "DUP2-") == ["DUP2-A"]  # never inserted twice
    assert _import(engine, first).counts["unchanged"] == 1  # the record's own row is no duplicate of itself
    confirmed = _import(engine, again, accept_duplicates=True)
    assert confirmed.counts["inserted"] == 1 and confirmed.accept_duplicates
    assert confirmed.duplicates[0]["code"] == "DUP2-A" and "confirmed" in confirmed.rows[0].notes[0]
    assert _codes(engine, "DUP2-") == ["DUP2-A", "DUP2-B"]
    assert _import(engine, again).counts["unchanged"] == 1  # once in, its own row updates it


def test_a_row_without_a_code_is_its_natural_key_records_update_under_another_declared_area_a_duplicate(
    engine,
):
    lon, lat = _at(3)
    with engine.begin() as conn:
        one, two = conn.execute(
            text(
                "SELECT code FROM areas WHERE level = 'township' AND code LIKE '450329%' ORDER BY code LIMIT 2"
            )
        ).scalars()
        conn.execute(
            text(
                "INSERT INTO stations (code, name, level, area_code, geom) VALUES "
                "('DUP3-A', '重复测试四村服务站', 'village', :area, ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
            ),
            {"x": lon, "y": lat + 10 * M, "area": one},
        )
    name = "重复测试四村服务站"
    with engine.connect() as conn:
        for area in (
            one,
            "450329",
            None,
        ):  # no code: area (or one inside the other) and name are the record's
            row = CheckedRow(0, {"code": None, "name": name, "area_code": area}, lon, lat)
            assert likely_duplicates(conn, "stations", [row], [2], set()) == [], area
        other_area = CheckedRow(0, {"code": None, "name": name, "area_code": two}, lon, lat)
        (found,) = likely_duplicates(conn, "stations", [other_area], [2], set())
        assert found.code == "DUP3-A" and 9 < found.metres < 11
        coded = CheckedRow(0, {"code": "DUP3-B", "name": name, "area_code": one}, lon, lat)
        (given,) = likely_duplicates(conn, "stations", [coded], [2], {0})  # a code of its own: a duplicate
        assert given.code == "DUP3-A"
        east = CheckedRow(0, {"code": "DUP3-C", "name": name}, lon + 0.003, lat)
        assert likely_duplicates(conn, "stations", [east], [2], {0}) == []  # 300 m east: another place


def test_graves_at_different_positions_of_a_cemetery_are_different_graves_whatever_their_names():
    lon, lat = ZIYUAN_POINT
    grave = {"name": "无名烈士墓", "section": "一区", "row_no": "1"}
    rows = [
        CheckedRow(0, {**grave, "number": "1"}, lon, lat),
        CheckedRow(1, {**grave, "number": "2"}, lon, lat + 2 * M),
        CheckedRow(2, {**grave, "number": "1"}, lon, lat + 3 * M),
    ]
    (found,) = in_file(rows, [2, 3, 4])
    assert found.row == 4 and found.other_row == 2 and found.metres < NEAR_M
