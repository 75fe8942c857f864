"""Values as county registers write them (geo/importing/values.py): stars, yes/no, levels, protection levels,
dates, coordinates in DMS, the Chinese words of the other choices; what is refused says what would be accepted, in
Chinese by default; parsing 100,000 rows' cells stays cheap."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from geo.importing.reasons import value_reason
from geo.importing.values import (
    Memo,
    NotUnderstood,
    choice,
    coordinate,
    date_value,
    integer,
    protection_level,
    stars,
    station_level,
    yes_no,
)
from web.importing.reports import reason_text


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (4, 4),
        ("4", 4),
        ("4.0", 4),
        ("4星", 4),
        ("4 星级", 4),
        ("四星", 4),
        ("四星级", 4),
        ("五星级站", 5),
        ("★★★★", 4),
        ("★★★☆☆", 3),
        ("未评定", None),
        ("", None),
        ("—", None),
        (None, None),
    ],
)
def test_star_ratings_as_registers_write_them(cell, expected):
    assert stars(cell) == expected


@pytest.mark.parametrize("cell", ["很好", "四颗半", "4.5", True, "☆☆"])
def test_a_star_rating_not_understood_is_refused_with_its_kind(cell):
    with pytest.raises(NotUnderstood) as caught:
        stars(cell)
    assert caught.value.kind == "stars" and caught.value.value == cell


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("是", True),
        ("否", False),
        ("有", True),
        ("无", False),
        ("√", True),
        ("×", False),
        ("✓", True),
        ("✗", False),
        ("Y", True),
        ("n", False),
        ("yes", True),
        (1, True),
        (0.0, False),
        (" ", None),
    ],
)
def test_yes_and_no(cell, expected):
    assert yes_no(cell) is expected


def test_yes_no_refuses_a_maybe():
    with pytest.raises(NotUnderstood):
        yes_no("部分")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("县级", "county"),
        ("县(市、区)级", "county"),
        ("县（市、区）级", "county"),
        ("县区级", "county"),
        ("乡镇(街道)级", "township"),
        ("乡镇（街道）", "township"),
        ("街道", "township"),
        ("村(社区)级", "village"),
        ("社区", "village"),
        ("省级", "province"),
        ("省(区、市)级", "province"),
        ("市级", "city"),
        ("市(州)级", "city"),
        ("县级服务中心", "county"),
        ("村级服务站", "village"),
        ("village", "village"),
    ],
)
def test_station_levels_as_registers_write_them(cell, expected):
    assert station_level(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("全国重点烈士纪念设施保护单位", "national"),
        ("国家级", "national"),
        ("省级烈士纪念设施保护单位", "provincial"),
        ("自治区级烈士纪念设施保护单位", "provincial"),
        ("省级文物保护单位", "provincial"),
        ("市级烈士纪念设施保护单位", "city"),
        ("县级烈士纪念设施保护单位", "county"),
        ("县（市、区）级烈士纪念设施保护单位", "county"),
        ("零散", "scattered"),
        ("未定级", "scattered"),
        ("scattered", "scattered"),
    ],
)
def test_protection_levels(cell, expected):
    assert protection_level(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2019-05-01", dt.date(2019, 5, 1)),
        ("2019-5-1", dt.date(2019, 5, 1)),
        ("2019/5/1", dt.date(2019, 5, 1)),
        ("2019.5.1", dt.date(2019, 5, 1)),
        ("2019年5月1日", dt.date(2019, 5, 1)),
        ("2019年5月1号", dt.date(2019, 5, 1)),
        ("2019年5月", dt.date(2019, 5, 1)),
        ("2019.05", dt.date(2019, 5, 1)),
        ("2019-05", dt.date(2019, 5, 1)),
        ("2019年", dt.date(2019, 1, 1)),
        ("2019", dt.date(2019, 1, 1)),
        ("20190501", dt.date(2019, 5, 1)),
        ("二〇一九年五月", dt.date(2019, 5, 1)),
        ("二〇一九年十二月三十一日", dt.date(2019, 12, 31)),
        ("2019-05-01T00:00:00", dt.date(2019, 5, 1)),
        (43586, dt.date(2019, 5, 1)),  # an Excel day number
        (2019, dt.date(2019, 1, 1)),
        (2019.05, dt.date(2019, 5, 1)),  # a number cell
        (2019.12, dt.date(2019, 12, 1)),
        ("", None),
    ],
)
def test_dates_as_registers_write_them(cell, expected):
    assert date_value(cell) == expected


@pytest.mark.parametrize("cell", ["2019年13月", "2019-02-30", "去年", "19.5.1", 2019.1, "二〇一九年十三月"])
def test_impossible_or_unreadable_dates_are_refused(cell):
    with pytest.raises(NotUnderstood) as caught:
        date_value(cell)
    assert caught.value.kind == "date"


@pytest.mark.parametrize(
    ("cell", "degrees", "axis"),
    [
        (110.81, 110.81, None),
        ("110.81", 110.81, None),
        ("110°48′36″", 110.81, None),
        ("110°48'36\"", 110.81, None),
        ("110°48′36″E", 110.81, "lon"),
        ("东经110度48分36秒", 110.81, "lon"),
        ("东经 110°48′36″", 110.81, "lon"),
        ("北纬 26°2′24″", 26.04, "lat"),
        ("北纬26.04", 26.04, "lat"),
        ("N26.04", 26.04, "lat"),
        ("E110.81", 110.81, "lon"),
        ("110.81E", 110.81, "lon"),
        ("东经110.81°", 110.81, "lon"),
        ("110°48.6′", 110.81, None),
        ("110 48 36", 110.81, None),
        ("１１０.８１", 110.81, None),  # full-width digits
        ("110,81", 110.81, None),  # a decimal comma
    ],
)
def test_coordinates_in_decimals_and_degrees_minutes_seconds(cell, degrees, axis):
    got, got_axis = coordinate(cell)
    assert got == pytest.approx(degrees, abs=1e-9) and got_axis == axis


@pytest.mark.parametrize("cell", ["东经", "110°61′", "110°48′75″", "一百一十度", "abc"])
def test_coordinates_not_understood(cell):
    with pytest.raises(NotUnderstood):
        coordinate(cell)


def test_whole_numbers_with_separators_and_units():
    assert integer("1,200") == 1200 and integer("1200人") == 1200 and integer(35.0) == 35
    with pytest.raises(NotUnderstood):
        integer("一千二")


def test_chinese_words_of_the_other_choices():
    assert choice("memorial_kind")("纪念碑") == "monument"
    assert choice("memorial_kind")("英名墙") == "name_wall"
    assert choice("cemetery_kind")("烈士陵园") == "martyr_cemetery"
    assert choice("grave_kind")("散葬") == "scattered"
    assert choice("upkeep_status")("良好") == "good"
    assert choice("station_status")("在建") == "planned"
    assert choice("gender")("女") == "female"
    with pytest.raises(NotUnderstood) as caught:
        choice("memorial_kind")("牌坊")
    assert caught.value.params == {"vocabulary": "memorial_kind"}


@pytest.mark.parametrize(
    ("kind", "value", "zh", "en"),
    [
        (
            "stars",
            "六星",
            "“星级”列的“六星”不是星级：应为 1–5 星，如 4、4星、四星、四星级、★★★★",
            "1–5 stars",
        ),
        ("yes_no", "部分", "“星级”列的“部分”不是“是/否”：应为 是、否、有、无、√、×、Y、N 之一", "yes or no"),
        ("date", "去年", "“星级”列的“去年”不是日期：应为日期，如 2019-05-01", "2019年5月"),
        ("coordinate", "东经", "“星级”列的“东经”不是坐标：应为十进制度数", "110°48′36″"),
    ],
)
def test_a_refusal_names_column_value_and_what_is_accepted_in_the_operators_language(kind, value, zh, en):
    found = value_reason(kind, "星级", "star_rating", value)
    assert reason_text(found, "zh").startswith(zh)
    english = reason_text(found, "en")
    assert english.startswith(f"column “星级”: “{value}” is not") and en in english
    assert found.key == f"value.{kind}" and found.field == "star_rating"


def test_a_choice_refusal_lists_the_chinese_words():
    found = value_reason("choice", "类型", "kind", "牌坊", vocabulary="memorial_kind")
    assert reason_text(found, "zh") == (
        "“类型”列的“牌坊”不是纪念设施类型：应为 纪念堂馆、纪念碑亭、纪念塔祠、纪念塑像、纪念广场、英名墙 之一"
    )


def test_a_memo_parses_each_distinct_value_once_and_remembers_refusals():
    calls = []

    def parse(value):
        calls.append(value)
        return stars(value)

    memo = Memo(parse)
    assert [memo(v) for v in ["四星级", "四星级", 4, "四星级"]] == [4, 4, 4, 4]
    assert calls == ["四星级", 4]
    for _ in range(2):
        with pytest.raises(NotUnderstood):
            memo("很好")
    assert calls == ["四星级", 4, "很好"]


def test_parsing_the_cells_of_100k_rows_is_cheap():
    """A register's columns repeat their values: through a Memo, 100,000 rows × 6 value columns are read in well
    under a second; the coordinates in DMS, each distinct, are the costly part (about 2 s)."""
    n = 100_000
    columns = {
        stars: ["四星级", "4星", "★★★", "五星", ""],
        yes_no: ["是", "否", "√", "×", "有"],
        station_level: ["村(社区)级", "乡镇(街道)级", "县（市、区）级"],
        date_value: ["2019年5月", "2019.05", "2020-1-1", "2018年"],
        protection_level: ["县级烈士纪念设施保护单位", "零散"],
        choice("upkeep_status"): ["良好", "一般", "较差"],
    }
    started = time.perf_counter()
    for parser, words in columns.items():
        memo = Memo(parser)
        cells = [words[i % len(words)] for i in range(n)]
        parsed = [memo(c) for c in cells]
        assert len(parsed) == n
    values_s = time.perf_counter() - started
    started = time.perf_counter()
    for i in range(n):
        coordinate(f"东经110°{i % 60}′{(i // 60) % 60}.{i % 10}″")
    dms_s = time.perf_counter() - started
    print(f"values: {values_s:.2f} s for {n} rows × {len(columns)} columns; DMS: {dms_s:.2f} s for {n} cells")
    assert values_s < 3.0 and dms_s < 6.0  # generous: the machine is shared; typical 0.6 s and 1.8 s
