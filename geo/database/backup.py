"""Backups of the database as pg_dump custom-format archives (photos included: they are bytea rows), and restores.

The PostgreSQL client programs of the server's major version (or newer) do the work; the connection reaches them
through libpq's environment (``PGPASSWORD`` and friends), never through their arguments, so the password does not
show in the process list. A backup is written to ``FILE.partial`` and renamed when complete. A restore goes into an
empty database (created with PostGIS when missing) in one transaction; a non-empty target is refused unless forced,
and then the archive is first restored beside it and the old database is dropped only once that has succeeded.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from geo.database.engine import database_exists, drop_database, ensure_database
from geo.errors import Conflict, DatabaseUnavailable, InvalidInput

Progress = Callable[[str], None]

PGBIN_ROOT = Path("/usr/lib/postgresql")
_ARCHIVE_MAGIC = b"PGDMP"
_PLAIN_DUMP_START = b"--\n-- PostgreSQL database dump"
# libpq settings a URL's query may carry, passed on as environment variables
_LIBPQ_QUERY_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
}
_CONNECT_TIMEOUT_S = 10
# restore targets: PostgreSQL would cut a longer name at 63 bytes, and a forced restore appends "__restoring"
_DATABASE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,49}")

# the tables of the database's own schemas (extensions' tables such as spatial_ref_sys left out)
_USER_TABLES_SQL = """
SELECT n.nspname AS schema, c.relname AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
"""


@dataclass(frozen=True)
class TableRows:
    """One table and how many rows it holds."""

    name: str
    rows: int


@dataclass(frozen=True)
class ArchiveInfo:
    """What the table of contents of an archive says about it."""

    path: Path
    size_bytes: int
    dumped_from: str
    server_major: int
    extensions: list[str]
    data_entries: int


@dataclass(frozen=True)
class BackupResult:
    """A finished backup: the file, its size and the rows of every table it holds."""

    path: Path
    size_bytes: int
    tables: list[TableRows]

    @property
    def rows(self) -> int:
        """Rows in all tables."""
        return sum(t.rows for t in self.tables)


@dataclass(frozen=True)
class RestoreResult:
    """A finished restore: the database it went into, the archive and the rows of every restored table."""

    database: str
    archive: ArchiveInfo
    tables: list[TableRows]
    schema_revision: str | None

    @property
    def rows(self) -> int:
        """Rows in all tables."""
        return sum(t.rows for t in self.tables)


def _where(url: URL) -> str:
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database}"


def libpq_env(url: URL) -> dict[str, str]:
    """The environment that points libpq programs at ``url`` (password included, so it stays out of argv)."""
    env = dict(os.environ)  # the operator's own libpq settings (PGSSLROOTCERT, ...) stay; the URL's win
    env.update({"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "PGCONNECT_TIMEOUT": str(_CONNECT_TIMEOUT_S)})
    for key, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[key] = str(value)
    for key, value in url.query.items():
        if key in _LIBPQ_QUERY_ENV:
            env[_LIBPQ_QUERY_ENV[key]] = value if isinstance(value, str) else value[-1]
    return env


@contextmanager
def _connected(url: URL, isolation_level: str = "AUTOCOMMIT") -> Iterator[Connection]:
    """A connection to ``url``; an unreachable server or a refused login becomes DatabaseUnavailable."""
    engine = create_engine(
        url.set(drivername="postgresql+psycopg2"),
        isolation_level=isolation_level,
        poolclass=NullPool,
        connect_args={"connect_timeout": _CONNECT_TIMEOUT_S},
    )
    try:
        try:
            conn = engine.connect()
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseUnavailable(f"cannot reach the database {_where(url)}: {reason}") from exc
        with conn:
            yield conn
    finally:
        engine.dispose()


def _server_major(conn: Connection) -> int:
    return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def client_program(name: str, server_major: int) -> Path:
    """``pg_dump`` or ``pg_restore`` of the server's major version, else the oldest newer one installed."""
    installed = sorted(
        int(p.parent.parent.name) for p in PGBIN_ROOT.glob(f"*/bin/{name}") if p.parent.parent.name.isdigit()
    )
    usable = [v for v in installed if v >= server_major]
    if not usable:
        found = ", ".join(str(v) for v in installed) or "none"
        raise DatabaseUnavailable(
            f"{name} for PostgreSQL {server_major} is not installed (installed: {found}): "
            f"apt-get install postgresql-client-{server_major}"
        )
    return PGBIN_ROOT / str(usable[0]) / "bin" / name


def user_tables(conn: Connection) -> list[str]:
    """Qualified names of the database's own tables (not those of extensions), sorted."""
    return [f"{r.schema}.{r.name}" for r in conn.execute(text(_USER_TABLES_SQL))]


def _quoted(qualified: str) -> str:
    schema, name = qualified.split(".", 1)
    return '"{}"."{}"'.format(schema.replace('"', '""'), name.replace('"', '""'))


def table_rows(conn: Connection) -> list[TableRows]:
    """Exact row counts of the database's own tables, in the connection's current snapshot."""
    return [
        TableRows(t, conn.execute(text(f"SELECT count(*) FROM {_quoted(t)}")).scalar_one())
        for t in user_tables(conn)
    ]


def _run_client(argv: list[str], env: dict[str, str], progress: Progress, pattern: re.Pattern[str]) -> str:
    """Run a verbose pg_dump / pg_restore, passing the tables it reaches to ``progress``; returns its errors."""
    errors: list[str] = []
    with subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd="/"
    ) as proc:
        assert proc.stderr is not None
        for line in proc.stderr:
            match = pattern.search(line)
            if match:
                progress(f"  {match.group(1)}")
            elif "error:" in line or "FATAL" in line or "detail:" in line.lower():
                errors.append(re.sub(r"^pg_\w+: (error: )?", "", line.strip()))
    if proc.returncode != 0:
        return "; ".join(errors) or f"{Path(argv[0]).name} exited with status {proc.returncode}"
    return ""


def backup_database(
    url: URL, path: Path, progress: Progress = lambda _: None, overwrite: bool = False
) -> BackupResult:
    """Dump the database of ``url`` to ``path`` (custom format) and count its rows in the dump's own snapshot."""
    path = Path(path)
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder: give the name of the backup file to write")
    if not path.parent.is_dir():
        raise InvalidInput(f"the folder {path.parent} does not exist")
    if path.exists() and not overwrite:
        raise Conflict(f"{path} exists already: choose another name or pass --force to replace it")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)  # left by an interrupted run
    # made before pg_dump writes into it: the archive holds password hashes, contacts and photos (owner only)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        # one REPEATABLE READ transaction exports its snapshot to pg_dump: the counts are those of the archive
        with _connected(url, isolation_level="REPEATABLE READ") as conn, conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            pg_dump = client_program("pg_dump", _server_major(conn))
            tables = table_rows(conn)
            progress(f"backing up {_where(url)}: {len(tables)} tables, {sum(t.rows for t in tables)} rows")
            argv = [
                str(pg_dump),
                "--format=custom",
                "--verbose",
                f"--snapshot={snapshot}",
                f"--file={partial}",
            ]
            pattern = re.compile(r'dumping contents of table "([^"]+)"')
            error = _run_client(argv, libpq_env(url), progress, pattern)
        if error:
            raise DatabaseUnavailable(f"the backup failed: {error}")
    except BaseException:  # failed or interrupted: no half-written archive is left behind
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return BackupResult(path, path.stat().st_size, tables)


def _check_archive_file(path: Path) -> None:
    if not path.exists():
        raise InvalidInput(f"{path} does not exist")
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file")
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_PLAIN_DUMP_START))
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be read: {exc.strerror}") from exc
    if head.startswith(_PLAIN_DUMP_START):
        raise InvalidInput(
            f"{path} is a plain SQL dump, not a custom-format backup: load it with psql instead"
        )
    if not head.startswith(_ARCHIVE_MAGIC):
        raise InvalidInput(
            f"{path} is not a backup made by `db backup` (not a pg_dump custom-format archive)"
        )


def read_archive(path: Path, pg_restore: Path) -> ArchiveInfo:
    """Check that ``path`` is a readable pg_dump custom-format archive and read its table of contents."""
    path = Path(path)
    _check_archive_file(path)
    proc = subprocess.run([str(pg_restore), "--list", str(path)], capture_output=True, text=True, cwd="/")
    if proc.returncode != 0:
        reason = proc.stderr.strip().removeprefix("pg_restore: ").removeprefix("error: ")
        if "unsupported version" in reason:
            reason += f"; it was written by a newer pg_dump than the pg_restore of PostgreSQL {pg_restore.parent.parent.name}"
        raise InvalidInput(f"{path} cannot be read as a backup ({reason})")
    listing = proc.stdout
    dumped = re.search(r"^;\s+Dumped from database version: (\d+)(\S*)", listing, re.M)
    if not dumped:
        raise InvalidInput(
            f"{path} cannot be read as a backup (its table of contents names no server version)"
        )
    extensions = re.findall(r"^\d+; \d+ \d+ EXTENSION - (\S+)", listing, re.M)
    data_entries = len(re.findall(r"^\d+; \d+ \d+ TABLE DATA ", listing, re.M))
    return ArchiveInfo(
        path,
        path.stat().st_size,
        dumped.group(1) + dumped.group(2),
        int(dumped.group(1)),
        extensions,
        data_entries,
    )


def _restore_list(pg_restore: Path, archive: Path, folder: Path) -> Path:
    """The archive's table of contents without the comments on extensions (only their owner may set them, and
    CREATE EXTENSION sets them anyway)."""
    listing = subprocess.run(
        [str(pg_restore), "--list", str(archive)], capture_output=True, text=True, check=True, cwd="/"
    ).stdout
    kept = [
        line for line in listing.splitlines() if not re.match(r"^\d+; \d+ \d+ COMMENT - EXTENSION ", line)
    ]
    out = folder / "restore.list"
    out.write_text("\n".join(kept) + "\n")
    return out


def _restore_into(url: URL, info: ArchiveInfo, pg_restore: Path, progress: Progress, created: bool) -> None:
    """Restore the archive into ``url``'s database (created if missing) in one transaction; a database this
    restore ``created`` is dropped again when it fails."""
    try:
        ensure_database(url)  # created, with PostGIS (which only a superuser may create)
        with tempfile.TemporaryDirectory(prefix="vetmap-restore-") as folder:
            argv = [
                str(pg_restore),
                "--verbose",
                "--exit-on-error",
                "--single-transaction",
                "--no-owner",
                "--no-privileges",
                f"--use-list={_restore_list(pg_restore, info.path, Path(folder))}",
                f"--dbname={url.database}",
                str(info.path),
            ]
            pattern = re.compile(r'processing data for table "([^"]+)"')
            error = _run_client(argv, libpq_env(url), progress, pattern)
        if error:
            raise InvalidInput(f"the restore failed and was rolled back: {error}")
        with _connected(url) as conn:
            conn.execute(text("ANALYZE"))
    except BaseException:
        if created:
            drop_database(url)
        raise


def restore_database(
    url: URL, path: Path, force: bool = False, progress: Progress = lambda _: None
) -> RestoreResult:
    """Restore the archive ``path`` into the database of ``url``: created when missing, refused when it holds
    tables unless ``force`` (then restored beside it first, and the old one dropped only after that worked)."""
    path = Path(path)
    if not _DATABASE_NAME.fullmatch(url.database or ""):
        raise InvalidInput(
            f"{url.database!r} is not a usable database name: up to 50 letters, digits, '_' or '-', "
            "starting with a letter or '_'"
        )
    _check_archive_file(path)
    admin_url = url.set(database="postgres")
    with _connected(admin_url) as admin:
        major = _server_major(admin)
        pg_restore = client_program("pg_restore", major)
        info = read_archive(path, pg_restore)
        if info.server_major > major:
            raise InvalidInput(
                f"{path} comes from PostgreSQL {info.dumped_from}; this server runs PostgreSQL {major}: "
                f"restore it into a server of version {info.server_major} or newer"
            )
        exists = database_exists(admin, url.database)
    existing = []
    if exists:
        with _connected(url) as conn:
            existing = user_tables(conn)
    if existing and not force:
        shown = ", ".join(existing[:5]) + (", ..." if len(existing) > 5 else "")
        raise Conflict(
            f"the database {url.database} is not empty ({len(existing)} tables: {shown}): restore into an empty "
            "database (--database NEW_NAME) or pass --force to drop it and put the backup in its place"
        )
    progress(
        f"restoring {path} ({info.size_bytes} bytes, from PostgreSQL {info.dumped_from}, "
        f"{info.data_entries} tables of data, extensions {', '.join(info.extensions) or 'none'}) into {_where(url)}"
    )
    if existing:
        side = _side_url(url)
        drop_database(side)
        _restore_into(side, info, pg_restore, progress, created=True)
        progress(
            f"--force: dropping the database {url.database} ({len(existing)} tables) and putting the backup in its place"
        )
        drop_database(url)
        with _connected(admin_url) as admin:
            admin.execute(text(f'ALTER DATABASE "{side.database}" RENAME TO "{url.database}"'))
    else:
        _restore_into(url, info, pg_restore, progress, created=not exists)
    with _connected(url) as conn:
        tables = table_rows(conn)
        migrated = any(t.name == "public.alembic_version" for t in tables)
        revision = (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar() if migrated else None
        )
    return RestoreResult(url.database, info, tables, revision)


def _side_url(url: URL) -> URL:
    """The temporary database a forced restore goes into before it replaces the target."""
    return url.set(database=f"{url.database}__restoring")
