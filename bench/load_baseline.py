"""The ceiling the load benchmark compares our public reads with: a bare Starlette app, no middleware, that answers
``/ogc/collections/stations/items?bbox=&limit=`` with one SQL statement building the same GeoJSON page as ours
(bench/features_vs_tipg.py ``items_sql``: same properties, count included) on a psycopg 3 connection pool.

``uvicorn --factory bench.load_baseline:create_baseline_app``; the DSN comes from BENCH_BASELINE_DSN. No field
policy, no validation beyond the bbox floats, no links, no error table: what is left is HTTP + pool + the SQL.
"""

from __future__ import annotations

import os
import sys
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from psycopg_pool import AsyncConnectionPool  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import PlainTextResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402


def page_sql(limit: int) -> str:
    """features_vs_tipg's pgbench page SQL with the bbox as four parameters instead of a row of bench.bboxes."""
    from bench.features_vs_tipg import items_sql

    sql = items_sql(limit).split("\n", 1)[1].strip()  # drop pgbench's \set line
    table, where = f" FROM bench.bboxes_{limit} b,", " WHERE b.id = :i;"
    if table not in sql or not sql.endswith(where):
        raise SystemExit("bench/features_vs_tipg.py items_sql changed shape; adapt page_sql")
    params = "(SELECT %s::float8 AS minx, %s::float8 AS miny, %s::float8 AS maxx, %s::float8 AS maxy) b,"
    return sql.replace(table, " FROM " + params)[: -len(where)]


def create_baseline_app() -> Starlette:
    """The bare items endpoint on the database named by BENCH_BASELINE_DSN."""
    pool = AsyncConnectionPool(os.environ["BENCH_BASELINE_DSN"], min_size=4, max_size=10, open=False)
    statements: dict[int, str] = {}

    async def items(request: Request) -> Response:
        try:
            bbox = [float(v) for v in request.query_params["bbox"].split(",")]
            limit = int(request.query_params.get("limit", "100"))
        except (KeyError, ValueError):
            return PlainTextResponse("bbox=minx,miny,maxx,maxy and limit are needed", status_code=400)
        if len(bbox) != 4 or not 1 <= limit <= 1000:
            return PlainTextResponse("bbox has four numbers, limit 1-1000", status_code=400)
        sql = statements.setdefault(limit, page_sql(limit))
        async with pool.connection() as conn:
            row = await (await conn.execute(sql, bbox, prepare=True)).fetchone()
        return Response(row[0], media_type="application/geo+json")

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    @asynccontextmanager
    async def lifespan(_: Starlette):
        await pool.open(wait=True)
        try:
            yield
        finally:
            await pool.close()

    return Starlette(
        routes=[Route("/ogc/collections/stations/items", items), Route("/healthz", health)], lifespan=lifespan
    )
