"""The administrators' pages: accounts and API tokens (``/staff/accounts``) and the audit log (``/staff/audit``).

The accounts pages read here and write through the API (``/api/v1/accounts``, ``/api/v1/tokens``, from
web/static/staff/accounts.js with the session's CSRF token); the audit page is a plain GET form. An account
outside the admin's area is refused inside the frame, in the page's language.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ConnDep, SettingsDep
from api.errors import error_status
from api.principal import get_web_session
from api.staff_pages import StaffPage, open_staff_page, staff_response
from geo.accounts.audit import audit_choices, list_entries
from geo.accounts.credentials import WebSession, list_api_tokens
from geo.accounts.permissions import authorize_accounts
from geo.accounts.users import areas_to_manage, get_account, list_accounts
from geo.errors import DomainError, NotFound
from geo.kit.china_time import china_day_bounds
from web.accounts.account_pages import (
    account_row,
    account_rows,
    area_choices,
    area_text,
    role_choices,
    script_texts,
    token_rows,
)
from web.accounts.audit_page import (
    PAGE_SIZE,
    collection_choices,
    entry_view,
    paging,
    parse_audit_query,
)
from web.i18n import error_text

router = APIRouter(tags=["pages"], include_in_schema=False)

SessionDep = Annotated[WebSession | None, Depends(get_web_session)]
LangQuery = Annotated[Literal["zh", "en"] | None, Query()]


def _refused(page: StaffPage, exc: DomainError) -> HTMLResponse:
    """The refusal of a domain error inside the frame, in the page's language."""
    return staff_response(
        page, "staff/refused.html", status_code=error_status(exc), message=error_text(exc, page.lang)
    )


def _my_area(page: StaffPage) -> str:
    return area_text(page.area.code if page.area else None, page.area.name if page.area else None, page.lang)


@router.get("/staff/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request, conn: ConnDep, settings: SettingsDep, session: SessionDep, lang: LangQuery = None
) -> Response:
    """The accounts of my area, and a form to create one (the secret of a generated password shown once)."""
    page = open_staff_page(
        request, conn, session, lang or settings.default_lang, "/staff/accounts", action="accounts.manage"
    )
    if isinstance(page, Response):
        return page
    accounts = list_accounts(conn, page.principal)
    return staff_response(
        page,
        "staff/accounts.html",
        my_area=_my_area(page),
        own_area=page.principal.area_code or "",
        whole_atlas=page.principal.area_code is None,
        accounts=account_rows(accounts, page.lang),
        roles=role_choices(page.lang),
        areas=area_choices(areas_to_manage(conn, page.principal)),
        texts=script_texts(page.lang),
        csrf_token=page.csrf_token,
    )


@router.get("/staff/accounts/{account_id}", response_class=HTMLResponse)
def account_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    account_id: str,
    lang: LangQuery = None,
) -> Response:
    """One account of my area: role and area, enable or disable, reset the password, its API tokens."""
    page = open_staff_page(
        request, conn, session, lang or settings.default_lang, "/staff/accounts", action="accounts.manage"
    )
    if isinstance(page, Response):
        return page
    try:
        if not (account_id.isascii() and account_id.isdigit() and 0 < int(account_id) < 2**63):
            raise NotFound(
                f"no account with id {account_id}", key="accounts.no_account", params={"id": account_id}
            )
        account = get_account(conn, int(account_id))
        authorize_accounts(page.principal, "accounts.manage", [account.area_code])
        tokens = list_api_tokens(conn, page.actor, account.id)
    except DomainError as exc:
        return _refused(page, exc)
    return staff_response(
        page,
        "staff/accounts_account.html",
        account=account_row(account, page.lang),
        yourself=account.id == page.principal.user_id,
        whole_atlas=page.principal.area_code is None,
        tokens=token_rows(tokens, page.lang, dt.datetime.now(dt.UTC)),
        roles=role_choices(page.lang),
        areas=area_choices(areas_to_manage(conn, page.principal)),
        texts=script_texts(page.lang),
        csrf_token=page.csrf_token,
    )


@router.get("/staff/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, conn: ConnDep, settings: SettingsDep, session: SessionDep, lang: LangQuery = None
) -> Response:
    """The audit log of my area, newest first, filtered by who, collection, record and days; a diff per entry."""
    page = open_staff_page(
        request, conn, session, lang or settings.default_lang, "/staff/audit", action="audit.read"
    )
    if isinstance(page, Response):
        return page
    query = parse_audit_query(request.query_params, page.lang)
    actors, collections = audit_choices(conn, page.principal)
    total, entries = 0, []
    if not query.errors:
        since, until = china_day_bounds(query.since, query.until)
        total, entries = list_entries(
            conn,
            page.principal,
            query.collection,
            query.record_id,
            PAGE_SIZE,
            query.offset,
            actor=query.actor,
            since=since,
            until=until,
        )
    return staff_response(
        page,
        "staff/audit.html",
        status_code=400 if query.errors else 200,
        my_area=_my_area(page),
        query=query,
        actors=actors,
        collections=collection_choices(collections, page.lang),
        entries=[entry_view(e, page.lang) for e in entries],
        paging=paging(query, total, len(entries)),
    )
