"""Schema migrations (Alembic), run programmatically so the CLI and the tests share one path."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL

from geo.settings import PROJECT_ROOT


def alembic_config(url: URL) -> Config:
    """An Alembic config pointing at migrations/ and the given database."""
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: URL, revision: str = "head") -> None:
    """Bring the schema to ``revision``; running it again changes nothing."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: URL, revision: str) -> None:
    """Take the schema back to ``revision`` (``base`` drops every table)."""
    command.downgrade(alembic_config(url), revision)
