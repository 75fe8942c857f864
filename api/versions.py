"""Optimistic locking over HTTP: the weak ETag of a versioned record and the version a write carries.

A GET answers with ``ETag: W/"<version>"``. A write sends that version back, either in the ``If-Match`` header
(stale: 412) or as a ``version`` field (stale: 409); with neither the domain answers 428. Used by every
versioned resource (sites, work orders), so the parsing lives here once.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header

from geo.errors import InvalidInput

_ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,9})"\s*$')

IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description='W/"<version>": the ETag of the GET this write is based on'),
]


def etag(version: int) -> str:
    """The weak ETag of a record at ``version``."""
    return f'W/"{version}"'


def read_version(if_match: str | None, field: int | None) -> tuple[int | None, bool]:
    """The version the caller read and whether it came as If-Match (412 when stale) or a field (409)."""
    if if_match is None:
        return field, False
    m = _ETAG.match(if_match)
    if m is None:
        raise InvalidInput('If-Match must be the ETag a GET returned, e.g. W/"3" (not * nor a list)')
    version = int(m.group(1))
    if field is not None and field != version:
        raise InvalidInput(f"If-Match says version {version} but the body says {field}")
    return version, True
