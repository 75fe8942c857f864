"""Settings read from the environment (prefix ``VETMAP_``), in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
