"""Family-search requests (寻亲): a relative leaves what they know of a martyr and a contact; staff handle them.

- Anyone may file a request (the public form ``/family-search`` and ``POST /api/v1/family-requests``); it gets a
  reference number (``XQ-000123``). Nothing is stored unless every field passes: the martyr's name and the
  requester's name are required, a phone or an e-mail is required and must be well-formed, every text is bounded.
- A request belongs to an area: the linked martyr record's area (else its hometown area), else the hometown area
  the requester chose; with none known it belongs to the whole atlas, so only national staff see it.
- Staff read and update requests in their area (``family_requests.read`` / ``family_requests.update`` in
  geo/accounts/permissions.py); the requester's contact is personal data, never shown to the public. Updates carry the
  version the caller read (StaleVersion / VersionRequired like sites) and are audited.
- The client address is kept only as a keyed hash, to refuse bursts beyond ``MAX_PER_CLIENT_PER_DAY``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from geo.accounts.audit import Actor, record
from geo.accounts.permissions import area_prefix, authorize, require_right
from geo.errors import InvalidInput, NotFound, StaleVersion, TooManyAttempts, VersionRequired
from geo.models import FAMILY_REQUEST_STATUSES
from geo.principal import Principal

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
}
"""Longest accepted text of each field, in characters."""

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
    return hmac.new(f"family-request:{secret}".encode(), address.encode(), hashlib.sha256).hexdigest()


def _text(value: str | None, field: str, required: bool = False) -> str | None:
    cleaned = None if value is None else unicodedata.normalize("NFC", value).strip()
    if not cleaned:
        if required:
            raise InvalidInput(f"{field} is required")
        return None
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in cleaned):
        raise InvalidInput(f"{field} must not contain control characters")
    if len(cleaned) > LIMITS[field]:
        raise InvalidInput(f"{field} is too long: {len(cleaned)} characters, at most {LIMITS[field]}")
    return cleaned


def _phone(value: str | None) -> str | None:
    phone = _text(value, "contact_phone")
    if phone is None:
        return None
    digits = re.sub(r"\D", "", phone)
    if not _PHONE_CHARS.match(phone) or not 7 <= len(digits) <= 15:
        raise InvalidInput(
            f"contact_phone {phone!r} is not a phone number: 7 to 15 digits (a leading + and spaces, "
            "hyphens or brackets allowed), e.g. 13800138000 or 0719-8123456"
        )
    return ("+" if phone.startswith("+") else "") + digits


def _email(value: str | None) -> str | None:
    email = _text(value, "contact_email")
    if email is None:
        return None
    if not _EMAIL.match(email):
        raise InvalidInput(f"contact_email {email!r} is not an e-mail address, e.g. name@example.cn")
    return email


def _area_of(conn: Connection, data: FamilyRequestInput) -> str | None:
    """The request's area: the martyr's area or hometown area, else the given hometown area, else None."""
    if data.martyr_id is not None:
        row = conn.execute(
            text("SELECT area_code, hometown_area_code FROM martyrs WHERE id = :id"), {"id": data.martyr_id}
        ).first()
        if row is None:
            raise InvalidInput(f"martyr_id {data.martyr_id}: there is no martyr record with that id")
        if row.area_code or row.hometown_area_code:
            return row.area_code or row.hometown_area_code
    if data.hometown_area_code is not None:
        found = conn.execute(
            text("SELECT code FROM areas WHERE code = :c"), {"c": data.hometown_area_code}
        ).scalar_one_or_none()
        if found is None:
            raise InvalidInput(f"hometown_area_code {data.hometown_area_code!r}: no such area")
        return found
    return None


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
        raise InvalidInput("leave a phone number or an e-mail address so that staff can reach you")
    if data.death_year is not None and not MIN_YEAR <= data.death_year <= MAX_YEAR:
        raise InvalidInput(f"death_year {data.death_year} is not a plausible year ({MIN_YEAR}-{MAX_YEAR})")
    return values


def create_request(conn: Connection, data: FamilyRequestInput, client: str | None) -> dict:
    """File a request (status ``new``); returns id, reference, status, created_at. TooManyAttempts on a burst."""
    values = check_request(data)
    values["area_code"] = _area_of(conn, data)
    if client is not None:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 11))"), {"k": f"fr:{client}"})
        recent = conn.execute(
            text(
                "SELECT count(*) FROM family_requests WHERE client_hash = :c "
                "AND created_at > now() - interval '1 day'"
            ),
            {"c": client},
        ).scalar_one()
        if recent >= MAX_PER_CLIENT_PER_DAY:
            raise TooManyAttempts(
                f"at most {MAX_PER_CLIENT_PER_DAY} family-search requests a day from one place; "
                "staff will answer the ones you sent",
                retry_after=3600,
            )
    values["client_hash"] = client
    names = ", ".join(values)
    row = conn.execute(
        text(
            f"INSERT INTO family_requests ({names}) VALUES ({', '.join(':' + k for k in values)}) "
            "RETURNING id, status, created_at"
        ),
        values,
    ).one()
    return {
        "id": row.id,
        "reference": reference(row.id),
        "status": row.status,
        "created_at": row.created_at.isoformat(),
    }


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
        raise NotFound(f"no family-search request with id {request_id}")
    return _as_dict(row)


def get_request(conn: Connection, principal: Principal, request_id: int) -> dict:
    """One request, for staff of its area (401 for the public, 403 outside the area, 404 when absent)."""
    require_right(principal, "family_requests.read")
    found = _read(conn, request_id)
    authorize(principal, "family_requests.read", [found["area_code"]])
    return found


@dataclass(frozen=True)
class FamilyRequestFilter:
    """Which requests to list: a status and/or an area (inside the caller's own)."""

    status: str | None = None
    area: str | None = None


def _check_status(status: str) -> None:
    if status not in FAMILY_REQUEST_STATUSES:
        raise InvalidInput(
            f"unknown status {status!r}; expected one of: {', '.join(FAMILY_REQUEST_STATUSES)}"
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


def update_request(
    conn: Connection,
    actor: Actor,
    request_id: int,
    changes: dict[str, Any],
    version: int | None,
    precondition: bool,
) -> dict:
    """Set ``status`` and/or ``staff_note`` under the version the caller read; audited; returns the request."""
    principal = actor.principal
    require_right(principal, "family_requests.update")
    unknown = set(changes) - {"status", "staff_note"}
    if unknown:
        raise InvalidInput(f"only status and staff_note can be changed, not {', '.join(sorted(unknown))}")
    if not changes:
        raise InvalidInput("nothing to change: send status and/or staff_note")
    current = _read(conn, request_id, lock=True)
    authorize(principal, "family_requests.update", [current["area_code"]])
    if version is None:
        raise VersionRequired(
            f'send the version you read: If-Match: W/"{current["version"]}" or a version field'
        )
    if version != current["version"]:
        raise StaleVersion(
            f"request {request_id} is at version {current['version']}, not {version}: someone changed it "
            "since you read it; merge with the current state and retry",
            current,
            precondition,
        )
    values: dict[str, Any] = {}
    if "status" in changes:
        if changes["status"] is None:
            raise InvalidInput("status cannot be empty")
        _check_status(changes["status"])
        values["status"] = changes["status"]
    if "staff_note" in changes:
        values["staff_note"] = _text(changes["staff_note"], "staff_note")
    sets = ", ".join(f"{k} = :{k}" for k in values)
    conn.execute(
        text(f"UPDATE family_requests SET {sets}, handled_by = :by, updated_at = now() WHERE id = :id"),
        {**values, "by": principal.user_id, "id": request_id},
    )
    after = _read(conn, request_id)
    before_public = {k: current[k] for k in ("status", "staff_note", "version")}
    after_public = {k: after[k] for k in ("status", "staff_note", "version")}
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
