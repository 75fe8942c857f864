"""HTML pages: the overview map at ``/``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse

from api.deps import ConnDep, SettingsDep
from geo.areas import area_outlines, atlas_bounds
from geo.atlas import map_layers
from web.atlas_map import build_atlas_map

router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def overview_map(
    conn: ConnDep, settings: SettingsDep, lang: Annotated[Literal["zh", "en"] | None, Query()] = None
) -> HTMLResponse:
    """The atlas map: one clustered layer per collection, county outlines for context."""
    m = build_atlas_map(
        map_layers(conn),
        lang=lang or settings.default_lang,
        bounds=atlas_bounds(conn),
        outlines=area_outlines(conn, ("county",)),
    )
    return HTMLResponse(m.get_root().render())


@router.get("/favicon.ico")
def favicon() -> Response:
    """No icon yet: an empty answer instead of a 404 in every browser console."""
    return Response(status_code=204, headers={"Cache-Control": "public, max-age=86400"})
