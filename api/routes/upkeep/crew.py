"""The crews' phone pages and their task list: ``/crew``, ``/crew/{collection}/{site_id}``, ``/api/v1/me/tasks``.

The pages need a signed-in staff account (the web session cookie of ``/login``): anonymous visitors are sent to
the sign-in page, which brings them back. The task list API answers the signed-in caller (cookie or bearer
token): 401 for the anonymous public, 422 for a bad position. SQL lives in geo/upkeep/crew_tasks.py, HTML in web/.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ConnDep, SettingsDep
from api.errors import answer_lang, error_status
from api.principal import ActorDep, PrincipalDep, get_web_session, require
from api.routes.accounts.login import sign_in_first
from api.versions import IfMatch, etag, read_version
from geo.accounts.credentials import WebSession
from geo.accounts.permissions import allowed
from geo.errors import DomainError
from geo.principal import Principal
from geo.upkeep.crew_tasks import MAX_TASKS, check_position, my_tasks, site_sheet
from geo.upkeep.crew_work import CrewMove, crew_move, order_sheet
from geo.upkeep.site_merge import CREW_SITE_FIELDS, EditConflict, SiteEdit, merge_site_edit
from web.assets import STATIC_DIR
from web.i18n import error_text, t
from web.upkeep.crew_order_page import order_page
from web.upkeep.crew_pages import CREW_ASSETS, message_page, tasks_page, who_line
from web.upkeep.crew_site_page import site_page

api_router = APIRouter(prefix="/me", tags=["crew"])
pages_router = APIRouter(tags=["pages"], include_in_schema=False)

Lang = Literal["zh", "en"]
SessionDep = Annotated[WebSession | None, Depends(get_web_session)]
Lon = Annotated[float | None, Query(ge=-180, le=180, description="your longitude, WGS-84 degrees")]
Lat = Annotated[float | None, Query(ge=-90, le=90, description="your latitude, WGS-84 degrees")]
NO_STORE = {"Cache-Control": "no-store"}


@api_router.get("/tasks", dependencies=[Depends(require("inspections.read"))])
def tasks(
    request: Request,
    conn: ConnDep,
    principal: PrincipalDep,
    lon: Lon = None,
    lat: Lat = None,
    limit: Annotated[int, Query(ge=1, le=MAX_TASKS)] = 50,
) -> dict:
    """My open work orders and the sites of my area due for inspection: nearest first (with lon and lat; geodesic
    metres) or most urgent first."""
    found = my_tasks(conn, principal, request.app.state.upkeep, check_position(lon, lat), limit)
    return {
        "numberMatched": found.total,
        "numberReturned": len(found.tasks),
        "today": found.today,
        "position": None if found.position is None else {"lon": found.position[0], "lat": found.position[1]},
        "tasks": [asdict(task) for task in found.tasks],
    }


@api_router.get("/sites/{collection}/{site_id}", dependencies=[Depends(require("inspections.read"))])
def site(collection: str, site_id: int, request: Request, conn: ConnDep, principal: PrincipalDep) -> dict:
    """A site of my area as the crew page shows it: condition, last and next inspection, open work orders."""
    return asdict(site_sheet(conn, principal, collection, site_id, request.app.state.upkeep))


class MoveRequest(BaseModel):
    """A start (``in_progress``) or finish (``done``) from the phone, with the version the phone read."""

    model_config = ConfigDict(extra="forbid")

    to: Literal["in_progress", "done"]
    version: int | None = Field(default=None, ge=1)
    client_key: uuid.UUID | None = Field(
        default=None, description="a UUID the phone made for this move: sent again, it changes nothing"
    )
    note: str | None = Field(default=None, max_length=4000)
    cost_actual: Decimal | None = Field(
        default=None,
        ge=0,
        lt=Decimal("1e10"),
        max_digits=12,
        decimal_places=2,
        description="yuan, with a finish",
    )
    cost_base: Decimal | None = Field(
        default=None,
        ge=0,
        lt=Decimal("1e10"),
        max_digits=12,
        decimal_places=2,
        description="the actual cost the phone showed before (none: empty), so a newer one is not overwritten",
    )


@api_router.get("/work-orders/{order_id}", dependencies=[Depends(require("work_orders.read"))])
def work_order(order_id: int, conn: ConnDep, principal: PrincipalDep) -> JSONResponse:
    """A work order as the phone shows it: the order, its site, photos, history and the move it offers me."""
    sheet = order_sheet(conn, principal, order_id)
    return JSONResponse(sheet, headers={"ETag": etag(sheet["order"]["version"])})


@api_router.post("/work-orders/{order_id}/transitions", dependencies=[Depends(require("work_orders.read"))])
def move_work_order(
    order_id: int, body: MoveRequest, conn: ConnDep, actor: ActorDep, if_match: IfMatch = None
) -> JSONResponse:
    """Start or finish a work order (a finish may set the actual cost); the same ``client_key`` sent again
    answers 200 with ``Idempotent-Replay: true`` and changes nothing. A ``version`` older than the order's still
    moves it when the move is legal now and nobody changed the actual cost since ``cost_base``; otherwise 409 with
    ``current`` (with If-Match: 412 on any newer version)."""
    version, precondition = read_version(if_match, body.version)
    move = CrewMove(body.to, version, body.client_key, body.note, body.cost_actual, body.cost_base)
    order, replayed = crew_move(conn, actor, order_id, move, precondition)
    headers = {"ETag": etag(order["version"])}
    if replayed:
        headers["Idempotent-Replay"] = "true"
    return JSONResponse(order, headers=headers)


class SiteEditRequest(BaseModel):
    """Fields changed on the phone: for each its new value and its base (the value the phone had then)."""

    model_config = ConfigDict(extra="forbid")

    base_version: int = Field(ge=1, description="the site's version when the phone read it")
    base: dict[str, Any] = Field(description="field -> the value the phone had when the crew changed it")
    changes: dict[str, Any] = Field(min_length=1, description="field -> the new value")
    client_key: uuid.UUID | None = Field(default=None, description="a UUID the phone made for this edit")


@api_router.post("/sites/{collection}/{site_id}/edits")
def edit_site(
    collection: str, site_id: int, body: SiteEditRequest, request: Request, conn: ConnDep, actor: ActorDep
) -> JSONResponse:
    """Merge an edit of a site's crew fields made on the phone (three-way, per field): 200 with what was written;
    409 with ``conflicts`` (per field the phone's value, the server's, who changed it and when) and nothing
    written when the server changed one of the same fields differently: choose, then send again with the
    server's values as base."""
    edit = SiteEdit(collection, site_id, body.base_version, body.base, body.changes, body.client_key)
    try:
        outcome = merge_site_edit(conn, actor, edit)
    except EditConflict as exc:
        body_ = {
            "detail": error_text(exc, answer_lang(request)),
            "conflicts": [asdict(c) for c in exc.conflicts],
            "version": exc.version,
            "values": exc.values,
        }
        return JSONResponse(jsonable_encoder(body_), status_code=409, headers={"ETag": etag(exc.version)})
    headers = {"ETag": etag(outcome.version)}
    if outcome.replayed:
        headers["Idempotent-Replay"] = "true"
    return JSONResponse(jsonable_encoder(asdict(outcome)), headers=headers)


def _refusal(exc: DomainError, lang: str, explicit: str | None) -> HTMLResponse:
    html = message_page(lang, explicit, t("crew.error_title", lang), error_text(exc, lang))
    return HTMLResponse(html, status_code=error_status(exc), headers=NO_STORE)


def _crew_page(
    request: Request,
    principal: Principal,
    session: WebSession | None,
    page_lang: str,
    lang: str | None,
    build: Callable[[str, str], str],
) -> Response:
    """A crew page: anonymous visitors go to sign in; ``build(who, csrf)`` reads and renders it, and a refusal it
    raises (not found, not of my area) becomes a message page in the page's language."""
    if principal.is_public:
        return sign_in_first(request, lang)
    csrf = session.csrf_token if session is not None else ""
    try:
        html = build(who_line(principal, page_lang), csrf)
    except DomainError as exc:
        return _refusal(exc, page_lang, lang)
    return HTMLResponse(html, headers=NO_STORE)


@pages_router.get("/crew", response_class=HTMLResponse)
def crew_tasks_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    session: SessionDep,
    lon: Lon = None,
    lat: Lat = None,
    lang: Annotated[Lang | None, Query()] = None,
) -> Response:
    """My tasks, nearest first when the page was given my position (the script asks the browser for it)."""
    page_lang = lang or settings.default_lang

    def build(who: str, csrf: str) -> str:
        found = my_tasks(conn, principal, request.app.state.upkeep, check_position(lon, lat))
        return tasks_page(page_lang, lang, who, found, csrf)

    return _crew_page(request, principal, session, page_lang, lang, build)


@pages_router.get("/crew/work-orders/{order_id}", response_class=HTMLResponse)
def crew_order_page(
    request: Request,
    order_id: int,
    conn: ConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    session: SessionDep,
    lang: Annotated[Lang | None, Query()] = None,
) -> Response:
    """A work order of my area: what, where, priority, due, photos, history; start and finish for those who may."""
    page_lang = lang or settings.default_lang

    def build(who: str, csrf: str) -> str:
        return order_page(page_lang, lang, who, order_sheet(conn, principal, order_id), csrf)

    return _crew_page(request, principal, session, page_lang, lang, build)


@pages_router.get("/crew/{collection}/{site_id}", response_class=HTMLResponse)
def crew_site_page(
    request: Request,
    collection: str,
    site_id: int,
    conn: ConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    session: SessionDep,
    lang: Annotated[Lang | None, Query()] = None,
) -> Response:
    """A site of my area: its condition, open work orders and the inspection form."""
    page_lang = lang or settings.default_lang

    def build(who: str, csrf: str) -> str:
        sheet = site_sheet(conn, principal, collection, site_id, request.app.state.upkeep)
        can_inspect = allowed(principal.role, "inspections.create")
        can_edit = collection in CREW_SITE_FIELDS and allowed(principal.role, f"{collection}.update")
        return site_page(page_lang, lang, who, sheet, can_inspect, csrf, can_edit)

    return _crew_page(request, principal, session, page_lang, lang, build)


@pages_router.get("/static/crew/{name}")
def crew_asset(name: str) -> Response:
    """The crew pages' own script and stylesheet (nothing else is served from web/static)."""
    media_type = CREW_ASSETS.get(name)
    if media_type is None:
        return PlainTextResponse("Not Found", status_code=404)
    headers = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return FileResponse(STATIC_DIR / name, media_type=media_type, headers=headers)
