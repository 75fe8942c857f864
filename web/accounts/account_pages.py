"""View models of ``/staff/accounts``: the accounts of an admin's area and one account with its API tokens.

Pure: accounts and tokens (geo/accounts) in, rows of text out; times in China time (UTC+8). The page's script
gets its labels from ``script_texts`` and writes to the API (``/api/v1/accounts``, ``/api/v1/tokens``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from geo.accounts.credentials import ApiTokenInfo
from geo.accounts.users import ACCOUNT_ROLES, AccountInfo
from geo.atlas.areas import AreaRef
from web.i18n import t
from web.times import local_time


@dataclass(frozen=True)
class Choice:
    """One option of a select or datalist: its value and its label."""

    value: str
    label: str


@dataclass(frozen=True)
class AccountRow:
    """An account as a row of the list (or the summary of its page)."""

    id: int
    username: str
    role: str
    role_label: str
    area_code: str
    area_label: str
    disabled: bool
    state_label: str
    created: str
    updated: str
    href: str


def area_text(code: str | None, name: str | None, lang: str) -> str:
    """An account's area as shown: name and code, or the whole atlas."""
    if code is None:
        return t("accounts.whole_atlas", lang)
    return f"{name} ({code})" if name else code


def account_row(account: AccountInfo, lang: str) -> AccountRow:
    """One account as the pages show it."""
    return AccountRow(
        id=account.id,
        username=account.username,
        role=account.role,
        role_label=t(f"role.{account.role}", lang),
        area_code=account.area_code or "",
        area_label=area_text(account.area_code, account.area_name, lang),
        disabled=account.disabled,
        state_label=t("accounts.state.disabled" if account.disabled else "accounts.state.enabled", lang),
        created=local_time(account.created_at),
        updated=local_time(account.updated_at),
        href=f"/staff/accounts/{account.id}",
    )


def account_rows(accounts: Iterable[AccountInfo], lang: str) -> list[AccountRow]:
    """The accounts as rows, in the order given."""
    return [account_row(a, lang) for a in accounts]


@dataclass(frozen=True)
class TokenRow:
    """An API token as a row of its account's page (never the token itself)."""

    id: int
    name: str
    prefix: str
    created: str
    expires: str
    state_label: str
    live: bool


def token_row(token: ApiTokenInfo, lang: str, now: dt.datetime) -> TokenRow:
    """One API token as the page shows it, its state as of ``now``."""
    if token.revoked_at is not None:
        state, live = t("account.tokens.revoked", lang).format(at=local_time(token.revoked_at)), False
    elif token.expires_at is not None and token.expires_at <= now:
        state, live = t("account.tokens.expired", lang), False
    else:
        state, live = t("account.tokens.live", lang), True
    return TokenRow(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        created=local_time(token.created_at),
        expires=local_time(token.expires_at) or t("account.tokens.never", lang),
        state_label=state,
        live=live,
    )


def token_rows(tokens: Iterable[ApiTokenInfo], lang: str, now: dt.datetime) -> list[TokenRow]:
    """The tokens as rows, in the order given (newest first from geo)."""
    return [token_row(tok, lang, now) for tok in tokens]


def role_choices(lang: str) -> list[Choice]:
    """The roles an account may have, labelled."""
    return [Choice(role, t(f"role.{role}", lang)) for role in ACCOUNT_ROLES]


def area_choices(areas: Iterable[AreaRef]) -> list[Choice]:
    """Areas as datalist options: the code, labelled with its name."""
    return [Choice(a.code, f"{a.name} ({a.code})") for a in areas]


_SCRIPT_KEYS = (
    "accounts.working",
    "accounts.saved",
    "accounts.failed",
    "accounts.signed_out",
    "accounts.stale_page",
    "accounts.check.username",
    "accounts.check.password",
    "accounts.check.area",
    "accounts.check.area_required",
    "accounts.check.token_name",
    "accounts.check.date",
    "accounts.check.past",
    "accounts.created",
    "accounts.created.own_password",
    "accounts.manage_link",
    "accounts.list.count",
    "accounts.state.enabled",
    "accounts.state.disabled",
    "accounts.whole_atlas",
    "accounts.copied",
    "accounts.copy_failed",
    "account.disable",
    "account.enable",
    "account.disable.confirm",
    "account.disabled_now",
    "account.enabled_now",
    "account.state.note_enabled",
    "account.state.note_disabled",
    "account.password.done",
    "account.tokens.never",
    "account.tokens.live",
    "account.tokens.revoked",
    "account.tokens.expired",
    "account.tokens.revoke",
    "account.tokens.revoke_label",
    "account.tokens.audit",
    "account.tokens.audit_label",
    "account.tokens.revoke.confirm",
    "account.tokens.revoked_now",
    "account.tokens.issued",
    "account.tokens.empty",
    "account.tokens.issue.disabled",
)


def script_texts(lang: str) -> dict[str, str]:
    """The labels the page's script shows (feedback, states, confirmations), in ``lang``; roles included."""
    texts = {key: t(key, lang) for key in _SCRIPT_KEYS}
    texts.update({f"role.{role}": t(f"role.{role}", lang) for role in ACCOUNT_ROLES})
    return texts
