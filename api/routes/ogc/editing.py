"""OGC API – Features Part 4 at /ogc: POST, PUT, PATCH and DELETE of site features, and OPTIONS naming them.

Reading the feature a client sends is geo/ogc/editing.py; the write is the JSON API's, through the audit log.
A write answers with the feature as the caller may read it and its ``ETag``; a POST with ``Location``, which QGIS
reads the new id from. ``If-Match`` (or a ``version`` property) makes a write conditional: 412 (409) when stale.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from api.deps import ConnDep
from api.principal import ActorDep, PrincipalDep
from api.routes.atlas.sites import GEOJSON
from api.versions import IfMatch, etag, read_version
from geo.accounts.audit import audited_site_write
from geo.accounts.permissions import allowed, require_right
from geo.atlas.site_fields import partial_model
from geo.atlas.sites import create_site, delete_site, update_site
from geo.errors import InvalidInput
from geo.ogc.editing import (
    EDITABLE_COLLECTIONS,
    ITEM_METHODS,
    ITEMS_METHODS,
    editable_spec,
    feature_input,
    lock_version,
    replacement,
    site_id_of,
)
from geo.ogc.features import get_item, parse_crs, require_source

router = APIRouter(prefix="/ogc", tags=["ogc"], include_in_schema=False)

ContentCrs = Annotated[str | None, Header(alias="Content-Crs", description="<uri> of the body's CRS")]


async def feature_body(request: Request) -> Any:
    """The request body as JSON (GeoJSON or a merge patch); InvalidInput when it is not JSON."""
    raw = await request.body()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the body is not JSON: send a GeoJSON Feature", key="ogc.body_not_json") from None


BodyDep = Annotated[Any, Depends(feature_body)]


def _content_crs(value: str | None):
    """The CRS of the body named by ``Content-Crs`` (``<uri>``, as Part 2 writes it); CRS84 when absent."""
    return parse_crs(value.strip().removeprefix("<").removesuffix(">") if value else None, "Content-Crs")


@cache
def _partial(model: type[BaseModel]) -> type[BaseModel]:
    return partial_model(model)


def _validated(model: type[BaseModel], data: dict, *, partial: bool = False) -> BaseModel:
    """``data`` checked against the collection's fields; a refusal is the 422 of every other body, in the
    caller's language (api/errors.py)."""
    try:
        return (_partial(model) if partial else model).model_validate(data)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", "properties", *e.get("loc", ()))} for e in exc.errors()]
        raise RequestValidationError(errors) from None


def _written(conn, collection_id: str, site: dict, principal, status: int, headers: dict | None = None):
    """The written feature as the OGC API shows it, with the version the write returned as its ``ETag``."""
    text = get_item(conn, collection_id, str(site["id"]), parse_crs(None, "crs"), principal)
    extra = {"ETag": etag(site["properties"]["version"])}
    return Response(
        text.encode(), status_code=status, media_type=GEOJSON, headers={**extra, **(headers or {})}
    )


@router.options("/collections/{collection_id}/items")
def items_options(collection_id: str, principal: PrincipalDep) -> Response:
    """The methods on a collection's items: POST when the caller may create features of it (QGIS asks this)."""
    methods = list(ITEMS_METHODS)
    spec_name = collection_id if collection_id in EDITABLE_COLLECTIONS else None
    if spec_name is None or not allowed(principal.role, f"{spec_name}.create"):
        methods.remove("POST")
    return Response(status_code=204, headers={"Allow": ", ".join(methods)})


@router.options("/collections/{collection_id}/items/{feature_id}")
def item_options(collection_id: str, feature_id: str, principal: PrincipalDep) -> Response:
    """The methods on one feature: PUT, PATCH and DELETE as far as the caller's role may."""
    methods = list(ITEM_METHODS)
    editable = collection_id in EDITABLE_COLLECTIONS
    if not editable or not allowed(principal.role, f"{collection_id}.update"):
        methods = [m for m in methods if m not in ("PUT", "PATCH")]
    if not editable or not allowed(principal.role, f"{collection_id}.delete"):
        methods.remove("DELETE")
    return Response(status_code=204, headers={"Allow": ", ".join(methods)})


@router.post("/collections/{collection_id}/items", status_code=201)
def create_feature(
    collection_id: str,
    body: BodyDep,
    request: Request,
    conn: ConnDep,
    principal: PrincipalDep,
    actor: ActorDep,
    content_crs: ContentCrs = None,
) -> Response:
    """Create a feature from a GeoJSON Feature (in ``Content-Crs``); 201 with ``Location`` and the feature."""
    spec = editable_spec(collection_id)
    require_right(principal, f"{spec.name}.create")
    given = feature_input(spec, body, _content_crs(content_crs), partial=False)
    fields = _validated(spec.fields, given.properties)
    created = audited_site_write(
        conn, actor, spec, "create", None, lambda: create_site(conn, spec, fields, given.point, principal)
    )
    location = str(request.url_for("ogc_item", collection_id=collection_id, feature_id=str(created["id"])))
    return _written(conn, collection_id, created, principal, 201, {"Location": location})


@router.api_route("/collections/{collection_id}/items/{feature_id}", methods=["PUT", "PATCH"])
def update_feature(
    collection_id: str,
    feature_id: str,
    body: BodyDep,
    request: Request,
    conn: ConnDep,
    principal: PrincipalDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    content_crs: ContentCrs = None,
) -> Response:
    """PUT replaces a feature: its point and every property the caller may read (absent ones back to their
    default). PATCH is a JSON merge patch: some properties and/or the point; the rest is kept."""
    replace = request.method == "PUT"
    spec = editable_spec(collection_id)
    site_id = site_id_of(collection_id, feature_id)
    require_right(principal, f"{spec.name}.update")
    given = feature_input(spec, body, _content_crs(content_crs), partial=not replace)
    readable = {p.name for p in require_source(collection_id, principal).properties}
    changes = replacement(spec, given.properties, readable) if replace else given.properties
    _validated(spec.fields, changes, partial=True)  # types and values, in the caller's language
    version, precondition = read_version(if_match, given.version)
    current = lock_version(
        conn, spec, site_id
    )  # first, so the audit's "before" is the row checked and changed
    if version is None:
        version = current  # no precondition (QGIS sends none): the feature as it stands
    updated = audited_site_write(
        conn,
        actor,
        spec,
        "update",
        site_id,
        lambda: update_site(conn, spec, site_id, changes, given.point, version, precondition, principal),
    )
    return _written(conn, collection_id, updated, principal, 200)


@router.delete("/collections/{collection_id}/items/{feature_id}", status_code=204)
def delete_feature(
    collection_id: str,
    feature_id: str,
    conn: ConnDep,
    principal: PrincipalDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    """Delete a feature (at the If-Match version when given: 412 when stale)."""
    spec = editable_spec(collection_id)
    site_id = site_id_of(collection_id, feature_id)
    require_right(principal, f"{spec.name}.delete")
    version, precondition = read_version(if_match, None)
    current = lock_version(conn, spec, site_id)
    if version is None:
        version = current
    audited_site_write(
        conn,
        actor,
        spec,
        "delete",
        site_id,
        lambda: delete_site(conn, spec, site_id, version, precondition, principal),
    )
    return Response(status_code=204)
