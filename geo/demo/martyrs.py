"""Synthetic martyr records (英名录) for the demo atlas, all marked ``synthetic``; and pinyin of demo site names.

One record per grave inside a cemetery (the grave's martyr name, or 无名烈士 when it has none), one per
named scattered grave, and 5-15 names on each name wall (英名墙), whose burial place is unknown or elsewhere.
Names are drawn from common surnames (a few with a surname reading, 单 shan, 曾 zeng, 覃 qin) and given-name
characters; years, units and places of death follow the wars the region's martyrs fell in. Set-based: one
read of the graves and walls, the rows built in Python (pinyin included), one multi-row insert. Same seed,
same records.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from sqlalchemy import Connection, insert, text

from geo.kit.pinyin import name_pinyin
from geo.models import Martyr

UNNAMED = "无名烈士"
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韦覃蒙莫陆农廖单曾黎潘邓蓝")
_GIVEN = list("国华建明志勇军强英文永春德海清新光荣忠诚振兴学立民生福成树林山峰红卫东平安家宝")
# (first year, last year, weight, places of death, unit patterns)
_ERAS = (
    (1927, 1937, 2, ("百色", "龙州", "井冈山", "瑞金"), ("红七军第{a}师", "红八军第{a}纵队")),
    (1937, 1945, 3, ("昆仑关", "台儿庄", "桂林", "太行山"), ("八路军第{a}团", "新四军第{a}支队")),
    (1946, 1949, 3, ("衡宝", "淮海", "辽沈", "广西十万大山"), ("中国人民解放军第{a}军第{b}师",)),
    (1950, 1953, 3, ("朝鲜上甘岭", "朝鲜长津湖", "朝鲜铁原", "桂西剿匪"), ("中国人民志愿军第{a}军第{b}师",)),
    (1979, 1979, 3, ("凭祥", "谅山", "高平", "同登"), ("中国人民解放军第{a}军第{b}团",)),
    (1984, 1989, 1, ("老山", "者阴山", "法卡山"), ("广西边防第{a}团", "中国人民解放军第{a}军第{b}团")),
)
_CUMULATIVE = np.cumsum([e[2] for e in _ERAS]) / sum(e[2] for e in _ERAS)


def _pick(rng: np.random.Generator, items):
    """One item of a sequence, uniformly (cheaper than rng.choice on a Python list)."""
    return items[int(rng.integers(0, len(items)))]


@cache
def _pinyin(name: str, person: bool) -> tuple[str, str]:
    return name_pinyin(name, person=person)


def add_name_pinyin(rows: list[dict]) -> None:
    """Set ``name_pinyin``/``name_initials`` on site rows (memorials, cemeteries) from their ``name``."""
    for row in rows:
        row["name_pinyin"], row["name_initials"] = _pinyin(row["name"], False)


def _name(rng: np.random.Generator) -> str:
    given = "".join(_pick(rng, _GIVEN) for _ in range(int(rng.integers(1, 3))))
    return _pick(rng, _SURNAMES) + given


def _at(items, u: float):
    """The item of a sequence at the uniform draw ``u`` in [0, 1)."""
    return items[int(u * len(items))]


def _record(rng: np.random.Generator, name: str | None, places: dict, area_code: str) -> dict:
    """One synthetic record: the name given (None: unnamed), the rest drawn; hometown mostly local."""
    u = rng.random(12).tolist()  # one draw per record: numpy calls, not arithmetic, cost the time here
    first, last, _, deaths, units = _ERAS[int(np.searchsorted(_CUMULATIVE, u[0]))]
    year = first + int(u[1] * (last - first + 1))
    age = 17 + int(u[2] * 19)
    county = area_code[:6] if u[3] < 0.8 or not places["counties"] else None
    townships = places["townships"].get(county) if county else None
    if not townships:
        county = _at(places["counties"], u[4])
        townships = places["townships"].get(county) or [(county, "")]
    code, township = _at(townships, u[5])
    hometown = places["names"].get(county, "") + township
    unit = _at(units, u[6]).format(a=1 + int(u[7] * 59), b=100 + int(u[8] * 100))
    place = _at(deaths, u[9])
    unnamed = name is None
    name = UNNAMED if unnamed else name
    full, initials = _pinyin(name, True)
    known = not unnamed and u[10] < 0.9
    return {
        "name": name,
        "unnamed": unnamed,
        "name_pinyin": full,
        "name_initials": initials,
        "gender": "female" if u[11] < 0.04 else "male",
        "birth_year": year - age if known else None,
        "death_year": year,
        "place_of_death": place,
        "hometown": hometown if known else None,
        "hometown_area_code": code if known else None,
        "unit": unit,
        "biography": f"（演示用合成数据）{year}年牺牲于{place}。" if known else "（演示用合成数据）",
        "area_code": area_code,
        "relatives_found": bool(known and u[11] > 0.7),
        "synthetic": True,
        "grave_id": None,
        "cemetery_id": None,
        "memorial_id": None,
        "burial_note": None,
    }


def _places(conn: Connection) -> dict:
    rows = conn.execute(
        text("SELECT code, name, level FROM areas WHERE level IN ('county', 'township')")
    ).all()
    names = {c: n for c, n, level in rows if level == "county"}
    townships: dict[str, list[tuple[str, str]]] = {}
    for code, name, level in rows:
        if level == "township":
            townships.setdefault(code[:6], []).append((code, name))
    return {"names": names, "townships": townships, "counties": sorted(names)}


def add_demo_martyrs(conn: Connection, seed: int) -> int:
    """Insert the synthetic martyr records of the loaded demo atlas; returns how many."""
    rng = np.random.default_rng([seed, 7])
    places = _places(conn)
    rows: list[dict] = []
    graves = conn.execute(
        text(
            "SELECT id, kind, martyr_name, cemetery_id, area_code FROM graves"
            " WHERE synthetic AND (kind = 'in_cemetery' OR martyr_name IS NOT NULL) ORDER BY id"
        )
    ).all()
    for grave_id, kind, martyr_name, cemetery_id, area_code in graves:
        row = _record(rng, martyr_name, places, area_code)
        row.update(grave_id=grave_id, cemetery_id=cemetery_id)
        if kind == "scattered":
            row["burial_note"] = "散葬烈士墓"
        rows.append(row)
    walls = conn.execute(
        text("SELECT id, area_code FROM memorials WHERE synthetic AND kind = 'name_wall' ORDER BY id")
    ).all()
    for memorial_id, area_code in walls:
        for _ in range(int(rng.integers(5, 16))):
            row = _record(rng, _name(rng), places, area_code)
            row["memorial_id"] = memorial_id
            elsewhere = rng.random() < 0.3
            row["burial_note"] = f"安葬于{row['place_of_death']}" if elsewhere else "安葬地不详"
            rows.append(row)
    if rows:
        conn.execute(insert(Martyr.__table__), rows)
    return len(rows)
