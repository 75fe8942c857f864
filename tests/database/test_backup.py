"""`db backup` / `db restore` on the real PostGIS: the demo atlas plus a photo (bytea) is backed up with pg_dump and
restored into fresh databases, and every table (row counts and an md5 over the rows ordered by their text) and every
sequence is compared with the source; non-empty targets, damaged files and an unreachable server are refused."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from geo.database.backup import BackupResult, backup_database, restore_database
from geo.database.engine import drop_database
from geo.errors import Conflict, InvalidInput
from tests.command_line import run_main
from tests.conftest import TEST_DATABASE

# every byte value, so a change of encoding anywhere on the way (escape vs hex bytea, text mode) shows
PHOTO_BYTES = bytes(range(256)) * 64 + b"\x00end"
THUMB_BYTES = bytes(reversed(range(256)))
RESTORED = f"{TEST_DATABASE}_restored"
RESTORED_CLI = f"{TEST_DATABASE}_restored_cli"
RESTORED_BAD = f"{TEST_DATABASE}_restored_bad"

# every table of every schema but the system's, with its row count and an md5 over its rows in text order
_TABLES_SQL = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2
"""


def _fingerprint(url: URL) -> dict[str, tuple]:
    """Per table: (rows, md5 of the rows ordered by their text); per sequence: (last_value, is_called)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            found: dict[str, tuple] = {}
            for schema, name in conn.execute(text(_TABLES_SQL)).all():
                found[f"table {schema}.{name}"] = tuple(
                    conn.execute(
                        text(
                            "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                            f'FROM "{schema}"."{name}" t'
                        )
                    ).one()
                )
            for schema, name in conn.execute(
                text("SELECT schemaname, sequencename FROM pg_sequences ORDER BY 1, 2")
            ).all():
                found[f"sequence {schema}.{name}"] = tuple(
                    conn.execute(text(f'SELECT last_value, is_called FROM "{schema}"."{name}"')).one()
                )
            return found
    finally:
        engine.dispose()


def _database_exists(engine: Engine, name: str) -> bool:
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": name}).scalar()
            is not None
        )


def _cli(url: URL, *args: str) -> subprocess.CompletedProcess:
    """Run ``python main.py ARGS`` with VETMAP_DATABASE_URL pointing at ``url``."""
    return run_main(*args, database_url=url.render_as_string(hide_password=False), timeout=600)


def _failed_cleanly(proc: subprocess.CompletedProcess, *phrases: str) -> None:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    for phrase in phrases:
        assert phrase in proc.stderr, proc.stderr


@pytest.fixture(scope="module")
def photo_id(engine: Engine, demo_counts: dict[str, int]) -> Iterator[int]:
    """A photo of a demo memorial with every byte value in its data (bytea), removed after the module."""
    with engine.begin() as conn:
        site = conn.execute(text("SELECT id, area_code FROM memorials ORDER BY id LIMIT 1")).one()
        pid = conn.execute(
            text(
                "INSERT INTO photos (collection, site_id, area_code, stage, content_type, byte_size, width, height,"
                " sha256, data, thumbnail, position, caption)"
                " VALUES ('memorials', :site, :area, 'site', 'image/png', :size, 1, 1, repeat('a', 64), :data,"
                " :thumb, ST_SetSRID(ST_MakePoint(110.64, 26.04), 4326), '备份测试')"
                " RETURNING id"
            ),
            {"site": site.id, "area": site.area_code, "size": len(PHOTO_BYTES), "data": PHOTO_BYTES,
             "thumb": THUMB_BYTES},
        ).scalar_one()  # fmt: skip
    yield pid
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM photos WHERE id = :id"), {"id": pid})


@pytest.fixture(scope="module")
def restored_urls(test_db_url: URL) -> Iterator[dict[str, URL]]:
    """The databases the restores go into; all dropped after the module."""
    urls = {name: test_db_url.set(database=name) for name in (RESTORED, RESTORED_CLI, RESTORED_BAD)}
    for url in urls.values():
        drop_database(url)
    yield urls
    for url in urls.values():
        drop_database(url)


@pytest.fixture(scope="module")
def backup(test_db_url: URL, photo_id: int, tmp_path_factory: pytest.TempPathFactory) -> BackupResult:
    """A backup of the test database (demo atlas and the photo), made by geo.database.backup."""
    return backup_database(test_db_url, tmp_path_factory.mktemp("backup") / "vetmap.dump")


@pytest.fixture(scope="module")
def source_fingerprint(test_db_url: URL, backup: BackupResult) -> dict[str, tuple]:
    return _fingerprint(test_db_url)


def test_backup_counts_every_table_of_the_source(
    backup: BackupResult, source_fingerprint: dict[str, tuple]
) -> None:
    counted = {t.name: t.rows for t in backup.tables}
    for name in ("public.alembic_version", "public.data_versions", "public.audit_log", "public.photos"):
        assert name in counted
    assert counted["public.photos"] >= 1 and counted["public.areas"] > 0
    for name, rows in counted.items():
        assert source_fingerprint[f"table {name}"][0] == rows, name
    assert backup.path.is_file() and backup.size_bytes == backup.path.stat().st_size
    assert not backup.path.with_name(backup.path.name + ".partial").exists()
    assert backup.path.stat().st_mode & 0o077 == 0  # password hashes, contacts, photos: the owner's only


def test_restore_reproduces_every_table_and_sequence(
    engine: Engine,
    backup: BackupResult,
    source_fingerprint: dict[str, tuple],
    restored_urls: dict[str, URL],
    photo_id: int,
) -> None:
    url = restored_urls[RESTORED]
    result = restore_database(url, backup.path)
    assert result.database == RESTORED and result.rows == backup.rows
    restored = _fingerprint(url)
    assert restored.keys() == source_fingerprint.keys()
    differing = [name for name in restored if restored[name] != source_fingerprint[name]]
    assert differing == []
    assert any(k.startswith("sequence ") for k in restored)
    # the photo's bytes themselves, not only their md5 through text
    restored_engine = create_engine(url, poolclass=NullPool)
    try:
        with restored_engine.connect() as conn:
            data, thumb = conn.execute(
                text("SELECT data, thumbnail FROM photos WHERE id = :id"), {"id": photo_id}
            ).one()
            assert bytes(data) == PHOTO_BYTES and bytes(thumb) == THUMB_BYTES
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        restored_engine.dispose()
    assert result.schema_revision == revision


def test_restore_refuses_a_non_empty_target_without_force(
    test_db_url: URL, backup: BackupResult, restored_urls: dict[str, URL]
) -> None:
    with pytest.raises(Conflict, match="not empty.*--force"):
        restore_database(test_db_url, backup.path)


@pytest.mark.parametrize("name", ['bad"name', "x" * 51, "1st", ""])
def test_restore_refuses_an_unusable_database_name(
    test_db_url: URL, backup: BackupResult, restored_urls: dict[str, URL], name: str
) -> None:
    with pytest.raises(InvalidInput, match="not a usable database name"):
        restore_database(test_db_url.set(database=name), backup.path)


def test_cli_backup_restore_refusal_and_force(
    engine: Engine,
    test_db_url: URL,
    photo_id: int,
    restored_urls: dict[str, URL],
    source_fingerprint: dict[str, tuple],
    tmp_path: Path,
) -> None:
    dump = tmp_path / "cli.dump"
    made = _cli(test_db_url, "db", "backup", str(dump))
    assert made.returncode == 0, made.stderr
    assert f"backup written to {dump}" in made.stdout and "public.photos" in made.stdout
    again = _cli(test_db_url, "db", "backup", str(dump))
    _failed_cleanly(again, "exists already", "--force")

    target = restored_urls[RESTORED_CLI]
    first = _cli(test_db_url, "db", "restore", str(dump), "--database", RESTORED_CLI)
    assert first.returncode == 0, first.stderr
    assert f"restored into {RESTORED_CLI}" in first.stdout
    assert _fingerprint(target) == source_fingerprint

    # the target now holds tables: refused, and nothing is changed in it
    with (
        engine.begin() as conn
    ):  # a change in the source, so a forced restore of a new backup can be told apart
        conn.execute(text("UPDATE photos SET caption = 'changed after the first backup' WHERE id = :id"),
                     {"id": photo_id})  # fmt: skip
    refused = _cli(test_db_url, "db", "restore", str(dump), "--database", RESTORED_CLI)
    _failed_cleanly(refused, f"the database {RESTORED_CLI} is not empty", "--force")
    assert _fingerprint(target) == source_fingerprint

    changed = tmp_path / "changed.dump"
    assert _cli(test_db_url, "db", "backup", str(changed)).returncode == 0
    forced = _cli(test_db_url, "db", "restore", str(changed), "--database", RESTORED_CLI, "--force")
    assert forced.returncode == 0, forced.stderr
    assert f"dropping the database {RESTORED_CLI}" in forced.stdout
    assert _fingerprint(target) == _fingerprint(test_db_url) != source_fingerprint
    assert not _database_exists(engine, f"{RESTORED_CLI}__restoring")


def _damaged(source: Path, folder: Path, how: str) -> Path:
    data = bytearray(source.read_bytes())
    if how == "flipped":  # bytes in the middle of the data blocks overwritten
        start = len(data) * 3 // 5
        data[start : start + 512] = bytes((i * 37 + 11) % 256 for i in range(512))
    elif how == "truncated":
        data = data[: len(data) * 3 // 5]
    elif how == "newer_version":  # the archive format's minor version byte after b"PGDMP" and the major
        data[6] = 99
    elif how == "text":
        data = bytearray(b"this is not a backup\n")
    path = folder / f"{how}.dump"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("flipped", "the restore failed and was rolled back"),
        ("truncated", "the restore failed and was rolled back"),
        ("newer_version", "written by a newer pg_dump"),
        ("text", "not a backup made by `db backup`"),
    ],
)
def test_a_damaged_file_is_refused_and_leaves_no_database(
    engine: Engine,
    backup: BackupResult,
    restored_urls: dict[str, URL],
    tmp_path: Path,
    how: str,
    message: str,
) -> None:
    path = _damaged(backup.path, tmp_path, how)
    with pytest.raises(InvalidInput, match=message):
        restore_database(restored_urls[RESTORED_BAD], path)
    assert not _database_exists(engine, RESTORED_BAD)


def test_cli_reports_a_corrupt_or_missing_file(
    test_db_url: URL, backup: BackupResult, restored_urls: dict[str, URL], tmp_path: Path
) -> None:
    corrupt = _damaged(backup.path, tmp_path, "flipped")
    proc = _cli(test_db_url, "db", "restore", str(corrupt), "--database", RESTORED_BAD)
    _failed_cleanly(proc, "error: the restore failed and was rolled back")
    missing = _cli(test_db_url, "db", "restore", str(tmp_path / "none.dump"), "--database", RESTORED_BAD)
    _failed_cleanly(missing, "none.dump does not exist")


def test_cli_reports_an_unreachable_server(test_db_url: URL, backup: BackupResult, tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    nowhere = test_db_url.set(port=port)
    _failed_cleanly(_cli(nowhere, "db", "backup", str(tmp_path / "x.dump")), "cannot reach the database")
    assert not (tmp_path / "x.dump").exists()
    _failed_cleanly(
        _cli(nowhere, "db", "restore", str(backup.path)), f"cannot reach the database 127.0.0.1:{port}"
    )
