"""A hand-computed road network for the travel-time tests, on the equator so lengths are easy to work out.

    lat 0.012                    V4 (village, off the road: 0.002° = 221 m north of F)
    lat 0.01            F                                   (track bend 100.065, 0.01)
                        | residential, no speed: 25 km/h    /              \\
    lat 0      A ------ B ------ C ========= D --oneway--> E           (track, 18 km/h, E -> bend -> D)
              100.00  100.01  100.02      100.05        100.08
              primary 60 km/h (one line A-B-C)  secondary 36 km/h  tertiary 36 km/h, oneway D -> E

Stations: village-level ``sv1`` at A, township-level ``st`` at D, village-level ``sv2`` 0.001° (110.6 m) north
of E. Villages V1 at A, V2 at C, V3 at E, V4 north of F; townships T1 at A, T2 at E. Along the equator the
geodesic length of Δλ degrees is a·Δλ·π/180 (a = 6,378,137 m); north–south stretches and the track are
measured with the same ellipsoid (pyproj), walking is at 5 km/h.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import geopandas as gpd
from pyproj import Geod
from shapely.geometry import LineString
from sqlalchemy import Engine, text

GEOD = Geod(ellps="WGS84")
DEG = 6378137.0 * math.pi / 180  # metres per degree of longitude along the equator
WALK = 5 / 3.6  # m/s

PROVINCE, CITY, COUNTY = "900000", "900100", "900101"
T1, T2 = "900101001", "900101002"
V1, V2, V3, V4 = "900101001201", "900101001202", "900101002201", "900101002202"
VILLAGES = {V1: (100.00, 0.0), V2: (100.02, 0.0), V3: (100.08, 0.0), V4: (100.01, 0.012)}
TOWNSHIPS = {T1: (100.00, 0.0), T2: (100.08, 0.0)}
STATIONS = {  # name: (level, lon, lat, area)
    "sv1": ("village", 100.00, 0.0, V1),
    "st": ("township", 100.05, 0.0, T1),
    "sv2": ("village", 100.08, 0.001, V3),
}
BEND = (100.065, 0.01)
ROADS = [  # geometry, highway, maxspeed, oneway
    (LineString([(100.00, 0), (100.01, 0), (100.02, 0)]), "primary", "60", None),
    (LineString([(100.01, 0), (100.01, 0.01)]), "residential", None, None),
    (LineString([(100.02, 0), (100.05, 0)]), "secondary", "36 km/h", "no"),
    (LineString([(100.05, 0), (100.08, 0)]), "tertiary", "36", "yes"),
    (LineString([(100.08, 0), BEND, (100.05, 0)]), "track", "18", None),
]


def geodesic(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic metres between two WGS-84 points."""
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


# edge times, seconds
AB = BC = 0.01 * DEG / (60 / 3.6)
BF = geodesic(100.01, 0, 100.01, 0.01) / (25 / 3.6)
CD = 0.03 * DEG / 10
DE = 0.03 * DEG / 10
TRACK = (geodesic(100.08, 0, *BEND) + geodesic(*BEND, 100.05, 0)) / 5
SV2_WALK = geodesic(100.08, 0.001, 100.08, 0) / WALK
V4_WALK = geodesic(100.01, 0.012, 100.01, 0.01) / WALK

# village: (village station, s), (township station, s), (any station, s); E -> D only by the track (oneway)
EXPECTED_VILLAGES = {
    V1: (("sv1", 0.0), ("st", AB + BC + CD), ("sv1", 0.0)),
    V2: (("sv1", AB + BC), ("st", CD), ("sv1", AB + BC)),
    V3: (("sv2", SV2_WALK), ("st", TRACK), ("sv2", SV2_WALK)),
    V4: (("sv1", V4_WALK + BF + AB), ("st", V4_WALK + BF + BC + CD), ("sv1", V4_WALK + BF + AB)),
}
EXPECTED_TOWNSHIPS = {
    T1: (("st", AB + BC + CD), ("sv1", 0.0)),
    T2: (("st", TRACK), ("sv2", SV2_WALK)),
}


def write_roads(path: Path, roads=ROADS, crs: str | None = "EPSG:4326", layer: str = "roads") -> Path:
    """Write road lines with highway/maxspeed/oneway columns to a GeoPackage (or any OGR file by suffix)."""
    frame = gpd.GeoDataFrame(
        {
            "highway": [r[1] for r in roads],
            "maxspeed": [r[2] for r in roads],
            "oneway": [r[3] for r in roads],
        },
        geometry=[r[0] for r in roads],
        crs=crs,
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)  # crs=None on purpose
        frame.to_file(path, layer=layer)
    return path


def load_atlas(engine: Engine) -> dict[str, int]:
    """Areas and stations of the fixture (replacing any); returns station ids by name."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE stations, areas RESTART IDENTITY CASCADE"))
        conn.execute(text("DELETE FROM coverage_villages; DELETE FROM coverage_townships"))
        insert = text(
            "INSERT INTO areas (code, name, level, parent_code, point, population, synthetic) "
            "VALUES (:code, :name, :level, :parent, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :pop, true)"
        )
        conn.execute(
            insert,
            dict(code=PROVINCE, name="测试省", level="province", parent=None, lon=100, lat=0, pop=None),
        )
        conn.execute(
            insert, dict(code=CITY, name="测试市", level="city", parent=PROVINCE, lon=100, lat=0, pop=None)
        )
        conn.execute(
            insert, dict(code=COUNTY, name="测试县", level="county", parent=CITY, lon=100, lat=0, pop=None)
        )
        for code, (lon, lat) in TOWNSHIPS.items():
            conn.execute(
                insert,
                dict(
                    code=code,
                    name=f"镇{code[-1]}",
                    level="township",
                    parent=COUNTY,
                    lon=lon,
                    lat=lat,
                    pop=None,
                ),
            )
        for code, (lon, lat) in VILLAGES.items():
            conn.execute(
                insert,
                dict(
                    code=code,
                    name=f"村{code[-1]}",
                    level="village",
                    parent=code[:9],
                    lon=lon,
                    lat=lat,
                    pop=100,
                ),
            )
        ids = {}
        for name, (level, lon, lat, area) in STATIONS.items():
            ids[name] = conn.execute(
                text(
                    "INSERT INTO stations (name, level, status, area_code, served_area_code, geom) VALUES "
                    "(:name, :level, 'active', :area, :area, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) RETURNING id"
                ),
                dict(name=f"站{name}", level=level, area=area, lon=lon, lat=lat),
            ).scalar_one()
    return ids
