"""The sign-in page (Chinese by default, English on request): a plain HTML form, no script.

Pure: data in, HTML text out; every value is escaped. The form posts to ``/login`` with a CSRF token in a
hidden field; a signed-in page shows who is signed in and a sign-out form (``POST /logout``, CSRF too).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from web.i18n import html_lang, t

_STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; background: #f4f5f7; margin: 0; }
main { max-width: 22rem; margin: 4rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: 6px;
       box-shadow: 0 1px 4px rgba(0,0,0,.15); }
h1 { font-size: 1.3rem; margin-top: 0; }
label { display: block; margin: .8rem 0 .2rem; }
input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: .4rem; }
button { margin-top: 1rem; padding: .45rem 1.2rem; }
.error { color: #a40000; background: #fdecea; padding: .5rem; border-radius: 4px; }
nav { margin-top: 1.2rem; font-size: .9rem; }
"""


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in, for the page's signed-in view."""

    username: str
    role: str
    area_code: str | None


def _page(lang: str, body: str) -> str:
    title = escape(t("login.title", lang))
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title} · VetMap</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def login_page(
    lang: str,
    csrf_token: str,
    next_url: str = "/",
    error: str | None = None,
    username: str = "",
    atlas_url: str = "/",
) -> str:
    """The sign-in form; ``error`` is shown above it (already translated)."""
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return _page(
        lang,
        f"<h1>{escape(t('login.title', lang))}</h1>{message}"
        f'<form method="post" action="/login">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf_token)}">'
        f'<input type="hidden" name="next" value="{escape(next_url)}">'
        f'<input type="hidden" name="lang" value="{escape(lang)}">'
        f'<label for="username">{escape(t("login.username", lang))}</label>'
        f'<input type="text" id="username" name="username" value="{escape(username)}" '
        f'autocomplete="username" required maxlength="64" autofocus>'
        f'<label for="password">{escape(t("login.password", lang))}</label>'
        f'<input type="password" id="password" name="password" autocomplete="current-password" required '
        f'maxlength="1024">'
        f'<button type="submit">{escape(t("login.submit", lang))}</button></form>'
        f'<nav><a href="{escape(atlas_url)}">{escape(t("login.back_to_atlas", lang))}</a></nav>',
    )


def signed_in_page(lang: str, who: SignedIn, csrf_token: str, atlas_url: str = "/") -> str:
    """Who is signed in, with a sign-out form."""
    area = who.area_code or t("login.whole_atlas", lang)
    return _page(
        lang,
        f"<h1>{escape(t('login.signed_in_as', lang).format(username=who.username))}</h1>"
        f"<p>{escape(t('login.role', lang))}: {escape(t(f'role.{who.role}', lang, who.role))}<br>"
        f"{escape(t('login.area', lang))}: {escape(area)}</p>"
        f'<form method="post" action="/logout">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf_token)}">'
        f'<input type="hidden" name="lang" value="{escape(lang)}">'
        f'<button type="submit">{escape(t("login.logout", lang))}</button></form>'
        f'<nav><a href="{escape(atlas_url)}">{escape(t("login.back_to_atlas", lang))}</a></nav>',
    )
