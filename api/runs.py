"""JSON of background runs (coverage, siting, travel) and of timestamps, shared by their routers: one run schema
(``RunPublic``, which each kind extends with its own columns) and one serialiser."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import Request
from pydantic import BaseModel

from api.schemas import Link
from geo.kit.runs import RunInfo


def iso(value: dt.datetime | None) -> str | None:
    """An ISO 8601 timestamp, or None."""
    return value.isoformat() if value is not None else None


class RunPublic(BaseModel):
    """A background run; poll it while status is running. Each kind adds its own columns."""

    id: int
    status: Literal["running", "done", "failed"]
    parameters: dict[str, Any]
    started_at: str
    finished_at: str | None
    phase: str | None
    progress: float
    error: str | None
    links: list[Link]


def run_fields(run: RunInfo, schema: type[BaseModel] | None = None) -> dict[str, Any]:
    """A run's columns in the order of its table, timestamps in ISO 8601; only those ``schema`` declares, if given."""
    data = {k: v for k, v in run.as_dict().items() if schema is None or k in schema.model_fields}
    for key, value in data.items():
        if isinstance(value, dt.datetime):
            data[key] = iso(value)
    return data


def run_json(
    request: Request, run: RunInfo, schema: type[RunPublic], route: str, *, links: tuple = ()
) -> dict[str, Any]:
    """A run as its kind's ``schema`` shows it (``run_fields``), with a self link to ``route``, then ``links``.

    ``links`` are (route name, rel, media type) of further links taking the run id.
    """
    data = run_fields(run, schema)
    data["links"] = [
        {"href": str(request.url_for(name, run_id=run.id)), "rel": rel, "type": media}
        for name, rel, media in ((route, "self", "application/json"), *links)
    ]
    return data
