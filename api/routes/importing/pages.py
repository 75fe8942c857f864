"""The staff pages of imports (``/staff/imports``: dry run, report, commit) and exports (``/staff/exports``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"], include_in_schema=False)
