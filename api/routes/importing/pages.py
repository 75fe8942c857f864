"""The staff pages of imports (``/staff/imports``: dry run, report, commit) and exports (``/staff/exports``).

The import page uploads with its own script to ``POST /api/v1/imports`` (progress from the upload itself), a dry
run first; the report is kept (geo/importing/report_store.py) and shown from ``/staff/imports/report/{token}``, a
fragment of the page rendered here in the page's language; "import for real" commits the file the dry run kept
(``POST /api/v1/imports/reports/{token}/commit``), no second upload. Past
imports of the account's area are listed, each reopened at ``/staff/imports?report=<token>``. The export page links
each collection × format of ``GET /api/v1/exports/{collection}.{fmt}`` for the chosen area, with its count."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ConnDep, SettingsDep
from api.principal import get_web_session
from api.staff_pages import NO_STORE, StaffPage, open_staff_page, staff_response
from geo.accounts.credentials import WebSession
from geo.accounts.permissions import covers
from geo.atlas.areas import find_area
from geo.errors import DomainError, NotFound
from geo.importing.checks import IMPORTABLE
from geo.importing.export import export_areas, export_counts
from geo.importing.places import county_groups
from geo.importing.report_store import (
    MAX_KEPT_BYTES,
    KeptReport,
    can_commit,
    find_report,
    list_reports,
    must_upload_again,
)
from geo.importing.run import check_rights
from web.i18n import t
from web.importing.exports import OGC_COLLECTIONS, export_rows
from web.importing.reports import past_imports, report_view
from web.jinja import render
from web.times import local_time

router = APIRouter(tags=["pages"], include_in_schema=False)

SessionDep = Annotated[WebSession | None, Depends(get_web_session)]
LangQuery = Annotated[Literal["zh", "en"] | None, Query()]
CRS_CHOICES = ("WGS84", "CGCS2000", "GCJ02", "BD09")
"""The source systems the import form offers (the API takes any EPSG code too)."""


def _importable(page: StaffPage) -> list[tuple[str, str]]:
    out = []
    for collection in IMPORTABLE:
        try:
            check_rights(page.actor, collection)
        except DomainError:
            continue
        out.append((collection, t(f"imports.coll.{collection}", page.lang)))
    return out


def _counties(conn, page: StaffPage) -> tuple[list[dict], int]:
    """The counties an operator may have place names looked up in, grouped by province and city: those of its
    area, every one of them (an account of a township or village: its county); and how many there are."""
    label = "{name}（{code}）" if page.lang == "zh" else "{name} ({code})"
    groups = [
        {"label": g.label, "counties": [(c, label.format(name=n, code=c)) for c, n in g.counties]}
        for g in county_groups(conn, page.principal.area_code)
    ]
    return groups, sum(len(g["counties"]) for g in groups)


def _rejects_href(kept: KeptReport, page: StaffPage) -> str | None:
    if not kept.rejects_kept or kept.owner_id != page.principal.user_id:
        return None
    return f"/api/v1/imports/rejects/{kept.rejects_token}"


def _report_context(kept: KeptReport, page: StaffPage) -> dict:
    return {
        "can_commit": can_commit(kept, page.principal),
        "upload_again": must_upload_again(kept, page.principal),
        "kept_mb": MAX_KEPT_BYTES // 2**20,
        "report": report_view(kept.report, page.lang),
        "kept": kept,
        "when": local_time(kept.saved_at),
        "committed": local_time(kept.committed_at),
        "rejects_href": _rejects_href(kept, page),
        "lang": page.lang,
    }


@router.get("/staff/imports", response_class=HTMLResponse)
def imports_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    lang: LangQuery = None,
    report: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Upload a register: dry run, the row-by-row report, commit; past imports of my area, each reopenable."""
    page = open_staff_page(
        request, conn, session, lang or settings.default_lang, "/staff/imports", action="imports.run"
    )
    if isinstance(page, Response):
        return page
    opened, gone = None, False
    counties, county_count = _counties(conn, page)
    if report:
        try:
            opened = _report_context(find_report(conn, report, page.principal), page)
        except NotFound:
            gone = True
    return staff_response(
        page,
        "staff/imports.html",
        collections=_importable(page),
        crs_choices=CRS_CHOICES,
        counties=counties,
        county_count=county_count,
        opened=opened,
        gone=gone,
        past=past_imports(list_reports(conn, page.principal), page.lang),
        csrf_token=page.csrf_token,
        lang=page.lang,
    )


@router.get("/staff/imports/report/{token}", response_class=HTMLResponse)
def import_report_part(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    token: str,
    lang: LangQuery = None,
) -> Response:
    """The report of an upload as a part of the import page (its script shows it after the upload)."""
    page = open_staff_page(
        request, conn, session, lang or settings.default_lang, "/staff/imports", action="imports.run"
    )
    if isinstance(page, Response):
        return page
    try:
        kept = find_report(conn, token, page.principal)
    except NotFound:
        html = render("staff/imports_gone.html", lang=page.lang)
        return HTMLResponse(html, status_code=404, headers=NO_STORE)
    html = render("staff/imports_report.html", **_report_context(kept, page))
    return HTMLResponse(html, headers=NO_STORE)


@router.get("/staff/exports", response_class=HTMLResponse)
def exports_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    lang: LangQuery = None,
    area: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """Export any collection of my area (an admin of the atlas: any area) in every format, with counts."""
    page = open_staff_page(request, conn, session, lang or settings.default_lang, "/staff/exports")
    if isinstance(page, Response):
        return page
    mine = page.principal.area_code
    chosen, note = mine, None
    if area is not None and area.strip() and area.strip() != "all":
        code = area.strip()
        found = find_area(conn, code) if code.isdigit() and len(code) <= 12 else None
        if found is None:
            note = t("exports.area.unknown", page.lang).format(code=code)
        elif not covers(page.principal, found.code):
            note = t("exports.area.outside", page.lang).format(code=code)
        else:
            chosen = found.code
    elif area is not None and mine is None:
        chosen = None  # an admin of the whole atlas asked for everything
    choices = [(c, f"{name} ({c})") for c, name, _level in export_areas(conn, mine)]
    return staff_response(
        page,
        "staff/exports.html",
        rows=export_rows(export_counts(conn, chosen), chosen, page.lang),
        chosen=chosen,
        choices=choices,
        whole_atlas=mine is None,
        note=note,
        ogc_collections=OGC_COLLECTIONS,
        lang=page.lang,
    )
