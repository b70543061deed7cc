"""What a block of code sends to a database: the SQL statements on one engine, and the ORM
executions made meanwhile (for tests that keep a hot path's round trips counted)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import ORMExecuteState, Session


@contextmanager
def watched(engine: Engine) -> Iterator[dict[str, list[Any]]]:
    """The SQL statements sent (``sql``) and the ORM executions made (``orm``) in the block."""
    seen: dict[str, list[Any]] = {"sql": [], "orm": []}
    lock = threading.Lock()

    def on_sql(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        with lock:
            seen["sql"].append(statement)

    def on_orm(state: ORMExecuteState) -> None:
        with lock:
            seen["orm"].append(str(state.statement))

    event.listen(engine, "before_cursor_execute", on_sql)
    event.listen(Session, "do_orm_execute", on_orm)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_sql)
        event.remove(Session, "do_orm_execute", on_orm)
