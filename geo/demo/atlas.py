"""The demo atlas: real county boundaries (data/boundaries.geojson) and synthetic everything else.

Townships and villages are Voronoi partitions of the real counties; stations, memorials, cemeteries
and graves are placed inside them. Everything generated is marked ``synthetic = true``. The same seed
always gives the same atlas. Coordinates are WGS-84 degrees; sizes below are metres.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyogrio
import shapely
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, Polygon, box
from sqlalchemy import Engine, insert, text

from geo.demo.martyrs import add_demo_martyrs, add_name_pinyin
from geo.demo.upkeep import add_demo_upkeep
from geo.errors import Conflict, InvalidInput
from geo.models import Area, Cemetery, Grave, Memorial, Station
from geo.settings import PROJECT_ROOT

BOUNDARIES_FILE = PROJECT_ROOT / "data" / "boundaries.geojson"
DEMO_SCALES = ("county", "guangxi")

# Real figures of two bureaus: townships, communities (社区) and villages (村).
SHOWCASE = {
    "420302": (7, 35, 36),  # 十堰市茅箭区: 1 district centre, 7 township and 71 village/community stations
    "450329": (7, 6, 68),  # 桂林市资源县: 82 stations = 1 + 7 + 74
}
GUANGXI = "450000"
GUANGXI_TOWNSHIPS = 1250
GUANGXI_VILLAGES = 16248  # with 1 province, 14 city and 111 county centres: 17,624 stations
PARTIAL_CITIES = {"420300", "511700"}  # only one county of each is in the atlas: no city centre placed

_PLACE_CHARS = list(
    "东西南北中新安平和福兴龙凤石山河江桥坪岭塘田林湾口沙水云花竹桃李青金银红白黄长高大小上下古"
    "永宁丰华文光明德胜利团结前进朝阳松柏梅兰桂荷雁鹤马牛羊鹿岩泉溪湖洲滩坝营寨堡关庄屯"
)
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韦覃蒙莫陆农廖")
_GIVEN = list("国华建明志勇军强英文永春德海清新光荣忠诚振兴学立民生福成树林山峰")
_MEMORIAL_KINDS = ("monument", "monument", "hall", "tower", "statue", "square", "name_wall")
_MEMORIAL_SUFFIX = {
    "hall": "革命烈士纪念馆",
    "monument": "革命烈士纪念碑",
    "tower": "烈士纪念塔",
    "statue": "烈士塑像",
    "square": "红色纪念广场",
    "name_wall": "烈士英名墙",
}


@dataclass
class _Place:
    code: str
    name: str
    level: str
    parent: str
    geom: MultiPolygon
    population: int | None = None
    children: list[_Place] = field(default_factory=list)


def _metres_to_degrees(lat: float) -> tuple[float, float]:
    """Degrees of longitude and latitude per metre at this latitude."""
    return 1 / (111_320 * math.cos(math.radians(lat))), 1 / 110_574


def _as_multipolygon(geom) -> MultiPolygon:
    geom = shapely.make_valid(geom)
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and g.area > 0]
    if not parts and hasattr(geom, "geoms"):
        parts = [p for g in geom.geoms for p in shapely.get_parts(g) if isinstance(p, Polygon)]
    return MultiPolygon(parts)


def _sample_points(poly, n: int, rng: np.random.Generator) -> list[Point]:
    """n uniformly random points strictly inside the polygon."""
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    xs_out: list[np.ndarray] = []
    ys_out: list[np.ndarray] = []
    found = 0
    while found < n:
        k = max(64, 4 * (n - found))
        xs, ys = rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)
        inside = shapely.contains_xy(poly, xs, ys)
        xs_out.append(xs[inside][: n - found])
        ys_out.append(ys[inside][: n - found])
        found += len(xs_out[-1])
    return list(shapely.points(np.concatenate(xs_out), np.concatenate(ys_out)))


def _partition(poly: MultiPolygon, n: int, rng: np.random.Generator) -> list[MultiPolygon]:
    """Split a polygon into n non-empty, valid pieces (Voronoi cells of random seeds, clipped)."""
    for _ in range(20):
        seeds = _sample_points(poly, n, rng)
        if n == 1:
            return [poly]
        cells = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=box(*poly.bounds).buffer(0.1))
        ordered = []
        for seed in seeds:
            cell = next(c for c in cells.geoms if c.contains(seed))
            ordered.append(_as_multipolygon(cell.intersection(poly)))
        if all(not p.is_empty and p.is_valid for p in ordered):
            return ordered
    raise InvalidInput(f"could not split an area into {n} parts")


def _apportion(weights: np.ndarray, total: int, minimum: int) -> np.ndarray:
    """Whole numbers proportional to weights, each at least ``minimum``, summing to ``total``."""
    base = np.full(len(weights), minimum)
    rest = total - base.sum()
    if rest < 0:
        raise InvalidInput("the totals are too small for the minimum per area")
    share = weights / weights.sum() * rest
    extra = np.floor(share).astype(int)
    order = np.argsort(-(share - extra), kind="stable")
    extra[order[: rest - extra.sum()]] += 1
    return base + extra


class _Names:
    """Unique synthetic two-character place names, drawn from a fixed pool."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def place(self, reserved: str | None = None) -> str:
        if reserved:
            self.used.add(reserved)
            return reserved
        while True:
            a, b = self.rng.choice(_PLACE_CHARS, 2, replace=False)
            name = f"{a}{b}"
            if name not in self.used:
                self.used.add(name)
                return name


def _person(rng: np.random.Generator) -> str:
    given = "".join(rng.choice(_GIVEN, int(rng.integers(1, 3))))
    return f"{rng.choice(_SURNAMES)}{given}"


def _read_boundaries() -> list[_Place]:
    frame = pyogrio.read_dataframe(BOUNDARIES_FILE)
    return [
        _Place(
            r.code,
            r.name,
            r.level,
            r.parent_code if isinstance(r.parent_code, str) else None,
            _as_multipolygon(r.geometry),
        )
        for r in frame.itertuples(index=False)
    ]


def _plan_guangxi(counties: list[_Place]) -> dict[str, tuple[int, int]]:
    """Townships and villages per Guangxi county so that the province totals match real figures."""
    free = [c for c in counties if c.code.startswith("45") and c.code not in SHOWCASE]
    fixed_t = sum(SHOWCASE[c][0] for c in SHOWCASE if c.startswith("45"))
    fixed_v = sum(SHOWCASE[c][1] + SHOWCASE[c][2] for c in SHOWCASE if c.startswith("45"))
    area = np.array([c.geom.area for c in free])
    townships = _apportion(area**0.6, GUANGXI_TOWNSHIPS - fixed_t, 3)
    villages = _apportion(area, GUANGXI_VILLAGES - fixed_v, 0) + 0
    villages = np.maximum(villages, townships)  # at least one village per township
    villages += (
        _apportion(area, GUANGXI_VILLAGES - fixed_v - villages.sum(), 0)
        if villages.sum() < (GUANGXI_VILLAGES - fixed_v)
        else 0
    )
    while villages.sum() > GUANGXI_VILLAGES - fixed_v:  # take back any excess from the largest
        i = int(np.argmax(villages - townships))
        villages[i] -= 1
    return {c.code: (int(t), int(v)) for c, t, v in zip(free, townships, villages, strict=True)}


def _build_county(
    county: _Place, n_townships: int, n_communities: int, n_villages: int, rng: np.random.Generator
) -> None:
    """Fill county.children with synthetic townships, each with communities and villages."""
    names = _Names(rng)
    urban = county.name.endswith("区")
    pieces = _partition(county.geom, n_townships, rng)
    total = n_communities + n_villages
    per_township = _apportion(np.array([p.area for p in pieces]), total, 1)
    # communities cluster in the first (seat) townships; villages fill the rest
    kinds = ["community"] * n_communities + ["village"] * n_villages
    cursor = 0
    for t_idx, (piece, count) in enumerate(zip(pieces, per_township, strict=True), start=1):
        suffix = "街道" if urban and t_idx <= max(1, n_townships // 2) else ("镇" if t_idx % 3 else "乡")
        township = _Place(f"{county.code}{t_idx:03d}", names.place() + suffix, "township", county.code, piece)
        county.children.append(township)
        village_kinds = kinds[cursor : cursor + count]
        cursor += count
        cells = _partition(piece, int(count), rng)
        n_comm = n_vill = 0
        for kind, cell in zip(village_kinds, cells, strict=True):
            if kind == "community":
                n_comm += 1
                code, vname = f"{township.code}{n_comm:03d}", names.place() + "社区"
                pop = int(rng.lognormal(8.3, 0.4))
            else:
                n_vill += 1
                code, vname = f"{township.code}{200 + n_vill:03d}", names.place() + "村"
                pop = int(rng.lognormal(7.3, 0.45))
            township.children.append(_Place(code, vname, "village", township.code, cell, pop))
        township.population = sum(v.population for v in township.children)


def _rename_showcase(county: _Place) -> None:
    """茅箭区 gets a village called 东沟村, where its martyr cemetery stands."""
    if county.code == "420302":
        village = next(v for t in county.children for v in t.children if v.code[-3] == "2")
        village.name = "东沟村"


# -- sites -------------------------------------------------------------------------------------------------


def _ellipse(center: Point, rx_m: float, ry_m: float) -> MultiPolygon:
    dx, dy = _metres_to_degrees(center.y)
    circle = center.buffer(1.0, quad_segs=8)
    return MultiPolygon([shapely.affinity.scale(circle, rx_m * dx, ry_m * dy, origin=center)])


def _rect(center: Point, w_m: float, h_m: float) -> MultiPolygon:
    dx, dy = _metres_to_degrees(center.y)
    return MultiPolygon(
        [
            box(
                center.x - w_m * dx / 2,
                center.y - h_m * dy / 2,
                center.x + w_m * dx / 2,
                center.y + h_m * dy / 2,
            )
        ]
    )


def _upkeep(rng: np.random.Generator) -> dict:
    status = rng.choice(["good", "good", "good", "fair", "fair", "poor", "damaged", "unknown"])
    if status == "unknown":
        return {"upkeep_status": "unknown", "condition_index": None, "last_inspected_on": None}
    low, high = {"good": (80, 100), "fair": (60, 80), "poor": (40, 60), "damaged": (10, 40)}[status]
    inspected = dt.date(2026, 1, 1) + dt.timedelta(days=int(rng.integers(0, 300)))
    return {
        "upkeep_status": status,
        "condition_index": int(rng.integers(low, high)),
        "last_inspected_on": inspected,
    }


def _station(level: str, name: str, area: _Place, rng: np.random.Generator) -> dict:
    """A station row placed at a random point inside ``area`` (the area it stands in and serves)."""
    point = _sample_points(area.geom, 1, rng)[0]
    flags = rng.random(5) < {"village": 0.8}.get(level, 0.97)
    return {
        "name": name,
        "level": level,
        "status": "active" if rng.random() > 0.02 else "planned",
        "area_code": area.code,
        "served_area_code": area.code,
        "has_organisation": bool(flags[0]),
        "has_staff_quota": bool(flags[1]),
        "has_staff": bool(flags[2]),
        "has_funding": bool(flags[3]),
        "has_support": bool(flags[4]),
        "star_rating": int(rng.integers(1, 6)) if rng.random() < 0.6 else None,
        "national_model": bool(rng.random() < 0.03),
        "people_served": area.population,
        "opened_on": dt.date(2019, 1, 1) + dt.timedelta(days=int(rng.integers(0, 1800))),
        "geom": point,
        "synthetic": True,
    }


def _seat(place: _Place) -> _Place:
    return place.children[0] if place.children else place


class _Sites:
    """Accumulates generated rows per table."""

    def __init__(self) -> None:
        self.stations: list[dict] = []
        self.memorials: list[dict] = []
        self.cemeteries: list[dict] = []
        self.graves_in: list[tuple[int, dict]] = []  # (cemetery index, grave)
        self.graves_scattered: list[dict] = []


def _village_of(county: _Place, point: Point) -> _Place:
    for township in county.children:
        if township.geom.covers(point):
            for village in township.children:
                if village.geom.contains(point):
                    return village
    raise InvalidInput(f"generated point {point} fell outside the villages of {county.code}")


def _county_sites(county: _Place, sites: _Sites, rng: np.random.Generator) -> None:
    """Stations at county/township/village level, memorials, cemeteries and graves for one county."""
    seat_town = _seat(county)
    seat_village = _seat(seat_town)
    sites.stations.append(_station("county", f"{county.name}退役军人服务中心", seat_village, rng))
    for township in county.children:
        village = _seat(township)
        sites.stations.append(_station("township", f"{township.name}退役军人服务站", village, rng))
        for village in township.children:
            sites.stations.append(_station("village", f"{village.name}退役军人服务站", village, rng))
    villages = [v for t in county.children for v in t.children]
    # the county's martyr cemetery (茅箭区: 东沟烈士陵园 at 东沟村)
    if county.code == "420302":
        home = next(v for v in villages if v.name == "东沟村")
        cname = "东沟烈士陵园"
    else:
        home = villages[int(rng.integers(0, len(villages)))]
        cname = f"{county.name}烈士陵园"
    _cemetery(cname, "martyr_cemetery", home, county, sites, rng, graves=int(rng.integers(24, 61)))
    if rng.random() < 0.35:
        home = villages[int(rng.integers(0, len(villages)))]
        _cemetery(
            f"{home.name}烈士墓区", "grave_area", home, county, sites, rng, graves=int(rng.integers(6, 16))
        )
    for _ in range(int(rng.integers(2, 6))):
        home = villages[int(rng.integers(0, len(villages)))]
        kind = str(rng.choice(_MEMORIAL_KINDS))
        point = _sample_points(home.geom, 1, rng)[0]
        level = str(rng.choice(["county", "county", "county", "city", "city", "provincial", "scattered"]))
        sites.memorials.append(
            {
                "name": f"{home.name}{_MEMORIAL_SUFFIX[kind]}",
                "kind": kind,
                "area_code": home.code,
                "geom": point,
                **_protection(level, county, point, rng, radius_m=float(rng.uniform(25, 90))),
                **_upkeep(rng),
                "synthetic": True,
            }
        )
    agreements = rng.spawn(1)[0]  # care agreement dates: a stream of their own, the atlas is as it was
    for _ in range(int(rng.integers(3, 9))):
        home = villages[int(rng.integers(0, len(villages)))]
        point = _sample_points(home.geom, 1, rng)[0]
        care = str(rng.choice(["village_committee", "relatives"]))
        sites.graves_scattered.append(
            {
                "name": "散葬烈士墓",
                "kind": "scattered",
                "martyr_name": _person(rng) if rng.random() > 0.15 else None,
                "area_code": home.code,
                "geom": point,
                "disposition": (disposition := str(rng.choice(["in_place", "care_agreement"]))),
                "care_party": care,
                "care_agreed_on": dt.date(2015, 1, 1) + dt.timedelta(days=int(agreements.integers(0, 4000)))
                if disposition == "care_agreement"
                else None,
                "custodian_name": f"{home.name}村民委员会" if care == "village_committee" else _person(rng),
                "responsible_cadre": _person(rng),
                **_upkeep(rng),
                "synthetic": True,
            }
        )


def _protection(level: str, county: _Place, point: Point, rng: np.random.Generator, radius_m: float) -> dict:
    ranked = level != "scattered"
    approver = {
        "national": "国务院",
        "provincial": "省人民政府",
        "city": "市人民政府",
        "county": f"{county.name}人民政府",
    }
    approval = dt.date(1990, 1, 1) + dt.timedelta(days=int(rng.integers(0, 12000)))
    return {
        "protection_level": level,
        "approved_by": approver.get(level),
        "approval_doc_no": f"{county.name[:2]}政发〔{approval.year}〕{int(rng.integers(1, 120))}号"
        if ranked
        else None,
        "approval_date": approval if ranked else None,
        "protection_unit": f"{county.name}退役军人事务局" if ranked else None,
        "has_protection_sign": bool(ranked and rng.random() < 0.85),
        "protection_zone": _ellipse(point, radius_m, radius_m * float(rng.uniform(0.7, 1.0)))
        if ranked
        else None,
        "protection_zone_desc": f"以纪念设施为中心半径约{int(radius_m)}米范围" if ranked else None,
        "control_zone": _ellipse(point, radius_m * 3, radius_m * 2.5) if ranked else None,
    }


def _cemetery(
    name: str, kind: str, home: _Place, county: _Place, sites: _Sites, rng: np.random.Generator, graves: int
) -> None:
    core = home.geom.buffer(-0.002)
    centre = _sample_points(core if core.area > 0 else home.geom, 1, rng)[0]
    w, h = float(rng.uniform(120, 260)), float(rng.uniform(90, 200))
    boundary = _rect(centre, w, h)
    level = "county" if kind == "martyr_cemetery" else "scattered"
    if name == "东沟烈士陵园":
        level = "city"
    prot = _protection(level, county, centre, rng, radius_m=max(w, h))
    if prot["protection_zone"] is not None:
        prot["protection_zone"] = MultiPolygon([_rect(centre, w + 60, h + 60).geoms[0]])
    index = len(sites.cemeteries)
    sites.cemeteries.append(
        {
            "name": name,
            "kind": kind,
            "area_code": home.code,
            "geom": centre,
            "boundary": boundary,
            "grave_capacity": graves + int(rng.integers(0, 40)),
            "management_unit": f"{county.name}烈士陵园管理所" if kind == "martyr_cemetery" else None,
            **prot,
            **_upkeep(rng),
            "synthetic": True,
        }
    )
    inner = boundary.intersection(home.geom)
    sections = "甲乙丙丁"
    for i, point in enumerate(_sample_points(inner, graves, rng)):
        section, rest = divmod(i, 30)
        sites.graves_in.append(
            (
                index,
                {
                    "name": "烈士墓",
                    "kind": "in_cemetery",
                    "martyr_name": _person(rng) if rng.random() > 0.1 else None,
                    "area_code": home.code,
                    "geom": point,
                    "section": f"{sections[section % 4]}区",
                    "row_no": str(rest // 10 + 1),
                    "number": str(rest % 10 + 1),
                    **_upkeep(rng),
                    "synthetic": True,
                },
            )
        )


# -- loading -------------------------------------------------------------------------------------------------


def _walk(place: _Place) -> Iterator[_Place]:
    yield place
    for child in place.children:
        yield from _walk(child)


def _area_rows(places: list[_Place]) -> list[dict]:
    rows = []
    for top in places:
        for p in _walk(top):
            rows.append(
                {
                    "code": p.code,
                    "name": p.name,
                    "level": p.level,
                    "parent_code": p.parent,
                    "geom": from_shape(p.geom, srid=4326),
                    "point": from_shape(p.geom.representative_point(), srid=4326),
                    "population": p.population,
                    "synthetic": p.level in ("township", "village"),
                }
            )
    return rows


def _geometry_columns(row: dict) -> dict:
    return {
        k: (from_shape(v, srid=4326) if isinstance(v, Point | MultiPolygon | Polygon) else v)
        for k, v in row.items()
    }


def _refuse_if_real_sites(conn) -> None:
    for table in ("stations", "memorials", "cemeteries", "graves"):
        real = conn.execute(text(f"SELECT count(*) FROM {table} WHERE NOT synthetic")).scalar_one()
        if real:
            raise Conflict(
                f"the database holds {real} non-synthetic {table}; the demo would replace them. "
                "Load the demo into an empty database (or pass force=True / --force)"
            )


def generate_demo(scale: str, seed: int) -> tuple[list[_Place], _Sites]:
    """Build the demo atlas in memory: areas (tree from provinces down) and site rows."""
    if scale not in DEMO_SCALES:
        raise InvalidInput(f"unknown demo scale {scale!r}; one of {', '.join(DEMO_SCALES)}")
    rng = np.random.default_rng(seed)
    places = _read_boundaries()
    by_code = {p.code: p for p in places}
    counties = [p for p in places if p.level == "county"]
    plan = _plan_guangxi(counties) if scale == "guangxi" else {}
    for county in counties:
        if county.code in SHOWCASE:
            t, c, v = SHOWCASE[county.code]
        elif county.code in plan:
            t, total = plan[county.code]
            c = min(total - t, int(total * 0.15)) if county.name.endswith("区") else int(total * 0.05)
            v = total - c
        else:
            t = int(rng.integers(3, 6))
            per = [int(rng.integers(2, 5)) for _ in range(t)]
            c, v = (
                (sum(per) // 3, sum(per) - sum(per) // 3) if county.name.endswith("区") else (1, sum(per) - 1)
            )
        _build_county(county, t, c, v, rng)
        _rename_showcase(county)
    for place in places:
        if place.parent:
            by_code[place.parent].children.append(place)
    roots = [p for p in places if p.parent is None]

    sites = _Sites()
    guangxi = by_code.get(GUANGXI)
    if guangxi is not None:
        nanning = min((c for c in counties if c.code.startswith("4501")), key=lambda c: c.code)
        village = _seat(_seat(nanning))
        sites.stations.append(_station("province", "广西壮族自治区退役军人服务中心", village, rng))
    for city in (p for p in places if p.level == "city" and p.code not in PARTIAL_CITIES):
        seat_county = min((c for c in counties if c.parent == city.code), key=lambda c: c.code)
        village = _seat(_seat(seat_county))
        sites.stations.append(_station("city", f"{city.name}退役军人服务中心", village, rng))
    for county in counties:
        _county_sites(county, sites, rng)
    return roots, sites


def atlas_is_empty(engine: Engine) -> bool:
    """True when no area has been loaded yet."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT NOT EXISTS (SELECT 1 FROM areas)")).scalar_one()


def load_demo(
    engine: Engine, scale: str = "county", seed: int = 20260930, force: bool = False
) -> dict[str, int]:
    """Replace the atlas with the demo, in one transaction; returns the number of rows per table."""
    if not force:
        with engine.connect() as conn:
            _refuse_if_real_sites(conn)  # before the seconds spent generating
    roots, sites = generate_demo(scale, seed)
    with engine.begin() as conn:
        if not force:
            conn.execute(text("LOCK TABLE stations, memorials, cemeteries, graves IN SHARE MODE"))
            _refuse_if_real_sites(conn)
        # upkeep records name their sites by id: they go with the atlas they were made on
        conn.execute(
            text(
                "TRUNCATE proxy_tributes, tributes, family_request_notes, family_requests, martyrs, photos, report_followers, work_order_history, work_orders, campaigns, "
                "inspections, import_reports, "
                "graves, cemeteries, memorials, stations, areas RESTART IDENTITY"
            )
        )
        area_rows = _area_rows(roots)
        for level in ("province", "city", "county", "township", "village"):
            rows = [r for r in area_rows if r["level"] == level]
            if rows:
                conn.execute(insert(Area.__table__), rows)
        conn.execute(insert(Station.__table__), [_geometry_columns(r) for r in sites.stations])
        add_name_pinyin(sites.memorials)  # pinyin of the names, for the public search
        add_name_pinyin(sites.cemeteries)
        conn.execute(insert(Memorial.__table__), [_geometry_columns(r) for r in sites.memorials])
        cemetery_ids = (
            conn.execute(
                insert(Cemetery.__table__).returning(Cemetery.__table__.c.id, sort_by_parameter_order=True),
                [_geometry_columns(r) for r in sites.cemeteries],
            )
            .scalars()
            .all()
        )
        graves = [_geometry_columns({**g, "cemetery_id": cemetery_ids[i]}) for i, g in sites.graves_in]
        conn.execute(insert(Grave.__table__), graves)
        conn.execute(insert(Grave.__table__), [_geometry_columns(g) for g in sites.graves_scattered])
        # every eighth scattered grave was moved into its county's cemetery: keep the link old -> new
        conn.execute(
            text(
                "UPDATE graves g SET disposition = 'moved', moved_to_grave_id = ("
                " SELECT n.id FROM graves n WHERE n.kind = 'in_cemetery' AND left(n.area_code, 6) = left(g.area_code, 6)"
                " ORDER BY n.id DESC LIMIT 1 OFFSET (g.id % 20))"
                " WHERE g.kind = 'scattered' AND g.id % 8 = 0"
            )
        )
        add_demo_upkeep(conn, seed)  # synthetic inspections (the sites' condition) and open work orders
        add_demo_martyrs(conn, seed)  # synthetic martyr records of the graves and name walls
        counts = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("areas", "stations", "memorials", "cemeteries", "graves", "martyrs")
        }
    return counts
