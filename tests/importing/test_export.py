"""Export (issue 8): every collection to every format, read back by import as the same records (a round trip),
filters by area and kind, per-area summaries in Excel, the CLI and the API."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import openpyxl
import pyogrio
import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from api.principal import get_principal
from geo.accounts.audit import CLI_ACTOR
from geo.errors import InvalidInput
from geo.importing.export import SUFFIXES, export_collection, export_summary
from geo.importing.readers import FORMATS
from geo.importing.run import ImportOptions, run_import
from geo.principal import Principal

COUNTY = "450329"  # 资源县 of the demo atlas
SITES = ("stations", "memorials", "cemeteries", "graves")
CODED = (*SITES, "martyrs")  # martyr records name their burial sites by these codes


@pytest.fixture(scope="module", autouse=True)
def coded_county(engine: Engine, demo_counts: dict[str, int]) -> Iterator[None]:
    """The demo's sites and martyr records of one county get register codes (the demo has none) for the module,
    then lose them."""
    with engine.begin() as conn:
        for t in CODED:
            conn.execute(
                text(f"UPDATE {t} SET code = 'RT-{t}-' || id WHERE area_code LIKE :p AND code IS NULL"),
                {"p": COUNTY + "%"},
            )
    yield
    with engine.begin() as conn:
        for t in CODED:
            conn.execute(text(f"UPDATE {t} SET code = NULL WHERE code LIKE :p"), {"p": f"RT-{t}-%"})


def _count(engine: Engine, table: str, prefix: str = COUNTY) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(f"SELECT count(*) FROM {table} WHERE {'area_code' if table != 'areas' else 'code'} LIKE :p"),
            {"p": prefix + "%"},
        ).scalar_one()


def _fingerprint(engine: Engine, table: str) -> list:
    with engine.connect() as conn:
        return conn.execute(
            text(f"SELECT code, md5(to_jsonb(t)::text) FROM {table} t WHERE code LIKE :p ORDER BY code"),
            {"p": COUNTY + "%" if table == "areas" else f"RT-{table}-%"},
        ).all()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("collection", [*CODED, "areas"])
def test_export_then_import_gives_back_the_same_records(engine, tmp_path, collection, fmt):
    path = tmp_path / f"{collection}{SUFFIXES[fmt]}"
    with engine.connect() as conn:
        n = export_collection(conn, collection, fmt, path, area=COUNTY)
    assert n == _count(engine, collection) and n > 0
    before = _fingerprint(engine, collection)
    report = run_import(engine, path, ImportOptions(collection), CLI_ACTOR)
    counts = report.counts
    rejected = [r for r in report.to_json()["rows"] if r["status"] == "rejected"][:3]
    assert counts["rows"] == n and counts["unchanged"] == n, (counts, rejected)
    assert _fingerprint(engine, collection) == before  # not even touched: versions and timestamps stay


def test_a_shapefile_carries_polygon_columns_as_extra_layers(engine, tmp_path):
    path = tmp_path / "memorials.zip"
    with engine.connect() as conn:
        export_collection(conn, "memorials", "shp", path, area=COUNTY)
    layers = {str(name) for name, _ in pyogrio.list_layers(path)}
    assert {"memorials", "protection_zone"} <= layers


def test_filters_by_area_and_kind(engine, tmp_path):
    path = tmp_path / "villages.csv"
    with engine.connect() as conn:
        n = export_collection(conn, "stations", "csv", path, area=COUNTY, kind="village")
        expected = conn.execute(
            text("SELECT count(*) FROM stations WHERE area_code LIKE :p AND level = 'village'"),
            {"p": COUNTY + "%"},
        ).scalar_one()
        assert n == expected
        with pytest.raises(InvalidInput, match="unknown level"):
            export_collection(conn, "stations", "csv", path, kind="galaxy")
        with pytest.raises(InvalidInput, match="unknown area"):
            export_collection(conn, "stations", "csv", path, area="999999")
    text_ = path.read_text(encoding="utf-8-sig")
    assert text_.splitlines()[0].startswith("code,name,area_code") and ",lon,lat" in text_.splitlines()[0]


def test_per_area_summary_tables_in_excel(engine, tmp_path):
    path = tmp_path / "summary.xlsx"
    with engine.connect() as conn:
        n = export_summary(conn, path, area=COUNTY)
        townships = conn.execute(
            text("SELECT count(*) FROM areas WHERE parent_code = :c"), {"c": COUNTY}
        ).scalar_one()
    assert n == townships
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(CODED)
    rows = list(book["stations"].iter_rows(values_only=True))
    assert rows[0][:4] == ("code", "name", "level", "total")
    assert rows[-1][1] == "total" and rows[-1][3] == _count(engine, "stations")
    martyrs = list(book["martyrs"].iter_rows(values_only=True))
    assert martyrs[0] == (
        "code",
        "name",
        "level",
        "total",
        "grave",
        "cemetery",
        "memorial",
        "unknown",
        "relatives_found",
    )
    assert martyrs[-1][3] == _count(engine, "martyrs") > 0 and martyrs[-1][3] == sum(martyrs[-1][4:8])


def test_api_exports_with_the_field_policy(client, anon_client):
    response = client.get(f"/api/v1/exports/graves.csv?area={COUNTY}&kind=scattered")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    header = response.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert "custodian_phone" in header  # an admin reads personal fields
    public = anon_client.get(f"/api/v1/exports/graves.csv?area={COUNTY}")
    assert public.status_code == 200
    assert "custodian_phone" not in public.content.decode("utf-8-sig").splitlines()[0]
    gpkg = anon_client.get(f"/api/v1/exports/stations.gpkg?area={COUNTY}")
    assert gpkg.status_code == 200 and gpkg.content.startswith(b"SQLite format 3")
    geojson = anon_client.get(f"/api/v1/exports/memorials.geojson?area={COUNTY}")
    assert json.loads(geojson.content)["type"] == "FeatureCollection"
    summary = anon_client.get(f"/api/v1/exports/summary.xlsx?area={COUNTY}")
    assert summary.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(summary.content)).sheetnames[0] == "stations"
    assert anon_client.get("/api/v1/exports/stations.pdf").status_code == 422
    assert anon_client.get("/api/v1/exports/summary.csv").status_code == 422
    assert anon_client.get("/api/v1/exports/stations.csv?kind=galaxy").status_code == 422


def _martyr_sheet(response) -> list[tuple]:
    assert response.status_code == 200, response.text
    return list(openpyxl.load_workbook(io.BytesIO(response.content))["martyrs"].iter_rows(values_only=True))


def test_the_public_summary_has_no_relatives_found_figure(client, anon_client, engine):
    """With one martyr in a village the count of records with relatives found is that martyr's flag: casework of
    the family-search office, so the public summary leaves it out; staff of the area keep it."""
    with engine.connect() as conn:  # a township of the county with a village of one martyr record
        township = conn.execute(
            text(
                "SELECT left(area_code, 9) FROM martyrs WHERE area_code LIKE :p "
                "GROUP BY area_code HAVING count(*) = 1 ORDER BY 1 LIMIT 1"
            ),
            {"p": COUNTY + "%"},
        ).scalar_one()
    villages = _martyr_sheet(anon_client.get(f"/api/v1/exports/summary.xlsx?area={township}"))
    assert any(
        row[3] == 1 for row in villages[1:-1]
    )  # one record in a village row: the figure would be its flag
    assert "relatives_found" not in villages[0] and all(len(row) == 8 for row in villages)
    public = _martyr_sheet(anon_client.get(f"/api/v1/exports/summary.xlsx?area={COUNTY}"))
    assert "relatives_found" not in public[0] and len(public[0]) == 8
    assert all(len(row) == 8 for row in public)
    staff = _martyr_sheet(client.get(f"/api/v1/exports/summary.xlsx?area={COUNTY}"))  # a national admin
    assert staff[0][-1] == "relatives_found" and len(staff) == len(public)
    try:
        for role, area, sees in (
            ("planner", COUNTY, True),
            ("crew", "450300", True),
            ("crew", "420302", False),
        ):
            reader = Principal(user_id=1, username=f"{role}-{area}", role=role, area_code=area)
            client.app.dependency_overrides[get_principal] = lambda reader=reader: reader
            sheet = _martyr_sheet(client.get(f"/api/v1/exports/summary.xlsx?area={COUNTY}"))
            assert ("relatives_found" in sheet[0]) is sees, (role, area)
            national = _martyr_sheet(client.get("/api/v1/exports/summary.xlsx"))
            assert "relatives_found" not in national[0], (role, area)  # the whole atlas is no county's
    finally:
        client.app.dependency_overrides.pop(get_principal, None)


def test_cli_export_and_summary(monkeypatch, test_db_url, tmp_path):
    monkeypatch.setenv("VETMAP_DATABASE_URL", test_db_url.render_as_string(hide_password=False))
    from main import cli

    out = tmp_path / "s.gpkg"
    result = CliRunner().invoke(
        cli, ["export", str(out), "--collection", "stations", "--area", COUNTY, "--format", "gpkg"]
    )
    assert result.exit_code == 0, result.output
    assert "records written" in result.output and out.exists()
    result = CliRunner().invoke(cli, ["export", str(tmp_path / "sum.xlsx"), "--collection", "summary"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["export", str(tmp_path / "x.pdf"), "--collection", "stations"])
    assert result.exit_code == 1 and "unknown format" in result.output


def test_martyr_records_export_with_their_burial_point_filtered_by_burial_kind(
    engine, client, anon_client, tmp_path
):
    path = tmp_path / "martyrs.geojson"
    with engine.connect() as conn:
        n = export_collection(conn, "martyrs", "geojson", path, area=COUNTY)
        in_graves = export_collection(conn, "martyrs", "csv", tmp_path / "g.csv", area=COUNTY, kind="grave")
        expected = conn.execute(
            text("SELECT count(*) FROM martyrs WHERE area_code LIKE :p AND grave_id IS NOT NULL"),
            {"p": COUNTY + "%"},
        ).scalar_one()
        unknown = conn.execute(
            text(
                "SELECT count(*) FROM martyrs WHERE area_code LIKE :p AND grave_id IS NULL AND cemetery_id IS NULL "
                "AND memorial_id IS NULL"
            ),
            {"p": COUNTY + "%"},
        ).scalar_one()
        with pytest.raises(InvalidInput, match="unknown burial kind"):
            export_collection(conn, "martyrs", "csv", tmp_path / "x.csv", kind="galaxy")
    assert in_graves == expected > 0
    features = json.loads(path.read_text())["features"]
    assert len(features) == n
    assert (
        sum(f["geometry"] is None for f in features) == unknown
    )  # no point where the burial place is unknown
    placed = next(f for f in features if f["properties"]["grave_code"])
    assert placed["geometry"]["type"] == "Point" and placed["properties"]["grave_section"] is not None
    staff = client.get(f"/api/v1/exports/martyrs.csv?area={COUNTY}&kind=grave")
    assert staff.status_code == 200 and "code" in staff.content.decode("utf-8-sig").splitlines()[0].split(",")
    public = anon_client.get(f"/api/v1/exports/martyrs.xlsx?area={COUNTY}")
    assert public.status_code == 200
    header = next(openpyxl.load_workbook(io.BytesIO(public.content)).active.iter_rows(values_only=True))
    assert (
        "code" not in header and "relatives_found" not in header and "name" in header
    )  # internal fields stay
