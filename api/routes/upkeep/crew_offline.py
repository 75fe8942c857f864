"""The crews' phone app: working offline (service worker, the data of my area) (issue 21)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
