"""The staff pages that edit sites on a map (``/staff/sites/…``) and check a construction polygon against the protection zones (``/staff/zones/check``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"], include_in_schema=False)
