"""What a block of code sends to a database: the SQL statements and the transactions begun on one
engine, and the ORM executions made meanwhile (for tests that keep a hot path's round trips
counted)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import ORMExecuteState, Session


@contextmanager
def watched(engine: Engine) -> Iterator[dict[str, list[Any]]]:
    """The SQL statements sent (``sql``), the transactions begun (``begins``) and the ORM
    executions made (``orm``) in the block."""
    seen: dict[str, list[Any]] = {"sql": [], "begins": [], "orm": []}
    lock = threading.Lock()

    def on_sql(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        with lock:
            seen["sql"].append(statement)

    def on_begin(_conn: Any) -> None:
        with lock:
            seen["begins"].append(True)

    def on_orm(state: ORMExecuteState) -> None:
        with lock:
            seen["orm"].append(str(state.statement))

    listeners = ((engine, "before_cursor_execute", on_sql), (engine, "begin", on_begin),
                 (Session, "do_orm_execute", on_orm))  # fmt: skip
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield seen
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)
