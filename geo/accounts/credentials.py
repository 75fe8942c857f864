"""Credentials other than passwords: access tokens (JWT, HS256), long-lived API tokens, web sessions.

Only digests of API tokens and session tokens are stored (SHA-256: they are random, 256 bits, so a slow hash
adds nothing). The JWT signing key comes from ``VETMAP_AUTH_SECRET``, else from ``var_dir/auth_secret``,
generated once with mode 0600.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

import jwt
from sqlalchemy import Connection, text

from geo.accounts.audit import Actor, record
from geo.accounts.permissions import authorize_accounts
from geo.accounts.users import auth_version, get_account, principal_for
from geo.errors import InvalidInput, NotFound, Unauthorized
from geo.principal import Principal
from geo.settings import Settings

API_TOKEN_PREFIX = "vmt_"
JWT_ALGORITHM = "HS256"
SECRET_FILE = "auth_secret"

_secret_lock = threading.Lock()
_secrets: dict[Path, str] = {}


def auth_secret(settings: Settings) -> str:
    """The JWT signing key: the setting, else the var_dir file (created once, mode 0600, 64 random bytes)."""
    if settings.auth_secret is not None and settings.auth_secret.get_secret_value():
        return settings.auth_secret.get_secret_value()
    path = Path(settings.var_dir) / SECRET_FILE
    with _secret_lock:
        if path in _secrets:
            return _secrets[path]
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            value = path.read_text(encoding="ascii").strip()
        else:
            value = secrets.token_urlsafe(64)
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(value + "\n")
        if len(value) < 32:
            raise InvalidInput(f"{path} holds no usable secret: delete it to have a new one made")
        _secrets[path] = value
        return value


def digest(token: str) -> str:
    """SHA-256 hex digest of a random token (what the database keeps)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- access tokens (OAuth2 password flow) ---------------------------------------------------------------------


def issue_access_token(conn: Connection, settings: Settings, principal: Principal) -> tuple[str, int]:
    """A signed JWT for the principal's account (valid while the account's credentials epoch is unchanged) and
    its lifetime in seconds."""
    now = dt.datetime.now(dt.UTC)
    lifetime = settings.access_token_minutes * 60
    version = principal.auth_version  # the epoch the credentials were checked in, not whatever it is now
    if version is None:
        version = auth_version(conn, principal.user_id)
    claims = {
        "sub": str(principal.user_id),
        "name": principal.username,
        "ver": version,
        "iat": now,
        "exp": now + dt.timedelta(seconds=lifetime),
        "typ": "access",
    }
    return jwt.encode(claims, auth_secret(settings), algorithm=JWT_ALGORITHM), lifetime


def principal_from_jwt(conn: Connection, settings: Settings, token: str) -> Principal:
    """The principal an access token stands for; raises Unauthorized when it is bad, expired or outdated."""
    try:
        claims = jwt.decode(
            token,
            auth_secret(settings),
            algorithms=[JWT_ALGORITHM],
            options={"require": ["sub", "exp", "ver"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("the access token has expired: sign in again", error="invalid_token") from None
    except jwt.PyJWTError:
        raise Unauthorized("the access token is not valid", error="invalid_token") from None
    try:
        account_id, version = int(claims["sub"]), int(claims["ver"])
    except (TypeError, ValueError):
        raise Unauthorized("the access token is not valid", error="invalid_token") from None
    if claims.get("typ") != "access":
        raise Unauthorized("the access token is not valid", error="invalid_token")
    principal = principal_for(conn, account_id, version)
    if principal is None:
        raise Unauthorized("the access token is no longer valid: sign in again", error="invalid_token")
    return principal


# -- API tokens -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiTokenInfo:
    """An API token as listed (never the token itself)."""

    id: int
    account_id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None

    def audit_json(self) -> dict:
        """The token as recorded in the audit log."""
        return {
            "id": self.id,
            "account_id": self.account_id,
            "name": self.name,
            "prefix": self.prefix,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


_TOKEN_SELECT = "SELECT id, account_id, name, prefix, created_at, expires_at, revoked_at FROM api_tokens"


def get_api_token(conn: Connection, token_id: int) -> ApiTokenInfo:
    """One API token's description; raises NotFound."""
    row = conn.execute(text(_TOKEN_SELECT + " WHERE id = :id"), {"id": token_id}).first()
    if row is None:
        raise NotFound(f"no API token with id {token_id}", key="accounts.no_token", params={"id": token_id})
    return ApiTokenInfo(*row)


def list_api_tokens(conn: Connection, actor: Actor, account_id: int) -> list[ApiTokenInfo]:
    """The API tokens of an account, newest first (the actor must manage tokens in its area)."""
    account = get_account(conn, account_id)
    authorize_accounts(actor.principal, "tokens.manage", [account.area_code])
    rows = conn.execute(text(_TOKEN_SELECT + " WHERE account_id = :a ORDER BY id DESC"), {"a": account_id})
    return [ApiTokenInfo(*r) for r in rows]


def create_api_token(
    conn: Connection, actor: Actor, account_id: int, name: str, expires_at: dt.datetime | None = None
) -> tuple[str, ApiTokenInfo]:
    """A new API token for an account: the token itself (shown this once) and its description; audited."""
    account = get_account(conn, account_id)
    authorize_accounts(actor.principal, "tokens.manage", [account.area_code])
    # the account's row is held until commit, so a token is never made beside a disable running at once
    disabled = conn.execute(
        text("SELECT disabled FROM accounts WHERE id = :id FOR SHARE"), {"id": account_id}
    ).scalar_one()
    if disabled:
        raise InvalidInput(
            f"account {account.username!r} is disabled",
            key="accounts.token_disabled",
            params={"name": account.username},
        )
    label = name.strip()
    if not 1 <= len(label) <= 200 or not label.isprintable():
        raise InvalidInput("a token name has 1-200 printable characters", key="accounts.token_name")
    if expires_at is not None and expires_at <= dt.datetime.now(dt.UTC):
        raise InvalidInput("expires_at lies in the past", key="accounts.token_past")
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    new_id = conn.execute(
        text(
            "INSERT INTO api_tokens (account_id, name, token_hash, prefix, created_by, expires_at) "
            "VALUES (:a, :n, :h, :p, :by, :exp) RETURNING id"
        ),
        {
            "a": account_id,
            "n": label,
            "h": digest(token),
            "p": token[:12],
            "by": actor.principal.user_id,
            "exp": expires_at,
        },
    ).scalar_one()
    info = get_api_token(conn, new_id)
    record(conn, actor, "create", "api_tokens", new_id, account.area_code, after=info.audit_json())
    return token, info


def revoke_api_token(conn: Connection, actor: Actor, token_id: int) -> ApiTokenInfo:
    """Revoke an API token (it stops working at once); audited. Revoking twice changes nothing."""
    before = get_api_token(conn, token_id)
    account = get_account(conn, before.account_id)
    authorize_accounts(actor.principal, "tokens.manage", [account.area_code])
    if before.revoked_at is not None:
        return before
    conn.execute(text("UPDATE api_tokens SET revoked_at = now() WHERE id = :id"), {"id": token_id})
    after = get_api_token(conn, token_id)
    record(
        conn,
        actor,
        "revoke",
        "api_tokens",
        token_id,
        account.area_code,
        before=before.audit_json(),
        after=after.audit_json(),
    )
    return after


def principal_from_api_token(conn: Connection, token: str) -> Principal:
    """The principal of a live API token; raises Unauthorized for an unknown, revoked or expired one."""
    row = conn.execute(
        text(
            "SELECT account_id FROM api_tokens WHERE token_hash = :h AND revoked_at IS NULL "
            "AND (expires_at IS NULL OR expires_at > now())"
        ),
        {"h": digest(token)},
    ).first()
    principal = principal_for(conn, row.account_id) if row else None
    if principal is None:
        raise Unauthorized("the API token is not valid (unknown, revoked or expired)", error="invalid_token")
    return principal


def principal_from_bearer(conn: Connection, settings: Settings, token: str) -> Principal:
    """The principal of a bearer token: an API token (``vmt_...``) or an access token (JWT)."""
    if token.startswith(API_TOKEN_PREFIX):
        return principal_from_api_token(conn, token)
    return principal_from_jwt(conn, settings, token)


# -- web sessions ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser: who, its CSRF token and when the sign-in ends."""

    principal: Principal
    csrf_token: str
    expires_at: dt.datetime


def start_session(
    conn: Connection, settings: Settings, principal: Principal, client_addr: str | None
) -> tuple[str, WebSession]:
    """A new session for a signed-in account: the cookie token (kept only as a digest) and the session."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    version = principal.auth_version
    expires_at = conn.execute(
        text(
            "INSERT INTO web_sessions (token_hash, account_id, csrf_token, client_addr, expires_at, auth_version) "
            "VALUES (:h, :a, :c, :addr, now() + make_interval(secs => :s), "
            "COALESCE(:v, (SELECT auth_version FROM accounts WHERE id = :a))) RETURNING expires_at"
        ),
        {
            "h": digest(token),
            "a": principal.user_id,
            "c": csrf,
            "addr": client_addr,
            "s": settings.session_hours * 3600,
            "v": version,
        },
    ).scalar_one()
    conn.execute(text("DELETE FROM web_sessions WHERE expires_at < now()"))
    return token, WebSession(principal, csrf, expires_at)


def find_session(conn: Connection, token: str) -> WebSession | None:
    """The live session of a cookie token, or None (unknown, expired, its account disabled, or started before the
    account's credentials changed: a session holds only under the credentials epoch it was started in)."""
    row = conn.execute(
        text(
            "SELECT account_id, csrf_token, expires_at, auth_version FROM web_sessions "
            "WHERE token_hash = :h AND expires_at > now()"
        ),
        {"h": digest(token)},
    ).first()
    if row is None:
        return None
    principal = principal_for(conn, row.account_id, row.auth_version)
    return WebSession(principal, row.csrf_token, row.expires_at) if principal else None


def end_session(conn: Connection, token: str) -> None:
    """Sign a browser out: its session row is deleted."""
    conn.execute(text("DELETE FROM web_sessions WHERE token_hash = :h"), {"h": digest(token)})


def same_token(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a presented CSRF token with the expected one."""
    return bool(given) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
