"""The online-tribute (云祭扫) block of a martyr's or a site's page: the tally of flowers, candles and messages (icons
and figures), the flower and candle buttons with their feedback beside them, the message form and the approved
messages with their dates. Rendered from web/templates/public/site_tribute.html (escaped) plus
web/static/tribute.js, which sends tributes to ``/api/v1/tributes`` and refreshes the tally; no inline script, so it
works under the page's CSP. Its look is web/static/public_site.css (linked from the block itself unless the page
links it already).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from geo.models import TRIBUTE_TARGETS
from geo.public.tributes import AUTHOR_MAX_CHARS, MESSAGE_MAX_CHARS, TributeMessage, TributeSummary
from web.assets import STATIC_DIR
from web.i18n import check_lang, t
from web.jinja import render
from web.public.frame import asset_url

SCRIPT_URL = "/static/tribute/tribute.js"
SCRIPT_PATH = STATIC_DIR / "tribute.js"
API_URL = "/api/v1/tributes"
STYLESHEET = "public_site.css"
"""The block's look (web/static/public_site.css, served with the public pages' assets)."""

# labels the script needs (sent in the data attribute, escaped)
_JS_STRINGS = (
    "tribute.thanks",
    "tribute.pending",
    "tribute.too_many",
    "tribute.refused",
    "tribute.offline",
    "tribute.empty_message",
    "tribute.sending",
    "tribute.anonymous",
    "public_sites.tribute.thanks_flower",
    "public_sites.tribute.thanks_candle",
    "public_sites.tribute.chars_left",
)


@dataclass(frozen=True)
class TributeBlock:
    """What the block's template shows (``w``)."""

    title: str
    config_json: str
    counts: dict[str, int]
    messages: list[TributeMessage] = field(default_factory=list)
    message_max: int = MESSAGE_MAX_CHARS
    author_max: int = AUTHOR_MAX_CHARS
    script_url: str = SCRIPT_URL
    stylesheet: str = ""


def tribute_section(
    target: str,
    target_id: int,
    lang: str,
    summary: TributeSummary | None = None,
    title: str | None = None,
    with_stylesheet: bool = True,
) -> str:
    """The tribute block of a page (HTML) for ``target`` (martyrs, memorials, cemeteries) ``target_id``.

    ``summary`` (geo/public/tributes.py tribute_summary), when given, fills the tally and messages at once; the
    script loads them either way. ``title`` replaces the heading (a grave's page pays tribute to its martyr);
    ``with_stylesheet`` links the block's stylesheet (a page that links it in its head passes False). The script tag
    carries the CSP nonce mark (web/csp.py).
    """
    check_lang(lang)
    if target not in TRIBUTE_TARGETS:
        raise ValueError(f"target must be one of {', '.join(TRIBUTE_TARGETS)}, not {target!r}")
    if not isinstance(target_id, int) or isinstance(target_id, bool) or target_id < 1:
        raise ValueError(f"target_id must be a positive whole number, not {target_id!r}")
    config = {
        "api": API_URL,
        "target": target,
        "target_id": target_id,
        "lang": lang,
        "strings": {key.rsplit(".", 1)[1]: t(key, lang) for key in _JS_STRINGS},
    }
    block = TributeBlock(
        title=title or t("tribute.title", lang),
        config_json=json.dumps(config, ensure_ascii=False),
        counts=dict(summary.counts) if summary is not None else {},
        messages=list(summary.messages) if summary is not None else [],
        stylesheet=asset_url(STYLESHEET) if with_stylesheet else "",
    )
    # plain str, not Markup: pages that add it to their own HTML text must not have that text escaped
    return render("public/site_tribute.html", w=block, lang=lang)
