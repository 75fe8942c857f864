"""Settings read from the environment (prefix ``VETMAP_``), in one place: a pydantic-settings class per concern.

``Settings`` (``VETMAP_``): the app and the CLI; ``UpkeepSettings`` (``VETMAP_UPKEEP_``): condition index,
inspection cycles, photos; ``ReportSettings`` (``VETMAP_REPORT_``): public damage reports; ``TileSettings``
(``VETMAP_TILES_``): the vector-tile cache; ``SecuritySettings`` (``VETMAP_SECURITY_``): the HTTP hardening.
The app factory (api/app.py ``create_app``) builds each once and hands it down; nothing is read at import.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


class Settings(BaseSettings):
    """Everything the app and the CLI can be configured with; built once and passed down."""

    model_config = SettingsConfigDict(env_prefix="VETMAP_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of a PostGIS database; unset means the embedded cluster under var_dir.",
    )
    var_dir: Path = Field(
        default=PROJECT_ROOT / "var", description="Folder for the embedded cluster and logs."
    )
    embedded_port: int = Field(
        default=54329, ge=1024, le=65535, description="Preferred embedded cluster port."
    )
    embedded_os_user: str = Field(
        default="postgres", description="Unprivileged OS user that runs the embedded server when we are root."
    )
    embedded_database: str = "vetmap"
    node_modules: Path = Field(default=PROJECT_ROOT / "node_modules", description="npm-installed web assets.")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    default_page_size: int = Field(default=100, ge=1)
    max_page_size: int = Field(default=1000, ge=1)
    default_lang: Literal["zh", "en"] = "zh"
    # accounts and sign-in (issue 5)
    auth_secret: SecretStr | None = Field(
        default=None,
        description="key that signs access tokens (JWT, HS256); unset: generated once into var_dir/auth_secret (0600)",
    )
    access_token_minutes: int = Field(default=30, ge=1, le=24 * 60, description="lifetime of an access token")
    session_hours: float = Field(default=8.0, gt=0, le=24 * 30, description="lifetime of a web sign-in")
    login_max_failures: int = Field(default=5, ge=1, description="failed logins per username in the window")
    login_max_failures_per_address: int = Field(
        default=20, ge=1, description="failed logins per client address in the window"
    )
    login_window_s: int = Field(default=900, ge=1, description="window of the login lock-out, seconds")
    # online tribute and basemaps (issue 7)
    tribute_per_target_per_hour: int = Field(
        default=5, ge=1, description="tributes one client may leave on one page in any hour"
    )
    tribute_per_hour: int = Field(default=30, ge=1, description="tributes one client may leave in any hour")
    basemap: Literal["osm", "tianditu", "amap", "none"] = Field(
        default="osm",
        description="default basemap of the maps; 'none': our own boundaries only (no internet)",
    )
    tianditu_key: SecretStr | None = Field(
        default=None, description="Tianditu (天地图) browser key; unset: the Tianditu basemap is not offered"
    )
    # large maps (issue 9): a collection with more sites than this is drawn from server-side cluster tiles
    map_embed_max: int = Field(
        default=10_000,
        ge=0,
        description="most sites of one collection the overview map embeds in the page; above: cluster tiles",
    )
    # read replicas (issue 10): public reads go to streaming standbys (geo/database/replicas.py)
    database_replica_urls: str = Field(
        default="",
        description="comma-separated PostgreSQL URLs of streaming replicas for public reads; empty: no replicas",
    )
    replica_max_lag_s: float = Field(
        default=30.0, ge=0, description="a replica replaying more than this many seconds behind is not used"
    )
    replica_backoff_s: float = Field(
        default=10.0,
        gt=0,
        description="a replica that failed a connect or query is left out this many seconds",
    )
    replica_check_interval_s: float = Field(
        default=2.0,
        gt=0,
        description="seconds between probes of the replicas' health, lag and replay position",
    )
    replica_connect_timeout_s: int = Field(
        default=2, ge=1, le=60, description="seconds a connect to a replica may take before it counts as down"
    )
    read_your_writes_s: int = Field(
        default=300,
        ge=1,
        description="how long a writer's reads wait for replicas to replay its last write (cookie and note lifetime)",
    )
    # operations (issue 10): who may read /metrics (api/metrics.py), how `serve` logs (api/request_log.py)
    metrics_allowed_networks: list[IPvAnyNetwork] = Field(
        default=["127.0.0.0/8", "::1/128"],
        validate_default=True,
        description="client networks (CIDR; in the environment a JSON list) that may read /metrics without the "
        "metrics token; []: the token only",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="bearer token with which any client may read /metrics; unset: no token opens it",
    )
    # client addresses (issue 18): whose X-Forwarded-For is believed (api/proxies.py)
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = Field(
        default=[],
        description="addresses or networks (CIDR) of the reverse proxies in front of the app, comma-separated or "
        "a JSON list; a request from one of them is taken to come from the right-most address of its "
        "X-Forwarded-For that is not a trusted proxy (rate limits, audit log, sign-ins, /metrics); "
        "empty: X-Forwarded-For is never believed",
    )
    log_format: Literal["json", "text"] = Field(
        default="json", description="logs of `serve`: one JSON object a line, or text for humans"
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="least severe level `serve` logs (the access log is at info)"
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_list(cls, value: Any) -> Any:
        """A comma- or space-separated string of addresses is a list too (a JSON list is read as JSON)."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part for part in text.replace(",", " ").split() if part]
        return value


class UpkeepSettings(BaseSettings):
    """Weights of the inspection categories in the condition index, and the index bands of the upkeep status.

    Each category is scored 0 (destroyed or missing) to 4 (good as new); a category left out (not applicable,
    say the enclosure of a grave that has none) drops out of the weighting. Environment: ``VETMAP_UPKEEP_*``,
    e.g. ``VETMAP_UPKEEP_WEIGHT_MONUMENT=30``.
    """

    model_config = SettingsConfigDict(env_prefix="VETMAP_UPKEEP_", extra="ignore")

    weight_monument: int = Field(default=25, ge=0, le=1000, description="headstones / monument body")
    weight_structure: int = Field(default=20, ge=0, le=1000, description="buildings and structure")
    weight_paths: int = Field(default=10, ge=0, le=1000, description="paths and steps")
    weight_greenery: int = Field(default=10, ge=0, le=1000, description="trees, lawns, planting")
    weight_signage: int = Field(default=10, ge=0, le=1000, description="protection sign and name plates")
    weight_enclosure: int = Field(default=10, ge=0, le=1000, description="walls, fences, gates")
    weight_cleanliness: int = Field(default=15, ge=0, le=1000, description="litter, weeds, stains")
    good_from: int = Field(
        default=85, ge=0, le=100, description="index from which the upkeep status is 'good'"
    )
    fair_from: int = Field(default=70, ge=0, le=100, description="index from which it is 'fair'")
    poor_from: int = Field(
        default=50, ge=0, le=100, description="index from which it is 'poor' (below: 'damaged')"
    )
    # inspection cycles (days between inspections) per protection level, and for graves (geo/upkeep/schedules.py)
    cycle_days_national: int = Field(default=30, ge=1, le=3660, description="national-level protected sites")
    cycle_days_provincial: int = Field(
        default=60, ge=1, le=3660, description="provincial-level protected sites"
    )
    cycle_days_city: int = Field(default=90, ge=1, le=3660, description="city-level protected sites")
    cycle_days_county: int = Field(default=90, ge=1, le=3660, description="county-level protected sites")
    cycle_days_scattered: int = Field(
        default=180, ge=1, le=3660, description="scattered memorial facilities (零散纪念设施)"
    )
    cycle_days_scattered_grave: int = Field(
        default=180, ge=1, le=3660, description="scattered graves (零散烈士墓)"
    )
    cycle_days_cemetery_grave: int = Field(
        default=365, ge=1, le=3660, description="graves inside a cemetery (looked after with the cemetery)"
    )
    due_soon_days: int = Field(
        default=14, ge=0, le=365, description="'due soon': next due within this many days"
    )
    # photos of inspections and work orders (geo/upkeep/photos.py)
    photo_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, description="largest photo upload, bytes")
    photo_max_pixels: int = Field(default=50_000_000, ge=10_000, description="largest photo, width x height")
    photo_decode_max_bytes: int = Field(
        default=128 * MIB,
        ge=MIB,
        description="most memory decoding one photo may take, bytes: width x height x bytes per pixel, read from "
        "the header (a JPEG is decoded at a reduced scale, so only its reduced size counts)",
    )
    photo_decode_wait_s: float = Field(
        default=20.0,
        ge=0,
        le=600,
        description="how long an upload waits for the worker's one decoding slot before it is answered 503",
    )

    def cycle_days(self) -> dict[str, int]:
        """Days between inspections per cycle key (protection levels, scattered_grave, cemetery_grave)."""
        return {
            name[len("cycle_days_") :]: value
            for name, value in self.model_dump().items()
            if name.startswith("cycle_days_")
        }

    def weights(self) -> dict[str, int]:
        """Weight per category name (monument, structure, paths, greenery, signage, enclosure, cleanliness)."""
        return {
            name[len("weight_") :]: value
            for name, value in self.model_dump().items()
            if name.startswith("weight_")
        }


class ReportSettings(BaseSettings):
    """Limits of public damage reports (geo/public/reports.py; env prefix ``VETMAP_REPORT_``)."""

    model_config = SettingsConfigDict(env_prefix="VETMAP_REPORT_", extra="ignore")

    radius_m: float = Field(
        default=1000.0,
        gt=0,
        le=50_000,
        description="a report goes to the nearest site within this many metres",
    )
    description_max: int = Field(
        default=4000, ge=10, le=20_000, description="longest description, characters"
    )
    max_photos: int = Field(default=3, ge=0, le=10, description="photos per report")
    upload_slots: int = Field(
        default=2,
        ge=1,
        le=64,
        description="reports with photos (multipart) one worker takes at once; more are answered 503 at once",
    )
    list_max: int = Field(default=1000, ge=1, le=10_000, description="most requests one GET requests answers")
    list_days: int = Field(default=90, ge=1, le=3660, description="widest date range of GET requests, days")


class TileSettings(BaseSettings):
    """Settings of the tile cache and of HTTP caching (geo/ogc/tiles.py; env prefix ``VETMAP_TILES_``)."""

    model_config = SettingsConfigDict(env_prefix="VETMAP_TILES_", extra="ignore")

    cache_max_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description="Memory bound of the in-process tile cache; 0 disables it.",
    )
    max_age: int = Field(
        default=60, ge=0, description="Seconds a client may reuse a tile before revalidating its ETag."
    )


class SecuritySettings(BaseSettings):
    """Limits and headers of the hardening middleware (api/security.py; env prefix ``VETMAP_SECURITY_``)."""

    model_config = SettingsConfigDict(env_prefix="VETMAP_SECURITY_", extra="ignore")

    max_body_bytes: int = Field(default=2 * MIB, ge=0, description="Largest request body (bytes) by default.")
    upload_max_bytes: int = Field(
        default=512 * MIB, ge=0, description="Largest request body (bytes) of the upload paths."
    )
    upload_paths: list[str] = Field(
        default=[r"^/api/v1/roads/networks$", r"^/api/v1/imports$"],
        description="Regular expressions of the paths whose bodies are file uploads (upload_max_bytes).",
    )
    photo_paths: list[str] = Field(
        default=[
            r"^/api/v1/(memorials|cemeteries|graves)/\d+/(inspections/\d+/)?photos$",
            r"^/api/v1/work-orders/\d+/photos$",
            r"^/open311/v2/requests\.(json|xml)$",  # a public report's photos, together (geo/public/reports.py)
        ],
        description="Regular expressions of the photo upload paths (limit: the upkeep photo_max_bytes plus "
        "multipart_overhead_bytes).",
    )
    multipart_overhead_bytes: int = Field(
        default=64 * 1024,
        ge=0,
        description="Room for the form fields and part headers around an uploaded photo.",
    )
    rate_limit_requests: int = Field(
        default=60, ge=0, description="POSTs per window and client on the rate-limited paths; 0 turns it off."
    )
    rate_limit_window_s: float = Field(default=60.0, gt=0, description="Sliding window length, seconds.")
    rate_limited_paths: list[str] = Field(
        default=[
            r"^/api/v1/[a-z_]+/within$",
            r"^/api/v1/protection-zones/check$",
            r"^/open311/v2/requests(\.(json|xml))?$",
            r"^/reports/[0-9]+/follow$",
            r"^/api/v1/family-requests$",
            r"^/api/v1/tributes$",
        ],
        description="Regular expressions of the public POST paths that are rate limited.",
    )
    login_rate_limit_requests: int = Field(
        default=10, ge=0, description="Login/token POSTs per window and client; 0 turns it off."
    )
    login_paths: list[str] = Field(
        default=[r"^/api/v1/(auth/)?(token|login)$", r"^/(auth/)?login$"],
        description="Regular expressions of the login and token paths.",
    )
    max_tracked_clients: int = Field(
        default=10_000, ge=1, description="Client addresses remembered per limit (oldest forgotten first)."
    )
    hsts_max_age: int = Field(
        default=31_536_000, ge=0, description="Strict-Transport-Security max-age (https)."
    )
