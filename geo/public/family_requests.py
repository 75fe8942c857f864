"""Family-search requests (寻亲): a relative leaves what they know of a martyr and a contact; staff handle them.

- Anyone may file a request (the public form ``/family-search`` and ``POST /api/v1/family-requests``); it gets a
  reference number (``XQ-000123``). Nothing is stored unless every field passes: the martyr's name and the
  requester's name are required, a phone or an e-mail is required and must be well-formed, every text is bounded.
- A request belongs to an area: the linked martyr record's area (else its hometown area), else the hometown area
  the requester chose, else the one county the hometown they typed names (``广西资源县中峰乡`` → 资源县; narrowed by
  a city it also names; none when still ambiguous); with none known it belongs to the whole atlas, so only national
  staff see it.
- Staff read and update requests in their area (``family_requests.read`` / ``family_requests.update`` in
  geo/accounts/permissions.py); the requester's contact is personal data, never shown to the public. Updates carry the
  version the caller read (StaleVersion / VersionRequired like sites) and are audited.
- The client address is kept only as a keyed hash, to refuse bursts beyond ``MAX_PER_CLIENT_PER_DAY``.
- Staff add notes to a request: public ones (the requester reads them) and internal ones (staff only).
- The requester follows their request at ``/family-search/{reference}`` with the follow-up code given once, at
  submission (``follow_request``): a random code of ``FOLLOW_UP_LENGTH`` characters, stored only as a keyed hash
  and compared in constant time. Chosen over the phone number, which others may know, which an e-mail-only
  requester has not given, and which would be one more use of personal data. A wrong code, an unknown reference
  and a request filed without a code get the same answer; ``FOLLOW_UP_FAILURES`` wrong codes for one request (or
  ``FOLLOW_UP_CLIENT_FAILURES`` from one address) in the window are refused for a while.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from geo.accounts.audit import Actor, record
from geo.accounts.permissions import authorize, require_right
from geo.errors import InvalidInput, NotFound, StaleVersion, TooManyAttempts, VersionRequired
from geo.models import FAMILY_REQUEST_STATUSES
from geo.principal import Principal
from geo.public.client_limits import filed_in_last_day, keyed_client_hash, lock_client
from geo.vocab import area_prefix

PURPOSE = "family-request"
"""What client hashes and locks of this module are keyed with."""
REFERENCE_PREFIX = "XQ-"
MAX_PER_CLIENT_PER_DAY = 10
MIN_YEAR, MAX_YEAR = 1840, 2100

LIMITS: dict[str, int] = {
    "martyr_name": 100,
    "hometown": 200,
    "unit": 200,
    "details": 2000,
    "requester_name": 100,
    "relation": 50,
    "contact_phone": 32,
    "contact_email": 254,
    "staff_note": 2000,
    "public_note": 2000,
    "internal_note": 2000,
}
"""Longest accepted text of each field, in characters."""

FOLLOW_UP_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""Letters and digits of a follow-up code: none that reads like another (no 0/O, 1/I/L)."""
FOLLOW_UP_LENGTH = 8
"""Characters of a follow-up code (31⁸ ≈ 8.5 × 10¹¹ codes), shown in two groups of four: ``K7MQ-2PXR``."""
FOLLOW_UP_FAILURES = 5
"""Wrong codes for one request within ``FOLLOW_UP_WINDOW_S`` before its checks are refused for a while."""
FOLLOW_UP_CLIENT_FAILURES = 20
"""Wrong codes from one client address (any request) within ``FOLLOW_UP_WINDOW_S`` before it is refused."""
FOLLOW_UP_WINDOW_S = 900
_REFERENCE = re.compile(r"^XQ-?(\d{1,18})$", re.IGNORECASE)
_DUMMY_HASH = "0" * 64

_PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-]+$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)

_COLUMNS = (
    "id, martyr_id, martyr_name, hometown, unit, death_year, details, requester_name, relation, contact_phone, "
    "contact_email, area_code, status, staff_note, handled_by, version, created_at, updated_at"
)


@dataclass(frozen=True)
class FamilyRequestInput:
    """What a relative submits; texts are checked and trimmed by ``check_request``."""

    martyr_name: str
    requester_name: str
    contact_phone: str | None = None
    contact_email: str | None = None
    martyr_id: int | None = None
    hometown: str | None = None
    hometown_area_code: str | None = None
    unit: str | None = None
    death_year: int | None = None
    details: str | None = None
    relation: str | None = None


def reference(request_id: int) -> str:
    """The reference number a requester is given for request ``request_id``."""
    return f"{REFERENCE_PREFIX}{request_id:06d}"


def client_hash(secret: str, address: str) -> str:
    """A keyed hash (HMAC-SHA-256, hex) of a client address; the address itself is never stored."""
    return keyed_client_hash(PURPOSE, secret, address)


def _text(value: str | None, field: str, required: bool = False) -> str | None:
    cleaned = None if value is None else unicodedata.normalize("NFC", value).strip()
    if not cleaned:
        if required:
            raise InvalidInput(f"{field} is required", key=f"family.{field}.required")
        return None
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in cleaned):
        raise InvalidInput(f"{field} must not contain control characters", key=f"family.{field}.control")
    if len(cleaned) > LIMITS[field]:
        raise InvalidInput(
            f"{field} is too long: {len(cleaned)} characters, at most {LIMITS[field]}",
            key=f"family.{field}.too_long",
            params={"length": len(cleaned), "limit": LIMITS[field]},
        )
    return cleaned


def _phone(value: str | None) -> str | None:
    phone = _text(value, "contact_phone")
    if phone is None:
        return None
    digits = re.sub(r"\D", "", phone)
    if not _PHONE_CHARS.match(phone) or not 7 <= len(digits) <= 15:
        raise InvalidInput(
            f"contact_phone {phone!r} is not a phone number: 7 to 15 digits (a leading + and spaces, "
            "hyphens or brackets allowed), e.g. 13800138000 or 0719-8123456",
            key="family.phone",
            params={"phone": phone},
        )
    return ("+" if phone.startswith("+") else "") + digits


def _email(value: str | None) -> str | None:
    email = _text(value, "contact_email")
    if email is None:
        return None
    if not _EMAIL.match(email):
        raise InvalidInput(
            f"contact_email {email!r} is not an e-mail address, e.g. name@example.cn",
            key="family.email",
            params={"email": email},
        )
    return email


def _area_of(conn: Connection, data: FamilyRequestInput) -> str | None:
    """The request's area: the martyr's area or hometown area, else the given hometown area, else None."""
    if data.martyr_id is not None:
        row = conn.execute(
            text("SELECT area_code, hometown_area_code FROM martyrs WHERE id = :id"), {"id": data.martyr_id}
        ).first()
        if row is None:
            raise InvalidInput(
                f"martyr_id {data.martyr_id}: there is no martyr record with that id",
                key="family.no_martyr",
                params={"id": data.martyr_id},
            )
        if row.area_code or row.hometown_area_code:
            return row.area_code or row.hometown_area_code
    if data.hometown_area_code is not None:
        found = conn.execute(
            text("SELECT code FROM areas WHERE code = :c"), {"c": data.hometown_area_code}
        ).scalar_one_or_none()
        if found is None:
            raise InvalidInput(
                f"hometown_area_code {data.hometown_area_code!r}: no such area",
                key="family.no_area",
                params={"code": data.hometown_area_code},
            )
        return found
    return None


def parse_reference(value: str) -> int | None:
    """The request id of a reference number (``XQ-000002``, case and the hyphen optional), None when malformed."""
    match = _REFERENCE.match(value.strip())
    return int(match.group(1)) if match and 0 < int(match.group(1)) < 2**63 else None


def new_follow_up_code() -> str:
    """A fresh random follow-up code, ``FOLLOW_UP_LENGTH`` characters in two groups (``K7MQ-2PXR``)."""
    raw = "".join(secrets.choice(FOLLOW_UP_ALPHABET) for _ in range(FOLLOW_UP_LENGTH))
    half = FOLLOW_UP_LENGTH // 2
    return f"{raw[:half]}-{raw[half:]}"


def normalize_code(value: str) -> str:
    """A typed follow-up code as stored: upper case, spaces and hyphens dropped (full-width forms folded)."""
    folded = unicodedata.normalize("NFKC", value or "").upper()
    return "".join(c for c in folded if c.isalnum())[: FOLLOW_UP_LENGTH * 2]


def follow_up_hash(secret: str, code: str) -> str:
    """The keyed hash (HMAC-SHA-256, hex) a follow-up code is stored as; the code itself is never stored."""
    return hmac.new(
        f"family-follow-up:{secret}".encode(), normalize_code(code).encode(), hashlib.sha256
    ).hexdigest()


def county_named_in(conn: Connection, hometown: str | None) -> str | None:
    """The code of the one county whose name the typed hometown contains (narrowed by a city it also names), else
    None: no county named, or more than one."""
    if not hometown:
        return None
    named = conn.execute(
        text(
            "SELECT code, level FROM areas WHERE level IN ('city', 'county') AND char_length(name) >= 2 "
            "AND strpos(:t, name) > 0"
        ),
        {"t": hometown},
    ).all()
    counties = [r.code for r in named if r.level == "county"]
    cities = [r.code[:4] for r in named if r.level == "city"]
    if len(counties) > 1 and cities:
        counties = [c for c in counties if c[:4] in cities]
    return counties[0] if len(counties) == 1 else None


def check_request(data: FamilyRequestInput) -> dict[str, Any]:
    """The columns of a valid request (texts trimmed, phone digits only); InvalidInput naming the first fault."""
    values: dict[str, Any] = {
        "martyr_name": _text(data.martyr_name, "martyr_name", required=True),
        "requester_name": _text(data.requester_name, "requester_name", required=True),
        "hometown": _text(data.hometown, "hometown"),
        "unit": _text(data.unit, "unit"),
        "details": _text(data.details, "details"),
        "relation": _text(data.relation, "relation"),
        "contact_phone": _phone(data.contact_phone),
        "contact_email": _email(data.contact_email),
        "death_year": data.death_year,
        "martyr_id": data.martyr_id,
    }
    if values["contact_phone"] is None and values["contact_email"] is None:
        raise InvalidInput(
            "leave a phone number or an e-mail address so that staff can reach you", key="family.need_contact"
        )
    if data.death_year is not None and not MIN_YEAR <= data.death_year <= MAX_YEAR:
        raise InvalidInput(
            f"death_year {data.death_year} is not a plausible year ({MIN_YEAR}-{MAX_YEAR})",
            key="family.death_year",
            params={"year": data.death_year, "min": MIN_YEAR, "max": MAX_YEAR},
        )
    return values


def create_request(
    conn: Connection, data: FamilyRequestInput, client: str | None, secret: str | None = None
) -> dict:
    """File a request (status ``new``); returns id, reference, status, created_at and, when ``secret`` is given,
    the follow-up code (``follow_up_code``, shown once: only its keyed hash is kept). TooManyAttempts on a burst."""
    values = check_request(data)
    values["area_code"] = _area_of(conn, data) or county_named_in(conn, values["hometown"])
    if client is not None:
        lock_client(conn, PURPOSE, client)
        if filed_in_last_day(conn, "family_requests", client) >= MAX_PER_CLIENT_PER_DAY:
            raise TooManyAttempts(
                f"at most {MAX_PER_CLIENT_PER_DAY} family-search requests a day from one place; "
                "staff will answer the ones you sent",
                retry_after=3600,
                key="family.too_many_a_day",
                params={"limit": MAX_PER_CLIENT_PER_DAY},
            )
    values["client_hash"] = client
    code = new_follow_up_code() if secret is not None else None
    if code is not None:
        values["follow_up_hash"] = follow_up_hash(secret, code)
    names = ", ".join(values)
    row = conn.execute(
        text(
            f"INSERT INTO family_requests ({names}) VALUES ({', '.join(':' + k for k in values)}) "
            "RETURNING id, status, created_at"
        ),
        values,
    ).one()
    created = {
        "id": row.id,
        "reference": reference(row.id),
        "status": row.status,
        "created_at": row.created_at.isoformat(),
    }
    if code is not None:
        created["follow_up_code"] = code
    return created


def _as_dict(row) -> dict:
    out = dict(row._mapping)
    for key in ("created_at", "updated_at"):
        out[key] = out[key].isoformat()
    out["reference"] = reference(out["id"])
    return out


def _read(conn: Connection, request_id: int, lock: bool = False) -> dict:
    row = conn.execute(
        text(f"SELECT {_COLUMNS} FROM family_requests WHERE id = :id" + (" FOR UPDATE" if lock else "")),
        {"id": request_id},
    ).first()
    if row is None:
        raise NotFound(
            f"no family-search request with id {request_id}",
            key="family.not_found",
            params={"id": request_id},
        )
    return _as_dict(row)


def request_notes(conn: Connection, request_id: int, public_only: bool = False) -> list[dict]:
    """The notes of a request, oldest first: id, public, body, author (username, None for the public view),
    created_at (ISO 8601); only the public ones when ``public_only``."""
    rows = conn.execute(
        text(
            "SELECT n.id, n.public, n.body, a.username AS author, n.created_at FROM family_request_notes n "
            "LEFT JOIN accounts a ON a.id = n.author_id WHERE n.request_id = :id"
            + (" AND n.public" if public_only else "")
            + " ORDER BY n.created_at, n.id"
        ),
        {"id": request_id},
    )
    notes = []
    for row in rows:
        note = {
            "id": row.id,
            "public": row.public,
            "body": row.body,
            "created_at": row.created_at.isoformat(),
        }
        if not public_only:
            note["author"] = row.author
        notes.append(note)
    return notes


def get_request(conn: Connection, principal: Principal, request_id: int) -> dict:
    """One request with its notes, for staff of its area (401 for the public, 403 outside the area, 404 when
    absent)."""
    require_right(principal, "family_requests.read")
    found = _read(conn, request_id)
    authorize(principal, "family_requests.read", [found["area_code"]])
    found["notes"] = request_notes(conn, request_id)
    return found


def area_names(conn: Connection, codes: list[str | None]) -> dict[str, str]:
    """The names of the areas ``codes`` as ``name (code)``, for the areas that exist."""
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    rows = conn.execute(text("SELECT code, name FROM areas WHERE code = ANY(:c)"), {"c": wanted})
    return {row.code: f"{row.name} ({row.code})" for row in rows}


def has_follow_up(conn: Connection, request_id: int) -> bool:
    """Whether the requester of ``request_id`` was given a follow-up code (requests filed before had none)."""
    found = conn.execute(
        text("SELECT follow_up_hash IS NOT NULL FROM family_requests WHERE id = :id"), {"id": request_id}
    ).scalar()
    return bool(found)


def status_counts(conn: Connection, principal: Principal) -> dict[str, int]:
    """How many requests of the caller's area are at each status (every status present, 0 when none)."""
    require_right(principal, "family_requests.read")
    where, params = "true", {}
    if principal.area_code is not None:
        where, params = (
            "area_code LIKE :mine",
            {"mine": (principal.area_prefix or area_prefix(principal.area_code)) + "%"},
        )
    rows = conn.execute(
        text(f"SELECT status, count(*) AS n FROM family_requests WHERE {where} GROUP BY status"), params
    )
    counts = dict.fromkeys(FAMILY_REQUEST_STATUSES, 0)
    counts.update({row.status: row.n for row in rows})
    return counts


@dataclass(frozen=True)
class FamilyRequestFilter:
    """Which requests to list: a status and/or an area (inside the caller's own)."""

    status: str | None = None
    area: str | None = None


def _check_status(status: str) -> None:
    if status not in FAMILY_REQUEST_STATUSES:
        raise InvalidInput(
            f"unknown status {status!r}; expected one of: {', '.join(FAMILY_REQUEST_STATUSES)}",
            key="family.unknown_status",
            params={"status": status},
        )


def list_requests(
    conn: Connection, principal: Principal, flt: FamilyRequestFilter, limit: int, offset: int
) -> tuple[int, list[dict]]:
    """Requests in the caller's area (and ``flt``), newest first, with their count."""
    require_right(principal, "family_requests.read")
    where, params = ["true"], {}
    if flt.area is not None:
        authorize(principal, "family_requests.read", [flt.area])
        where.append("area_code LIKE :area")
        params["area"] = area_prefix(flt.area) + "%"
    elif principal.area_code is not None:
        where.append("area_code LIKE :mine")
        params["mine"] = (principal.area_prefix or area_prefix(principal.area_code)) + "%"
    if flt.status is not None:
        _check_status(flt.status)
        where.append("status = :status")
        params["status"] = flt.status
    cond = " AND ".join(where)
    total = conn.execute(text(f"SELECT count(*) FROM family_requests WHERE {cond}"), params).scalar_one()
    rows = conn.execute(
        text(
            f"SELECT {_COLUMNS} FROM family_requests WHERE {cond} "
            "ORDER BY created_at DESC, id DESC LIMIT :l OFFSET :o"
        ),
        {**params, "l": limit, "o": offset},
    )
    return total, [_as_dict(r) for r in rows]


def _current(
    conn: Connection, principal: Principal, request_id: int, version: int | None, precondition: bool
) -> dict:
    """The request, locked, when the caller may update it and read it at ``version``; else the refusal."""
    current = _read(conn, request_id, lock=True)
    authorize(principal, "family_requests.update", [current["area_code"]])
    if version is None:
        raise VersionRequired(
            f'send the version you read: If-Match: W/"{current["version"]}" or a version field',
            key="family.version_required",
        )
    if version != current["version"]:
        stale = StaleVersion(
            f"request {request_id} is at version {current['version']}, not {version}: someone changed it "
            "since you read it; merge with the current state and retry",
            {**current, "notes": request_notes(conn, request_id)},
            precondition,
        )
        stale.key, stale.params = "family.stale", {"version": current["version"], "given": version}
        raise stale
    return current


def reissue_follow_up_code(
    conn: Connection, actor: Actor, request_id: int, version: int | None, precondition: bool, secret: str
) -> dict:
    """A new follow-up code for request ``request_id`` (one filed before codes, or whose code was lost): the old
    one stops working and the wrong codes counted against the request are forgotten; audited without the code.
    Returns the request with its notes and ``follow_up_code``, shown this once, for staff to tell the requester."""
    principal = actor.principal
    require_right(principal, "family_requests.update")
    current = _current(conn, principal, request_id, version, precondition)
    code = new_follow_up_code()
    conn.execute(
        text(
            "UPDATE family_requests SET follow_up_hash = :h, handled_by = :by, updated_at = now() WHERE id = :id"
        ),
        {"h": follow_up_hash(secret, code), "by": principal.user_id, "id": request_id},
    )
    conn.execute(
        text("DELETE FROM family_follow_up_attempts WHERE request_id = :id AND NOT succeeded"),
        {"id": request_id},
    )
    after = _read(conn, request_id)
    after["notes"] = request_notes(conn, request_id)
    record(
        conn,
        actor,
        "update",
        "family_requests",
        request_id,
        current["area_code"],
        {"version": current["version"]},
        {"version": after["version"], "follow_up_code": "issued"},
    )
    return {**after, "follow_up_code": code}


def update_request(
    conn: Connection,
    actor: Actor,
    request_id: int,
    changes: dict[str, Any],
    version: int | None,
    precondition: bool,
) -> dict:
    """Set ``status`` and/or ``staff_note`` and add a public and/or an internal note (``public_note``,
    ``internal_note``) under the version the caller read; audited; returns the request with its notes."""
    principal = actor.principal
    require_right(principal, "family_requests.update")
    unknown = set(changes) - {"status", "staff_note", "public_note", "internal_note"}
    if unknown:
        raise InvalidInput(
            f"only status, staff_note and notes can be changed, not {', '.join(sorted(unknown))}",
            key="family.unknown_change",
        )
    notes = {
        public: _text(changes.get(field), field)
        for public, field in ((True, "public_note"), (False, "internal_note"))
    }
    if not changes or ({"status", "staff_note"}.isdisjoint(changes) and not any(notes.values())):
        raise InvalidInput("nothing to change: send a status, a note or both", key="family.nothing_to_change")
    current = _current(conn, principal, request_id, version, precondition)
    values: dict[str, Any] = {}
    if "status" in changes:
        if changes["status"] is None:
            raise InvalidInput("status cannot be empty", key="family.unknown_status", params={"status": ""})
        _check_status(changes["status"])
        values["status"] = changes["status"]
    if "staff_note" in changes:
        values["staff_note"] = _text(changes["staff_note"], "staff_note")
    sets = "".join(f"{k} = :{k}, " for k in values)
    conn.execute(
        text(f"UPDATE family_requests SET {sets}handled_by = :by, updated_at = now() WHERE id = :id"),
        {**values, "by": principal.user_id, "id": request_id},
    )
    added = [{"public": public, "body": body} for public, body in notes.items() if body]
    for note in added:
        conn.execute(
            text(
                "INSERT INTO family_request_notes (request_id, public, body, author_id) "
                "VALUES (:id, :public, :body, :by)"
            ),
            {**note, "id": request_id, "by": principal.user_id},
        )
    after = _read(conn, request_id)
    after["notes"] = request_notes(conn, request_id)
    before_public = {k: current[k] for k in ("status", "staff_note", "version")}
    after_public = {k: after[k] for k in ("status", "staff_note", "version")}
    if added:
        after_public["notes_added"] = added
    record(
        conn,
        actor,
        "update",
        "family_requests",
        request_id,
        current["area_code"],
        before_public,
        after_public,
    )
    return after


# -- the requester's follow-up -----------------------------------------------------------------------------------


def _locked_for(conn: Connection, column: str, value: Any, limit: int) -> float:
    """Seconds until the failed checks of this request (or client) in the window fall below ``limit``; 0: free."""
    row = conn.execute(
        text(
            "SELECT EXTRACT(EPOCH FROM attempted_at + make_interval(secs => :window) - now()) "
            f"FROM family_follow_up_attempts WHERE {column} = :value AND NOT succeeded "
            "AND attempted_at > now() - make_interval(secs => :window) "
            "ORDER BY attempted_at DESC OFFSET :skip LIMIT 1"
        ),
        {"value": value, "window": FOLLOW_UP_WINDOW_S, "skip": limit - 1},
    ).scalar()
    return max(0.0, float(row)) if row is not None else 0.0


def follow_request(conn: Connection, request_id: int, code: str, secret: str, client: str) -> dict | None:
    """What the requester may see of request ``request_id`` when ``code`` is its follow-up code: reference,
    martyr_name, status, created_at, updated_at and the public notes (body, created_at); None when the code does not
    match or there is no such request (recorded, in this transaction). TooManyAttempts, before anything is compared,
    after too many wrong codes for this request or from this client (``client``: a keyed hash of its address)."""
    # one check at a time per request, so parallel guesses cannot slip past the count
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 13))"), {"k": f"fu:{request_id}"})
    wait = max(
        _locked_for(conn, "request_id", request_id, FOLLOW_UP_FAILURES),
        _locked_for(conn, "client_hash", client, FOLLOW_UP_CLIENT_FAILURES),
    )
    if wait > 0:
        raise TooManyAttempts(
            "too many wrong follow-up codes: try again later",
            retry_after=int(wait) + 1,
            key="family.follow_up.too_many",
            params={"minutes": int(wait) // 60 + 1},
        )
    row = conn.execute(
        text(
            "SELECT id, martyr_name, status, follow_up_hash, created_at, updated_at FROM family_requests "
            "WHERE id = :id"
        ),
        {"id": request_id},
    ).first()
    stored = row.follow_up_hash if row is not None and row.follow_up_hash else _DUMMY_HASH
    given = normalize_code(code)
    matches = hmac.compare_digest(stored, follow_up_hash(secret, given))
    ok = matches and row is not None and row.follow_up_hash is not None and len(given) == FOLLOW_UP_LENGTH
    conn.execute(
        text(
            "INSERT INTO family_follow_up_attempts (request_id, client_hash, succeeded) VALUES (:id, :c, :ok)"
        ),
        {"id": request_id, "c": client, "ok": ok},
    )
    conn.execute(text("DELETE FROM family_follow_up_attempts WHERE attempted_at < now() - interval '1 day'"))
    if not ok:
        return None
    return {
        "reference": reference(row.id),
        "martyr_name": row.martyr_name,
        "status": row.status,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "notes": request_notes(conn, row.id, public_only=True),
    }
