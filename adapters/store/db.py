"""The SQLite engine of the store state: WAL, a busy timeout, ``BEGIN IMMEDIATE`` writes.

With a deferred ``BEGIN`` concurrent writers fail at once with "database is locked" (NOTES.md);
taking the write lock at ``BEGIN`` makes them queue behind the busy timeout instead. The recipe
is SQLAlchemy's (SQLite dialect docs: take over pysqlite's transaction handling).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from adapters.store.models import Base

BUSY_TIMEOUT_MS = 10_000


def make_engine(path: Path) -> Engine:
    """An engine on the SQLite file ``path`` (made, with its tables, if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    Base.metadata.create_all(engine)
    engine.dispose()  # no connection survives into forked server workers
    return engine


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged delivery survives power loss
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _on_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
