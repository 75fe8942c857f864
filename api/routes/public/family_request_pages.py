"""寻亲 requests as pages: the staff list and handling (``/staff/family-requests``) and the requester's follow-up
(``/family-search/{reference}``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"], include_in_schema=False)
