"""Personal data scoped to its area (issue 18, item 5): a grave's custodian and responsible cadre are read only by
crews and admins whose area holds the grave (accounts of the whole atlas: everywhere), on every read path: single
item, lists, nearest/within, OGC items and item (filters and sorting too), exports in every format; the map page,
its cluster tiles and the vector tiles carry them for nobody."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point
from sqlalchemy import Engine, text

from api.principal import get_principal
from geo.atlas.collections import COLLECTIONS
from geo.atlas.field_policy import personal_prefix, reads_personal_in
from geo.atlas.sites import create_site
from geo.importing.columns import shapefile_name
from geo.importing.readers import read_file
from geo.principal import PUBLIC, Principal
from tests.factories import tile_of
from tests.map_pages import with_fetched

SECRET_PHONE = "13800006666"
SECRET_CUSTODIAN = "区域保管人王某某"
SECRET_CADRE = "区域责任干部赵某某"
SECRETS = (SECRET_PHONE, SECRET_CUSTODIAN, SECRET_CADRE)
PERSONAL = ("custodian_name", "custodian_phone", "responsible_cadre")
GRAVE_NAME = "区域规则散葬墓"
MARTYR = "区域规则测试"
GRAVE_POINT = (110.6456, 26.0441)  # inside 资源县 (450329)


def _account(role: str, area: str | None) -> Principal:
    return Principal(user_id=1, username=f"{role}-{area or 'all'}", role=role, area_code=area)


@pytest.fixture(scope="module")
def private_grave(engine: Engine, demo_counts: dict[str, int]) -> Iterator[int]:
    """A scattered grave under a care agreement, its custodian and cadre private, written without the API."""
    spec = COLLECTIONS["graves"]
    fields = spec.fields.model_validate(
        {
            "name": GRAVE_NAME,
            "kind": "scattered",
            "martyr_name": MARTYR,
            "custodian_name": SECRET_CUSTODIAN,
            "custodian_phone": SECRET_PHONE,
            "responsible_cadre": SECRET_CADRE,
            "care_party": "relatives",
            "disposition": "care_agreement",
            "care_agreed_on": "2026-04-01",
        }
    )
    with engine.begin() as conn:
        grave_id = create_site(conn, spec, fields, Point(*GRAVE_POINT), _account("admin", None))["id"]
    yield grave_id
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM graves WHERE id = :id"), {"id": grave_id})


def test_the_area_rule_itself():
    assert personal_prefix(PUBLIC) is None and personal_prefix(_account("planner", "450329")) is None
    assert personal_prefix(_account("admin", None)) == ""
    assert personal_prefix(_account("crew", "450329")) == "450329"
    assert personal_prefix(_account("crew", "450000")) == "45"
    assert personal_prefix(_account("crew", "450329101")) == "450329101"
    assert reads_personal_in(_account("crew", "450300"), "450329101201")
    assert not reads_personal_in(_account("crew", "420302"), "450329101201")
    assert not reads_personal_in(_account("crew", "420302"), None)
    assert reads_personal_in(_account("admin", None), None)
    assert not reads_personal_in(_account("planner", None), "450329")


GRAVE_AREA = "450329"  # the private grave's county
OTHER_AREA = "420302"  # 茅箭区 (Hubei): its accounts must not read the personal data of Guangxi's graves
AREA_READERS = [
    ("crew", OTHER_AREA, False),
    ("planner", OTHER_AREA, False),
    ("admin", OTHER_AREA, False),
    ("crew", "450302", False),  # another county of the same city
    ("crew", GRAVE_AREA, True),
    ("crew", "450000", True),  # the province holding the county
    ("planner", GRAVE_AREA, False),  # planners never read personal data
    ("admin", GRAVE_AREA, True),
    ("admin", None, True),  # the whole atlas
]
EXPORT_FORMATS = ("geojson", "csv", "xlsx", "kml", "gpkg", "shp")


@pytest.fixture
def as_reader(client: TestClient) -> Iterator:
    """Make the session client act as an account of a role and area (dependency override), undone after."""

    def use(role: str, area: str | None) -> None:
        principal = Principal(user_id=1, username=f"{role}-{area or 'all'}", role=role, area_code=area)
        client.app.dependency_overrides[get_principal] = lambda: principal

    yield use
    client.app.dependency_overrides.pop(get_principal, None)


def _square(lon: float, lat: float, d: float) -> dict:
    ring = [
        [lon - d, lat - d],
        [lon + d, lat - d],
        [lon + d, lat + d],
        [lon - d, lat + d],
        [lon - d, lat - d],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _json_paths(client: TestClient, grave_id: int) -> dict:
    """Every JSON read path that returns the private grave's properties."""
    lon, lat = GRAVE_POINT
    bbox = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
    return {
        "read": client.get(f"/api/v1/graves/{grave_id}"),
        "list": client.get("/api/v1/graves", params={"area": GRAVE_AREA, "limit": 1000}),
        "nearest": client.get("/api/v1/graves/nearest", params={"lon": lon, "lat": lat, "k": 3}),
        "within circle": client.get("/api/v1/graves/within", params={"lon": lon, "lat": lat, "radius_m": 50}),
        "within bbox": client.get("/api/v1/graves/within", params={"bbox": bbox}),
        "within area": client.get("/api/v1/graves/within", params={"area": GRAVE_AREA, "limit": 1000}),
        "within polygon": client.post("/api/v1/graves/within", json=_square(lon, lat, 0.001)),
        "ogc items": client.get(
            "/ogc/collections/graves/items", params={"filter": f"martyr_name = '{MARTYR}'"}
        ),
        "ogc item": client.get(f"/ogc/collections/graves/items/{grave_id}"),
        "ogc item in EPSG:4326": client.get(
            f"/ogc/collections/graves/items/{grave_id}",
            params={"crs": "http://www.opengis.net/def/crs/EPSG/0/4326"},
        ),
    }


@pytest.mark.parametrize(("role", "area", "sees"), AREA_READERS)
def test_personal_grave_fields_are_read_only_inside_the_readers_area(
    client, as_reader, private_grave, role, area, sees
):
    as_reader(role, area)
    for what, response in _json_paths(client, private_grave).items():
        assert response.status_code == 200, (what, response.text)
        body = response.json()
        (props,) = [f["properties"] for f in body.get("features", [body]) if f["id"] == private_grave]
        assert props["martyr_name"] == MARTYR and props["care_party"] == "relatives", what
        if sees:
            assert (props["custodian_name"], props["custodian_phone"], props["responsible_cadre"]) == (
                SECRET_CUSTODIAN,
                SECRET_PHONE,
                SECRET_CADRE,
            ), what
        else:
            assert not set(PERSONAL) & set(props), (what, sorted(props))  # absent, not null
            for secret in SECRETS:
                assert secret not in response.text, (what, secret)


def _exported_row(client: TestClient, tmp_path: Path, fmt: str, area: str) -> tuple[list[str], dict]:
    response = client.get(f"/api/v1/exports/graves.{fmt}", params={"area": area, "kind": "scattered"})
    assert response.status_code == 200, (fmt, response.text)
    path = tmp_path / f"graves-{fmt}{'.zip' if fmt == 'shp' else '.' + fmt}"
    path.write_bytes(response.content)
    table = read_file(path, fmt)
    names = {shapefile_name(c): c for c in (*PERSONAL, "martyr_name")} if fmt == "shp" else {}
    rows = [{names.get(k, k): v for k, v in r.items()} for r in table.rows]  # a Shapefile's 10-letter names
    (row,) = [r for r in rows if r.get("martyr_name") == MARTYR]
    return [names.get(c, c) for c in table.columns], row


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
@pytest.mark.parametrize(
    ("role", "area", "sees"),
    [
        ("crew", OTHER_AREA, False),
        ("planner", OTHER_AREA, False),
        ("crew", GRAVE_AREA, True),
        ("admin", None, True),
    ],
)
def test_exports_carry_personal_fields_only_for_readers_of_the_area(
    client, as_reader, private_grave, tmp_path, fmt, role, area, sees
):
    as_reader(role, area)
    columns, row = _exported_row(client, tmp_path, fmt, GRAVE_AREA)
    if sees:
        assert (row["custodian_name"], str(row["custodian_phone"]), row["responsible_cadre"]) == (
            SECRET_CUSTODIAN,
            SECRET_PHONE,
            SECRET_CADRE,
        ), fmt
    else:  # no row of the reader's area in this export: the columns are left out
        assert not set(PERSONAL) & set(columns), (fmt, columns)
        assert not {str(v) for v in row.values()} & set(SECRETS)


def test_a_reader_sees_personal_fields_of_its_own_area_only_in_mixed_answers(client, as_reader):
    """A crew of 420302 asking for every scattered grave of Hubei: custodians of its county, nobody else's."""
    as_reader("crew", OTHER_AREA)
    hubei = {"kind": "scattered", "limit": 1000}
    listed = client.get("/api/v1/graves", params={**hubei, "area": "420000"}).json()["features"]
    ogc = client.get(
        "/ogc/collections/graves/items", params={**hubei, "filter": "area_code LIKE '42%'"}
    ).json()
    exported = client.get("/api/v1/exports/graves.csv", params={"kind": "scattered", "area": "420000"})
    lines = exported.content.decode("utf-8-sig").splitlines()
    header = lines[0].split(",")
    assert "custodian_name" in header  # some rows are the reader's: the column stays, empty elsewhere
    at, area_at = header.index("custodian_name"), header.index("area_code")
    rows = [line.split(",") for line in lines[1:]]
    features = [f["properties"] for f in (*listed, *ogc["features"])]
    inside = [p for p in features if p["area_code"].startswith(OTHER_AREA)]
    assert inside and len(inside) < len(features)
    for props in features:
        assert ("custodian_name" in props) is props["area_code"].startswith(OTHER_AREA), props["area_code"]
    assert all(p["custodian_name"] for p in inside)  # the demo's scattered graves all have a custodian
    assert {bool(r[at]) for r in rows if r[area_at].startswith(OTHER_AREA)} == {True}
    assert {bool(r[at]) for r in rows if not r[area_at].startswith(OTHER_AREA)} == {False}


def test_filters_and_sorting_on_personal_fields_learn_nothing_outside_the_area(
    client, as_reader, private_grave
):
    as_reader("crew", OTHER_AREA)
    for expression in (
        f"custodian_phone = '{SECRET_PHONE}'",
        "responsible_cadre LIKE '区域责任干部%'",
        f"custodian_name IS NOT NULL AND martyr_name = '{MARTYR}'",
    ):
        found = client.get("/ogc/collections/graves/items", params={"filter": expression})
        assert found.status_code == 200, found.text
        assert private_grave not in [f["id"] for f in found.json()["features"]], expression
    by_param = client.get("/ogc/collections/graves/items", params={"custodian_phone": SECRET_PHONE})
    assert by_param.status_code == 200 and by_param.json()["numberMatched"] == 0
    chosen = client.get(
        "/ogc/collections/graves/items",
        params={"filter": f"martyr_name = '{MARTYR}'", "properties": "name,custodian_phone"},
    )
    (feature,) = chosen.json()["features"]
    assert feature["properties"] == {"name": GRAVE_NAME}
    as_reader("crew", GRAVE_AREA)
    found = client.get(
        "/ogc/collections/graves/items", params={"filter": f"custodian_phone = '{SECRET_PHONE}'"}
    )
    assert [f["id"] for f in found.json()["features"]] == [private_grave]


def test_map_page_tiles_and_cluster_tiles_carry_no_personal_field_even_for_the_area(
    client, as_reader, private_grave
):
    as_reader("crew", GRAVE_AREA)
    page = client.get("/")
    shown = with_fetched(client, page.text)
    assert page.status_code == 200 and MARTYR in shown
    z = 17
    x, y = tile_of(*GRAVE_POINT, z)
    clusters = client.get(f"/api/v1/clusters/graves/{z}/{x}/{y}.json")
    assert clusters.status_code == 200 and MARTYR in clusters.text
    tile = client.get(f"/tiles/graves/{z}/{x}/{y}.mvt")
    assert tile.status_code == 200
    for body in (shown, clusters.text, tile.content.decode("utf-8", "replace")):
        for secret in SECRETS:
            assert secret not in body
