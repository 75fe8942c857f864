"""Controlled vocabularies of the domain: the only values the database and the API accept."""

from __future__ import annotations

AREA_LEVELS = ("province", "city", "county", "township", "village")
STATION_LEVELS = AREA_LEVELS
STATION_STATUSES = ("active", "planned", "closed")
MEMORIAL_KINDS = ("hall", "monument", "tower", "statue", "square", "name_wall")
CEMETERY_KINDS = ("martyr_cemetery", "grave_area", "columbarium", "veterans_section")
PROTECTION_LEVELS = ("national", "provincial", "city", "county", "scattered")
UPKEEP_STATUSES = ("good", "fair", "poor", "damaged", "unknown")
GRAVE_KINDS = ("in_cemetery", "scattered")
GRAVE_DISPOSITIONS = ("in_place", "moved", "care_agreement")
CARE_PARTIES = ("village_committee", "relatives")

# Length of an area code at each level, and how many leading digits its descendants share.
AREA_CODE_LENGTH = {"province": 6, "city": 6, "county": 6, "township": 9, "village": 12}
AREA_CODE_PREFIX = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}


def area_code_prefix(code: str, level: str) -> str:
    """Return the leading digits every descendant of this area's code shares (GB/T 2260 scheme)."""
    return code[: AREA_CODE_PREFIX[level]]


def area_prefix(code: str, level: str | None = None) -> str:
    """Leading digits every area inside ``code`` shares; the level comes from the code when not given."""
    if level is None:
        if len(code) == 6:
            level = "province" if code.endswith("0000") else "city" if code.endswith("00") else "county"
        else:
            level = "township" if len(code) == 9 else "village"
    return area_code_prefix(code, level)
