"""A siting run on a map: its area's villages (covered before, newly covered, still open, out of reach), the
existing stations it counted, its candidate sites and the sites it chose, as one GeoJSON FeatureCollection.

Units and CRS: WGS-84 lon/lat degrees (EPSG:4326); reach in geodesic metres. The villages' states are worked
out again from the atlas as it is now with the run's parameters (the run stores only its answer): "before"
within reach of an existing station, "new" served by a chosen site, "unreachable" beyond every station and
candidate, "open" the rest (reachable by some candidate, but not chosen).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from geo.atlas.areas import get_area
from geo.coverage.siting_runs import (
    build_siting_instance,
    get_siting_run,
    read_siting_data,
    request_from_json,
)
from geo.errors import InvalidInput, NotFound

VILLAGE_STATES = ("before", "new", "open", "unreachable")
"""The states of a village on a siting run's map."""


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(float(lon), 7), round(float(lat), 7)]}


def _feature(layer: str, geometry: dict | None, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": {"layer": layer, **properties}}


def siting_run_map(conn: Connection, run_id: int) -> dict[str, Any]:
    """The run's map as GeoJSON (WGS-84): features whose ``layer`` is area, village, station, candidate or site."""
    run = get_siting_run(conn, run_id)
    req = request_from_json(run.parameters)
    result = run.result or {}
    features: list[dict[str, Any]] = []
    if req.area is not None:
        try:
            outline = get_area(conn, req.area)
            features.append(
                _feature("area", outline["geometry"], code=req.area, name=outline["properties"]["name"])
            )
        except NotFound:
            pass
    try:
        data = read_siting_data(conn, req)
    except (InvalidInput, NotFound):  # the atlas changed since the run: the chosen sites alone
        data = None
    chosen = result.get("chosen") or []
    newly = {v["code"] for site in chosen for v in site.get("villages", ())}
    if data is not None:
        inst = build_siting_instance(data, req)
        unreachable = set(inst.uncoverable.tolist())
        for i, code in enumerate(data.village_code.tolist()):
            if code in newly:
                state = "new"
            elif inst.covered_before[i]:
                state = "before"
            elif i in unreachable:
                state = "unreachable"
            else:
                state = "open"
            population = int(data.village_population[i])
            features.append(
                _feature(
                    "village",
                    _point(data.village_lon[i], data.village_lat[i]),
                    code=code,
                    name=data.village_name[i],
                    population=None if population < 0 else population,
                    state=state,
                )
            )
        for lon, lat in zip(data.station_lon.tolist(), data.station_lat.tolist(), strict=True):
            features.append(_feature("station", _point(lon, lat)))
        picked = {(round(s["lon"], 7), round(s["lat"], 7)) for s in chosen}
        if req.candidates != "all_villages":
            for j, label in enumerate(data.candidate_label):
                lon, lat = float(data.candidate_lon[j]), float(data.candidate_lat[j])
                if (round(lon, 7), round(lat, 7)) not in picked:
                    features.append(
                        _feature("candidate", _point(lon, lat), code=data.candidate_code[j], label=label)
                    )
    for site in chosen:
        features.append(
            _feature(
                "site",
                _point(site["lon"], site["lat"]),
                rank=site["rank"],
                code=site.get("code"),
                label=site.get("label"),
                newly_covered_people=site.get("newly_covered_people"),
                villages=len(site.get("villages", ())),
            )
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "run": {"id": run.id, "status": run.status, "problem": run.problem, "distance_m": req.reach_m},
    }
