"""Cemeteries by name (geo/importing/cemeteries.py, issue 23), without a database: the forms of a cemetery's name a
grave register writes resolve to it within the county of the import; a name of none, of several, or of cemeteries
outside the county is refused naming the candidates."""

from __future__ import annotations

import pytest

from geo.importing.cemeteries import Cemeteries, Cemetery, CemeteryRefused

KNOWN = [
    Cemetery(1, None, "资源县烈士陵园", "450329003207", "资源县"),
    Cemetery(2, "CE-450329-0001", "滩鹿社区烈士墓区", "450329001004", "资源县"),
    Cemetery(3, None, "兴安县烈士陵园", "450327001001", "兴安县"),
    Cemetery(4, None, "堡龙村烈士墓区", "451422003201", "宁明县"),
    Cemetery(5, None, "堡龙村烈士墓区", "451031004202", "隆林各族自治县"),
    Cemetery(6, None, "红军长征突破湘江烈士陵园", "450327001001", "兴安县"),
]


def _in(within: str | None, name: str = "") -> Cemeteries:
    return Cemeteries(KNOWN, within, name)


@pytest.mark.parametrize(
    ("written", "found"),
    [
        ("资源县烈士陵园", 1),
        ("资源县 烈士陵园", 1),  # spaces
        ("资源烈士陵园", 1),  # the county's 县 left out
        ("烈士陵园", 1),  # the county's name left out: the county's own
        ("滩鹿社区烈士墓区", 2),
        ("滩鹿烈士墓区", 2),  # the community's 社区 left out
        ("滩鹿社区", 2),  # the kind left out
        ("ce-450329-0001", 2),  # its code, in any case
    ],
)
def test_the_forms_of_a_name_registers_write_resolve_in_the_county(written, found):
    assert _in("450329", "资源县").resolve(written, "所在陵园").id == found


def test_a_name_of_several_cemeteries_names_them_with_their_counties():
    with pytest.raises(CemeteryRefused) as refused:
        _in(None).resolve("堡龙村烈士墓区", "陵园名称")
    assert refused.value.key == "ambiguous"
    assert refused.value.params["candidates"] == "宁明县堡龙村烈士墓区、隆林各族自治县堡龙村烈士墓区"
    assert (
        _in("451422", "宁明县").resolve("堡龙村烈士墓区", "陵园名称").id == 4
    )  # the county tells them apart


def test_the_county_a_name_starts_with_must_be_the_cemeterys():
    with pytest.raises(CemeteryRefused) as refused:
        _in("45", "广西壮族自治区").resolve("烈士陵园", "所在陵园")
    assert refused.value.key == "ambiguous" and "资源县烈士陵园" in refused.value.params["candidates"]
    assert _in("45", "广西壮族自治区").resolve("兴安烈士陵园", "所在陵园").id == 3


def test_a_name_outside_the_county_says_where_it_lies_and_an_unknown_one_lists_the_countys():
    with pytest.raises(CemeteryRefused) as outside:
        _in("450329", "资源县").resolve("堡龙村烈士墓区", "所在陵园")
    assert outside.value.key == "outside"
    assert outside.value.params == {
        "column": "所在陵园",
        "value": "堡龙村烈士墓区",
        "within": "资源县",
        "candidates": "宁明县、隆林各族自治县",
    }
    with pytest.raises(CemeteryRefused) as unknown:
        _in("450329", "资源县").resolve("中峰烈士陵园", "所在陵园")
    assert unknown.value.key == "unknown"
    assert unknown.value.params["candidates"] == "资源县烈士陵园、滩鹿社区烈士墓区（CE-450329-0001）"
    with pytest.raises(CemeteryRefused) as nowhere:
        _in(None).resolve("中峰烈士陵园", "所在陵园")
    assert nowhere.value.key == "unknown_atlas"


def test_each_distinct_name_is_resolved_once():
    cemeteries = _in("450329", "资源县")
    assert cemeteries.resolve("资源烈士陵园", "所在陵园") is cemeteries.resolve("资源烈士陵园", "所在陵园")
    assert len(cemeteries.memo) == 1
