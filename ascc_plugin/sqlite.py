"""The one way the project opens SQLite: WAL, foreign keys, a busy timeout, ``BEGIN IMMEDIATE``.

With a deferred ``BEGIN`` concurrent writers fail at once with "database is locked" (NOTES.md:
289 of 300 contending transactions, measured); taking the write lock at ``BEGIN`` makes them
queue behind the busy timeout instead. Three places open SQLite — the hub's database
(:mod:`center.infra.db`), the store's state (:mod:`adapters.store.db`) and the store's outbox
(:mod:`ascc_plugin.client.outbox`, plain ``sqlite3``) — and all three go through here:

* :func:`prepare` — the pragmas of a new DB-API connection (and no driver-managed transactions);
* :func:`begin_immediate` — SQLAlchemy engine events: ``BEGIN IMMEDIATE`` for writes, ``BEGIN``
  for a connection whose execution option :data:`WRITE_OPTION` is false (SQLAlchemy's recipe);
* :func:`write_transaction` — the same for a plain ``sqlite3`` connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

WRITE_OPTION = "ascc_write"
SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")


def prepare(
    connection: Any,
    synchronous: str = "FULL",
    busy_timeout_ms: int = 10_000,
    secure_delete: bool = False,
) -> None:
    """WAL, foreign keys, the busy timeout and ``synchronous`` on a new connection.

    ``secure_delete``: deleted or overwritten content is zeroed on its page instead of lingering
    in the file (for files whose rows ever held secrets).
    """
    if synchronous not in SYNCHRONOUS:
        raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS)}")
    connection.isolation_level = None  # transactions are begun here, never by the driver
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    if secure_delete:
        cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def begin_immediate(
    engine: Engine,
    synchronous: str = "FULL",
    busy_timeout_ms: int = 10_000,
    secure_delete: bool = False,
) -> None:
    """Prepare every connection of ``engine`` and begin its transactions as writes or reads."""

    @event.listens_for(engine, "connect")
    def on_connect(connection: Any, _record: Any) -> None:
        prepare(connection, synchronous, busy_timeout_ms, secure_delete)

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, True)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def write_transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` on a prepared connection (``ROLLBACK`` on error)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
