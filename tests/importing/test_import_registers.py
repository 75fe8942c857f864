"""Registers as county bureaus keep them (issue 23), made in tests/importing/registers.py: each imports the rows it
must accept, rejects the others with a reason in Chinese that names what is wrong, reports its likely duplicates
and its shape (header, title, blank, total and note rows, merged header, sheets), and a second import of the same
file changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from geo.accounts.audit import CLI_ACTOR
from geo.importing.report import ImportReport
from geo.importing.run import ImportOptions, run_import
from tests.importing.registers import (
    CEMETERY_REGISTERS,
    REGISTERS,
    Register,
    StoredGrave,
    Village,
    cemetery_graves,
    places,
)
from web.importing.reports import reason_text, report_view

pytestmark = pytest.mark.usefixtures("atlas_restored")

CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def villages(engine: Engine, demo_counts: dict[str, int]) -> list[Village]:
    """Four villages of 资源县 in four townships, with points inside them."""
    with engine.connect() as conn:
        found = places(conn)
    assert len(found) == 4 and all(len(v.points) == 3 for v in found)
    return found


def _import(engine: Engine, register: Register, folder, **kw) -> ImportReport:
    options = ImportOptions(register.collection, register.crs, sheet=register.sheet, area=register.area, **kw)
    return run_import(engine, register.write(folder), options, CLI_ACTOR, label=register.filename)


def _key(register: Register, row) -> object:
    return (row.sheet, row.row) if register.sheet else row.row


def _check(register: Register, report: ImportReport, first: bool) -> None:
    rows = {_key(register, r): r for r in report.rows}
    accepted = {k for k, r in rows.items() if r.status != "rejected"}
    said = {k: reason_text(r.reason, "zh") for k, r in rows.items() if r.status == "rejected"}
    assert accepted == register.accepted, said
    assert set(said) == set(register.reasons), said
    for k, words in register.reasons.items():
        assert CJK.search(said[k]) and not re.search(r"\b(the|is|not|row)\b", said[k]), said[k]
        for word in words:
            assert word in said[k], (k, said[k])
    if first:
        # new records, or the demo atlas's records its natural key (area and name) matches: updated, or unchanged
        # when another module imported the register before
        assert {r.status for k, r in rows.items() if k in accepted} <= {"inserted", "updated", "unchanged"}
    else:  # a second import of the same file changes nothing
        assert {r.status for k, r in rows.items() if k in accepted} == {"unchanged"}
    pairs = {
        ((d["row"] if not register.sheet else None), d["other_row"] or d["code"]) for d in report.duplicates
    }
    assert len(report.duplicates) == len(register.duplicates), report.duplicates
    for row, other in register.duplicates.items():
        if isinstance(other, str):
            assert any(str(code).startswith(other) for _r, code in pairs), report.duplicates
        elif isinstance(other, tuple):
            d = next(d for d in report.duplicates if d["row"] == row[1])
            assert (d["other_sheet"], d["other_row"]) == other
        else:
            assert (row, other) in pairs, report.duplicates


def _check_shape(register: Register, report: ImportReport) -> None:
    shape = report.shape
    sheets = {s["name"]: s for s in shape["sheets"]}
    assert {k: sheets[k]["header_rows"] for k in sheets} == register.header_rows
    for name, (titles, blanks, totals, notes) in register.skipped.items():
        s = sheets[name or None]
        got = (len(s["title_rows"]), len(s["blank_rows"]), len(s["total_rows"]), len(s["note_rows"]))
        assert got == (titles, blanks, totals, notes), s
        assert s["serial_columns"] == (
            ["序号"] if "序号" in report.ignored_columns or titles else s["serial_columns"]
        )
    merged = {g: c for s in shape["sheets"] for g, c in s["merged"].items()}
    assert merged == register.merged
    assert {s["name"]: s["why"] for s in shape["skipped_sheets"]} == register.sheets_not_read
    if register.encoding:
        assert report.encoding == register.encoding
    view = report_view(report, "zh")["shape_text"]
    assert view["summaries"] and all(CJK.search(line) for line in view["summaries"])


@pytest.mark.parametrize("make", REGISTERS[:3], ids=lambda m: m.__name__)
def test_a_register_imports_its_good_rows_gives_each_bad_row_its_reason_and_reports_its_shape(
    engine, villages, tmp_path, make
):
    register = make(villages)
    report = _import(engine, register, tmp_path)
    _check(register, report, first=True)
    _check_shape(register, report)
    again = _import(engine, register, tmp_path)
    _check(register, again, first=False)


def test_the_gbk_register_says_what_it_skipped_in_one_sentence(engine, villages, tmp_path):
    register = REGISTERS[0](villages)
    report = _import(engine, register, tmp_path, dry_run=True)
    view = report_view(report, "zh")["shape_text"]
    assert view["summaries"] == ["表头在第 3 行；跳过标题行 2 行、空行 1 行、合计行 1 行、表尾说明 1 行。"]
    assert view["encoding"] == "文件编码：GBK / GB18030"
    assert any("第 12 行“合计 7个”" in line for line in view["details"])
    english = report_view(report, "en")["shape_text"]
    assert english["summaries"] == [
        "header on row 3; skipped 2 title rows, 1 blank rows, 1 total rows, 1 note rows."
    ]


def test_a_later_register_repeating_a_stored_station_under_a_new_code_is_kept_out_until_confirmed(
    engine, villages, tmp_path
):
    first = REGISTERS[0](villages)
    _import(engine, first, tmp_path)  # stored (or, imported before, unchanged)
    register = REGISTERS[3](villages)
    report = _import(engine, register, tmp_path)
    _check(register, report, first=True)
    confirmed = _import(engine, register, tmp_path, accept_duplicates=True)
    row = next(r for r in confirmed.rows if r.row == 2)
    assert row.status == "inserted" and confirmed.duplicates[0]["row"] == 2


@pytest.fixture(scope="module")
def graves(engine: Engine, demo_counts: dict[str, int]) -> dict[str, list[StoredGrave]]:
    """Two stored graves of each cemetery of 资源县 (资源县烈士陵园, 滩鹿社区烈士墓区)."""
    with engine.connect() as conn:
        found = cemetery_graves(conn)
    assert {k: len(g) for k, g in found.items()} == {"资源县烈士陵园": 2, "滩鹿社区烈士墓区": 2}
    return found


@pytest.mark.parametrize("make", CEMETERY_REGISTERS, ids=lambda m: m.__name__)
def test_a_grave_register_naming_its_cemetery_keys_each_grave_by_the_cemetery_it_names_and_its_position(
    engine, villages, graves, tmp_path, make
):
    register = make(villages, graves)
    report = _import(engine, register, tmp_path)
    _check(register, report, first=True)
    _check_shape(register, report)
    assert report.columns.get("所在陵园", report.columns.get("陵园名称")) == "cemetery"
    rows = {r.row: r for r in report.rows}
    notes = {n: [reason_text(x, "zh") for x in r.notes] for n, r in rows.items() if r.status != "rejected"}
    if register.name == "graves_by_cemetery_name":
        assert "所在陵园按名称“资源烈士陵园”确定为 资源县烈士陵园" in notes[4]
        assert "所在陵园按名称“滩鹿烈士墓区”确定为 滩鹿社区烈士墓区" in notes[6]
        for n in (3, 4, 6):  # the stored graves, found by their cemetery and position
            assert any(x.startswith("按陵园和墓区、排、号对应到已有记录") for x in notes[n]), notes[n]
        assert any(x.startswith("新记录，生成编码 GR-450329-") for x in notes[5]), notes[5]
        with engine.connect() as conn:
            kinds = dict(
                conn.execute(
                    text("SELECT name, kind FROM graves WHERE code = ANY(:codes)"),
                    {"codes": [rows[5].code, rows[9].code]},
                ).all()
            )
        assert kinds == {"无名烈士墓": "in_cemetery", "王家祥烈士墓": "scattered"}
        english = reason_text(rows[7].reason, "en")
        assert english.startswith("column “所在陵园”: 资源县 has no cemetery “中峰烈士陵园”; it has: ")
    again = _import(engine, register, tmp_path)
    _check(register, again, first=False)


def test_the_command_line_names_the_cemeteries_a_grave_register_may_mean(
    engine, villages, graves, tmp_path, monkeypatch, test_db_url
):
    monkeypatch.setenv("VETMAP_DATABASE_URL", test_db_url.render_as_string(hide_password=False))
    from main import cli

    register = CEMETERY_REGISTERS[0](villages, graves)
    path = register.write(tmp_path)
    args = ["import", str(path), "--collection", "graves", "--area", "450329", "--dry-run"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert (
        "第 7 行（无编码）：拒绝：“所在陵园”列的“中峰烈士陵园”：资源县没有这个陵园（墓区）；可选："
        in result.output
    )
    assert "第 8 行（无编码）：拒绝：“所在陵园”列的“堡龙村烈士墓区”在" in result.output
    assert (
        "所在陵园按名称“资源烈士陵园”确定为 资源县烈士陵园；按陵园和墓区、排、号对应到已有记录"
        in result.output
    )
    english = CliRunner().invoke(cli, [*args, "--lang", "en"])
    assert "the cemetery “堡龙村烈士墓区” lies in " in english.output
    assert "not in 资源县, the area of this import" in english.output
