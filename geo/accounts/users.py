"""Accounts: roles and areas, argon2 password hashes, password login with a lock-out after repeated failures.

An account's rights hold in its area code and everything inside it; an account without an area code is one of
the whole atlas (a national administrator). Accounts are disabled, never deleted: the audit log refers to them.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, text

from geo.accounts.audit import Actor, record
from geo.accounts.permissions import authorize_accounts
from geo.atlas.areas import AreaRef, find_area
from geo.errors import Conflict, InvalidInput, NotFound, TooManyAttempts, Unauthorized
from geo.kit.like import starts_with
from geo.principal import Principal
from geo.settings import Settings
from geo.vocab import area_prefix

ACCOUNT_ROLES: tuple[str, ...] = ("crew", "planner", "admin")
USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024

GENERATED_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Letters and digits of generated passwords, without those read alike (i, l, o, 0, 1)."""

_hasher = PasswordHasher()
# verified against when the username is unknown, so that both answers take as long
_DUMMY_HASH = _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class AccountInfo:
    """An account as shown to admins (never its password hash)."""

    id: int
    username: str
    role: str
    area_code: str | None
    area_name: str | None
    disabled: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    def audit_json(self) -> dict:
        """The account as recorded in the audit log."""
        return {
            "id": self.id,
            "username": self.username,
            "role": self.role,
            "area_code": self.area_code,
            "disabled": self.disabled,
        }


_SELECT = """
SELECT a.id, a.username, a.role, a.area_code, ar.name AS area_name, a.disabled, a.created_at, a.updated_at
FROM accounts a LEFT JOIN areas ar ON ar.code = a.area_code
"""


def normalize_username(username: str) -> str:
    """The stored form of a username (trimmed, lower case); raises InvalidInput when it is not valid."""
    name = username.strip().lower()
    if not re.fullmatch(USERNAME_PATTERN, name):
        raise InvalidInput(
            "a username is 1-64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
            key="accounts.username",
        )
    return name


def hash_password(password: str) -> str:
    """An argon2id hash of the password; raises InvalidInput when it is too short or too long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters",
            key="accounts.password_short",
            params={"n": MIN_PASSWORD_LENGTH},
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a password has at most {MAX_PASSWORD_LENGTH} characters",
            key="accounts.password_long",
            params={"n": MAX_PASSWORD_LENGTH},
        )
    return _hasher.hash(password)


def generate_password() -> str:
    """A new random password to hand over once: four groups of four easily read characters (about 79 bits)."""
    chars = "".join(secrets.choice(GENERATED_PASSWORD_ALPHABET) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def _check_role(role: str) -> str:
    if role not in ACCOUNT_ROLES:
        raise InvalidInput(
            f"unknown role {role!r}; expected one of: {', '.join(ACCOUNT_ROLES)}", key="accounts.role"
        )
    return role


def _check_area(conn: Connection, area_code: str | None) -> str | None:
    if area_code is None:
        return None
    if find_area(conn, area_code) is None:
        raise InvalidInput(
            f"unknown area code {area_code!r}", key="accounts.unknown_area", params={"code": area_code}
        )
    return area_code


def get_account(conn: Connection, account_id: int) -> AccountInfo:
    """One account; raises NotFound."""
    row = conn.execute(text(_SELECT + " WHERE a.id = :id"), {"id": account_id}).first()
    if row is None:
        raise NotFound(
            f"no account with id {account_id}", key="accounts.no_account", params={"id": account_id}
        )
    return AccountInfo(*row)


def find_account(conn: Connection, username: str) -> AccountInfo | None:
    """The account with this username (any case), or None."""
    row = conn.execute(text(_SELECT + " WHERE a.username = :u"), {"u": username.strip().lower()}).first()
    return AccountInfo(*row) if row else None


def list_accounts(conn: Connection, within: Principal | None = None) -> list[AccountInfo]:
    """Accounts ordered by username; with ``within``, only those whose area lies in that principal's area."""
    rows = [AccountInfo(*r) for r in conn.execute(text(_SELECT + " ORDER BY a.username"))]
    if within is None or within.area_code is None:
        return rows
    prefix = within.area_prefix or area_prefix(within.area_code)
    return [r for r in rows if r.area_code is not None and r.area_code.startswith(prefix)]


def areas_to_manage(conn: Connection, principal: Principal, limit: int = 3000) -> list[AreaRef]:
    """The areas a principal may give accounts (its own and those inside it; all for the whole atlas), the
    larger first, then by code; at most ``limit``."""
    where, params = "TRUE", {"limit": limit}
    if principal.area_code is not None:
        where = "code LIKE :prefix"
        params["prefix"] = starts_with(principal.area_prefix or area_prefix(principal.area_code))
    rows = conn.execute(
        text(f"SELECT code, level, name FROM areas WHERE {where} ORDER BY length(code), code LIMIT :limit"),
        params,
    )
    return [AreaRef(*r) for r in rows]


def create_account(
    conn: Connection, actor: Actor, username: str, password: str, role: str, area_code: str | None
) -> AccountInfo:
    """Create an account (the actor must manage accounts in its area); raises Conflict for a taken name."""
    authorize_accounts(actor.principal, "accounts.manage", [area_code])
    name = normalize_username(username)
    values = {
        "u": name,
        "h": hash_password(password),
        "r": _check_role(role),
        "a": _check_area(conn, area_code),
    }
    new_id = conn.execute(
        text(
            "INSERT INTO accounts (username, password_hash, role, area_code) VALUES (:u, :h, :r, :a) "
            "ON CONFLICT (username) DO NOTHING RETURNING id"
        ),
        values,
    ).scalar_one_or_none()
    if new_id is None:
        raise Conflict(
            f"the username {name!r} is taken", key="accounts.username_taken", params={"name": name}
        )
    account = get_account(conn, new_id)
    record(conn, actor, "create", "accounts", new_id, area_code, after=account.audit_json())
    return account


def update_account(
    conn: Connection,
    actor: Actor,
    account_id: int,
    *,
    role: str | None = None,
    area_code: str | None = None,
    set_area: bool = False,
    disabled: bool | None = None,
    password: str | None = None,
) -> AccountInfo:
    """Change role, area (with ``set_area``; None: the whole atlas), disabled flag or password; audited.

    Disabling or a new password ends the account's sessions and access tokens and revokes its API tokens for good
    (enabling it again brings none back); a new role or area ends its sessions and access tokens. Audited.
    """
    before = get_account(conn, account_id)
    new_area = area_code if set_area else before.area_code
    authorize_accounts(actor.principal, "accounts.manage", [before.area_code, new_area])
    if account_id == actor.principal.user_id and (
        disabled is True
        or (role is not None and role != before.role)
        or (set_area and new_area != before.area_code)
    ):
        raise Conflict(
            "an administrator may not disable their own account or change its role or area: ask another one",
            key="accounts.not_yourself",
        )
    sets, params = ["updated_at = now()"], {"id": account_id}
    if role is not None:
        sets.append("role = :role")
        params["role"] = _check_role(role)
    if set_area:
        sets.append("area_code = :area")
        params["area"] = _check_area(conn, area_code)
    if disabled is not None:
        sets.append("disabled = :disabled")
        params["disabled"] = disabled
    if password is not None:
        sets.append("password_hash = :hash")
        params["hash"] = hash_password(password)
    reason = _revocation_reason(before, role, new_area, set_area, disabled, password)
    if reason is not None:
        # access tokens and sessions carry the credentials epoch: raising it ends every one issued before
        sets.append("auth_version = auth_version + 1")
    conn.execute(text(f"UPDATE accounts SET {', '.join(sets)} WHERE id = :id"), params)
    after = get_account(conn, account_id)
    if reason is not None:
        _end_credentials(conn, actor, after, reason, api_tokens=disabled is True or password is not None)
    audit_after = after.audit_json() | ({"password_changed": True} if password is not None else {})
    record(
        conn,
        actor,
        "update",
        "accounts",
        account_id,
        after.area_code,
        before=before.audit_json(),
        after=audit_after,
    )
    return after


def _revocation_reason(
    before: AccountInfo,
    role: str | None,
    new_area: str | None,
    set_area: bool,
    disabled: bool | None,
    password: str | None,
) -> str | None:
    """Why an update ends the account's credentials (None: it does not)."""
    if disabled is True:
        return "account disabled"
    if password is not None:
        return "password changed"
    if role is not None and role != before.role:
        return "role changed"
    if set_area and new_area != before.area_code:
        return "area changed"
    return None


def _end_credentials(
    conn: Connection, actor: Actor, account: AccountInfo, reason: str, api_tokens: bool
) -> None:
    """End the account's web sessions and (``api_tokens``) revoke its live API tokens for good, audited.

    Revoked tokens stay revoked: enabling the account again brings none back; the admin makes new ones.
    Access tokens (JWT) need no row: the raised credentials epoch refuses them.
    """
    ended = conn.execute(
        text("DELETE FROM web_sessions WHERE account_id = :id RETURNING id"), {"id": account.id}
    ).all()
    if ended:
        record(
            conn,
            actor,
            "revoke",
            "web_sessions",
            account.id,
            account.area_code,
            after={"account_id": account.id, "sessions_ended": len(ended), "reason": reason},
        )
    if not api_tokens:
        return
    revoked = conn.execute(
        text(
            "UPDATE api_tokens SET revoked_at = now() WHERE account_id = :id AND revoked_at IS NULL "
            "RETURNING id, name, prefix, expires_at, revoked_at"
        ),
        {"id": account.id},
    ).all()
    for token in sorted(revoked, key=lambda t: t.id):
        record(
            conn,
            actor,
            "revoke",
            "api_tokens",
            token.id,
            account.area_code,
            before={"id": token.id, "account_id": account.id, "prefix": token.prefix, "revoked_at": None},
            after={
                "id": token.id,
                "account_id": account.id,
                "name": token.name,
                "prefix": token.prefix,
                "expires_at": token.expires_at.isoformat() if token.expires_at else None,
                "revoked_at": token.revoked_at.isoformat(),
                "reason": reason,
            },
        )


def principal_for(conn: Connection, account_id: int, auth_version: int | None = None) -> Principal | None:
    """The principal of an enabled account (its area prefix from the area's level), or None.

    With ``auth_version``, None also when the account's credentials changed since (password, role, area).
    """
    row = conn.execute(
        text(
            "SELECT a.id, a.username, a.role, a.area_code, ar.level, a.auth_version FROM accounts a "
            "LEFT JOIN areas ar ON ar.code = a.area_code WHERE a.id = :id AND NOT a.disabled"
        ),
        {"id": account_id},
    ).first()
    if row is None or (auth_version is not None and row.auth_version != auth_version):
        return None
    prefix = area_prefix(row.area_code, row.level) if row.area_code is not None else None
    return Principal(
        user_id=row.id,
        username=row.username,
        role=row.role,
        area_code=row.area_code,
        area_prefix=prefix,
        auth_version=row.auth_version,
    )


def auth_version(conn: Connection, account_id: int) -> int:
    """The account's credentials version (access tokens carry it)."""
    return conn.execute(
        text("SELECT auth_version FROM accounts WHERE id = :id"), {"id": account_id}
    ).scalar_one()


# -- password login with a lock-out ---------------------------------------------------------------------------


def _locked_for(
    conn: Connection, column: str, value: str, limit: int, window_s: int, since_success: bool
) -> float:
    """Seconds until the failures of this username (or address) in the window fall below ``limit``; 0: not locked."""
    since = "now() - make_interval(secs => :window)"
    if since_success:
        since = (
            f"GREATEST({since}, (SELECT max(attempted_at) FROM login_attempts "
            f"WHERE {column} = :value AND succeeded))"
        )
    row = conn.execute(
        text(
            f"SELECT EXTRACT(EPOCH FROM attempted_at + make_interval(secs => :window) - now()) "
            f"FROM login_attempts WHERE {column} = :value AND NOT succeeded AND attempted_at > {since} "
            "ORDER BY attempted_at DESC OFFSET :skip LIMIT 1"
        ),
        {"value": value, "window": window_s, "skip": limit - 1},
    ).scalar()
    return max(0.0, float(row)) if row is not None else 0.0


def _note_attempt(conn: Connection, username: str, client_addr: str, succeeded: bool) -> None:
    conn.execute(
        text("INSERT INTO login_attempts (username, client_addr, succeeded) VALUES (:u, :c, :s)"),
        {"u": username, "c": client_addr, "s": succeeded},
    )
    if succeeded:  # keep a day of attempts
        conn.execute(text("DELETE FROM login_attempts WHERE attempted_at < now() - interval '1 day'"))


def authenticate_password(
    engine: Engine, settings: Settings, username: str, password: str, client_addr: str
) -> Principal:
    """The principal whose username and password these are; raises Unauthorized, or TooManyAttempts after
    ``login_max_failures`` failures for the username (or ``login_max_failures_per_address`` from the address)
    in ``login_window_s`` seconds. Every attempt is recorded in its own transaction."""
    name = "".join(c for c in username.strip().lower() if c.isprintable())[:64]  # no NUL reaches PostgreSQL
    client = "".join(c for c in (client_addr or "unknown") if c.isprintable())[:200]
    window = settings.login_window_s
    with engine.begin() as conn:
        # one login at a time per username, so parallel guesses cannot slip past the count
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('login:' || :u))"), {"u": name})
        wait = max(
            _locked_for(conn, "username", name, settings.login_max_failures, window, True),
            _locked_for(conn, "client_addr", client, settings.login_max_failures_per_address, window, False),
        )
        if wait > 0:
            raise TooManyAttempts("too many failed logins: try again later", retry_after=int(wait) + 1)
        row = conn.execute(
            text("SELECT id, password_hash, disabled, auth_version FROM accounts WHERE username = :u"),
            {"u": name},
        ).first()
        ok = False
        try:
            ok = _hasher.verify(row.password_hash if row else _DUMMY_HASH, password[:MAX_PASSWORD_LENGTH])
        except (VerificationError, InvalidHashError):
            ok = False
        ok = ok and row is not None and not row.disabled
        if ok and _hasher.check_needs_rehash(row.password_hash):
            conn.execute(
                text("UPDATE accounts SET password_hash = :h WHERE id = :id"),
                {"h": _hasher.hash(password), "id": row.id},
            )
        _note_attempt(conn, name, client, ok)
    if not ok:
        raise Unauthorized("wrong username or password")
    with engine.connect() as conn:
        # the epoch read with the hash just verified: a password changed meanwhile makes this login fail
        principal = principal_for(conn, row.id, row.auth_version)
    if principal is None:
        raise Unauthorized("wrong username or password")
    return principal
