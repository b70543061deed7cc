"""Group commit: the sends of many sockets of this process stored in one transaction.

A socket's thread that finds fewer than :data:`WRITERS` batches being written writes its own
send at once, alone — so at a light load a send waits for no one and no other thread. Sends
that arrive while every writer is busy queue up; a writer that has committed hands over to the
first one waiting, which writes itself and everything waiting by then (up to :data:`MOST`) in
one transaction: the batches grow with the load, and no socket's thread keeps writing for the
others. Each send in a batch has its own counter ``UPDATE`` and once-only ``INSERT``
(:func:`center.channel.services.submit`), in case order, so concurrent batches take counter
rows in the same order and cannot deadlock. Nothing is acknowledged before the commit.

A batch in which one send is refused or resent (rare: a rule, or a client's resend) is rolled
back as a whole and its sends are stored again one by one, each getting its own answer: one bad
frame costs its neighbours a retry, never their frame.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from center.infra.db import Database

T = TypeVar("T")
MOST = 64
"""Sends stored in one transaction at most."""
WRITERS = 8
"""Batches being written at once, at most (a send beyond waits for the next batch)."""


class Pending(Generic[T]):
    """One send: its work, then its result or its error (or the call to write the next batch)."""

    def __init__(self, key: str, work: Callable[[Session], T]) -> None:
        self.key, self.work = key, work
        self.woken = threading.Event()
        self.leads = self.settled = False
        self.result: T | None = None
        self.error: BaseException | None = None

    def settle(self, result: T | None = None, error: BaseException | None = None) -> None:
        self.result, self.error, self.settled = result, error, True
        self.woken.set()

    def lead(self) -> None:
        self.leads = True
        self.woken.set()


class Committer(Generic[T]):
    """The batches of one database in this process (see the module docstring)."""

    def __init__(self, database: Database, most: int = MOST, writers: int = WRITERS) -> None:
        self.database, self.most, self.writers = database, most, writers
        self.lock = threading.Lock()
        self.waiting: deque[Pending[T]] = deque()
        self.writing = 0

    def run(self, key: str, work: Callable[[Session], T]) -> T:
        """``work(session)`` in a batch's transaction, once that has committed."""
        pending = Pending(key, work)
        with self.lock:
            leads = self.writing < self.writers
            if leads:
                self.writing += 1
            else:
                self.waiting.append(pending)
        if not leads:
            pending.woken.wait()
        if not pending.settled:
            self.write(pending)
        if pending.error is not None:
            raise pending.error
        assert pending.result is not None
        return pending.result

    def write(self, own: Pending[T]) -> None:
        """Write this thread's send and what waits, then hand over to the next one waiting."""
        with self.lock:
            more = min(self.most - 1, len(self.waiting))
            batch = [own, *(self.waiting.popleft() for _ in range(more))]
        try:
            self.commit(sorted(batch, key=lambda pending: pending.key))
        finally:
            with self.lock:
                if self.waiting:
                    self.waiting.popleft().lead()
                else:
                    self.writing -= 1

    def commit(self, batch: list[Pending[T]]) -> None:
        try:
            results = self.database.run(lambda session: [p.work(session) for p in batch])
        except Exception as exc:
            if len(batch) == 1:
                batch[0].settle(error=exc)
            else:
                for pending in batch:
                    self.commit([pending])
            return
        for pending, result in zip(batch, results, strict=True):
            pending.settle(result)
