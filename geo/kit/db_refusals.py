"""What a write or a query the database refused says about the input, as a domain error with a catalogue key.

PostgreSQL's own text ("bigint out of range", "value too long for type character varying(200)", "new row for
relation ... violates check constraint ...") names types and relations, not what the caller sent; it is logged,
never answered. ``refusal`` reads the SQLSTATE and the structured fields of the error (the key and value of a
duplicate or a missing reference, the column of a missing value, the rule of a check) and says what was wrong
with the input: ``error.db.<kind>`` in the message catalogue (web/i18n.py), its English text as the message.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import Connection, CursorResult, Executable
from sqlalchemy.exc import DBAPIError, IntegrityError

from geo.errors import Conflict, DomainError, InvalidInput

_log = logging.getLogger(__name__)

BIGINT_MAX = 2**63 - 1
"""Largest id (PostgreSQL bigint)."""
INTEGER_MAX = 2**31 - 1
"""Largest count of an ``integer`` column (PostgreSQL int4)."""

_KEY = re.compile(r"^Key \((?P<fields>.+?)\)=\((?P<values>.*)\) (?P<rest>.*)$", re.DOTALL)
_TABLE = re.compile(r'table "(?P<table>[^"]+)"')
_VALUE_CHARS = 120


def _key_of(detail: str) -> tuple[str, str, str]:
    """(fields, values, rest) of a detail such as ``Key (code)=(450329001) already exists.``."""
    found = _KEY.match(detail.strip())
    if not found:
        return "", "", detail
    return found["fields"], found["values"][:_VALUE_CHARS], found["rest"]


def refusal(exc: DBAPIError) -> DomainError:
    """The domain error (InvalidInput or Conflict) that says what was wrong with the input the database refused;
    the database's own text goes to the log only."""
    orig = exc.orig
    code = getattr(orig, "pgcode", None) or ""
    diag = getattr(orig, "diag", None)
    detail = (getattr(diag, "message_detail", None) or "").strip()
    column = getattr(diag, "column_name", None)
    constraint = getattr(diag, "constraint_name", None)
    _log.info("database refused a statement (%s): %s", code or "no SQLSTATE", str(orig).strip()[:500])
    fields, values, rest = _key_of(detail)
    if code == "23505":
        if fields:
            return Conflict(
                f"a record with {fields} {values} exists already",
                key="db.duplicate",
                params={"field": fields, "value": values},
            )
        return Conflict("the record exists already", key="db.duplicate_record")
    if code == "23503":
        named = _TABLE.search(rest)
        table = named["table"] if named else ""
        if "still referenced" in rest:
            return Conflict(
                f"the record is still referenced by {table}",
                key="db.still_referenced",
                params={"table": table},
            )
        if fields:
            return InvalidInput(
                f"{fields} {values} names no record",
                key="db.no_such_record",
                params={"field": fields, "value": values},
            )
        return InvalidInput("the record refers to one that does not exist", key="db.missing_reference")
    if code == "23502" and column:
        return InvalidInput(f"{column} is required", key="db.required", params={"field": column})
    if code == "23514" and constraint:
        rule = constraint.removeprefix("ck_")
        return InvalidInput(f"a value breaks the rule {rule}", key="db.rule", params={"rule": rule})
    if code == "22003":
        return InvalidInput(
            f"a number is out of the range its field allows (ids up to {BIGINT_MAX}, counts up to {INTEGER_MAX})",
            key="db.out_of_range",
            params={"bigint": BIGINT_MAX, "integer": INTEGER_MAX},
        )
    if code == "22001":
        return InvalidInput("a text is longer than its field allows", key="db.too_long")
    if code.startswith("22"):  # data exceptions: a malformed date, number or geometry, ...
        return InvalidInput("a value is not of the kind its field takes", key="db.bad_value")
    return InvalidInput("the database refused a value of the request", key="db.refused")


def write_or_refuse(conn: Connection, statement: Executable) -> CursorResult:
    """Execute a write in a savepoint; a constraint it breaks is the domain error ``refusal`` names, and the
    caller's transaction stays usable."""
    try:
        with conn.begin_nested():
            return conn.execute(statement)
    except IntegrityError as exc:
        raise refusal(exc) from None
