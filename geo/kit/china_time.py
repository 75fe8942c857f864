"""The clock the bureaus live by: China Standard Time (UTC+8, no daylight saving), one definition for every part.

Times are stored in UTC (``timestamptz``); days (an inspection's date, a schedule's due day, an audit filter's
"from" and "to") are China's calendar days.
"""

from __future__ import annotations

import datetime as dt

CHINA_TIME = dt.timezone(dt.timedelta(hours=8), "CST")
"""China Standard Time."""


def china_now() -> dt.datetime:
    """Now, in China Standard Time."""
    return dt.datetime.now(CHINA_TIME)


def china_today() -> dt.date:
    """Today's date in China."""
    return china_now().date()


def china_day_bounds(
    first: dt.date | None, last: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The times (``since`` inclusive, ``until`` exclusive) covering China's calendar days ``first`` to ``last``."""
    since = dt.datetime.combine(first, dt.time(), CHINA_TIME) if first is not None else None
    until = None
    if last is not None and last < dt.date.max:  # the calendar's last day bounds nothing
        until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), CHINA_TIME)
    return since, until
