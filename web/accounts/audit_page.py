"""View model of ``/staff/audit``: the filters as typed (each refusal next to its field), and each entry as
who, when, what, and a table of the fields it changed (before, after) in words rather than JSON.

Pure: query strings and audit entries (geo/accounts/audit.py) in, text out; times in China time (UTC+8).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from geo.accounts.audit import AuditEntryInfo
from geo.kit.china_time import CHINA_TIME
from web.accounts.account_pages import Choice
from web.i18n import t
from web.paging import Paging
from web.paging import paging as page_links
from web.times import local_time

PAGE_SIZE = 20
"""Entries per page."""
MAX_TEXT = 300
"""Characters of a value shown before it is cut."""
_COLLECTION = re.compile(r"^[a-z_]{1,64}$")
_ACTOR = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@dataclass
class AuditQuery:
    """The filters of the page: as typed (to refill the form), as values, and a refusal per field."""

    typed: dict[str, str]
    actor: str | None = None
    collection: str | None = None
    record_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def offset(self) -> int:
        """Entries before this page."""
        return (self.page - 1) * PAGE_SIZE

    def url(self, page: int | None = None) -> str:
        """The page's address with these filters (and ``page``)."""
        params = [(k, v) for k, v in self.typed.items() if v]
        if page is not None and page > 1:
            params.append(("page", str(page)))
        return "/staff/audit" + (f"?{urlencode(params)}" if params else "")


FILTER_FIELDS = ("actor", "collection", "record", "since", "until")
"""The query parameters of the filters, in the form's order."""


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def parse_audit_query(params: Mapping[str, str], lang: str) -> AuditQuery:
    """The filters from the page's query string; a bad value gets a sentence in ``lang`` and is not applied."""
    typed = {name: (params.get(name) or "").strip() for name in FILTER_FIELDS}
    query = AuditQuery(typed=typed)
    if typed["actor"]:
        if _ACTOR.fullmatch(typed["actor"]):
            query.actor = typed["actor"]
        else:
            query.errors["actor"] = t("audit.check.actor", lang)
    if typed["collection"]:
        if _COLLECTION.fullmatch(typed["collection"]):
            query.collection = typed["collection"]
        else:
            query.errors["collection"] = t("audit.check.collection", lang)
    if typed["record"]:
        if typed["record"].isascii() and typed["record"].isdigit() and 0 < int(typed["record"]) < 2**63:
            query.record_id = int(typed["record"])
        else:
            query.errors["record"] = t("audit.check.record", lang)
    for name in ("since", "until"):
        if typed[name]:
            day = _date(typed[name])
            if day is None:
                query.errors[name] = t("audit.check.date", lang)
            setattr(query, name, day)
    if query.since and query.until and query.until < query.since:
        query.errors["until"] = t("error.audit.dates_reversed", lang)
    page = params.get("page") or "1"
    query.page = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 10**6 else 1
    return query


@dataclass(frozen=True)
class DiffRow:
    """One field of an entry: its label, its value before and after as text ("" where the record had no such
    field: before a creation, after a deletion)."""

    field: str
    label: str
    before: str
    after: str
    changed: bool
    before_absent: bool = False
    after_absent: bool = False


@dataclass(frozen=True)
class AuditEntryView:
    """One entry as the page shows it."""

    id: int
    at: str
    actor: str
    action: str
    collection: str
    record: str
    record_href: str | None
    subject: str
    """The record's name as recorded (its username or name), "" when it has none."""
    area: str
    request: str
    changed: list[DiffRow]
    unchanged: list[DiffRow]


def _label(group: str, value: str, lang: str) -> str:
    return t(f"audit.{group}.{value}", lang, default=value)


def _geometry_text(value: Mapping[str, Any], lang: str) -> str:
    kind = str(value.get("type"))
    coords = value.get("coordinates")
    if kind == "Point" and isinstance(coords, list) and len(coords) >= 2:
        return t("audit.value.point", lang).format(lng=f"{coords[0]:.6f}", lat=f"{coords[1]:.6f}")

    def count(c: Any) -> int:
        if isinstance(c, list) and c and isinstance(c[0], (int, float)):
            return 1
        return sum(count(x) for x in c) if isinstance(c, list) else 0

    return t("audit.value.shape", lang).format(kind=kind, n=count(coords))


def _time_text(value: str) -> str:
    """An ISO 8601 time with a zone in China time to the second; as given when it is not one."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S")


def value_text(name: str, value: Any, lang: str) -> str:
    """A recorded value in words: empty, yes/no, a role's name, a time in China time, a point's position, a
    shape's vertices, else
    the value (nested records as ``key: value`` pairs), cut after ``MAX_TEXT`` characters."""
    if value is None or value == "":
        return t("audit.value.empty", lang)
    if isinstance(value, bool):
        return t("audit.value.true" if value else "audit.value.false", lang)
    if name == "role" and isinstance(value, str):
        return t(f"role.{value}", lang, default=value)
    if isinstance(value, Mapping) and "type" in value and "coordinates" in value:
        return _geometry_text(value, lang)
    if isinstance(value, Mapping):
        text = "; ".join(f"{k}: {value_text(str(k), v, lang)}" for k, v in value.items())
    elif isinstance(value, list):
        text = ", ".join(value_text(name, v, lang) for v in value)
    elif isinstance(value, str) and _ISO_TIME.match(value):
        text = _time_text(value)
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False)
    if len(text) > MAX_TEXT:
        return text[:MAX_TEXT] + t("audit.value.more", lang).format(n=len(text))
    return text


def diff_rows(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, lang: str) -> list[DiffRow]:
    """Every field of the record before or after, in the order recorded (after's first), with both values."""
    before, after = before or {}, after or {}
    names = list(after) + [n for n in before if n not in after]
    rows = []
    for name in names:
        was, now = before.get(name), after.get(name)
        changed = (name in before) != (name in after) or was != now
        rows.append(
            DiffRow(
                field=name,
                label=_label("field", name, lang),
                before=value_text(name, was, lang) if name in before else "",
                after=value_text(name, now, lang) if name in after else "",
                changed=changed,
                before_absent=name not in before,
                after_absent=name not in after,
            )
        )
    return rows


def _subject(record: Mapping[str, Any] | None) -> str:
    for name in ("username", "name"):
        value = (record or {}).get(name)
        if isinstance(value, str) and value:
            return value[:80]
    return ""


def entry_view(entry: AuditEntryInfo, lang: str) -> AuditEntryView:
    """One entry as the page shows it: changed fields first, the unchanged ones kept apart."""
    rows = diff_rows(entry.before, entry.after, lang)
    record = t("audit.entry.record", lang).format(
        collection=_label("collection", entry.collection, lang), id=entry.record_id or "—"
    )
    href = None
    if entry.record_id is not None:
        href = "/staff/audit?" + urlencode({"collection": entry.collection, "record": entry.record_id})
    area = entry.area_code or t("audit.entry.whole_atlas", lang)
    request = ""
    if entry.request_id or entry.client_addr:
        request = t("audit.entry.request", lang).format(
            id=entry.request_id or "—", addr=entry.client_addr or "—"
        )
    return AuditEntryView(
        id=entry.id,
        at=local_time(entry.at),
        actor=t("audit.entry.by", lang).format(
            actor=entry.actor, role=t(f"role.{entry.role}", lang, default=entry.role)
        ),
        action=_label("action", entry.action, lang),
        collection=entry.collection,
        record=record,
        record_href=href,
        subject=_subject(entry.after) or _subject(entry.before),
        area=t("audit.entry.area", lang).format(area=area),
        request=request,
        changed=[r for r in rows if r.changed],
        unchanged=[r for r in rows if not r.changed],
    )


def paging(query: AuditQuery, total: int, shown: int) -> Paging:
    """The paging of ``total`` matching entries, ``shown`` of them on this page."""
    return page_links(query.url, query.page, PAGE_SIZE, total, shown)


def collection_choices(collections: list[str], lang: str) -> list[Choice]:
    """The collections of the log as select options, labelled in ``lang``."""
    return [Choice(c, _label("collection", c, lang)) for c in collections]
