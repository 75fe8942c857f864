"""Bulk reads and writes for the coverage runs: PostgreSQL binary COPY to and from numpy arrays.

Reads take a SELECT whose columns are all NOT NULL and of fixed width (bigint, integer, double precision,
boolean, or text of one known length), so every row has the same size and the whole result is one numpy
structured array, with no per-row Python. Writes group rows by which columns are NULL and lay each group
out the same way.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection

_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_HEADER = _SIGNATURE + struct.pack(">ii", 0, 0)
_TRAILER = struct.pack(">h", -1)

# numpy big-endian wire type of each PostgreSQL type we move
_WIRE = {"int8": ">i8", "int4": ">i4", "float8": ">f8", "bool": "u1"}


@dataclass(frozen=True)
class Field:
    """One column of a binary COPY: its name and wire type (int8, int4, float8, bool, or text:N bytes)."""

    name: str
    kind: str

    @property
    def wire(self) -> str:
        if self.kind.startswith("text:"):
            return f"S{int(self.kind[5:])}"
        return _WIRE[self.kind]

    @property
    def width(self) -> int:
        return np.dtype(self.wire).itemsize


def _raw(conn: Connection):
    return conn.connection.dbapi_connection


def copy_out(conn: Connection, select_sql: str, fields: list[Field]) -> dict[str, np.ndarray]:
    """Run ``COPY (select_sql) TO STDOUT`` in binary on conn's transaction; one native array per field."""
    buf = io.BytesIO()
    with _raw(conn).cursor() as cur:
        cur.copy_expert(f"COPY ({select_sql}) TO STDOUT WITH (FORMAT binary)", buf)
    data = buf.getbuffer()
    if bytes(data[: len(_SIGNATURE)]) != _SIGNATURE:
        raise ValueError("not a PostgreSQL binary COPY stream")
    ext = struct.unpack_from(">i", data, len(_SIGNATURE) + 4)[0]
    start = len(_HEADER) + ext
    layout = [("nfields", ">i2")]
    for f in fields:
        layout += [(f"len_{f.name}", ">i4"), (f.name, f.wire)]
    row = np.dtype(layout)
    body = len(data) - start - len(_TRAILER)
    if body % row.itemsize:
        raise ValueError(
            "COPY rows are not of the fixed width expected (a NULL or a text of another length?)"
        )
    rows = np.frombuffer(data, dtype=row, count=body // row.itemsize, offset=start)
    if len(rows) and (
        np.any(rows["nfields"] != len(fields))
        or any(np.any(rows[f"len_{f.name}"] != f.width) for f in fields)
    ):
        raise ValueError("COPY rows do not have the fields expected")
    return {f.name: rows[f.name].astype(rows[f.name].dtype.newbyteorder("=")) for f in fields}


def copy_in(
    conn: Connection,
    table: str,
    columns: list[tuple[Field, np.ndarray, np.ndarray | None]],
    freeze: bool = False,
) -> int:
    """``COPY table FROM STDIN`` in binary on conn's transaction: (field, values, null mask or None) per column.

    ``freeze``: rows written frozen (COPY FREEZE; the table must have been created or truncated in this
    subtransaction), so that their first readers need not set hint bits on every page."""
    n = len(columns[0][1]) if columns else 0
    if n == 0:
        return 0
    if len(columns) > 62:
        raise ValueError("copy_in handles at most 62 columns")
    masks = np.zeros((n, len(columns)), dtype=bool)
    for j, (_, _, nulls) in enumerate(columns):
        if nulls is not None:
            masks[:, j] = nulls
    key = masks.astype(np.int64) @ (np.int64(1) << np.arange(len(columns), dtype=np.int64))
    patterns, group = np.unique(key, return_inverse=True)  # one 1-D key: far faster than unique rows
    group = group.reshape(-1)
    chunks = [_HEADER]
    for g in range(len(patterns)):
        rows = np.flatnonzero(group == g)
        null_cols = masks[rows[0]]
        layout = [("nfields", ">i2")]
        for j, (f, _, _) in enumerate(columns):
            layout.append((f"len_{j}", ">i4"))
            if not null_cols[j]:
                layout.append((f"v_{j}", f.wire))
        template = np.zeros(1, dtype=np.dtype(layout))
        template["nfields"] = len(columns)
        for j, (f, _, _) in enumerate(columns):
            template[f"len_{j}"] = -1 if null_cols[j] else f.width
        # every record starts as the template (a memory copy); then only the values are filled in
        out = np.repeat(template, len(rows))
        for j, (f, values, _) in enumerate(columns):
            if not null_cols[j]:
                # byte-swap in an aligned array first: casting straight into the packed field is slow
                out[f"v_{j}"] = values[rows].astype(f.wire, copy=False)
        chunks.append(out.tobytes())
    chunks.append(_TRAILER)
    names = ", ".join(f.name for f, _, _ in columns)
    with _raw(conn).cursor() as cur:
        cur.copy_expert(
            f"COPY {table} ({names}) FROM STDIN WITH (FORMAT binary{', FREEZE' if freeze else ''})",
            io.BytesIO(b"".join(chunks)),
        )
    return n
