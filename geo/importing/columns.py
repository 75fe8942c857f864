"""Which column of a file is which field: English and Chinese header aliases (as county registers head their
columns: 星级评定, 是否有机构, 乡镇（街道）, 所在地…), Shapefile short names, and the user's
``--map 名称=name,经度=lon`` option. The columns naming a site's area by name (township, village, place:
geo/importing/places.py) are found wherever the collection has an ``area_code``. The values are read by
geo/importing/values.py."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from geo.errors import InvalidInput
from geo.importing.places import PLACE_ALIASES, PLACE_FIELDS

COORD_FIELDS = ("lon", "lat")
"""Pseudo-fields of a point given as two columns (degrees, or metres of a projected EPSG system)."""

READ_ONLY = frozenset(
    {"id", "version", "created_at", "updated_at", "area_name", "protection_zone_m2", "reject_reason", "row"}
)
"""Columns our exports and rejects files carry that are never imported (derived or kept by the database)."""

MARTYR_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "烈士姓名", "名字"),
    "unnamed": ("无名", "无名烈士"),
    "gender": ("性别",),
    "birth_year": ("出生年份", "出生年", "生年"),
    "death_date": ("牺牲日期", "牺牲时间"),
    "death_year": ("牺牲年份", "牺牲年"),
    "place_of_death": ("牺牲地点", "牺牲地"),
    "hometown": ("籍贯", "家乡"),
    "hometown_area_code": ("籍贯区划代码",),
    "unit": ("生前单位", "生前所在部队", "所在部队", "部队", "单位", "部别"),
    "biography": ("生平", "事迹", "生平事迹"),
    "burial_note": ("安葬说明", "安葬备注"),
    "relatives_found": ("已找到亲属", "亲属已找到"),
    "grave_code": ("墓葬编码", "墓编码", "墓葬编号"),
    "cemetery_code": ("陵园编码", "安葬陵园编码", "陵园编号"),
    "memorial_code": ("纪念设施编码", "纪念设施编号"),
    "grave_section": ("墓区", "区"),
    "grave_row": ("墓排", "排"),
    "grave_number": ("墓号", "号"),
}
"""Chinese headers of a martyr register (姓名 is the martyr's name here, not a memorial's 烈士姓名 column)."""

_ALIASES: dict[str, tuple[str, ...]] = {
    "code": (
        "编码",
        "代码",
        "编号",
        "登记编号",
        "登记编码",
        "统一编码",
        "设施编码",
        "站点编码",
        "register_code",
    ),
    "name": (
        "名称",
        "站点名称",
        "设施名称",
        "名字",
        "陵园名称",
        "墓名",
        "服务站名称",
        "服务中心（站）名称",
        "服务站（中心）名称",
        "纪念设施名称",
        "烈士墓名称",
        "墓葬名称",
        "title",
    ),
    "area_code": ("行政区划代码", "区划代码", "行政区代码", "所属区划", "区划", "adcode", "area"),
    "address": ("地址", "详细地址", "所在地址", "具体地址", "通讯地址"),
    "notes": ("备注", "说明", "note", "remark", "remarks"),
    "lon": ("longitude", "lng", "long", "x", "经度", "东经", "gcj02经度", "bd09经度", "坐标经度", "经度坐标"),
    "lat": ("latitude", "y", "纬度", "北纬", "gcj02纬度", "bd09纬度", "坐标纬度", "纬度坐标"),
    "level": ("级别", "层级", "站点级别", "站点层级", "服务站级别", "建设层级", "层次"),
    "status": ("状态", "运行状态", "建设状态", "运行情况"),
    "kind": (
        "类型",
        "类别",
        "种类",
        "设施类型",
        "纪念设施类型",
        "设施类别",
        "墓葬类型",
        "安葬方式",
        "陵园类型",
    ),
    "protection_level": ("保护级别", "保护等级"),
    "approved_by": ("批准机关", "公布机关"),
    "approval_doc_no": ("批准文号", "公布文号"),
    "approval_date": ("批准日期", "公布日期", "批准时间", "公布时间", "核定时间", "核定公布时间"),
    "protection_unit": ("保护单位",),
    "management_unit": ("管理单位",),
    "has_protection_sign": ("保护标志", "有保护标志", "是否有保护标志", "设立保护标志"),
    "protection_zone_desc": ("保护范围描述", "保护范围说明"),
    "description": ("简介", "描述"),
    "martyr_name": ("烈士姓名", "姓名", "墓主姓名"),
    "phone": ("电话", "联系电话", "联系方式", "办公电话"),
    "star_rating": ("星级", "星级评定", "评定星级", "星级评定情况", "星级等次"),
    "people_served": ("服务人数", "服务对象数", "服务对象人数", "服务对象"),
    "opened_on": ("成立日期", "建成日期", "开放日期", "成立时间", "建成时间", "挂牌时间", "建立时间"),
    "has_organisation": ("有机构", "是否有机构"),
    "has_staff_quota": ("有编制", "是否有编制"),
    "has_staff": ("有人员", "是否有人员"),
    "has_funding": ("有经费", "是否有经费"),
    "has_support": ("有保障", "是否有保障"),
    "national_model": ("全国示范型", "是否全国示范型", "全国示范", "示范型", "是否示范型"),
    "section": ("墓区", "区"),
    "row_no": ("墓排", "排", "排号"),
    "number": ("墓号", "号", "墓位号"),
    "disposition": ("处置方式", "保护方式", "处置情况"),
    "care_party": ("管护主体", "管护方"),
    "care_agreed_on": ("管护协议日期", "协议签订日期", "管护协议签订时间"),
    "last_inspected_on": ("最近巡查日期", "上次巡查日期", "巡查日期"),
    "served_area_code": ("服务区划代码", "服务区域代码"),
    "upkeep_status": ("管护状况", "维护状况", "保护状况", "现状"),
    "condition_index": ("完好指数",),
    "grave_capacity": ("墓位容量",),
    "custodian_name": ("管护人", "管护人姓名", "看护人"),
    "custodian_phone": ("管护人电话", "管护人联系电话", "看护人电话"),
    "responsible_cadre": ("责任干部",),
    "parent_code": ("上级代码", "上级区划代码"),
    "population": ("人口",),
}


def normalise_header(name: str) -> str:
    """A header reduced for matching: lower case, no spaces, underscores, hyphens or bracketed units."""
    name = re.sub(r"[(（\[【][^)）\]】]*[)）\]】]", "", str(name))
    return re.sub(r"[\s_\-:：./]+", "", name.strip().lower())


_SHORT = {
    "has_organisation": "has_org",
    "has_staff_quota": "has_quota",
    "has_funding": "has_fund",
    "has_support": "has_suppt",
    "has_protection_sign": "has_sign",
    "protection_level": "prot_level",
    "protection_zone": "prot_zone",
    "protection_zone_desc": "zone_desc",
    "protection_unit": "prot_unit",
    "approved_by": "approved",
    "approval_doc_no": "doc_no",
    "approval_date": "appr_date",
    "management_unit": "mgmt_unit",
    "last_inspected_on": "inspected",
    "condition_index": "condition",
    "served_area_code": "served_ar",
    "national_model": "nat_model",
    "people_served": "served",
    "star_rating": "stars",
    "martyr_name": "martyr",
    "custodian_name": "cust_name",
    "custodian_phone": "cust_phone",
    "responsible_cadre": "cadre",
    "moved_to_grave_id": "moved_to",
    "care_agreed_on": "care_date",
    "grave_capacity": "capacity",
    "upkeep_status": "upkeep",
    "description": "descr",
    "disposition": "dispositn",
    "parent_code": "parent",
    "reject_reason": "reject_rsn",
    "place_of_death": "death_plc",
    "hometown_area_code": "home_area",
    "burial_note": "burial_nt",
    "relatives_found": "relatives",
    "cemetery_code": "cem_code",
    "memorial_code": "mem_code",
    "grave_section": "g_section",
    "grave_number": "g_number",
}


def shapefile_name(name: str) -> str:
    """A field's name in a Shapefile (at most 10 characters); export and import agree on it."""
    if len(name) <= 10:
        return name
    return _SHORT.get(name) or f"{name[:6]}_{zlib.crc32(name.encode()) % 4096:03x}"


def shapefile_names(fields: list[str]) -> dict[str, str]:
    """field → its Shapefile name, for each of ``fields``."""
    return {f: shapefile_name(f) for f in fields}


@dataclass(frozen=True)
class ColumnMap:
    """header → field for the columns used, and the headers left out (reported, never silently)."""

    fields: dict[str, str]
    ignored: tuple[str, ...]

    def header_of(self, field: str) -> str | None:
        """The file's header of a field, or None when the file lacks it."""
        return next((h for h, f in self.fields.items() if f == field), None)


def parse_map_option(option: str | None) -> dict[str, str]:
    """``名称=name,经度=lon`` as {header: field}; InvalidInput when a pair is malformed."""
    pairs: dict[str, str] = {}
    for part in (option or "").replace("，", ",").split(","):
        if not part.strip():
            continue
        header, sep, target = part.partition("=")
        if not sep or not header.strip() or not target.strip():
            raise InvalidInput(
                f"--map takes header=field pairs separated by commas, got {part.strip()!r}",
                key="import.map_pair",
                params={"pair": part.strip()},
            )
        pairs[header.strip()] = target.strip()
    return pairs


def map_columns(
    headers: list[str],
    targets: list[str],
    user_map: dict[str, str],
    aliases: dict[str, tuple[str, ...]] | None = None,
) -> ColumnMap:
    """Match the file's headers to fields: the user's map first, then exact names, the collection's own
    ``aliases``, the common aliases and Shapefile names."""
    if "area_code" in targets and "name" in targets:  # a site's area may be named instead (places.py)
        targets = [*targets, *(f for f in PLACE_FIELDS if f not in targets)]
    known = set(targets)
    for header, target in user_map.items():
        if header not in headers:
            raise InvalidInput(
                f"--map names column {header!r}, which the file lacks; it has: {', '.join(headers)}",
                key="import.map_no_column",
                params={"column": header, "columns": ", ".join(headers)},
            )
        if target not in known:
            raise InvalidInput(
                f"--map target {target!r} is not a field here; fields: {', '.join(targets)}",
                key="import.map_no_field",
                params={"field": target, "fields": ", ".join(targets)},
            )
    lookup: dict[str, str] = {}
    short = shapefile_names([t for t in targets if t not in COORD_FIELDS and t not in PLACE_FIELDS])
    own = {**PLACE_ALIASES, **(aliases or {})}
    for t in targets:
        lookup.setdefault(normalise_header(t), t)
    for t in targets:  # the collection's own headers first: a grave register's 陵园名称 is its cemetery
        for alias in (aliases or {}).get(t, ()):
            lookup.setdefault(normalise_header(alias), t)
    for t in targets:
        for alias in (*own.get(t, ()), short.get(t, t), *_ALIASES.get(t, ())):
            lookup.setdefault(normalise_header(alias), t)
    mapped: dict[str, str] = dict(user_map)
    ignored = []
    for h in headers:
        if h in mapped:
            continue
        target = lookup.get(normalise_header(h))
        if target is None or target in mapped.values():
            ignored.append(h)
        else:
            mapped[h] = target
    return ColumnMap(mapped, tuple(ignored))
