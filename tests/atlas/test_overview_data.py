"""What the overview page fetches after its HTML (/atlas/data/{part}.json): cached, revalidated, never a layer the
page draws from cluster tiles."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from api.app import create_app
from geo.settings import Settings


def test_the_page_fetches_its_tables_and_outlines_and_the_browser_may_keep_them(anon_client: TestClient):
    html = anon_client.get("/").text
    assert len(html) < 300_000  # issue 25: the page itself stays light
    urls = [u.replace("\\u0026", "&") for u in re.findall(r'"(/atlas/data/[^"]+)"', html)]
    parts = {re.match(r"/atlas/data/(\w+)\.json", u).group(1) for u in urls}
    assert parts == {"stations", "memorials", "cemeteries", "graves", "outlines"}
    graves = next(u for u in urls if "/graves.json" in u)
    first = anon_client.get(graves)
    assert first.status_code == 200 and first.json()["collection"] == "graves"
    assert first.headers["cache-control"] == "private, max-age=86400"  # its URL names the current data
    again = anon_client.get(graves, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and not again.content
    stale = anon_client.get(graves.split("&v=")[0] + "&v=old")
    assert stale.status_code == 200 and stale.headers["cache-control"] == "private, no-cache"
    outlines = anon_client.get(next(u for u in urls if "/outlines.json" in u))
    assert outlines.json()["features"] and outlines.headers["cache-control"].startswith("public")


def test_a_tiled_collection_is_not_served_as_one_table(settings: Settings, demo_counts: dict[str, int]):
    with TestClient(create_app(settings.model_copy(update={"map_embed_max": 500}))) as c:
        refused = c.get("/atlas/data/stations.json")
        assert refused.status_code == 404 and "cluster tiles" in refused.text
        assert c.get("/atlas/data/memorials.json").status_code == 200
        assert c.get("/atlas/data/nothing.json").status_code == 422
