"""What waits for staff on the moderation page: public report photos not yet public, and public reports in triage.

A report photo leaves the queue when it is published, or when someone of the area decides to keep it private
(``keep_photo_private``: an audit entry ``keep_private``, the photo unchanged) or withdrew it after publishing.

Both lists are of the caller's area, oldest first. A report in triage is a work order with ``source`` public or
open311 in status ``reported`` (geo/public/reports.py); with it come its photos (public or not) and the open work
orders it may duplicate: other open orders of the same site, or within ``NEARBY_M`` geodesic metres of its pin.
The decisions themselves go through the existing functions (geo/upkeep/photos.py set_photo_public,
geo/upkeep/work_orders.py transition and update_work_order), which check rights and areas and write the audit log.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from geo.accounts.audit import Actor, record
from geo.accounts.permissions import authorize, require_right
from geo.errors import Conflict, NotFound
from geo.principal import Principal
from geo.public.reports import OPEN_STATUSES
from geo.upkeep.photos import PUBLISH
from geo.upkeep.work_orders import TRIAGE
from geo.vocab import area_prefix

NEARBY_M = 500
CANDIDATES = 10

_SITE_NAME = (
    "LEFT JOIN memorials m ON w.collection = 'memorials' AND m.id = w.site_id "
    "LEFT JOIN cemeteries c ON w.collection = 'cemeteries' AND c.id = w.site_id "
    "LEFT JOIN graves g ON w.collection = 'graves' AND g.id = w.site_id "
)


def _area(principal: Principal, column: str, params: dict) -> str:
    """A WHERE clause limiting ``column`` to the principal's area (true for the whole atlas)."""
    if principal.area_code is None:
        return "true"
    params["prefix"] = (principal.area_prefix or area_prefix(principal.area_code)) + "%"
    return f"{column} LIKE :prefix"


def _photos_waiting(principal: Principal, params: dict) -> str:
    """The condition on ``photos p`` of a report photo that waits: not public, never kept private or withdrawn."""
    return (
        f"p.stage = 'report' AND NOT p.public AND {_area(principal, 'p.area_code', params)} AND NOT EXISTS ("
        "SELECT 1 FROM audit_log a WHERE a.collection = 'photos' AND a.record_id = p.id "
        "AND a.action IN ('keep_private', 'unpublish'))"
    )


def count_report_photos_waiting(conn: Connection, principal: Principal) -> int:
    """How many report photos of the caller's area wait for a decision (the moderation page's queue)."""
    require_right(principal, PUBLISH)
    params: dict = {}
    where = _photos_waiting(principal, params)
    return conn.execute(text(f"SELECT count(*) FROM photos p WHERE {where}"), params).scalar_one()


def report_photos_waiting(conn: Connection, principal: Principal, limit: int = 100) -> tuple[list[dict], int]:
    """Photos of public reports in the caller's area that are not public, oldest first, and how many there are."""
    require_right(principal, PUBLISH)
    params: dict = {"limit": limit}
    where = _photos_waiting(principal, params)
    rows = conn.execute(
        text(
            "SELECT p.id, p.collection, p.site_id, p.area_code, p.caption, p.uploaded_at, p.work_order_id, "
            "w.description, w.category, w.status AS order_status, "
            "coalesce(m.name, c.name, g.name) AS site_name, count(*) OVER () AS total "
            "FROM photos p LEFT JOIN work_orders w ON w.id = p.work_order_id "
            + _SITE_NAME.replace("w.collection", "p.collection").replace("w.site_id", "p.site_id")
            + f"WHERE {where} ORDER BY p.uploaded_at, p.id LIMIT :limit"
        ),
        params,
    ).all()
    total = rows[0].total if rows else 0
    return [{k: v for k, v in r._mapping.items() if k != "total"} for r in rows], total


def reports_in_triage(conn: Connection, principal: Principal, limit: int = 100) -> tuple[list[dict], int]:
    """Public reports (work orders in status reported) of the caller's area, oldest first, with their photos and the
    open orders each may duplicate; and how many there are."""
    require_right(principal, TRIAGE)
    params: dict = {"limit": limit}
    where = _area(principal, "w.area_code", params)
    rows = conn.execute(
        text(
            "SELECT w.id, w.collection, w.site_id, w.area_code, w.description, w.category, w.source, w.version, "
            "w.created_at, w.public_note, ST_X(w.position) AS lon, ST_Y(w.position) AS lat, "
            "coalesce(m.name, c.name, g.name) AS site_name, count(*) OVER () AS total, "
            "(SELECT count(*) FROM report_followers f WHERE f.work_order_id = w.id AND f.role = 'follower') "
            "AS followers "  # visitors who followed it instead of reporting it again (+1, issue 22)
            "FROM work_orders w " + _SITE_NAME + "WHERE w.source IN ('public', 'open311') "
            f"AND w.status = 'reported' AND {where} ORDER BY w.created_at, w.id LIMIT :limit"
        ),
        params,
    ).all()
    total = rows[0].total if rows else 0
    reports = [{k: v for k, v in r._mapping.items() if k != "total"} for r in rows]
    ids = [r["id"] for r in reports]
    photos: dict[int, list[dict]] = {i: [] for i in ids}
    candidates: dict[int, list[dict]] = {i: [] for i in ids}
    if ids:
        for p in conn.execute(
            text(
                "SELECT id, work_order_id, public FROM photos WHERE work_order_id = ANY(:ids) "
                "AND stage = 'report' ORDER BY id"
            ),
            {"ids": ids},
        ):
            photos[p.work_order_id].append({"id": p.id, "public": p.public})
        for o in conn.execute(
            text(
                "SELECT r.id AS report_id, o.id, o.title, o.status, o.collection, o.site_id, "
                "(o.collection = r.collection AND o.site_id = r.site_id) AS same_site, "
                "CASE WHEN o.position IS NOT NULL AND r.position IS NOT NULL "
                "THEN round(ST_Distance(o.position::geography, r.position::geography)) END AS distance_m "
                "FROM work_orders r CROSS JOIN LATERAL ("
                "  SELECT * FROM work_orders o WHERE o.id <> r.id AND o.status = ANY(:open) "
                "  AND o.area_code LIKE left(r.area_code, 6) || '%' "
                "  AND ((o.collection = r.collection AND o.site_id = r.site_id) OR (o.position IS NOT NULL "
                "   AND r.position IS NOT NULL AND ST_DWithin(o.position::geography, r.position::geography, :near)))"
                "  ORDER BY (o.collection = r.collection AND o.site_id = r.site_id) DESC, o.id DESC LIMIT :n"
                ") o WHERE r.id = ANY(:ids)"
            ),
            {"ids": ids, "open": list(OPEN_STATUSES), "near": NEARBY_M, "n": CANDIDATES},
        ):
            candidates[o.report_id].append(
                {
                    "id": o.id,
                    "title": o.title,
                    "status": o.status,
                    "same_site": o.same_site,
                    "distance_m": None if o.distance_m is None else int(o.distance_m),
                }
            )
    for r in reports:
        r["photos"] = photos[r["id"]]
        r["candidates"] = candidates[r["id"]]
    return reports, total


def keep_photo_private(conn: Connection, actor: Actor, photo_id: int) -> dict:
    """Decide that a report photo stays staff-only: audited as ``keep_private``; it leaves the moderation queue.

    Staff with ``photos.publish`` in the photo's area; a photo already public is a Conflict (withdraw it instead)."""
    principal = actor.principal
    require_right(principal, PUBLISH)
    row = conn.execute(
        text("SELECT id, area_code, public, stage FROM photos WHERE id = :id FOR UPDATE"), {"id": photo_id}
    ).first()
    if row is None:
        raise NotFound(f"no photo with id {photo_id}")
    authorize(principal, PUBLISH, [row.area_code])
    if row.public:
        raise Conflict(
            f"photo {photo_id} is public: withdraw it to make it private", key="moderation.photo_public"
        )
    record(
        conn,
        actor,
        "keep_private",
        "photos",
        photo_id,
        row.area_code,
        before={"public": False},
        after={"public": False},
    )
    return {"id": row.id, "public": False, "stage": row.stage}
