"""What-if prototype (bench only): the items page as one JSON text built by PostgreSQL.

Proposed for geo/ogc.py ``query_items`` and api/routes/ogc.py ``items``: the statement that already
pages, serialises and counts in one round trip also joins the features (``string_agg`` in page
order), so the route writes that text between its envelope and ``]}`` without making a Python string
per feature or joining them. Served by bench/serve_ours.py under VETMAP_BENCH_WHATIF=sql-body.
"""

from __future__ import annotations

import datetime as dt
import json

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    Text,
    case,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from api.deps import ConnDep, SettingsDep
from api.routes.sites import GEOJSON, page_links
from geo.ogc import ItemQuery, PageLimits, _feature_rows_sql, parse_item_query


def query_items_text(conn: Connection, query: ItemQuery) -> tuple[int, int, str]:
    """(numberMatched, numberReturned, the features as one comma-separated JSON text) in one round trip."""
    source = query.source
    page = (
        select(
            source.id_column.label("page_id"),
            func.row_number().over(order_by=query.order_by).label("position"),
        )
        .where(*query.where)
        .order_by(*query.order_by)
        .limit(query.limit)
        .offset(query.offset)
        .subquery("page")
    )
    rows = (
        text(_feature_rows_sql(source.id, query.crs, tuple(p.name for p in query.properties)))
        .columns(fid=source.id_column.type, feature=Text)
        .subquery("feature_rows")
    )
    features = (
        select(rows.c.feature, page.c.position)
        .select_from(rows.join(page, rows.c.fid == page.c.page_id))
        .subquery("features")
    )
    count = select(func.count()).select_from(source.table).where(*query.where).scalar_subquery()
    returned = func.count()
    matched = case(
        (returned < literal(query.limit, Integer), literal(query.offset, BigInteger) + returned),
        else_=count,
    )
    body = func.string_agg(features.c.feature, aggregate_order_by(literal_column("','"), features.c.position))
    statement = select(matched.label("matched"), returned.label("returned"), body.label("body")).select_from(
        features
    )
    row = conn.execute(statement).one()
    if row.returned == 0 and query.offset > 0:  # past the end: numberMatched still needs its count
        total = conn.execute(select(func.count()).select_from(source.table).where(*query.where)).scalar_one()
        return total, 0, ""
    return row.matched, row.returned, row.body or ""


def items(collection_id: str, request: Request, conn: ConnDep, settings: SettingsDep) -> Response:
    """As api/routes/ogc.py ``items``, with the features text from PostgreSQL."""
    params = {name: request.query_params.getlist(name) for name in request.query_params}
    query = parse_item_query(
        collection_id, params, PageLimits(settings.default_page_size, settings.max_page_size)
    )
    matched, returned, features = query_items_text(conn, query)
    head = {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": returned,
        "timeStamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": page_links(request, query.offset, query.limit, returned, matched),
    }
    envelope = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
    body = f'{envelope[:-1]},"features":[{features}]}}'
    headers = {"Content-Crs": f"<{query.crs.uri}>", "OGC-NumberMatched": str(matched)}
    return Response(body.encode(), media_type=GEOJSON, headers=headers)


def items_route() -> APIRoute:
    """The what-if items route, to be put before the app's own."""
    return APIRoute("/ogc/collections/{collection_id}/items", items, methods=["GET"], name="ogc_items_whatif")
