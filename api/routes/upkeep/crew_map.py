"""The crews' phone app: the map of my tasks (issue 21)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
