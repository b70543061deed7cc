"""The database layer: SQLite pragmas and BEGIN IMMEDIATE, URL mapping, migrations = models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pydantic import ValidationError
from sqlalchemy import Integer, column, event, select, text

from ascc_plugin.in_lists import InList
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


NUMBERS = (
    text(" UNION ALL ".join(f"SELECT {n} AS n" for n in range(100)))
    .columns(column("n", Integer))
    .subquery("numbers")
)
BY_IN_LIST = InList(lambda ids: select(NUMBERS.c.n).where(NUMBERS.c.n.in_(ids)))


@pytest.mark.parametrize("count", [0, 1, 3, 32, 33, 70])
def test_in_lists_of_any_length_find_exactly_the_rows_asked(live: LiveHub, count: int) -> None:
    """Padded to a built width, batched past the widest: the rows a plain IN would find."""
    wanted = list(range(0, 2 * count, 2))  # 70 asks up to 138: those past 99 find nothing
    widths, found = [], []
    with live.database.transaction(write=False) as session:
        for statement, values in BY_IN_LIST.batches(wanted):
            widths.append(len(values))
            found += [row[0] for row in session.execute(statement, values)]
    assert sorted(found) == [n for n in wanted if n < 100]
    assert all(width in InList.WIDTHS for width in widths)
    assert len(widths) == -(-count // InList.WIDTHS[-1])  # one query per 32 values
