"""Liveness and database check."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from api.deps import EngineDep
from geo.health import database_health

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(engine: EngineDep) -> JSONResponse:
    """200 with the PostGIS version when the database answers, 503 otherwise."""
    try:
        info = database_health(engine)
    except SQLAlchemyError as exc:
        return JSONResponse({"status": "error", "database": "unavailable", "detail": type(exc).__name__}, 503)
    return JSONResponse({"status": "ok", **info})
