"""The inspection pages: inspections of my area (``/staff/inspections``), a site's history, and the schedule (``/staff/schedule``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"], include_in_schema=False)
