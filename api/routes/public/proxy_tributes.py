"""Proxy tribute (代祭扫): a family far away asks the bureau to tend a martyr's grave (issue 22)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
"""The public pages (/proxy-tribute…) and the staff's handling."""
api_router = APIRouter(prefix="/proxy-tributes", tags=["proxy tribute"])
"""The JSON API, under /api/v1."""
