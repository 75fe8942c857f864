"""View models of the work-order pages (web/templates/staff/work_orders*.html): the board and its map, one order
with the steps this account may take, and the form of a new order. Pure: data from geo/upkeep/ in, labels in the
page's language out (web/messages/work_orders.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from geo.accounts.permissions import allowed, covers
from geo.models import UPKEEP_COLLECTIONS, WORK_ORDER_KINDS, WORK_ORDER_PRIORITIES, WORK_ORDER_STATUSES
from geo.principal import Principal
from geo.upkeep.work_orders import TRANSITIONS, WORK
from geo.upkeep.work_orders_board import (
    SOURCES,
    Board,
    BoardCard,
    BoardFilter,
    OrderSheet,
    SiteChoice,
    source_of,
)
from web.i18n import enum_label, t
from web.times import local_time

FLOW = ("reported", "triaged", "assigned", "in_progress", "done", "verified")
"""The board's columns, in the order an order moves."""
CLOSED = ("rejected", "duplicate")
"""Final states besides verified, listed under the board."""
STATE_COLOURS = {
    "reported": "#b35900",
    "triaged": "#7a4fb0",
    "assigned": "#0b5cad",
    "in_progress": "#00796b",
    "done": "#2e7d32",
    "verified": "#4a5663",
    "rejected": "#8a1010",
    "duplicate": "#78909c",
}
"""A marker's colour per state on the map (and the badge's border on the board)."""
_ORDER_OF_STEPS = ("triaged", "assigned", "in_progress", "done", "verified", "duplicate", "rejected")
PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"


def lang_query(lang: str, explicit: str | None, **params: object) -> str:
    """A query string with ``params`` (empty ones left out) and ``lang`` when the page was asked in it."""
    kept = [(k, str(v)) for k, v in params.items() if v not in (None, "", False)]
    if explicit:
        kept.append(("lang", lang))
    return ("?" + urlencode(kept)) if kept else ""


def yuan(value: float | None, lang: str) -> str:
    """An amount of yuan with two decimals, or a dash."""
    if value is None:
        return "—"
    return t("wo.yuan", lang).format(amount=f"{value:,.2f}")


@dataclass(frozen=True)
class Choice:
    """One option of a select: value, label, and whether it is chosen."""

    value: str
    label: str
    selected: bool = False


def _choices(values, group: str, chosen: str | None, lang: str) -> list[Choice]:
    return [Choice(v, enum_label(group, v, lang), v == chosen) for v in values]


@dataclass(frozen=True)
class FilterForm:
    """The board's filters: options, what is chosen, and a refusal per field."""

    areas: list[Choice]
    kinds: list[Choice]
    priorities: list[Choice]
    sources: list[Choice]
    overdue: bool
    collection: str | None
    site_id: int | None
    site_name: str | None
    errors: dict[str, str]
    active: bool


def filter_form(
    flt: BoardFilter,
    raw: dict[str, str],
    areas: list[tuple[str, str]],
    errors: dict[str, str],
    site_name: str | None,
    lang: str,
) -> FilterForm:
    """The filters as the form shows them (a refused value stays in its field's option)."""
    area_choices = [Choice(code, f"{name} ({code})", code == raw.get("area")) for code, name in areas]
    if raw.get("area") and not any(c.selected for c in area_choices):
        area_choices.append(Choice(raw["area"], raw["area"], True))
    return FilterForm(
        areas=area_choices,
        kinds=_choices(WORK_ORDER_KINDS, "work_order_kind", raw.get("kind"), lang),
        priorities=_choices(WORK_ORDER_PRIORITIES, "wo.priority", raw.get("priority"), lang),
        sources=_choices(SOURCES, "wo.source", raw.get("source"), lang),
        overdue=flt.overdue,
        collection=flt.collection,
        site_id=flt.site_id,
        site_name=site_name,
        errors=errors,
        active=any(
            raw.get(k) for k in ("area", "kind", "priority", "source", "overdue", "collection", "site")
        ),
    )


@dataclass(frozen=True)
class CardView:
    """One order on the board, as text."""

    id: int
    href: str
    title: str
    site: str
    priority: str
    priority_class: str
    kind: str
    source: str
    due: str | None
    overdue: bool
    assignee: str | None


@dataclass(frozen=True)
class ColumnView:
    """One state's column: label, count, cards, and how many are not shown."""

    state: str
    label: str
    count: int
    cards: list[CardView]
    more: int


def _site_label(collection: str, name: str | None, site_id: int, lang: str) -> str:
    return f"{t('layer.' + collection, lang)} · {name or '#' + str(site_id)}"


def _card(card: BoardCard, lang: str, explicit: str | None) -> CardView:
    return CardView(
        id=card.id,
        href=f"/staff/work-orders/{card.id}{lang_query(lang, explicit)}",
        title=card.title,
        site=_site_label(card.collection, card.site_name, card.site_id, lang),
        priority=enum_label("wo.priority", card.priority, lang),
        priority_class=card.priority,
        kind=enum_label("work_order_kind", card.kind, lang),
        source=enum_label("wo.source", card.source, lang),
        due=card.due_on.isoformat() if card.due_on else None,
        overdue=card.overdue,
        assignee=card.assignee,
    )


@dataclass(frozen=True)
class BoardView:
    """The board page: filters, columns by state, closed orders, the map's points, links between views."""

    filters: FilterForm
    columns: list[ColumnView]
    closed: list[ColumnView]
    total: int
    overdue: int
    view: str
    board_href: str
    map_href: str
    clear_href: str
    new_href: str | None
    map_data: dict = field(default_factory=dict)


def board_view(
    result: Board,
    form: FilterForm,
    raw: dict[str, str],
    view: str,
    lang: str,
    explicit: str | None,
    can_create: bool,
    outline: dict | None,
) -> BoardView:
    """The board's view model; the map's points are every shown order with a position."""

    def column(state: str) -> ColumnView:
        cards = [_card(c, lang, explicit) for c in result.by_state[state]]
        return ColumnView(
            state,
            enum_label("work_order_status", state, lang),
            result.counts[state],
            cards,
            result.counts[state] - len(cards),
        )

    kept = {k: raw.get(k) for k in ("area", "kind", "priority", "source", "overdue", "collection", "site")}
    points = [
        {
            "id": c.id,
            "lat": round(c.lat, 6),
            "lon": round(c.lon, 6),
            "state": c.status,
            "title": c.title,
            "site": _site_label(c.collection, c.site_name, c.site_id, lang),
            "href": f"/staff/work-orders/{c.id}{lang_query(lang, explicit)}",
        }
        for state in WORK_ORDER_STATUSES
        for c in result.by_state[state]
        if c.lat is not None and c.lon is not None
    ]
    legend = [
        {"state": s, "label": enum_label("work_order_status", s, lang), "colour": STATE_COLOURS[s]}
        for s in WORK_ORDER_STATUSES
    ]
    new_href = None
    if can_create:
        site = {"collection": form.collection, "site": form.site_id} if form.site_id else {}
        new_href = "/staff/work-orders/new" + lang_query(lang, explicit, **site)
    return BoardView(
        filters=form,
        columns=[column(s) for s in FLOW],
        closed=[column(s) for s in CLOSED],
        total=result.total,
        overdue=result.overdue,
        view=view,
        board_href="/staff/work-orders" + lang_query(lang, explicit, **kept),
        map_href="/staff/work-orders" + lang_query(lang, explicit, **kept, view="map"),
        clear_href="/staff/work-orders" + lang_query(lang, explicit, view="map" if view == "map" else None),
        new_href=new_href,
        map_data={
            "points": points,
            "legend": legend,
            "colours": STATE_COLOURS,
            "outline": outline,
            "strings": {
                "open": t("wo.map.open", lang),
                "none": t("wo.map.none", lang),
                "legend": t("wo.map.legend", lang),
            },
        },
    )


# -- one order


@dataclass(frozen=True)
class Fact:
    """A labelled value of the order's page, with a link when there is one."""

    name: str
    label: str
    value: str
    href: str | None = None


@dataclass(frozen=True)
class StepView:
    """A transition as the page offers it: the state it leads to, its button, the fields it needs."""

    to: str
    label: str
    hint: str
    needs: str | None  # crew | reason | duplicate | None
    note_required: bool
    direction: int = 0  # 0 forward, 1 back, 2 closing (its button's look)


@dataclass(frozen=True)
class HistoryView:
    """One line of the history: when, who, the move, the note, the field changes."""

    at: str
    actor: str
    move: str | None
    note: str | None
    changes: list[str]


@dataclass(frozen=True)
class PhotoView:
    """A thumbnail linking to the photo."""

    id: int
    stage: str
    thumbnail: str
    url: str
    alt: str


@dataclass(frozen=True)
class OrderView:
    """Everything the order's page shows and its script needs."""

    id: int
    title: str
    status: str
    status_label: str
    facts: list[Fact]
    description: str | None
    costs: list[Fact]
    steps: list[StepView]
    refusals: list[str]
    final: str | None
    crews: list[Choice]
    candidates: list[Choice]
    history: list[HistoryView]
    before: list[PhotoView]
    after: list[PhotoView]
    can_photo: bool
    can_cost: bool
    can_estimate: bool
    flash: str | None
    board_href: str
    script: dict


_STEP_NEEDS = {"assigned": "crew", "rejected": "reason", "duplicate": "duplicate"}


def _step_key(from_: str, to: str) -> str:
    special = {
        ("in_progress", "assigned"): "handover",
        ("assigned", "triaged"): "unassign",
        ("done", "in_progress"): "rework",
    }
    return special.get((from_, to), to)


def _backwards(from_: str, to: str) -> int:
    """0 for a step forward, 1 for a step back, 2 for closing (duplicate, rejected): the order of the buttons."""
    if to not in FLOW:
        return 2
    return 1 if FLOW.index(to) < FLOW.index(from_) else 0


def steps_for(principal: Principal, order: dict, lang: str) -> tuple[list[StepView], list[str]]:
    """The moves this account may make now (buttons), and a sentence for each move it may not."""
    status = order["status"]
    steps, refusals = [], []
    nexts = sorted(TRANSITIONS[status], key=lambda to: (_backwards(status, to), _ORDER_OF_STEPS.index(to)))
    for to in nexts:
        action = TRANSITIONS[status][to]
        key = _step_key(status, to)
        label = t(f"wo.step.{key}", lang)
        if not allowed(principal.role, action) or not covers(principal, order["area_code"]):
            who = "wo.refuse.work" if action == WORK else "wo.refuse.triage"
            refusals.append(t(who, lang).format(step=label))
            continue
        mine = principal.user_id is not None and order["assigned_to"] == principal.user_id
        if action == WORK and principal.role == "crew" and not mine:
            refusals.append(t("wo.refuse.not_assignee", lang).format(step=label))
            continue
        needs = "crew" if (to == "assigned") else _STEP_NEEDS.get(to)
        steps.append(
            StepView(
                to,
                label,
                t(f"wo.step.{key}.hint", lang),
                needs,
                to in ("rejected",) or key == "rework",
                _backwards(status, to),
            )
        )
    return steps, refusals


def _change_value(name: str, value: object, sheet: OrderSheet, lang: str) -> str:
    if value is None or value == "":
        return "—"
    if name == "assigned_to" and isinstance(value, int):
        return sheet.people.get(value, f"#{value}")
    if name == "priority":
        return enum_label("wo.priority", value, lang)
    if name in ("cost_estimate", "cost_actual") and isinstance(value, int | float):
        return yuan(float(value), lang)
    if name == "duplicate_of":
        return f"#{value}"
    return str(value)


def _history(sheet: OrderSheet, lang: str) -> list[HistoryView]:
    lines = []
    for h in reversed(sheet.history):
        move = None
        if h["to_status"]:
            to = enum_label("work_order_status", h["to_status"], lang)
            move = (
                t("wo.history.created", lang).format(to=to)
                if h["from_status"] is None
                else f"{enum_label('work_order_status', h['from_status'], lang)} → {to}"
            )
        changes = []
        for name, pair in (h["changes"] or {}).items():
            if name == "status" or not isinstance(pair, list) or len(pair) != 2:
                continue
            if h["from_status"] is None and pair[1] in (None, ""):
                continue
            label = t(f"wo.field.{name}", lang, default=name)
            old, new = _change_value(name, pair[0], sheet, lang), _change_value(name, pair[1], sheet, lang)
            changes.append(t("wo.js.changed", lang).format(field=label, old=old, new=new))
        lines.append(HistoryView(local_time(h["at"]), h["actor"] or "—", move, h["note"], changes))
    return lines


def _photos(sheet: OrderSheet, stage: str, lang: str) -> list[PhotoView]:
    label = t(f"wo.photos.{stage}", lang)
    return [
        PhotoView(
            p["id"],
            stage,
            p["thumbnail_url"],
            p["url"],
            t("wo.photos.alt", lang).format(stage=label, id=p["id"]),
        )
        for p in sheet.photos
        if p["stage"] == stage
    ]


def _source_fact(sheet: OrderSheet, lang: str, explicit: str | None) -> Fact:
    order = sheet.order
    source = source_of(order)
    label = t("wo.field.source", lang)
    if source == "inspection" and sheet.inspection:
        insp = sheet.inspection
        value = t("wo.source.inspection_of", lang).format(
            id=insp["id"], when=local_time(insp["inspected_at"]), index=insp["condition_index"]
        )
        href = f"/staff/inspections/{order['collection']}/{order['site_id']}/{insp['id']}{lang_query(lang, explicit)}"
        return Fact("source", label, value, href)
    if source == "public":
        channel = enum_label("wo.channel", order["source"], lang)
        value = t("wo.source.public_of", lang).format(id=order["id"], channel=channel)
        return Fact("source", label, value, f"/reports/{order['id']}{lang_query(lang, explicit)}")
    if source == "campaign" and sheet.campaign:
        value = t("wo.source.campaign_of", lang).format(
            title=sheet.campaign["title"], year=sheet.campaign["year"]
        )
        return Fact(
            "source", label, value, f"/staff/campaigns/{sheet.campaign['id']}{lang_query(lang, explicit)}"
        )
    value = t("wo.source.staff_of", lang).format(name=sheet.reported_by or "—")
    return Fact("source", label, value)


def order_view(
    sheet: OrderSheet,
    principal: Principal,
    today: dt.date,
    lang: str,
    explicit: str | None,
    csrf: str,
    flash: str | None,
) -> OrderView:
    """The order's page: facts, source, costs, the steps this account may take, history and photos."""
    o = sheet.order
    q = lang_query(lang, explicit)
    status_label = enum_label("work_order_status", o["status"], lang)
    due = dt.date.fromisoformat(o["due_on"]) if o["due_on"] else None
    overdue = due is not None and due < today and o["status"] in FLOW[:4]
    due_text = due.isoformat() if due else "—"
    if overdue:
        due_text = t("wo.overdue_since", lang).format(date=due_text)
    site = _site_label(o["collection"], sheet.site_name, o["site_id"], lang)
    facts = [
        Fact("site", t("wo.field.site", lang), site, f"/staff/sites/{o['collection']}/{o['site_id']}{q}"),
        Fact("area", t("wo.field.area", lang), f"{sheet.area_name or ''} ({o['area_code']})".strip()),
        _source_fact(sheet, lang, explicit),
        Fact("kind", t("wo.field.kind", lang), enum_label("work_order_kind", o["kind"], lang)),
        Fact("priority", t("wo.field.priority", lang), enum_label("wo.priority", o["priority"], lang)),
        Fact("due_on", t("wo.field.due_on", lang), due_text),
        Fact("assignee", t("wo.field.assigned_to", lang), sheet.assignee or t("wo.nobody", lang)),
        Fact("created", t("wo.field.created_at", lang), local_time(o["created_at"])),
        Fact("updated", t("wo.field.updated_at", lang), local_time(o["updated_at"])),
        Fact("version", t("wo.field.version", lang), str(o["version"])),
    ]
    if sheet.duplicate_of is not None:
        d = sheet.duplicate_of
        facts.insert(
            3,
            Fact(
                "duplicate_of",
                t("wo.field.duplicate_of", lang),
                f"#{d.id} {d.title}",
                f"/staff/work-orders/{d.id}{q}",
            ),
        )
    costs = [
        Fact("cost_estimate", t("wo.field.cost_estimate", lang), yuan(o["cost_estimate"], lang)),
        Fact("cost_actual", t("wo.field.cost_actual", lang), yuan(o["cost_actual"], lang)),
    ]
    steps, refusals = steps_for(principal, o, lang)
    final = None if TRANSITIONS[o["status"]] else t("wo.final", lang).format(status=status_label)
    mine = principal.user_id is not None and o["assigned_to"] == principal.user_id
    covered = covers(principal, o["area_code"])
    can_update = (
        allowed(principal.role, "work_orders.update") and covered and (principal.role != "crew" or mine)
    )
    open_order = o["status"] not in ("verified", "rejected", "duplicate")
    crews = [
        Choice(
            str(c.id),
            f"{c.username} · {enum_label('role', c.role, lang)}"
            + (f" ({c.area_code})" if c.area_code else ""),
        )
        for c in sheet.crews
        if c.id != o["assigned_to"] or o["status"] != "in_progress"
    ]
    candidates = [
        Choice(
            str(c.id),
            f"#{c.id} {c.title} · {enum_label('work_order_status', c.status, lang)}"
            + (f" · {t('wo.same_site', lang)}" if c.same_site else ""),
        )
        for c in sheet.candidates
    ]
    statuses = {s: enum_label("work_order_status", s, lang) for s in WORK_ORDER_STATUSES}
    fields = {
        name: t(f"wo.field.{name}", lang)
        for name in (
            "status", "assigned_to", "title", "description", "priority", "due_on", "cost_estimate", "cost_actual",
            "duplicate_of", "public_note",
        )
    }  # fmt: skip
    return OrderView(
        id=o["id"],
        title=o["title"],
        status=o["status"],
        status_label=status_label,
        facts=facts,
        description=o["description"],
        costs=costs,
        steps=steps,
        refusals=refusals,
        final=final,
        crews=crews,
        candidates=candidates,
        history=_history(sheet, lang),
        before=_photos(sheet, "before", lang),
        after=_photos(sheet, "after", lang),
        can_photo=can_update and open_order,
        can_cost=can_update and open_order,
        can_estimate=can_update and principal.role != "crew",
        flash=flash,
        board_href=f"/staff/work-orders{q}",
        script={
            "id": o["id"],
            "version": o["version"],
            "order": o,
            "lang": lang,
            "csrf": csrf,
            "api": f"/api/v1/work-orders/{o['id']}",
            "page": f"/staff/work-orders/{o['id']}",
            "explicit": bool(explicit),
            "transitions": {k: sorted(v) for k, v in TRANSITIONS.items()},
            "statuses": statuses,
            "fields": fields,
            "people": {str(k): v for k, v in sheet.people.items()},
            "crews": {c.value: c.label for c in crews},
            "strings": {
                key: t(f"wo.js.{key}", lang)
                for key in (
                    "sending",
                    "stale",
                    "changed",
                    "retry",
                    "reload",
                    "forbidden",
                    "failed",
                    "offline",
                    "need_crew",
                    "need_reason",
                    "need_duplicate",
                    "not_now",
                    "need_file",
                    "uploading",
                    "bad_cost",
                    "nothing",
                    "saving",
                    "too_big",
                    "yuan",
                )
            },  # fmt: skip
        },
    )


def flash_text(moved: str, photo: str, saved: str, lang: str) -> str | None:
    """The sentence shown after a reload that followed a change (moved to a state, a photo, costs saved)."""
    if moved in WORK_ORDER_STATUSES:
        return t("wo.flash.moved", lang).format(status=enum_label("work_order_status", moved, lang))
    if photo in ("before", "after"):
        return t("wo.flash.photo", lang).format(stage=t(f"wo.photos.{photo}", lang))
    if saved == "costs":
        return t("wo.flash.costs", lang)
    if saved == "created":
        return t("wo.flash.created", lang)
    return None


# -- a new order


@dataclass(frozen=True)
class NewOrderView:
    """The new order page: a site to choose (search) or the chosen site's form."""

    site: SiteChoice | None
    site_label: str | None
    inspection: str | None
    inspection_id: int | None
    collections: list[Choice]
    query: str
    found: list[tuple[str, str]]
    searched: bool
    kinds: list[Choice]
    priorities: list[Choice]
    error: str | None
    board_href: str
    script: dict


def new_order_view(
    site: SiteChoice | None,
    inspection: dict | None,
    collection: str,
    query: str,
    found: list[SiteChoice],
    searched: bool,
    error: str | None,
    lang: str,
    explicit: str | None,
    csrf: str,
) -> NewOrderView:
    """The new order page's view model."""
    label = None
    if site is not None:
        name = site.name + (f" ({site.martyr_name})" if site.martyr_name else "")
        label = _site_label(site.collection, name, site.id, lang)
    inspection_text = None
    if inspection is not None:
        inspection_text = t("wo.source.inspection_of", lang).format(
            id=inspection["id"],
            when=local_time(inspection["inspected_at"]),
            index=inspection["condition_index"],
        )
    links = [
        (
            _site_label(s.collection, s.name + (f" ({s.martyr_name})" if s.martyr_name else ""), s.id, lang)
            + f" · {s.area_code}",
            "/staff/work-orders/new" + lang_query(lang, explicit, collection=s.collection, site=s.id),
        )
        for s in found
    ]
    return NewOrderView(
        site=site,
        site_label=label,
        inspection=inspection_text,
        inspection_id=inspection["id"] if inspection else None,
        collections=[Choice(c, t(f"layer.{c}", lang), c == collection) for c in UPKEEP_COLLECTIONS],
        query=query,
        found=links,
        searched=searched,
        kinds=_choices(WORK_ORDER_KINDS, "work_order_kind", "repair", lang),
        priorities=_choices(WORK_ORDER_PRIORITIES, "wo.priority", "normal", lang),
        error=error,
        board_href="/staff/work-orders" + lang_query(lang, explicit),
        script={
            "lang": lang,
            "csrf": csrf,
            "explicit": bool(explicit),
            "site": {"collection": site.collection, "id": site.id} if site else None,
            "inspection_id": inspection["id"] if inspection else None,
            "strings": {
                key: t(f"wo.new.js.{key}", lang)
                for key in ("title", "cost", "due", "sending", "failed", "offline", "forbidden")
            },
        },
    )
