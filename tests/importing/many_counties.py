"""A country's worth of counties for the import page's county choice (issue 23): 2,900 synthetic counties under
one synthetic province (99, 测试省) and 30 cities, added for a test and removed after it. Data, not tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

PROVINCE = "990000"
CITIES = 30
PER_CITY = 97  # 30 × 97 = 2,910 counties, about the nation's 2,850
COUNT = CITIES * PER_CITY


def county_code(city: int, county: int) -> str:
    """The code of the synthetic county ``county`` (1–97) of the city ``city`` (1–30)."""
    return f"99{city:02d}{county:02d}"


def county_name(city: int, county: int) -> str:
    """The name of a synthetic county: 测试3市7县."""
    return f"测试{city}市{county}县"


@contextmanager
def many_counties(engine: Engine) -> Iterator[None]:
    """The synthetic province, its cities and counties, stored for the ``with`` block and removed after it."""
    point = "ST_SetSRID(ST_MakePoint(100, 30), 4326)"
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO areas (code, name, level, parent_code, point, synthetic) "
                f"VALUES (:p, '测试省', 'province', NULL, {point}, true)"
            ),
            {"p": PROVINCE},
        )
        conn.execute(
            text(
                "INSERT INTO areas (code, name, level, parent_code, point, synthetic) "
                f"SELECT '99' || lpad(c::text, 2, '0') || '00', '测试' || c || '市', 'city', :p, {point}, true "
                "FROM generate_series(1, :cities) c"
            ),
            {"p": PROVINCE, "cities": CITIES},
        )
        conn.execute(
            text(
                "INSERT INTO areas (code, name, level, parent_code, point, synthetic) "
                "SELECT '99' || lpad(c::text, 2, '0') || lpad(k::text, 2, '0'), '测试' || c || '市' || k || '县', "
                f"'county', '99' || lpad(c::text, 2, '0') || '00', {point}, true "
                "FROM generate_series(1, :cities) c, generate_series(1, :per) k"
            ),
            {"cities": CITIES, "per": PER_CITY},
        )
    try:
        yield
    finally:
        with engine.begin() as conn:
            for level in ("county", "city", "province"):
                conn.execute(
                    text("DELETE FROM areas WHERE code LIKE '99%' AND level = :level"), {"level": level}
                )
