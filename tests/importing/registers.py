"""Messy registers as county bureaus keep them, made by code for the tests (issue 23): data, not tests.

Each ``Register`` is a file a person would really send (a GBK CSV of stations in GCJ-02 under a title, an Excel
workbook of memorials in BD-09 with a merged title and a two-row header next to a sheet of instructions, a workbook
of scattered graves in WGS-84 degrees-minutes-seconds over two sheets of one header, a UTF-8 CSV with a BOM that
repeats a stored station under a new code), with the import options it needs, the rows it must accept, the words
each rejected row's reason must say (in Chinese, as the page says it), the likely duplicates and the shape the
report must describe. The places are the demo atlas's own (``places``): names of townships and villages of 资源县
and points inside them, read from the database, so the names resolve and the points lie in their areas."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import Connection, text

from geo.kit.crs import wgs84_to_bd09, wgs84_to_gcj02

COUNTY = "450329"  # 资源县
M = 1 / 111_000  # about a metre of latitude, in degrees


@dataclass(frozen=True)
class Village:
    """A village of the demo atlas: its township's name, its own name and points inside it (WGS-84)."""

    township: str
    name: str
    points: tuple[tuple[float, float], ...]


def places(conn: Connection, count: int = 4) -> list[Village]:
    """``count`` villages of 资源县, each in another township, with three points inside each (deterministic)."""
    rows = conn.execute(
        text(
            "SELECT DISTINCT ON (t.code) t.name, v.name, "
            "(SELECT array_agg(ARRAY[ST_X(d.geom), ST_Y(d.geom)] ORDER BY d.path) "
            " FROM ST_Dump(ST_GeneratePoints(ST_Buffer(v.geom::geography, -120)::geometry, 3, 23)) d) "
            "FROM areas t JOIN areas v ON v.parent_code = t.code "
            "WHERE t.level = 'township' AND t.code LIKE :county AND v.level = 'village' AND v.geom IS NOT NULL "
            "AND ST_Area(v.geom::geography) > 2e6 AND v.name NOT LIKE '%社区' "
            "ORDER BY t.code, v.code LIMIT :n"
        ),
        {"county": COUNTY + "%", "n": count},
    ).all()
    return [Village(t, v, tuple((float(p[0]), float(p[1])) for p in pts)) for t, v, pts in rows]


@dataclass
class Register:
    """A register file, how to import it and what the import must make of it (row numbers as the file shows them;
    a workbook read whole: ``(sheet, row)``)."""

    name: str
    filename: str
    collection: str
    write: Callable[[Path], Path]
    crs: str = "WGS84"
    sheet: str | None = None
    area: str | None = COUNTY
    accepted: set[Any] = field(default_factory=set)
    reasons: dict[Any, tuple[str, ...]] = field(default_factory=dict)  # row → words its Chinese reason says
    duplicates: dict[Any, Any] = field(
        default_factory=dict
    )  # row → the row (or stored code prefix) it repeats
    header_rows: dict[str | None, list[int]] = field(default_factory=dict)  # sheet → header rows
    skipped: dict[str, tuple[int, int, int, int]] = field(
        default_factory=dict
    )  # sheet → titles, blanks, totals, notes
    merged: dict[str, list[str]] = field(default_factory=dict)
    sheets_not_read: dict[str, str] = field(default_factory=dict)  # sheet → why
    encoding: str | None = None


def _csv(path: Path, lines: list[list[Any]], encoding: str, bom: bool = False) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(lines)
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + buf.getvalue().encode(encoding))
    return path


def _north(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0], point[1] + metres * M


def _gcj(point: tuple[float, float]) -> tuple[float, float]:
    lon, lat = wgs84_to_gcj02(*point)
    return round(lon, 7), round(lat, 7)


def _bd(point: tuple[float, float]) -> tuple[float, float]:
    lon, lat = wgs84_to_bd09(*point)
    return round(lon, 7), round(lat, 7)


def dms(degrees: float, east: bool) -> str:
    """A coordinate as registers write it in degrees, minutes and seconds: 东经110°38′24.12″."""
    d = int(degrees)
    minutes = (degrees - d) * 60
    m = int(minutes)
    s = (minutes - m) * 60
    return f"{'东经' if east else '北纬'}{d}°{m}′{s:.3f}″"


def stations_gbk(v: list[Village]) -> Register:
    """服务站 of 资源县 in a GBK CSV (GCJ-02, as read off AMap): a title and who filed it above the header, 序号, no
    code column, township and village by name, 星级 and 是否有人员 as people write them, a blank row, an unknown
    village, a star rating nobody can read, an exact repeat of a row, a row without coordinates, 合计 and 填表人."""
    a, b, c = v[0], v[1], v[2]
    lines = [
        ["资源县退役军人服务站（点）建设情况统计表", "", "", "", "", "", "", "", "", ""],  # 1
        [
            "填报单位：资源县退役军人事务局（盖章）",
            "",
            "",
            "",
            "",
            "",
            "填报时间：2024年5月20日",
            "",
            "",
            "",
        ],  # 2
        [
            "序号",
            "站点名称",
            "乡镇（街道）",
            "村（社区）",
            "站点级别",
            "经度",
            "纬度",
            "星级评定",
            "是否有人员",
            "备注",
        ],
        [
            "1",
            f"{a.name}退役军人服务站",
            a.township,
            a.name,
            "村级",
            *_gcj(a.points[0]),
            "四星级",
            "是",
            "",
        ],  # 4
        [
            "2",
            f"{b.name}退役军人服务站",
            b.township,
            b.name,
            "村（社区）级",
            *_gcj(b.points[0]),
            "★★★",
            "有",
            "",
        ],
        ["", "", "", "", "", "", "", "", "", ""],  # 6
        [
            "3",
            f"{a.township}退役军人服务站",
            a.township,
            "",
            "乡镇（街道）级",
            *_gcj(a.points[1]),
            "5星",
            "√",
            "",
        ],
        [
            "4",
            "新建村退役军人服务站",
            a.township,
            "新建村",
            "村级",
            *_gcj(a.points[2]),
            "三星",
            "是",
            "待核实",
        ],  # 8
        [
            "5",
            f"{c.name}退役军人服务站",
            c.township,
            c.name,
            "村级",
            *_gcj(c.points[0]),
            "五星半",
            "是",
            "",
        ],  # 9
        [
            "6",
            f"{a.name}退役军人服务站",
            a.township,
            a.name,
            "村级",
            *_gcj(_north(a.points[0], 12)),
            "四星级",
            "是",
            "",
        ],
        ["7", f"{c.name}第二服务点", c.township, c.name, "村级", "", "", "", "否", "坐标待补"],  # 11
        ["合计", "7个", "", "", "", "", "", "", "", ""],  # 12
        ["填表人：张三", "", "审核人：李四", "", "", "", "", "", "", ""],  # 13
    ]
    return Register(
        name="stations_gbk",
        filename="资源县服务站统计表.csv",
        collection="stations",
        write=lambda folder: _csv(folder / "资源县服务站统计表.csv", lines, "gbk"),
        crs="GCJ02",
        accepted={4, 5, 7},
        reasons={
            8: ("新建村",),
            9: ("五星半", "星"),
            10: ("疑似重复", "第 4 行"),
            11: ("坐标",),
        },
        duplicates={10: 4},
        header_rows={None: [3]},
        skipped={"": (2, 1, 1, 1)},
        encoding="gb18030",
    )


def memorials_xlsx(v: list[Village]) -> Register:
    """纪念设施 of 资源县 in an Excel workbook (BD-09, as read off Baidu): a sheet of instructions first, then the
    register under a merged title, who filed it, a header of two rows (坐标 merged over 经度 and 纬度, 序号 and the
    rest merged down), places as one 所在地 text, levels and dates as written, a blank row, an unknown kind and
    an unknown protection level, 合计."""
    a, b, c = v[0], v[1], v[2]

    def write(folder: Path) -> Path:
        book = openpyxl.Workbook()
        notes = book.active
        notes.title = "填表说明"
        notes.append(["填表说明：1. 坐标请从百度地图拾取；2. 保护级别按公布文件填写；3. 不要改动表头。"])
        ws = book.create_sheet("纪念设施")
        head = [
            "序号",
            "设施名称",
            "所在地",
            "设施类型",
            "保护级别",
            "坐标（百度）",
            None,
            "公布日期",
            "备注",
        ]
        rows = [
            ["资源县烈士纪念设施名录"],  # 1
            ["填报单位：资源县退役军人事务局", None, None, None, None, None, "填报时间：2024年6月"],  # 2
            head,  # 3
            [None, None, None, None, None, "经度", "纬度", None, None],  # 4
            [
                1,
                f"{a.name}革命烈士纪念碑",
                f"资源县{a.township}{a.name}",
                "纪念碑亭",
                "县级烈士纪念设施保护单位",
                *_bd(a.points[0]),
                "2019年5月",
                None,
            ],  # 5
            [
                2,
                f"{b.township}红军烈士纪念亭",
                f"{b.township}{b.name}",
                "纪念碑亭",
                "零散",
                *_bd(b.points[0]),
                "2019.05",
                None,
            ],  # 6
            [],  # 7
            [
                3,
                f"{c.township}烈士英名墙",
                f"{c.township}",
                "英名墙",
                "省级烈士纪念设施保护单位",
                *_bd(c.points[0]),
                "2019年",
                "2020年修缮",
            ],  # 8
            [
                4,
                f"{a.name}烈士墓群",
                f"{a.township}{a.name}",
                "陵墓",
                "县级烈士纪念设施保护单位",
                *_bd(a.points[1]),
                "2018-3-1",
                None,
            ],  # 9
            [
                5,
                f"{b.name}纪念塑像",
                f"{b.township}{b.name}",
                "纪念塑像",
                "特级",
                *_bd(b.points[1]),
                None,
                None,
            ],
            ["合计", "5处"],  # 11
        ]
        for row in rows:
            ws.append(row)
        for cells in ("A1:I1", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4", "F3:G3", "H3:H4", "I3:I4"):
            ws.merge_cells(cells)
        path = folder / "资源县烈士纪念设施名录.xlsx"
        book.save(path)
        return path

    return Register(
        name="memorials_xlsx",
        filename="资源县烈士纪念设施名录.xlsx",
        collection="memorials",
        write=write,
        crs="BD09",
        accepted={5, 6, 8},
        reasons={9: ("陵墓",), 10: ("特级",)},
        header_rows={"纪念设施": [3, 4]},
        skipped={"纪念设施": (2, 1, 1, 0)},
        merged={"坐标（百度）": ["经度", "纬度"]},
        sheets_not_read={"填表说明": "no_header"},
    )


def graves_two_sheets(v: list[Village]) -> Register:
    """Scattered graves of 资源县 in a workbook of two sheets of one header (一片区, 二片区; WGS-84 in degrees,
    minutes and seconds), read whole: 序号, a title over the first sheet, 小计 under it, a grave of the second sheet
    repeating one of the first 8 m away, and a longitude written in words."""
    a, b, c = v[0], v[1], v[3]
    header = ["序号", "墓名", "烈士姓名", "类型", "乡镇", "村", "经度", "纬度", "管护人"]

    def row(n, name, martyr, village: Village, point, lon=None):
        return [
            n,
            name,
            martyr,
            "散葬",
            village.township,
            village.name,
            lon or dms(point[0], True),
            dms(point[1], False),
            "村委会",
        ]

    def write(folder: Path) -> Path:
        book = openpyxl.Workbook()
        one = book.active
        one.title = "一片区"
        one.append(["资源县零散烈士墓登记表（一片区）"])  # 1
        one.append(header)  # 2
        one.append(row(1, "王大山烈士墓", "王大山", a, a.points[2]))  # 3
        one.append(row(2, "无名烈士墓", None, b, b.points[2]))  # 4
        one.append(["小计", "2座"])  # 5
        two = book.create_sheet("二片区")
        two.append(header)  # 1
        two.append(row(1, "李长征烈士墓", "李长征", c, c.points[0]))  # 2
        two.append(row(2, "王大山烈士墓", "王大山", a, _north(a.points[2], 8)))  # 3
        two.append(row(3, "赵红军烈士墓", "赵红军", c, c.points[1], lon="东经一百一十度"))  # 4
        path = folder / "零散烈士墓登记表.xlsx"
        book.save(path)
        return path

    return Register(
        name="graves_two_sheets",
        filename="零散烈士墓登记表.xlsx",
        collection="graves",
        write=write,
        sheet="全部",
        accepted={("一片区", 3), ("一片区", 4), ("二片区", 2)},
        reasons={("二片区", 3): ("疑似重复", "一片区"), ("二片区", 4): ("东经一百一十度",)},
        duplicates={("二片区", 3): ("一片区", 3)},
        header_rows={"一片区": [2], "二片区": [1]},
        skipped={"一片区": (1, 0, 1, 0), "二片区": (0, 0, 0, 0)},
    )


def stations_again_utf8(v: list[Village]) -> Register:
    """A second register of stations (UTF-8 with a BOM, WGS-84, with codes) sent after ``stations_gbk`` was
    imported: its first row is a station already stored (without a code then) under a new code, 12 m from it."""
    a, d = v[0], v[3]
    lines = [
        ["编码", "名称", "级别", "经度", "纬度"],
        ["ZY-2024-001", f"{a.name}退役军人服务站", "村", *_north(a.points[0], 12)],  # 2: already stored
        ["ZY-2024-002", f"{d.name}退役军人服务站", "村", *d.points[0]],  # 3
    ]
    return Register(
        name="stations_again_utf8",
        filename="服务站补充.csv",
        collection="stations",
        write=lambda folder: _csv(folder / "服务站补充.csv", lines, "utf-8", bom=True),
        accepted={3},
        reasons={2: ("疑似重复", "已有记录")},
        duplicates={2: "ST-"},
        header_rows={None: [1]},
        skipped={"": (0, 0, 0, 0)},
        encoding="utf-8",
    )


@dataclass(frozen=True)
class StoredGrave:
    """A grave of the demo atlas in a cemetery of 资源县: the cemetery's name, its position, names and point."""

    cemetery: str
    section: str
    row_no: str
    number: str
    name: str
    martyr: str | None
    point: tuple[float, float]


def cemetery_graves(conn: Connection) -> dict[str, list[StoredGrave]]:
    """The first two graves (by position) of each cemetery of 资源县, by cemetery name: 资源县烈士陵园 and
    滩鹿社区烈士墓区 in the demo atlas."""
    rows = conn.execute(
        text(
            "SELECT c.name, g.section, g.row_no, g.number, g.name, g.martyr_name, ST_X(g.geom), ST_Y(g.geom) "
            "FROM graves g JOIN cemeteries c ON c.id = g.cemetery_id WHERE c.area_code LIKE :county "
            "AND g.section IS NOT NULL AND g.row_no IS NOT NULL AND g.number IS NOT NULL "
            "ORDER BY c.name, g.section, g.row_no, length(g.number), g.number"
        ),
        {"county": COUNTY + "%"},
    ).all()
    out: dict[str, list[StoredGrave]] = {}
    for c, section, row_no, number, name, martyr, lon, lat in rows:
        found = out.setdefault(c, [])
        if len(found) < 2:
            found.append(StoredGrave(c, section, row_no, number, name, martyr, (float(lon), float(lat))))
    return out


def graves_by_cemetery_name(v: list[Village], graves: dict[str, list[StoredGrave]]) -> Register:
    """A grave register as the county's cemeteries keep it (an Excel workbook, WGS-84): a title, 序号, the cemetery
    by NAME in 所在陵园 (as written: in full, without the county's 县, with a full-width space, without the
    village's 社区), 墓区/排/号, no kind column (a grave with a cemetery lies in it, one without is scattered), a
    cemetery the county lacks, one that lies in other counties, 合计."""
    big, small = graves["资源县烈士陵园"], graves["滩鹿社区烈士墓区"]
    a = v[0]

    def grave(n, cemetery, g: StoredGrave, point=None, number=None, name=None, martyr=None):
        lon, lat = point or g.point
        return [
            n,
            cemetery,
            g.section,
            g.row_no,
            number or g.number,
            name or g.name,
            martyr or g.martyr,
            lon,
            lat,
        ]

    def write(folder: Path) -> Path:
        book = openpyxl.Workbook()
        ws = book.active
        ws.title = "陵园墓葬"
        ws.append(["资源县烈士陵园（墓区）墓葬登记表"])  # 1
        ws.append(["序号", "所在陵园", "墓区", "排", "号", "墓名", "烈士姓名", "经度", "纬度"])  # 2
        ws.append(grave(1, "资源县烈士陵园", big[0]))  # 3: stored, matched by cemetery and position
        ws.append(grave(2, "资源烈士陵园", big[1]))  # 4: the county's 县 left out
        ws.append(
            grave(3, "资源县\u3000烈士陵园", big[0], _north(big[0].point, 30), "99", "无名烈士墓", "无名")
        )  # 5
        ws.append(grave(4, "滩鹿烈士墓区", small[0]))  # 6: the village's 社区 left out
        ws.append(grave(5, "中峰烈士陵园", big[0], number="98"))  # 7: no such cemetery in 资源县
        ws.append(grave(6, "堡龙村烈士墓区", big[0], number="97"))  # 8: in two other counties
        ws.append([7, None, None, None, None, "王家祥烈士墓", "王家祥", *a.points[1]])  # 9: scattered
        ws.append(["合计", "7座"])  # 10
        path = folder / "资源县陵园墓葬登记表.xlsx"
        book.save(path)
        return path

    return Register(
        name="graves_by_cemetery_name",
        filename="资源县陵园墓葬登记表.xlsx",
        collection="graves",
        write=write,
        accepted={3, 4, 5, 6, 9},
        reasons={
            7: ("所在陵园", "中峰烈士陵园", "资源县没有这个陵园", "资源县烈士陵园", "滩鹿社区烈士墓区"),
            8: ("所在陵园", "堡龙村烈士墓区", "宁明县", "隆林各族自治县", "不在本次导入的资源县"),
        },
        header_rows={"陵园墓葬": [2]},
        skipped={"陵园墓葬": (1, 0, 1, 0)},
    )


def graves_cemetery_ambiguous(v: list[Village], graves: dict[str, list[StoredGrave]]) -> Register:
    """A grave register imported for the whole atlas (no county chosen): a cemetery name two counties have, and
    one every county has (烈士陵园), are refused naming the candidates, one no county has is refused; a full name
    is found."""
    big = graves["资源县烈士陵园"]
    g = big[0]
    lines = [
        ["陵园名称", "墓区", "排", "号", "墓名", "烈士姓名", "经度", "纬度"],
        ["资源县烈士陵园", g.section, g.row_no, g.number, g.name, g.martyr, *g.point],  # 2
        ["堡龙村烈士墓区", "甲区", "1", "1", "烈士墓", "无名", *g.point],  # 3
        ["烈士陵园", "甲区", "1", "1", "烈士墓", "无名", *g.point],  # 4
        ["无此烈士陵园", "甲区", "1", "1", "烈士墓", "无名", *g.point],  # 5
    ]
    return Register(
        name="graves_cemetery_ambiguous",
        filename="陵园墓葬.csv",
        collection="graves",
        write=lambda folder: _csv(folder / "陵园墓葬.csv", lines, "utf-8"),
        area=None,
        accepted={2},
        reasons={
            3: ("陵园名称", "不止一处", "宁明县堡龙村烈士墓区", "隆林各族自治县堡龙村烈士墓区"),
            4: ("陵园名称", "不止一处", "随县烈士陵园", "…"),
            5: ("陵园名称", "“无此烈士陵园”：没有这个陵园（墓区）", "选择导入的县"),
        },
        header_rows={None: [1]},
        skipped={"": (0, 0, 0, 0)},
    )


REGISTERS = (stations_gbk, memorials_xlsx, graves_two_sheets, stations_again_utf8)
"""The registers, in the order a bureau would send them (the last repeats a station of the first)."""

CEMETERY_REGISTERS = (graves_by_cemetery_name, graves_cemetery_ambiguous)
"""The grave registers naming their cemetery by name (made from ``places`` and ``cemetery_graves``)."""
