"""The planners' travel-time page ``/staff/travel``: road networks, travel runs, minutes to the nearest station."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"], include_in_schema=False)
