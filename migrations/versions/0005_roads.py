"""roads

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

Travel-time coverage over road networks: road_networks (one row per imported network, with the hash of its
graph that keys the graph cache), road_edges (WGS-84 LineStrings between numbered nodes, geodesic length in
metres, speed in km/h, travel seconds, oneway), travel_runs (one row per travel-time computation, polled while
it runs) and service_areas (per station and time limit, the area reached within it, a WGS-84 MultiPolygon).
The coverage tables gain, per station level, the seconds to the station nearest by time and its id, the
off-network access distance, and the travel run that wrote them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GROUPS = {"coverage_villages": ("village", "township", "any"), "coverage_townships": ("township", "any")}


def _geometry(kind: str) -> Geometry:
    return Geometry(
        geometry_type=kind,
        srid=4326,
        dimension=2,
        spatial_index=False,
        from_text="ST_GeomFromEWKT",
        name="geometry",
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "road_networks",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("source_crs", sa.String(length=32), nullable=False),
        sa.Column("synthetic", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("nodes", sa.Integer(), nullable=False),
        sa.Column("edges", sa.Integer(), nullable=False),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("char_length(btrim(name)) BETWEEN 1 AND 200", name="ck_road_networks_name"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "road_edges",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("network_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.Integer(), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("highway", sa.String(length=32), nullable=True),
        sa.Column("speed_kmh", sa.Float(), nullable=False),
        sa.Column("oneway", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.Column("travel_s", sa.Float(), nullable=False),
        sa.Column("geom", _geometry("LINESTRING"), nullable=False),
        sa.CheckConstraint("length_m >= 0 AND travel_s >= 0", name="ck_road_edges_length"),
        sa.CheckConstraint("speed_kmh > 0", name="ck_road_edges_speed"),
        sa.ForeignKeyConstraint(["network_id"], ["road_networks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index(
        "idx_road_edges_geom",
        "road_edges",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_road_edges_network_id", "road_edges", ["network_id"], unique=False)
    op.create_table(
        "travel_runs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("network_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="running", nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("phase", sa.Text(), nullable=True),
        sa.Column("progress", sa.Float(), server_default="0", nullable=False),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('running', 'done', 'failed')", name="ck_travel_runs_status"),
        sa.CheckConstraint("progress BETWEEN 0 AND 1", name="ck_travel_runs_progress"),
        sa.ForeignKeyConstraint(["network_id"], ["road_networks.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "service_areas",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("network_id", sa.BigInteger(), nullable=False),
        sa.Column("travel_run_id", sa.BigInteger(), nullable=True),
        sa.Column("station_id", sa.BigInteger(), nullable=False),
        sa.Column("station_level", sa.String(length=16), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("minutes", sa.Float(), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("geom", _geometry("MULTIPOLYGON"), nullable=False),
        sa.CheckConstraint("minutes > 0", name="ck_service_areas_minutes"),
        sa.ForeignKeyConstraint(["network_id"], ["road_networks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["travel_run_id"], ["travel_runs.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("network_id", "station_id", "minutes", name="uq_service_areas_station_minutes"),
    )
    op.create_geospatial_index(
        "idx_service_areas_geom",
        "service_areas",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_service_areas_area_code",
        "service_areas",
        ["area_code"],
        unique=False,
        postgresql_ops={"area_code": "text_pattern_ops"},
    )
    for table, groups in _GROUPS.items():
        for group in groups:
            op.add_column(table, sa.Column(f"{group}_station_s", sa.Float(), nullable=True))
            op.add_column(table, sa.Column(f"{group}_time_station_id", sa.BigInteger(), nullable=True))
        op.add_column(table, sa.Column("access_m", sa.Float(), nullable=True))
        op.add_column(table, sa.Column("travel_run_id", sa.BigInteger(), nullable=True))
        op.create_foreign_key(
            f"{table}_travel_run_id_fkey",
            table,
            "travel_runs",
            ["travel_run_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    for table, groups in _GROUPS.items():
        op.drop_constraint(f"{table}_travel_run_id_fkey", table, type_="foreignkey")
        for column in ("travel_run_id", "access_m"):
            op.drop_column(table, column)
        for group in groups:
            op.drop_column(table, f"{group}_time_station_id")
            op.drop_column(table, f"{group}_station_s")
    op.drop_index(
        "ix_service_areas_area_code",
        table_name="service_areas",
        postgresql_ops={"area_code": "text_pattern_ops"},
    )
    op.drop_geospatial_index(
        "idx_service_areas_geom", table_name="service_areas", postgresql_using="gist", column_name="geom"
    )
    op.drop_table("service_areas")
    op.drop_table("travel_runs")
    op.drop_index("ix_road_edges_network_id", table_name="road_edges")
    op.drop_geospatial_index(
        "idx_road_edges_geom", table_name="road_edges", postgresql_using="gist", column_name="geom"
    )
    op.drop_table("road_edges")
    op.drop_table("road_networks")
