"""Coordinate-system conversion for China's obfuscated coordinate systems.

VetMap stores everything in WGS-84 (EPSG:4326, longitude/latitude in degrees).
Chinese consumer maps publish coordinates in two obfuscated systems:

* GCJ-02 ("Mars coordinates", used by AMap/高德, Tencent and most Chinese maps):
  WGS-84 plus a non-linear offset of a few hundred metres;
* BD-09 (Baidu): GCJ-02 plus a further rotation/scale-like distortion.

The forward transforms (WGS-84 -> GCJ-02 -> BD-09) are closed formulas. Their inverses
have no closed form; here they are solved by fixed-point iteration per point until the
forward transform of the estimate reproduces the input to within ``_TOLERANCE_DEG``
(1e-9 degrees, about 0.1 mm), far below the centimetre level.

Outside the rough bounding box of mainland China (the usual ``out_of_china`` test) the
obfuscation is not applied by the map providers, so all six conversions return such
points unchanged.

All functions take longitudes and latitudes in degrees, as Python floats or numpy arrays
(broadcast together), and return a ``(lon, lat)`` pair of the broadcast shape: floats
for scalar input, float64 arrays otherwise.

CGCS2000 (EPSG:4490) is treated as identical to WGS-84: the two differ by centimetres,
well below the accuracy of any source this project imports.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geo.errors import InvalidInput

__all__ = [
    "SUPPORTED_SOURCES",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "declared_source",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "out_of_china",
    "transform_geometry",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 formula.
_A = 6378245.0
_EE = 0.00669342162296594323
# Baidu's scaling constant for BD-09.
_X_PI = np.pi * 3000.0 / 180.0
_BD_DLON = 0.0065
_BD_DLAT = 0.006

# Rough bounding box of mainland China used by the providers' out_of_china test (degrees).
_CHINA_LON_MIN, _CHINA_LON_MAX = 72.004, 137.8347
_CHINA_LAT_MIN, _CHINA_LAT_MAX = 0.8293, 55.8271

# Convergence threshold of the iterative inverses, degrees (1e-9 deg is about 0.1 mm).
_TOLERANCE_DEG = 1e-9
_MAX_ITERATIONS = 50

SUPPORTED_SOURCES = ("WGS84", "CGCS2000", "GCJ02", "BD09", "EPSG:4326", "EPSG:4490", "EPSG:<code>")

_XY = tuple[np.ndarray, np.ndarray]


def _as_arrays(lon, lat) -> tuple[np.ndarray, np.ndarray, bool]:
    """Broadcast lon/lat to float64 arrays; report whether both were scalars."""
    lon_arr = np.asarray(lon, dtype=np.float64)
    lat_arr = np.asarray(lat, dtype=np.float64)
    scalar = lon_arr.ndim == 0 and lat_arr.ndim == 0
    lon_arr, lat_arr = np.broadcast_arrays(lon_arr, lat_arr)
    return np.array(lon_arr, dtype=np.float64), np.array(lat_arr, dtype=np.float64), scalar


def _result(lon: np.ndarray, lat: np.ndarray, scalar: bool):
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def out_of_china(lon, lat) -> np.ndarray | bool:
    """True where (lon, lat) in degrees lies outside mainland China's rough bounding box."""
    lon_arr = np.asarray(lon, dtype=np.float64)
    lat_arr = np.asarray(lat, dtype=np.float64)
    outside = (
        (lon_arr < _CHINA_LON_MIN)
        | (lon_arr > _CHINA_LON_MAX)
        | (lat_arr < _CHINA_LAT_MIN)
        | (lat_arr > _CHINA_LAT_MAX)
        | ~np.isfinite(lon_arr)
        | ~np.isfinite(lat_arr)
    )
    if outside.ndim == 0:
        return bool(outside)
    return outside


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> _XY:
    """GCJ-02 minus WGS-84 in degrees at WGS-84 position (lon, lat), no out-of-China test."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0

    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    d_lat += common
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0

    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    d_lon += common
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0

    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


def _wgs_to_gcj_raw(lon: np.ndarray, lat: np.ndarray) -> _XY:
    d_lon, d_lat = _gcj_offset(lon, lat)
    return lon + d_lon, lat + d_lat


def _gcj_to_bd_raw(lon: np.ndarray, lat: np.ndarray) -> _XY:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + _BD_DLON, z * np.sin(theta) + _BD_DLAT


def _bd_to_gcj_approx(lon: np.ndarray, lat: np.ndarray) -> _XY:
    x = lon - _BD_DLON
    y = lat - _BD_DLAT
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(
    forward: Callable[[np.ndarray, np.ndarray], _XY],
    target_lon: np.ndarray,
    target_lat: np.ndarray,
    start_lon: np.ndarray,
    start_lat: np.ndarray,
) -> _XY:
    """Solve forward(x) = target per point by fixed-point iteration x <- x - (forward(x) - target).

    Each point is iterated until its own residual is below the tolerance and then frozen, so the
    result for a point does not depend on the other points in the array (shared vertices of
    neighbouring polygons stay identical).
    """
    lon = start_lon.copy()
    lat = start_lat.copy()
    active = np.ones(lon.shape, dtype=bool)
    for _ in range(_MAX_ITERATIONS):
        idx = np.nonzero(active)
        if idx[0].size == 0:
            break
        f_lon, f_lat = forward(lon[idx], lat[idx])
        r_lon = f_lon - target_lon[idx]
        r_lat = f_lat - target_lat[idx]
        done = (np.abs(r_lon) < _TOLERANCE_DEG) & (np.abs(r_lat) < _TOLERANCE_DEG)
        moving = tuple(axis[~done] for axis in idx)
        lon[moving] -= r_lon[~done]
        lat[moving] -= r_lat[~done]
        active[tuple(axis[done] for axis in idx)] = False
    return lon, lat


def wgs84_to_gcj02(lon, lat):
    """Convert WGS-84 lon/lat (degrees) to GCJ-02 lon/lat (degrees); outside China unchanged."""
    lon, lat, scalar = _as_arrays(lon, lat)
    inside = ~np.asarray(out_of_china(lon, lat))
    out_lon, out_lat = lon.copy(), lat.copy()
    out_lon[inside], out_lat[inside] = _wgs_to_gcj_raw(lon[inside], lat[inside])
    return _result(out_lon, out_lat, scalar)


def gcj02_to_wgs84(lon, lat):
    """Convert GCJ-02 lon/lat (degrees) to WGS-84 lon/lat (degrees), iteratively; outside China unchanged."""
    lon, lat, scalar = _as_arrays(lon, lat)
    inside = ~np.asarray(out_of_china(lon, lat))
    out_lon, out_lat = lon.copy(), lat.copy()
    g_lon, g_lat = lon[inside], lat[inside]
    d_lon, d_lat = _gcj_offset(g_lon, g_lat)
    out_lon[inside], out_lat[inside] = _invert(_wgs_to_gcj_raw, g_lon, g_lat, g_lon - d_lon, g_lat - d_lat)
    return _result(out_lon, out_lat, scalar)


def gcj02_to_bd09(lon, lat):
    """Convert GCJ-02 lon/lat (degrees) to BD-09 lon/lat (degrees); outside China unchanged."""
    lon, lat, scalar = _as_arrays(lon, lat)
    inside = ~np.asarray(out_of_china(lon, lat))
    out_lon, out_lat = lon.copy(), lat.copy()
    out_lon[inside], out_lat[inside] = _gcj_to_bd_raw(lon[inside], lat[inside])
    return _result(out_lon, out_lat, scalar)


def bd09_to_gcj02(lon, lat):
    """Convert BD-09 lon/lat (degrees) to GCJ-02 lon/lat (degrees), iteratively; outside China unchanged."""
    lon, lat, scalar = _as_arrays(lon, lat)
    inside = ~np.asarray(out_of_china(lon, lat))
    out_lon, out_lat = lon.copy(), lat.copy()
    b_lon, b_lat = lon[inside], lat[inside]
    s_lon, s_lat = _bd_to_gcj_approx(b_lon, b_lat)
    out_lon[inside], out_lat[inside] = _invert(_gcj_to_bd_raw, b_lon, b_lat, s_lon, s_lat)
    return _result(out_lon, out_lat, scalar)


def wgs84_to_bd09(lon, lat):
    """Convert WGS-84 lon/lat (degrees) to BD-09 lon/lat (degrees); outside China unchanged."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat):
    """Convert BD-09 lon/lat (degrees) to WGS-84 lon/lat (degrees), iteratively; outside China unchanged."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_IDENTITY = "WGS84"
_ALIASES = {
    "WGS84": _IDENTITY,
    "CGCS2000": _IDENTITY,
    "EPSG:4326": _IDENTITY,
    "EPSG:4490": _IDENTITY,
    "OGC:CRS84": _IDENTITY,
    "GCJ02": "GCJ02",
    "BD09": "BD09",
    "BD09LL": "BD09",
}
_CHINESE_TO_WGS84 = {"GCJ02": gcj02_to_wgs84, "BD09": bd09_to_wgs84}


def _normalise_source(source: str) -> str:
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"coordinate system must be a non-empty string, got {source!r}")
    key = source.strip().upper().replace("-", "").replace("_", "").replace(" ", "")
    if key in _ALIASES:
        return _ALIASES[key]
    if key.startswith("EPSG:") and key[5:].isdigit():
        return key
    raise ValueError(
        f"unknown coordinate system {source!r}; expected one of WGS84, CGCS2000, GCJ02, BD09, "
        "EPSG:4326, EPSG:4490 or another 'EPSG:<code>'"
    )


def declared_source(declared: str | None, file_crs: Any = None, check_epsg: bool = False) -> str:
    """The system to convert from (WGS84, GCJ02, BD09 or EPSG:<code>): declared, else the file's, else WGS84.

    ``declared`` is spelled as ``transform_geometry`` accepts it; ``file_crs`` is a pyproj CRS read from a GIS
    file (None: the file has none, read as WGS-84). ``check_epsg`` also asks pyproj whether a declared EPSG code
    exists. Raises InvalidInput for an unknown system.
    """
    if declared is not None:
        try:
            source = _normalise_source(declared)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        if check_epsg and source.startswith("EPSG:"):
            try:
                CRS.from_user_input(source)
            except CRSError:
                raise InvalidInput(f"unknown coordinate system {source}: no such EPSG code") from None
        return source
    if file_crs is None:
        return _IDENTITY
    epsg = file_crs.to_epsg() if hasattr(file_crs, "to_epsg") else None
    if epsg in (4326, 4490, None) and getattr(file_crs, "is_geographic", True):
        return _IDENTITY
    if epsg is None:
        raise InvalidInput("the file's coordinate system has no EPSG code; declare it (e.g. crs=EPSG:4547)")
    return f"EPSG:{epsg}"


@lru_cache(maxsize=32)
def _transformer_to_wgs84(epsg: str) -> Transformer:
    try:
        crs = CRS.from_user_input(epsg)
    except CRSError as exc:
        raise ValueError(f"unknown coordinate system {epsg!r}: pyproj knows no such code") from exc
    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True)


def _coords_function(convert: Callable) -> Callable[[np.ndarray], np.ndarray]:
    def apply(coords: np.ndarray) -> np.ndarray:
        out = np.array(coords, dtype=np.float64, copy=True)
        if len(out):
            out[:, 0], out[:, 1] = convert(out[:, 0], out[:, 1])
        return out

    return apply


def transform_geometry(geom, source: str):
    """Convert a shapely geometry whose coordinates are in ``source`` to WGS-84 lon/lat degrees (EPSG:4326).

    ``source`` is WGS84, CGCS2000, GCJ02, BD09 (case-insensitive, hyphens allowed), EPSG:4326,
    EPSG:4490 or any other ``EPSG:<code>`` (reprojected with pyproj); anything else raises
    ``ValueError``. Z values, if any, are kept unchanged.
    """
    canonical = _normalise_source(source)
    if canonical == _IDENTITY:
        return geom
    if canonical in _CHINESE_TO_WGS84:
        convert = _CHINESE_TO_WGS84[canonical]
    else:
        transformer = _transformer_to_wgs84(canonical)

        def convert(x: np.ndarray, y: np.ndarray) -> _XY:
            lon, lat = transformer.transform(x, y)
            lon, lat = np.asarray(lon), np.asarray(lat)
            if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
                raise ValueError(f"coordinates cannot be transformed from {canonical} to WGS-84")
            return lon, lat

    return shapely.transform(geom, _coords_function(convert), include_z=None)
