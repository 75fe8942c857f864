"""JSON of background runs (coverage, siting, travel) and of timestamps, shared by their routers."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from fastapi import Request


def iso(value: dt.datetime | None) -> str | None:
    """An ISO 8601 timestamp, or None."""
    return value.isoformat() if value is not None else None


def run_json(
    request: Request, run: Any, route: str, *, drop: tuple[str, ...] = (), links: tuple = ()
) -> dict:
    """A run dataclass as JSON: timestamps in ISO 8601, ``drop`` left out, a self link to ``route``, then ``links``.

    ``links`` are (route name, rel, media type) of further links taking the run id.
    """
    data = {k: v for k, v in dataclasses.asdict(run).items() if k not in drop}
    for key, value in data.items():
        if isinstance(value, dt.datetime):
            data[key] = iso(value)
    data["links"] = [
        {"href": str(request.url_for(name, run_id=run.id)), "rel": rel, "type": media}
        for name, rel, media in ((route, "self", "application/json"), *links)
    ]
    return data
