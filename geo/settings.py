"""Settings read from the environment (prefix ``VETMAP_``), in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
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
