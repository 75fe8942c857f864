"""View models of the 寻亲 pages: the staff list and detail (``/staff/family-requests``, markup in
web/templates/staff/family_*.html) and the requester's follow-up (``/family-search/{reference}``, markup in
web/templates/public/family_follow.html inside the public frame).

Pure: records in (as geo/public/family_requests.py returns them), what the templates show out. Times are shown in
China Standard Time (UTC+8), to the minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geo.models import FAMILY_REQUEST_STATUSES
from geo.public.family_requests import LIMITS
from web.i18n import t
from web.jinja import render
from web.public.frame import PageContext, page
from web.times import local_time

STAFF_PATH = "/staff/family-requests"
API_URL = "/api/v1/family-requests"
NOTE_LIMIT = LIMITS["public_note"]


def when(value: str | None) -> str:
    """An ISO 8601 time as ``YYYY-MM-DD HH:MM`` in China Standard Time; empty for None."""
    return local_time(value)


def status_label(status: str, lang: str) -> str:
    """The status as people say it: 已收到 / 查找中 / 已找到 / 已结束 (received, searching, matched, closed)."""
    return t(f"family.status.{status}", lang)


def status_options(lang: str) -> list[dict[str, str]]:
    """Every status in the order a request goes through them, with its label."""
    return [{"value": s, "label": status_label(s, lang)} for s in FAMILY_REQUEST_STATUSES]


@dataclass(frozen=True)
class StatusTab:
    """One filter of the list: a status (None: all), its label with its count, its link, whether chosen."""

    label: str
    count: int
    href: str
    current: bool


@dataclass(frozen=True)
class RequestRow:
    """A request as one row of the staff list."""

    reference: str
    href: str
    martyr_name: str
    requester_name: str
    area: str
    status: str
    status_label: str
    filed: str
    updated: str


@dataclass(frozen=True)
class StaffList:
    """What the staff list shows: the filters, the rows, the count and the pager links, and a refusal."""

    tabs: list[StatusTab]
    rows: list[RequestRow]
    total: int
    showing: str
    previous: str | None
    next: str | None
    error: str | None = None


def _link(path: str, lang: str | None, **params: object) -> str:
    kept = [(k, v) for k, v in params.items() if v not in (None, "", 0)]
    if lang:
        kept.append(("lang", lang))
    return path + ("?" + "&".join(f"{k}={v}" for k, v in kept) if kept else "")


def staff_list(
    items: list[dict],
    total: int,
    counts: dict[str, int],
    chosen: str | None,
    offset: int,
    limit: int,
    lang: str,
    explicit_lang: str | None,
    area_names: dict[str, str],
    error: str | None = None,
) -> StaffList:
    """The staff list of ``items`` (one page from ``offset``), with a tab per status and the pager."""
    tabs = [
        StatusTab(
            t("family.staff.all", lang),
            sum(counts.values()),
            _link(STAFF_PATH, explicit_lang),
            chosen is None,
        )
    ]
    tabs += [
        StatusTab(
            status_label(s, lang), counts.get(s, 0), _link(STAFF_PATH, explicit_lang, status=s), chosen == s
        )
        for s in FAMILY_REQUEST_STATUSES
    ]
    rows = [
        RequestRow(
            reference=item["reference"],
            href=_link(f"{STAFF_PATH}/{item['id']}", explicit_lang),
            martyr_name=item["martyr_name"],
            requester_name=item["requester_name"],
            area=area_names.get(
                item["area_code"] or "", item["area_code"] or t("family.staff.no_area", lang)
            ),
            status=item["status"],
            status_label=status_label(item["status"], lang),
            filed=when(item["created_at"]),
            updated=when(item["updated_at"]),
        )
        for item in items
    ]
    showing = (
        t("family.staff.showing", lang).format(start=offset + 1, end=offset + len(rows), total=total)
        if rows
        else ""
    )
    previous = (
        _link(STAFF_PATH, explicit_lang, status=chosen, offset=max(0, offset - limit)) if offset > 0 else None
    )
    following = (
        _link(STAFF_PATH, explicit_lang, status=chosen, offset=offset + limit)
        if offset + len(rows) < total
        else None
    )
    return StaffList(tabs, rows, total, showing, previous, following, error)


@dataclass(frozen=True)
class Fact:
    """A label and its value on the detail page (empty values are left out by the template)."""

    label: str
    value: str
    href: str | None = None
    name: str = ""


@dataclass(frozen=True)
class StaffDetail:
    """What the detail page shows, and the data its script needs (``script``)."""

    title: str
    reference: str
    martyr: list[Fact]
    requester: list[Fact]
    handling: list[Fact]
    staff_note: str
    notes: list[dict]
    has_follow_up: bool
    status: str
    statuses: list[dict[str, str]]
    can_update: bool
    script: dict = field(default_factory=dict)


def note_views(notes: list[dict], lang: str) -> list[dict]:
    """Notes as the detail page shows them: body, public or not, its badge, who and when."""
    return [
        {
            "public": n["public"],
            "badge": t("family.detail.note.public" if n["public"] else "family.detail.note.internal", lang),
            "body": n["body"],
            "by": t("family.detail.note.by", lang).format(
                author=n.get("author") or "—", when=when(n["created_at"])
            ),
        }
        for n in notes
    ]


def staff_detail(
    found: dict,
    area_name: str,
    lang: str,
    explicit_lang: str | None,
    can_update: bool,
    csrf_token: str,
    has_follow_up: bool,
) -> StaffDetail:
    """The detail page of request ``found`` (as get_request returns it, notes included)."""
    record = None
    if found.get("martyr_id"):
        record = _link(f"/martyrs/{int(found['martyr_id'])}", explicit_lang)
    martyr = [
        Fact(t("family.detail.martyr_name", lang), found["martyr_name"], record, "martyr_name"),
        Fact(t("family.detail.hometown", lang), found.get("hometown") or "", None, "hometown"),
        Fact(t("family.detail.unit", lang), found.get("unit") or "", None, "unit"),
        Fact(t("family.detail.death_year", lang), str(found.get("death_year") or ""), None, "death_year"),
        Fact(t("family.detail.details", lang), found.get("details") or "", None, "details"),
    ]
    phone = found.get("contact_phone") or ""
    email = found.get("contact_email") or ""
    requester = [
        Fact(t("family.detail.requester_name", lang), found["requester_name"], None, "requester_name"),
        Fact(t("family.detail.relation", lang), found.get("relation") or "", None, "relation"),
        Fact(t("family.detail.phone", lang), phone, f"tel:{phone}" if phone else None, "contact_phone"),
        Fact(t("family.detail.email", lang), email, f"mailto:{email}" if email else None, "contact_email"),
    ]
    handling = [
        Fact(t("family.detail.status", lang), status_label(found["status"], lang), None, "status"),
        Fact(t("family.detail.area", lang), area_name, None, "area"),
        Fact(t("family.detail.filed", lang), when(found["created_at"]), None, "created_at"),
        Fact(t("family.detail.updated", lang), when(found["updated_at"]), None, "updated_at"),
        Fact(t("family.detail.version", lang), str(found["version"]), None, "version"),
    ]
    strings = {
        key: t(f"family.detail.{key}", lang)
        for key in (
            "saving",
            "saved",
            "nothing",
            "too_long",
            "stale",
            "failed",
            "offline",
            "no_notes",
            "reissued",
        )
    }
    strings["follow_up_yes"] = t("family.detail.follow_up.yes", lang)
    strings["public"] = t("family.detail.note.public", lang)
    strings["internal"] = t("family.detail.note.internal", lang)
    strings["by"] = t("family.detail.note.by", lang)
    script = {
        "id": found["id"],
        "version": found["version"],
        "status": found["status"],
        "api": f"{API_URL}/{found['id']}?lang={lang}",
        "reissue": f"{API_URL}/{found['id']}/follow-up-code?lang={lang}",
        "follow": _link(f"/family-search/{found['reference']}", explicit_lang),
        "csrf": csrf_token,
        "limit": NOTE_LIMIT,
        "statuses": {s: status_label(s, lang) for s in FAMILY_REQUEST_STATUSES},
        "strings": strings,
    }
    return StaffDetail(
        title=t("family.detail.title", lang).format(reference=found["reference"]),
        reference=found["reference"],
        martyr=martyr,
        requester=requester,
        handling=handling,
        staff_note=found.get("staff_note") or "",
        notes=note_views(found.get("notes") or [], lang),
        has_follow_up=has_follow_up,
        status=found["status"],
        statuses=status_options(lang),
        can_update=can_update,
        script=script,
    )


@dataclass(frozen=True)
class FollowUp:
    """The requester's follow-up page: the reference asked for, the request seen (after the check), a refusal."""

    reference: str
    seen: dict | None = None
    error: str | None = None
    not_a_reference: bool = False


def follow_page(ctx: PageContext, follow: FollowUp) -> str:
    """The whole follow-up page in the public frame: the code form, or the status and the public notes."""
    lang = ctx.lang
    seen = None
    if follow.seen is not None:
        s = follow.seen
        seen = {
            "reference": s["reference"],
            "martyr_name": s["martyr_name"],
            "status": s["status"],
            "status_label": status_label(s["status"], lang),
            "status_text": t(f"family.status.{s['status']}.public", lang),
            "filed": when(s["created_at"]),
            "updated": when(s["updated_at"]),
            "notes": [{"body": n["body"], "when": when(n["created_at"])} for n in s["notes"]],
        }
    body = render(
        "public/family_follow.html",
        lang=lang,
        reference=follow.reference,
        seen=seen,
        error=follow.error,
        not_a_reference=follow.not_a_reference,
        action=ctx.link(ctx.path),
        new_request=ctx.link("/family-search"),
    )
    return page(ctx, t("family.follow.title", lang), body, config={"page": "family-follow"})
