"""The doorbell inside one process: which sockets watch which case, and waking them.

Each socket holds a :class:`Listener` (an event and a few ephemeral notices such as ``typing``);
the sockets of one case share the case's :class:`~center.channel.tails.Tail`, its newest frames
in this process. A ring only says "look again", with the head it announces when it knows it: the
socket takes its frames from the tail, or reads the log when the tail is behind, so a ring that
is lost, doubled or late changes nothing but latency. :meth:`Bells.ring_all` (after the bus
reconnected: rings may have been missed) also marks every listener ``stale``: its next turn
reads the log whatever the tail says.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from typing import Any

from center.channel.tails import Out, Tail


class Listener:
    """One socket's doorbell: ``event`` is set by a ring; ``notices`` hold typing and the like.

    ``event`` may be the socket's own (simple-websocket sets it when a client frame arrives),
    so one thread waits for both.
    """

    def __init__(self, case_id: str, tail: Tail, event: threading.Event | None = None) -> None:
        self.case_id, self.tail = case_id, tail
        self.event = event or threading.Event()
        self.notices: deque[dict[str, Any]] = deque(maxlen=16)
        self.stale = False

    def ring(self) -> None:
        self.event.set()

    def ring_stale(self) -> None:
        self.stale = True
        self.event.set()

    def take_stale(self) -> bool:
        stale, self.stale = self.stale, False
        return stale

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


class Room:
    """The listeners of one case in this process, and its tail."""

    def __init__(self) -> None:
        self.listeners: set[Listener] = set()
        self.tail = Tail()


class Bells:
    """Every listener of this process, by case."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_case: dict[str, Room] = {}

    def listen(self, case_id: str, event: threading.Event | None = None) -> Listener:
        with self.lock:
            room = self.by_case.setdefault(case_id, Room())
            listener = Listener(case_id, room.tail, event)
            room.listeners.add(listener)
        return listener

    def leave(self, listener: Listener) -> None:
        with self.lock:
            room = self.by_case.get(listener.case_id)
            if room is not None:
                room.listeners.discard(listener)
                if not room.listeners:
                    del self.by_case[listener.case_id]

    def listeners(self, case_id: str | None = None) -> list[Listener]:
        with self.lock:
            if case_id is not None:
                room = self.by_case.get(case_id)
                return list(room.listeners) if room else []
            return [item for room in self.by_case.values() for item in room.listeners]

    def push(self, case_id: str, frames: Iterable[Out]) -> None:
        """Frames just committed here: into the case's tail, if a socket here watches it."""
        with self.lock:
            room = self.by_case.get(case_id)
        if room is not None:
            room.tail.add(frames)

    def ring(self, case_id: str, head: int | None = None) -> None:
        """Wake the case's sockets; ``head``: the case's frames are stored up to it."""
        with self.lock:
            room = self.by_case.get(case_id)
            listeners = list(room.listeners) if room else []
        if room is not None and head is not None:
            room.tail.announce(head)
        for listener in listeners:
            listener.ring()

    def ring_all(self) -> None:
        """Wake every socket, to read the log (after the bus reconnected)."""
        for listener in self.listeners():
            listener.ring_stale()

    def notice(self, case_id: str, item: dict[str, Any]) -> None:
        for listener in self.listeners(case_id):
            listener.notice(item)
