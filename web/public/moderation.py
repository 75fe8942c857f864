"""The view of the staff moderation page (``/staff/moderation``): tribute messages waiting, public report photos not
yet public, public reports in triage; each row with its links and labels in the page's language.

Pure: the lists of geo/public/tributes.py (pending_tributes) and geo/public/moderation.py in, plain dicts out for
web/templates/staff/moderation.html and web/static/staff/moderation.js.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geo.models import WORK_ORDER_STATUSES
from geo.public.reports import SERVICE_BY_CODE
from geo.public.tributes import PendingTribute
from web.i18n import enum_label, t
from web.times import local_time

JS_KEYS = (
    "approved",
    "rejected",
    "published",
    "kept_private",
    "accepted",
    "duplicated",
    "report_rejected",
    "reason_required",
    "note_required",
    "duplicate_required",
    "busy",
    "offline",
    "refused",
    "stale",
    "too_long",
    "empty",
    "photo_public",
    "forbidden",
    "gone",
    "failed",
    "stale_status",
    "tribute_decided",
)


@dataclass(frozen=True)
class Queue:
    """One section of the page: its key, heading, count, rows and what it says when empty."""

    key: str
    title: str
    count: int
    rows: list[dict] = field(default_factory=list)
    more: str = ""


def _link(path: str, lang: str) -> str:
    return path + ("?lang=en" if lang == "en" else "")


def target_href(target: str, target_id: int, lang: str) -> str:
    """The public page a tribute shows on: a martyr's, a memorial's or a cemetery's."""
    if target == "martyrs":
        return _link(f"/martyrs/{int(target_id)}", lang)
    return _link(f"/sites/{target}/{int(target_id)}", lang) + "#tribute"


def site_href(collection: str | None, site_id: int | None, lang: str) -> str | None:
    """The staff page of a site, or None."""
    if not collection or not site_id:
        return None
    return _link(f"/staff/sites/{collection}/{int(site_id)}", lang)


def _category(code: str | None, lang: str) -> str:
    svc = SERVICE_BY_CODE.get(code or "")
    return svc.name(lang) if svc else (code or "")


def _more(shown: int, total: int, lang: str) -> str:
    return t("moderation.more", lang).format(n=shown, total=total) if total > shown else ""


def tribute_queue(items: list[PendingTribute], total: int, lang: str) -> Queue:
    """The tribute messages waiting, oldest first."""
    rows = [
        {
            "id": i.id,
            "message": i.message or "",
            "author": i.author or t("tribute.anonymous", lang),
            "target": enum_label("moderation.target", i.target, lang),
            "target_name": i.target_name or f"#{i.target_id}",
            "href": target_href(i.target, i.target_id, lang),
            "when": local_time(i.created_at),
        }
        for i in items
    ]
    return Queue("tributes", t("moderation.tributes.title", lang), total, rows, _more(len(rows), total, lang))


def photo_queue(items: list[dict], total: int, lang: str) -> Queue:
    """The report photos not yet public, oldest first."""
    rows = [
        {
            "id": p["id"],
            "thumbnail": f"/api/v1/photos/{int(p['id'])}/thumbnail",
            "full": f"/api/v1/photos/{int(p['id'])}",
            "caption": p.get("caption") or "",
            "report_id": p.get("work_order_id"),
            "report_href": _link(f"/staff/work-orders/{int(p['work_order_id'])}", lang)
            if p.get("work_order_id")
            else None,
            "report_text": p.get("description") or "",
            "category": _category(p.get("category"), lang),
            "report_status": enum_label("work_order_status", p.get("order_status"), lang)
            if p.get("order_status")
            else "",
            "site_name": p.get("site_name") or "",
            "site_href": site_href(p.get("collection"), p.get("site_id"), lang),
            "when": local_time(p.get("uploaded_at")),
        }
        for p in items
    ]
    return Queue("photos", t("moderation.photos.title", lang), total, rows, _more(len(rows), total, lang))


def _candidate(c: dict, lang: str) -> dict:
    where = (
        t("moderation.reports.same_site", lang)
        if c["same_site"]
        else t("moderation.reports.metres", lang).format(m=c["distance_m"])
    )
    label = f"#{c['id']} {c['title']} · {enum_label('work_order_status', c['status'], lang)} · {where}"
    return {"id": c["id"], "label": label}


def report_queue(items: list[dict], total: int, lang: str) -> Queue:
    """The public reports in triage, oldest first, with their photos and possible originals."""
    rows = []
    for r in items:
        position = ""
        if r.get("lon") is not None and r.get("lat") is not None:
            position = f"{r['lat']:.5f}, {r['lon']:.5f}"
        rows.append(
            {
                "id": r["id"],
                "version": r["version"],
                "reference": str(r["id"]),
                "public_href": _link(f"/reports/{int(r['id'])}", lang),
                "order_href": _link(f"/staff/work-orders/{int(r['id'])}", lang),
                "text": r.get("description") or "",
                "category": _category(r.get("category"), lang),
                "source": enum_label("moderation.source", r.get("source"), lang),
                "site_name": r.get("site_name") or "",
                "site_href": site_href(r.get("collection"), r.get("site_id"), lang),
                "position": position,
                "when": local_time(r.get("created_at")),
                "followers": r.get("followers") or 0,
                "photos": [
                    {
                        "id": p["id"],
                        "thumbnail": f"/api/v1/photos/{int(p['id'])}/thumbnail",
                        "full": f"/api/v1/photos/{int(p['id'])}",
                        "public": p["public"],
                    }
                    for p in r.get("photos", [])
                ],
                "candidates": [_candidate(c, lang) for c in r.get("candidates", [])],
            }
        )
    return Queue("reports", t("moderation.reports.title", lang), total, rows, _more(len(rows), total, lang))


def js_strings(lang: str) -> dict[str, str]:
    """The sentences the page's script shows, in ``lang``."""
    return {key: t(f"moderation.js.{key}", lang) for key in JS_KEYS}


def status_labels(lang: str) -> dict[str, str]:
    """Work-order states as the page names them (a stale report says what it is now)."""
    return {s: enum_label("work_order_status", s, lang) for s in WORK_ORDER_STATUSES}
