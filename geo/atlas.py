"""What the overview map shows: each collection's points with the fields a popup needs (WGS-84)."""

from __future__ import annotations

from sqlalchemy import Connection, text

from geo.collections import COLLECTIONS
from geo.field_policy import PUBLIC_ROLE, filter_fields

# Popup fields per collection, beyond id, name, area and the point.
_POPUP_FIELDS: dict[str, tuple[str, ...]] = {
    "stations": ("level", "status", "star_rating", "people_served", "national_model"),
    "memorials": ("kind", "protection_level", "upkeep_status", "condition_index"),
    "cemeteries": ("kind", "protection_level", "upkeep_status", "condition_index", "grave_capacity"),
    "graves": ("kind", "martyr_name", "section", "row_no", "number", "upkeep_status"),
}


def map_layers(conn: Connection, area: str | None = None, role: str = PUBLIC_ROLE) -> dict[str, dict]:
    """Every collection as a GeoJSON FeatureCollection of points with the popup fields ``role`` may read,
    optionally within an area (the page embeds them, so they follow geo/field_policy.py)."""
    layers = {}
    for name, fields in _POPUP_FIELDS.items():
        spec = COLLECTIONS[name]
        table = spec.model.__tablename__
        shown = filter_fields(name, ("name", "area_code", *fields), role)
        props = ", ".join(f"'{f}', t.{f}" for f in shown)
        where = "WHERE t.area_code LIKE :prefix" if area else ""
        rows = conn.execute(
            text(
                f"SELECT t.id, ST_X(t.geom) AS x, ST_Y(t.geom) AS y, a.name AS area_name, "
                f"json_build_object({props}) AS props "
                f"FROM {table} t JOIN areas a ON a.code = t.area_code {where} ORDER BY t.id"
            ),
            {"prefix": f"{area}%"} if area else {},
        )
        features = [
            {
                "type": "Feature",
                "id": r.id,
                "geometry": {"type": "Point", "coordinates": [round(r.x, 6), round(r.y, 6)]},
                "properties": {"id": r.id, "area_name": r.area_name, **r.props},
            }
            for r in rows
        ]
        layers[name] = {"type": "FeatureCollection", "features": features}
    return layers
