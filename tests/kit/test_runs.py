"""The one background-run lifecycle (geo/kit/runs.py) for coverage, travel and siting runs: concurrent starts,
a worker's death or hang seen when a run is read, a worker stopped when its run was failed under it."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from geo.coverage.runs import COVERAGE_RUNS, FULL_RUN_LIMIT_S, get_run
from geo.coverage.siting_runs import HUNG_AFTER_S, SITING_RUNS, get_siting_run
from geo.coverage.travel_time import TRAVEL_RUN_LIMIT_S, TRAVEL_RUNS, get_travel_run
from geo.errors import Conflict
from geo.kit.runs import (
    ABANDONED,
    PROGRESS_EVERY_S,
    carry_out,
    fail_run,
    lock_key,
    read_run,
    run_alive,
    start_run,
)

ROWS = {  # a kind's own columns for a row of it
    "coverage": {"kind": "full", "parameters": {"village_m": 3000.0, "township_m": 10000.0}},
    "travel": {"network_id": None, "parameters": {}},
    "siting": {"problem": "mclp", "parameters": {"time_limit_s": 5.0}},
}
KINDS = {"coverage": COVERAGE_RUNS, "travel": TRAVEL_RUNS, "siting": SITING_RUNS}
READERS = {"coverage": get_run, "travel": get_travel_run, "siting": get_siting_run}
LIMITS_S = {"coverage": FULL_RUN_LIMIT_S, "travel": TRAVEL_RUN_LIMIT_S, "siting": 5.0 + HUNG_AFTER_S}


@pytest.fixture()
def new_runs(engine: Engine) -> Iterator[None]:
    """Runs a test adds are removed after it (the session's database keeps only its own)."""
    tables = [kind.table.name for kind in KINDS.values()]
    with engine.connect() as conn:
        first = {t: conn.execute(text(f"SELECT COALESCE(max(id), 0) FROM {t}")).scalar_one() for t in tables}
    yield
    with engine.begin() as conn:
        for table, last in first.items():
            conn.execute(text(f"DELETE FROM {table} WHERE id > :last"), {"last": last})


def _insert_running(engine: Engine, name: str, age_s: float) -> int:
    kind = KINDS[name]
    columns = ", ".join(ROWS[name])
    values = ", ".join(f"CAST(:{c} AS jsonb)" if c == "parameters" else f":{c}" for c in ROWS[name])
    args = {c: (json.dumps(v) if c == "parameters" else v) for c, v in ROWS[name].items()}
    with engine.begin() as conn:
        return conn.execute(
            text(
                f"INSERT INTO {kind.table.name} ({columns}, started_at) VALUES ({values}, "
                "clock_timestamp() - make_interval(secs => :age)) RETURNING id"
            ),
            {**args, "age": age_s},
        ).scalar_one()


@pytest.mark.parametrize("name", ["coverage", "travel"])
def test_concurrent_starts_of_a_one_at_a_time_kind_let_exactly_one_run(engine, new_runs, name):
    kind = dataclasses.replace(
        KINDS[name], lock_wait_s=0.5
    )  # coverage waits for refreshes: not for long here
    gate = threading.Barrier(6)
    started, refused = [], []

    def start() -> None:
        gate.wait()
        try:
            started.append(start_run(engine, kind, ROWS[name]))
        except Conflict as exc:
            refused.append(exc.message)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(started) == 1 and len(refused) == 5, refused
    run = started[0]
    with engine.connect() as conn:
        assert read_run(conn, kind, run.id).status == "running"
    with pytest.raises(Conflict, match="in progress"):  # refused alike once its row is there
        start_run(engine, kind, ROWS[name])
    carry_out(run, lambda run: {})
    with engine.connect() as conn:
        assert read_run(conn, kind, run.id).status == "done" and not run_alive(conn, kind, run.id)
    start_run(engine, kind, ROWS[name]).close()  # free again


def test_siting_runs_go_side_by_side_each_alive_while_its_worker_holds_it(engine, new_runs):
    first, second = (start_run(engine, SITING_RUNS, ROWS["siting"]) for _ in range(2))
    assert lock_key(SITING_RUNS, first.id) != lock_key(SITING_RUNS, second.id)
    first.close()  # its worker died without finishing
    with engine.begin() as conn:
        assert get_siting_run(conn, second.id).status == "running"
        gone = get_siting_run(conn, first.id)
    assert (gone.status, gone.error) == ("failed", ABANDONED) and gone.finished_at is not None
    second.close()


@pytest.mark.parametrize("name", ["coverage", "travel", "siting"])
def test_a_run_past_its_time_limit_is_failed_when_read_though_its_worker_lives(engine, new_runs, name):
    kind = KINDS[name]
    hung = _insert_running(engine, name, LIMITS_S[name] + 60)
    young = _insert_running(engine, name, 1)
    with engine.connect() as holder:  # the live worker(s): for one-at-a-time kinds the scope's lock
        holder.execute(text("SELECT pg_advisory_lock(:a, :b)"), lock_key(kind, hung))
        holder.execute(text("SELECT pg_advisory_lock(:a, :b)"), lock_key(kind, young))
        holder.commit()
        try:
            with engine.begin() as conn:
                timed_out = READERS[name](conn, hung)
                assert READERS[name](conn, young).status == "running"
        finally:
            holder.execute(text("SELECT pg_advisory_unlock_all()"))
            holder.commit()
    assert (
        timed_out.status == "failed"
        and timed_out.error == f"timed out: still running {LIMITS_S[name]:g} s after it started"
    )
    with engine.begin() as conn:
        assert READERS[name](conn, young).error == ABANDONED  # the worker is gone now


def test_a_siting_run_whose_worker_died_is_failed_at_once_not_after_its_time_limit(engine, new_runs):
    run_id = _insert_running(engine, "siting", 1)  # inserted by a process that is gone: nobody holds its lock
    with engine.begin() as conn:
        run = get_siting_run(conn, run_id)
    assert (run.status, run.error) == ("failed", ABANDONED)


def test_a_worker_whose_run_was_failed_under_it_stops_and_is_not_finished(engine, new_runs):
    run = start_run(engine, TRAVEL_RUNS, ROWS["travel"])
    reached = []

    def work(run) -> dict:
        run.progress("first half", 0.0)
        with engine.begin() as other:  # a reader finds the run past its time limit
            fail_run(other, TRAVEL_RUNS, run.id, "timed out: still running 1 s after it started")
        time.sleep(PROGRESS_EVERY_S + 0.05)
        reached.append("second half")
        run.progress("second half", 0.5)
        reached.append("end")
        return {"counts": {"done": True}}

    with pytest.raises(Conflict, match="no longer running"):
        carry_out(run, work)
    assert reached == ["second half"]
    with engine.connect() as conn:
        stored = get_travel_run(conn, run.id)
        assert not run_alive(conn, TRAVEL_RUNS, run.id)
    assert (stored.status, stored.counts, stored.phase) == ("failed", None, "first half")
    assert stored.error == "timed out: still running 1 s after it started"
    start_run(engine, TRAVEL_RUNS, ROWS["travel"]).close()  # its lock was released


def test_a_finish_after_the_run_was_failed_rolls_the_work_back(engine, new_runs):
    run = start_run(engine, COVERAGE_RUNS, ROWS["coverage"])

    def work(run) -> dict:
        run.conn.execute(
            text("INSERT INTO coverage_runs (kind, parameters, status) VALUES ('full', '{}', 'done')")
        )
        with engine.begin() as other:
            fail_run(other, COVERAGE_RUNS, run.id, "timed out")
        return {"counts": {"stations": 1}}

    before = _count_done(engine)
    with pytest.raises(Conflict, match="no longer running"):
        carry_out(run, work)
    assert _count_done(engine) == before
    with engine.connect() as conn:
        assert get_run(conn, run.id).counts is None


def _count_done(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM coverage_runs WHERE status = 'done'")).scalar_one()
