"""A map page as a browser gets it, parsed without a browser: its language, title, the scripts and stylesheets it
links, and the data its inline script hands to Leaflet (the layer control's names, cluster tables, GeoJSON).
Shared by the tests of every map page (atlas, coverage, upkeep)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any


class _PageParser(HTMLParser):
    """Collects <html lang>, <title>, script sources, <link> targets and inline script text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html_lang: str | None = None
        self.title = ""
        self.script_srcs: list[str] = []
        self.link_hrefs: list[tuple[str, str]] = []  # (rel, href)
        self.inline_scripts: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "script":
            if "src" in a:
                self.script_srcs.append(a["src"])
            self._in = "script"
            self.inline_scripts.append("")
        elif tag == "link" and "href" in a:
            self.link_hrefs.append((a.get("rel", ""), a["href"]))
        elif tag == "title":
            self._in = "title"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "title"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.inline_scripts[-1] += data
        elif self._in == "title":
            self.title += data


class MapPage:
    """A rendered map page, parsed: its links and the data its script hands to Leaflet."""

    def __init__(self, html: str, client: Any = None) -> None:
        """``client`` (a TestClient) fetches the data a page's script fetches (a layer given as a URL)."""
        self.html = html
        self.client = client
        parser = _PageParser()
        parser.feed(html)
        parser.close()
        self.html_lang = parser.html_lang
        self.title = parser.title.strip()
        self.script_srcs = parser.script_srcs
        self.link_hrefs = parser.link_hrefs
        self.inline_scripts = parser.inline_scripts
        self.script = "\n".join(parser.inline_scripts)

    def overlays(self) -> dict[str, str]:
        """Name shown in the layer control -> the JS variable of the layer it toggles."""
        block = re.search(r"overlays\s*:\s*\{(.*?)\}", self.script, re.DOTALL)
        assert block, "the page has no layer control with overlays"
        pairs = re.findall(r'"((?:[^"\\]|\\.)*)"\s*:\s*([A-Za-z_$][\w$]*)', block.group(1))
        return {json.loads(f'"{name}"'): var for name, var in pairs}

    def _argument(self, var: str, call: str) -> Any:
        """The first (JSON) argument of `var = <call>(...)` in the page script."""
        match = re.search(rf"\bvar\s+{re.escape(var)}\s*=\s*{re.escape(call)}\(\s*", self.script)
        assert match, f"{var} is not built with {call}(...)"
        value, _ = json.JSONDecoder().raw_decode(self.script, match.end())
        if isinstance(value, str) and self.client is not None:  # fetched by the page after its HTML
            response = self.client.get(value)
            assert response.status_code == 200, (value, response.status_code)
            return response.json()
        return value

    def cluster_payload(self, var: str) -> dict[str, Any]:
        """The data table a clustered point layer is built from in the browser."""
        return self._argument(var, "VetMapAtlas.cluster")

    def geojson(self, var: str) -> dict[str, Any]:
        """The GeoJSON an L.geoJSON layer draws (or fetches: VetMapAtlas.geoJSON)."""
        if re.search(rf"\bvar\s+{re.escape(var)}\s*=\s*VetMapAtlas\.geoJSON\(", self.script):
            return self._argument(var, "VetMapAtlas.geoJSON")
        return self._argument(var, "L.geoJSON")

    def layers(self, names: dict[str, str]) -> dict[str, dict[str, Any]]:
        """Collection -> its cluster payload, looked up through the layer control names in `names`."""
        overlays = self.overlays()
        return {collection: self.cluster_payload(overlays[name]) for name, collection in names.items()}

    def local_assets(self) -> list[str]:
        """Every script source and <link> target of the page."""
        return [*self.script_srcs, *(href for _, href in self.link_hrefs)]


def with_fetched(client: Any, html: str) -> str:
    """A map page's HTML followed by the text of every data its script fetches (``/atlas/data/...``): all it shows."""
    urls = [json.loads(f'"{url}"') for url in re.findall(r'"(/atlas/data/[^"]+)"', html)]
    return html + "".join(client.get(url).text for url in urls)
