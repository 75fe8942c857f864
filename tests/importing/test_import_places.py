"""Places by name (geo/importing/places.py): township and village columns, or one 所在地 text, resolved inside the
import's county, tolerant of the usual suffixes; an unknown or ambiguous name is refused naming the candidates."""

from __future__ import annotations

import pytest

from geo.importing.places import Gazetteer, Place, PlaceNames, PlaceRefused, load_gazetteer, stem

COUNTY = "450329"  # 资源县 of the demo atlas


def _gazetteer(within: str | None = "450329") -> Gazetteer:
    places = [
        Place("450000", "广西壮族自治区", "province", None),
        Place("450300", "桂林市", "city", "450000"),
        Place("450329", "资源县", "county", "450300"),
        Place("450325", "兴安县", "county", "450300"),
        Place("450329101", "中峰镇", "township", "450329"),
        Place("450329102", "梅溪乡", "township", "450329"),
        Place("450329001", "资源街道", "township", "450329"),
        Place("450329101201", "大源村", "village", "450329101"),
        Place("450329101202", "八坊村", "village", "450329101"),
        Place("450329102201", "大源村", "village", "450329102"),  # a second 大源村, in 梅溪乡
        Place("450329102202", "随滩村", "village", "450329102"),
        Place("450329001001", "城北社区", "village", "450329001"),
        Place("450325101", "兴安镇", "township", "450325"),
    ]
    found = next((p for p in places if p.code == within), None)
    mine = [p for p in places if p.level in ("province", "city", "county") or p.code.startswith(within or "")]
    return Gazetteer(mine, found)


def _names(township=None, village=None, text=None) -> PlaceNames:
    columns = tuple(
        (n, h)
        for n, h, v in (
            ("township", "乡镇", township),
            ("village", "村（社区）", village),
            ("place", "所在地", text),
        )
        if v
    )
    return PlaceNames(township, village, text, columns)


def test_stems_drop_the_suffix_of_their_level():
    assert stem("中峰镇", "township") == "中峰"
    assert stem("资源街道办事处", "township") == "资源"
    assert stem("大源村委会", "village") == "大源"
    assert stem("城北居委会", "village") == "城北"
    assert stem("城北社区", "village") == "城北"
    assert stem("资源县", "county") == "资源"
    assert stem("广西壮族自治区", "province") == "广西"
    assert stem("坪村", "village") == "坪村"  # one character left: the name stays whole


@pytest.mark.parametrize(
    ("names", "code"),
    [
        (_names("中峰镇", "大源村"), "450329101201"),
        (_names("中峰", "大源"), "450329101201"),
        (_names("中峰镇", "大源村委会"), "450329101201"),
        (_names("梅溪乡", "大源村民委员会"), "450329102201"),
        (_names("中峰镇"), "450329101"),
        (_names(village="八坊村"), "450329101202"),
        (_names(village="城北居委会"), "450329001001"),
        (_names("资源街道办事处", "城北社区"), "450329001001"),
        (_names(text="资源县中峰镇大源村"), "450329101201"),
        (_names(text="广西壮族自治区桂林市资源县中峰镇大源村3组"), "450329101201"),
        (_names(text="桂林资源县梅溪乡大源村"), "450329102201"),
        (_names(text="中峰镇八坊村"), "450329101202"),
        (_names(text="中峰镇"), "450329101"),
        (_names(text="随滩村"), "450329102202"),
        (_names(text="资源县 中峰镇 大源村"), "450329101201"),
    ],
)
def test_names_resolve_to_the_area_they_name(names, code):
    assert _gazetteer().resolve(names) == code


def test_a_village_name_in_two_townships_is_refused_naming_both():
    with pytest.raises(PlaceRefused) as caught:
        _gazetteer().resolve(_names(village="大源村"))
    exc = caught.value
    assert exc.key == "ambiguous_village" and exc.params["column"] == "村（社区）"
    assert "中峰镇大源村（450329101201）" in exc.params["candidates"]
    assert "梅溪乡大源村（450329102201）" in exc.params["candidates"]


def test_an_unknown_village_is_refused_naming_the_villages_of_its_township():
    with pytest.raises(PlaceRefused) as caught:
        _gazetteer().resolve(_names("中峰镇", "小源村"))
    exc = caught.value
    assert (
        exc.key == "unknown_village" and exc.params["value"] == "小源村" and exc.params["within"] == "中峰镇"
    )
    assert "大源村" in exc.params["candidates"] and "八坊村" in exc.params["candidates"]


def test_an_unknown_township_is_refused_naming_the_townships_of_the_county():
    with pytest.raises(PlaceRefused) as caught:
        _gazetteer().resolve(_names("两水乡"))
    assert caught.value.key == "unknown_township" and "中峰镇" in caught.value.params["candidates"]


def test_a_place_text_in_another_county_is_refused():
    with pytest.raises(PlaceRefused) as caught:
        _gazetteer().resolve(_names(text="兴安县兴安镇"))
    assert caught.value.key == "outside" and caught.value.params["candidates"] == "兴安县"


def test_a_township_named_like_a_county_is_not_taken_for_it():
    """兴安镇 starts with the stem of 兴安县: the text names the township, not the county and then 镇."""
    assert _gazetteer("450325").resolve(_names(text="兴安镇")) == "450325101"


def test_names_resolve_in_the_demo_atlas(engine, atlas_restored):
    with engine.connect() as conn:
        gazetteer = load_gazetteer(conn, COUNTY)
        assert gazetteer.within is not None and gazetteer.within.name == "资源县"
        assert gazetteer.resolve(_names("德山镇", "寨银社区")) == "450329001001"
        assert gazetteer.resolve(_names(text="资源县洲白镇永凤村")) == "450329002201"
        anywhere = load_gazetteer(conn, None)
    with pytest.raises(PlaceRefused) as caught:  # 德山镇 is in 资源县 and in 浦北县
        anywhere.resolve(_names("德山镇"))
    assert caught.value.key == "ambiguous_township"
    assert (
        "资源县德山镇" in caught.value.params["candidates"]
        and "浦北县德山镇" in caught.value.params["candidates"]
    )
