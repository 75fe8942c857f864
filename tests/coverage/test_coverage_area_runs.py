"""Coverage runs of one area (geo/coverage/runs.py ``start_area_run``): only the rows of the area are recomputed,
rows that were right keep their run stamp, and a run refused while another holds the coverage tables says why in
the caller's language."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from geo.coverage.rates import coverage_by_area
from geo.coverage.runs import start_area_run
from geo.errors import Conflict
from geo.kit.runs import LOCK_CLASS
from web.i18n import error_text

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"
TOWNSHIP = "450329002"
OTHER_TOWNSHIP = "450329003"
WRONG_M = 654321.0


def _first_village(engine: Engine, township: str) -> str:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT min(area_code) FROM coverage_villages WHERE area_code LIKE :p"),
            {"p": township + "%"},
        ).scalar_one()


def _row(engine: Engine, code: str) -> tuple:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT village_station_id, village_station_m, run_id FROM coverage_villages WHERE area_code = :c"
            ),
            {"c": code},
        ).one()


def _spoil(engine: Engine, code: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE coverage_villages SET village_station_m = :m WHERE area_code = :c"),
            {"m": WRONG_M, "c": code},
        )


def test_a_township_run_recomputes_that_township_only(engine: Engine) -> None:
    with engine.begin() as conn:
        coverage_by_area(conn, COUNTY)  # the tables are current before we spoil them
    inside, outside = _first_village(engine, TOWNSHIP), _first_village(engine, OTHER_TOWNSHIP)
    right_inside, right_outside = _row(engine, inside), _row(engine, outside)
    _spoil(engine, inside)
    _spoil(engine, outside)

    run = start_area_run(engine, TOWNSHIP, TOWNSHIP, background=False)
    assert run.status == "done" and run.kind == "incremental"
    assert run.parameters["area_code"] == TOWNSHIP
    with engine.connect() as conn:
        villages = conn.execute(
            text("SELECT count(*) FROM areas WHERE level = 'village' AND code LIKE :p"), {"p": TOWNSHIP + "%"}
        ).scalar_one()
    assert run.counts["villages"]["units"] == villages and run.counts["villages"]["changed"] == 1
    assert run.counts["townships"]["units"] == 1 and run.counts["townships"]["changed"] == 0
    repaired = _row(engine, inside)
    assert repaired[:2] == right_inside[:2] and repaired[2] == run.id
    assert _row(engine, outside)[1] == WRONG_M  # outside the township: untouched

    county = start_area_run(engine, COUNTY, COUNTY, background=False)
    assert county.counts["villages"]["changed"] == 1
    assert _row(engine, outside)[:2] == right_outside[:2]
    assert _row(engine, inside)[2] == run.id  # right already: its stamp is kept


def test_an_area_run_while_another_run_holds_the_tables_is_refused_in_words(engine: Engine) -> None:
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:a, 4)"), {"a": LOCK_CLASS})
        holder.commit()
        running = holder.execute(
            text(
                "INSERT INTO coverage_runs (kind, status, parameters, phase, progress) "
                "VALUES ('full', 'running', '{\"village_m\": 3000, \"township_m\": 10000}', 'reading', 0) RETURNING id"
            )
        ).scalar_one()
        holder.commit()
        try:
            with pytest.raises(Conflict) as refused:
                start_area_run(engine, COUNTY, COUNTY, background=False)
            assert refused.value.key == "coverage.run_busy"
            assert error_text(refused.value, "zh") == "另一次覆盖率计算正在进行，请等它完成后再试。"
            assert error_text(refused.value, "en").startswith("Another coverage run is in progress")
        finally:
            holder.execute(text("DELETE FROM coverage_runs WHERE id = :id"), {"id": running})
            holder.commit()
            holder.execute(text("SELECT pg_advisory_unlock(:a, 4)"), {"a": LOCK_CLASS})
            holder.commit()
