"""OGC API – Features at /ogc: landing page, conformance, OpenAPI 3.0, collections, queryables and items."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute

from api.deps import PublicConnDep, ReadConnDep, SettingsDep, read_connection
from api.errors import PROBLEM_JSON, error_status
from api.principal import PrincipalDep
from api.routes.atlas.sites import GEOJSON, GeoJSONResponse, page_links
from api.routes.ogc.tilesets import collection_links, landing_links, openapi_paths
from api.versions import etag
from geo.errors import DomainError, NotFound
from geo.ogc.editing import EDITABLE_COLLECTIONS
from geo.ogc.features import (
    CONFORMANCE_CLASSES,
    CRS84,
    FILTER_LANGUAGES,
    STORAGE_CRS,
    SUPPORTED_CRS,
    CollectionInfo,
    InvalidParameter,
    PageLimits,
    describe_collections,
    feature_sources,
    get_item,
    link,
    parse_crs,
    parse_item_query,
    property_schema,
    query_items,
    queryables_schema,
    require_source,
    sortables_schema,
)
from geo.ogc.tilesets import CONFORMANCE_CLASSES as TILES_CONFORMANCE_CLASSES
from geo.settings import Settings
from web.assets import STATIC_DIR
from web.ogc import pages as html_pages

OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA_JSON = "application/schema+json"
JSON_TYPE = "application/json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SORTABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/sortables"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"

HTML_TYPE = "text/html"


def _page_context(request: Request) -> html_pages.PageContext:
    return html_pages.page_context(str(request.url), request.query_params.get("lang"))


def _wants_html(request: Request) -> bool:
    """The format of a GET: HTML (f=html, or a browser's Accept with no f) or JSON; a bad f is refused."""
    accept = request.headers.get("accept", "")
    return html_pages.choose_format(request.query_params.getlist("f"), accept) == html_pages.HTML


class OgcRoute(APIRoute):
    """A route of the OGC API whose refusals of a browser's GET are pages (in the page's language, with the
    status), while programs keep getting problem details."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The handler, answering a refused HTML request with an HTML page."""
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except DomainError as exc:
                f_values, accept = request.query_params.getlist("f"), request.headers.get("accept", "")
                if request.method != "GET" or not html_pages.wants_html(f_values, accept):
                    raise
                status = error_status(exc)
                home = str(request.url_for("ogc_landing"))
                page = html_pages.error_page(_page_context(request), exc, status, home)
                return HTMLResponse(page, status_code=status, headers={"Vary": "Accept"})

        return answer


router = APIRouter(prefix="/ogc", tags=["ogc"], include_in_schema=False, route_class=OgcRoute)


def _html(page: str) -> HTMLResponse:
    return HTMLResponse(page, headers={"Vary": "Accept"})


def _alternate(request: Request) -> dict:
    """The link to this document as an HTML page."""
    return link(
        html_pages.with_format(str(request.url), html_pages.HTML),
        "alternate",
        HTML_TYPE,
        "This document as HTML",
    )


@router.get("/static/{name}", name="ogc_asset")
def asset(name: str) -> Response:
    """The HTML pages' own stylesheet and script (web/static/ogc.css, ogc.js)."""
    media_type = html_pages.ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"no OGC page asset {name!r}")
    headers = {"Cache-Control": "public, max-age=31536000, immutable"}
    return Response((STATIC_DIR / name).read_bytes(), media_type=media_type, headers=headers)


def _limits(settings: Settings) -> PageLimits:
    return PageLimits(settings.default_page_size, settings.max_page_size)


@router.get("", name="ogc_landing_bare")
@router.get("/", name="ogc_landing")
def landing_page(request: Request) -> Response:
    """The landing page: links to the API definition, the conformance declaration and the collections."""
    body = {
        "title": "VetMap – OGC API Features",
        "description": "Veterans' service stations, martyr memorials, cemeteries, graves and "
        "administrative areas of the VetMap atlas.",
        "links": [
            link(request.url_for("ogc_landing"), "self", JSON_TYPE, "This document"),
            link(
                request.url_for("ogc_api"),
                "service-desc",
                OPENAPI_JSON,
                "The API definition (OpenAPI 3.0)",
            ),
            link(request.url_for("ogc_api_html"), "service-doc", "text/html", "The API documentation"),
            link(request.url_for("ogc_conformance"), "conformance", JSON_TYPE, "Conformance classes"),
            link(request.url_for("ogc_collections"), "data", JSON_TYPE, "The collections"),
            *landing_links(request),  # OGC API Tiles and styles (api/routes/ogc/tilesets.py)
            _alternate(request),
        ],
    }
    if _wants_html(request):
        urls = {
            "collections": str(request.url_for("ogc_collections")),
            "conformance": str(request.url_for("ogc_conformance")),
            "api": str(request.url_for("ogc_api")),
            "api_doc": str(request.url_for("ogc_api_html")),
        }
        return _html(html_pages.landing_page(_page_context(request), body, urls))
    return JSONResponse(body)


@router.get("/conformance", name="ogc_conformance")
def conformance(request: Request) -> Response:
    """The conformance classes this server implements."""
    body = {"conformsTo": [*CONFORMANCE_CLASSES, *TILES_CONFORMANCE_CLASSES], "links": [_alternate(request)]}
    if _wants_html(request):
        home = str(request.url_for("ogc_landing"))
        return _html(html_pages.conformance_page(_page_context(request), body, home))
    return JSONResponse(body)


@router.get("/api", name="ogc_api")
def api_definition(request: Request, settings: SettingsDep) -> Response:
    """The OpenAPI 3.0 definition of the OGC endpoints (page size, filters and queryables included)."""
    if _wants_html(request):  # people read it in the API viewer
        return RedirectResponse(request.url_for("ogc_api_html"), status_code=303, headers={"Vary": "Accept"})
    return JSONResponse(_openapi(request, _limits(settings)), media_type=OPENAPI_JSON)


def _collection_json(request: Request, info: CollectionInfo) -> dict:
    source = info.source
    cid = source.id
    body: dict = {
        "id": cid,
        "title": source.title,
        "description": source.description,
        "itemType": "feature",
        "crs": [crs.uri for crs in SUPPORTED_CRS],
        "storageCrs": STORAGE_CRS.uri,
        "links": [
            link(request.url_for("ogc_collection", collection_id=cid), "self", JSON_TYPE, source.title),
            link(
                request.url_for("ogc_items", collection_id=cid), "items", GEOJSON, f"{source.title} (GeoJSON)"
            ),
            link(
                request.url_for("ogc_queryables", collection_id=cid),
                QUERYABLES_REL,
                SCHEMA_JSON,
                "Queryables",
            ),
            link(
                request.url_for("ogc_sortables", collection_id=cid),
                SORTABLES_REL,
                SCHEMA_JSON,
                "Sortables",
            ),
            *collection_links(request, cid),
            link(
                html_pages.with_format(
                    str(request.url_for("ogc_collection", collection_id=cid)), html_pages.HTML
                ),
                "alternate",
                HTML_TYPE,
                f"{source.title} (HTML)",
            ),
        ],
    }
    extent: dict = {}
    if info.bbox is not None:
        extent["spatial"] = {"bbox": [list(info.bbox)], "crs": CRS84}
    # what ``datetime`` filters, declared (an interval of null ends when no feature has a value yet)
    extent["temporal"] = {"interval": [list(info.interval or (None, None))], "trs": GREGORIAN}
    body["extent"] = extent
    body["temporalProperty"] = source.temporal
    return body


@router.get("/collections", name="ogc_collections")
def collections(request: Request, conn: PublicConnDep) -> Response:
    """Every collection with its extent and CRS list."""
    html = _wants_html(request)
    infos = describe_collections(conn)
    body = {
        "links": [
            link(request.url_for("ogc_collections"), "self", JSON_TYPE, "The collections"),
            _alternate(request),
        ],
        "collections": [_collection_json(request, info) for info in infos],
        "crs": [crs.uri for crs in SUPPORTED_CRS],
    }
    if html:
        home = str(request.url_for("ogc_landing"))
        tilejson = {info.source.id: _tilejson_url(info.source.id) for info in infos}
        return _html(html_pages.collections_page(_page_context(request), body, home, tilejson))
    return JSONResponse(body)


def _tilejson_url(collection_id: str) -> str:
    return f"/tiles/{collection_id}/tilejson.json"


def _page_urls(request: Request, collection_id: str, title: str) -> dict[str, str]:
    return {
        "home": str(request.url_for("ogc_landing")),
        "collections": str(request.url_for("ogc_collections")),
        "collection": str(request.url_for("ogc_collection", collection_id=collection_id)),
        "collection_title": title,
        "items": str(request.url_for("ogc_items", collection_id=collection_id)),
    }


@router.get("/collections/{collection_id}", name="ogc_collection")
def collection(collection_id: str, request: Request, conn: PublicConnDep) -> Response:
    """One collection: title, extent (CRS84), ``crs`` and ``storageCrs``."""
    html = _wants_html(request)
    (info,) = describe_collections(conn, collection_id)
    body = _collection_json(request, info)
    if html:
        urls = _page_urls(request, collection_id, info.source.title)
        page = html_pages.collection_page(_page_context(request), body, urls, _tilejson_url(collection_id))
        return _html(page)
    return JSONResponse(body)


@router.get("/collections/{collection_id}/queryables", name="ogc_queryables")
def queryables(collection_id: str, request: Request, principal: PrincipalDep) -> Response:
    """The properties a filter, sortby or query parameter may name (those the caller may read), as a JSON Schema."""
    url = str(request.url_for("ogc_queryables", collection_id=collection_id))
    body = queryables_schema(collection_id, url, principal)
    if _wants_html(request):
        return _schema_page(request, collection_id, body, "ogc_html.queryables", principal)
    return JSONResponse(body, media_type=SCHEMA_JSON)


def _schema_page(request: Request, collection_id: str, body: dict, what: str, principal: Any) -> HTMLResponse:
    urls = {
        **_page_urls(request, collection_id, require_source(collection_id, principal).title),
        "what": what,
    }
    return _html(html_pages.queryables_page(_page_context(request), body, urls))


@router.get("/collections/{collection_id}/sortables", name="ogc_sortables")
def sortables(collection_id: str, request: Request, principal: PrincipalDep) -> Response:
    """The properties ``sortby`` may name (those the caller may read, and ``id``), as a JSON Schema."""
    url = str(request.url_for("ogc_sortables", collection_id=collection_id))
    body = sortables_schema(collection_id, url, principal)
    if _wants_html(request):
        return _schema_page(request, collection_id, body, "ogc_html.sortables", principal)
    return JSONResponse(body, media_type=SCHEMA_JSON)


def _query_params(request: Request) -> dict[str, list[str]]:
    return {name: request.query_params.getlist(name) for name in request.query_params}


@router.get("/collections/{collection_id}/items", name="ogc_items")
def items(collection_id: str, request: Request, principal: PrincipalDep) -> Response:
    """A page of features: bbox, bbox-crs, crs, datetime, filter (CQL2 text), sortby, properties, limit, offset."""
    html = _wants_html(request)
    params = _query_params(request)
    if html:
        params.pop("lang", None)  # the page's language, not a filter
    settings: Settings = request.app.state.settings  # get_settings; these two as dependencies cost more
    query = parse_item_query(collection_id, params, _limits(settings), principal)
    with read_connection(request) as conn:  # get_read_conn, taken here in the handler's thread
        page = query_items(conn, query)
    head = {
        "type": "FeatureCollection",
        "numberMatched": page.number_matched,
        "numberReturned": page.number_returned,
        "timeStamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": page_links(request, query.offset, query.limit, page.number_returned, page.number_matched)
        + [_alternate(request)],
    }
    if html:
        body = {**head, "features": json.loads(b"[%s]" % page.features)}
        urls = _page_urls(request, collection_id, query.source.title)
        drawable = query.crs.uri == CRS84
        return _html(html_pages.items_page(_page_context(request), body, urls, drawable))
    envelope = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode()
    body = b"".join((envelope[:-1], b',"features":[', page.features, b"]}"))
    headers = {"Content-Crs": f"<{query.crs.uri}>", "OGC-NumberMatched": str(page.number_matched)}
    return Response(body, media_type=GEOJSON, headers=headers)


@router.get("/collections/{collection_id}/items/{feature_id}", name="ogc_item")
def item(
    collection_id: str, feature_id: str, request: Request, conn: ReadConnDep, principal: PrincipalDep
) -> Response:
    """One feature by id, in the CRS asked for with ``crs``."""
    html = _wants_html(request)
    allowed = ("crs", "f", "lang") if html else ("crs", "f")
    unknown = [name for name in request.query_params if name not in allowed]
    if unknown:
        raise InvalidParameter(f"unknown query parameter {unknown[0]!r}; a single feature takes crs and f")
    crs = parse_crs(request.query_params.get("crs"), "crs")
    feature = json.loads(get_item(conn, collection_id, feature_id, crs, principal))
    feature["links"] = [
        link(request.url, "self", GEOJSON, "This feature"),
        link(request.url_for("ogc_collection", collection_id=collection_id), "collection", JSON_TYPE),
        _alternate(request),
    ]
    headers = {"Content-Crs": f"<{crs.uri}>"}
    version = feature.get("properties", {}).get("version")
    if version is not None:
        headers["ETag"] = etag(version)  # what If-Match names on a PUT, PATCH or DELETE (Part 4)
    if html:
        urls = _page_urls(request, collection_id, require_source(collection_id, principal).title)
        page = html_pages.item_page(_page_context(request), feature, urls, crs.uri == CRS84)
        return HTMLResponse(page, headers={"Vary": "Accept"})
    return GeoJSONResponse(feature, headers=headers)


# -- the OpenAPI 3.0 definition -----------------------------------------------------------------------


def _query_parameter(name: str, description: str, schema: dict) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "description": description,
        "schema": schema,
    }


def _parameters(limits: PageLimits) -> dict[str, dict]:
    crs_schema = {"type": "string", "format": "uri", "enum": [c.uri for c in SUPPORTED_CRS], "default": CRS84}
    return {
        "limit": _query_parameter(
            "limit",
            f"Page size: at most {limits.maximum}; a larger value gives pages of {limits.maximum} (not an error). "
            "GDAL before 3.8 asks 10 at a time: open with -oo PAGE_SIZE=1000.",
            {"type": "integer", "minimum": 1, "maximum": limits.maximum, "default": limits.default},
        ),
        "offset": _query_parameter(
            "offset",
            "Features to skip (the next/prev links set it).",
            {"type": "integer", "minimum": 0, "default": 0},
        ),
        "bbox": _query_parameter(
            "bbox",
            "Only features intersecting this box: minx,miny,maxx,maxy (or with heights) in bbox-crs axis order.",
            {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
        ),
        "bbox-crs": _query_parameter("bbox-crs", "CRS of bbox (default CRS84).", crs_schema),
        "crs": _query_parameter("crs", "CRS of the returned coordinates (default CRS84).", crs_schema),
        "datetime": _query_parameter(
            "datetime",
            "Only features whose temporal property is at this instant, on this date or in this interval "
            "(RFC 3339; '..' for an open end), e.g. 2019-01-01/..: stations filter opened_on, memorials and "
            "cemeteries approval_date, graves and areas updated_at (each collection names it in "
            "temporalProperty and marks it x-ogc-role primary-instant in its queryables). Filter any other date "
            "with filter, e.g. updated_at >= TIMESTAMP('2024-01-01T00:00:00Z').",
            {"type": "string"},
        ),
        "filter": _query_parameter(
            "filter",
            "A CQL2 text filter over the queryables: = <> < > <= >=, LIKE, BETWEEN, IN, IS NULL, AND, OR, NOT, "
            "CASEI, DATE(), TIMESTAMP(), S_INTERSECTS with WKT or BBOX.",
            {"type": "string"},
        ),
        "filter-lang": _query_parameter(
            "filter-lang",
            "cql2-text (cql-text is accepted as its pre-1.0 name).",
            {"type": "string", "enum": list(FILTER_LANGUAGES), "default": "cql2-text"},
        ),
        "filter-crs": _query_parameter(
            "filter-crs", "CRS of the geometries in filter (default CRS84).", crs_schema
        ),
        "sortby": _query_parameter(
            "sortby",
            "Comma-separated queryables (or id), each with an optional + (ascending) or - (descending).",
            {"type": "array", "items": {"type": "string", "pattern": "^[+-]?[A-Za-z_][A-Za-z0-9_]*$"}},
        ),
        "properties": _query_parameter(
            "properties",
            "Only these properties in each feature (comma-separated).",
            {"type": "array", "items": {"type": "string"}},
        ),
        "f": _query_parameter(
            "f",
            "Output format: json (GeoJSON, the default for programs) or html (a page for people; a browser whose "
            "Accept prefers text/html gets it without f).",
            {"type": "string", "enum": ["json", "html"], "default": "json"},
        ),
        "lang": _query_parameter(
            "lang",
            "Language of the HTML pages (f=html): zh (the default) or en.",
            {"type": "string", "enum": ["zh", "en"], "default": "zh"},
        ),
        "Content-Crs": {
            "name": "Content-Crs",
            "in": "header",
            "required": False,
            "description": "CRS of the body's coordinates, written <uri> (OGC API Features Part 2); CRS84 when absent.",
            "schema": {"type": "string", "example": f"<{CRS84}>"},
        },
        "If-Match": {
            "name": "If-Match",
            "in": "header",
            "required": False,
            "description": 'The ETag a GET of the feature returned, e.g. W/"3": the write happens only if the feature '
            "is still at that version (else 412). Without it (QGIS sends none) the write applies to the feature as "
            "it stands; a version property in the body is checked too (409 when stale).",
            "schema": {"type": "string", "example": 'W/"3"'},
        },
        "featureId": {
            "name": "featureId",
            "in": "path",
            "required": True,
            "description": "The feature id (an integer for the sites, the area code for areas).",
            "schema": {"type": "string"},
        },
    }


def _response(description: str, media_type: str, schema_ref: str) -> dict:
    return {"description": description, "content": {media_type: {"schema": {"$ref": schema_ref}}}}


MERGE_PATCH = "application/merge-patch+json"
_ERRORS = {
    "400": _response(
        "A query parameter is invalid; detail says which and why (an HTML page with the reason for f=html).",
        PROBLEM_JSON,
        "#/components/schemas/Error",
    ),
    "404": _response("No such collection or feature.", PROBLEM_JSON, "#/components/schemas/Error"),
}


def _problem(description: str) -> dict:
    return _response(description, PROBLEM_JSON, "#/components/schemas/Error")


_WRITE_ERRORS = {
    "400": _problem("A header is malformed (Content-Crs names an unsupported CRS)."),
    "401": _problem("Not signed in: send a bearer token (an API token of an editor)."),
    "403": _problem("The caller's role may not make this change, or the site is outside the caller's area."),
    "404": _problem("No such collection or feature."),
    "409": _problem(
        "The version property in the body is not the feature's current version (current attached)."
    ),
    "412": _problem("If-Match names an older version than the feature's current one (current attached)."),
    "422": _problem(
        "The body is not a GeoJSON Feature of this collection: bad geometry (not a point, out of range), unknown "
        "or invalid properties, or a site moved out of the editor's area; detail says which."
    ),
}
_WRITTEN_HEADERS = {
    "ETag": {
        "description": "The feature's new version, for the next If-Match.",
        "schema": {"type": "string"},
    },
    "Content-Crs": {"description": "CRS of the returned coordinates.", "schema": {"type": "string"}},
}

_SCHEMAS = {
    "Error": {
        "type": "object",
        "description": "An exception object (RFC 9457 problem details).",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "current": {"type": "object", "description": "The feature as it stands (409 and 412)."},
        },
    },
    "FeaturePatch": {
        "type": "object",
        "description": "A JSON merge patch (RFC 7396) of a feature: the properties to change (null clears one) "
        "and/or a new geometry; everything else is kept.",
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "geometry": {"type": "object", "nullable": True},
            "properties": {"type": "object"},
        },
    },
    "Link": {
        "type": "object",
        "required": ["href", "rel"],
        "properties": {"href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"}},
    },
    "Feature": {
        "type": "object",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
            "geometry": {"type": "object", "nullable": True},
            "properties": {"type": "object"},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
        },
    },
    "FeatureCollection": {
        "type": "object",
        "required": ["type", "features", "numberMatched", "numberReturned", "links"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
            "timeStamp": {"type": "string", "format": "date-time"},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
        },
    },
    "Document": {"type": "object"},
}


def _get(operation_id: str, summary: str, responses: dict, parameters: list | None = None) -> dict:
    operation: dict = {"get": {"operationId": operation_id, "summary": summary, "responses": responses}}
    if parameters:
        operation["get"]["parameters"] = parameters
    return operation


def _feature_body(description: str, schema: str, media_types: tuple[str, ...]) -> dict:
    content = {media: {"schema": {"$ref": f"#/components/schemas/{schema}"}} for media in media_types}
    return {"required": True, "description": description, "content": content}


def _written(description: str, status: str = "200", headers: dict | None = None) -> dict:
    answer = _response(description, GEOJSON, "#/components/schemas/Feature")
    answer["headers"] = {**_WRITTEN_HEADERS, **(headers or {})}
    return {status: answer, **_WRITE_ERRORS}


def _write_operations(cid: str, title: str) -> tuple[dict, dict]:
    """The Part 4 operations on a collection's items (POST) and on one item (PUT, PATCH, DELETE)."""
    security = [{"bearer": []}]
    feature = _feature_body(
        "A GeoJSON Feature: a Point geometry (in Content-Crs) and the collection's properties.",
        "Feature",
        (GEOJSON, JSON_TYPE),
    )
    header = [{"$ref": "#/components/parameters/Content-Crs"}]
    conditional = [
        {"$ref": "#/components/parameters/featureId"},
        {"$ref": "#/components/parameters/If-Match"},
    ]
    location = {
        "Location": {"description": "The new feature's URL (QGIS rereads it).", "schema": {"type": "string"}}
    }
    items = {
        "post": {
            "operationId": f"create_{cid}",
            "summary": f"{title}: create a feature (Part 4)",
            "security": security,
            "parameters": header,
            "requestBody": feature,
            "responses": _written("Created: the feature as the caller may read it.", "201", location),
        }
    }
    item = {
        "put": {
            "operationId": f"replace_{cid}",
            "summary": f"{title}: replace a feature (its point and every property the caller may read)",
            "security": security,
            "parameters": conditional + header,
            "requestBody": feature,
            "responses": _written("Replaced: the feature as it now is."),
        },
        "patch": {
            "operationId": f"update_{cid}",
            "summary": f"{title}: change some properties and/or the point (merge patch)",
            "security": security,
            "parameters": conditional + header,
            "requestBody": _feature_body(
                "A JSON merge patch of the feature.", "FeaturePatch", (MERGE_PATCH, JSON_TYPE, GEOJSON)
            ),
            "responses": _written("Updated: the feature as it now is."),
        },
        "delete": {
            "operationId": f"delete_{cid}",
            "summary": f"{title}: delete a feature",
            "security": security,
            "parameters": conditional,
            "responses": {"204": {"description": "Deleted."}, **_WRITE_ERRORS},
        },
    }
    return items, item


def _html_ok(media_type: str, schema_ref: str) -> dict:
    answer = _response("OK", media_type, schema_ref)
    answer["content"][HTML_TYPE] = {"schema": {"type": "string"}}
    return {"200": answer}


def _openapi(request: Request, limits: PageLimits) -> dict:
    json_ok = _html_ok(JSON_TYPE, "#/components/schemas/Document")
    page_params = [{"$ref": "#/components/parameters/f"}, {"$ref": "#/components/parameters/lang"}]
    paths = {
        "/": _get("getLandingPage", "Landing page", json_ok, page_params),
        "/conformance": _get("getConformance", "Conformance classes", json_ok, page_params),
        "/api": _get(
            "getApiDefinition",
            "This API definition",
            {"200": _response("OK", OPENAPI_JSON, "#/components/schemas/Document")},
        ),
        "/collections": _get("getCollections", "The collections", json_ok, page_params),
    }
    shared = ["limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang", "filter-crs"]
    shared += ["sortby", "properties", "f", "lang"]
    for public_source in feature_sources().values():
        source = require_source(public_source.id)  # the document is public: the public's properties only
        cid = source.id
        equality = [
            _query_parameter(p.name, f"Only features whose {p.name} equals this value.", property_schema(p))
            for p in source.properties
            if p.queryable
        ]
        paths[f"/collections/{cid}"] = _get(
            f"describe_{cid}", f"{source.title}: metadata", {**json_ok, **_ERRORS}, page_params
        )
        schema_ok = {**_html_ok(SCHEMA_JSON, "#/components/schemas/Document"), **_ERRORS}
        paths[f"/collections/{cid}/queryables"] = _get(
            f"get_{cid}_queryables", f"{source.title}: queryables", schema_ok, page_params
        )
        paths[f"/collections/{cid}/sortables"] = _get(
            f"get_{cid}_sortables",
            f"{source.title}: sortables (what sortby may name)",
            schema_ok,
            page_params,
        )
        paths[f"/collections/{cid}/items"] = _get(
            f"get_{cid}_items",
            f"{source.title}: features",
            {**_html_ok(GEOJSON, "#/components/schemas/FeatureCollection"), **_ERRORS},
            [{"$ref": f"#/components/parameters/{name}"} for name in shared] + equality,
        )
        paths[f"/collections/{cid}/items/{{featureId}}"] = _get(
            f"get_{cid}_item",
            f"{source.title}: one feature",
            {**_html_ok(GEOJSON, "#/components/schemas/Feature"), **_ERRORS},
            [{"$ref": f"#/components/parameters/{name}"} for name in ("featureId", "crs", "f", "lang")],
        )
        if cid in EDITABLE_COLLECTIONS:
            items_ops, item_ops = _write_operations(cid, source.title)
            paths[f"/collections/{cid}/items"].update(items_ops)
            paths[f"/collections/{cid}/items/{{featureId}}"].update(item_ops)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "VetMap – OGC API Features",
            "version": "1.0.0",
            "description": "Veterans' service stations, martyr memorials, cemeteries, graves and areas.",
        },
        "servers": [{"url": str(request.url_for("ogc_landing")).rstrip("/")}],
        "paths": {**paths, **openapi_paths()},  # OGC API Tiles and styles (api/routes/ogc/tilesets.py)
        "components": {
            "parameters": _parameters(limits),
            "schemas": _SCHEMAS,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token (reading is public; writing needs an editor's token).",
                }
            },
        },
    }
