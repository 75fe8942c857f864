"""The planners' siting page ``/staff/siting``: choose a problem, run it, see and download the chosen sites."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"], include_in_schema=False)
