"""The administrators' pages: accounts and API tokens (``/staff/accounts``) and the audit log (``/staff/audit``)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"], include_in_schema=False)
