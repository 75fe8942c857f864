"""Liveness and database check, with the read replicas' state and lag."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from api.deps import EngineDep
from geo.database.health import database_health, replica_health

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(engine: EngineDep, request: Request) -> JSONResponse:
    """200 with the PostGIS version when the primary answers, 503 otherwise; with replicas, each one's state and lag.

    A replica that is down or lagging does not fail the check (reads fall back to the primary); it is reported.
    """
    replicas = request.app.state.replica_set
    extra = {"replicas": replica_health(replicas)} if replicas else {}
    try:
        info = database_health(engine)
    except SQLAlchemyError as exc:
        body = {"status": "error", "database": "unavailable", "detail": type(exc).__name__, **extra}
        return JSONResponse(body, 503)
    return JSONResponse({"status": "ok", **info, **extra})
