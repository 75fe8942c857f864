"""Import (issue 8): real files of every format made here, bad rows of every kind, broken files, CLI and API."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
import shapely
from pyproj import Transformer
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from geo.accounts.audit import CLI_ACTOR, Actor
from geo.accounts.credentials import create_api_token
from geo.accounts.users import create_account, principal_for
from geo.errors import Forbidden, InvalidInput, PayloadTooLarge
from geo.importing.readers import read_file
from geo.importing.run import ImportOptions, run_import
from geo.importing.writers import write_gis
from geo.kit.crs import wgs84_to_bd09, wgs84_to_gcj02
from tests.factories import ZIYUAN_POINT, write_csv
from tests.hostile_files import MIB, peak_growth, zero_zip

OTHER_COUNTY = "450102"  # 兴宁区 (南宁市), far from ZIYUAN_POINT
HEADER = ["code", "name", "level", "lon", "lat"]


pytestmark = pytest.mark.usefixtures("atlas_restored")  # the sites made here go after the module


def _import(engine, path, collection="stations", actor=CLI_ACTOR, rejects=None, **kw):
    return run_import(engine, path, ImportOptions(collection, **kw), actor, rejects=rejects)


def _point(engine: Engine, code: str) -> tuple[float, float]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text("SELECT ST_X(geom), ST_Y(geom) FROM stations WHERE code = :c"), {"c": code}
            ).one()
        )


def _by_row(report) -> dict[int, dict]:
    return {r["row"]: r for r in report.to_json()["rows"]}


def _near(tag: str, k: int) -> tuple[float, float]:
    return (ZIYUAN_POINT[0] + 0.001 * k, ZIYUAN_POINT[1] + 0.0005 * k)


def test_csv_import_then_reimport_changes_nothing_and_an_edit_is_one_update(engine, tmp_path):
    rows = [[f"T1-{k}", f"测试站{k}", "village", *_near("a", k)] for k in range(5)]
    path = write_csv(tmp_path / "stations.csv", HEADER, rows)
    first = _import(engine, path)
    assert first.counts == {"rows": 5, "inserted": 5, "updated": 0, "unchanged": 0, "rejected": 0}
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT code, version FROM stations WHERE code LIKE 'T1-%'")).all()
    again = _import(engine, path)
    assert again.counts["unchanged"] == 5 and again.counts["rows"] == 5
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT code, version FROM stations WHERE code LIKE 'T1-%'")).all() == versions
        )
    rows[2][1] = "改名站"
    edited = _import(engine, write_csv(tmp_path / "edited.csv", HEADER, rows))
    assert edited.counts == {"rows": 5, "inserted": 0, "updated": 1, "unchanged": 4, "rejected": 0}
    assert _by_row(edited)[4]["status"] == "updated"  # spreadsheet row 4 = the third record


def test_gbk_csv_with_chinese_headers_in_gcj02_is_stored_in_wgs84(engine, tmp_path):
    lon, lat = _near("g", 7)
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    path = write_csv(
        tmp_path / "gbk.csv",
        ["编码", "名称", "级别", "经度", "纬度", "填表人"],
        [["T2-1", "资源县某村服务站", "村", g_lon, g_lat, "是"]],
        encoding="gbk",
    )
    report = _import(engine, path, crs="gcj02")
    assert report.encoding == "gb18030" and report.crs == "GCJ02"
    assert report.counts["inserted"] == 1
    assert "填表人" in report.ignored_columns  # not a known header: reported, not silently dropped
    x, y = _point(engine, "T2-1")
    assert abs(x - lon) < 1e-7 and abs(y - lat) < 1e-7


@pytest.mark.parametrize("crs", ["bd09", "EPSG:4547", "cgcs2000"])
def test_other_source_systems(engine, tmp_path, crs):
    lon, lat = _near("c", 9)
    if crs == "bd09":
        x, y = wgs84_to_bd09(lon, lat)
    elif crs == "EPSG:4547":  # CGCS2000 / 3-degree Gauss-Kruger CM 114E (metres)
        x, y = Transformer.from_crs("EPSG:4326", "EPSG:4547", always_xy=True).transform(lon, lat)
    else:
        x, y = lon, lat
    code = f"T3-{crs}"
    row = [code, f"站{crs}", "village", x, y]  # one place per system: the same name there is a duplicate
    report = _import(engine, write_csv(tmp_path / "s.csv", HEADER, [row]), crs=crs)
    assert report.counts["inserted"] == 1, report.to_json()
    got = _point(engine, code)
    assert abs(got[0] - lon) < 1e-6 and abs(got[1] - lat) < 1e-6


def test_xlsx_with_chinese_headers_and_a_column_map(engine, tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["站点编号", "站名", "级别", "东经度数", "北纬度数", "星级", "成立日期"])
    ws.append(["T4-1", "表格服务站", "乡镇", *_near("x", 11), 4, "2021年3月5日"])
    ws.append([20240001, "数字编码站", "村", *_near("x", 12), None, None])
    path = tmp_path / "book.xlsx"
    book.save(path)
    report = _import(engine, path, column_map="站点编号=code,站名=name,东经度数=lon,北纬度数=lat")
    assert report.counts["inserted"] == 2, report.to_json()
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT level, star_rating, opened_on::text FROM stations WHERE code = 'T4-1'")
        ).one()
        assert tuple(row) == ("township", 4, "2021-03-05")
        assert conn.execute(text("SELECT count(*) FROM stations WHERE code = '20240001'")).scalar_one() == 1


def test_a_csv_with_bad_rows_of_every_kind_gets_a_reason_for_each(engine, tmp_path):
    ok = _near("b", 13)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM stations")).scalar_one()
    rows = [
        ["T5-ok", "好站", "village", *ok],  # row 2
        ["T5-missing", "缺坐标", "village", "", ""],  # 3
        ["T5-text", "文字坐标", "village", "东经一百一十度", ok[1]],  # 4
        ["T5-abroad", "国外", "village", 2.35, 48.85],  # 5
        ["T5-swapped", "颠倒", "village", ok[1], ok[0]],  # 6
        ["T5-dup", "重复一", "village", *ok],  # 7
        ["T5-dup", "重复二", "village", *ok],  # 8
        ["", "无编码", "village", *ok],  # 9
        ["T5-level", "错级别", "galaxy", *ok],  # 10
    ]
    header = [*HEADER, "area_code"]
    rows = [[*r, ""] for r in rows]
    rows.append(["T5-area", "未知区划", "village", *ok, "999999"])  # 11
    rows.append(["T5-outside", "不在区内", "village", *ok, OTHER_COUNTY])  # 12
    path = write_csv(tmp_path / "bad.csv", header, rows)
    rejects = tmp_path / "bad.rejects.csv"
    report = _import(engine, path, rejects=rejects)
    by = _by_row(report)
    assert by[2]["status"] == "inserted"
    assert "missing coordinates" in by[3]["reason"]
    assert "'东经一百一十度' is not understood (coordinate)" in by[4]["reason"]
    assert by[4]["reason_detail"]["key"] == "value.coordinate" and by[4]["field"] == "lon"
    assert "outside China" in by[5]["reason"]
    assert "swapped" in by[6]["reason"] and "--fix-swapped" in by[6]["reason"]
    assert "duplicate code 'T5-dup'" in by[7]["reason"] and "row 8" in by[7]["reason"]
    assert "duplicate" in by[8]["reason"]
    # no code: matched by its natural key (area and name), new, so a generated code
    assert by[9]["status"] == "inserted" and by[9]["code"].startswith("ST-450329-")
    assert "level" in by[10]["reason"]
    assert "unknown area code '999999'" in by[11]["reason"]
    assert "outside its declared area 450102" in by[12]["reason"]
    assert report.counts == {"rows": 11, "inserted": 2, "updated": 0, "unchanged": 0, "rejected": 9}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM stations")).scalar_one() == before + 2
    with rejects.open(encoding="utf-8-sig") as f:
        back = list(csv.DictReader(f))
    assert len(back) == 9 and all(r["reject_reason"] for r in back)
    assert back[0]["code"] == "T5-missing"
    # fixed and imported again: the swapped row goes in with --fix-swapped, with a note
    fixed = _import(engine, rejects, fix_swapped=True)
    swapped = next(r for r in fixed.to_json()["rows"] if r["code"] == "T5-swapped")
    assert swapped["status"] == "inserted" and "swapped" in swapped["notes"][0]
    assert _point(engine, "T5-swapped") == pytest.approx(ok)


def test_dry_run_reports_and_writes_nothing(engine, tmp_path):
    path = write_csv(tmp_path / "dry.csv", HEADER, [["T6-1", "试运行", "village", *_near("d", 14)]])
    with engine.connect() as conn:
        audits = conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'import'")).scalar_one()
    report = _import(engine, path, dry_run=True)
    assert report.counts["inserted"] == 1 and report.dry_run
    assert "nothing written" in report.summary()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM stations WHERE code = 'T6-1'")).scalar_one() == 0
        assert (
            conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'import'")).scalar_one()
            == audits
        )


def test_one_audit_entry_per_run_with_the_counts(engine, tmp_path):
    rows = [[f"T7-{k}", "审计", "village", *_near("e", k)] for k in range(3)]
    _import(engine, write_csv(tmp_path / "a.csv", HEADER, rows))
    with engine.connect() as conn:
        entry = conn.execute(
            text(
                "SELECT collection, record_id, after FROM audit_log WHERE action = 'import' ORDER BY id DESC LIMIT 1"
            )
        ).one()
    assert entry.collection == "stations" and entry.record_id is None
    assert entry.after["counts"]["inserted"] == 3 and entry.after["file"] == "a.csv"


def test_an_invalid_polygon_is_repaired_with_make_valid_and_noted(engine, tmp_path):
    x, y = _near("p", 15)
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [
                [x - 1e-3, y - 1e-3],
                [x + 1e-3, y + 1e-3],
                [x + 1e-3, y - 1e-3],
                [x - 1e-3, y + 1e-3],
                [x - 1e-3, y - 1e-3],
            ]
        ],
    }
    path = write_csv(
        tmp_path / "m.csv",
        ["code", "name", "kind", "protection_level", "lon", "lat", "protection_zone"],
        [["T8-1", "纪念碑", "monument", "county", x, y, json.dumps(bowtie)]],
    )
    report = _import(engine, path, collection="memorials")
    row = report.to_json()["rows"][0]
    assert row["status"] == "inserted" and "make_valid" in row["notes"][0]
    with engine.connect() as conn:
        area = conn.execute(text("SELECT protection_zone_m2 FROM memorials WHERE code = 'T8-1'")).scalar_one()
    assert area > 0


def test_gis_formats_are_read_kml_zipped_shapefile_geopackage_geojson(engine, tmp_path):
    for k, fmt in enumerate(("kml", "shp", "gpkg", "geojson")):
        path = tmp_path / f"s.{'zip' if fmt == 'shp' else fmt}"
        pts = [shapely.Point(*_near("f", 20 + k))]
        write_gis(
            path,
            fmt,
            "stations",
            ["code", "name", "level", "has_staff"],
            [[f"T9-{fmt}", "站", "village", True]],
            pts,
        )
        report = _import(engine, path)
        assert report.counts["inserted"] == 1, (fmt, report.to_json())
        assert report.format == fmt
        assert _import(engine, path).counts["unchanged"] == 1


def test_a_cemetery_drawn_as_a_polygon_gets_its_boundary_and_a_point_inside(engine, tmp_path):
    x, y = _near("q", 16)
    square = shapely.box(x - 1e-3, y - 1e-3, x + 1e-3, y + 1e-3)
    path = tmp_path / "c.geojson"
    write_gis(
        path,
        "geojson",
        "cemeteries",
        ["code", "name", "kind", "protection_level"],
        [["T10-1", "陵园", "martyr_cemetery", "county"]],
        [square],
    )
    assert _import(engine, path, collection="cemeteries").counts["inserted"] == 1
    with engine.connect() as conn:
        inside = conn.execute(
            text("SELECT ST_Covers(boundary, geom) FROM cemeteries WHERE code = 'T10-1'")
        ).scalar_one()
    assert inside


@pytest.mark.parametrize(
    ("name", "content", "kwargs", "message"),
    [
        ("garbage.gpkg", b"\x00\x01 not a geopackage at all" * 10, {}, "cannot be read"),
        ("empty.csv", b"", {}, "is empty"),
        ("header.csv", b"code,name,level,lon,lat\n", {}, "no records"),
        ("epsg.csv", b"code,name,level,lon,lat\nA,b,village,1,2\n", {"crs": "EPSG:999999"}, "no such EPSG"),
        ("map.csv", b"code,name,level,lon,lat\nA,b,village,1,2\n", {"column_map": "lon"}, "header=field"),
        ("map2.csv", b"code,name,level,lon,lat\nA,b,village,1,2\n", {"column_map": "X=lon"}, "lacks"),
        ("bad.xlsx", b"not a workbook", {}, "cannot be read as an Excel"),
        ("bad.geojson", b"{ nope", {}, "cannot be read"),
        ("broken.zip", b"PK\x03\x04 broken zip", {}, "not a valid zip"),
        ("nocoords.csv", b"code,name,level\nA,b,village\n", {}, "no coordinate columns"),
        (
            "ok.csv",
            b"code,name,level,lon,lat\nA,b,village,110.6,26\n",
            {"crs": "mars"},
            "unknown coordinate system",
        ),
        (
            "wrong.csv",
            b"code,name,level,lon,lat\nA,b,village,110.6,26\n",
            {"collection": "memorials"},
            "is it a memorials file",
        ),
        (
            "ok2.csv",
            b"code,name,level,lon,lat\nA,b,village,110.6,26\n",
            {"collection": "heroes"},
            "unknown collection",
        ),
        ("binary.csv", bytes(range(256)) * 4, {}, "not text"),
    ],
)
def test_bad_files_are_a_clear_error(engine, tmp_path, name, content, kwargs, message):
    path = tmp_path / name
    path.write_bytes(content)
    collection = kwargs.pop("collection", "stations")
    with pytest.raises(InvalidInput, match=message):
        _import(engine, path, collection=collection, **kwargs)


def test_a_planner_imports_stations_only_and_only_in_its_area(engine, tmp_path):
    with engine.begin() as conn:
        account = create_account(
            conn, CLI_ACTOR, "import-planner", "import-password", "planner", OTHER_COUNTY
        )
        actor = Actor(principal_for(conn, account.id))
    path = write_csv(tmp_path / "p.csv", HEADER, [["T11-1", "站", "village", *_near("h", 17)]])
    report = _import(engine, path, actor=actor)
    assert report.counts["rejected"] == 1 and "outside your area" in report.rows[0].reason
    with pytest.raises(Forbidden):
        _import(engine, path, collection="memorials", actor=actor)


# -- CLI ------------------------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, test_db_url):
    monkeypatch.setenv("VETMAP_DATABASE_URL", test_db_url.render_as_string(hide_password=False))
    from main import cli

    return cli


def test_cli_import_with_dry_run_rejects_file_and_report(cli_env, engine, tmp_path):
    path = write_csv(
        tmp_path / "cli.csv",
        HEADER,
        [["T12-1", "命令行", "village", *_near("i", 18)], ["T12-2", "坏", "village", "x", "y"]],
    )
    runner = CliRunner()
    result = runner.invoke(cli_env, ["import", str(path), "--collection", "stations", "--dry-run"])
    assert result.exit_code == 0, result.output
    # in the operator's language, Chinese by default: the counts, and the column and value of each refusal
    assert "共 2 行：将新增 1" in result.output
    assert "第 3 行（T12-2）：拒绝：“lon”列的“x”不是坐标" in result.output
    args = ["import", str(path), "--collection", "stations", "--dry-run", "--lang", "en"]
    english = runner.invoke(cli_env, args)
    assert (
        "1 would be inserted" in english.output and "column “lon”: “x” is not a coordinate" in english.output
    )
    rejects = tmp_path / "out.csv"
    report = tmp_path / "report.json"
    result = runner.invoke(
        cli_env,
        ["import", str(path), "--collection", "stations", "--rejects", str(rejects), "--report", str(report)],
    )
    assert result.exit_code == 0, result.output
    assert rejects.exists() and json.loads(report.read_text())["counts"]["inserted"] == 1
    assert "不是坐标" in json.loads(report.read_text())["rows"][1]["reason"]
    assert "不是坐标" in rejects.read_text(encoding="utf-8-sig")


def test_cli_bad_file_is_a_message_and_exit_1_not_a_traceback(cli_env, tmp_path):
    path = tmp_path / "bad.zip"
    path.write_bytes(b"PK nonsense")
    result = CliRunner().invoke(cli_env, ["import", str(path), "--collection", "stations"])
    assert result.exit_code == 1
    assert "bad.zip 不是有效的 zip 文件" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(cli_env, ["import", str(path), "--collection", "stations", "--lang", "en"])
    assert "not a valid zip" in result.output
    result = CliRunner().invoke(cli_env, ["import", str(path), "--collection", "stations", "--crs", "nope"])
    assert result.exit_code != 0 and "Traceback" not in result.output


# -- API ------------------------------------------------------------------------------------------------------


def test_api_upload_dry_run_then_import(client, engine, tmp_path):
    body = write_csv(
        tmp_path / "api.csv", HEADER, [["T13-1", "接口", "village", *_near("j", 19)]]
    ).read_bytes()
    files = {"file": ("api.csv", body, "text/csv")}
    dry = client.post("/api/v1/imports", data={"collection": "stations", "dry_run": "true"}, files=files)
    assert dry.status_code == 200, dry.text
    assert dry.json()["counts"]["inserted"] == 1 and dry.json()["dry_run"] is True
    done = client.post("/api/v1/imports", data={"collection": "stations"}, files=files)
    assert done.status_code == 200 and done.json()["counts"]["inserted"] == 1
    again = client.post("/api/v1/imports", data={"collection": "stations"}, files=files)
    assert again.json()["counts"]["unchanged"] == 1


def test_api_refuses_the_public_a_bad_file_and_a_planner_on_memorials(anon_client, client, engine):
    files = {"file": ("x.csv", b"code,name,level,lon,lat\n", "text/csv")}
    assert (
        anon_client.post("/api/v1/imports", data={"collection": "stations"}, files=files).status_code == 401
    )
    bad = client.post("/api/v1/imports", data={"collection": "stations"}, files=files)
    assert bad.status_code == 422 and "没有任何记录" in bad.json()["detail"]  # the API's default language
    with engine.begin() as conn:
        account = create_account(conn, CLI_ACTOR, "import-planner-2", "import-password", "planner", None)
        token, _ = create_api_token(conn, CLI_ACTOR, account.id, "t")
    response = anon_client.post(
        "/api/v1/imports",
        data={"collection": "memorials"},
        files=files,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403
    assert client.post("/api/v1/imports", data={"collection": "stations"}).status_code == 422


def test_the_rejects_file_of_a_gis_input_keeps_its_format(engine, tmp_path):
    path = tmp_path / "r.gpkg"
    write_gis(
        path,
        "gpkg",
        "stations",
        ["code", "name", "level"],
        [["T14-1", "站", "galaxy"]],
        [shapely.Point(*_near("k", 21))],
    )
    rejects = tmp_path / "r.rejects.gpkg"
    report = _import(engine, path, rejects=rejects)
    assert report.counts["rejected"] == 1 and rejects.exists()
    import pyogrio

    back = pyogrio.read_dataframe(rejects)
    assert list(back["code"]) == ["T14-1"] and "level" in back["reject_reason"][0]
    assert zipfile.is_zipfile(tmp_path / "r.rejects.gpkg") is False


def test_a_rule_only_the_database_knows_fails_the_whole_run_with_the_reason_and_writes_nothing(
    engine, tmp_path
):
    x, y = _near("r", 22)
    cem = write_csv(
        tmp_path / "c.csv",
        ["code", "name", "kind", "protection_level", "lon", "lat"],
        [["T15-c", "陵园", "martyr_cemetery", "county", x, y]],
    )
    assert _import(engine, cem, collection="cemeteries").counts["inserted"] == 1
    with engine.connect() as conn:
        cemetery_id = conn.execute(text("SELECT id FROM cemeteries WHERE code = 'T15-c'")).scalar_one()
    header = ["code", "name", "kind", "cemetery_id", "lon", "lat"]
    graves = write_csv(tmp_path / "g.csv", header, [["T15-g", "墓", "in_cemetery", cemetery_id, x, y]])
    assert _import(engine, graves, collection="graves").counts["inserted"] == 1
    # kind changed to scattered, but the file has no cemetery_id column: the stored one would stay
    partial = write_csv(
        tmp_path / "p.csv",
        ["code", "name", "kind", "lon", "lat"],
        [["T15-g", "墓", "scattered", x, y], ["T15-h", "新墓", "scattered", x, y]],
    )
    with pytest.raises(InvalidInput, match="nothing was written: .*rule graves_cemetery_matches_kind"):
        _import(engine, partial, collection="graves")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM graves WHERE code = 'T15-h'")).scalar_one() == 0


def test_a_number_too_large_for_its_column_is_a_rejected_row(engine, tmp_path):
    header = [*HEADER, "people_served"]
    path = write_csv(tmp_path / "big.csv", header, [["T16-1", "大", "village", *_near("s", 23), 10**12]])
    report = _import(engine, path)
    assert report.counts["rejected"] == 1 and "people_served" in report.rows[0].reason
    assert "2147483647" in report.rows[0].reason  # the largest count the column holds


def test_api_rejects_download_fix_and_upload_again(client, anon_client, engine, tmp_path):
    rows = [["T17-1", "好站", "village", *_near("t", 24)], ["T17-2", "坏站", "village", "东经", "北纬"]]
    rows.append(["T17-3", "反站", "village", *reversed(_near("t", 25))])
    body = write_csv(tmp_path / "登记表.csv", HEADER, rows).read_bytes()
    first = client.post(
        "/api/v1/imports", data={"collection": "stations"}, files={"file": ("登记表.csv", body, "text/csv")}
    )
    report = first.json()
    assert report["counts"]["inserted"] == 1 and report["counts"]["rejected"] == 2
    assert report["rejects_file"] is None and "/api/v1/imports/rejects/" in report["rejects_url"]
    got = client.get(report["rejects_url"])
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert ".rejects.csv" in got.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert table[0] == [*HEADER, "reject_reason"] and [r[0] for r in table[1:]] == ["T17-2", "T17-3"]
    # in the API's default language, naming the column and the value
    assert "“lon”列的“东经”不是坐标" in table[1][-1] and "填反" in table[2][-1]
    assert "“lon”列的“东经”不是坐标" in report["rows"][1]["reason"]  # the report's reasons too
    # another account, the public, an unknown token: nothing
    with engine.begin() as conn:
        account = create_account(conn, CLI_ACTOR, "import-admin-3", "import-password", "admin", None)
        token, _ = create_api_token(conn, CLI_ACTOR, account.id, "t")
    other = anon_client.get(report["rejects_url"], headers={"Authorization": f"Bearer {token}"})
    assert other.status_code == 404
    assert anon_client.get(report["rejects_url"]).status_code == 401
    assert client.get("/api/v1/imports/rejects/nope..x").status_code == 404
    # fix the rows in the downloaded file (the reason column is ignored) and upload it again
    table[1][3:5] = [str(v) for v in _near("t", 26)]
    table[2][3:5] = [table[2][4], table[2][3]]
    fixed = io.StringIO()
    csv.writer(fixed).writerows(table)
    again = client.post(
        "/api/v1/imports",
        data={"collection": "stations"},
        files={"file": ("fixed.csv", fixed.getvalue().encode(), "text/csv")},
    )
    assert again.json()["counts"] == {"rows": 2, "inserted": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    assert again.json()["rejects_url"] is None and "reject_reason" in again.json()["ignored_columns"]


def _undeclared_shapefile(folder: Path, name: str, encoding: str, ldid: int) -> Path:
    """A zipped Shapefile of two stations with Chinese names written in ``encoding``, its .cpg removed and its
    DBF language driver id set to ``ldid`` (nothing tells the encoding: what old desktop GIS exports look like)."""
    import geopandas as gpd
    import pyogrio

    shp = folder / f"{name}.shp"
    frame = gpd.GeoDataFrame(
        {"code": [f"T18-{name}-1", f"T18-{name}-2"], "name": ["资源县中峰镇服务站", "车田苗族乡服务站"]},
        geometry=[shapely.Point(*_near("u", 27 + ldid % 5)), shapely.Point(*_near("u", 28 + ldid % 5))],
        crs="EPSG:4326",
    )
    frame["level"] = "township"
    pyogrio.write_dataframe(frame, shp, encoding=encoding)
    shp.with_suffix(".cpg").unlink(missing_ok=True)
    dbf = bytearray(shp.with_suffix(".dbf").read_bytes())
    dbf[29] = ldid
    shp.with_suffix(".dbf").write_bytes(bytes(dbf))
    if encoding != "UTF-8":  # the bytes really are not UTF-8: the guess must not pass by luck
        with pytest.raises(UnicodeDecodeError):
            bytes(dbf[int.from_bytes(dbf[8:10], "little") :]).decode("utf-8")
    path = folder / f"{name}.zip"
    with zipfile.ZipFile(path, "w") as z:
        for part in folder.glob(f"{name}.*"):
            if part != path:
                z.write(part, part.name)
    return path


@pytest.mark.parametrize(("encoding", "ldid", "detected"), [("GBK", 0, "GB18030"), ("UTF-8", 0x57, "UTF-8")])
def test_a_shapefile_without_cpg_has_its_encoding_detected(engine, tmp_path, encoding, ldid, detected):
    path = _undeclared_shapefile(tmp_path, f"enc{ldid}", encoding, ldid)
    report = _import(engine, path)
    assert report.encoding == detected and report.counts["inserted"] == 2, report.to_json()
    with engine.connect() as conn:
        names = conn.execute(
            text("SELECT name FROM stations WHERE code LIKE :c ORDER BY code"), {"c": f"T18-enc{ldid}-%"}
        ).scalars()
        assert list(names) == ["资源县中峰镇服务站", "车田苗族乡服务站"]
    assert _import(engine, path).counts["unchanged"] == 2


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_csv_encodings_are_detected(engine, tmp_path, encoding, reported):
    name = "䶮站" if encoding == "gb18030" else f"资源{encoding}站"  # 䶮 (U+4DAE) is in GB18030, not in GBK
    code = f"T19-{encoding}"
    path = write_csv(
        tmp_path / "e.csv",
        ["编码", "名称", "级别", "经度", "纬度"],
        [[code, name, "村", *_near("v", 29)]],
        encoding,
    )
    report = _import(engine, path)
    assert report.encoding == reported and report.counts["inserted"] == 1, report.to_json()
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT name FROM stations WHERE code = :c"), {"c": code}).scalar_one()
    assert stored == name


def test_a_gis_file_in_a_projected_crs_and_a_shapefile_in_gcj02(engine, tmp_path):
    lon, lat = _near("w", 30)
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:4547", always_xy=True).transform(lon, lat)
    gpkg = tmp_path / "cgcs.gpkg"
    write_gis(
        gpkg,
        "gpkg",
        "stations",
        HEADER[:3],
        [["T20-gpkg", "投影站", "village"]],
        [shapely.Point(x, y)],
        crs="EPSG:4547",
    )
    report = _import(engine, gpkg)  # no --crs: the file's own system
    assert report.crs == "EPSG:4547" and report.counts["inserted"] == 1, report.to_json()
    assert _point(engine, "T20-gpkg") == pytest.approx((lon, lat), abs=1e-6)
    gx, gy = wgs84_to_gcj02(*_near("w", 31))
    shp = tmp_path / "gcj.zip"
    write_gis(shp, "shp", "stations", HEADER[:3], [["T20-shp", "火星站", "village"]], [shapely.Point(gx, gy)])
    report = _import(engine, shp, crs="gcj02")
    assert report.crs == "GCJ02" and report.counts["inserted"] == 1, report.to_json()
    assert _point(engine, "T20-shp") == pytest.approx(_near("w", 31), abs=1e-5)


def test_cli_import_shows_a_progress_bar(cli_env, tmp_path):
    rows = [[f"T21-{k}", "进度", "village", *_near("z", k)] for k in range(3)]
    path = write_csv(tmp_path / "progress.csv", HEADER, rows)
    args = ["import", str(path), "--collection", "stations", "--dry-run"]
    result = CliRunner().invoke(cli_env, args)
    assert result.exit_code == 0, result.output
    assert "检查各行" in result.output and "3/3" in result.output  # the phase in the operator's language
    assert "checking rows" not in result.output
    assert "将新增 3" in result.output
    english = CliRunner().invoke(cli_env, [*args, "--lang", "en"])
    assert english.exit_code == 0, english.output
    assert "checking rows" in english.output and "3/3" in english.output


def test_kept_rejects_files_are_their_uploaders_and_expire(engine, tmp_path):
    from geo.errors import NotFound
    from geo.importing import rejects_store, report_store
    from geo.importing.report import ImportReport

    source = tmp_path / "r.rejects.csv"
    source.write_text("code,reject_reason\nA,bad\n", encoding="utf-8")
    report = ImportReport("r.csv", "csv", "stations", "WGS84", "utf-8", False, False, {}, [], [])
    with engine.begin() as conn:
        owner = create_account(conn, CLI_ACTOR, "import-rejects-owner", "import-password", "admin", None)
        kept = report_store.keep_report(conn, report, principal_for(conn, owner.id), source, "r.rejects.csv")
    assert kept.rejects is not None and not (tmp_path / "var").exists()
    with engine.begin() as conn:
        found = rejects_store.find_rejects(conn, kept.rejects, owner.id)
        assert found.filename == "r.rejects.csv" and found.data.startswith(b"code,reject_reason")
        with pytest.raises(NotFound):
            rejects_store.find_rejects(conn, kept.rejects, owner.id + 1)  # another account
        with pytest.raises(NotFound):
            rejects_store.find_rejects(conn, kept.report, owner.id)  # the report's token is not the file's
        conn.execute(
            text(
                "UPDATE import_reports SET rejects_expires_at = now() - interval '1 minute' WHERE token = :t"
            ),
            {"t": kept.report},
        )
        with pytest.raises(NotFound, match="expired"):
            rejects_store.find_rejects(conn, kept.rejects, owner.id)
        report_store.prune(conn)  # an expired file is cleared, its report stays
        left = conn.execute(
            text("SELECT rejects IS NULL, report IS NOT NULL FROM import_reports WHERE token = :t"),
            {"t": kept.report},
        ).one()
    assert tuple(left) == (True, True)


# -- hostile zips (issue 18) ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zero_dbf_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A zip of about 256 KB holding a 256 MiB all-zero ``upload.dbf`` (issue 18's was 1 GiB in 1 MB)."""
    return zero_zip(tmp_path_factory.mktemp("bomb") / "hostile.zip", "upload.dbf", 256 * MIB)


def test_a_zipped_shapefile_bomb_is_refused_with_a_reason_in_chinese_and_no_server_path(client, zero_dbf_zip):
    files = {"file": ("hostile.zip", zero_dbf_zip.read_bytes(), "application/zip")}
    response = client.post("/api/v1/imports", data={"collection": "stations"}, files=files)
    assert response.status_code == 413, response.text
    detail = response.json()["detail"]
    assert (
        "upload.dbf" in detail and "压缩炸弹" in detail and "/tmp" not in detail and "vetmap-" not in detail
    )
    english = client.post("/api/v1/imports?lang=en", data={"collection": "stations"}, files=files)
    assert english.status_code == 413 and "zip bomb" in english.json()["detail"]


def test_reading_a_zipped_shapefile_bomb_takes_a_bounded_memory(zero_dbf_zip):
    setup = "from pathlib import Path\nfrom geo.importing.readers import read_file\n"
    growth, outcome = peak_growth(setup, f"read_file(Path({str(zero_dbf_zip)!r})).fmt")
    assert outcome.get("key") == "archive.ratio", outcome
    assert growth < 32, f"reading the zip grew the peak memory by {growth:.0f} MiB"


def test_a_workbook_that_unzips_to_a_bomb_is_refused_before_it_is_read(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.save(tmp_path / "ok.xlsx")
    with zipfile.ZipFile(tmp_path / "ok.xlsx") as src, zipfile.ZipFile(tmp_path / "bomb.xlsx", "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":  # the same sheet after 64 MiB of blank space
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (64 * MIB))
            out.writestr(info.filename, data, zipfile.ZIP_DEFLATED)
    with pytest.raises(PayloadTooLarge) as refused:
        read_file(tmp_path / "bomb.xlsx")
    assert refused.value.key == "archive.ratio" and "sheet1.xml" in refused.value.message


def test_a_zipped_shapefile_in_a_folder_of_the_zip_is_read(engine, tmp_path):
    folder = tmp_path / "inner"
    folder.mkdir()
    write_gis(folder / "plain.zip", "shp", "stations", HEADER[:3], [["T18-dir", "目录站", "village"]],
              [shapely.Point(*_near("d", 3))])  # fmt: skip
    with zipfile.ZipFile(folder / "plain.zip") as src, zipfile.ZipFile(tmp_path / "nested.zip", "w") as out:
        for info in src.infolist():
            out.writestr(f"登记表/{info.filename}", src.read(info), zipfile.ZIP_DEFLATED)
    report = _import(engine, tmp_path / "nested.zip")
    assert report.counts["inserted"] == 1, report.to_json()
