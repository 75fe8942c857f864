"""The embedded PostgreSQL + PostGIS cluster kept in a folder of the project (default when no URL is set)."""

from __future__ import annotations

import hashlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from geo.errors import DatabaseUnavailable

_SUPERUSER = "vetmap"


@dataclass(frozen=True)
class ClusterStatus:
    """What `db status` reports about the embedded cluster."""

    initialised: bool
    running: bool
    port: int | None
    data_dir: Path
    url: str | None


def postgres_bindir() -> Path:
    """Newest installed PostgreSQL server whose share folder also has PostGIS."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name)
    )
    for postgres in reversed(candidates):
        version = postgres.parent.parent.name
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            return postgres.parent
    if candidates:
        raise DatabaseUnavailable(
            f"PostgreSQL {candidates[-1].parent.parent.name} is installed but PostGIS is not: "
            f"apt-get install postgresql-{candidates[-1].parent.parent.name}-postgis-3"
        )
    raise DatabaseUnavailable(
        "no PostgreSQL server found: apt-get install postgresql-15 postgresql-15-postgis-3"
    )


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pick_port(preferred: int) -> int:
    for port in range(preferred, preferred + 200):
        if _port_is_free(port):
            return port
    raise DatabaseUnavailable(f"no free TCP port in {preferred}..{preferred + 199} for the embedded database")


class EmbeddedCluster:
    """Creates, starts and stops a private PostgreSQL cluster under ``var_dir/pg``.

    When we run as root the server runs as ``os_user`` (PostgreSQL refuses root). If that user cannot
    reach the project folder (e.g. a checkout below /root), the cluster lives under /var/tmp and
    ``var_dir/pg`` is a symlink to it, so it still belongs to this checkout.
    """

    def __init__(self, var_dir: Path, preferred_port: int = 54329, os_user: str = "postgres") -> None:
        self.var_dir = Path(var_dir)
        self.preferred_port = preferred_port
        self.is_root = os.geteuid() == 0
        self.os_user = os_user if self.is_root else pwd.getpwuid(os.geteuid()).pw_name
        self.home = self.var_dir / "pg"

    # -- paths (resolved: the server user may not be able to walk the project's own path) --------------
    @property
    def data_dir(self) -> Path:
        return self.home.resolve() / "data"

    @property
    def socket_dir(self) -> Path:
        return self.home.resolve() / "run"

    @property
    def log_file(self) -> Path:
        return self.home.resolve() / "log" / "postgres.log"

    @property
    def _port_file(self) -> Path:
        return self.home / "port"

    @property
    def _password_file(self) -> Path:
        return self.var_dir / "pg-password"

    # -- running commands as the server's user ------------------------------------------------------
    def _as_server_user(self, argv: list[str]) -> list[str]:
        if not self.is_root:
            return argv
        return ["runuser", "-u", self.os_user, "--", *argv]

    def _run(self, argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        proc = subprocess.run(self._as_server_user(argv), capture_output=True, text=True, env=env, cwd="/")
        if check and proc.returncode != 0:
            raise DatabaseUnavailable(f"{Path(argv[0]).name} failed: {(proc.stderr or proc.stdout).strip()}")
        return proc

    def _server_user_can_write(self, folder: Path) -> bool:
        if not self.is_root:
            return os.access(folder, os.W_OK | os.X_OK)
        probe = ["runuser", "-u", self.os_user, "--", "test", "-w", str(folder), "-a", "-x", str(folder)]
        return subprocess.run(probe, capture_output=True).returncode == 0

    def _prepare_home(self) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        if self.home.exists() or self.home.is_symlink():
            return
        if self.is_root:
            try:
                pw = pwd.getpwnam(self.os_user)
            except KeyError as exc:
                raise DatabaseUnavailable(
                    f"running as root, the embedded database needs the unprivileged user {self.os_user!r}"
                    " (set VETMAP_EMBEDDED_OS_USER, or install postgresql which creates 'postgres')"
                ) from exc
            self.home.mkdir()
            os.chown(self.home, pw.pw_uid, pw.pw_gid)
            if not self._server_user_can_write(self.home):
                self.home.rmdir()
                digest = hashlib.sha1(str(self.var_dir.resolve()).encode()).hexdigest()[:12]
                outside = Path("/var/tmp") / f"vetmap-pg-{digest}"
                if outside.exists() and not self._password_file.exists():
                    self._discard_stale(
                        outside
                    )  # left by an earlier checkout at this path; its password is gone
                outside.mkdir(mode=0o700, exist_ok=True)
                os.chown(outside, pw.pw_uid, pw.pw_gid)
                self.home.symlink_to(outside)
        else:
            self.home.mkdir()
        for sub in (self.socket_dir, self.log_file.parent):
            self._run(["mkdir", "-p", "-m", "0700", str(sub)])

    def _discard_stale(self, folder: Path) -> None:
        if (folder / "data" / "PG_VERSION").exists():
            pg_ctl = str(postgres_bindir() / "pg_ctl")
            self._run([pg_ctl, "-D", str(folder / "data"), "-m", "immediate", "-w", "stop"], check=False)
        shutil.rmtree(folder)

    # -- lifecycle ---------------------------------------------------------------------------------
    def is_initialised(self) -> bool:
        """True when the cluster's data folder has been created."""
        return (self.data_dir / "PG_VERSION").exists() and self._port_file.exists()

    def port(self) -> int | None:
        """The TCP port the cluster listens on (127.0.0.1), once chosen."""
        try:
            return int(self._port_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def password(self) -> str:
        """The generated password of the cluster's superuser (kept in var/, mode 0600)."""
        try:
            return self._password_file.read_text().strip()
        except FileNotFoundError as exc:
            raise DatabaseUnavailable(
                "the embedded database is not set up yet: run `python main.py db up`"
            ) from exc

    def initialise(self) -> None:
        """Run initdb once: superuser ``vetmap`` with a random password, listening on 127.0.0.1 only."""
        self._prepare_home()
        if self.is_initialised():
            return
        bindir = postgres_bindir()
        password = secrets.token_urlsafe(24)
        port = _pick_port(self.preferred_port)
        with tempfile.NamedTemporaryFile("w", delete=False, dir="/tmp", prefix="vetmap-pw-") as fh:
            fh.write(password + "\n")
        try:
            if self.is_root:
                shutil.chown(fh.name, user=self.os_user)
            self._run(
                [
                    str(bindir / "initdb"),
                    "-D", str(self.data_dir),
                    "-U", _SUPERUSER,
                    "--pwfile", fh.name,
                    "--auth-local=peer",
                    "--auth-host=scram-sha-256",
                    "-E", "UTF8",
                    "--locale=C.UTF-8",
                ]
            )  # fmt: skip
        finally:
            os.unlink(fh.name)
        conf = (
            "\n# VetMap embedded cluster\n"
            "listen_addresses = '127.0.0.1'\n"
            f"port = {port}\n"
            f"unix_socket_directories = '{self.socket_dir}'\n"
            "shared_buffers = '256MB'\n"
            "work_mem = '32MB'\n"
            "maintenance_work_mem = '256MB'\n"
            "max_connections = 100\n"
        )
        proc = subprocess.run(
            self._as_server_user(["tee", "-a", str(self.data_dir / "postgresql.conf")]),
            input=conf,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise DatabaseUnavailable(f"could not configure the cluster: {proc.stderr.strip()}")
        self._password_file.write_text(password + "\n")
        self._password_file.chmod(0o600)
        self._port_file.write_text(f"{port}\n")

    def is_running(self) -> bool:
        """True when the postmaster of this cluster is up."""
        if not self.is_initialised():
            return False
        proc = self._run([str(postgres_bindir() / "pg_ctl"), "-D", str(self.data_dir), "status"], check=False)
        return proc.returncode == 0

    def start(self) -> None:
        """Initialise if needed and start the server; waits until it accepts connections."""
        self.initialise()
        if self.is_running():
            return
        port = self.port()
        if port is not None and not _port_is_free(port):
            raise DatabaseUnavailable(
                f"port {port} of the embedded database is taken by another program; stop it or remove {self.home}"
            )
        self._run(
            [
                str(postgres_bindir() / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        self._wait_ready()

    def _wait_ready(self, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        port = self.port()
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.1)
        raise DatabaseUnavailable(f"the embedded database did not come up; see {self.log_file}")

    def stop(self) -> None:
        """Stop the server (fast shutdown) if it runs."""
        if self.is_running():
            self._run(
                [str(postgres_bindir() / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"]
            )

    def url(self, database: str) -> URL:
        """SQLAlchemy URL of one database of this cluster."""
        port = self.port()
        if port is None:
            raise DatabaseUnavailable("the embedded database is not set up yet: run `python main.py db up`")
        return URL.create(
            "postgresql+psycopg2", username=_SUPERUSER, password=self.password(), host="127.0.0.1", port=port,
            database=database,
        )  # fmt: skip

    def status(self, database: str) -> ClusterStatus:
        """A summary for `db status`."""
        initialised = self.is_initialised()
        running = self.is_running()
        url = self.url(database).render_as_string(hide_password=True) if initialised else None
        return ClusterStatus(initialised, running, self.port(), self.data_dir, url)
