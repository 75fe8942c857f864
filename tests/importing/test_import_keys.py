"""A register as a county bureau keeps it (issue 23): GBK CSV, Chinese headers, no code column, places by name,
四星级 and 是/否, GCJ-02 decimals and degrees-minutes-seconds. The clean rows go in at their true place (within
5 mm), each gets a stable generated code; an exact re-import changes nothing; the same site in another file is the
same record; each messy row is rejected with a Chinese reason naming its column and value."""

from __future__ import annotations

import pytest
from pyproj import Geod
from sqlalchemy import Engine, text

from geo.accounts.audit import CLI_ACTOR
from geo.importing.keys import generated_code
from geo.importing.run import ImportOptions, run_import
from geo.kit.crs import wgs84_to_gcj02
from tests.factories import write_csv
from web.importing.reports import reason_text

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"  # 资源县
HEADER = [
    "序号",
    "站点名称",
    "乡镇（街道）",
    "村（社区）",
    "所在地",
    "级别",
    "星级",
    "有机构",
    "有编制",
    "有人员",
    "有经费",
    "有保障",
    "成立时间",
    "经度",
    "纬度",
    "备注",
]
_GEOD = Geod(ellps="WGS84")


def _inside(engine: Engine, code: str, k: int = 0) -> tuple[float, float]:
    """A WGS-84 point inside the area ``code`` (its point on surface, moved a little by ``k``)."""
    with engine.connect() as conn:
        x, y = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM areas WHERE code = :c) s"
            ),
            {"c": code},
        ).one()
    return x + 0.0001 * k, y + 0.0001 * k


def _dms(degrees: float, axis: str) -> str:
    """``东经110°48′36.12345″`` (seconds to 1e-5: about 0.3 mm)."""
    d = int(degrees)
    minutes = (degrees - d) * 60
    m = int(minutes)
    s = (minutes - m) * 60
    return f"{'东经' if axis == 'lon' else '北纬'}{d}°{m}′{s:.5f}″"


def _gcj(point: tuple[float, float]) -> tuple[float, float]:
    lon, lat = wgs84_to_gcj02(*point)
    return float(lon), float(lat)


def _import(engine, path, **kw):
    options = ImportOptions("stations", crs="gcj02", area=COUNTY, **kw)
    return run_import(engine, path, options, CLI_ACTOR)


def _by_row(report) -> dict[int, dict]:
    return {r["row"]: r for r in report.to_json(lambda r: reason_text(r, "zh"))["rows"]}


def _stored(engine: Engine, code: str) -> dict:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT name, area_code, level, star_rating, has_organisation, has_staff_quota, has_staff, "
                "has_funding, has_support, opened_on, ST_X(geom) AS lon, ST_Y(geom) AS lat, version "
                "FROM stations WHERE code = :c"
            ),
            {"c": code},
        ).one()
    return dict(row._mapping)


def _register(engine: Engine) -> tuple[list[list], dict[int, tuple[float, float]]]:
    """The register's rows (spreadsheet row 2 onwards) and the true WGS-84 point of each clean row."""
    p1, p2 = _inside(engine, "450329001001", 1), _inside(engine, "450329001001", 3)
    p3, p4, p5 = (
        _inside(engine, "450329002201", 1),
        _inside(engine, "450329002202", 1),
        _inside(engine, COUNTY, 2),
    )
    g1, g2, g3, g4, g5 = (_gcj(p) for p in (p1, p2, p3, p4, p5))
    bad = _gcj(_inside(engine, "450329002203", 1))
    yes5 = ["是", "是", "是", "否", "是"]
    rows = [
        # clean rows: 2 … 6
        [
            1,
            "寨银社区登记服务站",
            "德山镇",
            "寨银社区",
            "",
            "村(社区)级",
            "四星级",
            *yes5,
            "2019年5月",
            *g1,
            "",
        ],
        [2, "德山镇登记服务站", "德山", "", "", "乡镇(街道)级", "★★★★★", "√", "√", "√", "×", "√", "2018.06"]
        + [_dms(g2[0], "lon"), _dms(g2[1], "lat"), "经纬度为度分秒"],
        [
            3,
            "永凤村登记服务站",
            "洲白镇",
            "永凤村委会",
            "",
            "村（社区）级",
            "4星",
            "有",
            "无",
            "有",
            "有",
            "有",
        ]
        + ["2019-5-1", f"{g3[0]:.9f}", f"{g3[1]:.9f}", ""],
        [
            4,
            "古岭村登记服务站",
            "",
            "",
            "资源县洲白镇古岭村",
            "村(社区)级",
            "4",
            "Y",
            "N",
            "Y",
            "Y",
            "Y",
            "2019/5/1",
        ]
        + [_dms(g4[0], "lon").replace("东经", "") + "E", _dms(g4[1], "lat").replace("北纬", "") + "N", ""],
        [5, "资源县登记服务中心", "", "", "资源县", "县（市、区）级", "五星", *yes5, "2019年", *g5, ""],
        # messy rows: 7 … 12
        [6, "坏星级站", "洲白镇", "小进村", "", "村(社区)级", "很好", *yes5, "2019年5月", *bad, ""],
        [
            7,
            "坏是否站",
            "洲白镇",
            "小进村",
            "",
            "村(社区)级",
            "三星级",
            "部分",
            "是",
            "是",
            "是",
            "是",
            "2019年",
        ]
        + [*bad, ""],
        [8, "坏村名站", "洲白镇", "不存在村", "", "村(社区)级", "三星级", *yes5, "2019年", *bad, ""],
        [
            9,
            "坏坐标站",
            "洲白镇",
            "小进村",
            "",
            "村(社区)级",
            "三星级",
            *yes5,
            "2019年",
            "东经一百一十度",
            bad[1],
            "",
        ],
        [10, "坏日期站", "洲白镇", "小进村", "", "村(社区)级", "三星级", *yes5, "去年", *bad, ""],
        [11, "坏级别站", "洲白镇", "小进村", "", "特级", "三星级", *yes5, "2019年", *bad, ""],
    ]
    return rows, {2: p1, 3: p2, 4: p3, 5: p4, 6: p5}


def test_a_bureau_register_without_codes_goes_in_and_a_reimport_changes_nothing(engine, tmp_path):
    rows, truth = _register(engine)
    path = write_csv(tmp_path / "资源县服务站登记表.csv", HEADER, rows, encoding="gbk")
    report = _import(engine, path)
    by = _by_row(report)
    assert report.encoding == "gb18030"
    assert report.counts == {"rows": 11, "inserted": 5, "updated": 0, "unchanged": 0, "rejected": 6}, by
    # the clean rows: where they are (5 mm), their area from the names, their values read
    areas = {2: "450329001001", 3: "450329001", 4: "450329002201", 5: "450329002202", 6: COUNTY}
    for n, (lon, lat) in truth.items():
        row = by[n]
        assert row["status"] == "inserted" and row["code"].startswith("ST-450329-"), row
        stored = _stored(engine, row["code"])
        metres = _GEOD.inv(lon, lat, stored["lon"], stored["lat"])[2]
        assert metres < 0.005, (n, metres)
        assert stored["area_code"] == areas[n], (n, stored)
        assert any("新记录，生成编码" in note for note in row["notes"]), row
    first = _stored(engine, by[2]["code"])
    assert (
        first["level"] == "village"
        and first["star_rating"] == 4
        and first["opened_on"].isoformat() == "2019-05-01"
    )
    assert [
        first[f] for f in ("has_organisation", "has_staff_quota", "has_staff", "has_funding", "has_support")
    ] == [
        True,
        True,
        True,
        False,
        True,
    ]
    second = _stored(engine, by[3]["code"])
    assert (
        second["level"] == "township"
        and second["star_rating"] == 5
        and second["opened_on"].isoformat() == "2018-06-01"
    )
    assert _stored(engine, by[6]["code"])["level"] == "county"
    # the messy rows: each rejected with a Chinese reason naming its column and its value
    assert by[7]["reason"].startswith("“星级”列的“很好”不是星级：应为 1–5 星")
    assert by[8]["reason"].startswith("“有机构”列的“部分”不是“是/否”")
    assert by[9]["reason"].startswith("“村（社区）”列的“不存在村”：洲白镇没有这个村（社区）；可选：")
    assert "永凤村" in by[9]["reason"]
    assert by[10]["reason"].startswith("“经度”列的“东经一百一十度”不是坐标")
    assert by[11]["reason"].startswith("“成立时间”列的“去年”不是日期")
    assert by[12]["reason"].startswith("“级别”列的“特级”不是站点级别")
    for n in range(7, 13):
        assert by[n]["status"] == "rejected" and "Input should" not in by[n]["reason"], by[n]
    # the same file again: nothing changes, not even a version
    versions = {n: _stored(engine, by[n]["code"])["version"] for n in truth}
    again = _import(engine, path)
    assert again.counts == {"rows": 11, "inserted": 0, "updated": 0, "unchanged": 5, "rejected": 6}
    again_by = _by_row(again)
    for n in truth:
        assert (
            again_by[n]["code"] == by[n]["code"] and _stored(engine, by[n]["code"])["version"] == versions[n]
        )
        assert any("按区划和名称对应到已有记录" in note for note in again_by[n]["notes"])


def test_the_same_site_in_another_file_is_the_same_record(engine, tmp_path):
    point = _inside(engine, "450329003201", 1)
    header = ["名称", "所在地", "级别", "星级", "经度", "纬度"]
    first = write_csv(
        tmp_path / "a.csv", header, [["兴柏村登记服务站", "资源县东堡乡兴柏村", "村级", "三星", *_gcj(point)]]
    )
    a = _by_row(_import(engine, first))[2]
    # another register: names in two columns, UTF-8, a new star rating: the same record, updated
    other = write_csv(
        tmp_path / "b.csv",
        ["站点名称", "乡镇", "村", "级别", "星级", "经度", "纬度"],
        [["兴柏村登记服务站", "东堡", "兴柏", "村(社区)级", "4星", *_gcj(point)]],
    )
    b = _by_row(_import(engine, other))[2]
    assert b["status"] == "updated" and b["code"] == a["code"]
    assert _stored(engine, a["code"])["star_rating"] == 4
    # a register that gives no names: the area found from the point (the village), the same key
    third = write_csv(tmp_path / "c.csv", header, [["兴柏村登记服务站", "", "村级", "4星", *_gcj(point)]])
    c = _by_row(_import(engine, third))[2]
    assert c["status"] == "unchanged" and c["code"] == a["code"]


def test_a_stored_record_without_a_code_is_matched_and_given_one(engine, tmp_path):
    lon, lat = _inside(engine, "450329003202", 1)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO stations (name, level, area_code, geom) VALUES "
                "('花中村无码服务站', 'village', '450329003202', ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
            ),
            {"x": lon, "y": lat},
        )
    path = write_csv(
        tmp_path / "s.csv",
        ["名称", "村（社区）", "级别", "经度", "纬度"],
        [["花中村无码服务站", "花中村", "村级", *_gcj((lon, lat))]],
    )
    dry = _by_row(_import(engine, path, dry_run=True))[2]
    assert dry["status"] == "updated"  # it gets its first code
    done = _by_row(_import(engine, path))[2]
    assert done["status"] == "updated" and done["code"].startswith("ST-450329-")
    with engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM stations WHERE name = '花中村无码服务站'")).scalar_one()
            == 1
        )
        assert (
            conn.execute(text("SELECT code FROM stations WHERE name = '花中村无码服务站'")).scalar_one()
            == done["code"]
        )
    assert _by_row(_import(engine, path))[2]["status"] == "unchanged"


def test_two_stored_records_of_the_same_key_reject_the_row_naming_them(engine, tmp_path):
    lon, lat = _inside(engine, "450329003203", 1)
    with engine.begin() as conn:
        for k, code in enumerate(("TK-dup-1", "TK-dup-2")):
            conn.execute(
                text(
                    "INSERT INTO stations (code, name, level, area_code, geom) VALUES (:code, '坪马村重名站', "
                    "'village', '450329003203', ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
                ),
                {"code": code, "x": lon + 0.001 * k, "y": lat},
            )
    path = write_csv(
        tmp_path / "s.csv",
        ["名称", "村", "级别", "经度", "纬度"],
        [["坪马村重名站", "坪马村", "村级", *_gcj((lon, lat))]],
    )
    row = _by_row(_import(engine, path))[2]
    assert row["status"] == "rejected"
    assert row["reason"].startswith("按区划和名称对应到多条已有记录：TK-dup-1 坪马村重名站")
    assert "TK-dup-2" in row["reason"] and row["reason"].endswith("请填写编码以区分")


def test_graves_in_a_cemetery_are_keyed_by_their_position(engine, tmp_path):
    with engine.connect() as conn:
        cemetery, area = conn.execute(
            text("SELECT id, area_code FROM cemeteries WHERE area_code LIKE '450329%' ORDER BY id LIMIT 1")
        ).one()
    lon, lat = _inside(engine, area, 0)
    header = ["名称", "类型", "所在陵园", "墓区", "排", "号", "经度", "纬度"]
    rows = [
        ["无名烈士墓", "陵园内", cemetery, "A", "1", str(k), *_gcj((lon + 0.00002 * k, lat))]
        for k in (1, 2, 3)
    ]
    path = write_csv(tmp_path / "graves.csv", header, rows)
    options = ImportOptions("graves", crs="gcj02", column_map={"所在陵园": "cemetery_id"})
    first = run_import(engine, path, options, CLI_ACTOR)
    assert first.counts["inserted"] == 3, first.to_json()
    codes = {r.code for r in first.rows}
    assert len(codes) == 3 and all(c.startswith("GR-") for c in codes)
    again = run_import(engine, path, options, CLI_ACTOR)
    assert again.counts["unchanged"] == 3 and {r.code for r in again.rows} == codes


def test_a_site_twice_in_one_register_is_rejected_and_codes_agree_however_the_area_is_found(engine, tmp_path):
    lon, lat = _inside(engine, "450329003204", 0)
    header = ["名称", "村（社区）", "级别", "经度", "纬度"]
    rows = [
        ["兰下村登记服务站", "兰下村", "村级", *_gcj((lon, lat))],
        [
            "兰下村登记服务站",
            "兰下村",
            "村级",
            *_gcj((lon + 0.003, lat)),
        ],  # 300 m on: no near duplicate, same key
    ]
    by = _by_row(_import(engine, write_csv(tmp_path / "twice.csv", header, rows)))
    assert by[2]["status"] == "rejected" and by[3]["status"] == "rejected"
    assert by[2]["reason"] == "与第 3 行是同一处（区划和名称相同）：登记表中重复填写"
    assert by[3]["reason"] == "与第 2 行是同一处（区划和名称相同）：登记表中重复填写"
    # the code generated in the database (area from the point) is the one the names would give
    alone = _by_row(
        _import(
            engine,
            write_csv(tmp_path / "point.csv", header, [["兰下村登记服务站", "", "村级", *_gcj((lon, lat))]]),
        )
    )
    assert alone[2]["status"] == "inserted"
    assert alone[2]["code"] == generated_code(
        "stations", {"area_code": "450329003204", "name": " 兰下村登记服务站"}
    )
