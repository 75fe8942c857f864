"""OGC API – Tiles and the map style over HTTP: every document is JSON whose links resolve, the OGC tiles are the
/tiles bytes, the dataset tile holds every layer, zone tiles hold polygons, and bad tile addresses say why."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geo import vocab
from geo.ogc.tiles import LAYERS
from geo.ogc.tilesets import TMS_ID, TMS_URI, matrix_limits
from tests.factories import tile_of
from web.assets import vendor_url

MVT = "application/vnd.mapbox-vector-tile"
TILES = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
REL_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
ZONES = [
    "memorial_protection_zones",
    "memorial_control_zones",
    "cemetery_boundaries",
    "cemetery_protection_zones",
    "cemetery_control_zones",
]


def _decode(data: bytes) -> dict:
    return mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})


def _link(body: dict, rel: str) -> dict:
    (link,) = [x for x in body["links"] if x["rel"] == rel]
    return link


def _json(client: TestClient, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200, (url, response.text)
    assert response.headers["content-type"].startswith("application/"), url
    assert response.headers["content-type"].split(";")[0].endswith("json"), url
    return response.json()


def _links_resolve(client: TestClient, body: dict) -> None:
    for link in body["links"]:
        if link.get("templated"):
            continue
        response = client.get(link["href"])
        assert response.status_code == 200, (link, response.text)


def _zone_tile(engine, collection: str, z: int) -> tuple[int, int, int]:
    """The id of a site having this zone and the tile (x, y) holding the centre of its polygon."""
    site_table, column = {
        "memorial_protection_zones": ("memorials", "protection_zone"),
        "memorial_control_zones": ("memorials", "control_zone"),
        "cemetery_boundaries": ("cemeteries", "boundary"),
        "cemetery_protection_zones": ("cemeteries", "protection_zone"),
        "cemetery_control_zones": ("cemeteries", "control_zone"),
    }[collection]
    shown = LAYERS[collection].shown_at(z)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                f"SELECT id, ST_X(ST_PointOnSurface({column})), ST_Y(ST_PointOnSurface({column})) FROM {site_table}"
                f" WHERE {column} IS NOT NULL AND protection_level = ANY(:shown) ORDER BY id LIMIT 1"
            ),
            {"shown": shown},
        ).one_or_none()
    assert row is not None, f"the demo atlas has no {collection} shown at z{z}"
    x, y = tile_of(row[1], row[2], z)
    return row[0], x, y


def test_landing_page_and_conformance_announce_the_tiles_and_the_style(client):
    landing = _json(client, "/ogc")
    rels = {link["rel"]: link for link in landing["links"]}
    assert rels[REL_VECTOR]["href"].endswith("/ogc/tiles")
    assert rels["http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"]["href"].endswith(
        "/ogc/tileMatrixSets"
    )
    assert rels["http://www.opengis.net/def/rel/ogc/1.0/styles"]["href"].endswith("/ogc/styles")
    _links_resolve(client, landing)

    classes = set(_json(client, "/ogc/conformance")["conformsTo"])
    for name in ("core", "tileset", "tilesets-list", "geodata-tilesets", "dataset-tilesets", "mvt", "oas30"):
        assert f"{TILES}{name}" in classes
    for absent in ("png", "jpeg", "geojson", "geodata-selection", "collections-selection"):  # not implemented
        assert f"{TILES}{absent}" not in classes


def test_the_api_definition_describes_every_tiles_and_style_path(client):
    paths = _json(client, "/ogc/api")["paths"]
    for path in (
        "/tileMatrixSets",
        "/tileMatrixSets/{tileMatrixSetId}",
        "/tiles",
        "/tiles/{tileMatrixSetId}",
        "/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
        "/styles",
        "/styles/{styleId}",
        *(
            f"/collections/{c}/tiles/{{tileMatrixSetId}}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"
            for c in LAYERS
        ),
    ):
        assert "get" in paths[path], path
    tile = paths["/collections/stations/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"]["get"]
    assert MVT in tile["responses"]["200"]["content"] and {"204", "304", "400", "404"} <= set(
        tile["responses"]
    )
    # every path the definition names answers (with its parameters filled in)
    filled = {
        "tileMatrixSetId": "WebMercatorQuad",
        "tileMatrix": "0",
        "tileRow": "0",
        "tileCol": "0",
        "styleId": "default",
    }
    for path in paths:
        if path.startswith(("/tile", "/styles")) or "/tiles" in path:
            assert client.get("/ogc" + path.format(**filled)).status_code in (200, 204), path


def test_tile_matrix_set_is_the_standard_web_mercator_quad(client):
    sets = _json(client, "/ogc/tileMatrixSets")
    (entry,) = sets["tileMatrixSets"]
    assert entry["id"] == TMS_ID and entry["uri"] == TMS_URI
    _links_resolve(client, sets)
    _links_resolve(client, entry)

    tms = _json(client, "/ogc/tileMatrixSets/WebMercatorQuad")
    assert tms["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    matrices = tms["tileMatrices"]
    assert [m["id"] for m in matrices] == [str(z) for z in range(25)]
    zero, last = matrices[0], matrices[24]
    assert zero["scaleDenominator"] == pytest.approx(559082264.0287178)
    assert zero["cellSize"] == pytest.approx(156543.03392804097)
    assert zero["pointOfOrigin"] == pytest.approx([-20037508.3427892, 20037508.3427892])
    assert zero["cornerOfOrigin"] == "topLeft" and zero["tileWidth"] == zero["tileHeight"] == 256
    assert last["matrixWidth"] == last["matrixHeight"] == 2**24
    _links_resolve(client, tms)

    missing = client.get("/ogc/tileMatrixSets/WorldCRS84Quad")
    assert missing.status_code == 404 and "WebMercatorQuad" in missing.json()["detail"]


@pytest.mark.parametrize("collection", sorted(LAYERS))
def test_each_collection_links_its_tileset_whose_template_gives_the_tiles_bytes(client, collection):
    coll = _json(client, f"/ogc/collections/{collection}")
    tilesets = _json(client, _link(coll, REL_VECTOR)["href"])
    _links_resolve(client, tilesets)
    (summary,) = tilesets["tilesets"]
    assert summary["dataType"] == "vector" and summary["tileMatrixSetURI"] == TMS_URI

    meta = _json(client, _link(summary, "self")["href"])
    _links_resolve(client, meta)
    assert [layer["id"] for layer in meta["layers"]] == [collection]
    assert set(meta["layers"][0]["propertiesSchema"]["properties"]) == {"id", *LAYERS[collection].fields}
    template = _link(meta, "item")
    assert template["type"] == MVT and template["templated"] is True
    assert template["href"].endswith(
        f"/ogc/collections/{collection}/tiles/WebMercatorQuad/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"
    )

    z = 12
    x, y = tile_of(110.78, 32.6, z)
    ogc = client.get(template["href"].format(tileMatrix=z, tileRow=y, tileCol=x))
    plain = client.get(f"/tiles/{collection}/{z}/{x}/{y}.mvt")
    assert ogc.status_code == plain.status_code
    assert ogc.content == plain.content and ogc.headers["etag"] == plain.headers["etag"]
    revalidated = client.get(
        template["href"].format(tileMatrix=z, tileRow=y, tileCol=x),
        headers={"If-None-Match": ogc.headers["etag"]},
    )
    assert revalidated.status_code == 304


def test_tileset_limits_cover_the_data_from_the_first_zoom_shown(client):
    meta = _json(client, "/ogc/collections/stations/tiles/WebMercatorQuad")
    limits = {lim["tileMatrix"]: lim for lim in meta["tileMatrixSetLimits"]}
    assert min(int(z) for z in limits) == LAYERS["stations"].minzoom
    x, y = tile_of(110.78, 32.6, 12)  # 十堰 has stations
    twelve = limits["12"]
    assert (
        twelve["minTileCol"] <= x <= twelve["maxTileCol"]
        and twelve["minTileRow"] <= y <= twelve["maxTileRow"]
    )
    # a box across one tile boundary at zoom 1 spans both columns and one row
    assert matrix_limits((-10.0, 10.0, 10.0, 20.0), 1, 1) == [
        {"tileMatrix": "1", "minTileRow": 0, "maxTileRow": 0, "minTileCol": 0, "maxTileCol": 1}
    ]


def test_dataset_tileset_holds_every_layer_in_one_tile(client, engine):
    tilesets = _json(client, "/ogc/tiles")
    _links_resolve(client, tilesets)
    meta = _json(client, _link(tilesets["tilesets"][0], "self")["href"])
    _links_resolve(client, meta)
    assert {layer["id"] for layer in meta["layers"]} == set(LAYERS)
    template = _link(meta, "item")["href"]
    assert template.endswith("/ogc/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}")

    _, x, y = _zone_tile(engine, "memorial_protection_zones", 13)
    response = client.get(template.format(tileMatrix=13, tileRow=y, tileCol=x))
    assert response.status_code == 200 and response.headers["content-type"] == MVT
    decoded = _decode(response.content)
    assert "memorial_protection_zones" in decoded and "areas" in decoded
    for name, layer in decoded.items():  # each layer is the layer's own tile
        alone = _decode(client.get(f"/tiles/{name}/13/{x}/{y}.mvt").content)
        assert alone[name]["features"] == layer["features"]
    again = client.get(
        template.format(tileMatrix=13, tileRow=y, tileCol=x),
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304


@pytest.mark.parametrize("collection", ZONES)
def test_zone_tiles_hold_the_polygons_of_their_sites_with_public_fields(client, engine, collection):
    z = 14
    site_id, x, y = _zone_tile(engine, collection, z)
    response = client.get(f"/ogc/collections/{collection}/tiles/WebMercatorQuad/{z}/{y}/{x}")
    assert response.status_code == 200, response.text
    layer = _decode(response.content)[collection]
    by_id = {f["id"]: f for f in layer["features"]}
    assert site_id in by_id
    feature = by_id[site_id]
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert set(feature["properties"]) <= {"name", "protection_level", "kind", "area_code"}
    assert feature["properties"]["name"]


def test_zone_layers_have_a_first_zoom_for_every_protection_level():
    for zone in ZONES:
        layer = LAYERS[zone]
        assert set(layer.zooms) == set(vocab.PROTECTION_LEVELS)
        assert layer.geometry_type == "polygon" and layer.version_collection in ("memorials", "cemeteries")
    assert LAYERS["memorial_protection_zones"].shown_at(8) == ["national"]
    assert len(LAYERS["cemetery_boundaries"].shown_at(12)) == len(vocab.PROTECTION_LEVELS)


def test_zone_tiles_are_not_shown_below_their_levels_zoom(client, engine):
    _, x, y = _zone_tile(engine, "cemetery_boundaries", 14)
    response = client.get(f"/tiles/cemetery_boundaries/4/{x >> 10}/{y >> 10}.mvt")
    assert response.status_code == 204


def test_a_memorial_write_changes_the_memorial_zone_tiles_etag(client, engine):
    z = 14
    site_id, x, y = _zone_tile(engine, "memorial_protection_zones", z)
    url = f"/ogc/collections/memorial_protection_zones/tiles/WebMercatorQuad/{z}/{y}/{x}"
    before = client.get(url)
    stations_before = client.get(f"/tiles/stations/{z}/{x}/{y}.mvt").headers["etag"]
    dataset_url = f"/ogc/tiles/WebMercatorQuad/{z}/{y}/{x}"
    dataset_before = client.get(dataset_url).headers["etag"]
    with engine.begin() as conn:
        old = conn.execute(text("SELECT name FROM memorials WHERE id = :id"), {"id": site_id}).scalar()
        conn.execute(
            text("UPDATE memorials SET name = :n WHERE id = :id"), {"n": "瓦片改名纪念碑", "id": site_id}
        )
    try:
        after = client.get(url, headers={"If-None-Match": before.headers["etag"]})
        assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
        names = {
            f["id"]: f["properties"]["name"]
            for f in _decode(after.content)["memorial_protection_zones"]["features"]
        }
        assert names[site_id] == "瓦片改名纪念碑"
        assert client.get(f"/tiles/stations/{z}/{x}/{y}.mvt").headers["etag"] == stations_before
        dataset_after = client.get(dataset_url, headers={"If-None-Match": dataset_before})
        assert dataset_after.status_code == 200 and dataset_after.headers["etag"] != dataset_before
        zones = _decode(dataset_after.content)["memorial_protection_zones"]["features"]
        assert {f["id"]: f["properties"]["name"] for f in zones}[site_id] == "瓦片改名纪念碑"
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE memorials SET name = :n WHERE id = :id"), {"n": old, "id": site_id})


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        (
            "/ogc/collections/stations/tiles/WebMercatorQuad/23/0/0",
            404,
            "tileMatrix 23 is not served: tile matrices 0 to 22",
        ),
        (
            "/ogc/collections/stations/tiles/WebMercatorQuad/ten/0/0",
            400,
            "tileMatrix must be a whole number, got 'ten'",
        ),
        (
            "/ogc/collections/stations/tiles/WebMercatorQuad/10/1024/0",
            404,
            "tileRow 1024 is outside tile matrix 10",
        ),
        (
            "/ogc/collections/stations/tiles/WebMercatorQuad/10/0/1024",
            404,
            "tileCol 1024 is outside tile matrix 10, whose rows and columns are 0 to 1023",
        ),
        (
            "/ogc/collections/stations/tiles/WebMercatorQuad/10/-1/0",
            400,
            "tileRow must be a whole number, got '-1'",
        ),
        ("/ogc/collections/stations/tiles/WebMercatorQuad/10/0/4.5", 400, "tileCol must be a whole number"),
        (
            "/ogc/collections/stations/tiles/WebMercatorQuad/10/0/0?f=png",
            400,
            "unsupported tile format f='png'",
        ),
        (
            "/ogc/collections/stations/tiles/WorldCRS84Quad/0/0/0",
            404,
            "the tile matrix set served is WebMercatorQuad",
        ),
        (
            "/ogc/collections/stations/tiles/WorldCRS84Quad",
            404,
            "the tile matrix set served is WebMercatorQuad",
        ),
        (
            "/ogc/collections/veterans/tiles",
            404,
            "collection 'veterans' has no tiles; collections with tiles: stations",
        ),
        ("/ogc/collections/veterans/tiles/WebMercatorQuad/0/0/0", 404, "collection 'veterans' has no tiles"),
        ("/ogc/tiles/WebMercatorQuad/0/1/0", 404, "tileRow 1 is outside tile matrix 0"),
        ("/ogc/tiles/WebMercatorQuad/x/0/0", 400, "tileMatrix must be a whole number"),
        ("/ogc/styles/night", 404, "no style 'night'; the styles are: default"),
        ("/ogc/styles/default?f=sld10", 400, "unsupported style encoding f='sld10'"),
    ],
)
def test_bad_tile_and_style_requests_say_what_is_wrong(client, path, status, words):
    response = client.get(path)
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]


def test_style_draws_every_layer_from_the_dataset_tiles_without_glyphs(client):
    styles = _json(client, "/ogc/styles")
    _links_resolve(client, styles)
    (entry,) = styles["styles"]
    sheet = _link(entry, "stylesheet")
    assert sheet["type"] == "application/vnd.mapbox.style+json"
    response = client.get(sheet["href"])
    assert (
        response.status_code == 200
        and response.headers["content-type"] == "application/vnd.mapbox.style+json"
    )
    style = response.json()
    assert client.get("/ogc/styles/default").json() == style  # f=mapbox is the default
    assert style["version"] == 8 and "glyphs" not in style and "sprite" not in style
    (source,) = style["sources"].values()
    (template,) = source["tiles"]
    assert template.endswith("/ogc/tiles/WebMercatorQuad/{z}/{y}/{x}")
    assert template.startswith("http")
    drawn = {layer["source-layer"] for layer in style["layers"] if "source-layer" in layer}
    assert drawn == set(LAYERS)
    assert not [layer for layer in style["layers"] if layer["type"] == "symbol"]
    fills = {
        layer["id"]: layer["paint"]["fill-opacity"] for layer in style["layers"] if layer["type"] == "fill"
    }
    assert set(fills) == set(ZONES) and all(0 < o < 1 for o in fills.values())
    z, x, y = 12, *tile_of(110.78, 32.6, 12)
    tile = client.get(template.format(z=z, x=x, y=y))
    assert tile.status_code == 200 and "stations" in _decode(tile.content)


def test_tiles_and_style_are_readable_from_another_origin(client):
    origin = {"Origin": "http://maps.example.org"}
    for path in (
        "/ogc/styles/default?f=mapbox",
        "/ogc/tiles/WebMercatorQuad",
        "/ogc/tiles/WebMercatorQuad/0/0/0",
    ):
        response = client.get(path, headers=origin)
        assert response.headers["access-control-allow-origin"] == "*", path


def test_the_app_serves_maplibre_itself_for_pages_of_ours(client):
    for name in ("maplibre_js", "maplibre_worker", "maplibre_css"):
        response = client.get(vendor_url(name))
        assert response.status_code == 200, name
    assert "javascript" in client.get(vendor_url("maplibre_js")).headers["content-type"]
    # the module loads its worker from beside itself
    assert vendor_url("maplibre_worker").rsplit("/", 1)[0] == vendor_url("maplibre_js").rsplit("/", 1)[0]
