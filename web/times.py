"""Times as every page writes them: China time, ``YYYY-MM-DD HH:MM`` (a Jinja filter ``local_time`` too)."""

from __future__ import annotations

import datetime as dt

from geo.kit.china_time import CHINA_TIME


def local_time(value: dt.datetime | str | None, seconds: bool = False) -> str:
    """A time (a datetime or an ISO text) in China time as ``YYYY-MM-DD HH:MM``; "" for None, other text as is.

    A time without a zone is written as it is (the database hands out times with their zone)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is not None:
        value = value.astimezone(CHINA_TIME)
    return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_date(value: dt.datetime | dt.date | str | None) -> str:
    """A day (a date, or a time's day in China) as ``YYYY-MM-DD``; "" for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime) or (isinstance(value, str) and "T" in value):
        return local_time(value)[:10]
    return value.isoformat() if isinstance(value, dt.date) else value
