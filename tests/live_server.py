"""A real uvicorn server running the app in a background thread, for tests that drive a browser.

Loaded as a pytest plugin for the whole suite (``-p tests.live_server`` in pyproject.toml):
it provides the session fixture ``live_server`` (the base URL) and records each test phase's report
on the item (``item.rep_setup``, ``item.rep_call``, ...) so fixtures can act on a failed test.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from geo.settings import SecuritySettings, Settings

HOST = "127.0.0.1"
STARTUP_TIMEOUT_S = 30.0
SHUTDOWN_TIMEOUT_S = 15.0


class LiveServer:
    """The app under uvicorn on 127.0.0.1 and a port the OS picked, in a (non-daemon) thread."""

    def __init__(self, app: FastAPI) -> None:
        # Bind first and hand the socket to uvicorn: the port cannot be taken between choosing and listening.
        self.app = app
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((HOST, 0))
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            ws="none",  # the pages use no websockets; don't import a websockets implementation
            proxy_headers=False,  # as `serve`: the app believes X-Forwarded-For from its trusted proxies only
            timeout_graceful_shutdown=5,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=f"live-server-{self.port}")
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # SystemExit on a failed startup included; reported by start()
            self._error = exc

    def start(self) -> None:
        """Start serving and return once /healthz answers 200; raise if it never does."""
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        last = "no answer yet"
        while time.monotonic() < deadline:
            if not self._thread.is_alive():
                raise RuntimeError(f"the live server stopped while starting: {self._error!r}")
            if self._server.started:
                try:
                    with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                        if response.status == 200:
                            return
                        last = f"HTTP {response.status}"
                except urllib.error.HTTPError as exc:
                    last = f"HTTP {exc.code}: {exc.read()[:200]!r}"
                    exc.close()
                except OSError as exc:
                    last = repr(exc)
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the live server did not answer /healthz within {STARTUP_TIMEOUT_S} s ({last})")

    def stop(self) -> None:
        """Ask uvicorn to finish (lifespan shutdown included), wait for the thread, close the socket."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(SHUTDOWN_TIMEOUT_S)
        self._socket.close()
        if self._thread.is_alive():
            raise RuntimeError(f"the live server thread did not stop within {SHUTDOWN_TIMEOUT_S} s")
        if self._error is not None:
            raise RuntimeError("the live server failed") from self._error


@pytest.fixture(scope="session")
def live_server(settings: Settings, demo_counts: dict[str, int]) -> Iterator[str]:
    """Base URL (http://127.0.0.1:<port>) of the real app over the demo atlas, served by uvicorn."""
    # many browser tests sign in within a minute from 127.0.0.1, and the one app counts them all: its login limit
    # (10 a minute per address, tested on apps of their own) would refuse the eleventh and a test would time out
    security = SecuritySettings(login_rate_limit_requests=0)
    server = LiveServer(create_app(settings, security))
    server.start()
    yield server.url
    server.stop()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the item (rep_setup, rep_call, rep_teardown) for fixtures to read."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
