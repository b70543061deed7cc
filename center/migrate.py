"""Schema migrations (Alembic): the one source of truth for the hub's tables.

``ascc center init-db``, ``ascc center serve`` and the tests all call :func:`upgrade`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from center.infra.db import Database

SCRIPT_LOCATION = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["connection"] = connection
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest by default)."""
    with database.engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def revision(database: Database, message: str) -> None:
    """Write a new migration with the model changes since the last one (developers only)."""
    with database.engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)
