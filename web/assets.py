"""Front-end vendor files (Leaflet and the plugins Folium uses), installed from npm and served by the app.

Pages must work on an intranet with no internet, so nothing is loaded from a CDN: every asset that a
Folium element declares by name in ``default_js`` / ``default_css`` is mapped here to a file inside
``node_modules`` (installed by ``npm ci`` from package.json / package-lock.json) and served under
``/static/vendor/<path inside node_modules>``. Keeping the node_modules layout in the URL means the
relative references inside the CSS files (Leaflet's ``images/``, Font Awesome's ``../webfonts/``,
awesome-markers' sprites) resolve to files we also serve.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import TypeVar

import jinja2
from branca.element import CssLink, Element, Figure, JavascriptLink
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from web.csp import SCRIPT_NONCE, mark_scripts

VENDOR_URL_PREFIX = "/static/vendor"
STATIC_DIR = Path(__file__).resolve().parent / "static"
"""The pages' own scripts and styles (web/static), served by the app."""
CACHE_CONTROL = "public, max-age=86400"

_E = TypeVar("_E", bound=Element)

# Folium asset name -> file inside node_modules. The names are exactly those folium 0.20 uses in the
# default_js / default_css of Map (folium/folium.py) and MarkerCluster (plugins/marker_cluster.py).
_JS_ASSETS: dict[str, str] = {
    "leaflet": "leaflet/dist/leaflet.js",
    "jquery": "jquery/dist/jquery.min.js",
    "bootstrap": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "awesome_markers": "leaflet.awesome-markers/dist/leaflet.awesome-markers.min.js",
    "markerclusterjs": "leaflet.markercluster/dist/leaflet.markercluster.js",
}
_CSS_ASSETS: dict[str, str] = {
    "leaflet_css": "leaflet/dist/leaflet.css",
    "bootstrap_css": "bootstrap/dist/css/bootstrap.min.css",
    "bootstrap_reboot_css": "bootstrap/dist/css/bootstrap-reboot.min.css",  # the overview map's base styles only
    "awesome_markers_font_css": "@fortawesome/fontawesome-free/css/all.min.css",
    "awesome_markers_css": "leaflet.awesome-markers/dist/leaflet.awesome-markers.css",
    "markerclustercss": "leaflet.markercluster/dist/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/dist/MarkerCluster.Default.css",
}
VENDOR_ASSETS: Mapping[str, str] = MappingProxyType({**_JS_ASSETS, **_CSS_ASSETS})

# The OpenAPI viewer at /api/v1/docs (swagger-ui-dist), served like the map assets: no CDN.
DOCS_ASSETS: Mapping[str, str] = MappingProxyType(
    {
        "swagger_js": "swagger-ui-dist/swagger-ui-bundle.js",
        "swagger_css": "swagger-ui-dist/swagger-ui.css",
        "swagger_favicon": "swagger-ui-dist/favicon-32x32.png",
    }
)

# Scripts and styles of the server-rendered staff pages (web/templates/), by the name a template asks for with
# ``vendor_url(name)``: Leaflet for their maps, htmx for small progressive enhancement (polling a run, swapping a
# fragment), Leaflet-Geoman for dragging points and drawing polygons.
PAGE_ASSETS: Mapping[str, str] = MappingProxyType(
    {
        "leaflet_js": "leaflet/dist/leaflet.js",
        "leaflet_css": "leaflet/dist/leaflet.css",
        "htmx": "htmx.org/dist/htmx.min.js",
        "geoman_js": "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js",
        "geoman_css": "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css",
        # Workbox's modules for the crews' service worker (/crew/sw.js imports them from here, never a CDN)
        "workbox_core": "workbox-core/build/workbox-core.prod.js",
        "workbox_cacheable_response": "workbox-cacheable-response/build/workbox-cacheable-response.prod.js",
        "workbox_routing": "workbox-routing/build/workbox-routing.prod.js",
        "workbox_strategies": "workbox-strategies/build/workbox-strategies.prod.js",
        # MapLibre GL JS (an ES module; it loads its worker module from beside itself) for vector-tile maps drawn
        # with the OGC style /ogc/styles/default: served here so a page of ours needs no CDN
        "maplibre_js": "maplibre-gl/dist/maplibre-gl.mjs",
        "maplibre_worker": "maplibre-gl/dist/maplibre-gl-worker.mjs",
        "maplibre_css": "maplibre-gl/dist/maplibre-gl.css",
    }
)

# Cosmetic assets with no local counterpart that our pages do not use: Bootstrap 3 glyphicons (we use
# Font Awesome icons) and folium's rotate CSS for awesome-markers (we never rotate icons).
DROPPED_ASSETS: frozenset[str] = frozenset({"glyphicons_css", "awesome_rotate_css"})

# Directories served whole because the CSS or JS above refers to their files relatively.
VENDOR_DIRECTORIES: tuple[str, ...] = (
    "leaflet/dist/images",
    "leaflet.awesome-markers/dist/images",
    "@fortawesome/fontawesome-free/webfonts",
)

_CONTENT_TYPES: Mapping[str, str] = MappingProxyType(
    {
        ".js": "text/javascript; charset=utf-8",
        ".mjs": "text/javascript; charset=utf-8",  # ES modules (MapLibre GL JS)
        ".css": "text/css; charset=utf-8",
        ".png": "image/png",
        ".svg": "image/svg+xml",
        ".woff2": "font/woff2",
        ".woff": "font/woff",
        ".ttf": "font/ttf",
    }
)


class UnknownAssetError(ValueError):
    """A Folium element declares a front-end asset that has no local copy."""


class VendorFilesMissingError(FileNotFoundError):
    """node_modules, or a file expected in it, is missing: `npm ci` has not been run."""


def default_node_modules() -> Path:
    """Return the project's node_modules directory (next to package.json)."""
    return Path(__file__).resolve().parent.parent / "node_modules"


def asset_url(name: str) -> str:
    """Return the local /static/vendor/... URL of the Folium asset called `name`."""
    try:
        return f"{VENDOR_URL_PREFIX}/{VENDOR_ASSETS[name]}"
    except KeyError:
        raise UnknownAssetError(_unknown_message(name, None)) from None


def is_local_url(url: str) -> bool:
    """Return True if `url` points at a file served by the vendor app."""
    return url.startswith(VENDOR_URL_PREFIX + "/")


def _unknown_message(name: str, url: str | None) -> str:
    where = f" ({url})" if url else ""
    return (
        f"front-end asset {name!r}{where} has no local copy in web/assets.py; add the npm package to "
        "package.json and map the name in VENDOR_ASSETS (pages must never load from a CDN)"
    )


def _localized(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, url in pairs:
        if name in DROPPED_ASSETS:
            continue
        if name not in VENDOR_ASSETS:
            raise UnknownAssetError(_unknown_message(name, url))
        out.append((name, asset_url(name)))
    return out


def _walk(element: Element) -> Iterator[Element]:
    yield element
    if isinstance(element, Figure):
        for part in (element.header, element.html, element.script):
            yield from _walk(part)
    for child in list(element._children.values()):
        yield from _walk(child)


def localize_assets(m: _E) -> _E:
    """Point every asset of every element of `m`'s page at /static/vendor; raise UnknownAssetError."""
    for element in _walk(m.get_root()):
        # JSCSSMixin elements: set fresh lists on the instance, never mutate folium's class-level lists.
        if hasattr(element, "default_js"):
            element.default_js = _localized(element.default_js)
        if hasattr(element, "default_css"):
            element.default_css = _localized(element.default_css)
    root = m.get_root()
    if isinstance(root, Figure):
        # Links already placed in the page header (by an earlier render, or by hand) are keyed by name.
        header = root.header
        for name, child in list(header._children.items()):
            if not isinstance(child, JavascriptLink | CssLink) or is_local_url(child.url):
                continue
            if name in DROPPED_ASSETS:
                del header._children[name]
            elif name in VENDOR_ASSETS:
                child.url = asset_url(name)
            else:
                raise UnknownAssetError(_unknown_message(name, child.url))
    return m


def check_page_links(figure: Figure) -> None:
    """Raise UnknownAssetError if the figure's header links any script or stylesheet not under /static/vendor."""
    for name, child in figure.header._children.items():
        if isinstance(child, JavascriptLink | CssLink) and not is_local_url(child.url):
            raise UnknownAssetError(_unknown_message(name, child.url))


class OfflineFigure(Figure):
    """A page (branca Figure) with <html lang> that refuses to render a link to anything but /static/vendor.

    Its own scripts carry the CSP nonce mark (web/csp.py): those of the header (asset links and the templates'
    headers, never data) and the page's script at the end. The body, where data is shown, gets none, so a
    <script> that data brought there would not run.
    """

    _template = jinja2.Template(
        "<!DOCTYPE html>\n"
        '<html lang="{{ this.lang|e }}">\n'
        "<head>\n"
        '<meta charset="utf-8" />\n'
        "{% if this.title %}<title>{{ this.title|e }}</title>{% endif %}"
        "    {{ header }}\n"
        "</head>\n"
        "<body>\n"
        "    {{ this.html.render(**kwargs) }}\n"
        "</body>\n"
        "<script{{ script_nonce }}>\n"
        "    {{ this.script.render(**kwargs) }}\n"
        "</script>\n"
        "</html>\n",
    )

    def __init__(self, lang: str, title: str | None = None, **kwargs: str) -> None:
        super().__init__(title=title, **kwargs)
        self.lang = lang
        # The template declares the charset first thing in <head>; drop branca's later duplicate.
        self.header._children.pop("meta_http", None)

    def render(self, **kwargs) -> str:
        """Render the page after checking that every linked asset is local."""
        for child in self._children.values():
            child.render(**kwargs)
        check_page_links(self)
        header = mark_scripts(self.header.render(**kwargs))
        return self._template.render(this=self, kwargs=kwargs, header=header, script_nonce=SCRIPT_NONCE)


def _vendor_file(node_modules: Path, relative: str) -> Path:
    path = node_modules / relative
    if not path.is_file():
        raise VendorFilesMissingError(
            f"{path} is missing: run `npm ci` in the project root to install the front-end packages"
        )
    return path.resolve()


def vendor_files(node_modules: Path) -> dict[str, Path]:
    """Map each URL path below /static/vendor to the absolute file in `node_modules` it serves."""
    node_modules = Path(node_modules)
    if not node_modules.is_dir():
        raise VendorFilesMissingError(
            f"{node_modules} does not exist: run `npm ci` in the project root to install the "
            "front-end packages (leaflet, leaflet.markercluster, ...) that the map pages load"
        )
    files: dict[str, Path] = {}
    for relative in (*VENDOR_ASSETS.values(), *DOCS_ASSETS.values(), *PAGE_ASSETS.values()):
        files[relative] = _vendor_file(node_modules, relative)
    for directory in VENDOR_DIRECTORIES:
        folder = node_modules / directory
        if not folder.is_dir():
            raise VendorFilesMissingError(f"{folder} is missing: run `npm ci` in the project root")
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix.lower() in _CONTENT_TYPES:
                files[str(PurePosixPath(directory, path.name))] = path.resolve()
    return files


def vendor_url(name: str) -> str:
    """The local URL of a staff page's vendor asset (a key of PAGE_ASSETS); KeyError for an unknown name."""
    return f"{VENDOR_URL_PREFIX}/{PAGE_ASSETS[name]}"


def docs_asset_url(name: str) -> str:
    """The local URL of an asset of the OpenAPI viewer (a key of DOCS_ASSETS)."""
    return f"{VENDOR_URL_PREFIX}/{DOCS_ASSETS[name]}"


def vendor_app(node_modules: Path | None = None) -> Starlette:
    """Build an ASGI app serving exactly vendor_files(); mount it at VENDOR_URL_PREFIX."""
    files = vendor_files(node_modules if node_modules is not None else default_node_modules())

    async def serve(request: Request) -> Response:
        # Only paths in the table are served, so "..", absolute paths and the like are simply 404.
        path = files.get(request.path_params["path"])
        if path is None:
            return PlainTextResponse("Not Found", status_code=404)
        return FileResponse(
            path,
            media_type=_CONTENT_TYPES[path.suffix.lower()],
            headers={"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"},
        )

    return Starlette(routes=[Route("/{path:path}", serve, methods=["GET", "HEAD"])])
