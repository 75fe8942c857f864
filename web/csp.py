"""Content-Security-Policy nonces for HTML pages: only the scripts a page writes itself get the nonce.

Page builders write ``nonce="<mark>"`` into each <script> start tag of their own (``SCRIPT_NONCE``, or
``mark_scripts`` on markup that holds no data, such as a Folium page's header), where the mark is a random
token of this process. The security middleware (api/security.py) replaces the mark in each HTML response with
that response's nonce (``stamp_nonce``) and touches nothing else, so a <script> that reached a page through
data has no nonce and the policy refuses it. Data cannot forge the mark: no response ever shows it. Pages
kept by the page cache keep the mark, never a nonce.
"""

from __future__ import annotations

import re
import secrets

_MARK = secrets.token_hex(16)
NONCE_MARK = f'nonce="{_MARK}"'
"""The attribute a page writes into its own <script> tags; the middleware makes it this response's nonce."""
SCRIPT_NONCE = " " + NONCE_MARK
"""``NONCE_MARK`` with a leading space, to write inside a start tag: ``f"<script{SCRIPT_NONCE} src=...>"``."""

# "<script" followed by whitespace, "/" or ">" (so not "<scripts>"), case-insensitive, not already nonced
_SCRIPT_TAG = re.compile(r"<script(?=[\s/>])(?![^>]*\snonce=)", re.IGNORECASE)
_NONCE = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")


def mark_scripts(markup: str) -> str:
    """Our own ``markup`` (templates, asset links; never data), each <script> with no nonce marked."""
    return _SCRIPT_TAG.sub(f"<script{SCRIPT_NONCE}", markup)


def stamp_nonce(page: str, nonce: str) -> str:
    """The page with each nonce mark of its own scripts made ``nonce`` (16 or more base64 characters)."""
    if not _NONCE.fullmatch(nonce):
        raise ValueError("a CSP nonce must be 16 or more base64 characters")
    return page.replace(NONCE_MARK, f'nonce="{nonce}"')
