"""Proxy tribute (代祭扫): a family far away asks the bureau to tend a martyr's grave on a day it wishes (issue 22).

- Anyone may ask (the public page ``/proxy-tribute``): who asks (name, relation, a phone or an e-mail), which grave
  (found from the martyr record: a martyr with no known grave is refused), what to do (clean the stone, lay
  flowers; at least one), the day wished (not in the past, at most ``MAX_DAYS_AHEAD`` days ahead, China time) and a
  message to lay with the flowers (no links: like tribute messages, spam that cannot succeed is refused outright).
- The client address is kept only as a keyed hash, to refuse more than ``MAX_PER_CLIENT_PER_DAY`` requests a day.
- The family is given a private follow token once (``secrets.token_urlsafe``, 192 bits); only its SHA-256 is kept.
  The follow view shows the state and, once the crew has finished the work order, its "after" photos.
- Staff of the grave's area (``proxy_tributes.handle``: planners and admins, as for 寻亲) accept a request — it
  becomes a work order of kind ``proxy_tribute`` at the grave, due on the wished day, triaged, and assigned to a
  crew member when one is chosen — or decline it with a reason the family reads. Both are audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from geo.accounts.audit import Actor, record
from geo.accounts.permissions import authorize, covers, require_right
from geo.errors import Conflict, InvalidInput, NotFound, TooManyAttempts
from geo.kit.china_time import CHINA_TIME
from geo.principal import Principal
from geo.public.client_limits import filed_in_last_day, keyed_client_hash, lock_client
from geo.upkeep.work_orders import WorkOrderInput, create_work_order, transition
from geo.vocab import area_prefix

HANDLE = "proxy_tributes.handle"
PURPOSE = "proxy-tribute"
"""What client hashes and locks of this module are keyed with."""
REFERENCE_PREFIX = "DJ-"
MAX_PER_CLIENT_PER_DAY = 5
MAX_DAYS_AHEAD = 366
DONE_STATES = ("done", "verified")
LIMITS = {"requester_name": 100, "relation": 50, "contact_phone": 32, "contact_email": 254, "message": 300}
"""Longest accepted text of each field, in characters."""
REASON_MAX = 500

LINK = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|info|top|xyz|io|cc|co|me|"
    r"biz|vip|shop|site|online|tk|ru|us|uk|de|jp|hk|tw|app|link|club|live)\b|\b\d{1,3}(?:\.\d{1,3}){3}\b)",
    re.IGNORECASE,
)
"""A web address in a text (a scheme, www., a domain name, an IPv4 address)."""
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-]+$")
_EMAIL = re.compile(r"^[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def refused(field: str, key: str, message: str, **params: Any) -> InvalidInput:
    """An InvalidInput keyed ``proxy.<key>`` that names the form ``field`` it belongs next to."""
    exc = InvalidInput(message, key=f"proxy.{key}", params=params)
    exc.field = field  # type: ignore[attr-defined]
    return exc


@dataclass(frozen=True)
class ProxyTributeInput:
    """What a family submits; checked and trimmed by ``check_request``."""

    requester_name: str | None
    wished_on: str | dt.date | None
    martyr_id: int | None = None
    grave_id: int | None = None
    relation: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    clean_stone: bool = False
    lay_flowers: bool = False
    message: str | None = None


def reference(request_id: int) -> str:
    """The reference number a family is given for request ``request_id``."""
    return f"{REFERENCE_PREFIX}{request_id:06d}"


def client_hash(secret: str, address: str) -> str:
    """A keyed hash (HMAC-SHA-256, hex) of a client address; the address itself is never stored."""
    return keyed_client_hash(PURPOSE, secret, address)


def token_hash(token: str) -> str:
    """The SHA-256 (hex) a follow token is stored as (the token has 192 random bits: no key needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def today_in_china() -> dt.date:
    """Today's date in China time."""
    return dt.datetime.now(CHINA_TIME).date()


def _text(value: str | None, field: str, required: bool = False) -> str | None:
    cleaned = None if value is None else unicodedata.normalize("NFC", value).strip()
    if not cleaned:
        if required:
            raise refused(field, f"{field}.required", f"{field} is required")
        return None
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in cleaned):
        raise refused(field, "control", f"{field} must not contain control characters")
    if len(cleaned) > LIMITS[field]:
        raise refused(
            field,
            "too_long",
            f"{field} is too long: {len(cleaned)} characters, at most {LIMITS[field]}",
            length=len(cleaned),
            limit=LIMITS[field],
        )
    if LINK.search(cleaned):
        raise refused(field, "link", f"{field} may not contain links or web addresses")
    return cleaned


def _phone(value: str | None) -> str | None:
    phone = _text(value, "contact_phone")
    if phone is None:
        return None
    digits = re.sub(r"\D", "", phone)
    if not _PHONE_CHARS.match(phone) or not 7 <= len(digits) <= 15:
        raise refused("contact_phone", "phone", f"{phone!r} is not a phone number", phone=phone)
    return ("+" if phone.startswith("+") else "") + digits


def _email(value: str | None) -> str | None:
    cleaned = None if value is None else unicodedata.normalize("NFC", value).strip()
    if not cleaned:
        return None
    if len(cleaned) > LIMITS["contact_email"] or not _EMAIL.match(cleaned):
        raise refused("contact_email", "email", f"{cleaned!r} is not an e-mail address", email=cleaned[:80])
    return cleaned


def _day(value: str | dt.date | None, today: dt.date) -> dt.date:
    if value is None or value == "":
        raise refused("wished_on", "wished_on.required", "choose the day you wish the grave tended")
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise refused("wished_on", "wished_on.format", f"{value!r} is not a date (YYYY-MM-DD)") from None
    if value < today:
        raise refused("wished_on", "wished_on.past", f"{value} is in the past", day=value.isoformat())
    last = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    if value > last:
        raise refused(
            "wished_on", "wished_on.too_far", f"{value} is more than a year ahead", last=last.isoformat()
        )
    return value


_GRAVES_SQL = (
    "SELECT g.id, g.name, g.martyr_name, g.area_code, g.section, g.row_no, g.number, c.name AS cemetery, "
    "(SELECT m.id FROM martyrs m WHERE m.grave_id = g.id ORDER BY m.id LIMIT 1) AS martyr_id, "
    "(SELECT m.name FROM martyrs m WHERE m.grave_id = g.id ORDER BY m.id LIMIT 1) AS martyr "
    "FROM graves g LEFT JOIN cemeteries c ON c.id = g.cemetery_id WHERE g.id = ANY(:ids)"
)


def graves_by_id(conn: Connection, grave_ids: Iterable[int]) -> dict[int, dict]:
    """The graves of ``grave_ids`` as requests show them, read in one query (see ``grave_for``); an unknown id
    is left out."""
    rows = conn.execute(text(_GRAVES_SQL), {"ids": sorted(set(grave_ids))}).all()
    return {
        r.id: {
            "grave_id": r.id,
            "grave_name": r.name,
            "martyr_id": r.martyr_id,
            "martyr_name": r.martyr or r.martyr_name or r.name,
            "cemetery_name": r.cemetery,
            "section": r.section,
            "row_no": r.row_no,
            "number": r.number,
            "area_code": r.area_code,
        }
        for r in rows
    }


def grave_for(conn: Connection, martyr_id: int | None = None, grave_id: int | None = None) -> dict:
    """The grave a request is for, from the martyr record (or the grave): grave_id, martyr_id, martyr_name, grave_name,
    cemetery_name, its place in the cemetery (section, row_no, number), area_code. Refusals name the field
    ``grave``."""
    if martyr_id is None and grave_id is None:
        raise refused("grave", "grave.required", "say which martyr's grave to tend")
    if grave_id is None:
        row = conn.execute(
            text("SELECT id, name, grave_id FROM martyrs WHERE id = :id"), {"id": martyr_id}
        ).first()
        if row is None:
            raise refused("grave", "no_martyr", f"no martyr record with id {martyr_id}", id=martyr_id)
        if row.grave_id is None:
            raise refused("grave", "no_grave", f"no grave of {row.name} is known", name=row.name)
        grave_id = row.grave_id
    grave = graves_by_id(conn, [grave_id]).get(grave_id)
    if grave is None:
        raise refused("grave", "no_such_grave", f"no grave with id {grave_id}", id=grave_id)
    return {**grave, "martyr_id": martyr_id or grave["martyr_id"]}


def check_request(conn: Connection, data: ProxyTributeInput, today: dt.date) -> dict[str, Any]:
    """The columns of a valid request; the InvalidInput of the first fault, with ``.field`` naming its field."""
    where = grave_for(conn, data.martyr_id, data.grave_id)
    values: dict[str, Any] = {
        "martyr_id": where["martyr_id"],
        "grave_id": where["grave_id"],
        "area_code": where["area_code"],
        "requester_name": _text(data.requester_name, "requester_name", required=True),
        "relation": _text(data.relation, "relation"),
        "contact_phone": _phone(data.contact_phone),
        "contact_email": _email(data.contact_email),
    }
    if values["contact_phone"] is None and values["contact_email"] is None:
        raise refused("contact_phone", "need_contact", "leave a phone number or an e-mail address")
    if not (data.clean_stone or data.lay_flowers):
        raise refused("tasks", "no_task", "choose what to do: clean the stone, lay flowers or both")
    values["clean_stone"], values["lay_flowers"] = bool(data.clean_stone), bool(data.lay_flowers)
    values["wished_on"] = _day(data.wished_on, today)
    values["message"] = _text(data.message, "message")
    return values


def create_request(
    conn: Connection, data: ProxyTributeInput, client: str | None, today: dt.date | None = None
) -> dict:
    """File a request (status ``received``): id, reference, and ``token`` (shown once; only its hash is kept).
    TooManyAttempts beyond ``MAX_PER_CLIENT_PER_DAY`` from one client."""
    values = check_request(conn, data, today or today_in_china())
    if client is not None:
        lock_client(conn, PURPOSE, client)
        if filed_in_last_day(conn, "proxy_tributes", client) >= MAX_PER_CLIENT_PER_DAY:
            raise TooManyAttempts(
                f"at most {MAX_PER_CLIENT_PER_DAY} proxy tribute requests a day from one place",
                retry_after=3600,
                key="proxy.too_many",
                params={"limit": MAX_PER_CLIENT_PER_DAY},
            )
    token = secrets.token_urlsafe(24)
    values["client_hash"], values["token_hash"] = client, token_hash(token)
    row = conn.execute(
        text(
            f"INSERT INTO proxy_tributes ({', '.join(values)}) VALUES ({', '.join(':' + k for k in values)}) "
            "RETURNING id"
        ),
        values,
    ).one()
    return {"id": row.id, "reference": reference(row.id), "token": token, "wished_on": values["wished_on"]}


_FOLLOW_SQL = (
    "SELECT p.id, p.status, p.wished_on, p.decline_reason, p.message, p.clean_stone, p.lay_flowers, p.created_at, "
    "p.updated_at, p.work_order_id, p.martyr_id, p.grave_id, w.status AS order_status, w.due_on, "
    "(SELECT max(h.at) FROM work_order_history h WHERE h.work_order_id = w.id AND h.to_status = 'done') "
    "AS done_at FROM proxy_tributes p LEFT JOIN work_orders w ON w.id = p.work_order_id "
)


def follow(conn: Connection, token: str) -> dict | None:
    """What the token's holder sees of their request: reference, state (received, planned, done, declined), the
    wished and planned days, the decline reason, when it was done and the after photos' ids; None for no such
    token."""
    if not _TOKEN.match(token or ""):
        return None
    row = conn.execute(text(_FOLLOW_SQL + "WHERE p.token_hash = :h"), {"h": token_hash(token)}).first()
    if row is None:
        return None
    where = grave_for(conn, grave_id=row.grave_id)
    state = {"received": "received", "declined": "declined"}.get(row.status, "planned")
    photos: list[int] = []
    if row.status == "accepted" and row.order_status in DONE_STATES:
        state = "done"
        photos = list(
            conn.execute(
                text("SELECT id FROM photos WHERE work_order_id = :o AND stage = 'after' ORDER BY id"),
                {"o": row.work_order_id},
            ).scalars()
        )
    elif row.status == "accepted" and row.order_status == "rejected":
        state = "cancelled"
    return {
        "reference": reference(row.id),
        "state": state,
        "wished_on": row.wished_on,
        "planned_on": row.due_on,
        "done_at": row.done_at,
        "decline_reason": row.decline_reason,
        "message": row.message,
        "clean_stone": row.clean_stone,
        "lay_flowers": row.lay_flowers,
        "created_at": row.created_at,
        "photos": photos,
        **where,
    }


def follow_photo(conn: Connection, token: str, photo_id: int, thumbnail: bool) -> tuple[bytes, str]:
    """The bytes and content type of an after photo of the token's request, once done; NotFound otherwise (a
    wrong token, another order's photo and a request not done look the same)."""
    seen = follow(conn, token)
    if seen is None or photo_id not in seen["photos"]:
        raise NotFound("no such photo", key="proxy.photo_not_found")
    column = "thumbnail" if thumbnail else "data"
    row = conn.execute(
        text(f"SELECT {column} AS data, content_type FROM photos WHERE id = :id"), {"id": photo_id}
    ).one()
    if row.data is None:
        row = conn.execute(
            text("SELECT data, content_type FROM photos WHERE id = :id"), {"id": photo_id}
        ).one()
        return bytes(row.data), row.content_type
    return bytes(row.data), "image/jpeg" if thumbnail else row.content_type


# -- staff ---------------------------------------------------------------------------------------------------------


def _scope(principal) -> tuple[str, dict]:
    if principal.area_code is None:
        return "true", {}
    return "p.area_code LIKE :mine", {
        "mine": (principal.area_prefix or area_prefix(principal.area_code)) + "%"
    }


def waiting(conn: Connection, principal, limit: int = 100) -> tuple[list[dict], int]:
    """The requests received and not yet handled in the caller's area, the soonest wished day first, and their
    count; each with its grave, martyr, requester and contact (staff only)."""
    require_right(principal, HANDLE)
    cond, params = _scope(principal)
    where = f"p.status = 'received' AND {cond}"
    total = conn.execute(text(f"SELECT count(*) FROM proxy_tributes p WHERE {where}"), params).scalar_one()
    rows = conn.execute(
        text(
            "SELECT p.id, p.martyr_id, p.grave_id, p.requester_name, p.relation, p.contact_phone, p.contact_email, "
            "p.clean_stone, p.lay_flowers, p.wished_on, p.message, p.created_at, p.area_code "
            f"FROM proxy_tributes p WHERE {where} ORDER BY p.wished_on, p.id LIMIT :l"
        ),
        {**params, "l": limit},
    ).all()
    graves = graves_by_id(conn, (row.grave_id for row in rows))
    items = [{**row._mapping, "reference": reference(row.id), **graves[row.grave_id]} for row in rows]
    return items, total


def crews_of(conn: Connection, area_codes: Iterable[str | None]) -> dict[str | None, list[dict]]:
    """The active crew accounts (id, username) whose area holds each of ``area_codes``, to assign an accepted
    request to; the accounts are read once for all the areas."""
    rows = conn.execute(
        text(
            "SELECT id, username, area_code FROM accounts WHERE role = 'crew' AND NOT disabled ORDER BY username"
        )
    ).all()
    crews = [Principal(r.id, r.username, "crew", r.area_code) for r in rows]
    return {
        code: [{"id": c.user_id, "username": c.username} for c in crews if covers(c, code)]
        for code in set(area_codes)
    }


def _received(conn: Connection, principal, request_id: int) -> Any:
    require_right(principal, HANDLE)
    row = conn.execute(
        text("SELECT * FROM proxy_tributes WHERE id = :id FOR UPDATE"), {"id": request_id}
    ).first()
    if row is None:
        raise NotFound(
            f"no proxy tribute request {request_id}", key="proxy.not_found", params={"id": request_id}
        )
    authorize(principal, HANDLE, [row.area_code])
    if row.status != "received":
        raise Conflict(
            f"request {request_id} was already handled", key="proxy.handled", params={"id": request_id}
        )
    return row


def task_title(martyr_name: str) -> str:
    """The work order's title: 代祭扫 and the martyr's name (Chinese: the crews' working language)."""
    return f"代祭扫：{martyr_name}"[:200]


def task_description(row: Any) -> str:
    """What the crew reads on the order: what to do, the day, who asked, and the family's message to lay."""
    todo = "、".join(t for t, on in (("清扫墓碑", row.clean_stone), ("敬献鲜花", row.lay_flowers)) if on)
    lines = [f"家属委托代祭扫（{reference(row.id)}）：{todo}。", f"希望日期：{row.wished_on.isoformat()}。"]
    lines.append(f"委托人：{row.requester_name}" + (f"（{row.relation}）" if row.relation else "") + "。")
    if row.message:
        lines.append(f"随花敬献的寄语：「{row.message}」")
    lines.append("完成后请拍摄“完成后”照片，家属将通过私人链接看到。")
    return "\n".join(lines)


def accept(conn: Connection, actor: Actor, request_id: int, assigned_to: int | None = None) -> dict:
    """Accept a received request: a ``proxy_tribute`` work order at the grave, due on the wished day, triaged (and
    assigned to ``assigned_to`` when given); audited. Returns the request's id, reference and work_order_id."""
    row = _received(conn, actor.principal, request_id)
    names = grave_for(conn, grave_id=row.grave_id)
    order = create_work_order(
        conn,
        actor,
        WorkOrderInput(
            collection="graves",
            site_id=row.grave_id,
            title=task_title(names["martyr_name"]),
            description=task_description(row),
            due_on=row.wished_on,
            kind="proxy_tribute",
        ),
    )
    order = transition(conn, actor, order["id"], "triaged", order["version"], note=reference(request_id))
    if assigned_to is not None:
        order = transition(conn, actor, order["id"], "assigned", order["version"], assigned_to=assigned_to)
    conn.execute(
        text(
            "UPDATE proxy_tributes SET status = 'accepted', work_order_id = :o, handled_by = :by, "
            "updated_at = now() WHERE id = :id"
        ),
        {"o": order["id"], "by": actor.principal.user_id, "id": request_id},
    )
    record(
        conn,
        actor,
        "update",
        "proxy_tributes",
        request_id,
        row.area_code,
        {"status": "received"},
        {"status": "accepted", "work_order_id": order["id"]},
    )
    return {"id": request_id, "reference": reference(request_id), "work_order_id": order["id"]}


def decline(conn: Connection, actor: Actor, request_id: int, reason: str | None) -> dict:
    """Decline a received request with a reason the family reads (required, no links); audited."""
    cleaned = unicodedata.normalize("NFC", reason or "").strip()
    if not cleaned:
        raise refused("reason", "reason_required", "say why, for the family")
    if len(cleaned) > REASON_MAX:
        raise refused("reason", "too_long", "the reason is too long", length=len(cleaned), limit=REASON_MAX)
    row = _received(conn, actor.principal, request_id)
    conn.execute(
        text(
            "UPDATE proxy_tributes SET status = 'declined', decline_reason = :r, handled_by = :by, "
            "updated_at = now() WHERE id = :id"
        ),
        {"r": cleaned, "by": actor.principal.user_id, "id": request_id},
    )
    record(
        conn,
        actor,
        "update",
        "proxy_tributes",
        request_id,
        row.area_code,
        {"status": "received"},
        {"status": "declined", "decline_reason": cleaned},
    )
    return {"id": request_id, "reference": reference(request_id), "status": "declined"}
