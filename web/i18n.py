"""A small message catalogue for the map pages: Chinese (default) and English labels.

Keys are dotted: ``layer.stations``, ``field.level``, ``station_level.village`` and so on.
Enumerated values use the group name used in the database followed by the stored value.
"""

from __future__ import annotations

DEFAULT_LANG = "zh"
LANGS: tuple[str, ...] = ("zh", "en")

# key -> (zh, en)
_CATALOGUE: dict[str, tuple[str, str]] = {
    # page
    "app.title": ("退役军人服务地图 VetMap", "VetMap — veterans' service map"),
    # layers
    "layer.stations": ("服务站", "Service stations"),
    "layer.memorials": ("纪念设施", "Memorial facilities"),
    "layer.cemeteries": ("烈士陵园", "Martyr cemeteries"),
    "layer.graves": ("烈士墓", "Martyr graves"),
    "layer.boundaries": ("行政区划", "Boundaries"),
    # popup field labels
    "field.name": ("名称", "Name"),
    "field.martyr_name": ("烈士姓名", "Martyr"),
    "field.level": ("级别", "Level"),
    "field.kind": ("类型", "Type"),
    "field.status": ("状态", "Status"),
    "field.upkeep_status": ("维护状况", "Upkeep"),
    "field.protection_level": ("保护级别", "Protection level"),
    "field.area": ("行政区", "Area"),
    "field.area_code": ("区划代码", "Area code"),
    "field.star_rating": ("星级", "Star rating"),
    "field.people_served": ("服务人数", "People served"),
    "field.national_model": ("全国示范型", "National model station"),
    "field.condition_index": ("状况指数", "Condition index"),
    "field.grave_capacity": ("墓位容量", "Grave capacity"),
    "field.cemetery": ("所在陵园", "Cemetery"),
    "field.position": ("墓位", "Grave position"),
    "field.section": ("区", "Section"),
    "field.row": ("排", "Row"),
    "field.number": ("号", "No."),
    "grave.unnamed": ("无名烈士", "Unnamed martyr"),
    "value.yes": ("是", "Yes"),
    # station levels
    "station_level.province": ("省级", "Province"),
    "station_level.city": ("市级", "City"),
    "station_level.county": ("县级", "County"),
    "station_level.township": ("乡镇(街道)", "Township (street)"),
    "station_level.village": ("村(社区)", "Village (community)"),
    # station status
    "station_status.active": ("运行", "Active"),
    "station_status.planned": ("筹建", "Planned"),
    "station_status.closed": ("撤销", "Closed"),
    # memorial kinds
    "memorial_kind.hall": ("纪念堂馆", "Memorial hall"),
    "memorial_kind.monument": ("纪念碑亭", "Monument or pavilion"),
    "memorial_kind.tower": ("纪念塔祠", "Memorial tower or shrine"),
    "memorial_kind.statue": ("纪念塑像", "Memorial statue"),
    "memorial_kind.square": ("纪念广场", "Memorial square"),
    "memorial_kind.name_wall": ("英名墙", "Wall of names"),
    # cemetery kinds
    "cemetery_kind.martyr_cemetery": ("烈士陵园", "Martyr cemetery"),
    "cemetery_kind.grave_area": ("烈士墓区", "Martyr grave area"),
    "cemetery_kind.columbarium": ("骨灰堂", "Columbarium"),
    "cemetery_kind.veterans_section": ("公墓军人区", "Veterans' section of a cemetery"),
    # protection levels
    "protection_level.national": ("全国重点", "National key site"),
    "protection_level.provincial": ("省级", "Provincial"),
    "protection_level.city": ("市级", "City"),
    "protection_level.county": ("县级", "County"),
    "protection_level.scattered": ("零散", "Scattered (unranked)"),
    # upkeep status
    "upkeep_status.good": ("良好", "Good"),
    "upkeep_status.fair": ("一般", "Fair"),
    "upkeep_status.poor": ("较差", "Poor"),
    "upkeep_status.damaged": ("损坏", "Damaged"),
    "upkeep_status.unknown": ("未评估", "Not assessed"),
    # grave kinds
    "grave_kind.in_cemetery": ("陵园内", "In a cemetery"),
    "grave_kind.scattered": ("散葬", "Scattered grave"),
    # administrative levels
    "area_level.province": ("省", "Province"),
    "area_level.city": ("市", "City"),
    "area_level.county": ("县(区)", "County"),
    "area_level.township": ("乡镇(街道)", "Township"),
    "area_level.village": ("村(社区)", "Village"),
    # coverage map page ({...} are filled in with str.format)
    "coverage.title": ("服务站覆盖率地图", "Service station coverage map"),
    "coverage.all_areas": ("全部地区", "All areas"),
    "coverage.layer.units": ("{level}覆盖率", "Coverage by {level}"),
    "coverage.layer.villages": ("村(社区)", "Villages"),
    "coverage.layer.uncovered": ("未覆盖村(社区)", "Uncovered villages"),
    "coverage.layer.stations": ("服务站", "Service stations"),
    "coverage.layer.reach_village": ("村级站服务范围({reach})", "Village station reach ({reach})"),
    "coverage.layer.reach_township": ("乡镇级站服务范围({reach})", "Township station reach ({reach})"),
    "coverage.layer.proposed": ("拟建站点", "Proposed sites"),
    "coverage.layer.service_area": ("道路{minutes}分钟服务区", "Service area by road ({minutes} min)"),
    "coverage.by.village": ("村级站", "a village station"),
    "coverage.by.township": ("乡镇级站", "a township station"),
    "coverage.by.any": ("任一级站", "any station"),
    "coverage.weight.population": ("人口覆盖率", "Share of population"),
    "coverage.weight.villages": ("村(社区)覆盖率", "Share of villages"),
    "coverage.legend": ("{weight}：{reach}内有{by}", "{weight} within {reach} of {by}"),
    "coverage.no_data": ("无数据", "No data"),
    "coverage.covered": ("已覆盖", "Covered"),
    "coverage.not_covered": ("未覆盖", "Not covered"),
    "coverage.nearest_village_station": ("最近村级站", "Nearest village station"),
    "coverage.nearest_township_station": ("最近乡镇级站", "Nearest township station"),
    "coverage.none_found": ("无", "none"),
    "coverage.reach": ("服务半径", "Reach"),
    "coverage.people_newly_covered": ("新增覆盖人口", "People newly covered"),
    "coverage.open_area": ("打开该区域覆盖率地图", "Open the coverage map of this area"),
    "coverage.thresholds": ("服务半径(米)", "Reach (metres)"),
    "coverage.village_m": ("村级站", "Village stations"),
    "coverage.township_m": ("乡镇级站", "Township stations"),
    "coverage.apply": ("更新", "Update"),
    "coverage.download": ("下载", "Download"),
    "coverage.rates_table": ("覆盖率统计", "Coverage rates"),
    "coverage.gaps_table": (
        "无本级服务站的单位(横向到边、纵向到底)",
        "Units without a station of their level",
    ),
    "coverage.gaps_none": ("每个单位都有本级服务站。", "Every unit has a station of its level."),
    "coverage.gaps_more": (
        "仅显示前{n}条，完整清单请下载。",
        "Showing the first {n}; download the full list.",
    ),
    "coverage.run": ("数据来自第{run}次覆盖计算({time})", "Figures from coverage run {run} ({time})"),
    "coverage.villages_left_out": (
        "本区域有{n}个村(社区)，未逐一画在地图上；请打开下级区域的地图。",
        "This area has {n} villages, too many to draw one by one; open the map of a smaller area.",
    ),
    "coverage.back_to_atlas": ("返回总图", "Back to the atlas map"),
    "coverage.error": ("无法显示覆盖率地图", "The coverage map cannot be shown"),
    "coverage.total": ("合计", "Total"),
    "coverage.about": ("说明", "About"),
    "coverage.run_id": ("覆盖计算批次", "Coverage run"),
    "coverage.computed_at": ("计算时间", "Computed at"),
    "coverage.sheet.rates": ("覆盖率", "Coverage rates"),
    "coverage.sheet.gaps": ("无站单位", "Units without a station"),
    # coverage table columns
    "col.code": ("区划代码", "Code"),
    "col.name": ("名称", "Name"),
    "col.level": ("级别", "Level"),
    "col.parent_code": ("上级区划代码", "Parent code"),
    "col.villages": ("村(社区)数", "Villages"),
    "col.villages_with_population": ("有人口数据的村(社区)数", "Villages with known population"),
    "col.population": ("人口", "Population"),
    "col.villages_covered": ("{reach}内有{by}的村(社区)数", "Villages within {reach} of {by}"),
    "col.village_share": ("{reach}内有{by}的村(社区)占比(%)", "Share of villages within {reach} of {by} (%)"),
    "col.population_covered": ("{reach}内有{by}的人口", "Population within {reach} of {by}"),
    "col.population_share": (
        "{reach}内有{by}的人口占比(%)",
        "Share of population within {reach} of {by} (%)",
    ),
    "col.townships": ("乡镇(街道)数", "Townships"),
    "col.townships_covered": (
        "{reach}内有乡镇级站的乡镇数",
        "Townships within {reach} of a township station",
    ),
    "col.township_share": (
        "{reach}内有乡镇级站的乡镇占比(%)",
        "Share of townships within {reach} of a township station (%)",
    ),
    # sign-in page (issue 5)
    "login.title": ("登录", "Sign in"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": ("用户名或密码错误。", "Wrong username or password."),
    "login.locked": (
        "登录失败次数过多，请{minutes}分钟后再试。",
        "Too many failed sign-ins: try again in {minutes} minutes.",
    ),
    "login.csrf": (
        "表单已过期，请重新登录。",
        "The form has expired: please sign in again.",
    ),
    "login.signed_in_as": ("当前用户：{username}", "Signed in as {username}"),
    "login.role": ("角色", "Role"),
    "login.area": ("负责区域", "Area"),
    "login.whole_atlas": ("全国", "The whole atlas"),
    "login.logout": ("退出登录", "Sign out"),
    "login.back_to_atlas": ("返回地图", "Back to the map"),
    "role.public": ("公众", "Public"),
    "role.crew": ("维护人员", "Maintenance crew"),
    "role.planner": ("规划人员", "Planner"),
    "role.admin": ("管理员", "Administrator"),
}


def check_lang(lang: str) -> str:
    """Return `lang` if the catalogue has it, else raise ValueError."""
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGS)}")
    return lang


def html_lang(lang: str) -> str:
    """Return the BCP 47 tag for the <html lang> attribute of a page in `lang`."""
    return {"zh": "zh-CN", "en": "en"}[check_lang(lang)]


def t(key: str, lang: str = DEFAULT_LANG, default: str | None = None) -> str:
    """Return the label for `key` in `lang`, else `default`, else the key itself."""
    index = LANGS.index(check_lang(lang))
    entry = _CATALOGUE.get(key)
    if entry is None:
        return key if default is None else default
    return entry[index]


def enum_label(group: str, value: object, lang: str = DEFAULT_LANG) -> str:
    """Return the label of enumerated `value` in `group` (e.g. "upkeep_status"), else the value as text."""
    text = str(value)
    return t(f"{group}.{text}", lang, default=text)


def keys() -> frozenset[str]:
    """Return every key the catalogue knows."""
    return frozenset(_CATALOGUE)
