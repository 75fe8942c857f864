"""Inspection schedules: the cycle of each site and its next due date, as SQL over the site tables.

A memorial or cemetery is inspected every ``cycle_days_<protection level>`` days, a scattered grave every
``cycle_days_scattered_grave`` and a grave in a cemetery every ``cycle_days_cemetery_grave`` (UpkeepSettings,
``VETMAP_UPKEEP_CYCLE_DAYS_*``). The next due date is the last inspection date (China Standard Time) plus the
cycle; a site never inspected is due at once (``next_due_on`` NULL, reported as overdue since ever). The dates are
computed in SQL at read time, so a changed cycle applies to every site at once, without a rewrite.
"""

from __future__ import annotations

from geo.models import UPKEEP_COLLECTIONS
from geo.settings import UpkeepSettings
from geo.vocab import PROTECTION_LEVELS


def cycle_sql(collection: str, settings: UpkeepSettings, alias: str = "") -> str:
    """SQL expression of a site's inspection cycle in days (an integer) for rows of ``collection``."""
    if collection not in UPKEEP_COLLECTIONS:
        raise ValueError(f"{collection} have no inspection schedule")
    days = settings.cycle_days()  # validated integers: safe to write into the SQL
    col = f"{alias}." if alias else ""
    if collection == "graves":
        return (
            f"(CASE WHEN {col}kind = 'in_cemetery' THEN {days['cemetery_grave']} "
            f"ELSE {days['scattered_grave']} END)"
        )
    whens = " ".join(f"WHEN '{level}' THEN {days[level]}" for level in PROTECTION_LEVELS)
    return f"(CASE {col}protection_level {whens} END)"


def next_due_sql(collection: str, settings: UpkeepSettings, alias: str = "") -> str:
    """SQL expression of a site's next inspection date (a date; NULL when never inspected: due now)."""
    col = f"{alias}." if alias else ""
    return f"({col}last_inspected_on + {cycle_sql(collection, settings, alias)})"
