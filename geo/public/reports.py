"""Public damage reports (web form and Open311 GeoReport v2): a pin, a category, a description, photos, a contact.

A report becomes a work order (geo/upkeep/work_orders.py) in triage (status ``reported``) at the nearest memorial,
cemetery or grave within ``ReportSettings.radius_m`` geodesic metres of the pin, with ``source`` ``public`` (the
web form) or ``open311``, the ``category`` (the Open311 service code), the pin (``position``, WGS-84; a pin from
a GCJ-02 basemap is converted first), and the reporter's contact in ``reporter`` (private: staff of the area read
it on the work order, the public never). Its history row and audit entry are written by the work orders' own
helpers, in the caller's transaction. A report is refused (InvalidInput, PayloadTooLarge, UnsupportedMediaType)
before anything is written: a pin outside China or with no site near, no or an unknown category, an empty or huge
description, a malformed e-mail or phone, too many, too large or non-image photos. What is cheap is checked first
(the fields, the photos' number, bytes and headers, then the nearest site); a photo is decoded only for a report
that will be filed, one at a time per worker (geo/upkeep/photos.py).

The public view of a report (``public_request``, ``public_requests``) carries the Open311 fields only: the public
status (open or closed, from the work order's status), the staff's ``public_note`` as ``status_notes``, the
category, description, pin, site and times; never the contact, assignee, costs or internal history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from geo.accounts.audit import Actor, record
from geo.atlas.field_policy import PUBLIC_REPORT_FIELDS
from geo.errors import InvalidInput, NotFound, PayloadTooLarge
from geo.kit.crs import gcj02_to_wgs84, out_of_china
from geo.kit.sizes import size_text
from geo.settings import ReportSettings, UpkeepSettings
from geo.upkeep.photos import DecodedPhoto, PhotoHeader, decode_photo, read_photo_header
from geo.upkeep.work_orders import read_work_order, write_history

SOURCES = ("public", "open311")
OPEN_STATUSES = ("reported", "triaged", "assigned", "in_progress", "done")
CLOSED_STATUSES = ("verified", "rejected", "duplicate")
PUBLIC_STATUS: dict[str, str] = {
    **dict.fromkeys(OPEN_STATUSES, "open"),
    **dict.fromkeys(CLOSED_STATUSES, "closed"),
}
"""Work-order status → the Open311 public status."""
SITE_COLLECTIONS = ("memorials", "cemeteries", "graves")
GRAVE_NAMING_M = 25.0
"""Inside a cemetery, a report names the grave nearest the pin when one lies within this many metres."""
DUPLICATE_RADIUS_M = 50.0
"""Open reports whose pin lies within this many metres of a new pin are offered as the same problem."""
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_PHONE = re.compile(r"^\+?[0-9 ()-]{5,24}$")
NAME_MAX = 50
DESCRIPTION_MIN = 2


@dataclass(frozen=True)
class Service:
    """A report category (an Open311 service): its code, names and descriptions in Chinese and English."""

    code: str
    zh: str
    en: str
    zh_description: str
    en_description: str
    kind: str  # the work-order kind it becomes
    group: str

    def name(self, lang: str) -> str:
        """The name in ``lang`` (zh or en)."""
        return self.en if lang == "en" else self.zh

    def description(self, lang: str) -> str:
        """The description in ``lang`` (zh or en)."""
        return self.en_description if lang == "en" else self.zh_description


SERVICES: tuple[Service, ...] = (
    Service("monument_damage", "碑体/墓体损坏", "Monument or headstone damage",
            "纪念碑、墓碑、墓体、塑像开裂、倾斜、缺损或字迹脱落", "Cracked, leaning or broken monument, "
            "headstone, grave or statue; inscriptions worn away", "repair", "repair"),
    Service("vandalism", "人为破坏", "Vandalism", "涂写、刻画、污损、盗窃或故意毁坏",
            "Graffiti, carving, defacement, theft or deliberate damage", "repair", "repair"),
    Service("litter", "环境卫生", "Litter and cleanliness", "垃圾、杂物、污渍、积水",
            "Litter, rubbish, stains, standing water", "cleaning", "cleaning"),
    Service("overgrown_greenery", "绿化杂草", "Overgrown greenery", "杂草丛生、树木倒伏或遮挡",
            "Weeds, fallen or overgrown trees and shrubs", "cleaning", "cleaning"),
    Service("sign_damage", "标志标牌缺失或损坏", "Missing or damaged sign",
            "保护标志、名牌、指示牌缺失或损坏", "Protection sign, name plate or way sign missing or damaged",
            "repair", "repair"),
    Service("path_damage", "道路台阶损坏", "Path or steps damage", "道路、台阶、广场铺装破损或塌陷",
            "Broken or sunken paths, steps or paving", "repair", "repair"),
    Service("enclosure_damage", "围墙护栏损坏", "Enclosure damage", "围墙、护栏、大门损坏",
            "Damaged walls, fences, railings or gates", "repair", "repair"),
    Service("other", "其他问题", "Other", "其他需要处理的问题", "Anything else that needs attention",
            "repair", "other"),
)  # fmt: skip
SERVICE_BY_CODE: dict[str, Service] = {s.code: s for s in SERVICES}


def service(code: str | None) -> Service:
    """The service of a code; InvalidInput naming the codes when it is missing or unknown."""
    if code is None or not str(code).strip():
        raise InvalidInput(
            f"service_code is required: one of {', '.join(SERVICE_BY_CODE)}",
            key="report.service_required",
            params={"codes": ", ".join(SERVICE_BY_CODE)},
        )
    found = SERVICE_BY_CODE.get(str(code).strip())
    if found is None:
        raise InvalidInput(
            f"unknown service_code {str(code)[:40]!r}; expected one of {', '.join(SERVICE_BY_CODE)}",
            key="report.unknown_service",
            params={"code": str(code)[:40], "codes": ", ".join(SERVICE_BY_CODE)},
        )
    return found


@dataclass(frozen=True)
class Contact:
    """How to reach the reporter (all optional); private."""

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class ReportInput:
    """A report as sent: the pin in ``crs`` (wgs84 or gcj02) degrees, the category, text, contact and photos."""

    service_code: str | None
    lat: float | None
    lon: float | None
    description: str | None
    contact: Contact = field(default_factory=Contact)
    crs: str = "wgs84"
    source: str = "public"
    media_url: str | None = None
    photos: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class NearestSite:
    """The site a report is filed at and its geodesic distance from the pin, metres (0 inside a cemetery's
    boundary); inside a cemetery, the grave nearest the pin within ``GRAVE_NAMING_M`` when there is one."""

    collection: str
    id: int
    name: str
    area_code: str
    distance_m: float
    inside: bool = False
    grave: dict | None = None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = unicodedata.normalize("NFC", str(value)).strip()
    return value or None


def _check_text(name: str, value: str | None, limit: int) -> str | None:
    value = _clean(value)
    if value is None:
        return None
    if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in value):
        raise InvalidInput(f"{name} contains control characters", key=f"report.{name}.control")
    if len(value) > limit:
        raise InvalidInput(
            f"{name} has {len(value)} characters, more than {limit}",
            key=f"report.{name}.too_long",
            params={"count": len(value), "limit": limit},
        )
    return value


def check_contact(contact: Contact) -> dict[str, str]:
    """The contact as stored (only the fields given); InvalidInput for a malformed e-mail, phone or name."""
    out: dict[str, str] = {}
    email = _check_text("email", contact.email, 254)
    if email is not None:
        if not _EMAIL.match(email):
            raise InvalidInput(
                f"email {email[:60]!r} is not an e-mail address (name@example.org)",
                key="report.email",
                params={"value": email[:60]},
            )
        out["email"] = email
    phone = _check_text("phone", contact.phone, 32)
    if phone is not None:
        digits = sum(c.isdigit() for c in phone)
        if not _PHONE.match(phone) or not 5 <= digits <= 20:
            raise InvalidInput(
                f"phone {phone[:40]!r} is not a phone number (5-20 digits, + ( ) - and spaces)",
                key="report.phone",
                params={"value": phone[:40]},
            )
        out["phone"] = phone
    for name in ("first_name", "last_name"):
        value = _check_text(name, getattr(contact, name), NAME_MAX)
        if value is not None:
            out[name] = value
    return out


def check_pin(lat: Any, lon: Any, crs: str = "wgs84") -> tuple[float, float]:
    """The pin as WGS-84 (lon, lat) degrees; InvalidInput when missing, malformed or outside China."""
    if lat is None or lon is None or str(lat).strip() == "" or str(lon).strip() == "":
        raise InvalidInput(
            "lat and long are required: the position of the damage (WGS-84 degrees)",
            key="report.pin_required",
        )
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"lat and long must be numbers of degrees, not {str(lat)[:30]!r}, {str(lon)[:30]!r}",
            key="report.pin_numbers",
            params={"lat": str(lat)[:30], "lon": str(lon)[:30]},
        ) from None
    if not (math.isfinite(lat_f) and math.isfinite(lon_f) and -90 <= lat_f <= 90 and -180 <= lon_f <= 180):
        raise InvalidInput("lat must be -90..90 and long -180..180 degrees", key="report.pin_range")
    crs = (crs or "wgs84").strip().lower().replace("-", "")
    if crs not in ("wgs84", "gcj02", "epsg:4326", "cgcs2000", "epsg:4490"):
        raise InvalidInput(
            f"unknown crs {crs[:20]!r}; expected wgs84 (the default) or gcj02 (an AMap basemap)",
            key="report.unknown_crs",
            params={"crs": crs[:20]},
        )
    if out_of_china(lon_f, lat_f):
        raise InvalidInput(
            f"the position ({lon_f:.5f}, {lat_f:.5f}) lies outside China: reports are taken for sites in China only",
            key="report.outside_china",
            params={"lon": f"{lon_f:.5f}", "lat": f"{lat_f:.5f}"},
        )
    if crs == "gcj02":
        lon_f, lat_f = gcj02_to_wgs84(lon_f, lat_f)
    return float(lon_f), float(lat_f)


_POINT = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"
_GRAVE_FIELDS = (
    "g.id, g.name, g.martyr_name, g.section, g.row_no, g.number, ST_X(g.geom) AS lon, ST_Y(g.geom) AS lat, "
    "(SELECT min(m.id) FROM martyrs m WHERE m.grave_id = g.id) AS martyr_id"
)


def _grave(row) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "martyr_name": row.martyr_name,
        "section": row.section,
        "row": row.row_no,
        "number": row.number,
        "martyr_id": row.martyr_id,
        "distance_m": round(float(row.d), 1),
    }


def grave_label(grave: dict) -> str:
    """A grave as the work order's (Chinese) title names it: the martyr's grave and its place (甲区1排2号)."""
    martyr = grave.get("martyr_name")
    parts = [grave.get(k) for k in ("section", "row", "number")]
    name = f"{martyr}烈士墓" if martyr else str(grave.get("name") or "烈士墓")
    place = "".join(f"{value}{unit}" for unit, value in zip(("", "排", "号"), parts, strict=True) if value)
    return f"{name}（{place}）" if place else name


def cemetery_at(conn: Connection, lon: float, lat: float) -> NearestSite | None:
    """The cemetery whose boundary covers the WGS-84 point (the smallest, when boundaries overlap), with the grave
    of it nearest the point within ``GRAVE_NAMING_M`` geodesic metres; None outside every boundary."""
    row = conn.execute(
        text(
            f"SELECT id, name, area_code FROM cemeteries WHERE boundary IS NOT NULL "
            f"AND ST_Covers(boundary, {_POINT}) ORDER BY ST_Area(boundary), id LIMIT 1"
        ),
        {"lon": lon, "lat": lat},
    ).first()
    if row is None:
        return None
    return NearestSite(
        "cemeteries",
        row.id,
        row.name,
        row.area_code,
        0.0,
        inside=True,
        grave=grave_in(conn, row.id, lon, lat),
    )


def grave_in(conn: Connection, cemetery_id: int, lon: float, lat: float) -> dict | None:
    """The grave of a cemetery (by its cemetery or inside its boundary) nearest a WGS-84 point within
    ``GRAVE_NAMING_M`` geodesic metres, or None."""
    dlat = GRAVE_NAMING_M / 110_000 * 1.2
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    row = conn.execute(
        text(
            f"SELECT {_GRAVE_FIELDS}, ST_Distance(g.geom::geography, {_POINT}::geography) AS d FROM graves g "
            "JOIN cemeteries c ON c.id = :cid "
            "WHERE g.geom && ST_MakeEnvelope(:lon - :dlon, :lat - :dlat, :lon + :dlon, :lat + :dlat, 4326) "
            f"AND ST_DWithin(g.geom::geography, {_POINT}::geography, :r) "
            "AND (g.cemetery_id = c.id OR (c.boundary IS NOT NULL AND ST_Covers(c.boundary, g.geom))) "
            "ORDER BY d, g.id LIMIT 1"
        ),
        {"cid": cemetery_id, "lon": lon, "lat": lat, "dlat": dlat, "dlon": dlon, "r": GRAVE_NAMING_M},
    ).first()
    return None if row is None else _grave(row)


def nearest_site(conn: Connection, lon: float, lat: float, radius_m: float) -> NearestSite | None:
    """Where a report at the WGS-84 point goes: the cemetery whose boundary covers it (naming the grave within it
    nearest the pin), else the memorial, cemetery or grave nearest it within ``radius_m`` geodesic metres, or None."""
    inside = cemetery_at(conn, lon, lat)
    if inside is not None:
        return inside
    dlat = radius_m / 110_000 * 1.2
    dlon = min(dlat / max(math.cos(math.radians(lat)), 0.01), 180.0)
    parts = [
        f"(SELECT '{table}' AS collection, id, name, area_code, "
        f"ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) AS d "
        f"FROM {table} WHERE geom && ST_MakeEnvelope(:lon - :dlon, :lat - :dlat, :lon + :dlon, :lat + :dlat, 4326) "
        f"AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :r) "
        f"ORDER BY d, id LIMIT 1)"
        for table in SITE_COLLECTIONS  # fixed table names, never input
    ]
    row = conn.execute(
        text(" UNION ALL ".join(parts) + " ORDER BY d, collection LIMIT 1"),
        {"lon": lon, "lat": lat, "dlat": dlat, "dlon": dlon, "r": radius_m},
    ).first()
    if row is None:
        return None
    return NearestSite(row.collection, row.id, row.name, row.area_code, float(row.d))


def _numbered(index: int, exc: InvalidInput) -> InvalidInput:
    """The refusal of one photo of a report, said of that photo (the same class, so the same status)."""
    return type(exc)(
        f"photo {index}: {exc.message}", key="report.photo", params={"index": index, "reason": exc}
    )


def check_photos(
    photos: tuple[bytes, ...], settings: ReportSettings, upkeep: UpkeepSettings
) -> list[PhotoHeader]:
    """Check a report's photos without decoding a pixel: their number, their bytes together, and each one's header
    (format, pixels, the memory decoding it takes); InvalidInput, PayloadTooLarge or UnsupportedMediaType."""
    if len(photos) > settings.max_photos:
        raise InvalidInput(
            f"{len(photos)} photos: a report takes at most {settings.max_photos}",
            key="report.too_many_photos",
            params={"count": len(photos), "limit": settings.max_photos},
        )
    total = sum(len(p) for p in photos)
    if total > upkeep.photo_max_bytes:
        raise PayloadTooLarge(
            f"the photos have {total} bytes ({size_text(total)}) together, over the limit of "
            f"{upkeep.photo_max_bytes} bytes ({size_text(upkeep.photo_max_bytes)}) per report",
            key="report.photos_too_large",
            params={
                "size": total,
                "size_text": size_text(total),
                "limit": upkeep.photo_max_bytes,
                "limit_text": size_text(upkeep.photo_max_bytes),
            },
        )
    headers = []
    for index, data in enumerate(photos, start=1):
        try:
            headers.append(read_photo_header(data, upkeep))
        except InvalidInput as exc:  # PayloadTooLarge and UnsupportedMediaType too: keep the class
            raise _numbered(index, exc) from None
    return headers


def _decode_photos(
    photos: tuple[bytes, ...], headers: list[PhotoHeader], upkeep: UpkeepSettings
) -> list[DecodedPhoto]:
    decoded = []
    for index, (data, header) in enumerate(zip(photos, headers, strict=True), start=1):
        try:
            decoded.append(decode_photo(data, upkeep, header))
        except InvalidInput as exc:
            raise _numbered(index, exc) from None
    return decoded


def _no_site_near(lon: float, lat: float, radius_m: float) -> InvalidInput:
    return InvalidInput(
        f"no memorial, cemetery or grave lies within {radius_m:g} m of ({lon:.5f}, {lat:.5f}): "
        "put the pin at the site that needs care",
        key="report.no_site",
        params={"radius": f"{radius_m:g}", "lon": f"{lon:.5f}", "lat": f"{lat:.5f}"},
    )


def _check_media_url(url: str | None) -> str | None:
    url = _check_text("media_url", url, 2000)
    if url is not None and not re.match(r"^https?://[^\s/$.?#][^\s]*$", url, re.IGNORECASE):
        raise InvalidInput("media_url must be an http(s) URL", key="report.media_url")
    return url


def _title(svc: Service, site: NearestSite) -> str:
    grave = f" · {grave_label(site.grave)}" if site.grave else ""
    return f"{svc.zh} · {site.name}{grave}"[:200]


def _store_photo(
    conn: Connection, actor: Actor, order_id: int, site: NearestSite, data: bytes, photo
) -> None:
    new_id = conn.execute(
        text(
            "INSERT INTO photos (collection, site_id, area_code, stage, work_order_id, content_type, byte_size, "
            "width, height, sha256, data, thumbnail, position, position_accuracy_m, position_source, taken_at) "
            "VALUES (:collection, :site_id, :area, 'report', :wo, :content_type, :byte_size, :width, :height, "
            ":sha256, :data, :thumbnail, CASE WHEN CAST(:lon AS float8) IS NULL THEN NULL "
            "ELSE ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), 4326) END, :accuracy, "
            "CASE WHEN CAST(:lon AS float8) IS NULL THEN NULL ELSE 'exif' END, :taken_at) RETURNING id"
        ),
        {
            "collection": site.collection,
            "site_id": site.id,
            "area": site.area_code,
            "wo": order_id,
            "content_type": photo.content_type,
            "byte_size": len(data),
            "width": photo.width,
            "height": photo.height,
            "sha256": hashlib.sha256(data).hexdigest(),
            "data": data,
            "thumbnail": photo.thumbnail,
            "lon": photo.exif_lon,
            "lat": photo.exif_lat,
            "accuracy": photo.exif_accuracy_m,
            "taken_at": photo.exif_taken_at,
        },
    ).scalar_one()
    record(
        conn, actor, "create", "photos", new_id, area_code=site.area_code, after={"work_order_id": order_id}
    )


def submit_report(
    conn: Connection, actor: Actor, data: ReportInput, settings: ReportSettings, upkeep: UpkeepSettings
) -> dict:
    """File a public report as a work order in triage at the nearest site; returns its public view with the site.

    Raises InvalidInput (422), PayloadTooLarge (413) or UnsupportedMediaType (415) before writing anything."""
    if data.source not in SOURCES:
        raise InvalidInput(
            f"unknown source {data.source!r}", key="report.unknown_source", params={"source": data.source}
        )
    svc = service(data.service_code)
    lon, lat = check_pin(data.lat, data.lon, data.crs)
    description = _check_text("description", data.description, settings.description_max)
    if description is None and data.source == "open311":
        description = svc.name("zh")  # optional in GeoReport v2: the category says what is wrong
    if description is None or len(description) < DESCRIPTION_MIN:
        raise InvalidInput(
            "description is required: say what is damaged and where (at least 2 characters)",
            key="report.description_required",
            params={"min": DESCRIPTION_MIN},
        )
    reporter = check_contact(data.contact)
    media_url = _check_media_url(data.media_url)
    if media_url is not None:
        reporter["media_url"] = media_url
    headers = check_photos(data.photos, settings, upkeep)  # cheap: counts, bytes, headers; nothing decoded
    site = nearest_site(conn, lon, lat, settings.radius_m)
    if site is None:
        raise _no_site_near(lon, lat, settings.radius_m)
    decoded = _decode_photos(data.photos, headers, upkeep)  # only now, for a report that will be filed
    new_id = conn.execute(
        text(
            "INSERT INTO work_orders (collection, site_id, area_code, title, description, kind, source, category, "
            "reporter, position) VALUES (:collection, :site_id, :area, :title, :description, :kind, :source, "
            ":category, CAST(:reporter AS jsonb), ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) RETURNING id"
        ),
        {
            "collection": site.collection,
            "site_id": site.id,
            "area": site.area_code,
            "title": _title(svc, site),
            "description": description,
            "kind": svc.kind,
            "source": data.source,
            "category": svc.code,
            "reporter": _json_text(reporter) if reporter else None,
            "lon": lon,
            "lat": lat,
        },
    ).scalar_one()
    order = read_work_order(conn, new_id)
    fields = {k: [None, order[k]] for k in ("title", "description", "priority")}
    fields["category"] = [None, svc.code]
    write_history(conn, actor, new_id, None, "reported", fields, f"public report ({data.source})", 1)
    after = {**order, "source": data.source, "category": svc.code, "reporter": reporter or None}
    record(conn, actor, "create", "work_orders", new_id, area_code=site.area_code, after=after)
    for raw, photo in zip(data.photos, decoded, strict=True):
        _store_photo(conn, actor, new_id, site, raw, photo)
    token = follow_report(conn, new_id, "reporter")  # shown once, in the answer; only its hash is kept
    grave = site.grave
    return {
        **public_request(conn, new_id),
        "distance_m": round(site.distance_m, 1),
        "follow_token": token,
        "grave": grave,
    }


def _json_text(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False)


_WORK_ORDER_PUBLIC = (
    "id",
    "status",
    "public_note",
    "category",
    "description",
    "created_at",
    "updated_at",
    "source",
    "collection",
    "site_id",
    "area_code",
)
assert {*_WORK_ORDER_PUBLIC, "position"} <= PUBLIC_REPORT_FIELDS  # only what geo/atlas/field_policy.py allows
_PUBLIC_SELECT = (
    "SELECT "
    + ", ".join(f"w.{c}" for c in _WORK_ORDER_PUBLIC)
    + ", ST_X(w.position) AS lon, ST_Y(w.position) AS lat, "
    "coalesce(m.name, c.name, g.name) AS site_name, coalesce(m.address, c.address, g.address) AS site_address, "
    "a.name AS area_name, "
    "(SELECT min(p.id) FROM photos p WHERE p.work_order_id = w.id AND p.stage = 'report' AND p.public) AS photo_id "
    "FROM work_orders w "
    "LEFT JOIN memorials m ON w.collection = 'memorials' AND m.id = w.site_id "
    "LEFT JOIN cemeteries c ON w.collection = 'cemeteries' AND c.id = w.site_id "
    "LEFT JOIN graves g ON w.collection = 'graves' AND g.id = w.site_id "
    "LEFT JOIN areas a ON a.code = w.area_code "
    "WHERE w.source IN ('public', 'open311')"
)


def _public(row) -> dict:
    svc = SERVICE_BY_CODE.get(row.category or "")
    return {
        "id": row.id,
        "status": PUBLIC_STATUS[row.status],
        "stage": row.status,
        "status_notes": row.public_note,
        "service_code": row.category,
        "service": svc,
        "description": row.description,
        "requested_datetime": row.created_at,
        "updated_datetime": row.updated_at,
        "lon": row.lon,
        "lat": row.lat,
        "site": {"collection": row.collection, "id": row.site_id, "name": row.site_name},
        "address": row.site_address or row.site_name,
        "area_code": row.area_code,
        "area_name": row.area_name,
        "photo_id": row.photo_id,
    }


def public_request(conn: Connection, report_id: int) -> dict:
    """The public view of one report (no contact, no internal fields); NotFound for any other work order."""
    row = conn.execute(text(_PUBLIC_SELECT + " AND w.id = :id"), {"id": report_id}).first()
    if row is None:
        raise NotFound(
            f"no public report with id {report_id}", key="report.not_found", params={"id": report_id}
        )
    return _public(row)


@dataclass(frozen=True)
class RequestFilter:
    """Filters of the public listing: ids (override the rest), codes, public statuses, a date range (aware)."""

    ids: tuple[int, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None


def public_requests(conn: Connection, flt: RequestFilter, settings: ReportSettings) -> list[dict]:
    """Public reports, newest first, at most ``settings.list_max``; the date range spans at most ``list_days``."""
    params: dict[str, Any] = {"limit": settings.list_max}
    where: list[str] = []
    if flt.ids:
        if len(flt.ids) > settings.list_max:
            raise InvalidInput(
                f"{len(flt.ids)} service_request_id values: at most {settings.list_max}",
                key="report.too_many_ids",
                params={"count": len(flt.ids), "limit": settings.list_max},
            )
        where.append("w.id = ANY(:ids)")
        params["ids"] = list(flt.ids)
    else:
        span = dt.timedelta(days=settings.list_days)
        start, end = flt.start, flt.end
        if start is not None and end is not None and end < start:
            raise InvalidInput("end_date is before start_date", key="report.dates_reversed")
        if start is not None and end is not None and end - start > span:
            raise InvalidInput(
                f"start_date to end_date spans more than {settings.list_days} days",
                key="report.dates_too_wide",
                params={"days": settings.list_days},
            )
        if start is None and end is None:
            end = dt.datetime.now(dt.UTC)
        if start is None:
            start = end - span
        if end is None:
            end = start + span
        where.append("w.created_at BETWEEN :start AND :end")
        params.update(start=start, end=end)
        for code in flt.service_codes:
            service(code)
        if flt.service_codes:
            where.append("w.category = ANY(:codes)")
            params["codes"] = list(flt.service_codes)
        for status in flt.statuses:
            if status not in ("open", "closed"):
                raise InvalidInput(
                    f"unknown status {status[:20]!r}; expected open or closed",
                    key="report.unknown_status",
                    params={"status": status[:20]},
                )
        if flt.statuses and set(flt.statuses) != {"open", "closed"}:
            states = OPEN_STATUSES if flt.statuses[0] == "open" else CLOSED_STATUSES
            where.append("w.status = ANY(:states)")
            params["states"] = list(states)
    cond = "".join(f" AND {w}" for w in where)
    rows = conn.execute(text(_PUBLIC_SELECT + cond + " ORDER BY w.id DESC LIMIT :limit"), params)
    return [_public(r) for r in rows]


# -- the web form's map (no online basemap: our sites and boundaries) -------------------------------------------


def site_position(conn: Connection, collection: str, site_id: int) -> dict:
    """A memorial's, cemetery's or grave's name and WGS-84 position (public fields); NotFound otherwise."""
    if collection not in SITE_COLLECTIONS:
        raise NotFound(
            f"no {collection[:20]!r} collection: expected one of {', '.join(SITE_COLLECTIONS)}",
            key="report.unknown_collection",
            params={"collection": collection[:20]},
        )
    row = conn.execute(
        text(f"SELECT id, name, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM {collection} WHERE id = :id"),
        {"id": site_id},
    ).first()
    if row is None:
        raise NotFound(
            f"no {collection} record with id {site_id}",
            key="report.no_site_record",
            params={"collection": collection, "id": site_id},
        )
    return {"collection": collection, "id": row.id, "name": row.name, "lon": row.lon, "lat": row.lat}


def sites_near(conn: Connection, lon: float, lat: float, radius_m: float, limit: int = 50) -> list[dict]:
    """Memorials, cemeteries and graves within ``radius_m`` geodesic metres of a WGS-84 point, nearest first."""
    dlat = radius_m / 110_000 * 1.2
    dlon = min(dlat / max(math.cos(math.radians(lat)), 0.01), 180.0)
    parts = [
        f"(SELECT '{table}' AS collection, id, name, ST_X(geom) AS lon, ST_Y(geom) AS lat, "
        f"ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) AS d "
        f"FROM {table} WHERE geom && ST_MakeEnvelope(:lon - :dlon, :lat - :dlat, :lon + :dlon, :lat + :dlat, 4326) "
        f"AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :r) "
        f"ORDER BY d LIMIT :limit)"
        for table in SITE_COLLECTIONS
    ]
    rows = conn.execute(
        text(" UNION ALL ".join(parts) + " ORDER BY d, collection, id LIMIT :limit"),
        {"lon": lon, "lat": lat, "dlat": dlat, "dlon": dlon, "r": radius_m, "limit": limit},
    )
    return [
        {
            "collection": r.collection,
            "id": r.id,
            "name": r.name,
            "lon": r.lon,
            "lat": r.lat,
            "distance_m": r.d,
        }
        for r in rows
    ]


def map_frame(conn: Connection, limit: int = 40) -> dict:
    """The extent of the memorials and cemeteries ([west, south, east, north], WGS-84) and county outlines in it
    (simplified GeoJSON), for a map that needs no online basemap."""
    box = conn.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM "
            "(SELECT geom FROM memorials UNION ALL SELECT geom FROM cemeteries) s) x"
        )
    ).first()
    bbox = None if box is None or box[0] is None else [float(v) for v in box]
    outlines: list[dict] = []
    if bbox is not None:
        rows = conn.execute(
            text(
                "SELECT code, name, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, 0.002), 5)::json AS g "
                "FROM areas WHERE level = 'county' AND geom IS NOT NULL "
                "AND geom && ST_MakeEnvelope(:w, :s, :e, :n, 4326) ORDER BY code LIMIT :limit"
            ),
            {"w": bbox[0], "s": bbox[1], "e": bbox[2], "n": bbox[3], "limit": limit},
        )
        outlines = [
            {"type": "Feature", "properties": {"code": r.code, "name": r.name}, "geometry": r.g} for r in rows
        ]
    return {"bbox": bbox, "outlines": {"type": "FeatureCollection", "features": outlines}}


# -- the status page: place, photos, public history; "is it one of these?"; following ------------------------------


def open_reports_near(
    conn: Connection, lon: float, lat: float, radius_m: float = DUPLICATE_RADIUS_M, limit: int = 6
) -> list[dict]:
    """Open public reports whose pin lies within ``radius_m`` geodesic metres of a WGS-84 point, nearest first:
    the reports a new one at that point may repeat (each with ``distance_m`` and its number of ``followers``)."""
    dlat = radius_m / 110_000 * 1.2
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    near = conn.execute(
        text(
            f"SELECT w.id, ST_Distance(w.position::geography, {_POINT}::geography) AS d FROM work_orders w "
            "WHERE w.source IN ('public', 'open311') AND w.status = ANY(:open) AND w.position IS NOT NULL "
            "AND w.position && ST_MakeEnvelope(:lon - :dlon, :lat - :dlat, :lon + :dlon, :lat + :dlat, 4326) "
            f"AND ST_DWithin(w.position::geography, {_POINT}::geography, :r) ORDER BY d, w.id DESC LIMIT :limit"
        ),
        {
            "lon": lon,
            "lat": lat,
            "dlat": dlat,
            "dlon": dlon,
            "r": radius_m,
            "limit": limit,
            "open": list(OPEN_STATUSES),
        },
    ).all()
    if not near:
        return []
    distance = {r.id: float(r.d) for r in near}
    rows = conn.execute(text(_PUBLIC_SELECT + " AND w.id = ANY(:ids)"), {"ids": list(distance)})
    counts = follower_counts(conn, list(distance))
    found = [
        {**_public(r), "distance_m": round(distance[r.id], 1), "followers": counts.get(r.id, 0)} for r in rows
    ]
    return sorted(found, key=lambda r: (r["distance_m"], -r["id"]))


def report_photos(conn: Connection, report_id: int) -> list[dict]:
    """The photos of a report that staff published (any stage: the report's, before and after work), oldest first."""
    rows = conn.execute(
        text(
            "SELECT id, stage, caption, width, height FROM photos WHERE work_order_id = :id AND public "
            "ORDER BY uploaded_at, id"
        ),
        {"id": report_id},
    )
    return [
        {"id": r.id, "stage": r.stage, "caption": r.caption, "width": r.width, "height": r.height}
        for r in rows
    ]


def public_history(conn: Connection, report_id: int) -> list[dict]:
    """What the public may read of a report's history, oldest first: each change of the bureau's public note (the
    new note, or None when it was cleared) and each change of stage, with its time. Internal notes, actors, costs
    and other fields stay out."""
    rows = conn.execute(
        text(
            "SELECT at, to_status, changes->'public_note'->>1 AS note, changes ? 'public_note' AS noted "
            "FROM work_order_history WHERE work_order_id = :id AND (to_status IS NOT NULL OR changes ? 'public_note') "
            "ORDER BY at, id"
        ),
        {"id": report_id},
    )
    return [
        {
            "at": r.at,
            "stage": r.to_status,
            "note": r.note if r.noted else None,
            "cleared": r.noted and not r.note,
        }
        for r in rows
    ]


def report_place(conn: Connection, view: dict) -> dict:
    """The site a report was filed at, for its map and link: name, kind, WGS-84 point, a cemetery's boundary as
    GeoJSON, and inside a cemetery the grave nearest the report's pin (within ``GRAVE_NAMING_M``)."""
    collection, site_id = view["site"]["collection"], view["site"]["id"]
    if collection not in SITE_COLLECTIONS:
        return {**view["site"], "kind": None, "lon": None, "lat": None, "boundary": None, "grave": None}
    boundary = "ST_AsGeoJSON(boundary, 6)::json" if collection == "cemeteries" else "NULL::json"
    grave_of = (
        "cemetery_id, (SELECT min(m.id) FROM martyrs m WHERE m.grave_id = s.id) AS martyr_id"
        if collection == "graves"
        else "NULL::bigint AS cemetery_id, NULL::bigint AS martyr_id"
    )
    row = conn.execute(
        text(
            f"SELECT id, name, kind, ST_X(geom) AS lon, ST_Y(geom) AS lat, {boundary} AS boundary, {grave_of} "
            f"FROM {collection} s WHERE id = :id"  # collection is one of SITE_COLLECTIONS, from the work order
        ),
        {"id": site_id},
    ).first()
    if row is None:
        return {**view["site"], "kind": None, "lon": None, "lat": None, "boundary": None, "grave": None}
    grave = None
    if collection == "cemeteries" and view.get("lon") is not None:
        grave = grave_in(conn, site_id, view["lon"], view["lat"])
    return {
        "collection": collection,
        "id": row.id,
        "name": row.name,
        "kind": row.kind,
        "lon": row.lon,
        "lat": row.lat,
        "boundary": row.boundary,
        "grave": grave,
        "cemetery_id": row.cemetery_id,
        "martyr_id": row.martyr_id,
    }


FOLLOW_ROLES = ("reporter", "follower")
"""Who holds a follow link: the reporter (given one when filing) or a visitor who followed instead of filing (+1)."""
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def follow_hash(token: str) -> str:
    """The SHA-256 (hex) of a follow token: all the database keeps of it."""
    return hashlib.sha256(token.encode()).hexdigest()


def follow_report(conn: Connection, report_id: int, role: str = "follower") -> str:
    """A new private follow token for a public report (NotFound for any other work order); only its hash is kept,
    so the caller shows it once. Its last visit starts now."""
    if role not in FOLLOW_ROLES:
        raise InvalidInput(f"unknown follow role {role!r}")
    public_request(conn, report_id)
    token = secrets.token_urlsafe(24)
    conn.execute(
        text("INSERT INTO report_followers (work_order_id, token_hash, role) VALUES (:id, :h, :role)"),
        {"id": report_id, "h": follow_hash(token), "role": role},
    )
    return token


def _unknown_follow() -> NotFound:
    return NotFound("no report is followed with this link", key="report.follow_unknown")


def visit_followed(conn: Connection, token: str) -> dict:
    """A follower's visit: the report's public view, what changed publicly since the last visit (``updates``,
    oldest first) and when that was (``since``); the visit becomes the last one. NotFound for an unknown link."""
    if not _TOKEN.match(token or ""):
        raise _unknown_follow()
    row = conn.execute(
        text(
            "SELECT id, work_order_id, role, last_seen_at, created_at, visits FROM report_followers "
            "WHERE token_hash = :h FOR UPDATE"
        ),
        {"h": follow_hash(token)},
    ).first()
    if row is None:
        raise _unknown_follow()
    view = public_request(conn, row.work_order_id)
    updates = [h for h in public_history(conn, row.work_order_id) if h["at"] > row.last_seen_at]
    conn.execute(
        text("UPDATE report_followers SET last_seen_at = now(), visits = visits + 1 WHERE id = :id"),
        {"id": row.id},
    )
    return {
        "report": view,
        "role": row.role,
        "since": row.last_seen_at,
        "first_visit": row.visits == 0,
        "updates": updates,
    }


def follower_counts(conn: Connection, report_ids: list[int]) -> dict[int, int]:
    """How many visitors followed each report instead of filing it again (the reporter not counted): its "+1"s."""
    if not report_ids:
        return {}
    rows = conn.execute(
        text(
            "SELECT work_order_id, count(*) AS n FROM report_followers WHERE role = 'follower' "
            "AND work_order_id = ANY(:ids) GROUP BY work_order_id"
        ),
        {"ids": list(report_ids)},
    )
    return {r.work_order_id: r.n for r in rows}
