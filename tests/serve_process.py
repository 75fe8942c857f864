"""A real ``python main.py serve`` in a child process, on a free port, its log lines in a file: for the tests of
what ``serve`` itself sets up (its logs, the addresses it believes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from geo.settings import PROJECT_ROOT, Settings

SERVE_START_TIMEOUT_S = 90


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(
    settings: Settings, log_file: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """``main.py serve`` on the settings' database with ``args`` and extra ``env``, once /healthz answers 200:
    (the process, its base URL); stdout and stderr go to ``log_file``."""
    port = free_port()
    child_env = {**os.environ, "VETMAP_DATABASE_URL": settings.database_url or "", "VETMAP_BASEMAP": "none"}
    child_env.pop("VETMAP_LOG_FORMAT", None)
    child_env.update(env or {})
    with log_file.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(PROJECT_ROOT / "main.py"), "serve", "--port", str(port), *args],
            cwd=PROJECT_ROOT,
            env=child_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVE_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}: {log_file.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.2)
    stop_serve(process)
    raise AssertionError(
        f"serve did not answer within {SERVE_START_TIMEOUT_S} s: {log_file.read_text()[-2000:]}"
    )


def stop_serve(process: subprocess.Popen) -> None:
    """Ask the process to end, then make it."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
