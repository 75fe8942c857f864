"""Import reports kept in the database (migration 0012, geo/importing/report_store.py): two databases sharing one
var dir do not see each other's reports; a report is listed (in China time) and committed after the app restarts
with another var dir; a dry run's kept file commits once, comes back when its import fails, and expires; the list of
an area reads the index ``(area_code, created_at DESC)``; nothing is written under the var dir."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.engine import URL

from api.app import create_app
from geo.accounts.audit import CLI_ACTOR
from geo.accounts.users import create_account, principal_for
from geo.database.engine import make_engine
from geo.errors import NotFound
from geo.importing import report_store
from geo.importing.report import ImportReport
from geo.settings import Settings
from tests.factories import scratch_database
from tests.importing.import_pages import PASSWORD, register_csv, signed_in, station_codes, upload

pytestmark = pytest.mark.usefixtures("atlas_restored")

COUNTY = "450329"  # 资源县
_clients = iter(range(1, 250))


def _app(settings: Settings, var_dir: Path, url: URL | None = None) -> Iterator[FastAPI]:
    update: dict = {"var_dir": var_dir}
    if url is not None:
        update["database_url"] = url.render_as_string(hide_password=False)
    application = create_app(settings.model_copy(update=update))
    with TestClient(application):
        yield application


def _sign_in_again(app: FastAPI, username: str) -> tuple[TestClient, str]:
    """A new client of ``app`` signed in as an existing account, and its CSRF token."""
    c = TestClient(app, client=(f"10.83.{next(_clients)}.1", 40000))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    answer = c.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf, "next": "/staff/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    page = c.get("/staff/imports")
    return c, re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _listed(html: str) -> list[str]:
    return re.findall(r'<tr data-report="([^"]+)"', html)


def test_two_databases_sharing_a_var_dir_do_not_see_each_others_reports(
    settings, test_db_url, engine, tmp_path
):
    shared = tmp_path / "var"
    for app_a in _app(settings, shared):
        admin_a, csrf = signed_in(app_a, engine, "admin", None)
        token = upload(admin_a, csrf, register_csv("IMPDB"), dry_run=True).json()["report_token"]
        assert token in _listed(admin_a.get("/staff/imports").text)
    with scratch_database(test_db_url, "reports_b") as url_b:
        engine_b = make_engine(url_b)
        try:
            for app_b in _app(settings, shared, url_b):
                admin_b, _ = signed_in(app_b, engine_b, "admin", None)  # the whole atlas: every report of B
                page = admin_b.get("/staff/imports").text
                assert _listed(page) == [] and "还没有导入记录。" in page
                gone = admin_b.get(f"/staff/imports?report={token}").text
                assert "该导入报告已过期，或不属于您的辖区" in gone
        finally:
            engine_b.dispose()
    assert not (shared / "import-reports").exists() and not (shared / "import-rejects").exists()


def test_a_report_is_listed_and_committed_after_a_restart_with_another_var_dir(settings, engine, tmp_path):
    for before in _app(settings, tmp_path / "before"):
        client, csrf = signed_in(before, engine, "planner", COUNTY)
        uploader = re.search(r"import-pages-planner-\d+", client.get("/staff/imports").text).group(0)
        token = upload(client, csrf, register_csv("IMPRS"), dry_run=True).json()["report_token"]
    for after in _app(settings, tmp_path / "after"):
        neighbour, _ = signed_in(after, engine, "planner", COUNTY)
        page = neighbour.get("/staff/imports").text
        assert token in _listed(page)
        with engine.connect() as conn:
            saved = conn.execute(
                text("SELECT created_at FROM import_reports WHERE token = :t"), {"t": token}
            ).scalar_one()
        china = (saved.astimezone(dt.UTC) + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
        row = re.search(rf'<tr data-report="{token}".*?</tr>', page, re.S).group(0)
        assert china in row and "试导入" in row and uploader in row  # China time, whatever the server's zone
        again, csrf_again = _sign_in_again(after, uploader)
        done = again.post(f"/api/v1/imports/reports/{token}/commit", headers={"X-CSRF-Token": csrf_again})
        assert done.status_code == 200, done.text
        assert station_codes(engine, "IMPRS") == ["IMPRS-1", "IMPRS-2"]
        assert done.json()["rejects_url"] and again.get(done.json()["rejects_url"]).status_code == 200


def _dry_run(conn, principal, tmp_path: Path) -> str:
    source = tmp_path / "kept.csv"
    source.write_bytes(register_csv("IMPKS"))
    report = ImportReport("kept.csv", "csv", "stations", "WGS84", "utf-8", True, False, {}, [], [])
    options = {"collection": "stations", "suffix": ".csv"}
    return report_store.keep_report(conn, report, principal, upload=source, options=options).report


def test_a_kept_dry_run_file_commits_once_comes_back_after_a_failure_and_expires(engine, tmp_path):
    with engine.begin() as conn:
        owner = create_account(conn, CLI_ACTOR, "import-store-owner", PASSWORD, "planner", COUNTY)
        other = create_account(conn, CLI_ACTOR, "import-store-other", PASSWORD, "planner", COUNTY)
        me, them = principal_for(conn, owner.id), principal_for(conn, other.id)
        token = _dry_run(conn, me, tmp_path)
    with engine.begin() as conn:
        kept = report_store.find_report(conn, token, them)  # the area's staff read it ...
        assert not report_store.can_commit(kept, them)  # ... only its uploader commits it
        assert report_store.can_commit(report_store.find_report(conn, token, me), me)
        with pytest.raises(NotFound):
            report_store.take_upload(conn, token, them)
        taken = report_store.take_upload(conn, token, me)
        assert taken.data == register_csv("IMPKS") and taken.options["collection"] == "stations"
        with pytest.raises(NotFound):
            report_store.take_upload(conn, token, me)  # once
        after = report_store.find_report(conn, token, me)
        assert after.committed_at is not None and not report_store.can_commit(after, me)
        report_store.put_back_upload(conn, token, taken)  # its import failed: it may be committed again
        assert report_store.take_upload(conn, token, me).data == taken.data
        report_store.put_back_upload(conn, token, taken)
        conn.execute(
            text(
                "UPDATE import_reports SET upload_expires_at = now() - interval '1 second' WHERE token = :t"
            ),
            {"t": token},
        )
        assert not report_store.find_report(conn, token, me).upload_kept
        with pytest.raises(NotFound):
            report_store.take_upload(conn, token, me)  # expired
        report_store.prune(conn)
        cleared = conn.execute(
            text("SELECT upload IS NULL FROM import_reports WHERE token = :t"), {"t": token}
        ).scalar_one()
        assert cleared and report_store.find_report(conn, token, me).report.file == "kept.csv"
        conn.execute(
            text("UPDATE import_reports SET created_at = now() - interval '91 days' WHERE token = :t"),
            {"t": token},
        )
        with pytest.raises(NotFound):
            report_store.find_report(conn, token, me)  # a report expires too
        report_store.prune(conn)
        assert (
            conn.execute(
                text("SELECT count(*) FROM import_reports WHERE token = :t"), {"t": token}
            ).scalar_one()
            == 0
        )


def test_an_expired_dry_run_answers_a_sentence_and_the_page_offers_no_commit(settings, engine, tmp_path):
    for app in _app(settings, tmp_path / "var"):
        client, csrf = signed_in(app, engine, "planner", COUNTY)
        token = upload(client, csrf, register_csv("IMPEX"), dry_run=True).json()["report_token"]
        assert 'id="commit"' in client.get(f"/staff/imports?report={token}").text
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE import_reports SET upload_expires_at = now() - interval '1 second' WHERE token = :t"
                ),
                {"t": token},
            )
        page = client.get(f"/staff/imports?report={token}").text
        assert 'id="commit"' not in page and "若要正式导入，请重新选择该文件" in page
        refused = client.post(f"/api/v1/imports/reports/{token}/commit", headers={"X-CSRF-Token": csrf})
        assert refused.status_code == 404 and "试导入的文件已不再保留" in refused.json()["detail"]
        assert station_codes(engine, "IMPEX") == []


def test_the_list_of_an_area_reads_its_index(engine, tmp_path):
    statements: list[tuple[str, dict]] = []
    with engine.begin() as conn:
        owner = create_account(conn, CLI_ACTOR, "import-store-index", PASSWORD, "planner", COUNTY)
        me = principal_for(conn, owner.id)
        token = _dry_run(conn, me, tmp_path)

        def record(_conn, _cursor, statement, parameters, _context, _many):
            statements.append((statement, parameters))

        event.listen(conn, "before_cursor_execute", record)
        listed = report_store.list_reports(conn, me)
        event.remove(conn, "before_cursor_execute", record)
        assert listed[0].token == token and listed[0].totals["rows"] == 0
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        statement, parameters = statements[-1]
        plan = "\n".join(conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars())
    assert "ix_import_reports_area_created" in plan, plan
