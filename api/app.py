"""The FastAPI application factory: ``create_app(settings)``."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from sqlalchemy import Engine

from api.cross_origin import PublicReadAccess
from api.errors import install_error_handlers
from api.metrics import install_metrics
from api.page_cache import PageCache
from api.preferences import PreferencesMiddleware
from api.preferences import router as preferences_router
from api.proxies import install_trusted_proxies
from api.replica_routing import ReplicaRoutingMiddleware
from api.request_log import install_request_log
from api.route_template import RouteTemplates
from api.routes import docs, health, staff
from api.routes.accounts import login
from api.routes.accounts.audit import router as audit_router
from api.routes.accounts.auth import router as auth_router
from api.routes.accounts.pages import router as account_pages_router
from api.routes.atlas import areas, pages
from api.routes.atlas.clusters import router as clusters_router
from api.routes.atlas.site_pages import router as site_pages_router
from api.routes.atlas.sites import all_site_routers
from api.routes.atlas.spatial import router as spatial_router
from api.routes.coverage.downloads import router as coverage_downloads_router
from api.routes.coverage.page import router as coverage_page_router
from api.routes.coverage.rates import router as coverage_router
from api.routes.coverage.roads import router as roads_router
from api.routes.coverage.siting import router as siting_router
from api.routes.coverage.siting_page import router as siting_page_router
from api.routes.coverage.travel_page import router as travel_page_router
from api.routes.importing.imports import router as imports_router
from api.routes.importing.pages import router as import_pages_router
from api.routes.ogc.editing import router as ogc_editing_router
from api.routes.ogc.features import router as ogc_router
from api.routes.ogc.tiles import router as tiles_router
from api.routes.ogc.tilesets import router as tilesets_router
from api.routes.public.family_request_pages import router as family_request_pages_router
from api.routes.public.family_requests import router as family_requests_router
from api.routes.public.martyrs import router as martyrs_router
from api.routes.public.moderation_pages import router as moderation_pages_router
from api.routes.public.open311 import router as open311_router
from api.routes.public.pages import router as public_pages_router
from api.routes.public.proxy_tributes import api_router as proxy_tributes_api_router
from api.routes.public.proxy_tributes import router as proxy_tribute_pages_router
from api.routes.public.report_pages import router as report_pages_router
from api.routes.public.search import router as search_router
from api.routes.public.tributes import asset_router as tribute_asset_router
from api.routes.public.tributes import router as tributes_router
from api.routes.upkeep.campaign_pages import router as campaign_pages_router
from api.routes.upkeep.crew import api_router as crew_api_router
from api.routes.upkeep.crew import pages_router as crew_pages_router
from api.routes.upkeep.crew_map import router as crew_map_router
from api.routes.upkeep.crew_offline import router as crew_offline_router
from api.routes.upkeep.inspection_pages import router as inspection_pages_router
from api.routes.upkeep.inspections import all_inspection_routers
from api.routes.upkeep.photos import all_photo_routers
from api.routes.upkeep.report import page_router as upkeep_page_router
from api.routes.upkeep.report import router as upkeep_router
from api.routes.upkeep.schedules import router as schedules_router
from api.routes.upkeep.work_order_pages import router as work_order_pages_router
from api.routes.upkeep.work_orders import router as work_orders_router
from api.security import install_security
from geo.atlas.clusters import ClusterService
from geo.database.engine import database_url, make_engine, make_read_engine
from geo.database.replicas import ReplicaSet, WriterNotes
from geo.ogc.tiles import TileService
from geo.settings import ReportSettings, SecuritySettings, Settings, TileSettings, UpkeepSettings
from web.assets import vendor_app

_log = logging.getLogger("vetmap.app")
WARM_JOIN_S = 30.0
"""Seconds shutdown waits for the start-up build of the cluster pyramids before closing the pools."""
WARM_READY_S = 5.0
"""Seconds start-up waits for that build before the server takes requests (640,000 stations: about 0.8 s), so the
first visitors do not wait behind it; a longer build goes on in the background and the tiles wait for it."""


def _warm_clusters(engine: Engine, clusters: ClusterService, embed_max: int) -> None:
    """Build the cluster pyramids of the collections too large to embed, off the event loop; a failure only
    delays them to the first tile request."""
    try:
        with engine.connect() as conn:
            built = clusters.warm(conn, embed_max)
        if built:
            _log.info("cluster pyramids built at start-up: %s", ", ".join(built))
    except Exception as exc:  # noqa: BLE001 - the database may be down at start; the tiles build on demand
        _log.warning("cluster pyramids not built at start-up: %s", exc)


def _freeze_start_up_objects() -> None:
    """Leave the objects alive at start-up (modules, routes, mapped tables: some 300,000) out of the garbage
    collector's full passes, which otherwise stop every request for about 200 ms now and then; once a process."""
    if gc.get_freeze_count() == 0:
        gc.collect()  # start-up garbage first, so only live objects are kept out
        gc.freeze()


def create_app(
    settings: Settings,
    security: SecuritySettings | None = None,
    upkeep: UpkeepSettings | None = None,
    *,
    reports: ReportSettings | None = None,
    tiles: TileSettings | None = None,
) -> FastAPI:
    """Build the app from settings (the other classes of geo/settings.py from the environment when not given,
    here and only here); the engine connects lazily, on the first request."""
    engine = make_engine(database_url(settings))
    read_engine = make_read_engine(database_url(settings))
    replica_set = ReplicaSet.from_settings(settings, read_engine)  # VETMAP_DATABASE_REPLICA_URLS; none: empty

    clusters = ClusterService()

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        warming = threading.Thread(
            target=_warm_clusters, args=(read_engine, clusters, settings.map_embed_max), daemon=True
        )
        warming.start()
        _freeze_start_up_objects()
        await asyncio.to_thread(warming.join, WARM_READY_S)
        yield
        warming.join(WARM_JOIN_S)  # its connection back in the pool before the pool is closed
        engine.dispose()
        read_engine.dispose()
        replica_set.dispose()

    app = FastAPI(
        title="VetMap",
        version="0.1.0",
        description="Veterans' service stations, martyr memorials, cemeteries and graves on PostGIS.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served by api/routes/docs.py with local assets
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.read_engine = read_engine
    app.state.replica_set = replica_set
    app.state.cluster_service = clusters  # the overview map's cluster pyramids (geo/atlas/clusters.py)
    app.state.page_cache = PageCache()  # rendered map pages under their data versions (api/page_cache.py)
    app.state.replicas = replica_set.replicas  # each with .name (host:port), .engine, .read_engine, .healthy
    app.state.upkeep = upkeep if upkeep is not None else UpkeepSettings()
    app.state.reports = reports if reports is not None else ReportSettings()  # public damage reports
    # reports with photos taken at once (api/routes/public/open311.py): more are answered 503 before being read
    app.state.report_uploads = threading.BoundedSemaphore(app.state.reports.upload_slots)
    # vector tiles (geo/ogc/tiles.py): one service and one in-process cache per app
    app.state.tile_service = TileService(tiles if tiles is not None else TileSettings())
    install_error_handlers(app)
    if (
        replica_set
    ):  # innermost: a public read a replica failed is taken again on the primary, inside the rest
        app.add_middleware(
            ReplicaRoutingMiddleware,
            replicas=replica_set,
            notes=WriterNotes(settings.read_your_writes_s),
            cookie_max_age_s=settings.read_your_writes_s,
        )
    # innermost: remembered language and basemap (cookies) go into page queries before the routes run
    app.add_middleware(PreferencesMiddleware)
    # inside GZip: the hardening middleware adds the CSP nonce to uncompressed HTML
    install_security(app, security if security is not None else SecuritySettings())
    # level 6: about the size of 9 at a third of the time (a 770 kB page: 31 ms, not 93 ms)
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    # public reads (/ogc, /tiles, /open311) from any origin, HEAD and OPTIONS on them (api/cross_origin.py)
    app.add_middleware(PublicReadAccess)
    # outermost: the metrics count every answer (a 413 or 429 of the hardening too), and the request log gives
    # each request its id before anything else runs and answers an unhandled error with a JSON 500
    templates = RouteTemplates(app)
    install_metrics(app, templates)
    install_request_log(app, templates)
    # outermost of all: the client's address behind the trusted proxies (VETMAP_TRUSTED_PROXIES), so the request
    # log, the metrics, the rate limits and the audit log see the same address
    install_trusted_proxies(app, settings.trusted_proxies)

    # the busiest routes first: a request is matched against the routes in order, and these prefixes
    # (/tiles, /ogc) overlap no other
    app.include_router(tiles_router)
    app.include_router(tilesets_router)  # OGC API Tiles and the map style under /ogc
    app.include_router(ogc_router)
    app.include_router(ogc_editing_router)  # Part 4: writes and OPTIONS on the same paths

    api = APIRouter(prefix="/api/v1")
    # spatial-query routers (registered before the CRUD routers, whose /{site_id} would match first)
    # <spatial-routers>
    api.include_router(spatial_router)
    api.include_router(clusters_router)  # the overview map's cluster tiles at scale
    for router in all_site_routers():
        api.include_router(router)
    api.include_router(areas.router)
    api.include_router(coverage_router)
    api.include_router(coverage_downloads_router)
    api.include_router(siting_router)
    api.include_router(roads_router)
    api.include_router(auth_router)
    api.include_router(audit_router)
    for router in all_inspection_routers():
        api.include_router(router)
    api.include_router(work_orders_router)
    api.include_router(imports_router)
    api.include_router(schedules_router)
    api.include_router(crew_api_router)
    for router in all_photo_routers():
        api.include_router(router)
    api.include_router(upkeep_router)
    api.include_router(family_requests_router)
    api.include_router(search_router)
    api.include_router(martyrs_router)
    api.include_router(tributes_router)
    api.include_router(proxy_tributes_api_router)
    app.include_router(api)
    app.include_router(open311_router)
    app.include_router(health.router)
    app.include_router(docs.router)
    app.include_router(pages.router)
    app.include_router(coverage_page_router)  # /coverage, where the atlas pages' router had it
    app.include_router(login.router)
    app.include_router(staff.router)
    app.include_router(siting_page_router)
    app.include_router(travel_page_router)
    app.include_router(site_pages_router)
    app.include_router(import_pages_router)
    app.include_router(account_pages_router)
    app.include_router(family_request_pages_router)
    app.include_router(work_order_pages_router)
    app.include_router(inspection_pages_router)
    app.include_router(campaign_pages_router)
    app.include_router(moderation_pages_router)
    app.include_router(upkeep_page_router)
    app.include_router(crew_offline_router)  # before /crew/{collection}/{site_id}
    app.include_router(crew_map_router)
    app.include_router(crew_pages_router)
    app.include_router(public_pages_router)
    app.include_router(report_pages_router)
    app.include_router(proxy_tribute_pages_router)
    app.include_router(tribute_asset_router)
    app.include_router(preferences_router)
    app.mount("/static/vendor", vendor_app(settings.node_modules), name="vendor")
    return app
