"""The project's command line run as an operator runs it: ``python main.py ...`` in a child process, at the
project's root, against a database given by URL."""

from __future__ import annotations

import os
import subprocess
import sys

from geo.settings import PROJECT_ROOT


def run_main(
    *args: str,
    database_url: str | None = None,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run ``python main.py ARGS`` (in ``env``, else this process's environment, with VETMAP_DATABASE_URL set to
    ``database_url`` when given) and return its exit code and text output."""
    environment = dict(os.environ if env is None else env)
    if database_url is not None:
        environment["VETMAP_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=PROJECT_ROOT,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
