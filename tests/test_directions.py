"""Directions links carry the position in each map app's own coordinate system (web/directions.py)."""

from urllib.parse import parse_qs, urlsplit

from geo.kit.crs import bd09_to_wgs84, gcj02_to_wgs84
from web.directions import map_app_links

LON, LAT = 110.6412, 26.0423  # 资源县


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_amap_and_apple_get_gcj02_and_baidu_gets_bd09_back_to_the_same_place():
    links = {link.app: link.url for link in map_app_links(LON, LAT, "烈士陵园 & 墓区")}
    lon, lat = (float(x) for x in _query(links["amap"])["position"].split(","))
    back = gcj02_to_wgs84(lon, lat)
    assert abs(back[0] - LON) < 1e-5 and abs(back[1] - LAT) < 1e-5
    assert (lon, lat) != (LON, LAT)  # shifted, not sent as WGS-84
    blat, blon = (float(x) for x in _query(links["baidu"])["location"].split(","))
    back = bd09_to_wgs84(blon, blat)
    assert abs(back[0] - LON) < 1e-5 and abs(back[1] - LAT) < 1e-5
    alat, alon = (float(x) for x in _query(links["apple"])["ll"].split(","))
    assert (round(alon, 6), round(alat, 6)) == (lon, lat)
    assert _query(links["amap"])["name"] == "烈士陵园 & 墓区"
    assert links["geo"].startswith(f"geo:{LAT:.6f},{LON:.6f}")
