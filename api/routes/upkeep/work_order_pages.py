"""The work-order pages: the board by state with its map (``/staff/work-orders``) and an order's page (``/staff/work-orders/{id}``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"], include_in_schema=False)
