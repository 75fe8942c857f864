"""Inspections of memorials, cemeteries and graves, and the condition they give the site.

Each category (see ``CATEGORIES``) is scored 0-4: 0 destroyed or missing, 1 badly damaged, 2 damaged, 3 minor
wear, 4 good as new; a category may be left out when it does not apply. The condition index (0-100) is
``100 * Σ w_c·s_c / (4 · Σ w_c)`` over the scored categories, rounded half up, with the weights ``w_c`` of
``UpkeepSettings``; it is stored with the inspection as computed then, so a later change of weights does not
rewrite history.

The site's ``condition_index``, ``last_inspected_on`` (the China Standard Time date) and ``upkeep_status`` are
stored on the site row and recomputed from its latest inspection (greatest ``inspected_at``, then id) in the
same transaction as each new inspection, under a lock of the site row. Storing them (rather than a view) keeps
every existing read path (API, OGC, tiles, maps, filters) working unchanged and fast; recomputing from the
latest row means an inspection sent late from a phone (an earlier ``inspected_at``) does not overwrite a newer
one. Positions are WGS-84 longitude/latitude; accuracy in metres.

An inspection may carry a replay key (``client_key``, a UUID the phone made): sent again after a lost answer, by
the same account for the same site, it returns the inspection made the first time (no second row, no second
audit entry, ``replayed``); the key of another record is a Conflict. The site row lock serialises two copies sent
at once, and the insert is ``ON CONFLICT (client_key) DO NOTHING`` followed by a read all the same.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from geo.accounts.audit import Actor, record
from geo.accounts.permissions import authorize, require_right
from geo.errors import Conflict, InvalidInput, NotFound
from geo.models import INSPECTION_CATEGORIES, UPKEEP_COLLECTIONS
from geo.settings import UpkeepSettings

CATEGORIES = INSPECTION_CATEGORIES
"""Condition categories: headstones/monument, structure, paths, greenery, signage, enclosure, cleanliness."""
MAX_SCORE = 4
CHECKLIST = (
    "infrastructure_complete",  # 基础设施完备
    "protection_good",  # 保护状况优良
    "institutions_sound",  # 机构制度健全
    "management_standard",  # 服务管理规范
    "function_effective",  # 功能发挥显著
)
"""The five conditions a memorial facility must meet, as booleans of an inspection."""


@dataclass(frozen=True)
class InspectionInput:
    """What an inspector reports: scores per category (0-4), checklist, notes, optional time and position."""

    scores: dict[str, int]
    checklist: dict[str, bool] = field(default_factory=dict)
    notes: str | None = None
    inspected_at: dt.datetime | None = None
    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None
    client_key: uuid.UUID | None = None


def condition_index(scores: dict[str, int], weights: dict[str, int]) -> int:
    """The 0-100 condition index of category scores (0-4) under the weights; raises InvalidInput."""
    unknown = sorted(set(scores) - set(CATEGORIES))
    if unknown:
        raise InvalidInput(
            f"unknown categories {', '.join(unknown)}; expected some of: {', '.join(CATEGORIES)}"
        )
    for name, score in scores.items():
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= MAX_SCORE:
            raise InvalidInput(f"score of {name} must be an integer 0-{MAX_SCORE}, not {score!r}")
    total = sum(weights[c] for c in scores)
    if total <= 0:
        raise InvalidInput("score at least one category that has a weight above zero")
    num = 100 * sum(weights[c] * s for c, s in scores.items())
    den = MAX_SCORE * total
    return (2 * num + den) // (2 * den)  # round half up, exactly


def upkeep_status(index: int, settings: UpkeepSettings) -> str:
    """The site's upkeep status for a condition index: good, fair, poor or damaged."""
    if index >= settings.good_from:
        return "good"
    if index >= settings.fair_from:
        return "fair"
    if index >= settings.poor_from:
        return "poor"
    return "damaged"


def _check_collection(collection: str) -> str:
    if collection not in UPKEEP_COLLECTIONS:
        raise NotFound(f"{collection} are not inspected; inspections are of {', '.join(UPKEEP_COLLECTIONS)}")
    return collection


def site_area(conn: Connection, collection: str, site_id: int, lock: bool = False) -> str:
    """The area code of a site of an upkeep collection (row-locked when ``lock``); raises NotFound."""
    table = _check_collection(collection)  # one of three fixed names, never user text
    suffix = " FOR UPDATE" if lock else ""
    area = conn.execute(
        text(f"SELECT area_code FROM {table} WHERE id = :id{suffix}"), {"id": site_id}
    ).scalar_one_or_none()
    if area is None:
        raise NotFound(
            f"no {collection} record with id {site_id}",
            key="site_not_found",
            params={"collection": collection, "id": site_id},
        )
    return area


def _check_input(data: InspectionInput) -> None:
    unknown = sorted(set(data.checklist) - set(CHECKLIST))
    if unknown:
        raise InvalidInput(f"unknown checklist items {', '.join(unknown)}; expected: {', '.join(CHECKLIST)}")
    if (data.lon is None) != (data.lat is None):
        raise InvalidInput("give both lon and lat of the position, or neither")
    if data.lon is not None and not (-180 <= data.lon <= 180 and -90 <= data.lat <= 90):
        raise InvalidInput("the position must be WGS-84 longitude -180..180 and latitude -90..90")
    if data.accuracy_m is not None and (data.accuracy_m < 0 or data.lon is None):
        raise InvalidInput("accuracy_m is a non-negative number of metres, and only with a position")
    if data.inspected_at is not None:
        if data.inspected_at.tzinfo is None:
            raise InvalidInput("inspected_at needs a time zone (e.g. +08:00)")
        if data.inspected_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):
            raise InvalidInput("inspected_at lies in the future")


_COLUMNS = (
    "id, collection, site_id, area_code, inspected_at, inspector_id, inspector, "
    + ", ".join(f"score_{c}" for c in CATEGORIES)
    + ", condition_index, "
    + ", ".join(CHECKLIST)
    + ", notes, ST_X(position) AS lon, ST_Y(position) AS lat, position_accuracy_m, created_at, client_key"
)


def _as_dict(row) -> dict:
    m = dict(row._mapping)
    scores = {c: m.pop(f"score_{c}") for c in CATEGORIES}
    out = {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in m.items()}
    out["client_key"] = str(m["client_key"]) if m["client_key"] is not None else None
    out["scores"] = {c: s for c, s in scores.items() if s is not None}
    out["checklist"] = {c: out.pop(c) for c in CHECKLIST}
    return out


def _read(conn: Connection, inspection_id: int) -> dict | None:
    row = conn.execute(
        text(f"SELECT {_COLUMNS} FROM inspections WHERE id = :id"), {"id": inspection_id}
    ).first()
    return None if row is None else _as_dict(row)


def _refresh_site(conn: Connection, collection: str, site_id: int, settings: UpkeepSettings) -> dict:
    latest = conn.execute(
        text(
            "SELECT condition_index, (inspected_at AT TIME ZONE 'Asia/Shanghai')::date AS day FROM inspections "
            "WHERE collection = :c AND site_id = :id ORDER BY inspected_at DESC, id DESC LIMIT 1"
        ),
        {"c": collection, "id": site_id},
    ).one()
    values = {
        "condition_index": latest.condition_index,
        "last_inspected_on": latest.day,
        "upkeep_status": upkeep_status(latest.condition_index, settings),
    }
    conn.execute(
        text(
            f"UPDATE {collection} SET condition_index = :condition_index, last_inspected_on = :last_inspected_on, "
            "upkeep_status = :upkeep_status, updated_at = now() WHERE id = :id"
        ),
        {**values, "id": site_id},
    )
    return {**values, "last_inspected_on": latest.day.isoformat()}


def _upkeep_of(conn: Connection, collection: str, site_id: int) -> dict:
    row = conn.execute(
        text(f"SELECT condition_index, last_inspected_on, upkeep_status FROM {collection} WHERE id = :id"),
        {"id": site_id},
    ).one()
    return {
        "condition_index": row.condition_index,
        "last_inspected_on": row.last_inspected_on.isoformat() if row.last_inspected_on else None,
        "upkeep_status": row.upkeep_status,
    }


def _earlier(conn: Connection, actor: Actor, collection: str, site_id: int, key: uuid.UUID) -> dict | None:
    """The inspection an earlier submission with replay key ``key`` made, if it was this one; else Conflict."""
    row = conn.execute(
        text(f"SELECT {_COLUMNS} FROM inspections WHERE client_key = :key"), {"key": key}
    ).first()
    if row is None:
        return None
    found = _as_dict(row)
    mine = actor.principal.user_id is not None and found["inspector_id"] == actor.principal.user_id
    if not mine or (found["collection"], found["site_id"]) != (collection, site_id):
        raise Conflict(
            f"client_key {key} was already used for another record (another site or account): "
            "each new inspection needs a key of its own"
        )
    return found


def create_inspection(
    conn: Connection,
    actor: Actor,
    collection: str,
    site_id: int,
    data: InspectionInput,
    settings: UpkeepSettings,
) -> dict:
    """Record an inspection of a site in the actor's area and update the site's condition; audited."""
    return submit_inspection(conn, actor, collection, site_id, data, settings)[0]


def submit_inspection(
    conn: Connection,
    actor: Actor,
    collection: str,
    site_id: int,
    data: InspectionInput,
    settings: UpkeepSettings,
) -> tuple[dict, bool]:
    """Like create_inspection; (the inspection, True) when ``data.client_key`` replays an earlier submission."""
    require_right(actor.principal, "inspections.create")
    area = site_area(conn, collection, site_id, lock=True)
    authorize(actor.principal, "inspections.create", [area])
    _check_input(data)
    index = condition_index(data.scores, settings.weights())
    if data.client_key is not None:
        earlier = _earlier(conn, actor, collection, site_id, data.client_key)
        if earlier is not None:
            return earlier, True
    params = {
        "collection": collection,
        "site_id": site_id,
        "area": area,
        "at": data.inspected_at,
        "inspector_id": actor.principal.user_id,
        "inspector": actor.principal.username,
        "index": index,
        "notes": data.notes,
        "lon": data.lon,
        "lat": data.lat,
        "acc": data.accuracy_m,
        "client_key": data.client_key,
        **{f"score_{c}": data.scores.get(c) for c in CATEGORIES},
        **{c: bool(data.checklist.get(c, False)) for c in CHECKLIST},
    }
    score_cols = ", ".join(f"score_{c}" for c in CATEGORIES)
    score_vals = ", ".join(f":score_{c}" for c in CATEGORIES)
    new_id = conn.execute(
        text(
            f"INSERT INTO inspections (collection, site_id, area_code, inspected_at, inspector_id, inspector, "
            f"{score_cols}, condition_index, {', '.join(CHECKLIST)}, notes, position, position_accuracy_m, "
            "client_key) "
            f"VALUES (:collection, :site_id, :area, coalesce(CAST(:at AS timestamptz), now()), :inspector_id, "
            f":inspector, {score_vals}, :index, {', '.join(':' + c for c in CHECKLIST)}, :notes, "
            "CASE WHEN CAST(:lon AS float8) IS NULL THEN NULL "
            "ELSE ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), 4326) END, :acc, "
            ":client_key) ON CONFLICT (client_key) DO NOTHING RETURNING id"
        ),
        params,
    ).scalar_one_or_none()
    if new_id is None:  # the same key committed by a concurrent copy of this submission
        earlier = _earlier(conn, actor, collection, site_id, data.client_key)
        if earlier is None:
            raise Conflict(f"client_key {data.client_key} is in use by a submission still in progress; retry")
        return earlier, True
    before = _upkeep_of(conn, collection, site_id)
    after = _refresh_site(conn, collection, site_id, settings)
    inspection = _read(conn, new_id)
    record(conn, actor, "create", "inspections", new_id, area_code=area, after=inspection)
    record(conn, actor, "update", collection, site_id, area_code=area, before=before, after=after)
    return inspection, False


def get_inspection(conn: Connection, actor: Actor, collection: str, site_id: int, inspection_id: int) -> dict:
    """One inspection of a site, for staff of its area; raises NotFound, Unauthorized, Forbidden."""
    require_right(actor.principal, "inspections.read")
    _check_collection(collection)
    found = _read(conn, inspection_id)
    if found is None or found["collection"] != collection or found["site_id"] != site_id:
        raise NotFound(f"no inspection {inspection_id} of {collection} {site_id}")
    authorize(actor.principal, "inspections.read", [found["area_code"]])
    return found


def list_inspections(
    conn: Connection, actor: Actor, collection: str, site_id: int, limit: int, offset: int
) -> tuple[int, list[dict]]:
    """The inspections of a site, newest first, with their count; staff of the site's area only."""
    require_right(actor.principal, "inspections.read")
    area = site_area(conn, collection, site_id)
    authorize(actor.principal, "inspections.read", [area])
    params = {"c": collection, "id": site_id, "limit": limit, "offset": offset}
    total = conn.execute(
        text("SELECT count(*) FROM inspections WHERE collection = :c AND site_id = :id"), params
    ).scalar_one()
    rows = conn.execute(
        text(
            f"SELECT {_COLUMNS} FROM inspections WHERE collection = :c AND site_id = :id "
            "ORDER BY inspected_at DESC, id DESC LIMIT :limit OFFSET :offset"
        ),
        params,
    )
    return total, [_as_dict(r) for r in rows]
