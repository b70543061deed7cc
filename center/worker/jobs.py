"""Scheduled jobs of the worker: an open list of (name, interval, function(session, now)).

:func:`default_jobs` is the hub's list — voucher expiry, incentive lapses and the pruning of
spent channel tickets (an incentive's hold needs no job: it is checked when the provider
redeems). A job returns how many things it
changed.
Each run is one transaction that also records the run (:class:`center.ops.models.JobRun`, the
source of the ``ascc_worker_job_age_seconds`` metric); on PostgreSQL a transaction-scoped
advisory lock per job name lets one worker at a time run it (the others skip it this time), on
SQLite only one worker runs at all.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from center.channel.tickets import prune as prune_tickets
from center.incentives.services import lapse_due
from center.infra.db import Database, dialect_insert
from center.ops.models import JobRun
from center.settings import HubSettings
from center.vouchers.services import expire_due

JobFunction = Callable[[Session, datetime], int]


@dataclass(frozen=True)
class Job:
    """A job run every ``every`` seconds."""

    name: str
    every: float
    run: JobFunction


def default_jobs(settings: HubSettings) -> list[Job]:
    """The hub's scheduled jobs (add new ones here: name, interval, function)."""
    return [
        Job("expire-vouchers", settings.expiry_interval_seconds, expire_due),
        Job("lapse-incentives", settings.expiry_interval_seconds, lapse_due),
        Job("prune-tickets", settings.expiry_interval_seconds, prune_tickets),
    ]


@dataclass
class Schedule:
    """When each job is next due (seconds on the caller's clock); all are due at first."""

    jobs: Sequence[Job]
    due: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [job.name for job in self.jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"two scheduled jobs share a name: {sorted(names)}")

    def ready(self, now: float) -> list[Job]:
        return [job for job in self.jobs if self.due.get(job.name, 0.0) <= now]

    def done(self, job: Job, now: float) -> None:
        self.due[job.name] = now + job.every


def run_job(database: Database, job: Job, now: datetime) -> int | None:
    """Run ``job`` once in one transaction; ``None`` when another worker holds it."""

    def work(session: Session) -> int | None:
        if not database.is_sqlite and not advisory_lock(session, job.name):
            return None
        changed = job.run(session, now)
        record_run(session, job.name, now, changed)
        return changed

    return database.run(work)


def advisory_lock(session: Session, name: str) -> bool:
    key = zlib.crc32(f"ascc-job:{name}".encode())
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}))


def record_run(session: Session, name: str, now: datetime, changed: int) -> None:
    table = JobRun.__table__
    statement = dialect_insert(session, table).values(  # type: ignore[arg-type]
        name=name, last_run_at=now, last_count=changed, last_error=None
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["name"],
            set_={"last_run_at": now, "last_count": changed, "last_error": None},
        )
    )
