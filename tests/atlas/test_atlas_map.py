"""The atlas map builder and its offline assets, tested on rendered HTML (no database, no browser)."""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import pytest
from fastapi import FastAPI
from folium.elements import JSCSSMixin

from tests.map_pages import MapPage
from web.assets import (
    CACHE_CONTROL,
    VENDOR_URL_PREFIX,
    UnknownAssetError,
    VendorFilesMissingError,
    default_node_modules,
    localize_assets,
    vendor_app,
    vendor_files,
)
from web.atlas.map import build_atlas_map
from web.i18n import enum_label, t

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

EVIL_NAME = "<script>alert('x')</script>纪念碑"
GUANGXI = (104.5, 21.5, 112.0, 26.3)


def _feature(fid: int, lon: float, lat: float, **props: Any) -> dict:
    return {
        "type": "Feature",
        "id": fid,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"id": fid, **props},
    }


def _collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def _layers() -> dict[str, dict]:
    return {
        "stations": _collection(
            _feature(
                1,
                108.32,
                22.82,
                name="兴宁区退役军人服务站",
                level="village",
                status="active",
                star_rating=4,
                people_served=12345,
                area_code="450102",
                area_name="兴宁区",
            ),
            _feature(2, 108.40, 22.90, name="已撤销站", level="township", status="closed"),
        ),
        "memorials": _collection(
            _feature(
                3,
                110.29,
                25.27,
                name=EVIL_NAME,
                kind="monument",
                protection_level="national",
                upkeep_status="damaged",
                area_code="450302",
                area_name="秀峰区",
            ),
        ),
        "cemeteries": _collection(
            _feature(
                4,
                109.41,
                24.33,
                name="柳州烈士陵园",
                kind="martyr_cemetery",
                protection_level="provincial",
                upkeep_status="poor",
                condition_index=61,
            ),
        ),
        "graves": _collection(
            _feature(
                5,
                109.42,
                24.34,
                martyr_name="韦拔群",
                kind="in_cemetery",
                section="A",
                row_no="3",
                number="12",
            ),
            _feature(6, 107.10, 23.50, kind="scattered", upkeep_status="good"),
            {"type": "Feature", "id": 7, "geometry": None, "properties": {"name": "no point yet"}},
        ),
    }


def _outlines() -> dict:
    ring = [[108.0, 22.5], [108.6, 22.5], [108.6, 23.0], [108.0, 23.0], [108.0, 22.5]]
    return _collection(
        {
            "type": "Feature",
            "id": "450102",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"code": "450102", "name": "兴宁区", "level": "county"},
        }
    )


def _render(m: folium.Map) -> str:
    return m.get_root().render()


def _overlay_names(page: MapPage) -> list[str]:
    """The layer names the LayerControl lists, in its order."""
    return list(page.overlays())


def _payloads(page: MapPage) -> dict[str, dict]:
    """The compact per-layer tables embedded in the page, by collection."""
    script = page.script
    decoder = json.JSONDecoder()
    out = {}
    start = 0
    marker = "VetMapAtlas.cluster("
    while (at := script.find(marker, start)) != -1:
        index = at + len(marker)
        while script[index].isspace():
            index += 1
        payload, end = decoder.raw_decode(script, index)
        out[payload["collection"]] = payload
        start = end
    return out


def test_layers_are_named_in_chinese_by_default() -> None:
    page = MapPage(_render(build_atlas_map(_layers(), outlines=_outlines())))
    assert _overlay_names(page) == ["行政区划", "服务站", "纪念设施", "烈士陵园", "烈士墓"]
    assert page.html_lang == "zh-CN"
    assert page.title == "退役军人服务地图 VetMap"


def test_layers_are_named_in_english_on_request() -> None:
    page = MapPage(_render(build_atlas_map(_layers(), lang="en", outlines=_outlines())))
    assert _overlay_names(page) == [
        "Boundaries",
        "Service stations",
        "Memorial facilities",
        "Martyr cemeteries",
        "Martyr graves",
    ]
    assert page.html_lang == "en"
    assert page.title == "VetMap — veterans' service map"


def test_boundaries_layer_only_with_outlines() -> None:
    page = MapPage(_render(build_atlas_map(_layers())))
    assert "行政区划" not in _overlay_names(page)


def test_every_script_and_stylesheet_is_served_locally() -> None:
    page = MapPage(_render(build_atlas_map(_layers(), outlines=_outlines())))
    served = vendor_files(default_node_modules())
    urls = page.local_assets()
    assert urls, "the page links no assets at all"
    for url in urls:
        assert url.startswith(VENDOR_URL_PREFIX + "/"), f"{url} is not local"
        assert url[len(VENDOR_URL_PREFIX) + 1 :] in served, f"{url} is not served by the vendor app"
    for needed in ("leaflet/dist/leaflet.js", "leaflet.markercluster/dist/leaflet.markercluster.js"):
        assert f"{VENDOR_URL_PREFIX}/{needed}" in urls


def test_injected_markup_in_a_name_is_not_emitted_unescaped() -> None:
    html = _render(build_atlas_map(_layers()))
    assert "<script>alert" not in html
    page = MapPage(html)
    # The name still reaches the browser, as data for the JS that escapes it when building the popup.
    assert _payloads(page)["memorials"]["rows"][0][4] == EVIL_NAME
    # ...and it did not open or close any element: the page has the same scripts as with a plain name.
    benign = _layers()
    benign["memorials"]["features"][0]["properties"]["name"] = "纪念碑"
    plain = MapPage(_render(build_atlas_map(benign)))
    assert len(page.inline_scripts) == len(plain.inline_scripts)
    assert page.local_assets() == plain.local_assets()


def test_popups_translate_labels_and_values() -> None:
    zh = _payloads(MapPage(_render(build_atlas_map(_layers()))))
    en = _payloads(MapPage(_render(build_atlas_map(_layers(), lang="en"))))

    def cell(payloads: dict, collection: str, row: int, label: str) -> str | None:
        layer = payloads[collection]
        index = layer["rows"][row][5 + layer["labels"].index(label)]
        return None if index is None else layer["values"][index]

    assert cell(zh, "stations", 0, "级别") == "村(社区)"
    assert cell(en, "stations", 0, "Level") == "Village (community)"
    assert cell(zh, "stations", 0, "星级") == "★★★★☆"
    assert cell(en, "stations", 0, "People served") == "12,345"
    assert cell(zh, "stations", 0, "行政区") == "兴宁区 (450102)"
    assert cell(zh, "memorials", 0, "保护级别") == "全国重点"
    assert cell(en, "memorials", 0, "Upkeep") == "Damaged"
    assert cell(zh, "cemeteries", 0, "类型") == "烈士陵园"
    assert cell(zh, "graves", 0, "墓位") == "A区 3排 12号"
    assert cell(en, "graves", 0, "Grave position") == "Section A, Row 3, No. 12"
    assert cell(zh, "graves", 1, "类型") == "散葬"
    assert zh["graves"]["rows"][1][4] == "无名烈士"  # unnamed martyr
    assert en["graves"]["rows"][1][4] == "Unnamed martyr"


def test_markers_are_styled_by_collection_kind_and_status() -> None:
    payloads = _payloads(MapPage(_render(build_atlas_map(_layers()))))

    def style(collection: str, row: int) -> tuple[str, str]:
        layer = payloads[collection]
        return tuple(layer["styles"][layer["rows"][row][2]])

    assert style("memorials", 0) == ("monument", "red")  # damaged
    assert style("cemeteries", 0)[1] == "orange"  # poor
    assert style("stations", 0) == ("house", "lightblue")  # village, active
    assert style("stations", 1)[1] == "gray"  # closed
    assert style("graves", 0) != style("graves", 1)  # in a cemetery vs scattered
    icons = {style(c, 0)[0] for c in ("stations", "memorials", "cemeteries", "graves")}
    assert len(icons) == 4


def test_features_without_geometry_are_left_out() -> None:
    payloads = _payloads(MapPage(_render(build_atlas_map(_layers()))))
    assert [row[3] for row in payloads["graves"]["rows"]] == [5, 6]


def test_points_become_one_table_per_layer_not_one_element_per_point() -> None:
    n = 3000
    features = [
        _feature(i, 104.5 + 7.5 * (i % 97) / 97, 21.5 + 4.8 * (i % 89) / 89, name=f"站{i}", level="village")
        for i in range(n)
    ]
    html = _render(build_atlas_map({"stations": _collection(*features)}))
    assert html.count("L.marker(") == 1  # markers are made by one loop in the browser
    assert len(_payloads(MapPage(html))["stations"]["rows"]) == n
    assert len(html) < 60_000 + 100 * n


def test_map_fits_the_given_bounds() -> None:
    html = _render(build_atlas_map(_layers(), bounds=GUANGXI))
    assert "[[21.5, 104.5], [26.3, 112.0]]" in html


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError, match="bounds"):
        build_atlas_map(_layers(), bounds=(112.0, 21.5, 104.5, 26.3))
    with pytest.raises(ValueError, match="unknown collections"):
        build_atlas_map({"areas": _collection()})
    polygon = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": []}, "properties": {}}
    with pytest.raises(ValueError, match="expected Point"):
        build_atlas_map({"memorials": _collection(polygon)})


def test_unknown_language_raises() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        build_atlas_map(_layers(), lang="fr")
    with pytest.raises(ValueError):
        t("layer.stations", "fr")


def test_builder_does_not_modify_its_input() -> None:
    layers, outlines = _layers(), _outlines()
    before = copy.deepcopy((layers, outlines))
    _render(build_atlas_map(layers, outlines=outlines))
    assert (layers, outlines) == before


def test_catalogue_falls_back_to_the_key() -> None:
    assert t("layer.cemeteries") == "烈士陵园"
    assert t("no.such.key", "en") == "no.such.key"
    assert enum_label("upkeep_status", "unknown", "zh") == "未评估"
    assert enum_label("upkeep_status", "mystery", "en") == "mystery"


class _CdnWidget(JSCSSMixin):
    default_js = [("some_cdn_plugin", "https://cdn.example.invalid/plugin.js")]


def test_localize_assets_raises_on_an_unknown_asset() -> None:
    m = folium.Map(tiles=None)
    _CdnWidget().add_to(m)
    with pytest.raises(UnknownAssetError, match="some_cdn_plugin"):
        localize_assets(m)


def test_page_refuses_to_render_a_cdn_link_added_after_localizing() -> None:
    m = build_atlas_map(_layers())
    _CdnWidget().add_to(m)  # added after build_atlas_map localized the assets
    with pytest.raises(UnknownAssetError, match="some_cdn_plugin"):
        _render(m)


def test_localize_assets_rewrites_a_plain_folium_map_without_touching_folium() -> None:
    cdn_defaults = list(folium.Map.default_js), list(folium.Map.default_css)
    m = localize_assets(folium.Map(tiles=None))
    page = MapPage(_render(m))
    urls = page.local_assets()
    assert urls and all(url.startswith(VENDOR_URL_PREFIX + "/") for url in urls)
    assert not any("glyphicons" in url or "rotate" in url for url in urls)  # dropped, not kept
    assert (folium.Map.default_js, folium.Map.default_css) == cdn_defaults  # class lists untouched


@pytest.fixture(scope="module")
def vendor_client() -> TestClient:
    app = FastAPI()
    app.mount(VENDOR_URL_PREFIX, vendor_app(default_node_modules()), name="vendor")
    with warnings.catch_warnings():
        # Starlette's TestClient prefers httpx2 and warns when it falls back to httpx.
        warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette\.testclient` is deprecated")
        from fastapi.testclient import TestClient
    return TestClient(app)


def test_vendor_app_serves_leaflet_with_a_js_type(vendor_client: TestClient) -> None:
    response = vendor_client.get(f"{VENDOR_URL_PREFIX}/leaflet/dist/leaflet.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == CACHE_CONTROL
    assert b"Leaflet" in response.content[:500]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("leaflet/dist/leaflet.css", "text/css"),
        ("leaflet/dist/images/marker-icon.png", "image/png"),
        ("leaflet.awesome-markers/dist/images/markers-soft.png", "image/png"),
        ("@fortawesome/fontawesome-free/webfonts/fa-solid-900.woff2", "font/woff2"),
    ],
)
def test_vendor_app_serves_files_the_css_refers_to(
    vendor_client: TestClient, path: str, content_type: str
) -> None:
    response = vendor_client.get(f"{VENDOR_URL_PREFIX}/{path}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(content_type)


@pytest.mark.parametrize(
    "path",
    [
        "../pyproject.toml",
        "%2e%2e/pyproject.toml",
        "leaflet/..%2f..%2fpyproject.toml",
        "leaflet/dist/%2e%2e/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
        "%2Fetc%2Fpasswd",
        "leaflet/package.json",  # inside node_modules, but not a file we serve
        "leaflet/dist/",
    ],
)
def test_vendor_app_404s_outside_its_files(vendor_client: TestClient, path: str) -> None:
    assert vendor_client.get(f"{VENDOR_URL_PREFIX}/{path}").status_code == 404


def test_vendor_files_say_to_run_npm_ci_when_missing(tmp_path: Path) -> None:
    with pytest.raises(VendorFilesMissingError, match="npm ci"):
        vendor_files(tmp_path / "node_modules")
    (tmp_path / "node_modules" / "leaflet").mkdir(parents=True)
    with pytest.raises(VendorFilesMissingError, match="npm ci"):
        vendor_files(tmp_path / "node_modules")


def test_a_grave_section_named_with_its_unit_is_not_doubled() -> None:
    layers = _layers()
    layers["graves"]["features"][0]["properties"]["section"] = "甲区"
    zh = _payloads(MapPage(_render(build_atlas_map(layers))))
    layer = zh["graves"]
    assert (
        layer["values"][layer["rows"][0][5 + layer["labels"].index("墓位")]] == "甲区 3排 12号"
    )  # not 甲区区
