"""The audit log: every write, who made it, when, before and after; append-only (a trigger refuses changes)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text

from geo.accounts.permissions import authorize, require_right
from geo.atlas.collections import CollectionSpec
from geo.errors import InvalidParameter
from geo.kit.like import starts_with
from geo.principal import Principal
from geo.vocab import area_prefix


@dataclass(frozen=True)
class Actor:
    """Who writes and from where: the principal, the request id and the client address."""

    principal: Principal
    request_id: str | None = None
    client_addr: str | None = None


CLI_ACTOR = Actor(Principal(user_id=None, username="cli", role="admin", area_code=None), "cli", "local")
"""The operator at the command line (the whole atlas, as the machine's administrator)."""


@dataclass(frozen=True)
class AuditEntryInfo:
    """One audit entry as read back."""

    id: int
    at: dt.datetime
    account_id: int | None
    actor: str
    role: str
    action: str
    collection: str
    record_id: int | None
    area_code: str | None
    before: dict | None
    after: dict | None
    request_id: str | None
    client_addr: str | None


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def record(
    conn: Connection,
    actor: Actor,
    action: str,
    collection: str,
    record_id: int | None,
    area_code: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> int:
    """Append one entry in the caller's transaction (it lands only if the write commits); returns its id."""
    p = actor.principal
    return conn.execute(
        text(
            "INSERT INTO audit_log (account_id, actor, role, action, collection, record_id, area_code, before, "
            "after, request_id, client_addr) VALUES (:account, :actor, :role, :action, :collection, :record, "
            ":area, CAST(:before AS jsonb), CAST(:after AS jsonb), :request, :client) RETURNING id"
        ),
        {
            "account": p.user_id,
            "actor": p.username,
            "role": p.role,
            "action": action,
            "collection": collection,
            "record": record_id,
            "area": area_code,
            "before": _json(before),
            "after": _json(after),
            "request": (actor.request_id or "")[:128] or None,
            "client": actor.client_addr,
        },
    ).scalar_one()


def record_now(
    engine: Engine, actor: Actor, action: str, collection: str, record_id: int | None, **kw: Any
) -> int:
    """Append one entry in a transaction of its own (for writes that committed on their own, e.g. runs)."""
    with engine.begin() as conn:
        return record(conn, actor, action, collection, record_id, **kw)


def site_snapshot(conn: Connection, spec: CollectionSpec, site_id: int) -> dict | None:
    """Every column of a site as JSON (geometries as GeoJSON, WGS-84), or None when there is no such site."""
    table = spec.model.__table__.name  # a model's table name, never user input
    return conn.execute(
        text(f"SELECT to_jsonb(t) FROM {table} t WHERE t.id = :id"), {"id": site_id}
    ).scalar_one_or_none()


def audited_site_write(
    conn: Connection,
    actor: Actor,
    spec: CollectionSpec,
    verb: str,
    site_id: int | None,
    write: Callable[[], dict | None],
) -> dict | None:
    """Run ``write`` (create, update or delete of one site) if the actor may, in the site's area before and
    after, and log it; raises Unauthorized, Forbidden, or what ``write`` raises (then nothing is logged)."""
    action = f"{spec.name}.{verb}"
    require_right(actor.principal, action)
    before = None
    if site_id is not None:
        before = site_snapshot(conn, spec, site_id)
        if before is not None:
            authorize(actor.principal, action, [before["area_code"]])
    result = write()
    new_id = site_id if site_id is not None else (result or {}).get("id")
    after = site_snapshot(conn, spec, new_id) if verb != "delete" and new_id is not None else None
    if after is not None:
        authorize(actor.principal, action, [after["area_code"]])
    area = (after or before or {}).get("area_code")
    record(conn, actor, verb, spec.name, new_id, area_code=area, before=before, after=after)
    return result


def list_entries(
    conn: Connection,
    principal: Principal,
    collection: str | None,
    record_id: int | None,
    limit: int,
    offset: int,
    *,
    actor: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> tuple[int, list[AuditEntryInfo]]:
    """Entries an admin may read (those of its area; whole-atlas ones only for whole-atlas admins), newest first.

    ``actor``: the username who wrote (any case); ``since`` (inclusive) and ``until`` (exclusive): aware times."""
    require_right(principal, "audit.read")
    if since is not None and until is not None and until <= since:
        raise InvalidParameter("the last day lies before the first", key="audit.dates_reversed")
    where, params = ["TRUE"], {"limit": limit, "offset": offset}
    if actor is not None:
        where.append("actor = :actor")
        params["actor"] = actor.strip().lower()
    if since is not None:
        where.append("at >= :since")
        params["since"] = since
    if until is not None:
        where.append("at < :until")
        params["until"] = until
    if collection is not None:
        where.append("collection = :collection")
        params["collection"] = collection
    if record_id is not None:
        where.append("record_id = :record_id")
        params["record_id"] = record_id
    if principal.area_code is not None:
        prefix = principal.area_prefix or area_prefix(principal.area_code)
        where.append("area_code LIKE :prefix")
        params["prefix"] = starts_with(prefix)
    cond = " AND ".join(where)
    total = conn.execute(text(f"SELECT count(*) FROM audit_log WHERE {cond}"), params).scalar_one()
    rows = conn.execute(
        text(
            "SELECT id, at, account_id, actor, role, action, collection, record_id, area_code, before, after, "
            f"request_id, client_addr FROM audit_log WHERE {cond} ORDER BY id DESC LIMIT :limit OFFSET :offset"
        ),
        params,
    )
    return total, [AuditEntryInfo(*r) for r in rows]


def audit_choices(conn: Connection, principal: Principal) -> tuple[list[str], list[str]]:
    """The usernames who wrote and the collections written in the entries this admin may read, each sorted."""
    require_right(principal, "audit.read")
    where, params = "TRUE", {}
    if principal.area_code is not None:
        where = "area_code LIKE :prefix"
        params["prefix"] = starts_with(principal.area_prefix or area_prefix(principal.area_code))
    actors = conn.execute(
        text(f"SELECT DISTINCT actor FROM audit_log WHERE {where} ORDER BY actor LIMIT 500"), params
    )
    collections = conn.execute(
        text(f"SELECT DISTINCT collection FROM audit_log WHERE {where} ORDER BY collection LIMIT 200"), params
    )
    return [r[0] for r in actors], [r[0] for r in collections]
