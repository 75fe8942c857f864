"""Photos of sites, inspections and work orders: real decoding (JPEG with EXIF GPS, PNG, WebP), refusals with
nothing written (not an image, truncated, too large in bytes or pixels, bad fields), thumbnails, permissions and
reads, on a real PostGIS; images are made in the tests with Pillow."""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import ExifTags, Image, ImageOps
from PIL.TiffImagePlugin import IFDRational
from sqlalchemy import Engine, text

from api.app import create_app
from geo.settings import Settings, UpkeepSettings
from geo.upkeep.photos import decode_photo, decoding_slot, exif_position, exif_taken_at
from tests.auth_helpers import each_role_in, headers_of, staff_accounts
from tests.factories import image, make_site, make_site_at, row_count
from tests.hostile_files import blank_png, flat_jpeg, peak_growth

COUNTY = "450329"  # 资源县, where the factories' point lies
OTHER_COUNTY = "450102"
OTHER_POINT = (108.5227, 22.9622)  # inside 兴宁区 (450102)


pytestmark = pytest.mark.usefixtures("atlas_restored")  # the sites made here go after the module


@pytest.fixture(scope="module")
def accounts(engine: Engine, demo_counts: dict[str, int]) -> dict[str, tuple[int, dict[str, str]]]:
    """Account id and auth headers per '<role>-<in|out>' (in: the county of the test sites) and 'crew2-in'."""
    specs = [*each_role_in({"in": COUNTY, "out": OTHER_COUNTY}), ("crew2-in", "crew", COUNTY)]
    return staff_accounts(engine, specs, "photo")


@pytest.fixture(scope="module")
def memorial(client: TestClient) -> dict:
    return make_site(client, "memorials", name="照片测试纪念碑")


@pytest.fixture(scope="module")
def inspection(client: TestClient, memorial: dict) -> dict:
    response = client.post(
        f"/api/v1/memorials/{memorial['id']}/inspections", json={"scores": {"monument": 3}}
    )
    assert response.status_code == 201, response.text
    return response.json()


# -- images made here ------------------------------------------------------------------------------------------


def _r(value: float, den: int = 100) -> IFDRational:
    return IFDRational(round(value * den), den)


def jpeg(
    size: tuple[int, int] = (80, 40),
    gps: tuple[str, tuple, str, tuple] | None = None,
    orientation: int | None = None,
    taken: str | None = None,
    offset: str | None = None,
    accuracy: float | None = None,
) -> bytes:
    """A JPEG with optional EXIF: gps = (lat ref, (d, m, s), lon ref, (d, m, s)), orientation, DateTimeOriginal."""
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps is not None:
        lat_ref, lat, lon_ref, lon = gps
        tags = {
            ExifTags.GPS.GPSLatitudeRef: lat_ref,
            ExifTags.GPS.GPSLatitude: tuple(_r(v) for v in lat),
            ExifTags.GPS.GPSLongitudeRef: lon_ref,
            ExifTags.GPS.GPSLongitude: tuple(_r(v) for v in lon),
        }
        if accuracy is not None:
            tags[ExifTags.GPS.GPSHPositioningError] = _r(accuracy)
        exif[ExifTags.IFD.GPSInfo] = tags
    if taken is not None:
        exif_ifd = {ExifTags.Base.DateTimeOriginal: taken}
        if offset is not None:
            exif_ifd[ExifTags.Base.OffsetTimeOriginal] = offset
        exif[ExifTags.IFD.Exif] = exif_ifd
    out = io.BytesIO()
    Image.new("RGB", size, (180, 30, 30)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def noise(side: int, fmt: str = "JPEG") -> bytes:
    """An image of random pixels (it compresses badly, so it is large for its size)."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, fmt)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def _post(
    client: TestClient, url: str, data: bytes, name: str = "p.jpg", ctype: str = "image/jpeg", **fields
):
    headers = fields.pop("headers", None) or {}
    form = {k: str(v) for k, v in fields.items()}
    return client.post(url, files={"file": (name, data, ctype)}, data=form, headers=headers)


def _site_url(site: dict, collection: str = "memorials") -> str:
    return f"/api/v1/{collection}/{site['id']}/photos"


# -- EXIF -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat_ref", "lon_ref", "sign_lat", "sign_lon"),
    [("N", "E", 1, 1), ("S", "W", -1, -1), ("S", "E", -1, 1), ("N", "W", 1, -1)],
)
def test_exif_gps_becomes_signed_decimal_degrees(lat_ref, lon_ref, sign_lat, sign_lon):
    data = jpeg(gps=(lat_ref, (26, 2, 24.12), lon_ref, (110, 38, 24)), accuracy=4.5)
    lon, lat, accuracy = exif_position(Image.open(io.BytesIO(data)).getexif())
    assert lat == pytest.approx(sign_lat * (26 + 2 / 60 + 24.12 / 3600), abs=1e-9)
    assert lon == pytest.approx(sign_lon * (110 + 38 / 60 + 24 / 3600), abs=1e-9)
    assert accuracy == pytest.approx(4.5)


def test_exif_without_a_valid_fix_gives_no_position():
    assert exif_position(Image.open(io.BytesIO(jpeg())).getexif()) is None
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {  # a zero denominator and minutes over 60: not a position
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (IFDRational(26, 0), IFDRational(0, 1), IFDRational(0, 1)),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (IFDRational(110, 1), IFDRational(75, 1), IFDRational(0, 1)),
    }
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "JPEG", exif=exif)
    assert exif_position(Image.open(out).getexif()) is None


def test_exif_time_takes_its_offset_or_china_time():
    with_offset = Image.open(io.BytesIO(jpeg(taken="2026:04:04 09:30:00", offset="+07:00"))).getexif()
    assert exif_taken_at(with_offset).isoformat() == "2026-04-04T09:30:00+07:00"
    without = Image.open(io.BytesIO(jpeg(taken="2026:04:04 09:30:00"))).getexif()
    assert exif_taken_at(without).isoformat() == "2026-04-04T09:30:00+08:00"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_thumbnails_are_turned_upright_by_every_exif_orientation(orientation):
    picture = Image.new("RGB", (80, 40), (0, 0, 255))
    picture.paste((255, 0, 0), (0, 0, 20, 10))  # a red mark in the top left corner as stored
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    stored = io.BytesIO()
    picture.save(stored, "PNG", exif=exif)
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(stored.getvalue()))).convert("RGB")
    thumb = Image.open(io.BytesIO(decode_photo(stored.getvalue(), UpkeepSettings()).thumbnail)).convert("RGB")
    assert thumb.size == expected.size
    for corner in ((2, 2), (thumb.width - 3, 2), (2, thumb.height - 3), (thumb.width - 3, thumb.height - 3)):
        red_expected = expected.getpixel(corner)[0] > 128
        assert (thumb.getpixel(corner)[0] > 128) == red_expected, corner


# -- uploads that work -----------------------------------------------------------------------------------------


def test_a_jpeg_with_exif_gps_is_stored_as_uploaded(client, memorial, inspection, accounts):
    data = jpeg(
        size=(80, 40),
        gps=("N", (26, 2, 24), "E", (110, 38, 24)),
        orientation=6,
        taken="2026:04:04 09:30:00",
        accuracy=6,
    )
    url = f"/api/v1/memorials/{memorial['id']}/inspections/{inspection['id']}/photos"
    crew_id, crew = accounts["crew-in"]
    response = _post(client, url, data, caption="碑身正面", headers=crew)
    assert response.status_code == 201, response.text
    photo = response.json()
    assert response.headers["location"] == photo["url"] == f"/api/v1/photos/{photo['id']}"
    assert photo["thumbnail_url"] == f"/api/v1/photos/{photo['id']}/thumbnail"
    assert photo["stage"] == "inspection" and photo["inspection_id"] == inspection["id"]
    assert (photo["collection"], photo["site_id"], photo["work_order_id"]) == (
        "memorials",
        memorial["id"],
        None,
    )
    assert photo["content_type"] == "image/jpeg" and photo["byte_size"] == len(data)
    assert (photo["width"], photo["height"]) == (80, 40)
    assert photo["position_source"] == "exif" and photo["accuracy_m"] == pytest.approx(6)
    assert photo["lat"] == pytest.approx(26 + 2 / 60 + 24 / 3600) and photo["lon"] == pytest.approx(110.64)
    assert photo["taken_at"].startswith("2026-04-04T01:30:00")  # 09:30 China time, read back in UTC
    assert photo["caption"] == "碑身正面" and photo["uploaded_by"] == crew_id and photo["uploaded_at"]

    original = client.get(photo["url"])
    assert original.status_code == 200 and original.content == data  # byte for byte, EXIF kept
    assert original.headers["content-type"] == "image/jpeg"
    assert original.headers["etag"] == f'"{photo["sha256"]}"'
    assert original.headers["cache-control"].startswith("private")
    assert client.get(photo["url"], headers={"If-None-Match": original.headers["etag"]}).status_code == 304

    thumb = client.get(photo["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    small = Image.open(io.BytesIO(thumb.content))
    assert small.format == "JPEG" and small.size == (40, 80)  # orientation 6: turned upright
    large = jpeg(size=(1200, 900))
    big = _post(client, url, large, headers=crew).json()
    assert Image.open(io.BytesIO(client.get(big["thumbnail_url"]).content)).size == (320, 240)


def test_the_phones_position_wins_over_exif(client, memorial):
    data = jpeg(gps=("N", (26, 2, 24), "E", (110, 38, 24)))
    response = _post(
        client,
        _site_url(memorial),
        data,
        lon=110.641,
        lat=26.041,
        accuracy_m=3.5,
        taken_at="2026-09-30T08:00:00+08:00",
    )
    assert response.status_code == 201, response.text
    photo = response.json()
    assert photo["stage"] == "site" and photo["position_source"] == "device"
    assert (photo["lon"], photo["lat"], photo["accuracy_m"]) == (110.641, 26.041, 3.5)
    assert photo["taken_at"].startswith("2026-09-30T00:00:00")
    plain = _post(client, _site_url(memorial), jpeg()).json()
    assert plain["position_source"] is None and plain["lon"] is None and plain["taken_at"] is None


@pytest.mark.parametrize(
    ("fmt", "ctype"), [("PNG", "image/png"), ("WEBP", "image/webp"), ("JPEG", "image/jpeg")]
)
def test_png_webp_and_jpeg_are_judged_by_their_content(client, memorial, fmt, ctype):
    data = image(fmt, (60, 30), 128)
    response = _post(client, _site_url(memorial), data, name="photo.gif", ctype="application/octet-stream")
    assert response.status_code == 201, response.text
    photo = response.json()
    assert photo["content_type"] == ctype and (photo["width"], photo["height"]) == (60, 30)
    assert client.get(photo["url"]).headers["content-type"] == ctype


def test_a_transparent_png_gets_a_jpeg_thumbnail(client, memorial):
    data = image("PNG", (500, 250), 128, "RGBA")
    photo = _post(client, _site_url(memorial), data).json()
    thumb = Image.open(io.BytesIO(client.get(photo["thumbnail_url"]).content))
    assert thumb.format == "JPEG" and thumb.size == (320, 160) and thumb.mode == "RGB"


# -- refusals, nothing written -------------------------------------------------------------------------------

BAD_UPLOADS = {
    "text renamed .jpg": (b"this is not a photo at all\n" * 10, {}, 415, "JPEG、PNG 或 WebP"),
    "gif": (image("GIF", (60, 30), 128), {}, 415, "GIF"),
    "bmp": (image("BMP", (60, 30), 128), {}, 415, "BMP"),
    "truncated jpeg": (jpeg(size=(300, 200))[:-400], {}, 422, "图片已损坏或不完整"),
    "jpeg head only": (jpeg()[:200], {}, 422, "图片已损坏或不完整"),
    "empty": (b"", {}, 422, "文件是空的"),
    "bomb header": (png_header(100_000, 100_000), {}, 413, "像素"),
    "over the pixel limit": (png_header(10_000, 6_000), {}, 413, "超过上限 50000000 像素"),
    "lon without lat": (jpeg(), {"lon": 110.6}, 422, "both lon and lat"),
    "lon out of range": (jpeg(), {"lon": 190, "lat": 26}, 422, "lon"),
    "accuracy without a position": (jpeg(), {"accuracy_m": 5}, 422, "accuracy_m"),
    "naive taken_at": (jpeg(), {"taken_at": "2026-04-04T09:30:00"}, 422, "time zone"),
    "future taken_at": (jpeg(), {"taken_at": "2099-01-01T00:00:00+08:00"}, 422, "future"),
    "bad client_key": (jpeg(), {"client_key": "not-a-uuid"}, 422, "client_key"),
    "long caption": (jpeg(), {"caption": "字" * 2001}, 422, "caption"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_uploads_are_refused_with_a_reason_and_nothing_written(client, engine, memorial, case):
    data, fields, expected, reason = BAD_UPLOADS[case]
    before = (row_count(engine, "photos"), row_count(engine, "audit_log"))
    response = _post(client, _site_url(memorial), data, **fields)
    assert response.status_code == expected, response.text
    assert reason in response.json()["detail"]
    assert (row_count(engine, "photos"), row_count(engine, "audit_log")) == before


def test_a_request_without_a_file_is_refused(client, engine, memorial):
    before = row_count(engine, "photos")
    response = client.post(_site_url(memorial), data={"caption": "no file"})
    assert response.status_code == 422 and "file" in response.json()["detail"]
    assert row_count(engine, "photos") == before


@pytest.fixture(scope="module")
def small_limits_client(settings: Settings, admin_api_token: str, client: TestClient) -> Iterator[TestClient]:
    """A client on an app whose photos may have at most 4096 bytes and 10 000 pixels."""
    upkeep = UpkeepSettings(photo_max_bytes=4096, photo_max_pixels=10_000)
    headers = {"Authorization": f"Bearer {admin_api_token}"}
    with TestClient(create_app(settings, upkeep=upkeep), headers=headers) as c:
        yield c


def test_limits_of_bytes_and_pixels_come_from_the_settings(small_limits_client, engine, memorial):
    url = _site_url(memorial)
    before = row_count(engine, "photos")
    big = noise(64, "PNG")
    assert 4096 < len(big) < 60_000
    too_big = _post(small_limits_client, url, big)
    assert too_big.status_code == 413 and "超过上限 4096 字节（4.0 KiB）" in too_big.json()["detail"]
    too_many = _post(small_limits_client, url, image("PNG", (200, 100), 128))
    assert too_many.status_code == 413 and "20000 像素" in too_many.json()["detail"]
    # a body far past the photo limit (and its multipart room) is cut off by the body limit
    huge = _post(small_limits_client, url, b"\xff" * 200_000)
    assert huge.status_code == 413 and "limit" in huge.json()["detail"]
    assert row_count(engine, "photos") == before
    assert _post(small_limits_client, url, image("PNG", (100, 100), 128)).status_code == 201


def test_a_photo_over_the_default_body_limit_is_accepted(client, memorial):
    """The default body limit (2 MiB) does not apply to photos: their own limit (10 MiB) does."""
    data = noise(1000, "PNG")
    assert len(data) > 2 * 1024 * 1024
    response = _post(client, _site_url(memorial), data)
    assert response.status_code == 201, response.text
    assert response.json()["byte_size"] == len(data)


def test_an_inspection_of_another_site_takes_no_photo(client, engine, memorial, inspection):
    other = make_site(client, "memorials", name="另一纪念碑")
    before = row_count(engine, "photos")
    response = _post(client, f"/api/v1/memorials/{other['id']}/inspections/{inspection['id']}/photos", jpeg())
    assert response.status_code == 404
    assert _post(client, f"/api/v1/stations/{memorial['id']}/photos", jpeg()).status_code == 404
    assert row_count(engine, "photos") == before


# -- work orders -----------------------------------------------------------------------------------------------


def _order_in(client: TestClient, engine: Engine, site: dict, status: str, assignee: int | None) -> dict:
    body = {"collection": "memorials", "site_id": site["id"], "title": "碑座裂缝"}
    order = client.post("/api/v1/work-orders", json=body).json()
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE work_orders SET status = :s, assigned_to = :a WHERE id = :id"),
            {"s": status, "a": assignee, "id": order["id"]},
        )
    return order


def test_before_and_after_photos_of_a_work_order(client, engine, memorial, accounts):
    crew_id, crew = accounts["crew-in"]
    order = _order_in(client, engine, memorial, "in_progress", crew_id)
    url = f"/api/v1/work-orders/{order['id']}/photos"
    before = _post(client, url, jpeg(), stage="before", headers=crew)
    after = _post(client, url, image("PNG", (60, 30), 128), stage="after", headers=crew)
    assert before.status_code == after.status_code == 201, before.text + after.text
    assert before.json()["stage"] == "before" and after.json()["stage"] == "after"
    assert before.json()["work_order_id"] == order["id"] and before.json()["site_id"] == memorial["id"]
    listing = client.get(url, headers=crew).json()
    assert listing["numberMatched"] == 2 and {p["stage"] for p in listing["photos"]} == {"before", "after"}
    shown = client.get(f"/api/v1/work-orders/{order['id']}").json()["photos"]
    assert [p["id"] for p in shown] == [before.json()["id"], after.json()["id"]]
    planner = _post(client, url, jpeg(), stage="after", headers=headers_of(accounts, "planner-in"))
    assert planner.status_code == 201, planner.text


@pytest.mark.parametrize(
    ("key", "status", "expected"),
    [
        ("crew2-in", "in_progress", 403),  # not assigned to it
        ("crew-out", "in_progress", 403),  # another area
        ("planner-out", "in_progress", 403),
        ("anonymous", "in_progress", 401),
        ("crew-in", "verified", 409),  # closed
        ("admin-in", "rejected", 409),
    ],
)
def test_who_may_add_work_order_photos(
    client, anon_client, engine, memorial, accounts, key, status, expected
):
    order = _order_in(client, engine, memorial, status, accounts["crew-in"][0])
    before = row_count(engine, "photos")
    http, headers = (anon_client, {}) if key == "anonymous" else (client, headers_of(accounts, key))
    response = _post(
        http, f"/api/v1/work-orders/{order['id']}/photos", jpeg(), stage="before", headers=headers
    )
    assert response.status_code == expected, response.text
    assert row_count(engine, "photos") == before


@pytest.mark.parametrize("stage", ["site", "inspection", "during", ""])
def test_a_work_order_photo_needs_stage_before_or_after(client, engine, memorial, accounts, stage):
    order = _order_in(client, engine, memorial, "in_progress", accounts["crew-in"][0])
    before = row_count(engine, "photos")
    response = _post(client, f"/api/v1/work-orders/{order['id']}/photos", jpeg(), stage=stage)
    assert response.status_code == 422 and "stage" in response.json()["detail"]
    assert _post(client, f"/api/v1/work-orders/{order['id']}/photos", jpeg()).status_code == 422
    assert row_count(engine, "photos") == before
    assert _post(client, "/api/v1/work-orders/999999999/photos", jpeg(), stage="before").status_code == 404


# -- who may add and read site and inspection photos -----------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("crew-in", 201),
        ("admin-in", 201),
        ("planner-in", 403),
        ("crew-out", 403),
        ("admin-out", 403),
        ("anonymous", 401),
    ],
)
def test_who_may_add_site_and_inspection_photos(
    client, anon_client, engine, memorial, inspection, accounts, key, expected
):
    http, headers = (anon_client, {}) if key == "anonymous" else (client, headers_of(accounts, key))
    inspection_url = f"/api/v1/memorials/{memorial['id']}/inspections/{inspection['id']}/photos"
    for url in (_site_url(memorial), inspection_url):
        before = row_count(engine, "photos")
        response = _post(http, url, jpeg(), headers=headers)
        assert response.status_code == expected, response.text
        assert row_count(engine, "photos") == before + (1 if expected == 201 else 0)


def test_who_may_read_photos(client, anon_client, engine, memorial, inspection, accounts):
    url = f"/api/v1/memorials/{memorial['id']}/inspections/{inspection['id']}/photos"
    photo = _post(client, url, jpeg(), headers=headers_of(accounts, "crew-in")).json()
    for key in ("crew-in", "planner-in", "admin-in"):
        assert client.get(photo["url"], headers=headers_of(accounts, key)).status_code == 200
        assert client.get(url, headers=headers_of(accounts, key)).status_code == 200
    for key in ("crew-out", "planner-out"):
        assert client.get(photo["url"], headers=headers_of(accounts, key)).status_code == 403
        assert client.get(photo["thumbnail_url"], headers=headers_of(accounts, key)).status_code == 403
        assert client.get(url, headers=headers_of(accounts, key)).status_code == 403
    assert anon_client.get(photo["url"]).status_code == 401
    assert anon_client.get(photo["thumbnail_url"]).status_code == 401
    assert anon_client.get(url).status_code == 401
    assert client.get("/api/v1/photos/999999999").status_code == 404


def test_the_public_sees_only_public_photos_of_a_site(client, anon_client, engine):
    site = make_site(client, "graves")
    hidden = _post(client, _site_url(site, "graves"), jpeg()).json()
    shown = _post(client, _site_url(site, "graves"), image("PNG", (60, 30), 128)).json()
    with engine.begin() as conn:  # issue 7 will publish photos; here the flag is set by hand
        conn.execute(text("UPDATE photos SET public = true WHERE id = :id"), {"id": shown["id"]})
    staff = client.get(_site_url(site, "graves")).json()
    assert staff["numberMatched"] == 2 and [p["id"] for p in staff["photos"]] == [shown["id"], hidden["id"]]
    public = anon_client.get(_site_url(site, "graves")).json()
    assert public["numberMatched"] == 1 and public["photos"][0]["id"] == shown["id"]
    assert anon_client.get(shown["url"]).status_code == 200
    assert anon_client.get(hidden["url"]).status_code == 401
    assert client.get(_site_url(site, "graves") + "?stage=site&limit=1").json()["numberReturned"] == 1
    assert client.get(_site_url(site, "graves") + "?stage=during").status_code == 422


def test_an_inspection_lists_its_photos(client, memorial, inspection):
    url = f"/api/v1/memorials/{memorial['id']}/inspections/{inspection['id']}"
    photo = _post(client, f"{url}/photos", jpeg()).json()
    shown = client.get(url).json()["photos"]
    assert {
        "id": photo["id"],
        "stage": "inspection",
        "url": photo["url"],
        "thumbnail_url": photo["thumbnail_url"],
    } in shown


def test_photos_are_audited_without_their_bytes(client, engine, memorial):
    photo = _post(client, _site_url(memorial), jpeg()).json()
    with engine.connect() as conn:
        entry = conn.execute(
            text(
                "SELECT action, area_code, after FROM audit_log WHERE collection = 'photos' AND record_id = :id"
            ),
            {"id": photo["id"]},
        ).one()
    assert entry.action == "create" and entry.area_code.startswith(COUNTY)
    assert entry.after["sha256"] == photo["sha256"] and "data" not in entry.after


def test_photos_of_graves_and_cemeteries_in_their_own_area(client, accounts):
    crew = headers_of(accounts, "crew-out")
    grave = make_site_at(client, "graves", OTHER_POINT)
    cemetery = make_site_at(client, "cemeteries", OTHER_POINT)
    assert _post(client, _site_url(grave, "graves"), jpeg(), headers=crew).status_code == 201
    assert _post(client, _site_url(cemetery, "cemeteries"), jpeg(), headers=crew).status_code == 201
    assert (
        _post(client, _site_url(grave, "graves"), jpeg(), headers=headers_of(accounts, "crew-in")).status_code
        == 403
    )


def test_the_openapi_document_declares_the_uploads_as_multipart(anon_client):
    paths = anon_client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/memorials/{site_id}/photos",
        "/api/v1/graves/{site_id}/inspections/{inspection_id}/photos",
        "/api/v1/work-orders/{order_id}/photos",
    ):
        post = paths[path]["post"]
        assert "multipart/form-data" in post["requestBody"]["content"], path
        assert {"200", "201", "413", "415"} <= set(post["responses"]), path
    assert (
        "get" in paths["/api/v1/photos/{photo_id}"] and "get" in paths["/api/v1/photos/{photo_id}/thumbnail"]
    )


# -- memory: decoding is bounded (issue 18) ----------------------------------------------------------------------

HUGE_SIDE = 7070  # 7070 x 7070 = 49,984,900 pixels: under the pixel limit, 190 MiB of RGBA once decoded


@pytest.fixture(scope="module")
def hostile_images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 7070 x 7070 transparent PNG (about 190 KB), a 4000 x 3000 one (46 MiB decoded, under the decoding limit)
    and a 6000 x 4000 JPEG of one colour (a phone's 24 megapixels), as files."""
    folder = tmp_path_factory.mktemp("hostile-images")
    files = {"huge.png": blank_png(HUGE_SIDE, HUGE_SIDE), "large.png": blank_png(4000, 3000)}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    flat_jpeg(6000, 4000, folder / "phone.jpg")
    return {name: folder / name for name in (*files, "phone.jpg")}


def test_a_photo_too_large_to_decode_is_refused_from_its_header_with_a_reason_in_chinese(
    client, engine, memorial, hostile_images
):
    data = hostile_images["huge.png"].read_bytes()
    assert len(data) < 300_000
    before = (row_count(engine, "photos"), row_count(engine, "audit_log"))
    response = _post(client, _site_url(memorial), data, name="huge.png", ctype="image/png")
    assert response.status_code == 413, response.text
    detail = response.json()["detail"]
    assert "7070 × 7070" in detail and "解码" in detail and "MiB" in detail and "/" not in detail
    english = _post(client, _site_url(memorial) + "?lang=en", data, name="huge.png", ctype="image/png")
    assert english.status_code == 413 and "decoding it takes" in english.json()["detail"]
    assert (row_count(engine, "photos"), row_count(engine, "audit_log")) == before


DECODE = """
from geo.settings import UpkeepSettings
from geo.upkeep.photos import decode_photo
data = open({path!r}, "rb").read()
"""


@pytest.mark.parametrize(
    ("name", "refused", "bound_mib"),
    [("huge.png", True, 16), ("phone.jpg", False, 24), ("large.png", False, 64)],
    ids=["refused from its header", "a JPEG decoded at a reduced size", "a PNG decoded once, no copies"],
)
def test_decoding_a_photo_takes_a_bounded_memory(hostile_images, name, refused, bound_mib):
    growth, outcome = peak_growth(
        DECODE.format(path=str(hostile_images[name])), "decode_photo(data, UpkeepSettings()).width"
    )
    if refused:
        assert outcome["error"] == "PayloadTooLarge", outcome
    else:
        assert "value" in outcome, outcome
    assert growth < bound_mib, f"decoding {name} grew the peak memory by {growth:.0f} MiB"


def test_one_decode_at_a_time_and_a_busy_answer_when_the_wait_is_over(settings, admin_api_token, memorial):
    upkeep = UpkeepSettings(photo_decode_wait_s=0)
    headers = {"Authorization": f"Bearer {admin_api_token}"}
    with TestClient(create_app(settings, upkeep=upkeep), headers=headers) as c, decoding_slot(upkeep):
        busy = _post(c, _site_url(memorial), jpeg())
    assert busy.status_code == 503 and int(busy.headers["retry-after"]) >= 1
    assert "正在处理其他照片" in busy.json()["detail"] and "秒后再试" in busy.json()["detail"]
    with TestClient(create_app(settings, upkeep=upkeep), headers=headers) as c:
        assert _post(c, _site_url(memorial), jpeg()).status_code == 201
