"""CRUD routers for the site collections (stations, memorials, cemeteries, graves) as GeoJSON.

A site's GET answers with ``ETag: W/"<version>"`` and the version among its properties. PATCH and DELETE
name the version they are based on: the ``If-Match`` header (stale: 412), or a ``version`` property (PATCH)
or query parameter (DELETE) (stale: 409). Both stale answers carry the site as it stands in ``current``;
with no version at all, 428.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse

from api.deps import ConnDep, PublicConnDep, SettingsDep
from api.principal import ActorDep, PrincipalDep, require
from api.schemas import CREATE_SCHEMAS, PATCH_SCHEMAS, FeatureCollectionPublic, FeaturePublic
from api.versions import IfMatch, etag, read_version
from geo.accounts.audit import audited_site_write
from geo.atlas.collections import COLLECTIONS, CollectionSpec
from geo.atlas.sites import SiteFilter, create_site, delete_site, get_site, list_sites, lock_site, update_site
from geo.errors import InvalidInput
from geo.kit.db_refusals import BIGINT_MAX

GEOJSON = "application/geo+json"
AREA_PATTERN = r"^[0-9]{6}([0-9]{3}){0,2}$"


class GeoJSONResponse(JSONResponse):
    """JSON with the GeoJSON media type."""

    media_type = GEOJSON


VERSION_ANSWERS: dict[int | str, dict] = {
    409: {"description": "the version property is stale (or a conflict); ``current`` is the site now"},
    412: {"description": "the If-Match version is stale; ``current`` is the site now"},
    428: {"description": "no version: send If-Match or a version"},
}


def feature_answer(feature: dict, status_code: int = 200, headers: dict[str, str] | None = None):
    """A single-feature GeoJSON response with its ETag (the site's version)."""
    version = feature["properties"].get("version")
    extra = {"ETag": etag(version)} if version is not None else {}
    return GeoJSONResponse(feature, status_code=status_code, headers={**extra, **(headers or {})})


def _check_choice(value: str | None, allowed: tuple[str, ...], what: str) -> str | None:
    if value is not None and value not in allowed:
        raise InvalidInput(f"unknown {what} {value!r}; expected one of: {', '.join(allowed)}")
    return value


def page_links(request: Request, offset: int, limit: int, returned: int, matched: int) -> list[dict]:
    """self / next / prev links of a page, keeping every other query parameter."""
    links = [{"href": str(request.url), "rel": "self", "type": GEOJSON}]
    if offset + returned < matched:
        links.append(
            {
                "href": str(request.url.include_query_params(offset=offset + limit)),
                "rel": "next",
                "type": GEOJSON,
            }
        )
    if offset > 0:
        links.append(
            {
                "href": str(request.url.include_query_params(offset=max(0, offset - limit))),
                "rel": "prev",
                "type": GEOJSON,
            }
        )
    return links


def feature_collection(
    request: Request, features: list[dict], matched: int, limit: int, offset: int
) -> GeoJSONResponse:
    """A paged GeoJSON FeatureCollection response with numberMatched/numberReturned and paging links."""
    return GeoJSONResponse(
        {
            "type": "FeatureCollection",
            "numberMatched": matched,
            "numberReturned": len(features),
            "features": features,
            "links": page_links(request, offset, limit, len(features), matched),
        }
    )


Offset = Annotated[int, Query(ge=0, le=BIGINT_MAX, description="rows to skip before the page")]
"""A page's offset: at most the largest bigint, so that no offset reaches the database out of its range."""


def check_limit(limit: int | None, settings) -> int:
    """The page size to use: the default when absent, a clear 4xx above the maximum."""
    if limit is None:
        return settings.default_page_size
    if limit > settings.max_page_size:
        raise InvalidInput(f"limit {limit} is over the maximum of {settings.max_page_size}")
    return limit


def site_router(spec: CollectionSpec) -> APIRouter:
    """The list/read/create/update/delete routes of one collection."""
    router = APIRouter(prefix=f"/{spec.name}", tags=[spec.name])
    create_schema = CREATE_SCHEMAS[spec.name]
    patch_schema = PATCH_SCHEMAS[spec.name]
    kind_doc = f"{spec.kind_column}: one of {', '.join(spec.kinds)}"

    @router.get("", response_model=FeatureCollectionPublic, response_class=GeoJSONResponse)
    def list_collection(
        request: Request,
        conn: PublicConnDep,
        settings: SettingsDep,
        principal: PrincipalDep,
        limit: Annotated[int | None, Query(ge=1, description="page size (default 100, maximum 1000)")] = None,
        offset: Offset = 0,
        area: Annotated[
            str | None, Query(pattern=AREA_PATTERN, description="area code; includes sub-areas")
        ] = None,
        kind: Annotated[str | None, Query(description=kind_doc)] = None,
        status_: Annotated[str | None, Query(alias="status", description=f"{spec.status_column}")] = None,
        protection_level: Annotated[str | None, Query()] = None,
    ):
        limit = check_limit(limit, settings)
        flt = SiteFilter(
            area=area,
            kind=_check_choice(kind, spec.kinds, spec.kind_column),
            status=_check_choice(status_, spec.statuses, spec.status_column),
            protection_level=protection_level,
        )
        if protection_level is not None:
            if not spec.has_protection_level:
                raise InvalidInput(f"{spec.name} have no protection_level")
            _check_choice(
                protection_level,
                ("national", "provincial", "city", "county", "scattered"),
                "protection_level",
            )
        page = list_sites(conn, spec, flt, limit, offset, principal)
        return feature_collection(request, page.features, page.number_matched, limit, offset)

    @router.get("/{site_id}", response_model=FeaturePublic, response_class=GeoJSONResponse)
    def read(site_id: int, conn: PublicConnDep, principal: PrincipalDep):
        return feature_answer(get_site(conn, spec, site_id, principal))

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        response_model=FeaturePublic,
        response_class=GeoJSONResponse,
        dependencies=[Depends(require(f"{spec.name}.create"))],
    )
    def create(
        body: create_schema, conn: ConnDep, request: Request, principal: PrincipalDep, actor: ActorDep
    ):  # type: ignore[valid-type]
        feature = audited_site_write(
            conn,
            actor,
            spec,
            "create",
            None,
            lambda: create_site(conn, spec, body.properties, body.geometry, principal),
        )
        location = str(request.url_for(f"read_{spec.name}", site_id=feature["id"]))
        return feature_answer(feature, 201, {"Location": location})

    @router.patch(
        "/{site_id}",
        response_model=FeaturePublic,
        response_class=GeoJSONResponse,
        dependencies=[Depends(require(f"{spec.name}.update"))],
        responses=VERSION_ANSWERS,
    )
    def patch(
        site_id: int,
        body: patch_schema,  # type: ignore[valid-type]
        conn: ConnDep,
        principal: PrincipalDep,
        actor: ActorDep,
        if_match: IfMatch = None,
    ):
        props = body.properties
        version, precondition = read_version(if_match, props.version if props is not None else None)
        changes = props.model_dump(exclude_unset=True, exclude={"version"}) if props is not None else {}
        lock_site(conn, spec, site_id)  # first, so the audit's "before" is the row checked and changed
        return feature_answer(
            audited_site_write(
                conn,
                actor,
                spec,
                "update",
                site_id,
                lambda: update_site(
                    conn, spec, site_id, changes, body.geometry, version, precondition, principal
                ),
            )
        )

    @router.delete(
        "/{site_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        dependencies=[Depends(require(f"{spec.name}.delete"))],
        responses=VERSION_ANSWERS,
    )
    def remove(
        site_id: int,
        conn: ConnDep,
        principal: PrincipalDep,
        actor: ActorDep,
        if_match: IfMatch = None,
        version: Annotated[int | None, Query(ge=1, description="the version read (or If-Match)")] = None,
    ) -> Response:
        version, precondition = read_version(if_match, version)
        lock_site(conn, spec, site_id)
        audited_site_write(
            conn,
            actor,
            spec,
            "delete",
            site_id,
            lambda: delete_site(conn, spec, site_id, version, precondition, principal),
        )
        return Response(status_code=204)

    for route in router.routes:
        route.name = f"{route.name}_{spec.name}"  # type: ignore[attr-defined]
    return router


def all_site_routers() -> list[APIRouter]:
    """One router per site collection."""
    return [site_router(spec) for spec in COLLECTIONS.values()]
