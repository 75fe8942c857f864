"""The embedded cluster: created as an unprivileged user when we are root, beside a busy port, reusable."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from geo.database.embedded import EmbeddedCluster
from geo.database.engine import ensure_database
from tests.command_line import run_main


@pytest.fixture()
def busy_port():
    """A port someone else listens on, which the new cluster must step around."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_second_cluster_starts_on_a_free_port_stops_and_restarts(tmp_path: Path, busy_port: int):
    cluster = EmbeddedCluster(tmp_path / "var", preferred_port=busy_port)
    try:
        cluster.start()
        assert cluster.is_running() and cluster.port() != busy_port
        url = cluster.url("vetmap")
        ensure_database(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            user = conn.execute(text("SELECT current_user")).scalar_one()
            postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
        engine.dispose()
        assert user == "vetmap" and postgis.startswith("3.")
        if os.geteuid() == 0:  # PostgreSQL refuses root: the server runs as the unprivileged user
            owner = subprocess.run(
                ["ps", "-o", "user=", "-C", "postgres"], capture_output=True, text=True, check=True
            ).stdout.split()
            assert "root" not in owner
        cluster.stop()
        assert not cluster.is_running()
        cluster.start()  # reuses the same data folder and port
        assert cluster.is_running()
    finally:
        cluster.stop()
        home = (tmp_path / "var" / "pg").resolve()
        shutil.rmtree(home, ignore_errors=True)


def test_password_is_private(base_settings):
    from geo.database.engine import embedded_cluster

    password_file = embedded_cluster(base_settings).var_dir / "pg-password"
    if base_settings.database_url:
        pytest.fail("this suite expects the embedded cluster; unset VETMAP_DATABASE_URL")
    assert password_file.stat().st_mode & 0o077 == 0


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return run_main(*args, env=env, timeout=120)


def test_cli_db_status_and_migrate(settings):
    status = _cli("db", "status")
    assert status.returncode == 0 and "running" in status.stdout
    env = {**os.environ, "VETMAP_DATABASE_URL": settings.database_url}
    first, second = _cli("db", "migrate", env=env), _cli("db", "migrate", env=env)
    assert first.returncode == 0 and second.returncode == 0 and "schema up to date" in second.stdout


def test_cli_refuses_bad_input_with_a_message():
    unknown_scale = _cli("demo", "load", "--scale", "planet")
    assert unknown_scale.returncode != 0 and "unknown scale 'planet'" in unknown_scale.stderr
    assert "Traceback" not in unknown_scale.stderr
    unknown_command = _cli("db", "explode")
    assert unknown_command.returncode != 0 and "Traceback" not in unknown_command.stderr


def test_external_url_is_used_and_no_cluster_is_started(settings, tmp_path):
    env = {
        **os.environ,
        "VETMAP_DATABASE_URL": settings.database_url,
        "VETMAP_VAR_DIR": str(tmp_path / "var"),
    }
    result = _cli("db", "up", env=env)
    assert result.returncode == 0, result.stderr
    assert "VETMAP_DATABASE_URL is set" in result.stdout
    assert not (tmp_path / "var" / "pg").exists()
