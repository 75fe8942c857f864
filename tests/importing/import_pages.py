"""Shared helpers of the import and export pages' tests: a signed-in client with its CSRF token, a small station
register with bad rows, the upload the page's script makes, the report table's cells, the stored codes."""

from __future__ import annotations

import itertools
import re
from html import unescape

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import create_account
from tests.factories import ZIYUAN_POINT

PASSWORD = "test-import-pages-password"
CJK = re.compile(r"[\u3400-\u9fff]")
_addresses = itertools.count(1)
_names = itertools.count(1)


def signed_in(app: FastAPI, engine: Engine, role: str, area: str | None) -> tuple[TestClient, str]:
    """A client signed in through /login as a new account, and the CSRF token of its session."""
    name = f"import-pages-{role}-{next(_names)}"
    with engine.begin() as conn:
        create_account(conn, CLI_ACTOR, name, PASSWORD, role, area)
    c = TestClient(app, client=(f"10.79.{next(_addresses)}.1", 40000))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    answer = c.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": csrf, "next": "/staff/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    page = c.get("/staff/imports") if role in ("planner", "admin") else c.get("/staff/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return c, token


def register_csv(tag: str) -> bytes:
    """A small station register (its names marked with ``tag``): two good rows, then a row without a code whose
    star rating nobody can read, one with a bad level, one with a latitude that is not a number, and one far
    outside the county (in another county)."""
    lon, lat = ZIYUAN_POINT
    lines = [
        "编码,名称,级别,经度,纬度,星级",
        f"{tag}-1,测试一村服务站{tag},村,{lon + 0.001},{lat + 0.001},",  # each test's own names: the same name
        f"{tag}-2,测试二村服务站{tag},村,{lon + 0.002},{lat + 0.0015},四星级",  # at the same place is a duplicate
        f",星级不对的站{tag},村,{lon},{lat},五星半",
        f"{tag}-4,级别不对的站,大队,{lon},{lat},",
        f"{tag}-5,纬度不是数字的站,村,{lon},北纬二十六度,",
        f"{tag}-6,南宁的站,村,108.38,22.85,",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def upload(client: TestClient, csrf: str, data: bytes, dry_run: bool, name: str = "register.csv", lang="zh"):
    """POST the file to the import API as the page's script does (session cookie and CSRF header)."""
    return client.post(
        f"/api/v1/imports?lang={lang}",
        headers={"X-CSRF-Token": csrf},
        data={"collection": "stations", "crs": "WGS84", "dry_run": "true" if dry_run else "false"},
        files={"file": (name, data, "text/csv")},
    )


def report_rows(html: str) -> dict[int, dict[str, str]]:
    """Row number → the report table's cells (code, result, field, reason)."""
    out = {}
    for row, body in re.findall(r'<tr class="status-\w+" data-row="(\d+)">(.*?)</tr>', html, re.S):
        cells = [
            unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
        ]
        out[int(row)] = {"code": cells[1], "result": cells[2], "field": cells[3], "reason": cells[4]}
    return out


def station_codes(engine: Engine, tag: str) -> list[str]:
    """Codes of the stored stations of a test's register."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text("SELECT code FROM stations WHERE code LIKE :p ORDER BY code"), {"p": f"{tag}-%"}
            ).scalars()
        )
