"""Import and export over HTTP (issue 8): upload a register file and get the report of every row; download a
collection, filtered by area and kind, in any of the import formats, or per-area summary tables in Excel.

Uploads are planners' and admins' (geo/accounts/permissions.py ``imports.run`` plus the collection's create and update
rights, so martyr records are admins'; rows outside the account's area are rejected one by one). An upload's
rejected rows are kept for its uploader to download (``rejects_url`` in the report; geo/importing/rejects_store.py);
reports, a dry run's file and rejects files are kept in the database (geo/importing/report_store.py). Exports are
reads: public, with the
properties the caller may read (geo/atlas/field_policy.py: personal ones only on rows of its area)."""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from api.deps import ConnDep, EngineDep
from api.errors import answer_lang
from api.principal import ActorDep, PrincipalDep, require
from api.routes.atlas.sites import AREA_PATTERN
from api.uploads import UploadForm, form_reader, multipart_body
from geo.errors import InvalidInput, PayloadTooLarge
from geo.importing.console import default_rejects_path
from geo.importing.export import MEDIA_TYPES, SUFFIXES, export_collection, export_summary, format_of
from geo.importing.readers import FORMATS
from geo.importing.rejects_store import find_rejects
from geo.importing.report import ImportReport
from geo.importing.report_store import KeptTokens, keep_report, put_back_upload, take_upload
from geo.importing.run import ImportOptions, check_rights, run_import
from geo.principal import Principal
from web.importing.reports import reason_text

router = APIRouter(tags=["import and export"])

MAX_IMPORT_BYTES = 512 * 1024 * 1024
"""Largest register file accepted in one upload (bytes)."""
_CHUNK = 1024 * 1024
_KNOWN_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".geojson", ".json", ".gpkg", ".zip", ".kml")

Collection = Literal["stations", "memorials", "cemeteries", "graves", "areas", "martyrs"]
ExportFormat = Literal["geojson", "gpkg", "shp", "zip", "kml", "csv", "xlsx"]


def _save(upload: UploadFile, folder: FilePath) -> FilePath:
    suffix = FilePath(upload.filename or "").suffix.lower()
    path = folder / f"upload{suffix if suffix in _KNOWN_SUFFIXES else ''}"
    size = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(_CHUNK):
            size += len(chunk)
            if size > MAX_IMPORT_BYTES:
                raise PayloadTooLarge(f"the file is over {MAX_IMPORT_BYTES // 2**20} MiB")
            out.write(chunk)
    if size == 0:
        raise InvalidInput("the uploaded file is empty", key="import.upload_empty")
    return path


def _run_and_keep(
    engine: Engine, path: FilePath, label: str, options: ImportOptions, actor, lang: str
) -> tuple[ImportReport, KeptTokens]:
    """Import ``path`` (named ``label``), keep its report and rejects (a dry run: its file too) in the database; the
    report and the tokens of the kept report and rejects."""
    rejects = default_rejects_path(path)
    report = run_import(
        engine,
        path,
        options,
        actor,
        rejects=rejects,
        label=label,
        describe=lambda reason: reason_text(reason, lang),  # the rejects file in the uploader's language
    )
    rejects_name = None
    if report.rejects_file is not None:
        report.rejects_file = None  # a server path means nothing to the uploader: the report gets a URL
        rejects_name = f"{FilePath(label).stem}.rejects{rejects.suffix}"
    kept_options = {
        "collection": options.collection,
        "crs": options.crs,
        "column_map": options.column_map,
        "fix_swapped": options.fix_swapped,
        "encoding": options.encoding,
        "area": options.area,
        "sheet": options.sheet,
        "suffix": path.suffix,
    }
    upload = path if options.dry_run else None
    with engine.begin() as conn:
        kept = keep_report(
            conn,
            report,
            actor.principal,
            rejects if rejects_name else None,
            rejects_name,
            upload,
            kept_options,
        )
    return report, kept


def _import(
    engine: Engine, upload: UploadFile, options: ImportOptions, actor, lang: str
) -> tuple[ImportReport, KeptTokens]:
    check_rights(actor, options.collection)  # before the file is stored
    with tempfile.TemporaryDirectory(prefix="vetmap-import-") as tmp:
        path = _save(upload, FilePath(tmp))
        label = FilePath(upload.filename or "upload").name
        return _run_and_keep(engine, path, label, options, actor, lang)


def _commit_kept(
    engine: Engine, report_token: str, actor, lang: str, accept_duplicates: bool = False
) -> tuple[ImportReport, KeptTokens]:
    with engine.begin() as conn:
        kept = take_upload(conn, report_token, actor.principal)  # once: a second commit finds nothing
    try:
        o = kept.options
        options = ImportOptions(
            o["collection"],
            o.get("crs"),
            o.get("column_map"),
            False,
            bool(o.get("fix_swapped")),
            encoding=o.get("encoding"),
            area=o.get("area"),
            sheet=o.get("sheet"),
            accept_duplicates=accept_duplicates,
        )
        check_rights(actor, options.collection)
        suffix = o.get("suffix") if o.get("suffix") in _KNOWN_SUFFIXES else ""
        with tempfile.TemporaryDirectory(prefix="vetmap-import-") as tmp:
            path = FilePath(tmp) / f"upload{suffix}"
            path.write_bytes(kept.data)
            return _run_and_keep(engine, path, kept.filename, options, actor, lang)
    except BaseException:
        with engine.begin() as conn:
            put_back_upload(conn, report_token, kept)  # nothing was written: it may be committed again
        raise


class ImportFields(BaseModel):
    """The options of an import upload: the form fields besides ``file``."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    collection: Collection = Field(description="the collection the rows belong to")
    crs: str | None = Field(
        default=None,
        max_length=32,
        description="source system: WGS84 (default), CGCS2000, GCJ02, BD09, EPSG:<code>",
    )
    column_map: str | None = Field(
        default=None, alias="map", max_length=2000, description="column map, e.g. 名称=name,经度=lon,纬度=lat"
    )
    dry_run: bool = Field(default=False, description="check and report, write nothing")
    fix_swapped: bool = Field(
        default=False, description="swap latitude/longitude where that puts a point in China"
    )
    encoding: str | None = Field(default=None, max_length=32, description="text encoding (default: detected)")
    area: str | None = Field(
        default=None,
        pattern=r"^[0-9]{6}([0-9]{3}){0,2}$",
        description="the county (area code) the rows' place names (乡镇, 村) are looked up in",
    )
    sheet: str | None = Field(
        default=None,
        max_length=100,
        description="a workbook's sheet: its name, its number from 1, or * for every sheet with the same header "
        "(default: the first sheet with a header)",
    )
    accept_duplicates: bool = Field(
        default=False,
        description="import the rows reported as likely duplicates (the same name within 50 m) all the same",
    )


IMPORT_RIGHT = require("imports.run")
ImportFormDep = Annotated[
    UploadForm[ImportFields], Depends(form_reader(ImportFields, ("file",), IMPORT_RIGHT))
]
"""The upload's form, read only after the caller was found to hold ``imports.run`` (a 401/403 reads no body)."""


@router.post(
    "/imports",
    summary="Import a register file",
    dependencies=[Depends(IMPORT_RIGHT)],
    responses={200: {"description": "the report of every row (in a dry run, what would happen)"}},
    openapi_extra=multipart_body(
        ImportFields, {"file": "GeoJSON, GeoPackage, zipped Shapefile, KML, CSV or XLSX"}
    ),
)
async def import_file(request: Request, engine: EngineDep, actor: ActorDep, form: ImportFormDep):
    """Upload a register as a multipart form (`file` plus options): every row is checked and reported
    (inserted, updated, unchanged or rejected with the reason, and `field`, the field it concerns, when known);
    the report is kept for the staff of the uploader's area (`report_token`, reopened on /staff/imports); the
    accepted rows are committed in one
    transaction, upserted on their code. A file that cannot be read answers 422 with the reason. When rows are
    rejected, `rejects_url` downloads them (the uploader only, for a day) to fix and upload again, each
    `reject_reason` in the request's language (`?lang=`, Accept-Language). The caller's
    rights are checked before the body is read."""
    f = form.fields
    options = ImportOptions(
        f.collection,
        f.crs,
        f.column_map,
        f.dry_run,
        f.fix_swapped,
        encoding=f.encoding,
        area=f.area or None,
        sheet=(f.sheet or "").strip() or None,
        accept_duplicates=f.accept_duplicates,
    )
    upload = form.files["file"]
    report, kept = await run_in_threadpool(_import, engine, upload, options, actor, answer_lang(request))
    if kept.rejects is not None:
        report.rejects_url = str(request.url_for("download_rejects", token=kept.rejects))
    lang = answer_lang(request)  # every reason and note in the caller's language, never the English fallback
    return JSONResponse({**report.to_json(lambda r: reason_text(r, lang)), "report_token": kept.report})


@router.post(
    "/imports/reports/{token}/commit",
    summary="Commit a dry run's file",
    dependencies=[Depends(IMPORT_RIGHT)],
    responses={
        200: {"description": "the report of the import"},
        404: {"description": "not a dry run of the caller's, committed already, or expired"},
    },
)
async def commit_dry_run(
    request: Request,
    engine: EngineDep,
    actor: ActorDep,
    token: Annotated[str, Path(max_length=64, description="the dry run's report_token")],
    accept_duplicates: Annotated[
        bool, Query(description="import the rows the dry run reported as likely duplicates all the same")
    ] = False,
):
    """Import for real the file of a dry run (its uploader only, within a day, once), with the dry run's options:
    no second upload; the rows it reported as likely duplicates go in only with `accept_duplicates`. The answer is
    the import's report, as `POST /imports` gives it."""
    report, kept = await run_in_threadpool(
        _commit_kept, engine, token, actor, answer_lang(request), accept_duplicates
    )
    if kept.rejects is not None:
        report.rejects_url = str(request.url_for("download_rejects", token=kept.rejects))
    lang = answer_lang(request)  # every reason and note in the caller's language, never the English fallback
    return JSONResponse({**report.to_json(lambda r: reason_text(r, lang)), "report_token": kept.report})


@router.get(
    "/imports/rejects/{token}",
    summary="Download the rejected rows of an upload",
    response_class=Response,
    dependencies=[Depends(require("imports.run"))],
    responses={
        200: {
            "description": "the rejected rows with a reject_reason column",
            "content": {t: {} for t in MEDIA_TYPES.values()},
        },
        404: {"description": "expired, or another account's upload"},
    },
)
def download_rejects(
    conn: ConnDep,
    principal: PrincipalDep,
    token: Annotated[str, Path(max_length=64, description="from the import report's rejects_url")],
) -> Response:
    """The rows an upload rejected, in the upload's format (KML: CSV) with a `reject_reason` column: fix them
    and upload the file again. Only for the account that uploaded it, kept a day."""
    kept = find_rejects(conn, token, principal.user_id)
    fmt = format_of(FilePath(kept.filename), None)
    quoted = quote(kept.filename)
    disposition = (
        f"attachment; filename*=utf-8''{quoted}"
        if quoted != kept.filename
        else f'attachment; filename="{quoted}"'
    )
    return Response(kept.data, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition})


def _export(engine: Engine, collection: str, fmt: str, area, kind, reader: Principal) -> bytes:
    with tempfile.TemporaryDirectory(prefix="vetmap-export-") as tmp:
        path = FilePath(tmp) / f"{collection}{SUFFIXES.get(fmt, '.xlsx')}"
        with engine.connect() as conn:
            if collection == "summary":
                export_summary(conn, path, area, reader)
            else:
                export_collection(conn, collection, fmt, path, area=area, kind=kind, reader=reader)
        return path.read_bytes()


@router.get(
    "/exports/{collection}.{fmt}",
    summary="Export a collection",
    response_class=Response,
    responses={200: {"description": "the file", "content": {t: {} for t in MEDIA_TYPES.values()}}},
)
async def export_file(
    engine: EngineDep,
    principal: PrincipalDep,
    collection: Annotated[
        Literal["stations", "memorials", "cemeteries", "graves", "areas", "martyrs", "summary"],
        Path(description="a collection, or `summary` (per-area tables, xlsx only)"),
    ],
    fmt: Annotated[ExportFormat, Path(description="geojson, gpkg, shp (zipped; also zip), kml, csv, xlsx")],
    area: Annotated[
        str | None, Query(pattern=AREA_PATTERN, description="only this area and everything inside it")
    ] = None,
    kind: Annotated[
        str | None,
        Query(
            max_length=32,
            description="only this kind (areas: level; martyrs: burial grave/cemetery/memorial/unknown)",
        ),
    ] = None,
):
    """A collection as a file that import reads back as the same records (properties as the caller may read
    them: personal ones only on rows of its area), or `summary.xlsx`: per child area of `area`, counts by kind and
    status of every collection (martyrs with relatives found only for staff of `area`)."""
    fmt = "shp" if fmt == "zip" else fmt
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}")
    if collection == "summary" and fmt != "xlsx":
        raise InvalidInput("the per-area summary is an Excel workbook: /exports/summary.xlsx")
    data = await run_in_threadpool(_export, engine, collection, fmt, area, kind, principal)
    name = f"{collection}{SUFFIXES[fmt]}"
    return Response(
        data,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
