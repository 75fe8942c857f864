"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Tables for areas, stations, memorials, cemeteries and graves (WGS-84), their GiST indexes, the
constraints that reject impossible values, and a trigger that keeps updated_at current.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_TIMESTAMPED = ("areas", "stations", "memorials", "cemeteries", "graves")


def upgrade() -> None:
    op.create_geospatial_table(
        "areas",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("parent_code", sa.String(length=12), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column(
            "point",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "(level IN ('province','city','county') AND code ~ '^[0-9]{6}$') OR (level = 'township' AND code ~ '^[0-9]{9}$') OR (level = 'village' AND code ~ '^[0-9]{12}$')",
            name="ck_areas_code_format",
        ),
        sa.CheckConstraint(
            "level IN ('province', 'city', 'county', 'township', 'village')", name="ck_areas_level"
        ),
        sa.CheckConstraint("geom IS NOT NULL OR point IS NOT NULL", name="ck_areas_has_location"),
        sa.CheckConstraint("geom IS NULL OR ST_IsValid(geom)", name="ck_areas_geom_valid"),
        sa.CheckConstraint("population IS NULL OR population >= 0", name="ck_areas_population"),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["areas.code"],
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_areas_geom", "areas", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_geospatial_index(
        "idx_areas_point", "areas", ["point"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index(
        "ix_areas_code_pattern", "areas", ["code"], unique=False, postgresql_ops={"code": "text_pattern_ops"}
    )
    op.create_index("ix_areas_level", "areas", ["level"], unique=False)
    op.create_index(op.f("ix_areas_parent_code"), "areas", ["parent_code"], unique=False)
    op.create_geospatial_table(
        "cemeteries",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column(
            "boundary",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("grave_capacity", sa.Integer(), nullable=True),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("protection_level", sa.String(length=16), nullable=False),
        sa.Column("approved_by", sa.Text(), nullable=True),
        sa.Column("approval_doc_no", sa.Text(), nullable=True),
        sa.Column("approval_date", sa.Date(), nullable=True),
        sa.Column("protection_unit", sa.Text(), nullable=True),
        sa.Column("management_unit", sa.Text(), nullable=True),
        sa.Column("has_protection_sign", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "protection_zone",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column(
            "protection_zone_m2",
            sa.Float(),
            sa.Computed("ST_Area(protection_zone::geography)", persisted=True),
            nullable=True,
        ),
        sa.Column("protection_zone_desc", sa.Text(), nullable=True),
        sa.Column(
            "control_zone",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("upkeep_status", sa.String(length=16), server_default="unknown", nullable=False),
        sa.Column("condition_index", sa.SmallInteger(), nullable=True),
        sa.Column("last_inspected_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('martyr_cemetery', 'grave_area', 'columbarium', 'veterans_section')",
            name="ck_cemeteries_kind",
        ),
        sa.CheckConstraint(
            "protection_level IN ('national', 'provincial', 'city', 'county', 'scattered')",
            name="ck_cemeteries_protection_level",
        ),
        sa.CheckConstraint(
            "upkeep_status IN ('good', 'fair', 'poor', 'damaged', 'unknown')",
            name="ck_cemeteries_upkeep_status",
        ),
        sa.CheckConstraint("boundary IS NULL OR ST_IsValid(boundary)", name="ck_cemeteries_boundary_valid"),
        sa.CheckConstraint("char_length(btrim(name)) BETWEEN 1 AND 200", name="ck_cemeteries_name"),
        sa.CheckConstraint(
            "condition_index IS NULL OR condition_index BETWEEN 0 AND 100",
            name="ck_cemeteries_condition_index",
        ),
        sa.CheckConstraint(
            "control_zone IS NULL OR ST_IsValid(control_zone)", name="ck_cemeteries_control_zone_valid"
        ),
        sa.CheckConstraint(
            "grave_capacity IS NULL OR grave_capacity >= 0", name="ck_cemeteries_grave_capacity"
        ),
        sa.CheckConstraint(
            "protection_zone IS NULL OR ST_IsValid(protection_zone)",
            name="ck_cemeteries_protection_zone_valid",
        ),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["areas.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_cemeteries_boundary",
        "cemeteries",
        ["boundary"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_index(
        "idx_cemeteries_control_zone",
        "cemeteries",
        ["control_zone"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_index(
        "idx_cemeteries_geom",
        "cemeteries",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_index(
        "idx_cemeteries_protection_zone",
        "cemeteries",
        ["protection_zone"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_cemeteries_area_code",
        "cemeteries",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "text_pattern_ops"},
    )
    op.create_index("ix_cemeteries_kind", "cemeteries", ["kind"], unique=False)
    op.create_geospatial_table(
        "memorials",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("protection_level", sa.String(length=16), nullable=False),
        sa.Column("approved_by", sa.Text(), nullable=True),
        sa.Column("approval_doc_no", sa.Text(), nullable=True),
        sa.Column("approval_date", sa.Date(), nullable=True),
        sa.Column("protection_unit", sa.Text(), nullable=True),
        sa.Column("management_unit", sa.Text(), nullable=True),
        sa.Column("has_protection_sign", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "protection_zone",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column(
            "protection_zone_m2",
            sa.Float(),
            sa.Computed("ST_Area(protection_zone::geography)", persisted=True),
            nullable=True,
        ),
        sa.Column("protection_zone_desc", sa.Text(), nullable=True),
        sa.Column(
            "control_zone",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("upkeep_status", sa.String(length=16), server_default="unknown", nullable=False),
        sa.Column("condition_index", sa.SmallInteger(), nullable=True),
        sa.Column("last_inspected_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('hall', 'monument', 'tower', 'statue', 'square', 'name_wall')", name="ck_memorials_kind"
        ),
        sa.CheckConstraint(
            "protection_level IN ('national', 'provincial', 'city', 'county', 'scattered')",
            name="ck_memorials_protection_level",
        ),
        sa.CheckConstraint(
            "upkeep_status IN ('good', 'fair', 'poor', 'damaged', 'unknown')",
            name="ck_memorials_upkeep_status",
        ),
        sa.CheckConstraint("char_length(btrim(name)) BETWEEN 1 AND 200", name="ck_memorials_name"),
        sa.CheckConstraint(
            "condition_index IS NULL OR condition_index BETWEEN 0 AND 100",
            name="ck_memorials_condition_index",
        ),
        sa.CheckConstraint(
            "control_zone IS NULL OR ST_IsValid(control_zone)", name="ck_memorials_control_zone_valid"
        ),
        sa.CheckConstraint(
            "protection_zone IS NULL OR ST_IsValid(protection_zone)",
            name="ck_memorials_protection_zone_valid",
        ),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["areas.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_memorials_control_zone",
        "memorials",
        ["control_zone"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_index(
        "idx_memorials_geom", "memorials", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_geospatial_index(
        "idx_memorials_protection_zone",
        "memorials",
        ["protection_zone"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_memorials_area_code",
        "memorials",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "text_pattern_ops"},
    )
    op.create_index("ix_memorials_kind", "memorials", ["kind"], unique=False)
    op.create_geospatial_table(
        "stations",
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("served_area_code", sa.String(length=12), nullable=True),
        sa.Column("has_organisation", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("has_staff_quota", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("has_staff", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("has_funding", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("has_support", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("star_rating", sa.SmallInteger(), nullable=True),
        sa.Column("national_model", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("people_served", sa.Integer(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "level IN ('province', 'city', 'county', 'township', 'village')", name="ck_stations_level"
        ),
        sa.CheckConstraint("status IN ('active', 'planned', 'closed')", name="ck_stations_status"),
        sa.CheckConstraint("char_length(btrim(name)) BETWEEN 1 AND 200", name="ck_stations_name"),
        sa.CheckConstraint("people_served IS NULL OR people_served >= 0", name="ck_stations_people_served"),
        sa.CheckConstraint(
            "star_rating IS NULL OR star_rating BETWEEN 1 AND 5", name="ck_stations_star_rating"
        ),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["areas.code"],
        ),
        sa.ForeignKeyConstraint(
            ["served_area_code"],
            ["areas.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_stations_geom", "stations", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index(
        "ix_stations_area_code",
        "stations",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "text_pattern_ops"},
    )
    op.create_index("ix_stations_level", "stations", ["level"], unique=False)
    op.create_geospatial_table(
        "graves",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("martyr_name", sa.Text(), nullable=True),
        sa.Column("cemetery_id", sa.BigInteger(), nullable=True),
        sa.Column("section", sa.String(length=32), nullable=True),
        sa.Column("row_no", sa.String(length=32), nullable=True),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("disposition", sa.String(length=16), nullable=True),
        sa.Column("moved_to_grave_id", sa.BigInteger(), nullable=True),
        sa.Column("care_party", sa.String(length=20), nullable=True),
        sa.Column("custodian_name", sa.Text(), nullable=True),
        sa.Column("custodian_phone", sa.String(length=32), nullable=True),
        sa.Column("responsible_cadre", sa.Text(), nullable=True),
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("upkeep_status", sa.String(length=16), server_default="unknown", nullable=False),
        sa.Column("condition_index", sa.SmallInteger(), nullable=True),
        sa.Column("last_inspected_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "(disposition = 'moved') = (moved_to_grave_id IS NOT NULL)", name="ck_graves_moved_has_target"
        ),
        sa.CheckConstraint(
            "(kind = 'in_cemetery') = (cemetery_id IS NOT NULL)", name="ck_graves_cemetery_matches_kind"
        ),
        sa.CheckConstraint(
            "care_party IS NULL OR (care_party IN ('village_committee', 'relatives'))",
            name="ck_graves_care_party",
        ),
        sa.CheckConstraint(
            "disposition IS NULL OR (disposition IN ('in_place', 'moved', 'care_agreement'))",
            name="ck_graves_disposition",
        ),
        sa.CheckConstraint("kind IN ('in_cemetery', 'scattered')", name="ck_graves_kind"),
        sa.CheckConstraint(
            "upkeep_status IN ('good', 'fair', 'poor', 'damaged', 'unknown')", name="ck_graves_upkeep_status"
        ),
        sa.CheckConstraint("char_length(btrim(name)) BETWEEN 1 AND 200", name="ck_graves_name"),
        sa.CheckConstraint(
            "condition_index IS NULL OR condition_index BETWEEN 0 AND 100", name="ck_graves_condition_index"
        ),
        sa.CheckConstraint(
            "moved_to_grave_id IS NULL OR moved_to_grave_id <> id", name="ck_graves_not_moved_to_self"
        ),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["areas.code"],
        ),
        sa.ForeignKeyConstraint(
            ["cemetery_id"],
            ["cemeteries.id"],
        ),
        sa.ForeignKeyConstraint(
            ["moved_to_grave_id"],
            ["graves.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_geospatial_index(
        "idx_graves_geom", "graves", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index(
        "ix_graves_area_code",
        "graves",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "text_pattern_ops"},
    )
    op.create_index(op.f("ix_graves_cemetery_id"), "graves", ["cemetery_id"], unique=False)
    op.create_index("ix_graves_kind", "graves", ["kind"], unique=False)

    op.execute(
        "CREATE FUNCTION vetmap_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.updated_at := now(); RETURN NEW; END $$"
    )
    for table in _TIMESTAMPED:
        op.execute(
            f"CREATE TRIGGER trg_{table}_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION vetmap_touch_updated_at()"
        )


def downgrade() -> None:
    op.drop_index("ix_graves_kind", table_name="graves")
    op.drop_index(op.f("ix_graves_cemetery_id"), table_name="graves")
    op.drop_index(
        "ix_graves_area_code", table_name="graves", postgresql_ops={"area_code": "text_pattern_ops"}
    )
    op.drop_geospatial_index(
        "idx_graves_geom", table_name="graves", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("graves")
    op.drop_index("ix_stations_level", table_name="stations")
    op.drop_index(
        "ix_stations_area_code", table_name="stations", postgresql_ops={"area_code": "text_pattern_ops"}
    )
    op.drop_geospatial_index(
        "idx_stations_geom", table_name="stations", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("stations")
    op.drop_index("ix_memorials_kind", table_name="memorials")
    op.drop_index(
        "ix_memorials_area_code", table_name="memorials", postgresql_ops={"area_code": "text_pattern_ops"}
    )
    op.drop_geospatial_index(
        "idx_memorials_protection_zone",
        table_name="memorials",
        postgresql_using="gist",
        column_name="protection_zone",
    )
    op.drop_geospatial_index(
        "idx_memorials_geom", table_name="memorials", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_index(
        "idx_memorials_control_zone",
        table_name="memorials",
        postgresql_using="gist",
        column_name="control_zone",
    )
    op.drop_geospatial_table("memorials")
    op.drop_index("ix_cemeteries_kind", table_name="cemeteries")
    op.drop_index(
        "ix_cemeteries_area_code", table_name="cemeteries", postgresql_ops={"area_code": "text_pattern_ops"}
    )
    op.drop_geospatial_index(
        "idx_cemeteries_protection_zone",
        table_name="cemeteries",
        postgresql_using="gist",
        column_name="protection_zone",
    )
    op.drop_geospatial_index(
        "idx_cemeteries_geom", table_name="cemeteries", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_index(
        "idx_cemeteries_control_zone",
        table_name="cemeteries",
        postgresql_using="gist",
        column_name="control_zone",
    )
    op.drop_geospatial_index(
        "idx_cemeteries_boundary", table_name="cemeteries", postgresql_using="gist", column_name="boundary"
    )
    op.drop_geospatial_table("cemeteries")
    op.drop_index(op.f("ix_areas_parent_code"), table_name="areas")
    op.drop_index("ix_areas_level", table_name="areas")
    op.drop_index("ix_areas_code_pattern", table_name="areas", postgresql_ops={"code": "text_pattern_ops"})
    op.drop_geospatial_index(
        "idx_areas_point", table_name="areas", postgresql_using="gist", column_name="point"
    )
    op.drop_geospatial_index(
        "idx_areas_geom", table_name="areas", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("areas")
    op.execute("DROP FUNCTION IF EXISTS vetmap_touch_updated_at()")
