"""Shared fixtures: a real PostGIS test database (migrated, demo loaded once), the app and a client."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import Engine, event
from sqlalchemy.engine import URL, make_url

from api.app import create_app
from geo.database.engine import (
    database_url,
    drop_database,
    ensure_database,
    ensure_embedded_running,
    make_engine,
)
from geo.database.migrate import upgrade
from geo.demo.atlas import load_demo
from geo.settings import Settings
from tests.auth_helpers import national_admin_token, sites_kept
from tests.browser_pages import CHROMIUM, CHROMIUM_ARGS, watched  # noqa: F401 - the browser tests' offline page, for every test module

# Parallel sessions (several developers on one machine) each set their own name.
TEST_DATABASE = os.environ.get("VETMAP_TEST_DATABASE", "vetmap_test")


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    """Settings of the developer's database server (embedded by default)."""
    return Settings()


@pytest.fixture(scope="session")
def test_db_url(base_settings: Settings) -> URL:
    """A fresh, migrated test database on the same server (VETMAP_TEST_DATABASE_URL overrides)."""
    override = os.environ.get("VETMAP_TEST_DATABASE_URL")
    if override:
        url = make_url(override)
    else:
        ensure_embedded_running(base_settings)
        url = database_url(base_settings, TEST_DATABASE)
    drop_database(url)
    ensure_database(url)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(test_db_url: URL) -> Iterator[Engine]:
    """An engine on the test database."""
    eng = make_engine(test_db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def demo_counts(engine: Engine) -> dict[str, int]:
    """The default demo atlas, loaded once per session."""
    return load_demo(engine, scale="county")


@pytest.fixture(scope="session")
def settings(test_db_url: URL, base_settings: Settings) -> Settings:
    """App settings pointing at the test database."""
    return base_settings.model_copy(
        # no basemap tiles: the suite runs with no internet (browser tests fail on any request off 127.0.0.1);
        # tests of the basemaps choose one themselves
        update={"database_url": test_db_url.render_as_string(hide_password=False), "basemap": "none"}
    )


@pytest.fixture(scope="session")
def admin_api_token(engine: Engine, demo_counts: dict[str, int]) -> str:
    """An API token of a national admin (account ``test-admin``, the whole atlas)."""
    return national_admin_token(engine)


@pytest.fixture(scope="session")
def client(settings: Settings, demo_counts: dict[str, int], admin_api_token: str) -> Iterator[TestClient]:
    """An HTTP client on the app, over the demo atlas, signed in as a national admin (by an API token)."""
    headers = {"Authorization": f"Bearer {admin_api_token}"}
    with TestClient(create_app(settings), headers=headers) as c:
        yield c


@pytest.fixture(scope="session")
def anon_client(settings: Settings, demo_counts: dict[str, int]) -> Iterator[TestClient]:
    """An HTTP client on the app with no credentials: the anonymous public."""
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture()
def statements(client: TestClient) -> Iterator[list[str]]:
    """SQL statements the app's engines (read-write and read-only) run while the test body runs."""
    seen: list[str] = []
    engines = (client.app.state.engine, client.app.state.read_engine)

    def _record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", _record)
    yield seen
    for engine in engines:
        event.remove(engine, "before_cursor_execute", _record)


@pytest.fixture(scope="module")
def atlas_restored(engine: Engine, demo_counts: dict[str, int]) -> Iterator[None]:
    """Sites a module makes are removed after it (other modules count the demo's sites); a module asks for it
    with ``pytestmark = pytest.mark.usefixtures("atlas_restored")``."""
    with sites_kept(engine):
        yield


# -- a real headless Chromium (Debian's) for the browser tests: one Playwright per session, shared by modules


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless. Missing or broken, it fails the browser tests (they never skip)."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Debian's Chromium is not installed at {CHROMIUM}: the browser tests need it "
            "(apt-get install chromium); they fail rather than skip",
            pytrace=False,
        )
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    except PlaywrightError as exc:
        pytest.fail(f"could not launch Chromium at {CHROMIUM}: {exc.message}", pytrace=False)
    yield browser
    browser.close()
