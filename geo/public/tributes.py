"""Online tribute (云祭扫): flowers, candles and messages on a martyr's, a memorial's or a cemetery's page.

- Flowers and candles count at once (stored ``approved``); a message is stored ``pending`` and is shown only after
  a moderator of the target's area approves it (``tributes.moderate`` in geo/accounts/permissions.py).
- Messages with a link (``http://``, ``www.``, a bare domain name) are refused (422), not stored for review: the
  public never sees links, and spam that cannot succeed is not worth a moderator's time.
- Bursts are refused per client: the client's address is kept only as a keyed hash (HMAC-SHA-256 with a secret
  salt), never as the address, and at most ``per_target_per_hour`` tributes per client and target and
  ``per_hour`` in all are accepted in any hour (429 with the seconds to wait). The check and the insert run under
  a transaction-scoped advisory lock on the client hash, so concurrent requests of one client cannot both pass.
- What leaves the database: to anyone, the counts of approved tributes per kind and the approved messages
  (id, message, author, created_at); to moderators, the pending ones with their target. ``client_hash``,
  ``moderated_by`` and ``moderated_at`` are never sent.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from geo.accounts.audit import Actor, record
from geo.accounts.permissions import authorize, require_right
from geo.errors import Conflict, InvalidInput, NotFound, TooManyAttempts
from geo.models import TRIBUTE_KINDS, TRIBUTE_TARGETS
from geo.public.client_limits import keyed_client_hash, lock_client
from geo.vocab import area_prefix

MESSAGE_MAX_CHARS = 500
AUTHOR_MAX_CHARS = 40
REASON_MAX_CHARS = 500
MODERATE = "tributes.moderate"
PURPOSE = "tribute"
"""What client hashes and locks of this module are keyed with."""

_LINK = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|info|top|xyz|io|cc|co|me|"
    r"biz|vip|shop|site|online|tk|ru|us|uk|de|jp|hk|tw|app|link|club|live)\b|\b\d{1,3}(?:\.\d{1,3}){3}\b)",
    re.IGNORECASE,
)

# the site table behind each target, and how to find the area of a martyr (own, else the burial place's)
_AREA_SQL = {
    "memorials": "SELECT area_code, name FROM memorials WHERE id = :id",
    "cemeteries": "SELECT area_code, name FROM cemeteries WHERE id = :id",
    "martyrs": (
        "SELECT coalesce(m.area_code, g.area_code, c.area_code, s.area_code) AS area_code, m.name "
        "FROM martyrs m LEFT JOIN graves g ON g.id = m.grave_id "
        "LEFT JOIN cemeteries c ON c.id = m.cemetery_id LEFT JOIN memorials s ON s.id = m.memorial_id "
        "WHERE m.id = :id"
    ),
}
assert set(_AREA_SQL) == set(TRIBUTE_TARGETS)


@dataclass(frozen=True)
class TributeLimits:
    """How many tributes one client may leave in any hour: per target, and in all."""

    per_target_per_hour: int = 5
    per_hour: int = 30


@dataclass(frozen=True)
class TributeInput:
    """A tribute as the public sends it (message only with kind ``message``)."""

    target: str
    target_id: int
    kind: str
    message: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class TributeMessage:
    """An approved message as the public sees it."""

    id: int
    message: str
    author: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class TributeSummary:
    """Counts of approved tributes per kind and one page of approved messages (newest first)."""

    target: str
    target_id: int
    counts: dict[str, int]
    messages: list[TributeMessage] = field(default_factory=list)
    total_messages: int = 0


@dataclass(frozen=True)
class TributeReceipt:
    """What the sender learns: the new tribute's id, kind and status, and the target's counts now."""

    id: int
    kind: str
    status: str
    counts: dict[str, int]


@dataclass(frozen=True)
class PendingTribute:
    """A tribute as a moderator sees it: the target (with its name and area) and the text."""

    id: int
    target: str
    target_id: int
    target_name: str | None
    area_code: str | None
    kind: str
    message: str | None
    author: str | None
    status: str
    created_at: dt.datetime


def client_hash(secret: str, address: str) -> str:
    """A keyed hash (HMAC-SHA-256, hex) of a client address: comparable, not reversible without the secret."""
    return keyed_client_hash(PURPOSE, secret, address)


def _clean(value: str | None, what: str, max_chars: int) -> str | None:
    if value is None:
        return None
    cleaned = unicodedata.normalize("NFC", value).strip()
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in cleaned):
        raise InvalidInput(
            f"{what} must not contain control characters", key="tribute.control", params={"what": what}
        )
    if len(cleaned) > max_chars:
        raise InvalidInput(
            f"{what} is too long: {len(cleaned)} characters, at most {max_chars}",
            key="tribute.too_long",
            params={"what": what, "n": len(cleaned), "max": max_chars},
        )
    return cleaned


def check_tribute(data: TributeInput) -> TributeInput:
    """The tribute with its text trimmed, or InvalidInput naming what is wrong."""
    if data.target not in TRIBUTE_TARGETS:
        raise InvalidInput(
            f"target must be one of {', '.join(TRIBUTE_TARGETS)}, not {data.target!r}",
            key="tribute.target",
            params={"value": data.target},
        )
    if data.kind not in TRIBUTE_KINDS:
        raise InvalidInput(
            f"kind must be one of {', '.join(TRIBUTE_KINDS)}, not {data.kind!r}",
            key="tribute.kind",
            params={"value": data.kind},
        )
    if data.target_id < 1:
        raise InvalidInput("target_id must be a positive whole number", key="tribute.target_id")
    message = _clean(data.message, "the message", MESSAGE_MAX_CHARS)
    author = _clean(data.author, "the author's name", AUTHOR_MAX_CHARS) or None
    if data.kind == "message":
        if not message:
            raise InvalidInput(
                "a message tribute needs a message (1 to 500 characters)",
                key="tribute.no_message",
                params={"max": MESSAGE_MAX_CHARS},
            )
        if _LINK.search(message):
            raise InvalidInput("messages may not contain links or web addresses", key="tribute.link")
    elif message:
        raise InvalidInput(
            f"a {data.kind} carries no message: send kind 'message' for a message",
            key="tribute.message_not_allowed",
        )
    else:
        message = None
    if author and _LINK.search(author):
        raise InvalidInput(
            "the author's name may not contain links or web addresses", key="tribute.author_link"
        )
    return TributeInput(data.target, data.target_id, data.kind, message, author)


def target_area(conn: Connection, target: str, target_id: int) -> tuple[str | None, str]:
    """The area code and name of a tribute's target; NotFound when there is no such record."""
    if target not in _AREA_SQL:
        raise InvalidInput(
            f"target must be one of {', '.join(TRIBUTE_TARGETS)}, not {target!r}",
            key="tribute.target",
            params={"value": target},
        )
    row = conn.execute(text(_AREA_SQL[target]), {"id": target_id}).one_or_none()
    if row is None:
        raise NotFound(
            f"no {target} record with id {target_id}",
            key="tribute.no_target",
            params={"id": target_id, "target": target},
        )
    return row.area_code, row.name


def tribute_counts(conn: Connection, target: str, target_id: int) -> dict[str, int]:
    """Approved tributes of a target per kind (every kind listed, zero when none)."""
    rows = conn.execute(
        text(
            "SELECT kind, count(*) AS n FROM tributes WHERE target = :target AND target_id = :id "
            "AND status = 'approved' GROUP BY kind"
        ),
        {"target": target, "id": target_id},
    ).all()
    counts = dict.fromkeys(TRIBUTE_KINDS, 0)
    counts.update({row.kind: row.n for row in rows})
    return counts


def _check_rate(conn: Connection, data: TributeInput, client: str, limits: TributeLimits) -> None:
    """Raise TooManyAttempts when the client has used up its hour (for this target or in all)."""
    lock_client(conn, PURPOSE, client)
    row = conn.execute(
        text(
            "SELECT count(*) AS total, "
            "count(*) FILTER (WHERE target = :target AND target_id = :id) AS here, "
            "min(created_at) AS first_any, "
            "min(created_at) FILTER (WHERE target = :target AND target_id = :id) AS first_here, "
            "now() AS now "
            "FROM tributes WHERE client_hash = :client AND created_at > now() - interval '1 hour'"
        ),
        {"client": client, "target": data.target, "id": data.target_id},
    ).one()
    for used, limit, first, what in (
        (row.here, limits.per_target_per_hour, row.first_here, "for this page"),
        (row.total, limits.per_hour, row.first_any, "in all"),
    ):
        if used >= limit:
            wait = (first + dt.timedelta(hours=1) - row.now).total_seconds() if first else 3600
            raise TooManyAttempts(
                f"too many tributes {what}: at most {limit} an hour; try again later",
                int(wait) + 1,
                key="tribute.too_many_here" if what == "for this page" else "tribute.too_many",
                params={"limit": limit},
            )


def add_tribute(conn: Connection, data: TributeInput, client: str, limits: TributeLimits) -> TributeReceipt:
    """Store a tribute from the client with hash ``client``: flowers and candles approved, messages pending."""
    data = check_tribute(data)
    area_code, _ = target_area(conn, data.target, data.target_id)
    _check_rate(conn, data, client, limits)
    status = "pending" if data.kind == "message" else "approved"
    new_id = conn.execute(
        text(
            "INSERT INTO tributes (target, target_id, area_code, kind, message, author, status, client_hash) "
            "VALUES (:target, :id, :area, :kind, :message, :author, :status, :client) RETURNING id"
        ),
        {
            "target": data.target,
            "id": data.target_id,
            "area": area_code,
            "kind": data.kind,
            "message": data.message,
            "author": data.author,
            "status": status,
            "client": client,
        },
    ).scalar_one()
    return TributeReceipt(new_id, data.kind, status, tribute_counts(conn, data.target, data.target_id))


def tribute_summary(
    conn: Connection, target: str, target_id: int, limit: int = 20, offset: int = 0
) -> TributeSummary:
    """Counts per kind and a page of approved messages, newest first; NotFound for an unknown target."""
    target_area(conn, target, target_id)
    params = {"target": target, "id": target_id, "limit": limit, "offset": offset}
    rows = conn.execute(
        text(
            "SELECT id, message, author, created_at, count(*) OVER () AS total FROM tributes "
            "WHERE target = :target AND target_id = :id AND kind = 'message' AND status = 'approved' "
            "ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset"
        ),
        params,
    ).all()
    counts = tribute_counts(conn, target, target_id)
    messages = [TributeMessage(r.id, r.message, r.author, r.created_at) for r in rows]
    return TributeSummary(target, target_id, counts, messages, counts["message"])


_PENDING_SQL = (
    "SELECT t.id, t.target, t.target_id, coalesce(m.name, s.name, c.name) AS target_name, t.area_code, t.kind, "
    "t.message, t.author, t.status, t.created_at, count(*) OVER () AS total FROM tributes t "
    "LEFT JOIN martyrs m ON t.target = 'martyrs' AND m.id = t.target_id "
    "LEFT JOIN memorials s ON t.target = 'memorials' AND s.id = t.target_id "
    "LEFT JOIN cemeteries c ON t.target = 'cemeteries' AND c.id = t.target_id "
    "WHERE t.status = 'pending' AND {area} ORDER BY t.created_at, t.id LIMIT :limit OFFSET :offset"
)


def _pending(row) -> PendingTribute:
    return PendingTribute(
        row.id,
        row.target,
        row.target_id,
        row.target_name,
        row.area_code,
        row.kind,
        row.message,
        row.author,
        row.status,
        row.created_at,
    )


def pending_tributes(
    conn: Connection, actor: Actor, limit: int = 50, offset: int = 0
) -> tuple[list[PendingTribute], int]:
    """The messages waiting for moderation in the moderator's area, oldest first, and how many there are."""
    principal = actor.principal
    require_right(principal, MODERATE)
    params: dict = {"limit": limit, "offset": offset}
    if principal.area_code is None:
        area = "true"
    else:
        area = "t.area_code LIKE :prefix"
        params["prefix"] = (principal.area_prefix or area_prefix(principal.area_code)) + "%"
    rows = conn.execute(text(_PENDING_SQL.format(area=area)), params).all()
    total = rows[0].total if rows else 0
    if not rows and offset:
        total = conn.execute(
            text(f"SELECT count(*) FROM tributes t WHERE t.status = 'pending' AND {area}"), params
        ).scalar_one()
    return [_pending(r) for r in rows], total


def moderate_tribute(
    conn: Connection, actor: Actor, tribute_id: int, decision: str, reason: str | None = None
) -> PendingTribute:
    """Approve or reject a pending tribute in the moderator's area; deciding again the same way changes nothing.

    ``reason`` (why a message is rejected, for the audit log; never shown to the public) is kept in the audit entry.
    """
    if decision not in ("approved", "rejected"):
        raise InvalidInput("a decision is 'approved' or 'rejected'", key="tribute.decision")
    reason = _clean(reason, "the reason", REASON_MAX_CHARS) or None
    require_right(actor.principal, MODERATE)
    row = conn.execute(
        text("SELECT id, area_code, status, kind FROM tributes WHERE id = :id FOR UPDATE"), {"id": tribute_id}
    ).one_or_none()
    if row is None:
        raise NotFound(f"no tribute with id {tribute_id}", key="tribute.not_found", params={"id": tribute_id})
    authorize(actor.principal, MODERATE, [row.area_code])
    if row.status != decision:
        if row.status != "pending":
            raise Conflict(
                f"tribute {tribute_id} is already {row.status}",
                key="tribute.decided",
                params={"id": tribute_id, "status": row.status},
            )
        conn.execute(
            text(
                "UPDATE tributes SET status = :status, moderated_by = :by, moderated_at = now() WHERE id = :id"
            ),
            {"status": decision, "by": actor.principal.user_id, "id": tribute_id},
        )
        record(
            conn,
            actor,
            "approve" if decision == "approved" else "reject",
            "tributes",
            tribute_id,
            row.area_code,
            before={"status": row.status},
            after={"status": decision, **({"reason": reason} if reason else {})},
        )
    found = conn.execute(
        text(_PENDING_SQL.replace("t.status = 'pending' AND {area}", "t.id = :id")),
        {"id": tribute_id, "limit": 1, "offset": 0},
    ).one()
    return _pending(found)
