"""Which column of a file is which field: English and Chinese header aliases, Shapefile short names, and the
user's ``--map 名称=name,经度=lon`` option; plus the Chinese words for yes/no and for the station levels."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from geo.errors import InvalidInput

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
    "name": ("名称", "站点名称", "设施名称", "名字", "陵园名称", "墓名", "title"),
    "area_code": ("行政区划代码", "区划代码", "行政区代码", "所属区划", "区划", "adcode", "area"),
    "address": ("地址", "详细地址", "所在地址"),
    "notes": ("备注", "说明", "note", "remark", "remarks"),
    "lon": ("longitude", "lng", "long", "x", "经度", "东经", "gcj02经度", "bd09经度"),
    "lat": ("latitude", "y", "纬度", "北纬", "gcj02纬度", "bd09纬度"),
    "level": ("级别", "层级", "站点级别"),
    "status": ("状态", "运行状态"),
    "kind": ("类型", "类别", "种类", "设施类型"),
    "protection_level": ("保护级别", "保护等级"),
    "approved_by": ("批准机关", "公布机关"),
    "approval_doc_no": ("批准文号", "公布文号"),
    "approval_date": ("批准日期", "公布日期"),
    "protection_unit": ("保护单位",),
    "management_unit": ("管理单位",),
    "has_protection_sign": ("保护标志", "有保护标志"),
    "protection_zone_desc": ("保护范围描述", "保护范围说明"),
    "description": ("简介", "描述"),
    "martyr_name": ("烈士姓名", "姓名"),
    "phone": ("电话", "联系电话"),
    "star_rating": ("星级",),
    "people_served": ("服务人数",),
    "opened_on": ("成立日期", "建成日期", "开放日期"),
    "served_area_code": ("服务区划代码", "服务区域代码"),
    "upkeep_status": ("管护状况", "维护状况"),
    "condition_index": ("完好指数",),
    "grave_capacity": ("墓位容量",),
    "custodian_name": ("管护人", "管护人姓名"),
    "custodian_phone": ("管护人电话",),
    "responsible_cadre": ("责任干部",),
    "parent_code": ("上级代码", "上级区划代码"),
    "population": ("人口",),
}

_YES = frozenset({"true", "t", "yes", "y", "1", "是", "有", "√", "✓", "对"})
_NO = frozenset({"false", "f", "no", "n", "0", "否", "无", "没有", "×", "✗", "-"})
_LEVELS = {
    "省": "province",
    "省级": "province",
    "市": "city",
    "市级": "city",
    "县": "county",
    "县级": "county",
}
_LEVELS |= {"区": "county", "乡镇": "township", "乡": "township", "镇": "township", "街道": "township"}
_LEVELS |= {"村": "village", "社区": "village", "村级": "village", "乡镇级": "township"}


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
            raise InvalidInput(f"--map takes header=field pairs separated by commas, got {part.strip()!r}")
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
    known = set(targets)
    for header, target in user_map.items():
        if header not in headers:
            raise InvalidInput(
                f"--map names column {header!r}, which the file lacks; it has: {', '.join(headers)}"
            )
        if target not in known:
            raise InvalidInput(f"--map target {target!r} is not a field here; fields: {', '.join(targets)}")
    lookup: dict[str, str] = {}
    short = shapefile_names([t for t in targets if t not in COORD_FIELDS])
    own = aliases or {}
    for t in targets:
        lookup.setdefault(normalise_header(t), t)
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


def yes_no(value: object) -> object:
    """是/否, yes/no, 1/0 and the like as a bool; anything else unchanged (the field check names it)."""
    if isinstance(value, str):
        key = value.strip().lower()
        if key in _YES:
            return True
        if key in _NO:
            return False
    return value


def station_level(value: object) -> object:
    """省/市/县/乡镇/村 (and 级 forms) as the station level; anything else unchanged."""
    if isinstance(value, str):
        return _LEVELS.get(value.strip(), value)
    return value
