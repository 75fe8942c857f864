"""Administrative areas as GeoJSON."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from api.deps import PublicConnDep, SettingsDep
from api.routes.atlas.sites import AREA_PATTERN, GeoJSONResponse, Offset, check_limit, feature_collection
from api.schemas import FeatureCollectionPublic, FeaturePublic
from geo.atlas.areas import get_area, list_areas

router = APIRouter(prefix="/areas", tags=["areas"])


@router.get("", response_model=FeatureCollectionPublic, response_class=GeoJSONResponse)
def list_all(
    request: Request,
    conn: PublicConnDep,
    settings: SettingsDep,
    level: Literal["province", "city", "county", "township", "village"] | None = None,
    parent: Annotated[str | None, Query(pattern=AREA_PATTERN)] = None,
    geometry: bool = False,
    limit: Annotated[int | None, Query(ge=1)] = None,
    offset: Offset = 0,
):
    """Areas by level and parent; geometries only when asked for (they are large)."""
    limit = check_limit(limit, settings)
    total, features = list_areas(conn, level, parent, limit, offset, geometry)
    return feature_collection(request, features, total, limit, offset)


@router.get("/{code}", response_model=FeaturePublic, response_class=GeoJSONResponse)
def read(code: Annotated[str, Path(pattern=AREA_PATTERN)], conn: PublicConnDep):
    """One area with its geometry, level, parent and area in m² (geodesic)."""
    return GeoJSONResponse(get_area(conn, code))
