"""Photos: upload (multipart/form-data) to a site, an inspection or a work order; read the bytes and thumbnails.

- ``POST /api/v1/{collection}/{site_id}/photos`` (stage ``site``), ``POST .../inspections/{id}/photos``
  (stage ``inspection``), ``POST /api/v1/work-orders/{id}/photos`` with ``stage=before|after``. Form fields:
  ``file`` (required), ``client_key`` (UUID), ``lon``/``lat``/``accuracy_m`` (WGS-84 degrees, metres),
  ``caption``, ``taken_at`` (ISO 8601 with a zone). 201 with the photo's JSON and ``Location``; the same
  upload sent again with its ``client_key`` answers 200 with ``Idempotent-Replay: true`` and the first photo.
- ``GET /api/v1/photos/{id}`` the original bytes (ETag: the SHA-256), ``GET /api/v1/photos/{id}/thumbnail``
  a JPEG of at most 320 px; the lists ``GET`` the same upload paths.
- ``POST /api/v1/photos/{id}/publish`` and ``.../unpublish``: staff of the photo's area make it public (anyone may
  then read it; a public report's photo shows on the report's and the site's page) or staff-only again.

Who may do what, and what is checked, is in geo/upkeep/photos.py. Refusals: 401/403 (rights, area), 404, 409 (a
replay key used for something else, a closed work order), 413 (bytes or pixels over the limit), 415 (not
JPEG/PNG/WebP by content), 422 (empty, damaged, bad form fields).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from api.deps import ConnDep, SettingsDep
from api.principal import ActorDep, PrincipalDep, require
from api.routes.atlas.sites import Offset, check_limit
from api.uploads import UploadForm, form_reader, multipart_body
from geo.accounts.audit import Actor
from geo.models import UPKEEP_COLLECTIONS
from geo.upkeep.photos import (
    CAPTION_MAX,
    PUBLISH,
    PhotoFilter,
    PhotoTarget,
    PhotoUpload,
    add_photo,
    get_photo,
    list_photos,
    photo_bytes,
    set_photo_public,
)

REPLAY_HEADER = "Idempotent-Replay"
CACHE_CONTROL = (
    "private, max-age=86400"  # a photo's bytes never change; only staff (or the public) may see it
)
Stage = Literal["site", "inspection", "before", "after"]
UPLOAD_RESPONSES: dict[int | str, dict] = {
    200: {"description": "the same upload (its client_key) sent again: the photo stored the first time"},
    409: {"description": "the client_key was used for another upload, or the work order is closed"},
    413: {"description": "the file has more bytes or pixels than the limit"},
    415: {"description": "the file is not a JPEG, PNG or WebP image (judged by its content)"},
}
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


class PhotoFields(BaseModel):
    """The form fields sent with a photo (besides ``file``)."""

    model_config = ConfigDict(extra="ignore")

    client_key: uuid.UUID | None = Field(
        default=None, description="a UUID the phone made; the same upload sent again makes no copy"
    )
    lon: float | None = Field(default=None, ge=-180, le=180, description="WGS-84 longitude of the phone")
    lat: float | None = Field(default=None, ge=-90, le=90, description="WGS-84 latitude of the phone")
    accuracy_m: float | None = Field(default=None, ge=0, le=100_000, description="horizontal accuracy, m")
    caption: str | None = Field(default=None, max_length=CAPTION_MAX)
    taken_at: dt.datetime | None = Field(default=None, description="when taken, ISO 8601 with a time zone")


class WorkOrderPhotoFields(PhotoFields):
    """The form fields sent with a work order's photo: its stage too."""

    stage: Literal["before", "after"] = Field(description="before or after the work")


FILE_FIELD = {"file": "the photo: JPEG, PNG or WebP (judged by its content)"}
SITE_PHOTO_RIGHT = require("inspections.create")
WORK_ORDER_PHOTO_RIGHT = require("work_orders.update")


def _upload(form: UploadForm[PhotoFields]) -> PhotoUpload:
    f = form.fields
    data = form.files["file"].file.read()  # bounded by the body limit of api/security.py
    return PhotoUpload(data, f.client_key, f.lon, f.lat, f.accuracy_m, f.caption, f.taken_at)


async def site_photo_form(
    form: Annotated[UploadForm[PhotoFields], Depends(form_reader(PhotoFields, ("file",), SITE_PHOTO_RIGHT))],
) -> PhotoUpload:
    """The photo and its form fields, read once the caller holds ``inspections.create`` (no body read before)."""
    return await run_in_threadpool(_upload, form)


UploadDep = Annotated[PhotoUpload, Depends(site_photo_form)]
WorkOrderFormDep = Annotated[
    UploadForm[WorkOrderPhotoFields],
    Depends(form_reader(WorkOrderPhotoFields, ("file",), WORK_ORDER_PHOTO_RIGHT)),
]
Limit = Annotated[int | None, Query(ge=1)]


def _created(photo: dict, replayed: bool) -> JSONResponse:
    headers = {"Location": photo["url"]}
    if replayed:
        headers[REPLAY_HEADER] = "true"
    return JSONResponse(photo, status_code=200 if replayed else 201, headers=headers)


def _page(total: int, items: list[dict]) -> dict:
    return {"numberMatched": total, "numberReturned": len(items), "photos": items}


def _add(
    request: Request, conn: Connection, actor: Actor, target: PhotoTarget, upload: PhotoUpload
) -> JSONResponse:
    photo, replayed = add_photo(conn, actor, target, upload, request.app.state.upkeep)
    return _created(photo, replayed)


def site_photo_router(collection: str) -> APIRouter:
    """Photo routes of the sites of one upkeep collection and of their inspections."""
    router = APIRouter(prefix=f"/{collection}/{{site_id}}", tags=["photos"])

    @router.post(
        "/photos",
        status_code=201,
        responses=UPLOAD_RESPONSES,
        dependencies=[Depends(SITE_PHOTO_RIGHT)],
        summary=f"Add a photo of one of the {collection}",
        openapi_extra=multipart_body(PhotoFields, FILE_FIELD),
    )
    def add_site(site_id: int, upload: UploadDep, conn: ConnDep, actor: ActorDep, request: Request):
        return _add(request, conn, actor, PhotoTarget("site", collection, site_id), upload)

    @router.get("/photos", summary=f"Photos of one of the {collection} (others than staff: public ones)")
    def list_site(
        site_id: int,
        conn: ConnDep,
        settings: SettingsDep,
        principal: PrincipalDep,
        stage: Stage | None = None,
        limit: Limit = None,
        offset: Offset = 0,
    ) -> dict:
        flt = PhotoFilter(collection, site_id, stage)
        return _page(*list_photos(conn, principal, flt, check_limit(limit, settings), offset))

    @router.post(
        "/inspections/{inspection_id}/photos",
        status_code=201,
        responses=UPLOAD_RESPONSES,
        dependencies=[Depends(SITE_PHOTO_RIGHT)],
        summary="Add a photo to an inspection",
        openapi_extra=multipart_body(PhotoFields, FILE_FIELD),
    )
    def add_inspection(
        site_id: int, inspection_id: int, upload: UploadDep, conn: ConnDep, actor: ActorDep, request: Request
    ):
        target = PhotoTarget("inspection", collection, site_id, inspection_id)
        return _add(request, conn, actor, target, upload)

    @router.get(
        "/inspections/{inspection_id}/photos",
        dependencies=[Depends(require("inspections.read"))],
        summary="Photos of an inspection",
    )
    def list_inspection(
        site_id: int,
        inspection_id: int,
        conn: ConnDep,
        settings: SettingsDep,
        principal: PrincipalDep,
        limit: Limit = None,
        offset: Offset = 0,
    ) -> dict:
        flt = PhotoFilter(collection, site_id, inspection_id=inspection_id)
        return _page(*list_photos(conn, principal, flt, check_limit(limit, settings), offset))

    for route in router.routes:
        route.name = f"{route.name}_{collection}_photos"  # type: ignore[attr-defined]
    return router


router = APIRouter(tags=["photos"])


@router.post(
    "/work-orders/{order_id}/photos",
    status_code=201,
    responses=UPLOAD_RESPONSES,
    dependencies=[Depends(WORK_ORDER_PHOTO_RIGHT)],
    summary="Add a before or after photo to a work order",
    openapi_extra=multipart_body(WorkOrderPhotoFields, FILE_FIELD),
)
def add_work_order(
    order_id: int, form: WorkOrderFormDep, conn: ConnDep, actor: ActorDep, request: Request
) -> JSONResponse:
    """Add a before/after photo (planners and admins of the area; a crew on orders assigned to it)."""
    target = PhotoTarget(form.fields.stage, work_order_id=order_id)
    return _add(request, conn, actor, target, _upload(form))


@router.get(
    "/work-orders/{order_id}/photos",
    dependencies=[Depends(require("work_orders.read"))],
    summary="Photos of a work order",
)
def list_work_order(
    order_id: int,
    conn: ConnDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    limit: Limit = None,
    offset: Offset = 0,
) -> dict:
    """The before/after photos of a work order, newest first."""
    flt = PhotoFilter(work_order_id=order_id)
    return _page(*list_photos(conn, principal, flt, check_limit(limit, settings), offset))


def _image(data: bytes, content_type: str, etag: str, name: str) -> Response:
    headers = {
        "ETag": etag,
        "Cache-Control": CACHE_CONTROL,
        "Content-Disposition": f'inline; filename="{name}"',
    }
    return Response(data, media_type=content_type, headers=headers)


def _not_modified(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return etag in tags or "*" in tags


IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match")]


@router.get("/photos/{photo_id}", summary="A photo's bytes, as uploaded", response_class=Response)
def read_photo(photo_id: int, conn: ConnDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None):
    """The original file (EXIF kept); its ETag is its SHA-256."""
    found = get_photo(conn, principal, photo_id)
    etag = f'"{found["sha256"]}"'
    if _not_modified(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})
    data, _ = photo_bytes(conn, principal, photo_id)
    name = f"photo-{photo_id}.{_EXTENSIONS.get(found['content_type'], 'bin')}"
    return _image(data, found["content_type"], etag, name)


@router.get("/photos/{photo_id}/thumbnail", summary="A photo's thumbnail (JPEG)", response_class=Response)
def read_thumbnail(photo_id: int, conn: ConnDep, principal: PrincipalDep, if_none_match: IfNoneMatch = None):
    """A JPEG of at most 320 px a side, turned upright."""
    found = get_photo(conn, principal, photo_id)
    etag = f'"{found["sha256"]}-thumbnail"'
    if _not_modified(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})
    data, _ = photo_bytes(conn, principal, photo_id, thumbnail=True)
    return _image(data, "image/jpeg", etag, f"photo-{photo_id}-thumbnail.jpg")


PUBLISH_RESPONSES: dict[int | str, dict] = {
    403: {"description": "the caller is not staff of the photo's area"},
    404: {"description": "no such photo"},
}


@router.post(
    "/photos/{photo_id}/publish",
    responses=PUBLISH_RESPONSES,
    dependencies=[Depends(require(PUBLISH))],
    summary="Publish a photo (staff of its area)",
)
def publish_photo(photo_id: int, conn: ConnDep, actor: ActorDep) -> dict:
    """Make a photo public: its bytes, its thumbnail, the site's page and (a report's photo) the report's page."""
    return set_photo_public(conn, actor, photo_id, True)


@router.post(
    "/photos/{photo_id}/unpublish",
    responses=PUBLISH_RESPONSES,
    dependencies=[Depends(require(PUBLISH))],
    summary="Withdraw a published photo (staff of its area)",
)
def unpublish_photo(photo_id: int, conn: ConnDep, actor: ActorDep) -> dict:
    """Make a photo staff-only again."""
    return set_photo_public(conn, actor, photo_id, False)


def all_photo_routers() -> list[APIRouter]:
    """The photo routes: one router per upkeep collection, then the work-order and photo routes."""
    return [*(site_photo_router(c) for c in UPKEEP_COLLECTIONS), router]
