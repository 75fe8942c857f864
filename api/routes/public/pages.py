"""The public pages: memorial search (``/search``), a site's page (``/sites/{collection}/{id}``), the martyr search
(``/martyrs``) and record (``/martyrs/{id}``), the family-search form (``/family-search``) and their assets.

Anyone may read them; they show only what the public may read (the public role, public photos). Bad input answers
a page that says why (422), unknown records a 404 page. SQL lives in geo/, HTML in web/.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from api.deps import PublicConnDep, SettingsDep
from api.errors import error_status
from api.public_pages import public_context
from api.routes.atlas.pages import outlines_ref
from geo.atlas.areas import get_area
from geo.atlas.collections import COLLECTIONS
from geo.atlas.field_policy import PUBLIC_ROLE
from geo.atlas.sites import get_site
from geo.errors import DomainError, InvalidInput, NotFound
from geo.models import TRIBUTE_TARGETS
from geo.principal import PUBLIC
from geo.public.martyrs import get_martyr
from geo.public.search import MartyrSearch, SiteSearch, area_groups, search_martyrs, search_sites
from geo.public.site_details import PAGE_COLLECTIONS, site_details
from geo.public.tributes import tribute_summary
from web.assets import STATIC_DIR
from web.i18n import t
from web.public.family_page import family_page
from web.public.frame import PUBLIC_ASSETS, PageContext, message_page, not_found_page, refusal_text
from web.public.martyr_pages import MartyrSearchForm, martyr_page, martyr_search_page
from web.public.search_page import SiteSearchForm, search_page
from web.public.site_page import SitePageData, martyr_name, site_page
from web.public.tribute_widget import tribute_section

router = APIRouter(tags=["pages"], include_in_schema=False)

Lang = Literal["zh", "en"]
LangQuery = Annotated[Lang | None, Query()]
Text = Annotated[str, Query(max_length=200)]
PAGE_SIZE = 20
MAX_OFFSET = 10_000
CACHE = {"Cache-Control": "public, max-age=60", "Vary": "Cookie"}  # the remembered language is a cookie


def _html(html: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        html, status_code=status, headers=CACHE if status == 200 else {"Cache-Control": "no-store"}
    )


def _refusal(ctx: PageContext, exc: DomainError) -> HTMLResponse:
    status = error_status(exc)
    if status == 404:
        return _html(not_found_page(ctx, refusal_text(exc, ctx.lang)), 404)
    return _html(message_page(ctx, t("public.cannot_show", ctx.lang), refusal_text(exc, ctx.lang)), status)


def _record_id(value: str, what: str) -> int:
    if not value.isdigit() or len(value) > 18 or int(value) < 1:
        raise NotFound(
            f"no {what} with id {value!r}", key="public.no_record", params={"what": what, "id": value[:40]}
        )
    return int(value)


def _offset(offset: int) -> int:
    if offset > MAX_OFFSET:
        raise InvalidInput(
            f"offset {offset} is over the maximum of {MAX_OFFSET}: narrow the search instead",
            key="search.offset",
            params={"max": MAX_OFFSET, "value": offset},
        )
    return offset


def _near(text: str) -> tuple[float, float] | None:
    if not text:
        return None
    parts = text.split(",")
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError:
        raise InvalidInput(
            f"near must be lon,lat in degrees (WGS-84), e.g. 110.79,32.63; not {text!r}",
            key="search.near",
            params={"value": text[:40]},
        ) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(
            f"near {text!r} is not a position on Earth: lon -180..180, lat -90..90",
            key="search.near_range",
            params={"value": text[:40]},
        )
    return lon, lat


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    conn: PublicConnDep,
    settings: SettingsDep,
    q: Text = "",
    kind: Text = "",
    protection_level: Text = "",
    area: Text = "",
    near: Text = "",
    offset: Annotated[int, Query(ge=0)] = 0,
    lang: LangQuery = None,
) -> HTMLResponse:
    """Find a memorial or cemetery by name, pinyin or initials, kind, protection level, area or nearness."""
    params = {"q": q, "kind": kind, "protection_level": protection_level, "area": area, "near": near}
    ctx = public_context(request, settings, lang, **params)
    form = SiteSearchForm(q, kind, protection_level, area, near, offset, PAGE_SIZE)
    outlines = outlines_ref(request, conn)  # fetched by the page's script, cached apart from the page
    area_options = area_groups(conn)
    if not any(params.values()):
        return _html(search_page(ctx, form, area_options, None, outlines))
    try:
        query = SiteSearch(
            text=q.strip() or None,
            kind=kind or None,
            protection_level=protection_level or None,
            area=area or None,
            near=_near(near.strip()),
            limit=PAGE_SIZE,
            offset=_offset(offset),
        )
        found = search_sites(conn, query)
    except DomainError as exc:
        page = search_page(ctx, form, area_options, None, outlines, error=refusal_text(exc, ctx.lang))
        return _html(page, error_status(exc))
    return _html(search_page(ctx, form, area_options, found, outlines))


@router.get("/sites/{collection}/{site_id}", response_class=HTMLResponse)
def site(
    request: Request,
    collection: str,
    site_id: str,
    conn: PublicConnDep,
    settings: SettingsDep,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    lang: LangQuery = None,
) -> HTMLResponse:
    """The stable, shareable page of a memorial, cemetery or grave: photos, area path, directions, martyrs, nearby
    sites, tribute (``offset`` pages the martyrs of a cemetery or memorial)."""
    ctx = public_context(request, settings, lang, offset=offset or None)
    try:
        if collection not in PAGE_COLLECTIONS:
            raise NotFound(
                f"no public pages of {collection!r}: memorials, cemeteries and graves have them",
                key="public_sites.no_pages",
                params={"collection": collection[:40]},
            )
        ident = _record_id(site_id, collection.rstrip("s"))
        feature = get_site(conn, COLLECTIONS[collection], ident, PUBLIC)
        coords = (feature.get("geometry") or {}).get("coordinates") or (None, None)
        area_code = feature["properties"].get("area_code")
        details = site_details(conn, collection, ident, coords[0], coords[1], area_code, offset)
    except DomainError as exc:
        return _refusal(ctx, exc)
    if collection in TRIBUTE_TARGETS:
        tribute = tribute_section(
            collection, ident, ctx.lang, tribute_summary(conn, collection, ident), with_stylesheet=False
        )
    elif details.martyrs.total == 1:  # a grave: the tribute goes to its martyr
        martyr = details.martyrs.items[0]
        title = t("public_sites.tribute.for_martyr", ctx.lang).format(name=martyr_name(martyr, ctx.lang))
        summary = tribute_summary(conn, "martyrs", int(martyr["id"]))
        tribute = tribute_section(
            "martyrs", int(martyr["id"]), ctx.lang, summary, title, with_stylesheet=False
        )
    else:
        tribute = ""
    outline = _county_outline(conn, area_code)
    data = SitePageData(collection, feature, details, outline, tribute)
    return _html(site_page(ctx, data))


def _county_outline(conn, area_code: str | None) -> dict | None:
    """The area feature of the county holding ``area_code`` (the map's context), or None."""
    if not area_code:
        return None
    try:
        return get_area(conn, area_code[:6])
    except NotFound:
        return None


def _tribute(conn, target: str, target_id: int, ctx: PageContext) -> str:
    """The tribute section of web/public/tribute_widget.py, with its counts and approved messages."""
    return tribute_section(target, target_id, ctx.lang, tribute_summary(conn, target, target_id))


@router.get("/martyrs", response_class=HTMLResponse)
def martyrs(
    request: Request,
    conn: PublicConnDep,
    settings: SettingsDep,
    q: Text = "",
    hometown: Text = "",
    unit: Text = "",
    death_year: Text = "",
    offset: Annotated[int, Query(ge=0)] = 0,
    lang: LangQuery = None,
) -> HTMLResponse:
    """Find martyr records by name (Chinese, pinyin or initials), hometown, unit or year of death."""
    params = {"q": q, "hometown": hometown, "unit": unit, "death_year": death_year}
    ctx = public_context(request, settings, lang, **params)
    form = MartyrSearchForm(q, hometown, unit, death_year, offset, PAGE_SIZE)
    if not any(v.strip() for v in params.values()):
        return _html(martyr_search_page(ctx, form, None))
    try:
        year = death_year.strip()
        if year and not (year.isdigit() and len(year) == 4):
            raise InvalidInput(
                f"year of death must be a year such as 1938, not {year!r}",
                key="search.death_year",
                params={"value": year[:20]},
            )
        query = MartyrSearch(
            text=q.strip() or None,
            hometown=hometown.strip() or None,
            unit=unit.strip() or None,
            death_year=int(year) if year else None,
            limit=PAGE_SIZE,
            offset=_offset(offset),
        )
        found = search_martyrs(conn, query)
    except DomainError as exc:
        return _html(
            martyr_search_page(ctx, form, None, error=refusal_text(exc, ctx.lang)), error_status(exc)
        )
    return _html(martyr_search_page(ctx, form, found))


@router.get("/martyrs/{martyr_id}", response_class=HTMLResponse)
def martyr(
    request: Request, martyr_id: str, conn: PublicConnDep, settings: SettingsDep, lang: LangQuery = None
) -> HTMLResponse:
    """One martyr record: who, and where buried (or that the burial place is unknown)."""
    ctx = public_context(request, settings, lang)
    try:
        record = get_martyr(conn, _record_id(martyr_id, "martyr record"), PUBLIC_ROLE)
    except DomainError as exc:
        return _refusal(ctx, exc)
    burial = record.get("burial") or {}
    boundary = None
    if burial.get("cemetery_id"):
        cemetery = get_site(conn, COLLECTIONS["cemeteries"], int(burial["cemetery_id"]), PUBLIC)
        boundary = cemetery["properties"].get("boundary")
    outline = _county_outline(conn, record.get("area_code")) if burial.get("lon") is not None else None
    tribute = _tribute(conn, "martyrs", int(record["id"]), ctx)
    return _html(martyr_page(ctx, record, tribute, outline, boundary))


@router.get("/family-search", response_class=HTMLResponse)
def family_search(
    request: Request,
    conn: PublicConnDep,
    settings: SettingsDep,
    martyr_id: Text = "",
    lang: LangQuery = None,
) -> HTMLResponse:
    """The family-search (寻亲) form, filled in with a martyr record when ``martyr_id`` names one."""
    ctx = public_context(request, settings, lang, martyr_id=martyr_id or None)
    record = None
    if martyr_id:
        try:
            record = get_martyr(conn, _record_id(martyr_id, "martyr record"), PUBLIC_ROLE)
        except DomainError as exc:
            return _refusal(ctx, exc)
    return _html(family_page(ctx, record))


@router.get("/static/public/{name}")
def public_asset(name: str) -> Response:
    """The public pages' own script and stylesheet (nothing else is served from here)."""
    media_type = PUBLIC_ASSETS.get(name)
    if media_type is None:
        return PlainTextResponse("Not Found", status_code=404)
    headers = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return FileResponse(STATIC_DIR / name, media_type=media_type, headers=headers)
