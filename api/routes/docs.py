"""The OpenAPI viewers at /api/v1/docs and /ogc/api.html, with Swagger UI served by the app itself (no CDN)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from web.assets import docs_asset_url
from web.csp import mark_scripts

router = APIRouter(include_in_schema=False)


def _viewer(openapi_url: str, title: str) -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=docs_asset_url("swagger_js"),
        swagger_css_url=docs_asset_url("swagger_css"),
        swagger_favicon_url=docs_asset_url("swagger_favicon"),
    )
    return HTMLResponse(mark_scripts(bytes(page.body).decode("utf-8")), status_code=page.status_code)


@router.get("/api/v1/docs")
def openapi_viewer(request: Request) -> HTMLResponse:
    """Swagger UI on the OpenAPI document, its assets from /static/vendor, its own scripts nonce-marked."""
    return _viewer(request.app.openapi_url, f"{request.app.title} API")


@router.get("/ogc/api.html", name="ogc_api_html")
def ogc_api_viewer() -> HTMLResponse:
    """Swagger UI on the OGC API's own definition (/ogc/api): the landing page's ``service-doc``."""
    return _viewer("/ogc/api", "VetMap – OGC API Features")
