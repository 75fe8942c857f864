"""ORM models of the atlas (SQLAlchemy 2 + GeoAlchemy2); geometries are WGS-84 (EPSG:4326)."""

from __future__ import annotations

import datetime as dt
import uuid

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from geo import vocab

SRID = 4326


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    """Declarative base of every table."""


class _Timestamps:
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class Area(_Timestamps, Base):
    """An administrative division: province, city, county, township or village."""

    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    parent_code: Mapped[str | None] = mapped_column(String(12), ForeignKey("areas.code"), index=True)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=True)
    point = mapped_column(Geometry("POINT", srid=SRID, spatial_index=True), nullable=True)
    population: Mapped[int | None] = mapped_column(Integer)
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")

    __table_args__ = (
        CheckConstraint(_in("level", vocab.AREA_LEVELS), name="ck_areas_level"),
        CheckConstraint(
            "(level IN ('province','city','county') AND code ~ '^[0-9]{6}$')"
            " OR (level = 'township' AND code ~ '^[0-9]{9}$')"
            " OR (level = 'village' AND code ~ '^[0-9]{12}$')",
            name="ck_areas_code_format",
        ),
        CheckConstraint("geom IS NOT NULL OR point IS NOT NULL", name="ck_areas_has_location"),
        CheckConstraint("geom IS NULL OR ST_IsValid(geom)", name="ck_areas_geom_valid"),
        CheckConstraint("population IS NULL OR population >= 0", name="ck_areas_population"),
        Index("ix_areas_code_pattern", "code", postgresql_ops={"code": "text_pattern_ops"}),
        Index("ix_areas_level", "level"),
    )


class _Site(_Timestamps):
    """Columns every mapped site shares: identity, name, location and the area it lies in."""

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    address: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    geom = mapped_column(Geometry("POINT", srid=SRID, spatial_index=True), nullable=False)
    # raised by one on every changing UPDATE by the row trigger of migration 0008 (optimistic locking)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    @declared_attr
    def area_code(cls) -> Mapped[str]:
        return mapped_column(String(12), ForeignKey("areas.code"), nullable=False)


def _site_args(t: str) -> tuple:
    return (
        CheckConstraint("char_length(btrim(name)) BETWEEN 1 AND 200", name=f"ck_{t}_name"),
        CheckConstraint("version >= 1", name=f"ck_{t}_version"),
        Index(f"ix_{t}_area_code", "area_code", postgresql_ops={"area_code": "text_pattern_ops"}),
    )


class _Upkeep:
    """Upkeep state of a site that crews inspect (memorials, cemeteries, graves)."""

    upkeep_status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="unknown")
    condition_index: Mapped[int | None] = mapped_column(SmallInteger)
    last_inspected_on: Mapped[dt.date | None] = mapped_column(Date)


def _upkeep_args(t: str) -> tuple:
    return (
        CheckConstraint(_in("upkeep_status", vocab.UPKEEP_STATUSES), name=f"ck_{t}_upkeep_status"),
        CheckConstraint(
            "condition_index IS NULL OR condition_index BETWEEN 0 AND 100", name=f"ck_{t}_condition_index"
        ),
    )


class _Protected(_Upkeep):
    """Protection level, approval record and protection / construction-control zones (memorials, cemeteries)."""

    protection_level: Mapped[str] = mapped_column(String(16), nullable=False)
    approved_by: Mapped[str | None] = mapped_column(Text)
    approval_doc_no: Mapped[str | None] = mapped_column(Text)
    approval_date: Mapped[dt.date | None] = mapped_column(Date)
    protection_unit: Mapped[str | None] = mapped_column(Text)
    management_unit: Mapped[str | None] = mapped_column(Text)
    has_protection_sign: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    protection_zone = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True))
    protection_zone_m2: Mapped[float | None] = mapped_column(
        Float, Computed("ST_Area(protection_zone::geography)", persisted=True)
    )
    protection_zone_desc: Mapped[str | None] = mapped_column(Text)
    control_zone = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True))
    description: Mapped[str | None] = mapped_column(Text)
    # pinyin of the name for the public search (migration 0009; written by the application, geo/kit/pinyin.py)
    name_pinyin: Mapped[str | None] = mapped_column(Text)
    name_initials: Mapped[str | None] = mapped_column(Text)


def _protected_args(t: str) -> tuple:
    return (
        CheckConstraint(_in("protection_level", vocab.PROTECTION_LEVELS), name=f"ck_{t}_protection_level"),
        CheckConstraint(
            "protection_zone IS NULL OR ST_IsValid(protection_zone)", name=f"ck_{t}_protection_zone_valid"
        ),
        CheckConstraint(
            "control_zone IS NULL OR ST_IsValid(control_zone)", name=f"ck_{t}_control_zone_valid"
        ),
        *_name_search_indexes(t),
    )


def _trgm_index(name: str, column: str) -> Index:
    return Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


def _prefix_index(name: str, column: str) -> Index:
    return Index(name, column, postgresql_ops={column: "text_pattern_ops"})


def _name_search_indexes(t: str) -> tuple:
    return (
        _trgm_index(f"ix_{t}_name_trgm", "name"),
        _trgm_index(f"ix_{t}_name_pinyin_trgm", "name_pinyin"),
        _prefix_index(f"ix_{t}_name_initials", "name_initials"),
    )


class Station(_Site, Base):
    """A veterans service centre or station at one of five levels, with its "五有" flags."""

    __tablename__ = "stations"

    level: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="active")
    served_area_code: Mapped[str | None] = mapped_column(String(12), ForeignKey("areas.code"))
    has_organisation: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    has_staff_quota: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    has_staff: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    has_funding: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    has_support: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    star_rating: Mapped[int | None] = mapped_column(SmallInteger)
    national_model: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    people_served: Mapped[int | None] = mapped_column(Integer)
    opened_on: Mapped[dt.date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(32))

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (
            *_site_args(cls.__tablename__),
            CheckConstraint(_in("level", vocab.STATION_LEVELS), name="ck_stations_level"),
            CheckConstraint(_in("status", vocab.STATION_STATUSES), name="ck_stations_status"),
            CheckConstraint(
                "star_rating IS NULL OR star_rating BETWEEN 1 AND 5", name="ck_stations_star_rating"
            ),
            CheckConstraint("people_served IS NULL OR people_served >= 0", name="ck_stations_people_served"),
            Index("ix_stations_level", "level"),
        )


class Memorial(_Site, _Protected, Base):
    """A martyr memorial facility (纪念设施) with its protection zone."""

    __tablename__ = "memorials"

    kind: Mapped[str] = mapped_column(String(16), nullable=False)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (
            *_site_args(cls.__tablename__),
            *_upkeep_args(cls.__tablename__),
            *_protected_args(cls.__tablename__),
            CheckConstraint(_in("kind", vocab.MEMORIAL_KINDS), name="ck_memorials_kind"),
            Index("ix_memorials_kind", "kind"),
        )


class Cemetery(_Site, _Protected, Base):
    """A martyr cemetery, grave area or columbarium, with its boundary and protection zone."""

    __tablename__ = "cemeteries"

    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    boundary = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True))
    grave_capacity: Mapped[int | None] = mapped_column(Integer)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (
            *_site_args(cls.__tablename__),
            *_upkeep_args(cls.__tablename__),
            *_protected_args(cls.__tablename__),
            CheckConstraint(_in("kind", vocab.CEMETERY_KINDS), name="ck_cemeteries_kind"),
            CheckConstraint("boundary IS NULL OR ST_IsValid(boundary)", name="ck_cemeteries_boundary_valid"),
            CheckConstraint(
                "grave_capacity IS NULL OR grave_capacity >= 0", name="ck_cemeteries_grave_capacity"
            ),
            Index("ix_cemeteries_kind", "kind"),
        )


class Grave(_Site, _Upkeep, Base):
    """A martyr's grave, inside a cemetery (section/row/number) or scattered with a custodian."""

    __tablename__ = "graves"

    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    martyr_name: Mapped[str | None] = mapped_column(Text)
    cemetery_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cemeteries.id"), index=True)
    section: Mapped[str | None] = mapped_column(String(32))
    row_no: Mapped[str | None] = mapped_column(String(32))
    number: Mapped[str | None] = mapped_column(String(32))
    disposition: Mapped[str | None] = mapped_column(String(16))
    moved_to_grave_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("graves.id"))
    care_party: Mapped[str | None] = mapped_column(String(20))
    custodian_name: Mapped[str | None] = mapped_column(Text)
    custodian_phone: Mapped[str | None] = mapped_column(String(32))
    responsible_cadre: Mapped[str | None] = mapped_column(Text)
    care_agreed_on: Mapped[dt.date | None] = mapped_column(
        Date
    )  # date of the care agreement (migration 0007)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (
            *_site_args(cls.__tablename__),
            *_upkeep_args(cls.__tablename__),
            CheckConstraint(_in("kind", vocab.GRAVE_KINDS), name="ck_graves_kind"),
            CheckConstraint(
                "(kind = 'in_cemetery') = (cemetery_id IS NOT NULL)", name="ck_graves_cemetery_matches_kind"
            ),
            CheckConstraint(
                f"disposition IS NULL OR ({_in('disposition', vocab.GRAVE_DISPOSITIONS)})",
                name="ck_graves_disposition",
            ),
            CheckConstraint(
                "(disposition = 'moved') = (moved_to_grave_id IS NOT NULL)", name="ck_graves_moved_has_target"
            ),
            CheckConstraint(
                f"care_party IS NULL OR ({_in('care_party', vocab.CARE_PARTIES)})",
                name="ck_graves_care_party",
            ),
            CheckConstraint(
                "moved_to_grave_id IS NULL OR moved_to_grave_id <> id", name="ck_graves_not_moved_to_self"
            ),
            Index("ix_graves_kind", "kind"),
        )


class DataVersion(Base):
    """A collection's data version: a statement trigger raises it on every insert, update, delete or truncate."""

    __tablename__ = "data_versions"

    collection: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)


# -- background runs (geo/kit/runs.py) ----------------------------------------------------------------------


class RunColumns:
    """Columns every background run has (coverage, travel time, siting): status, parameters, when it started and
    finished, its phase and progress (0–1) while it works, and the error of a failed run."""

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="running")
    parameters: Mapped[dict] = mapped_column(JSONB, nullable=False)
    started_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    phase: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[float] = mapped_column(Float, nullable=False, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)


def _run_checks(table: str) -> tuple[CheckConstraint, ...]:
    """The checks of RunColumns on a runs table: a known status, progress between 0 and 1."""
    return (
        CheckConstraint("status IN ('running', 'done', 'failed')", name=f"ck_{table}_status"),
        CheckConstraint("progress BETWEEN 0 AND 1", name=f"ck_{table}_progress"),
    )


# -- coverage (issue 4) -------------------------------------------------------------------------------------
# Nearest-station coverage of villages and townships. Distances are geodesic metres on the WGS-84 ellipsoid;
# lon/lat are the WGS-84 degrees each distance was measured from. Station ids carry no foreign key: the
# coverage tables are rebuilt in bulk and stations may be truncated by loaders; a statement trigger on
# stations queues every changed id in coverage_queue instead (see geo/coverage/runs.py).


class CoverageRun(RunColumns, Base):
    """One computation of the coverage tables: a full run, or an incremental refresh after station changes."""

    __tablename__ = "coverage_runs"

    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    base_run_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("coverage_runs.id"))
    areas_version: Mapped[int | None] = mapped_column(BigInteger)
    counts: Mapped[dict | None] = mapped_column(JSONB)

    __table_args__ = (
        CheckConstraint("kind IN ('full', 'incremental')", name="ck_coverage_runs_kind"),
        *_run_checks("coverage_runs"),
    )


class _CoverageRow:
    """Columns every coverage row has: the unit, the run that last changed it, where it was measured from."""

    area_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    lon: Mapped[float] = mapped_column(Float, nullable=False)
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    population: Mapped[int | None] = mapped_column(Integer)
    any_station_id: Mapped[int | None] = mapped_column(BigInteger)
    any_station_m: Mapped[float | None] = mapped_column(Float)
    covered_any: Mapped[bool] = mapped_column(Boolean, nullable=False)
    township_station_id: Mapped[int | None] = mapped_column(BigInteger)
    township_station_m: Mapped[float | None] = mapped_column(Float)
    covered_township: Mapped[bool] = mapped_column(Boolean, nullable=False)
    travel_time_s: Mapped[float | None] = mapped_column(Float)
    # travel time over a road network (migration 0005, geo/coverage/travel_time.py): seconds to the station of each
    # level nearest by time, which station that is, the off-network access distance in geodesic metres
    township_station_s: Mapped[float | None] = mapped_column(Float)
    township_time_station_id: Mapped[int | None] = mapped_column(BigInteger)
    any_station_s: Mapped[float | None] = mapped_column(Float)
    any_time_station_id: Mapped[int | None] = mapped_column(BigInteger)
    access_m: Mapped[float | None] = mapped_column(Float)

    @declared_attr
    def run_id(cls) -> Mapped[int]:
        return mapped_column(BigInteger, ForeignKey("coverage_runs.id"), nullable=False)

    @declared_attr
    def travel_run_id(cls) -> Mapped[int | None]:
        return mapped_column(BigInteger, ForeignKey("travel_runs.id", ondelete="SET NULL"))


class CoverageVillage(_CoverageRow, Base):
    """Per village/community: nearest village-level, township-level and any-level active station."""

    __tablename__ = "coverage_villages"

    village_station_id: Mapped[int | None] = mapped_column(BigInteger)
    village_station_m: Mapped[float | None] = mapped_column(Float)
    covered_village: Mapped[bool] = mapped_column(Boolean, nullable=False)
    village_station_s: Mapped[float | None] = mapped_column(Float)
    village_time_station_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index(
            "ix_coverage_villages_area_code",
            "area_code",
            postgresql_ops={"area_code": "text_pattern_ops"},
        ),
    )


class CoverageTownship(_CoverageRow, Base):
    """Per township/street: nearest township-level and any-level active station."""

    __tablename__ = "coverage_townships"

    __table_args__ = (
        Index(
            "ix_coverage_townships_area_code",
            "area_code",
            postgresql_ops={"area_code": "text_pattern_ops"},
        ),
    )


class CoverageQueue(Base):
    """Stations changed since the coverage tables were computed; station_id NULL means "all of them"."""

    __tablename__ = "coverage_queue"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    station_id: Mapped[int | None] = mapped_column(BigInteger)
    queued_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class SitingRun(RunColumns, Base):
    """One siting request (MCLP, LSCP or a target share): parameters, progress and, when done, the answer."""

    __tablename__ = "siting_runs"

    problem: Mapped[str] = mapped_column(String(16), nullable=False)
    area_code: Mapped[str | None] = mapped_column(String(12))
    result: Mapped[dict | None] = mapped_column(JSONB)

    __table_args__ = (
        CheckConstraint("problem IN ('mclp', 'lscp', 'target_share')", name="ck_siting_runs_problem"),
        *_run_checks("siting_runs"),
    )


# -- road networks and travel time (issue 4, part 3) ------------------------------------------------------
# Road edges are WGS-84 LineStrings between graph nodes (numbered per network); lengths are geodesic metres,
# speeds km/h, times seconds. A oneway edge may only be driven from source to target (its drawing order).


class RoadNetwork(Base):
    """An imported road network: where it came from, its size and a hash of its graph (keys the graph cache)."""

    __tablename__ = "road_networks"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    source: Mapped[str | None] = mapped_column(Text)
    source_crs: Mapped[str] = mapped_column(String(32), nullable=False)
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    nodes: Mapped[int] = mapped_column(Integer, nullable=False)
    edges: Mapped[int] = mapped_column(Integer, nullable=False)
    length_m: Mapped[float] = mapped_column(Float, nullable=False)
    imported_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )

    __table_args__ = (
        CheckConstraint("char_length(btrim(name)) BETWEEN 1 AND 200", name="ck_road_networks_name"),
    )


class RoadEdge(Base):
    """One road edge between two nodes of its network, with its class, speed, length and travel time."""

    __tablename__ = "road_edges"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    network_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("road_networks.id", ondelete="CASCADE"), nullable=False
    )
    source: Mapped[int] = mapped_column(Integer, nullable=False)
    target: Mapped[int] = mapped_column(Integer, nullable=False)
    highway: Mapped[str | None] = mapped_column(String(32))
    speed_kmh: Mapped[float] = mapped_column(Float, nullable=False)
    oneway: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    length_m: Mapped[float] = mapped_column(Float, nullable=False)
    travel_s: Mapped[float] = mapped_column(Float, nullable=False)
    geom = mapped_column(Geometry("LINESTRING", srid=SRID, spatial_index=True), nullable=False)

    __table_args__ = (
        CheckConstraint("speed_kmh > 0", name="ck_road_edges_speed"),
        CheckConstraint("length_m >= 0 AND travel_s >= 0", name="ck_road_edges_length"),
        Index("ix_road_edges_network_id", "network_id"),
    )


class TravelRun(RunColumns, Base):
    """One travel-time computation over a road network: parameters, progress and, when done, counts."""

    __tablename__ = "travel_runs"

    network_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("road_networks.id", ondelete="SET NULL")
    )
    counts: Mapped[dict | None] = mapped_column(JSONB)

    __table_args__ = _run_checks("travel_runs")


class ServiceArea(Base):
    """The area from which a station is reached within ``minutes`` over a road network (geodesic m² area)."""

    __tablename__ = "service_areas"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    network_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("road_networks.id", ondelete="CASCADE"), nullable=False
    )
    travel_run_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("travel_runs.id", ondelete="SET NULL")
    )
    station_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    station_level: Mapped[str] = mapped_column(String(16), nullable=False)
    area_code: Mapped[str] = mapped_column(String(12), nullable=False)
    minutes: Mapped[float] = mapped_column(Float, nullable=False)
    area_m2: Mapped[float] = mapped_column(Float, nullable=False)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False)

    __table_args__ = (
        UniqueConstraint("network_id", "station_id", "minutes", name="uq_service_areas_station_minutes"),
        Index("ix_service_areas_area_code", "area_code", postgresql_ops={"area_code": "text_pattern_ops"}),
        CheckConstraint("minutes > 0", name="ck_service_areas_minutes"),
    )


# -- accounts, credentials and the audit log (issue 5) ------------------------------------------------------
# Accounts carry a role and the area code their rights hold in (NULL: the whole atlas); no foreign key to
# areas, whose loaders truncate and reload them. Secrets are never stored: passwords as argon2 hashes, API
# tokens and session tokens as SHA-256 hex digests. The audit log is append-only (a trigger refuses UPDATE,
# DELETE and TRUNCATE).


class Account(Base):
    """A user who signs in: role (crew, planner, admin), area of responsibility, argon2 password hash."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    area_code: Mapped[str | None] = mapped_column(String(12))
    disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    auth_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )

    __table_args__ = (
        CheckConstraint("role IN ('crew', 'planner', 'admin')", name="ck_accounts_role"),
        CheckConstraint("username ~ '^[a-z0-9][a-z0-9._-]{0,63}$'", name="ck_accounts_username"),
        CheckConstraint(
            "area_code IS NULL OR area_code ~ '^[0-9]{6}([0-9]{3}){0,2}$'", name="ck_accounts_area"
        ),
    )


class ApiToken(Base):
    """A long-lived bearer token of an account (only its SHA-256 is kept), revocable by an admin."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(Text, nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("char_length(btrim(name)) BETWEEN 1 AND 200", name="ck_api_tokens_name"),
    )


class WebSession(Base):
    """A signed-in browser: the SHA-256 of its cookie token, its CSRF token, when it expires, and the account's
    credentials epoch it was started in (valid only while the account's ``auth_version`` is the same)."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    client_addr: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    auth_version: Mapped[int] = mapped_column(Integer, nullable=False)  # migration 0010


class LoginAttempt(Base):
    """One password login attempt, kept a day: the lock-out counts recent failures per name and address."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    client_addr: Mapped[str] = mapped_column(Text, nullable=False)
    succeeded: Mapped[bool] = mapped_column(Boolean, nullable=False)
    attempted_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )

    __table_args__ = (
        Index("ix_login_attempts_username", "username", "attempted_at"),
        Index("ix_login_attempts_client_addr", "client_addr", "attempted_at"),
    )


class AuditEntry(Base):
    """One write: who (account, role), when, what (action, collection, record), before and after, from where."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    account_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id"))
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    collection: Mapped[str] = mapped_column(String(64), nullable=False)
    record_id: Mapped[int | None] = mapped_column(BigInteger)
    area_code: Mapped[str | None] = mapped_column(String(12))
    before: Mapped[dict | None] = mapped_column(JSONB)
    after: Mapped[dict | None] = mapped_column(JSONB)
    request_id: Mapped[str | None] = mapped_column(String(128))
    client_addr: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_audit_log_record", "collection", "record_id"),
        Index("ix_audit_log_area_code", "area_code", postgresql_ops={"area_code": "text_pattern_ops"}),
    )


# -- upkeep: inspections and work orders (issue 6) ----------------------------------------------------------
# An inspection or a work order belongs to one site of memorials, cemeteries or graves, named by collection and
# id (no foreign key: one column pair serves three tables); area_code is the site's area when the record was
# made, and scopes who may see and change it. Category scores are 0-4 (see geo/upkeep/inspections.py); the condition
# index 0-100 is stored as computed with the weights in force then. Inspections are append-only records (a
# correction is a new inspection); work orders carry a version for optimistic locking and a history row per change.

UPKEEP_COLLECTIONS = ("memorials", "cemeteries", "graves")
INSPECTION_CATEGORIES = ("monument", "structure", "paths", "greenery", "signage", "enclosure", "cleanliness")
WORK_ORDER_STATUSES = (
    "reported",
    "triaged",
    "assigned",
    "in_progress",
    "done",
    "verified",
    "rejected",
    "duplicate",
)
WORK_ORDER_PRIORITIES = ("low", "normal", "high", "urgent")
WORK_ORDER_KINDS = ("repair", "cleaning", "tribute", "proxy_tribute")  # proxy_tribute: migration 0013
WORK_ORDER_SOURCES = ("staff", "public", "open311")
CAMPAIGN_KINDS = ("qingming", "martyrs_day", "other")
PHOTO_STAGES = ("site", "inspection", "before", "after", "report")
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


class Inspection(Base):
    """One inspection of a site: category scores 0-4, condition index 0-100, five-conditions checklist, position."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    collection: Mapped[str] = mapped_column(String(16), nullable=False)
    site_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    area_code: Mapped[str] = mapped_column(String(12), nullable=False)
    inspected_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    inspector_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id"))
    inspector: Mapped[str] = mapped_column(Text, nullable=False)
    score_monument: Mapped[int | None] = mapped_column(SmallInteger)
    score_structure: Mapped[int | None] = mapped_column(SmallInteger)
    score_paths: Mapped[int | None] = mapped_column(SmallInteger)
    score_greenery: Mapped[int | None] = mapped_column(SmallInteger)
    score_signage: Mapped[int | None] = mapped_column(SmallInteger)
    score_enclosure: Mapped[int | None] = mapped_column(SmallInteger)
    score_cleanliness: Mapped[int | None] = mapped_column(SmallInteger)
    condition_index: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    infrastructure_complete: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    protection_good: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    institutions_sound: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    management_standard: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    function_effective: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    notes: Mapped[str | None] = mapped_column(Text)
    position = mapped_column(Geometry("POINT", srid=SRID, spatial_index=False))
    position_accuracy_m: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    client_key: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # replay key of an offline submission

    __table_args__ = (
        CheckConstraint(_in("collection", UPKEEP_COLLECTIONS), name="ck_inspections_collection"),
        *(
            CheckConstraint(
                f"score_{c} IS NULL OR score_{c} BETWEEN 0 AND 4", name=f"ck_inspections_score_{c}"
            )
            for c in INSPECTION_CATEGORIES
        ),
        CheckConstraint("condition_index BETWEEN 0 AND 100", name="ck_inspections_condition_index"),
        CheckConstraint(
            "position_accuracy_m IS NULL OR position_accuracy_m >= 0", name="ck_inspections_accuracy"
        ),
        Index("ix_inspections_site", "collection", "site_id", "inspected_at"),
        Index("ix_inspections_area_code", "area_code", postgresql_ops={"area_code": "text_pattern_ops"}),
        Index("ux_inspections_client_key", "client_key", unique=True),
    )


class WorkOrder(_Timestamps, Base):
    """A repair or cleaning task at a site, moving through the states of geo/upkeep/work_orders.py; versioned."""

    __tablename__ = "work_orders"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    collection: Mapped[str] = mapped_column(String(16), nullable=False)
    site_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    area_code: Mapped[str] = mapped_column(String(12), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="reported")
    priority: Mapped[str] = mapped_column(String(8), nullable=False, server_default="normal")
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    assigned_to: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id"))
    reported_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id"))
    inspection_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("inspections.id"))
    duplicate_of: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("work_orders.id"))
    cost_estimate: Mapped[float | None] = mapped_column(Numeric(12, 2))
    cost_actual: Mapped[float | None] = mapped_column(Numeric(12, 2))
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    kind: Mapped[str] = mapped_column(String(16), nullable=False, server_default="repair")
    campaign_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("campaigns.id"))
    # public damage reports (migration 0009): where from, the Open311 service code, the reporter's contact
    # (private), the pin, and the status note the public may read
    source: Mapped[str] = mapped_column(String(8), nullable=False, server_default="staff")
    category: Mapped[str | None] = mapped_column(String(32))
    reporter: Mapped[dict | None] = mapped_column(JSONB)
    position = mapped_column(Geometry("POINT", srid=SRID, spatial_index=False))
    public_note: Mapped[str | None] = mapped_column(Text)
    client_key: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # replay key of an offline submission

    __table_args__ = (
        CheckConstraint(_in("collection", UPKEEP_COLLECTIONS), name="ck_work_orders_collection"),
        CheckConstraint(_in("kind", WORK_ORDER_KINDS), name="ck_work_orders_kind"),
        CheckConstraint(_in("source", WORK_ORDER_SOURCES), name="ck_work_orders_source"),
        Index("ix_work_orders_source", "source"),
        CheckConstraint(_in("status", WORK_ORDER_STATUSES), name="ck_work_orders_status"),
        CheckConstraint(_in("priority", WORK_ORDER_PRIORITIES), name="ck_work_orders_priority"),
        CheckConstraint("char_length(btrim(title)) BETWEEN 1 AND 200", name="ck_work_orders_title"),
        CheckConstraint(
            "(status = 'duplicate') = (duplicate_of IS NOT NULL)", name="ck_work_orders_duplicate_of"
        ),
        CheckConstraint(
            "duplicate_of IS NULL OR duplicate_of <> id", name="ck_work_orders_not_own_duplicate"
        ),
        CheckConstraint(
            "(cost_estimate IS NULL OR cost_estimate >= 0) AND (cost_actual IS NULL OR cost_actual >= 0)",
            name="ck_work_orders_costs",
        ),
        CheckConstraint("version >= 1", name="ck_work_orders_version"),
        Index("ix_work_orders_site", "collection", "site_id"),
        Index("ix_work_orders_area_code", "area_code", postgresql_ops={"area_code": "text_pattern_ops"}),
        Index("ix_work_orders_assigned_to", "assigned_to"),
        Index("ux_work_orders_client_key", "client_key", unique=True),
        Index(
            "ux_work_orders_campaign_task",
            "campaign_id",
            "collection",
            "site_id",
            "kind",
            unique=True,
            postgresql_where=text("campaign_id IS NOT NULL"),
        ),
    )


class WorkOrderChange(Base):
    """One change of a work order: who, when, status from → to, the fields changed (old, new) and a note."""

    __tablename__ = "work_order_history"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    work_order_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("work_orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    account_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id"))
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    changes: Mapped[dict] = mapped_column(JSONB, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    client_key: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # replay key of a phone's transition (0015)

    __table_args__ = (Index("ux_work_order_history_client_key", "client_key", unique=True),)


class ReportFollower(Base):
    """A private follow link of a public report (migration 0014): the hash of its token, the reporter's or a
    visitor's who followed instead of filing again (+1), and the last visit (updates since are listed)."""

    __tablename__ = "report_followers"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    work_order_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("work_orders.id", ondelete="CASCADE"), nullable=False
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    role: Mapped[str] = mapped_column(String(8), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    last_seen_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    visits: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")

    __table_args__ = (
        CheckConstraint("role IN ('reporter', 'follower')", name="ck_report_followers_role"),
        UniqueConstraint("token_hash", name="uq_report_followers_token_hash"),
        Index("ix_report_followers_work_order", "work_order_id", "role"),
    )


PROXY_TRIBUTE_STATUSES = ("received", "accepted", "declined")


class ProxyTribute(_Timestamps, Base):
    """A family's request that the bureau tend a martyr's grave on a day (代祭扫, migration 0013); accepted, it is
    a ``proxy_tribute`` work order; the family follows it with a private token, of which only the hash is kept."""

    __tablename__ = "proxy_tributes"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    martyr_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("martyrs.id", ondelete="SET NULL"))
    grave_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("graves.id", ondelete="CASCADE"), nullable=False
    )
    area_code: Mapped[str | None] = mapped_column(String(12), ForeignKey("areas.code"))
    requester_name: Mapped[str] = mapped_column(Text, nullable=False)
    relation: Mapped[str | None] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    clean_stone: Mapped[bool] = mapped_column(Boolean, nullable=False)
    lay_flowers: Mapped[bool] = mapped_column(Boolean, nullable=False)
    wished_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    message: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), nullable=False, server_default="received")
    decline_reason: Mapped[str | None] = mapped_column(Text)
    work_order_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("work_orders.id"))
    handled_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id"))
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    client_hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint(_in("status", PROXY_TRIBUTE_STATUSES), name="ck_proxy_tributes_status"),
        CheckConstraint(
            "contact_phone IS NOT NULL OR contact_email IS NOT NULL", name="ck_proxy_tributes_contact"
        ),
        CheckConstraint("clean_stone OR lay_flowers", name="ck_proxy_tributes_tasks"),
        CheckConstraint(
            "(status = 'accepted') = (work_order_id IS NOT NULL)", name="ck_proxy_tributes_order"
        ),
        UniqueConstraint("token_hash", name="uq_proxy_tributes_token_hash"),
        Index("ix_proxy_tributes_area_status", "area_code", "status"),
        Index("ix_proxy_tributes_client", "client_hash", "created_at"),
    )


class CrewSiteEdit(Base):
    """The replay key of a site edit a crew's phone sent (issue 21, migration 0015): sent again, no second write."""

    __tablename__ = "crew_site_edits"

    client_key: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    collection: Mapped[str] = mapped_column(String(16), nullable=False)
    site_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    account_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


# -- upkeep: campaigns and photos (issue 6, migration 0008) ------------------------------------------------------


class Campaign(Base):
    """A seasonal campaign (Qingming, Martyrs' Day 9·30) that made cleaning and tribute tasks in an area."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    area_code: Mapped[str] = mapped_column(String(12), ForeignKey("areas.code"), nullable=False)
    year: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    starts_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    due_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    created_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )

    __table_args__ = (
        CheckConstraint(_in("kind", CAMPAIGN_KINDS), name="ck_campaigns_kind"),
        CheckConstraint("due_on >= starts_on", name="ck_campaigns_dates"),
        CheckConstraint("char_length(btrim(title)) BETWEEN 1 AND 200", name="ck_campaigns_title"),
        UniqueConstraint("kind", "area_code", "year", name="uq_campaigns_kind_area_year"),
    )


class Photo(Base):
    """An image of a site, an inspection or a work order (before / after), with where it was taken."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    collection: Mapped[str] = mapped_column(String(16), nullable=False)
    site_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    area_code: Mapped[str] = mapped_column(String(12), nullable=False)
    stage: Mapped[str] = mapped_column(String(16), nullable=False)
    inspection_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("inspections.id"), index=True)
    work_order_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("work_orders.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)
    byte_size: Mapped[int] = mapped_column(Integer, nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary)
    position = mapped_column(Geometry("POINT", srid=SRID, spatial_index=False))
    position_accuracy_m: Mapped[float | None] = mapped_column(Float)
    position_source: Mapped[str | None] = mapped_column(String(8))
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    caption: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    uploaded_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id"))
    client_key: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    uploaded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )

    __table_args__ = (
        CheckConstraint(_in("collection", UPKEEP_COLLECTIONS), name="ck_photos_collection"),
        CheckConstraint(_in("stage", PHOTO_STAGES), name="ck_photos_stage"),
        CheckConstraint(
            "(stage = 'inspection') = (inspection_id IS NOT NULL)", name="ck_photos_inspection_stage"
        ),
        CheckConstraint(
            "(stage IN ('before', 'after', 'report')) = (work_order_id IS NOT NULL)",
            name="ck_photos_work_order_stage",
        ),
        CheckConstraint(_in("content_type", PHOTO_TYPES), name="ck_photos_content_type"),
        CheckConstraint("byte_size > 0 AND width > 0 AND height > 0", name="ck_photos_size"),
        CheckConstraint("position_accuracy_m IS NULL OR position_accuracy_m >= 0", name="ck_photos_accuracy"),
        CheckConstraint(
            "position_source IS NULL OR position_source IN ('device', 'exif')",
            name="ck_photos_position_source",
        ),
        Index("ix_photos_site", "collection", "site_id"),
        Index("ux_photos_client_key", "client_key", unique=True),
        Index("ix_photos_area_code", "area_code", postgresql_ops={"area_code": "text_pattern_ops"}),
    )


# -- public (issue 7, migration 0009): martyr records, tributes, family-search requests -------------------------

TRIBUTE_TARGETS = ("martyrs", "memorials", "cemeteries")
TRIBUTE_KINDS = ("flower", "candle", "message")
FAMILY_REQUEST_STATUSES = ("new", "in_progress", "found", "closed")


class Martyr(_Timestamps, Base):
    """A martyr record (英名录): name or unnamed, years, hometown, unit, death, burial place; pinyin for search."""

    __tablename__ = "martyrs"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text, nullable=False)
    unnamed: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    name_pinyin: Mapped[str | None] = mapped_column(Text)
    name_initials: Mapped[str | None] = mapped_column(Text)
    gender: Mapped[str | None] = mapped_column(String(8))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    death_date: Mapped[dt.date | None] = mapped_column(Date)
    death_year: Mapped[int | None] = mapped_column(SmallInteger, index=True)
    place_of_death: Mapped[str | None] = mapped_column(Text)
    hometown: Mapped[str | None] = mapped_column(Text)
    hometown_area_code: Mapped[str | None] = mapped_column(String(12), ForeignKey("areas.code"))
    unit: Mapped[str | None] = mapped_column(Text)
    biography: Mapped[str | None] = mapped_column(Text)
    grave_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("graves.id"), index=True)
    cemetery_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cemeteries.id"), index=True)
    memorial_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("memorials.id"), index=True)
    burial_note: Mapped[str | None] = mapped_column(Text)
    area_code: Mapped[str | None] = mapped_column(String(12), ForeignKey("areas.code"))
    relatives_found: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __table_args__ = (
        CheckConstraint("char_length(btrim(name)) BETWEEN 1 AND 100", name="ck_martyrs_name"),
        CheckConstraint("gender IS NULL OR gender IN ('male', 'female')", name="ck_martyrs_gender"),
        CheckConstraint(
            "birth_year IS NULL OR birth_year BETWEEN 1800 AND 2100", name="ck_martyrs_birth_year"
        ),
        CheckConstraint(
            "death_year IS NULL OR death_year BETWEEN 1800 AND 2100", name="ck_martyrs_death_year"
        ),
        CheckConstraint(
            "death_date IS NULL OR death_year IS NULL OR extract(year FROM death_date) = death_year",
            name="ck_martyrs_death_date_year",
        ),
        CheckConstraint("version >= 1", name="ck_martyrs_version"),
        UniqueConstraint("code", name="uq_martyrs_code"),
        _trgm_index("ix_martyrs_name_trgm", "name"),
        _trgm_index("ix_martyrs_name_pinyin_trgm", "name_pinyin"),
        _prefix_index("ix_martyrs_name_initials", "name_initials"),
        _trgm_index("ix_martyrs_hometown_trgm", "hometown"),
        _trgm_index("ix_martyrs_unit_trgm", "unit"),
        _prefix_index("ix_martyrs_area_code", "area_code"),
    )


class Tribute(Base):
    """A flower, candle or message (云祭扫) on a martyr's or a memorial's page; messages wait for moderation."""

    __tablename__ = "tributes"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    target: Mapped[str] = mapped_column(String(16), nullable=False)
    target_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    area_code: Mapped[str | None] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    message: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    client_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    moderated_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id"))
    moderated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(_in("target", TRIBUTE_TARGETS), name="ck_tributes_target"),
        CheckConstraint(_in("kind", TRIBUTE_KINDS), name="ck_tributes_kind"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="ck_tributes_status"),
        CheckConstraint("(kind = 'message') = (message IS NOT NULL)", name="ck_tributes_message_kind"),
        CheckConstraint("message IS NULL OR char_length(message) <= 500", name="ck_tributes_message_length"),
        Index("ix_tributes_target", "target", "target_id", "status"),
        Index("ix_tributes_status", "status"),
    )


class FamilyRequest(_Timestamps, Base):
    """A family-search request (寻亲): what a relative knows of a martyr and how to reach them."""

    __tablename__ = "family_requests"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    martyr_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("martyrs.id"))
    martyr_name: Mapped[str] = mapped_column(Text, nullable=False)
    hometown: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str | None] = mapped_column(Text)
    death_year: Mapped[int | None] = mapped_column(SmallInteger)
    details: Mapped[str | None] = mapped_column(Text)
    requester_name: Mapped[str] = mapped_column(Text, nullable=False)
    relation: Mapped[str | None] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    area_code: Mapped[str | None] = mapped_column(String(12), ForeignKey("areas.code"))
    status: Mapped[str] = mapped_column(String(12), nullable=False, server_default="new")
    staff_note: Mapped[str | None] = mapped_column(Text)
    handled_by: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id"))
    client_hash: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    follow_up_hash: Mapped[str | None] = mapped_column(String(64))  # migration 0011

    __table_args__ = (
        CheckConstraint(_in("status", FAMILY_REQUEST_STATUSES), name="ck_family_requests_status"),
        CheckConstraint(
            "contact_phone IS NOT NULL OR contact_email IS NOT NULL", name="ck_family_requests_contact"
        ),
        CheckConstraint(
            "char_length(btrim(martyr_name)) BETWEEN 1 AND 100", name="ck_family_requests_martyr_name"
        ),
        CheckConstraint("version >= 1", name="ck_family_requests_version"),
        _prefix_index("ix_family_requests_area_code", "area_code"),
        Index("ix_family_requests_status", "status"),
    )


class FamilyRequestNote(Base):
    """A note staff add to a family-search request: public (the requester sees it) or internal (migration 0011)."""

    __tablename__ = "family_request_notes"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    request_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("family_requests.id", ondelete="CASCADE"), nullable=False
    )
    public: Mapped[bool] = mapped_column(Boolean, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    author_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )

    __table_args__ = (
        CheckConstraint("char_length(btrim(body)) BETWEEN 1 AND 2000", name="ck_family_request_notes_body"),
        Index("ix_family_request_notes_request", "request_id", "created_at"),
    )


class FamilyFollowUpAttempt(Base):
    """One check of a family-search follow-up code (request id asked for, keyed client hash), migration 0011."""

    __tablename__ = "family_follow_up_attempts"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    request_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    client_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    succeeded: Mapped[bool] = mapped_column(Boolean, nullable=False)
    attempted_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )

    __table_args__ = (
        Index("ix_family_follow_up_attempts_request", "request_id", "attempted_at"),
        Index("ix_family_follow_up_attempts_client", "client_hash", "attempted_at"),
    )


class ImportReport(Base):
    """An upload's report (dry run or import) for the staff of its area, with a dry run's kept file and the
    upload's rejected rows until they expire, migration 0012."""

    __tablename__ = "import_reports"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), nullable=False)
    area_code: Mapped[str | None] = mapped_column(String(12))
    collection: Mapped[str] = mapped_column(String(32), nullable=False)
    filename: Mapped[str] = mapped_column(Text, nullable=False)
    dry_run: Mapped[bool] = mapped_column(Boolean, nullable=False)
    committed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    owner_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    totals: Mapped[dict] = mapped_column(JSONB, nullable=False)
    report: Mapped[dict] = mapped_column(JSONB, nullable=False)
    options: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"), nullable=False)
    upload: Mapped[bytes | None] = mapped_column(LargeBinary)
    upload_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    rejects_token: Mapped[str | None] = mapped_column(String(64))
    rejects_filename: Mapped[str | None] = mapped_column(Text)
    rejects: Mapped[bytes | None] = mapped_column(LargeBinary)
    rejects_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("upload IS NULL OR dry_run", name="ck_import_reports_upload_dry_run"),
        CheckConstraint("committed_at IS NULL OR dry_run", name="ck_import_reports_committed_dry_run"),
        UniqueConstraint("token", name="uq_import_reports_token"),
        UniqueConstraint("rejects_token", name="uq_import_reports_rejects_token"),
        Index("ix_import_reports_area_created", "area_code", text("created_at DESC")),
        Index("ix_import_reports_created", "created_at"),
    )
