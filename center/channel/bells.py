"""The doorbell inside one process: which sockets watch which case, and waking them.

Each socket holds a :class:`Listener` (an event and a few ephemeral notices such as ``typing``).
A ring only says "look at the log again": the socket reads its case's frames after its own
cursor from the database, so a ring that is lost, doubled or late changes nothing but latency.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any


class Listener:
    """One socket's doorbell: ``event`` is set by a ring; ``notices`` hold typing and the like."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        self.event = threading.Event()
        self.notices: deque[dict[str, Any]] = deque(maxlen=16)

    def ring(self) -> None:
        self.event.set()

    def notice(self, item: dict[str, Any]) -> None:
        self.notices.append(item)
        self.event.set()

    def take_notices(self) -> list[dict[str, Any]]:
        taken = []
        while self.notices:
            try:
                taken.append(self.notices.popleft())
            except IndexError:  # pragma: no cover - emptied by a race
                break
        return taken


class Bells:
    """Every listener of this process, by case."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_case: dict[str, set[Listener]] = {}

    def listen(self, case_id: str) -> Listener:
        listener = Listener(case_id)
        with self.lock:
            self.by_case.setdefault(case_id, set()).add(listener)
        return listener

    def leave(self, listener: Listener) -> None:
        with self.lock:
            found = self.by_case.get(listener.case_id)
            if found is not None:
                found.discard(listener)
                if not found:
                    del self.by_case[listener.case_id]

    def listeners(self, case_id: str | None = None) -> list[Listener]:
        with self.lock:
            if case_id is not None:
                return list(self.by_case.get(case_id, ()))
            return [item for found in self.by_case.values() for item in found]

    def ring(self, case_id: str) -> None:
        for listener in self.listeners(case_id):
            listener.ring()

    def ring_all(self) -> None:
        """Wake every socket (after the bus reconnected: rings may have been missed)."""
        for listener in self.listeners():
            listener.ring()

    def notice(self, case_id: str, item: dict[str, Any]) -> None:
        for listener in self.listeners(case_id):
            listener.notice(item)
