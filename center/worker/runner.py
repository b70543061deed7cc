"""The worker loop: scheduled jobs when due, then outbound webhooks and handovers until
nothing is due, then a short wait — until told to stop.

``stop`` (a :class:`threading.Event`, set by SIGTERM/SIGINT in ``ascc center worker``) is looked
at between rounds, so the sends in flight finish and are recorded before the worker exits. On
SQLite one worker holds an exclusive ``flock`` on ``<database>.worker`` while it runs; a second
worker waits for it (standby). On PostgreSQL any number run side by side: messages are claimed
with ``FOR UPDATE SKIP LOCKED``, jobs under advisory locks.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from ascc_plugin.clock import Clock, utcnow
from center.handover.sender import HandoverSender
from center.infra.db import Database, sqlite_file
from center.webhooks.dispatch import Dispatcher
from center.worker.jobs import Job, Schedule, run_job

log = logging.getLogger(__name__)
Pump = Callable[[], int]


@dataclass
class Worker:
    """One worker: its database, its pumps (dispatcher, handovers) and its job schedule."""

    database: Database
    dispatcher: Dispatcher
    jobs: Sequence[Job]
    handovers: HandoverSender | None = None
    clock: Clock = utcnow
    idle_seconds: float = 1.0
    stop: threading.Event = field(default_factory=threading.Event)
    monotonic: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.schedule = Schedule(self.jobs)

    def tick(self) -> int:
        """Due jobs once, then every pump until nothing is due (or stop); work done."""
        done = self.run_jobs()
        for pump in self.pumps():
            while not self.stop.is_set():
                count = pump()
                done += count
                if count == 0:
                    break
        return done

    def pumps(self) -> list[Pump]:
        found: list[Pump] = [self.dispatcher.round]
        if self.handovers is not None:
            found.append(self.handovers.round)
        return found

    def run_jobs(self) -> int:
        changed = 0
        for job in self.schedule.ready(self.monotonic()):
            try:
                changed += run_job(self.database, job, self.clock()) or 0
            except Exception:  # one failing job must not stop deliveries
                log.exception("worker: job %s failed", job.name)
            self.schedule.done(job, self.monotonic())
        return changed

    def run(self) -> None:
        """Tick until stopped (waiting ``idle_seconds`` when a tick found nothing to do)."""
        with self.sole_worker():
            log.info("worker: running (%s)", self.dispatcher.owner)
            while not self.stop.is_set():
                try:
                    idle = self.tick() == 0
                except Exception:  # a database restart must not end the worker for good
                    log.exception("worker: tick failed; trying again")
                    idle = True
                if idle:
                    self.stop.wait(self.idle_seconds)
        self.dispatcher.close()
        log.info("worker: stopped")

    @contextmanager
    def sole_worker(self) -> Iterator[None]:
        """On SQLite, hold ``<database>.worker`` exclusively (waiting while another holds it)."""
        path = sqlite_file(self.database.url) if self.database.is_sqlite else None
        if path is None:
            yield
            return
        fd = os.open(f"{path}.worker", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while not self.stop.is_set():
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    log.info("worker: another worker holds the SQLite database; standing by")
                    self.stop.wait(1.0)
            yield
        finally:
            os.close(fd)
