"""What the language tests of the public pages leave on an English page: the data itself (names, addresses...),
which is shown as it was entered, in Chinese; every other Chinese character is a label left untranslated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Engine, text


def data_texts(engine: Engine, columns: Mapping[str, Sequence[str]]) -> list[str]:
    """Every non-empty value of ``columns`` (table -> its text columns), distinct, longest first (so a name is
    removed from a page before a shorter name inside it)."""
    sql = " UNION ".join(
        f"SELECT unnest(ARRAY[{', '.join(cols)}]) FROM {table}" for table, cols in columns.items()
    )
    with engine.connect() as conn:
        values = conn.execute(text(sql)).scalars()
        return sorted({v for v in values if v}, key=len, reverse=True)
