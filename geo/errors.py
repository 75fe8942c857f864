"""Domain errors raised by geo/; api/ maps each class to one HTTP status in one table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """Base of every error the domain reports to a caller.

    ``message`` is the reason in English (logs, the command line). ``key`` names the reason's entry in the message
    catalogue (web/i18n.py, ``error.<key>``) and ``params`` fills it in, so HTTP answers give the reason in the
    caller's language; an error without a key is answered with its message."""

    def __init__(
        self, message: str, *, key: str | None = None, params: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.key = key
        self.params: dict[str, Any] = dict(params or {})


class NotFound(DomainError):
    """The requested record does not exist."""


class InvalidInput(DomainError):
    """The input breaks a rule of the domain (bad geometry, unknown code, impossible value)."""


class InvalidParameter(InvalidInput):
    """A query parameter is malformed, unknown or out of range (OGC API answers these with 400)."""


class PayloadTooLarge(InvalidInput):
    """An upload is larger than its limit (bytes, or pixels of an image); the message names the limit."""


class UnsupportedMediaType(InvalidInput):
    """An upload is not of an accepted kind (a photo that does not decode as JPEG, PNG or WebP)."""


class RetryLater(DomainError):
    """A refusal that passes after ``retry_after`` seconds (at least 1; answered with Retry-After)."""

    def __init__(
        self,
        message: str,
        retry_after: int,
        *,
        key: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, key=key, params=params)
        self.retry_after = max(1, int(retry_after))


class Busy(RetryLater):
    """The server is at its limit of this kind of work right now (uploads, image decoding): retry after
    ``retry_after`` seconds (HTTP 503)."""


class Conflict(DomainError):
    """The write conflicts with existing data (duplicate code, still referenced)."""


class DatabaseUnavailable(DomainError):
    """The database cannot be reached or set up."""


class Unauthorized(DomainError):
    """No valid credentials were presented for something that needs them (or the password was wrong).

    ``error`` is the OAuth 2.0 bearer error code for the challenge (``invalid_token`` for a bad token).
    """

    def __init__(
        self,
        message: str,
        error: str | None = None,
        *,
        key: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, key=key, params=params)
        self.error = error


class Forbidden(DomainError):
    """The caller is known but has no right to this action here (role, or area outside its own)."""


class TooManyAttempts(RetryLater):
    """Too many failed logins lately: try again after ``retry_after`` seconds."""


class StaleVersion(Conflict):
    """An update carried a version that is no longer current; ``current`` is the record as it stands now.

    ``precondition`` is True when the version came in an ``If-Match`` header (HTTP 412), False when it came as a
    ``version`` field (HTTP 409).
    """

    def __init__(self, message: str, current: dict, precondition: bool) -> None:
        super().__init__(message)
        self.current = current
        self.precondition = precondition


class VersionRequired(DomainError):
    """An update of a versioned record came without its version (neither ``If-Match`` nor a ``version`` field)."""
