"""Martyr records (英名录) as an import collection (issue 8): burial places by site code, Chinese headers, pinyin
as the martyrs API writes it, a reject reason for each bad row, dry run, re-import changes nothing, the API."""

from __future__ import annotations

from collections.abc import Iterator

import openpyxl
import pytest
from sqlalchemy import Engine, text

from geo.accounts.audit import CLI_ACTOR, Actor
from geo.accounts.users import create_account, principal_for
from geo.errors import Forbidden, InvalidInput
from geo.importing.run import ImportOptions, run_import
from geo.public.martyrs import person_values
from tests.factories import ZIYUAN_POINT, write_csv

pytestmark = pytest.mark.usefixtures("atlas_restored")
X, Y = ZIYUAN_POINT
HEADER = [
    "编码",
    "姓名",
    "性别",
    "出生年份",
    "牺牲日期",
    "籍贯",
    "生前单位",
    "陵园编码",
    "墓区",
    "墓排",
    "墓号",
]


def _import(engine, path, **kw):
    return run_import(engine, path, ImportOptions("martyrs", **kw), CLI_ACTOR)


def _reasons(report) -> dict[int, str]:
    return {r.row: r.reason for r in report.rows if r.status == "rejected"}


@pytest.fixture(scope="module", autouse=True)
def burial_sites(engine: Engine, tmp_path_factory, atlas_restored) -> Iterator[dict[str, int]]:
    """A coded cemetery with two graves (section 一, row 1, numbers 1 and 2), a scattered grave and a name wall;
    the martyr records made here are removed before the sites are."""
    folder = tmp_path_factory.mktemp("martyr-sites")
    header = ["code", "name", "kind", "protection_level", "lon", "lat"]
    cem = write_csv(folder / "c.csv", header, [["TM-C1", "测试陵园", "martyr_cemetery", "county", X, Y]])
    assert run_import(engine, cem, ImportOptions("cemeteries"), CLI_ACTOR).counts["inserted"] == 1
    wall = write_csv(folder / "m.csv", header, [["TM-W1", "英名墙", "name_wall", "county", X + 0.002, Y]])
    assert run_import(engine, wall, ImportOptions("memorials"), CLI_ACTOR).counts["inserted"] == 1
    with engine.connect() as conn:
        cemetery_id = conn.execute(text("SELECT id FROM cemeteries WHERE code = 'TM-C1'")).scalar_one()
    header = ["code", "name", "kind", "cemetery_id", "section", "row_no", "number", "lon", "lat"]
    graves = [
        ["TM-G1", "墓一", "in_cemetery", cemetery_id, "一", "1", "1", X, Y],
        ["TM-G2", "墓二", "in_cemetery", cemetery_id, "一", "1", "2", X + 1e-4, Y],
        ["TM-G3", "散葬墓", "scattered", "", "", "", "", X + 0.003, Y + 0.001],
    ]
    g = write_csv(folder / "g.csv", header, graves)
    assert run_import(engine, g, ImportOptions("graves"), CLI_ACTOR).counts["inserted"] == 3
    with engine.connect() as conn:
        ids = dict(conn.execute(text("SELECT code, id FROM graves WHERE code LIKE 'TM-G%'")).all())
    yield {"cemetery": cemetery_id, **ids}
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM martyrs WHERE code LIKE 'TM-%'"))


def test_a_chinese_register_in_gbk_places_each_martyr_and_writes_the_pinyin(engine, tmp_path, burial_sites):
    rows = [
        ["TM-1", "韦拔群", "男", "1894", "1932年10月19日", "广西东兰", "红七军", "TM-C1", "一", "1", "1"],
        ["TM-2", "李明", "女", "1920", "1949-11-02", "资源县", "某部", "TM-C1", "", "", ""],
    ]
    path = write_csv(tmp_path / "英名录.csv", HEADER, rows, encoding="gbk")
    report = _import(engine, path)
    assert report.encoding == "gb18030" and report.counts["inserted"] == 2, report.to_json()
    assert report.columns["姓名"] == "name" and report.columns["墓号"] == "grave_number"
    with engine.connect() as conn:
        got = conn.execute(
            text(
                "SELECT code, name, gender, death_year, grave_id, cemetery_id, area_code, name_pinyin, name_initials "
                "FROM martyrs WHERE code IN ('TM-1', 'TM-2') ORDER BY code"
            )
        ).all()
    first, second = got
    assert first.grave_id == burial_sites["TM-G1"] and first.cemetery_id == burial_sites["cemetery"]
    assert first.gender == "male" and first.death_year == 1932 and first.area_code.startswith("450329")
    expected = person_values({"name": "韦拔群"})
    assert (first.name_pinyin, first.name_initials) == (expected["name_pinyin"], expected["name_initials"])
    assert second.grave_id is None and second.cemetery_id == burial_sites["cemetery"]
    again = _import(engine, path)
    assert again.counts["unchanged"] == 2
    rows[1][6] = "某部三连"
    edited = _import(engine, write_csv(tmp_path / "b.csv", HEADER, rows, encoding="gbk"))
    assert (edited.counts["updated"], edited.counts["unchanged"]) == (1, 1)


def test_every_bad_row_gets_its_reason(engine, tmp_path, burial_sites):
    header = [
        "code",
        "name",
        "unnamed",
        "birth_year",
        "death_year",
        "grave_code",
        "cemetery_code",
        "memorial_code",
    ]
    header += ["grave_section", "grave_row", "grave_number"]
    rows = [
        ["TM-B1", "甲", "", "1890", "1935", "NO-SUCH-GRAVE", "", "", "", "", ""],  # 2: unknown grave
        ["TM-B2", "乙", "", "1890", "1935", "", "NO-SUCH", "", "", "", ""],  # 3: unknown cemetery
        ["TM-B3", "丙", "", "1890", "1935", "", "", "NOPE", "", "", ""],  # 4: unknown memorial
        ["TM-B4", "丁", "", "1701", "1935", "", "", "", "", "", ""],  # 5: absurd birth year
        ["TM-B5", "戊", "", "1950", "1935", "", "", "", "", "", ""],  # 6: born after death
        ["TM-B6", "", "", "", "1935", "", "", "", "", "", ""],  # 7: no name, not marked unnamed
        ["TM-B7", "己", "", "", "", "", "", "", "", "", ""],  # 8: duplicate code
        ["TM-B7", "庚", "", "", "", "", "", "", "", "", ""],  # 9: duplicate code
        ["TM-B8", "辛", "", "", "", "", "TM-C1", "", "九", "9", "9"],  # 10: no such grave position
        ["TM-B9", "壬", "", "", "", "TM-G1", "", "", "一", "1", "2"],  # 11: grave is elsewhere
        ["TM-B10", "癸", "", "", "", "TM-G3", "TM-C1", "", "", "", ""],  # 12: grave not in that cemetery
        ["TM-B11", "", "", "", "", "", "", "", "二", "", ""],  # 13: no name, position without cemetery
        ["", "无码", "", "", "", "", "", "", "", "", ""],  # 14: no code
        ["TM-B12", "", "是", "", "1949", "", "", "TM-W1", "", "", ""],  # 15: fine: unnamed, on the name wall
    ]
    report = _import(engine, write_csv(tmp_path / "bad.csv", header, rows))
    why = _reasons(report)
    assert "grave_code 'NO-SUCH-GRAVE': no such record in graves" in why[2]
    assert "cemetery_code 'NO-SUCH'" in why[3] and "memorial_code 'NOPE'" in why[4]
    assert "birth_year" in why[5] and "1800" in why[5]
    assert "after the year of death" in why[6]
    assert "give the name" in why[7]
    assert "duplicate code 'TM-B7'" in why[8] and "duplicate code" in why[9]
    assert "no graves at section '九'" in why[10]
    assert "lies at section '一', row '1', number '1'" in why[11]
    assert "not in cemetery 'TM-C1'" in why[12]
    assert "give the name" in why[13]
    assert "no code" in why[14]
    assert set(why) == set(range(2, 15)) and report.counts["inserted"] == 1
    with engine.connect() as conn:
        wall = conn.execute(
            text("SELECT name, unnamed, memorial_id, area_code FROM martyrs WHERE code = 'TM-B12'")
        ).one()
    assert (
        wall.name == "无名烈士" and wall.unnamed and wall.memorial_id and wall.area_code.startswith("450329")
    )


def test_position_without_cemetery_is_rejected_and_a_dry_run_writes_nothing(engine, tmp_path, burial_sites):
    header = ["code", "name", "grave_section", "cemetery_code", "grave_row", "grave_number"]
    rows = [["TM-D1", "位置", "二", "", "", ""], ["TM-D2", "试运行", "一", "TM-C1", "1", "2"]]
    report = _import(engine, write_csv(tmp_path / "d.csv", header, rows), dry_run=True)
    assert "need the cemetery_code" in _reasons(report)[2]
    assert report.rows[1].status == "inserted" and report.dry_run
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM martyrs WHERE code LIKE 'TM-D%'")).scalar_one() == 0
    report = _import(engine, write_csv(tmp_path / "d.csv", header, rows[1:]))
    with engine.connect() as conn:
        grave = conn.execute(text("SELECT grave_id FROM martyrs WHERE code = 'TM-D2'")).scalar_one()
    assert grave == burial_sites["TM-G2"]


def test_an_xlsx_register_without_a_code_column_is_a_clear_error(engine, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["姓名", "籍贯"])
    book.active.append(["张三", "资源县"])
    path = tmp_path / "x.xlsx"
    book.save(path)
    with pytest.raises(InvalidInput, match="no column for code"):
        _import(engine, path)


def test_the_api_takes_martyr_registers_from_admins(client, engine, tmp_path, burial_sites):
    body = write_csv(
        tmp_path / "api.csv", ["code", "name", "grave_code"], [["TM-A1", "接口烈士", "TM-G3"]]
    ).read_bytes()
    answer = client.post(
        "/api/v1/imports", data={"collection": "martyrs"}, files={"file": ("api.csv", body, "text/csv")}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["counts"]["inserted"] == 1
    with engine.connect() as conn:
        grave = conn.execute(text("SELECT grave_id FROM martyrs WHERE code = 'TM-A1'")).scalar_one()
    assert grave == burial_sites["TM-G3"]


def test_martyr_registers_are_admins_and_a_county_admin_imports_only_in_its_county(
    engine, tmp_path, burial_sites
):
    with engine.begin() as conn:
        planner = create_account(conn, CLI_ACTOR, "martyr-planner", "import-password", "planner", None)
        county_admin = create_account(
            conn, CLI_ACTOR, "martyr-admin-450102", "import-password", "admin", "450102"
        )
        planner, county_admin = (
            Actor(principal_for(conn, planner.id)),
            Actor(principal_for(conn, county_admin.id)),
        )
    path = write_csv(
        tmp_path / "s.csv",
        ["code", "name", "grave_code"],
        [["TM-S1", "外县", "TM-G3"], ["TM-S2", "无处", ""]],
    )
    with pytest.raises(Forbidden):
        run_import(engine, path, ImportOptions("martyrs"), planner)
    report = run_import(engine, path, ImportOptions("martyrs"), county_admin)
    assert report.counts["rejected"] == 2
    assert all("outside your area" in r.reason for r in report.rows)
