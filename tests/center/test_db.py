"""The database layer: SQLite pragmas and BEGIN IMMEDIATE, URL mapping, migrations = models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pydantic import ValidationError
from sqlalchemy import event, text

from center.infra.db import Database
from center.models import Base
from center.settings import HubSettings
from tests.common.hub import LiveHub


def test_sqlite_writes_begin_immediate_and_reads_begin_deferred(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'x.sqlite'}")
    seen: list[str] = []
    event.listen(
        database.engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *args: seen.append(statement),
    )
    with database.transaction() as session:
        session.execute(text("SELECT 1"))
    with database.transaction(write=False) as session:
        session.execute(text("SELECT 1"))
    assert [s for s in seen if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE", "BEGIN"]
    database.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'x.sqlite'}", sqlite_busy_timeout=7)
    with database.transaction(write=False) as session:
        assert session.scalar(text("PRAGMA journal_mode")) == "wal"
        assert session.scalar(text("PRAGMA foreign_keys")) == 1
        assert session.scalar(text("PRAGMA busy_timeout")) == 7000
    database.dispose()


@pytest.mark.parametrize(
    "given,expected",
    [
        ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.sqlite", "sqlite:///x.sqlite"),
    ],
)
def test_database_urls_map_to_psycopg3(given: str, expected: str) -> None:
    assert HubSettings(database_url=given).database_url == expected


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(ValidationError, match="unsupported database 'mysql'"):
        HubSettings(database_url="mysql://u@h/db")


def test_migrations_create_exactly_the_models(live: LiveHub) -> None:
    with live.database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
