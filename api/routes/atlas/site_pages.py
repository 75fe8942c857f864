"""The staff pages that edit sites on a map (``/staff/sites/…``) and check a construction polygon against the protection zones (``/staff/zones/check``).

- ``/staff/sites``: the sites of my area by collection (name search, paging), each linked to its edit page, and
  "new" for the collections I may create. Open to the roles that may update some collection.
- ``/staff/sites/{collection}/new`` and ``/staff/sites/{collection}/{id}``: the site's form and map. The page's
  script saves through the API (``POST``/``PATCH /api/v1/{collection}``, If-Match with the version read), shows a
  stale edit field by field and reapplies mine on the new version (web/static/staff/sites.js).
- ``/staff/zones/check``: any signed-in staff draws or uploads a construction polygon; the script asks
  ``POST /api/v1/protection-zones/overlaps`` (upload: ``/api/v1/protection-zones/polygon-file``).
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from api.deps import ConnDep, SettingsDep
from api.principal import get_web_session
from api.staff_pages import StaffPage, open_staff_page, staff_response
from geo.accounts.credentials import WebSession
from geo.accounts.permissions import allowed, covers
from geo.atlas.areas import existing_area
from geo.atlas.collections import COLLECTIONS
from geo.atlas.site_list import area_outline, search_sites
from geo.atlas.sites import get_site
from geo.errors import NotFound
from geo.importing.polygon_file import DECLARED_SOURCES
from geo.models import UPKEEP_COLLECTIONS
from web.atlas.site_edit import (
    ZONE_COLORS,
    basemap_config,
    collection_label,
    creatable_collections,
    editable_collections,
    field_label,
    form_sections,
    form_value,
    js_messages,
    list_rows,
)
from web.atlas.zones import zone_page_config
from web.basemaps import basemap as basemap_layers
from web.i18n import t
from web.map_parts import page_basemap

PUBLIC_PAGES = ("memorials", "cemeteries")
"""Collections with a public page of each site (/sites/{collection}/{id})."""

router = APIRouter(tags=["pages"], include_in_schema=False)

SessionDep = Annotated[WebSession | None, Depends(get_web_session)]
LangQuery = Annotated[Literal["zh", "en"] | None, Query()]
PAGE_SIZE = 25
"""Sites per page of the list."""
SITES_PATH = "/staff/sites"
ZONES_PATH = "/staff/zones/check"


def _refused(page: StaffPage, message: str, status_code: int = 403) -> Response:
    return staff_response(page, "staff/refused.html", status_code=status_code, message=message)


def _offset(value: str | None) -> int:
    try:
        return max(0, min(int(value or 0), 10**9))
    except ValueError:
        return 0


@router.get(SITES_PATH, response_class=HTMLResponse)
def sites_list_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    lang: LangQuery = None,
    collection: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The sites of my area in one collection, found by name, a page at a time, each linked to its edit page."""
    page = open_staff_page(request, conn, session, lang or settings.default_lang, SITES_PATH)
    if isinstance(page, Response):
        return page
    mine = editable_collections(page.principal)
    if not mine:
        return _refused(page, t("sites.refused.role", page.lang).format(role=page.frame.role))
    chosen = collection if collection in mine else mine[0]
    start = _offset(offset)
    found = search_sites(conn, COLLECTIONS[chosen], page.area, q, PAGE_SIZE, start)
    lang_ = page.lang
    tabs = [
        {"name": name, "label": collection_label(name, lang_), "current": name == chosen} for name in mine
    ]
    new_links = [
        {
            "href": f"{SITES_PATH}/{name}/new",
            "label": t("sites.new", lang_).format(what=collection_label(name, lang_)),
        }
        for name in creatable_collections(page.principal)
    ]
    shown_to = min(start + len(found.rows), found.total)

    def link(new_offset: int) -> str:
        params = {"collection": chosen, "q": q or "", "offset": str(new_offset)}
        return f"{SITES_PATH}?{urlencode({k: v for k, v in params.items() if v})}"

    return staff_response(
        page,
        "staff/sites.html",
        tabs=tabs,
        collection=chosen,
        collection_name=collection_label(chosen, lang_),
        query=q or "",
        rows=list_rows(chosen, found, lang_),
        total=found.total,
        range_text=t("sites.range", lang_).format(start=start + 1, end=shown_to, total=found.total)
        if found.total
        else "",
        prev_href=link(max(0, start - PAGE_SIZE)) if start > 0 else None,
        next_href=link(start + PAGE_SIZE) if start + PAGE_SIZE < found.total else None,
        new_links=new_links,
        kind_label=field_label(COLLECTIONS[chosen].kind_column, lang_),
    )


def _site_area(conn: Connection, code: str | None) -> dict | None:
    """The outline and name of the site's own area (its village, usually): context on a map with no basemap."""
    area = existing_area(conn, code) if code else None
    outline = area_outline(conn, area) if area else None
    return {"geometry": outline, "name": area.name} if area and outline else None


def _edit_page(
    request: Request,
    conn: Connection,
    settings,
    session: WebSession | None,
    lang: str | None,
    collection: str,
    site_id: int | None,
    basemap: str | None,
) -> Response:
    page = open_staff_page(request, conn, session, lang or settings.default_lang, SITES_PATH)
    if isinstance(page, Response):
        return page
    lang_ = page.lang
    spec = COLLECTIONS.get(collection)
    if spec is None:
        return _refused(page, t("sites.not_found.collection", lang_), 404)
    verb = "create" if site_id is None else "update"
    if not allowed(page.principal.role, f"{collection}.{verb}"):
        key = "sites.refused.create" if site_id is None else "sites.refused.update"
        return _refused(
            page, t(key, lang_).format(role=page.frame.role, what=collection_label(collection, lang_))
        )
    feature = None
    if site_id is not None:
        try:
            feature = get_site(conn, spec, site_id, page.principal)
        except NotFound:
            return _refused(page, t("sites.not_found.site", lang_), 404)
        if not covers(page.principal, feature["properties"].get("area_code")):
            return _refused(page, t("sites.refused.area", lang_).format(area=page.frame.area))
    props = feature["properties"] if feature else {}
    sections = form_sections(spec, lang_)
    values = {f.name: form_value(props.get(f.name)) for s in sections for f in s.fields}
    if feature is None:  # a new site starts with the model's defaults
        for s in sections:
            for f in s.fields:
                info = spec.fields.model_fields[f.name]
                if not info.is_required() and info.default is not None:
                    values[f.name] = form_value(info.default)
    choice = page_basemap(settings, basemap, request.url.path, {"lang": lang})
    chosen = basemap_layers(choice.name, lang_, choice.tianditu_key)
    zones = [
        {"name": col, "label": field_label(col, lang_), "color": ZONE_COLORS.get(col, "#333")}
        for col in spec.polygon_columns
    ]
    title = (
        t("sites.edit.title_new", lang_).format(what=collection_label(collection, lang_))
        if feature is None
        else t("sites.edit.title", lang_).format(name=props.get("name", ""))
    )
    config = {
        "lang": lang_,
        "collection": collection,
        "id": site_id,
        "feature": feature,
        "csrf": page.csrf_token,
        "api": f"/api/v1/{collection}",
        "fields": {f.name: {"widget": f.widget, "label": f.label} for s in sections for f in s.fields},
        "zones": zones,
        "outline": area_outline(conn, page.area),
        "siteArea": _site_area(conn, props.get("area_code")),
        "myArea": page.area.code if page.area else None,
        "myAreaPrefix": page.area.descendant_prefix if page.area else "",
        "basemap": basemap_config(chosen),
        "messages": js_messages(lang_),
        "vertexLabel": t("sites.vertex", lang_),
        "editUrl": f"{SITES_PATH}/{collection}/",
    }
    return staff_response(
        page,
        "staff/sites_edit.html",
        title=title,
        collection=collection,
        collection_name=collection_label(collection, lang_),
        feature=feature,
        sections=sections,
        values=values,
        zones=zones,
        config=config,
        version=props.get("version"),
        links=site_links(page, collection, site_id),
    )


def site_links(page: StaffPage, collection: str, site_id: int) -> list[tuple[str, str]]:
    """The site's other pages this account may open: public page, inspections, work orders, a new order."""
    role, lang_, query = (
        page.principal.role,
        page.lang,
        urlencode({"collection": collection, "site": site_id}),
    )
    links = []
    if collection in PUBLIC_PAGES:
        links.append((t("sites.links.public", lang_), f"/sites/{collection}/{site_id}"))
    if collection in UPKEEP_COLLECTIONS:
        if allowed(role, "inspections.read"):
            links.append((t("sites.links.inspections", lang_), f"/staff/inspections/{collection}/{site_id}"))
        if allowed(role, "work_orders.read"):
            links.append((t("sites.links.orders", lang_), f"/staff/work-orders?{query}"))
        if allowed(role, "work_orders.create"):
            links.append((t("sites.links.new_order", lang_), f"/staff/work-orders/new?{query}"))
    return links


@router.get(SITES_PATH + "/{collection}/new", response_class=HTMLResponse)
def site_new_page(
    request: Request,
    collection: str,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    lang: LangQuery = None,
    basemap: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """The form and map of a new site of a collection (for the roles that may create it)."""
    return _edit_page(request, conn, settings, session, lang, collection, None, basemap)


@router.get(SITES_PATH + "/{collection}/{site_id}", response_class=HTMLResponse)
def site_edit_page(
    request: Request,
    collection: str,
    site_id: str,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    lang: LangQuery = None,
    basemap: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """A site's form and map: fields, the point to drag, its zones to draw; saved with the version check."""
    number = int(site_id) if site_id.isdigit() and len(site_id) < 19 else 0
    if number < 1:
        page = open_staff_page(request, conn, session, lang or settings.default_lang, SITES_PATH)
        if isinstance(page, Response):
            return page
        return _refused(page, t("sites.not_found.site", page.lang), 404)
    return _edit_page(request, conn, settings, session, lang, collection, number, basemap)


@router.get(ZONES_PATH, response_class=HTMLResponse)
def zone_check_page(
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    session: SessionDep,
    lang: LangQuery = None,
    basemap: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Draw or upload a construction polygon and see every protection or construction-control zone it overlaps."""
    page = open_staff_page(request, conn, session, lang or settings.default_lang, ZONES_PATH)
    if isinstance(page, Response):
        return page
    choice = page_basemap(settings, basemap, request.url.path, {"lang": lang})
    chosen = basemap_layers(choice.name, page.lang, choice.tianditu_key)
    config = zone_page_config(
        page.lang, page.csrf_token, basemap_config(chosen), area_outline(conn, page.area)
    )
    return staff_response(page, "staff/zones_check.html", config=config, sources=DECLARED_SOURCES)
