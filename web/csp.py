"""Content-Security-Policy helpers for HTML pages: a per-response nonce on every <script> element."""

from __future__ import annotations

import re

# "<script" followed by whitespace, "/" or ">" (so not "<scripts>"), case-insensitive, not already nonced
_SCRIPT_TAG = re.compile(r"<script(?=[\s/>])(?![^>]*\snonce=)", re.IGNORECASE)
_NONCE = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")


def add_script_nonce(html: str, nonce: str) -> str:
    """The page with ``nonce="<nonce>"`` on each <script> start tag that has none (a base64 nonce only).

    Page data is embedded as JSON with ``<`` escaped (web/atlas/map.py ``_script_json``) and text is
    HTML-escaped, so every literal ``<script`` in a page we render is one of our own tags.
    """
    if not _NONCE.fullmatch(nonce):
        raise ValueError("a CSP nonce must be 16 or more base64 characters")
    return _SCRIPT_TAG.sub(f'<script nonce="{nonce}"', html)
