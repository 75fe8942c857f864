"""OGC API – Features at /ogc: documents, paging, CRS, filters, sorting, property subsets and bad input."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, text

from geo.ogc.features import CRS84, EPSG_3857, EPSG_4326, EPSG_4490, ZONE_COLLECTIONS

COLLECTIONS = ("stations", "memorials", "cemeteries", "graves", "areas", *ZONE_COLLECTIONS)
QGIS_FILTER_CLASSES = (
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
)
ITEMS = "/ogc/collections/stations/items"


def _sql_ids(engine: Engine, where: str = "TRUE", table: str = "stations") -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text(f"SELECT id FROM {table} WHERE {where} ORDER BY id")).scalars())


def _walk(client, url: str, params: dict | None = None) -> tuple[list[dict], list[dict]]:
    """Follow next links from the first page; return every feature and every page body."""
    features, pages = [], []
    response = client.get(url, params=params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body)
        features += body["features"]
        nexts = [link for link in body["links"] if link["rel"] == "next"]
        if not nexts:
            return features, pages
        assert nexts[0]["type"] == "application/geo+json"
        response = client.get(nexts[0]["href"])


def _link(body: dict, rel: str) -> dict:
    (link,) = [x for x in body["links"] if x["rel"] == rel]
    return link


# -- documents ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/ogc/", "/ogc"])
def test_landing_page_links_the_api_definition_conformance_and_collections(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    body = response.json()
    assert _link(body, "service-desc")["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert _link(body, "data")["href"].endswith("/ogc/collections")
    assert _link(body, "conformance")["href"].endswith("/ogc/conformance")
    for rel in ("service-desc", "data", "conformance", "self"):
        assert client.get(_link(body, rel)["href"]).status_code == 200


def test_conformance_declares_what_qgis_needs_to_send_cql2_and_nothing_unimplemented(client):
    response = client.get("/ogc/conformance")
    assert response.headers["content-type"] == "application/json"
    classes = set(response.json()["conformsTo"])
    assert set(QGIS_FILTER_CLASSES) <= classes
    assert {
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    } <= classes
    for absent in (
        "cql2-json",
        "arithmetic",
        "temporal-functions",
        "array-functions",
        "spatial-functions",
        "html",
    ):
        assert not [c for c in classes if c.endswith(f"/{absent}")], absent


def test_api_definition_declares_page_size_filter_language_and_queryable_parameters(client, settings):
    response = client.get("/ogc/api")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.0"
    doc = response.json()
    assert doc["openapi"].startswith("3.0.")
    limit = doc["components"]["parameters"]["limit"]["schema"]
    assert (limit["default"], limit["maximum"]) == (settings.default_page_size, settings.max_page_size)
    parameters = doc["components"]["parameters"]
    assert {"cql2-text", "cql-text"} <= set(parameters["filter-lang"]["schema"]["enum"])
    for collection in COLLECTIONS:
        declared = doc["paths"][f"/collections/{collection}/items"]["get"]["parameters"]
        refs = {p["$ref"].rsplit("/", 1)[1] for p in declared if "$ref" in p}
        assert {
            "limit",
            "offset",
            "bbox",
            "bbox-crs",
            "crs",
            "filter",
            "filter-lang",
            "sortby",
            "properties",
        } <= refs
        assert f"/collections/{collection}/items/{{featureId}}" in doc["paths"]
    stations = doc["paths"]["/collections/stations/items"]["get"]["parameters"]
    level = next(p for p in stations if p.get("name") == "level")
    assert (level["in"], level["style"], level["explode"], level["schema"]["type"]) == (
        "query",
        "form",
        False,
        "string",
    )
    rating = next(p for p in stations if p.get("name") == "star_rating")
    assert rating["schema"]["type"] == "integer"
    assert doc["servers"][0]["url"].endswith("/ogc")


def test_collections_give_extent_crs_list_and_storage_crs(client, engine):
    response = client.get("/ogc/collections")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    collections = {c["id"]: c for c in response.json()["collections"]}
    assert tuple(collections) == COLLECTIONS
    for collection in collections.values():
        if "spatial" not in collection["extent"]:  # no feature yet: no extent to give
            items = client.get(_link(collection, "items")["href"], params={"limit": 1}).json()
            assert items["numberMatched"] == 0, collection["id"]
            continue
        bbox = collection["extent"]["spatial"]["bbox"]
        assert len(bbox) == 1 and len(bbox[0]) == 4 and bbox[0][0] < bbox[0][2] and bbox[0][1] < bbox[0][3]
        assert collection["extent"]["spatial"]["crs"] == CRS84
        assert set(collection["crs"]) == {CRS84, EPSG_4326, EPSG_4490, EPSG_3857}
        assert collection["storageCrs"] in collection["crs"]
        assert _link(collection, "items")["type"] == "application/geo+json"
    with engine.connect() as conn:
        extent = conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM stations) s"
            )
        ).one()
    assert collections["stations"]["extent"]["spatial"]["bbox"][0] == pytest.approx(list(extent))
    one = client.get("/ogc/collections/stations").json()
    assert one["extent"] == collections["stations"]["extent"] and one["storageCrs"] == CRS84


def test_queryables_are_a_json_schema_with_types_and_the_geometry(client):
    response = client.get("/ogc/collections/stations/queryables")
    assert response.status_code == 200 and response.headers["content-type"] == "application/schema+json"
    schema = response.json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema" and schema["type"] == "object"
    props = schema["properties"]
    assert props["star_rating"]["type"] == "integer" and props["national_model"]["type"] == "boolean"
    assert props["opened_on"] == {
        "title": "opened_on",
        "type": "string",
        "format": "date",
        "x-ogc-role": "primary-instant",  # what datetime filters
    }
    assert props["level"]["enum"] == ["province", "city", "county", "township", "village"]
    assert props["geometry"]["$ref"] == "https://geojson.org/schema/Point.json"
    assert "protection_zone" not in client.get("/ogc/collections/memorials/queryables").json()["properties"]


# -- items and paging ---------------------------------------------------------------------------------


def test_paging_through_next_links_returns_every_station_once(client, engine):
    features, pages = _walk(client, ITEMS, {"limit": 500})
    assert [f["id"] for f in features] == _sql_ids(engine)
    assert len(pages) > 1
    for page in pages:
        assert page["numberMatched"] == len(features) and isinstance(page["numberMatched"], int)
        assert page["numberReturned"] == len(page["features"])
    assert [link["rel"] for link in pages[1]["links"]] == ["self", "next", "prev", "alternate"]
    assert _link(pages[1], "prev")["type"] == "application/geo+json"


def test_items_answer_with_exact_geojson_type_and_counting_headers(client, engine):
    response = client.get(ITEMS, params={"limit": 3})
    assert response.headers["content-type"] == "application/geo+json"
    assert response.headers["ogc-numbermatched"] == str(len(_sql_ids(engine)))
    assert response.headers["content-crs"] == f"<{CRS84}>"
    feature = response.json()["features"][0]
    assert isinstance(feature["id"], int) and "id" not in feature["properties"]
    assert feature["geometry"]["type"] == "Point" and feature["properties"]["area_name"]


def test_next_link_keeps_every_other_parameter(client, engine):
    params = {
        "limit": 50,
        "filter": "level = 'village' AND name LIKE '%村%'",
        "sortby": "-name",
        "properties": "name",
    }
    first = client.get(ITEMS, params=params).json()
    kept = parse_qs(urlsplit(_link(first, "next")["href"]).query)
    assert kept == {
        "limit": ["50"],
        "filter": [params["filter"]],
        "sortby": ["-name"],
        "properties": ["name"],
        "offset": ["50"],
    }
    features, _ = _walk(client, ITEMS, params)
    assert sorted(f["id"] for f in features) == _sql_ids(engine, "level = 'village' AND name LIKE '%村%'")
    names = [f["properties"]["name"] for f in features]
    assert names == sorted(names, reverse=True) and all(set(f["properties"]) == {"name"} for f in features)


def test_single_feature_has_top_level_integer_id_and_links(client):
    first = client.get(ITEMS, params={"limit": 1}).json()["features"][0]
    response = client.get(f"{ITEMS}/{first['id']}")
    assert response.status_code == 200 and response.headers["content-type"] == "application/geo+json"
    feature = response.json()
    assert feature["id"] == first["id"] and feature["geometry"] == first["geometry"]
    assert feature["properties"] == first["properties"]
    assert _link(feature, "collection")["href"].endswith("/ogc/collections/stations")


def test_areas_are_served_with_their_codes_as_ids(client, engine):
    body = client.get(
        "/ogc/collections/areas/items", params={"filter": "level = 'county'", "limit": 1000}
    ).json()
    assert sorted(f["id"] for f in body["features"]) == [
        str(c) for c in _sql_ids(engine, "level = 'county'", "(SELECT code AS id, level FROM areas) a")
    ]
    county = client.get("/ogc/collections/areas/items/450329").json()
    assert county["id"] == "450329" and county["properties"]["name"] == "资源县"
    assert county["geometry"]["type"] == "MultiPolygon"


# -- CRS (Part 2) -------------------------------------------------------------------------------------


def test_output_crs_flips_latitude_first_crs_and_projects_web_mercator(client, engine):
    base = client.get(ITEMS, params={"limit": 5}).json()["features"]
    for uri in (EPSG_4326, EPSG_4490):
        response = client.get(ITEMS, params={"limit": 5, "crs": uri})
        assert response.headers["content-crs"] == f"<{uri}>"
        flipped = response.json()["features"]
        assert [f["geometry"]["coordinates"] for f in flipped] == [
            f["geometry"]["coordinates"][::-1] for f in base
        ]
    mercator = client.get(
        ITEMS, params={"limit": 5, "crs": "http://www.opengis.net/def/crs/EPSG/0/3857"}
    ).json()
    with engine.connect() as conn:
        expected = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(geom, 3857) p, id FROM stations) s ORDER BY id LIMIT 5"
            )
        ).all()
    for feature, (x, y) in zip(mercator["features"], expected, strict=True):
        assert feature["geometry"]["coordinates"] == pytest.approx([x, y], abs=0.01)
    one = client.get(f"{ITEMS}/{base[0]['id']}", params={"crs": "[EPSG:4326]"})
    assert one.json()["geometry"]["coordinates"] == base[0]["geometry"]["coordinates"][::-1]
    assert one.headers["content-crs"] == f"<{EPSG_4326}>"


def test_memorial_zones_are_reprojected_with_the_point(client):
    plain = client.get(
        "/ogc/collections/memorials/items", params={"limit": 1, "filter": "protection_zone_m2 > 0"}
    )
    flipped = client.get(
        "/ogc/collections/memorials/items",
        params={"limit": 1, "filter": "protection_zone_m2 > 0", "crs": EPSG_4326},
    )
    zone, zone_flipped = (r.json()["features"][0]["properties"]["protection_zone"] for r in (plain, flipped))
    assert zone_flipped["coordinates"][0][0][0] == zone["coordinates"][0][0][0][::-1]


@pytest.mark.parametrize(
    ("bbox", "bbox_crs"),
    [
        ("25,110,27,111.5", EPSG_4326),
        ("25,110,27,111.5", "EPSG:4490"),
        ("12245143.99,2875744.62,12412123.23,3112335.60", EPSG_3857),
        ("110,25,0,111.5,27,100", None),
    ],
)
def test_bbox_in_another_crs_selects_the_same_stations(client, engine, bbox, bbox_crs):
    expected = _sql_ids(engine, "ST_Intersects(geom, ST_MakeEnvelope(110, 25, 111.5, 27, 4326))")
    params = {"bbox": bbox, "limit": 1000, **({"bbox-crs": bbox_crs} if bbox_crs else {})}
    features, _ = _walk(client, ITEMS, params)
    assert len(expected) > 0 and sorted(f["id"] for f in features) == expected


def test_filter_crs_reads_geometry_literals_latitude_first(client, engine):
    expected = _sql_ids(engine, "ST_Intersects(geom, ST_MakeEnvelope(110, 25, 111.5, 27, 4326))")
    params = {
        "filter": "S_INTERSECTS(geometry, BBOX(25, 110, 27, 111.5))",
        "filter-crs": EPSG_4326,
        "limit": 1000,
    }
    assert sorted(f["id"] for f in client.get(ITEMS, params=params).json()["features"]) == expected


# -- filters, sorting, properties, datetime -----------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"level": "village"}, "level = 'village'"),
        ({"star_rating": "5", "national_model": "false"}, "star_rating = 5 AND NOT national_model"),
        (
            {"filter": "level = 'township' OR star_rating IN (1, 2)"},
            "level = 'township' OR star_rating IN (1, 2)",
        ),
        ({"filter": "level = 'village'", "filter-lang": "cql2-text"}, "level = 'village'"),
        ({"filter": "level = 'village'", "filter-lang": "cql-text"}, "level = 'village'"),
        (
            {"filter": "people_served BETWEEN 2000 AND 4000", "level": "village"},
            "people_served BETWEEN 2000 AND 4000 AND level = 'village'",
        ),
        (
            {"filter": "star_rating IS NULL", "bbox": "110,25,111.5,27"},
            "star_rating IS NULL AND ST_Intersects(geom, ST_MakeEnvelope(110, 25, 111.5, 27, 4326))",
        ),
        (
            {"filter": "CASEI(area_name) LIKE CASEI('%社区')"},
            "(SELECT name FROM areas a WHERE a.code = area_code) LIKE '%社区'",
        ),
    ],
)
def test_filters_combine_and_count_like_the_database(client, engine, params, where):
    expected = _sql_ids(engine, where)
    features, pages = _walk(client, ITEMS, {**params, "limit": 1000})
    assert len(expected) > 0 and pages[0]["numberMatched"] == len(expected)
    assert sorted(f["id"] for f in features) == expected


def test_sortby_orders_ascending_descending_and_by_several_keys(client):
    rows = client.get(
        ITEMS,
        params={"sortby": "+star_rating,-people_served", "limit": 1000, "filter": "star_rating IS NOT NULL"},
    ).json()["features"]
    keys = [(f["properties"]["star_rating"], -f["properties"]["people_served"]) for f in rows]
    assert keys == sorted(keys) and len({k[0] for k in keys}) > 1
    unescaped = client.get(f"{ITEMS}?sortby=+name&limit=20&properties=name")  # '+' arrives as ' '
    names = [f["properties"]["name"] for f in unescaped.json()["features"]]
    assert names == sorted(names)
    by_area = client.get(
        ITEMS, params={"sortby": "-area_name", "limit": 50, "properties": "area_name"}
    ).json()
    areas = [f["properties"]["area_name"] for f in by_area["features"]]
    assert areas == sorted(areas, reverse=True) and len(set(areas)) > 1


def test_properties_selects_a_subset_or_none(client):
    some = client.get(ITEMS, params={"properties": "name, level", "limit": 2}).json()["features"]
    assert all(list(f["properties"]) == ["name", "level"] and f["geometry"] for f in some)
    none = client.get(ITEMS, params={"properties": "", "limit": 2}).json()["features"]
    assert all(f["properties"] == {} and isinstance(f["id"], int) for f in none)


def test_datetime_selects_stations_by_their_opening_date(client, engine):
    for value, where in [
        ("2021-01-01T00:00:00Z/..", "opened_on >= '2021-01-01'"),
        ("../2020-06-30", "opened_on <= '2020-06-30'"),
        ("2020-01-01/2021-12-31", "opened_on BETWEEN '2020-01-01' AND '2021-12-31'"),
        ("2019-12-31", "opened_on = '2019-12-31'"),
    ]:
        body = client.get(ITEMS, params={"datetime": value, "limit": 1}).json()
        assert body["numberMatched"] == len(_sql_ids(engine, where)), value
    assert len(_sql_ids(engine, "opened_on >= '2021-01-01'")) > 0


# -- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("/ogc/collections/nowhere", 404, "no collection 'nowhere'"),
        ("/ogc/collections/nowhere/items", 404, "no collection 'nowhere'"),
        ("/ogc/collections/nowhere/queryables", 404, "no collection 'nowhere'"),
        (f"{ITEMS}/abc", 404, "ids are integers"),
        (f"{ITEMS}/1.5", 404, "ids are integers"),
        (f"{ITEMS}/99999999999", 404, "no stations feature 99999999999"),
        (f"{ITEMS}/1_0", 404, "ids are integers"),
        (f"{ITEMS}/%EF%BC%95", 404, "ids are integers"),  # a full-width digit 5
        (f"{ITEMS}/-1", 404, "ids are integers"),
        (f"{ITEMS}/99999999999999999999999", 404, "no stations feature"),
        ("/ogc/collections/areas/items/999999", 404, "no areas feature 999999"),
        (f"{ITEMS}?bbox=111.5,25,110,27", 400, "bbox is inverted: lower x/longitude 111.5 > upper 110"),
        (f"{ITEMS}?bbox=110,27,111.5,25", 400, "bbox is inverted: lower y/latitude 27 > upper 25"),
        (f"{ITEMS}?bbox=110,25,190,27", 400, "outside the valid range of CRS84"),
        (f"{ITEMS}?bbox=110,-95,111,27", 400, "outside the valid range of CRS84"),
        (f"{ITEMS}?bbox=110,25,111&bbox-crs=EPSG:4326", 400, "bbox must be 4 or 6"),
        (f"{ITEMS}?bbox=a,b,c,d", 400, "bbox must be 4 or 6 comma-separated numbers"),
        (f"{ITEMS}?bbox=110,25,nan,27", 400, "bbox must be 4 or 6 comma-separated numbers"),
        (f"{ITEMS}?bbox=110,25,1e999,27", 400, "finite numbers"),
        (f"{ITEMS}?bbox=25,110,27,181&bbox-crs=EPSG:4326", 400, "outside the valid range of EPSG:4326"),
        (f"{ITEMS}?bbox=110,25,111,26&bbox-crs=EPSG:32650", 400, "bbox-crs: unsupported CRS 'EPSG:32650'"),
        (f"{ITEMS}?crs=http://www.opengis.net/def/crs/EPSG/0/2385", 400, "crs: unsupported CRS"),
        (f"{ITEMS}?limit=0", 400, "limit must be at least 1"),
        (f"{ITEMS}?limit=ten", 400, "limit must be an integer"),
        (f"{ITEMS}?limit=1_0", 400, "limit must be an integer"),
        (f"{ITEMS}?bbox=1_10,25,111,27", 400, "bbox must be 4 or 6 comma-separated numbers"),
        (f"{ITEMS}?offset=-1", 400, "offset must be at least 0"),
        (f"{ITEMS}?offset=99999999999999999999", 400, "offset must be at most 9223372036854775807"),
        (f"{ITEMS}?filter=level%20%3D", 400, "filter: expected a property name or a value"),
        (f"{ITEMS}?filter=colour%20%3D%20'red'", 400, "unknown property 'colour' at character 1"),
        (
            f"{ITEMS}?filter=level%20%3D%20'village'&filter-lang=cql2-json",
            400,
            "filter-lang 'cql2-json' is not supported",
        ),
        (
            f"{ITEMS}?filter=S_INTERSECTS(geometry,POINT(110%2025))&filter-crs=EPSG:4326",
            400,
            "outside the valid range of EPSG:4326",
        ),
        (f"{ITEMS}?sortby=colour", 400, "sortby: unknown property 'colour'"),
        (f"{ITEMS}?sortby=geometry", 400, "sortby: unknown property 'geometry'"),
        (f"{ITEMS}?properties=name,colour", 400, "properties: unknown property 'colour'"),
        (f"{ITEMS}?colour=red", 400, "unknown query parameter 'colour'"),
        (f"{ITEMS}?level=villag", 400, "unknown level 'villag'"),
        (f"{ITEMS}?star_rating=high", 400, "star_rating takes integer values, got 'high'"),
        (f"{ITEMS}?limit=10&limit=20", 400, "limit is given 2 times"),
        (f"{ITEMS}?datetime=2024-13-01", 400, "datetime '2024-13-01' is not RFC 3339"),
        (f"{ITEMS}?datetime=2024-02-01/2024-01-01", 400, "ends before it starts"),
        (f"{ITEMS}?f=xml", 400, "f: 'json' (GeoJSON) or 'html'"),
        (f"{ITEMS}/1?crs=EPSG:1234", 400, "crs: unsupported CRS"),
        (f"{ITEMS}/1?bbox=1,2,3,4", 400, "unknown query parameter 'bbox'"),
    ],
)
def test_bad_input_is_a_4xx_that_says_what_was_wrong(client, url, status, says):
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["type"] == "about:blank" and problem["title"]
    assert says in problem["detail"]
