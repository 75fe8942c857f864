"""The app outlives a PostgreSQL restart: clean 503s with a reason while the server is down, answers again once it is
back (no restart of the app), and a write it acknowledged before is still there. A throwaway cluster of its own."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.app import create_app
from api.deps import ConnDep
from geo.database.embedded import EmbeddedCluster
from geo.database.engine import ensure_database
from geo.database.migrate import upgrade
from geo.settings import Settings
from tests.auth_helpers import staff_accounts

COUNTY = "450329"


@pytest.fixture()
def own_cluster(tmp_path: Path):
    """A migrated database on a cluster only this test uses (stopped and removed afterwards)."""
    cluster = EmbeddedCluster(tmp_path / "var", preferred_port=55410)
    try:
        cluster.start()
        url = cluster.url("vetmap_recovery")
        ensure_database(url)
        upgrade(url)
        yield cluster, url
    finally:
        cluster.stop()
        shutil.rmtree((tmp_path / "var" / "pg").resolve(), ignore_errors=True)


def _seed(url) -> tuple[int, dict[str, str]]:
    """A county, a memorial in it and a crew of that county with a bearer token."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO areas (code, name, level, point) VALUES"
                    " (:c, '测试县', 'county', ST_SetSRID(ST_MakePoint(110.4, 25.0), 4326))"
                ),
                {"c": COUNTY},
            )
            memorial = conn.execute(
                text(
                    "INSERT INTO memorials (name, kind, protection_level, area_code, geom) VALUES"
                    " ('测试纪念碑', 'monument', 'county', :c, ST_SetSRID(ST_MakePoint(110.41, 25.01), 4326))"
                    " RETURNING id"
                ),
                {"c": COUNTY},
            ).scalar_one()
        _, headers = staff_accounts(engine, [("crew", "crew", COUNTY)], "recovery")["crew"]
    finally:
        engine.dispose()
    return memorial, headers


def _inspect(client: TestClient, memorial: int, headers: dict[str, str], key: str):
    body = {"scores": {"monument": 3, "cleanliness": 4}, "client_key": key}
    return client.post(f"/api/v1/memorials/{memorial}/inspections", json=body, headers=headers)


def _reads(client: TestClient, memorial: int):
    """A read on the read pool (OGC items), one on the transactional pool (a site), and the health check."""
    return [
        client.get("/ogc/collections/memorials/items?limit=5"),
        client.get(f"/api/v1/memorials/{memorial}"),
        client.get("/healthz"),
    ]


def test_database_restart_gives_clean_503s_then_recovers_and_keeps_acknowledged_writes(own_cluster, tmp_path):
    cluster, url = own_cluster
    memorial, crew = _seed(url)
    settings = Settings(
        database_url=url.render_as_string(hide_password=False), basemap="none", var_dir=tmp_path / "var"
    )
    with TestClient(create_app(settings)) as client:
        assert [r.status_code for r in _reads(client, memorial)] == [
            200,
            200,
            200,
        ]  # both pools hold connections
        before = _inspect(client, memorial, crew, str(uuid.uuid4()))
        assert before.status_code == 201

        cluster.stop()
        down = [*_reads(client, memorial), _inspect(client, memorial, crew, unsent := str(uuid.uuid4()))]
        assert [r.status_code for r in down] == [503, 503, 503, 503], [r.text for r in down]
        assert all(r.json().get("detail") for r in down)

        cluster.start()
        answers = []
        for _ in range(25):  # stale pooled connections may each fail once (503) before the pools are renewed
            answers = _reads(client, memorial)
            if all(r.status_code == 200 for r in answers):
                break
            assert {r.status_code for r in answers} <= {200, 503}, [r.text for r in answers]
        assert [r.status_code for r in answers] == [200, 200, 200]
        for _ in range(25):
            again = _inspect(client, memorial, crew, unsent)  # the write refused while down, sent again
            if again.status_code != 503:
                break
        assert again.status_code == 201, again.text
        assert (
            client.get(
                f"/api/v1/memorials/{memorial}/inspections/{before.json()['id']}", headers=crew
            ).status_code
            == 200
        )

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            keys = conn.execute(text("SELECT client_key::text FROM inspections")).scalars().all()
    finally:
        engine.dispose()
    assert sorted(keys) == sorted([before.json()["client_key"], unsent])


def test_a_write_is_answered_only_after_its_commit(settings):
    """The transaction of a request commits before the answer leaves: a commit that fails (here a deferred unique
    constraint, checked only at COMMIT) gives an error, never a 2xx for a write that is not in the database."""
    app = create_app(settings)

    @app.post("/test-commit-probe", status_code=201)
    def probe(conn: ConnDep) -> dict:
        conn.execute(
            text(
                "CREATE TEMP TABLE commit_probe (id int UNIQUE DEFERRABLE INITIALLY DEFERRED) ON COMMIT DROP"
            )
        )
        conn.execute(text("INSERT INTO commit_probe VALUES (1), (1)"))  # fine until COMMIT
        return {"written": True}

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.post("/test-commit-probe")
    # a unique violation is a conflict with what is stored (409), told in our words, not the database's
    assert answer.status_code == 409, answer.text
    assert answer.json()["detail"] == "已有 id 为 1 的记录"
