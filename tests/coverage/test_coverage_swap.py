"""A full coverage run replaces the coverage tables by fresh ones swapped in (geo/coverage/runs.py
``swap_in_fresh``): the tables keep their definition (columns, keys, indexes, names), and readers see either the
whole old table or the whole new one, never a partial one nor an error, however their reads and the swap meet."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from geo.coverage.runs import CoverageParams, run_full
from geo.database.engine import make_engine
from tests.factories import scratch_database

TABLES = ("coverage_villages", "coverage_townships")
VILLAGES = {"910101001201": 100.00, "910101001202": 100.01, "910101001203": 100.02}


@pytest.fixture(scope="module")
def swap_engine(test_db_url) -> Iterator[Engine]:
    """A database of its own: one county, one township, three villages, a village and a township station."""
    with scratch_database(test_db_url, "coverage_swap") as url:
        engine = make_engine(url)
        point = "ST_SetSRID(ST_MakePoint(:lon, 0), 4326)"
        with engine.begin() as conn:
            insert = text(
                "INSERT INTO areas (code, name, level, parent_code, point, synthetic) "
                f"VALUES (:code, :name, :level, :parent, {point}, true)"
            )
            for code, level, parent in (
                ("910000", "province", None),
                ("910100", "city", "910000"),
                ("910101", "county", "910100"),
                ("910101001", "township", "910101"),
            ):
                conn.execute(insert, dict(code=code, name=f"区{code}", level=level, parent=parent, lon=100.0))
            for code, lon in VILLAGES.items():
                conn.execute(
                    insert, dict(code=code, name=f"村{code}", level="village", parent=code[:9], lon=lon)
                )
            for level, served, lon in (("village", "910101001201", 100.0), ("township", "910101001", 100.01)):
                conn.execute(
                    text(
                        "INSERT INTO stations (name, level, area_code, served_area_code, geom) "
                        f"VALUES (:name, :level, :served, :served, {point})"
                    ),
                    dict(name=f"站{served}", level=level, served=served, lon=lon),
                )
        yield engine
        engine.dispose()


def _definition(engine: Engine) -> dict[str, list]:
    """Columns, constraints and indexes of the coverage tables, by name, as the catalogue defines them."""
    with engine.connect() as conn:
        return {
            table: [
                *conn.execute(
                    text(
                        "SELECT attnum, attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute "
                        "WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 AND NOT attisdropped ORDER BY 1"
                    ),
                    {"t": table},
                ).all(),
                *conn.execute(
                    text(
                        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE conrelid = CAST(:t AS regclass) ORDER BY 1"
                    ),
                    {"t": table},
                ).all(),
                *conn.execute(
                    text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t ORDER BY 1"),
                    {"t": table},
                ).all(),
            ]
            for table in TABLES
        }


def _stamps(conn) -> tuple[int, set[int]]:
    rows = conn.execute(text("SELECT run_id FROM coverage_villages")).scalars().all()
    return len(rows), set(rows)


def _waiting(engine: Engine, query_start: str) -> bool:
    """True when a backend whose query starts so is waiting for a lock."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE :q AND pid <> pg_backend_pid())"
            ),
            {"q": query_start + "%"},
        ).scalar_one()


def _wait_for(engine: Engine, query_start: str) -> None:
    deadline = time.monotonic() + 60
    while not _waiting(engine, query_start):
        assert time.monotonic() < deadline, f"nobody waited with {query_start!r}"
        time.sleep(0.05)


def test_a_full_run_keeps_the_tables_definition(swap_engine):
    run_full(swap_engine, CoverageParams())
    before = _definition(swap_engine)
    assert any(r[0] == "ix_coverage_villages_area_code" for r in before["coverage_villages"])
    run = run_full(swap_engine, CoverageParams(2000, 8000))
    assert _definition(swap_engine) == before
    with swap_engine.connect() as conn:
        assert _stamps(conn) == (3, {run.id})
        assert conn.execute(text("SELECT count(*) FROM coverage_townships")).scalar_one() == 1
        # the foreign keys hold again: a row naming no run is refused
        with pytest.raises(Exception, match="foreign key"):
            conn.execute(text("UPDATE coverage_villages SET run_id = -1"))


def test_readers_see_the_whole_old_table_or_the_whole_new_one(swap_engine):
    first = run_full(swap_engine, CoverageParams())
    reader = swap_engine.connect()
    reader.begin()
    assert _stamps(reader) == (3, {first.id})
    done: list = []
    runner = threading.Thread(target=lambda: done.append(run_full(swap_engine, CoverageParams(2000, 8000))))
    runner.start()
    try:
        # the run builds its fresh table, then waits at the swap while a reader of the old table is open
        _wait_for(swap_engine, "DROP TABLE coverage_villages")
        assert _stamps(reader) == (3, {first.id})
        # a reader arriving now waits for the swap's commit, then reads the new table whole
        late: list = []

        def read_late() -> None:
            with swap_engine.connect() as conn:
                late.append(_stamps(conn))

        latecomer = threading.Thread(target=read_late)
        latecomer.start()
        _wait_for(swap_engine, "SELECT run_id FROM coverage_villages")
    finally:
        reader.rollback()
        reader.close()
        runner.join(60)
    latecomer.join(60)
    assert len(done) == 1 and done[0].status == "done"
    assert late == [(3, {done[0].id})]
