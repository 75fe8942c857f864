"""Sign-in over the API (OAuth2 password flow → JWT), who am I, and accounts and API tokens for admins."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.deps import ConnDep, EngineDep, SettingsDep
from api.principal import ActorDep, PrincipalDep, client_address, get_web_session, require
from api.routes.atlas.sites import AREA_PATTERN
from api.runs import iso
from geo.accounts.credentials import (
    ApiTokenInfo,
    WebSession,
    create_api_token,
    issue_access_token,
    list_api_tokens,
    revoke_api_token,
)
from geo.accounts.permissions import actions_of, authorize_accounts, require_right
from geo.accounts.users import (
    ACCOUNT_ROLES,
    AccountInfo,
    authenticate_password,
    create_account,
    generate_password,
    get_account,
    list_accounts,
    update_account,
)
from geo.errors import InvalidInput

router = APIRouter(tags=["auth"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
Role = Literal["crew", "planner", "admin"]
assert set(ACCOUNT_ROLES) == {"crew", "planner", "admin"}


class TokenPublic(BaseModel):
    """An OAuth2 access token (a JWT, HS256) and its lifetime in seconds."""

    access_token: str
    token_type: Literal["bearer"]
    expires_in: int


class MePublic(BaseModel):
    """The caller: role public when anonymous; ``csrf_token`` when signed in by the web session cookie."""

    user_id: int | None
    username: str
    role: str
    area_code: str | None
    actions: list[str] = Field(description="what this role may do (in its area)")
    csrf_token: str | None = Field(default=None, description="send as X-CSRF-Token with cookie-signed writes")


class AccountCreate(BaseModel):
    """A new account; without ``area_code`` it holds its rights in the whole atlas; without ``password`` one is
    generated and given in the answer (only there)."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    password: str | None = Field(default=None, min_length=8, max_length=1024)
    role: Role
    area_code: str | None = Field(default=None, pattern=AREA_PATTERN)


class AccountUpdate(BaseModel):
    """Changes to an account; ``area_code`` null (given) means the whole atlas."""

    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    area_code: str | None = Field(default=None, pattern=AREA_PATTERN)
    disabled: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=1024)
    generate_password: bool = Field(
        default=False, description="true: a new password is generated and given in the answer (only there)"
    )


class AccountPublic(BaseModel):
    """An account (never its password hash); ``password`` only in the answer that generated it."""

    id: int
    username: str
    role: str
    area_code: str | None
    area_name: str | None
    disabled: bool
    created_at: str
    updated_at: str
    password: str | None = None


class ApiTokenCreate(BaseModel):
    """A new API token: a label and, optionally, when it stops working."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    expires_at: AwareDatetime | None = Field(default=None, description="ISO 8601 with a time zone")


class ApiTokenPublic(BaseModel):
    """An API token's description; ``token`` only in the answer that created it."""

    id: int
    account_id: int
    name: str
    prefix: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None
    token: str | None = None


def _account_json(account: AccountInfo) -> dict:
    return {
        "id": account.id,
        "username": account.username,
        "role": account.role,
        "area_code": account.area_code,
        "area_name": account.area_name,
        "disabled": account.disabled,
        "created_at": iso(account.created_at),
        "updated_at": iso(account.updated_at),
    }


def _token_json(info: ApiTokenInfo, token: str | None = None) -> dict:
    data = {
        "id": info.id,
        "account_id": info.account_id,
        "name": info.name,
        "prefix": info.prefix,
        "created_at": iso(info.created_at),
        "expires_at": iso(info.expires_at),
        "revoked_at": iso(info.revoked_at),
    }
    if token is not None:
        data["token"] = token
    return data


@router.post(
    "/auth/token",
    summary="Sign in: OAuth2 password flow",
    response_model=TokenPublic,
    responses={
        401: {"description": "wrong username or password"},
        429: {"description": "locked out for now"},
    },
)
def token(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
):
    """Form fields `username` and `password` → a bearer access token (JWT) valid for `expires_in` seconds.
    After repeated failures for a username or from an address the answer is 429 with Retry-After."""
    principal = authenticate_password(engine, settings, form.username, form.password, client_address(request))
    with engine.begin() as conn:
        access, lifetime = issue_access_token(conn, settings, principal)
    return JSONResponse(
        {"access_token": access, "token_type": "bearer", "expires_in": lifetime}, headers=NO_STORE
    )


@router.get("/auth/me", summary="Who am I", response_model=MePublic)
async def me(
    principal: PrincipalDep, session: Annotated[WebSession | None, Depends(get_web_session)]
) -> JSONResponse:
    """The caller's account, role, area and rights (role `public` when anonymous)."""
    csrf = session.csrf_token if session is not None and session.principal == principal else None
    return JSONResponse(
        {
            "user_id": principal.user_id,
            "username": principal.username,
            "role": principal.role,
            "area_code": principal.area_code,
            "actions": actions_of(principal.role),
            "csrf_token": csrf,
        },
        headers=NO_STORE,
    )


@router.get(
    "/accounts",
    summary="Accounts (admins)",
    response_model=list[AccountPublic],
    dependencies=[Depends(require("accounts.manage"))],
)
def accounts(conn: ConnDep, principal: PrincipalDep):
    """The accounts of the admin's area, by username."""
    require_right(principal, "accounts.manage")
    return JSONResponse([_account_json(a) for a in list_accounts(conn, principal)])


@router.post(
    "/accounts",
    summary="Create an account (admins)",
    status_code=201,
    response_model=AccountPublic,
    dependencies=[Depends(require("accounts.manage"))],
)
def add_account(conn: ConnDep, actor: ActorDep, body: AccountCreate):
    """A new account in the admin's area (admins of the whole atlas may create accounts without an area); without
    a password, a generated one comes in this answer only (`password`), to hand to the person."""
    generated = generate_password() if body.password is None else None
    account = create_account(
        conn, actor, body.username, body.password or generated, body.role, body.area_code
    )
    data = _account_json(account) | ({"password": generated} if generated else {})
    return JSONResponse(data, status_code=201, headers=NO_STORE)


@router.get(
    "/accounts/{account_id}",
    summary="One account (admins)",
    response_model=AccountPublic,
    dependencies=[Depends(require("accounts.manage"))],
)
def read_account(conn: ConnDep, principal: PrincipalDep, account_id: Annotated[int, Path(ge=1)]):
    """An account of the admin's area."""
    account = get_account(conn, account_id)
    authorize_accounts(principal, "accounts.manage", [account.area_code])
    return JSONResponse(_account_json(account))


@router.patch(
    "/accounts/{account_id}",
    summary="Change an account (admins)",
    response_model=AccountPublic,
    dependencies=[Depends(require("accounts.manage"))],
)
def change_account(
    conn: ConnDep, actor: ActorDep, body: AccountUpdate, account_id: Annotated[int, Path(ge=1)]
):
    """Role, area, disabled flag or password (`generate_password`: a new one made and given in this answer only);
    disabling or a new password signs the account out everywhere and revokes its API tokens for good (enabling it
    again brings none back); a new role or area signs it out. Admins may not disable or demote themselves."""
    if body.generate_password and body.password is not None:
        raise InvalidInput(
            "give a password or ask for one to be generated, not both", key="accounts.password_twice"
        )
    generated = generate_password() if body.generate_password else None
    account = update_account(
        conn,
        actor,
        account_id,
        role=body.role,
        area_code=body.area_code,
        set_area="area_code" in body.model_fields_set,
        disabled=body.disabled,
        password=body.password or generated,
    )
    data = _account_json(account) | ({"password": generated} if generated else {})
    return JSONResponse(data, headers=NO_STORE)


@router.get(
    "/accounts/{account_id}/tokens",
    summary="An account's API tokens (admins)",
    response_model=list[ApiTokenPublic],
    dependencies=[Depends(require("tokens.manage"))],
)
def tokens(conn: ConnDep, actor: ActorDep, account_id: Annotated[int, Path(ge=1)]):
    """The account's API tokens, newest first (never the tokens themselves)."""
    return JSONResponse([_token_json(t) for t in list_api_tokens(conn, actor, account_id)])


@router.post(
    "/accounts/{account_id}/tokens",
    summary="Create an API token (admins)",
    status_code=201,
    response_model=ApiTokenPublic,
    dependencies=[Depends(require("tokens.manage"))],
)
def add_token(conn: ConnDep, actor: ActorDep, body: ApiTokenCreate, account_id: Annotated[int, Path(ge=1)]):
    """A long-lived bearer token (`vmt_...`) acting as the account: shown in this answer only, stored as a hash."""
    secret, info = create_api_token(conn, actor, account_id, body.name, body.expires_at)
    return JSONResponse(_token_json(info, secret), status_code=201, headers=NO_STORE)


@router.delete(
    "/tokens/{token_id}",
    summary="Revoke an API token (admins)",
    status_code=204,
    dependencies=[Depends(require("tokens.manage"))],
)
def remove_token(conn: ConnDep, actor: ActorDep, token_id: Annotated[int, Path(ge=1)]) -> Response:
    """The token stops working at once; it stays listed, with `revoked_at`."""
    revoke_api_token(conn, actor, token_id)
    return Response(status_code=204)
