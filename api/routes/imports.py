"""Import and export over HTTP (issue 8): upload a register file and get the report of every row; download a
collection, filtered by area and kind, in any of the import formats, or per-area summary tables in Excel.

Uploads are planners' and admins' (geo/permissions.py ``imports.run`` plus the collection's create and update
rights; rows outside the account's area are rejected one by one). Exports are reads: public, with the
properties the caller's role may read (geo/field_policy.py)."""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine

from api.deps import EngineDep
from api.principal import ActorDep, PrincipalDep, require
from api.routes.sites import AREA_PATTERN
from geo.errors import InvalidInput, PayloadTooLarge
from geo.importing.export import MEDIA_TYPES, SUFFIXES, export_collection, export_summary
from geo.importing.readers import FORMATS
from geo.importing.run import ImportOptions, check_rights, run_import

router = APIRouter(tags=["import and export"])

MAX_IMPORT_BYTES = 512 * 1024 * 1024
"""Largest register file accepted in one upload (bytes)."""
_CHUNK = 1024 * 1024
_KNOWN_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".geojson", ".json", ".gpkg", ".zip", ".kml")

Collection = Literal["stations", "memorials", "cemeteries", "graves", "areas"]
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
        raise InvalidInput("the uploaded file is empty")
    return path


def _import(engine: Engine, upload: UploadFile, options: ImportOptions, actor) -> dict:
    check_rights(actor, options.collection)  # before the file is stored
    with tempfile.TemporaryDirectory(prefix="vetmap-import-") as tmp:
        path = _save(upload, FilePath(tmp))
        label = FilePath(upload.filename or "upload").name
        return run_import(engine, path, options, actor, label=label).to_json()


@router.post(
    "/imports",
    summary="Import a register file",
    dependencies=[Depends(require("imports.run"))],
    responses={200: {"description": "the report of every row (in a dry run, what would happen)"}},
)
async def import_file(
    engine: EngineDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File(description="GeoJSON, GeoPackage, zipped Shapefile, KML, CSV or XLSX")],
    collection: Annotated[Collection, Form(description="the collection the rows belong to")],
    crs: Annotated[
        str | None,
        Form(max_length=32, description="source system: WGS84 (default), CGCS2000, GCJ02, BD09, EPSG:<code>"),
    ] = None,
    column_map: Annotated[
        str | None,
        Form(alias="map", max_length=2000, description="column map, e.g. 名称=name,经度=lon,纬度=lat"),
    ] = None,
    dry_run: Annotated[bool, Form(description="check and report, write nothing")] = False,
    fix_swapped: Annotated[
        bool, Form(description="swap latitude/longitude where that puts a point in China")
    ] = False,
    encoding: Annotated[
        str | None, Form(max_length=32, description="text encoding (default: detected)")
    ] = None,
):
    """Upload a register as a multipart form (`file` plus options): every row is checked and reported
    (inserted, updated, unchanged or rejected with the reason); the accepted rows are committed in one
    transaction, upserted on their code. A file that cannot be read answers 422 with the reason."""
    options = ImportOptions(collection, crs, column_map, dry_run, fix_swapped, encoding=encoding)
    report = await run_in_threadpool(_import, engine, file, options, actor)
    return JSONResponse(report)


def _export(engine: Engine, collection: str, fmt: str, area, kind, role) -> bytes:
    with tempfile.TemporaryDirectory(prefix="vetmap-export-") as tmp:
        path = FilePath(tmp) / f"{collection}{SUFFIXES.get(fmt, '.xlsx')}"
        with engine.connect() as conn:
            if collection == "summary":
                export_summary(conn, path, area)
            else:
                export_collection(conn, collection, fmt, path, area=area, kind=kind, role=role)
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
        Literal["stations", "memorials", "cemeteries", "graves", "areas", "summary"],
        Path(description="a collection, or `summary` (per-area tables, xlsx only)"),
    ],
    fmt: Annotated[ExportFormat, Path(description="geojson, gpkg, shp (zipped; also zip), kml, csv, xlsx")],
    area: Annotated[
        str | None, Query(pattern=AREA_PATTERN, description="only this area and everything inside it")
    ] = None,
    kind: Annotated[str | None, Query(max_length=32, description="only this kind (areas: level)")] = None,
):
    """A collection as a file that import reads back as the same records (properties as the caller's role may
    read them), or `summary.xlsx`: per child area of `area`, counts by kind and status of every collection."""
    fmt = "shp" if fmt == "zip" else fmt
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}")
    if collection == "summary" and fmt != "xlsx":
        raise InvalidInput("the per-area summary is an Excel workbook: /exports/summary.xlsx")
    data = await run_in_threadpool(_export, engine, collection, fmt, area, kind, principal.role)
    name = f"{collection}{SUFFIXES[fmt]}"
    return Response(
        data,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
