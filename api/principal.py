"""The request's principal as a dependency: who is asking (anonymous until credentials say otherwise).

Credentials, in order: an ``Authorization: Bearer`` header (an API token ``vmt_...`` or an access token from
``POST /api/v1/auth/token``), else the web session cookie. A bad bearer token answers 401; a stale cookie counts
as anonymous. A request authenticated by the cookie with an unsafe method (POST, PUT, PATCH, DELETE) must carry
the session's CSRF token in the ``X-CSRF-Token`` header, else 403.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer

from api.headers import bearer_token
from api.request_log import sane_request_id
from geo.accounts.audit import Actor
from geo.accounts.credentials import WebSession, find_session, principal_from_bearer, same_token
from geo.accounts.permissions import PERMISSIONS, require_right
from geo.errors import Forbidden, Unauthorized
from geo.principal import PUBLIC, Principal

SESSION_COOKIE = "vetmap_session"
OAUTH2_SCHEME = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    description="an access token from the password flow, or an API token (vmt_...) an admin created",
)
"""Declares the bearer scheme in the OpenAPI document (the docs' Authorize button); get_principal checks."""
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _from_bearer(request: Request, token: str) -> Principal:
    with request.app.state.engine.connect() as conn:
        return principal_from_bearer(conn, request.app.state.settings, token)


def _from_cookie(request: Request, token: str) -> WebSession | None:
    with request.app.state.engine.connect() as conn:
        return find_session(conn, token)


async def get_web_session(request: Request) -> WebSession | None:
    """The live web session of the request's cookie, or None."""
    if getattr(request.state, "web_session_checked", False):
        return request.state.web_session
    token = request.cookies.get(SESSION_COOKIE)
    session = await run_in_threadpool(_from_cookie, request, token) if token else None
    request.state.web_session = session
    request.state.web_session_checked = True
    return session


async def get_principal(request: Request) -> Principal:
    """The caller of this request; the anonymous public when no credentials were presented."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    token = bearer_token(request.headers)
    if token == "":
        raise Unauthorized("the bearer token is empty", error="invalid_request")
    if token is not None:
        principal = await run_in_threadpool(_from_bearer, request, token)
    elif SESSION_COOKIE in request.cookies:
        session = await get_web_session(request)
        principal = session.principal if session else PUBLIC
        if (
            session
            and request.method not in SAFE_METHODS
            and not same_token(request.headers.get(CSRF_HEADER), session.csrf_token)
        ):
            raise Forbidden(f"signed in by cookie: send the page's CSRF token in the {CSRF_HEADER} header")
    else:
        principal = PUBLIC
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def request_id(request: Request) -> str:
    """The request's id: a well-formed ``X-Request-ID`` header, else a new random one (kept for the request)."""
    rid = getattr(request.state, "request_id", None)
    if rid is None:
        rid = sane_request_id(request.headers.get("x-request-id")) or uuid.uuid4().hex
        request.state.request_id = rid
    return rid


def client_address(request: Request) -> str:
    """The client's address: the peer's, or behind a trusted proxy (VETMAP_TRUSTED_PROXIES) the right-most
    X-Forwarded-For address that is not a trusted proxy (api/proxies.py, outermost, resolves it)."""
    return request.client.host if request.client else "unknown"


async def get_actor(request: Request, principal: PrincipalDep) -> Actor:
    """Who writes in this request, with the request id and client address the audit log records."""
    return Actor(principal, request_id(request), client_address(request))


ActorDep = Annotated[Actor, Depends(get_actor)]


def require(action: str) -> Callable:
    """A dependency that answers 401 (anonymous) or 403 (role lacks ``action``); FastAPI reads a JSON or form body
    first, so an upload's form is read by a dependency on this check instead (api/uploads.py)."""
    if action not in PERMISSIONS:
        raise KeyError(f"no such action {action!r} in geo/accounts/permissions.py")

    async def check(principal: PrincipalDep, _: Annotated[str | None, Depends(OAUTH2_SCHEME)]) -> Principal:
        require_right(principal, action)
        return principal

    check.__name__ = f"require_{action.replace('.', '_')}"
    return check
