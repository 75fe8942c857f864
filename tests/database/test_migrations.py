"""Schema migrations on a real PostGIS: idempotent, reversible, in step with the models, strict."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from geo.database.migrate import alembic_config, downgrade, upgrade
from tests.factories import scratch_database

TABLES = {"areas", "stations", "memorials", "cemeteries", "graves"}


@pytest.fixture()
def scratch_url(test_db_url):
    with scratch_database(test_db_url, "migrations", migrated=False) as url:
        yield url


def _tables(url) -> set[str]:
    eng = create_engine(url)
    try:
        return set(inspect(eng).get_table_names()) & TABLES
    finally:
        eng.dispose()


def test_migrate_twice_then_down_and_up_again(scratch_url):
    upgrade(scratch_url)
    upgrade(scratch_url)  # idempotent
    assert _tables(scratch_url) == TABLES
    downgrade(scratch_url, "base")
    assert _tables(scratch_url) == set()
    upgrade(scratch_url)
    assert _tables(scratch_url) == TABLES


def test_models_and_migrations_agree(test_db_url):
    command.check(alembic_config(test_db_url))  # raises when autogenerate would emit operations


def test_spatial_indexes_exist(engine):
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT tablename, indexdef FROM pg_indexes WHERE indexdef ILIKE '%USING gist%'")
        ).all()
    indexed = {(r.tablename, r.indexdef.split("(")[-1].rstrip(")")) for r in rows}
    for table in ("stations", "memorials", "cemeteries", "graves"):
        assert (table, "geom") in indexed
    assert ("memorials", "protection_zone") in indexed and ("areas", "geom") in indexed


_POINT = "ST_SetSRID(ST_MakePoint(110.64, 26.04), 4326)"


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        (
            f"INSERT INTO stations (name, level, area_code, geom, star_rating) VALUES ('s', 'village', '450329', {_POINT}, 7)",
            "ck_stations_star_rating",
        ),
        (
            f"INSERT INTO stations (name, level, area_code, geom) VALUES ('s', 'galaxy', '450329', {_POINT})",
            "ck_stations_level",
        ),
        (
            f"INSERT INTO stations (name, level, area_code, geom) VALUES ('  ', 'village', '450329', {_POINT})",
            "ck_stations_name",
        ),
        (
            f"INSERT INTO memorials (name, kind, protection_level, area_code, geom, condition_index) "
            f"VALUES ('m', 'hall', 'county', '450329', {_POINT}, 101)",
            "ck_memorials_condition_index",
        ),
        (
            f"INSERT INTO memorials (name, kind, protection_level, area_code, geom) "
            f"VALUES ('m', 'hall', 'imperial', '450329', {_POINT})",
            "ck_memorials_protection_level",
        ),
        (
            f"INSERT INTO memorials (name, kind, protection_level, area_code, geom, protection_zone) VALUES "
            f"('m', 'hall', 'county', '450329', {_POINT}, "
            "ST_GeomFromText('MULTIPOLYGON(((0 0, 1 1, 1 0, 0 1, 0 0)))', 4326))",
            "ck_memorials_protection_zone_valid",
        ),
        (
            f"INSERT INTO graves (name, kind, area_code, geom) VALUES ('g', 'in_cemetery', '450329', {_POINT})",
            "ck_graves_cemetery_matches_kind",
        ),
        (
            f"INSERT INTO graves (name, kind, area_code, geom, disposition) VALUES ('g', 'scattered', '450329', {_POINT}, 'moved')",
            "ck_graves_moved_has_target",
        ),
        (
            "INSERT INTO areas (code, name, level, point) VALUES ('4503', 'x', 'county', " + _POINT + ")",
            "ck_areas_code_format",
        ),
        (
            "INSERT INTO areas (code, name, level, point) VALUES ('450329999', 'x', 'hamlet', "
            + _POINT
            + ")",
            "ck_areas_level|ck_areas_code_format",
        ),
    ],
)
def test_database_rejects_impossible_values(engine, demo_counts, statement, constraint):
    with engine.connect() as conn, pytest.raises(IntegrityError) as info, conn.begin():
        conn.execute(text(statement))
    assert info.value.orig.diag.constraint_name in constraint.split("|")


def test_updated_at_follows_every_update(engine, demo_counts):
    with engine.begin() as conn:
        before = conn.execute(text("SELECT updated_at FROM stations WHERE id = 1")).scalar_one()
    time.sleep(0.01)
    with engine.begin() as conn:
        conn.execute(text("UPDATE stations SET phone = '0773-0000000' WHERE id = 1"))
        after, created = conn.execute(text("SELECT updated_at, created_at FROM stations WHERE id = 1")).one()
        conn.execute(text("UPDATE stations SET phone = NULL WHERE id = 1"))
    assert after > before and isinstance(created, dt.datetime)


def test_protection_zone_area_is_computed_in_square_metres(engine, demo_counts):
    with engine.connect() as conn:
        zone_m2, expected = conn.execute(
            text(
                "SELECT protection_zone_m2, ST_Area(protection_zone::geography) FROM memorials "
                "WHERE protection_zone IS NOT NULL ORDER BY id LIMIT 1"
            )
        ).one()
    assert zone_m2 == pytest.approx(expected) and 100 < zone_m2 < 200_000
