"""The planners' travel-time page ``/staff/travel``: road networks, travel runs, minutes to the nearest station.

The page shows the account's own area by default (``?area=`` picks an area inside it): the road networks and what
each reaches, a run for the area (the page's script starts it through ``POST /api/v1/roads/travel-runs`` with
``area`` and polls it), the villages coloured by minutes on a map with the service areas of a chosen number of
minutes (``GET /api/v1/roads/service-areas``), and the villages as a table, also as CSV or Excel. Road files are
uploaded by the script to ``POST /api/v1/roads/networks`` with the upload's progress. Parts of the page:
geo/coverage/travel_time.py (travel_overview), web/coverage/travel.py, web/templates/staff/travel.html,
web/static/staff/travel.js|css.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ConnDep, SettingsDep
from api.downloads import FileFormat, file_response
from api.principal import get_web_session
from api.routes.coverage.roads import MAX_UPLOAD_BYTES
from api.staff_pages import StaffPage, open_staff_page, staff_response
from geo.accounts.credentials import WebSession
from geo.accounts.permissions import allowed, covers
from geo.atlas.areas import AreaRef, find_area
from geo.coverage.travel_time import TravelOverview, TravelRunInfo, travel_overview
from web.basemaps import basemap
from web.coverage.travel import (
    CRS_CHOICES,
    SERVICE_MINUTES,
    legend_classes,
    network_rows,
    script_texts,
    village_points,
    villages_table,
)
from web.i18n import t
from web.map_parts import page_basemap
from web.staff import area_label

router = APIRouter(tags=["pages"], include_in_schema=False)

PATH = "/staff/travel"
ROWS_SHOWN = 500
"""Villages listed on the page (the longest trips first); the download has them all."""
_CODE = re.compile(r"^[0-9]{6}([0-9]{3}){0,2}$")
Lang = Annotated[Literal["zh", "en"] | None, Query()]


def _chosen_area(conn, page: StaffPage, code: str | None) -> tuple[AreaRef | None, str | None]:
    """The area the page shows (the account's own unless ``code`` names one inside it) and a refusal sentence."""
    if not code:
        return page.area, None
    if not _CODE.match(code):
        return page.area, t("travel.area.unknown", page.lang).format(code=code)
    if not covers(page.principal, code):
        mine = area_label(page.area, page.lang)
        return page.area, t("travel.area.outside", page.lang).format(code=code, mine=mine)
    found = find_area(conn, code)
    if found is None:
        return page.area, t("travel.area.unknown", page.lang).format(code=code)
    return found, None


def _run_json(run: TravelRunInfo | None) -> dict | None:
    if run is None:
        return None
    return {
        "id": run.id,
        "status": run.status,
        "network_id": run.network_id,
        "limits_min": (run.parameters or {}).get("limits_min", []),
        "area": (run.parameters or {}).get("area"),
        "started_at": run.started_at.strftime("%Y-%m-%d %H:%M"),
        "phase": run.phase,
        "progress": run.progress,
    }


def _about_run(view: TravelOverview, lang: str) -> str:
    run = view.last_run
    if run is None:
        return ""
    names = {n.id: n.name for n in view.networks}
    code = (run.parameters or {}).get("area")
    where = code if code else t("travel.area.whole", lang)
    return t("travel.run.last", lang).format(
        when=run.started_at.strftime("%Y-%m-%d %H:%M"),
        network=names.get(run.network_id, t("travel.networks.deleted", lang)),
        area=where,
    )


def _service_options(run: TravelRunInfo | None) -> list[int | float]:
    """The minutes whose service areas the last run drew (whole minutes as integers), else the page's own."""
    limits = (run.parameters or {}).get("limits_min") if run else None
    if not limits:
        return list(SERVICE_MINUTES)
    return [int(m) if float(m).is_integer() else float(m) for m in limits]


def _default_network(view: TravelOverview) -> int | None:
    covering = view.covering
    if not covering:
        return None
    last = view.last_run.network_id if view.last_run else None
    if any(n.id == last for n in covering):
        return last
    real = [n for n in covering if not n.synthetic]
    return (real or covering)[0].id


@router.get(PATH, response_class=HTMLResponse)
def travel_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: Annotated[WebSession | None, Depends(get_web_session)],
    lang: Lang = None,
    area: Annotated[str | None, Query(max_length=20)] = None,
    basemap_name: Annotated[str | None, Query(alias="basemap", max_length=20)] = None,
    imported: Annotated[int | None, Query(ge=1, description="a network just imported, to confirm")] = None,
) -> Response:
    """Road networks, a travel run for my area, villages coloured by minutes and service areas on a map."""
    page = open_staff_page(request, conn, session, lang or settings.default_lang, PATH, action="travel.run")
    if isinstance(page, Response):
        return page
    chosen, area_error = _chosen_area(conn, page, area)
    view = travel_overview(conn, chosen, page.area)
    lang = page.lang
    may_import = allowed(page.principal.role, "roads.import") and covers(page.principal, None)
    villages = view.villages.features if view.villages else []
    table = villages_table(villages, chosen, _about_run(view, lang), lang) if chosen else None
    choice = page_basemap(settings, basemap_name)
    tiles = basemap(choice.name, lang, choice.tianditu_key)
    data = {
        "lang": lang,
        "csrf": page.csrf_token,
        "area": chosen.code if chosen else None,
        "areaLabel": area_label(chosen, lang),
        "networkId": _default_network(view),
        "lastRun": _run_json(view.last_run),
        "running": _run_json(view.running),
        "villages": village_points(villages),
        "serviceMinutes": list(SERVICE_MINUTES),
        "maxUploadBytes": MAX_UPLOAD_BYTES,
        "texts": script_texts(lang),
        # tiles only on a WGS-84 basemap; on AMap (GCJ-02) the page draws our own data without tiles
        "tiles": [
            {"url": s.url, "attribution": s.attribution, "subdomains": s.subdomains, "maxZoom": s.max_zoom}
            for s in tiles.layers
        ]
        if tiles.crs == "wgs84"
        else [],
    }
    just_imported = next((n for n in view.networks if n.id == imported), None)
    return staff_response(
        page,
        "staff/travel.html",
        just_imported=just_imported,
        view=view,
        chosen=chosen,
        chosen_label=area_label(chosen, lang),
        area_error=area_error,
        networks=network_rows(view.networks, view.reach, view.coverage, lang),
        covering=view.covering,
        default_network=data["networkId"],
        may_import=may_import,
        crs_choices=CRS_CHOICES,
        max_mib=MAX_UPLOAD_BYTES // 2**20,
        legend=legend_classes(lang),
        table=table,
        missing=view.villages.missing if view.villages else 0,
        about_run=_about_run(view, lang),
        service_minutes=SERVICE_MINUTES,
        service_options=_service_options(view.last_run),
        rows_shown=ROWS_SHOWN,
        page_data=data,
    )


@router.get(PATH + "/villages.{fmt}")
def travel_villages_file(
    request: Request,
    fmt: FileFormat,
    conn: ConnDep,
    settings: SettingsDep,
    session: Annotated[WebSession | None, Depends(get_web_session)],
    lang: Lang = None,
    area: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The page's table of villages and minutes as CSV (UTF-8 with BOM) or Excel, for the chosen area."""
    page = open_staff_page(request, conn, session, lang or settings.default_lang, PATH, action="travel.run")
    if isinstance(page, Response):
        return page
    chosen, area_error = _chosen_area(conn, page, area)
    if area_error or chosen is None:
        message = area_error or t("travel.area.choose", page.lang)
        return staff_response(page, "staff/refused.html", status_code=404, message=message)
    view = travel_overview(conn, chosen, page.area)
    villages = view.villages.features if view.villages else []
    table = villages_table(villages, chosen, _about_run(view, page.lang), page.lang)
    label = f"{t('travel.table.title', page.lang)}-{chosen.name}"
    return file_response(table, f"travel-villages-{chosen.code}", label, fmt, t("travel.title", page.lang))
