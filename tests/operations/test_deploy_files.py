"""The deployment files (deploy/, docs/deployment.md) checked as far as this machine can: Docker does not run here,
so the compose file is parsed and read, the Dockerfile's sources are looked up in the repository, the systemd units
go through `systemd-analyze verify`, and the names the guide and the env file use are checked against the code and
the migrations."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from geo.settings import PROJECT_ROOT, Settings

DEPLOY = PROJECT_ROOT / "deploy"
GUIDE = PROJECT_ROOT / "docs" / "deployment.md"
UNITS = ("vetmap.service", "vetmap-backup.service", "vetmap-backup.timer")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yml").read_text())


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of deploy/Dockerfile, continuation lines joined, comments left out."""
    text = re.sub(r"\\\n\s*", " ", (DEPLOY / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_compose_runs_postgis_15_with_a_volume_and_a_healthcheck(compose: dict) -> None:
    db = compose["services"]["db"]
    assert re.fullmatch(r"postgis/postgis:15-3\.\d+", db["image"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume, target = db["volumes"][0].split(":", 1)
    assert target == "/var/lib/postgresql/data" and volume in compose["volumes"]
    assert "ports" not in db  # only the app reaches the database


def test_compose_app_is_built_here_and_checked_on_healthz(compose: dict) -> None:
    app = compose["services"]["app"]
    context = (DEPLOY / app["build"]["context"]).resolve()
    assert context == PROJECT_ROOT
    assert (context / app["build"]["dockerfile"]).is_file()
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert any(p.endswith(":8000") for p in app["ports"])
    assert "/healthz" in " ".join(app["healthcheck"]["test"])
    env = app["environment"]
    assert "@db:5432/" in env["VETMAP_DATABASE_URL"]
    assert "VETMAP_DATABASE_REPLICA_URLS" in env


def test_every_vetmap_setting_named_in_deploy_files_exists() -> None:
    """A misspelt VETMAP_ variable would be silently ignored by the app: every one named must be a setting."""
    known = {f"VETMAP_{name.upper()}" for name in Settings.model_fields}
    compose_only = {"VETMAP_DB_PASSWORD"}  # the postgis container's password, read by compose.yml itself
    for path in (DEPLOY / "compose.yml", DEPLOY / "vetmap.env.example", GUIDE):
        named = set(re.findall(r"\bVETMAP_[A-Z0-9_]+\b", path.read_text()))
        assert named - known - compose_only == set(), path.name


def test_dockerfile_copies_what_exists_and_serves() -> None:
    steps = _dockerfile_instructions()
    bases = [args for step, args in steps if step == "FROM"]
    assert bases[-1].startswith("python:3.11-slim")
    stages = {args.split()[-1] for args in bases if " AS " in args.upper()}
    for step, args in steps:
        if step != "COPY" or args.startswith("--from="):
            continue
        *sources, _target = args.split()
        for source in sources:
            assert (PROJECT_ROOT / source).exists(), f"COPY {source}: not in the repository"
    assert any(step == "COPY" and args.split()[0].removeprefix("--from=") in stages for step, args in steps)
    cmd = next(args for step, args in reversed(steps) if step == "CMD")
    assert "main.py" in cmd and "serve" in cmd
    assert any(step == "HEALTHCHECK" and "/healthz" in args for step, args in steps)
    assert ("EXPOSE", "8000") in steps
    assert any(step == "RUN" and "pip install ." in args for step, args in steps)


def _unit_value(path: Path, key: str) -> list[str]:
    return re.findall(rf"^{key}=(.*)$", path.read_text(), re.M)


def test_units_name_what_the_guide_promises() -> None:
    serve = DEPLOY / "vetmap.service"
    assert _unit_value(serve, "User") == ["vetmap"]
    assert _unit_value(serve, "EnvironmentFile") == ["/etc/vetmap/vetmap.env"]
    assert _unit_value(serve, "Restart") == ["on-failure"]
    assert _unit_value(serve, "ExecStart")[0].endswith("main.py serve")
    for hardening in ("NoNewPrivileges", "ProtectSystem", "PrivateTmp", "CapabilityBoundingSet"):
        assert _unit_value(serve, hardening), hardening
    backup = DEPLOY / "vetmap-backup.service"
    assert "main.py db backup" in _unit_value(backup, "ExecStart")[0]
    assert _unit_value(DEPLOY / "vetmap-backup.timer", "Unit") == ["vetmap-backup.service"]


def test_systemd_units_verify(tmp_path: Path) -> None:
    """`systemd-analyze verify` on the units, with /opt/vetmap pointing at this checkout (its executables exist)."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (package systemd): the units cannot be verified here")
    for name in UNITS:
        text = (DEPLOY / name).read_text().replace("/opt/vetmap", str(PROJECT_ROOT))
        (tmp_path / name).write_text(text)
    proc = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in UNITS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    # unknown keys and bad values are only warned about (exit 0): none may be printed for our units
    ours = [line for line in (proc.stdout + proc.stderr).splitlines() if any(n in line for n in UNITS)]
    assert ours == []


def test_guide_names_every_table_of_the_migrations() -> None:
    """The Citus section says what becomes of each table: it must name every table the migrations create."""
    created: set[str] = set()
    for migration in (PROJECT_ROOT / "migrations" / "versions").glob("*.py"):
        source = migration.read_text()
        created |= set(re.findall(r'op\.create_(?:geospatial_)?table\(\s*"(\w+)"', source))
    created.add("alembic_version")
    assert {"stations", "photos", "audit_log", "data_versions"} <= created
    guide = GUIDE.read_text()
    assert [t for t in sorted(created) if f"`{t}`" not in guide] == []
