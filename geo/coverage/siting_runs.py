"""Siting runs on the atlas: read villages, stations and candidates from PostGIS, solve, store the answer.

Units and CRS: positions are WGS-84 lon/lat degrees (a village's ``areas.point``, or its polygon's point
on surface); distances are geodesic metres on the WGS-84 ellipsoid; demand weights are people.

A run is one request (``SitingRequest``): the problem (``mclp``: at most p new stations covering the most
people not yet covered; ``lscp``: fewest new stations covering everyone a candidate can reach;
``target_share``: fewest new stations so that the covered share reaches a target), the area whose
villages are the demand, the station level whose reach applies (village stations 3 km, township stations
10 km by default), and where candidates come from: villages of the area without an active station of
that level (the default), every village of the area, or sites given by the planner.

Existing active stations of that level count as already chosen, including those just outside the area
whose reach crosses its border. Villages with no population on record count at the mean population of
those that have one (or 1 each when none has), and the answer says how many did.

``create_siting_run`` reads, validates and runs the fast heuristic (greedy + swap) at once, so every
input error is raised before anything runs in the background and the answer is useful at once; with
``exact`` the HiGHS model then runs in a background thread under the time limit and replaces the answer
with the proven one (status ``running`` until then). ``get_siting_run`` polls it. Runs follow the
background-run lifecycle of ``geo.kit.runs``, side by side: each locks its own id while its worker lives.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from sqlalchemy import Connection, Engine, text

from geo import vocab
from geo.atlas.areas import AreaRef, find_area
from geo.coverage.runs import DEFAULT_TOWNSHIP_M, DEFAULT_VILLAGE_M, MAX_THRESHOLD_M, reach_box
from geo.coverage.siting import (
    Reason,
    SitingInstance,
    SitingResult,
    build_instance,
    maximize_coverage,
    minimize_sites,
)
from geo.coverage.siting import reach_coverage_share as _reach_share
from geo.errors import Conflict, InvalidInput
from geo.kit.runs import (
    ActiveRun,
    ProgressFn,
    RunInfo,
    RunKind,
    Work,
    carry_out,
    find_runs,
    read_run,
    start_run,
    start_worker,
)
from geo.models import SitingRun

log = logging.getLogger(__name__)

PROBLEMS = ("mclp", "lscp", "target_share")
CANDIDATE_SOURCES = ("villages_without_station", "all_villages", "given")
SITING_LEVELS = ("village", "township")
DEFAULT_REACH_M = {"village": DEFAULT_VILLAGE_M, "township": DEFAULT_TOWNSHIP_M}
MAX_TIME_LIMIT_S = 3600.0
MAX_GIVEN_SITES = 100_000
HUNG_AFTER_S = 120.0
"""A run still running this long past its time limit (seconds) has hung and is failed when read."""
_EXACT_PHASE = "exact model (HiGHS)"


@dataclass(frozen=True)
class GivenSite:
    """A candidate site the planner proposes: WGS-84 lon/lat degrees and a label."""

    lon: float
    lat: float
    label: str = ""


@dataclass(frozen=True)
class SitingRequest:
    """What to solve: problem, area (None: the whole atlas), station level and reach, candidates, limits."""

    problem: str
    area: str | None = None
    station_level: str = "village"
    distance_m: float | None = None
    p: int | None = None
    share: float | None = None
    candidates: str = "villages_without_station"
    sites: tuple[GivenSite, ...] = ()
    require_full_coverage: bool = False
    exact: bool = True
    time_limit_s: float = 60.0
    mip_gap: float = 0.0
    keep_existing: bool = True
    """False: plan as if there were no station yet (existing stations are neither counted nor shown as covering)."""

    @property
    def reach_m(self) -> float:
        """The coverage distance in geodesic metres (the level's default when not given)."""
        return self.distance_m if self.distance_m is not None else DEFAULT_REACH_M[self.station_level]

    def as_json(self) -> dict[str, Any]:
        """The parameters as stored with the run (given sites included)."""
        return {
            "problem": self.problem,
            "area": self.area,
            "station_level": self.station_level,
            "distance_m": self.reach_m,
            "p": self.p,
            "share": self.share,
            "candidates": self.candidates,
            "sites": [{"lon": s.lon, "lat": s.lat, "label": s.label} for s in self.sites],
            "require_full_coverage": self.require_full_coverage,
            "exact": self.exact,
            "time_limit_s": self.time_limit_s,
            "mip_gap": self.mip_gap,
            "keep_existing": self.keep_existing,
        }


def request_from_json(parameters: dict[str, Any]) -> SitingRequest:
    """The request a run was stored with (its ``parameters``), as a ``SitingRequest``."""
    sites = tuple(
        GivenSite(float(s["lon"]), float(s["lat"]), str(s.get("label") or ""))
        for s in parameters.get("sites") or ()
    )
    return SitingRequest(
        problem=parameters["problem"],
        area=parameters.get("area"),
        station_level=parameters.get("station_level", "village"),
        distance_m=parameters.get("distance_m"),
        p=parameters.get("p"),
        share=parameters.get("share"),
        candidates=parameters.get("candidates", "villages_without_station"),
        sites=sites,
        require_full_coverage=bool(parameters.get("require_full_coverage", False)),
        exact=bool(parameters.get("exact", True)),
        time_limit_s=float(parameters.get("time_limit_s", 60.0)),
        mip_gap=float(parameters.get("mip_gap", 0.0)),
        keep_existing=bool(parameters.get("keep_existing", True)),
    )


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{name} must be a finite number, got {value!r}")
    return float(value)


def check_request(req: SitingRequest) -> SitingRequest:
    """The request with its values checked (InvalidInput names the first wrong one)."""
    if req.problem not in PROBLEMS:
        raise InvalidInput(f"unknown siting problem {req.problem!r}; expected one of {', '.join(PROBLEMS)}")
    if req.station_level not in SITING_LEVELS:
        raise InvalidInput(
            f"unknown station level {req.station_level!r}; siting places {' or '.join(SITING_LEVELS)} stations"
        )
    if req.candidates not in CANDIDATE_SOURCES:
        raise InvalidInput(
            f"unknown candidate source {req.candidates!r}; expected one of {', '.join(CANDIDATE_SOURCES)}"
        )
    if req.distance_m is not None:
        d = _number(req.distance_m, "distance_m")
        if d <= 0:
            raise InvalidInput(f"distance_m must be greater than 0 metres, got {d:g}")
        if d > MAX_THRESHOLD_M:
            raise InvalidInput(
                f"distance_m {d:g} is over the maximum of {MAX_THRESHOLD_M:g} m",
                key="siting.distance_too_far",
                params={"km": f"{MAX_THRESHOLD_M / 1000:g}"},
            )
    if req.problem == "mclp":
        if req.p is None:
            raise InvalidInput("mclp needs p, the number of new stations to place", key="siting.p_required")
        if isinstance(req.p, bool) or not isinstance(req.p, int) or req.p < 1:
            raise InvalidInput(f"p must be a whole number of at least 1, got {req.p!r}")
    elif req.p is not None:
        raise InvalidInput(f"p applies to mclp only, not to {req.problem}")
    if req.problem == "target_share":
        if req.share is None:
            raise InvalidInput(
                "target_share needs share, the covered share of people to reach, in (0, 1]",
                key="siting.share_required",
            )
        share = _number(req.share, "share")
        if not 0 < share <= 1:
            raise InvalidInput(f"share must be in (0, 1], got {share:g} (0.9 means 90 %)")
    elif req.share is not None:
        raise InvalidInput(f"share applies to target_share only, not to {req.problem}")
    if req.require_full_coverage and req.problem != "lscp":
        raise InvalidInput("require_full_coverage applies to lscp only")
    if req.candidates == "given" and not req.sites:
        raise InvalidInput(
            "candidates=given needs sites: a list of {lon, lat, label}", key="siting.sites_required"
        )
    if req.candidates != "given" and req.sites:
        raise InvalidInput("sites are given but candidates is not 'given'")
    if len(req.sites) > MAX_GIVEN_SITES:
        raise InvalidInput(f"{len(req.sites)} sites given; at most {MAX_GIVEN_SITES}")
    limit = _number(req.time_limit_s, "time_limit_s")
    if not 0 < limit <= MAX_TIME_LIMIT_S:
        raise InvalidInput(f"time_limit_s must be in (0, {MAX_TIME_LIMIT_S:g}] seconds, got {limit:g}")
    gap = _number(req.mip_gap, "mip_gap")
    if not 0 <= gap < 1:
        raise InvalidInput(f"mip_gap must be in [0, 1), got {gap:g}")
    return req


# --------------------------------------------------------------------------------------------- reading


@dataclass
class SitingData:
    """The demand villages, existing stations and candidate sites of one request (WGS-84 degrees)."""

    area: AreaRef | None
    village_code: np.ndarray
    village_name: list[str]
    village_population: np.ndarray  # -1 where unknown
    village_lon: np.ndarray
    village_lat: np.ndarray
    station_lon: np.ndarray
    station_lat: np.ndarray
    candidate_code: list[str | None]
    candidate_label: list[str]
    candidate_lon: np.ndarray
    candidate_lat: np.ndarray
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    weights_note: str = ""


_VILLAGES_SQL = """
SELECT code, name, COALESCE(population, -1) AS population, ST_X(p) AS lon, ST_Y(p) AS lat FROM (
  SELECT code, name, population, COALESCE(point, ST_PointOnSurface(geom)) AS p FROM areas
  WHERE level = 'village' AND code LIKE :prefix
) s WHERE p IS NOT NULL AND NOT ST_IsEmpty(p) ORDER BY code
"""
# village codes (12 digits) whose unit (the village, or its township) has an active station of the level
_SERVED_SQL = """
SELECT DISTINCT left(COALESCE(served_area_code, area_code), :n) AS key FROM stations
WHERE status = 'active' AND level = :level AND COALESCE(served_area_code, area_code) LIKE :prefix
"""
_STATIONS_SQL = """
SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM stations
WHERE status = 'active' AND level = :level AND NOT ST_IsEmpty(geom)
  AND (:everywhere OR geom && ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326))
"""


def _weights(population: np.ndarray) -> tuple[np.ndarray, str]:
    known = population >= 0
    if not known.any():
        return np.ones(population.size), "villages (no village has a population on record: each counts 1)"
    if known.all():
        return population.astype(np.float64), "population"
    mean = float(population[known].mean())
    w = np.where(known, population, mean).astype(np.float64)
    return w, (
        f"population ({int((~known).sum())} villages without a population on record count at the mean "
        f"{mean:.0f})"
    )


def read_siting_data(conn: Connection, req: SitingRequest) -> SitingData:
    """Villages of the request's area (demand), active stations of its level, and the candidate sites."""
    area = find_area(conn, req.area) if req.area is not None else None
    if req.area is not None and area is None:
        raise InvalidInput(
            f"unknown area code {req.area!r}", key="siting.unknown_area", params={"code": req.area}
        )
    prefix = area.descendant_prefix if area else ""
    rows = conn.execute(text(_VILLAGES_SQL), {"prefix": prefix + "%"}).all()
    where = f"area {area.code} ({area.name})" if area else "the atlas"
    if not rows:
        raise InvalidInput(
            f"{where} has no villages to cover",
            key="siting.no_villages",
            params={"area": f"{area.name} ({area.code})" if area else ""},
        )
    codes = np.array([r.code for r in rows])
    lon = np.array([r.lon for r in rows], dtype=np.float64)
    lat = np.array([r.lat for r in rows], dtype=np.float64)
    population = np.array([r.population for r in rows], dtype=np.int64)
    key_len = vocab.AREA_CODE_PREFIX[req.station_level]
    box = reach_box(lon, lat, req.reach_m)  # None: the reach wraps a pole or ±180°, take every station
    x1, y1, x2, y2 = box if box is not None else (0.0, 0.0, 0.0, 0.0)
    stations = conn.execute(
        text(_STATIONS_SQL),
        {"level": req.station_level, "everywhere": box is None, "x1": x1, "y1": y1, "x2": x2, "y2": y2},
    ).all()
    if not req.keep_existing:
        stations = []
    data = SitingData(
        area=area,
        village_code=codes,
        village_name=[r.name for r in rows],
        village_population=population,
        village_lon=lon,
        village_lat=lat,
        station_lon=np.array([s.lon for s in stations], dtype=np.float64),
        station_lat=np.array([s.lat for s in stations], dtype=np.float64),
        candidate_code=[],
        candidate_label=[],
        candidate_lon=np.zeros(0),
        candidate_lat=np.zeros(0),
    )
    data.weights, data.weights_note = _weights(population)
    if req.candidates == "given":
        data.candidate_code = [None] * len(req.sites)
        data.candidate_label = [s.label or f"site {i + 1}" for i, s in enumerate(req.sites)]
        data.candidate_lon = np.array([s.lon for s in req.sites], dtype=np.float64)
        data.candidate_lat = np.array([s.lat for s in req.sites], dtype=np.float64)
        return data
    pick = np.ones(codes.size, dtype=bool)
    if req.candidates == "villages_without_station":
        served = {
            r.key
            for r in conn.execute(
                text(_SERVED_SQL), {"n": key_len, "level": req.station_level, "prefix": prefix + "%"}
            )
        }
        pick = np.array([c[:key_len] not in served for c in codes], dtype=bool)
        if not pick.any():
            raise InvalidInput(
                f"every village of {where} already has an active {req.station_level} station: no candidates "
                "(use candidates=all_villages or give sites)",
                key="siting.no_candidates",
                params={"level": req.station_level},
            )
    idx = np.flatnonzero(pick)
    data.candidate_code = [str(codes[i]) for i in idx]
    data.candidate_label = [data.village_name[i] for i in idx]
    data.candidate_lon = lon[idx]
    data.candidate_lat = lat[idx]
    return data


def build_siting_instance(data: SitingData, req: SitingRequest) -> SitingInstance:
    """The sparse coverage instance of the data (villages × candidates within the reach, metres)."""
    return build_instance(
        data.village_lon,
        data.village_lat,
        data.candidate_lon,
        data.candidate_lat,
        req.reach_m,
        weights=data.weights,
        existing_lon=data.station_lon,
        existing_lat=data.station_lat,
    )


def solve_request(inst: SitingInstance, req: SitingRequest, *, exact: bool) -> SitingResult:
    """Solve the request's problem on the instance (the heuristic only unless ``exact``)."""
    if req.problem == "mclp":
        return maximize_coverage(inst, req.p, exact=exact, time_limit_s=req.time_limit_s, mip_gap=req.mip_gap)
    if req.problem == "lscp":
        return minimize_sites(
            inst,
            require_full_coverage=req.require_full_coverage,
            exact=exact,
            time_limit_s=req.time_limit_s,
            mip_gap=req.mip_gap,
        )
    return _reach_share(inst, req.share, exact=exact, time_limit_s=req.time_limit_s, mip_gap=req.mip_gap)


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _reason_json(data: SitingData, reason: Reason) -> dict[str, Any]:
    """A reason as stored: candidates it names by index are named by their labels (``useless_names``)."""
    params = dict(reason.params)
    if "useless_sites" in params:
        params["useless_names"] = [data.candidate_label[j] for j in params.pop("useless_sites")]
    return {"code": reason.code, "params": params}


def result_json(data: SitingData, inst: SitingInstance, result: SitingResult) -> dict[str, Any]:
    """The answer as stored and served: chosen sites with the villages each serves, before/after, gap."""
    w = data.weights
    total = float(w.sum())
    chosen = []
    for rank, (j, served, dist) in enumerate(
        zip(result.chosen, result.served, result.served_distance_m, strict=True), start=1
    ):
        j = int(j)
        villages = [
            {
                "code": str(data.village_code[i]),
                "name": data.village_name[i],
                "population": None if data.village_population[i] < 0 else int(data.village_population[i]),
                "distance_m": round(float(d), 1),
                "lon": round(float(data.village_lon[i]), 7),
                "lat": round(float(data.village_lat[i]), 7),
            }
            for i, d in sorted(zip(served.tolist(), dist.tolist(), strict=True), key=lambda t: t[1])
        ]
        chosen.append(
            {
                "rank": rank,
                "code": data.candidate_code[j],
                "label": data.candidate_label[j],
                "lon": round(float(data.candidate_lon[j]), 7),
                "lat": round(float(data.candidate_lat[j]), 7),
                "newly_covered_people": round(float(w[served].sum()), 1),
                "villages": villages,
            }
        )
    newly = float(result.newly_covered_weight)
    return {
        "problem": result.problem,
        "status": result.status,
        "objective": result.objective,
        "heuristic_objective": result.heuristic_objective,
        "bound": _finite(result.bound),
        "mip_bound": _finite(result.mip_bound),
        "gap": _finite(result.gap),
        "weights": data.weights_note,
        "villages": int(inst.n_demand),
        "candidates": int(inst.n_candidates),
        "existing_stations": int(data.station_lon.size),
        "people": round(total, 1),
        "covered_before": {"people": round(inst.weight_before, 1), "share": result.covered_share_before},
        "covered_after": {
            "people": round(inst.weight_before + newly, 1),
            "share": result.covered_share_after,
        },
        "newly_covered_people": round(newly, 1),
        "uncoverable_villages": [str(data.village_code[i]) for i in result.uncoverable.tolist()],
        "requested_sites": result.requested_sites,
        "reasons": [_reason_json(data, r) for r in result.reasons],
        "chosen": chosen,
        "timings": {k: round(v, 4) for k, v in vars(result.timings).items()},
    }


# ------------------------------------------------------------------------------------------ runs table


@dataclass(frozen=True, kw_only=True)
class SitingRunInfo(RunInfo):
    """A siting run as stored: its problem and area, and the answer so far (the heuristic's while running)."""

    columns: ClassVar[tuple[str, ...]] = (
        "id",
        "problem",
        "area_code",
        "status",
        "parameters",
        "started_at",
        "finished_at",
        "phase",
        "progress",
        "result",
        "error",
    )

    problem: str
    area_code: str | None
    result: dict[str, Any] | None


SITING_RUNS = RunKind(
    "siting",
    SitingRun.__table__,
    SitingRunInfo,
    time_limit_s=lambda parameters: float(parameters.get("time_limit_s", 60.0)) + HUNG_AFTER_S,
    lock_class=1447384147,  # b"VETS": each siting run locks its own id in a class of its own
    failed_phase="failed",
)
"""Siting runs in the background-run lifecycle: side by side, each run locking its own id."""


def get_siting_run(conn: Connection, run_id: int) -> SitingRunInfo:
    """One run; a run left running by a process that stopped, or hung past its time limit, is reported failed."""
    return read_run(conn, SITING_RUNS, run_id)


def list_siting_runs(
    conn: Connection, area: str | None = None, limit: int = 20, *, within: str | None = None
) -> list[SitingRunInfo]:
    """The latest runs, newest first: of one area when ``area`` is given; of every area whose code starts with
    ``within`` (an area's descendant prefix: the area and the areas inside it) when that is given."""
    where = [SitingRun.area_code == area] if area is not None else []
    if within is not None:
        where.append(SitingRun.area_code.like(within + "%"))
    return find_runs(conn, SITING_RUNS, *where, limit=limit)


def _progress_ticker(run: ActiveRun, time_limit_s: float, stop: threading.Event) -> None:
    """While the exact stage runs, move progress from 0.5 towards 0.95 with the time limit's clock."""
    started = time.monotonic()
    while not stop.wait(1.0):
        fraction = 0.5 + 0.45 * min(1.0, (time.monotonic() - started) / time_limit_s)
        try:
            run.progress(_EXACT_PHASE, fraction)
        except Conflict:  # the run was failed under it (it hung): nothing more to report
            return
        except Exception:  # progress is best effort; the run itself reports failures
            log.debug("could not update the progress of siting run %s", run.id, exc_info=True)


def _exact_work(data: SitingData, inst: SitingInstance, req: SitingRequest) -> Work:
    """The exact stage as the run's work: HiGHS under the time limit, progress ticking meanwhile; the answer."""

    def work(run: ActiveRun) -> dict[str, Any]:
        stop = threading.Event()
        ticker = threading.Thread(target=_progress_ticker, args=(run, req.time_limit_s, stop), daemon=True)
        ticker.start()
        try:
            result = solve_request(inst, req, exact=True)
        finally:
            stop.set()
        return {"result": result_json(data, inst, result)}

    return work


def create_siting_run(
    engine: Engine, req: SitingRequest, *, background: bool = True, progress: ProgressFn | None = None
) -> SitingRunInfo:
    """Validate, read and solve heuristically now; the exact stage in a thread (``background``) or here.

    Every input error (unknown area, no candidates, p over the candidates, an unreachable share, an
    infeasible full cover) is raised as InvalidInput/NotFound before the run is stored.
    """
    req = check_request(req)
    report = progress or (lambda phase, fraction: None)
    report("reading villages and stations", 0.05)
    with engine.connect() as conn:
        data = read_siting_data(conn, req)
    report("building the coverage matrix", 0.15)
    inst = build_siting_instance(data, req)
    report("greedy + swap", 0.3)
    heuristic = solve_request(inst, req, exact=False)
    answer = result_json(data, inst, heuristic)
    finished = not req.exact or heuristic.status == "optimal"
    run = start_run(
        engine,
        SITING_RUNS,
        {
            "problem": req.problem,
            "area_code": data.area.code if data.area else None,
            "parameters": req.as_json(),
            "phase": _EXACT_PHASE,
            "progress": 0.5,
            "result": answer,
        },
    )
    if finished:  # the heuristic's answer is the answer
        carry_out(run, lambda _: {})
    else:
        report(_EXACT_PHASE, 0.5)
        if background:
            start_worker(run, _exact_work(data, inst, req))
        else:
            try:
                carry_out(run, _exact_work(data, inst, req))
            except Exception:  # stored with the run, which is answered failed
                log.exception("siting run %s failed", run.id)
    report("done" if not background or finished else _EXACT_PHASE, 1.0 if not background else 0.5)
    with engine.connect() as conn:
        return get_siting_run(conn, run.id)


def wait_for_siting_run(engine: Engine, run_id: int, timeout_s: float) -> SitingRunInfo:
    """Poll a run until it is no longer running or the timeout (seconds) passes; the run as it then is."""
    deadline = time.monotonic() + timeout_s
    while True:
        with engine.connect() as conn:
            info = get_siting_run(conn, run_id)
        if info.status != "running" or time.monotonic() >= deadline:
            return info
        time.sleep(0.1)
