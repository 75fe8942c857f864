"""Points of a register in WGS-84: from lon/lat columns or the file's geometries, converted from the declared
source system (WGS-84, CGCS2000, GCJ-02, BD-09 through geo/kit/crs.py, any EPSG code through pyproj), checked
to lie in China, with swapped latitude/longitude detected (swapping gives a point in China) and, when asked,
fixed. Polygons (a cemetery boundary drawn as the feature, polygon columns) are converted and repaired."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.validation import explain_validity

from geo.errors import InvalidInput
from geo.importing.reasons import RowReason, note, reason, rejected, row_reason, value_reason
from geo.importing.values import NotUnderstood, coordinate, is_blank
from geo.kit.crs import out_of_china, transform_geometry


@dataclass
class Points:
    """Per row: WGS-84 lon/lat (NaN when rejected), the reason of a rejected row, notes, and a polygon."""

    lon: np.ndarray
    lat: np.ndarray
    reasons: dict[int, RowReason] = field(default_factory=dict)
    notes: dict[int, list[str]] = field(default_factory=dict)
    polygons: dict[int, MultiPolygon] = field(default_factory=dict)


def parse_number(value: Any) -> float | None:
    """A coordinate as a float: numbers, or text such as " 110.5 ", "110.5°", "东经110°48′36″" (values.py
    ``coordinate``); None when it is not one."""
    try:
        found = coordinate(value)
    except NotUnderstood:
        return None
    return None if found is None else found[0]


def _axis_columns(
    raw_x: Any, raw_y: Any, lon_h: str, lat_h: str
) -> tuple[float | None, float | None, RowReason | None, RowReason | None]:
    """Degrees of the two cells (as labelled: a 北纬 value in the longitude column is the latitude), a reason
    when one cannot be read or both name the same axis, and a note when the labels swapped the columns."""
    bad = []
    found = []
    for raw, header, axis in ((raw_x, lon_h, "lon"), (raw_y, lat_h, "lat")):
        try:
            got = coordinate(raw)
        except NotUnderstood:
            got = None
        if got is None:
            bad.append(value_reason("coordinate", header, axis, raw))
        found.append(got)
    if bad:
        first = bad[0] if len(bad) == 1 else RowReason("; ".join(bad), parts=tuple(bad))
        return None, None, first, None
    (x, ax), (y, ay) = found
    if ax == "lat" and ay in ("lon", None) or ay == "lon" and ax is None:
        return (
            y,
            x,
            None,
            note(
                f"{lon_h} holds the latitude ({raw_x}) and {lat_h} the longitude ({raw_y}), as labelled: read so",
                "axes_by_label",
                "lon",
                lon=str(raw_y),
                lat=str(raw_x),
                lon_column=lon_h,
                lat_column=lat_h,
            ),
        )
    if ax is not None and ax == ay:
        label = "东经" if ax == "lon" else "北纬"
        return (
            None,
            None,
            reason(
                f"{lon_h} and {lat_h} are both labelled {label}",
                "same_axis",
                "lon",
                lon_column=lon_h,
                lat_column=lat_h,
                lon=str(raw_x),
                lat=str(raw_y),
            ),
            None,
        )
    return x, y, None, None


def to_wgs84(x: np.ndarray, y: np.ndarray, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert coordinate arrays from ``source`` to WGS-84 lon/lat; points that cannot be converted get NaN."""
    if len(x) == 0:
        return x, y
    pts = shapely.points(x, y)
    try:
        out = transform_geometry(pts, source)
        return shapely.get_x(out), shapely.get_y(out)
    except ValueError:  # one bad point spoils the batch: convert one by one
        lon, lat = np.full(len(x), np.nan), np.full(len(x), np.nan)
        for i, p in enumerate(pts):
            try:
                q = transform_geometry(p, source)
                lon[i], lat[i] = q.x, q.y
            except ValueError:
                pass
        return lon, lat


def in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where a WGS-84 point lies in China's rough bounding box (the map providers' test)."""
    return ~np.asarray(out_of_china(lon, lat), dtype=bool)


def repair_polygonal(geom: Any, what: str) -> tuple[MultiPolygon, str | None]:
    """A valid MultiPolygon of a polygonal geometry, repaired with make_valid when needed (and a note)."""
    if geom.is_valid:
        return (geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])), None
    reason = explain_validity(geom)
    fixed = shapely.make_valid(geom)
    parts = [g for g in shapely.get_parts(fixed) if isinstance(g, Polygon) and not g.is_empty]
    if not parts:
        raise rejected(
            f"{what}: invalid polygon ({reason}) that make_valid cannot turn into an area",
            "polygon.invalid",
            what,
        )
    return MultiPolygon(parts), note(
        f"{what}: invalid polygon ({reason}) repaired with make_valid",
        "polygon_repaired",
        what,
        detail=reason,
    )


def polygon_value(value: Any, source: str, what: str) -> tuple[MultiPolygon | None, str | None]:
    """A polygon column's value (GeoJSON text or object, or WKT) in WGS-84, repaired; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    try:
        if isinstance(value, dict):
            geom = shape(value)
        elif isinstance(value, str) and value.strip().startswith("{"):
            geom = shape(json.loads(value))
        elif isinstance(value, str):
            geom = shapely.from_wkt(value.strip())
        else:
            geom = value
    except Exception:  # json, shapely and GEOS raise various errors for text that is not a geometry
        raise rejected(
            f"{what}: not a polygon (GeoJSON or WKT expected)", "polygon.not_geometry", what
        ) from None
    geom = shapely.force_2d(geom) if isinstance(geom, shapely.Geometry) else geom
    if not isinstance(geom, Polygon | MultiPolygon) or geom.is_empty:
        kind = getattr(geom, "geom_type", "?")
        raise rejected(
            f"{what}: a Polygon or MultiPolygon is expected, got {kind}", "polygon.kind", what, kind=kind
        )
    try:
        geom = transform_geometry(geom, source)
    except ValueError as exc:
        raise rejected(f"{what}: {exc}", "polygon.transform", what) from None
    return repair_polygonal(geom, what)


def _raw_xy(rows, geoms, lon_h, lat_h, pts: Points, source: str) -> tuple[np.ndarray, np.ndarray]:
    n = len(rows)
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    seen: dict[tuple, tuple] = {}

    def read(raw_x: Any, raw_y: Any) -> tuple:
        """The cells' degrees, read once per distinct pair (a text pair in DMS costs regular expressions)."""
        if type(raw_x) is float and type(raw_y) is float:
            return raw_x, raw_y, None, None
        key = (type(raw_x), raw_x, type(raw_y), raw_y)
        found = seen.get(key)
        if found is None:
            found = seen[key] = _axis_columns(raw_x, raw_y, lon_h, lat_h)
        return found

    for i in range(n):
        g = geoms[i] if geoms is not None else None
        if g is not None and not g.is_empty:
            g = shapely.force_2d(g)
            if g.geom_type == "MultiPoint" and len(g.geoms) == 1:
                g = g.geoms[0]
            if g.geom_type == "Point":
                x[i], y[i] = g.x, g.y
            elif g.geom_type in ("Polygon", "MultiPolygon"):
                try:
                    poly, note = polygon_value(g, source, "geometry")
                except InvalidInput as exc:
                    pts.reasons[i] = row_reason(exc)
                    continue
                pts.polygons[i] = poly
                if note:
                    pts.notes.setdefault(i, []).append(note)
            else:
                pts.reasons[i] = reason(
                    f"geometry is a {g.geom_type}: a point (or a polygon) is expected",
                    "geometry_kind",
                    kind=g.geom_type,
                )
            continue
        if lon_h is None:
            pts.reasons[i] = reason(
                "missing coordinates: no geometry and no longitude/latitude columns", "no_coordinates"
            )
            continue
        raw_x, raw_y = rows[i].get(lon_h), rows[i].get(lat_h)
        if is_blank(raw_x) or is_blank(raw_y):
            pts.reasons[i] = reason(
                "missing coordinates: longitude or latitude is empty",
                "empty_coordinates",
                "lon" if is_blank(raw_x) else "lat",
                column=lon_h if is_blank(raw_x) else lat_h,
            )
            continue
        fx, fy, refused, swapped = read(raw_x, raw_y)
        if refused is not None:
            pts.reasons[i] = refused
            continue
        if swapped is not None:
            pts.notes.setdefault(i, []).append(swapped)
        x[i], y[i] = fx, fy
    return x, y


def locate(rows, geoms, lon_h: str | None, lat_h: str | None, source: str, fix_swapped: bool) -> Points:
    """WGS-84 points of every row with the reason for each row that has none (see the module doc)."""
    n = len(rows)
    pts = Points(np.full(n, np.nan), np.full(n, np.nan))
    x, y = _raw_xy(rows, geoms, lon_h, lat_h, pts, source)
    given = np.isfinite(x) & np.isfinite(y)
    idx = np.flatnonzero(given)
    lon, lat = to_wgs84(x[idx], y[idx], source)
    ok = in_china(lon, lat)
    bad = idx[~ok]
    s_lon, s_lat = to_wgs84(y[bad], x[bad], source)
    swapped_ok = in_china(s_lon, s_lat)
    pts.lon[idx[ok]], pts.lat[idx[ok]] = lon[ok], lat[ok]
    for j, i in enumerate(bad):
        if swapped_ok[j] and fix_swapped:
            pts.lon[i], pts.lat[i] = s_lon[j], s_lat[j]
            pts.notes.setdefault(int(i), []).append(
                note(
                    f"latitude and longitude were swapped: fixed to ({y[i]}, {x[i]})",
                    "swapped_fixed",
                    "lon",
                    x=float(y[i]),
                    y=float(x[i]),
                )
            )
        elif swapped_ok[j]:
            pts.reasons[int(i)] = reason(
                f"latitude and longitude look swapped: ({x[i]}, {y[i]}) lies outside China, ({y[i]}, {x[i]}) "
                "inside; swap the columns or import with --fix-swapped",
                "swapped",
                "lon",
                x=float(x[i]),
                y=float(y[i]),
            )
        else:
            pts.reasons[int(i)] = reason(
                f"outside China: ({x[i]}, {y[i]}) in {source} is not a point in China",
                "outside_china",
                "lon",
                x=float(x[i]),
                y=float(y[i]),
                source=source,
            )
    for i, poly in pts.polygons.items():
        if i not in pts.reasons:
            p = poly.point_on_surface()
            if in_china(np.array([p.x]), np.array([p.y]))[0]:
                pts.lon[i], pts.lat[i] = p.x, p.y
            else:
                pts.reasons[i] = reason(
                    f"outside China: the polygon lies at ({p.x:.6f}, {p.y:.6f})",
                    "polygon_outside_china",
                    x=round(p.x, 6),
                    y=round(p.y, 6),
                )
    return pts
