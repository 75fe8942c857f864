"""The overview map page ``/``: the atlas map (web/atlas/map.py) under a header with the page's title, a place and
site search and who is signed in (pure: a built ``folium.Map`` in, the page's HTML out).

The page is kept by the page cache (api/page_cache.py) per role, language and basemap, so nothing in it belongs to
one visitor: the header is the same for everyone of a role, showing the sign-in link; the page's script
(web/static/atlas_overview.js) asks ``/api/v1/auth/me`` who is signed in and then shows their name, role, the
workbench, the coverage of their area and sign out, and gives each popup the links that visitor may follow (the
site's public page; its edit page and crew page for staff of its area with those rights). The search asks the
public search API for memorials and cemeteries (names, pinyin, initials) and looks through the stations, graves and
county outlines the page already holds. Markup comes from web/templates/atlas/overview.html (autoescaped), the
script and styles from web/static/atlas_overview.js and .css, inlined (the page is cached whole).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

import folium
from branca.element import Element
from folium.template import Template

from geo import vocab
from geo.models import UPKEEP_COLLECTIONS
from geo.public.reports import SITE_COLLECTIONS as REPORT_COLLECTIONS
from geo.public.search import MAX_QUERY_CHARS, SEARCH_COLLECTIONS
from web.assets import STATIC_DIR
from web.i18n import check_lang, choose_url, enum_label, t
from web.jinja import render
from web.public.frame import NAV as PUBLIC_NAV

SEARCH_API = "/api/v1/search/sites"
WHO_AM_I_API = "/api/v1/auth/me"
WORKBENCH = "/staff/"
COVERAGE = "/coverage"
SITE_PAGE = "/sites/{collection}/{id}"
EDIT_PAGE = "/staff/sites/{collection}/{id}"
CREW_PAGE = "/crew/{collection}/{id}"
REPORT_PAGE = "/report"
PUBLIC_LINKS = tuple((path, key) for name, path, key, _ in PUBLIC_NAV if name not in ("search", "map"))
"""The public header's sections the header links to: not the map (this page) nor the search (its own form)."""

_SCRIPT = (STATIC_DIR / "atlas_overview.js").read_text(encoding="utf-8")
_CSS = (STATIC_DIR / "atlas_overview.css").read_text(encoding="utf-8")
_ROLES = ("public", "crew", "planner", "admin")
_KINDS = {
    "memorials": ("memorial_kind", vocab.MEMORIAL_KINDS),
    "cemeteries": ("cemetery_kind", vocab.CEMETERY_KINDS),
}
_TEXT_KEYS = (
    "site_page",
    "edit",
    "upkeep",
    "searching",
    "none",
    "failed",
    "need_word",
    "found",
    "area",
    "all_results",
    "coverage_mine",
    "coverage_all",
    "report",  # web/messages/reports.py
)
# Folium's own viewport forbids zooming the page, which people with low vision need (WCAG 1.4.4).
_FOLIUM_VIEWPORT = re.compile(r'<meta name="viewport" content="[^"]*user-scalable=no[^"]*" />')
_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1" />'


@dataclass(frozen=True)
class OverviewPage:
    """What the overview page's header depends on: the page's language, the language the URL asked for (kept in
    its links), and the basemap the URL asked for (kept in the language switch)."""

    lang: str
    explicit_lang: str | None = None
    explicit_basemap: str | None = None


def page_title(lang: str) -> str:
    """The page's <title>: what the map shows, then the product."""
    return f"{t('atlas.title', lang)} · {t('app.title', lang)}"


def _here(page: OverviewPage, lang: str | None) -> str:
    query = {k: v for k, v in (("lang", lang), ("basemap", page.explicit_basemap)) if v}
    return "/" + (f"?{urlencode(query)}" if query else "")


def _with_lang(path: str, lang: str | None) -> str:
    return path + (f"?{urlencode({'lang': lang})}" if lang else "")


def overview_config(page: OverviewPage) -> dict:
    """The page script's data: where to ask, which links a popup may offer to whom, and its labels."""
    lang = page.lang
    edit_rights = {c: f"{c}.update" for c in ("stations", "memorials", "cemeteries", "graves")}
    return {
        "lang": lang,
        "explicit_lang": page.explicit_lang,
        "search_api": SEARCH_API,
        "search_page": "/search",
        "me_api": WHO_AM_I_API,
        "max_chars": MAX_QUERY_CHARS,
        "site_page": SITE_PAGE,
        "site_page_collections": list(SEARCH_COLLECTIONS),
        "edit_page": EDIT_PAGE,
        "edit_rights": edit_rights,
        "crew_page": CREW_PAGE,
        "crew_collections": list(UPKEEP_COLLECTIONS),
        "crew_right": "inspections.read",
        "report_page": REPORT_PAGE,
        "report_collections": list(REPORT_COLLECTIONS),
        "coverage": COVERAGE,
        "roles": {role: t(f"role.{role}", lang) for role in _ROLES},
        "layers": {c: t(f"layer.{c}", lang) for c in ("stations", "memorials", "cemeteries", "graves")},
        "kinds": {c: {k: enum_label(group, k, lang) for k in kinds} for c, (group, kinds) in _KINDS.items()},
        "text": {key: t(f"atlas.{key}", lang) for key in _TEXT_KEYS},
    }


def header_html(page: OverviewPage) -> str:
    """The page's header (title, search, sign-in state, language) and its script's data, from the template."""
    lang = check_lang(page.lang)
    other = "en" if lang == "zh" else "zh"
    login_query = {"next": _here(page, page.explicit_lang)}
    if page.explicit_lang:
        login_query["lang"] = page.explicit_lang
    return render(
        "atlas/overview.html",
        lang=lang,
        explicit_lang=page.explicit_lang,
        product=t("app.title", lang),
        title=t("atlas.title", lang),
        login_href="/login?" + urlencode(login_query),
        workbench_href=_with_lang(WORKBENCH, page.explicit_lang),
        coverage_href=_with_lang(COVERAGE, page.explicit_lang),
        public_links=[(_with_lang(path, page.explicit_lang), t(key, lang)) for path, key in PUBLIC_LINKS],
        other_lang=other,
        other_lang_href=choose_url(_here(page, None), lang=other),
        max_chars=MAX_QUERY_CHARS,
        config=overview_config(page),
    )


class _OverviewScript(folium.MacroElement):
    """The page's styles and script (inlined once), started after the map, its layers and legend exist."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        {{ this.code }}
            VetMapOverview.start({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "OverviewScript"
        self.code = _SCRIPT
        self.css = _CSS


def add_overview(m: folium.Map, page: OverviewPage) -> folium.Map:
    """Put the overview page's header, title, styles and script around the atlas map ``m`` (built by
    ``build_atlas_map``; add this last, after its layers and legend)."""
    figure = m.get_root()
    figure.title = page_title(page.lang)
    figure.html.add_child(Element(header_html(page)), name="atlas_header", index=0)
    m.add_child(_OverviewScript())
    return m


def render_page(m: folium.Map) -> str:
    """The whole page's HTML, with a viewport that lets people zoom the page."""
    return _FOLIUM_VIEWPORT.sub(_VIEWPORT, m.get_root().render(), count=1)
