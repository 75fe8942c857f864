"""Open311 GeoReport v2 at ``/open311/v2/``: public damage reports in JSON and XML.

- ``GET discovery.{fmt}``, ``GET services.{fmt}`` (names in Chinese by default; ``?lang=en`` or an English
  ``Accept-Language``), ``GET services/{service_code}.{fmt}`` (no extra attributes: ``metadata`` is false).
- ``POST requests.{fmt}``: form-encoded or multipart (``media`` files: photos); ``lat``/``long`` (WGS-84, or
  GCJ-02 with ``crs=gcj02``), ``service_code``, ``description``, ``email``, ``first_name``, ``last_name``,
  ``phone``, ``media_url``. ``api_key`` is optional and ignored; a ``jurisdiction_id`` must be ours (``vetmap``
  or this host's name). The answer names the site the report was filed at.
- ``GET requests.{fmt}`` (``service_request_id`` list, which overrides the rest; ``service_code``, ``status``
  open/closed, ``start_date``/``end_date`` in W3C format spanning at most 90 days, the last 90 days by default;
  at most 1000) and ``GET requests/{id}.{fmt}``: the public view, never the reporter's contact.

Errors are Open311's list of ``{code, description}`` (``<errors><error>`` in XML): 400 for a bad input, 404 for an
unknown request, 413/415 for a photo too large or not an image; the middleware answers 429 (with Retry-After) to
bursts of POSTs from one client (api/security.py). SQL and rules live in geo/public/reports.py.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from api.deps import report_settings
from api.errors import answer_lang, error_headers, error_reason, error_status
from api.principal import client_address, request_id
from geo.accounts.audit import Actor
from geo.errors import Busy, DomainError, InvalidInput, NotFound
from geo.principal import Principal
from geo.public.reports import (
    SERVICE_BY_CODE,
    SERVICES,
    Contact,
    ReportInput,
    RequestFilter,
    Service,
    public_request,
    public_requests,
    service,
    submit_report,
)
from geo.upkeep.photos import photo_url

router = APIRouter(prefix="/open311/v2", tags=["open311"])

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
JURISDICTION = "vetmap"
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
_FORM_FIELDS = ("service_code", "lat", "long", "description", "email", "first_name", "last_name", "phone")


# -- serialising -------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return w3c_time(value)
    return str(value)


def w3c_time(value: dt.datetime) -> str:
    """A time as Open311 clients parse it: W3C date-time to the second, with its offset (no microseconds)."""
    return value.replace(microsecond=0).isoformat()


def _xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        element = ET.SubElement(top, item)
        for key, value in row.items():
            if isinstance(value, list):
                holder = ET.SubElement(element, key)
                for entry in value:
                    ET.SubElement(holder, key[:-1] if key.endswith("s") else "value").text = _text(entry)
            else:
                ET.SubElement(element, key).text = _text(value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        top, encoding="utf-8", xml_declaration=False
    )


def _answer(fmt: str, root: str, item: str, rows: list[dict], status: int = 200, **headers: str) -> Response:
    if fmt == "xml":
        body = _xml(root, item, rows)
    else:
        body = json.dumps(rows, ensure_ascii=False, default=_text).encode()
    return Response(body, status_code=status, media_type=FORMATS[fmt], headers=headers)


def _one(fmt: str, root: str, row: dict) -> Response:
    """A single object (discovery, a service definition): a JSON object, or an XML element of its own."""
    if fmt == "xml":
        top = ET.Element(root)
        _fill(top, row)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8")
        return Response(body, media_type=FORMATS[fmt])
    return Response(json.dumps(row, ensure_ascii=False).encode(), media_type=FORMATS[fmt])


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list):
        for inner in value:
            name = element.tag[:-1] if element.tag.endswith("s") else "value"
            _fill(ET.SubElement(element, name), inner)
    else:
        element.text = _text(value)


def open311_error(fmt: str, status: int, description: str, headers: dict[str, str] | None = None) -> Response:
    """Open311's error answer: a list of {code, description} (``<errors><error>`` in XML)."""
    rows = [{"code": status, "description": description}]
    return _answer(fmt if fmt in FORMATS else "json", "errors", "error", rows, status, **(headers or {}))


def _error(request: Request, fmt: str, exc: DomainError) -> Response:
    """A domain error as Open311's error list, its reason in the caller's language (400 for a plain bad input)."""
    status = 400 if type(exc) is InvalidInput else error_status(exc)
    return open311_error(fmt, status, error_reason(request, exc), error_headers(exc))


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise NotFound(f"unknown format {fmt[:10]!r}: use .json or .xml")
    return fmt


def _service_row(svc: Service, lang: str) -> dict:
    return {
        "service_code": svc.code,
        "service_name": svc.name(lang),
        "description": svc.description(lang),
        "metadata": False,
        "type": "realtime",
        "keywords": svc.code.replace("_", ","),
        "group": svc.group,
    }


def _agency(row: dict, lang: str) -> str:
    area = row.get("area_name") or row.get("area_code") or ""
    return f"Veterans Affairs Bureau, {area}" if lang == "en" else f"{area}退役军人事务局"


def request_row(request: Request, row: dict, lang: str) -> dict:
    """The Open311 fields of a report's public view (absolute media_url when a photo is public)."""
    svc: Service | None = row["service"]
    media = str(request.base_url).rstrip("/") + photo_url(row["photo_id"]) if row["photo_id"] else None
    return {
        "service_request_id": str(row["id"]),
        "status": row["status"],
        "status_notes": row["status_notes"],
        "service_name": svc.name(lang) if svc else row["service_code"],
        "service_code": row["service_code"],
        "description": row["description"],
        "agency_responsible": _agency(row, lang),
        "service_notice": None,
        "requested_datetime": row["requested_datetime"],
        "updated_datetime": row["updated_datetime"],
        "expected_datetime": None,
        "address": row["address"],
        "address_id": f"{row['site']['collection']}/{row['site']['id']}",
        "zipcode": None,
        "lat": row["lat"],
        "long": row["lon"],
        "media_url": media,
    }


def _check_jurisdiction(request: Request, value: str | None) -> None:
    if value and value.strip() not in (JURISDICTION, request.url.hostname):
        raise InvalidInput(
            f"unknown jurisdiction_id {value[:60]!r}: this server answers for {JURISDICTION!r}"
        )


# -- routes -------------------------------------------------------------------------------------------------------


@router.get("/discovery.{fmt}")
def discovery(request: Request, fmt: str) -> Response:
    """Where the GeoReport v2 endpoint is and what it speaks."""
    try:
        fmt = _format(fmt)
    except DomainError as exc:
        return _error(request, "json", exc)
    base = str(request.base_url).rstrip("/") + router.prefix + "/"
    return _one(
        fmt,
        "discovery",
        {
            "changeset": "2026-11-28T00:00:00+00:00",
            "contact": "VetMap — public damage reports at memorials, cemeteries and graves",
            "key_service": "api_key is optional",
            "endpoints": [
                {
                    "specification": SPEC_URL,
                    "url": base,
                    "changeset": "2026-11-28T00:00:00+00:00",
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        },
    )


@router.get("/services.{fmt}")
def services(request: Request, fmt: str) -> Response:
    """The report categories (service codes) with names in Chinese or English."""
    try:
        fmt = _format(fmt)
        _check_jurisdiction(request, request.query_params.get("jurisdiction_id"))
    except DomainError as exc:
        return _error(request, fmt if fmt in FORMATS else "json", exc)
    lang = answer_lang(request)
    return _answer(fmt, "services", "service", [_service_row(s, lang) for s in SERVICES])


@router.get("/services/{code}.{fmt}")
def service_definition(request: Request, code: str, fmt: str) -> Response:
    """A service's definition: no attributes beyond the standard fields."""
    try:
        fmt = _format(fmt)
        _check_jurisdiction(request, request.query_params.get("jurisdiction_id"))
        if code not in SERVICE_BY_CODE:
            raise NotFound(
                f"unknown service_code {code[:40]!r}; expected one of {', '.join(SERVICE_BY_CODE)}"
            )
    except DomainError as exc:
        return _error(request, fmt if fmt in FORMATS else "json", exc)
    return _one(fmt, "service_definition", {"service_code": code, "attributes": []})


def _form_value(form, name: str) -> str | None:
    value = form.get(name)
    return None if value is None or isinstance(value, UploadFile) else str(value)


def _post(request: Request, form: Any, photos: tuple[bytes, ...]) -> dict:
    _check_jurisdiction(request, _form_value(form, "jurisdiction_id"))
    if _form_value(form, "lat") is None and _form_value(form, "address_string"):
        raise InvalidInput("give lat and long: address_string and address_id are not looked up here")
    source = "public" if _form_value(form, "vetmap_form") == "1" else "open311"
    data = ReportInput(
        service_code=_form_value(form, "service_code"),
        lat=_form_value(form, "lat"),
        lon=_form_value(form, "long"),
        description=_form_value(form, "description"),
        contact=Contact(
            email=_form_value(form, "email"),
            first_name=_form_value(form, "first_name"),
            last_name=_form_value(form, "last_name"),
            phone=_form_value(form, "phone"),
        ),
        crs=_form_value(form, "crs") or "wgs84",
        source=source,
        media_url=_form_value(form, "media_url"),
        photos=photos,
    )
    actor = Actor(Principal(None, source, "public", None), request_id(request), client_address(request))
    with request.app.state.engine.begin() as conn:  # one transaction: a refusal leaves nothing behind
        return submit_report(conn, actor, data, report_settings(request), request.app.state.upkeep)


UPLOADS_RETRY_S = 5
"""Retry-After of a report with photos that found every upload slot taken, seconds."""


def _busy() -> Busy:
    return Busy(
        f"too many reports with photos are being handled: try again in {UPLOADS_RETRY_S} seconds",
        UPLOADS_RETRY_S,
        key="report.busy",
        params={"seconds": UPLOADS_RETRY_S},
    )


@router.post("/requests.{fmt}")
async def create_request(request: Request, fmt: str) -> Response:
    """File a damage report; it becomes a work order in triage at the nearest site (named in the answer).

    A report with photos (multipart) takes one of the worker's ``ReportSettings.upload_slots`` before its body is
    read; with none free it is answered 503 with Retry-After at once."""
    if fmt not in FORMATS:
        return _error(request, "json", NotFound(f"unknown format {fmt[:10]!r}: use .json or .xml"))
    slots = request.app.state.report_uploads
    multipart = request.headers.get("content-type", "").lower().startswith("multipart/")
    if multipart and not slots.acquire(blocking=False):
        return _error(request, fmt, _busy())
    try:
        return await _create(request, fmt)
    finally:
        if multipart:
            slots.release()


async def _create(request: Request, fmt: str) -> Response:
    try:
        form = await request.form(max_files=20, max_fields=100)
    except Exception:  # noqa: BLE001 - a malformed body is the client's error, never a 500
        unreadable = InvalidInput(
            "the body is not a readable form: send application/x-www-form-urlencoded or multipart/form-data",
            key="report.unreadable_form",
        )
        return _error(request, fmt, unreadable)
    try:
        photos = []
        for upload in form.getlist("media"):
            if isinstance(upload, UploadFile):
                data = await upload.read()
                if data or upload.filename:
                    photos.append(data)
        try:
            created = await run_in_threadpool(_post, request, form, tuple(photos))
        except DomainError as exc:
            return _error(request, fmt, exc)
    finally:
        await form.close()
    lang = answer_lang(request)
    site = created["site"]
    notice = (
        f"filed at {site['name']} ({created['distance_m']:.0f} m from the pin)"
        if lang == "en"
        else f"已转交{site['name']}（距标记点{created['distance_m']:.0f}米）"
    )
    row = {
        "service_request_id": str(created["id"]),
        "service_notice": notice,
        "account_id": None,
        "status": created["status"],
        "site_collection": site["collection"],
        "site_id": site["id"],
        "site_name": site["name"],
        "distance_m": created["distance_m"],
        "status_url": f"/reports/{created['id']}",
        "follow_url": f"/reports/follow/{created['follow_token']}",  # private, shown this once (issue 22)
    }
    location = f"{router.prefix}/requests/{created['id']}.{fmt}"
    return _answer(fmt, "service_requests", "request", [row], 200, Location=location)


def _ints(value: str | None) -> tuple[int, ...]:
    if not value:
        return ()
    out = []
    for part in value.split(","):
        part = part.strip()
        if not part.isdigit() or len(part) > 18:
            raise InvalidInput(f"service_request_id must be comma-separated ids, not {part[:20]!r}")
        out.append(int(part))
    return tuple(out)


def _words(value: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(",") if p.strip()) if value else ()


def _when(name: str, value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        found = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise InvalidInput(f"{name} must be a W3C date-time such as 2026-04-04T09:30:00+08:00") from None
    return found if found.tzinfo is not None else found.replace(tzinfo=dt.UTC)


def _list(request: Request) -> list[dict]:
    q = request.query_params
    _check_jurisdiction(request, q.get("jurisdiction_id"))
    flt = RequestFilter(
        ids=_ints(q.get("service_request_id")),
        service_codes=_words(q.get("service_code")),
        statuses=_words(q.get("status")),
        start=_when("start_date", q.get("start_date")),
        end=_when("end_date", q.get("end_date")),
    )
    for code in flt.service_codes:
        service(code)
    with request.app.state.engine.connect() as conn:
        return public_requests(conn, flt, report_settings(request))


@router.get("/requests.{fmt}")
def list_requests(request: Request, fmt: str) -> Response:
    """Public reports, newest first (bounded), by ids, category, status and date range."""
    try:
        fmt = _format(fmt)
        rows = _list(request)
    except DomainError as exc:
        return _error(request, fmt if fmt in FORMATS else "json", exc)
    lang = answer_lang(request)
    return _answer(fmt, "service_requests", "request", [request_row(request, r, lang) for r in rows])


@router.get("/requests/{report_id}.{fmt}")
def read_request(request: Request, report_id: str, fmt: str) -> Response:
    """One public report: its public status and note (a list of one, as GeoReport v2 answers)."""
    try:
        fmt = _format(fmt)
        if not report_id.isdigit() or len(report_id) > 18:
            raise NotFound(f"no public report with id {report_id[:20]!r}")
        _check_jurisdiction(request, request.query_params.get("jurisdiction_id"))
        with request.app.state.engine.connect() as conn:
            row = public_request(conn, int(report_id))
    except DomainError as exc:
        return _error(request, fmt if fmt in FORMATS else "json", exc)
    return _answer(fmt, "service_requests", "request", [request_row(request, row, answer_lang(request))])
