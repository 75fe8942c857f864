"""OGC API pages for browsers (f=html, or a browser's Accept): every /ogc document as a page in Chinese (English on
?lang=en), links that keep f=html, alternates both ways, programs still given JSON, refusals as pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, text

from web.i18n import t

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
ITEMS = "/ogc/collections/stations/items"
PAGES = (
    "/ogc",
    "/ogc/conformance",
    "/ogc/collections",
    "/ogc/collections/stations",
    "/ogc/collections/stations/queryables",
    "/ogc/collections/stations/sortables",
    ITEMS,
)


class _Page(HTMLParser):
    """The links, table rows and visible text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str | None]] = []
        self.alternates: list[str] = []
        self.body_rows = 0
        self.text: list[str] = []
        self._in_tbody = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and not a.get("hreflang"):  # the language switch aside
            self.links.append((a.get("href") or "", a.get("type")))
        if tag == "link" and a.get("rel") == "alternate":
            self.alternates.append(a.get("type") or "")
        if tag == "tbody":
            self._in_tbody = True
        if tag == "tr" and self._in_tbody:
            self.body_rows += 1
        if tag in ("script", "style", "code"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_tbody = False
        if tag in ("script", "style", "code"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _ogc_links(page: _Page) -> list[str]:
    return [
        href
        for href, kind in page.links
        if urlsplit(href).netloc in ("testserver", "")
        and kind is None
        and not urlsplit(href).path.startswith("/ogc/api")
    ]


@pytest.mark.parametrize("path", PAGES)
def test_f_html_gives_a_chinese_page_whose_links_keep_f_html(anon_client, path: str) -> None:
    response = anon_client.get(path, params={"f": "html"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="zh-CN">' in html
    page = _parse(html)
    assert "application/json" in page.alternates
    links = _ogc_links(page)
    assert links, "a page links to other OGC pages"
    for href in links:
        query = parse_qs(urlsplit(href).query)
        assert query.get("f") == ["html"], href
        assert "lang" not in query, href
    assert re.search(r"[\u4e00-\u9fff]", "".join(page.text))


@pytest.mark.parametrize("path", PAGES)
def test_a_browser_gets_a_page_and_programs_get_json(anon_client, path: str) -> None:
    page = anon_client.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Accept" in page.headers["vary"]
    for accept in ("application/json", "*/*", "application/geo+json, application/json", ""):
        response = anon_client.get(path, headers={"Accept": accept} if accept else {})
        assert response.status_code == 200
        assert "json" in response.headers["content-type"], (path, accept)
        response.json()
    forced = anon_client.get(path, params={"f": "json"}, headers={"Accept": BROWSER_ACCEPT})
    assert "json" in forced.headers["content-type"]


def test_json_documents_name_their_html_alternate(anon_client) -> None:
    for path in ("/ogc", "/ogc/collections", "/ogc/collections/stations", ITEMS, f"{ITEMS}?limit=1"):
        body = anon_client.get(path).json()
        (alternate,) = [link for link in body["links"] if link["rel"] == "alternate"]
        assert alternate["type"] == "text/html"
        assert parse_qs(urlsplit(alternate["href"]).query)["f"] == ["html"]
        assert anon_client.get(alternate["href"]).headers["content-type"].startswith("text/html")
    one = anon_client.get(f"{ITEMS}?limit=1").json()["features"][0]
    item = anon_client.get(f"{ITEMS}/{one['id']}").json()
    assert [link["type"] for link in item["links"] if link["rel"] == "alternate"] == ["text/html"]


def test_the_items_table_has_the_rows_number_matched_says(anon_client, engine: Engine) -> None:
    with engine.connect() as conn:  # the rarest level of station: a small page
        level, expected = conn.execute(
            text("SELECT level, count(*) FROM stations GROUP BY level ORDER BY count(*), level LIMIT 1")
        ).one()
    assert 0 < expected <= 10
    response = anon_client.get(ITEMS, params={"f": "html", "level": level})
    page = _parse(response.text)
    assert page.body_rows == expected
    assert f'data-matched="{expected}"' in response.text
    assert t("ogc_html.matched", "zh").format(matched=expected, first=1, last=expected) in response.text
    assert 'id="ogc-map-data"' in response.text


def test_next_and_prev_keep_the_query_and_f_html(anon_client) -> None:
    first = _parse(anon_client.get(ITEMS, params={"f": "html", "limit": 3, "lang": "en"}).text)
    (next_href,) = {href for href, _ in first.links if "offset=3" in href}  # the pager above and below
    query = parse_qs(urlsplit(next_href).query)
    assert query["f"] == ["html"] and query["limit"] == ["3"] and query["lang"] == ["en"]
    second = anon_client.get(next_href)
    assert second.status_code == 200 and '<html lang="en">' in second.text
    page = _parse(second.text)
    assert page.body_rows == 3
    assert any("offset=0" in href for href, _ in page.links), "a previous-page link"


def test_english_pages_are_complete(anon_client) -> None:
    one = anon_client.get(f"{ITEMS}?limit=1").json()["features"][0]
    for path in (*PAGES, f"{ITEMS}/{one['id']}", f"{ITEMS}?bbox=1,2,3"):
        response = anon_client.get(path, params={"f": "html", "lang": "en"})
        assert '<html lang="en">' in response.text
        visible = "".join(_parse(response.text).text)
        # data (names of stations) may be Chinese; the page's own words may not
        words = visible.replace(one["properties"].get("name") or "", "")
        assert "ogc_html." not in visible, path
        if path in PAGES[:3]:
            assert not re.search(r"[\u4e00-\u9fff]", words.replace("中文", "")), (path, words)


def test_one_item_page_shows_its_properties_and_a_map(anon_client) -> None:
    one = anon_client.get(f"{ITEMS}?limit=1").json()["features"][0]
    response = anon_client.get(f"{ITEMS}/{one['id']}", params={"f": "html"})
    assert response.status_code == 200
    assert one["properties"]["name"] in response.text
    assert 'id="ogc-map-data"' in response.text
    assert "ETag" not in response.headers or response.headers["content-type"].startswith("text/html")
    visible = "".join(_parse(response.text).text)
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", visible)  # updated_at, in China time to the minute
    assert not re.search(r"\d{2}:\d{2}:\d{2}", visible), "no RFC 3339 time on a page for people"


def test_a_zone_page_links_to_its_site(anon_client) -> None:
    zones = anon_client.get("/ogc/collections/cemetery_boundaries/items?limit=1").json()["features"]
    assert zones, "the demo atlas has a cemetery boundary"
    zone = zones[0]
    response = anon_client.get(f"/ogc/collections/cemetery_boundaries/items/{zone['id']}?f=html")
    site = f"/ogc/collections/{zone['properties']['site_collection']}/items/{zone['properties']['site_id']}?f=html"
    assert site in response.text
    assert '<tr data-property="site_collection">' in response.text
    assert re.search(
        r'data-property="site_collection">.*?<td>烈士陵园</td>', response.text
    )  # not "cemeteries"
    assert anon_client.get(site).status_code == 200


def test_a_bad_parameter_on_a_page_is_a_chinese_page_with_the_400(anon_client) -> None:
    response = anon_client.get(ITEMS, params={"f": "html", "limit": "ten"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "参数“limit”的值有误" in response.text
    unknown = anon_client.get(ITEMS, params={"colour": "red"}, headers={"Accept": BROWSER_ACCEPT})
    assert unknown.status_code == 400 and "不认识的查询参数“colour”" in unknown.text
    missing = anon_client.get("/ogc/collections/nowhere?f=html")
    assert missing.status_code == 404 and "找不到该集合或要素" in missing.text
    bad_f = anon_client.get(ITEMS, params={"f": "xml"})
    assert bad_f.status_code == 400 and bad_f.headers["content-type"] == "application/problem+json"


def test_the_api_definition_for_a_browser_is_its_viewer(anon_client) -> None:
    response = anon_client.get("/ogc/api?f=html", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("/ogc/api.html")


def test_the_page_assets_are_served(anon_client) -> None:
    css = anon_client.get("/ogc/static/ogc.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert anon_client.get("/ogc/static/ogc.js").headers["content-type"].startswith("text/javascript")
    assert anon_client.get("/ogc/static/secret.py").status_code == 404


# -- the OpenAPI document: Part 4 writes, sortables, f=html (openapi-spec-validator is not in the venv: structure)

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _resolve(doc: dict, ref: str) -> dict:
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        assert part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_the_openapi_document_describes_the_writes_sortables_and_html(anon_client) -> None:
    doc = anon_client.get("/ogc/api").json()
    assert doc["openapi"].startswith("3.0.")
    for ref in _refs(doc):
        _resolve(doc, ref)
    operation_ids = []
    for path, item in doc["paths"].items():
        assert path.startswith("/")
        for method, operation in item.items():
            assert method in METHODS, (path, method)
            assert operation["responses"], (path, method)
            operation_ids.append(operation["operationId"])
            for status in operation["responses"]:
                assert status.isdigit() and 100 <= int(status) < 600
            for parameter in operation.get("parameters", []):
                parameter = _resolve(doc, parameter["$ref"]) if "$ref" in parameter else parameter
                assert parameter["in"] in ("query", "header", "path", "cookie") and "schema" in parameter
                if parameter["in"] == "path":
                    assert parameter["required"] is True and "{" + parameter["name"] + "}" in path
    assert len(operation_ids) == len(set(operation_ids)), "operationIds are unique"

    items = doc["paths"]["/collections/stations/items"]
    post = items["post"]
    assert set(post["requestBody"]["content"]) >= {"application/geo+json"}
    assert "Location" in post["responses"]["201"]["headers"]
    assert {"401", "403", "422"} <= set(post["responses"])
    item = doc["paths"]["/collections/stations/items/{featureId}"]
    assert {"get", "put", "patch", "delete"} <= set(item)
    assert "application/merge-patch+json" in item["patch"]["requestBody"]["content"]
    for method in ("put", "patch", "delete"):
        names = {_resolve(doc, p["$ref"])["name"] for p in item[method]["parameters"]}
        assert "If-Match" in names, method
        assert {"409", "412", "401", "403"} <= set(item[method]["responses"]), method
    assert "Content-Crs" in {_resolve(doc, p["$ref"])["name"] for p in item["put"]["parameters"]}
    assert "post" not in doc["paths"]["/collections/areas/items"], "areas are not editable"
    assert "/collections/stations/sortables" in doc["paths"]
    assert "html" in doc["components"]["parameters"]["f"]["schema"]["enum"]
    assert "text/html" in item["get"]["responses"]["200"]["content"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
