"""Synthetic upkeep for the demo atlas: inspections in the past year and a few open repair work orders.

About 70 % of the demo's memorials, cemeteries and graves (not the graves moved into a cemetery) get one or two
inspections dated within the last year (China Standard Time), scored 0-4 per category with a skew to good
condition, by the inspector ``演示巡查 (synthetic)`` (no account). Each site's ``condition_index``,
``last_inspected_on`` and ``upkeep_status`` then follow from its latest inspection, computed with
``geo.upkeep.inspections.condition_index`` and ``upkeep_status``; a site without an inspection is ``unknown``. Some sites
in poor or damaged condition get an open repair work order marked synthetic. Everything is generated in memory
from the demo's seed and written set-based (a few statements per table), in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
from sqlalchemy import Connection, text

from geo.models import UPKEEP_COLLECTIONS
from geo.settings import UpkeepSettings
from geo.upkeep.inspections import CATEGORIES, CHECKLIST, condition_index, upkeep_status
from geo.upkeep.schedules import CHINA, china_today

DEMO_INSPECTOR = "演示巡查 (synthetic)"
INSPECTED_SHARE = 0.7
SECOND_INSPECTION_SHARE = 0.4
NEGLECTED_SHARE = 0.06  # sites left to decay: the poor and damaged ones
ORDER_SHARE = 0.12  # of the sites in poor or damaged condition
_REPAIRS = {
    "monument": "碑体破损修缮",
    "structure": "建筑结构修缮",
    "paths": "道路台阶修补",
    "greenery": "绿化补植",
    "signage": "标志牌更换",
    "enclosure": "围墙围栏修复",
    "cleanliness": "环境整治清理",
}


def _sites(conn: Connection, collection: str) -> tuple[np.ndarray, list[str]]:
    moved = " AND disposition IS DISTINCT FROM 'moved'" if collection == "graves" else ""
    rows = conn.execute(
        text(f"SELECT id, area_code FROM {collection} WHERE synthetic{moved} ORDER BY id")
    ).all()
    return np.array([r.id for r in rows], dtype=np.int64), [r.area_code for r in rows]


def _inspections(
    collection: str, ids: np.ndarray, areas: list[str], today: dt.date, rng: np.random.Generator
) -> dict[str, list]:
    """Columns of the inspections of the chosen sites, the older of a site's two first (its latest last)."""
    n = len(ids)
    chosen = np.flatnonzero(rng.random(n) < INSPECTED_SHARE)
    neglected = rng.random(len(chosen)) < NEGLECTED_SHARE
    quality = np.where(neglected, rng.beta(2.0, 3.0, len(chosen)), rng.beta(6.0, 1.2, len(chosen)))
    latest_back = rng.integers(0, 330, len(chosen))
    second = rng.random(len(chosen)) < SECOND_INSPECTION_SHARE
    older_back = latest_back + rng.integers(20, 365 - latest_back)
    # one row per inspection: the older ones of the sites with two, then every site's latest
    site = np.concatenate([chosen[second], chosen])
    back = np.concatenate([older_back[second], latest_back])
    q = np.clip(np.concatenate([quality[second], quality]) + rng.normal(0, 0.08, len(site)), 0, 1)
    m = len(site)
    scores = np.clip(np.rint(4 * q[:, None] + rng.normal(0, 0.5, (m, len(CATEGORIES)))), 0, 4).astype(int)
    scored = np.ones((m, len(CATEGORIES)), dtype=bool)
    if collection == "graves":  # a grave has no building, and seldom an enclosure
        scored[:, CATEGORIES.index("structure")] = False
        scored[:, CATEGORIES.index("enclosure")] = rng.random(m) < 0.3
        checks = np.zeros((m, len(CHECKLIST)), dtype=bool)  # the five conditions are of memorial facilities
    else:
        checks = rng.random((m, len(CHECKLIST))) < q[:, None]
    minutes = rng.integers(8 * 60, 17 * 60, m)
    cols: dict[str, list] = {
        "collection": [collection] * m,
        "site_id": ids[site].tolist(),
        "area_code": [areas[i] for i in site],
        "inspected_at": [
            dt.datetime.combine(today - dt.timedelta(days=int(b)), dt.time(int(t) // 60, int(t) % 60), CHINA)
            for b, t in zip(back, minutes, strict=True)
        ],
    }
    for j, c in enumerate(CATEGORIES):
        cols[f"score_{c}"] = [
            int(v) if ok else None for v, ok in zip(scores[:, j], scored[:, j], strict=True)
        ]
    for j, c in enumerate(CHECKLIST):
        cols[c] = checks[:, j].tolist()
    return cols


def _indexes(cols: dict[str, list], weights: dict[str, int]) -> list[int]:
    """The condition index of each inspection (geo.upkeep.inspections.condition_index, once per distinct scoring)."""
    seen: dict[tuple, int] = {}
    out = []
    for scoring in zip(*(cols[f"score_{c}"] for c in CATEGORIES), strict=True):
        if scoring not in seen:
            seen[scoring] = condition_index(
                {c: s for c, s in zip(CATEGORIES, scoring, strict=True) if s is not None}, weights
            )
        out.append(seen[scoring])
    return out


def _insert(conn: Connection, table: str, cols: dict[str, list], types: dict[str, str], returning: str):
    """One INSERT ... SELECT FROM unnest(arrays) of the column lists: one round trip for any number of rows."""
    names = list(cols)
    arrays = ", ".join(f"CAST(:{k} AS {types.get(k, 'text')}[])" for k in names)
    sql = f"INSERT INTO {table} ({', '.join(names)}) SELECT * FROM unnest({arrays}) RETURNING {returning}"
    return conn.execute(text(sql), cols).all()


_INSPECTION_TYPES = {
    "site_id": "bigint",
    "inspected_at": "timestamptz",
    "condition_index": "smallint",
    **{f"score_{c}": "smallint" for c in CATEGORIES},
    **dict.fromkeys(CHECKLIST, "boolean"),
}
_ORDER_TYPES = {
    "site_id": "bigint",
    "due_on": "date",
    "inspection_id": "bigint",
    "cost_estimate": "numeric",
    "version": "integer",
}


def _refresh_sites(
    conn: Connection, collection: str, latest: dict[int, tuple[int, dt.date]], settings: UpkeepSettings
) -> None:
    """Set each inspected site's condition from its latest inspection; the rest become unknown."""
    ids = sorted(latest)
    conn.execute(
        text(
            f"UPDATE {collection} s SET condition_index = u.ci, last_inspected_on = u.day, upkeep_status = u.st, "
            "updated_at = now() FROM unnest(CAST(:ids AS bigint[]), CAST(:ci AS smallint[]), "
            "CAST(:day AS date[]), CAST(:st AS text[])) AS u(id, ci, day, st) WHERE s.id = u.id"
        ),
        {
            "ids": ids,
            "ci": [latest[i][0] for i in ids],
            "day": [latest[i][1] for i in ids],
            "st": [upkeep_status(latest[i][0], settings) for i in ids],
        },
    )
    conn.execute(
        text(
            f"UPDATE {collection} SET upkeep_status = 'unknown', condition_index = NULL, last_inspected_on = NULL, "
            "updated_at = now() WHERE synthetic AND NOT (id = ANY(CAST(:ids AS bigint[]))) "
            "AND (upkeep_status <> 'unknown' OR condition_index IS NOT NULL OR last_inspected_on IS NOT NULL)"
        ),
        {"ids": ids},
    )


def _orders(
    latest: list[dict], today: dt.date, settings: UpkeepSettings, rng: np.random.Generator
) -> dict[str, list]:
    """Columns of open repair work orders (reported or triaged) at some sites in poor or damaged condition."""
    rows = []
    for row in latest:
        if row["condition_index"] >= settings.fair_from or rng.random() >= ORDER_SHARE:
            continue
        scored = {c: row["scores"][c] for c in CATEGORIES if row["scores"][c] is not None}
        worst = min(scored, key=lambda c: (scored[c], CATEGORIES.index(c)))
        triaged = bool(rng.random() < 0.5)
        rows.append(
            {
                "collection": row["collection"],
                "site_id": row["site_id"],
                "area_code": row["area_code"],
                "title": f"{_REPAIRS[worst]} (synthetic)",
                "description": "演示数据 (synthetic)：巡查发现的问题",
                "status": "triaged" if triaged else "reported",
                "priority": "high" if row["condition_index"] < settings.poor_from else "normal",
                "due_on": today + dt.timedelta(days=int(rng.integers(20, 90))),
                "inspection_id": row["id"],
                "cost_estimate": int(rng.integers(5, 200)) * 100,
                "kind": "repair",
                "version": 2 if triaged else 1,
            }
        )
    return {k: [r[k] for r in rows] for k in (rows[0] if rows else ())}


def _history(conn: Connection, orders: dict[str, list], ids: list[int]) -> None:
    """One history row per change of each synthetic order: its report, and its triage when triaged."""
    cols: dict[str, list] = {k: [] for k in ("work_order_id", "actor", "from_status", "to_status", "changes")}
    cols["version"] = []
    for i, order_id in enumerate(ids):
        fields = {
            k: [None, orders[k][i]] for k in ("title", "description", "priority", "due_on", "cost_estimate")
        }
        steps = [(None, "reported", fields, 1)]
        if orders["status"][i] == "triaged":
            steps.append(("reported", "triaged", {}, 2))
        for from_, to, changes, version in steps:
            cols["work_order_id"].append(order_id)
            cols["actor"].append(DEMO_INSPECTOR)
            cols["from_status"].append(from_)
            cols["to_status"].append(to)
            cols["changes"].append(json.dumps(changes, ensure_ascii=False, default=str))
            cols["version"].append(version)
    types = {"work_order_id": "bigint", "changes": "jsonb", "version": "integer"}
    _insert(conn, "work_order_history", cols, types, "id")


def add_demo_upkeep(
    conn: Connection, seed: int, settings: UpkeepSettings | None = None, today: dt.date | None = None
) -> dict[str, int]:
    """Add synthetic inspections and open work orders to the demo sites (set-based); returns the counts."""
    settings = settings or UpkeepSettings()
    today = today or china_today()
    rng = np.random.default_rng([seed, 6])
    weights = settings.weights()
    made = {"inspections": 0, "work_orders": 0}
    latest: list[dict] = []
    for collection in UPKEEP_COLLECTIONS:
        cols = _inspections(collection, *_sites(conn, collection), today, rng)
        cols["condition_index"] = _indexes(cols, weights)
        cols["inspector"] = [DEMO_INSPECTOR] * len(cols["site_id"])
        cols["notes"] = ["演示数据 (synthetic)"] * len(cols["site_id"])
        made["inspections"] += len(cols["site_id"])
        returned = _insert(conn, "inspections", cols, _INSPECTION_TYPES, "id, site_id, inspected_at")
        new_ids = {(r.site_id, r.inspected_at): r.id for r in returned}
        mine: dict[int, dict] = {}
        for i, site_id in enumerate(cols["site_id"]):  # the rows run oldest first: the last one wins
            mine[site_id] = {
                "id": new_ids[(site_id, cols["inspected_at"][i])],
                "collection": collection,
                "site_id": site_id,
                "area_code": cols["area_code"][i],
                "condition_index": cols["condition_index"][i],
                "scores": {c: cols[f"score_{c}"][i] for c in CATEGORIES},
                "day": cols["inspected_at"][i].date(),
            }
        _refresh_sites(
            conn, collection, {k: (v["condition_index"], v["day"]) for k, v in mine.items()}, settings
        )
        latest += mine.values()
    orders = _orders(latest, today, settings, rng)
    if orders:
        ids = [r.id for r in _insert(conn, "work_orders", orders, _ORDER_TYPES, "id")]
        _history(conn, orders, ids)
        made["work_orders"] = len(ids)
    return made
