"""OGC API – Features over the atlas: collections, extents, CRS handling and item queries.

Storage is WGS-84 longitude/latitude (PostGIS SRID 4326), which is OGC CRS84 axis order. Output and
bbox CRS (OGC API – Features Part 2) may be CRS84, EPSG:4326, EPSG:4490 (CGCS2000, treated as WGS-84:
they differ by centimetres) or EPSG:3857. EPSG:4326 and EPSG:4490 are latitude-first: coordinates are
flipped on the way out and bbox/filter values are read latitude-first. Feature ids are integers for the
sites and area codes (text) for ``areas``. Item queries are built with SQLAlchemy Core: every value a
client sends is a bind parameter, every name is checked against the collection's whitelist.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

import shapely
from psycopg.abc import Buffer
from psycopg.adapt import Loader
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Connection,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.elements import ColumnElement

from geo import vocab
from geo.atlas.collections import COLLECTIONS, CollectionSpec
from geo.atlas.field_policy import CLEARANCE, PUBLIC_ROLE, can_read, personal_names, personal_prefix
from geo.errors import InvalidParameter, NotFound
from geo.models import Area
from geo.ogc.cql2 import CQL2Error, Kind, Queryable, compile_filter
from geo.principal import PUBLIC, Principal

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
_MERCATOR_MAX = 20037508.342789244


def link(href: object, rel: str, media_type: str, title: str | None = None, **extra: object) -> dict:
    """An OGC API link object: ``href`` (a URL, as text), ``rel``, ``type``, ``title`` when given, and ``extra``."""
    found: dict = {"href": str(href), "rel": rel, "type": media_type}
    if title:
        found["title"] = title
    return {**found, **extra}


CONFORMANCE_CLASSES = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
)
"""The conformance classes implemented here, and only those (no cql2-json, arithmetic, temporal or array classes).
``sortby`` with its ``sortables`` is the sorting class of OGC API – Records, which Features clients (pygeoapi, STAC
Browser) look for; Features has no published sorting part yet. Part 4 (create, replace, update, delete) is
geo/ogc/editing.py, on the four site collections."""

TEMPORAL_PROPERTIES = {
    "stations": "opened_on",
    "memorials": "approval_date",
    "cemeteries": "approval_date",
    "graves": "updated_at",
    "areas": "updated_at",
}
"""The property the ``datetime`` parameter filters, per collection: the date a person means (a station's opening,
a memorial's or cemetery's approval as a protected site), the last change where there is no such date. QGIS turns
a date comparison in a layer's subset into ``datetime`` when it cannot send CQL2; any other date is filtered with
``filter``. Declared in ``extent.temporal`` and by the queryable's ``x-ogc-role: primary-instant``."""


@dataclass(frozen=True)
class Crs:
    """A coordinate reference system clients may ask for; ``bounds`` are in its own axis order."""

    uri: str
    label: str
    srid: int
    lat_first: bool
    bounds: tuple[float, float, float, float]
    precision: int

    def geometry_out(self, wgs84: ColumnElement) -> ColumnElement:
        """The storage geometry (WGS-84 lon/lat) expressed in this CRS and axis order."""
        if self.srid != 4326:
            return func.ST_Transform(wgs84, self.srid)
        return func.ST_FlipCoordinates(wgs84) if self.lat_first else wgs84

    def geometry_in(self, geometry: BaseGeometry) -> ColumnElement:
        """A literal geometry given in this CRS as a WGS-84 lon/lat geometry expression (bind parameters only)."""
        minx, miny, maxx, maxy = geometry.bounds
        (lo1, lo2, hi1, hi2) = self.bounds
        if minx < lo1 or miny < lo2 or maxx > hi1 or maxy > hi2:
            raise ValueError(
                f"coordinates outside the valid range of {self.label} ({self.describe_bounds()})"
            )
        wkt = literal(shapely.to_wkt(geometry, rounding_precision=-1), Text)
        if self.srid != 4326:
            return func.ST_Transform(func.ST_GeomFromText(wkt, literal(self.srid, Integer)), 4326)
        parsed = func.ST_GeomFromText(wkt, 4326)
        return func.ST_FlipCoordinates(parsed) if self.lat_first else parsed

    def describe_bounds(self) -> str:
        """The valid coordinate range, axis by axis, for messages."""
        axes = ("latitude", "longitude") if self.lat_first else ("x/longitude", "y/latitude")
        if self.srid == 3857:
            axes = ("x", "y")
        lo1, lo2, hi1, hi2 = self.bounds
        digits = 2 if self.srid == 3857 else 0
        return f"{axes[0]} {lo1:.{digits}f}..{hi1:.{digits}f}, {axes[1]} {lo2:.{digits}f}..{hi2:.{digits}f}"


SUPPORTED_CRS: tuple[Crs, ...] = (
    Crs(CRS84, "CRS84 (WGS-84 longitude/latitude)", 4326, False, (-180.0, -90.0, 180.0, 90.0), 7),
    Crs(EPSG_4326, "EPSG:4326 (WGS-84 latitude/longitude)", 4326, True, (-90.0, -180.0, 90.0, 180.0), 7),
    Crs(EPSG_4490, "EPSG:4490 (CGCS2000 latitude/longitude)", 4326, True, (-90.0, -180.0, 90.0, 180.0), 7),
    Crs(
        EPSG_3857,
        "EPSG:3857 (Web Mercator metres)",
        3857,
        False,
        (-_MERCATOR_MAX, -_MERCATOR_MAX, _MERCATOR_MAX, _MERCATOR_MAX),
        2,
    ),
)
STORAGE_CRS = SUPPORTED_CRS[0]  # PostGIS keeps lon/lat, the axis order of CRS84
_CRS_BY_KEY = {crs.uri.rsplit("/def/crs/", 1)[1].upper(): crs for crs in SUPPORTED_CRS}


def parse_crs(value: str | None, parameter: str) -> Crs:
    """The CRS named by an OGC URI (http or https), a [EPSG:n] safe CURIE, EPSG:n or CRS84; default CRS84."""
    if value is None:
        return STORAGE_CRS
    text = value.strip().strip("[]").upper()
    if "/DEF/CRS/" in text:
        key = text.rsplit("/DEF/CRS/", 1)[1].rstrip("/")
    elif text.startswith("URN:OGC:DEF:CRS:"):
        authority, _, code = text.removeprefix("URN:OGC:DEF:CRS:").partition(":")
        key = f"{authority}/0/{code.strip(':').rsplit(':', 1)[-1]}"
    elif text in ("CRS84", "OGC:CRS84"):
        key = "OGC/1.3/CRS84"
    elif text.startswith("EPSG:"):
        key = f"EPSG/0/{text[5:]}"
    else:
        key = text
    crs = _CRS_BY_KEY.get(key)
    if crs is None:
        supported = ", ".join(c.uri for c in SUPPORTED_CRS)
        raise InvalidParameter(f"{parameter}: unsupported CRS {value!r}; supported: {supported}")
    return crs


@dataclass(frozen=True)
class Property:
    """One property of a feature: its name, value kind and the SQL that reads it."""

    name: str
    kind: Kind
    expression: ColumnElement
    description: str | None = None
    enum: tuple[str, ...] = ()

    @property
    def queryable(self) -> bool:
        """Scalar properties can be filtered and sorted on; zone polygons are output only."""
        return self.kind != "geometry"


@dataclass(frozen=True)
class FeatureSource:
    """How one OGC collection is read: table, id, primary geometry and properties."""

    id: str
    title: str
    description: str
    table: Table
    id_column: ColumnElement
    integer_ids: bool
    geometry: ColumnElement
    geometry_type: str
    properties: tuple[Property, ...]
    intersects: Callable[[ColumnElement], ColumnElement[bool]]
    temporal: str
    """The name of the property ``datetime`` filters (TEMPORAL_PROPERTIES)."""
    personal_visible: ColumnElement[bool] | None = None
    """For a reader held to an area: true on the rows whose personal properties it may read (their expressions
    are NULL elsewhere, and the features leave them out); None when the view has none or shows them on every row."""
    view: tuple[str, str | None] = (PUBLIC_ROLE, None)
    """Whose view this is: the role and the area prefix of its personal properties (see ``_source_for_view``)."""
    rows: ColumnElement[bool] | None = None
    """Which rows of the table are features (a zone collection: those with that polygon); None: every row."""
    all_public: bool = False
    """Its properties were chosen public by hand (a zone collection): the field policy has nothing to hide."""

    @property
    def queryables(self) -> dict[str, Queryable]:
        """Names a filter may use: the scalar properties and ``geometry``."""
        found = {p.name: Queryable(p.name, p.kind, p.expression) for p in self.properties if p.queryable}
        found["geometry"] = Queryable("geometry", "geometry", self.geometry)
        return found

    def property(self, name: str) -> Property | None:
        """The property with this name, or None."""
        return next((p for p in self.properties if p.name == name), None)


_TITLES = {
    "stations": ("Veterans service stations", "退役军人服务中心/站 at five levels, with their 五有 flags."),
    "memorials": ("Martyr memorial facilities", "烈士纪念设施 with protection level and protection zone."),
    "cemeteries": ("Martyr cemeteries", "烈士陵园, 烈士墓区, 骨灰堂 with boundary and protection zone."),
    "graves": ("Martyr graves", "Graves in a cemetery or scattered (散葬烈士墓) under a custodian."),
    "areas": ("Administrative areas", "Province, city, county, township and village divisions (行政区划)."),
}
_VOCABULARIES = {
    "protection_level": vocab.PROTECTION_LEVELS,
    "upkeep_status": vocab.UPKEEP_STATUSES,
    "disposition": vocab.GRAVE_DISPOSITIONS,
    "care_party": vocab.CARE_PARTIES,
}


def _kind_of(column) -> Kind:
    sql_type = column.type
    if isinstance(sql_type, Boolean):
        return "boolean"
    if isinstance(sql_type, Integer):
        return "integer"
    if isinstance(sql_type, Float):
        return "number"
    if isinstance(sql_type, DateTime):
        return "timestamp"
    if isinstance(sql_type, Date):
        return "date"
    if isinstance(sql_type, String):
        return "string"
    return "geometry"


def _site_source(spec: CollectionSpec) -> FeatureSource:
    table: Table = spec.model.__table__
    areas = Area.__table__
    vocabularies = {**_VOCABULARIES, spec.kind_column: spec.kinds, spec.status_column: spec.statuses}
    properties = []
    for column in table.columns:
        if column.name in ("id", "geom"):
            continue
        field = spec.fields.model_fields.get(column.name)
        properties.append(
            Property(
                column.name,
                _kind_of(column),
                column,
                field.description if field else None,
                vocabularies.get(column.name, ()),
            )
        )
    area_name = select(areas.c.name).where(areas.c.code == table.c.area_code).scalar_subquery()
    properties.append(Property("area_name", "string", area_name, "name of the area (area_code)"))
    title, description = _TITLES[spec.name]
    return FeatureSource(
        spec.name,
        title,
        description,
        table,
        table.c.id,
        True,
        table.c.geom,
        "Point",
        tuple(properties),
        lambda envelope: func.ST_Intersects(table.c.geom, envelope),
        TEMPORAL_PROPERTIES[spec.name],
    )


def _area_source() -> FeatureSource:
    table: Table = Area.__table__
    properties = [
        Property("code", "string", table.c.code, "6-, 9- or 12-digit division code"),
        Property("name", "string", table.c.name),
        Property("level", "string", table.c.level, None, vocab.AREA_LEVELS),
        Property("parent_code", "string", table.c.parent_code),
        Property("population", "integer", table.c.population),
        Property("synthetic", "boolean", table.c.synthetic, "generated for the demo"),
        Property("created_at", "timestamp", table.c.created_at),
        Property("updated_at", "timestamp", table.c.updated_at),
    ]
    title, description = _TITLES["areas"]

    def intersects(envelope: ColumnElement) -> ColumnElement[bool]:
        return or_(
            func.ST_Intersects(table.c.geom, envelope),
            and_(table.c.geom.is_(None), func.ST_Intersects(table.c.point, envelope)),
        )

    return FeatureSource(
        "areas",
        title,
        description,
        table,
        table.c.code,
        False,
        func.coalesce(table.c.geom, table.c.point),
        "MultiPolygon",
        tuple(properties),
        intersects,
        TEMPORAL_PROPERTIES["areas"],
    )


class ZoneCollection(NamedTuple):
    """A polygon column of a site collection served as a collection of its own (and a tile layer, geo/ogc/tiles)."""

    site_collection: str
    column: str
    title: str
    description: str


ZONE_COLLECTIONS: dict[str, ZoneCollection] = {
    "memorial_protection_zones": ZoneCollection(
        "memorials",
        "protection_zone",
        "Protection zones of memorial facilities",
        "保护范围 of 烈士纪念设施: building, burying non-martyrs or occupying land inside is prohibited.",
    ),
    "memorial_control_zones": ZoneCollection(
        "memorials",
        "control_zone",
        "Construction-control zones of memorial facilities",
        "建设控制地带 around the protection zone of 烈士纪念设施.",
    ),
    "cemetery_boundaries": ZoneCollection(
        "cemeteries",
        "boundary",
        "Cemetery boundaries",
        "The boundary (范围) of 烈士陵园.",
    ),
    "cemetery_protection_zones": ZoneCollection(
        "cemeteries",
        "protection_zone",
        "Protection zones of cemeteries",
        "保护范围 of 烈士陵园: building, burying non-martyrs or occupying land inside is prohibited.",
    ),
    "cemetery_control_zones": ZoneCollection(
        "cemeteries",
        "control_zone",
        "Construction-control zones of cemeteries",
        "建设控制地带 around the protection zone of 烈士陵园.",
    ),
}
"""The polygons of memorials and cemeteries as collections of their own. Each feature has the id of its site and ``site_collection``/``site_id`` naming it; only sites with
that polygon are features."""
_ZONE_PROPERTIES = ("name", "kind", "protection_level", "area_code", "approval_date", "protection_zone_desc")


def _zone_source(collection_id: str) -> FeatureSource:
    base, column, title, description = ZONE_COLLECTIONS[collection_id]
    table: Table = COLLECTIONS[base].model.__table__
    polygon = table.c[column]
    for name in (*_ZONE_PROPERTIES, column):
        if not can_read(base, name, PUBLIC_ROLE):
            raise AssertionError(f"{collection_id} would show {base}.{name}, which is not public")
    properties = [
        Property(
            "site_collection", "string", literal(base, Text), "the collection of the site this belongs to"
        ),
        Property("site_id", "integer", table.c.id, f"the id of its feature in {base}"),
        *(Property(name, _kind_of(table.c[name]), table.c[name]) for name in _ZONE_PROPERTIES),
        Property(
            "area_m2",
            "number",
            func.round(cast(func.ST_Area(func.geography(polygon)), Numeric), 1),
            "geodesic area in square metres",
        ),
    ]
    areas = Area.__table__
    area_name = select(areas.c.name).where(areas.c.code == table.c.area_code).scalar_subquery()
    properties.append(Property("area_name", "string", area_name, "name of the area (area_code)"))
    return FeatureSource(
        collection_id,
        title,
        description,
        table,
        table.c.id,
        True,
        polygon,
        "MultiPolygon",
        tuple(properties),
        lambda envelope: func.ST_Intersects(polygon, envelope),
        "approval_date",
        rows=polygon.isnot(None),
        all_public=True,
    )


@cache
def feature_sources() -> dict[str, FeatureSource]:
    """Every OGC collection by id: the four site collections, ``areas``, then the zone polygons."""
    sources = {name: _site_source(spec) for name, spec in COLLECTIONS.items()}
    sources["areas"] = _area_source()
    sources.update({name: _zone_source(name) for name in ZONE_COLLECTIONS})
    return sources


@cache
def _source_for_view(collection_id: str, role: str, prefix: str | None) -> FeatureSource:
    """The collection as a role sees it, its personal properties read only in areas starting ``prefix``."""
    source = feature_sources()[collection_id]
    if source.all_public:
        return dataclasses.replace(source, view=(role, prefix))
    visible = tuple(p for p in source.properties if can_read(collection_id, p.name, role))
    personal = personal_names(collection_id) & {p.name for p in visible}
    if not personal or not prefix:  # none shown, or shown on every row (an account of the whole atlas)
        return dataclasses.replace(source, properties=visible, view=(role, prefix))
    inside = func.starts_with(source.table.c.area_code, literal(prefix, Text))
    masked = tuple(
        dataclasses.replace(p, expression=case((inside, p.expression), else_=null()))
        if p.name in personal
        else p
        for p in visible
    )
    return dataclasses.replace(source, properties=masked, personal_visible=inside, view=(role, prefix))


def _view_key(reader: Principal) -> tuple[str, str | None]:
    role = reader.role if reader.role in CLEARANCE else PUBLIC_ROLE
    return role, personal_prefix(reader)


def require_source(collection_id: str, reader: Principal = PUBLIC) -> FeatureSource:
    """The collection with this id as ``reader`` sees it (only the properties its role may read, personal ones
    only on features of its area; see geo/atlas/field_policy.py), so private properties are neither output,
    queryable nor sortable for it, and personal ones read as NULL outside its area; raises NotFound naming the
    collections that exist."""
    if collection_id not in feature_sources():
        raise NotFound(f"no collection {collection_id!r}; collections: {', '.join(feature_sources())}")
    return _source_for_view(collection_id, *_view_key(reader))


# -- collection metadata ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CollectionInfo:
    """What /collections/{id} says about a collection; ``bbox`` is CRS84 (None when empty)."""

    source: FeatureSource
    bbox: tuple[float, float, float, float] | None
    interval: tuple[str | None, str | None] | None = None
    """The first and last value of the temporal property (ISO 8601), None when no feature has one."""


def describe_collections(conn: Connection, collection_id: str | None = None) -> list[CollectionInfo]:
    """Metadata and exact CRS84 extent of one collection (or all), in one query."""
    sources = [require_source(collection_id)] if collection_id else list(feature_sources().values())
    extents = [
        select(
            literal(i, Integer).label("i"),
            func.ST_XMin(func.ST_Extent(s.geometry)).label("xmin"),
            func.ST_YMin(func.ST_Extent(s.geometry)).label("ymin"),
            func.ST_XMax(func.ST_Extent(s.geometry)).label("xmax"),
            func.ST_YMax(func.ST_Extent(s.geometry)).label("ymax"),
            func.min(s.table.c[s.temporal]).cast(Text).label("t0"),
            func.max(s.table.c[s.temporal]).cast(Text).label("t1"),
        )
        .select_from(s.table)
        .where(s.rows if s.rows is not None else literal(True))
        for i, s in enumerate(sources)
    ]
    rows = {
        r.i: r for r in conn.execute(extents[0].union_all(*extents[1:]) if len(extents) > 1 else extents[0])
    }
    infos = []
    for i, source in enumerate(sources):
        row = rows.get(i)
        bbox = None if row is None or row.xmin is None else (row.xmin, row.ymin, row.xmax, row.ymax)
        interval = None if row is None or row.t0 is None else (_iso(row.t0), _iso(row.t1))
        infos.append(CollectionInfo(source, bbox, interval))
    return infos


def _iso(text: str) -> str:
    """A date or timestamptz as PostgreSQL writes it, as RFC 3339 (UTC 'Z' when the session zone is UTC)."""
    if " " not in text:
        return text  # a date
    value = dt.datetime.fromisoformat(text.replace(" ", "T"))
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


_SCHEMA_TYPES: dict[str, dict] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "timestamp": {"type": "string", "format": "date-time"},
}


def property_schema(prop: Property) -> dict:
    """The JSON Schema of a scalar property (type, format, enum, description)."""
    schema = {"title": prop.name, **_SCHEMA_TYPES[prop.kind]}
    if prop.description:
        schema["description"] = prop.description
    if prop.enum:
        schema["enum"] = list(prop.enum)
    return schema


def queryables_schema(collection_id: str, schema_id: str, reader: Principal = PUBLIC) -> dict:
    """The queryables of a collection ``reader`` may use, as a JSON Schema (2020-12), geometry included."""
    source = require_source(collection_id, reader)
    properties = {p.name: property_schema(p) for p in source.properties if p.queryable}
    if source.temporal in properties:
        properties[source.temporal]["x-ogc-role"] = "primary-instant"
    geometry_type = source.geometry_type
    properties["geometry"] = {
        "title": "geometry",
        "description": "the location (WGS-84); use with S_INTERSECTS",
        "format": f"geometry-{geometry_type.lower()}",
        "$ref": f"https://geojson.org/schema/{geometry_type}.json",
        "x-ogc-role": "primary-geometry",
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id,
        "type": "object",
        "title": source.title,
        "description": f"Properties of {source.id} usable in filter, sortby and as query parameters.",
        "properties": properties,
        "additionalProperties": False,
    }


def sortables_schema(collection_id: str, schema_id: str, reader: Principal = PUBLIC) -> dict:
    """The properties ``sortby`` may name for ``reader`` (its queryables without geometry, and ``id``)."""
    source = require_source(collection_id, reader)
    id_kind = "integer" if source.integer_ids else "string"
    properties = {"id": {"title": "id", "type": id_kind}}
    properties.update({p.name: property_schema(p) for p in source.properties if p.queryable})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id,
        "type": "object",
        "title": source.title,
        "description": f"Properties of {source.id} usable in sortby (+name ascending, -name descending; "
        "features without a value come last).",
        "properties": properties,
        "additionalProperties": False,
    }


# -- item queries -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageLimits:
    """Default and maximum page size of item requests."""

    default: int
    maximum: int


ITEM_PARAMETERS = (
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "filter",
    "filter-lang",
    "filter-crs",
    "sortby",
    "properties",
    "limit",
    "offset",
    "f",
)
FILTER_LANGUAGES = ("cql2-text", "cql-text")  # cql-text: the pre-1.0 name GDAL's OAPIF driver sends


@dataclass(frozen=True)
class ItemQuery:
    """A validated items request: filters, order, page, output CRS and properties."""

    source: FeatureSource
    limit: int
    offset: int
    crs: Crs
    where: tuple[ColumnElement[bool], ...]
    """The client's tests other than the bbox (datetime, properties, filter); ``query_items`` adds the
    collection's own row test and the bbox's."""
    order_by: tuple[ColumnElement, ...]
    properties: tuple[Property, ...]
    bbox: tuple[float, float, float, float] | None = None
    """The bbox's corners (x/longitude first) in ``bbox_srid``, validated; None: no bbox."""
    bbox_srid: int = 4326
    sortby: str = ""
    """The sortby parameter as given (``order_by`` is its reading): with ``where`` empty, the page's SQL is
    compiled once per collection view, CRS, properties, sortby and bbox CRS, and only the values are bound."""


@dataclass(frozen=True)
class ItemsPage:
    """One page of features: how many match, how many are here, and the Features as one JSON text.

    ``features`` is the comma-separated GeoJSON Feature objects of the page in order (without the
    enclosing brackets), joined by PostgreSQL so no Python string is made per feature, in UTF-8 as
    the answer sends it.
    """

    number_matched: int
    number_returned: int
    features: bytes


_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _single(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise InvalidParameter(f"{name} is given {len(values)} times; give it once")
    return values[0]


def _integer(value: str, name: str, minimum: int, maximum: int = 2**63 - 1) -> int:
    if not _INTEGER.fullmatch(value.strip()):
        raise InvalidParameter(f"{name} must be an integer, got {value!r}")
    number = int(value)
    if number < minimum:
        raise InvalidParameter(f"{name} must be at least {minimum}, got {number}")
    if number > maximum:
        raise InvalidParameter(f"{name} must be at most {maximum}, got {number}")
    return number


def _parse_limit(value: str | None, limits: PageLimits) -> int:
    """The page size asked for; above the maximum it is the maximum (Features Part 1: not an error)."""
    if value is None:
        return limits.default
    return min(_integer(value, "limit", 1), limits.maximum)


def parse_bbox(value: str, crs: Crs) -> ColumnElement:
    """A bbox parameter (4 or 6 numbers, in the CRS's axis order) as a WGS-84 envelope expression."""
    return _envelope([literal(n, Float) for n in bbox_corners(value, crs)], crs.srid)


def _envelope(corners: list[ColumnElement], srid: int) -> ColumnElement:
    """The WGS-84 envelope of four corners (x/longitude first) given in ``srid``."""
    if srid != 4326:
        return func.ST_Transform(func.ST_MakeEnvelope(*corners, literal(srid, Integer)), 4326)
    return func.ST_MakeEnvelope(*corners, 4326)


def bbox_corners(value: str, crs: Crs) -> tuple[float, float, float, float]:
    """A bbox parameter (4 or 6 numbers, in the CRS's axis order) validated, as its corners x/longitude first."""
    parts = [p.strip() for p in value.split(",")]
    if not all(_NUMBER.fullmatch(p) for p in parts):
        raise InvalidParameter(f"bbox must be 4 or 6 comma-separated numbers, got {value!r}")
    numbers = [float(p) for p in parts]
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise InvalidParameter(f"bbox must be 4 or 6 comma-separated finite numbers, got {value!r}")
    if len(numbers) == 6:
        if numbers[2] > numbers[5]:
            raise InvalidParameter(
                f"bbox is inverted: minimum height {numbers[2]:g} > maximum {numbers[5]:g}"
            )
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    lo1, lo2, hi1, hi2 = numbers
    axis1, axis2 = ("latitude", "longitude") if crs.lat_first else ("x/longitude", "y/latitude")
    if lo1 > hi1:
        raise InvalidParameter(
            f"bbox is inverted: lower {axis1} {lo1:g} > upper {hi1:g} in {crs.label} "
            "(boxes across the antimeridian are not supported: split them in two)"
        )
    if lo2 > hi2:
        raise InvalidParameter(f"bbox is inverted: lower {axis2} {lo2:g} > upper {hi2:g} in {crs.label}")
    b_lo1, b_lo2, b_hi1, b_hi2 = crs.bounds
    if lo1 < b_lo1 or lo2 < b_lo2 or hi1 > b_hi1 or hi2 > b_hi2:
        raise InvalidParameter(
            f"bbox {value} is outside the valid range of {crs.label}: {crs.describe_bounds()}"
        )
    if crs.lat_first:
        lo1, lo2, hi1, hi2 = lo2, lo1, hi2, hi1
    return lo1, lo2, hi1, hi2


def _parse_instant(text: str, end: bool) -> dt.datetime:
    """An RFC 3339 date-time (UTC when no offset) or a date (start of day, or start of the next day at the end)."""
    text = text.strip()
    if "T" in text.upper():
        value = dt.datetime.fromisoformat(text.upper())
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    day = dt.date.fromisoformat(text)
    start = dt.datetime.combine(day, dt.time(), dt.UTC)
    return start + dt.timedelta(days=1) if end else start


def parse_datetime(value: str, column: ColumnElement) -> ColumnElement[bool] | None:
    """A datetime parameter (instant, date or interval with '..' open ends) as a test on ``column``."""
    parts = value.split("/")
    if len(parts) > 2:
        raise InvalidParameter(f"datetime must be an instant or an interval 'start/end', got {value!r}")
    try:
        if len(parts) == 1:
            if "T" not in value.upper():
                start, stop = _parse_instant(value, False), _parse_instant(value, True)
                return and_(column >= literal(start, DateTime(True)), column < literal(stop, DateTime(True)))
            return column == literal(_parse_instant(value, False), DateTime(True))
        ends = [None if p.strip() in ("", "..") else p for p in parts]
        start = None if ends[0] is None else _parse_instant(ends[0], False)
        stop = None if ends[1] is None else _parse_instant(ends[1], True)
    except ValueError:
        raise InvalidParameter(
            f"datetime {value!r} is not RFC 3339 (e.g. 2024-09-30, 2024-09-30T08:00:00Z or 2024-01-01/..)"
        ) from None
    if start is not None and stop is not None and start > stop:
        raise InvalidParameter(f"datetime interval {value!r} ends before it starts")
    tests = []
    if start is not None:
        tests.append(column >= literal(start, DateTime(True)))
    if stop is not None:
        end_is_date = "T" not in (ends[1] or "").upper()
        tests.append(
            column < literal(stop, DateTime(True)) if end_is_date else column <= literal(stop, DateTime(True))
        )
    return and_(*tests) if tests else None


def _parse_sortby(value: str, source: FeatureSource) -> tuple[ColumnElement, ...]:
    order: list[ColumnElement] = []
    seen: set[str] = set()
    for raw in value.split(","):
        item = raw.strip()  # '+name' arrives as ' name' when '+' was not escaped in the URL
        if not item:
            continue
        descending = item.startswith("-")
        name = item.lstrip("+-").strip()
        if name == "id":
            expression = source.id_column
        else:
            prop = source.property(name)
            if prop is None or not prop.queryable:
                sortable = ", ".join(["id", *(p.name for p in source.properties if p.queryable)])
                raise InvalidParameter(f"sortby: unknown property {name!r}; sortable: {sortable}")
            expression = prop.expression
        if name in seen:
            continue
        seen.add(name)
        # features without a value last, in either direction (PostgreSQL puts NULL first when descending)
        order.append(expression.desc().nulls_last() if descending else expression.asc().nulls_last())
    if "id" not in seen:
        order.append(source.id_column.asc())  # a stable order, so pages neither repeat nor skip
    return tuple(order)


def _parse_properties(value: str, source: FeatureSource) -> tuple[Property, ...]:
    chosen: list[Property] = []
    for raw in value.split(","):
        name = raw.strip()
        if not name:
            continue
        prop = source.property(name)
        if prop is None:
            known = ", ".join(p.name for p in source.properties)
            raise InvalidParameter(f"properties: unknown property {name!r}; properties: {known}")
        if prop not in chosen:
            chosen.append(prop)
    return tuple(chosen)


_BIND_TYPES = {
    "string": Text,
    "integer": BigInteger,
    "number": Float,
    "boolean": Boolean,
    "date": Date,
    "timestamp": DateTime(timezone=True),
}


def _parse_equality(prop: Property, value: str) -> ColumnElement[bool]:
    """``?name=value``: equality on a queryable property, the value read as the property's type."""
    text = value.strip() if prop.kind != "string" else value
    try:
        if prop.kind == "integer":
            if not _INTEGER.fullmatch(text):
                raise ValueError
            typed: object = int(text)
        elif prop.kind == "number":
            if not _NUMBER.fullmatch(text):
                raise ValueError
            typed = float(text)
            if not math.isfinite(typed):
                raise ValueError
        elif prop.kind == "boolean":
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError
            typed = text.lower() in ("true", "1")
        elif prop.kind == "date":
            typed = dt.date.fromisoformat(text)
        elif prop.kind == "timestamp":
            typed = _parse_instant(text, False)
        else:
            typed = value
    except ValueError:
        raise InvalidParameter(f"{prop.name} takes {prop.kind} values, got {value!r}") from None
    if prop.enum and typed not in prop.enum:
        raise InvalidParameter(f"unknown {prop.name} {value!r}; expected one of: {', '.join(prop.enum)}")
    return prop.expression == literal(typed, _BIND_TYPES[prop.kind])


def parse_item_query(
    collection_id: str, params: Mapping[str, list[str]], limits: PageLimits, reader: Principal = PUBLIC
) -> ItemQuery:
    """Validate an items request made by ``reader``; raises NotFound or InvalidParameter with a reason.

    Only the properties ``reader``'s role may read are output, filterable (CQL2, query parameters) or
    sortable; any other name is refused as unknown. Personal ones are NULL outside the reader's area.
    """
    source = require_source(collection_id, reader)
    equality = {p.name: p for p in source.properties if p.queryable}
    unknown = [name for name in params if name not in ITEM_PARAMETERS and name not in equality]
    if unknown:
        raise InvalidParameter(
            f"unknown query parameter {unknown[0]!r}; items take {', '.join(ITEM_PARAMETERS)} "
            f"and these properties of {source.id}: {', '.join(equality)}"
        )
    fmt = _single(params, "f")
    if fmt is not None and fmt.lower() not in ("json", "geojson", "html"):  # html: the page of web/ogc
        raise InvalidParameter(f"f: 'json' (GeoJSON) or 'html', not {fmt!r}")
    where: list[ColumnElement[bool]] = []  # the row test and the bbox's are added by query_items
    bbox = _single(params, "bbox")
    bbox_crs = parse_crs(_single(params, "bbox-crs"), "bbox-crs")
    corners = None if bbox is None else bbox_corners(bbox, bbox_crs)
    when = _single(params, "datetime")
    if when is not None:
        test = parse_datetime(when, source.table.c[source.temporal])
        if test is not None:
            where.append(test)
    for name, prop in equality.items():
        value = _single(params, name)
        if value is not None:
            where.append(_parse_equality(prop, value))
    text = _single(params, "filter")
    language = _single(params, "filter-lang")
    if language is not None and language not in FILTER_LANGUAGES:
        raise InvalidParameter(f"filter-lang {language!r} is not supported; use cql2-text")
    filter_crs = parse_crs(_single(params, "filter-crs"), "filter-crs")
    if text is not None:
        try:
            where.append(compile_filter(text, source.queryables, filter_crs.geometry_in))
        except CQL2Error as exc:
            raise InvalidParameter(f"filter: {exc.message}") from exc
    sortby = _single(params, "sortby")
    chosen = _single(params, "properties")
    return ItemQuery(
        source=source,
        limit=_parse_limit(_single(params, "limit"), limits),
        offset=_integer(_single(params, "offset") or "0", "offset", 0),
        crs=parse_crs(_single(params, "crs"), "crs"),
        where=tuple(where),
        order_by=_parse_sortby(sortby or "", source),
        properties=source.properties if chosen is None else _parse_properties(chosen, source),
        bbox=corners,
        bbox_srid=bbox_crs.srid,
        sortby=sortby or "",
    )


# -- serialisation in SQL -----------------------------------------------------------------------------

_MAX_PAIRS_PER_CALL = 50  # json_build_object takes at most 100 arguments
_SQL_DIALECT = postgresql.dialect()


def _geojson(geometry: ColumnElement, crs: Crs) -> ColumnElement:
    return cast(func.ST_AsGeoJSON(crs.geometry_out(geometry), crs.precision, 0), JSON)


def _json_object(pairs: list[tuple[str, ColumnElement]]) -> ColumnElement:
    """A JSON object built in SQL; keys are bind parameters, never SQL text."""
    if len(pairs) <= _MAX_PAIRS_PER_CALL:
        return func.json_build_object(*(arg for key, value in pairs for arg in (literal(key, Text), value)))
    chunks = [pairs[i : i + _MAX_PAIRS_PER_CALL] for i in range(0, len(pairs), _MAX_PAIRS_PER_CALL)]
    merged = func.jsonb_build_object(*(a for k, v in chunks[0] for a in (literal(k, Text), v)))
    for chunk in chunks[1:]:
        merged = merged.op("||")(
            func.jsonb_build_object(*(a for k, v in chunk for a in (literal(k, Text), v)))
        )
    return cast(merged, JSON)


def _feature_json(source: FeatureSource, crs: Crs, properties: tuple[Property, ...]) -> ColumnElement[str]:
    values = [
        (p.name, _geojson(p.expression, crs) if p.kind == "geometry" else p.expression) for p in properties
    ]
    shown = _json_object(values)
    personal = personal_names(source.id)
    if source.personal_visible is not None and any(name in personal for name, _ in values):
        # outside the reader's area the personal properties are left out, not sent as null
        others = _json_object([(name, value) for name, value in values if name not in personal])
        shown = case((source.personal_visible, shown), else_=others)
    feature = _json_object(
        [
            ("type", literal("Feature", Text)),
            ("id", source.id_column),
            ("geometry", _geojson(source.geometry, crs)),
            ("properties", shown),
        ]
    )
    return cast(feature, Text)


@cache
def _feature_rows_sql(source_id: str, view: tuple[str, str | None], crs: Crs, names: tuple[str, ...]) -> str:
    """``SELECT <id> AS fid, <GeoJSON Feature text> AS feature FROM <table>``, compiled once per output shape.

    Building and cache-keying this expression tree (two dozen json_build_object pairs) cost more
    Python time per request than PostgreSQL spends on a page of 100 features; compiled once, it is
    plain text. Only our own constants are inlined (property names, SRID, precision): the values a
    client sends stay bind parameters of the statement that wraps this one.
    """
    source = _source_for_view(source_id, *view)  # names were checked against the caller's view already
    properties = tuple(p for name in names if (p := source.property(name)) is not None)
    rows = select(
        source.id_column.label("fid"), _feature_json(source, crs, properties).label("feature")
    ).select_from(source.table)
    sql = str(rows.compile(dialect=_SQL_DIALECT, compile_kwargs={"literal_binds": True}))
    if "%" in sql:  # text() would read it as a parameter marker
        raise AssertionError(f"unexpected % in the feature SQL of {source_id}")
    return sql


def _page_statement(
    source: FeatureSource,
    names: tuple[str, ...],
    crs: Crs,
    where: list[ColumnElement[bool]],
    order_by: tuple[ColumnElement, ...],
    limit: int | ColumnElement,
    offset: int | ColumnElement,
):
    """One statement answering the page: numberMatched, numberReturned and the Features joined in one text."""
    # Page over ids first: PostgreSQL evaluates the select list of rows skipped by OFFSET too, so the
    # JSON is built only for the rows of this page, and deep pages cost no more than the first one.
    page = (
        select(
            source.id_column.label("page_id"),
            func.row_number().over(order_by=order_by).label("position"),
        )
        .where(*where)
        .order_by(*order_by)
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    rows = (
        text(_feature_rows_sql(source.id, source.view, crs, names))
        .columns(fid=source.id_column.type, feature=Text)
        .subquery("feature_rows")
    )
    features = (
        select(rows.c.feature, page.c.position)
        .select_from(rows.join(page, rows.c.fid == page.c.page_id))
        .subquery("features")
    )
    # numberMatched in the same round trip: an uncorrelated subquery PostgreSQL runs at most once, and
    # not at all on a short page (then the page is the last one and the count is offset + rows).
    count = select(func.count()).select_from(source.table).where(*where).scalar_subquery()
    returned = func.count()
    limit_value = literal(limit, Integer) if isinstance(limit, int) else limit
    offset_value = literal(offset, BigInteger) if isinstance(offset, int) else offset
    matched = case((returned < limit_value, offset_value + returned), else_=count)
    # the page's Features joined into one text, in page order, by PostgreSQL
    body = func.string_agg(features.c.feature, aggregate_order_by(literal_column("','"), features.c.position))
    return select(matched.label("matched"), returned.label("returned"), body.label("body")).select_from(
        features
    )


def _filters(query: ItemQuery, envelope: ColumnElement | None = None) -> list[ColumnElement[bool]]:
    """Every test of the query: the collection's rows, the bbox (``envelope``, else its corners), the client's."""
    source = query.source
    tests = [] if source.rows is None else [source.rows]
    if query.bbox is not None:
        if envelope is None:
            envelope = _envelope([literal(n, Float) for n in query.bbox], query.bbox_srid)
        tests.append(source.intersects(envelope))
    tests.extend(query.where)
    return tests


_BBOX_PARAMETERS = ("bbox_x1", "bbox_y1", "bbox_x2", "bbox_y2")


@lru_cache(maxsize=256)  # bounded: sortby is the client's text
def _compiled_page(
    source_id: str,
    view: tuple[str, str | None],
    crs: Crs,
    names: tuple[str, ...],
    sortby: str,
    bbox_srid: int | None,
    dialect,
) -> tuple[str, dict]:
    """The SQL text of a page with no filter but the bbox, and its constant parameters, compiled once.

    Building the statement and its cache key cost more Python time per request than PostgreSQL spends
    on a page of 100 features; the client's values (bbox corners, limit, offset) are bound by name.
    """
    source = _source_for_view(source_id, *view)
    envelope = None
    if bbox_srid is not None:
        envelope = _envelope([bindparam(name, type_=Float) for name in _BBOX_PARAMETERS], bbox_srid)
    query = ItemQuery(
        source=source,
        limit=1,
        offset=0,
        crs=crs,
        where=(),
        order_by=_parse_sortby(sortby, source),
        properties=(),
        bbox=None if envelope is None else (0.0, 0.0, 0.0, 0.0),  # its test is on ``envelope``
    )
    statement = _page_statement(
        source,
        names,
        crs,
        _filters(query, envelope),
        query.order_by,
        bindparam("page_limit", type_=Integer),
        bindparam("page_offset", type_=BigInteger),
    )
    compiled = statement.compile(dialect=dialect)
    if "POSTCOMPILE" in compiled.string:  # an expanding parameter would need SQLAlchemy at every execution
        raise AssertionError(f"unexpected expanding parameter in the page SQL of {source_id}")
    return compiled.string, compiled.construct_params(_check=False)


def query_items(conn: Connection, query: ItemQuery) -> ItemsPage:
    """One page of features matching the query (GeoJSON text in the query's CRS) and the number matched."""
    source = query.source
    names = tuple(p.name for p in query.properties)
    if not query.where:  # the usual request: a bbox at most; its SQL is compiled once
        sql, constants = _compiled_page(
            source.id,
            source.view,
            query.crs,
            names,
            query.sortby,
            None if query.bbox is None else query.bbox_srid,
            conn.dialect,
        )
        values = {**constants, "page_limit": query.limit, "page_offset": query.offset}
        if query.bbox is not None:
            values.update(zip(_BBOX_PARAMETERS, query.bbox, strict=True))
        matched, returned, body = _fetch_page(conn, sql, values)
    else:
        statement = _page_statement(
            source, names, query.crs, _filters(query), query.order_by, query.limit, query.offset
        )
        matched, returned, text_body = conn.execute(statement).one()
        body = None if text_body is None else text_body.encode()
    if returned == 0 and query.offset > 0:
        # past the last page: nothing to serialise, but numberMatched still says how many there are
        total = conn.execute(
            select(func.count()).select_from(source.table).where(*_filters(query))
        ).scalar_one()
        return ItemsPage(total, 0, b"")
    return ItemsPage(matched, returned, body or b"")


class _Utf8Bytes(Loader):
    """psycopg's reading of a text column as its bytes (the connection's encoding checked to be UTF-8)."""

    def load(self, data: Buffer) -> bytes:
        """The column's bytes as they came."""
        return bytes(data)


def _fetch_page(conn: Connection, sql: str, values: dict) -> tuple[int, int, bytes | None]:
    """matched, returned and the page's text as UTF-8 bytes: a page of 1000 features is 700 kB that
    would be decoded into a str and encoded again for the answer (5 ms of CPU per page).

    The statement runs on psycopg's own cursor, with the text loader of that cursor alone changed; a
    failure there is run again through SQLAlchemy, which wraps it as every other database error and
    takes a lost connection (a restarted database) out of the pool.
    """
    driver = conn.connection.driver_connection
    if conn.dialect.driver == "psycopg" and driver.info.encoding == "utf-8":
        try:
            with driver.cursor() as cursor:
                cursor.adapters.register_loader("text", _Utf8Bytes)
                cursor.execute(sql, values)
                row = cursor.fetchone()
            if row is not None:
                return row
        except conn.dialect.loaded_dbapi.Error:
            pass  # below, through SQLAlchemy
    matched, returned, body = conn.exec_driver_sql(sql, values).one()
    return matched, returned, None if body is None else body.encode()


def parse_feature_id(source: FeatureSource, feature_id: str) -> int | str:
    """The typed id of a feature; a non-integer id of a site collection is simply not found."""
    if not source.integer_ids:
        return feature_id
    if not re.fullmatch(r"[0-9]+", feature_id):
        raise NotFound(f"no {source.id} feature {feature_id!r}: their ids are integers")
    number = int(feature_id)
    if number >= 2**63:
        raise NotFound(f"no {source.id} feature {feature_id}")
    return number


def get_item(
    conn: Connection, collection_id: str, feature_id: str, crs: Crs, reader: Principal = PUBLIC
) -> str:
    """One feature as GeoJSON text in the given CRS, with the properties ``reader`` may read; raises NotFound."""
    source = require_source(collection_id, reader)
    key = parse_feature_id(source, feature_id)
    bind_type = BigInteger if source.integer_ids else Text
    statement = select(_feature_json(source, crs, source.properties)).where(
        source.id_column == literal(key, bind_type), *(() if source.rows is None else (source.rows,))
    )
    found = conn.execute(statement).scalar()
    if found is None:
        raise NotFound(f"no {source.id} feature {feature_id}")
    return found
