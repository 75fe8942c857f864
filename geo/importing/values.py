"""Values as county registers write them, read into the stored ones: pure functions, no database (issue 23).

Each parser takes a cell as the reader gave it (text, number, None) and returns the stored value, None for a
blank cell, or raises ``NotUnderstood`` whose ``kind`` names what would have been accepted (the catalogue's
``imports.reason.value.<kind>``, web/messages/import_values.py, says it in the operator's language).

- star ratings: 4, "4", "4星", "四星", "四星级", "★★★★" (hollow stars ☆ do not count), "4.0";
- yes/no: 是/否, 有/无, √/×, ✓/✗, Y/N, yes/no, true/false, 1/0;
- station levels: 省级, 市级, 县级, 乡镇级, 村级 and the bracketed forms registers use, 县(市、区)级,
  县（市、区）级, 乡镇(街道)级, 村(社区)级, 省(区、市)级, 市(州)级; also 县区级, 街道, 社区;
- protection levels of memorials and cemeteries, by the level they name: 全国重点烈士纪念设施保护单位 and
  国家级 → national, 省级烈士纪念设施保护单位 → provincial, 市级… → city, 县级… → county, 零散/未定级/无 →
  scattered. A cultural-relic listing (省级文物保护单位) is read as its level too: a register that writes it
  means the site is protected at that level, and the level is what the map shows;
- dates: 2019-05-01, 2019/5/1, 2019.5.1, 2019年5月1日, 20190501, and with less precision 2019年5月, 2019.05,
  2019-05, 2019年, 2019 (the first day of the month or year is stored), Chinese numerals 二〇一九年五月十日,
  and cells typed as numbers: Excel's day numbers (43586 is 2019-05-01), 2019.05 (May 2019; 2019.1 is refused:
  January, or October with its zero dropped?);
- coordinates: decimal degrees with or without 东经/北纬/E/N (110.81, E110.81, 110.81E, 东经110.81°) and
  degrees-minutes-seconds or degrees-minutes (110°48′36″, 110°48'36", 110°48.6′, 东经110度48分36秒,
  北纬 26°2′24″); ``coordinate`` tells the axis a 东经/北纬/E/N label names;
- whole numbers with thousands separators or a unit (1,200, 1200人, 35座);
- the other choices in Chinese (memorial, cemetery and grave kinds, upkeep, station status, what was done with a
  scattered grave, who cares for it, gender).

``column_parser`` picks the parser of a field; a ``Memo`` parses each distinct value of a column once (a register
of 100,000 rows repeats its levels, stars and yes/no cells: the parsing cost is that of its distinct values).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

Parser = Callable[[Any], Any]
"""A cell → the stored value (None when blank); raises NotUnderstood."""


class NotUnderstood(ValueError):
    """A cell a parser cannot read: ``kind`` names what would be accepted (``imports.reason.value.<kind>``)."""

    def __init__(self, kind: str, value: Any, **params: Any) -> None:
        """``value`` as the file wrote it, not understood as a ``kind``; ``params`` fill in the reason."""
        super().__init__(f"{value!r} is not a {kind}")
        self.kind = kind
        self.value = value
        self.params = params


_BLANKS = frozenset({"", "-", "—", "——", "--", "/", "／", "无数据", "n/a", "na", "null", "none", "nan"})
_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９．，：－／（）　％＋",
    "0123456789.,:-/() %+",
)


_WIDE = re.compile("[\uff01-\uff5e\u3000]")


def text_of(value: Any) -> str | None:
    """A cell as stripped text with full-width digits and punctuation made ASCII; None when blank."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value)
    if not text.isascii() and _WIDE.search(text):
        text = text.translate(_FULLWIDTH)
    text = text.strip()
    return None if text.lower() in _BLANKS else text


def is_blank(value: Any) -> bool:
    """Whether a cell says nothing (empty, a dash, "null" and the like)."""
    return text_of(value) is None


# -- yes / no -----------------------------------------------------------------------------------------------

_YES = frozenset(
    {"是", "有", "√", "✓", "✔", "☑", "对", "y", "yes", "true", "t", "1", "已", "已挂牌", "已设立"}
)
_NO = frozenset({"否", "无", "没有", "×", "✗", "✘", "x", "☐", "n", "no", "false", "f", "0", "未", "未挂牌"})


def yes_no(value: Any) -> bool | None:
    """是/否, 有/无, √/×, Y/N, yes/no, 1/0 as a bool; None when blank."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = text_of(value)
    if text is None:
        return None
    key = text.lower()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise NotUnderstood("yes_no", value)


# -- numbers ------------------------------------------------------------------------------------------------

_UNIT = re.compile(r"^([+-]?\d[\d,]*(?:\.\d+)?)\s*(人|个|座|穴|名|户|处|位|名烈士|平方米|㎡|m2|米)?$")


def chinese_number(text: str) -> int | None:
    """一 … 九十九 (十, 十一, 二十, 三十一) and digit by digit (二〇一九) as an int; None when it is not one."""
    if not text or any(c not in _DIGITS and c != "十" for c in text):
        return None
    if "十" not in text:
        return int("".join(str(_DIGITS[c]) for c in text))
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


def integer(value: Any) -> int | None:
    """A whole number: 1200, "1,200", "1200人", 1200.0; None when blank."""
    if isinstance(value, bool):
        raise NotUnderstood("integer", value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = text_of(value)
    if text is None:
        return None
    m = _UNIT.match(text)
    if m:
        number = float(m[1].replace(",", ""))
        if number.is_integer():
            return int(number)
    raise NotUnderstood("integer", value)


def number(value: Any) -> float | None:
    """A number: 12.5, "12.5", "1,200.5", "35平方米"; None when blank."""
    if isinstance(value, bool):
        raise NotUnderstood("number", value)
    if isinstance(value, int | float):
        if math.isfinite(value):
            return float(value)
        raise NotUnderstood("number", value)
    text = text_of(value)
    if text is None:
        return None
    m = _UNIT.match(text)
    if m:
        return float(m[1].replace(",", ""))
    raise NotUnderstood("number", value)


# -- star ratings -------------------------------------------------------------------------------------------

_STARS = re.compile(r"^(\d|[一二三四五])\s*(?:星级?|颗星|星级站)?$")
_UNRATED = frozenset({"未评", "未评定", "未评星", "无星", "无星级", "未定级"})


def stars(value: Any) -> int | None:
    """A star rating 1–5 as registers write it: 4, "4", "4星", "四星", "四星级", "★★★★" (☆ are empty stars),
    "4.0"; None when blank or unrated (未评定). A number out of 1–5 is returned for the field's check to refuse."""
    if isinstance(value, bool):
        raise NotUnderstood("stars", value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = text_of(value)
    if text is None or text in _UNRATED:
        return None
    filled = text.replace("☆", "").replace(" ", "")
    if filled and set(filled) <= {"★", "⭐"}:
        return len(filled)
    text = text.replace(" ", "")
    if text.endswith(".0"):
        text = text[:-2]
    m = _STARS.match(text)
    if m:
        return int(m[1]) if m[1].isdigit() else _DIGITS[m[1]]
    raise NotUnderstood("stars", value)


# -- levels -------------------------------------------------------------------------------------------------

_BRACKETS = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")
_STATION_LEVELS = {
    "省": "province",
    "省级": "province",
    "自治区级": "province",
    "市": "city",
    "市级": "city",
    "地市级": "city",
    "州级": "city",
    "地级": "city",
    "县": "county",
    "县级": "county",
    "区": "county",
    "区级": "county",
    "县区级": "county",
    "县市区级": "county",
    "乡": "township",
    "镇": "township",
    "乡镇": "township",
    "乡镇级": "township",
    "街道": "township",
    "街道级": "township",
    "乡镇街道级": "township",
    "乡级": "township",
    "镇级": "township",
    "村": "village",
    "村级": "village",
    "社区": "village",
    "社区级": "village",
    "村社区级": "village",
    "村居级": "village",
}
_LEVEL_WORDS = ("province", "city", "county", "township", "village")
_SERVICE_SUFFIX = re.compile(r"(退役军人)?(服务中心|服务站|服务保障中心|服务保障站)$")


def station_level(value: Any) -> str | None:
    """A station's level: 省级 … 村级, 县(市、区)级, 乡镇(街道)级, 村(社区)级, 县级服务中心, or the stored word
    (village); None when blank."""
    text = text_of(value)
    if text is None:
        return None
    if text.lower() in _LEVEL_WORDS:
        return text.lower()
    key = _BRACKETS.sub("", text).replace("、", "").replace(" ", "")
    key = _SERVICE_SUFFIX.sub("", key) or key
    found = _STATION_LEVELS.get(key)
    if found is None:
        raise NotUnderstood("station_level", value)
    return found


_PROTECTION_WORDS = ("national", "provincial", "city", "county", "scattered")
_SCATTERED = re.compile(r"^(零散|散葬|未定级|未定|未核定|未公布|无|暂无|无级别|一般|其他)")
_PROTECTION = (
    (re.compile(r"^(全国重点|全国|国家级|国家)"), "national"),
    (re.compile(r"^(省级|省|自治区级|自治区|直辖市级)"), "provincial"),
    (re.compile(r"^(设区的市级|地市级|市级|市|州级|州|地级)"), "city"),
    (re.compile(r"^(县级|县|区级|县区级|县市区级|旗级)"), "county"),
)


def protection_level(value: Any) -> str | None:
    """A memorial's or cemetery's protection level by the level it names: 全国重点烈士纪念设施保护单位 national,
    省级… provincial, 市级… city, 县级… county, 零散 / 未定级 scattered; None when blank."""
    text = text_of(value)
    if text is None:
        return None
    if text.lower() in _PROTECTION_WORDS:
        return text.lower()
    key = _BRACKETS.sub("", text).replace(" ", "").replace("、", "")
    if _SCATTERED.match(key):
        return "scattered"
    for pattern, level in _PROTECTION:
        if pattern.match(key):
            return level
    raise NotUnderstood("protection_level", value)


# -- choices ------------------------------------------------------------------------------------------------

CHOICES: dict[str, dict[str, str]] = {
    "memorial_kind": {
        "纪念堂馆": "hall",
        "纪念堂": "hall",
        "纪念馆": "hall",
        "陈列馆": "hall",
        "纪念碑亭": "monument",
        "纪念碑": "monument",
        "纪念亭": "monument",
        "烈士纪念碑": "monument",
        "纪念塔祠": "tower",
        "纪念塔": "tower",
        "纪念祠": "tower",
        "烈士祠": "tower",
        "纪念塑像": "statue",
        "塑像": "statue",
        "雕像": "statue",
        "雕塑": "statue",
        "纪念广场": "square",
        "广场": "square",
        "英名墙": "name_wall",
        "英名录墙": "name_wall",
        "英名碑": "name_wall",
    },
    "cemetery_kind": {
        "烈士陵园": "martyr_cemetery",
        "陵园": "martyr_cemetery",
        "烈士墓区": "grave_area",
        "墓区": "grave_area",
        "烈士墓地": "grave_area",
        "骨灰堂": "columbarium",
        "烈士骨灰堂": "columbarium",
        "骨灰楼": "columbarium",
        "军人墓区": "veterans_section",
        "退役军人墓区": "veterans_section",
        "军人公墓": "veterans_section",
    },
    "grave_kind": {
        "陵园内": "in_cemetery",
        "园内": "in_cemetery",
        "集中安葬": "in_cemetery",
        "集中": "in_cemetery",
        "陵园安葬": "in_cemetery",
        "零散": "scattered",
        "散葬": "scattered",
        "散葬烈士墓": "scattered",
        "零散烈士墓": "scattered",
        "零散安葬": "scattered",
    },
    "upkeep_status": {
        "良好": "good",
        "好": "good",
        "完好": "good",
        "一般": "fair",
        "较好": "fair",
        "尚可": "fair",
        "较差": "poor",
        "差": "poor",
        "破旧": "poor",
        "损毁": "damaged",
        "损坏": "damaged",
        "破损": "damaged",
        "严重损毁": "damaged",
        "不详": "unknown",
        "未知": "unknown",
        "待查": "unknown",
    },
    "station_status": {
        "运行": "active",
        "运行中": "active",
        "正常": "active",
        "正常运行": "active",
        "在用": "active",
        "已建成": "active",
        "已建": "active",
        "规划": "planned",
        "规划中": "planned",
        "在建": "planned",
        "筹建": "planned",
        "拟建": "planned",
        "关闭": "closed",
        "撤销": "closed",
        "已撤销": "closed",
        "停用": "closed",
    },
    "disposition": {
        "原址": "in_place",
        "原址保护": "in_place",
        "原地": "in_place",
        "就地保护": "in_place",
        "原地修缮": "in_place",
        "迁移": "moved",
        "已迁移": "moved",
        "迁入陵园": "moved",
        "已迁入陵园": "moved",
        "协议管护": "care_agreement",
        "委托管护": "care_agreement",
        "签订管护协议": "care_agreement",
    },
    "care_party": {
        "村委会": "village_committee",
        "村委": "village_committee",
        "村民委员会": "village_committee",
        "居委会": "village_committee",
        "亲属": "relatives",
        "家属": "relatives",
        "烈士亲属": "relatives",
    },
    "gender": {"男": "male", "女": "female", "m": "male", "f": "female", "male": "male", "female": "female"},
}
"""Chinese (and stored) words of the other choices, by vocabulary; the stored words are accepted as they are."""

_STORED = {
    "memorial_kind": ("hall", "monument", "tower", "statue", "square", "name_wall"),
    "cemetery_kind": ("martyr_cemetery", "grave_area", "columbarium", "veterans_section"),
    "grave_kind": ("in_cemetery", "scattered"),
    "upkeep_status": ("good", "fair", "poor", "damaged", "unknown"),
    "station_status": ("active", "planned", "closed"),
    "disposition": ("in_place", "moved", "care_agreement"),
    "care_party": ("village_committee", "relatives"),
    "gender": ("male", "female", "unknown"),
}


def choice(vocabulary: str) -> Parser:
    """The parser of one vocabulary of ``CHOICES``: its Chinese words or the stored word; None when blank."""
    words = CHOICES[vocabulary]
    stored = _STORED[vocabulary]

    def parse(value: Any) -> str | None:
        text = text_of(value)
        if text is None:
            return None
        if text.lower() in stored:
            return text.lower()
        found = words.get(text.replace(" ", "")) or words.get(_BRACKETS.sub("", text).replace(" ", ""))
        if found is None:
            raise NotUnderstood("choice", value, vocabulary=vocabulary)
        return found

    parse.__name__ = f"choice_{vocabulary}"
    return parse


# -- dates --------------------------------------------------------------------------------------------------

_YMD = re.compile(
    r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*[日号]?(?:[ T]\d{1,2}:\d{2}(:\d{2})?)?$"
)
_YM = re.compile(r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*月?(?:份)?$")
_Y = re.compile(r"^(\d{4})\s*年?(?:度)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_CN_DATE = re.compile(
    r"^([〇零○Ｏ一二三四五六七八九]{4})年(?:([一二三四五六七八九十]{1,3})月(?:([一二三四五六七八九十]{1,3})[日号])?)?$"
)
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_DAYS = (1, 73051)  # 1900-01-01 … 2099-12-31


def _date(y: int, m: int, d: int, value: Any) -> dt.date:
    try:
        found = dt.date(y, m, d)
    except ValueError:
        raise NotUnderstood("date", value) from None
    if not 1800 <= found.year <= 2100:
        raise NotUnderstood("date", value)
    return found


def _decimal_month(value: float) -> dt.date:
    """2019.05 typed in a number cell: year and month. 2019.1 is refused (January, or October shown short?)."""
    hundredths = round(value * 100)
    if abs(value * 100 - hundredths) > 1e-6 or hundredths % 10 == 0:
        raise NotUnderstood("date", value)
    return _date(hundredths // 100, hundredths % 100, 1, value)


def date_value(value: Any) -> dt.date | None:
    """A date as registers write it (see the module doc); a month or a year alone is its first day."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise NotUnderstood("date", value)
    if isinstance(value, float) and not value.is_integer():
        return _decimal_month(value)
    if isinstance(value, int | float):
        n = int(value)
        if 1800 <= n <= 2100:
            return _date(n, 1, 1, value)
        if 10_000 <= n <= _EXCEL_DAYS[1]:  # Excel's day number of a cell typed as a number
            return _EXCEL_EPOCH + dt.timedelta(days=n)
        if 18_000_101 <= n <= 21_001_231:
            return _date(n // 10_000, n // 100 % 100, n % 100, value)
        raise NotUnderstood("date", value)
    text = text_of(value)
    if text is None:
        return None
    if m := _YMD.match(text):
        return _date(int(m[1]), int(m[2]), int(m[3]), value)
    if m := _YM.match(text):
        return _date(int(m[1]), int(m[2]), 1, value)
    if m := _Y.match(text):
        return _date(int(m[1]), 1, 1, value)
    if m := _COMPACT.match(text):
        return _date(int(m[1]), int(m[2]), int(m[3]), value)
    if m := _CN_DATE.match(text):
        year = chinese_number(m[1])
        month = chinese_number(m[2]) if m[2] else 1
        day = chinese_number(m[3]) if m[3] else 1
        if year is not None and month is not None and day is not None:
            return _date(year, month, day, value)
    raise NotUnderstood("date", value)


# -- coordinates --------------------------------------------------------------------------------------------

_AXIS_WORDS = (("东经", "lon"), ("西经", "lon-"), ("北纬", "lat"), ("南纬", "lat-"))
_AXIS_LETTERS = {"E": "lon", "W": "lon-", "N": "lat", "S": "lat-"}
_DEG = r"[°º˚度]"
_MIN = r"['′’‘分]"
_SEC = r"(?:\"|″|”|“|''|′′|’’|秒)"
_DMS = re.compile(
    rf"^(\d+(?:\.\d+)?)\s*{_DEG}\s*(?:(\d+(?:\.\d+)?)\s*{_MIN}\s*(?:(\d+(?:\.\d+)?)\s*{_SEC}?)?)?$"
)
_SPACED = re.compile(r"^(\d+)\s+(\d+(?:\.\d+)?)(?:\s+(\d+(?:\.\d+)?))?$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def coordinate(value: Any) -> tuple[float, str | None] | None:
    """A coordinate in degrees and the axis its label names ("lon", "lat", or None without 东经/北纬/E/N):
    110.81, "东经110.81", "110.81E", "110°48′36″", "110°48'36\\"", "东经110度48分36秒", "北纬 26°2.4′",
    "110 48 36"; None when blank. A west or south label makes the degrees negative. A comma as the decimal
    mark (110,81) is read as a point. Minutes or seconds of 60 or more are refused."""
    if isinstance(value, bool):
        raise NotUnderstood("coordinate", value)
    if isinstance(value, int | float):
        if math.isfinite(value):
            return float(value), None
        raise NotUnderstood("coordinate", value)
    if isinstance(value, str) and value.isascii():
        try:  # the common case, decimal degrees as text: no expression to match
            found = float(value)
        except ValueError:
            pass
        else:
            if math.isfinite(found):
                return found, None
    text = text_of(value)
    if text is None:
        return None
    axis = None
    for word, name in _AXIS_WORDS:
        if text.startswith(word) or text.endswith(word):
            axis = name
            text = text.removeprefix(word).removesuffix(word).strip(" :：")
            break
    else:
        head, tail = text[:1].upper(), text[-1:].upper()
        if head in _AXIS_LETTERS and len(text) > 1 and not text[1:2].isalpha():
            axis, text = _AXIS_LETTERS[head], text[1:].strip(" :：")
        elif tail in _AXIS_LETTERS and len(text) > 1 and not text[-2:-1].isalpha():
            axis, text = _AXIS_LETTERS[tail], text[:-1].strip()
    sign = -1.0 if axis and axis.endswith("-") else 1.0
    axis = axis.rstrip("-") if axis else None
    if text.startswith("-") and axis is None:
        sign, text = -1.0, text[1:].strip()
    flat = text.replace("，", ".").replace(",", ".")
    if _DECIMAL.match(flat):
        return sign * float(flat), axis
    if flat.endswith(("°", "º", "˚", "度")) and _DECIMAL.match(flat[:-1].strip()):
        return sign * float(flat[:-1].strip()), axis
    m = _DMS.match(text.replace(" ", "")) or _SPACED.match(text)
    if m:
        degrees, minutes, seconds = float(m[1]), float(m[2] or 0), float(m[3] or 0)
        if minutes >= 60 or seconds >= 60:
            raise NotUnderstood("coordinate", value)
        return sign * (degrees + minutes / 60 + seconds / 3600), axis
    raise NotUnderstood("coordinate", value)


# -- which parser for which field ---------------------------------------------------------------------------

FIELD_PARSERS: dict[str, Parser] = {
    "star_rating": stars,
    "protection_level": protection_level,
    "upkeep_status": choice("upkeep_status"),
    "disposition": choice("disposition"),
    "care_party": choice("care_party"),
    "gender": choice("gender"),
}
"""Fields read by their own parser whatever the collection (``level``, ``kind`` and ``status`` depend on it)."""

_KIND_PARSERS: dict[str, Parser] = {
    "memorials": choice("memorial_kind"),
    "cemeteries": choice("cemetery_kind"),
    "graves": choice("grave_kind"),
}


def field_parser(collection: str, field: str, kinds: set[type]) -> Parser | None:
    """The parser of a field of ``collection`` whose annotation allows ``kinds``; None for plain text (and for
    the fields the checks convert themselves)."""
    if field == "level" and collection == "stations":
        return station_level
    if field == "status" and collection == "stations":
        return choice("station_status")
    if field == "kind" and collection in _KIND_PARSERS:
        return _KIND_PARSERS[collection]
    if field in FIELD_PARSERS:
        return FIELD_PARSERS[field]
    if bool in kinds:
        return yes_no
    if dt.date in kinds:
        return date_value
    if int in kinds and str not in kinds:
        return integer
    if float in kinds and str not in kinds:
        return number
    return None


class Memo:
    """A parser that reads each distinct cell value once (a column's values repeat), remembering refusals too."""

    def __init__(self, parser: Parser) -> None:
        """Remember what ``parser`` makes of each value."""
        self.parser = parser
        self.seen: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        """The parsed value (or the NotUnderstood raised again)."""
        try:
            found = self.seen[(type(value), value)]
        except KeyError:
            try:
                found = self.parser(value)
            except NotUnderstood as exc:
                found = exc
            self.seen[(type(value), value)] = found
        except TypeError:  # an unhashable cell (a geometry, a list): parsed every time
            return self.parser(value)
        if isinstance(found, NotUnderstood):
            raise found
        return found
