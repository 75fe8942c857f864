"""What the public forms (tributes, 寻亲 requests, proxy tributes) share against abuse: a client's address kept only
as a keyed hash, one client's writes of a kind taken one at a time, and the count of what it filed in the last day.

A public form counts what one client filed lately and refuses past its limit (TooManyAttempts, keyed in the caller's
catalogue); the count and the insert after it run under a lock per client and kind, so two requests sent at once
cannot both slip under the limit.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import Connection, text

DAILY_TABLES = ("family_requests", "proxy_tributes")
"""Tables of public requests with a ``client_hash`` and a ``created_at``, counted per client over a day."""


def keyed_client_hash(purpose: str, secret: str, address: str) -> str:
    """A keyed hash (HMAC-SHA-256, hex) of a client address for one ``purpose``: comparable, never reversible
    without the secret, and different for each purpose; the address itself is never stored."""
    return hmac.new(f"{purpose}:{secret}".encode(), address.encode(), hashlib.sha256).hexdigest()


def lock_client(conn: Connection, purpose: str, client: str) -> None:
    """Take one client's writes of ``purpose`` one at a time until this transaction ends."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": f"{purpose}:{client}"})


def filed_in_last_day(conn: Connection, table: str, client: str) -> int:
    """How many rows of ``table`` (one of DAILY_TABLES) the client with hash ``client`` filed in the last 24 hours."""
    if table not in DAILY_TABLES:
        raise ValueError(f"{table!r} is not counted per client: one of {', '.join(DAILY_TABLES)}")
    return conn.execute(
        text(
            f"SELECT count(*) FROM {table} WHERE client_hash = :c AND created_at > now() - interval '1 day'"
        ),
        {"c": client},
    ).scalar_one()
