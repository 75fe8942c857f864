"""The one Jinja2 environment of the pages: templates under ``web/templates/``, every value autoescaped.

Made once at import. Templates get ``t`` (the message catalogue), ``html_lang``, ``vendor_url`` (a vendor asset's
local URL, web/assets.PAGE_ASSETS) and ``script_nonce``: the CSP
nonce mark (web/csp.py) that each ``<script>`` a template writes must carry, as ``<script {{ script_nonce }}>``.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from web.assets import vendor_url
from web.csp import NONCE_MARK
from web.i18n import html_lang, t
from web.times import local_date, local_time

TEMPLATE_DIR = Path(__file__).parent / "templates"

PAGES = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(["html"], default_for_string=True, default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
"""Page templates; autoescape on for every template, so data is always written as text."""
PAGES.filters.update(local_time=local_time, local_date=local_date)
PAGES.globals.update(t=t, html_lang=html_lang, script_nonce=Markup(NONCE_MARK), vendor_url=vendor_url)


def render(name: str, **context: object) -> str:
    """The template ``name`` (a path under web/templates/) rendered with ``context``."""
    return PAGES.get_template(name).render(**context)
