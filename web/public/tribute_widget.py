"""The online-tribute (云祭扫) section of a martyr's or a site's page: counts, flower and candle buttons, the
message form and the approved messages. Server-rendered HTML (escaped) plus web/static/tribute.js, which sends
tributes to ``/api/v1/tributes`` and refreshes the counts; no inline script, so it works under the page's CSP.
"""

from __future__ import annotations

import json
from html import escape

from geo.models import TRIBUTE_TARGETS
from geo.public.tributes import AUTHOR_MAX_CHARS, MESSAGE_MAX_CHARS, TributeSummary
from web.assets import STATIC_DIR
from web.csp import SCRIPT_NONCE
from web.i18n import check_lang, t

SCRIPT_URL = "/static/tribute/tribute.js"
SCRIPT_PATH = STATIC_DIR / "tribute.js"
API_URL = "/api/v1/tributes"

# labels the script needs (sent as a data attribute, escaped)
_JS_STRINGS = (
    "tribute.thanks",
    "tribute.pending",
    "tribute.too_many",
    "tribute.refused",
    "tribute.offline",
    "tribute.empty_message",
    "tribute.sending",
)


def _counts_html(counts: dict[str, int], lang: str) -> str:
    items = "".join(
        f'<li><span class="label">{escape(t(f"tribute.count.{kind}", lang))}</span> '
        f'<span class="n" data-count="{kind}">{int(counts.get(kind, 0))}</span></li>'
        for kind in ("flower", "candle", "message")
    )
    return f'<ul class="tribute-counts">{items}</ul>'


def _messages_html(summary: TributeSummary | None, lang: str) -> str:
    items = ""
    if summary is not None:
        for m in summary.messages:
            who = escape(m.author or t("tribute.anonymous", lang))
            items += (
                f'<li><p class="text">{escape(m.message)}</p><p class="by">— {who} · '
                f'<time datetime="{m.created_at.isoformat()}">{m.created_at.date().isoformat()}</time></p></li>'
            )
    empty = "" if items else f' data-empty="{escape(t("tribute.no_messages", lang))}"'
    return f'<ol class="tribute-messages"{empty}>{items}</ol>'


def tribute_section(target: str, target_id: int, lang: str, summary: TributeSummary | None = None) -> str:
    """The tribute section of a page (HTML) for ``target`` (martyrs, memorials, cemeteries) ``target_id``.

    ``summary`` (geo/public/tributes.py tribute_summary), when given, fills the counts and messages at once; the script
    loads them either way. The script tag carries the CSP nonce mark (web/csp.py).
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
        "strings": {key.removeprefix("tribute."): t(key, lang) for key in _JS_STRINGS},
        "anonymous": t("tribute.anonymous", lang),
    }
    counts = summary.counts if summary is not None else {}
    buttons = "".join(
        f'<button type="button" class="tribute-{kind}" data-kind="{kind}">{escape(t(f"tribute.give.{kind}", lang))}'
        "</button>"
        for kind in ("flower", "candle")
    )
    return (
        f'<section class="vetmap-tribute" id="tribute" data-tribute="{escape(json.dumps(config, ensure_ascii=False))}">'
        f"<h2>{escape(t('tribute.title', lang))}</h2>"
        + _counts_html(counts, lang)
        + f'<p class="tribute-actions">{buttons}</p>'
        f'<form class="tribute-form" novalidate><label for="tribute-message">{escape(t("tribute.message", lang))}'
        f'</label><textarea id="tribute-message" name="message" maxlength="{MESSAGE_MAX_CHARS}" rows="3" '
        f'required></textarea><label for="tribute-author">{escape(t("tribute.author", lang))}</label>'
        f'<input id="tribute-author" name="author" maxlength="{AUTHOR_MAX_CHARS}" autocomplete="off">'
        f'<button type="submit">{escape(t("tribute.send", lang))}</button>'
        f'<p class="tribute-note">{escape(t("tribute.moderated", lang))}</p></form>'
        f'<p class="tribute-status" role="status" aria-live="polite"></p>'
        f"<h3>{escape(t('tribute.messages', lang))}</h3>"
        + _messages_html(summary, lang)
        + f'<script{SCRIPT_NONCE} src="{SCRIPT_URL}" defer></script></section>'
    )
