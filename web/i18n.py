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
