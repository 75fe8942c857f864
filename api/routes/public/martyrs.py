"""Martyr records (英名录): public search and reading; admin create, update (If-Match) and delete."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse

from api.deps import ConnDep, PublicConnDep
from api.principal import ActorDep, PrincipalDep, require
from api.routes.public.search import search_answer
from api.versions import IfMatch, etag, read_version
from geo.public.martyrs import (
    MartyrFields,
    audited_martyr_write,
    create_martyr,
    delete_martyr,
    get_martyr,
    update_martyr,
)
from geo.public.search import MAX_LIMIT, MAX_OFFSET, MartyrSearch, search_martyrs

router = APIRouter(prefix="/martyrs", tags=["martyrs"])

VERSION_ANSWERS: dict[int | str, dict] = {
    409: {"description": "the version field is stale (or a conflict); ``current`` is the record now"},
    412: {"description": "the If-Match version is stale; ``current`` is the record now"},
    428: {"description": "no version: send If-Match or a version"},
}


class MartyrPatch(MartyrFields):
    """Changes to a martyr record, with the version they are based on (or send If-Match)."""

    version: int | None = None


def record_answer(
    record: dict, status_code: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A martyr record with its ETag (the record's version, which every role may read)."""
    extra = {"ETag": etag(record["version"])} if record.get("version") is not None else {}
    return JSONResponse(record, status_code=status_code, headers={**extra, **(headers or {})})


@router.get("")
def search_martyr_records(
    conn: PublicConnDep,
    q: Annotated[str | None, Query(description="name in Chinese, pinyin or initials")] = None,
    hometown: Annotated[str | None, Query()] = None,
    unit: Annotated[str | None, Query()] = None,
    death_year: Annotated[int | None, Query()] = None,
    death_year_from: Annotated[int | None, Query()] = None,
    death_year_to: Annotated[int | None, Query()] = None,
    area: Annotated[
        str | None, Query(description="area code of the burial place; includes sub-areas")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict:
    """Martyr records by name, hometown, unit, year of death or area, best first."""
    query = MartyrSearch(
        text=q,
        hometown=hometown,
        unit=unit,
        death_year=death_year,
        death_year_from=death_year_from,
        death_year_to=death_year_to,
        area=area or None,
        limit=limit,
        offset=offset,
    )
    matched, results = search_martyrs(conn, query)
    return search_answer(matched, results, limit, offset)


@router.get("/{martyr_id}")
def read_martyr(martyr_id: int, conn: PublicConnDep, principal: PrincipalDep) -> JSONResponse:
    """One martyr record with its burial place (grave position, cemetery, name wall, or unknown)."""
    return record_answer(get_martyr(conn, martyr_id, principal.role))


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[Depends(require("martyrs.create"))])
def create_martyr_record(
    body: MartyrFields, conn: ConnDep, request: Request, actor: ActorDep
) -> JSONResponse:
    """Add a martyr record (admin); the pinyin of the name is filled in."""
    data: dict[str, Any] = body.model_dump(exclude_unset=True)
    record = audited_martyr_write(conn, actor, "create", None, lambda: create_martyr(conn, data))
    location = str(request.url_for("read_martyr", martyr_id=record["id"]))
    return record_answer(record, 201, {"Location": location})


@router.patch("/{martyr_id}", dependencies=[Depends(require("martyrs.update"))], responses=VERSION_ANSWERS)
def patch_martyr(
    martyr_id: int, body: MartyrPatch, conn: ConnDep, actor: ActorDep, if_match: IfMatch = None
) -> JSONResponse:
    """Change a martyr record at the version read (If-Match or a version field)."""
    version, precondition = read_version(if_match, body.version)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    return record_answer(
        audited_martyr_write(
            conn,
            actor,
            "update",
            martyr_id,
            lambda: update_martyr(conn, martyr_id, changes, version, precondition),
        )
    )


@router.delete(
    "/{martyr_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(require("martyrs.delete"))],
    responses=VERSION_ANSWERS,
)
def delete_martyr_record(
    martyr_id: int,
    conn: ConnDep,
    actor: ActorDep,
    if_match: IfMatch = None,
    version: Annotated[int | None, Query(ge=1, description="the version read (or If-Match)")] = None,
) -> Response:
    """Delete a martyr record at the version read."""
    version, precondition = read_version(if_match, version)
    audited_martyr_write(
        conn, actor, "delete", martyr_id, lambda: delete_martyr(conn, martyr_id, version, precondition)
    )
    return Response(status_code=204)
