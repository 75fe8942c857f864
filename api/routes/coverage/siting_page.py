"""The planners' siting page ``/staff/siting``: choose a problem, run it, see and download the chosen sites.

The page's script starts a run through ``POST /api/v1/coverage/siting`` (session cookie + X-CSRF-Token) and opens
``/staff/siting/runs/{id}``, whose answer part (``…/result``, the same template) it reloads every second while the
run is running; the map's features come from ``GET /api/v1/coverage/siting/{id}/map``. Past runs of the account's
area are listed, each reopenable. Words: web/coverage/siting_view.py and web/messages/siting.py.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from api.deps import ConnDep, SettingsDep
from api.downloads import file_response
from api.principal import get_web_session
from api.staff_pages import NO_STORE, StaffPage, open_staff_page, staff_response
from geo.accounts.credentials import WebSession
from geo.accounts.permissions import covers
from geo.coverage.runs import MAX_THRESHOLD_M
from geo.coverage.siting_runs import SitingRunInfo, get_siting_run, list_siting_runs
from geo.errors import NotFound
from geo.settings import Settings
from web.basemaps import basemap, choose_basemap
from web.coverage.siting_view import form_values, past_runs, run_view, sites_table
from web.i18n import t
from web.jinja import render

router = APIRouter(tags=["pages"], include_in_schema=False)

HERE = "/staff/siting"
RUNS = "/staff/siting/runs"
Lang = Annotated[Literal["zh", "en"] | None, Query()]
Session = Annotated[WebSession | None, Depends(get_web_session)]
BasemapName = Annotated[Literal["osm", "tianditu", "amap", "none"] | None, Query()]
PAST_RUNS = 30
JS_TEXTS = (
    "siting.invalid.p",
    "siting.invalid.share",
    "siting.invalid.radius",
    "siting.invalid.area",
    "siting.invalid.area_outside",
    "siting.invalid.given",
    "siting.invalid.file",
    "siting.invalid.file_columns",
    "siting.invalid.file_row",
    "siting.invalid.file_json",
    "siting.invalid.file_empty",
    "siting.invalid.file_loaded",
    "siting.form.given_count",
    "siting.form.point_label",
    "siting.form.sending",
    "siting.form.failed",
    "siting.form.network",
    "siting.tip.site",
    "siting.tip.station",
    "siting.legend.new",
    "siting.legend.before",
    "siting.legend.open",
    "siting.legend.unreachable",
    "siting.legend.candidate",
    "siting.legend.given",
    "error.siting.no_candidates",
)


def _tiles(settings: Settings, requested: str | None, lang: str) -> list[dict]:
    """The basemap's tile layers for the page's Leaflet map; none on a GCJ-02 basemap (the page draws WGS-84)."""
    key = settings.tianditu_key.get_secret_value() if settings.tianditu_key is not None else None
    chosen = basemap(choose_basemap(requested, None, settings.basemap, key), lang, key)
    if chosen.crs != "wgs84":
        return []
    return [
        {"url": s.url, "attribution": s.attribution, "subdomains": s.subdomains, "maxZoom": s.max_zoom}
        for s in chosen.layers
    ]


def _run_for(conn: Connection, page: StaffPage, run_id: int) -> tuple[SitingRunInfo | None, str, int]:
    """The run if the account may see it, else the sentence saying why not and its status code."""
    try:
        run = get_siting_run(conn, run_id)
    except NotFound:
        return None, t("siting.no_run", page.lang).format(id=run_id), 404
    if not covers(page.principal, run.area_code):
        area = run.area_code or t("siting.about.whole_atlas", page.lang)
        return None, t("siting.not_yours", page.lang).format(id=run_id, area=area), 403
    return run, "", 200


def _page(
    request: Request,
    conn: Connection,
    settings: Settings,
    session: WebSession | None,
    lang: str | None,
    run_id: int | None,
    basemap_name: str | None,
) -> Response:
    page = open_staff_page(request, conn, session, lang or settings.default_lang, HERE, action="siting.run")
    if isinstance(page, Response):
        return page
    run, refusal, status = (None, "", 200) if run_id is None else _run_for(conn, page, run_id)
    own = page.principal.area_code
    runs = list_siting_runs(conn, limit=PAST_RUNS, within=page.area.descendant_prefix if page.area else None)
    config = {
        "lang": page.lang,
        "csrf": page.csrf_token,
        "api": "/api/v1/coverage/siting",
        "runs": RUNS,
        "run": run.id if run else None,
        "running": bool(run and run.status == "running"),
        "ownPrefix": page.area.descendant_prefix if page.area else "",
        "maxRadiusKm": MAX_THRESHOLD_M / 1000,
        "tiles": _tiles(settings, basemap_name, page.lang),
        "texts": {key: t(key, page.lang) for key in JS_TEXTS},
    }
    return staff_response(
        page,
        "staff/siting.html",
        status_code=status,
        form=form_values(own, run),
        area_editable=page.principal.role == "admin",
        run=run_view(run, page.lang) if run else None,
        refusal=refusal,
        past=past_runs(runs, page.lang, run.id if run else None, RUNS),
        config=config,
        max_radius_km=MAX_THRESHOLD_M / 1000,
    )


@router.get(HERE, response_class=HTMLResponse)
def siting_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: Session,
    lang: Lang = None,
    run: Annotated[int | None, Query(ge=1)] = None,
    basemap: BasemapName = None,
) -> Response:
    """The siting form, the answer of ``run`` when given, and the past runs of my area."""
    return _page(request, conn, settings, session, lang, run, basemap)


@router.get(RUNS + "/{run_id}", response_class=HTMLResponse)
def siting_run_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: Session,
    run_id: Annotated[int, Path(ge=1)],
    lang: Lang = None,
    basemap: BasemapName = None,
) -> Response:
    """The siting page opened on one run (its question in the form, its answer below)."""
    return _page(request, conn, settings, session, lang, run_id, basemap)


@router.get(RUNS + "/{run_id}/result", response_class=HTMLResponse)
def siting_run_result(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: Session,
    run_id: Annotated[int, Path(ge=1)],
    lang: Lang = None,
) -> Response:
    """The answer part of the page alone (HTML), which the page reloads while the run is running."""
    page = open_staff_page(request, conn, session, lang or settings.default_lang, HERE, action="siting.run")
    if isinstance(page, Response):
        return page
    run, refusal, status = _run_for(conn, page, run_id)
    html = render(
        "staff/siting_result.html",
        frame=page.frame,
        run=run_view(run, page.lang) if run else None,
        refusal=refusal,
    )
    return HTMLResponse(html, status_code=status, headers=NO_STORE)


@router.get(RUNS + "/{run_id}/sites.{suffix}")
def siting_run_file(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: Session,
    run_id: Annotated[int, Path(ge=1)],
    suffix: Literal["csv", "xlsx"],
    lang: Lang = None,
) -> Response:
    """A run's chosen sites as CSV (UTF-8 with BOM) or Excel, headers in the page's language."""
    page = open_staff_page(request, conn, session, lang or settings.default_lang, HERE, action="siting.run")
    if isinstance(page, Response):
        return page
    run, refusal, status = _run_for(conn, page, run_id)
    if run is None:
        return staff_response(page, "staff/refused.html", status_code=status, message=refusal)
    table = sites_table(run, page.lang)
    title = t("siting.table.heading", page.lang)
    return file_response(table, f"siting-run-{run.id}", f"{title}-{run.id}", suffix, title)
