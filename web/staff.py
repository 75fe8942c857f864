"""The staff frame's content: who is signed in and the jobs their role may do, as links.

``STAFF_JOBS`` is the one list of the staff pages in the navigation, in order; a page of issue 19 or 20
(siting, travel, sites, imports, work orders, moderation, accounts, audit) is added here with the right that
opens it, and every staff page's frame shows it to those who hold that right.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from geo.accounts.permissions import allowed
from geo.atlas.areas import AreaRef
from geo.principal import Principal
from geo.staff_home import StaffHome
from web.i18n import choose_url, t

FRAME_CSS_LINK = '<link rel="stylesheet" href="/static/staff/frame.css">'
"""The link to the frame's stylesheet, for a page outside staff/base.html that shows the frame (a Folium map)."""


@dataclass(frozen=True)
class StaffJob:
    """A job in the navigation: its catalogue key, its path, and who may open it."""

    key: str
    path: str
    may: Callable[[Principal], bool]
    group: str
    """The navigation's group of the job (a key of NAV_GROUPS)."""
    by_area: bool = False
    """True when the page takes ``?area=`` and opens on the account's own area."""


def _everyone(principal: Principal) -> bool:
    return not principal.is_public


def _right(action: str) -> Callable[[Principal], bool]:
    return lambda principal: allowed(principal.role, action)


def _may_edit_sites(principal: Principal) -> bool:
    return any(allowed(principal.role, f"{kind}.update") for kind in ("stations", "memorials"))


NAV_GROUPS: tuple[str, ...] = ("home", "planning", "sites", "upkeep", "public", "admin")
"""The navigation's groups in order; each but the home has a label ``staff.nav.group.<name>``."""

STAFF_JOBS: tuple[StaffJob, ...] = (
    StaffJob("staff.nav.home", "/staff/", _everyone, "home"),
    StaffJob("staff.nav.coverage", "/coverage", _everyone, "planning", by_area=True),
    StaffJob("staff.nav.siting", "/staff/siting", _right("siting.run"), "planning"),
    StaffJob("staff.nav.travel", "/staff/travel", _right("travel.run"), "planning"),
    StaffJob("staff.nav.sites", "/staff/sites", _may_edit_sites, "sites"),
    StaffJob("staff.nav.zones", "/staff/zones/check", _everyone, "sites"),
    StaffJob("staff.nav.imports", "/staff/imports", _right("imports.run"), "sites"),
    StaffJob("staff.nav.exports", "/staff/exports", _everyone, "sites"),
    StaffJob("staff.nav.upkeep", "/upkeep", _right("inspections.read"), "upkeep", by_area=True),
    StaffJob("staff.nav.work_orders", "/staff/work-orders", _right("work_orders.read"), "upkeep"),
    StaffJob("staff.nav.inspections", "/staff/inspections", _right("inspections.read"), "upkeep"),
    StaffJob("staff.nav.schedule", "/staff/schedule", _right("schedules.read"), "upkeep"),
    StaffJob("staff.nav.campaigns", "/staff/campaigns", _right("campaigns.read"), "upkeep"),
    StaffJob("staff.nav.crew", "/crew", lambda p: p.role == "crew", "upkeep"),
    StaffJob("staff.nav.moderation", "/staff/moderation", _right("tributes.moderate"), "public"),
    StaffJob("staff.nav.family", "/staff/family-requests", _right("family_requests.read"), "public"),
    StaffJob("staff.nav.accounts", "/staff/accounts", _right("accounts.manage"), "admin"),
    StaffJob("staff.nav.audit", "/staff/audit", _right("audit.read"), "admin"),
    StaffJob("staff.nav.api_docs", "/api/v1/docs", _right("tokens.manage"), "admin"),
)
"""Every job of the staff navigation, in the order shown."""


@dataclass(frozen=True)
class NavLink:
    """One link of the navigation."""

    label: str
    href: str
    current: bool


@dataclass(frozen=True)
class NavGroup:
    """A group of the navigation: its label ("" for the home) and its links."""

    name: str
    label: str
    links: list[NavLink]

    @property
    def current(self) -> bool:
        """True when the page shown is one of the group's."""
        return any(link.current for link in self.links)


@dataclass(frozen=True)
class StaffFrame:
    """What the frame of every staff page shows: the account, its area, the navigation, language, sign out."""

    lang: str
    username: str
    role: str
    area: str
    nav: list[NavGroup]
    other_lang: str
    other_lang_href: str
    csrf_token: str


def job_href(job: StaffJob, principal: Principal) -> str:
    """The link of a job for this account (on its own area where the page takes one)."""
    if job.by_area and principal.area_code:
        return f"{job.path}?{urlencode({'area': principal.area_code})}"
    return job.path


def staff_jobs(principal: Principal) -> list[StaffJob]:
    """The jobs of the navigation this account may do."""
    return [job for job in STAFF_JOBS if job.may(principal)]


def area_label(area: AreaRef | None, lang: str) -> str:
    """The account's area as the frame names it: name and code, or the whole country."""
    if area is None:
        return t("login.whole_atlas", lang)
    return f"{area.name} ({area.code})"


def staff_frame(
    principal: Principal, area: AreaRef | None, lang: str, here: str, page_url: str, csrf_token: str
) -> StaffFrame:
    """The frame of a staff page at path ``here`` (``page_url``: the page with its query, for the switch)."""
    other = "en" if lang == "zh" else "zh"
    jobs = staff_jobs(principal)
    nav = []
    for name in NAV_GROUPS:
        links = [
            NavLink(t(j.key, lang), job_href(j, principal), j.path == here) for j in jobs if j.group == name
        ]
        if links:
            label = "" if name == "home" else t(f"staff.nav.group.{name}", lang)
            nav.append(NavGroup(name, label, links))
    return StaffFrame(
        lang=lang,
        username=principal.username,
        role=t(f"role.{principal.role}", lang),
        area=area_label(area, lang),
        nav=nav,
        other_lang=other,
        other_lang_href=choose_url(page_url, lang=other),
        csrf_token=csrf_token,
    )


@dataclass(frozen=True)
class Figure:
    """One figure of the home: its value as text, what it counts, and the page that lists it (None: none yet)."""

    key: str
    value: str
    label: str
    note: str
    href: str | None


@dataclass(frozen=True)
class FigureGroup:
    """Figures under one heading."""

    title: str
    figures: list[Figure]


def _count(n: int | None, lang: str) -> str:
    return t("staff.home.unknown", lang) if n is None else f"{n:,}"


def home_figures(home: StaffHome, lang: str) -> list[FigureGroup]:
    """The home's figures in groups, each linked to the page (or, until its page exists, the API) listing it."""
    code = home.area.code if home.area else None
    mine = f"?{urlencode({'area': code})}" if code else ""
    share = (
        t("staff.home.unknown", lang) if home.coverage_share is None else f"{home.coverage_share * 100:.1f}%"
    )
    share_note = (
        t("staff.home.no_run", lang)
        if home.villages is None
        else t("staff.home.coverage_share.note", lang).format(villages=f"{home.villages:,}")
    )

    def figure(key: str, value: str, href: str | None, note: str | None = None) -> Figure:
        return Figure(
            key, value, t(f"staff.home.{key}", lang), note or t(f"staff.home.{key}.note", lang), href
        )

    groups = [
        FigureGroup(
            t("staff.home.group.coverage", lang),
            [
                figure("coverage_share", share, f"/coverage{mine}", share_note),
                figure("beyond_reach", _count(home.villages_beyond_reach, lang), f"/coverage{mine}"),
                figure("gaps", _count(home.units_without_station, lang), f"/coverage{mine}"),
            ],
        ),
        FigureGroup(
            t("staff.home.group.upkeep", lang),
            [
                figure("overdue", _count(home.overdue_inspections, lang), "/staff/schedule"),
                figure("open_orders", _count(home.open_work_orders, lang), "/staff/work-orders"),
            ],
        ),
    ]
    waiting = []
    if home.tributes_pending is not None:
        waiting.append(figure("tributes", _count(home.tributes_pending, lang), "/staff/moderation#tributes"))
    if home.report_photos_unpublished is not None:
        waiting.append(
            figure("report_photos", _count(home.report_photos_unpublished, lang), "/staff/moderation#photos")
        )
    if home.family_requests_open is not None:
        waiting.append(figure("family", _count(home.family_requests_open, lang), "/staff/family-requests"))
    if waiting:
        groups.append(FigureGroup(t("staff.home.group.moderation", lang), waiting))
    return groups
