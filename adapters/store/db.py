"""The SQLite engine of the store state: WAL, a busy timeout, ``BEGIN IMMEDIATE`` writes,
``synchronous=FULL`` (an acknowledged delivery survives power loss), through the project's one
SQLite set-up (:mod:`ascc_plugin.sqlite`)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from adapters.store.models import Base
from ascc_plugin.sqlite import begin_immediate

BUSY_TIMEOUT_MS = 10_000


def make_engine(path: Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    """An engine on the SQLite file ``path`` (made, with its tables, if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}")
    begin_immediate(engine, "FULL", busy_timeout_ms)
    Base.metadata.create_all(engine)
    engine.dispose()  # no connection survives into forked server workers
    return engine


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
