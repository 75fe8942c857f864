"""What the overview map shows: each collection's points with the fields a popup needs (WGS-84)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text

from geo.atlas.collections import COLLECTIONS
from geo.atlas.field_policy import PUBLIC_ROLE, filter_fields, personal_names

# Popup fields per collection, beyond id, name, area and the point.
_POPUP_FIELDS: dict[str, tuple[str, ...]] = {
    "stations": ("level", "status", "star_rating", "people_served", "national_model"),
    "memorials": ("kind", "protection_level", "upkeep_status", "condition_index"),
    "cemeteries": ("kind", "protection_level", "upkeep_status", "condition_index", "grave_capacity"),
    "graves": ("kind", "martyr_name", "section", "row_no", "number", "upkeep_status"),
}

MAP_COLLECTIONS: tuple[str, ...] = tuple(_POPUP_FIELDS)
"""The collections the overview map draws, in drawing order."""


def _popup_sql(collection: str, role: str, where: str) -> str:
    """SELECT of id, lon/lat (x, y), area name and the popup properties ``role`` may read, as JSON ``props``.

    Never a personal field: the page and the cluster tiles are cached per role (not per area), and personal
    fields are readable only inside the reader's area (geo/atlas/field_policy.py).
    """
    spec = COLLECTIONS[collection]
    table = spec.model.__tablename__
    wanted = [
        f for f in ("name", "area_code", *_POPUP_FIELDS[collection]) if f not in personal_names(collection)
    ]
    shown = filter_fields(collection, wanted, role)
    props = ", ".join(f"'{f}', t.{f}" for f in shown)
    return (
        f"SELECT t.id, ST_X(t.geom) AS x, ST_Y(t.geom) AS y, a.name AS area_name, "
        f"json_build_object({props}) AS props "
        f"FROM {table} t JOIN areas a ON a.code = t.area_code {where} ORDER BY t.id"
    )


def _feature(row) -> dict:
    return {
        "type": "Feature",
        "id": row.id,
        "geometry": {"type": "Point", "coordinates": [round(row.x, 6), round(row.y, 6)]},
        "properties": {"id": row.id, "area_name": row.area_name, **row.props},
    }


def map_layers(
    conn: Connection,
    area: str | None = None,
    role: str = PUBLIC_ROLE,
    collections: Iterable[str] = MAP_COLLECTIONS,
) -> dict[str, dict]:
    """Each of ``collections`` as a GeoJSON FeatureCollection of points with the popup fields ``role`` may read,
    optionally within an area (the page embeds them, so they follow geo/atlas/field_policy.py)."""
    layers = {}
    for name in collections:
        where = "WHERE t.area_code LIKE :prefix" if area else ""
        rows = conn.execute(text(_popup_sql(name, role, where)), {"prefix": f"{area}%"} if area else {})
        layers[name] = {"type": "FeatureCollection", "features": [_feature(r) for r in rows]}
    return layers


def popup_features(
    conn: Connection, collection: str, ids: list[int], role: str = PUBLIC_ROLE
) -> dict[int, dict]:
    """The map features (as ``map_layers`` gives them, fields by ``role``) of the sites ``ids``, by id."""
    if not ids:
        return {}
    rows = conn.execute(text(_popup_sql(collection, role, "WHERE t.id = ANY(:ids)")), {"ids": list(ids)})
    return {r.id: _feature(r) for r in rows}


def map_versions(conn: Connection) -> tuple[tuple[str, int], ...]:
    """The data versions of the map's collections and of the areas (what a map page is built from)."""
    rows = conn.execute(
        text(
            "SELECT collection, version FROM data_versions WHERE collection = ANY(:names) ORDER BY collection"
        ),
        {"names": [*MAP_COLLECTIONS, "areas"]},
    )
    return tuple((r.collection, r.version) for r in rows)


def site_counts(conn: Connection, cap: int) -> dict[str, int]:
    """How many sites each map collection holds, counted up to ``cap`` (a larger collection answers ``cap``)."""
    parts = " UNION ALL ".join(
        f"SELECT '{name}' AS c, (SELECT count(*) FROM (SELECT 1 FROM {COLLECTIONS[name].model.__tablename__} "
        f"LIMIT :cap) s) AS n"
        for name in MAP_COLLECTIONS
    )
    return {r.c: r.n for r in conn.execute(text(parts), {"cap": cap})}
