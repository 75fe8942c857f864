"""Sign-in for the web pages: ``/login`` (form), ``/logout`` (POST), a session cookie and CSRF tokens.

The session cookie is HttpOnly, SameSite=Lax, Secure over https, and names a server-side session (its token is
kept only as a digest) that expires. The sign-in form carries a CSRF token matched against a short-lived cookie
(double submit: there is no session yet); the sign-out form carries the session's own CSRF token.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import EngineDep, SettingsDep
from api.principal import SESSION_COOKIE, client_address, get_web_session
from geo.accounts.credentials import WebSession, end_session, same_token, start_session
from geo.accounts.users import authenticate_password
from geo.errors import TooManyAttempts, Unauthorized
from web.accounts.login_page import SignedIn, login_page, signed_in_page
from web.i18n import t

router = APIRouter(tags=["pages"], include_in_schema=False)

LOGIN_CSRF_COOKIE = "vetmap_login_csrf"
LOGIN_CSRF_MAX_AGE = 3600
Lang = Literal["zh", "en"]
NO_STORE = {"Cache-Control": "no-store"}


def sign_in_first(request: Request, lang: str | None) -> RedirectResponse:
    """The redirect of a staff page's anonymous visitor to the sign-in page, which brings them back afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    query = urlencode({"next": here, **({"lang": lang} if lang else {})})
    return RedirectResponse(
        f"{request.app.url_path_for('login_form')}?{query}", status_code=303, headers=NO_STORE
    )


STAFF_HOME = "/staff/"
"""Where a sign-in with no (or no local) page to go back to lands: the staff home."""


def safe_next(next_url: str | None, default: str = "/") -> str:
    """A local path to go to next (never another site): else ``default``."""
    if not next_url or not next_url.startswith("/") or next_url.startswith("//") or "\\" in next_url:
        return default
    if any(ord(c) < 32 for c in next_url) or len(next_url) > 2000:
        return default
    return next_url


def _atlas(lang: str | None) -> str:
    return "/" + (f"?lang={lang}" if lang else "")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _form_page(
    request: Request,
    lang: str,
    explicit_lang: str | None,
    next_url: str,
    status: int = 200,
    error: str | None = None,
    username: str = "",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    csrf = secrets.token_urlsafe(32)
    page = login_page(lang, csrf, next_url, error, username, _atlas(explicit_lang))
    response = HTMLResponse(page, status_code=status, headers={**NO_STORE, **(headers or {})})
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        max_age=LOGIN_CSRF_MAX_AGE,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    settings: SettingsDep,
    session: Annotated[WebSession | None, Depends(get_web_session)],
    lang: Annotated[Lang | None, Query()] = None,
    next: Annotated[str | None, Query(max_length=2000)] = None,
) -> HTMLResponse:
    """The sign-in form, or who is signed in with a sign-out button."""
    page_lang = lang or settings.default_lang
    if session is not None:
        p = session.principal
        html = signed_in_page(
            page_lang, SignedIn(p.username, p.role, p.area_code), session.csrf_token, _atlas(lang)
        )
        return HTMLResponse(html, headers=NO_STORE)
    return _form_page(request, page_lang, lang, safe_next(next, STAFF_HOME))


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = STAFF_HOME,
    lang: Annotated[Lang | None, Form()] = None,
) -> Response:
    """Check the CSRF token and the password; on success start a session and go to ``next`` (a local path)."""
    page_lang = lang or settings.default_lang
    target = safe_next(next, STAFF_HOME)
    if not same_token(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE, "")):
        return _form_page(request, page_lang, lang, target, 403, t("login.csrf", page_lang), username)
    try:
        principal = authenticate_password(engine, settings, username, password, client_address(request))
    except TooManyAttempts as exc:
        minutes = max(1, round(exc.retry_after / 60))
        message = t("login.locked", page_lang).format(minutes=minutes)
        headers = {"Retry-After": str(exc.retry_after)}
        return _form_page(request, page_lang, lang, target, 429, message, username, headers)
    except Unauthorized:
        return _form_page(request, page_lang, lang, target, 401, t("login.failed", page_lang), username)
    with engine.begin() as conn:
        old = request.cookies.get(SESSION_COOKIE)
        if old:
            end_session(conn, old)  # a new token at every sign-in: no session fixation
        token, session = start_session(conn, settings, principal, client_address(request))
    response = RedirectResponse(target, status_code=303, headers=NO_STORE)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(settings.session_hours * 3600),
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(
    request: Request,
    engine: EngineDep,
    session: Annotated[WebSession | None, Depends(get_web_session)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    lang: Annotated[Lang | None, Form()] = None,
) -> Response:
    """End the session (the form's CSRF token must match it) and go back to the sign-in page."""
    if session is not None:
        if not same_token(csrf_token, session.csrf_token):
            return HTMLResponse(t("login.csrf", lang or "zh"), status_code=403, headers=NO_STORE)
        with engine.begin() as conn:
            end_session(conn, request.cookies[SESSION_COOKIE])
    response = RedirectResponse("/login" + (f"?lang={lang}" if lang else ""), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response
