"""Public name search of memorials and cemeteries: Chinese, pinyin or initials, kind, level, area, near me."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import PublicConnDep
from geo.errors import InvalidInput
from geo.public.search import (
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_SUGGESTIONS,
    SUGGEST_KINDS,
    SiteSearch,
    search_sites,
    suggest,
)

router = APIRouter(prefix="/search", tags=["search"])


def parse_near(near: str | None) -> tuple[float, float] | None:
    """``lon,lat`` (WGS-84 degrees) as a pair of floats; InvalidInput when malformed."""
    if near is None or not near.strip():
        return None
    parts = near.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        raise InvalidInput(
            f"near must be lon,lat in degrees, e.g. 110.29,25.27; not {near[:40]!r}",
            key="search.near",
            params={"value": near[:40]},
        ) from None
    if lon != lon or lat != lat:  # NaN
        raise InvalidInput("near must be finite numbers", key="search.near", params={"value": near[:40]})
    return lon, lat


def search_answer(matched: int, results: list[dict], limit: int, offset: int) -> dict:
    """The JSON of one page of search results."""
    return {
        "numberMatched": matched,
        "numberReturned": len(results),
        "limit": limit,
        "offset": offset,
        "results": results,
    }


@router.get("/sites")
def search_site_names(
    conn: PublicConnDep,
    q: Annotated[
        str | None, Query(description="name in Chinese, pinyin (donggou) or initials (dgls)")
    ] = None,
    kind: Annotated[str | None, Query(description="a memorial or cemetery kind")] = None,
    protection_level: Annotated[str | None, Query()] = None,
    area: Annotated[str | None, Query(description="area code; includes sub-areas")] = None,
    near: Annotated[str | None, Query(description="lon,lat (WGS-84): distance_m and nearest first")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict:
    """Memorials and cemeteries by name, best first, each with the url of its public page."""
    query = SiteSearch(
        text=q,
        kind=kind or None,
        protection_level=protection_level or None,
        area=area or None,
        near=parse_near(near),
        limit=limit,
        offset=offset,
    )
    matched, results = search_sites(conn, query)
    return search_answer(matched, results, limit, offset)


@router.get("/suggest")
def search_suggestions(
    conn: PublicConnDep,
    q: Annotated[str, Query(max_length=200, description="what the visitor has typed so far")] = "",
    of: Annotated[str, Query(description="sites, martyrs or both (comma-separated)")] = ",".join(
        SUGGEST_KINDS
    ),
    limit: Annotated[int, Query(ge=1, le=MAX_SUGGESTIONS)] = 6,
) -> dict:
    """Names to offer as the visitor types (sites and martyr records, by Chinese, pinyin or initials), each with
    the url of its public page; an empty list for a query too short to match."""
    kinds = tuple(k.strip() for k in of.split(",") if k.strip()) or SUGGEST_KINDS
    return {"q": q, "suggestions": suggest(conn, q, kinds, limit)}
