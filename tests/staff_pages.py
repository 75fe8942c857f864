"""What the staff pages' tests share: test accounts with a password, TestClients signed in through the /login form,
and for Playwright pages the two window sizes, the CSP-violation watcher, signing in on the /login form, the
phone-overflow measure and the screenshots kept when ``VETMAP_SHOTS=<dir>`` is set (outside the repository)."""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Page
from sqlalchemy import Engine

from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import AccountInfo, create_account
from tests.browser_pages import TIMEOUT_MS

DESKTOP = {"width": 1440, "height": 900}
"""The window the staff pages are looked at in (and their screenshots taken)."""
PHONE = {"width": 390, "height": 844}
"""A phone's window: no staff page may be wider."""
CSP_WATCH = """() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
        window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
    });
}"""
"""JS run before each document: every Content-Security-Policy violation is recorded in ``window.__cspViolations``."""
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
"""The hidden CSRF field of a form (the /login form's, a staff page's)."""

# Addresses of the test clients, one each: the rate limits count per address. 10.90/16 is used by no test itself.
_addresses = itertools.count(1)


# ------------------------------------------------------------------------------------- accounts and clients


def make_account(engine: Engine, username: str, password: str, role: str, area: str | None) -> AccountInfo:
    """A new account of ``role`` in ``area`` (``None``: the whole atlas) with a password, made by the CLI actor."""
    with engine.begin() as conn:
        return create_account(conn, CLI_ACTOR, username, password, role, area)


def new_client(app: FastAPI) -> TestClient:
    """A TestClient of the app from an address no other client of the suite uses."""
    n = next(_addresses)
    return TestClient(app, client=(f"10.90.{n // 250}.{n % 250 + 1}", 40000))


def sign_in_client(client: TestClient, username: str, password: str, next_path: str = "/staff/") -> str:
    """Sign the client in as a browser does (GET /login for its CSRF field, POST /login); the redirect's target."""
    csrf = CSRF_FIELD.search(client.get("/login").text).group(1)
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf, "next": next_path},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def signed_in_client(
    app: FastAPI, engine: Engine, username: str, password: str, role: str, area: str | None
) -> tuple[TestClient, AccountInfo]:
    """A new account of ``role`` in ``area`` and a client of its own signed in as it through /login."""
    account = make_account(engine, username, password, role, area)
    client = new_client(app)
    sign_in_client(client, username, password)
    return client, account


# ---------------------------------------------------------------------------------------- browser pages


def watch_csp(page: Page) -> None:
    """Record, in every document the page opens from now on, each CSP violation (see ``csp_violations``)."""
    page.add_init_script(f"({CSP_WATCH})()")


def csp_violations(page: Page) -> list[str]:
    """The CSP violations of the page's document so far ("<directive> <blocked URI>"), once ``watch_csp`` ran."""
    return page.evaluate("() => window.__cspViolations")


def assert_no_csp_violation(page: Page) -> None:
    """Fail if the policy refused a script, style or other resource of the page's document."""
    assert csp_violations(page) == []


def shot(page: Page, name: str, full_page: bool = True) -> None:
    """A screenshot ``<name>.png`` (of the whole page, or the window) in the folder ``VETMAP_SHOTS`` names, if set."""
    where = os.environ.get("VETMAP_SHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(where) / f"{name}.png"), full_page=full_page)


def overflow(page: Page) -> int:
    """How many pixels the document is wider than the window (0 or less: it fits)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def assert_fits(page: Page, what: str, window: str = "a phone") -> None:
    """Fail if the document is wider than the window (no horizontal scrolling)."""
    wider = overflow(page)
    assert wider <= 0, f"{what} is {wider}px wider than {window}"


def fill_sign_in(page: Page, username: str, password: str) -> None:
    """Fill the /login form the page shows and send it."""
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def sign_in_at(page: Page, base_url: str, path: str, username: str, password: str) -> None:
    """Watch CSP violations, open ``path`` at the desktop size, sign in on the form it leads to, and be back."""
    watch_csp(page)
    page.set_viewport_size(DESKTOP)
    page.goto(base_url + path, wait_until="load")
    fill_sign_in(page, username, password)
    page.wait_for_url(re.compile(re.escape(path) + "$"), timeout=TIMEOUT_MS)
