"""The campaign pages: start a Qingming or 9·30 campaign and follow it (``/staff/campaigns``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"], include_in_schema=False)
