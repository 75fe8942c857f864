"""The /ogc documents as HTML pages for people (``f=html``, or a browser's Accept): view models over the JSON.

Each page is built from the very JSON document a program gets (landing page, conformance, collections, a
collection, queryables, a page of items, one item), rendered with the templates under web/templates/ogc/. Every
link a page writes to another /ogc document asks for HTML again (``f=html``, and ``lang`` when chosen); each page
names its JSON as its ``alternate``. Labels come from the catalogue (web/messages/ogc_html.py), Chinese by default.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from geo.errors import DomainError, InvalidParameter, NotFound
from web.assets import STATIC_DIR
from web.i18n import LANGS, error_text, t
from web.jinja import render
from web.times import local_time

HTML = "html"
JSON = "json"
FORMATS = {"html": HTML, "json": JSON, "geojson": JSON}
"""Values of ``f`` and the format each asks for."""
HTML_TYPES = ("text/html", "application/xhtml+xml")
JSON_TYPES = (
    "application/json",
    "application/geo+json",
    "application/schema+json",
    "application/vnd.oai.openapi+json",
    "application/problem+json",
)
ASSETS: dict[str, str] = {
    "ogc.css": "text/css; charset=utf-8",
    "ogc.js": "text/javascript; charset=utf-8",
}
"""The pages' own files in web/static and their content types (served by the OGC router)."""
ASSET_URL = "/ogc/static"
TILESET_RELS = ("http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",)


def _accept_quality(accept: str, types: Sequence[str]) -> float:
    best = 0.0
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        if fields[0].lower() not in types:
            continue
        quality = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        best = max(best, quality)
    return best


def prefers_html(accept: str) -> bool:
    """True when an Accept header names HTML above every JSON type (a browser); ``*/*`` alone means JSON."""
    return _accept_quality(accept, HTML_TYPES) > _accept_quality(accept, JSON_TYPES)


def choose_format(f_values: Sequence[str], accept: str) -> str:
    """HTML or JSON: ``f`` when given (json, geojson or html), else what Accept prefers; programs get JSON."""
    if len(f_values) > 1:
        raise InvalidParameter(f"f is given {len(f_values)} times; give it once")
    if f_values:
        chosen = FORMATS.get(f_values[0].strip().lower())
        if chosen is None:
            raise InvalidParameter(f"f: 'json' (GeoJSON) or 'html', not {f_values[0]!r}")
        return chosen
    return HTML if prefers_html(accept) else JSON


def wants_html(f_values: Sequence[str], accept: str) -> bool:
    """``choose_format`` for an error's answer: never raises (a bad ``f`` from a browser still gets a page)."""
    try:
        return choose_format(f_values, accept) == HTML
    except InvalidParameter:
        return prefers_html(accept)


def with_format(url: str, fmt: str, lang: str | None = None) -> str:
    """``url`` asking for ``fmt`` (``f=``), with ``lang`` when given (else any ``lang`` is dropped)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("f", "lang")]
    query.append(("f", fmt))
    if lang:
        query.append(("lang", lang))
    return urlunsplit(parts._replace(query=urlencode(query)))


@cache
def _digest(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


def asset_url(name: str) -> str:
    """The URL of one of the pages' own files, with its content hash."""
    return f"{ASSET_URL}/{name}?v={_digest(name)}"


@dataclass(frozen=True)
class PageContext:
    """Where a page is: its URL, its language, and the language the visitor chose (kept in links)."""

    url: str
    lang: str
    chosen_lang: str | None

    def html(self, url: object) -> str:
        """An /ogc URL asking for HTML in this page's chosen language."""
        return with_format(str(url), HTML, self.chosen_lang)

    @property
    def json_url(self) -> str:
        """This document as JSON (the page's alternate)."""
        return with_format(self.url, JSON)

    def lang_url(self, lang: str) -> str:
        """This page in ``lang``."""
        return with_format(self.url, HTML, lang)


def page_context(url: str, query_lang: str | None) -> PageContext:
    """The context of a page at ``url``: ``?lang=`` when zh or en, else Chinese."""
    chosen = query_lang if query_lang in LANGS else None
    return PageContext(url=url, lang=chosen or "zh", chosen_lang=chosen)


def _frame(ctx: PageContext, template: str, title: str, crumbs: list[tuple[str, str]], **values: Any) -> str:
    """A page: the template with the shared frame values (title, breadcrumbs, language links, assets)."""
    lang = ctx.lang
    return render(
        f"ogc/{template}",
        lang=lang,
        title=title,
        crumbs=crumbs,
        json_url=ctx.json_url,
        self_url=ctx.html(ctx.url),
        lang_links=[(code, ctx.lang_url(code), t(f"ogc_html.lang.{code}", lang)) for code in LANGS],
        css_url=asset_url("ogc.css"),
        js_url=asset_url("ogc.js"),
        **values,
    )


def _home(ctx: PageContext, url: str) -> list[tuple[str, str]]:
    return [(t("ogc_html.home", ctx.lang), ctx.html(url))]


def landing_page(ctx: PageContext, body: Mapping[str, Any], urls: Mapping[str, str]) -> str:
    """The landing page: the service's title and its links (collections, conformance, the API definition)."""
    lang = ctx.lang
    entries = [
        (
            t("ogc_html.collections", lang),
            ctx.html(urls["collections"]),
            t("ogc_html.collections_hint", lang),
        ),
        (
            t("ogc_html.conformance", lang),
            ctx.html(urls["conformance"]),
            t("ogc_html.conformance_hint", lang),
        ),
        (t("ogc_html.api_doc", lang), urls["api_doc"], t("ogc_html.api_doc_hint", lang)),
        (t("ogc_html.api_json", lang), urls["api"], t("ogc_html.api_json_hint", lang)),
    ]
    return _frame(
        ctx,
        "landing.html",
        t("ogc_html.title", lang),
        [],
        entries=entries,
        intro=t("ogc_html.intro", lang),
    )


def conformance_page(ctx: PageContext, body: Mapping[str, Any], home: str) -> str:
    """The conformance classes, one a line, each a link to its definition."""
    title = t("ogc_html.conformance", ctx.lang)
    return _frame(ctx, "conformance.html", title, _home(ctx, home), classes=list(body["conformsTo"]))


def _bbox_text(extent: Mapping[str, Any] | None) -> str:
    boxes = ((extent or {}).get("spatial") or {}).get("bbox") or []
    if not boxes:
        return "—"
    box = boxes[0]
    return f"{box[0]:.4f}, {box[1]:.4f} – {box[2]:.4f}, {box[3]:.4f}"


def _interval_text(extent: Mapping[str, Any] | None, lang: str) -> str:
    intervals = ((extent or {}).get("temporal") or {}).get("interval") or []
    if not intervals or intervals[0] == [None, None]:
        return "—"
    start, end = intervals[0]
    return f"{(start or '..')[:10]} – {(end or '..')[:10]}"


def collection_title(collection_id: str, title: str, lang: str) -> str:
    """A collection's title in ``lang`` (the catalogue's), else the title the JSON gives."""
    return t(f"ogc_html.collection.{collection_id}", lang, default=title)


def _titled(urls: Mapping[str, str], lang: str) -> str:
    return collection_title(_collection_id(urls), urls["collection_title"], lang)


def _collection_view(ctx: PageContext, info: Mapping[str, Any], tilejson_url: str) -> dict[str, Any]:
    links = {link["rel"]: link["href"] for link in info["links"]}
    tiles = next((links[rel] for rel in TILESET_RELS if rel in links), tilejson_url)
    return {
        "id": info["id"],
        "title": collection_title(info["id"], info["title"], ctx.lang),
        "description": (info.get("description") or "") if ctx.lang == "en" else "",
        "bbox": _bbox_text(info.get("extent")),
        "interval": _interval_text(info.get("extent"), ctx.lang),
        "temporal": info.get("temporalProperty") or "",
        "href": ctx.html(links["self"]),
        "items_url": ctx.html(links["items"]),
        "queryables_url": ctx.html(links["http://www.opengis.net/def/rel/ogc/1.0/queryables"]),
        "tiles": tiles,
        "crs": info.get("crs", []),
        "storage_crs": info.get("storageCrs", ""),
    }


def collections_page(
    ctx: PageContext, body: Mapping[str, Any], home: str, tilejson: Mapping[str, str]
) -> str:
    """Every collection in a table: title, extent, and links to its items, queryables and tiles."""
    rows = [_collection_view(ctx, info, tilejson[info["id"]]) for info in body["collections"]]
    title = t("ogc_html.collections", ctx.lang)
    return _frame(ctx, "collections.html", title, _home(ctx, home), rows=rows)


def collection_page(ctx: PageContext, body: Mapping[str, Any], urls: Mapping[str, str], tilejson: str) -> str:
    """One collection: its description, extent, CRS list and links."""
    view = _collection_view(ctx, body, tilejson)
    crumbs = _home(ctx, urls["home"]) + [(t("ogc_html.collections", ctx.lang), ctx.html(urls["collections"]))]
    return _frame(ctx, "collection.html", view["title"], crumbs, c=view)


def queryables_page(ctx: PageContext, body: Mapping[str, Any], urls: Mapping[str, str]) -> str:
    """The queryables (or sortables) of a collection as a table: name, title, type and allowed values."""
    rows = []
    for name, schema in (body.get("properties") or {}).items():
        kind = schema.get("type") or schema.get("format") or ("geometry" if "$ref" in schema else "")
        if schema.get("format"):
            kind = f"{kind} ({schema['format']})" if kind != schema["format"] else kind
        rows.append(
            {
                "name": name,
                "label": t(f"field.{name}", ctx.lang, default=""),
                "title": schema.get("title") or schema.get("description") or "",
                "type": kind or "—",
                "enum": ", ".join(str(v) for v in schema.get("enum", [])),
            }
        )
    lang = ctx.lang
    crumbs = _home(ctx, urls["home"]) + [
        (t("ogc_html.collections", lang), ctx.html(urls["collections"])),
        (_titled(urls, ctx.lang), ctx.html(urls["collection"])),
    ]
    title = f"{_titled(urls, lang)} · {t(urls['what'], lang)}"
    return _frame(ctx, "queryables.html", title, crumbs, rows=rows)


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def cell_text(value: Any, lang: str) -> str:
    """A property value as a table cell shows it: text, a number, 是/否, a time in China time, — for none,
    JSON for the rest."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return t("ogc_html.yes" if value else "ogc_html.no", lang)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and _TIMESTAMP.match(value):
        return local_time(value)  # China time to the minute, as every page writes times (not RFC 3339)
    return str(value)


_LABEL_KEYS = ("ogc_html.field.{}", "sites.field.{}", "field.{}", "imports.field.{}", "audit.field.{}")
_SINGULAR = {
    "stations": "station",
    "memorials": "memorial",
    "cemeteries": "cemetery",
    "graves": "grave",
    "areas": "area",
}
_FIRST = ("name", "martyr_name")


def _column_label(name: str, lang: str) -> str:
    for pattern in _LABEL_KEYS:
        label = t(pattern.format(name), lang, default="")
        if label:
            return label
    return name


def value_text(collection_id: str, name: str, value: Any, lang: str) -> str:
    """A property value as a cell shows it: an enumerated value by its catalogue label (station_level.village
    is 村级; a zone's site_collection is its collection's title), else ``cell_text``."""
    if name == "site_collection" and isinstance(value, str):
        return collection_title(value, value, lang)
    if isinstance(value, str) and value:
        singular = _SINGULAR.get(collection_id, collection_id)
        for key in (f"{singular}_{name}.{value}", f"{name}.{value}"):
            label = t(key, lang, default="")
            if label:
                return label
    return cell_text(value, lang)


def _collection_id(urls: Mapping[str, str]) -> str:
    return urlsplit(urls["collection"]).path.rsplit("/", 1)[-1]


def _map_features(features: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"type": "Feature", "geometry": f.get("geometry"), "properties": {"title": _feature_title(f)}}
        for f in features
        if f.get("geometry")
    ]


def _feature_title(feature: Mapping[str, Any]) -> str:
    props = feature.get("properties") or {}
    for name in ("name", "martyr_name", "title"):
        if props.get(name):
            return str(props[name])
    return str(feature.get("id", ""))


def items_page(ctx: PageContext, body: Mapping[str, Any], urls: Mapping[str, str], drawable: bool) -> str:
    """A page of features: a table (properties as columns, each row linking to its feature), numberMatched,
    next/prev links keeping the query, and a map of the page's features when they are in CRS84."""
    lang = ctx.lang
    features = body.get("features") or []
    columns: list[str] = []
    for feature in features:
        for name in feature.get("properties") or {}:
            if name not in columns:
                columns.append(name)
    columns.sort(key=lambda name: name not in _FIRST)  # the name first, the rest as the server gives them
    cid = _collection_id(urls)
    base = urls["items"]
    rows = [
        {
            "id": f.get("id"),
            "href": ctx.html(f"{base}/{f.get('id')}"),
            "cells": [value_text(cid, c, (f.get("properties") or {}).get(c), lang) for c in columns],
        }
        for f in features
    ]
    links = {link["rel"]: link["href"] for link in body.get("links", [])}
    offset = _offset(ctx.url)
    returned = body.get("numberReturned", len(features))
    crumbs = _home(ctx, urls["home"]) + [
        (t("ogc_html.collections", lang), ctx.html(urls["collections"])),
        (_titled(urls, ctx.lang), ctx.html(urls["collection"])),
    ]
    return _frame(
        ctx,
        "items.html",
        f"{_titled(urls, lang)} · {t('ogc_html.items', lang)}",
        crumbs,
        columns=[(c, _column_label(c, lang)) for c in columns],
        rows=rows,
        matched=body.get("numberMatched"),
        first=offset + 1 if returned else 0,
        last=offset + returned,
        next_url=ctx.html(links["next"]) if "next" in links else None,
        prev_url=ctx.html(links["prev"]) if "prev" in links else None,
        map_data={"features": _map_features(features)} if drawable else None,
    )


def _offset(url: str) -> int:
    for name, value in parse_qsl(urlsplit(url).query):
        if name == "offset" and value.isdigit():
            return int(value)
    return 0


def item_page(ctx: PageContext, feature: Mapping[str, Any], urls: Mapping[str, str], drawable: bool) -> str:
    """One feature: its properties, a map, and links to its collection (and to its site, for a zone)."""
    lang = ctx.lang
    props = feature.get("properties") or {}
    title = _feature_title(feature)
    cid = _collection_id(urls)
    rows = [
        (name, _column_label(name, lang), value_text(cid, name, value, lang)) for name, value in props.items()
    ]
    site = None
    if props.get("site_collection") and props.get("site_id") is not None:
        site_url = f"{urls['collections']}/{props['site_collection']}/items/{props['site_id']}"
        site = ctx.html(site_url)
    crumbs = _home(ctx, urls["home"]) + [
        (t("ogc_html.collections", lang), ctx.html(urls["collections"])),
        (_titled(urls, ctx.lang), ctx.html(urls["collection"])),
        (t("ogc_html.items", lang), ctx.html(urls["items"])),
    ]
    return _frame(
        ctx,
        "item.html",
        title,
        crumbs,
        feature_id=feature.get("id"),
        rows=rows,
        site_url=site,
        map_data={"features": _map_features([feature])} if drawable else None,
    )


_STATUS_LEADS = {404: "ogc_html.error.not_found", 400: "ogc_html.error.bad_request"}
_PARAMETER_NAMES = sorted(
    (
        "bbox-crs",
        "bbox",
        "crs",
        "datetime",
        "filter-lang",
        "filter-crs",
        "filter",
        "sortby",
        "properties",
        "limit",
        "offset",
        "f",
    ),
    key=len,
    reverse=True,
)


def error_reason(exc: DomainError, lang: str) -> tuple[str, str | None]:
    """The reason of a refusal in ``lang`` and, when that is only a summary, the server's exact words
    (kept for a developer, in English) -- an OGC refusal without a catalogue entry says which parameter."""
    exact = error_text(exc, lang)
    if exc.key or lang == "en":
        return exact, None
    message = exc.message
    if message.startswith("unknown query parameter "):
        name = message.removeprefix("unknown query parameter ").split(";")[0].strip("'\"")
        return t("ogc_html.error.unknown_parameter", lang).format(name=name), message
    for name in _PARAMETER_NAMES:
        if message.startswith((f"{name} ", f"{name}:")):
            return t("ogc_html.error.parameter", lang).format(name=name), message
    if isinstance(exc, NotFound):
        return t("ogc_html.error.not_found", lang), message
    return t("ogc_html.error.bad_request", lang), message


def error_page(ctx: PageContext, exc: DomainError, status: int, home: str) -> str:
    """A refused request as a page: the reason in the page's language, what to do, and a way home."""
    lang = ctx.lang
    reason, exact = error_reason(exc, lang)
    title = t(_STATUS_LEADS.get(status, "ogc_html.error.bad_request"), lang)
    return _frame(ctx, "error.html", title, _home(ctx, home), reason=reason, exact=exact, status=status)
