"""Photos of sites, inspections and work orders (before / after): checked, thumbnailed and kept in the database.

An upload is judged by decoding it with Pillow, never by the client's Content-Type or file name: only JPEG
(phones' MPO JPEGs included), PNG and WebP are accepted (anything else: UnsupportedMediaType, HTTP 415). A file
over ``UpkeepSettings.photo_max_bytes`` bytes or ``photo_max_pixels`` pixels (width x height), or whose decoding
would take more than ``photo_decode_max_bytes`` of memory (width x height x bytes per pixel as Pillow stores them),
is refused with PayloadTooLarge (413), all read from the header before any pixel is decoded
(``read_photo_header``), so a decompression bomb costs nothing; an empty file, or a known format that does not
decode (truncated, damaged), with InvalidInput (422). Decoding then bounds its memory three ways: a JPEG is
decoded at the smallest DCT scale (1/2 to 1/8) still twice the thumbnail, the full-size pixels are reduced before
any conversion copies them, and a worker decodes one photo at a time (``decoding_slot``: an upload that cannot have
the slot within ``photo_decode_wait_s`` gets Busy, 503). The original is stored byte for byte as uploaded (it is
evidence: EXIF kept); a JPEG thumbnail of at most ``THUMBNAIL_PX`` pixels a side, turned upright by its EXIF
orientation, is stored with it. Refusals carry a message catalogue key (``photo.*``) for the caller's language.

Position: the phone's own fix (``lon``/``lat``/``accuracy_m`` of the form, ``position_source = 'device'``) wins;
else the image's EXIF GPS (degrees, minutes, seconds with their N/S/E/W references, accuracy from
GPSHPositioningError, ``'exif'``); else none. Both are WGS-84 longitude/latitude (a phone's GPS, in China too,
is WGS-84; the GCJ-02 offset belongs to consumer basemaps, not to the receiver). ``taken_at``: the form's value
(with a time zone), else EXIF DateTimeOriginal with OffsetTimeOriginal, read as China Standard Time (+08:00)
when the camera wrote no offset.

Who may add photos (the actions of geo/accounts/permissions.py, in the site's area): site and inspection photos need
``inspections.create`` (crews and admins); a work order's before/after photos need ``work_orders.update``
(planners and admins of the area on any of its orders, a crew only on orders assigned to it), and a closed
order (verified, rejected, duplicate) takes no more photos. Reads: staff of the site's area
(``inspections.read``, or ``work_orders.read`` for a work order's photos); a photo marked ``public`` (issue 7)
is readable by anyone. Nothing is public when stored, the photos of public damage reports included: staff of the
photo's area publish it (``photos.publish``: ``set_photo_public``) and may withdraw it again.

Replay keys: an upload may carry ``client_key`` (a UUID the phone made). Sent again with the same key, the
same bytes, by the same account, to the same place, it answers the photo stored the first time (no second
row, no second audit entry); the key used for anything else is a Conflict. The insert is
``ON CONFLICT (client_key) DO NOTHING`` followed by a read, so two identical uploads at once still make one row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import math
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PIL import ExifTags, Image, ImageOps
from sqlalchemy import Connection, text

from geo.accounts.audit import Actor, record
from geo.accounts.permissions import authorize, covers, require_right
from geo.errors import (
    Busy,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from geo.kit.china_time import CHINA_TIME  # an EXIF time without an offset is China time
from geo.kit.sizes import size_text
from geo.models import PHOTO_STAGES
from geo.principal import Principal
from geo.settings import MIB, UpkeepSettings
from geo.upkeep.inspections import site_area

ACCEPTED_FORMATS: dict[str, str] = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",  # a JPEG with a second picture (phones' depth maps): still a JPEG file
    "PNG": "image/png",
    "WEBP": "image/webp",
}
"""Pillow format name → the content type the photo is stored and served with."""
_DECODERS = ("JPEG", "PNG", "WEBP")  # the only Pillow plugins that parse an upload
THUMBNAIL_PX = 320
"""Largest side of a thumbnail, pixels."""
CAPTION_MAX = 2000
CLOSED_ORDER_STATES = frozenset({"verified", "rejected", "duplicate"})
WORK_ORDER_STAGES = ("before", "after")


@dataclass(frozen=True)
class PhotoUpload:
    """One uploaded file and the form fields with it; the position is WGS-84 degrees, accuracy in metres."""

    data: bytes
    client_key: uuid.UUID | None = None
    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None
    caption: str | None = None
    taken_at: dt.datetime | None = None


@dataclass(frozen=True)
class PhotoTarget:
    """What a photo shows: a site (stage ``site``), an inspection of it, or a work order (``before``/``after``)."""

    stage: str
    collection: str | None = None
    site_id: int | None = None
    inspection_id: int | None = None
    work_order_id: int | None = None


@dataclass(frozen=True)
class DecodedPhoto:
    """What decoding an upload found: its type, size, thumbnail, and EXIF position (WGS-84) and time."""

    content_type: str
    width: int
    height: int
    thumbnail: bytes
    exif_lon: float | None = None
    exif_lat: float | None = None
    exif_accuracy_m: float | None = None
    exif_taken_at: dt.datetime | None = None


# -- decoding ------------------------------------------------------------------------------------------------

_DECODING = threading.BoundedSemaphore(1)
"""One decode at a time in a worker process: the memory of decoding is then one photo's, however many upload."""
_DECODER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="photo-decode")
"""The thread every decode runs on (started at the first): the memory a decode frees stays in that thread's malloc
arena for the next one to reuse, where decoding on each request's thread would leave a photo's worth in each."""
BUSY_RETRY_S = 5
"""Retry-After of an upload that found the decoding slot taken for too long, seconds."""


@dataclass(frozen=True)
class PhotoHeader:
    """What an upload's header says before any pixel is decoded: its Pillow format, its size in pixels, and the
    bytes decoding it takes (at the reduced scale a JPEG is decoded at)."""

    fmt: str
    width: int
    height: int
    decode_bytes: int


def _mib(n: int) -> float:
    return round(n / MIB, 1)


def _sniff(data: bytes) -> str | None:
    """The format Pillow's header parsers see in ``data`` (any format, for the message), or None."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.format
    except Exception:  # noqa: BLE001 - anything unreadable is simply "not an image"
        return None


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data), formats=_DECODERS)


def _pixel_bytes(mode: str) -> int:
    """Bytes Pillow keeps per pixel of an image in ``mode`` (1, L and P one, 16-bit greys two, the rest four:
    RGB is stored in four too)."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def _reduce_on_decode(img: Image.Image) -> None:
    """Ask the decoder for a reduced scale still at least twice the thumbnail (JPEG's DCT scaling, 1/2 to 1/8);
    the other formats decode whole."""
    img.draft(None, (2 * THUMBNAIL_PX, 2 * THUMBNAIL_PX))


def _check_pixels(img: Image.Image, max_pixels: int) -> None:
    width, height = img.size
    if width <= 0 or height <= 0:
        raise InvalidInput(
            f"the image claims an impossible size of {width} x {height} pixels",
            key="photo.impossible_size",
            params={"width": width, "height": height},
        )
    if width * height > max_pixels:
        raise PayloadTooLarge(
            f"the image has {width} x {height} = {width * height} pixels, over the limit of {max_pixels} pixels",
            key="photo.too_many_pixels",
            params={"width": width, "height": height, "pixels": width * height, "limit": max_pixels},
        )


def _too_many_pixels(max_pixels: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the image has more pixels than the limit of {max_pixels} pixels",
        key="photo.pixels_over",
        params={"limit": max_pixels},
    )


def _not_accepted(found: str | None) -> UnsupportedMediaType:
    if found:
        return UnsupportedMediaType(
            f"the file is a {found} image; a photo must be JPEG, PNG or WebP (judged by its content, not its name)",
            key="photo.other_format",
            params={"found": found},
        )
    return UnsupportedMediaType(
        "the file is not an image Pillow can read; a photo must be JPEG, PNG or WebP (judged by its content, "
        "not its name)",
        key="photo.not_an_image",
    )


def _damaged() -> InvalidInput:
    return InvalidInput(
        "the image is damaged or truncated: send the photo again, as the camera saved it", key="photo.damaged"
    )


def _header(data: bytes, settings: UpkeepSettings) -> PhotoHeader:
    with _open(data) as img:
        _check_pixels(img, settings.photo_max_pixels)
        img.verify()  # chunk checksums and structure, no pixel decoded
        fmt, (width, height) = img.format or "", img.size
    if fmt not in ACCEPTED_FORMATS:
        raise _not_accepted(fmt)
    with _open(data) as img:  # verify() spends the image: open it again to ask for the decoding scale
        _reduce_on_decode(img)
        decode_bytes = img.width * img.height * _pixel_bytes(img.mode)
    if decode_bytes > settings.photo_decode_max_bytes:
        raise PayloadTooLarge(
            f"the image is {width} x {height} pixels: decoding it takes {_mib(decode_bytes)} MiB of memory, over "
            f"the limit of {_mib(settings.photo_decode_max_bytes)} MiB; send it smaller, or as a JPEG",
            key="photo.too_big_to_decode",
            params={
                "width": width,
                "height": height,
                "need_mib": _mib(decode_bytes),
                "limit_mib": _mib(settings.photo_decode_max_bytes),
            },
        )
    return PhotoHeader(fmt, width, height, decode_bytes)


def read_photo_header(data: bytes, settings: UpkeepSettings) -> PhotoHeader:
    """Check an upload from its bytes and header alone (size in bytes, format, pixels, the memory decoding it takes);
    raises InvalidInput, PayloadTooLarge or UnsupportedMediaType, with nothing decoded."""
    if not data:
        raise InvalidInput("the file is empty: send a JPEG, PNG or WebP photo", key="photo.empty")
    if len(data) > settings.photo_max_bytes:
        size, limit = size_text(len(data)), size_text(settings.photo_max_bytes)
        raise PayloadTooLarge(
            f"the photo is {len(data)} bytes ({size}), over the limit of {settings.photo_max_bytes} bytes ({limit})",
            key="photo.too_many_bytes",
            params={
                "size": len(data),
                "size_text": size,
                "limit": settings.photo_max_bytes,
                "limit_text": limit,
            },
        )
    try:
        return _header(data, settings)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(settings.photo_max_pixels) from None
    except Image.UnidentifiedImageError:
        raise _not_accepted(_sniff(data)) from None
    except InvalidInput:  # PayloadTooLarge and UnsupportedMediaType too
        raise
    except Exception:  # noqa: BLE001 - every parser error is a damaged file, never a 500
        raise _damaged() from None


@contextlib.contextmanager
def decoding_slot(settings: UpkeepSettings) -> Iterator[None]:
    """Hold the worker's one decoding slot; Busy (HTTP 503) when it is not free within ``photo_decode_wait_s``."""
    if not _DECODING.acquire(timeout=settings.photo_decode_wait_s):
        raise Busy(
            f"the server is decoding other photos: try again in {BUSY_RETRY_S} seconds",
            BUSY_RETRY_S,
            key="photo.busy",
            params={"seconds": BUSY_RETRY_S},
        )
    try:
        yield
    finally:
        _DECODING.release()


def _flatten(img: Image.Image) -> Image.Image:
    """An RGB copy, transparency composited over white, 16-bit greys scaled to 8 bits."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        img = img.point(lambda v: v / 256).convert("L")
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(canvas, rgba).convert("RGB")
    return img.convert("RGB")


_STRIP_BYTES = 4 * MIB
"""Most bytes of full-size pixels copied at once while an image with transparency is reduced."""


def _shrunk(img: Image.Image) -> Image.Image:
    """A copy reduced by a whole factor to at least twice the thumbnail, before any conversion copies full-size
    pixels: averaged (images with transparency a strip at a time, as Pillow premultiplies a copy of what it
    reduces); palette, bilevel and 16-bit images, which cannot be averaged as stored, sampled."""
    factor = max(1, max(img.size) // (2 * THUMBNAIL_PX))
    if factor == 1:
        return img
    size = (-(-img.width // factor), -(-img.height // factor))
    if img.mode in ("1", "P", "PA") or img.mode.startswith("I;16"):
        return img.resize(size, Image.Resampling.NEAREST)
    if img.mode not in ("LA", "RGBA"):
        return img.reduce(factor)
    out = Image.new(img.mode, size)
    step = factor * max(1, _STRIP_BYTES // (img.width * factor * 4))  # whole blocks of rows per strip
    for top in range(0, img.height, step):
        strip = img.crop((0, top, img.width, min(top + step, img.height)))
        out.paste(strip.reduce(factor), (0, top // factor))
    out.info = dict(img.info)  # the EXIF orientation goes with the pixels
    return out


def _thumbnail(img: Image.Image) -> bytes:
    """A JPEG of at most THUMBNAIL_PX a side, upright (the copies keep the EXIF orientation)."""
    small = _shrunk(img)
    small = small if small.mode in ("RGB", "L") else _flatten(small)
    small.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    with contextlib.suppress(Exception):  # a broken orientation tag leaves the picture as stored
        small = ImageOps.exif_transpose(small)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


def _ratio(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) else None


def _ref(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value or "").strip().strip("\x00").upper()[:1]


def _degrees(dms: Any, ref: Any, positive: str, negative: str, limit: float) -> float | None:
    """Decimal degrees of EXIF (degrees, minutes, seconds) rationals and an N/S or E/W reference."""
    direction = _ref(ref)
    if direction not in (positive, negative) or not isinstance(dms, tuple | list) or not 1 <= len(dms) <= 3:
        return None
    parts = [_ratio(v) for v in dms]
    if any(p is None or p < 0 for p in parts):
        return None
    parts += [0.0] * (3 - len(parts))
    deg, minutes, seconds = parts
    if minutes >= 60 or seconds >= 60:
        return None
    value = deg + minutes / 60 + seconds / 3600
    if value > limit:
        return None
    return -value if direction == negative else value


def exif_position(exif: Image.Exif) -> tuple[float, float, float | None] | None:
    """(lon, lat, accuracy in metres or None) of EXIF GPS tags in WGS-84 degrees, or None without a valid fix."""
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if not gps or _ref(gps.get(ExifTags.GPS.GPSStatus)) == "V":  # V: the receiver had no fix (void)
        return None
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "N", "S", 90)
    lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "E", "W", 180)
    if lat is None or lon is None:
        return None
    accuracy = _ratio(gps.get(ExifTags.GPS.GPSHPositioningError))
    return lon, lat, accuracy if accuracy is not None and accuracy >= 0 else None


def exif_taken_at(exif: Image.Exif) -> dt.datetime | None:
    """EXIF DateTimeOriginal with OffsetTimeOriginal (China Standard Time when absent), or None."""
    tags = exif.get_ifd(ExifTags.IFD.Exif)
    raw = tags.get(ExifTags.Base.DateTimeOriginal)
    if not isinstance(raw, str):
        return None
    try:
        when = dt.datetime.strptime(raw.strip().strip("\x00"), "%Y:%m:%d %H:%M:%S")
    except ValueError:  # "0000:00:00 00:00:00" and other placeholders
        return None
    offset = tags.get(ExifTags.Base.OffsetTimeOriginal)
    zone = CHINA_TIME
    if isinstance(offset, str):
        try:
            zone = dt.datetime.strptime(offset.strip().strip("\x00"), "%z").tzinfo or CHINA_TIME
        except ValueError:
            zone = CHINA_TIME
    taken = when.replace(tzinfo=zone)
    return (
        None if taken > dt.datetime.now(dt.UTC) + dt.timedelta(days=1) else taken
    )  # a camera clock gone wrong


def decode_photo(data: bytes, settings: UpkeepSettings, header: PhotoHeader | None = None) -> DecodedPhoto:
    """Decode an upload for real and make its thumbnail, one decode at a time per worker and within
    ``photo_decode_max_bytes`` of memory; raises InvalidInput, PayloadTooLarge, UnsupportedMediaType or Busy.

    ``header``: what ``read_photo_header`` found for these bytes, when the caller has checked them already."""
    header = header or read_photo_header(data, settings)
    with decoding_slot(settings):
        return _DECODER.submit(_decode, data, header, settings).result()


def _decode(data: bytes, header: PhotoHeader, settings: UpkeepSettings) -> DecodedPhoto:
    try:
        with _open(data) as img:
            _reduce_on_decode(img)
            img.load()  # every pixel (at the reduced scale): a truncated or damaged file fails here
            exif = img.getexif()
            position = exif_position(exif)
            taken_at = exif_taken_at(exif)
            thumbnail = _thumbnail(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(settings.photo_max_pixels) from None
    except Exception:  # noqa: BLE001 - every decoder error is a damaged file, never a 500
        raise _damaged() from None
    lon, lat, accuracy = position if position else (None, None, None)
    content_type = ACCEPTED_FORMATS[header.fmt]
    return DecodedPhoto(content_type, header.width, header.height, thumbnail, lon, lat, accuracy, taken_at)


# -- records ---------------------------------------------------------------------------------------------------

_COLUMNS = (
    "id, collection, site_id, area_code, stage, inspection_id, work_order_id, content_type, byte_size, width, "
    "height, sha256, ST_X(position) AS lon, ST_Y(position) AS lat, position_accuracy_m AS accuracy_m, "
    "position_source, taken_at, caption, public, uploaded_by, uploaded_at, client_key"
)


def photo_url(photo_id: int) -> str:
    """The API path of a photo's bytes."""
    return f"/api/v1/photos/{photo_id}"


def _as_dict(row) -> dict:
    out: dict[str, Any] = {}
    for key, value in row._mapping.items():
        if isinstance(value, dt.datetime):
            value = value.isoformat()
        elif isinstance(value, uuid.UUID):
            value = str(value)
        out[key] = value
    out["url"] = photo_url(out["id"])
    out["thumbnail_url"] = f"{photo_url(out['id'])}/thumbnail"
    return out


def _read(conn: Connection, where: str, params: dict) -> dict | None:
    row = conn.execute(text(f"SELECT {_COLUMNS} FROM photos WHERE {where}"), params).first()
    return None if row is None else _as_dict(row)


def _inspection_of(conn: Connection, collection: str, site_id: int, inspection_id: int) -> None:
    found = conn.execute(
        text("SELECT collection, site_id FROM inspections WHERE id = :id"), {"id": inspection_id}
    ).first()
    if found is None or (found.collection, found.site_id) != (collection, site_id):
        raise NotFound(f"no inspection {inspection_id} of {collection} {site_id}")


def _work_order(conn: Connection, order_id: int, lock: bool = False) -> Any:
    suffix = " FOR SHARE" if lock else ""
    row = conn.execute(
        text(
            f"SELECT collection, site_id, area_code, status, assigned_to FROM work_orders WHERE id = :id{suffix}"
        ),
        {"id": order_id},
    ).first()
    if row is None:
        raise NotFound(f"no work order with id {order_id}")
    return row


@dataclass(frozen=True)
class _Place:
    """Where a photo goes: the target with its site filled in, the site's area, and why a new photo may not go
    there now (checked after a replay, so a copy sent again still finds the photo stored before)."""

    target: PhotoTarget
    area: str
    closed: str | None = None


def _place(conn: Connection, principal: Principal, target: PhotoTarget) -> _Place:
    """Check that the principal may add a photo to the target (rights, area, assignee)."""
    if target.stage not in PHOTO_STAGES:
        raise InvalidInput(f"unknown stage {target.stage!r}; expected one of: {', '.join(PHOTO_STAGES)}")
    if target.stage in WORK_ORDER_STAGES:
        if target.work_order_id is None:
            raise InvalidInput("a before/after photo belongs to a work order")
        require_right(principal, "work_orders.update")
        order = _work_order(conn, target.work_order_id, lock=True)
        authorize(principal, "work_orders.update", [order.area_code])
        if principal.role == "crew" and order.assigned_to != principal.user_id:
            raise Forbidden(f"{principal.username} may add photos only to work orders assigned to it")
        closed = None
        if order.status in CLOSED_ORDER_STATES:
            closed = f"work order {target.work_order_id} is {order.status} (closed): it takes no more photos"
        place = PhotoTarget(target.stage, order.collection, order.site_id, None, target.work_order_id)
        return _Place(place, order.area_code, closed)
    if target.collection is None or target.site_id is None:
        raise InvalidInput(f"a {target.stage} photo belongs to a site")
    require_right(principal, "inspections.create")
    area = site_area(conn, target.collection, target.site_id)
    authorize(principal, "inspections.create", [area])
    if target.stage == "inspection":
        if target.inspection_id is None:
            raise InvalidInput("an inspection photo belongs to an inspection")
        _inspection_of(conn, target.collection, target.site_id, target.inspection_id)
        return _Place(target, area)
    return _Place(PhotoTarget("site", target.collection, target.site_id), area)


def _check_upload(upload: PhotoUpload) -> None:
    if (upload.lon is None) != (upload.lat is None):
        raise InvalidInput("give both lon and lat of the position, or neither")
    if upload.lon is not None and not (-180 <= upload.lon <= 180 and -90 <= upload.lat <= 90):
        raise InvalidInput("the position must be WGS-84 longitude -180..180 and latitude -90..90")
    if upload.accuracy_m is not None and (
        not math.isfinite(upload.accuracy_m) or upload.accuracy_m < 0 or upload.lon is None
    ):
        raise InvalidInput("accuracy_m is a non-negative number of metres, and only with lon and lat")
    if upload.caption is not None and len(upload.caption) > CAPTION_MAX:
        raise InvalidInput(f"the caption has {len(upload.caption)} characters, more than {CAPTION_MAX}")
    if upload.taken_at is not None:
        if upload.taken_at.tzinfo is None:
            raise InvalidInput("taken_at needs a time zone (e.g. 2026-04-04T09:30:00+08:00)")
        if upload.taken_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):
            raise InvalidInput("taken_at lies in the future")


def _same_submission(found: dict, target: PhotoTarget, principal: Principal, sha256: str) -> bool:
    return (
        principal.user_id is not None
        and found["uploaded_by"] == principal.user_id
        and (found["stage"], found["collection"], found["site_id"])
        == (target.stage, target.collection, target.site_id)
        and (found["inspection_id"], found["work_order_id"]) == (target.inspection_id, target.work_order_id)
        and found["sha256"] == sha256
    )


def _replay(
    conn: Connection, principal: Principal, target: PhotoTarget, key: uuid.UUID, sha256: str
) -> dict | None:
    """The photo an earlier upload with ``key`` stored, if it was this same upload; Conflict if it was another."""
    found = _read(conn, "client_key = :key", {"key": key})
    if found is None:
        return None
    if not _same_submission(found, target, principal, sha256):
        raise Conflict(
            f"client_key {key} was already used for another upload (other bytes, place or account): "
            "each new photo needs a key of its own"
        )
    return found


def add_photo(
    conn: Connection, actor: Actor, target: PhotoTarget, upload: PhotoUpload, settings: UpkeepSettings
) -> tuple[dict, bool]:
    """Store a checked photo of a site, inspection or work order; (photo, True) when it replays an earlier upload."""
    principal = actor.principal
    where = _place(conn, principal, target)
    place, area = where.target, where.area
    _check_upload(upload)
    sha256 = hashlib.sha256(upload.data).hexdigest()
    if upload.client_key is not None:
        earlier = _replay(conn, principal, place, upload.client_key, sha256)
        if earlier is not None:
            return earlier, True
    if where.closed is not None:
        raise Conflict(where.closed)
    photo = decode_photo(upload.data, settings)
    if upload.lon is not None:
        lon, lat, accuracy, source = upload.lon, upload.lat, upload.accuracy_m, "device"
    elif photo.exif_lon is not None:
        lon, lat, accuracy, source = photo.exif_lon, photo.exif_lat, photo.exif_accuracy_m, "exif"
    else:
        lon = lat = accuracy = source = None
    new_id = conn.execute(
        text(
            "INSERT INTO photos (collection, site_id, area_code, stage, inspection_id, work_order_id, content_type, "
            "byte_size, width, height, sha256, data, thumbnail, position, position_accuracy_m, position_source, "
            "taken_at, caption, uploaded_by, client_key) VALUES (:collection, :site_id, :area, :stage, "
            ":inspection_id, :work_order_id, :content_type, :byte_size, :width, :height, :sha256, :data, "
            ":thumbnail, CASE WHEN CAST(:lon AS float8) IS NULL THEN NULL "
            "ELSE ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), 4326) END, :accuracy, "
            ":source, :taken_at, :caption, :uploaded_by, :client_key) "
            "ON CONFLICT (client_key) DO NOTHING RETURNING id"
        ),
        {
            "collection": place.collection,
            "site_id": place.site_id,
            "area": area,
            "stage": place.stage,
            "inspection_id": place.inspection_id,
            "work_order_id": place.work_order_id,
            "content_type": photo.content_type,
            "byte_size": len(upload.data),
            "width": photo.width,
            "height": photo.height,
            "sha256": sha256,
            "data": upload.data,
            "thumbnail": photo.thumbnail,
            "lon": lon,
            "lat": lat,
            "accuracy": accuracy,
            "source": source,
            "taken_at": upload.taken_at or photo.exif_taken_at,
            "caption": upload.caption,
            "uploaded_by": principal.user_id,
            "client_key": upload.client_key,
        },
    ).scalar_one_or_none()
    if new_id is None:  # a concurrent upload with the same key committed first
        earlier = _replay(conn, principal, place, upload.client_key, sha256)
        if earlier is None:  # pragma: no cover - the conflicting row is committed, so it is visible
            raise Conflict(f"client_key {upload.client_key} is in use by an upload still in progress; retry")
        return earlier, True
    stored = _read(conn, "id = :id", {"id": new_id})
    record(conn, actor, "create", "photos", new_id, area_code=area, after=stored)
    return stored, False


# -- publishing ------------------------------------------------------------------------------------------------

PUBLISH = "photos.publish"


def set_photo_public(conn: Connection, actor: Actor, photo_id: int, public: bool) -> dict:
    """Publish (``public`` True) or withdraw a photo: staff with ``photos.publish`` in the photo's area.

    The photo is then readable by anyone (its bytes, its thumbnail, the site's and the report's pages) or by
    staff only again. Audited as ``publish`` / ``unpublish``; setting the flag it already has changes nothing."""
    principal = actor.principal
    require_right(principal, PUBLISH)
    row = conn.execute(
        text("SELECT area_code, public FROM photos WHERE id = :id FOR UPDATE"), {"id": photo_id}
    ).first()
    if row is None:
        raise NotFound(f"no photo with id {photo_id}")
    authorize(principal, PUBLISH, [row.area_code])
    if row.public != public:
        conn.execute(text("UPDATE photos SET public = :p WHERE id = :id"), {"p": public, "id": photo_id})
        action = "publish" if public else "unpublish"
        record(
            conn,
            actor,
            action,
            "photos",
            photo_id,
            row.area_code,
            before={"public": row.public},
            after={"public": public},
        )
    found = _read(conn, "id = :id", {"id": photo_id})
    if found is None:  # pragma: no cover - the row is locked above
        raise NotFound(f"no photo with id {photo_id}")
    return found


# -- reads -----------------------------------------------------------------------------------------------------


def _read_action(photo: dict) -> str:
    return "work_orders.read" if photo["work_order_id"] is not None else "inspections.read"


def get_photo(conn: Connection, principal: Principal, photo_id: int) -> dict:
    """A photo's record (no bytes): public ones for anyone, others for staff of the site's area."""
    found = _read(conn, "id = :id", {"id": photo_id})
    if found is None:
        raise NotFound(f"no photo with id {photo_id}")
    if not found["public"]:
        authorize(principal, _read_action(found), [found["area_code"]])
    return found


def photo_bytes(
    conn: Connection, principal: Principal, photo_id: int, thumbnail: bool = False
) -> tuple[bytes, dict]:
    """The stored bytes of a photo (or its JPEG thumbnail) and its record, for those who may read it."""
    found = get_photo(conn, principal, photo_id)
    column = "thumbnail" if thumbnail else "data"
    data = conn.execute(text(f"SELECT {column} FROM photos WHERE id = :id"), {"id": photo_id}).scalar_one()
    if data is None:
        raise NotFound(f"photo {photo_id} has no thumbnail")
    return bytes(data), found


@dataclass(frozen=True)
class PhotoFilter:
    """Which photos to list: those of a site (optionally one stage), of an inspection, or of a work order."""

    collection: str | None = None
    site_id: int | None = None
    stage: str | None = None
    inspection_id: int | None = None
    work_order_id: int | None = None


def _list_scope(conn: Connection, principal: Principal, flt: PhotoFilter) -> tuple[list[str], dict]:
    """WHERE clauses and parameters of a listing (the site's non-staff see its public photos only)."""
    if flt.work_order_id is not None:
        order = _work_order(conn, flt.work_order_id)
        authorize(principal, "work_orders.read", [order.area_code])
        return ["work_order_id = :wo"], {"wo": flt.work_order_id}
    if flt.collection is None or flt.site_id is None:
        raise InvalidInput("list the photos of a site, an inspection or a work order")
    if flt.inspection_id is not None:
        require_right(principal, "inspections.read")
        authorize(principal, "inspections.read", [site_area(conn, flt.collection, flt.site_id)])
        _inspection_of(conn, flt.collection, flt.site_id, flt.inspection_id)
        return ["inspection_id = :insp"], {"insp": flt.inspection_id}
    area = site_area(conn, flt.collection, flt.site_id)
    where = ["collection = :c", "site_id = :s"]
    params: dict[str, Any] = {"c": flt.collection, "s": flt.site_id}
    if flt.stage is not None:
        if flt.stage not in PHOTO_STAGES:
            raise InvalidInput(f"unknown stage {flt.stage!r}; expected one of: {', '.join(PHOTO_STAGES)}")
        where.append("stage = :stage")
        params["stage"] = flt.stage
    staff = (
        not principal.is_public and principal.role in ("crew", "planner", "admin") and covers(principal, area)
    )
    if not staff:
        where.append("public")
    return where, params


def list_photos(
    conn: Connection, principal: Principal, flt: PhotoFilter, limit: int, offset: int
) -> tuple[int, list[dict]]:
    """Photos of a site, inspection or work order, newest first, with their count (others: public ones only)."""
    where, params = _list_scope(conn, principal, flt)
    cond = " AND ".join(where)
    total = conn.execute(text(f"SELECT count(*) FROM photos WHERE {cond}"), params).scalar_one()
    rows = conn.execute(
        text(
            f"SELECT {_COLUMNS} FROM photos WHERE {cond} ORDER BY uploaded_at DESC, id DESC LIMIT :l OFFSET :o"
        ),
        {**params, "l": limit, "o": offset},
    )
    return total, [_as_dict(r) for r in rows]


def photo_refs(
    conn: Connection, inspection_id: int | None = None, work_order_id: int | None = None
) -> list[dict]:
    """Id, stage and URLs of the photos of an inspection or work order, oldest first (for embedding in its JSON)."""
    column, value = (
        ("inspection_id", inspection_id) if inspection_id is not None else ("work_order_id", work_order_id)
    )
    rows = conn.execute(text(f"SELECT id, stage FROM photos WHERE {column} = :v ORDER BY id"), {"v": value})
    return [
        {
            "id": r.id,
            "stage": r.stage,
            "url": photo_url(r.id),
            "thumbnail_url": f"{photo_url(r.id)}/thumbnail",
        }
        for r in rows
    ]
