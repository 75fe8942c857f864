"""The proxy tribute (代祭扫) pages' views: the public request form, its confirmation, the family's private follow
page, and the staff queue of /staff/moderation (issue 22).

Pure: records of geo/public/proxy_tributes.py in, HTML text (public pages in the public frame) or plain dicts out;
every value is escaped by the templates (web/templates/public/proxy_*.html).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from markupsafe import Markup

from geo.public.proxy_tributes import LIMITS, MAX_DAYS_AHEAD, reference
from web.i18n import t
from web.jinja import render
from web.public.frame import PageContext, page
from web.public.moderation import Queue
from web.public.site_page import grave_position
from web.times import local_date, local_time

FORM_PATH = "/proxy-tribute"
FOLLOW_PATH = "/proxy-tribute/follow/"
FORM_FIELDS = (
    "martyr_id",
    "grave_id",
    "requester_name",
    "relation",
    "contact_phone",
    "contact_email",
    "clean_stone",
    "lay_flowers",
    "wished_on",
    "message",
)


def qingming(year: int) -> dt.date:
    """The day of 清明 (Qingming) in ``year`` (21st century: the solar term's usual formula, April 4 or 5)."""
    y = year % 100
    return dt.date(year, 4, int(y * 0.2422 + 4.81) - y // 4)


def suggested_days(today: dt.date) -> list[tuple[str, dt.date]]:
    """The next 清明 and 9·30 (烈士纪念日) from ``today`` within the year ahead: (catalogue key, day)."""
    days = []
    for key, make in (("proxy.qingming", qingming), ("proxy.martyrs_day", lambda y: dt.date(y, 9, 30))):
        for year in (today.year, today.year + 1):
            day = make(year)
            if today <= day <= today + dt.timedelta(days=MAX_DAYS_AHEAD):
                days.append((key, day))
                break
    return sorted(days, key=lambda d: d[1])


def form_page(
    ctx: PageContext,
    grave: dict | None,
    form: dict[str, Any],
    errors: dict[str, str],
    today: dt.date,
) -> str:
    """The request form for ``grave`` (from geo grave_for), filled with ``form``, each refusal next to its field;
    without a grave, how to find one (and the refusal that said why)."""
    lang = ctx.lang
    form = {**dict.fromkeys(FORM_FIELDS, ""), **{k: v for k, v in form.items() if v is not None}}
    if grave is not None:
        grave = {**grave, "place": _place(grave, lang)}
        if grave.get("martyr_id"):
            grave["martyr_href"] = ctx.link(f"/martyrs/{int(grave['martyr_id'])}")
    keep = {k: form[k] for k in ("martyr_id", "grave_id") if form.get(k)}
    days = [
        {
            "label": t(key, lang).format(day=day.isoformat()),
            "href": ctx.link(FORM_PATH, **keep, wished_on=day),
        }
        for key, day in suggested_days(today)
    ]
    martyr_id = form.get("martyr_id")
    body = render(
        "public/proxy_form.html",
        lang=lang,
        grave=grave,
        form=form,
        errors=errors,
        martyr_id=martyr_id,
        action=ctx.link(FORM_PATH),
        first_day=today.isoformat(),
        last_day=(today + dt.timedelta(days=MAX_DAYS_AHEAD)).isoformat(),
        days=days,
        limits=LIMITS,
        martyrs_href=ctx.link("/martyrs"),
        family_href=ctx.link("/family-search", martyr_id=martyr_id) if martyr_id else None,
    )
    return page(ctx, t("proxy.title", lang), Markup(body))


def sent_page(ctx: PageContext, created: dict, grave: dict, base_url: str) -> str:
    """The confirmation: the reference and the private follow link, shown this once."""
    href = ctx.link(FOLLOW_PATH + created["token"])
    body = render(
        "public/proxy_sent.html",
        lang=ctx.lang,
        reference=created["reference"],
        martyr_name=grave["martyr_name"],
        wished_on=local_date(created["wished_on"]),
        follow_href=href,
        follow_url=base_url.rstrip("/") + href,
    )
    return page(ctx, t("proxy.sent.title", ctx.lang), Markup(body))


def tasks_text(clean_stone: bool, lay_flowers: bool, lang: str) -> str:
    """What the family asked for, in ``lang`` (清扫墓碑、敬献鲜花)."""
    parts = [
        t(k, lang) for k, on in (("proxy.clean_stone", clean_stone), ("proxy.lay_flowers", lay_flowers)) if on
    ]
    return ("、" if lang == "zh" else ", ").join(parts)


def state_text(seen: dict, lang: str) -> str:
    """The state sentence of a followed request (received / planned for <day> / done on <day> / declined)."""
    state = seen["state"]
    if state == "planned":
        return t("proxy.follow.planned", lang).format(day=local_date(seen["planned_on"] or seen["wished_on"]))
    if state == "done":
        return t("proxy.follow.done", lang).format(day=local_date(seen["done_at"]))
    return t(f"proxy.follow.{state}", lang)


def follow_page(ctx: PageContext, token: str, seen: dict | None) -> str:
    """The family's private page: state, grave, what was asked, the message and, when done, the after photos
    (served through the token's own photo route); a plain sentence for a wrong link."""
    lang = ctx.lang
    if seen is None:
        body = render("public/proxy_follow.html", lang=lang, seen=None)
        return page(ctx, t("proxy.follow.not_found_title", lang), Markup(body))
    base = FOLLOW_PATH + token + "/photos/"
    photos = [{"full": f"{base}{pid}", "thumbnail": f"{base}{pid}/thumbnail"} for pid in seen["photos"]]
    body = render(
        "public/proxy_follow.html",
        lang=lang,
        seen=seen,
        state_text=state_text(seen, lang),
        tasks=tasks_text(seen["clean_stone"], seen["lay_flowers"], lang),
        wished=local_date(seen["wished_on"]),
        asked=local_time(seen["created_at"]),
        photos=photos,
        martyr_href=ctx.link(f"/martyrs/{int(seen['martyr_id'])}") if seen.get("martyr_id") else None,
    )
    return page(ctx, t("proxy.follow.title", lang), Markup(body))


def _place(grave: dict, lang: str) -> str:
    """Where the grave lies in its cemetery, as its page writes it (甲区 1排 1号)."""
    return grave_position(grave.get("section"), grave.get("row_no"), grave.get("number"), lang)


def _grave_label(item: dict, lang: str) -> str:
    parts = [t("proxy.grave_of", lang).format(martyr=item["martyr_name"]), item.get("cemetery_name")]
    return " · ".join(p for p in (*parts, _place(item, lang)) if p)


def staff_queue(
    items: list[dict], total: int, crews: dict[int, list[dict]], lang: str, lang_param: str
) -> Queue:
    """The moderation page's section of proxy tribute requests waiting (key ``proxy``): each row with its grave,
    what to do, the day, who asks and their contact, the crews to assign to and the forms' addresses."""
    rows = []
    for item in items:
        brackets = "（{}）" if lang == "zh" else " ({})"
        who = item["requester_name"] + (brackets.format(item["relation"]) if item.get("relation") else "")
        contact = " · ".join(c for c in (item.get("contact_phone"), item.get("contact_email")) if c)
        rows.append(
            {
                "id": item["id"],
                "reference": reference(item["id"]),
                "grave": _grave_label(item, lang),
                "tasks": tasks_text(item["clean_stone"], item["lay_flowers"], lang),
                "wished_on": local_date(item["wished_on"]),
                "who": who,
                "contact": contact,
                "message": item.get("message"),
                "crews": crews.get(item["id"], []),
                "accept_action": f"/staff/moderation/proxy-tributes/{item['id']}/accept{lang_param}",
                "decline_action": f"/staff/moderation/proxy-tributes/{item['id']}/decline{lang_param}",
            }
        )
    more = t("moderation.proxy.more", lang).format(n=total - len(rows)) if total > len(rows) else ""
    return Queue("proxy", t("moderation.proxy.title", lang), total, rows, more)
