"""The moderation page ``/staff/moderation``: tribute messages, public report photos and public reports waiting for staff."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"], include_in_schema=False)
