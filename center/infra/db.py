"""The database: one typed declarative base, and one engine + session factory per app.

Nothing connects at import time. :class:`Database` is made by :func:`init_app` (or directly, for
the in-process GSP variant) and hands out transactions:

* ``database.transaction()`` — a write transaction (``BEGIN IMMEDIATE`` on SQLite, so writers
  queue on the busy timeout instead of failing with "database is locked");
* ``database.transaction(write=False)`` — a read;
* ``database.run(fn)`` — ``fn(session)`` in a write transaction, retried when a concurrent
  transaction won a unique-constraint race (the retry then sees the winner's rows).

SQLite connections get WAL, ``foreign_keys=ON``, a busy timeout and ``BEGIN IMMEDIATE`` for
writes through :func:`ascc_plugin.sqlite.begin_immediate` (the project's one SQLite set-up).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from flask import Flask, current_app
from sqlalchemy import (
    DateTime,
    Dialect,
    MetaData,
    Table,
    TypeDecorator,
    create_engine,
    make_url,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from ascc_plugin.sealing import Seal
from ascc_plugin.sqlite import WRITE_OPTION, begin_immediate
from center.infra.secrets import install, seal_for
from center.settings import HubSettings

T = TypeVar("T")
S = TypeVar("S")
EXTENSION_KEY = "ascc_database"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every database (SQLite keeps no offset: stored as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: give a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Every center model; constraints are named so migrations can refer to them."""

    metadata = MetaData(naming_convention=NAMING)


class Database:
    """An engine and its session factory."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 5,
        max_overflow: int = 10,
        sqlite_synchronous: str = "NORMAL",
        sqlite_busy_timeout: int = 30,
        pool_pre_ping: bool = False,
        secrets: Seal | None = None,
    ) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = create_engine(
                url,
                connect_args={"check_same_thread": False, "timeout": sqlite_busy_timeout},
                pool_size=pool_size,
                max_overflow=max_overflow,
            )
            # secure_delete: stores' signing secrets and sealed answers once lay on these pages
            begin_immediate(self.engine, sqlite_synchronous, sqlite_busy_timeout * 1000, True)
        else:
            # The exactly-once claims and the retried races rely on READ COMMITTED (a statement
            # sees what committed before it): pinned, whatever the server's default says.
            self.engine = create_engine(
                url,
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_pre_ping=pool_pre_ping,
                isolation_level="READ COMMITTED",
            )
        if secrets is not None:
            install(self.engine, secrets)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.session_info: dict[str, Any] = {}
        """Copied into every session's ``info`` (upper layers keep their per-database objects here:
        the audit trail's change feed)."""
        self.write_lock: AbstractContextManager[Any] = (
            WriterLock(sqlite_file(url)) if self.is_sqlite else nullcontext()
        )

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on error.

        On SQLite, writers queue on a :class:`WriterLock` before ``BEGIN IMMEDIATE``: SQLite's
        own busy handler sleeps in steps of up to 100 ms, the lock wakes the next one at once.
        """
        lock = self.write_lock if write else nullcontext()
        with lock, self.sessions() as session, session.begin():
            session.info.update(self.session_info)
            session.connection(execution_options={WRITE_OPTION: write})
            yield session

    def run(self, work: Callable[[Session], T], retries: int = 8) -> T:
        """``work(session)`` in a write transaction, retried after a lost unique race.

        Also retried: a pooled connection found dead (the database restarted), which the pool
        then replaces — so no ``pool_pre_ping`` round trip is paid on every checkout.
        """
        for attempt in range(retries + 1):
            try:
                with self.transaction() as session:
                    return work(session)
            except (IntegrityError, OperationalError) as exc:
                if attempt == retries or not _retryable(exc, self.is_sqlite):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def dispose(self) -> None:
        self.engine.dispose()


def _retryable(exc: DBAPIError, is_sqlite: bool) -> bool:
    if isinstance(exc, IntegrityError) or exc.connection_invalidated:
        return True
    return is_sqlite and "locked" in str(exc)


def sqlite_file(url: str) -> str | None:
    """The database file of a SQLite URL; ``None`` for an in-memory database."""
    database = make_url(url).database
    return None if not database or database == ":memory:" else database


class WriterLock:
    """One SQLite writer at a time: a thread lock, then an ``flock`` shared by all processes.

    Threads of one process queue on the thread lock; the process holding it then takes an
    exclusive ``flock`` on ``<database>.writer`` so the workers of ``ascc center serve`` queue in
    the kernel too, and are woken at once when the writer commits (SQLite's busy handler would
    have them sleep and poll). The lock file is opened once per process, after any fork.
    """

    def __init__(self, database: str | None) -> None:
        self.path = f"{database}.writer" if database else None
        self.thread_lock = threading.Lock()
        self.fd: int | None = None
        self.pid = 0

    def __enter__(self) -> None:
        self.thread_lock.acquire()
        try:
            fd = self.file()
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            self.thread_lock.release()
            raise

    def __exit__(self, *_: object) -> None:
        try:
            if self.fd is not None and self.pid == os.getpid():
                fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.thread_lock.release()

    def file(self) -> int | None:
        if self.path is None:
            return None
        if self.fd is None or self.pid != os.getpid():
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self.pid = os.getpid()
        return self.fd


def dialect_insert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """The dialect's ``INSERT`` that knows ``ON CONFLICT`` (PostgreSQL or SQLite)."""
    return on_conflict_insert(session.get_bind().dialect, table)


def on_conflict_insert(dialect: Dialect, table: Table) -> postgresql.Insert | sqlite.Insert:
    """``dialect``'s ``INSERT`` that knows ``ON CONFLICT`` (PostgreSQL or SQLite)."""
    if dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


class PerDialect(Generic[S]):
    """A statement built once per dialect, on first use, then executed with parameters.

    Hot paths keep their statements here instead of building them per call: SQLAlchemy then
    finds the compiled form in its cache without generating a new statement's cache key (and
    an upsert's ``excluded`` alias is made once, not per request).
    """

    def __init__(self, build: Callable[[Dialect], S]) -> None:
        self.build = build
        self.built: dict[str, S] = {}

    def of(self, dialect: Dialect) -> S:
        found = self.built.get(dialect.name)
        if found is None:
            found = self.built.setdefault(dialect.name, self.build(dialect))
        return found


def init_app(app: Flask, settings: HubSettings) -> Database:
    """Make the app's database from its settings (no connection is opened yet)."""
    database = Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        sqlite_synchronous=settings.sqlite_synchronous,
        sqlite_busy_timeout=settings.sqlite_busy_timeout,
        pool_pre_ping=settings.db_pre_ping,
        secrets=seal_for(settings.keys_dir, settings.secrets_key),
    )
    app.extensions[EXTENSION_KEY] = database
    return database


def get_database(app: Flask | None = None) -> Database:
    database = (app or current_app).extensions[EXTENSION_KEY]
    assert isinstance(database, Database)
    return database
