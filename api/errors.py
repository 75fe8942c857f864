"""The one table that maps domain errors to HTTP status codes, and the handlers that apply it."""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.headers import preferred_lang
from geo.errors import (
    Busy,
    Conflict,
    DatabaseUnavailable,
    DomainError,
    Forbidden,
    InvalidInput,
    InvalidParameter,
    NotFound,
    PayloadTooLarge,
    RetryLater,
    StaleVersion,
    TooManyAttempts,
    Unauthorized,
    UnsupportedMediaType,
    VersionRequired,
)
from geo.kit.db_refusals import refusal
from web.i18n import error_text, t
from web.jinja import render
from web.public.frame import PageContext, not_found_page
from web.validation import validation_text

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    NotFound: 404,
    InvalidParameter: 400,
    InvalidInput: 422,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    Conflict: 409,
    DatabaseUnavailable: 503,
    Unauthorized: 401,
    Forbidden: 403,
    TooManyAttempts: 429,
    VersionRequired: 428,
    Busy: 503,
}


def error_headers(exc: DomainError) -> dict[str, str]:
    """Headers an error answer must carry: the bearer challenge of a 401, Retry-After of a 429 or 503."""
    if isinstance(exc, Unauthorized):
        challenge = 'Bearer realm="vetmap"'
        if exc.error:
            challenge += f', error="{exc.error}"'
        return {"WWW-Authenticate": challenge}
    if isinstance(exc, RetryLater):
        return {"Retry-After": str(exc.retry_after)}
    return {}


def error_status(exc: DomainError) -> int:
    """The HTTP status of a domain error (API, pages, Open311): its nearest class in the table, else 400."""
    if isinstance(exc, StaleVersion):
        return 412 if exc.precondition else 409
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


def answer_lang(request: Request) -> str:
    """The language of an error answer: ``?lang=``, the ``lang`` cookie, Accept-Language, else the default."""
    default = getattr(getattr(request.app.state, "settings", None), "default_lang", "zh")
    return preferred_lang(request.query_params.get("lang"), request.headers, default)


def error_reason(request: Request, exc: DomainError) -> str:
    """The reason of a domain error in the caller's language (its English message when it has no catalogue key)."""
    return error_text(exc, answer_lang(request))


PROGRAM_PATHS = ("/api/", "/ogc", "/tiles/", "/open311", "/static/", "/healthz", "/metrics")
"""Paths whose answers are for programs: a refused request answers JSON there even to a browser."""


PROBLEM_JSON = "application/problem+json"
PROBLEM_PATHS = ("/ogc",)
"""Paths whose errors are problem details (RFC 9457, as OGC API – Common asks): type, title, status, detail."""


def problem_body(status: int, detail: str) -> dict:
    """An exception object: ``type`` (about:blank: the status says it all), ``title``, ``status``, ``detail``."""
    return {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}


def refusal_json(request: Request, status: int, body: dict, headers: dict | None = None) -> JSONResponse:
    """A refusal for a program: ``body`` (its ``detail`` and any extras) as JSON, as problem details under
    PROBLEM_PATHS (``type``, ``title`` and ``status`` added, the extras kept as extension members)."""
    if request.url.path.startswith(PROBLEM_PATHS):
        problem = {**problem_body(status, body["detail"]), **body}
        return JSONResponse(problem, status_code=status, headers=headers, media_type=PROBLEM_JSON)
    return JSONResponse(body, status_code=status, headers=headers)


def wants_page(request: Request) -> bool:
    """True when a person's browser opened this address (a GET asking for HTML, not a program's path)."""
    path = request.url.path
    return (
        request.method == "GET"
        and "text/html" in request.headers.get("accept", "")
        and not path.startswith(PROGRAM_PATHS)
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register handlers so every domain or validation error becomes a 4xx/503 JSON body with a reason."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        body: dict = {"detail": error_reason(request, exc)}
        headers = error_headers(exc)
        if isinstance(exc, StaleVersion):  # the current state, so the caller can merge and retry
            body["current"] = exc.current
            version = exc.current.get("version", (exc.current.get("properties") or {}).get("version"))
            headers["ETag"] = f'W/"{version}"'  # a work order's own version, or a site feature's
        return refusal_json(request, error_status(exc), body, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        lang = answer_lang(request)
        detail = validation_text(exc.errors(), lang)
        if wants_page(request):  # a page's address with a bad parameter: a page that says so, in its language
            back = "/staff/" if request.url.path.startswith("/staff/") else "/"
            page = render("refused_request.html", lang=lang, message=detail, back=back)
            return HTMLResponse(page, status_code=422, headers={"Cache-Control": "no-store"})
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()
        ]
        return refusal_json(request, 422, {"detail": detail, "errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        """No route (404) or no such method (405): a sentence in the caller's language, a page for a browser."""
        lang = answer_lang(request)
        headers = dict(exc.headers or {})
        if exc.status_code == 404:
            detail = t("http.not_found", lang).format(path=request.url.path[:200])
        elif exc.status_code == 405:
            detail = t("http.method", lang).format(method=request.method)
        else:
            detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        if exc.status_code == 404 and wants_page(request) and not request.url.path.startswith("/staff/"):
            explicit = (
                request.query_params.get("lang") if request.query_params.get("lang") in ("zh", "en") else None
            )
            page = not_found_page(PageContext(lang, explicit, request.url.path), detail)
            return HTMLResponse(page, status_code=404, headers={**headers, "Cache-Control": "no-store"})
        if wants_page(request):
            back = "/staff/" if request.url.path.startswith("/staff/") else "/"
            page = render("refused_request.html", lang=lang, message=detail, back=back)
            return HTMLResponse(
                page, status_code=exc.status_code, headers={**headers, "Cache-Control": "no-store"}
            )
        return refusal_json(request, exc.status_code, {"detail": detail}, headers)

    @app.exception_handler(OperationalError)
    async def _db_down(_: Request, exc: OperationalError) -> JSONResponse:
        return JSONResponse({"detail": "the database is unavailable, try again shortly"}, status_code=503)

    @app.exception_handler(DBAPIError)
    async def _db_rejected(request: Request, exc: DBAPIError) -> JSONResponse:
        error = refusal(exc)  # what was wrong with the input; the database's own text only in the log
        return refusal_json(request, error_status(error), {"detail": error_reason(request, error)})
